"""The public side, through the stand-in ngrok agent (tests/doubles/fake_ngrok.py): only what
the agent adds is trusted.

The app (AppCore) runs its listener and starts the agent, which relays as ngrok documents
it: it appends the sender's address to X-Forwarded-For and the scheme to X-Forwarded-Proto,
keeps a sender's X-Forwarded-Host, and adds the headers the tunnel definition asks for (the
run's tunnel mark). Senders at different addresses are clients bound to 127.0.0.2, 127.0.0.3
and so on: the agent sees them as different peers, as ngrok's edge sees different hosts.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from helpers import wait_until_async

from inspector.app import AppCore
from inspector.core.capture import Capture
from inspector.core.origin import TUNNEL_HEADER
from inspector.core.paths import RuntimeInfo
from inspector.core.secrets import CUSTOM_TUNNEL_VALUE, SecretStore
from inspector.core.settings import Settings
from inspector.core.store import CaptureFilter
from inspector.net.tunnel import UNTOLD_WARNING, TunnelState

ServerFactory = Callable[..., Any]
#: a made-up id of a capture, as a remote sender would claim to replay it
FAKE_ID = "0" * 32
BURST = 20


@dataclass
class Public:
    core: AppCore
    relay: str
    public_url: str
    agent_state: dict[str, Any]
    forwarded: list[list[tuple[str, str]]] = field(default_factory=list)

    async def send(
        self,
        url: str,
        *,
        sender: str = "127.0.0.2",
        headers: list[tuple[str, str]] | None = None,
        count: int = 1,
    ) -> list[int]:
        """POST ``count`` times from the sender's address; the statuses answered."""
        connector = aiohttp.TCPConnector(local_addr=(sender, 0), limit=10)
        async with aiohttp.ClientSession(connector=connector) as http:

            async def one(i: int) -> int:
                sent = [(k, v.replace("{i}", str(i))) for k, v in headers or []]
                async with http.post(url, data=b'{"n": 1}', headers=sent) as resp:
                    await resp.read()
                    return resp.status

            return list(await asyncio.gather(*(one(i) for i in range(count))))

    def only(self, **filters: str) -> Capture:
        (summary,) = self.core.store.captures(limit=0, flt=CaptureFilter(**filters))
        full = self.core.store.get(summary.id)
        assert full is not None
        return full


@pytest.fixture
async def public(
    data_dir: Path,
    fake_ngrok_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    aiohttp_server: ServerFactory,
) -> AsyncIterator[Public]:
    state = tmp_path / "agent.json"
    monkeypatch.setenv("FAKE_NGROK_STATE_FILE", str(state))
    monkeypatch.delenv("NGROK_AUTHTOKEN", raising=False)
    # A burst of 20 and (next to) no refill: what a flood gets through does not depend on
    # how fast this machine sends it.
    Settings(rate_limit_per_s=0.001, rate_limit_burst=BURST).save(data_dir)
    forwarded: list[list[tuple[str, str]]] = []

    async def keep(request: web.Request) -> web.Response:
        forwarded.append([(k.decode(), v.decode()) for k, v in request.raw_headers])
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", keep)
    target = await aiohttp_server(app)
    core = AppCore(
        data_dir,
        port=0,
        ngrok_path=str(fake_ngrok_path),
        forward_url=f"http://127.0.0.1:{target.port}",
    )
    await core.start()
    try:
        status = await core.start_tunnel()
        assert status.state is TunnelState.ONLINE and status.public_url
        agent_state = json.loads(state.read_text())
        relay = agent_state["endpoints"][0]["relay_url"]
        yield Public(core, relay, status.public_url, agent_state, forwarded)
    finally:
        await core.stop()


async def test_the_tunnel_definition_asks_the_agent_to_add_the_runs_secret(
    public: Public,
) -> None:
    (endpoint,) = public.agent_state["endpoints"]
    (rule,) = endpoint["traffic_policy"]["on_http_request"]
    assert rule["actions"] == [
        {"type": "remove-headers", "config": {"headers": [TUNNEL_HEADER]}},
        {"type": "add-headers", "config": {"headers": {TUNNEL_HEADER: public.core.tunnel_secret}}},
    ]
    # sent to the agent's local API, never on its command line
    assert not any(public.core.tunnel_secret in arg for arg in public.agent_state["argv"])


async def test_via_is_right_for_local_tunnelled_and_forged_local_requests(
    public: Public,
) -> None:
    local_url = public.core.listener.url
    # 1. the user's own curl
    assert await public.send(local_url + "/mine", sender="127.0.0.1") == [200]
    # 2. a webhook through the tunnel, whose sender also sent headers of its own
    sender_said = [
        ("X-Forwarded-For", "10.0.0.1"),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Host", "attacker.example"),
        (TUNNEL_HEADER, "a guess"),
    ]
    assert await public.send(public.relay + "/public?a=1", headers=sender_said) == [200]
    # 3. a local program that writes what the agent would, without the secret
    forged = [*sender_said, ("X-Forwarded-For", "203.0.113.9")]
    assert await public.send(local_url + "/forged", sender="127.0.0.1", headers=forged) == [200]

    mine = public.only(text="/mine")
    assert (mine.via, mine.remote_addr) == ("local", "127.0.0.1")

    tunnelled = public.only(via="tunnel")
    assert tunnelled.path == "/public"
    assert tunnelled.remote_addr == "127.0.0.2"  # the agent's entry, not the sender's
    assert tunnelled.header("X-Forwarded-For") == "10.0.0.1, 127.0.0.2"
    assert tunnelled.header("X-Forwarded-Host") == "attacker.example"  # kept, not believed
    assert tunnelled.called_url() == public.public_url + "/public?a=1"
    # The agent replaced the sender's guess with the secret, which is not stored.
    assert tunnelled.header(TUNNEL_HEADER) is None
    assert tunnelled.to_json()["via"] == "tunnel"

    forged_capture = public.only(text="/forged")
    assert (forged_capture.via, forged_capture.remote_addr) == ("local", "127.0.0.1")
    assert forged_capture.header(TUNNEL_HEADER) == "a guess"  # visible like any header
    assert forged_capture.called_origin() == f"http://127.0.0.1:{public.core.listener.port}"


async def test_a_flood_with_forged_first_addresses_is_limited_like_one_without(
    public: Public,
) -> None:
    plain = await public.send(public.relay + "/flood", sender="127.0.0.2", count=100)
    forged_first = [("X-Forwarded-For", "10.7.{i}.1")]  # a new made-up address each time
    forged = await public.send(
        public.relay + "/flood", sender="127.0.0.3", headers=forged_first, count=100
    )
    assert sorted(plain) == sorted(forged) == [200] * BURST + [429] * (100 - BURST)
    limiter = public.core.listener.rate_limiter
    assert limiter is not None and limiter.sources == 2  # one per real sender
    stored = public.core.store.captures(limit=0, flt=CaptureFilter(via="tunnel"))
    assert sorted(c.remote_addr for c in stored) == ["127.0.0.2"] * BURST + ["127.0.0.3"] * BURST
    # The user's own requests are not limited, whatever they claim.
    statuses = await public.send(
        public.core.listener.url + "/local",
        sender="127.0.0.1",
        headers=[("X-Forwarded-For", "127.0.0.3")],
        count=BURST + 5,
    )
    assert statuses == [200] * (BURST + 5)


async def test_markers_from_the_tunnel_are_ignored_and_visible(public: Public) -> None:
    markers = [
        ("X-Inspector-Source", "simulate"),
        ("X-Inspector-Replay-Of", FAKE_ID),
        # even the right run token (had it leaked) does not make a tunnelled request ours
        ("X-Inspector-Token", public.core.listener.run_token),
    ]
    assert await public.send(public.relay + "/claims", headers=markers) == [200]
    capture = public.only(text="/claims")
    assert (capture.via, capture.source, capture.replay_of) == ("tunnel", "live", None)
    assert capture.header("X-Inspector-Source") == "simulate"
    assert capture.header("X-Inspector-Replay-Of") == FAKE_ID
    assert capture.header("X-Inspector-Token") is None  # the token is never stored
    # A live webhook is forwarded, with what the sender sent and none of our secrets.
    (sent_on,) = await wait_until_async(lambda: public.forwarded, what="the forward")
    names = {k.lower(): v for k, v in sent_on}
    assert names["x-inspector-replay-of"] == FAKE_ID
    assert TUNNEL_HEADER.lower() not in names and "x-inspector-token" not in names


async def test_local_replays_and_samples_are_still_marked(public: Public) -> None:
    assert await public.send(public.relay + "/original") == [200]
    original = public.only(text="/original")
    record = await public.core.replay(original)
    assert record.status == 200
    replay = public.only(source="replay")
    assert (replay.replay_of, replay.via, replay.remote_addr) == (original.id, "local", "127.0.0.1")
    assert replay.header("X-Inspector-Replay-Of") is None
    assert replay.header("X-Inspector-Token") is None

    lines = await public.core.simulate("celantur")
    assert lines and all("-> 200" in line for line in lines)
    sample = public.only(source="simulate")
    assert sample.via == "local" and sample.header("X-Inspector-Source") is None


async def test_the_run_token_is_published_for_the_users_command_line_only(
    public: Public, data_dir: Path
) -> None:
    info = RuntimeInfo.load_running(data_dir)
    assert info is not None and info.token == public.core.listener.run_token
    assert (data_dir / "listener.json").stat().st_mode & 0o777 == 0o600
    assert info.token not in repr(info)


async def test_a_custom_tunnels_header_makes_its_requests_tunnelled(
    data_dir: Path, tmp_path: Path
) -> None:
    settings = Settings(
        custom_public_url="https://hooks.example.com", custom_tunnel_header="X-From-Edge"
    )
    settings.save(data_dir)
    SecretStore(data_dir).set(CUSTOM_TUNNEL_VALUE, "edge-secret")
    core = AppCore(data_dir, port=0)
    await core.start()
    try:
        status = await core.start_tunnel()
        assert status.warning is None  # told apart: no warning
        # What such a program relays: its header and the sender's address appended.
        relayed = [("X-From-Edge", "edge-secret"), ("X-Forwarded-For", "1.2.3.4, 198.51.100.4")]
        async with aiohttp.ClientSession() as http:
            for path, headers in (("/edge", relayed), ("/direct", relayed[1:])):
                async with http.post(core.listener.url + path, headers=headers) as resp:
                    assert resp.status == 200
        edge = core.store.captures(limit=0, flt=CaptureFilter(via="tunnel"))
        assert [(c.path, c.remote_addr) for c in edge] == [("/edge", "198.51.100.4")]
        assert edge[0].header("X-From-Edge") is None
        (direct,) = core.store.captures(limit=0, flt=CaptureFilter(via="local"))
        assert (direct.path, direct.remote_addr) == ("/direct", "127.0.0.1")

        # Without the header in Settings, the status says what is lost.
        settings.custom_tunnel_header = None
        core.settings = settings
        status = await core.start_tunnel()
        assert status.warning == UNTOLD_WARNING
        assert all(m.name == TUNNEL_HEADER for m in core.listener.tunnel_marks)
    finally:
        await core.stop()
