"""Instructions per request: ``serve`` against the bare aiohttp server, counted by callgrind.

The throughput figures of ``throughput.py`` move by 20-40 % from one minute to the next on a
shared machine; instruction counts do not. Each server runs under ``valgrind
--tool=callgrind`` (user-space instructions of every thread of the process), once with N1
and once with N2 requests of the throughput load (the same 1 KiB JSON POST, head and body in
one write as wrk sends them, on 50 keep-alive connections); start-up and shutdown cancel
out in the difference, which is divided by N2 - N1.

What it does not count: the kernel's work (system calls, fsync, the network) and the cost
of cache misses and context switches, so it reads ``serve`` more favourably than
``throughput.py`` does (docs/performance.md compares the two). ``serve``'s batches of
captures per commit depend on timing, so its figure moves by about 2 % between runs; the
bare server's by well under 1 %. Each figure is the median of ``--repeat`` pairs of runs.

Run:  .venv/bin/python bench/instructions.py [--servers bare,serve] [--base REV] [--repeat 3]

``--base REV`` adds ``serve`` from a git revision (in a temporary worktree, as
``ab_serve.py`` does), so a change is judged by B/A instructions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from ab_serve import worktree
from throughput import REPO, json_body, server_command

CONNECTIONS = 50


async def send(url: str, count: int, connections: int = CONNECTIONS) -> int:
    """``count`` POSTs as wrk makes them; returns how many were answered 2xx."""
    target = urlsplit(url)
    body = json_body()
    request = (
        f"POST {target.path} HTTP/1.1\r\nHost: {target.netloc}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    left = count
    ok = 0

    async def connection() -> None:
        nonlocal left, ok
        reader, writer = await asyncio.open_connection(target.hostname, target.port)
        try:
            while left > 0:
                left -= 1
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length:\s*(\d+)", head)
                await reader.readexactly(int(length.group(1)) if length else 0)
                ok += head.startswith((b"HTTP/1.1 2", b"HTTP/1.0 2"))
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return ok


def counted_run(kind: str, checkout: Path, requests: int) -> int:
    """Total instructions of one server process that answered ``requests`` requests."""
    with tempfile.TemporaryDirectory(prefix="bench-instr-") as tmp:
        data_dir = Path(tmp)
        out = data_dir / "callgrind.out"
        log_path = data_dir / "server.log"
        cmd = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            "--dump-instr=no",
            *server_command(kind, data_dir),
        ]
        with open(log_path, "w") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=checkout)
        try:
            url = ""
            deadline = time.monotonic() + 300  # Python starts ~50 times slower under valgrind
            while not url and time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise RuntimeError(f"{kind} exited early: {log_path.read_text()[-800:]}")
                match = re.search(r"listening on (http://\S+)", log_path.read_text())
                url = match.group(1) if match else ""
                time.sleep(0.2)
            if not url:
                raise RuntimeError(f"{kind} did not start under valgrind within 300 s")
            ok = asyncio.run(send(url + "/bench/hook", requests))
            if ok != requests:
                raise RuntimeError(f"{kind}: {requests - ok} of {requests} requests not 2xx")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        match = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.MULTILINE)
        if match is None:
            raise RuntimeError(f"no callgrind totals for {kind}")
        return int(match.group(1))


def per_request(kind: str, checkout: Path, low: int, high: int) -> float:
    return (counted_run(kind, checkout, high) - counted_run(kind, checkout, low)) / (high - low)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", default="bare,serve", help="comma-separated: bare, serve")
    parser.add_argument("--base", help="also count serve from this git revision")
    parser.add_argument("--repeat", type=int, default=3, help="pairs of runs per server")
    parser.add_argument("--low", type=int, default=300, help="requests of the short run")
    parser.add_argument("--high", type=int, default=1300, help="requests of the long run")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    kinds = [k.strip() for k in args.servers.split(",") if k.strip()]
    if any(k not in ("bare", "serve") for k in kinds) or (not kinds and not args.base):
        print("--servers takes bare and/or serve", file=sys.stderr)
        return 2
    print(
        f"instructions per request (callgrind, user space): {args.repeat} x "
        f"({args.high} - {args.low} requests), {CONNECTIONS} connections, 1 KiB JSON POST"
    )
    results: dict[str, list[float]] = {}
    with contextlib.ExitStack() as stack:
        sides = [(k, REPO) for k in kinds]
        if args.base:
            base = stack.enter_context(worktree(args.base))
            sides.append((f"serve@{args.base}", base))
        for n in range(args.repeat):
            for name, checkout in sides if n % 2 == 0 else list(reversed(sides)):
                kind = "bare" if name == "bare" else "serve"
                value = per_request(kind, checkout, args.low, args.high)
                results.setdefault(name, []).append(value)
                print(f"  {name:<14} {value:>10,.0f}", flush=True)
    print()
    medians = {name: statistics.median(values) for name, values in results.items()}
    for name, value in medians.items():
        spread = f"{min(results[name]):,.0f}-{max(results[name]):,.0f}"
        print(f"{name:<14} median {value:>10,.0f}  (runs {spread})")
    if "bare" in medians and "serve" in medians:
        print(
            f"bare/serve (the throughput ratio if instructions were all): "
            f"{medians['bare'] / medians['serve']:.2f}"
        )
    base_name = f"serve@{args.base}" if args.base else ""
    if base_name in medians and "serve" in medians:
        print(
            f"serve B/A (working tree / {args.base}): {medians['serve'] / medians[base_name]:.3f}"
        )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")  # same dict layouts in every run
    sys.exit(main())
