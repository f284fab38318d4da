"""HMAC-SHA256 of the raw body (``hmac-sha256``), and GitHub's use of it (``github``).

Each scheme has a ``sign_*`` helper that produces the header a sender would add, for tests,
``simulate`` and re-signing.
"""

from __future__ import annotations

import re

from inspector.core.capture import Headers, Validation, header_get
from inspector.core.validation.config import Encoding
from inspector.core.validation.helpers import (
    encode_mac,
    find_other_bytes,
    hmac_sha256,
    mismatch_lines,
    missing_header,
    safe_equal,
)

DEFAULT_HMAC_HEADER = "X-Signature"
GITHUB_HEADER = "X-Hub-Signature-256"


def sign_hmac_sha256(
    body: bytes,
    secret: str,
    *,
    header: str = DEFAULT_HMAC_HEADER,
    encoding: Encoding = "hex",
    prefix: str = "",
) -> Headers:
    """The header a sender adds: ``prefix + encode(HMAC-SHA256(secret, body))``."""
    return [(header, prefix + encode_mac(hmac_sha256(secret.encode(), body), encoding))]


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
        return missing_header(scheme, header, headers)
    received = value.strip()
    key = secret.encode()
    computed = encode_mac(hmac_sha256(key, body), encoding)
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
    if safe_equal(encode_mac(hmac_sha256(key, body), other), received) or (
        other == "hex" and safe_equal(encode_mac(hmac_sha256(key, body), "hex"), received.lower())
    ):
        lines.append(
            f"The signature is right but {other}-encoded; the endpoint expects {encoding}. "
            f"Change the endpoint's encoding to {other}."
        )
        return Validation("invalid", scheme, "\n".join(lines))
    label = find_other_bytes(body, lambda b: same(encode_mac(hmac_sha256(key, b), encoding)))
    lines += mismatch_lines(prefix + computed, value.strip(), body, label, "")
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
        return missing_header("github", GITHUB_HEADER, headers, extra)
    result = check_hmac_sha256(
        headers, body, secret, header=GITHUB_HEADER, encoding="hex", prefix="sha256="
    )
    return Validation(result.result, "github", result.detail)
