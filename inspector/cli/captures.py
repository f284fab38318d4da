"""The commands about stored captures: ``list``, ``show``, ``replay``, ``export``,
``import``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from inspector.cli.common import (
    capture_line,
    open_store,
    out,
    running_listener,
    summary_json,
)
from inspector.core.capture import Capture
from inspector.core.errors import UserError
from inspector.core.origin import own_markers
from inspector.core.paths import ensure_data_dir
from inspector.core.store import CaptureFilter, CaptureStore
from inspector.core.words import plural


def cmd_list(args: argparse.Namespace, data_dir: Path) -> int:
    store = open_store(data_dir, must_exist=False)
    try:
        flt = CaptureFilter(text=args.search or "", vendor=args.vendor)
        captures = store.captures(limit=max(args.limit, 0), flt=flt)
    finally:
        store.close()
    if args.json:
        out(json.dumps([summary_json(c) for c in captures], ensure_ascii=False))
    else:
        if not captures:
            out("no captures", sys.stderr)
        for c in captures:
            out(capture_line(c))
    return 0


def raw_request(capture: Capture) -> bytes:
    """The request as received: request line, header lines, blank line, body."""
    head = [f"{capture.method} {capture.target} HTTP/1.1"]
    head += [f"{k}: {v}" for k, v in capture.headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode("utf-8", "surrogateescape") + capture.body_bytes


def cmd_show(args: argparse.Namespace, data_dir: Path) -> int:
    store = open_store(data_dir)
    try:
        capture = store.get(args.id)
    finally:
        store.close()
    if capture is None:
        raise UserError(
            f"no capture with id {args.id!r}, or it names several (see 'webhook-inspector list')"
        )
    if args.format == "json":
        out(json.dumps(capture.to_json(), ensure_ascii=False, indent=2))
    elif args.format == "raw":
        sys.stdout.flush()
        sys.stdout.buffer.write(raw_request(capture))
        sys.stdout.buffer.flush()
    elif args.format == "curl":
        from inspector.core.snippets import to_curl  # only this format needs it

        out(to_curl(capture, reveal=args.reveal_secrets))
    elif args.format == "har":
        from inspector.core.formats.har import export_har  # only this format needs it

        out(json.dumps(export_har([capture]), ensure_ascii=False, indent=2))
    return 0


async def _replay(args: argparse.Namespace, data_dir: Path) -> int:
    # Imported here: the other commands start faster without aiohttp.
    from inspector.net.replay import make_session, send_capture, target_url

    store = open_store(data_dir)
    try:
        capture = store.get(args.id)
        if capture is None:
            raise UserError(
                f"no capture with id {args.id!r}, or it names several (see 'webhook-inspector list')"
            )
        if capture.truncated:
            raise UserError(
                "this capture was truncated (over the body limit): it cannot be replayed faithfully"
            )
        markers: list[tuple[str, str]] = []
        if args.to:
            base = args.to
        else:
            base, token = running_listener(data_dir)
            markers = own_markers(token, replay_of=capture.id)
        try:
            url = target_url(base, capture)
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        async with make_session() as session:
            result = await send_capture(
                session, capture, url, timeout=args.timeout, marker_headers=markers
            )
        store.add_replay(result.to_replay_record(capture.id))
    finally:
        store.close()
    if result.error:
        raise UserError(f"replay to {url} failed: {result.error}")
    out(f"{result.status} from {url} in {result.latency_ms:.0f} ms")
    return 0


def cmd_replay(args: argparse.Namespace, data_dir: Path) -> int:
    return asyncio.run(_replay(args, data_dir))


def cmd_export(args: argparse.Namespace, data_dir: Path) -> int:
    from inspector.core.formats import write_export  # the other commands start faster without

    store = open_store(data_dir, must_exist=False)
    try:
        flt = CaptureFilter(text=args.search or "", vendor=args.vendor)
        total = store.count(flt)

        def full() -> Iterator[Capture]:
            # Read a few at a time and written one by one: memory stays bounded.
            return store.iter_captures(flt)

        if args.output:
            target = Path(args.output)
            tmp = target.with_name(f".{target.name}.partial")
            try:
                with open(tmp, "w", encoding="utf-8") as fh:
                    count = write_export(
                        full(),
                        fh,
                        args.format,
                        mask_secrets=args.mask_secrets,
                        total=total,
                    )
                tmp.replace(target)
            except OSError as exc:
                tmp.unlink(missing_ok=True)
                raise UserError(f"cannot write {target}: {exc.strerror}") from exc
            out(f"exported {plural(count, 'capture')} to {target}", sys.stderr)
        else:
            write_export(
                full(),
                sys.stdout,
                args.format,
                mask_secrets=args.mask_secrets,
                total=total,
            )
            sys.stdout.write("\n")
            sys.stdout.flush()
    finally:
        store.close()
    return 0


def cmd_import(args: argparse.Namespace, data_dir: Path) -> int:
    from inspector.core.formats import import_chunks  # the other commands start faster without

    path = Path(args.file)
    ensure_data_dir(data_dir)
    store = CaptureStore.in_dir(data_dir)
    added = read = 0
    size = path.stat().st_size if path.is_file() else 0
    show_progress = sys.stderr.isatty() and size > 16 * 1024 * 1024

    def progress(done: int, total: int) -> None:
        if show_progress:
            sys.stderr.write(f"\rimporting {100 * done // max(total, 1)} %")
            sys.stderr.flush()

    try:
        # Read incrementally and stored in chunks, each its own transaction: memory stays
        # bounded, an interrupted import keeps what it stored, and importing the same file
        # again adds only the rest.
        for chunk in import_chunks(path, on_progress=progress):
            added += store.import_captures(chunk)
            read += len(chunk)
        if show_progress:
            sys.stderr.write("\n")
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise UserError(f"{path}: {exc}" + _kept(added)) from exc
    finally:
        store.close()
    skipped = read - added
    extra = f" ({skipped} already in the store)" if skipped else ""
    out(f"imported {plural(added, 'capture')} from {path}{extra}")
    return 0


def _kept(added: int) -> str:
    return f" ({added} captures before it were imported)" if added else ""
