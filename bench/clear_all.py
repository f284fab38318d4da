"""Clear all…: deleting every capture of a large history while the window stays usable.

What it measures (issue 13): a store of ``--count`` captures (made by ``history.py``'s
generator, ~1 KiB bodies), the app as ``webhook-inspector gui`` builds it (offscreen), then
Capture → Clear all… answered with Delete, as the user does. Meanwhile an asyncio timer
every 10 ms records how late it fires (the event loop's lag: what a click or a webhook
would wait). Reported: the time until the list is empty, and the lag p50/p99/max while the
worker deletes (a batch of ``DELETE_BATCH`` per transaction). The same again with half the
captures pinned and the box unticked (the pinned stay).

Run:  .venv/bin/python bench/clear_all.py [--count 1000000] [--data-dir DIR]
(``--data-dir`` reuses or fills that directory; the captures are deleted, so a reused
directory is filled again.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qasync
from history import fill
from lagprobe import LagProbe, percentile
from PySide6.QtWidgets import QApplication


async def clear(data_dir: Path, pin_half: bool) -> dict[str, float]:
    from inspector.app import AppCore
    from inspector.gui import workers
    from inspector.gui.main_window import MainWindow

    core = AppCore(data_dir, port=0, kind="gui")
    await core.start()
    window = MainWindow(core.store, core)
    window.show()
    total = core.store.count()
    # A benchmark's shortcut to set the pins: one UPDATE, no events.
    conn = core.store._wconn
    conn.execute("UPDATE captures SET pinned = (seq % 2 = 0 AND ?)", (int(pin_half),))
    conn.commit()
    probe = LagProbe(0.01)
    probe.start()
    await asyncio.sleep(0.5)
    probe.take()
    started = time.perf_counter()
    window.deleting.clear_action.trigger()  # Capture -> Clear all…
    dialog = window.deleting.dialog
    assert dialog is not None
    done = asyncio.Event()
    window.deleting.deleted.connect(lambda _n: done.set())
    dialog.delete_button.click()
    await done.wait()
    elapsed = time.perf_counter() - started
    lags = probe.take()
    await probe.stop()
    left = core.store.count()
    window.close()
    await asyncio.to_thread(workers.wait_idle, 10)
    await core.stop()
    return {
        "total": total,
        "left": left,
        "seconds": elapsed,
        "p50": percentile(lags, 0.5),
        "p99": percentile(lags, 0.99),
        "max": max(lags, default=0.0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp)
        app = QApplication(sys.argv[:1])
        app.setQuitOnLastWindowClosed(False)
        for pin_half in (False, True):
            fill(data_dir, args.count)
            r = qasync.run(clear(data_dir, pin_half))
            what = "half pinned, kept" if pin_half else "none pinned"
            print(
                f"Clear all, {what}: {int(r['total']):,} captures, {int(r['left']):,} left, "
                f"{r['seconds']:.1f} s; loop lag p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, "
                f"max {r['max']:.1f} ms"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
