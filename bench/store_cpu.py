"""CPU per capture of the store as the listener writes it: ``CaptureStore.add_many`` in
batches of 20 (the bench's 1 KiB JSON webhooks), then indexing them for search as the
writer does when idle (``CaptureStore.index_tail``, 500 per step). Process CPU time,
best of ``--repeat`` runs on a fresh store each.

Run:  .venv/bin/python bench/store_cpu.py [--captures 5000] [--repeat 3]
Another revision's store: ``git archive REV inspector | tar -x -C DIR`` and run it with
``PYTHONPATH=DIR`` (what it lacks, e.g. ``index_tail``, is skipped).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from throughput import json_body

from inspector.core.capture import Capture
from inspector.core.store import CaptureStore

HEADERS = [("Content-Type", "application/json"), ("User-Agent", "bench"), ("Host", "127.0.0.1")]


def once(count: int) -> tuple[float, float]:
    captures = [
        Capture(method="POST", path=f"/hook/{i % 13}", headers=HEADERS, body=json_body(seq=i))
        for i in range(count)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        store = CaptureStore.in_dir(Path(tmp))
        try:
            started = time.process_time()
            for start in range(0, count, 20):
                store.add_many(captures[start : start + 20], emit=False)
            stored = time.process_time()
            # An older revision (PYTHONPATH) may have no index, or index in add_many.
            while hasattr(store, "index_tail") and store.index_tail(500):
                pass
            indexed = time.process_time()
        finally:
            store.close()
    return (stored - started) / count * 1e6, (indexed - stored) / count * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--captures", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = [once(args.captures) for _ in range(args.repeat)]
    print(f"CPU per capture, {args.captures:,} captures, best of {args.repeat}:")
    print(f"  add_many (batches of 20)   {min(r[0] for r in runs):6.0f} µs")
    print(f"  index_tail (steps of 500)  {min(r[1] for r in runs):6.0f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
