"""TunnelService and install_agent, driven through the fake ngrok agent as the real binary.

Every peer is real: the agent is ``tests/doubles/fake_ngrok.py`` run by pyngrok as a child
process, the "listener" is an aiohttp server on 127.0.0.1, download servers are local.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import shlex
import stat
import sys
import tarfile
import zipfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from helpers import WAIT_TIMEOUT, pid_alive, wait_until_async
from pyngrok import conf, ngrok, process
from pyngrok.conf import PyngrokConfig

from inspector.core.capture import header_get
from inspector.core.settings import Settings
from inspector.core.store import CaptureStore
from inspector.core.tunnel_help import is_pyngrok_wrapper
from inspector.net.agent_download import AgentInstallCancelled, AgentInstallError, install_agent
from inspector.net.listener import Listener
from inspector.net.tunnel import (
    AGENT_EXITED,
    AGENT_FAILED,
    AGENT_MISSING,
    AGENT_NOT_RUNNABLE,
    AGENT_TIMEOUT,
    BAD_PUBLIC_URL,
    UNTOLD_WARNING,
    WAYS_OUT,
    TunnelConfig,
    TunnelService,
    TunnelState,
    TunnelStatus,
    explain_ngrok_error,
    parse_public_url,
    resolve_ngrok_path,
)

FAKE_AGENT = Path(__file__).resolve().parents[1] / "doubles" / "fake_ngrok.py"
ServerFactory = Callable[..., Any]


@dataclass
class FakeAgent:
    """One wrapper script standing in for the ``ngrok`` binary, with its own state file."""

    path: Path
    state_file: Path
    config_path: Path

    def state(self) -> dict[str, Any]:
        return dict(json.loads(self.state_file.read_text()))

    @property
    def pid_file(self) -> Path:
        return self.path.with_name("pid")

    def pid(self) -> int:
        """The last agent process started through this wrapper."""
        return int(self.pid_file.read_text())

    def config(self, **kwargs: Any) -> TunnelConfig:
        kwargs.setdefault("startup_timeout", 8.0)
        return TunnelConfig(ngrok_path=str(self.path), config_path=str(self.config_path), **kwargs)


def write_wrapper(path: Path, env: dict[str, str], pid_file: Path | None = None) -> None:
    # Runs the fake with this interpreter, so the fake's shebang is not relied on. The pid
    # is recorded before exec (which keeps it), so it is known even if the agent is killed
    # before its Python code runs.
    exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items())
    record_pid = f"echo $$ > {shlex.quote(str(pid_file))}\n" if pid_file else ""
    path.write_text(
        f"#!/bin/sh\n{exports}{record_pid}"
        f"exec {shlex.quote(sys.executable)} {shlex.quote(str(FAKE_AGENT))} "
        '"$@"\n'
    )
    path.chmod(0o755)


@pytest.fixture(autouse=True)
def no_ambient_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NGROK_AUTHTOKEN", raising=False)
    monkeypatch.delenv("NGROK_API_KEY", raising=False)


@pytest.fixture
def make_agent(tmp_path: Path) -> Callable[..., FakeAgent]:
    counter = iter(range(1000))

    def make(mode: str = "ok", **env: str) -> FakeAgent:
        home = tmp_path / f"agent{next(counter)}"
        home.mkdir()
        agent = FakeAgent(home / "ngrok", home / "state.json", home / "conf" / "ngrok.yml")
        env = {"FAKE_NGROK_MODE": mode, "FAKE_NGROK_STATE_FILE": str(agent.state_file), **env}
        write_wrapper(agent.path, env, agent.pid_file)
        return agent

    return make


@pytest.fixture
async def service() -> AsyncIterator[TunnelService]:
    svc = TunnelService(watch_interval=0.05)
    yield svc
    await svc.stop()


@dataclass
class Upstream:
    """A plain aiohttp server recording what reaches it (header-level checks)."""

    port: int
    received: list[dict[str, Any]]


@pytest.fixture
async def upstream(aiohttp_server: ServerFactory) -> Upstream:
    received: list[dict[str, Any]] = []

    async def capture(request: web.Request) -> web.Response:
        received.append(
            {
                "method": request.method,
                "path_qs": request.path_qs,
                "headers": dict(request.headers),
                "body": await request.read(),
            }
        )
        return web.json_response({"taskId": "t-1"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", capture)
    server = await aiohttp_server(app, host="127.0.0.1")
    return Upstream(server.port, received)


def record(svc: TunnelService) -> list[TunnelStatus]:
    seen: list[TunnelStatus] = []
    svc.subscribe(seen.append)
    return seen


async def wait_for_status(svc: TunnelService, pred: Callable[[TunnelStatus], bool]) -> TunnelStatus:
    await wait_until_async(lambda: pred(svc.status), what="a tunnel status")
    return svc.status


def cmdline_of(pid: int) -> bytes:
    return Path(f"/proc/{pid}/cmdline").read_bytes()


def unused_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---- coming online ------------------------------------------------------------------------


async def test_comes_online_and_relays_to_the_listener(
    make_agent: Callable[..., FakeAgent], service: TunnelService, upstream: Upstream
) -> None:
    agent = make_agent()
    service.config = agent.config()
    seen = record(service)

    status = await service.start(upstream.port)

    assert status.state is TunnelState.ONLINE
    assert status.public_url is not None
    assert status.public_url.startswith("https://")
    assert status.public_url.endswith(".ngrok-free.app")
    assert [s.state for s in seen] == [TunnelState.STARTING, TunnelState.ONLINE]
    state = agent.state()
    assert service.agent_pid == state["pid"]
    (endpoint,) = state["endpoints"]
    assert endpoint["url"] == status.public_url
    assert endpoint["upstream"]["url"] == f"http://127.0.0.1:{upstream.port}"

    async with (
        aiohttp.ClientSession() as http,
        http.post(
            endpoint["relay_url"] + "/blurit?token=abc",
            data=b'{"taskId": "t-1"}',
            headers={"X-Auth-Token": "secret"},
        ) as resp,
    ):
        assert resp.status == 200
        assert await resp.json() == {"taskId": "t-1"}
    (got,) = upstream.received
    assert got["method"] == "POST"
    assert got["path_qs"] == "/blurit?token=abc"
    assert got["body"] == b'{"taskId": "t-1"}'
    assert got["headers"]["X-Auth-Token"] == "secret"
    assert got["headers"]["Host"] == status.public_url.removeprefix("https://")
    assert any("started tunnel" in line for line in service.recent_logs)


async def test_webhook_through_the_tunnel_is_captured_by_the_listener(
    make_agent: Callable[..., FakeAgent],
    service: TunnelService,
    listener: Listener,
    store: CaptureStore,
) -> None:
    agent = make_agent()
    service.config = agent.config()
    status = await service.start(listener.port)
    assert status.state is TunnelState.ONLINE
    relay = agent.state()["endpoints"][0]["relay_url"]

    async with (
        aiohttp.ClientSession() as http,
        http.post(relay + "/celantur?secret=s1", json={"id": 7, "status": "done"}) as resp,
    ):
        assert resp.status == 200

    (capture,) = store.captures()
    assert (capture.method, capture.path, capture.query) == ("POST", "/celantur", "secret=s1")
    full = store.get(capture.id)
    assert full is not None and full.body is not None
    assert json.loads(full.body) == {"id": 7, "status": "done"}
    host = header_get(full.headers, "Host")
    assert f"https://{host}" == status.public_url


async def test_authtoken_and_region_reach_the_agent_but_not_its_command_line(
    make_agent: Callable[..., FakeAgent], service: TunnelService, upstream: Upstream
) -> None:
    agent = make_agent(FAKE_NGROK_REQUIRE_AUTHTOKEN="1")
    service.config = agent.config(authtoken="tok-SECRET-123", region="eu")

    status = await service.start(upstream.port)

    assert status.state is TunnelState.ONLINE, status.reason
    state = agent.state()
    assert state["authtoken_source"] == "config"
    assert state["region"] == "eu"
    cmdline = cmdline_of(state["pid"])
    assert b"tok-SECRET-123" not in cmdline
    assert b"--region\x00eu" in cmdline
    assert "tok-SECRET-123" in agent.config_path.read_text()
    assert stat.S_IMODE(agent.config_path.stat().st_mode) == 0o600
    assert "tok-SECRET-123" not in repr(service.config)


async def test_ngrok_authtoken_variable_is_moved_to_the_config_file(
    make_agent: Callable[..., FakeAgent],
    service: TunnelService,
    upstream: Upstream,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NGROK_AUTHTOKEN", "tok-from-env")
    agent = make_agent(FAKE_NGROK_REQUIRE_AUTHTOKEN="1")
    service.config = agent.config()

    status = await service.start(upstream.port)

    assert status.state is TunnelState.ONLINE, status.reason
    state = agent.state()
    assert "tok-from-env" not in state["argv"]
    assert "--authtoken" not in state["argv"]
    assert "tok-from-env" in agent.config_path.read_text()


async def test_reserved_domain_is_requested(
    make_agent: Callable[..., FakeAgent], service: TunnelService, upstream: Upstream
) -> None:
    agent = make_agent()
    service.config = agent.config(domain="hooks-demo.ngrok.app")

    status = await service.start(upstream.port)

    assert status.public_url == "https://hooks-demo.ngrok.app"


# ---- failures at start -------------------------------------------------------------------


async def test_missing_authtoken_is_err_ngrok_4018(
    make_agent: Callable[..., FakeAgent], service: TunnelService, upstream: Upstream
) -> None:
    agent = make_agent(FAKE_NGROK_REQUIRE_AUTHTOKEN="1")
    service.config = agent.config()

    status = await service.start(upstream.port)

    assert status.state is TunnelState.ERROR
    assert status.error_code == "ERR_NGROK_4018"
    assert status.reason == (
        "ERR_NGROK_4018: no authtoken: add yours in Settings (free at the ngrok dashboard)"
    )
    assert not pid_alive(agent.pid())
    assert not process.is_process_running(str(agent.path))


async def test_session_limit_is_err_ngrok_108(
    make_agent: Callable[..., FakeAgent], service: TunnelService, upstream: Upstream
) -> None:
    agent = make_agent("session-limit")
    service.config = agent.config()

    status = await service.start(upstream.port)

    assert status.error_code == "ERR_NGROK_108"
    assert status.reason is not None
    assert "another agent session is already running" in status.reason
    assert "free plan limit: 1" in status.reason


async def test_agent_that_fails_to_start(
    make_agent: Callable[..., FakeAgent], service: TunnelService, upstream: Upstream
) -> None:
    service.config = make_agent("start-fail").config()

    status = await service.start(upstream.port)

    assert status.state is TunnelState.ERROR
    assert status.error_code == AGENT_FAILED
    assert status.reason == (
        "ngrok agent stopped while starting: failed to start: "
        "the fake agent was told to fail (FAKE_NGROK_MODE=start-fail)"
    )


async def test_missing_binary_names_the_two_ways_out(
    tmp_path: Path, service: TunnelService, upstream: Upstream
) -> None:
    missing = tmp_path / "nowhere" / "ngrok"
    service.config = TunnelConfig(ngrok_path=str(missing), config_path=str(tmp_path / "n.yml"))

    status = await service.start(upstream.port)

    assert status.state is TunnelState.ERROR
    assert status.error_code == AGENT_MISSING
    assert status.reason == (
        f"ngrok agent not found at {missing}: set the path to an installed ngrok in Settings "
        "(or --ngrok-path), or keep working locally without a public URL."
    )
    assert not missing.exists()  # and nothing was downloaded there


async def test_binary_that_is_not_executable(
    tmp_path: Path, service: TunnelService, upstream: Upstream
) -> None:
    plain = tmp_path / "ngrok"
    plain.write_text("not a program")
    service.config = TunnelConfig(ngrok_path=str(plain), config_path=str(tmp_path / "n.yml"))

    status = await service.start(upstream.port)

    assert status.error_code == AGENT_NOT_RUNNABLE
    assert status.reason is not None and "is not executable" in status.reason


async def test_silent_agent_times_out_and_is_killed(
    make_agent: Callable[..., FakeAgent], service: TunnelService, upstream: Upstream
) -> None:
    agent = make_agent("silent")
    service.config = agent.config(startup_timeout=1.0)

    # The agent never reports: only the startup deadline can end start().
    status = await service.start(upstream.port)

    assert status.state is TunnelState.ERROR
    assert status.error_code == AGENT_TIMEOUT
    assert status.reason == "ngrok agent did not start within 1 s"
    assert not pid_alive(agent.pid())
    assert not process.is_process_running(str(agent.path))


# ---- while online ------------------------------------------------------------------------


async def test_agent_dying_while_online_is_an_error(
    make_agent: Callable[..., FakeAgent], service: TunnelService, upstream: Upstream
) -> None:
    agent = make_agent("crash-after-online", FAKE_NGROK_CRASH_AFTER="0.3", FAKE_NGROK_EXIT_CODE="3")
    service.config = agent.config()
    assert (await service.start(upstream.port)).state is TunnelState.ONLINE

    status = await wait_for_status(service, lambda s: s.state is TunnelState.ERROR)

    assert status.error_code == AGENT_EXITED
    assert status.reason == "ngrok agent exited (code 3)"
    assert service.agent_pid is None
    assert not pid_alive(agent.pid())


async def test_unreachable_listener_is_a_warning_while_online(
    make_agent: Callable[..., FakeAgent], service: TunnelService
) -> None:
    agent = make_agent()
    service.config = agent.config()
    assert (await service.start(unused_port())).state is TunnelState.ONLINE
    relay = agent.state()["endpoints"][0]["relay_url"]

    async with aiohttp.ClientSession() as http, http.get(relay + "/x") as resp:
        assert resp.status == 502
        assert resp.headers["Ngrok-Error-Code"] == "ERR_NGROK_8012"

    status = await wait_for_status(service, lambda s: s.warning is not None)
    assert status.state is TunnelState.ONLINE
    assert status.warning is not None and status.warning.startswith("ERR_NGROK_8012: ")
    assert "nothing answers on the local port" in status.warning


# ---- stopping ----------------------------------------------------------------------------


async def test_stop_leaves_no_agent_process(
    make_agent: Callable[..., FakeAgent], service: TunnelService, upstream: Upstream
) -> None:
    agent = make_agent()
    service.config = agent.config()
    await service.start(upstream.port)
    pid = agent.state()["pid"]
    assert pid_alive(pid)
    seen = record(service)

    await service.stop()

    assert [s.state for s in seen] == [TunnelState.OFF]
    assert service.public_url is None
    assert not pid_alive(pid)
    assert not process.is_process_running(str(agent.path))
    assert agent.state()["endpoints"] == []  # the endpoint was closed before the kill


async def test_stop_during_startup_kills_the_agent(
    make_agent: Callable[..., FakeAgent], service: TunnelService, upstream: Upstream
) -> None:
    agent = make_agent("silent")
    # A startup deadline far beyond the wait for stop() below: stop() must end the start
    # itself, not wait for the deadline.
    service.config = agent.config(startup_timeout=600.0)
    starting = asyncio.ensure_future(service.start(upstream.port))
    await wait_until_async(agent.pid_file.exists, what="the agent started")

    await asyncio.wait_for(service.stop(), WAIT_TIMEOUT)

    assert (await asyncio.wait_for(starting, WAIT_TIMEOUT)).state is TunnelState.OFF
    assert not pid_alive(agent.pid())


async def test_restart_brings_a_new_agent_and_url(
    make_agent: Callable[..., FakeAgent], service: TunnelService, upstream: Upstream
) -> None:
    agent = make_agent()
    service.config = agent.config()
    first = await service.start(upstream.port)
    first_pid = agent.state()["pid"]

    second = await service.restart()

    assert second.state is TunnelState.ONLINE
    assert second.public_url != first.public_url
    assert agent.state()["pid"] != first_pid
    assert not pid_alive(first_pid)


async def test_start_twice_is_one_tunnel(
    make_agent: Callable[..., FakeAgent], service: TunnelService, upstream: Upstream
) -> None:
    service.config = make_agent().config()
    a, b = await asyncio.gather(service.start(upstream.port), service.start(upstream.port))
    assert a == b
    assert a.state is TunnelState.ONLINE


# ---- without ngrok -----------------------------------------------------------------------


async def test_custom_public_url_needs_no_agent(tmp_path: Path, service: TunnelService) -> None:
    service.config = TunnelConfig(
        ngrok_path=str(tmp_path / "absent"), custom_public_url="https://hooks.example.com/in/"
    )
    status = await service.start(8765)
    assert status == TunnelStatus(
        TunnelState.ONLINE, public_url="https://hooks.example.com/in", warning=UNTOLD_WARNING
    )
    assert "cannot be told apart" in status.describe()
    assert service.agent_pid is None


async def test_custom_public_url_with_its_tunnels_header_is_told_apart(
    service: TunnelService,
) -> None:
    service.config = TunnelConfig(
        custom_public_url="https://hooks.example.com",
        custom_header="X-Tunnel-Secret",
        custom_header_value="from-cloudflare",
    )
    status = await service.start(8765)
    assert status == TunnelStatus(TunnelState.ONLINE, public_url="https://hooks.example.com")
    assert "from-cloudflare" not in repr(service.config)


async def test_bad_custom_public_url_is_an_error(service: TunnelService) -> None:
    service.config = TunnelConfig(custom_public_url="ftp://example.com")
    status = await service.start(8765)
    assert status.error_code == BAD_PUBLIC_URL


def test_parse_public_url() -> None:
    assert parse_public_url(" https://a.example.com:8443/x/ ") == "https://a.example.com:8443/x"
    for bad in ("example.com", "https://", "https://a.example.com/?q=1"):
        with pytest.raises(ValueError):
            parse_public_url(bad)


def test_config_from_settings() -> None:
    settings = Settings(ngrok_path="/opt/ngrok", ngrok_region="eu", ngrok_domain="d.ngrok.app")
    cfg = TunnelConfig.from_settings(settings, authtoken="t", config_path="/x/ngrok.yml")
    assert (cfg.ngrok_path, cfg.region, cfg.domain, cfg.authtoken) == (
        "/opt/ngrok",
        "eu",
        "d.ngrok.app",
        "t",
    )
    assert cfg.custom_public_url is None


def test_explain_ngrok_error() -> None:
    assert explain_ngrok_error("x ERR_NGROK_8012 y")[0] == "ERR_NGROK_8012"
    code, sentence = explain_ngrok_error("something odd happened\\r\\n\\r\\nERR_NGROK_9999\\r\\n")
    assert code == "ERR_NGROK_9999"
    assert sentence == (
        "ERR_NGROK_9999: something odd happened (see https://ngrok.com/docs/errors/err_ngrok_9999)"
    )
    assert explain_ngrok_error("ERROR:  plain failure\nmore") == (None, "plain failure")


# ---- the fake agent speaks what pyngrok expects ------------------------------------------


def test_fake_agent_answers_pyngrok_version_and_authtoken_commands(
    make_agent: Callable[..., FakeAgent],
) -> None:
    agent = make_agent()
    config = PyngrokConfig(ngrok_path=str(agent.path), config_path=str(agent.config_path))
    agent.config_path.parent.mkdir()
    agent.config_path.write_text('version: "3"\n')

    assert ngrok.get_version(config)[0] == "3.22.1"
    process.set_auth_token(config, "tok-via-cli")  # raises unless "Authtoken saved" printed
    assert "authtoken: tok-via-cli" in agent.config_path.read_text()


# ---- downloading the agent ---------------------------------------------------------------


def agent_archive(kind: str, tmp_path: Path) -> bytes:
    """A release-shaped archive holding the fake agent as ``ngrok``."""
    script = tmp_path / "archived-ngrok"
    write_wrapper(script, {})
    buf = io.BytesIO()
    if kind == "zip":
        with zipfile.ZipFile(buf, "w") as zf:
            zf.write(script, "ngrok")
    else:
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            tar.add(script, "ngrok")
    return buf.getvalue()


async def serve_bytes(
    aiohttp_server: ServerFactory, name: str, body: bytes, status: int = 200
) -> str:
    async def download(request: web.Request) -> web.Response:
        return web.Response(body=body, status=status)

    app = web.Application()
    app.router.add_get(f"/c/{name}", download)
    server = await aiohttp_server(app, host="127.0.0.1")
    return f"http://127.0.0.1:{server.port}/c/{name}"


@pytest.mark.parametrize("kind", ["tgz", "zip"])
async def test_install_agent_downloads_and_the_result_runs(
    kind: str,
    tmp_path: Path,
    aiohttp_server: ServerFactory,
    service: TunnelService,
    upstream: Upstream,
) -> None:
    body = agent_archive(kind, tmp_path)
    url = await serve_bytes(aiohttp_server, f"ngrok-v3-stable-linux-amd64.{kind}", body)
    target = tmp_path / "bin" / "ngrok"
    progress: list[tuple[int, int | None]] = []

    installed = await install_agent(
        lambda done, total: progress.append((done, total)), ngrok_path=str(target), download_url=url
    )

    assert installed == str(target)
    assert os.access(target, os.X_OK)
    assert progress[0] == (0, len(body))
    assert progress[-1] == (len(body), len(body))
    service.config = TunnelConfig(ngrok_path=installed, config_path=str(tmp_path / "n.yml"))
    assert (await service.start(upstream.port)).state is TunnelState.ONLINE


async def test_install_agent_server_error_is_one_sentence(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    url = await serve_bytes(aiohttp_server, "ngrok.tgz", b"gone", status=404)
    target = tmp_path / "bin" / "ngrok"

    with pytest.raises(AgentInstallError) as info:
        await install_agent(ngrok_path=str(target), download_url=url)

    assert str(info.value) == (
        "Could not download the ngrok agent (the server answered 404): choose an ngrok you "
        "installed with Browse…, or keep working locally without a public URL."
    )
    assert not target.exists()


async def test_install_agent_offline(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{unused_port()}/c/ngrok.tgz"
    with pytest.raises(AgentInstallError) as info:
        await install_agent(ngrok_path=str(tmp_path / "ngrok"), download_url=url)
    # Read in Settings, next to the Download button: no flag, no "in Settings".
    message = str(info.value)
    assert message.startswith(
        "Could not download the ngrok agent: downloading needs an internet connection ("
    )
    assert "Connect and try again, or choose an ngrok you installed with Browse…" in message
    assert "--" not in message and "in Settings" not in message


async def raw_server(handler: Callable[..., Any]) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}/c/ngrok.tgz"


async def test_install_agent_connection_closed_mid_download(tmp_path: Path) -> None:
    async def cut_short(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000)
        await writer.drain()
        writer.close()

    server, url = await raw_server(cut_short)
    target = tmp_path / "ngrok"
    async with server:
        with pytest.raises(AgentInstallError, match="the download broke off"):
            await install_agent(ngrok_path=str(target), download_url=url)
    assert not target.exists()


async def test_install_agent_damaged_archive(tmp_path: Path, aiohttp_server: ServerFactory) -> None:
    url = await serve_bytes(aiohttp_server, "ngrok.tgz", b"this is not a tarball")
    with pytest.raises(AgentInstallError, match="the archive is damaged"):
        await install_agent(ngrok_path=str(tmp_path / "ngrok"), download_url=url)


async def test_install_agent_can_be_cancelled(tmp_path: Path) -> None:
    chunk = b"x" * 65536

    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (len(chunk) * 200))
        try:
            for _ in range(200):
                writer.write(chunk)
                await writer.drain()
                await asyncio.sleep(0.02)
        except ConnectionError:
            pass
        finally:
            writer.close()

    server, url = await raw_server(slow)
    target = tmp_path / "ngrok"
    cancel = asyncio.Event()
    progress: list[int] = []

    def on_progress(done: int, total: int | None) -> None:
        progress.append(done)
        if done > 0:
            cancel.set()

    async with server:
        with pytest.raises(AgentInstallCancelled):
            await install_agent(on_progress, cancel, ngrok_path=str(target), download_url=url)
    assert 0 < max(progress) < len(chunk) * 200  # stopped mid-download
    assert not target.exists()


# ---- pyngrok's own ngrok script is never run --------------------------------------------


@pytest.fixture
def path_with_wrapper_only(
    pyngrok_wrapper: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """PATH holds pyngrok's script and no agent; pyngrok's own agent location is empty."""
    monkeypatch.setenv("PATH", str(pyngrok_wrapper.parent))
    monkeypatch.setattr(conf, "DEFAULT_NGROK_PATH", str(tmp_path / "pyngrok-home" / "ngrok"))
    return pyngrok_wrapper


async def test_pyngrok_script_on_path_is_not_run_as_the_agent(
    path_with_wrapper_only: Path, tmp_path: Path, service: TunnelService, upstream: Upstream
) -> None:
    assert resolve_ngrok_path(None) != str(path_with_wrapper_only)
    service.config = TunnelConfig(config_path=str(tmp_path / "n.yml"))

    status = await service.start(upstream.port)

    assert status.error_code == AGENT_MISSING
    assert status.detail == (
        f"no ngrok agent installed (the ngrok found on PATH, {path_with_wrapper_only}, is "
        "pyngrok's installer script, which the app does not run)"
    )
    assert status.reason is not None and status.reason.endswith(f"{WAYS_OUT}.")
    assert not path_with_wrapper_only.with_name("ran").exists()
    assert not (tmp_path / "pyngrok-home").exists()  # nothing downloaded


async def test_pyngrok_script_chosen_as_the_agent_is_refused(
    pyngrok_wrapper: Path, tmp_path: Path, service: TunnelService, upstream: Upstream
) -> None:
    service.config = TunnelConfig(
        ngrok_path=str(pyngrok_wrapper), config_path=str(tmp_path / "n.yml")
    )

    status = await service.start(upstream.port)

    assert status.error_code == AGENT_NOT_RUNNABLE
    assert status.detail is not None and "pyngrok's installer script" in status.detail
    assert not pyngrok_wrapper.with_name("ran").exists()


def test_an_agent_on_path_after_the_script_is_found(
    path_with_wrapper_only: Path,
    make_agent: Callable[..., FakeAgent],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    agent = make_agent()
    monkeypatch.setenv("PATH", f"{path_with_wrapper_only.parent}{os.pathsep}{agent.path.parent}")
    assert resolve_ngrok_path(None) == str(agent.path)
    # The stand-in agent, itself a small script, is not mistaken for pyngrok's.
    assert not is_pyngrok_wrapper(str(agent.path))


def test_missing_setup_names_the_agent_and_the_authtoken(
    path_with_wrapper_only: Path, make_agent: Callable[..., FakeAgent], tmp_path: Path
) -> None:
    config_file = tmp_path / "conf" / "ngrok.yml"
    bare = TunnelConfig(config_path=str(config_file))
    assert bare.missing_setup() == ["agent", "authtoken"]
    agent = make_agent()
    assert TunnelConfig(ngrok_path=str(agent.path), authtoken="t").missing_setup() == []
    config_file.parent.mkdir()
    config_file.write_text('version: "3"\nagent:\n  authtoken: abc123\n')
    assert bare.missing_setup() == ["agent"]
    custom = TunnelConfig(custom_public_url="https://hooks.example.com")
    assert custom.missing_setup() == []
