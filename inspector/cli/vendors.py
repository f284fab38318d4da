"""The commands that talk to vendors: ``simulate`` (a sample webhook to the listener) and
``submit`` (a test task to the vendor's API, then its callbacks)."""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inspector.cli.common import endpoint_table, out, running_listener
from inspector.core.endpoints import Endpoint
from inspector.core.errors import UserError
from inspector.core.paths import RuntimeInfo, ensure_data_dir
from inspector.core.settings import Settings
from inspector.core.simulate import sample_requests
from inspector.core.store import CaptureStore
from inspector.core.submission import (
    FILE_HEAD,
    credential_fields,
    ensure_vendor_endpoint,
    resolve_credentials,
    sandbox_line,
    submit_options,
    submit_spec,
    webhook_url,
)
from inspector.core.tasks import Task, format_timeline, is_final, timeline
from inspector.core.vendors import get_vendor
from inspector.core.vendors.descriptor import SubmitSpec
from inspector.core.words import plural

if TYPE_CHECKING:
    from inspector.net.sandbox.runner import Sandbox


async def _simulate(args: argparse.Namespace, data_dir: Path) -> int:
    # Imported here: the other commands start faster without aiohttp.
    from inspector.net.simulate import send_samples

    endpoint = None
    if (data_dir / "endpoints.json").exists():
        table = endpoint_table(data_dir)
        matches = table.for_vendor(args.vendor)
        endpoint = matches[0] if matches else None
    try:  # an unknown vendor or event is told first, listener or not
        sample_requests(args.vendor, args.event, endpoint, args.token)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    if args.to:
        base, token = args.to, None
    else:
        base, token = running_listener(data_dir)
    try:
        # Twilio and Square sign the URL they call: the samples sign the one they go to.
        samples = sample_requests(args.vendor, args.event, endpoint, args.token, base_url=base)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    try:
        results = await send_samples(samples, base, run_token=token)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    failed = False
    for (url, result), sample in zip(results, samples, strict=True):
        if result.error:
            failed = True
            out(f"{sample.method} {url} failed: {result.error}")
        else:
            answer = result.body[:200].decode("utf-8", "replace")
            out(f"{sample.method} {url} -> {result.status} {answer}")
    return 1 if failed else 0


def cmd_simulate(args: argparse.Namespace, data_dir: Path) -> int:
    return asyncio.run(_simulate(args, data_dir))


def _credentials(args: argparse.Namespace, vendor: str, data_dir: Path) -> dict[str, str]:
    """Flag, else environment, else the secret store (where the app saved them)."""
    # Imported here: the keyring takes a while to load, and most commands never need it.
    from inspector.core.secrets import SecretStore

    flags = {c.name: getattr(args, c.name, None) for c in credential_fields(vendor)}
    # Opened once, and only if a flag or the environment leaves something to look up.
    secrets = functools.cache(lambda: SecretStore(data_dir))
    return resolve_credentials(vendor, flags, os.environ, lambda key: secrets().get(key))


def _options(args: argparse.Namespace, head: bytes) -> dict[str, Any]:
    """The vendor's submit options from their flags (the Submit dialog builds the same)."""
    values = {
        option.name: option.from_flag(getattr(args, option.dest))
        for option in submit_spec(args.vendor).options
    }
    return submit_options(args.vendor, values, head)


def _webhook_for(
    args: argparse.Namespace, spec: SubmitSpec, running: RuntimeInfo | None, endpoint: Endpoint
) -> str:
    """The URL the vendor (or the sandbox) calls; "" for a vendor that is given none and
    no public URL is known (its dashboard holds the URL)."""
    if args.sandbox and running is not None:
        return webhook_url(running.url, endpoint)
    if args.webhook_url:
        return str(args.webhook_url)
    if running is not None and running.public_url:
        return webhook_url(running.public_url, endpoint)
    if not spec.takes_webhook_url:
        return ""
    raise UserError(
        "no public URL for the webhook: start 'webhook-inspector serve' with its tunnel "
        "(or the app), or pass --webhook-url"
    )


def _check_sandbox(args: argparse.Namespace, running: RuntimeInfo | None) -> None:
    if args.webhook_url or args.api_base:
        raise UserError(
            "--sandbox uses its own simulated API and the running listener's local URL: "
            "leave out --webhook-url and --api-base"
        )
    if running is None:
        raise UserError(
            "--sandbox delivers its callbacks to the running listener, but none is running "
            "on this data directory; start 'webhook-inspector serve --no-tunnel' (or the app) "
            "first"
        )


def _say_where(args: argparse.Namespace, spec: SubmitSpec, url: str, endpoint: Endpoint) -> None:
    """Where the callbacks will come from, on stdout: the sandbox, or what to set in a
    vendor's dashboard (the URL to paste, or why there is none yet)."""
    vendor = get_vendor(args.vendor)
    brand = vendor.brand_name
    if args.sandbox:
        out(sandbox_line(args.vendor, url))
    elif spec.dashboard_events and url:
        out(
            f"{brand} webhooks are set in {brand}'s dashboard: add {url} with token "
            f"{endpoint.token} ({vendor.profile.token_header}) for the "
            f"{' and '.join(spec.dashboard_events)} events"
        )
    elif spec.dashboard_events:
        out(
            f"no public URL is known, submitting anyway: {brand} calls the webhook set in its "
            f"dashboard, which must reach this listener's {endpoint.path} (start "
            "'webhook-inspector serve' with its tunnel to get the URL to paste)"
        )


async def _submit(args: argparse.Namespace, data_dir: Path) -> int:
    # Imported here: the other commands start faster without aiohttp.
    from inspector.net.listener import ENDPOINT_RECHECK_S
    from inspector.net.sandbox.runner import Sandbox
    from inspector.net.submit import SubmitRequest, VendorError, read_file, submit_task

    try:
        spec = submit_spec(args.vendor)
        file_name, data = read_file(args.file)
        options = _options(args, data[:FILE_HEAD])
        sandbox = Sandbox(args.vendor) if args.sandbox else None
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    ensure_data_dir(data_dir)
    running = RuntimeInfo.load_running(data_dir)
    if sandbox is not None:
        _check_sandbox(args, running)
    elif args.wait is not None and running is None:
        raise UserError(
            "--wait watches the listener's captures, but no listener is running on this data "
            "directory; start 'webhook-inspector serve' (or the app) first"
        )
    table = endpoint_table(data_dir)
    endpoint, created = ensure_vendor_endpoint(table, args.vendor)
    if created:
        table.save()
        out(f"created endpoint {endpoint.path} for {args.vendor}", sys.stderr)
    url = _webhook_for(args, spec, running, endpoint)
    _say_where(args, spec, url, endpoint)
    store = CaptureStore.in_dir(data_dir)
    try:
        settings = Settings.load(data_dir)
        if sandbox is not None:
            await sandbox.start(running.token if running is not None else None)
            request = sandbox.request(file_name, data, options, url, endpoint)
        else:
            request = SubmitRequest(
                vendor=args.vendor,
                file_name=file_name,
                data=data,
                webhook_url=url,
                credentials=_credentials(args, args.vendor, data_dir),
                api_base=args.api_base,
                options=options,
            )
        try:
            task = await submit_task(
                request,
                table,
                settings,
                data_dir,
                say=lambda m: out(m, sys.stderr),
                # The listener runs in another process and re-reads endpoints.json on a
                # request: a few of its intervals let it see a new endpoint token first.
                settle_s=5 * ENDPOINT_RECHECK_S,
                on_task_id=lambda tid: out(f"task {tid}"),
                sandbox=sandbox is not None,
            )
        except (VendorError, ValueError) as exc:
            raise UserError(str(exc)) from exc
        store.save_task(task)
        if args.wait is None:
            if sandbox is not None:
                # The simulation lives in this process: it must deliver before we exit.
                await _sandbox_idle(sandbox)
            return 0
        return await _watch(store, task, args.wait)
    finally:
        if sandbox is not None:
            await sandbox.stop()
        store.close()


async def _sandbox_idle(sandbox: Sandbox) -> None:
    try:
        await sandbox.wait_idle()
    except TimeoutError as exc:
        raise UserError(f"the sandbox did not finish: {exc}") from exc


async def _watch(store: CaptureStore, task: Task, wait: float) -> int:
    """Print the task's timeline once a final callback is stored (exit 0), or when
    ``wait`` seconds have passed (exit 1)."""
    deadline = asyncio.get_running_loop().time() + wait
    callbacks = []
    while asyncio.get_running_loop().time() < deadline:
        callbacks = store.task_callbacks(task)
        if any(is_final(task.vendor, c) for c in callbacks):
            task.status = "done"
            store.save_task(task)
            for line in format_timeline(timeline(task, callbacks)):
                out(line)
            return 0
        await asyncio.sleep(0.2)
    for line in format_timeline(timeline(task, callbacks)):
        out(line)
    came = (
        f"{plural(len(callbacks), 'callback')} came, none final"
        if callbacks
        else "no callback came"
    )
    raise UserError(f"timed out after {wait:g} s waiting for task {task.task_id}: {came}")


def cmd_submit(args: argparse.Namespace, data_dir: Path) -> int:
    return asyncio.run(_submit(args, data_dir))
