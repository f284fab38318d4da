"""A vendor's API as the app uses it: submit a test task, fetch its result; registered by
the core vendor id (:mod:`inspector.net.vendors` registers the built-in ones).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from inspector.core.endpoints import EndpointTable
from inspector.core.tasks import Task
from inspector.net.vendors.base import ProgressCallback, VendorError


@dataclass(slots=True)
class SubmitRequest:
    """Everything one submission needs; ``credentials`` by name (see core.submission)."""

    vendor: str
    file_name: str
    data: bytes
    webhook_url: str
    credentials: dict[str, str]
    api_base: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SubmitContext:
    """What a vendor's ``submit`` may use besides the request, and how it reports."""

    endpoints: EndpointTable
    progress: ProgressCallback | None = None
    say: Callable[[str], None] = lambda _: None
    #: after the endpoint's token changed, how long a listener in another process needs to
    #: pick it up, so that the first callback already validates
    settle_s: float = 0.0
    on_task_id: Callable[[str], None] = lambda _: None
    #: the webhook URL registered through the vendor's API last time (moved, not added)
    previous_webhook_url: str | None = None
    announced: bool = field(default=False, init=False)

    def announce(self, task_id: str) -> None:
        """Say the vendor's task id (once): as soon as the vendor returns it."""
        if not self.announced:
            self.announced = True
            self.on_task_id(task_id)


@dataclass(slots=True)
class TaskResult:
    """What a finished task produced: an image, or the extract's JSON, and where from."""

    kind: str  # "image" | "json" | "pending"
    source: str
    data: bytes = b""
    value: Any = None
    status: str = ""


#: ``submit(request, context)``: the vendor's task id; a vendor that learns it before the
#: upload is over announces it then (``context.announce``).
SubmitCall = Callable[[SubmitRequest, SubmitContext], Awaitable[str]]
#: ``fetch_result(task, credentials, api_base)``: the task's status and, when done, result.
FetchCall = Callable[[Task, dict[str, str], str | None], Awaitable[TaskResult]]


@dataclass(frozen=True, slots=True)
class VendorApi:
    """One vendor's API client, for the core vendor :attr:`vendor`."""

    vendor: str
    submit: SubmitCall
    fetch_result: FetchCall
    #: the API registers our webhook URL itself; the URL is remembered so that a new
    #: tunnel URL moves that registration instead of adding another
    registers_webhook: bool = False


_APIS: dict[str, VendorApi] = {}


def register_api(api: VendorApi) -> VendorApi:
    if api.vendor in _APIS:
        raise ValueError(f"an API for vendor {api.vendor!r} is already registered")
    _APIS[api.vendor] = api
    return api


def unregister_api(vendor: str) -> None:
    _APIS.pop(vendor, None)


def find_api(vendor: str) -> VendorApi | None:
    return _APIS.get(vendor)


def api_vendor_ids() -> list[str]:
    return list(_APIS)


def need(vendor: str, credentials: dict[str, str], *names: str) -> list[str]:
    """The named credentials, or a :class:`VendorError` naming the missing ones."""
    missing = [n for n in names if not credentials.get(n)]
    if missing:
        raise VendorError(
            vendor,
            f"{vendor} credentials missing: {', '.join(missing)} "
            "(give them as options, in the environment, or in the app's Settings)",
        )
    return [credentials[n] for n in names]


def base_url(api_base: str | None) -> dict[str, Any]:
    """The client's ``base_url`` keyword for an API base override (none: the vendor's)."""
    return {"base_url": api_base.rstrip("/")} if api_base else {}
