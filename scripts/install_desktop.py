"""Install the Linux desktop entry, AppStream metainfo and icons (``make install-desktop``).

    python3 scripts/install_desktop.py [--exec PROGRAM] [--prefix DIR] [--destdir DIR]
                                       [--uninstall]

Without ``--prefix`` the files go to the current user's data folder: ``$XDG_DATA_HOME``,
else ``~/.local/share``; with it, to ``PREFIX/share`` (``/usr`` for a distribution
package). ``--destdir`` is put in front of every path written (a staging folder), not
into the files. The desktop entry starts PROGRAM; by default, for the user, the bundle
(dist/webhook-inspector/webhook-inspector, ``make bundle``) if it is built, else the
checkout's virtual environment (.venv/bin/webhook-inspector-gui, ``make run``), and with
``--prefix`` the packaged entry's ``webhook-inspector gui`` found on PATH. Needs only the
standard library; docs/install.md has the details.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINUX = ROOT / "packaging" / "linux"
APP_ID = "io.github.webhookinspector.WebhookInspector"  # inspector/resources (checked by tests)
BUNDLE = ROOT / "dist" / "webhook-inspector" / "webhook-inspector"
VENV_GUI = ROOT / ".venv" / "bin" / "webhook-inspector-gui"

# Characters that make an Exec argument need quotes, and those escaped inside the quotes
# (the Desktop Entry Specification, "The Exec key").
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
_ESCAPED = set('"`$\\')


def exec_argument(argument: str) -> str:
    """One Exec argument, quoted when needed, then escaped as a desktop file string value."""
    if argument and not _RESERVED & set(argument):
        quoted = argument
    else:
        quoted = '"' + "".join("\\" + c if c in _ESCAPED else c for c in argument) + '"'
    return quoted.replace("\\", "\\\\")


def default_program() -> list[str]:
    if BUNDLE.is_file():
        return [str(BUNDLE), "gui"]
    if VENV_GUI.is_file():
        return [str(VENV_GUI)]
    raise SystemExit(
        "install_desktop: nothing to start yet: build the bundle (make bundle) or the "
        "virtual environment (make run) first, or name the program with --exec"
    )


def data_home(prefix: str | None) -> Path:
    if prefix:
        return Path(prefix) / "share"
    xdg = os.environ.get("XDG_DATA_HOME", "")
    # The XDG spec ignores a relative value.
    return Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"


def files_to_install() -> dict[Path, Path]:
    """Each source file and its place under the data folder."""
    files = {
        LINUX / f"{APP_ID}.desktop": Path("applications") / f"{APP_ID}.desktop",
        LINUX / f"{APP_ID}.metainfo.xml": Path("metainfo") / f"{APP_ID}.metainfo.xml",
    }
    icons = LINUX / "icons"
    for icon in sorted(icons.rglob(f"{APP_ID}.*")):
        files[icon] = Path("icons") / icon.relative_to(icons)
    return files


def desktop_entry(program: list[str]) -> str:
    """The packaged desktop entry with Exec and TryExec naming ``program`` (if any)."""
    lines = []
    for line in (LINUX / f"{APP_ID}.desktop").read_text(encoding="utf-8").splitlines():
        if not program:
            pass
        elif line.startswith("Exec="):
            line = "Exec=" + " ".join(exec_argument(part) for part in program)
        elif line.startswith("TryExec="):
            line = "TryExec=" + program[0].replace("\\", "\\\\")
        lines.append(line)
    return "\n".join(lines) + "\n"


def refresh_caches(share: Path) -> None:
    """Tell the desktop about the change where its cache tools exist (failures are harmless:
    desktops also watch these folders)."""
    for tool, target in (
        ("update-desktop-database", share / "applications"),
        ("gtk-update-icon-cache", share / "icons" / "hicolor"),
    ):
        path = shutil.which(tool)
        if path and target.is_dir():
            args = [path, "-q", str(target)]
            if tool == "gtk-update-icon-cache":
                args[1:2] = ["-q", "-t", "-f"]
            subprocess.run(args, check=False, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exec", dest="program", help="the program the desktop entry starts")
    parser.add_argument("--prefix", help="install under PREFIX/share instead of the user's")
    parser.add_argument("--destdir", default="", help="staging folder put before every path")
    parser.add_argument("--uninstall", action="store_true", help="remove what install wrote")
    args = parser.parse_args(argv)
    share = data_home(args.prefix)
    target_root = Path(args.destdir + str(share)) if args.destdir else share
    files = files_to_install()
    if args.uninstall:
        for relative in files.values():
            (target_root / relative).unlink(missing_ok=True)
        print(f"removed the desktop entry, metainfo and icons from {target_root}")
    else:
        if args.program:
            program = [args.program]
        elif args.prefix:
            program = []  # the packaged entry, as it is
        else:
            program = default_program()
        for source, relative in files.items():
            target = target_root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.suffix == ".desktop":
                target.write_text(desktop_entry(program), encoding="utf-8")
            else:
                shutil.copyfile(source, target)
        print(f"installed the desktop entry, metainfo and icons in {target_root}")
        print(f"the desktop entry starts: {' '.join(program) or 'webhook-inspector gui'}")
    if not args.destdir:
        refresh_caches(share)
    return 0


if __name__ == "__main__":
    sys.exit(main())
