"""Generic profile: whichever scheme the endpoint configures, and best-effort parsing."""

from __future__ import annotations

import base64
import json

import pytest
from vendor_factories import blurit_capture, make_capture

from inspector.core.capture import Capture
from inspector.core.endpoints import Endpoint
from inspector.core.validation import SchemeConfig, sign
from inspector.core.vendors import ParsedEvent, VendorBody, get_profile

PROFILE = get_profile("generic")


def parse(capture: Capture) -> ParsedEvent:
    return PROFILE.parse(capture, VendorBody.of(capture))


BODY = json.dumps({"id": "evt_1", "type": "invoice.paid", "status": "paid"}).encode()
SW = "whsec_" + base64.b64encode(b"k" * 24).decode()
NOW = 1_750_000_000

ENDPOINTS = [
    Endpoint("/g", scheme="hmac-sha256", secret="s1", header="X-Signature-256", prefix="sha256="),
    Endpoint("/g", scheme="hmac-sha256", secret="s1", header="X-Sig", encoding="base64"),
    Endpoint("/g", scheme="github", secret="s2"),
    Endpoint("/g", scheme="stripe", secret="whsec_s3"),
    Endpoint("/g", scheme="standard-webhooks", secret=SW),
    Endpoint("/g", scheme="token-header", token="t4", header="X-Api-Key"),
    Endpoint("/g", token="t5"),
]


def signed_capture(
    endpoint: Endpoint, body: bytes = BODY, ts: int = NOW
) -> tuple[list[tuple[str, str]], str]:
    headers: list[tuple[str, str]] = [("Content-Type", "application/json")]
    queries = []
    for config in PROFILE.checks(endpoint):
        extra, query = sign(config, body, timestamp=ts, msg_id="msg_1")
        headers += extra
        queries.append(query)
    return headers, "&".join(q for q in queries if q)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.scheme or "token")
def test_valid_and_tampered(endpoint: Endpoint) -> None:
    headers, query = signed_capture(endpoint)
    assert (
        PROFILE.validate(make_capture("/g", BODY, headers, query), endpoint, now=NOW).result
        == "valid"
    )
    tampered = make_capture("/g", BODY.replace(b"paid", b"void"), headers, query)
    expected = "valid" if endpoint.scheme in (None, "token-header") else "invalid"
    assert PROFILE.validate(tampered, endpoint, now=NOW).result == expected


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.scheme or "token")
def test_missing_headers(endpoint: Endpoint) -> None:
    capture = make_capture("/g", BODY, [("Content-Type", "application/json")])
    assert PROFILE.validate(capture, endpoint, now=NOW).result == "missing"


def test_default_token_header() -> None:
    assert PROFILE.checks(Endpoint("/g", token="t")) == [
        SchemeConfig("token-header", "t", header="X-Webhook-Token")
    ]
    assert PROFILE.checks(Endpoint("/g")) == []


def test_parse_common_shapes() -> None:
    parsed = parse(make_capture("/g", BODY))
    assert parsed.event == {"task_id": "evt_1", "event": "invoice.paid", "status": "paid"}
    gh = make_capture(
        "/g", b'{"zen": "x"}', [("X-GitHub-Event", "ping"), ("X-GitHub-Delivery", "d-1")]
    )
    assert parse(gh).event == {"task_id": "d-1", "event": "ping"}
    assert parse(make_capture("/g", b"plain text")).event is None


def test_detect_stays_below_threshold() -> None:
    headers, _ = signed_capture(ENDPOINTS[2])
    assert 0 < PROFILE.detect(make_capture("/g", BODY, headers)) < 0.5
    assert PROFILE.detect(blurit_capture()) == 0.0
