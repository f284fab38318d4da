"""Run a vendor test double (an asyncio server) in a thread, for tests that drive the
command line as a subprocess and so cannot share an event loop with it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class DoubleThread:
    """Owns a loop in a daemon thread; ``call`` runs a coroutine there and waits for it."""

    def __init__(self, double: Any) -> None:
        self.double = double
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.base_url: str = self.call(double.start())

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.call(self.double.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
