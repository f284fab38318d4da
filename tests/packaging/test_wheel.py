"""The wheel: built offline from a copy of the source, it holds every module, the icon and
both entry points, and installed into a fresh virtual environment it runs with no checkout
around (docs/install.md)."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest
from clirunner import check_installed_program

ROOT = Path(__file__).resolve().parents[2]
# What a copy of the source leaves out: environments, caches and earlier build output.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip wheel .`` of a copy of the source, with this environment's setuptools (offline)."""
    pytest.importorskip(
        "setuptools", minversion="70.1", reason="an offline wheel build needs setuptools>=70.1"
    )
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    out = work / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "--wheel-dir", str(out), str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (found,) = out.glob("webhook_inspector-*.whl")
    return found


def test_the_wheel_holds_every_module_the_icon_and_the_entry_points(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (dist_info,) = {name.split("/")[0] for name in names if ".dist-info/" in name}
        entry_points = configparser.ConfigParser()
        entry_points.read_string(archive.read(f"{dist_info}/entry_points.txt").decode())
        metadata = archive.read(f"{dist_info}/METADATA").decode()
    modules = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "inspector").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert modules <= names, sorted(modules - names)
    assert {"inspector/resources/icon.svg", "inspector/py.typed"} <= names
    assert dict(entry_points["console_scripts"]) == {"webhook-inspector": "inspector.cli:main"}
    assert dict(entry_points["gui_scripts"]) == {"webhook-inspector-gui": "inspector.cli:gui_main"}
    for requirement in ("aiohttp", "qasync", "pyngrok", "platformdirs", "keyring"):
        assert f"Requires-Dist: {requirement}" in metadata
    assert "Requires-Dist: PySide6-Essentials" in metadata


def test_the_installed_wheel_runs_where_no_checkout_is(wheel: Path, tmp_path: Path) -> None:
    """Installed into a fresh environment and run from an empty folder, the wheel's scripts
    serve, capture, list and start the GUI; its icon comes from the installed package.

    The dependencies come from this test environment through a path file (no network): a
    plain path line adds its folder without running the editable install's hook there, so
    ``inspector`` can only be the installed wheel."""
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--quiet", str(wheel)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    site_packages = Path(
        sysconfig.get_path("purelib", vars={"base": str(env_dir), "platbase": str(env_dir)})
    )
    (site_packages / "test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PYTHONPATH": "", "PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}"}

    where = subprocess.run(
        [str(python), "-c",
         "import inspector, inspector.resources as r; print(inspector.__file__); "
         "print(r.path(r.ICON))"],
        capture_output=True, text=True, timeout=60, cwd=elsewhere, env={**os.environ, **env},
    )  # fmt: skip
    assert where.returncode == 0, where.stderr
    module_file, icon = (Path(line) for line in where.stdout.splitlines())
    assert module_file.is_relative_to(site_packages)
    assert icon.is_relative_to(site_packages)
    assert icon.read_bytes() == (ROOT / "inspector" / "resources" / "icon.svg").read_bytes()

    check_installed_program(
        [str(env_dir / "bin" / "webhook-inspector")],
        tmp_path / "data",
        cwd=elsewhere,
        env=env,
        gui_program=[str(env_dir / "bin" / "webhook-inspector-gui")],
    )
