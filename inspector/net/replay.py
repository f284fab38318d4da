"""Send a capture again, byte-exact: replay to any URL, and forward live captures.

docs/cli.md ("Sending a capture on") fixes the rule both share: the target URL keeps the base's path unless it
is empty or ``/`` (then the capture's path is used), the capture's raw query is always
appended, hop-by-hop headers and ``Host`` are dropped, ``Content-Length`` is recomputed and
every other header goes out in order, repeated names and their case kept. Percent-encoding
is never touched: signatures and routers on the far side may depend on it.

aiohttp would otherwise "help" by adding ``Accept``, ``Accept-Encoding``, ``User-Agent`` and
``Content-Type`` and by keeping cookies between requests; :func:`make_session` and
:func:`send_capture` switch all of that off so the target sees what the vendor sent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

import aiohttp
from multidict import MultiDict
from yarl import URL

from inspector.core.capture import Capture, ForwardRecord, Headers, ResponseRecord, utc_now
from inspector.core.origin import REPLAY_HEADER
from inspector.core.store import ReplayRecord

log = logging.getLogger(__name__)

#: Header the listener strips and records as ``replay_of`` when it comes with the run
#: token (see ``marker_headers`` and :func:`inspector.core.origin.own_markers`).
REPLAY_MARKER = REPLAY_HEADER

#: Dropped when sending a capture on: they describe one connection, not the message.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "host"}
)

# Headers aiohttp would add by itself; skipping them means "send only what the capture had"
# (a header the capture does have is still sent, skip only stops the automatic default).
_AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")

# Characters a user-typed base URL may carry as they are; everything else is quoted. "%" is
# kept so an already percent-encoded base is not encoded twice.
_URL_SAFE = "/%:@!$&'()*+,;=-._~?[]"


def is_hop_by_hop(name: str) -> bool:
    """True for headers that are not forwarded (hop-by-hop ones and ``Host``)."""
    lname = name.lower()
    return lname in HOP_BY_HOP or lname.startswith("proxy-")


def end_to_end_headers(headers: Iterable[tuple[str, str]]) -> Headers:
    """The headers to send on, in order: all but hop-by-hop ones and ``Host``."""
    return [(k, v) for k, v in headers if not is_hop_by_hop(k)]


def outgoing_headers(
    capture_headers: Iterable[tuple[str, str]],
    body: bytes,
    marker_headers: Sequence[tuple[str, str]] = (),
) -> Headers:
    """Headers exactly as they go on the wire (besides ``Host``, which aiohttp puts first).

    ``Content-Length`` stays where the vendor put it, with the recomputed value; a capture
    that came chunked gets one after its own headers because the body is now known.
    """
    out: Headers = []
    length_seen = False
    for name, value in end_to_end_headers(capture_headers):
        if name.lower() == "content-length":
            if length_seen:
                continue
            length_seen = True
            value = str(len(body))
        out.append((name, value))
    if not length_seen and body:
        out.append(("Content-Length", str(len(body))))
    out.extend(marker_headers)
    return out


def _quote_unsafe(text: str) -> str:
    return quote(text, safe=_URL_SAFE)


def target_url(base: str, capture: Capture) -> str:
    """Where to send ``capture`` given a user's base URL (docs/cli.md, "Sending a capture on").

    >>> c = Capture(method="POST", path="/blurit/cb", query="a=%2F+b")
    >>> target_url("http://localhost:3000", c)
    'http://localhost:3000/blurit/cb?a=%2F+b'
    >>> target_url("http://localhost:3000/hooks", c)
    'http://localhost:3000/hooks?a=%2F+b'
    """
    parts = urlsplit(base.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http:// or https:// URL: {base!r}")
    base_path = _quote_unsafe(parts.path)
    if base_path in ("", "/"):
        path = capture.path if capture.path.startswith("/") else "/" + capture.path
    else:
        path = base_path
    query = "&".join(q for q in (_quote_unsafe(parts.query), capture.query) if q)
    return urlunsplit((parts.scheme.lower(), parts.netloc, path, query, ""))


def make_session(**kwargs: object) -> aiohttp.ClientSession:
    """A client session fit for replaying: no cookie jar (a target's ``Set-Cookie`` must not
    leak into the next forward), bodies left compressed as the target sent them, no
    default headers. Extra keyword arguments go to :class:`aiohttp.ClientSession`."""
    kwargs.setdefault("cookie_jar", aiohttp.DummyCookieJar())
    kwargs.setdefault("auto_decompress", False)
    return aiohttp.ClientSession(**kwargs)  # type: ignore[arg-type]


@dataclass(slots=True)
class ReplayResult:
    """What the target answered, or why there is no answer (``error``)."""

    url: str
    status: int | None = None
    headers: Headers = field(default_factory=list)
    body: bytes = b""
    latency_ms: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_forward_record(self) -> ForwardRecord:
        return ForwardRecord(
            url=self.url,
            status=self.status,
            latency_ms=round(self.latency_ms, 3),
            error=self.error,
            body=self.body,
            headers=list(self.headers),
        )

    def to_replay_record(self, capture_id: str) -> ReplayRecord:
        """This answer, kept with the capture it replays (its Replays tab)."""
        return ReplayRecord(
            capture_id=capture_id,
            url=self.url,
            at=utc_now(),
            status=self.status,
            latency_ms=self.latency_ms,
            error=self.error,
            headers=list(self.headers),
            body=self.body,
        )

    def to_response_record(self) -> ResponseRecord | None:
        """The answer as a :class:`ResponseRecord`, or ``None`` when there was none."""
        if self.status is None:
            return None
        return ResponseRecord(status=self.status, headers=list(self.headers), body=self.body)


class _HeaderName(str):
    """A header name that keeps its case but hashes and compares case-insensitively.

    aiohttp's ``ClientSession._prepare_headers`` remembers the names it has seen in a plain
    ``set``, so ``X-Dup`` then ``x-dup`` replaces the first value instead of adding a second
    one (aiohttp 3.14). Names of this type make that set case-insensitive; a case-sensitive
    ``MultiDict`` (unlike ``CIMultiDict``, which turns keys into ``istr``) keeps them as they
    are. The replay tests send case-variant repeats to catch any regression.
    """

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self.lower())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and self.lower() == other.lower()

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)


def _decode_raw_headers(raw: Iterable[tuple[bytes, bytes]]) -> Headers:
    # Same decoding aiohttp's parser uses, so non-UTF-8 bytes survive a round trip.
    return [
        (k.decode("utf-8", "surrogateescape"), v.decode("utf-8", "surrogateescape")) for k, v in raw
    ]


def _describe_error(exc: BaseException, url: URL, timeout: float) -> str:
    where = f"{url.host}:{url.port}" if url.host else str(url)
    if isinstance(exc, (TimeoutError, aiohttp.ServerTimeoutError)):
        return f"no answer within {timeout:g} s from {where}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        cause = exc.os_error
        if isinstance(cause, ConnectionRefusedError):
            return f"connection refused to {where}"
        reason = cause.strerror or str(cause) or type(cause).__name__
        return f"cannot connect to {where}: {reason}"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return f"{where} closed the connection without answering"
    if isinstance(exc, aiohttp.ClientError):
        return f"{type(exc).__name__} from {where}: {exc}"
    # Bad header text, an invalid URL...: the capture cannot be sent as it is.
    return f"cannot send to {where}: {type(exc).__name__}: {exc}"


async def send_capture(
    session: aiohttp.ClientSession,
    capture: Capture,
    url: str,
    *,
    # A parameter rather than asyncio.timeout(): a timeout is a result to record, not an
    # exception for the caller.
    timeout: float = 30,  # noqa: ASYNC109
    marker_headers: Sequence[tuple[str, str]] = (),
) -> ReplayResult:
    """Send ``capture`` (method, headers, body) to the full ``url``; never raises for
    network trouble, which ends up in :attr:`ReplayResult.error` instead.

    ``url`` is used as already percent-encoded (build it with :func:`target_url`).
    ``marker_headers`` are appended after the capture's headers; by default nothing is
    added, so the target sees exactly what the vendor sent. A ``truncated``
    capture is sent with the part of the body that was kept.
    """
    if capture.body is None and capture.body_size > 0:
        # sending b"" instead would look like a faithful replay and not be one
        return ReplayResult(url=url, error="the capture's body is not loaded; load it first")
    body = capture.body_bytes
    headers = MultiDict(
        (_HeaderName(k), v) for k, v in outgoing_headers(capture.headers, body, marker_headers)
    )
    start = time.perf_counter()
    try:
        target = URL(url, encoded=True)
    except (ValueError, TypeError) as exc:
        return ReplayResult(url=url, error=f"invalid URL {url!r}: {exc}")
    try:
        async with session.request(
            capture.method,
            target,
            headers=headers,
            # raw bytes, so aiohttp never builds a form body; None for an empty body so a
            # GET does not gain a "Content-Length: 0" the vendor never sent
            data=body or None,
            skip_auto_headers=_AUTO_HEADERS,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as resp:
            answer = await resp.read()
            return ReplayResult(
                url=url,
                status=resp.status,
                headers=_decode_raw_headers(resp.raw_headers),
                body=answer,
                latency_ms=(time.perf_counter() - start) * 1000,
            )
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        return ReplayResult(
            url=url,
            latency_ms=(time.perf_counter() - start) * 1000,
            error=_describe_error(exc, target, timeout),
        )


async def forward_and_wait(
    session: aiohttp.ClientSession,
    capture: Capture,
    base_url: str,
    *,
    timeout: float = 10,  # noqa: ASYNC109  (recorded in the result, see send_capture)
) -> ForwardRecord:
    """Forward one capture and wait for the target's answer (proxy mode).

    The listener answers the vendor with ``record.status/headers/body`` when
    ``record.error is None`` (after dropping hop-by-hop headers with
    :func:`end_to_end_headers`), and with the endpoint's own answer otherwise.
    """
    try:
        url = target_url(base_url, capture)
    except ValueError as exc:
        return ForwardRecord(url=base_url, error=str(exc))
    result = await send_capture(session, capture, url, timeout=timeout)
    return result.to_forward_record()


ForwardCallback = Callable[[str, ForwardRecord], None]


class Forwarder:
    """Owns the background forwarding of live captures to one development server.

    ``submit`` only puts the capture on a bounded queue, so the listener answers the vendor
    without waiting for the target; ``workers`` named tasks send from the queue and report
    each result through ``on_result(capture_id, record)``. A full queue (the target is far
    slower than the vendor) drops the forward, never the capture, and reports that as an
    error. ``start``/``stop`` belong to the app's lifetime; ``stop`` cancels and awaits
    every task it started.
    """

    def __init__(
        self,
        on_result: ForwardCallback,
        *,
        workers: int = 4,
        queue_size: int = 1000,
        timeout: float = 10,
        session: aiohttp.ClientSession | None = None,
        name: str = "forward",
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self._on_result = on_result
        self._workers = workers
        self._timeout = timeout
        self._name = name
        self._queue: asyncio.Queue[tuple[Capture, str]] = asyncio.Queue(maxsize=queue_size)
        self._session = session
        self._own_session = session is None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def running(self) -> bool:
        return bool(self._tasks)

    @property
    def pending(self) -> int:
        """Captures waiting to be sent (not counting those being sent)."""
        return self._queue.qsize()

    async def start(self) -> None:
        if self._tasks:
            return
        if self._session is None:
            self._session = make_session()
        self._tasks = [
            asyncio.create_task(self._work(), name=f"{self._name}-worker-{i}")
            for i in range(self._workers)
        ]

    async def stop(self) -> None:
        """Cancel the workers, wait for them, and close the session if it is ours."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def join(self) -> None:
        """Wait until everything submitted so far has been sent (or failed)."""
        await self._queue.join()

    def submit(self, capture: Capture, url: str) -> None:
        """Queue ``capture`` for forwarding to ``url`` (a base URL, see :func:`target_url`).

        Never blocks and never raises for a full queue or a bad URL: those become an
        error record passed to ``on_result`` right away.
        """
        if not self._tasks:
            self._report(capture.id, ForwardRecord(url=url, error="forwarding is not running"))
            return
        try:
            self._queue.put_nowait((capture, url))
        except asyncio.QueueFull:
            self._report(
                capture.id,
                ForwardRecord(
                    url=url,
                    error=f"not forwarded: {self._queue.maxsize} forwards already waiting",
                ),
            )

    def _report(self, capture_id: str, record: ForwardRecord) -> None:
        # A failing subscriber must not kill a worker (and so stop all later forwards).
        try:
            self._on_result(capture_id, record)
        except Exception:
            log.exception("forward result callback failed for %s", capture_id)

    async def _work(self) -> None:
        while True:
            capture, url = await self._queue.get()
            try:
                session = self._session
                assert session is not None
                record = await forward_and_wait(session, capture, url, timeout=self._timeout)
                self._report(capture.id, record)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a bug in one forward must not stop the next ones
                log.exception("forwarding %s failed", capture.id)
                self._report(capture.id, ForwardRecord(url=url, error=f"internal error: {exc}"))
            finally:
                self._queue.task_done()

    async def __aenter__(self) -> Forwarder:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
