"""What the window asks of the rest of the app, as a Protocol.

The GUI imports no aiohttp and no pyngrok: the composition root (``inspector/app.py``)
hands the window an object with these coroutines, and tests hand it the same real one.
"""

from __future__ import annotations

from typing import Protocol

from inspector.core.capture import Capture
from inspector.core.store import ReplayRecord


class AppServices(Protocol):
    """Operations the window starts; all of them are coroutines run on the qasync loop."""

    @property
    def local_url(self) -> str:
        """The listener's own URL, e.g. ``http://127.0.0.1:8765``."""
        ...

    async def replay(self, capture: Capture, to: str | None = None) -> ReplayRecord:
        """Send ``capture`` (possibly edited) to ``to``, or to our listener when None."""
        ...
