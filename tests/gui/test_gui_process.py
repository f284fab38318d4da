"""The real desktop app as a process (offscreen): it listens, captures, and exits cleanly
on SIGTERM within 5 s, closing its listener and removing its runtime record."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from clirunner import cli_env
from helpers import wait_until

pytestmark = pytest.mark.gui


def test_gui_process_captures_and_stops_on_sigterm(data_dir: Path) -> None:
    env = cli_env({"QT_QPA_PLATFORM": "offscreen"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "inspector", "--data-dir", str(data_dir), "gui", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        runtime = data_dir / "listener.json"
        wait_until(
            lambda: runtime.exists() or proc.poll() is not None, within=30, what="the app up"
        )
        assert runtime.exists(), proc.stderr.read()  # type: ignore[union-attr]
        info = json.loads(runtime.read_text())
        assert info["kind"] == "gui" and info["pid"] == proc.pid
        req = urllib.request.Request(info["url"] + "/from-test", data=b"{}", method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(5) == 0  # the 5 s are the contract's
        assert not runtime.exists()
        err = proc.stderr.read()  # type: ignore[union-attr]
        assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
    listed = subprocess.run(
        [sys.executable, "-m", "inspector", "--data-dir", str(data_dir), "list", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert [c["path"] for c in json.loads(listed.stdout)] == ["/from-test"]
