"""Shared-token schemes: the endpoint's token sent as is, in a header or in the query.

``token-header`` (:func:`check_token_header`) and ``query-token`` (:func:`check_query_token`).
A wrong token is explained without echoing it: it is shown masked.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from inspector.core.capture import Headers, Validation, header_get
from inspector.core.validation.helpers import mask, missing_header, safe_equal
from inspector.core.words import plural

DEFAULT_TOKEN_HEADER = "X-Webhook-Token"


def check_token_header(headers: Headers, header: str, expected: str) -> Validation:
    """The header must carry exactly ``expected`` (a raw token: no ``Bearer `` prefix)."""
    scheme = "token-header"
    received = header_get(headers, header)
    if received is None:
        return missing_header(scheme, header, headers)
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
            f"({plural(len(expected), 'char')}). Copy the token again from the vendor's settings."
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
