"""Linux desktop integration (packaging/linux) and the icons made from the one SVG: the
validators accept the files, every icon is there at its size, and ``make install-desktop``
puts them where the desktop looks, starting the program it names."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import inspector
from inspector import resources

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
DESKTOP = LINUX / f"{resources.APP_ID}.desktop"
METAINFO = LINUX / f"{resources.APP_ID}.metainfo.xml"
HICOLOR = LINUX / "icons" / "hicolor"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (.ci/run installs it with apt-get)")
    return path


def test_the_desktop_file_passes_desktop_file_validate() -> None:
    checked = subprocess.run(
        [_tool("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True
    )
    assert checked.returncode == 0 and not checked.stdout.strip(), checked.stdout


def test_the_metainfo_passes_appstreamcli_validate() -> None:
    checked = subprocess.run(
        [_tool("appstreamcli"), "validate", "--no-net", "--explain", str(METAINFO)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_files_agree_on_the_id_the_icon_and_the_version() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(DESKTOP, encoding="utf-8")
    assert entry["Desktop Entry"]["Icon"] == resources.APP_ID
    assert entry["Desktop Entry"]["Exec"].split()[0] == "webhook-inspector"
    component = ET.parse(METAINFO).getroot()
    assert component.findtext("id") == resources.APP_ID
    assert component.findtext("launchable") == DESKTOP.name
    assert component.find("content_rating") is not None
    assert component.findall("screenshots/screenshot/image")
    # The newest release is the package's version.
    assert component.find("releases/release").get("version") == inspector.__version__  # type: ignore[union-attr]


@pytest.mark.gui
def test_every_icon_is_there_at_its_size(qapp: object) -> None:
    from PySide6.QtGui import QImage, QImageReader

    for size in PNG_SIZES:
        image = QImage(str(HICOLOR / f"{size}x{size}" / "apps" / f"{resources.APP_ID}.png"))
        assert (image.width(), image.height()) == (size, size)
        assert image.pixelColor(size // 2, size // 2).alpha() == 255  # drawn, not blank
    scalable = HICOLOR / "scalable" / "apps" / f"{resources.APP_ID}.svg"
    assert scalable.read_bytes() == resources.path(resources.ICON).read_bytes()
    # Windows and macOS icons, read back with Qt's own readers of those formats.
    for path, sizes in (
        (ROOT / "packaging" / "windows" / "webhook-inspector.ico", {16, 24, 32, 48, 64, 128, 256}),
        (ROOT / "packaging" / "macos" / "webhook-inspector.icns", {16, 32, 64, 128, 256, 512, 1024}),
    ):  # fmt: skip
        reader = QImageReader(str(path))
        found = set()
        for index in range(reader.imageCount()):
            assert reader.jumpToImage(index)
            image = reader.read()
            assert not image.isNull(), (path.name, index, reader.errorString())
            found.add(image.width())
        assert found == sizes, path.name


def _install(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "install_desktop.py"), *args],
        capture_output=True, text=True, timeout=60, env={**os.environ, **env},
    )  # fmt: skip


def _installed(share: Path) -> set[str]:
    return {path.relative_to(share).as_posix() for path in share.rglob(f"{resources.APP_ID}*")}


EXPECTED = {
    f"applications/{resources.APP_ID}.desktop",
    f"metainfo/{resources.APP_ID}.metainfo.xml",
    f"icons/hicolor/scalable/apps/{resources.APP_ID}.svg",
    *(f"icons/hicolor/{n}x{n}/apps/{resources.APP_ID}.png" for n in PNG_SIZES),
}


def test_install_desktop_installs_for_the_user_and_uninstalls(tmp_path: Path) -> None:
    share = tmp_path / "data home"
    program = tmp_path / "My Apps" / "webhook-inspector"
    env = {"XDG_DATA_HOME": str(share)}
    installed = _install("--exec", str(program), env=env)
    assert installed.returncode == 0, installed.stderr
    assert _installed(share) == EXPECTED
    entry = (share / "applications" / f"{resources.APP_ID}.desktop").read_text()
    assert f'Exec="{program}"\n' in entry
    assert f"TryExec={program}\n" in entry
    if shutil.which("desktop-file-validate"):
        checked = subprocess.run(
            ["desktop-file-validate", str(share / "applications" / f"{resources.APP_ID}.desktop")],
            capture_output=True, text=True,
        )  # fmt: skip
        assert checked.returncode == 0, checked.stdout

    removed = _install("--uninstall", env=env)
    assert removed.returncode == 0, removed.stderr
    assert _installed(share) == set()


def test_make_install_desktop_stages_a_package_under_destdir(tmp_path: Path) -> None:
    """``make install-desktop PREFIX=/usr DESTDIR=...`` (a distribution package): the files
    under DESTDIR/usr/share, the entry starting ``webhook-inspector`` from PATH."""
    stage = tmp_path / "stage"
    made = subprocess.run(
        [_tool("make"), "-s", "-C", str(ROOT), "install-desktop", "PREFIX=/usr",
         f"DESTDIR={stage}", f"PYTHON={sys.executable}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    share = stage / "usr" / "share"
    assert _installed(share) == EXPECTED
    entry = (share / "applications" / f"{resources.APP_ID}.desktop").read_text()
    assert "Exec=webhook-inspector gui\n" in entry


def test_the_default_program_is_the_bundle_else_the_environment(tmp_path: Path) -> None:
    """With nothing named, the entry starts the checkout's bundle if built, else its
    environment's GUI script (copies of the script and files tell them apart)."""
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT / "scripts", checkout / "scripts")
    shutil.copytree(ROOT / "packaging" / "linux", checkout / "packaging" / "linux")
    script = [sys.executable, str(checkout / "scripts" / "install_desktop.py")]
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share")}
    entry = tmp_path / "share" / "applications" / f"{resources.APP_ID}.desktop"

    nothing = subprocess.run(script, capture_output=True, text=True, env=env)
    assert nothing.returncode != 0
    assert "make bundle" in nothing.stderr and "make run" in nothing.stderr

    venv_gui = checkout / ".venv" / "bin" / "webhook-inspector-gui"
    venv_gui.parent.mkdir(parents=True)
    venv_gui.touch()
    assert subprocess.run(script, capture_output=True, env=env).returncode == 0
    assert f"Exec={venv_gui}\n" in entry.read_text()

    bundle = checkout / "dist" / "webhook-inspector" / "webhook-inspector"
    bundle.parent.mkdir(parents=True)
    bundle.touch()
    assert subprocess.run(script, capture_output=True, env=env).returncode == 0
    assert f"Exec={bundle} gui\n" in entry.read_text()


def test_the_install_script_and_the_spec_name_the_app_id() -> None:
    for path in (ROOT / "scripts" / "install_desktop.py", ROOT / "packaging" / "webhook-inspector.spec"):  # fmt: skip
        assert f'APP_ID = "{resources.APP_ID}"' in path.read_text(), path
