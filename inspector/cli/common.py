"""What the commands share: printing, opening the store and the endpoints, the summary
line of a capture, and finding the running listener."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from inspector.core.capture import Capture
from inspector.core.endpoints import EndpointTable
from inspector.core.errors import UserError
from inspector.core.paths import RuntimeInfo, ensure_data_dir
from inspector.core.store import STORE_FILENAME, CaptureStore


def out(text: str, stream: TextIO | None = None) -> None:
    """One line to ``stream`` (default: standard output), flushed at once."""
    stream = stream or sys.stdout
    stream.write(text + "\n")
    stream.flush()


def open_store(data_dir: Path, *, must_exist: bool = True) -> CaptureStore:
    if must_exist and not (data_dir / STORE_FILENAME).exists():
        raise UserError(
            f"no captures yet in {data_dir} (start 'webhook-inspector serve' or the app first)"
        )
    return CaptureStore.in_dir(data_dir)


def capture_line(capture: Capture) -> str:
    """The one-line human summary ``serve`` prints and ``list`` shows."""
    status = capture.response.status if capture.response else "-"
    vendor = capture.vendor or "-"
    valid = capture.validation.result
    flag = " TRUNCATED" if capture.truncated else ""
    return (
        f"{capture.received_text}  {capture.id}  {capture.method.ljust(7)} "
        f"{capture.target}  -> {status}  {vendor}  {valid}  {capture.body_size} B{flag}"
    )


def summary_json(capture: Capture) -> dict[str, Any]:
    """A capture without its body, as ``list --json`` and ``serve --json`` print it."""
    return capture.to_json(include_body=False)


def endpoint_table(data_dir: Path) -> EndpointTable:
    ensure_data_dir(data_dir)
    try:
        return EndpointTable.load(data_dir)
    except ValueError as exc:
        raise UserError(str(exc)) from exc


def running_listener(data_dir: Path) -> tuple[str, str | None]:
    """The URL and run token of the listener running on this data directory (from its
    user-only ``listener.json``), or a UserError saying none is."""
    running = RuntimeInfo.load_running(data_dir)
    if running is None:
        raise UserError(
            "no listener is running on this data directory; start "
            "'webhook-inspector serve' (or the app), or give --to URL"
        )
    return running.url, running.token
