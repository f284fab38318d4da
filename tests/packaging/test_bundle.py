"""The PyInstaller bundle (``make bundle``): every command runs from it where no Python can
be found (scripts/without-python.sh), and the Qt modules the app does not use stay out.

Building the bundle takes a minute or more, so ``make test`` does not: ``make bundle-test``
builds it and runs these tests with INSPECTOR_BUNDLE naming its executable.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from clirunner import ServeProcess, check_installed_program, cli_env
from helpers import post

ROOT = Path(__file__).resolve().parents[2]
WITHOUT_PYTHON = ROOT / "scripts" / "without-python.sh"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("INSPECTOR_BUNDLE"),
        reason="no bundle named: `make bundle-test` builds one and runs these tests",
    ),
]


@pytest.fixture(scope="module")
def bundle() -> Path:
    executable = Path(os.environ["INSPECTOR_BUNDLE"]).resolve()
    assert executable.is_file(), f"INSPECTOR_BUNDLE={executable} is not a file"
    return executable


@pytest.fixture(scope="module")
def program(bundle: Path) -> list[str]:
    """The bundle's executable, run where no Python is (skips where that cannot be made)."""
    probe = subprocess.run(
        [str(WITHOUT_PYTHON), "true"], capture_output=True, text=True, timeout=30
    )
    if probe.returncode == 77:
        pytest.skip(probe.stderr.strip())
    assert probe.returncode == 0, probe.stderr
    return [str(WITHOUT_PYTHON), str(bundle)]


def test_the_bundle_serves_captures_lists_and_starts_the_gui(
    program: list[str], tmp_path: Path
) -> None:
    check_installed_program(program, tmp_path / "data", cwd=tmp_path)


def test_every_other_command_runs_from_the_bundle(program: list[str], tmp_path: Path) -> None:
    data_dir = tmp_path / "data"

    def run(*args: str, code: int = 0) -> str:
        done = subprocess.run(
            [*program, "--data-dir", str(data_dir), *args],
            capture_output=True, text=True, timeout=60, env=cli_env(), cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == code, (args, done.stdout, done.stderr)
        return done.stdout if code == 0 else done.stderr

    run("endpoint", "add", "/generic", "--vendor", "generic")
    assert [e["path"] for e in json.loads(run("endpoint", "list", "--json"))] == ["/generic"]
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel", program=program, cwd=tmp_path) as serve:  # fmt: skip
        post(serve.url + "/generic", b'{"sent": "by hand"}')
        serve.readline()
        run("simulate", "generic")
        serve.readline()
        (first, *_) = json.loads(run("list", "--json"))
        assert run("replay", first["id"]).startswith("200 ")
        serve.readline()
        assert serve.stop() == 0
    captures = json.loads(run("list", "--json"))
    assert len(captures) == 3
    assert json.loads(run("show", captures[0]["id"], "--format", "json"))["id"] == captures[0]["id"]
    assert run("show", captures[0]["id"], "--format", "curl").startswith("curl ")
    har = tmp_path / "all.har"
    run("export", "--format", "har", "-o", str(har))
    assert len(json.loads(har.read_text())["log"]["entries"]) == 3
    run("--data-dir", str(tmp_path / "other"), "import", str(har))
    assert len(json.loads(run("--data-dir", str(tmp_path / "other"), "list", "--json"))) == 3
    # A vendor submission with no public URL to give: one clear line, no traceback.
    image = tmp_path / "street.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0 not really a picture")
    message = run("submit", "blurit", "--file", str(image), code=1)
    assert "Traceback" not in message
    assert message.splitlines()[-1].startswith("webhook-inspector: no public URL")
    # The same task against the built-in simulation of BlurIt's API, followed to its end.
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel", program=program, cwd=tmp_path) as serve:  # fmt: skip
        submitted = run("submit", "blurit", "--sandbox", "--file", str(image), "--wait", "60")
        assert submitted.startswith("sandbox: a simulated BlurIt API"), submitted
        assert "\ntask " in submitted
        assert serve.stop() == 0
    callbacks = [c for c in json.loads(run("list", "--json")) if c["path"] == "/blurit"]
    assert callbacks and all(c["source"] == "simulate" for c in callbacks)
    run("endpoint", "remove", "/generic")


def test_the_bundle_holds_the_icon_and_leaves_unused_qt_out(bundle: Path) -> None:
    internal = bundle.parent / "_internal"
    assert (internal / "inspector" / "resources" / "icon.svg").is_file()
    qt_modules = {path.name.split(".")[0] for path in (internal / "PySide6").glob("Qt*.so")}
    assert {"QtCore", "QtGui", "QtWidgets"} <= qt_modules
    unused = {"QtWebEngineCore", "QtQml", "QtQuick", "QtMultimedia", "Qt3DCore", "QtPdf"}
    assert not qt_modules & unused
    libraries = {path.name for path in internal.rglob("libQt6*")}
    assert not {name for name in libraries if "WebEngine" in name or "Quick" in name}
