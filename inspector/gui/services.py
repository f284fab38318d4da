"""What the window asks of the rest of the app, as Protocols.

The GUI imports no aiohttp and no pyngrok: the composition root (``inspector/app.py``)
hands the window an object with these members, and tests hand it the same real one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from inspector.core.capture import Capture
from inspector.core.endpoints import EndpointTable
from inspector.core.events import Signal
from inspector.core.secrets import SecretStore
from inspector.core.settings import Settings
from inspector.core.store import ReplayRecord


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


class TunnelControl(Protocol):
    """Subscribe to the tunnel's states."""

    @property
    def status(self) -> Any: ...

    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]: ...


class AppServices(Protocol):
    """Operations the window starts; the coroutines run on the qasync loop."""

    data_dir: Path
    endpoints: EndpointTable
    settings: Settings
    secrets: SecretStore
    public_url: str | None
    url_changed_from: str | None
    #: one-line warnings (disk nearly full, captures trimmed by the size cap)
    warned: Signal[str]

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

    async def start_tunnel(self) -> Any: ...

    async def stop_tunnel(self) -> None: ...

    def endpoints_with_stale_url(self) -> list[str]: ...

    def rate_limited_count(self) -> int: ...

    # vendor tasks (see inspector/gui/submit_dialog.py and tasks_view.py)
    def credentials(self, vendor: str) -> dict[str, str]: ...

    def save_credentials(self, vendor: str, values: dict[str, str]) -> None: ...

    def default_webhook_url(self, vendor: str) -> str | None: ...

    def resigner_for(self, capture: Capture) -> Callable[[Capture], Capture] | None:
        """Re-signs an edited copy of ``capture`` when its endpoint has a signing secret."""
        ...

    async def install_agent(
        self, progress: Callable[[int, int | None], None], cancel: Any
    ) -> str: ...
