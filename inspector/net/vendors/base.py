"""What the vendors' API clients share: :class:`VendorError`, which carries one sentence
for people, the client base (a session, a configurable base URL, error mapping) and an
upload body that reports progress and can be cancelled mid-flight.

Credentials are never logged nor put into error messages.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, Self

import aiohttp
from aiohttp.abc import AbstractStreamWriter
from aiohttp.payload import Payload
from yarl import URL

#: ``progress(bytes_sent, total_bytes)``, called after every chunk written to the socket.
ProgressCallback = Callable[[int, int], None]

#: Upload chunk: small enough for a smooth progress bar, large enough to be cheap.
UPLOAD_CHUNK = 64 * 1024

DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=15, sock_read=120)


class VendorError(Exception):
    """A vendor API call failed; ``str(error)`` is one sentence a person can act on.

    ``status`` is the HTTP status when the vendor answered (None for network errors) and
    ``detail`` the vendor's own message when it gave one.
    """

    def __init__(
        self, vendor: str, message: str, *, status: int | None = None, detail: str | None = None
    ) -> None:
        super().__init__(message)
        self.vendor = vendor
        self.status = status
        self.detail = detail


class ProgressPayload(Payload):
    """Bytes sent in chunks, reporting progress; cancelling the request stops it between chunks.

    Works both as a whole request body and as a part of a multipart body (aiohttp calls
    ``write_with_length`` for the former and ``write`` for the latter).
    """

    def __init__(
        self,
        value: bytes,
        *,
        progress: ProgressCallback | None = None,
        content_type: str = "application/octet-stream",
        chunk_size: int = UPLOAD_CHUNK,
    ) -> None:
        # Not BytesPayload: that one warns about big bodies, which we send in chunks anyway.
        super().__init__(value, content_type=content_type)
        self._value: bytes = value
        self._size = len(value)
        self._progress = progress
        self._chunk_size = chunk_size

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return self._value.decode(encoding, errors)

    async def as_bytes(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return self._value

    async def write(self, writer: AbstractStreamWriter) -> None:
        await self.write_with_length(writer, None)

    async def write_with_length(
        self, writer: AbstractStreamWriter, content_length: int | None
    ) -> None:
        data = memoryview(self._value)
        if content_length is not None:
            data = data[:content_length]
        total = len(data)
        sent = 0
        if self._progress is not None:
            self._progress(0, total)
        while sent < total:
            chunk = data[sent : sent + self._chunk_size]
            # writer.write waits for the transport to drain, so progress follows the wire.
            await writer.write(bytes(chunk))
            sent += len(chunk)
            if self._progress is not None:
                self._progress(sent, total)
            # Yield even when the socket buffer has room, so a cancel lands between chunks.
            await asyncio.sleep(0)


def host_of(url: str | URL) -> str:
    """``host[:port]`` of a URL, for "cannot reach ..." messages."""
    u = URL(url) if isinstance(url, str) else url
    if u.host is None:
        return str(u)
    return f"{u.host}:{u.explicit_port}" if u.explicit_port else u.host


def network_error(vendor: str, url: str | URL, exc: BaseException) -> VendorError:
    """``cannot reach <host>: <what happened>`` (TimeoutError has an empty message)."""
    what = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError):
        what = "timed out"
    return VendorError(vendor, f"cannot reach {host_of(url)}: {what}")


def decode_json(body: bytes) -> Any:
    """The JSON value of an answer body, or None when it is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def first_text(payload: Any, *names: str) -> str | None:
    """The first non-empty string field among ``names`` of a JSON object answer."""
    if not isinstance(payload, dict):
        return None
    for name in names:
        value = payload.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return "; ".join(value)
    return None


def sentence(text: str) -> str:
    """One sentence: stripped, without a trailing period (callers add context around it)."""
    return text.strip().rstrip(".")


class VendorClient:
    """What every vendor client shares: a session, the base URL, and error mapping.

    The session is made on first use (inside the running loop) unless one is given; a
    given session is not closed by :meth:`close`. Use as ``async with Client(...) as c``.
    """

    #: The vendor's name as people know it, used in messages.
    vendor = ""

    def __init__(
        self,
        base_url: str,
        *,
        session: aiohttp.ClientSession | None = None,
        timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
    ) -> None:
        base = URL(base_url)
        if not base.is_absolute() or base.scheme not in ("http", "https"):
            raise ValueError(f"base URL must be http(s)://host[:port], got {base_url!r}")
        # The bare origin (docs/vendors.md); a path prefix (a staging proxy) is tolerated.
        self.base_url = str(base.with_query(None).with_fragment(None)).rstrip("/")
        self._session = session
        self._own_session = session is None
        self._timeout = timeout

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
        self._session = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def url(self, path: str) -> URL:
        """The base URL joined with an already-encoded ``path`` (trailing slash kept)."""
        return URL(self.base_url + path, encoded=True)

    async def send(
        self,
        method: str,
        url: URL,
        *,
        headers: dict[str, str] | None = None,
        data: Any = None,
        skip_auto_headers: tuple[str, ...] = (),
    ) -> tuple[int, bytes]:
        """One request; network failures become ``cannot reach <host>: ...``.

        Cancellation is not caught: a cancelled upload aborts its connection and the
        ``CancelledError`` reaches the caller.
        """
        try:
            async with self.session.request(
                method,
                url,
                headers=headers,
                data=data,
                skip_auto_headers=skip_auto_headers,
                allow_redirects=False,
            ) as resp:
                return resp.status, await resp.read()
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise network_error(self.vendor, url, exc) from exc

    def error_for(self, status: int, body: bytes) -> VendorError:
        """The sentence for an error answer; vendors refine it."""
        if status in (401, 403):
            return VendorError(
                self.vendor, f"the {self.vendor} credentials were refused", status=status
            )
        return VendorError(self.vendor, f"{self.vendor} answered HTTP {status}", status=status)

    def checked_json(self, status: int, body: bytes) -> Any:
        """The JSON answer of a 2xx, else the vendor's error as a :class:`VendorError`."""
        if not 200 <= status < 300:
            raise self.error_for(status, body)
        payload = decode_json(body)
        if payload is None and body.strip():
            raise VendorError(
                self.vendor,
                f"{self.vendor} answered with something that is not JSON",
                status=status,
            )
        return payload


__all__ = [
    "DEFAULT_TIMEOUT",
    "UPLOAD_CHUNK",
    "ProgressCallback",
    "ProgressPayload",
    "VendorClient",
    "VendorError",
    "decode_json",
    "first_text",
    "host_of",
    "network_error",
    "sentence",
]
