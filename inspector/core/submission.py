"""Pure parts of submitting a test task, shared by the command line and the Submit dialog:
credentials, options, which endpoint receives the callbacks, and the webhook URL.

Every vendor gets its own endpoint (created on first use at the vendor's default path), so
its callbacks are validated: a vendor that sends no header gets a generated ``?key=``
secret in its URL, a vendor whose token the user pastes into its dashboard gets a
generated token, and a vendor whose API registers our URL gets the token it returns
(:func:`store_webhook_token`).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from inspector.core.endpoints import Endpoint, EndpointTable
from inspector.core.settings import Settings
from inspector.core.tasks import SIMULATED
from inspector.core.vendors import find_vendor, get_vendor, submit_vendors
from inspector.core.vendors.descriptor import Credential, SubmitSpec

#: Bytes at the start of a file that tell its type (what ``submit_options`` is given).
FILE_HEAD = 16


def submit_spec(vendor: str) -> SubmitSpec:
    """The vendor's API for test tasks; ValueError naming the vendors that have one."""
    found = find_vendor(vendor)
    if found is None or found.submit is None:
        ids = ", ".join(v.id for v in submit_vendors())
        raise ValueError(f"cannot submit to {vendor!r}; choose one of {ids}")
    return found.submit


def credential_fields(vendor: str) -> tuple[Credential, ...]:
    """The API credentials a vendor needs (none for a vendor without an API)."""
    found = find_vendor(vendor)
    return found.submit.credentials if found is not None and found.submit is not None else ()


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
    for credential in credential_fields(vendor):
        value = given.get(credential.name) or environ.get(credential.env)
        if not value:
            try:
                value = stored(credential.store_key)
            except Exception:
                value = None
        if value:
            out[credential.name] = value
    return out


def submit_options(vendor: str, values: Mapping[str, Any], head: bytes) -> dict[str, Any]:
    """The options the vendor's API takes, from the user's choices (by option name) and
    the file's first bytes; ValueError with a sentence when they are unusable."""
    return submit_spec(vendor).build(values, head)


@dataclass(frozen=True, slots=True)
class EndpointPlan:
    """The endpoint a vendor's callbacks will reach: the existing one, or one to create
    (with its generated secret already chosen, so the webhook URL shown is the one made)."""

    vendor: str
    endpoint: Endpoint
    create: bool


def plan_vendor_endpoint(table: EndpointTable, vendor: str) -> EndpointPlan:
    """The vendor's endpoint, or the one to create for it; changes nothing."""
    existing = table.for_vendor(vendor)
    if existing:
        return EndpointPlan(vendor, existing[0], False)
    described = get_vendor(vendor)
    path = described.default_path
    if described.generated_secret == "query":
        # The vendor's own token parameter; "key" for a profile that names none.
        query_name = described.profile.token_query or "key"
        endpoint = Endpoint(
            path, vendor=vendor, query_token=f"{query_name}={secrets.token_urlsafe(16)}"
        )
    elif described.generated_secret == "token":
        endpoint = Endpoint(path, vendor=vendor, token=secrets.token_urlsafe(24))
    else:
        endpoint = Endpoint(path, vendor=vendor)
    return EndpointPlan(vendor, endpoint, True)


def ensure_vendor_endpoint(table: EndpointTable, vendor: str) -> tuple[Endpoint, bool]:
    """The vendor's endpoint, creating one (with a fresh secret where it applies).

    Returns ``(endpoint, created)``; the caller saves the table when created.
    """
    plan = plan_vendor_endpoint(table, vendor)
    if plan.create:
        return table.add(plan.endpoint), True
    return plan.endpoint, False


def _receives(plan: EndpointPlan, webhook: str) -> bool:
    """Whether the webhook URL calls the planned endpoint's path."""
    return (urlsplit(webhook).path or "/").rstrip("/") == plan.endpoint.path.rstrip("/")


def _secret_words(endpoint: Endpoint) -> str:
    if endpoint.query_token:
        return f"with a generated key in its URL (?{endpoint.query_token.split('=')[0]}=…)"
    if endpoint.token:
        return "with a generated token"
    return "that checks no token"


def planned_changes(
    table: EndpointTable, plan: EndpointPlan, webhook: str, *, token_from_api: bool
) -> list[str]:
    """What Submit will create or change in the endpoints, in sentences (empty: nothing).

    ``token_from_api``: the vendor's API registers the webhook URL and hands out the token
    its callbacks carry, which then becomes the endpoint's token.
    """
    brand = get_vendor(plan.vendor).brand_name
    path = (urlsplit(webhook).path or "/") if webhook else plan.endpoint.path
    out = []
    create = plan.create and _receives(plan, webhook) and table.get(plan.endpoint.path) is None
    if create:
        secret = "" if token_from_api else " " + _secret_words(plan.endpoint)
        out.append(f"Submit creates the endpoint {plan.endpoint.path} for {brand}{secret}.")
    if token_from_api:
        current = table.match(path)
        if current is not None and current.vendor == plan.vendor and current.token:
            out.append(
                f"{brand} registers the webhook URL and hands out the token its callbacks "
                f"carry: it replaces the token set on {current.path} now."
            )
        else:
            out.append(
                f"{brand} registers the webhook URL and hands out the token its callbacks "
                f"carry: it becomes the token of {path}."
            )
    return out


def apply_endpoint_plan(table: EndpointTable, plan: EndpointPlan, webhook: str) -> list[str]:
    """Create the planned endpoint when the webhook URL calls it and it is still missing
    (saved at once); what was done, in sentences."""
    if not plan.create or not _receives(plan, webhook) or table.get(plan.endpoint.path):
        return []
    table.add(plan.endpoint)
    table.save()
    brand = get_vendor(plan.vendor).brand_name
    return [f"created the endpoint {plan.endpoint.path} for {brand}"]


def store_webhook_token(table: EndpointTable, vendor: str, url: str, token: str) -> bool:
    """Make ``token`` the token of the endpoint ``url`` points at (created for ``vendor``
    when that path has none of this vendor's) and save the table; False when it already
    was. For a vendor whose API hands out the token of the webhook it registered."""
    path = urlsplit(url).path or "/"
    endpoint = table.match(path)
    if endpoint is None or endpoint.vendor != vendor:
        endpoint = Endpoint(path, vendor=vendor)
    if endpoint.token == token:
        return False
    table.add(replace(endpoint, token=token))
    table.save()
    return True


def _webhook_setting(vendor: str) -> str:
    return f"{vendor}_webhook_url"


def previous_webhook_url(settings: Settings, vendor: str) -> str | None:
    """The webhook URL last registered through the vendor's API (moved, not added again,
    when the tunnel's URL changed)."""
    value = settings.extra.get(_webhook_setting(vendor))
    return str(value) if value else None


def remember_webhook_url(settings: Settings, data_dir: Path, vendor: str, url: str) -> None:
    """Keep the URL just registered through the vendor's API in ``settings.json``."""
    settings.extra[_webhook_setting(vendor)] = url
    with contextlib.suppress(OSError):
        settings.save(data_dir)


def webhook_query(endpoint: Endpoint) -> tuple[str, str] | None:
    """The query parameter the endpoint's checks expect in every call, as ``(name, value)``.

    Besides the endpoint's own query token, a vendor may expect its token there (Celantur
    sends its ``token`` as ``?key=``).
    """
    for config in get_vendor(endpoint.vendor).profile.checks(endpoint):
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


def sandbox_line(vendor: str, url: str) -> str:
    """What ``submit --sandbox`` and the Submit dialog say first: the task goes to a
    simulation, and where its callbacks go (without the URL's query secret)."""
    brand = get_vendor(vendor).brand_name
    return (
        f"sandbox: a simulated {brand} API on this machine (nothing is sent to {brand}); "
        f"its callbacks go to {url.partition('?')[0]}, labelled {SIMULATED}"
    )
