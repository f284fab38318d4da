"""Helpers every scheme shares.

Constant-time comparison, HMAC-SHA256 and its text encodings, the clock, masking and
durations for people to read, and the explanations of a missing header or of a signature
that does not match (including a guess at which other bytes the sender signed).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable

from inspector.core.capture import Headers, Validation
from inspector.core.words import plural

# Re-serialising a body to guess what the sender signed is only worth it for small bodies.
_GUESS_LIMIT = 1024 * 1024


def mask(value: str) -> str:
    """``ab…yz (32 chars)``: enough to recognise a value, not enough to use it."""
    n = len(value)
    if n >= 12:
        return f"{value[:2]}…{value[-2:]} ({plural(n, 'char')})"
    return f"… ({plural(n, 'char')})"


def public_reason(validation: Validation) -> str:
    """The first line of the detail: short, and safe to send back to the caller."""
    first = validation.detail.split("\n", 1)[0].strip()
    return first or validation.result


def safe_equal(a: str | bytes, b: str | bytes) -> bool:
    """Constant-time equality; str is compared as UTF-8 (compare_digest wants ASCII str)."""
    ab = a.encode("utf-8", "surrogateescape") if isinstance(a, str) else a
    bb = b.encode("utf-8", "surrogateescape") if isinstance(b, str) else b
    return hmac.compare_digest(ab, bb)


def format_seconds(seconds: float) -> str:
    """``3725`` -> ``3725 s (1 h 2 min)``: exact, with a readable gloss when long."""
    s = round(abs(seconds))
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s} s ({s // 60} min)"
    if s < 172800:
        return f"{s} s ({s // 3600} h {(s % 3600) // 60} min)"
    return f"{s} s ({s // 86400} days)"


def clock(now: float | None) -> float:
    """``now`` when given (tests pin the time), else the current Unix time."""
    return time.time() if now is None else now


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    """The raw HMAC-SHA256 digest of ``data``."""
    return hmac.new(key, data, hashlib.sha256).digest()


def encode_mac(mac: bytes, encoding: str) -> str:
    """A digest as the text a header carries: lower-case hex or standard base64."""
    return mac.hex() if encoding == "hex" else base64.b64encode(mac).decode("ascii")


def _auth_like_headers(headers: Headers, exclude: str) -> list[str]:
    # Naming the headers that *look* like credentials helps when a sender uses another name.
    words = ("token", "auth", "signature", "secret", "key")
    names = []
    for name, _ in headers:
        low = name.lower()
        if low != exclude.lower() and any(w in low for w in words) and name not in names:
            names.append(name)
    return names


def missing_header(scheme: str, header: str, headers: Headers, extra: str = "") -> Validation:
    """``missing``, naming the headers that look like credentials in case one is misnamed."""
    lines = [f"missing {header} header"]
    others = _auth_like_headers(headers, header)
    if others:
        lines.append(
            f"The request has no {header} header, but it has {', '.join(others)}: "
            "is the sender configured with another header name?"
        )
    else:
        lines.append(f"The request has no {header} header, so it cannot be checked.")
    if extra:
        lines.append(extra)
    return Validation("missing", scheme, "\n".join(lines))


def _other_bytes(body: bytes) -> list[tuple[str, bytes]]:
    """Plausible bytes a sender may have signed instead of the bytes it sent."""
    out: list[tuple[str, bytes]] = []
    if len(body) > _GUESS_LIMIT:
        return out
    stripped = body.strip()
    if stripped != body:
        out.append(("the body without its surrounding whitespace", stripped))
    out.append(("the body with a trailing newline", body + b"\n"))
    try:
        obj = json.loads(body)
    except (ValueError, RecursionError):
        return out
    for label, text in (
        ("the JSON re-serialised compactly", json.dumps(obj, separators=(",", ":"))),
        ("the JSON re-serialised with spaces", json.dumps(obj)),
        ("the JSON re-serialised with sorted keys", json.dumps(obj, sort_keys=True)),
        ("the JSON re-serialised with indentation", json.dumps(obj, indent=2)),
    ):
        candidate = text.encode()
        if candidate != body:
            out.append((label, candidate))
    return out


def find_other_bytes(body: bytes, matches: Callable[[bytes], bool]) -> str | None:
    """Which of the plausible other bytes the signature matches, described; None if none."""
    for label, candidate in _other_bytes(body):
        if matches(candidate):
            return label
    return None


def mismatch_lines(
    computed: str, received: str, body: bytes, matches_other: str | None, what: str
) -> list[str]:
    """The explanation of a signature that does not match: computed vs received, and why."""
    lines = [
        f"Computed {computed} over the {plural(len(body), 'byte')} received{what};",
        f"the request carries {received}.",
    ]
    if matches_other:
        lines.append(
            f"The signature matches {matches_other}: the sender signed different bytes than "
            "it sent (or something between them re-encoded the body)."
        )
    else:
        lines.append(
            "Either the body was changed after signing (a proxy or framework re-encoding it), "
            "or the endpoint's secret is not the sender's."
        )
    return lines
