"""Re-signing an edited request with its endpoint's secret (edit and replay).

When a user edits a signed webhook's body, the old signature no longer matches; senders
of HMAC, GitHub, Stripe and Standard Webhooks signatures would compute a new one, and so
would the providers that sign with a shared secret (docs/providers.md). This
does the same so the edited request validates, replacing the signature headers in place
(same names, same position) and adding any that were missing.
"""

from __future__ import annotations

import time
from dataclasses import replace

from inspector.core.capture import Capture, Headers, header_get
from inspector.core.endpoints import Endpoint
from inspector.core.validation import SchemeConfig, sign
from inspector.core.vendors import get_profile
from inspector.core.vendors.provider import ProviderProfile, SignedRequest

SIGNATURE_SCHEMES = frozenset({"hmac-sha256", "github", "stripe", "standard-webhooks"})


def signing_configs(endpoint: Endpoint) -> list[SchemeConfig]:
    """The endpoint's checks that sign the body (tokens need no re-signing)."""
    return [
        c for c in get_profile(endpoint.vendor).checks(endpoint) if c.scheme in SIGNATURE_SCHEMES
    ]


def _provider(endpoint: Endpoint) -> tuple[ProviderProfile, str] | None:
    """The endpoint's provider and secret, when it signs with a shared secret (a key-pair
    provider's private key is not ours: those cannot be re-signed)."""
    profile = get_profile(endpoint.vendor)
    if isinstance(profile, ProviderProfile) and profile.credential == "secret":
        secret = profile.endpoint_credential(endpoint)
        if secret is not None:
            return profile, secret
    return None


def can_resign(endpoint: Endpoint) -> bool:
    """Whether an edited request to this endpoint can be signed again."""
    return bool(signing_configs(endpoint)) or _provider(endpoint) is not None


def _merge(headers: Headers, fresh: Headers) -> Headers:
    out = list(headers)
    for name, value in fresh:
        lname = name.lower()
        for i, (key, _) in enumerate(out):
            if key.lower() == lname:
                out[i] = (key, value)
                break
        else:
            out.append((name, value))
    return out


def resign(capture: Capture, endpoint: Endpoint, *, now: float | None = None) -> Capture:
    """A copy of ``capture`` whose signature headers match its (edited) body."""
    ts = int(time.time() if now is None else now)
    headers = list(capture.headers)
    # A capture with Svix's svix-* names keeps them (the scheme is the same).
    svix = header_get(headers, "svix-signature") is not None and (
        header_get(headers, "webhook-signature") is None
    )
    for config in signing_configs(endpoint):
        msg_id = header_get(headers, "svix-id" if svix else "webhook-id")
        fresh, _ = sign(config, capture.body_bytes, timestamp=ts, msg_id=msg_id)
        if svix and config.scheme == "standard-webhooks":
            fresh = [(name.replace("webhook-", "svix-", 1), value) for name, value in fresh]
        headers = _merge(headers, fresh)
    provider = _provider(endpoint)
    if provider is not None:
        profile, secret = provider
        body = profile.sign_body(capture.body_bytes, secret)  # Mailgun signs inside the body
        if body != capture.body_bytes:
            capture = replace(capture, body=body, body_size=len(body))
        request = SignedRequest(headers, body, capture.query, capture.called_url())
        msg_id = header_get(headers, "svix-id") or header_get(headers, "webhook-id") or f"msg_{ts}"
        headers = _merge(headers, profile.sign(request, secret, ts, msg_id))
    return replace(capture, headers=headers)
