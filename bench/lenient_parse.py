"""How the time to process a text body grows with its size (lenient, non-JSON parsing).

Text bodies up to ``LENIENT_LIMIT`` are searched for vendor fields with regular
expressions; one that backtracked made a 100 kB body hang the listener. For each run of
characters that provoked it (the bodies of tests/core/test_pipeline.py), this times
``process_capture`` on bodies of 1/8, 1/4, 1/2 and all of the limit and prints the time
and its growth from the size before: about 2 when the parsing is linear, 4 when it is
quadratic. Exits 1 when a growth is over 3.

Run:  .venv/bin/python bench/lenient_parse.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inspector.core.capture import Capture
from inspector.core.pipeline import process_capture
from inspector.core.vendors.base import LENIENT_LIMIT

RUNS = {"letters": b"y", "words": b"a ", "keys": b"k=", "quotes": b"'x", "commas": b",k"}
HEAD = b"file_id=F-7\nfile_status=done\n"
TAIL = b"\nanonymized_link=https://cdn.example/a.jpg"
WORST_LINEAR_GROWTH = 3.0


def body_of(run: bytes, size: int) -> bytes:
    return HEAD + run * ((size - len(HEAD) - len(TAIL)) // len(run)) + TAIL


def seconds_to_process(body: bytes, repeat: int) -> float:
    """The shortest time of ``process_capture`` over ``repeat`` fresh captures (the
    least disturbed by other work on the machine)."""
    times = []
    for _ in range(repeat):
        # A new bytes object each time: the parsed view of the last body is cached.
        capture = Capture(
            method="POST",
            path="/bench",
            headers=[("Content-Type", "text/plain")],
            body=bytes(bytearray(body)),
        )
        started = time.perf_counter()
        process_capture(capture, None)
        times.append(time.perf_counter() - started)
        assert capture.vendor == "celantur-v1", "the body was not parsed whole"
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    sizes = [LENIENT_LIMIT // 8, LENIENT_LIMIT // 4, LENIENT_LIMIT // 2, LENIENT_LIMIT]
    print(f"{'run':8} " + " ".join(f"{s // 1024:>6} KiB" for s in sizes) + "   growth per doubling")
    worst = 0.0
    for name, run in RUNS.items():
        times = [seconds_to_process(body_of(run, size), args.repeat) for size in sizes]
        growth = [b / a for a, b in itertools.pairwise(times)]
        worst = max(worst, *growth)
        print(
            f"{name:8} "
            + " ".join(f"{t * 1000:7.1f} ms" for t in times)
            + "   "
            + " ".join(f"{g:.2f}" for g in growth)
        )
    verdict = "linear" if worst <= WORST_LINEAR_GROWTH else "NOT linear"
    print(f"largest growth per doubling: {worst:.2f} ({verdict}; linear is about 2)")
    return 0 if worst <= WORST_LINEAR_GROWTH else 1


if __name__ == "__main__":
    sys.exit(main())
