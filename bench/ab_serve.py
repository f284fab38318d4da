"""A/B: ``serve`` from another git revision against the working tree, in alternating rounds.

For judging a change to the request path (listener, writer, store). The machine drifts by
20-40 % within the hour, and ``serve`` and a bare server do not drift together, so a change
is compared with the code before it, round by round, under the same load as
``throughput.py`` (wrk or the Python load generator, 1 KiB JSON POSTs on 50 connections,
server pinned to core 0). Each round prints requests/s and the server's CPU time per
acknowledged request; the summary gives medians and the ratio B/A per round.

Run:  .venv/bin/python bench/ab_serve.py [--base HEAD] [--rounds 6] [--seconds 6]

A is ``--base`` (checked out into a temporary git worktree, removed afterwards); B is the
working tree as it is, uncommitted changes included.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from throughput import REPO, Round, one_round


@contextlib.contextmanager
def worktree(rev: str) -> Iterator[Path]:
    """A detached checkout of ``rev`` in a temporary directory."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-ab-"))
    path = tmp / "checkout"
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(path), rev],
        check=True,
    )
    try:
        yield path
    finally:
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)], check=False
        )
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="HEAD", help="git revision for A (default HEAD)")
    parser.add_argument("--rounds", type=int, default=6, help="rounds per side (default 6)")
    parser.add_argument("--seconds", type=float, default=6.0, help="per round (default 6)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--no-pin", action="store_true", help="do not pin processes to cores")
    parser.add_argument(
        "--bare",
        action="store_true",
        help="also run the bare aiohttp server each round: serve/bare for A and for B",
    )
    args = parser.parse_args()
    have_wrk = shutil.which("wrk") is not None
    use_wrk = args.loadgen == "wrk" or (args.loadgen == "auto" and have_wrk)
    if use_wrk and not have_wrk:
        print("wrk is not installed (apt-get install wrk), use --loadgen python", file=sys.stderr)
        return 2
    rev = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", args.base],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"A/B serve: A = {args.base} ({rev}), B = working tree; {args.rounds} rounds each")
    pairs: list[tuple[Round, Round]] = []
    bares: list[Round] = []
    with worktree(args.base) as base:
        for n in range(1, args.rounds + 1):
            sides = [("A", base), ("B", REPO)] + ([("bare", REPO)] if args.bare else [])
            if n % 2 == 0:
                sides.reverse()
            got = {}
            for name, checkout in sides:
                kind = "bare" if name == "bare" else "serve"
                got[name] = one_round(n, kind, args, use_wrk, checkout)
            a, b = got["A"], got["B"]
            pairs.append((a, b))
            line = (
                f"  round {n}: A {a.rps:>7,.0f} req/s {_cpu(a):>6} | "
                f"B {b.rps:>7,.0f} req/s {_cpu(b):>6} | B/A {b.rps / a.rps if a.rps else 0:.2f}"
            )
            if "bare" in got and got["bare"].rps:
                bare = got["bare"]
                bares.append(bare)
                line += (
                    f" | bare {bare.rps:>7,.0f} {_cpu(bare):>6}: "
                    f"A/bare {a.rps / bare.rps:.2f}, B/bare {b.rps / bare.rps:.2f}"
                )
            print(line, flush=True)
    ratios = sorted(b.rps / a.rps for a, b in pairs if a.rps)
    print()
    print(f"median A {statistics.median(a.rps for a, _ in pairs):>9,.0f} req/s")
    print(f"median B {statistics.median(b.rps for _, b in pairs):>9,.0f} req/s")
    cpu_a = [a.cpu_us for a, _ in pairs if a.cpu_us is not None]
    cpu_b = [b.cpu_us for _, b in pairs if b.cpu_us is not None]
    if cpu_a and cpu_b:
        print(
            f"median CPU per acknowledged request: A {statistics.median(cpu_a):,.0f} us, "
            f"B {statistics.median(cpu_b):,.0f} us"
        )
    if ratios:
        print(
            f"B/A per round, sorted: {', '.join(f'{r:.2f}' for r in ratios)}; "
            f"median {statistics.median(ratios):.2f}"
        )
    if bares:
        for name, side in (("A", 0), ("B", 1)):
            per_round = [p[side].rps / bare.rps for p, bare in zip(pairs, bares, strict=True)]
            print(
                f"{name}/bare per round: {', '.join(f'{r:.2f}' for r in per_round)}; "
                f"median {statistics.median(per_round):.2f}"
            )
    lost = [r for pair in pairs for r in pair if r.stored is not None and r.stored < r.load.ok]
    print(f"stored >= acknowledged (2xx) in every round: {'no' if lost else 'yes'}")
    return 1 if lost else 0


def _cpu(r: Round) -> str:
    return f"{r.cpu_us:,.0f}us" if r.cpu_us is not None else "-"


if __name__ == "__main__":
    raise SystemExit(main())
