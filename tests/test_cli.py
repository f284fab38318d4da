"""The command-line contract (docs/cli.md), exercised as outside scripts use it."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

from clirunner import ServeProcess, cli_env, run_cli
from helpers import downgrade_to_schema_7, post

from inspector.core.capture import Capture
from inspector.core.store import CaptureStore

RUN = [sys.executable, "-m", "inspector"]


def test_serve_then_list_and_show_from_a_second_process(data_dir: Path) -> None:
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel") as serve:
        assert serve.url.startswith("http://127.0.0.1:")
        status, answer = post(
            serve.url + "/hook?a=1", b'{"hello": "world"}', {"Content-Type": "application/json"}
        )
        assert status == 200
        cid = json.loads(answer)["capture"]
        line = serve.readline()
        assert cid in line and "POST" in line and "/hook?a=1" in line

        listed = run_cli(data_dir, "list", "--json")
        assert listed.returncode == 0, listed.stderr
        (summary,) = json.loads(listed.stdout)
        assert summary["id"] == cid
        assert summary["query"] == "a=1"
        assert "body_b64" not in summary
        assert "body_b64" not in (summary["response"] or {})
        assert "Host" in [h[0] for h in summary["headers"]]

        shown = run_cli(data_dir, "show", cid)
        assert shown.returncode == 0
        full = json.loads(shown.stdout)
        assert full["body_b64"] == "eyJoZWxsbyI6ICJ3b3JsZCJ9"
        assert full["response"]["status"] == 200

        raw = subprocess.run(
            [*RUN, "--data-dir", str(data_dir), "show", cid, "--format", "raw"],
            capture_output=True,
            env=cli_env(),
            timeout=60,
        )
        assert raw.stdout.startswith(b"POST /hook?a=1 HTTP/1.1\r\n")
        assert raw.stdout.endswith(b'\r\n\r\n{"hello": "world"}')
        assert serve.stop() == 0


def test_serve_json_lines_are_flushed_to_a_pipe(data_dir: Path) -> None:
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel", "--json") as serve:
        post(serve.url + "/j", b"x")
        obj = json.loads(serve.readline())
        assert obj["path"] == "/j" and obj["body_size"] == 1
        assert serve.stop(signal.SIGINT) == 0


def test_serve_exits_cleanly_on_sigterm_within_5s(data_dir: Path) -> None:
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel") as serve:
        assert (data_dir / "listener.json").exists()
        assert serve.stop(signal.SIGTERM, timeout=5) == 0  # the 5 s are the contract's
    assert not (data_dir / "listener.json").exists()


def test_port_in_use_is_one_clear_line(data_dir: Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    try:
        port = sock.getsockname()[1]
        out = run_cli(data_dir, "serve", "--port", str(port), "--no-tunnel")
    finally:
        sock.close()
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0
    assert f"port {port} is already in use" in out.stderr
    assert "Traceback" not in out.stderr


def test_unwritable_data_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    out = run_cli(blocker / "sub", "serve", "--port", "0", "--no-tunnel")
    assert out.returncode == 1
    assert "is not writable" in out.stderr and "--data-dir" in out.stderr
    assert "Traceback" not in out.stderr


def test_usage_error_exits_2(data_dir: Path) -> None:
    out = run_cli(data_dir, "list", "--limit", "many")
    assert out.returncode == 2
    assert "invalid int value" in out.stderr


def test_show_unknown_id(data_dir: Path) -> None:
    run_cli(data_dir, "list")  # creates an empty store
    out = run_cli(data_dir, "show", "does-not-exist")
    assert out.returncode == 1
    assert out.stderr.strip().startswith("webhook-inspector: no capture with id")


def test_list_limit_vendor_and_search(data_dir: Path) -> None:
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel") as serve:
        for i in range(5):
            post(serve.url + f"/p{i}", f"body-{i}".encode())
        for _ in range(5):
            serve.readline()
    two = json.loads(run_cli(data_dir, "list", "--json", "--limit", "2").stdout)
    assert [c["path"] for c in two] == ["/p4", "/p3"]
    allc = json.loads(run_cli(data_dir, "list", "--json", "--limit", "0").stdout)
    assert len(allc) == 5
    found = json.loads(run_cli(data_dir, "list", "--json", "--search", "BODY-3").stdout)
    assert [c["path"] for c in found] == ["/p3"]
    text = run_cli(data_dir, "list").stdout.splitlines()
    assert len(text) == 5 and "/p4" in text[0]


def test_env_var_sets_default_data_dir(data_dir: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "inspector", "list", "--json"],
        capture_output=True,
        text=True,
        env=cli_env({"WEBHOOK_INSPECTOR_HOME": str(data_dir)}),
        timeout=60,
    )
    assert out.returncode == 0 and json.loads(out.stdout) == []
    assert (data_dir / "captures.sqlite3").exists()


def test_no_display_points_at_serve(data_dir: Path) -> None:
    env = {"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""}
    out = run_cli(data_dir, env=env)
    assert out.returncode == 1
    assert "no display" in out.stderr and "webhook-inspector serve" in out.stderr


def test_damaged_store_is_one_line_and_left_alone(data_dir: Path) -> None:
    damaged = data_dir / "captures.sqlite3"
    damaged.write_bytes(b"not sqlite" * 500)
    for args in (("serve", "--port", "0", "--no-tunnel"), ("list",)):
        out = run_cli(data_dir, *args)
        assert out.returncode == 1
        assert out.stderr.count("\n") == 1 and "damaged" in out.stderr and "mv " in out.stderr
        assert "Traceback" not in out.stderr
    assert damaged.read_bytes() == b"not sqlite" * 500


def test_serve_indexes_an_older_store_and_says_how_far(data_dir: Path) -> None:
    store = CaptureStore.in_dir(data_dir)
    store.add_many([Capture(method="POST", path=f"/old{i}", body=b"legacy") for i in range(3000)])
    path = store.path
    store.close()
    downgrade_to_schema_7(path)
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel") as serve:
        assert "indexing 3000 captures" in serve.wait_for_stderr("search index: indexing")
        serve.wait_for_stderr("search index: ready")
        found = json.loads(run_cli(data_dir, "list", "--json", "--search", "/OLD2999").stdout)
        assert [c["path"] for c in found] == ["/old2999"]
        assert serve.stop() == 0
    # The stdout of serve stays the captures' lines, for the scripts that read it.
    assert not any("search index" in line for line in serve.lines.queue)
