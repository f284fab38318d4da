"""Endpoints: a listener path bound to a vendor, a secret, and a response rule.

The table lives in ``<data_dir>/endpoints.json``. Both the GUI and the command line edit
it, so writes are atomic (temporary file + :func:`os.replace`) and a running listener
re-reads the file when it changed (:meth:`EndpointTable.reload_if_changed`: the listener
calls it before a request when it has not for 10 ms, the GUI's endpoints panel every
second).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from inspector.core.capture import Capture, Headers, format_timestamp, parse_timestamp, utc_now
from inspector.core.validation import ENCODINGS, SCHEMES, mask, sign_standard_webhooks
from inspector.core.vendors import FALLBACK_VENDOR, find_vendor, get_vendor, vendor_for_path

ENDPOINTS_FILE = "endpoints.json"
FILE_VERSION = 1
#: A delay longer than this would only make senders time out; cap it to keep tests honest.
MAX_DELAY_MS = 120_000


def normalize_path(path: str) -> str:
    """``/blurit/`` and ``/blurit`` are the same endpoint; ``/`` stays ``/``."""
    return path.rstrip("/") or "/"


def split_query_token(text: str) -> tuple[str, str]:
    """``key=s3cret`` -> ``("key", "s3cret")``; ValueError when it is not NAME=VALUE."""
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise ValueError(f"query token must look like NAME=VALUE, got {text!r}")
    return name, value


def draft_from_capture(capture: Capture) -> Endpoint:
    """A new endpoint for a captured request: its path, its vendor (the capture's, else the
    one its path names) and the token it carried where that vendor sends it (a header, or
    the query parameter of a vendor that sends none; for the generic vendor the first
    header whose name has "token" in it). ValueError when the path cannot be an endpoint's.
    """
    path = unquote(capture.path)
    found = find_vendor(capture.vendor) or vendor_for_path(path)
    vendor = found if found is not None else get_vendor(FALLBACK_VENDOR)
    profile = vendor.profile
    token: str | None = None
    header: str | None = None
    if profile.token_query:
        query = dict(parse_qsl(capture.query, keep_blank_values=True))
        token = query.get(profile.token_query) or None
    elif profile.token_header:
        token = capture.header(profile.token_header) or None
    elif profile.token_header_configurable:
        seen = [(n, v) for n, v in capture.headers if "token" in n.lower() and v]
        if seen:
            header, token = seen[0]
    return Endpoint(path=path, vendor=vendor.id, token=token, header=header)


@dataclass(slots=True)
class ResponseRule:
    """How to override the vendor's answer: status, headers, body, delay, failure rate.

    ``None`` status/body mean "keep the vendor's". With ``fail_rate`` 0.3, about 30 % of
    requests get ``500`` (to test the sender's retry handling).
    """

    status: int | None = None
    headers: Headers = field(default_factory=list)
    body: str | None = None
    delay_ms: int = 0
    fail_rate: float = 0.0

    def check(self) -> None:
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError(f"status must be between 100 and 599, got {self.status}")
        if not 0 <= self.delay_ms <= MAX_DELAY_MS:
            raise ValueError(f"delay_ms must be between 0 and {MAX_DELAY_MS}, got {self.delay_ms}")
        if not 0.0 <= self.fail_rate <= 1.0:
            raise ValueError(f"fail_rate must be between 0 and 1, got {self.fail_rate}")
        for name, value in self.headers:
            if not name or any(c in name for c in ":\r\n ") or any(c in value for c in "\r\n"):
                raise ValueError(f"invalid response header {name!r}: {value!r}")

    @property
    def is_default(self) -> bool:
        return self == ResponseRule()

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "headers": [list(h) for h in self.headers],
            "body": self.body,
            "delay_ms": self.delay_ms,
            "fail_rate": self.fail_rate,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ResponseRule:
        data = data or {}
        status = data.get("status")
        return cls(
            status=int(status) if status is not None else None,
            headers=[(str(k), str(v)) for k, v in data.get("headers") or []],
            body=None if data.get("body") is None else str(data["body"]),
            delay_ms=int(data.get("delay_ms") or 0),
            fail_rate=float(data.get("fail_rate") or 0.0),
        )


@dataclass(slots=True)
class Endpoint:
    """A path on the listener bound to a vendor, its credentials and a response rule.

    Credentials, all optional:

    - ``token``: the vendor's shared token, checked where the vendor's profile says: its
      token header (``VendorProfile.token_header_for``, e.g. BlurIt's ``X-Auth-Token``),
      or, for a vendor that sends no header, its query parameter
      (``VendorProfile.token_query``, Celantur's ``key``) unless ``query_token`` names
      another parameter.
    - ``query_token``: ``NAME=VALUE`` the webhook URL's query must carry.
    - ``secret`` + ``scheme`` (+ ``header``, ``encoding``, ``prefix``): a signature scheme
      from :data:`inspector.core.validation.SCHEMES`.
    - ``secret`` alone, for a provider that signs with a shared secret in its own way
      (``VendorProfile.credential == "secret"``: Slack, Twilio, Shopify...), or
      ``public_key`` for one that signs with a key pair (``"public-key"``: Discord,
      SendGrid); see docs/providers.md.

    ``vendor`` is the id of a registered vendor (:mod:`inspector.core.vendors`). The
    constructor validates and raises ``ValueError`` with a message for people.
    """

    path: str
    vendor: str = FALLBACK_VENDOR
    token: str | None = None
    query_token: str | None = None
    secret: str | None = None
    scheme: str | None = None
    header: str | None = None
    encoding: str = "hex"
    prefix: str = ""
    response: ResponseRule = field(default_factory=ResponseRule)
    #: the provider's public key, for a vendor that signs with a key pair
    public_key: str | None = None
    forward_url: str | None = None
    #: answer the sender with the forward target's answer (``stripe listen``-style proxy)
    #: instead of this endpoint's own answer
    forward_proxy: bool = False
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)

    def __post_init__(self) -> None:
        if not self.path.startswith("/"):
            raise ValueError(f"endpoint path must start with '/', got {self.path!r}")
        if any(c in self.path for c in "?# \r\n"):
            raise ValueError(
                f"endpoint path must be a bare path (no query, spaces), got {self.path!r}"
            )
        self.path = normalize_path(self.path)
        profile = get_vendor(self.vendor).profile  # ValueError naming the registered vendors
        own = profile.credential
        if self.public_key is not None:
            if own != "public-key":
                raise ValueError(
                    f"{profile.title} does not sign with a key pair: --public-key is only for "
                    "providers that do (discord, sendgrid)"
                )
            profile.check_credential(self.public_key)  # ValueError saying what is wrong
        if own == "public-key" and self.secret and not self.scheme:
            raise ValueError(
                f"{profile.title} signs with a key pair: give its public key (--public-key)"
            )
        if self.encoding not in ENCODINGS:
            raise ValueError(f"encoding must be hex or base64, got {self.encoding!r}")
        if self.query_token is not None:
            split_query_token(self.query_token)
        if self.scheme is not None:
            if self.scheme not in SCHEMES:
                raise ValueError(
                    f"unknown scheme {self.scheme!r}; choose one of {', '.join(SCHEMES)}"
                )
            if self.scheme == "query-token":
                if self.query_token is None:
                    if self.secret is None:
                        raise ValueError("scheme query-token needs --query-token NAME=VALUE")
                    split_query_token(self.secret)
            elif self.scheme == "token-header":
                if not (self.secret or self.token):
                    raise ValueError("scheme token-header needs a token (--token or --secret)")
            elif not self.secret:
                raise ValueError(f"scheme {self.scheme} needs --secret")
            if self.scheme == "standard-webhooks" and self.secret:
                # Fails now, with a message, rather than on every request.
                sign_standard_webhooks(b"", self.secret, msg_id="check", timestamp=0)
        elif self.secret and own == "secret":
            profile.check_credential(self.secret)
        elif self.secret:
            raise ValueError("a secret needs a scheme (--scheme)")
        if self.forward_proxy and not self.forward_url:
            raise ValueError(
                "proxy mode answers with the forward target's answer: set --forward URL"
            )
        self.response.check()

    def query_token_pair(self) -> tuple[str, str] | None:
        """The expected query parameter, from ``query_token`` (or a query-token secret)."""
        if self.query_token:
            return split_query_token(self.query_token)
        if self.scheme == "query-token" and self.secret:
            return split_query_token(self.secret)
        return None

    def to_json(self, mask_secrets: bool = False) -> dict[str, Any]:
        """The stored form; ``mask_secrets`` for listings (``endpoint list``, the GUI)."""

        def hide(value: str | None) -> str | None:
            return mask(value) if mask_secrets and value is not None else value

        query_token = self.query_token
        if mask_secrets and query_token is not None:
            name, value = split_query_token(query_token)
            query_token = f"{name}={mask(value)}"
        return {
            "path": self.path,
            "vendor": self.vendor,
            "token": hide(self.token),
            "query_token": query_token,
            "secret": hide(self.secret),
            "scheme": self.scheme,
            "header": self.header,
            "encoding": self.encoding,
            "prefix": self.prefix,
            "response": self.response.to_json(),
            "forward_url": self.forward_url,
            "forward_proxy": self.forward_proxy,
            "public_key": self.public_key,
            "created_at": format_timestamp(self.created_at),
            "updated_at": format_timestamp(self.updated_at),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Endpoint:
        def opt(name: str) -> str | None:
            value = data.get(name)
            return None if value is None else str(value)

        now = utc_now()
        return cls(
            path=str(data["path"]),
            vendor=str(data.get("vendor") or FALLBACK_VENDOR),
            token=opt("token"),
            query_token=opt("query_token"),
            secret=opt("secret"),
            scheme=opt("scheme"),
            header=opt("header"),
            encoding=str(data.get("encoding") or "hex"),
            prefix=str(data.get("prefix") or ""),
            response=ResponseRule.from_json(data.get("response")),
            forward_url=opt("forward_url"),
            forward_proxy=bool(data.get("forward_proxy", False)),
            public_key=opt("public_key"),
            created_at=parse_timestamp(data["created_at"]) if data.get("created_at") else now,
            updated_at=parse_timestamp(data["updated_at"]) if data.get("updated_at") else now,
        )


class EndpointTable:
    """The endpoints, in memory, optionally backed by ``<data_dir>/endpoints.json``."""

    def __init__(self, file: Path | None = None, endpoints: list[Endpoint] | None = None) -> None:
        self.file = file
        self._by_path: dict[str, Endpoint] = {}
        self._stamp: tuple[int, int, int] | None = None
        #: Why the last reload failed (the previous table stays in use), or None.
        self.last_error: str | None = None
        #: Bumped on every change (reload, add, remove): several readers (the listener, the
        #: endpoints panel) share one table, and only one of them sees reload_if_changed().
        self.generation = 0
        #: Bumped when the file was changed by someone else (another process, a hand
        #: edit) and re-read; the app's own saves do not count.
        self.external_changes = 0
        for endpoint in endpoints or []:
            self._by_path[endpoint.path] = endpoint

    # -- persistence ---------------------------------------------------------------------
    @classmethod
    def load(cls, data_dir: Path | str) -> EndpointTable:
        """Read ``endpoints.json`` from ``data_dir`` (an absent file is an empty table)."""
        table = cls(Path(data_dir) / ENDPOINTS_FILE)
        table._read()
        return table

    def _file_stamp(self) -> tuple[int, int, int] | None:
        assert self.file is not None
        try:
            st = self.file.stat()
        except FileNotFoundError:
            return None
        # The inode changes on every os.replace, so two saves within the mtime granularity
        # with the same size are still told apart.
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _read(self) -> None:
        assert self.file is not None
        stamp = self._file_stamp()
        if stamp is None:
            self._by_path = {}
            self._stamp = None
            return
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            items = data["endpoints"] if isinstance(data, dict) else data
            if not isinstance(items, list):
                raise ValueError("'endpoints' is not a list")
            loaded = [Endpoint.from_json(item) for item in items]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{self.file}: cannot read endpoints: {exc}") from exc
        self._by_path = {e.path: e for e in loaded}
        self._stamp = stamp
        self.generation += 1

    def save(self) -> None:
        """Write the table atomically; readers never see a half-written file."""
        if self.file is None:
            return
        self.file.parent.mkdir(parents=True, exist_ok=True)
        payload = {"version": FILE_VERSION, "endpoints": [e.to_json() for e in self]}
        fd, tmp = tempfile.mkstemp(prefix=".endpoints-", suffix=".tmp", dir=self.file.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(payload, fh, indent=2)
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
            # Secrets live in this file: keep it readable by the user alone.
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._stamp = self._file_stamp()

    def reload_if_changed(self) -> bool:
        """Re-read the file if another process changed it; True when the table changed.

        A file that cannot be read keeps the current table and sets :attr:`last_error`
        (a listener must keep serving while someone hand-edits the file).
        """
        if self.file is None:
            return False
        stamp = self._file_stamp()
        if stamp == self._stamp:
            return False
        try:
            self._read()
        except (ValueError, OSError) as exc:
            self.last_error = str(exc)
            self._stamp = stamp  # do not retry the same broken file every second
            return False
        self.last_error = None
        self.external_changes += 1
        return True

    # -- queries and edits ---------------------------------------------------------------
    def __iter__(self) -> Iterator[Endpoint]:
        return iter(sorted(self._by_path.values(), key=lambda e: e.path))

    def __len__(self) -> int:
        return len(self._by_path)

    def get(self, path: str) -> Endpoint | None:
        return self._by_path.get(normalize_path(path))

    def match(self, path: str) -> Endpoint | None:
        """The endpoint for a request path (raw, as on the request line), or None.

        Exact match, ignoring a trailing slash; a percent-encoded path also matches its
        decoded form so ``/my%2Dhook`` finds ``/my-hook``.
        """
        found = self.get(path)
        if found is None and "%" in path:
            found = self.get(unquote(path))
        return found

    def add(self, endpoint: Endpoint) -> Endpoint:
        """Create or replace (keeping the original ``created_at``); returns what is stored."""
        old = self._by_path.get(endpoint.path)
        if old is not None:
            endpoint = replace(endpoint, created_at=old.created_at, updated_at=utc_now())
        self._by_path[endpoint.path] = endpoint
        self.generation += 1
        return endpoint

    def remove(self, path: str) -> bool:
        """Remove by path; False when there was no such endpoint."""
        removed = self._by_path.pop(normalize_path(path), None) is not None
        self.generation += removed
        return removed

    def for_vendor(self, vendor: str) -> list[Endpoint]:
        """Endpoints bound to a vendor (``simulate`` sends to the first one)."""
        return [e for e in self if e.vendor == vendor]
