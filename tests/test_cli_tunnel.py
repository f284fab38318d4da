"""``serve`` with the tunnel, through the stand-in ngrok agent (tests/doubles/fake_ngrok.py)."""

from __future__ import annotations

import json
import signal
import urllib.request
from pathlib import Path

from clirunner import ServeProcess
from helpers import pid_alive, post, wait_until


def test_serve_prints_public_url_and_relay_reaches_listener(
    data_dir: Path, fake_ngrok_path: Path, tmp_path: Path
) -> None:
    state = tmp_path / "agent.json"
    env = {"FAKE_NGROK_STATE_FILE": str(state)}
    with ServeProcess(
        data_dir, "--port", "0", "--ngrok-path", str(fake_ngrok_path), "--json", env=env
    ) as serve:
        line = serve.readline(timeout=20)
        assert line.startswith("public URL https://") and line.endswith(".ngrok-free.app")
        info = json.loads(state.read_text())
        (endpoint,) = info["endpoints"]
        assert endpoint["url"] == line.split()[-1]
        req = urllib.request.Request(
            endpoint["relay_url"] + "/through/tunnel?x=1", data=b'{"via": "tunnel"}', method="POST"
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200
        captured = json.loads(serve.readline())
        assert captured["path"] == "/through/tunnel" and captured["query"] == "x=1"
        assert captured["via"] == "tunnel" and captured["remote_addr"] == "127.0.0.1"
        assert "x-inspector-tunnel" not in {name.lower() for name, _ in captured["headers"]}
        status, _ = post(serve.url + "/from/here", b"{}")
        assert status == 200
        assert json.loads(serve.readline())["via"] == "local"
        runtime = json.loads((data_dir / "listener.json").read_text())
        assert runtime["public_url"] == endpoint["url"]
        agent_pid = info["pid"]
        assert pid_alive(agent_pid)
        assert serve.stop(signal.SIGTERM) == 0
    wait_until(lambda: not pid_alive(agent_pid), what="the ngrok agent ended with serve")


def test_missing_authtoken_is_one_line_and_listener_keeps_running(
    data_dir: Path, fake_ngrok_path: Path
) -> None:
    env = {"FAKE_NGROK_MODE": "no-authtoken"}
    with ServeProcess(
        data_dir, "--port", "0", "--ngrok-path", str(fake_ngrok_path), env=env
    ) as serve:
        failed = serve.wait_for_stderr("still listening locally")
        assert failed.startswith("tunnel: ") and "ERR_NGROK_4018" in failed
        status, _ = post(serve.url + "/still", b"x")  # after the failure
        assert status == 200
        assert serve.stop() == 0
        err = serve.stderr()
    assert err.count("\n") == 1  # that one line


def test_missing_binary_says_the_two_ways_out(data_dir: Path, tmp_path: Path) -> None:
    with ServeProcess(data_dir, "--port", "0", "--ngrok-path", str(tmp_path / "nope")) as serve:
        failed = serve.wait_for_stderr("tunnel: ")
        assert serve.stop() == 0
        err = serve.stderr()
    assert "--ngrok-path" in failed and "locally" in failed
    assert err == failed + "\n" and "Traceback" not in err


def test_pyngrok_script_on_path_is_one_line_and_never_run(
    data_dir: Path, pyngrok_wrapper: Path, tmp_path: Path
) -> None:
    # The project's environment on PATH, no agent installed: pyngrok's script is found
    # first. Run, it would download the agent (offline: a 68-line traceback).
    home = tmp_path / "home"
    env = {
        "PATH": str(pyngrok_wrapper.parent),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
    }
    with ServeProcess(data_dir, "--port", "0", env=env) as serve:
        failed = serve.wait_for_stderr("tunnel: ")
        status, _ = post(serve.url + "/still", b"x")
        assert status == 200
        assert serve.stop() == 0
        err = serve.stderr()
    assert err == failed + "\n" and "Traceback" not in err
    assert "pyngrok's installer script" in failed and failed.endswith("still listening locally")
    assert not pyngrok_wrapper.with_name("ran").exists()
    assert not (home / ".config" / "ngrok" / "ngrok").exists()  # nothing downloaded
