"""Token and signature validation for webhooks, with a human explanation of every failure.

Every scheme answers with a :class:`~inspector.core.capture.Validation`. The first line of
its ``detail`` is a short reason that is safe to send back to the caller (the listener puts
it in a 401 body, see :func:`public_reason`); the following lines explain *why* for the
person at the desk and may show computed signatures. Computed signatures must never go
back over the wire: a sender that learns the right signature for a body of its choice
could forge any message.

Secrets are never echoed; a wrong token is shown masked (``ab…yz (32 chars)``).
All comparisons go through :func:`hmac.compare_digest`.

Schemes (names as on the command line): ``token-header``, ``query-token``, ``hmac-sha256``,
``standard-webhooks``, ``github``, ``stripe``. Each HMAC scheme has a ``sign_*`` helper
that produces the headers a sender would add, for tests, ``simulate`` and re-signing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, urlencode

from inspector.core.capture import Headers, Validation, header_get

SCHEMES: tuple[str, ...] = (
    "token-header",
    "query-token",
    "hmac-sha256",
    "standard-webhooks",
    "github",
    "stripe",
)
Encoding = Literal["hex", "base64"]
ENCODINGS: tuple[str, ...] = ("hex", "base64")

#: Standard Webhooks and Stripe both accept messages up to five minutes off.
DEFAULT_TOLERANCE_S = 300
DEFAULT_TOKEN_HEADER = "X-Webhook-Token"
DEFAULT_HMAC_HEADER = "X-Signature"
GITHUB_HEADER = "X-Hub-Signature-256"
STRIPE_HEADER = "Stripe-Signature"
SW_ID, SW_TIMESTAMP, SW_SIGNATURE = "webhook-id", "webhook-timestamp", "webhook-signature"

# Re-serialising a body to guess what the sender signed is only worth it for small bodies.
_GUESS_LIMIT = 1024 * 1024


@dataclass(frozen=True, slots=True)
class SchemeConfig:
    """One check to run: the scheme, its secret, and where to look.

    For ``token-header`` the secret is the expected token; for ``query-token`` it is the
    expected value of the query parameter ``query_name``.
    """

    scheme: str
    secret: str
    header: str | None = None
    encoding: Encoding = "hex"
    prefix: str = ""
    query_name: str | None = None
    tolerance_s: int = DEFAULT_TOLERANCE_S

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ValueError(f"unknown scheme {self.scheme!r}; choose one of {', '.join(SCHEMES)}")
        if self.encoding not in ENCODINGS:
            raise ValueError(f"unknown encoding {self.encoding!r}; choose hex or base64")
        if self.scheme == "query-token" and not self.query_name:
            raise ValueError("query-token needs the parameter name (NAME=VALUE)")


# -- small helpers ---------------------------------------------------------------------


def mask(value: str) -> str:
    """``ab…yz (32 chars)``: enough to recognise a value, not enough to use it."""
    n = len(value)
    if n >= 12:
        return f"{value[:2]}…{value[-2:]} ({n} chars)"
    return f"… ({n} chars)"


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


def _now(now: float | None) -> float:
    return time.time() if now is None else now


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def _encode(mac: bytes, encoding: str) -> str:
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


def _missing_header(scheme: str, header: str, headers: Headers, extra: str = "") -> Validation:
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


# -- shared-token schemes --------------------------------------------------------------


def check_token_header(headers: Headers, header: str, expected: str) -> Validation:
    """The header must carry exactly ``expected`` (a raw token: no ``Bearer `` prefix)."""
    scheme = "token-header"
    received = header_get(headers, header)
    if received is None:
        return _missing_header(scheme, header, headers)
    if safe_equal(received, expected):
        return Validation("valid", scheme, f"{header} matches the endpoint's token")
    return Validation(
        "invalid", scheme, _wrong_token_detail(f"{header} header", received, expected)
    )


def _wrong_token_detail(where: str, received: str, expected: str) -> str:
    lines = [f"invalid token in {where}"]
    if received == "":
        lines.append(f"The {where} is present but empty.")
    elif received[:7].lower() == "bearer " and safe_equal(received[7:].strip(), expected):
        lines.append(
            f"The {where} is sent with a 'Bearer ' prefix, but a raw token is expected; "
            "the token itself is right. Send the token alone."
        )
    elif safe_equal(received.strip(), expected):
        lines.append(f"The {where} has leading or trailing whitespace; the token itself is right.")
    else:
        lines.append(
            f"Received {mask(received)}; it is not the endpoint's token "
            f"({len(expected)} chars). Copy the token again from the vendor's settings."
        )
    return "\n".join(lines)


def check_query_token(query: str, name: str, expected: str) -> Validation:
    """The raw query must carry ``name=expected`` (percent-decoded before comparing)."""
    scheme = "query-token"
    try:
        pairs = parse_qsl(query, keep_blank_values=True)
    except ValueError:
        pairs = []
    values = [v for k, v in pairs if k == name]
    if not values:
        present = sorted({k for k, _ in pairs})
        have = f"it has {', '.join(present)}" if present else "it is empty"
        return Validation(
            "missing",
            scheme,
            f"missing query parameter {name}\nThe URL's query has no {name} parameter ({have}).",
        )
    received = values[0]
    if safe_equal(received, expected):
        return Validation("valid", scheme, f"query parameter {name} matches the endpoint's token")
    return Validation(
        "invalid", scheme, _wrong_token_detail(f"query parameter {name}", received, expected)
    )


# -- HMAC-SHA256 over the raw body -----------------------------------------------------


def sign_hmac_sha256(
    body: bytes,
    secret: str,
    *,
    header: str = DEFAULT_HMAC_HEADER,
    encoding: Encoding = "hex",
    prefix: str = "",
) -> Headers:
    """The header a sender adds: ``prefix + encode(HMAC-SHA256(secret, body))``."""
    return [(header, prefix + _encode(_hmac(secret.encode(), body), encoding))]


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


def _mismatch_lines(
    computed: str, received: str, body: bytes, matches_other: str | None, what: str
) -> list[str]:
    lines = [
        f"Computed {computed} over the {len(body)} bytes received{what};",
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


def _find_other_bytes(body: bytes, matches: Callable[[bytes], bool]) -> str | None:
    for label, candidate in _other_bytes(body):
        if matches(candidate):
            return label
    return None


def check_hmac_sha256(
    headers: Headers,
    body: bytes,
    secret: str,
    *,
    header: str = DEFAULT_HMAC_HEADER,
    encoding: Encoding = "hex",
    prefix: str = "",
) -> Validation:
    """HMAC-SHA256 of the raw body, hex or base64, with an optional prefix like ``sha256=``."""
    scheme = "hmac-sha256"
    value = header_get(headers, header)
    if value is None:
        return _missing_header(scheme, header, headers)
    received = value.strip()
    key = secret.encode()
    computed = _encode(_hmac(key, body), encoding)
    prefix_problem = ""
    if prefix:
        if received[: len(prefix)].lower() == prefix.lower():
            received = received[len(prefix) :]
        else:
            prefix_problem = f"The value does not start with the expected prefix {prefix!r}."
    else:
        m = re.match(r"^(sha256|v1|sha1)[=,]", received, re.IGNORECASE)
        if m:
            prefix_problem = (
                f"The value starts with {m.group(0)!r} but the endpoint expects no prefix; "
                f"set the endpoint's prefix to {m.group(0)!r}."
            )
            received = received[len(m.group(0)) :]

    def same(sig: str) -> bool:
        if encoding == "hex":
            return safe_equal(sig.lower(), received.lower())
        return safe_equal(sig, received)

    if same(computed):
        if prefix_problem:
            return Validation(
                "invalid",
                scheme,
                f"signature prefix does not match in {header}\n"
                f"The signature itself is right. {prefix_problem}",
            )
        return Validation("valid", scheme, f"{header} matches HMAC-SHA256 of the body")
    lines = [f"signature mismatch in {header}"]
    if prefix_problem:
        lines.append(prefix_problem)
    other = "base64" if encoding == "hex" else "hex"
    if safe_equal(_encode(_hmac(key, body), other), received) or (
        other == "hex" and safe_equal(_encode(_hmac(key, body), "hex"), received.lower())
    ):
        lines.append(
            f"The signature is right but {other}-encoded; the endpoint expects {encoding}. "
            f"Change the endpoint's encoding to {other}."
        )
        return Validation("invalid", scheme, "\n".join(lines))
    label = _find_other_bytes(body, lambda b: same(_encode(_hmac(key, b), encoding)))
    lines += _mismatch_lines(prefix + computed, value.strip(), body, label, "")
    return Validation("invalid", scheme, "\n".join(lines))


# -- GitHub ----------------------------------------------------------------------------


def sign_github(body: bytes, secret: str) -> Headers:
    """``X-Hub-Signature-256: sha256=<hex>``."""
    return sign_hmac_sha256(body, secret, header=GITHUB_HEADER, encoding="hex", prefix="sha256=")


def check_github(headers: Headers, body: bytes, secret: str) -> Validation:
    """GitHub's ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>``."""
    if header_get(headers, GITHUB_HEADER) is None:
        extra = ""
        if header_get(headers, "X-Hub-Signature") is not None:
            extra = (
                "Only the legacy SHA-1 X-Hub-Signature is present; "
                "SHA-1 signatures are not accepted."
            )
        return _missing_header("github", GITHUB_HEADER, headers, extra)
    result = check_hmac_sha256(
        headers, body, secret, header=GITHUB_HEADER, encoding="hex", prefix="sha256="
    )
    return Validation(result.result, "github", result.detail)


# -- timestamped schemes ---------------------------------------------------------------


def _stale_line(header: str, ts: int, now: float, tolerance_s: int) -> str | None:
    delta = now - ts
    if abs(delta) <= tolerance_s:
        return None
    direction = "older than" if delta > 0 else "ahead of"
    return (
        f"The {header} is {format_seconds(delta)} {direction} this machine's clock; "
        f"the tolerance is {tolerance_s} s. A replayed old message, or a clock that is off."
    )


def _sw_key(secret: str) -> bytes:
    raw = secret[6:] if secret.startswith("whsec_") else secret
    try:
        return base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(
            "a Standard Webhooks secret is 'whsec_' followed by base64; this one is not base64"
        ) from exc


def _timed_verdict(matched: bool, stale: str | None, scheme: str, header: str) -> Validation | None:
    """The verdict of a timestamped signature when it matched; None when it did not."""
    if not matched:
        return None
    if stale is None:
        return Validation("valid", scheme, f"{header} matches and the timestamp is fresh")
    return Validation(
        "invalid", scheme, f"timestamp outside tolerance\n{stale}\nThe signature itself matches."
    )


def _stale_mismatch_lines(stale: str | None) -> list[str]:
    """The first lines of a failed timestamped signature's explanation."""
    lines = ["signature mismatch" if not stale else "timestamp outside tolerance"]
    if stale:
        lines.append(stale)
    return lines


def sign_standard_webhooks(body: bytes, secret: str, *, msg_id: str, timestamp: int) -> Headers:
    """``webhook-id``, ``webhook-timestamp`` and ``webhook-signature: v1,<base64>``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    sig = base64.b64encode(_hmac(_sw_key(secret), signed)).decode("ascii")
    return [(SW_ID, msg_id), (SW_TIMESTAMP, str(timestamp)), (SW_SIGNATURE, f"v1,{sig}")]


def check_standard_webhooks(
    headers: Headers,
    body: bytes,
    secret: str,
    *,
    now: float | None = None,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> Validation:
    """Standard Webhooks: HMAC over ``id.timestamp.body`` with the base64 ``whsec_`` key."""
    scheme = "standard-webhooks"
    values = {}
    for name in (SW_ID, SW_TIMESTAMP, SW_SIGNATURE):
        value = header_get(headers, name)
        if value is None:
            return _missing_header(scheme, name, headers)
        values[name] = value.strip()
    try:
        key = _sw_key(secret)
    except ValueError as exc:
        return Validation("invalid", scheme, f"endpoint secret is not usable\n{exc}.")
    try:
        ts = int(values[SW_TIMESTAMP])
    except ValueError:
        return Validation(
            "invalid",
            scheme,
            f"malformed {SW_TIMESTAMP}\nIt must be Unix seconds; got {values[SW_TIMESTAMP]!r}.",
        )
    prefix = f"{values[SW_ID]}.{ts}.".encode()
    computed = base64.b64encode(_hmac(key, prefix + body)).decode("ascii")
    received = [part for part in values[SW_SIGNATURE].split(" ") if part]
    v1 = [part[3:] for part in received if part.startswith("v1,")]
    stale = _stale_line(SW_TIMESTAMP, ts, _now(now), tolerance_s)
    matched = any(safe_equal(computed, sig) for sig in v1)
    verdict = _timed_verdict(matched, stale, scheme, SW_SIGNATURE)
    if verdict is not None:
        return verdict
    lines = _stale_mismatch_lines(stale)
    if not v1:
        lines.append(
            f"{SW_SIGNATURE} has no 'v1,<base64>' entry (it carries {values[SW_SIGNATURE]!r})."
        )
        return Validation("invalid", scheme, "\n".join(lines))
    # A classic mistake: using the whsec_ text itself as the key instead of its decoded bytes.
    raw_key_sig = base64.b64encode(_hmac(secret.encode(), prefix + body)).decode("ascii")
    if any(safe_equal(raw_key_sig, sig) for sig in v1):
        lines.append(
            "The sender used the secret's text as the HMAC key; Standard Webhooks uses the "
            "base64-decoded bytes after 'whsec_'."
        )
        return Validation("invalid", scheme, "\n".join(lines))
    label = _find_other_bytes(
        body,
        lambda b: any(
            safe_equal(base64.b64encode(_hmac(key, prefix + b)).decode("ascii"), s) for s in v1
        ),
    )
    lines += _mismatch_lines(
        f"v1,{computed}",
        " ".join(received),
        body,
        label,
        f" (signed as '{values[SW_ID]}.{ts}.<body>')",
    )
    return Validation("invalid", scheme, "\n".join(lines))


def sign_stripe(body: bytes, secret: str, *, timestamp: int) -> Headers:
    """``Stripe-Signature: t=<ts>,v1=<hex HMAC of 'ts.body' keyed with the whole secret>``."""
    sig = _hmac(secret.encode(), f"{timestamp}.".encode() + body).hex()
    return [(STRIPE_HEADER, f"t={timestamp},v1={sig}")]


def check_stripe(
    headers: Headers,
    body: bytes,
    secret: str,
    *,
    now: float | None = None,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> Validation:
    """Stripe: ``t=..,v1=..`` (several ``v1`` allowed); the key is the whole ``whsec_`` text."""
    scheme = "stripe"
    value = header_get(headers, STRIPE_HEADER)
    if value is None:
        return _missing_header(scheme, STRIPE_HEADER, headers)
    t_values: list[str] = []
    v1: list[str] = []
    for item in value.split(","):
        k, sep, v = item.strip().partition("=")
        if not sep:
            continue
        if k == "t":
            t_values.append(v.strip())
        elif k == "v1":
            v1.append(v.strip())
    if not t_values or not v1:
        return Validation(
            "invalid",
            scheme,
            f"malformed {STRIPE_HEADER}\nExpected 't=<unix seconds>,v1=<hex>'; got {value!r}.",
        )
    try:
        ts = int(t_values[0])
    except ValueError:
        return Validation(
            "invalid",
            scheme,
            f"malformed {STRIPE_HEADER}\nt= is not Unix seconds: {t_values[0]!r}.",
        )
    key = secret.encode()
    prefix = f"{ts}.".encode()
    computed = _hmac(key, prefix + body).hex()
    matched = any(safe_equal(computed, sig.lower()) for sig in v1)
    stale = _stale_line(f"{STRIPE_HEADER} timestamp", ts, _now(now), tolerance_s)
    verdict = _timed_verdict(matched, stale, scheme, STRIPE_HEADER)
    if verdict is not None:
        return verdict
    lines = _stale_mismatch_lines(stale)
    label = _find_other_bytes(
        body, lambda b: any(safe_equal(_hmac(key, prefix + b).hex(), s.lower()) for s in v1)
    )
    lines += _mismatch_lines(
        f"v1={computed}",
        ",".join(f"v1={s}" for s in v1),
        body,
        label,
        f" (signed as '{ts}.<body>')",
    )
    return Validation("invalid", scheme, "\n".join(lines))


# -- dispatch --------------------------------------------------------------------------


def check(
    config: SchemeConfig,
    headers: Headers,
    query: str,
    body: bytes,
    *,
    now: float | None = None,
) -> Validation:
    """Run one configured check against a request's raw headers, query and body."""
    if config.scheme == "token-header":
        return check_token_header(headers, config.header or DEFAULT_TOKEN_HEADER, config.secret)
    if config.scheme == "query-token":
        return check_query_token(query, config.query_name or "", config.secret)
    if config.scheme == "hmac-sha256":
        return check_hmac_sha256(
            headers,
            body,
            config.secret,
            header=config.header or DEFAULT_HMAC_HEADER,
            encoding=config.encoding,
            prefix=config.prefix,
        )
    if config.scheme == "github":
        return check_github(headers, body, config.secret)
    if config.scheme == "stripe":
        return check_stripe(headers, body, config.secret, now=now, tolerance_s=config.tolerance_s)
    return check_standard_webhooks(
        headers, body, config.secret, now=now, tolerance_s=config.tolerance_s
    )


def check_all(
    configs: Sequence[SchemeConfig],
    headers: Headers,
    query: str,
    body: bytes,
    *,
    now: float | None = None,
) -> Validation:
    """All checks must pass; the first failure is the answer. No checks: ``unchecked``."""
    if not configs:
        return Validation("unchecked", None, "no token or secret configured for this endpoint")
    results = [check(c, headers, query, body, now=now) for c in configs]
    scheme = "+".join(c.scheme for c in configs)
    for result in results:
        if result.result != "valid":
            return Validation(
                result.result, scheme if len(results) > 1 else result.scheme, result.detail
            )
    return Validation("valid", scheme, "\n".join(r.detail for r in results))


def sign(
    config: SchemeConfig,
    body: bytes,
    *,
    timestamp: int | None = None,
    msg_id: str | None = None,
) -> tuple[Headers, str]:
    """Headers (and a query string) a sender would add for ``config``.

    Returns ``(headers, query)``; the query is non-empty only for ``query-token``.
    """
    ts = int(time.time()) if timestamp is None else timestamp
    if config.scheme == "token-header":
        return [(config.header or DEFAULT_TOKEN_HEADER, config.secret)], ""
    if config.scheme == "query-token":
        return [], urlencode({config.query_name or "": config.secret})
    if config.scheme == "hmac-sha256":
        headers = sign_hmac_sha256(
            body,
            config.secret,
            header=config.header or DEFAULT_HMAC_HEADER,
            encoding=config.encoding,
            prefix=config.prefix,
        )
        return headers, ""
    if config.scheme == "github":
        return sign_github(body, config.secret), ""
    if config.scheme == "stripe":
        return sign_stripe(body, config.secret, timestamp=ts), ""
    return sign_standard_webhooks(
        body, config.secret, msg_id=msg_id or f"msg_{ts}", timestamp=ts
    ), ""
