"""What the window asks of the rest of the app, as Protocols.

The GUI imports no aiohttp and no pyngrok: the composition root (``inspector/app.py``)
hands the window an object with these members, and tests hand it the same real one.
mypy checks that object against :class:`AppServices` where the window is built.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from inspector.core.capture import Capture
from inspector.core.endpoints import EndpointTable
from inspector.core.events import Signal
from inspector.core.secrets import SecretStore
from inspector.core.settings import Settings
from inspector.core.store import CaptureStore, ReplayRecord
from inspector.core.submission import EndpointPlan
from inspector.core.tasks import Task


class TunnelView(Protocol):
    """The tunnel's state as the window shows it (``inspector.net.tunnel.TunnelStatus``)."""

    @property
    def state(self) -> str: ...  # "off" | "starting" | "online" | "error"

    @property
    def public_url(self) -> str | None: ...

    @property
    def reason(self) -> str | None: ...

    @property
    def warning(self) -> str | None: ...

    @property
    def error_code(self) -> str | None: ...  # ``ERR_NGROK_<n>`` or inspector.core.tunnel_help's

    @property
    def detail(self) -> str | None: ...  # what failed, without the command line's advice


class TunnelControl(Protocol):
    """The tunnel's current state, and a subscription to its changes."""

    @property
    def status(self) -> TunnelView: ...

    def subscribe(self, callback: Callable[[TunnelView], None]) -> Callable[[], None]:
        """Call ``callback`` with each new state; returns the function that unsubscribes."""
        ...


class TaskResultView(Protocol):
    """A vendor task's result as the Tasks view shows it (``inspector.net.submit.TaskResult``)."""

    @property
    def kind(self) -> str: ...  # "image" | "json" | "pending"

    @property
    def source(self) -> str: ...  # where the result came from (a URL or the vendor's name)

    @property
    def data(self) -> bytes: ...  # the image's bytes

    @property
    def value(self) -> Any: ...  # the JSON result, or the vendor's task info while pending

    @property
    def status(self) -> str: ...


class AppServices(Protocol):
    """Operations the window starts; the coroutines run on the qasync loop."""

    data_dir: Path
    store: CaptureStore
    endpoints: EndpointTable
    settings: Settings
    secrets: SecretStore
    public_url: str | None
    url_changed_from: str | None
    #: one-line warnings (disk nearly full, captures trimmed by the size cap)
    warned: Signal[str]
    #: a task was submitted and stored (emitted on the loop's thread)
    task_saved: Signal[Task]

    @property
    def local_url(self) -> str:
        """The listener's own URL, e.g. ``http://127.0.0.1:8765``."""
        ...

    @property
    def tunnel(self) -> TunnelControl: ...

    async def replay(self, capture: Capture, to: str | None = None) -> ReplayRecord:
        """Send ``capture`` (possibly edited) to ``to``, or to our listener when None."""
        ...

    async def simulate(self, vendor: str, event: str | None = None) -> list[str]:
        """Send a vendor's sample webhook(s) to our listener; one line per answer."""
        ...

    async def start_tunnel(self) -> TunnelView: ...

    async def stop_tunnel(self) -> None: ...

    def tunnel_setup_missing(self) -> list[str]:
        """What the tunnel lacks before it can start ("agent", "authtoken"); empty: set up."""
        ...

    def endpoints_with_stale_url(self) -> list[str]: ...

    def rate_limited_count(self) -> int: ...

    @property
    def capture_paused(self) -> bool:
        """Whether requests are refused (503 with Retry-After) instead of stored."""
        ...

    def set_capture_paused(self, paused: bool) -> None: ...

    def paused_count(self) -> int: ...

    def index_in_background(self) -> None:
        """Index what the search index does not hold yet (after Clear all)."""
        ...

    def index_status(self) -> str:
        """A few words while the search index is being built, else empty."""
        ...

    def resigner_for(self, capture: Capture) -> Callable[[Capture], Capture] | None:
        """Re-signs an edited copy of ``capture`` when its endpoint has a signing secret."""
        ...

    async def install_agent(
        self, progress: Callable[[int, int | None], None], cancel: asyncio.Event
    ) -> str:
        """Download the ngrok agent (``cancel`` stops it); returns the agent's path."""
        ...

    # -- vendor tasks (the Submit dialog and the Tasks view) ----------------------------------
    def credentials(self, vendor: str) -> dict[str, str]: ...

    def save_credentials(self, vendor: str, values: dict[str, str]) -> None: ...

    def plan_endpoint(self, vendor: str) -> EndpointPlan:
        """The endpoint the vendor's callbacks will reach; nothing is created yet."""
        ...

    def plan_webhook_url(self, plan: EndpointPlan) -> str | None:
        """The planned endpoint's public URL (None without a public URL)."""
        ...

    def planned_changes(self, plan: EndpointPlan, webhook: str) -> list[str]:
        """What submitting with ``webhook`` will create or change in the endpoints."""
        ...

    async def submit(
        self,
        vendor: str,
        file_name: str,
        data: bytes,
        *,
        webhook: str,
        options: dict[str, Any],
        api_base: str | None = None,
        credentials: dict[str, str] | None = None,
        progress: Callable[[int, int], None] | None = None,
        say: Callable[[str], None] = ...,
        plan: EndpointPlan | None = None,
        sandbox: bool = False,
    ) -> Task:
        """Submit a file to the vendor's API (cancel by cancelling); the task is stored.
        ``sandbox``: to the sandbox's simulation of that API, callbacks to our listener."""
        ...

    async def fetch_result(
        self, task: Task, api_base: str | None = None, credentials: dict[str, str] | None = None
    ) -> TaskResultView:
        """Ask the vendor for the task's status and, when done, its result (``credentials``
        complete the stored ones)."""
        ...
