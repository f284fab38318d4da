"""BlurIt profile: X-Auth-Token, and the answer BlurIt requires: 200 {"taskId": same}."""

from __future__ import annotations

import json

from vendor_factories import BLURIT_JOB, BLURIT_TOKEN, anesya_capture, blurit_capture, make_capture

from inspector.core.capture import Capture
from inspector.core.endpoints import Endpoint
from inspector.core.responses import ResponsePlan
from inspector.core.vendors import ParsedEvent, VendorBody, detect_vendor, get_profile
from inspector.core.vendors.blurit import compliance_problem

PROFILE = get_profile("blurit")


def parse(capture: Capture) -> ParsedEvent:
    return PROFILE.parse(capture, VendorBody.of(capture))


ENDPOINT = Endpoint("/blurit", vendor="blurit", token=BLURIT_TOKEN)


def answer(token: str | None) -> tuple[ResponsePlan, str]:
    capture = blurit_capture(token)
    validation = PROFILE.validate(capture, ENDPOINT)
    plan = PROFILE.respond(capture, ENDPOINT, validation, parse(capture))
    return plan, validation.result


def test_valid_token_gets_taskid_echo() -> None:
    plan, result = answer(BLURIT_TOKEN)
    assert result == "valid"
    assert plan.status == 200
    assert json.loads(plan.body) == {"taskId": BLURIT_JOB}
    assert ("Content-Type", "application/json") in plan.headers
    assert compliance_problem(plan, BLURIT_JOB) is None


def test_wrong_token_gets_401_with_reason_and_no_secret() -> None:
    plan, result = answer("bl-wrong-token-000000000000000000000")
    assert result == "invalid"
    assert plan.status == 401
    payload = json.loads(plan.body)
    assert payload == {"error": "invalid token in X-Auth-Token header"}
    assert BLURIT_TOKEN.encode() not in plan.body


def test_missing_token_gets_401() -> None:
    plan, result = answer(None)
    assert result == "missing"
    assert plan.status == 401
    assert json.loads(plan.body) == {"error": "missing X-Auth-Token header"}


def test_bearer_prefixed_token_is_rejected_with_explanation() -> None:
    capture = blurit_capture(f"Bearer {BLURIT_TOKEN}")
    validation = PROFILE.validate(capture, ENDPOINT)
    assert validation.result == "invalid"
    assert "'Bearer ' prefix" in validation.detail


def test_parse_statuses_and_oddities() -> None:
    for status in ("Sent", "Started", "Succeeded", "Failed"):
        parsed = parse(blurit_capture(status=status))
        assert parsed.event == {"task_id": BLURIT_JOB, "status": status}
        assert parsed.notes == []
    odd = parse(make_capture("/b", b'{"taskId": 42, "status": "Done"}'))
    assert odd.event == {"task_id": 42, "status": "Done"}
    assert len(odd.notes) == 2
    broken = parse(make_capture("/b", b'{"taskId": '))
    assert broken.event is None and "not valid JSON" in broken.notes[0]


def test_body_without_task_id_gets_400() -> None:
    capture = make_capture("/blurit", b'{"hello": 1}', [("X-Auth-Token", BLURIT_TOKEN)])
    validation = PROFILE.validate(capture, ENDPOINT)
    plan = PROFILE.respond(capture, ENDPOINT, validation, parse(capture))
    assert plan.status == 400


def test_detect() -> None:
    assert PROFILE.detect(blurit_capture()) == 1.0
    assert PROFILE.detect(blurit_capture(token=None)) >= 0.5
    assert PROFILE.detect(anesya_capture()) == 0.0
    assert detect_vendor(blurit_capture()) == ("blurit", 1.0)


def test_compliance_problem() -> None:
    ok = ResponsePlan(200, [], json.dumps({"taskId": "a"}).encode())
    assert compliance_problem(ok, "a") is None
    assert "requires 200" in (compliance_problem(ResponsePlan(204, [], b""), "a") or "")
    assert "not JSON" in (compliance_problem(ResponsePlan(200, [], b"ok"), "a") or "")
    assert "does not echo" in (
        compliance_problem(ResponsePlan(200, [], b'{"taskId":"b"}'), "a") or ""
    )
