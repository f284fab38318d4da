"""The commands that run the app: ``serve`` (headless listener and tunnel) and ``gui``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path

from inspector.cli.common import capture_line, out, summary_json
from inspector.core.capture import Capture
from inspector.core.errors import UserError


async def _serve(args: argparse.Namespace, data_dir: Path) -> int:
    # Imported here: the other commands start faster without aiohttp.
    from inspector.app import AppCore
    from inspector.net.listener import DEFAULT_BODY_LIMIT

    if args.max_body is not None and args.max_body < 0:
        raise UserError("--max-body must be 0 or more bytes")
    try:
        core = AppCore(
            data_dir,
            host=args.host,
            port=args.port,
            body_limit=args.max_body if args.max_body is not None else DEFAULT_BODY_LIMIT,
            kind="serve",
            forward_url=args.forward,
            ngrok_path=args.ngrok_path,
        )
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    # Handlers first: a SIGTERM right after "listening on" must still stop us cleanly.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await core.start()
    except UserError:
        core.store.close()
        raise
    except ValueError as exc:
        core.store.close()
        raise UserError(str(exc)) from exc

    def print_capture(captures: list[Capture]) -> None:
        # One write and one flush per committed batch, not per capture: under load a
        # flush per line cost a system call per request.
        if args.json:
            lines = [json.dumps(summary_json(c), ensure_ascii=False) for c in captures]
        else:
            lines = [capture_line(c) for c in captures]
        out("\n".join(lines))

    core.on_capture(print_capture)
    core.warned.connect(lambda message: out(f"warning: {message}", sys.stderr))
    core.indexer.lines.connect(lambda line: out(line, sys.stderr))
    out(f"listening on {core.listener.url}")
    if not args.no_tunnel:
        from inspector.net.tunnel import TunnelState, TunnelStatus

        def print_tunnel(status: TunnelStatus) -> None:
            # One line per change that matters; the listener keeps running whatever happens.
            if status.state is TunnelState.ONLINE and status.public_url:
                out(f"public URL {status.public_url}")
                if core.url_changed_from:
                    out(
                        f"note: the public URL changed (was {core.url_changed_from}); "
                        "update the webhook URL registered at your vendors"
                    )
                if status.warning:
                    out(f"note: {status.warning}", sys.stderr)
            elif status.state is TunnelState.ERROR:
                reason = (status.reason or "unknown error").rstrip(". ")
                out(f"tunnel: {reason}; still listening locally", sys.stderr)

        core.tunnel.subscribe(print_tunnel)
        tunnel_task = asyncio.ensure_future(core.start_tunnel())
    else:
        tunnel_task = None
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        if tunnel_task is not None and not tunnel_task.done():
            tunnel_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await tunnel_task
        await core.stop()
    return 0


def cmd_serve(args: argparse.Namespace, data_dir: Path) -> int:
    return asyncio.run(_serve(args, data_dir))


def has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal", "vnc"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_gui(args: argparse.Namespace, data_dir: Path) -> int:
    if not has_display():
        raise UserError(
            "no display available for the desktop app; "
            "run 'webhook-inspector serve' for the headless listener"
        )
    try:
        from inspector.desktop import run_gui
    except ImportError as exc:
        raise UserError(
            f"the desktop app cannot start: {exc}; 'webhook-inspector serve' works without it"
        ) from exc
    return run_gui(data_dir, port=args.port)
