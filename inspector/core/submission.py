"""Pure parts of submitting a test task: which endpoint receives the callbacks, and the
exact webhook URL to give the vendor.

Every vendor gets its own endpoint (created on first use, at ``/celantur``, ``/blurit``,
``/anesya``...), so its callbacks are validated: Celantur's URL carries a generated
``?key=`` secret (Celantur sends no auth header), Anesya's token is generated here and
pasted into Anesya's dashboard, BlurIt's token is the one its webhook API returns.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from urllib.parse import quote

from inspector.core.endpoints import Endpoint, EndpointTable
from inspector.core.simulate import DEFAULT_PATHS
from inspector.core.vendors import get_profile

SUBMIT_VENDORS = ("celantur", "celantur-v1", "blurit", "anesya")
#: Where each vendor's API credentials live in the secret store (and the environment).
CREDENTIALS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "celantur": (
        ("username", "CELANTUR_USERNAME", "celantur.username"),
        ("password", "CELANTUR_PASSWORD", "celantur.password"),
    ),
    "blurit": (
        ("client_id", "BLURIT_CLIENT_ID", "blurit.client_id"),
        ("secret_id", "BLURIT_SECRET_ID", "blurit.secret_id"),
    ),
    "anesya": (("api_key", "ANESYA_API_KEY", "anesya.api_key"),),
}
CREDENTIALS["celantur-v1"] = CREDENTIALS["celantur"]


def resolve_credentials(
    vendor: str,
    given: Mapping[str, str | None],
    environ: Mapping[str, str],
    stored: Callable[[str], str | None],
) -> dict[str, str]:
    """A vendor's credentials: given (flags, a form), else the environment, else stored.

    ``stored`` reads the secret store; a store that fails (no usable keyring) counts as
    empty, so flags and the environment still work. Nothing about a value is logged.
    """
    out: dict[str, str] = {}
    for name, env, key in CREDENTIALS.get(vendor, ()):
        value = given.get(name) or environ.get(env)
        if not value:
            try:
                value = stored(key)
            except Exception:
                value = None
        if value:
            out[name] = value
    return out


def ensure_vendor_endpoint(table: EndpointTable, vendor: str) -> tuple[Endpoint, bool]:
    """The vendor's endpoint, creating one (with a fresh secret where it applies).

    Returns ``(endpoint, created)``; the caller saves the table when created.
    """
    existing = table.for_vendor(vendor)
    if existing:
        return existing[0], False
    path = DEFAULT_PATHS[vendor]
    if vendor in ("celantur", "celantur-v1"):
        endpoint = Endpoint(path, vendor=vendor, query_token=f"key={secrets.token_urlsafe(16)}")
    elif vendor == "anesya":
        endpoint = Endpoint(path, vendor=vendor, token=secrets.token_urlsafe(24))
    else:
        endpoint = Endpoint(path, vendor=vendor)
    return table.add(endpoint), True


def webhook_query(endpoint: Endpoint) -> tuple[str, str] | None:
    """The query parameter the endpoint's checks expect in every call, as ``(name, value)``.

    Besides the endpoint's own query token, a vendor may expect its token there (Celantur
    sends its ``token`` as ``?key=``).
    """
    for config in get_profile(endpoint.vendor).checks(endpoint):
        if config.scheme == "query-token" and config.query_name:
            return config.query_name, config.secret
    return None


def webhook_url(public_base: str, endpoint: Endpoint, *, mask: str | None = None) -> str:
    """``https://abc.ngrok-free.app/celantur?key=...``: what the vendor must call.

    ``mask`` replaces the query value when the URL is shown rather than copied.
    """
    url = public_base.rstrip("/") + endpoint.path
    pair = webhook_query(endpoint)
    if pair is not None:
        name, value = pair
        url += f"?{quote(name, safe='')}={quote(value, safe='') if mask is None else mask}"
    return url
