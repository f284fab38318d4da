"""GUI ingest: the main window (offscreen) with the live list while ~1,000 requests/s arrive.

What it measures (docs/performance.md, issue 7): the app as ``webhook-inspector gui`` builds it
(QApplication, the qasync loop, ``AppCore``'s listener and store, ``MainWindow`` shown) on a
fresh temporary data directory, while a separate process (``throughput.py loadgen``) sends
1 KiB JSON POSTs at a fixed rate. Meanwhile a periodic asyncio timer (every 10 ms) records
how late it fires: that lateness is the event loop's lag, the delay any click, repaint or
request would see. Reported: lag p50/p99/max, requests acknowledged vs rows in the model
vs captures in the store, how many model insert batches carried the rows (live updates are
coalesced, never dropped), and the process's RSS. Target: lag p99 < 50 ms.

By default the app and the load generator share every core, as on a desktop; ``--pin`` puts
the app on core 0 alone and the load generator on core 1 (the app's worst case).

``--chart`` first runs the load four times in the same process with the Traffic dock (the
requests-per-minute chart) hidden, shown, shown, hidden, and prints the loop lag of each
side by side.

Run:  .venv/bin/python bench/gui_ingest.py [--seconds 30] [--rate 1000] [--connections 100] [--pin]
      [--chart]
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
from lagprobe import LagProbe, percentile
from PySide6.QtWidgets import QApplication
from throughput import loadgen_result, pin, rss_mib, run_python_loadgen

from inspector.app import AppCore
from inspector.desktop import settle_heap
from inspector.gui.main_window import MainWindow

TARGET_P99_MS = 50.0
PROBE_INTERVAL = 0.010


async def chart_phases(
    args: argparse.Namespace, window: MainWindow, url: str, probe: LagProbe, core: int | None
) -> int:
    """The load with the Traffic chart hidden and shown, in the order hidden, shown, shown,
    hidden (the machine's drift falls on both alike): lag side by side, in one run."""
    figures = []
    for shown in (False, True, True, False):
        window.traffic_dock.setVisible(shown)
        if shown:
            window.traffic_dock.raise_()
        await asyncio.sleep(0.5)
        probe.take()
        chart = window.traffic.chart
        painted, paint_s = chart.paint_count, chart.paint_seconds
        proc = run_python_loadgen(
            url + "/bench/chart",
            seconds=args.seconds,
            connections=args.connections,
            rate=args.rate,
            core=core,
        )
        load = await asyncio.to_thread(loadgen_result, proc, args.seconds + 60)
        busy = probe.take()
        paints = (chart.paint_count - painted, chart.paint_seconds - paint_s)
        figures.append((shown, busy, load, paints))
    print(
        f"{'traffic chart':<16} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'req/s':>8} "
        f"{'paints':>7} {'paint ms':>9}"
    )
    for shown, busy, load, paints in figures:
        print(
            f"{'shown' if shown else 'hidden':<16} {percentile(busy, 0.5):>8.1f} "
            f"{percentile(busy, 0.99):>8.1f} {max(busy, default=0):>8.1f} "
            f"{load.ok / load.seconds:>8,.0f} {paints[0]:>7} {paints[1] * 1000:>9.0f}"
        )
    print()
    window.traffic_dock.setVisible(False)
    return sum(load.ok for _, _, load, _ in figures)


async def bench(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-gui-") as tmp:
        core = AppCore(Path(tmp), port=0, kind="gui")
        await core.start()
        window = MainWindow(core.store, core)
        window.resize(1280, 800)
        window.show()
        settle_heap()  # as run_gui does once the window is up
        batches = 0
        rows_signalled = 0

        def on_rows(n: int) -> None:
            nonlocal batches, rows_signalled
            batches += 1
            rows_signalled += n

        window.model.rows_arrived.connect(on_rows)
        probe = LagProbe(PROBE_INTERVAL)
        probe.start()
        await asyncio.sleep(1.0)
        idle = probe.take()
        rss_before, _ = rss_mib()
        load_core = 1 if (os.cpu_count() or 1) >= 2 and args.pin else None
        if load_core is not None:
            pin(os.getpid(), 0)
        chart_ok = 0
        if args.chart:
            chart_ok = await chart_phases(args, window, core.listener.url, probe, load_core)
        started = time.monotonic()
        proc = run_python_loadgen(
            core.listener.url + "/bench/gui",
            seconds=args.seconds,
            connections=args.connections,
            rate=args.rate,
            core=load_core,
        )
        # Waiting in a thread keeps the loop free; the generator stops by itself.
        load = await asyncio.to_thread(loadgen_result, proc, args.seconds + 60)
        elapsed = time.monotonic() - started
        busy = probe.take()
        await asyncio.sleep(0.5)  # the model's last coalesced insert
        rss_after, rss_peak = rss_mib()
        await probe.stop()
        rows = window.model.rowCount()
        stored = core.store.count()
        window.close()
        await core.stop()

    ok = load.ok
    print(
        f"gui-ingest: {args.seconds:g} s at {args.rate:g} req/s target, "
        f"{args.connections} connections, 1 KiB JSON POST, offscreen MainWindow on qasync "
        f"(load ran {elapsed:.1f} s; {'not ' if load_core is None else ''}pinned)"
    )
    print()
    print(f"{'':<28} {'idle':>9} {'under load':>11}")
    print(f"{'loop lag p50 (ms)':<28} {percentile(idle, 0.5):>9.1f} {percentile(busy, 0.5):>11.1f}")
    print(
        f"{'loop lag p99 (ms)':<28} {percentile(idle, 0.99):>9.1f} {percentile(busy, 0.99):>11.1f}"
    )
    print(f"{'loop lag max (ms)':<28} {max(idle, default=0):>9.1f} {max(busy, default=0):>11.1f}")
    print(f"{'lag samples':<28} {len(idle):>9} {len(busy):>11}")
    print()
    print(f"requests sent                {load.sent:>9,}")
    print(f"acknowledged (2xx)           {ok:>9,}   ({ok / load.seconds:,.0f} req/s achieved)")
    print(f"non-2xx / errors             {load.non_2xx:>9,} / {load.errors:,}")
    print(f"sent over 50 ms late         {load.late:>9,}   (load generator fell behind)")
    print(f"client p99 latency (ms)      {load.p99_ms:>9.1f}")
    print(f"captures in the store        {stored:>9,}")
    print(f"rows in the model            {rows:>9,}")
    print(
        f"model insert batches         {batches:>9,}   "
        f"({rows_signalled / batches if batches else 0:,.1f} rows per batch; coalesced, none dropped)"
    )
    print(f"RSS before / after / peak    {rss_before:>6.0f} / {rss_after:.0f} / {rss_peak:.0f} MiB")
    print()
    p99 = percentile(busy, 0.99)
    lossless = ok + chart_ok == stored == rows
    print(
        f"lag p99 {p99:.1f} ms, target < {TARGET_P99_MS:g} ms: "
        f"{'met' if p99 < TARGET_P99_MS else 'NOT met'}"
    )
    print(f"rows == stored == acknowledged: {'yes' if lossless else 'NO'}")
    rate_ok = ok / load.seconds >= 0.95 * args.rate
    print(f"kept up with {args.rate:g} req/s: {'yes' if rate_ok else 'NO'}")
    return 0 if lossless else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="load duration (default 30)")
    parser.add_argument("--rate", type=float, default=1000.0, help="requests/s (default 1000)")
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument(
        "--pin", action="store_true", help="app on core 0 only, load generator on core 1"
    )
    parser.add_argument(
        "--chart",
        action="store_true",
        help="first run the load with the Traffic chart hidden, then shown, side by side",
    )
    args = parser.parse_args()
    args.seconds = min(args.seconds, 600.0)
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    return int(qasync.run(bench(args)))


if __name__ == "__main__":
    sys.exit(main())
