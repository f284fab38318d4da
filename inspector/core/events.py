"""A tiny synchronous signal: plain-Python events the GUI and the CLI subscribe to.

The store emits ``added``/``updated``/``removed``; a Qt model only translates them into
``beginInsertRows``/``endInsertRows`` calls, so the core never knows about Qt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class Signal(Generic[T]):
    """Holds subscribers and calls them, in subscription order, with one argument."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._subscribers: list[Callable[[T], None]] = []

    def connect(self, callback: Callable[[T], None]) -> Callable[[], None]:
        """Subscribe; returns a function that unsubscribes."""
        self._subscribers.append(callback)

        def disconnect() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return disconnect

    def emit(self, value: T) -> None:
        # A failing subscriber must not stop the others nor the listener that emitted.
        for callback in list(self._subscribers):
            try:
                callback(value)
            except Exception:
                log.exception("subscriber of %s failed", self.name)

    def __len__(self) -> int:
        return len(self._subscribers)
