"""Which header values and query parameters are secrets, and how they are masked.

Shared by the exporters (``mask_secrets=True``) and the copy-as snippets (masked unless
the user asks), so a token hidden in one place is hidden in all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import unquote_plus

from inspector.core.capture import Capture, Headers

MASK = "•••"

_SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-auth-token",
        "x-webhook-token",
        "x-hub-signature",
        "x-hub-signature-256",
        "stripe-signature",
        "webhook-signature",
        "x-api-key",
        "api-key",
        "apikey",
    }
)
# Substrings that make any header name a secret (X-Goog-Channel-Token, X-Shopify-Secret...).
_SECRET_HEADER_PARTS = ("token", "secret", "password", "signature")

_SECRET_PARAMS = frozenset(
    {"token", "key", "secret", "signature", "sig", "apikey", "api_key", "password"}
)
_SECRET_PARAM_PARTS = ("token", "secret", "password")


def is_secret_header(name: str) -> bool:
    lname = name.strip().lower()
    if lname in _SECRET_HEADERS or lname.startswith("x-signature"):
        return True
    return any(part in lname for part in _SECRET_HEADER_PARTS)


def is_secret_param(name: str) -> bool:
    lname = name.strip().lower()
    return lname in _SECRET_PARAMS or any(part in lname for part in _SECRET_PARAM_PARTS)


def mask_headers(headers: Iterable[tuple[str, str]]) -> Headers:
    """The same headers, in order, with secret values replaced by :data:`MASK`."""
    return [(k, MASK if is_secret_header(k) and v else v) for k, v in headers]


def mask_query(raw_query: str) -> str:
    """Mask secret parameter values in a raw query, leaving everything else byte-identical.

    Works on the raw text (no decode/re-encode round trip) so that the untouched parts keep
    their exact percent-encoding. Names are compared after decoding ``%XX`` and ``+``.
    """
    if not raw_query:
        return raw_query
    parts = []
    for pair in raw_query.split("&"):
        name, sep, value = pair.partition("=")
        if sep and value and is_secret_param(unquote_plus(name)):
            pair = f"{name}={MASK}"
        parts.append(pair)
    return "&".join(parts)


def mask_url(url: str) -> str:
    """``url`` with secret query parameter values masked."""
    base, sep, query = url.partition("?")
    if not sep:
        return url
    query, hash_sep, fragment = query.partition("#")
    return f"{base}?{mask_query(query)}{hash_sep}{fragment}"


def masked_copy(capture: Capture) -> Capture:
    """A copy of ``capture`` with every token and signature masked (the original is kept).

    Covers request headers and query, the recorded answer's headers and the forward URL.
    Bodies are left alone: they are what the signature was computed over, and masking them
    would not make the file any safer to share than masking the signature does.
    """
    response = capture.response
    if response is not None:
        response = replace(response, headers=mask_headers(response.headers))
    forward = capture.forward
    if forward is not None:
        forward = replace(forward, url=mask_url(forward.url), headers=mask_headers(forward.headers))
    return replace(
        capture,
        headers=mask_headers(capture.headers),
        query=mask_query(capture.query),
        response=response,
        forward=forward,
        notes=list(capture.notes),
    )
