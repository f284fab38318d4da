"""Nothing acknowledged is lost: kill -9 the listener mid-stream, every 2xx is in the store."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import aiohttp
from clirunner import ServeProcess, run_cli
from helpers import wait_until_async

from inspector.core.store import CaptureStore


async def _flood(url: str, acked: dict[str, bytes]) -> None:
    """16 concurrent senders until the server dies; records every acknowledged body."""
    async with aiohttp.ClientSession() as session:
        counter = 0

        async def worker(w: int) -> None:
            nonlocal counter
            while True:
                counter += 1
                n = counter
                body = os.urandom(64) + f"-{w}-{n}".encode()
                try:
                    async with session.post(f"{url}/d/{n}", data=body) as r:
                        payload = await r.json()
                        if 200 <= r.status < 300:
                            acked[payload["capture"]] = body
                except (TimeoutError, aiohttp.ClientError, ValueError):
                    return  # the server died under us: expected

        await asyncio.gather(*(worker(w) for w in range(16)))


def test_kill_9_loses_no_acknowledged_request(data_dir: Path) -> None:
    acked: dict[str, bytes] = {}
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel") as serve:

        async def scenario() -> None:
            flood = asyncio.create_task(_flood(serve.url, acked))
            await wait_until_async(lambda: len(acked) >= 300, what="300 acknowledged requests")
            os.kill(serve.proc.pid, signal.SIGKILL)  # mid-stream, requests in flight
            await asyncio.wait_for(flood, 30)

        asyncio.run(scenario())
        assert serve.proc.wait(10) == -signal.SIGKILL

    assert len(acked) >= 300
    # Restart the listener on the same data: earlier captures are all there, byte-exact.
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel") as again:
        store = CaptureStore.in_dir(data_dir)
        try:
            for cid, body in acked.items():
                got = store.get(cid)
                assert got is not None, f"acknowledged capture {cid} lost"
                assert got.body == body
        finally:
            store.close()
        assert again.stop() == 0
    listed = run_cli(data_dir, "list", "--limit", "0")
    assert len(listed.stdout.splitlines()) >= len(acked)
