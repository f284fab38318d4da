"""Throughput: headless ``serve`` (persistence on) against a bare aiohttp server, side by side.

What it measures (docs/performance.md, issue 7): requests per second for the same load,
1 KiB JSON POSTs over 50 keep-alive connections for N seconds per round, alternating a bare
aiohttp server (a handler that reads the body and answers 200 JSON) and
``python -m inspector serve --port 0 --no-tunnel`` on a fresh temporary data directory. Both
servers run as separate processes. After each ``serve`` round the process is stopped with
SIGTERM and the store is opened to check that every request acknowledged with a 2xx is in it.
Target: serve / bare >= 0.5.

The load comes from ``wrk`` when it is installed (a small Lua script makes the POST and
counts 2xx answers), else from this file's own bounded aiohttp load generator in a separate
process (``throughput.py loadgen``; it also serves ``gui_ingest.py`` and ``large_body.py``).
On a machine with two or more cores the server is pinned to core 0 and the load generator
to core 1, so they do not steal each other's CPU.

Run:  .venv/bin/python bench/throughput.py [--seconds 5] [--rounds 3] [--loadgen auto|wrk|python]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BODY_SIZE = 1024
TARGET_RATIO = 0.5

WRK_LUA = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BENCH_BODY")
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; bad = 0 end
function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local o, b = 0, 0
  for _, t in ipairs(threads) do o = o + t:get("ok"); b = b + t:get("bad") end
  io.write(string.format("BENCH ok=%d bad=%d errors=%d p99_us=%d\n", o, b,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, latency:percentile(99)))
end
"""


def json_body(size: int = BODY_SIZE, seq: int = 0) -> bytes:
    """A webhook-like JSON object of exactly ``size`` bytes."""
    head = {"event": "task.updated", "task_id": 100000 + seq, "status": "done", "pad": ""}
    base = len(json.dumps(head, separators=(",", ":")).encode())
    head["pad"] = "x" * max(0, size - base)
    return json.dumps(head, separators=(",", ":")).encode()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far, from /proc (None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int | str = "self") -> tuple[float, float]:
    """(current RSS, peak RSS) of a process in MiB, from /proc."""
    values = {"VmRSS": 0.0, "VmHWM": 0.0}
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(":", 1)[0]
            if key in values:
                values[key] = int(line.split()[1]) / 1024
    return values["VmRSS"], values["VmHWM"]


def pin(pid: int, core: int) -> None:
    """Pin a process to one core when the machine has it (a no-op elsewhere)."""
    if hasattr(os, "sched_setaffinity") and core < (os.cpu_count() or 1):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(pid, {core})


# -- the bounded Python load generator ---------------------------------------------------


@dataclass
class LoadResult:
    """What a load run saw; 2xx answers are what the server acknowledged."""

    sent: int = 0
    ok: int = 0
    non_2xx: int = 0
    errors: int = 0
    seconds: float = 0.0
    late: int = 0  # rate mode: requests sent over 50 ms after their slot
    p99_ms: float = 0.0


async def generate_load(
    url: str,
    *,
    seconds: float,
    connections: int,
    rate: float = 0.0,
    max_requests: int = 2_000_000,
    body_size: int = BODY_SIZE,
) -> LoadResult:
    """POST JSON bodies to ``url`` on ``connections`` keep-alive connections.

    Closed loop (as fast as answers come) when ``rate`` is 0, else open loop at ``rate``
    requests/s. Stops issuing at ``seconds`` or ``max_requests``, then waits for the requests
    in flight (at most 10 s), so every request is either answered or counted as an error.
    """
    import aiohttp

    result = LoadResult()
    latencies: list[float] = []
    body = json_body(body_size)
    headers = {"Content-Type": "application/json"}
    loop = asyncio.get_running_loop()
    start = loop.time()
    deadline = start + seconds
    slot = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal slot
        while result.sent < max_requests:
            now = loop.time()
            if rate > 0:
                due = start + slot / rate
                slot += 1
                if due >= deadline:
                    return
                if due > now:
                    await asyncio.sleep(due - now)
                elif now - due > 0.05:
                    result.late += 1
            elif now >= deadline:
                return
            result.sent += 1
            t0 = loop.time()
            try:
                async with session.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    if 200 <= resp.status < 300:
                        result.ok += 1
                    else:
                        result.non_2xx += 1
            except (TimeoutError, aiohttp.ClientError, OSError):
                result.errors += 1
            latencies.append(loop.time() - t0)

    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    timeout = aiohttp.ClientTimeout(total=seconds + 10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(connections)))
    result.seconds = loop.time() - start
    if latencies:
        latencies.sort()
        result.p99_ms = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return result


def run_python_loadgen(
    url: str,
    *,
    seconds: float,
    connections: int,
    rate: float = 0.0,
    core: int | None = None,
    body_size: int = BODY_SIZE,
) -> subprocess.Popen[str]:
    """Start ``throughput.py loadgen`` in its own process; its last stdout line is JSON."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "loadgen",
        "--url",
        url,
        "--seconds",
        str(seconds),
        "--connections",
        str(connections),
        "--rate",
        str(rate),
        "--body-size",
        str(body_size),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    if core is not None:
        pin(proc.pid, core)
    return proc


def loadgen_result(proc: subprocess.Popen[str], timeout: float) -> LoadResult:
    out, _ = proc.communicate(timeout=timeout)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"load generator failed (exit {proc.returncode}): {out[-500:]}")
    return LoadResult(**json.loads(lines[-1]))


def run_wrk(url: str, *, seconds: float, connections: int, core: int | None) -> LoadResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_LUA)
        script = f.name
    try:
        cmd = [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            script,
            url,
        ]
        if core is not None and shutil.which("taskset") and (os.cpu_count() or 1) > core:
            cmd = ["taskset", "-c", str(core), *cmd]
        env = {**os.environ, "BENCH_BODY": json_body().decode()}
        started = time.monotonic()
        done = subprocess.run(
            cmd, capture_output=True, text=True, env=env, timeout=seconds + 30, check=False
        )
        elapsed = time.monotonic() - started
    finally:
        os.unlink(script)
    match = re.search(r"BENCH ok=(\d+) bad=(\d+) errors=(\d+) p99_us=(\d+)", done.stdout)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed: {done.stdout[-500:]} {done.stderr[-500:]}")
    ok, bad, errors, p99_us = (int(g) for g in match.groups())
    duration = re.search(r"requests in ([\d.]+)(m?s)", done.stdout)
    seconds_run = elapsed
    if duration:
        seconds_run = float(duration.group(1)) / (1000 if duration.group(2) == "ms" else 1)
    return LoadResult(
        sent=ok + bad + errors,
        ok=ok,
        non_2xx=bad,
        errors=errors,
        seconds=seconds_run,
        p99_ms=p99_us / 1000,
    )


# -- the servers under test ---------------------------------------------------------------


async def bare_server(port: int) -> None:
    """The reference: aiohttp with a trivial handler that reads the body, answers 200 JSON."""
    from aiohttp import web

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response({"ok": True, "size": len(body)})

    app = web.Application(client_max_size=25 * 1024 * 1024 + 1)
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    print(f"listening on http://127.0.0.1:{site.port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def server_command(kind: str, data_dir: Path) -> list[str]:
    """The command line of the bare server or of ``serve`` on ``data_dir``."""
    if kind == "bare":
        return [sys.executable, str(Path(__file__).resolve()), "bare-server"]
    return [
        sys.executable,
        "-m",
        "inspector",
        "--data-dir",
        str(data_dir),
        "serve",
        "--port",
        "0",
        "--no-tunnel",
    ]


@contextlib.contextmanager
def server_process(
    kind: str, data_dir: Path, core: int | None, checkout: Path = REPO
) -> Iterator[tuple[str, int]]:
    """Start the bare server or ``serve`` (from ``checkout``: ``-m`` imports from the
    working directory first); yield its URL and pid; SIGTERM it on exit."""
    log = data_dir / f"{kind}.out"
    cmd = server_command(kind, data_dir)
    # serve prints a line per capture: a file never fills up and blocks it, as a pipe would.
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=checkout)
    if core is not None:
        pin(proc.pid, core)
    try:
        url = ""
        deadline = time.monotonic() + 20
        while not url and time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{kind} exited early: {log.read_text()[-1000:]}")
            match = re.search(r"listening on (http://\S+)", log.read_text())
            url = match.group(1) if match else ""
            time.sleep(0.05)
        if not url:
            raise RuntimeError(f"{kind} did not start within 20 s")
        yield url, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
            print(f"  ! {kind} did not stop within 10 s of SIGTERM (killed)")
        if code != 0:
            print(f"  ! {kind} exited {code}: {log.read_text()[-300:]}")


def stored_count(data_dir: Path) -> int:
    sys.path.insert(0, str(REPO))
    from inspector.core.store import CaptureStore

    store = CaptureStore.in_dir(data_dir)
    try:
        return store.count()
    finally:
        store.close()


# -- the benchmark ------------------------------------------------------------------------


@dataclass
class Round:
    n: int
    kind: str
    load: LoadResult
    stored: int | None = None
    #: the server's CPU time (user + system) per acknowledged request, when /proc has it
    cpu_us: float | None = None

    @property
    def rps(self) -> float:
        return self.load.ok / self.load.seconds if self.load.seconds else 0.0


def one_round(
    n: int, kind: str, args: argparse.Namespace, use_wrk: bool, checkout: Path = REPO
) -> Round:
    multi = (os.cpu_count() or 1) >= 2 and not args.no_pin
    server_core, load_core = (0, 1) if multi else (None, None)
    with tempfile.TemporaryDirectory(prefix=f"bench-{kind}-") as tmp:
        data_dir = Path(tmp)
        with server_process(kind, data_dir, server_core, checkout) as (url, pid):
            target = url + "/bench/hook"
            time.sleep(0.3)
            cpu_before = cpu_seconds(pid)
            if use_wrk:
                load = run_wrk(
                    target, seconds=args.seconds, connections=args.connections, core=load_core
                )
            else:
                proc = run_python_loadgen(
                    target, seconds=args.seconds, connections=args.connections, core=load_core
                )
                load = loadgen_result(proc, timeout=args.seconds + 60)
            cpu_after = cpu_seconds(pid)
        stored = stored_count(data_dir) if kind == "serve" else None
    cpu_us = None
    if cpu_before is not None and cpu_after is not None and load.ok:
        cpu_us = (cpu_after - cpu_before) / load.ok * 1e6
    return Round(n, kind, load, stored, cpu_us)


def main_bench(args: argparse.Namespace) -> int:
    have_wrk = shutil.which("wrk") is not None
    use_wrk = args.loadgen == "wrk" or (args.loadgen == "auto" and have_wrk)
    if use_wrk and not have_wrk:
        print("wrk is not installed (apt-get install wrk), use --loadgen python", file=sys.stderr)
        return 2
    gen = "wrk (2 threads)" if use_wrk else "python aiohttp load generator (1 process)"
    print(
        f"throughput: {args.rounds} rounds x {args.seconds:g} s, {args.connections} connections, "
        f"{BODY_SIZE} B JSON POST, load from {gen}, cores: {os.cpu_count()}"
    )
    rounds: list[Round] = []
    for n in range(1, args.rounds + 1):
        order = ("bare", "serve") if n % 2 else ("serve", "bare")
        for kind in order:
            rounds.append(one_round(n, kind, args, use_wrk))
            r = rounds[-1]
            print(f"  round {n} {kind:<5} {r.rps:>9,.0f} req/s", flush=True)
    print()
    print(
        f"{'round':>5} {'server':<6} {'req/s':>9} {'2xx':>8} {'non-2xx':>8} {'errors':>7} "
        f"{'p99 ms':>7} {'stored':>8} {'check':>6} {'CPU us/req':>10}"
    )
    all_ok = True
    for r in rounds:
        check = ""
        stored = "-"
        if r.stored is not None:
            stored = f"{r.stored:,}"
            # wrk cuts requests in flight at the end: those may be stored without an answer
            # reaching wrk (at most one per connection). Fewer stored than 2xx is a loss.
            slack = args.connections if use_wrk else 0
            good = r.load.ok <= r.stored <= r.load.ok + slack
            check = "ok" if good else "LOST" if r.stored < r.load.ok else "extra"
            all_ok &= good
        cpu = f"{r.cpu_us:,.0f}" if r.cpu_us is not None else "-"
        print(
            f"{r.n:>5} {r.kind:<6} {r.rps:>9,.0f} {r.load.ok:>8,} {r.load.non_2xx:>8,} "
            f"{r.load.errors:>7,} {r.load.p99_ms:>7.1f} {stored:>8} {check:>6} {cpu:>10}"
        )
    bare = statistics.median(r.rps for r in rounds if r.kind == "bare")
    serve = statistics.median(r.rps for r in rounds if r.kind == "serve")
    ratio = serve / bare if bare else 0.0
    pairs = [
        s.rps / b.rps
        for b in rounds
        for s in rounds
        if b.kind == "bare" and s.kind == "serve" and b.n == s.n and b.rps
    ]
    print()
    print(f"median bare   {bare:>9,.0f} req/s")
    print(f"median serve  {serve:>9,.0f} req/s")
    cpu_bare = [r.cpu_us for r in rounds if r.kind == "bare" and r.cpu_us is not None]
    cpu_serve = [r.cpu_us for r in rounds if r.kind == "serve" and r.cpu_us is not None]
    if cpu_bare and cpu_serve:
        print(
            f"median CPU per acknowledged request: bare {statistics.median(cpu_bare):,.0f} us, "
            f"serve {statistics.median(cpu_serve):,.0f} us"
        )
    print(
        f"ratio serve/bare {ratio:.2f} (per round: {', '.join(f'{p:.2f}' for p in pairs)}); "
        f"target >= {TARGET_RATIO}: {'met' if ratio >= TARGET_RATIO else 'NOT met'}"
    )
    print(f"stored == acknowledged (2xx): {'yes' if all_ok else 'NO'}")
    if not use_wrk:
        print(
            "note: one Python load-generator process may saturate before the bare server does; "
            "install wrk for a sharper figure"
        )
    return 0 if all_ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    parser.add_argument("--seconds", type=float, default=5.0, help="per round (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per server (default 3)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--no-pin", action="store_true", help="do not pin processes to cores")
    lg = sub.add_parser("loadgen", help="internal: the bounded Python load generator")
    lg.add_argument("--url", required=True)
    lg.add_argument("--seconds", type=float, default=5.0)
    lg.add_argument("--connections", type=int, default=50)
    lg.add_argument("--rate", type=float, default=0.0, help="requests/s (0: as fast as possible)")
    lg.add_argument("--body-size", type=int, default=BODY_SIZE)
    sub.add_parser("bare-server", help="internal: the reference aiohttp server")
    args = parser.parse_args()
    if args.command == "loadgen":
        seconds = min(args.seconds, 600.0)  # bounded whatever is asked
        result = asyncio.run(
            generate_load(
                args.url,
                seconds=seconds,
                connections=args.connections,
                rate=args.rate,
                body_size=args.body_size,
            )
        )
        print(json.dumps(result.__dict__), flush=True)
        return 0
    if args.command == "bare-server":
        asyncio.run(bare_server(0))
        return 0
    return main_bench(args)


if __name__ == "__main__":
    sys.exit(main())
