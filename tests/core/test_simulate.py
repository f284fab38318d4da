"""Sample webhooks: vendor-accurate headers and bodies that the pipeline recognises,
parses and validates against the endpoint they are made for."""

from __future__ import annotations

import base64
import json
import random
from typing import Any

import pytest

from inspector.core.capture import Capture
from inspector.core.endpoints import Endpoint, EndpointTable
from inspector.core.pipeline import process_capture
from inspector.core.responses import ResponsePlan
from inspector.core.simulate import sample_requests, vendor_events
from inspector.core.vendors import detect_vendor, get_vendor

NOW = 1_750_000_000.0
VENDORS = ["celantur", "celantur-v1", "blurit", "anesya", "generic"]


def rng() -> random.Random:
    return random.Random(7)


def process(capture: Capture, endpoints: EndpointTable, **kwargs: Any) -> ResponsePlan:
    """What the listener does: match the capture's endpoint once, then process it."""
    return process_capture(capture, endpoints.match(capture.path), **kwargs)


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_event_of_every_vendor_validates_and_parses(vendor: str) -> None:
    endpoint = Endpoint(get_vendor(vendor).default_path, vendor=vendor, token="tok-123456789012")
    table = EndpointTable(None, [endpoint])
    for event in vendor_events(vendor):
        for sample in sample_requests(vendor, event, endpoint, now=NOW, rng=rng()):
            capture = sample.to_capture()
            plan = process(capture, table, now=NOW)
            assert capture.vendor == vendor
            assert capture.validation.result == "valid", (event, capture.validation.detail)
            assert capture.event is not None, (vendor, event, capture.notes)
            assert 200 <= plan.status < 300
            assert capture.source == "simulate"


@pytest.mark.parametrize("vendor", ["celantur", "celantur-v1", "blurit", "anesya"])
def test_samples_are_detected_without_an_endpoint(vendor: str) -> None:
    for sample in sample_requests(vendor, rng=rng()):
        assert detect_vendor(sample.to_capture())[0] == vendor


def test_blurit_sequence_has_one_job_id() -> None:
    samples = sample_requests("blurit", endpoint=Endpoint("/b", vendor="blurit", token="T"))
    bodies = [json.loads(s.body) for s in samples]
    assert [b["status"] for b in bodies] == ["Sent", "Started", "Succeeded"]
    assert len({b["taskId"] for b in bodies}) == 1
    assert all(
        s.headers == [("Content-Type", "application/json"), ("X-Auth-Token", "T")] for s in samples
    )
    assert all(s.path == "/b" and s.method == "POST" for s in samples)
    failed = sample_requests("blurit", "failed")
    assert [json.loads(s.body)["status"] for s in failed] == ["Sent", "Started", "Failed"]
    assert [json.loads(s.body)["status"] for s in sample_requests("blurit", "Started")] == [
        "Sent",
        "Started",
    ]


def test_blurit_without_any_token_still_sends_one() -> None:
    sample = sample_requests("blurit")[0]
    assert sample.path == "/blurit"
    assert any(k == "X-Auth-Token" and v for k, v in sample.headers)


def test_anesya_headers_and_body() -> None:
    sample = sample_requests("anesya", "extract.failed", token="AT", now=NOW, rng=rng())[0]
    names = [k for k, _ in sample.headers]
    assert names == ["User-Agent", "Content-Type", "X-Webhook-Id", "X-Webhook-Token"]
    headers = dict(sample.headers)
    assert headers["User-Agent"] == "Anesya-WebhookBot/1.0"
    assert headers["X-Webhook-Token"] == "AT"
    body = json.loads(sample.body)
    assert body["id"] == headers["X-Webhook-Id"]
    assert body["event"] == "extract.failed"
    assert body["timestamp"] == "2025-06-15T15:06:40Z"
    assert body["data"]["status"] == "ERROR"


def test_celantur_bodies_keep_vendor_types() -> None:
    v2 = json.loads(sample_requests("celantur", rng=rng())[0].body)
    assert isinstance(v2["task_id"], int) and v2["task_status"] == "done" and v2["anonymized_url"]
    failed = json.loads(sample_requests("celantur", "failed", rng=rng())[0].body)
    assert failed["task_status"] == "failed" and "anonymized_url" not in failed
    v1 = json.loads(sample_requests("celantur-v1", rng=rng())[0].body)
    assert v1["file_status"] == "done" and v1["anonymized_link"]


def test_celantur_token_travels_in_the_query() -> None:
    sample = sample_requests("celantur", token="my secret&x")[0]
    assert sample.query == "key=my+secret%26x"
    assert sample.target == "/celantur?key=my+secret%26x"
    endpoint = Endpoint("/c", vendor="celantur", query_token="sig=abc")
    assert sample_requests("celantur", endpoint=endpoint)[0].query == "sig=abc"


def test_token_argument_overrides_to_show_a_failure() -> None:
    endpoint = Endpoint("/anesya", vendor="anesya", token="right-token-123456")
    sample = sample_requests("anesya", endpoint=endpoint, token="wrong-token-123456")[0]
    capture = sample.to_capture()
    plan = process(capture, EndpointTable(None, [endpoint]))
    assert plan.status == 401
    assert capture.validation.result == "invalid"


SW = "whsec_" + base64.b64encode(b"s" * 32).decode()


@pytest.mark.parametrize(
    "endpoint",
    [
        Endpoint(
            "/g",
            scheme="hmac-sha256",
            secret="k",
            header="X-Sig",
            encoding="base64",
            prefix="sha256=",
        ),
        Endpoint("/g", scheme="github", secret="k"),
        Endpoint("/g", scheme="stripe", secret="whsec_k"),
        Endpoint("/g", scheme="standard-webhooks", secret=SW),
        Endpoint("/g", scheme="token-header", token="k", header="X-Key"),
        Endpoint("/g", scheme="query-token", query_token="k=v"),
    ],
    ids=lambda e: e.scheme,
)
def test_generic_samples_are_signed_with_the_endpoint_scheme(endpoint: Endpoint) -> None:
    table = EndpointTable(None, [endpoint])
    capture = sample_requests("generic", "task.completed", endpoint, now=NOW)[0].to_capture()
    process(capture, table, now=NOW)
    assert capture.validation.result == "valid", capture.validation.detail
    assert capture.event is not None and capture.event["event"] == "task.completed"
    other = "whsec_" + base64.b64encode(b"o" * 32).decode()
    token = other if endpoint.scheme == "standard-webhooks" else "other"
    wrong = sample_requests("generic", None, endpoint, token=token, now=NOW)[0].to_capture()
    process(wrong, table, now=NOW)
    assert wrong.validation.result == "invalid"


def test_unknown_vendor_and_event() -> None:
    with pytest.raises(ValueError, match="unknown vendor 'acme'"):
        sample_requests("acme")
    with pytest.raises(
        ValueError, match=r"unknown event 'finished' for celantur; choose one of done, failed"
    ):
        sample_requests("celantur", "finished")
    assert "parsing.partial_finished" in vendor_events("anesya")
    assert sample_requests("anesya", "EXTRACT.COMPLETED")  # names are case-insensitive
    sw = Endpoint("/g", scheme="standard-webhooks", secret=SW)
    with pytest.raises(ValueError, match="not base64"):
        sample_requests("generic", endpoint=sw, token="not base64!")


def test_deterministic_with_a_seeded_rng() -> None:
    a = sample_requests("anesya", now=NOW, rng=random.Random(1))
    b = sample_requests("anesya", now=NOW, rng=random.Random(1))
    assert a == b
