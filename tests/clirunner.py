"""Running the real command line as a subprocess, as outside scripts do."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from helpers import wait_until


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("WEBHOOK_INSPECTOR_HOME", None)
    env["PYTHONUNBUFFERED"] = "0"  # the program itself must flush
    if extra:
        env.update(extra)
    return env


def run_cli(
    data_dir: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PROGRAM, "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=cli_env(env),
    )


#: The program under test: this interpreter's ``inspector`` (an installed wheel's script or
#: the bundle's executable take its place in the packaging tests).
PROGRAM = (sys.executable, "-m", "inspector")


class ServeProcess:
    """``webhook-inspector serve`` in a subprocess, with its stdout read line by line."""

    def __init__(
        self,
        data_dir: Path,
        *args: str,
        env: dict[str, str] | None = None,
        program: Sequence[str] = PROGRAM,
        cwd: Path | None = None,
    ) -> None:
        self.proc = subprocess.Popen(
            [*program, "--data-dir", str(data_dir), "serve", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli_env(env),
            cwd=cwd,
        )
        # A thread reads lines into a queue: select() on a buffered text pipe misses lines
        # that arrived together. Another keeps what comes on stderr.
        self.lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()
        self.err_lines: list[str] = []
        self._err_reader = threading.Thread(target=self._pump_stderr, daemon=True)
        self._err_reader.start()
        first = self.readline(timeout=30)
        if not first.startswith("listening on "):
            self.proc.kill()
            self.proc.wait(10)
            raise RuntimeError(f"serve did not start: {first!r} {self.stderr()!r}")
        self.url = first.split()[-1]

    def _pump(self) -> None:
        stdout: IO[str] = self.proc.stdout  # type: ignore[assignment]
        for line in stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put("")  # end of output

    def _pump_stderr(self) -> None:
        stderr: IO[str] = self.proc.stderr  # type: ignore[assignment]
        for line in stderr:
            self.err_lines.append(line.rstrip("\n"))

    def wait_for_stderr(self, text: str) -> str:
        """The first line on stderr containing ``text``, once it has come."""
        return wait_until(
            lambda: next((line for line in self.err_lines if text in line), None),
            what=f"{text!r} on serve's stderr",
        )

    def stderr(self) -> str:
        """Everything serve wrote on stderr; call once it has exited."""
        assert self.proc.poll() is not None, "serve is still running"
        self._err_reader.join(10)
        return "".join(line + "\n" for line in self.err_lines)

    def readline(self, timeout: float = 10) -> str:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError("no line from serve") from None

    def stop(self, sig: int | None = None, timeout: float = 10) -> int:
        import signal

        if self.proc.poll() is None:
            self.proc.send_signal(sig or signal.SIGTERM)
        return self.proc.wait(timeout)

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        # The readers end at the end of the output; closing a pipe under them would fail them.
        self._reader.join(10)
        self._err_reader.join(10)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()


def _running_listener(data_dir: Path, kind: str) -> str | None:
    """The URL in ``listener.json`` once a listener of ``kind`` has written it."""
    try:
        info = json.loads((data_dir / "listener.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return str(info["url"]) if info.get("kind") == kind else None


def check_installed_program(
    program: Sequence[str],
    data_dir: Path,
    cwd: Path,
    env: dict[str, str] | None = None,
    gui_program: Sequence[str] | None = None,
) -> None:
    """What a user does first with an installed copy (a wheel's script, the bundle), run
    from ``cwd`` where no checkout is: the version, ``serve`` capturing a webhook that
    ``list`` then shows, and the GUI (offscreen; ``gui_program``, else ``program gui``)
    capturing one and closing on SIGTERM."""
    import signal

    from helpers import post

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*program, "--data-dir", str(data_dir), *args],
            capture_output=True, text=True, timeout=60, env=cli_env(env), cwd=cwd,
        )  # fmt: skip

    version = run("--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("webhook-inspector "), version.stdout

    with ServeProcess(data_dir, "--port", "0", "--no-tunnel", env=env, program=program, cwd=cwd) as serve:  # fmt: skip
        assert post(serve.url + "/from-serve", b'{"a": 1}')[0] == 200
        assert "/from-serve" in serve.readline()
        assert serve.stop() == 0

    gui_env = {**(env or {}), "QT_QPA_PLATFORM": "offscreen"}
    log = data_dir.parent / "gui-output.txt"
    with log.open("w") as output:
        gui = subprocess.Popen(
            [*(gui_program or [*program, "gui"]), "--data-dir", str(data_dir), "--port", "0"],
            stdout=output, stderr=subprocess.STDOUT, env=cli_env(gui_env), cwd=cwd,
        )  # fmt: skip
        try:

            def listening() -> str | None:
                assert gui.poll() is None, f"the GUI exited: {log.read_text()}"
                return _running_listener(data_dir, "gui")

            url = wait_until(listening, within=60, what="the GUI's listener in listener.json")
            assert post(url + "/from-gui", b"hello")[0] == 200
            gui.send_signal(signal.SIGTERM)
            assert gui.wait(30) == 0, log.read_text()
        finally:
            if gui.poll() is None:
                gui.kill()
                gui.wait(10)

    listed = run("list", "--json")
    assert listed.returncode == 0, listed.stderr
    paths = {capture["path"] for capture in json.loads(listed.stdout)}
    assert {"/from-serve", "/from-gui"} <= paths, paths
