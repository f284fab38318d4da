"""Timestamped schemes: Standard Webhooks (``standard-webhooks``) and Stripe (``stripe``).

Both sign the timestamp together with the body, so an old message cannot be replayed: a
timestamp further than the tolerance from this machine's clock fails even when the
signature matches. Each has a ``sign_*`` helper that produces the headers a sender would add.
"""

from __future__ import annotations

import base64
import binascii

from inspector.core.capture import Headers, Validation, header_get
from inspector.core.validation.config import DEFAULT_TOLERANCE_S
from inspector.core.validation.helpers import (
    clock,
    find_other_bytes,
    format_seconds,
    hmac_sha256,
    mismatch_lines,
    missing_header,
    safe_equal,
)

STRIPE_HEADER = "Stripe-Signature"
SW_ID, SW_TIMESTAMP, SW_SIGNATURE = "webhook-id", "webhook-timestamp", "webhook-signature"
#: Svix's libraries send the same scheme under ``svix-*`` names (Clerk, Resend and others).
SVIX_ID, SVIX_TIMESTAMP, SVIX_SIGNATURE = "svix-id", "svix-timestamp", "svix-signature"
#: The header names of each family, signature last: ``webhook-*`` first, then ``svix-*``.
SW_FAMILIES = ((SW_ID, SW_TIMESTAMP, SW_SIGNATURE), (SVIX_ID, SVIX_TIMESTAMP, SVIX_SIGNATURE))


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


def sign_standard_webhooks(
    body: bytes, secret: str, *, msg_id: str, timestamp: int, family: str = "webhook"
) -> Headers:
    """``webhook-id``, ``webhook-timestamp`` and ``webhook-signature: v1,<base64>``
    (``family="svix"``: the same under ``svix-*`` names, as Svix's libraries send)."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    sig = base64.b64encode(hmac_sha256(_sw_key(secret), signed)).decode("ascii")
    return [
        (f"{family}-id", msg_id),
        (f"{family}-timestamp", str(timestamp)),
        (f"{family}-signature", f"v1,{sig}"),
    ]


def _sw_names(headers: Headers) -> tuple[str, str, str]:
    """The family of header names the request uses: ``svix-*`` only when it has
    ``svix-signature`` and no ``webhook-signature``."""
    for names in SW_FAMILIES:
        if header_get(headers, names[2]) is not None:
            return names
    return SW_FAMILIES[0]


def check_standard_webhooks(
    headers: Headers,
    body: bytes,
    secret: str,
    *,
    now: float | None = None,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> Validation:
    """Standard Webhooks: HMAC over ``id.timestamp.body`` with the base64 ``whsec_`` key.

    The headers are ``webhook-*`` or, as Svix's libraries send them, ``svix-*``."""
    scheme = "standard-webhooks"
    id_name, ts_name, sig_name = _sw_names(headers)
    values = {}
    for name, std in zip(
        (id_name, ts_name, sig_name), (SW_ID, SW_TIMESTAMP, SW_SIGNATURE), strict=True
    ):
        value = header_get(headers, name)
        if value is None:
            alt = std.replace("webhook-", "svix-") if name == std else std
            extra = f"(The same header is also accepted as {alt}.)"
            return missing_header(scheme, name, headers, extra)
        values[std] = value.strip()
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
            f"malformed {ts_name}\nIt must be Unix seconds; got {values[SW_TIMESTAMP]!r}.",
        )
    prefix = f"{values[SW_ID]}.{ts}.".encode()
    computed = base64.b64encode(hmac_sha256(key, prefix + body)).decode("ascii")
    received = [part for part in values[SW_SIGNATURE].split(" ") if part]
    v1 = [part[3:] for part in received if part.startswith("v1,")]
    stale = _stale_line(ts_name, ts, clock(now), tolerance_s)
    matched = any(safe_equal(computed, sig) for sig in v1)
    verdict = _timed_verdict(matched, stale, scheme, sig_name)
    if verdict is not None:
        return verdict
    lines = _stale_mismatch_lines(stale)
    if not v1:
        lines.append(
            f"{sig_name} has no 'v1,<base64>' entry (it carries {values[SW_SIGNATURE]!r})."
        )
        return Validation("invalid", scheme, "\n".join(lines))
    # A classic mistake: using the whsec_ text itself as the key instead of its decoded bytes.
    raw_key_sig = base64.b64encode(hmac_sha256(secret.encode(), prefix + body)).decode("ascii")
    if any(safe_equal(raw_key_sig, sig) for sig in v1):
        lines.append(
            "The sender used the secret's text as the HMAC key; Standard Webhooks uses the "
            "base64-decoded bytes after 'whsec_'."
        )
        return Validation("invalid", scheme, "\n".join(lines))
    label = find_other_bytes(
        body,
        lambda b: any(
            safe_equal(base64.b64encode(hmac_sha256(key, prefix + b)).decode("ascii"), s)
            for s in v1
        ),
    )
    lines += mismatch_lines(
        f"v1,{computed}",
        " ".join(received),
        body,
        label,
        f" (signed as '{values[SW_ID]}.{ts}.<body>')",
    )
    return Validation("invalid", scheme, "\n".join(lines))


def sign_stripe(body: bytes, secret: str, *, timestamp: int) -> Headers:
    """``Stripe-Signature: t=<ts>,v1=<hex HMAC of 'ts.body' keyed with the whole secret>``."""
    sig = hmac_sha256(secret.encode(), f"{timestamp}.".encode() + body).hex()
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
        return missing_header(scheme, STRIPE_HEADER, headers)
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
    computed = hmac_sha256(key, prefix + body).hex()
    matched = any(safe_equal(computed, sig.lower()) for sig in v1)
    stale = _stale_line(f"{STRIPE_HEADER} timestamp", ts, clock(now), tolerance_s)
    verdict = _timed_verdict(matched, stale, scheme, STRIPE_HEADER)
    if verdict is not None:
        return verdict
    lines = _stale_mismatch_lines(stale)
    label = find_other_bytes(
        body, lambda b: any(safe_equal(hmac_sha256(key, prefix + b).hex(), s.lower()) for s in v1)
    )
    lines += mismatch_lines(
        f"v1={computed}",
        ",".join(f"v1={s}" for s in v1),
        body,
        label,
        f" (signed as '{ts}.<body>')",
    )
    return Validation("invalid", scheme, "\n".join(lines))
