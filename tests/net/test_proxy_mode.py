"""Proxy mode: the sender gets the development server's answer, recorded on the capture."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from aiohttp import web

from inspector.app import AppCore
from inspector.core.endpoints import Endpoint


async def start_target(handler: object) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)  # type: ignore[arg-type]
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site.port}"


async def test_proxy_answers_with_the_targets_answer(data_dir: Path) -> None:
    async def dev_server(request: web.Request) -> web.Response:
        body = await request.read()
        return web.Response(status=202, body=b"dev saw " + body, headers={"X-Dev": "1"})

    runner, target = await start_target(dev_server)
    core = AppCore(data_dir, port=0)
    core.endpoints.add(Endpoint("/hook", forward_url=target, forward_proxy=True))
    await core.start()
    try:
        async with (
            aiohttp.ClientSession() as s,
            s.post(core.listener.url + "/hook", data=b"x") as r,
        ):
            assert r.status == 202
            assert await r.read() == b"dev saw x"
            assert r.headers["X-Dev"] == "1"
        (c,) = core.store.captures()
        assert c.response is not None and c.response.status == 202
        assert c.forward is not None and c.forward.status == 202
    finally:
        await core.stop()
        await runner.cleanup()


async def test_proxy_to_dead_target_is_502_and_captured(data_dir: Path) -> None:
    core = AppCore(data_dir, port=0)
    core.endpoints.add(Endpoint("/hook", forward_url="http://127.0.0.1:9", forward_proxy=True))
    await core.start()
    try:
        async with (
            aiohttp.ClientSession() as s,
            s.post(core.listener.url + "/hook", data=b"x") as r,
        ):
            assert r.status == 502
            assert "forward target failed" in (await r.json())["error"]
        (c,) = core.store.captures()
        assert c.forward is not None and c.forward.error
    finally:
        await core.stop()


def test_proxy_needs_a_forward_url() -> None:
    import pytest

    with pytest.raises(ValueError, match="set --forward URL"):
        Endpoint("/x", forward_proxy=True)


async def test_paths_without_an_endpoint_are_analysed_in_the_writers_batch(
    data_dir: Path,
) -> None:
    # The app always has a proxy hook; only an endpoint can turn proxy mode on, so a path
    # without one is answered by default and analysed with its batch, off the request path.
    core = AppCore(data_dir, port=0)
    core.endpoints.add(Endpoint("/hook", forward_url="http://127.0.0.1:9", forward_proxy=True))
    await core.start()
    try:
        async with aiohttp.ClientSession() as s:
            async with s.post(
                core.listener.url + "/elsewhere", data=b'{"taskId": "j1", "status": "Started"}'
            ) as r:
                assert r.status == 200
                answer = await r.json()
            async with s.post(core.listener.url + "/hook", data=b"x") as r:
                assert r.status == 502
        assert core.listener.stats.deferred == 1
        stored = core.store.get(answer["capture"])
        assert stored is not None and stored.vendor == "blurit" and stored.endpoint is None
        assert stored.event is not None and stored.event["task_id"] == "j1"
    finally:
        await core.stop()
