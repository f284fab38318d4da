"""Pause capture: the listener answers 503 with Retry-After and stores nothing, then
captures again once resumed."""

from __future__ import annotations

import aiohttp

from inspector.core.store import CaptureStore
from inspector.net.listener import PAUSED_RETRY_AFTER_S, Listener


async def test_paused_listener_refuses_with_retry_after_and_stores_nothing(
    listener: Listener, store: CaptureStore
) -> None:
    listener.paused = True
    async with aiohttp.ClientSession() as s:
        for _ in range(3):
            async with s.post(listener.url + "/hook", data=b"{}") as r:
                assert r.status == 503
                assert r.headers["Retry-After"] == str(PAUSED_RETRY_AFTER_S)
                assert "paused" in (await r.json())["error"]
        assert store.count() == 0 and listener.stats.paused == 3
        listener.paused = False
        async with s.post(listener.url + "/hook", data=b"{}") as r:
            assert r.status == 200
    assert store.count() == 1
