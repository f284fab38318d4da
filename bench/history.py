"""History: the window over 100,000 (or, with ``--captures 1000000``, a million) stored
captures, and exporting and importing all of them.

What it measures (docs/performance.md, issues 7 and 17). First, unless the data directory
already holds them, the captures are generated through ``CaptureStore.add_many`` in
batches of 2,000 (the store's bulk path: the same rows, search index included, as the
listener writes, without the HTTP in front): webhook-like ~1 KiB JSON bodies, varied
paths, vendors, events, validation results and answers. Then, in a fresh process (so
nothing is warm but the OS page cache):

* time to a usable window: open the store and start the app core, construct ``MainWindow``,
  show it, and process events until the capture table has painted (target < 2 s);
* RSS after that and at the end, and the peak (target < 300 MB);
* text filter time, as the filter box runs it: from ``model.request_filter(...)`` (the
  search in a worker) until the rows are shown, for a rare, a common and an absent word,
  and clearing it (target < 300 ms each); and the longest the UI thread was kept from its
  events meanwhile (a 5 ms timer's worst lateness);
* selecting every row (Ctrl+A) and asking Delete… for them (answered Cancel): the longest
  the UI thread was kept from its events;
* scrolling to the end: ``scrollToBottom()`` plus ``data()`` for every visible cell, and
  the paint after it.

Then ``webhook-inspector list --limit 50 --search WORD`` as a script runs it (a process
each, best of three, beside the same command without a search), and, each in its own
process, ``webhook-inspector export --format har`` of the whole
history and ``import`` of that file into an empty data directory: wall time and the
process's peak RSS (``wait4``), the store's and the file's size on disk.

Run:  .venv/bin/python bench/history.py [--captures 100000] [--data-dir DIR] [--keep]
      [--no-transfer]
(``--data-dir`` reuses or fills that directory; without it a temporary one is used.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from throughput import rss_mib

TARGET_WINDOW_S = 2.0
TARGET_RSS_MB = 300.0
TARGET_FILTER_MS = 300.0
BATCH = 2000
RARE_WORD = "needle-7f3a9c"  # put in 1 capture in 1,000
COMMON_WORD = "blurit"  # a vendor: about a quarter of them

VENDORS: list[dict[str, Any]] = [
    {
        "vendor": "celantur",
        "path": "/celantur",
        "events": ["new", "processing", "done", "failed"],
        "headers": [("User-Agent", "python-requests/2.31")],
    },
    {
        "vendor": "blurit",
        "path": "/blurit",
        "events": ["Sent", "Started", "Succeeded", "Failed"],
        "headers": [("User-Agent", "BlurIt-Webhook/2"), ("X-Auth-Token", "tok_9f8e7d6c")],
    },
    {
        "vendor": "anesya",
        "path": "/anesya",
        "events": ["extract.created", "extract.completed", "extract.failed"],
        "headers": [
            ("User-Agent", "Anesya-WebhookBot/1.0"),
            ("X-Webhook-Token", "whk_42"),
            ("X-Webhook-Id", "1b7c1c1e-9df1-4c87-8d7e-6a3c6b1f0e55"),
        ],
    },
    {
        "vendor": "generic",
        "path": "/hooks/github",
        "events": ["push", "pull_request", "issues", "release"],
        "headers": [("User-Agent", "GitHub-Hookshot/abc123"), ("X-GitHub-Event", "push")],
    },
]


def make_captures(start: int, count: int, rng: random.Random) -> list[Any]:
    from inspector.core.capture import Capture, ResponseRecord, Validation

    base = datetime(2026, 11, 1, tzinfo=UTC)
    out = []
    for i in range(start, start + count):
        v = VENDORS[i % len(VENDORS)]
        event = rng.choice(v["events"])
        task = f"{rng.getrandbits(64):016x}"
        doc: dict[str, Any] = {
            "event": event,
            "task_id": task,
            "timestamp": (base + timedelta(seconds=i * 7)).isoformat(),
            "data": {
                "items": [
                    {"name": f"file-{i}-{k}.jpg", "size": rng.randint(1000, 9_000_000)}
                    for k in range(6)
                ],
                "note": "lorem ipsum dolor sit amet " * rng.randint(6, 14),
            },
        }
        if i % 1000 == 500:
            doc["data"]["comment"] = RARE_WORD
        body = json.dumps(doc).encode()
        result = rng.choice(["valid", "valid", "valid", "invalid", "missing", "unchecked"])
        status = 200 if result in ("valid", "unchecked") else 401
        out.append(
            Capture(
                method="POST",
                path=v["path"] + ("" if i % 3 else f"/{i % 17}"),
                query="" if i % 5 else f"key=k{i % 11}",
                headers=[
                    ("Host", "abc.ngrok-free.app"),
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(body))),
                    *v["headers"],
                ],
                body=body,
                body_size=len(body),
                received_at=base + timedelta(seconds=i * 7),
                remote_addr=f"203.0.113.{i % 250}",
                endpoint=v["path"],
                vendor=v["vendor"],
                event={"task_id": task, "status": event},
                validation=Validation(result, "token-header", f"{result} token"),  # type: ignore[arg-type]
                response=ResponseRecord(
                    status, [("Content-Type", "application/json")], b'{"ok":true}'
                ),
            )
        )
    return out


def fill(data_dir: Path, count: int) -> None:
    from inspector.core.store import CaptureStore

    store = CaptureStore.in_dir(data_dir)
    try:
        have = store.count()
        if have >= count:
            print(f"store already holds {have:,} captures")
            return
        rng = random.Random(7)
        started = time.perf_counter()
        for start in range(have, count, BATCH):
            store.add_many(make_captures(start, min(BATCH, count - start), rng), emit=False)
            # Indexed for search as the listener's writer does when idle, a step at a time.
            while store.index_tail(5000):
                pass
        elapsed = time.perf_counter() - started
        size = (data_dir / "captures.sqlite3").stat().st_size / 2**20
        print(
            f"generated {count - have:,} captures in {elapsed:.1f} s "
            f"({(count - have) / elapsed:,.0f}/s through add_many and the index), "
            f"store file {size:,.0f} MiB"
        )
    finally:
        store.close()


async def measure(data_dir: Path) -> dict[str, float]:
    """Runs in a fresh process: everything the table below shows."""
    from PySide6.QtCore import QEvent, QObject

    from inspector.app import AppCore
    from inspector.core.store import CaptureFilter
    from inspector.gui.main_window import MainWindow

    out: dict[str, float] = {"rss_start": rss_mib()[0]}

    class PaintSeen(QObject):
        """Sets ``painted`` when the table's viewport gets a paint event."""

        def __init__(self) -> None:
            super().__init__()
            self.painted = asyncio.Event()

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.painted.set()
            return False

    t0 = time.perf_counter()
    core = AppCore(data_dir, port=0, kind="gui")
    await core.start()
    t1 = time.perf_counter()
    window = MainWindow(core.store, core)
    window.resize(1280, 800)
    t2 = time.perf_counter()
    seen = PaintSeen()
    window.table.viewport().installEventFilter(seen)
    # No rows (the absent word): the list shows its empty page instead of the table.
    window.empty_state.installEventFilter(seen)
    window.show()
    # processEvents() inside a coroutine would re-enter qasync's tasks: awaiting lets the
    # loop run Qt's events (the paint among them) between asyncio callbacks.
    await asyncio.wait_for(seen.painted.wait(), 30)
    t3 = time.perf_counter()
    out.update(
        core_start=t1 - t0,
        window_build=t2 - t1,
        show_paint=t3 - t2,
        usable=t3 - t0,
        rows=window.model.rowCount(),
        rss_usable=rss_mib()[0],
    )

    def timed(fn: Any) -> float:
        started = time.perf_counter()
        fn()
        return time.perf_counter() - started

    async def paint() -> float:
        started = time.perf_counter()
        seen.painted.clear()
        showing_table = window.list_stack.currentWidget() is window.table
        (window.table.viewport() if showing_table else window.empty_state).update()
        await asyncio.wait_for(seen.painted.wait(), 10)
        return time.perf_counter() - started

    async def filtered(flt: CaptureFilter) -> tuple[float, float]:
        """(seconds until the rows are shown, the UI thread's worst lateness meanwhile)."""
        done = asyncio.Event()
        window.model.filter_applied.connect(done.set)
        stall = 0.0
        started = time.perf_counter()
        window.model.request_filter(flt)
        while not done.is_set():
            tick = time.perf_counter()
            await asyncio.sleep(0.005)
            stall = max(stall, time.perf_counter() - tick - 0.005)
        window.model.filter_applied.disconnect(done.set)
        return time.perf_counter() - started, stall

    for name, text in (("rare", RARE_WORD), ("common", COMMON_WORD), ("absent", "zz-nowhere")):
        out[f"filter_{name}"], out[f"filter_{name}_stall"] = await filtered(
            CaptureFilter(text=text)
        )
        out[f"filter_{name}_rows"] = window.model.rowCount()
        out[f"filter_{name}_paint"] = await paint()
    out["filter_clear"], out["filter_clear_stall"] = await filtered(CaptureFilter())
    out["filter_clear_paint"] = await paint()

    def visible_cells() -> None:
        table = window.table
        top = table.rowAt(0)
        bottom = table.rowAt(table.viewport().height() - 1)
        bottom = window.model.rowCount() - 1 if bottom < 0 else bottom
        for row in range(max(top, 0), bottom + 1):
            for col in range(window.model.columnCount()):
                window.model.data(window.model.index(row, col))

    def scroll_end() -> None:
        window.table.scrollToBottom()
        visible_cells()

    def scroll_top() -> None:
        window.table.scrollToTop()
        visible_cells()

    async def late_during(fn: Any, seconds: float = 0.5) -> float:
        """The UI thread's worst lateness while ``fn()`` runs and ``seconds`` after it."""
        started = time.perf_counter()
        fn()
        stall = time.perf_counter() - started  # fn itself holds the thread
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            tick = time.perf_counter()
            await asyncio.sleep(0.005)
            stall = max(stall, time.perf_counter() - tick - 0.005)
        return stall

    # Ctrl+A, then Delete… up to its question (answered Cancel), once the cleared filter
    # has put every row back (its second step).
    completed = asyncio.Event()
    window.model.filter_completed.connect(completed.set)
    if window.model.searching:
        await asyncio.wait_for(completed.wait(), 60)
    out["select_all_stall"] = await late_during(window.table.selectAll)
    out["delete_ask_stall"] = await late_during(window.deleting.delete_action.trigger)
    dialog = window.deleting.dialog
    assert dialog is not None, "Delete… asked nothing"
    out["delete_ask_rows"] = int(dialog.question.text().split()[2].replace(",", ""))
    dialog.reject()
    window.table.clearSelection()

    out["scroll_end"] = timed(scroll_end)
    out["scroll_end_paint"] = await paint()
    out["scroll_top"] = timed(scroll_top)
    out["scroll_top_paint"] = await paint()
    rss_now, rss_peak = rss_mib()
    out.update(rss_end=rss_now, rss_peak=rss_peak)
    window.close()
    await core.stop()
    return out


def measure_main(data_dir: Path) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    result = qasync.run(measure(data_dir))
    print(json.dumps(result), flush=True)
    return 0


def report(r: dict[str, float], count: int) -> None:
    def ms(key: str) -> str:
        return f"{r[key] * 1000:>8.0f} ms"

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    mb = 1024 * 1024 / 1e6  # MiB -> MB
    print(f"\nhistory: {int(r['rows']):,} captures in the list (asked for {count:,})\n")
    print(f"{'step':<40} {'time':>11} {'target':>10}")
    print(f"{'open store + start core':<40} {ms('core_start')}")
    print(f"{'construct MainWindow':<40} {ms('window_build')}")
    print(f"{'show + first paint of the table':<40} {ms('show_paint')}")
    print(
        f"{'usable window (sum)':<40} {ms('usable')} {'< 2 s':>10}  "
        f"{verdict(r['usable'] < TARGET_WINDOW_S)}"
    )
    for name, label in (("rare", "rare word"), ("common", "common word"), ("absent", "absent")):
        rows = int(r[f"filter_{name}_rows"])
        print(
            f"{'filter: ' + label + f' ({rows:,} rows)':<40} {ms('filter_' + name)} "
            f"{'< 300 ms':>10}  {verdict(r['filter_' + name] * 1000 < TARGET_FILTER_MS)}"
        )
        print(f"{'  UI thread late at most':<40} {ms('filter_' + name + '_stall')}")
        print(f"{'  then paint':<40} {ms('filter_' + name + '_paint')}")
    print(
        f"{'filter cleared':<40} {ms('filter_clear')} {'< 300 ms':>10}  "
        f"{verdict(r['filter_clear'] * 1000 < TARGET_FILTER_MS)}"
    )
    print(f"{'  UI thread late at most':<40} {ms('filter_clear_stall')}")
    print(f"{'  then paint':<40} {ms('filter_clear_paint')}")
    print(f"{'select all (Ctrl+A): UI late at most':<40} {ms('select_all_stall')}")
    asked = f"Delete… asks ({int(r['delete_ask_rows']):,} rows)"
    print(f"{asked + ': UI late at most':<40} {ms('delete_ask_stall')}")
    print(f"{'scroll to end + data() of visible rows':<40} {ms('scroll_end')}")
    print(f"{'  then paint':<40} {ms('scroll_end_paint')}")
    print(f"{'scroll to top + data() of visible rows':<40} {ms('scroll_top')}")
    print(f"{'  then paint':<40} {ms('scroll_top_paint')}")
    print()
    print(f"{'RSS after imports':<40} {r['rss_start'] * mb:>8.0f} MB")
    print(f"{'RSS with the usable window':<40} {r['rss_usable'] * mb:>8.0f} MB")
    print(
        f"{'RSS at the end / peak':<40} {r['rss_end'] * mb:>8.0f} MB / {r['rss_peak'] * mb:.0f} MB"
        f" {'< 300 MB':>6}  {verdict(r['rss_peak'] * mb < TARGET_RSS_MB)}"
    )


def timed_child(args: list[str]) -> tuple[float, float, str]:
    """Run a command; (wall seconds, its peak RSS in MB, its stderr's last line)."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{args[3:5]} failed: {err[-800:]}")
    lines = err.strip().splitlines()
    return wall, usage.ru_maxrss * 1024 / 1e6, lines[-1] if lines else ""


def cli_search(data_dir: Path) -> None:
    """``list --limit 50 --search WORD`` as a script runs it, a process each, best of 3;
    ``list --limit 50`` without a search is the process's own cost beside it."""
    cli = [sys.executable, "-m", "inspector", "--data-dir", str(data_dir), "list", "--limit", "50"]
    print()
    for label, extra in (
        ("list --limit 50 (no search)", []),
        ("  --search, rare word", ["--search", RARE_WORD]),
        ("  --search, common word", ["--search", COMMON_WORD]),
        ("  --search, absent", ["--search", "zz-nowhere"]),
        ("  --search, two characters, absent", ["--search", "zq"]),
    ):
        best = min(timed_child([*cli, *extra])[0] for _ in range(3))
        print(f"{label:<40} {best * 1000:>8.0f} ms")


def store_mb(data_dir: Path) -> float:
    return sum(p.stat().st_size for p in data_dir.glob("captures.sqlite3*")) / 1e6


def transfer(data_dir: Path, work: Path) -> None:
    """Export the whole history as HAR, then import it into an empty data directory."""
    cli = [sys.executable, "-m", "inspector", "--data-dir"]
    har = work / "history.har"
    target = work / "imported"
    shutil.rmtree(target, ignore_errors=True)
    har.unlink(missing_ok=True)
    export_s, export_mb, said = timed_child([*cli, str(data_dir), "export", "-o", str(har)])
    print(f"\n{'export --format har':<40} {export_s:>8.1f} s   peak RSS {export_mb:,.0f} MB")
    print(f"{'  ' + said:<40}  file {har.stat().st_size / 1e6:,.0f} MB")
    import_s, import_mb, _ = timed_child([*cli, str(target), "import", str(har)])
    print(f"{'import of that file':<40} {import_s:>8.1f} s   peak RSS {import_mb:,.0f} MB")
    print(
        f"{'  store on disk: source / imported':<40} {store_mb(data_dir):>8,.0f} MB / "
        f"{store_mb(target):,.0f} MB"
    )
    har.unlink(missing_ok=True)
    shutil.rmtree(target, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--captures", "--count", dest="count", type=int, default=100_000)
    parser.add_argument("--no-transfer", action="store_true", help="skip export and import")
    parser.add_argument("--data-dir", type=Path, help="reuse/fill this directory")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.measure:
        return measure_main(args.measure)
    tmp = None
    data_dir = args.data_dir
    if data_dir is None:
        tmp = tempfile.mkdtemp(prefix="bench-history-")
        data_dir = Path(tmp)
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fill(data_dir, args.count)
        started = time.perf_counter()
        child = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--measure", str(data_dir)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        wall = time.perf_counter() - started
        lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
        if child.returncode != 0 or not lines:
            print(child.stdout[-2000:], child.stderr[-2000:], file=sys.stderr)
            return 1
        report(json.loads(lines[-1]), args.count)
        print(f"\n(fresh measuring process: {wall:.1f} s wall including Python/Qt start)")
        print(f"{'store on disk (file + WAL)':<40} {store_mb(data_dir):>8,.0f} MB")
        cli_search(data_dir)
        if not args.no_transfer:
            transfer(data_dir, Path(tempfile.mkdtemp(prefix="bench-transfer-")))
    finally:
        if tmp is not None and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp is not None:
            print(f"kept {tmp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
