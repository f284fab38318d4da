"""Running a configured check, all of an endpoint's checks, or signing for a configuration.

:data:`SCHEME_HANDLERS` maps each scheme id to the two functions that serve it: one checks a
request against a :class:`~inspector.core.validation.config.SchemeConfig`, the other produces
what a sender would add. A new scheme is its module, its id in
:data:`~inspector.core.validation.config.SCHEMES`, and one entry here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from inspector.core.capture import Headers, Validation
from inspector.core.validation.body_hmac import (
    DEFAULT_HMAC_HEADER,
    check_github,
    check_hmac_sha256,
    sign_github,
    sign_hmac_sha256,
)
from inspector.core.validation.config import SchemeConfig
from inspector.core.validation.timestamped import (
    check_standard_webhooks,
    check_stripe,
    sign_standard_webhooks,
    sign_stripe,
)
from inspector.core.validation.tokens import (
    DEFAULT_TOKEN_HEADER,
    check_query_token,
    check_token_header,
)

#: ``(config, headers, query, body, now)`` -> the verdict; ``now`` None means the clock.
CheckFunction = Callable[[SchemeConfig, Headers, str, bytes, float | None], Validation]
#: ``(config, body, timestamp, msg_id)`` -> ``(headers, query)`` a sender would add.
SignFunction = Callable[[SchemeConfig, bytes, int, str | None], tuple[Headers, str]]


@dataclass(frozen=True, slots=True)
class SchemeHandlers:
    """How one scheme checks a request and signs a body."""

    check: CheckFunction
    sign: SignFunction


def _check_token_header(
    config: SchemeConfig, headers: Headers, query: str, body: bytes, now: float | None
) -> Validation:
    return check_token_header(headers, config.header or DEFAULT_TOKEN_HEADER, config.secret)


def _sign_token_header(
    config: SchemeConfig, body: bytes, timestamp: int, msg_id: str | None
) -> tuple[Headers, str]:
    return [(config.header or DEFAULT_TOKEN_HEADER, config.secret)], ""


def _check_query_token(
    config: SchemeConfig, headers: Headers, query: str, body: bytes, now: float | None
) -> Validation:
    return check_query_token(query, config.query_name or "", config.secret)


def _sign_query_token(
    config: SchemeConfig, body: bytes, timestamp: int, msg_id: str | None
) -> tuple[Headers, str]:
    return [], urlencode({config.query_name or "": config.secret})


def _check_hmac_sha256(
    config: SchemeConfig, headers: Headers, query: str, body: bytes, now: float | None
) -> Validation:
    return check_hmac_sha256(
        headers,
        body,
        config.secret,
        header=config.header or DEFAULT_HMAC_HEADER,
        encoding=config.encoding,
        prefix=config.prefix,
    )


def _sign_hmac_sha256(
    config: SchemeConfig, body: bytes, timestamp: int, msg_id: str | None
) -> tuple[Headers, str]:
    headers = sign_hmac_sha256(
        body,
        config.secret,
        header=config.header or DEFAULT_HMAC_HEADER,
        encoding=config.encoding,
        prefix=config.prefix,
    )
    return headers, ""


def _check_standard_webhooks(
    config: SchemeConfig, headers: Headers, query: str, body: bytes, now: float | None
) -> Validation:
    return check_standard_webhooks(
        headers, body, config.secret, now=now, tolerance_s=config.tolerance_s
    )


def _sign_standard_webhooks(
    config: SchemeConfig, body: bytes, timestamp: int, msg_id: str | None
) -> tuple[Headers, str]:
    headers = sign_standard_webhooks(
        body, config.secret, msg_id=msg_id or f"msg_{timestamp}", timestamp=timestamp
    )
    return headers, ""


def _check_github(
    config: SchemeConfig, headers: Headers, query: str, body: bytes, now: float | None
) -> Validation:
    return check_github(headers, body, config.secret)


def _sign_github(
    config: SchemeConfig, body: bytes, timestamp: int, msg_id: str | None
) -> tuple[Headers, str]:
    return sign_github(body, config.secret), ""


def _check_stripe(
    config: SchemeConfig, headers: Headers, query: str, body: bytes, now: float | None
) -> Validation:
    return check_stripe(headers, body, config.secret, now=now, tolerance_s=config.tolerance_s)


def _sign_stripe(
    config: SchemeConfig, body: bytes, timestamp: int, msg_id: str | None
) -> tuple[Headers, str]:
    return sign_stripe(body, config.secret, timestamp=timestamp), ""


#: Every scheme id of :data:`~inspector.core.validation.config.SCHEMES` and its handlers.
SCHEME_HANDLERS: dict[str, SchemeHandlers] = {
    "token-header": SchemeHandlers(_check_token_header, _sign_token_header),
    "query-token": SchemeHandlers(_check_query_token, _sign_query_token),
    "hmac-sha256": SchemeHandlers(_check_hmac_sha256, _sign_hmac_sha256),
    "standard-webhooks": SchemeHandlers(_check_standard_webhooks, _sign_standard_webhooks),
    "github": SchemeHandlers(_check_github, _sign_github),
    "stripe": SchemeHandlers(_check_stripe, _sign_stripe),
}


def check(
    config: SchemeConfig,
    headers: Headers,
    query: str,
    body: bytes,
    *,
    now: float | None = None,
) -> Validation:
    """Run one configured check against a request's raw headers, query and body."""
    return SCHEME_HANDLERS[config.scheme].check(config, headers, query, body, now)


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
    # The handlers are called directly rather than through check(): this runs per request.
    results = [SCHEME_HANDLERS[c.scheme].check(c, headers, query, body, now) for c in configs]
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

    Returns ``(headers, query)``; the query is non-empty only for ``query-token``. Without a
    ``timestamp``, timestamped schemes sign with the current time.
    """
    ts = int(time.time()) if timestamp is None else timestamp
    return SCHEME_HANDLERS[config.scheme].sign(config, body, ts, msg_id)
