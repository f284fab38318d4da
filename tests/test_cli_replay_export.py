"""``replay``, ``export``, ``import`` and ``serve --forward`` from the command line."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from clirunner import ServeProcess, cli_env, run_cli
from helpers import post, wait_until

from inspector.core.capture import Capture
from inspector.core.formats import dumps_native
from inspector.core.store import CaptureStore


class _Recorder(BaseHTTPRequestHandler):
    received: list[tuple[str, str, list[tuple[str, str]], bytes]]

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.received.append((self.command, self.path, list(self.headers.items()), body))
        answer = b'{"dev": "ok"}'
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_POST = do_PUT = do_GET = _any

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def target() -> Iterator[tuple[str, list[tuple[str, str, list[tuple[str, str]], bytes]]]]:
    received: list[tuple[str, str, list[tuple[str, str]], bytes]] = []
    handler = type("H", (_Recorder,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def forwarded(data_dir: Path, cid: str) -> dict[str, Any] | None:
    """``show`` of the capture once its forward result is recorded, else None."""
    shown: dict[str, Any] = json.loads(run_cli(data_dir, "show", cid).stdout)
    return shown if shown["forward"] else None


def test_replay_to_running_listener_is_captured_as_replay(data_dir: Path) -> None:
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel", "--json") as serve:
        _, answer = post(serve.url + "/orig?q=%2F", b"\x00\xffbinary", {"X-Sig": "abc"})
        cid = json.loads(answer)["capture"]
        serve.readline()
        out = run_cli(data_dir, "replay", cid)
        assert out.returncode == 0, out.stderr
        assert out.stdout.startswith("200 from " + serve.url + "/orig?q=%2F in ")
        replayed = json.loads(serve.readline())
        assert replayed["source"] == "replay" and replayed["replay_of"] == cid
        assert replayed["path"] == "/orig" and replayed["query"] == "q=%2F"
        shown = json.loads(run_cli(data_dir, "show", replayed["id"]).stdout)
        original = json.loads(run_cli(data_dir, "show", cid).stdout)
        assert shown["body_b64"] == original["body_b64"]
        assert ["X-Sig", "abc"] in shown["headers"]


def test_replay_without_listener_says_so(data_dir: Path) -> None:
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel") as serve:
        _, answer = post(serve.url + "/x", b"{}")
        cid = json.loads(answer)["capture"]
    out = run_cli(data_dir, "replay", cid)
    assert out.returncode == 1
    assert "no listener is running" in out.stderr


def test_replay_to_url_and_forward(data_dir: Path, target: tuple[str, list]) -> None:
    url, received = target
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel", "--forward", url) as serve:
        _, answer = post(serve.url + "/hook?a=1&b=%26", b'{"k": 1}', {"X-Dup": "1"})
        cid = json.loads(answer)["capture"]
        serve.readline()
        shown = wait_until(lambda: forwarded(data_dir, cid), what="the forward recorded")
        assert shown["forward"]["status"] == 201 and shown["forward"]["error"] is None
        assert received[0][0] == "POST" and received[0][1] == "/hook?a=1&b=%26"
        assert received[0][3] == b'{"k": 1}'
        out = run_cli(data_dir, "replay", cid, "--to", url + "/elsewhere")
        assert out.returncode == 0, out.stderr
        assert out.stdout.startswith(f"201 from {url}/elsewhere?a=1&b=%26")
        assert received[1][1] == "/elsewhere?a=1&b=%26"


def test_forward_to_dead_target_records_error_and_answers(data_dir: Path) -> None:
    with ServeProcess(
        data_dir, "--port", "0", "--no-tunnel", "--forward", "http://127.0.0.1:9"
    ) as serve:
        status, answer = post(serve.url + "/hook", b"{}")
        assert status == 200
        cid = json.loads(answer)["capture"]
        shown = wait_until(lambda: forwarded(data_dir, cid), what="the forward recorded")
        assert "refused" in shown["forward"]["error"]


def test_bad_forward_url_is_a_clear_error(data_dir: Path) -> None:
    out = run_cli(data_dir, "serve", "--port", "0", "--no-tunnel", "--forward", "ftp://x")
    assert out.returncode == 1
    assert out.stderr.startswith("webhook-inspector: --forward:")


def test_export_import_round_trip(data_dir: Path, tmp_path: Path) -> None:
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel") as serve:
        post(serve.url + "/a", b"\xff\xfe not utf-8")
        post(serve.url + "/b", b'{"json": true}', {"Content-Type": "application/json"})
    for fmt in ("har", "json"):
        out_file = tmp_path / f"export.{fmt}"
        res = run_cli(data_dir, "export", "--format", fmt, "-o", str(out_file))
        assert res.returncode == 0, res.stderr
        other = tmp_path / f"other-{fmt}"
        imp = run_cli(other, "import", str(out_file))
        assert imp.stdout.strip() == f"imported 2 captures from {out_file}"
        again = run_cli(other, "import", str(out_file))
        assert "imported 0 captures" in again.stdout and "2 already in the store" in again.stdout
        before = {c["id"]: c for c in json.loads(run_cli(data_dir, "list", "--json").stdout)}
        after = json.loads(run_cli(other, "list", "--json").stdout)
        assert {c["id"] for c in after} == set(before)
        for c in after:
            assert c["source"] == "import"
            a = json.loads(run_cli(data_dir, "show", c["id"]).stdout)
            b = json.loads(run_cli(other, "show", c["id"]).stdout)
            assert a["body_b64"] == b["body_b64"]
            assert a["headers"] == b["headers"]
    har = json.loads((tmp_path / "export.har").read_text())
    assert har["log"]["version"] == "1.2" and len(har["log"]["entries"]) == 2


def test_import_bad_file_is_one_line(data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    out = run_cli(data_dir, "import", str(bad))
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "not a HAR or webhook-inspector export" in out.stderr
    missing = run_cli(data_dir, "import", str(tmp_path / "nope.har"))
    assert missing.returncode == 1 and "cannot read" in missing.stderr


def test_show_curl_and_har(data_dir: Path) -> None:
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel") as serve:
        _, answer = post(serve.url + "/c", b'{"a": 1}', {"X-Auth-Token": "supersecret"})
        cid = json.loads(answer)["capture"]
    curl = run_cli(data_dir, "show", cid, "--format", "curl").stdout
    assert curl.startswith("curl") and "supersecret" not in curl
    revealed = run_cli(data_dir, "show", cid, "--format", "curl", "--reveal-secrets").stdout
    assert "supersecret" in revealed
    har = json.loads(run_cli(data_dir, "show", cid, "--format", "har").stdout)
    assert har["log"]["entries"][0]["request"]["method"] == "POST"


def test_kill_9_during_import_keeps_whole_chunks(data_dir: Path, tmp_path: Path) -> None:
    caps = [Capture(method="POST", path=f"/i{i}", body=os.urandom(2000)) for i in range(20_000)]
    export = tmp_path / "big.json"
    export.write_text(dumps_native(caps))
    proc = subprocess.Popen(
        [sys.executable, "-m", "inspector", "--data-dir", str(data_dir), "import", str(export)],
        env=cli_env(),
    )
    store_file = data_dir / "captures.sqlite3"

    def some_imported_or_exited() -> bool:
        if proc.poll() is not None:
            return True
        if not store_file.exists():
            return False
        # A read-only look: opening a CaptureStore while the import creates the store
        # would set up its schema and WAL too, waiting for the import's locks (it once
        # failed with "locked" on a loaded machine).
        probe = sqlite3.connect(f"{store_file.as_uri()}?mode=ro", uri=True, timeout=10)
        try:
            return bool(probe.execute("SELECT count(*) FROM captures").fetchone()[0] >= 1000)
        except sqlite3.OperationalError:  # the import has not made the table yet
            return False
        finally:
            probe.close()

    wait_until(some_imported_or_exited, within=60, what="a first chunk imported")
    os.kill(proc.pid, signal.SIGKILL)
    # killed mid-import, not after it had finished: otherwise this test would prove nothing
    assert proc.wait(10) == -signal.SIGKILL
    store = CaptureStore.in_dir(data_dir)
    try:
        n = store.count()
        assert n % 1000 == 0 and 1000 <= n < 20_000  # whole chunks only
    finally:
        store.close()
    again = run_cli(data_dir, "import", str(export), timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"imported {20_000 - n} captures" in again.stdout


def test_list_and_export_subsets_and_masking(data_dir: Path, tmp_path: Path) -> None:
    run_cli(data_dir, "endpoint", "add", "/blurit", "--vendor", "blurit", "--token", "tok-secret-1")
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel") as serve:
        post(
            serve.url + "/blurit",
            b'{"taskId": "j1", "status": "Sent"}',
            {"X-Auth-Token": "tok-secret-1", "Content-Type": "application/json"},
        )
        post(serve.url + "/other", b"plain needle")
    blurit = json.loads(run_cli(data_dir, "list", "--json", "--vendor", "blurit").stdout)
    assert [c["path"] for c in blurit] == ["/blurit"]
    out = tmp_path / "subset.json"
    res = run_cli(data_dir, "export", "--format", "json", "--search", "needle", "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert [c["path"] for c in json.loads(out.read_text())["captures"]] == ["/other"]
    masked = run_cli(data_dir, "export", "--format", "har", "--mask-secrets", "--vendor", "blurit")
    assert masked.returncode == 0
    har = json.loads(masked.stdout)
    (entry,) = har["log"]["entries"]
    assert "tok-secret-1" not in masked.stdout
    assert any(h["name"] == "X-Auth-Token" for h in entry["request"]["headers"])
    plain = run_cli(data_dir, "export", "--format", "har", "--vendor", "blurit")
    assert "tok-secret-1" in plain.stdout  # lossless unless asked
