"""The command line: ``webhook-inspector [--data-dir DIR] [COMMAND ...]`` (SPEC.md section 4).

Exit status: 0 on success, 2 for usage errors, 1 for anything else, always with one clear
line on stderr; a traceback goes to the log file in the data directory, never to the user.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import functools
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from inspector import __version__
from inspector.core.capture import Capture
from inspector.core.paths import DataDirError, resolve_data_dir
from inspector.core.store import STORE_FILENAME, CaptureFilter, CaptureStore, StoreError

log = logging.getLogger("inspector")
IMPORT_CHUNK = 1000
VENDOR_CHOICES = ("celantur", "celantur-v1", "blurit", "anesya", "generic")


class UserError(Exception):
    """A failure explained in one line to the user (exit status 1)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n(see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="webhook-inspector",
        description="Capture, validate, replay and forward vendor webhooks.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--data-dir", help="where captures, endpoints and settings live")
    sub = p.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    g = sub.add_parser("gui", help="the desktop app (default)")
    g.add_argument("--port", type=int, help="listener port (default from settings)")

    s = sub.add_parser("serve", help="headless listener (and tunnel unless --no-tunnel)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    s.add_argument("--no-tunnel", action="store_true", help="do not start the ngrok tunnel")
    s.add_argument("--ngrok-path", help="path to an installed ngrok binary")
    s.add_argument("--forward", metavar="URL", help="also send every capture to URL")
    s.add_argument("--max-body", type=int, metavar="BYTES", help="body size limit")
    s.add_argument("--json", action="store_true", help="one JSON object per capture line")

    lst = sub.add_parser("list", help="captures, newest first")
    lst.add_argument("--json", action="store_true")
    lst.add_argument("--limit", type=int, default=100, help="0 means all (default 100)")
    lst.add_argument("--vendor")
    lst.add_argument("--search", metavar="TEXT")

    sh = sub.add_parser("show", help="one capture in full")
    sh.add_argument(
        "id", help="capture id, a unique start or end of one (6+ characters), or its seq number"
    )
    sh.add_argument("--format", choices=["json", "raw", "curl", "har"], default="json")
    sh.add_argument("--reveal-secrets", action="store_true", help="do not mask secrets in curl")

    rp = sub.add_parser("replay", help="send a capture again")
    rp.add_argument(
        "id", help="capture id, a unique start or end of one (6+ characters), or its seq number"
    )
    rp.add_argument("--to", metavar="URL", help="target (default: the running listener)")
    rp.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the answer")

    ex = sub.add_parser("export", help="all captures (or a subset) as HAR 1.2 or JSON")
    ex.add_argument("--format", choices=["har", "json"], default="har")
    ex.add_argument("-o", "--output", metavar="FILE", help="default: standard output")
    ex.add_argument("--vendor")
    ex.add_argument("--search", metavar="TEXT")
    ex.add_argument("--mask-secrets", action="store_true", help="mask tokens and signatures")

    im = sub.add_parser("import", help="a HAR or JSON export back into the store")
    im.add_argument("file")

    ep = sub.add_parser("endpoint", help="endpoints: a path bound to a vendor and a secret")
    eps = ep.add_subparsers(dest="endpoint_command", parser_class=_Parser, metavar="ACTION")
    eps.required = True
    ea = eps.add_parser("add", help="create or replace an endpoint")
    ea.add_argument("path", help="e.g. /blurit")
    ea.add_argument("--vendor", required=True, help=", ".join(VENDOR_CHOICES))
    ea.add_argument("--token", help="the vendor's shared token (BlurIt, Anesya, generic)")
    ea.add_argument("--query-token", metavar="NAME=VALUE", help="a secret in the URL's query")
    ea.add_argument("--secret", help="signing secret (with --scheme)")
    ea.add_argument(
        "--scheme", help="token-header, query-token, hmac-sha256, standard-webhooks, github, stripe"
    )
    ea.add_argument("--header", metavar="NAME", help="header of token-header / hmac-sha256")
    ea.add_argument("--encoding", choices=["hex", "base64"], default="hex")
    ea.add_argument("--prefix", default="", help="signature prefix, e.g. sha256=")
    ea.add_argument("--status", type=int, help="answer with this status instead")
    ea.add_argument("--body", help="answer with this body instead")
    ea.add_argument("--response-header", action="append", default=[], metavar="NAME:VALUE")
    ea.add_argument("--delay-ms", type=int, default=0, help="wait before answering")
    ea.add_argument("--fail-rate", type=float, default=0.0, help="0..1: share answered 500")
    ea.add_argument("--forward", metavar="URL", help="also send this endpoint's webhooks to URL")
    ea.add_argument(
        "--proxy",
        action="store_true",
        help="answer the sender with the --forward target's answer (proxy mode)",
    )
    el = eps.add_parser("list", help="the endpoints (secrets masked)")
    el.add_argument("--json", action="store_true")
    el.add_argument("--reveal-secrets", action="store_true")
    er = eps.add_parser("remove", help="delete an endpoint")
    er.add_argument("path")

    sm = sub.add_parser("simulate", help="send a vendor-accurate sample webhook")
    sm.add_argument("vendor", help=", ".join(VENDOR_CHOICES))
    sm.add_argument("--event", help="e.g. done, failed, Succeeded, extract.completed")
    sm.add_argument("--to", metavar="URL", help="target (default: the running listener)")
    sm.add_argument("--token", help="use this token/secret instead of the endpoint's")

    su = sub.add_parser("submit", help="submit a test task to a vendor's API")
    su.add_argument("vendor", help="celantur, celantur-v1, blurit, anesya")
    su.add_argument("--file", required=True, help="image (Celantur, BlurIt) or PDF/image (Anesya)")
    su.add_argument("--api-base", metavar="URL", help="the vendor API's origin (staging, a double)")
    su.add_argument("--webhook-url", metavar="URL", help="default: the tunnel URL of the endpoint")
    su.add_argument("--wait", type=float, metavar="SECONDS", help="wait for the final callback")
    su.add_argument("--username", help="Celantur (else CELANTUR_USERNAME)")
    su.add_argument("--password", help="Celantur (else CELANTUR_PASSWORD)")
    su.add_argument("--client-id", help="BlurIt (else BLURIT_CLIENT_ID)")
    su.add_argument("--secret-id", help="BlurIt (else BLURIT_SECRET_ID)")
    su.add_argument("--api-key", help="Anesya (else ANESYA_API_KEY)")
    su.add_argument("--server", default="EU-1", help="Anesya server (EU-1, FR-1, FR-2, FR-3)")
    su.add_argument("--schema", help="Anesya extraction schema")
    su.add_argument("--method", default="blur", help="Celantur: blur, pixelate, blacken")
    su.add_argument("--no-face", action="store_true", help="Celantur: do not anonymise faces")
    su.add_argument("--license-plate", action="store_true", help="Celantur: license plates")
    su.add_argument("--person", action="store_true", help="Celantur: whole persons")
    su.add_argument("--vehicle", action="store_true", help="Celantur: vehicles")
    su.add_argument("--no-faces", action="store_true", help="BlurIt: do not blur faces")
    su.add_argument("--no-plates", action="store_true", help="BlurIt: do not blur plates")
    su.add_argument("--blur-type", default="blur", help="BlurIt: blur, opaque, pixelate")
    return p


# -- helpers --------------------------------------------------------------------------


def _out(text: str, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    stream.write(text + "\n")
    stream.flush()


def _open_store(data_dir: Path, *, must_exist: bool = True) -> CaptureStore:
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


def _summary_json(capture: Capture) -> dict[str, Any]:
    return capture.to_json(include_body=False)


# -- commands -------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace, data_dir: Path) -> int:
    store = _open_store(data_dir, must_exist=False)
    try:
        flt = CaptureFilter(text=args.search or "", vendor=args.vendor)
        captures = store.captures(limit=max(args.limit, 0), flt=flt)
    finally:
        store.close()
    if args.json:
        _out(json.dumps([_summary_json(c) for c in captures], ensure_ascii=False))
    else:
        if not captures:
            _out("no captures", sys.stderr)
        for c in captures:
            _out(capture_line(c))
    return 0


def raw_request(capture: Capture) -> bytes:
    """The request as received: request line, header lines, blank line, body."""
    head = [f"{capture.method} {capture.target} HTTP/1.1"]
    head += [f"{k}: {v}" for k, v in capture.headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode("utf-8", "surrogateescape") + capture.body_bytes


def cmd_show(args: argparse.Namespace, data_dir: Path) -> int:
    store = _open_store(data_dir)
    try:
        capture = store.get(args.id)
    finally:
        store.close()
    if capture is None:
        raise UserError(
            f"no capture with id {args.id!r}, or it names several (see 'webhook-inspector list')"
        )
    if args.format == "json":
        _out(json.dumps(capture.to_json(), ensure_ascii=False, indent=2))
    elif args.format == "raw":
        sys.stdout.flush()
        sys.stdout.buffer.write(raw_request(capture))
        sys.stdout.buffer.flush()
    elif args.format == "curl":
        from inspector.core.snippets import to_curl

        _out(to_curl(capture, reveal=args.reveal_secrets))
    elif args.format == "har":
        from inspector.core.formats.har import export_har

        _out(json.dumps(export_har([capture]), ensure_ascii=False, indent=2))
    return 0


async def _serve(args: argparse.Namespace, data_dir: Path) -> int:
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
    except ValueError as exc:
        core.store.close()
        raise UserError(str(exc)) from exc
    except OSError as exc:
        core.store.close()
        if exc.errno == errno.EADDRINUSE:
            raise UserError(
                f"port {args.port} is already in use on {args.host}; "
                "choose another with --port (0 picks a free one) or stop the other program"
            ) from exc
        raise UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from exc

    def print_capture(captures: list[Capture]) -> None:
        # One write and one flush per committed batch, not per capture: under load a
        # flush per line cost a system call per request.
        if args.json:
            lines = [json.dumps(_summary_json(c), ensure_ascii=False) for c in captures]
        else:
            lines = [capture_line(c) for c in captures]
        _out("\n".join(lines))

    core.on_capture(print_capture)
    core.warned.connect(lambda message: _out(f"warning: {message}", sys.stderr))
    _out(f"listening on {core.listener.url}")
    if not args.no_tunnel:
        from inspector.net.tunnel import TunnelState, TunnelStatus

        def print_tunnel(status: TunnelStatus) -> None:
            # One line per change that matters; the listener keeps running whatever happens.
            if status.state is TunnelState.ONLINE and status.public_url:
                _out(f"public URL {status.public_url}")
                if core.url_changed_from:
                    _out(
                        f"note: the public URL changed (was {core.url_changed_from}); "
                        "update the webhook URL registered at your vendors"
                    )
                if status.warning:
                    _out(f"note: {status.warning}", sys.stderr)
            elif status.state is TunnelState.ERROR:
                reason = (status.reason or "unknown error").rstrip(". ")
                _out(f"tunnel: {reason}; still listening locally", sys.stderr)

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
        from inspector.app import run_gui
    except ImportError as exc:
        raise UserError(
            f"the desktop app cannot start: {exc}; 'webhook-inspector serve' works without it"
        ) from exc
    return run_gui(data_dir, port=args.port)


def _running_listener(data_dir: Path) -> tuple[str, str | None]:
    """The URL and run token of the listener running on this data directory (from its
    user-only ``listener.json``), or a UserError saying none is."""
    from inspector.core.paths import RuntimeInfo

    running = RuntimeInfo.load_running(data_dir)
    if running is None:
        raise UserError(
            "no listener is running on this data directory; start "
            "'webhook-inspector serve' (or the app), or give --to URL"
        )
    return running.url, running.token


async def _replay(args: argparse.Namespace, data_dir: Path) -> int:
    from inspector.core.origin import own_markers
    from inspector.net.replay import make_session, send_capture, target_url

    store = _open_store(data_dir)
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
            base, token = _running_listener(data_dir)
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
    _out(f"{result.status} from {url} in {result.latency_ms:.0f} ms")
    return 0


def cmd_replay(args: argparse.Namespace, data_dir: Path) -> int:
    return asyncio.run(_replay(args, data_dir))


def cmd_export(args: argparse.Namespace, data_dir: Path) -> int:
    from inspector.core.formats import write_export

    store = _open_store(data_dir, must_exist=False)
    try:
        flt = CaptureFilter(text=args.search or "", vendor=args.vendor)
        summaries = store.captures(limit=0, flt=flt, newest_first=False)

        def full() -> Iterator[Capture]:
            for summary in summaries:
                capture = store.get(summary.id)
                if capture is not None:
                    yield capture

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
                        total=len(summaries),
                    )
                tmp.replace(target)
            except OSError as exc:
                tmp.unlink(missing_ok=True)
                raise UserError(f"cannot write {target}: {exc.strerror}") from exc
            _out(f"exported {count} captures to {target}", sys.stderr)
        else:
            write_export(
                full(),
                sys.stdout,
                args.format,
                mask_secrets=args.mask_secrets,
                total=len(summaries),
            )
            sys.stdout.write("\n")
            sys.stdout.flush()
    finally:
        store.close()
    return 0


def cmd_import(args: argparse.Namespace, data_dir: Path) -> int:
    from inspector.core.formats import load_captures
    from inspector.core.paths import ensure_data_dir

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        captures = load_captures(data)
    except ValueError as exc:
        raise UserError(f"{path}: {exc}") from exc
    ensure_data_dir(data_dir)
    store = CaptureStore.in_dir(data_dir)
    added = 0
    show_progress = sys.stderr.isatty() and len(captures) > IMPORT_CHUNK
    try:
        # In chunks, each its own transaction: an interrupted import keeps what it stored,
        # and importing the same file again adds only the rest.
        for start in range(0, len(captures), IMPORT_CHUNK):
            added += store.import_captures(captures[start : start + IMPORT_CHUNK])
            if show_progress:
                done = min(len(captures), start + IMPORT_CHUNK)
                sys.stderr.write(f"\rimporting {done:,}/{len(captures):,}")
                sys.stderr.flush()
        if show_progress:
            sys.stderr.write("\n")
    finally:
        store.close()
    skipped = len(captures) - added
    extra = f" ({skipped} already in the store)" if skipped else ""
    _out(f"imported {added} captures from {path}{extra}")
    return 0


def _endpoint_table(data_dir: Path) -> Any:
    from inspector.core.endpoints import EndpointTable
    from inspector.core.paths import ensure_data_dir

    ensure_data_dir(data_dir)
    try:
        return EndpointTable.load(data_dir)
    except ValueError as exc:
        raise UserError(str(exc)) from exc


def describe_endpoint(data: dict[str, Any]) -> str:
    auth = []
    if data.get("token"):
        auth.append(f"token {data['token']}")
    if data.get("query_token"):
        auth.append(f"query {data['query_token']}")
    if data.get("scheme"):
        auth.append(f"{data['scheme']} {data.get('secret') or ''}".strip())
    rule = data.get("response") or {}
    answer = []
    if rule.get("status"):
        answer.append(f"status {rule['status']}")
    if rule.get("delay_ms"):
        answer.append(f"delay {rule['delay_ms']} ms")
    if rule.get("fail_rate"):
        answer.append(f"fail {rule['fail_rate']:.0%}")
    if data.get("forward_url"):
        mode = "proxy to" if data.get("forward_proxy") else "forward"
        answer.append(f"{mode} {data['forward_url']}")
    return f"{data['path']:<20} {data['vendor']:<12} {', '.join(auth) or 'no check'}" + (
        f"  [{', '.join(answer)}]" if answer else ""
    )


def cmd_endpoint(args: argparse.Namespace, data_dir: Path) -> int:
    from inspector.core.endpoints import Endpoint, ResponseRule

    table = _endpoint_table(data_dir)
    action = args.endpoint_command
    if action == "add":
        headers = []
        for item in args.response_header:
            name, sep, value = item.partition(":")
            if not sep:
                raise UserError(f"--response-header must look like NAME:VALUE, got {item!r}")
            headers.append((name.strip(), value.strip()))
        try:
            endpoint = Endpoint(
                path=args.path,
                vendor=args.vendor,
                token=args.token,
                query_token=args.query_token,
                secret=args.secret,
                scheme=args.scheme,
                header=args.header,
                encoding=args.encoding,
                prefix=args.prefix,
                response=ResponseRule(
                    status=args.status,
                    headers=headers,
                    body=args.body,
                    delay_ms=args.delay_ms,
                    fail_rate=args.fail_rate,
                ),
                forward_url=args.forward,
                forward_proxy=args.proxy,
            )
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        replaced = table.get(endpoint.path) is not None
        table.add(endpoint)
        table.save()
        verb = "replaced" if replaced else "added"
        _out(f"{verb} endpoint {describe_endpoint(endpoint.to_json(mask_secrets=True))}")
    elif action == "list":
        items = [e.to_json(mask_secrets=not args.reveal_secrets) for e in table]
        if args.json:
            _out(json.dumps(items, ensure_ascii=False))
        else:
            if not items:
                _out("no endpoints (add one with 'webhook-inspector endpoint add')", sys.stderr)
            for item in items:
                _out(describe_endpoint(item))
    elif action == "remove":
        if not table.remove(args.path):
            raise UserError(f"no endpoint {args.path!r} (see 'webhook-inspector endpoint list')")
        table.save()
        _out(f"removed endpoint {args.path}")
    return 0


async def _simulate(args: argparse.Namespace, data_dir: Path) -> int:
    from inspector.core.simulate import sample_requests
    from inspector.net.simulate import send_samples

    endpoint = None
    if (data_dir / "endpoints.json").exists():
        table = _endpoint_table(data_dir)
        matches = table.for_vendor(args.vendor)
        endpoint = matches[0] if matches else None
    try:
        samples = sample_requests(args.vendor, args.event, endpoint, args.token)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    if args.to:
        base, token = args.to, None
    else:
        base, token = _running_listener(data_dir)
    try:
        results = await send_samples(samples, base, run_token=token)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    failed = False
    for (url, result), sample in zip(results, samples, strict=True):
        if result.error:
            failed = True
            _out(f"{sample.method} {url} failed: {result.error}")
        else:
            answer = result.body[:200].decode("utf-8", "replace")
            _out(f"{sample.method} {url} -> {result.status} {answer}")
    return 1 if failed else 0


def cmd_simulate(args: argparse.Namespace, data_dir: Path) -> int:
    return asyncio.run(_simulate(args, data_dir))


def _credentials(args: argparse.Namespace, vendor: str, data_dir: Path) -> dict[str, str]:
    """Flag, else environment, else the secret store (where the app saved them)."""
    from inspector.core.secrets import SecretStore
    from inspector.core.submission import CREDENTIALS, resolve_credentials

    flags = {name: getattr(args, name, None) for name, _env, _key in CREDENTIALS.get(vendor, ())}
    # Opened once, and only if a flag or the environment leaves something to look up.
    secrets = functools.cache(lambda: SecretStore(data_dir))
    return resolve_credentials(vendor, flags, os.environ, lambda key: secrets().get(key))


def _vendor_options(args: argparse.Namespace) -> dict[str, Any]:
    if args.vendor in ("celantur", "celantur-v1"):
        return {
            "method": args.method,
            "face": not args.no_face,
            "license_plate": args.license_plate,
            "person": args.person,
            "vehicle": args.vehicle,
        }
    if args.vendor == "blurit":
        return {
            "faces": not args.no_faces,
            "plates": not args.no_plates,
            "blur_type": args.blur_type,
        }
    if args.vendor == "anesya":
        opts: dict[str, Any] = {"server": args.server}
        if args.schema:
            opts["schema"] = args.schema
        return opts
    return {}


async def _submit(args: argparse.Namespace, data_dir: Path) -> int:
    from inspector.core.paths import RuntimeInfo, ensure_data_dir
    from inspector.core.submission import SUBMIT_VENDORS, ensure_vendor_endpoint, webhook_url
    from inspector.core.tasks import format_timeline, is_final, timeline
    from inspector.net.submit import SubmitRequest, VendorError, read_file, submit_task

    if args.vendor not in SUBMIT_VENDORS:
        raise UserError(
            f"cannot submit to {args.vendor!r}; choose one of {', '.join(SUBMIT_VENDORS)}"
        )
    try:
        file_name, data = read_file(args.file)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    ensure_data_dir(data_dir)
    running = RuntimeInfo.load_running(data_dir)
    if args.wait is not None and running is None:
        raise UserError(
            "--wait watches the listener's captures, but no listener is running on this data "
            "directory; start 'webhook-inspector serve' (or the app) first"
        )
    table = _endpoint_table(data_dir)
    endpoint, created = ensure_vendor_endpoint(table, args.vendor)
    if created:
        table.save()
        _out(f"created endpoint {endpoint.path} for {args.vendor}", sys.stderr)
    if args.webhook_url:
        url = args.webhook_url
    elif running is not None and running.public_url:
        url = webhook_url(running.public_url, endpoint)
    else:
        raise UserError(
            "no public URL for the webhook: start 'webhook-inspector serve' with its tunnel "
            "(or the app), or pass --webhook-url"
        )
    if args.vendor == "anesya":
        _out(
            f"Anesya webhooks are set in Anesya's dashboard: add {url} with token "
            f"{endpoint.token} (X-Webhook-Token) for the extract.completed and extract.failed events"
        )
    store = CaptureStore.in_dir(data_dir)
    try:
        from inspector.core.settings import Settings

        settings = Settings.load(data_dir)
        request = SubmitRequest(
            vendor=args.vendor,
            file_name=file_name,
            data=data,
            webhook_url=url,
            credentials=_credentials(args, args.vendor, data_dir),
            api_base=args.api_base,
            options=_vendor_options(args),
            previous_webhook_url=settings.extra.get("blurit_webhook_url"),
        )
        try:
            task = await submit_task(
                request,
                table,
                say=lambda m: _out(m, sys.stderr),
                settle_s=1.2,
                on_task_id=lambda tid: _out(f"task {tid}"),
            )
        except VendorError as exc:
            raise UserError(str(exc)) from exc
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        if args.vendor == "blurit":
            settings.extra["blurit_webhook_url"] = url
            settings.save(data_dir)
        store.save_task(task)
        if args.wait is None:
            return 0
        deadline = asyncio.get_running_loop().time() + args.wait
        callbacks = []
        while asyncio.get_running_loop().time() < deadline:
            callbacks = store.task_callbacks(task)
            if any(is_final(task.vendor, c) for c in callbacks):
                task.status = "done"
                store.save_task(task)
                for line in format_timeline(timeline(task, callbacks)):
                    _out(line)
                return 0
            await asyncio.sleep(0.2)
        for line in format_timeline(timeline(task, callbacks)):
            _out(line)
        came = f"{len(callbacks)} callback(s) came, none final" if callbacks else "no callback came"
        raise UserError(f"timed out after {args.wait:g} s waiting for task {task.task_id}: {came}")
    finally:
        store.close()


def cmd_submit(args: argparse.Namespace, data_dir: Path) -> int:
    return asyncio.run(_submit(args, data_dir))


COMMANDS: dict[str, Callable[[argparse.Namespace, Path], int]] = {
    "submit": cmd_submit,
    "endpoint": cmd_endpoint,
    "simulate": cmd_simulate,
    "gui": cmd_gui,
    "serve": cmd_serve,
    "list": cmd_list,
    "show": cmd_show,
    "replay": cmd_replay,
    "export": cmd_export,
    "import": cmd_import,
}


def _setup_logging(data_dir: Path | None) -> None:
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    # Without a handler, logging's last resort would print tracebacks to stderr.
    root.addHandler(logging.NullHandler())
    if data_dir is not None and data_dir.is_dir():
        with contextlib.suppress(OSError):
            (data_dir / "logs").mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(data_dir / "logs" / "inspector.log", encoding="utf-8")
            handler.setFormatter(
                logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
            )
            root.addHandler(handler)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "gui"
    if command == "gui" and not hasattr(args, "port"):
        args.port = None
    data_dir = resolve_data_dir(args.data_dir)
    try:
        if command in ("gui", "serve"):
            from inspector.core.paths import ensure_data_dir

            ensure_data_dir(data_dir)
        _setup_logging(data_dir)
        return COMMANDS[command](args, data_dir)
    except (UserError, DataDirError, StoreError) as exc:
        _out(f"webhook-inspector: {exc}", sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `webhook-inspector list | head` closed the pipe: not an error worth a message.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except Exception as exc:
        log.exception("unexpected error")
        _out(
            f"webhook-inspector: unexpected error: {exc.__class__.__name__}: {exc} "
            f"(details in {data_dir / 'logs' / 'inspector.log'})",
            sys.stderr,
        )
        return 1


def gui_main() -> int:
    return main(["gui", *sys.argv[1:]])
