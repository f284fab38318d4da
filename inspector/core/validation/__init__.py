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
``standard-webhooks`` (``webhook-*`` or Svix's ``svix-*`` headers), ``github``, ``stripe``. Each HMAC scheme has a ``sign_*`` helper
that produces the headers a sender would add, for tests, ``simulate`` and re-signing.

Modules:

- :mod:`.config`: the scheme ids, the encodings and :class:`SchemeConfig`.
- :mod:`.helpers`: what every scheme shares (constant-time comparison, HMAC, masking, the
  explanations of a missing header or a mismatched signature).
- :mod:`.tokens`: the shared-token schemes, ``token-header`` and ``query-token``.
- :mod:`.body_hmac`: HMAC-SHA256 of the raw body, ``hmac-sha256`` and ``github``.
- :mod:`.timestamped`: ``standard-webhooks`` and ``stripe``.
- :mod:`.dispatch`: :func:`check`, :func:`check_all` and :func:`sign`, through a mapping
  from each scheme id to its check and sign functions.

Everything public is importable from this package.
"""

from inspector.core.validation.body_hmac import (
    DEFAULT_HMAC_HEADER,
    GITHUB_HEADER,
    check_github,
    check_hmac_sha256,
    sign_github,
    sign_hmac_sha256,
)
from inspector.core.validation.config import (
    DEFAULT_TOLERANCE_S,
    ENCODINGS,
    SCHEME_TITLES,
    SCHEMES,
    Encoding,
    SchemeConfig,
    scheme_title,
)
from inspector.core.validation.dispatch import check, check_all, sign
from inspector.core.validation.helpers import format_seconds, mask, public_reason, safe_equal
from inspector.core.validation.timestamped import (
    STRIPE_HEADER,
    SVIX_ID,
    SVIX_SIGNATURE,
    SVIX_TIMESTAMP,
    SW_ID,
    SW_SIGNATURE,
    SW_TIMESTAMP,
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

__all__ = [
    "DEFAULT_HMAC_HEADER",
    "DEFAULT_TOKEN_HEADER",
    "DEFAULT_TOLERANCE_S",
    "ENCODINGS",
    "GITHUB_HEADER",
    "SCHEMES",
    "SCHEME_TITLES",
    "STRIPE_HEADER",
    "SVIX_ID",
    "SVIX_SIGNATURE",
    "SVIX_TIMESTAMP",
    "SW_ID",
    "SW_SIGNATURE",
    "SW_TIMESTAMP",
    "Encoding",
    "SchemeConfig",
    "check",
    "check_all",
    "check_github",
    "check_hmac_sha256",
    "check_query_token",
    "check_standard_webhooks",
    "check_stripe",
    "check_token_header",
    "format_seconds",
    "mask",
    "public_reason",
    "safe_equal",
    "scheme_title",
    "sign",
    "sign_github",
    "sign_hmac_sha256",
    "sign_standard_webhooks",
    "sign_stripe",
]
