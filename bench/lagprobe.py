"""The event-loop lag probe shared by the GUI benchmarks, and the percentile they report."""

from __future__ import annotations

import asyncio
import contextlib


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


class LagProbe:
    """Sleeps ``interval`` seconds again and again and records how late each wake-up is."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.lags_ms: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="lag-probe")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def take(self) -> list[float]:
        """The lags recorded since the last call (in ms), and start afresh."""
        out, self.lags_ms = self.lags_ms, []
        return out

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.interval
            await asyncio.sleep(self.interval)
            self.lags_ms.append(max(0.0, (loop.time() - due) * 1000))
