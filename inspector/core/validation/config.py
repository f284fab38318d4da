"""What one check needs: the scheme ids, the signature encodings, and :class:`SchemeConfig`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: The schemes by their command-line names; :mod:`.dispatch` maps each to its check and sign.
SCHEMES: tuple[str, ...] = (
    "token-header",
    "query-token",
    "hmac-sha256",
    "standard-webhooks",
    "github",
    "stripe",
)
#: Each scheme in the words the window uses (the command line keeps the names above).
SCHEME_TITLES: dict[str, str] = {
    "token-header": "token header",
    "query-token": "query token",
    "hmac-sha256": "HMAC-SHA256 signature",
    "standard-webhooks": "Standard Webhooks signature",
    "github": "GitHub signature",
    "stripe": "Stripe signature",
}


def scheme_title(scheme: str | None) -> str:
    """A scheme in plain words; ``None`` is "nothing"."""
    if not scheme:
        return "nothing"
    return SCHEME_TITLES.get(scheme, scheme)


Encoding = Literal["hex", "base64"]
ENCODINGS: tuple[str, ...] = ("hex", "base64")

#: Standard Webhooks and Stripe both accept messages up to five minutes off.
DEFAULT_TOLERANCE_S = 300


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
