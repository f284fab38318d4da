"""The capture: one HTTP request received (or replayed, imported, simulated) and our answer.

The raw bytes of the body and the ordered raw header pairs are kept exactly as received:
signatures are computed over raw bytes, and replay must be byte-exact. Decoded views are
derived on demand and never stored in place of the raw data.
"""

from __future__ import annotations

import base64
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from inspector.core.origin import called_origin

Source = Literal["live", "replay", "import", "simulate"]
SOURCES: tuple[str, ...] = ("live", "replay", "import", "simulate")
#: How a request reached the listener: relayed by the public tunnel, or from this machine.
Via = Literal["tunnel", "local"]
VIAS: tuple[str, ...] = ("tunnel", "local")
ValidationOutcome = Literal["valid", "invalid", "missing", "unchecked"]

#: Bytes of the body kept when a request is over the body limit.
TRUNCATED_KEEP = 64 * 1024

Headers = list[tuple[str, str]]


_id_lock = threading.Lock()
_MS_MASK = (1 << 48) - 1
#: version 7, variant 0b10, and a bit above the 128 that keeps leading zeros in hex()
_ID_FIXED_BITS = 1 << 128 | 0x7 << 76 | 0b10 << 62
_getrandbits = random.getrandbits
_id_last_ms = 0
_id_counter = 0


def new_capture_id() -> str:
    """A unique, URL-safe id that sorts by creation time: a UUID version 7 (RFC 9562) in hex.

    The millisecond timestamp leads, then a 12-bit counter that keeps ids made in the same
    millisecond in order, then 62 random bits. Ids in creation order are appended to the
    store's index instead of landing on a random page of it: that halved the bytes SQLite
    writes per capture (bench/throughput.py).
    """
    global _id_last_ms, _id_counter
    with _id_lock:
        ms = time.time_ns() // 1_000_000
        if ms > _id_last_ms:
            _id_last_ms, _id_counter = ms, 0
        else:  # same millisecond, or the clock went back: stay monotonic
            _id_counter += 1
            if _id_counter > 0xFFF:
                _id_last_ms, _id_counter = _id_last_ms + 1, 0
        ms, counter = _id_last_ms, _id_counter
    # random's global generator is seeded from os.urandom and reseeded after a fork.
    value = (ms & _MS_MASK) << 80 | counter << 64 | _getrandbits(62) | _ID_FIXED_BITS
    # hex() of a number with bit 128 set: 33 digits, the first ("1") dropped with "0x";
    # a third of what f"{value:032x}" costs.
    return hex(value)[3:]


def utc_now() -> datetime:
    return datetime.now(UTC)


#: "00" to "99": runs twice per capture (its row and serve's line), and lookups cost less
#: than %-formatting seven integers (docs/performance.md, smaller measurements).
_TWO_DIGITS = tuple(f"{i:02d}" for i in range(100))


def format_timestamp(ts: datetime) -> str:
    """RFC 3339 UTC with microseconds, e.g. ``2026-11-25T11:36:16.123456Z``."""
    u = ts if ts.tzinfo is UTC else ts.astimezone(UTC)
    d = _TWO_DIGITS
    year = u.year
    us = u.microsecond
    return (
        f"{year if year > 999 else f'{year:04d}'}-{d[u.month]}-{d[u.day]}T{d[u.hour]}:"
        f"{d[u.minute]}:{d[u.second]}.{d[us // 10000]}{d[us // 100 % 100]}{d[us % 100]}Z"
    )


def parse_timestamp(text: str) -> datetime:
    """Parse an RFC 3339 timestamp (``Z`` or an offset); naive input is taken as UTC."""
    if not isinstance(text, str):
        raise ValueError(f"timestamp must be a string, not {type(text).__name__}")
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    ts = datetime.fromisoformat(value)
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC)


def _typed(
    data: dict[str, Any], name: str, kind: type | tuple[type, ...], default: Any = None
) -> Any:
    """``data[name]`` when it has the right type (or is absent/None: ``default``).

    Imports come from files people edit: a wrong type is a ValueError naming the field,
    never an AttributeError deep inside.
    """
    value = data.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) and kind in (int, float):
        raise ValueError(f"field {name!r} must be a number, not {value!r}")
    if not isinstance(value, kind):
        expected = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise ValueError(f"field {name!r} must be {expected}, not {type(value).__name__}")
    return value


def _object(value: Any, name: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"field {name!r} must be an object, not {type(value).__name__}")
    return value


def _pairs(value: Any, name: str) -> Headers:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"field {name!r} must be a list of [name, value] pairs")
    out: Headers = []
    for item in value:
        if (
            not isinstance(item, list | tuple)
            or len(item) != 2
            or not all(isinstance(x, str) for x in item)
        ):
            raise ValueError(f"field {name!r} must be a list of [name, value] string pairs")
        out.append((item[0], item[1]))
    return out


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def header_get(headers: Headers, name: str, default: str | None = None) -> str | None:
    """First value of a header, case-insensitively."""
    lname = name.lower()
    for key, value in headers:
        if key.lower() == lname:
            return value
    return default


def header_get_all(headers: Headers, name: str) -> list[str]:
    lname = name.lower()
    return [value for key, value in headers if key.lower() == lname]


def media_type(content_type: str | None) -> str | None:
    """``application/json; charset=utf-8`` -> ``application/json``; empty -> None."""
    if not content_type:
        return None
    mt = content_type.split(";", 1)[0].strip().lower()
    return mt or None


@dataclass(slots=True)
class Validation:
    """Whether a capture's token or signature checked out, and why not."""

    result: ValidationOutcome = "unchecked"
    scheme: str | None = None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"result": self.result, "scheme": self.scheme, "detail": self.detail}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Validation:
        data = _object(data, "validation")
        if not data:
            return cls()
        result = data.get("result", "unchecked")
        if result not in ("valid", "invalid", "missing", "unchecked"):
            result = "unchecked"
        scheme = _typed(data, "scheme", str)
        return cls(result=result, scheme=scheme, detail=str(data.get("detail") or ""))


@dataclass(slots=True)
class ResponseRecord:
    """What the listener answered (or, for a replay, what the target answered)."""

    status: int = 200
    headers: Headers = field(default_factory=list)
    body: bytes = b""

    def to_json(self, include_body: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "headers": [list(h) for h in self.headers]}
        if include_body:
            out["body_b64"] = b64encode(self.body)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ResponseRecord | None:
        data = _object(data, "response")
        if not data:
            return None
        body_b64 = _typed(data, "body_b64", str, "")
        return cls(
            status=int(_typed(data, "status", int, 0)),
            headers=_pairs(data.get("headers"), "response.headers"),
            body=b64decode(body_b64) if body_b64 else b"",
        )


@dataclass(slots=True)
class ForwardRecord:
    """Result of forwarding a capture to the user's development server."""

    url: str
    status: int | None = None
    latency_ms: float | None = None
    error: str | None = None
    body: bytes = b""
    headers: Headers = field(default_factory=list)

    def to_json(self, include_body: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "url": self.url,
            "status": self.status,
            "latency_ms": self.latency_ms,
            "error": self.error,
        }
        if include_body:
            out["headers"] = [list(h) for h in self.headers]
            out["body_b64"] = b64encode(self.body)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ForwardRecord | None:
        data = _object(data, "forward")
        if not data:
            return None
        body_b64 = _typed(data, "body_b64", str, "")
        latency = _typed(data, "latency_ms", (int, float))
        return cls(
            url=str(_typed(data, "url", str, "")),
            status=_typed(data, "status", int),
            latency_ms=float(latency) if latency is not None else None,
            error=_typed(data, "error", str),
            body=b64decode(body_b64) if body_b64 else b"",
            headers=_pairs(data.get("headers"), "forward.headers"),
        )


@dataclass(slots=True)
class Capture:
    """One request as received, with everything we concluded about it.

    ``body`` is ``None`` when the capture was loaded without its body (list views load
    bodies on demand); ``body_size`` is always known.
    """

    method: str
    path: str
    query: str = ""
    headers: Headers = field(default_factory=list)
    body: bytes | None = b""
    id: str = field(default_factory=new_capture_id)
    seq: int = 0
    received_at: datetime = field(default_factory=utc_now)
    source: Source = "live"
    body_size: int = -1
    content_type: str | None = None
    remote_addr: str = ""
    endpoint: str | None = None
    vendor: str | None = None
    event: dict[str, Any] | None = None
    validation: Validation = field(default_factory=Validation)
    response: ResponseRecord | None = None
    forward: ForwardRecord | None = None
    truncated: bool = False
    notes: list[str] = field(default_factory=list)
    #: id of the capture this one replays (our addition to the contract)
    replay_of: str | None = None
    #: kept when the store's size cap removes the oldest captures (our addition)
    pinned: bool = False
    #: "tunnel" when the tunnel agent relayed the request (it carried the agent's secret
    #: header), else "local" (our addition; captures stored before it read as "local")
    via: Via = "local"
    #: the public URL the app knew when the request arrived (not stored): the origin of a
    #: tunnelled request whose headers name none, see :meth:`called_origin`
    public_url: str | None = field(default=None, repr=False, compare=False)
    #: first value per lower-cased header name, built on first lookup (vendor detection
    #: asks for a dozen headers per request); not copied by dataclasses.replace
    _header_map: dict[str, str] | None = field(default=None, init=False, repr=False, compare=False)
    #: the header list the map was built from (a new list means a new map)
    _header_map_of: Headers | None = field(default=None, init=False, repr=False, compare=False)
    #: (received_at, its text), made on first use: the row and serve's line both need it
    _received: tuple[datetime, str] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.body_size < 0:
            self.body_size = len(self.body or b"")
        if self.content_type is None:
            self.content_type = media_type(header_get(self.headers, "Content-Type"))

    # -- convenience -------------------------------------------------------------------
    def header(self, name: str, default: str | None = None) -> str | None:
        return self.header_map().get(name.lower(), default)

    def header_map(self) -> dict[str, str]:
        """The first value of each header by lower-cased name (built once; do not change)."""
        hmap = self._header_map
        if hmap is None or self._header_map_of is not self.headers:
            # reversed: the first of repeated names wins
            hmap = {key.lower(): value for key, value in reversed(self.headers)}
            self._header_map = hmap
            self._header_map_of = self.headers
        return hmap

    @property
    def received_text(self) -> str:
        """``received_at`` as the capture JSON writes it (RFC 3339 UTC, microseconds)."""
        cached = self._received
        if cached is None or cached[0] is not self.received_at:
            cached = self._received = (self.received_at, format_timestamp(self.received_at))
        return cached[1]

    @property
    def target(self) -> str:
        """Path plus raw query, as on the request line."""
        return f"{self.path}?{self.query}" if self.query else self.path

    @property
    def body_bytes(self) -> bytes:
        """The body, or ``b""`` when it was not loaded."""
        return self.body or b""

    def called_origin(self) -> str | None:
        """``scheme://host`` of the URL the sender called (what URL-signing providers sign).

        For a tunnelled request the last ``X-Forwarded-Proto`` value (the agent's) and
        ``Host``, else the public URL known when it arrived; for a local one ``http`` and
        ``Host``. Never ``X-Forwarded-Host``, which the sender can set.
        """
        return called_origin(
            self.via,
            self.header("Host"),
            header_get_all(self.headers, "X-Forwarded-Proto"),
            self.public_url,
        )

    def called_url(self) -> str | None:
        """The whole URL the sender called (origin, raw path, raw query), when known."""
        origin = self.called_origin()
        if origin is None:
            return None
        path = self.path if self.path.startswith("/") else "/" + self.path
        return origin + path + (f"?{self.query}" if self.query else "")

    # -- the capture object of docs/formats.md --------------------------------------
    def to_json(self, include_body: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "seq": self.seq,
            "received_at": self.received_text,
            "source": self.source,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": [list(h) for h in self.headers],
        }
        if include_body:
            out["body_b64"] = b64encode(self.body_bytes)
        out.update(
            {
                "body_size": self.body_size,
                "content_type": self.content_type,
                "remote_addr": self.remote_addr,
                "via": self.via,
                "endpoint": self.endpoint,
                "vendor": self.vendor,
                "event": self.event,
                "validation": self.validation.to_json(),
                "response": self.response.to_json(include_body) if self.response else None,
                "forward": self.forward.to_json() if self.forward else None,
                "truncated": self.truncated,
                "notes": list(self.notes),
                "replay_of": self.replay_of,
                "pinned": self.pinned,
            }
        )
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Capture:
        """Inverse of :meth:`to_json`; raises ``ValueError``/``KeyError`` on bad input."""
        if not isinstance(data, dict):
            raise ValueError(f"a capture must be an object, not {type(data).__name__}")
        body_b64 = _typed(data, "body_b64", str)
        body = b64decode(body_b64) if body_b64 is not None else None
        source = data.get("source", "import")
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}")
        via: Any = data.get("via") or "local"  # exports made before ``via`` existed
        if via not in VIAS:
            raise ValueError(f'field \'via\' must be "tunnel" or "local", not {via!r}')
        method = _typed(data, "method", str)
        path = _typed(data, "path", str)
        if not method or path is None:
            raise ValueError("a capture needs a method and a path")
        received = _typed(data, "received_at", str)
        notes = _typed(data, "notes", list, [])
        if not all(isinstance(n, str) for n in notes):
            raise ValueError("field 'notes' must be a list of strings")
        body_size = _typed(data, "body_size", int, len(body or b""))
        return cls(
            id=str(_typed(data, "id", str) or new_capture_id()),
            seq=int(_typed(data, "seq", int, 0)),
            received_at=parse_timestamp(received) if received else utc_now(),
            source=source,
            method=method,
            path=path,
            query=_typed(data, "query", str, ""),
            headers=_pairs(data.get("headers"), "headers"),
            body=body,
            body_size=body_size,
            content_type=_typed(data, "content_type", str),
            remote_addr=_typed(data, "remote_addr", str, ""),
            endpoint=_typed(data, "endpoint", str),
            vendor=_typed(data, "vendor", str),
            event=_typed(data, "event", dict),
            validation=Validation.from_json(data.get("validation")),
            response=ResponseRecord.from_json(data.get("response")),
            forward=ForwardRecord.from_json(data.get("forward")),
            truncated=bool(_typed(data, "truncated", bool, False)),
            notes=list(notes),
            replay_of=_typed(data, "replay_of", str),
            pinned=bool(_typed(data, "pinned", bool, False)),
            via=via,
        )
