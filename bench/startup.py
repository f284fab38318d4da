"""Start-up time and size of the installed forms: the bundle and the virtual environment.

    xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python bench/startup.py \\
        [--bundle dist/webhook-inspector/webhook-inspector] [--rounds 5] [--screenshot OUT.png]

For each round, alternating the bundle and ``.venv/bin/webhook-inspector``: ``--version``,
``list`` on a store of 1,000 captures, and ``gui`` until its window is mapped on the X
display (polled with ``xwininfo``; needs DISPLAY, e.g. under xvfb-run, else skipped). Prints
the median and the spread of each, the bundle's size on disk and file count, and the size
of the wheel (built offline). ``--screenshot`` saves the bundle's window as the X server
shows it (ImageMagick's ``import``). Figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TITLE = "Webhook Inspector"


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env, timeout=120)
    return time.perf_counter() - start


def window_mapped() -> bool:
    """Whether a top-level window titled like the app's is viewable on the display."""
    tree = subprocess.run(
        ["xwininfo", "-root", "-tree"], capture_output=True, text=True, check=False
    ).stdout
    for window_id in re.findall(rf'^\s*(0x[0-9a-f]+) "{TITLE}[^"]*"', tree, re.MULTILINE):
        info = subprocess.run(
            ["xwininfo", "-id", window_id], capture_output=True, text=True, check=False
        ).stdout
        if "Map State: IsViewable" in info:
            return True
    return False


def gui_until_window(
    program: list[str], data_dir: Path, env: dict[str, str], screenshot: Path | None
) -> float:
    start = time.perf_counter()
    gui = subprocess.Popen(
        [*program, "--data-dir", str(data_dir), "gui", "--port", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        while not window_mapped():
            if gui.poll() is not None:
                raise RuntimeError(f"the GUI exited with {gui.returncode}")
            if time.perf_counter() - start > 60:
                raise RuntimeError("no window within 60 s")
            time.sleep(0.01)
        elapsed = time.perf_counter() - start
        if screenshot is not None:
            time.sleep(2)  # let the first webhooks' rows and the layout settle
            subprocess.run(["import", "-window", "root", str(screenshot)], check=True)
        return elapsed
    finally:
        gui.send_signal(signal.SIGTERM)
        gui.wait(30)


def fill_store(program: list[str], data_dir: Path, env: dict[str, str], count: int) -> None:
    """``count`` captures through a real ``serve`` (the store then opens as a user's would)."""
    from urllib.request import Request, urlopen

    serve = subprocess.Popen(
        [*program, "--data-dir", str(data_dir), "serve", "--port", "0", "--no-tunnel"],
        stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert serve.stdout is not None
    url = serve.stdout.readline().split()[-1]
    # serve prints a line per capture: drain them, or the full pipe would stop it.
    threading.Thread(target=serve.stdout.read, daemon=True).start()
    for n in range(count):
        body = f'{{"n": {n}, "event": "task.done"}}'.encode()
        with urlopen(Request(f"{url}/hook", data=body, method="POST"), timeout=10) as answer:
            answer.read()
    serve.send_signal(signal.SIGTERM)
    serve.wait(30)


def size_of(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def wheel_size() -> int:
    """The wheel's size, built offline from a copy of the source (the checkout stays clean)."""
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "source"
        shutil.copytree(
            ROOT,
            source,
            ignore=shutil.ignore_patterns(
                ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__"
            ),
        )
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
             "--no-index", "--quiet", "--wheel-dir", work, str(source)],
            check=True, capture_output=True,
        )  # fmt: skip
        (wheel,) = Path(work).glob("*.whl")
        return wheel.stat().st_size


def summary(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.0f} ms ({min(samples) * 1000:.0f}-{max(samples) * 1000:.0f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--bundle", type=Path, default=ROOT / "dist/webhook-inspector/webhook-inspector"
    )
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv/bin/webhook-inspector")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--captures", type=int, default=1000)
    parser.add_argument("--screenshot", type=Path)
    args = parser.parse_args()
    if not args.bundle.is_file():
        print(f"startup: no bundle at {args.bundle} (make bundle)", file=sys.stderr)
        return 1
    has_display = bool(os.environ.get("DISPLAY")) and shutil.which("xwininfo") is not None
    programs = {"bundle": [str(args.bundle)], "venv": [str(args.venv)]}
    env = {**os.environ, "WEBHOOK_INSPECTOR_NO_KEYRING": "1"}
    env.pop("QT_QPA_PLATFORM", None)
    results: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as work:
        data = {name: Path(work) / name for name in programs}
        for name, program in programs.items():
            fill_store(program, data[name], env, args.captures)
        measures: dict[str, Callable[[str, list[str]], float]] = {
            "--version": lambda name, program: timed([*program, "--version"], env),
            f"list ({args.captures} captures)": lambda name, program: timed(
                [*program, "--data-dir", str(data[name]), "list"], env
            ),
        }
        if has_display:
            measures["gui until its window is mapped"] = lambda name, program: gui_until_window(
                program, data[name], env, None
            )
        for _ in range(args.rounds):
            for what, measure in measures.items():
                for name, program in programs.items():
                    results.setdefault((what, name), []).append(measure(name, program))
        if args.screenshot and has_display:
            gui_until_window(programs["bundle"], data["bundle"], env, args.screenshot)
    print(f"| measure (median of {args.rounds}, range) | bundle | venv |")
    print("|---|---|---|")
    for what in measures:
        print(
            f"| {what} | {summary(results[(what, 'bundle')])} | {summary(results[(what, 'venv')])} |"
        )
    if not has_display:
        print("(no X display: the GUI was not timed; run under xvfb-run)")
    size, count = size_of(args.bundle.parent)
    print(f"bundle: {size / 2**20:.0f} MiB in {count} files ({args.bundle.parent})")
    print(f"wheel: {wheel_size() / 2**10:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
