"""The sandbox inside the app (AppCore.submit(sandbox=True)) and the marker that labels its
callbacks simulated, which only a local request with the run token can carry
(docs/security.md, the marker rule; docs/decisions.md, Sandbox)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest
from helpers import wait_until_async

from inspector.app import AppCore
from inspector.core.capture import Capture
from inspector.core.origin import SANDBOX_NOTE, SANDBOX_SOURCE, TunnelMark, own_markers
from inspector.core.store import CaptureStore
from inspector.core.submission import FILE_HEAD, submit_options, submit_spec
from inspector.core.tasks import is_final
from inspector.net.listener import Listener
from inspector.net.sandbox.runner import Sandbox, sandbox_vendor_ids
from inspector.net.submit import VendorError

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8
PDF = b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF\n"
FILES = {"anesya": ("invoice.pdf", PDF)}
#: what fetching a finished task's result gives, per vendor API
RESULT_KIND = {"celantur": "image", "celantur-v1": "json", "blurit": "image", "anesya": "json"}


def default_options(vendor: str, data: bytes) -> dict[str, Any]:
    spec = submit_spec(vendor)
    return submit_options(vendor, {o.name: o.default for o in spec.options}, data[:FILE_HEAD])


async def test_only_a_local_request_with_the_run_token_is_marked_sandbox(
    store: CaptureStore,
) -> None:
    mark = TunnelMark("X-Inspector-Tunnel", "agent-secret")
    listener = Listener(store, port=0, tunnel_marks=(mark,))
    await listener.start()
    try:
        ours = dict(own_markers(listener.run_token, source=SANDBOX_SOURCE))
        forged = {"X-Inspector-Source": SANDBOX_SOURCE}
        async with aiohttp.ClientSession() as s:
            for path, headers in (
                ("/ours", ours),
                ("/no-token", forged),
                ("/wrong-token", {**forged, "X-Inspector-Token": "guess"}),
                # relayed by the tunnel: never ours, even with the right token
                ("/tunnel", {**ours, mark.name: mark.value}),
            ):
                async with s.post(listener.url + path, headers=headers, data=b"{}") as r:
                    assert r.status == 200
    finally:
        await listener.stop()
    by_path = {c.path: c for c in store.captures()}
    assert by_path["/ours"].source == "simulate" and SANDBOX_NOTE in by_path["/ours"].notes
    assert by_path["/ours"].header("X-Inspector-Source") is None
    for path in ("/no-token", "/wrong-token", "/tunnel"):
        capture = by_path[path]
        assert capture.source == "live" and SANDBOX_NOTE not in capture.notes, path
        assert capture.header("X-Inspector-Source") == SANDBOX_SOURCE  # kept, visible
        assert capture.header("X-Inspector-Token") != listener.run_token


@pytest.mark.parametrize("vendor", sandbox_vendor_ids())
async def test_app_sandbox_round_trip_and_result(data_dir: Path, vendor: str) -> None:
    core = AppCore(data_dir, port=0)
    await core.start()
    try:
        name, data = FILES.get(vendor, ("street.jpg", JPEG))
        task = await core.submit(
            vendor, name, data, webhook="", options=default_options(vendor, data), sandbox=True
        )
        assert task.sandbox and core.store.tasks()[0].sandbox
        assert task.webhook_url.startswith(
            core.local_url + core.endpoints.for_vendor(vendor)[0].path
        )

        def final_callbacks() -> list[Capture] | None:
            found = core.store.task_callbacks(task)
            return found if found and is_final(vendor, found[-1]) else None

        callbacks = await wait_until_async(final_callbacks, what=f"the final {vendor} callback")
        assert {c.validation.result for c in callbacks} == {"valid"}
        assert all(c.source == "simulate" and SANDBOX_NOTE in c.notes for c in callbacks)
        result = await core.fetch_result(task)
        assert result.kind == RESULT_KIND[vendor]
        # the sandbox never becomes the real API's remembered registration
        assert not any(k.endswith("_webhook_url") for k in core.settings.extra)
    finally:
        await core.stop()


async def test_a_sandbox_task_after_its_sandbox_stopped_says_so(data_dir: Path) -> None:
    core = AppCore(data_dir, port=0)
    await core.start()
    try:
        task = await core.submit(
            "celantur",
            "street.jpg",
            JPEG,
            webhook="",
            options=default_options("celantur", JPEG),
            sandbox=True,
        )
    finally:
        await core.stop()
    later = AppCore(data_dir, port=0)
    await later.start()
    try:
        with pytest.raises(VendorError, match="sandbox that has stopped"):
            await later.fetch_result(task)
    finally:
        await later.stop()


def test_an_unknown_vendor_has_no_sandbox() -> None:
    with pytest.raises(ValueError, match="no simulation of 'generic'"):
        Sandbox("generic")
