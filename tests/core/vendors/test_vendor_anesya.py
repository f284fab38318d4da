"""Anesya profile: X-Webhook-Token, X-Webhook-Id, the bot User-Agent, extract events."""

from __future__ import annotations

import json

from vendor_factories import (
    ANESYA_PAYLOAD,
    ANESYA_TOKEN,
    anesya_capture,
    blurit_capture,
    json_body,
    make_capture,
)

from inspector.core.capture import Capture
from inspector.core.endpoints import Endpoint
from inspector.core.validation import sign_hmac_sha256
from inspector.core.vendors import ParsedEvent, VendorBody, detect_vendor, get_profile

PROFILE = get_profile("anesya")


def parse(capture: Capture) -> ParsedEvent:
    return PROFILE.parse(capture, VendorBody.of(capture))


ENDPOINT = Endpoint("/anesya", vendor="anesya", token=ANESYA_TOKEN)


def test_parse_extract_completed() -> None:
    parsed = parse(anesya_capture())
    assert parsed.event == {
        "task_id": ANESYA_PAYLOAD["data"]["id"],
        "event": "extract.completed",
        "status": "FINISHED",
    }
    assert parsed.links == {"document_url": ANESYA_PAYLOAD["data"]["document_url"]}
    assert parsed.notes == []


def test_parse_failed_and_unknown_event() -> None:
    failed = {
        **ANESYA_PAYLOAD,
        "event": "extract.failed",
        "data": {**ANESYA_PAYLOAD["data"], "status": "ERROR", "error": "unreadable"},
    }
    parsed = parse(anesya_capture(payload=failed))
    assert parsed.event is not None
    assert parsed.event["status"] == "ERROR" and parsed.event["error"] == "unreadable"
    odd = parse(anesya_capture(payload={**ANESYA_PAYLOAD, "event": "extract.exploded"}))
    assert any("not one Anesya documents" in n for n in odd.notes)


def test_webhook_id_mismatch_is_noted() -> None:
    capture = anesya_capture(payload={**ANESYA_PAYLOAD, "id": "other-id"})
    assert any("X-Webhook-Id" in n for n in parse(capture).notes)


def test_valid_wrong_missing_token() -> None:
    good = anesya_capture()
    validation = PROFILE.validate(good, ENDPOINT)
    assert validation.result == "valid"
    plan = PROFILE.respond(good, ENDPOINT, validation, parse(good))
    assert 200 <= plan.status < 300

    wrong = anesya_capture(token="an-wrong-0000000000000000000000000000")
    validation = PROFILE.validate(wrong, ENDPOINT)
    assert validation.result == "invalid"
    plan = PROFILE.respond(wrong, ENDPOINT, validation, parse(wrong))
    assert plan.status == 401
    assert json.loads(plan.body) == {"error": "invalid token in X-Webhook-Token header"}
    assert ANESYA_TOKEN not in validation.detail

    missing = anesya_capture(token=None)
    assert PROFILE.validate(missing, ENDPOINT).result == "missing"


def test_token_plus_configured_signature_covers_the_body() -> None:
    # Anesya announces per-webhook signatures (header unconfirmed): configurable HMAC on top.
    endpoint = Endpoint(
        "/anesya",
        vendor="anesya",
        token=ANESYA_TOKEN,
        scheme="hmac-sha256",
        secret="sig-secret",
        header="X-Webhook-Signature",
    )
    capture = anesya_capture()
    capture.headers += sign_hmac_sha256(
        capture.body_bytes, "sig-secret", header="X-Webhook-Signature"
    )
    result = PROFILE.validate(capture, endpoint)
    assert result.result == "valid" and result.scheme == "token-header+hmac-sha256"
    tampered = anesya_capture(payload={**ANESYA_PAYLOAD, "event": "extract.failed"})
    tampered.headers = capture.headers
    assert PROFILE.validate(tampered, endpoint).result == "invalid"


def test_detect() -> None:
    assert PROFILE.detect(anesya_capture()) == 1.0
    no_headers = make_capture("/x", json_body(ANESYA_PAYLOAD))
    assert PROFILE.detect(no_headers) >= 0.4
    assert PROFILE.detect(blurit_capture()) == 0.0
    assert detect_vendor(anesya_capture())[0] == "anesya"
