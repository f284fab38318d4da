"""Vendor-correct answers end to end: real listener, real endpoints file, real HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from inspector.core.endpoints import Endpoint, EndpointTable
from inspector.core.simulate import sample_requests
from inspector.core.store import CaptureStore
from inspector.net.listener import ENDPOINT_RECHECK_S, Listener
from inspector.net.simulate import send_samples


@pytest.fixture
async def vendor_listener(data_dir: Path, store: CaptureStore) -> AsyncIterator[Listener]:
    table = EndpointTable.load(data_dir)
    table.add(Endpoint("/blurit", vendor="blurit", token="tok_blurit_123"))
    table.add(Endpoint("/anesya", vendor="anesya", token="whk_anesya"))
    table.add(Endpoint("/celantur", vendor="celantur", query_token="key=s3cret"))
    table.add(Endpoint("/signed", vendor="generic", scheme="github", secret="gh-secret"))
    table.save()
    lst = Listener(store, port=0, endpoints=EndpointTable.load(data_dir))
    await lst.start()
    yield lst
    await lst.stop()


async def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as s, s.post(url, data=body, headers=headers) as r:
        return r.status, await r.read()


async def test_blurit_valid_token_gets_compliant_answer(
    vendor_listener: Listener, store: CaptureStore
) -> None:
    status, body = await post(
        vendor_listener.url + "/blurit",
        b'{"taskId": "job-42", "status": "Succeeded"}',
        {"Content-Type": "application/json", "X-Auth-Token": "tok_blurit_123"},
    )
    assert status == 200 and json.loads(body) == {"taskId": "job-42"}
    (c,) = store.captures()
    assert c.vendor == "blurit" and c.endpoint == "/blurit"
    assert c.validation.result == "valid"
    assert c.event is not None and c.event["task_id"] == "job-42"


@pytest.mark.parametrize(
    ("headers", "result"),
    [({"X-Auth-Token": "wrong"}, "invalid"), ({}, "missing")],
    ids=["wrong-token", "no-token"],
)
async def test_blurit_bad_token_gets_401_and_invalid_capture(
    vendor_listener: Listener, store: CaptureStore, headers: dict[str, str], result: str
) -> None:
    status, body = await post(
        vendor_listener.url + "/blurit", b'{"taskId": "job-1", "status": "Sent"}', headers
    )
    assert status == 401
    reason = json.loads(body)["error"]
    assert "X-Auth-Token" in reason and "tok_blurit_123" not in reason
    (c,) = store.captures()
    assert c.validation.result == result
    assert "tok_blurit_123" not in c.validation.detail


async def test_anesya_token_checked(vendor_listener: Listener, store: CaptureStore) -> None:
    payload = {
        "id": "w1",
        "event": "extract.completed",
        "data": {"id": "ex-9", "status": "FINISHED"},
    }
    good = {
        "X-Webhook-Token": "whk_anesya",
        "X-Webhook-Id": "w1",
        "User-Agent": "Anesya-WebhookBot/1.0",
    }
    status, _ = await post(vendor_listener.url + "/anesya", json.dumps(payload).encode(), good)
    assert status == 200
    status, _ = await post(
        vendor_listener.url + "/anesya",
        json.dumps(payload).encode(),
        {**good, "X-Webhook-Token": "nope"},
    )
    assert status == 401
    bad, ok = store.captures()
    assert ok.validation.result == "valid" and bad.validation.result == "invalid"
    assert ok.event == {"task_id": "ex-9", "event": "extract.completed", "status": "FINISHED"} or (
        ok.event is not None and ok.event["task_id"] == "ex-9" and ok.event["status"] == "FINISHED"
    )


async def test_celantur_doc_sample_with_typographic_quote(
    vendor_listener: Listener, store: CaptureStore
) -> None:
    body = (
        '{"customer_id": "c-1", "task_id": 1693295888421318, "task_status": "done", '
        '"anonymized_url": "https://bucket.s3.amazonaws.com/x.jpg”}'
    ).encode()
    status, _ = await post(
        vendor_listener.url + "/celantur?key=s3cret", body, {"Content-Type": "application/json"}
    )
    assert status == 200
    (c,) = store.captures()
    assert c.vendor == "celantur" and c.validation.result == "valid"
    assert any("not valid JSON" in n for n in c.notes), c.notes


async def test_unmatched_path_is_captured_with_guessed_vendor(
    vendor_listener: Listener, store: CaptureStore
) -> None:
    status, _ = await post(
        vendor_listener.url + "/somewhere-else",
        b'{"taskId": "j", "status": "Started"}',
        {"Content-Type": "application/json", "X-Auth-Token": "t"},
    )
    assert status == 200
    (c,) = store.captures()
    assert c.endpoint is None and c.vendor == "blurit"
    assert c.validation.result == "unchecked"


async def test_every_vendor_sample_validates(
    vendor_listener: Listener, store: CaptureStore, data_dir: Path
) -> None:
    table = EndpointTable.load(data_dir)
    for vendor, path in (
        ("blurit", "/blurit"),
        ("anesya", "/anesya"),
        ("celantur", "/celantur"),
        ("generic", "/signed"),
    ):
        samples = sample_requests(vendor, endpoint=table.get(path))
        for _, result in await send_samples(
            samples, vendor_listener.url, run_token=vendor_listener.run_token
        ):
            assert result.status == 200, (vendor, result.body)
    captures = store.captures(limit=0)
    assert len(captures) == 6  # BlurIt sends three statuses
    assert {c.source for c in captures} == {"simulate"}
    assert all(c.validation.result == "valid" for c in captures), [
        (c.vendor, c.validation.detail) for c in captures
    ]
    blurit = [c for c in captures if c.vendor == "blurit"]
    assert [c.event["status"] for c in reversed(blurit) if c.event] == [
        "Sent",
        "Started",
        "Succeeded",
    ]
    assert len({c.event["task_id"] for c in blurit if c.event}) == 1


async def test_endpoint_edits_by_another_process_apply_to_the_next_request(
    vendor_listener: Listener, store: CaptureStore, data_dir: Path
) -> None:
    # `inspector endpoint add` then an immediate webhook: the request must see the edit.
    other_process = EndpointTable.load(data_dir)
    body = b'{"taskId": "x", "status": "Sent"}'
    url = vendor_listener.url + "/late"

    async def after_save(headers: dict[str, str]) -> int:
        other_process.save()
        await asyncio.sleep(2 * ENDPOINT_RECHECK_S)
        status, _ = await post(url, body, headers)
        return status

    other_process.add(Endpoint("/late", vendor="blurit", token="first"))
    assert await after_save({"X-Auth-Token": "first"}) == 200
    other_process.add(Endpoint("/late", vendor="blurit", token="second"))
    assert await after_save({"X-Auth-Token": "first"}) == 401
    other_process.remove("/late")
    assert await after_save({"X-Auth-Token": "first"}) == 200
    added, changed, removed = sorted(
        (c for c in store.captures() if c.path == "/late"), key=lambda c: c.received_at
    )
    assert (added.endpoint, added.validation.result) == ("/late", "valid")
    assert (changed.endpoint, changed.validation.result) == ("/late", "invalid")
    assert (removed.endpoint, removed.validation.result) == (None, "unchecked")
