"""End to end: submit through our client to a vendor double, whose webhook reaches the REAL
listener; the captures land in the store parsed, validated and (BlurIt) answered compliantly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from helpers import wait_until_async

from inspector.core.capture import Capture
from inspector.core.endpoints import Endpoint, EndpointTable
from inspector.core.store import CaptureStore
from inspector.net.sandbox.anesya import AnesyaSim
from inspector.net.sandbox.blurit import BlurItSim
from inspector.net.sandbox.celantur import CelanturSim
from inspector.net.vendors.anesya import AnesyaClient
from inspector.net.vendors.blurit import BlurItClient
from inspector.net.vendors.celantur import CelanturClient, CelanturV1Client

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PDF = b"%PDF-1.7\n" + b"0" * 1024


async def captures(store: CaptureStore, count: int) -> list[Capture]:
    """The first ``count`` captures in arrival order, with bodies, once they are stored."""
    await wait_until_async(lambda: store.count() >= count, what=f"{count} captures stored")
    found = [store.get(c.id) for c in store.captures(limit=0, newest_first=False)]
    return [c for c in found if c is not None]


def use_endpoints(listener: Any, *endpoints: Endpoint) -> None:
    # An in-memory table: the listener consults it on every request.
    listener.endpoints = EndpointTable(endpoints=list(endpoints))


@pytest.fixture
async def running() -> AsyncIterator[Callable[[Any], Any]]:
    started: list[Any] = []

    async def start(double: Any) -> Any:
        await double.start()
        started.append(double)
        return double

    yield start
    for double in started:
        await double.stop()


async def test_celantur_v2_round_trip(
    listener: Any, store: CaptureStore, running: Callable[[Any], Any]
) -> None:
    double: CelanturSim = await running(CelanturSim(step_delay=0.05))
    use_endpoints(listener, Endpoint("/celantur", vendor="celantur", token="k3y"))
    webhook = f"{listener.url}/celantur?key=k3y"
    async with CelanturClient("user@example.com", "s3cret-pass", base_url=double.base_url) as c:
        task = await c.submit(JPEG, webhook=webhook, face=True, person=True)
        await double.wait_for_deliveries(1)
        status = await c.get_status(task.task_id)

    assert all(not (r.header("Authorization") or "").startswith("Bearer ") for r in double.requests)
    delivery = double.deliveries[0]
    assert delivery.url == webhook and delivery.status == 200
    assert status["webhook_status"] == "sent"
    (capture,) = await captures(store, 1)
    assert capture.body == delivery.body
    assert capture.vendor == "celantur" and capture.endpoint == "/celantur"
    assert capture.event is not None
    assert capture.event["task_id"] == task.task_id  # an integer, as Celantur sends it
    assert capture.event["status"] == "done"
    assert capture.validation.result == "valid"


@pytest.mark.parametrize("shape", ["json", "form", "keyvalue"])
async def test_celantur_v1_round_trip_keeps_the_whole_webhook_url(
    listener: Any, store: CaptureStore, running: Callable[[Any], Any], shape: str
) -> None:
    double: CelanturSim = await running(CelanturSim(v1_webhook_body=shape))  # type: ignore[arg-type]
    use_endpoints(listener, Endpoint("/celantur-v1", vendor="celantur-v1", token="k3y"))
    webhook = f"{listener.url}/celantur-v1?run=a+b&x=1=2&key=k3y"
    async with CelanturV1Client(
        "user@example.com", "s3cret-pass", base_url=double.base_url
    ) as client:
        answer = await client.upload_file(JPEG, name="car.jpg", webhook=webhook)
        await double.wait_for_deliveries(1)

    file = double.tasks[answer["file_id"]]
    assert file.webhook == webhook and not file.webhook_looks_truncated
    (capture,) = await captures(store, 1)
    assert capture.path == "/celantur-v1" and capture.query == "run=a+b&x=1=2&key=k3y"
    assert capture.vendor == "celantur-v1"
    assert capture.event is not None
    assert str(capture.event["task_id"]) == str(answer["file_id"])
    assert capture.event["status"] == "done"
    assert capture.validation.result == "valid"


async def test_blurit_round_trip_every_answer_compliant(
    listener: Any, store: CaptureStore, running: Callable[[Any], Any]
) -> None:
    double: BlurItSim = await running(BlurItSim(step_delay=0.05))
    async with BlurItClient("client-id", "secret-id", base_url=double.base_url) as client:
        uid, token, action = await client.ensure_webhook(f"{listener.url}/blurit")
        assert action == "created"
        # What submit does with the returned token: it becomes the endpoint's token.
        use_endpoints(listener, Endpoint("/blurit", vendor="blurit", token=token))
        job_id = await client.create_job(JPEG, "street.jpg", content_type="image/jpeg")
        await double.wait_for_deliveries(3)
        status = await client.job_status(job_id)

    assert all((r.header("Authorization") or "").startswith("Bearer ") for r in double.requests[1:])
    assert status["status"] == "Succeeded"
    assert [d.json["status"] for d in double.deliveries] == ["Sent", "Started", "Succeeded"]
    assert all(d.headers["X-Auth-Token"] == token for d in double.deliveries)
    assert [(d.compliant, d.problem) for d in double.deliveries] == [(True, None)] * 3
    got = await captures(store, 3)
    assert [c.event["status"] if c.event else None for c in got] == [
        "Sent",
        "Started",
        "Succeeded",
    ]
    assert all(c.event and c.event["task_id"] == job_id for c in got)
    assert all(c.validation.result == "valid" and c.vendor == "blurit" for c in got)
    assert all(c.header("X-Auth-Token") == token for c in got)
    assert double.webhooks[uid].active


async def test_blurit_double_notices_a_non_compliant_receiver(
    listener: Any, store: CaptureStore, running: Callable[[Any], Any]
) -> None:
    """No blurit endpoint on the path: the listener's generic 200 lacks taskId."""
    double: BlurItSim = await running(BlurItSim(step_delay=0.02, deactivate_after=2))
    async with BlurItClient("client-id", "secret-id", base_url=double.base_url) as client:
        uid, _token, _ = await client.ensure_webhook(f"{listener.url}/unconfigured")
        await client.create_job(JPEG, "street.jpg")
        await double.wait_for_deliveries(2)
        await double.wait_idle()  # the job has finished: a third webhook would have been sent
    assert [d.status for d in double.deliveries] == [200, 200]
    assert not any(d.compliant for d in double.deliveries)
    assert "taskId" in (double.deliveries[0].problem or "")
    # After two bad answers the simulated BlurIt stopped calling: no third delivery.
    assert not double.webhooks[uid].active and len(double.deliveries) == 2
    assert len(await captures(store, 2)) == 2


async def test_anesya_round_trip(
    listener: Any, store: CaptureStore, running: Callable[[Any], Any]
) -> None:
    double: AnesyaSim = await running(AnesyaSim(step_delay=0.05))
    hook = double.add_webhook(f"{listener.url}/anesya", "extract.completed", token="wh-token")
    double.add_webhook(f"{listener.url}/anesya", "extract.failed", token="wh-token")
    use_endpoints(listener, Endpoint("/anesya", vendor="anesya", token="wh-token"))
    async with AnesyaClient("anesya-test-key", base_url=double.base_url) as client:
        extract = await client.create_extract(PDF, "invoice.pdf", server="EU-1")
        await double.wait_for_deliveries(1)
        await double.wait_idle()  # the extract has finished: no other webhook is on its way

    (delivery,) = double.deliveries
    assert delivery.status == 200
    assert delivery.headers["User-Agent"] == "Anesya-WebhookBot/1.0"
    (capture,) = await captures(store, 1)
    assert capture.header("User-Agent") == "Anesya-WebhookBot/1.0"
    assert capture.header("X-Webhook-Token") == "wh-token"
    assert capture.header("X-Webhook-Id") == hook.id
    assert capture.vendor == "anesya" and capture.validation.result == "valid"
    assert capture.event is not None
    assert capture.event["task_id"] == extract["id"]
    assert capture.event["event"] == "extract.completed"
    assert capture.event.get("status") == "FINISHED"
