"""Celantur v2 profile: the documented payload, the docs' invalid sample, query tokens."""

from __future__ import annotations

from vendor_factories import (
    BLURIT_JOB,
    CELANTUR_DOCS_SAMPLE,
    CELANTUR_PAYLOAD,
    blurit_capture,
    json_body,
    make_capture,
)

from inspector.core.capture import Capture
from inspector.core.endpoints import Endpoint
from inspector.core.vendors import ParsedEvent, VendorBody, detect_vendor, get_profile

PROFILE = get_profile("celantur")


def parse(capture: Capture) -> ParsedEvent:
    return PROFILE.parse(capture, VendorBody.of(capture))


TOKEN = "my-own-secret-0123456789"


def test_parse_documented_payload_keeps_integer_task_id() -> None:
    parsed = parse(make_capture("/celantur", json_body(CELANTUR_PAYLOAD)))
    assert parsed.event == {"task_id": 1693295888421318, "status": "done"}
    assert type(parsed.event["task_id"]) is int
    assert parsed.links == {"anonymized_url": CELANTUR_PAYLOAD["anonymized_url"]}
    assert parsed.notes == []


def test_docs_sample_with_typographic_quote_gets_a_clear_note() -> None:
    parsed = parse(make_capture("/celantur", CELANTUR_DOCS_SAMPLE))
    joined = " ".join(parsed.notes)
    assert "body is not valid JSON" in joined
    assert "at line 1 column" in joined
    assert "typographic quote (\u201d)" in joined
    # What can be recovered still is, so the task shows up on the timeline.
    assert parsed.event == {"task_id": 1693295888421318, "status": "done"}


def test_failed_task_and_string_task_id_note() -> None:
    body = json_body(
        {
            **CELANTUR_PAYLOAD,
            "task_id": "17",
            "task_status": "failed",
            "anonymized_url": None,
            "failure_cause": "CONTENT_TYPE_ERROR",
        }
    )
    parsed = parse(make_capture("/c", body))
    assert parsed.event == {
        "task_id": "17",
        "status": "failed",
        "failure_cause": "CONTENT_TYPE_ERROR",
    }
    assert any("integer" in n for n in parsed.notes)
    assert parsed.links == {}


def test_done_without_url_is_noted() -> None:
    body = json_body({k: v for k, v in CELANTUR_PAYLOAD.items() if k != "anonymized_url"})
    assert any("no anonymized_url" in n for n in parse(make_capture("/c", body)).notes)


def test_detect() -> None:
    assert PROFILE.detect(make_capture("/x", json_body(CELANTUR_PAYLOAD))) >= 0.9
    assert PROFILE.detect(make_capture("/x", CELANTUR_DOCS_SAMPLE)) >= 0.9
    assert PROFILE.detect(blurit_capture()) == 0.0
    assert detect_vendor(make_capture("/x", json_body(CELANTUR_PAYLOAD)))[0] == "celantur"
    assert BLURIT_JOB  # the BlurIt fixture really carries a job, so the 0.0 above means something


def test_token_is_checked_as_query_key() -> None:
    endpoint = Endpoint("/celantur", vendor="celantur", token=TOKEN)
    body = json_body(CELANTUR_PAYLOAD)
    good = PROFILE.validate(make_capture("/celantur", body, query=f"key={TOKEN}"), endpoint)
    assert good.result == "valid" and good.scheme == "query-token"
    wrong = PROFILE.validate(make_capture("/celantur", body, query="key=guess"), endpoint)
    assert wrong.result == "invalid" and TOKEN not in wrong.detail
    missing = PROFILE.validate(make_capture("/celantur", body), endpoint)
    assert missing.result == "missing" and "key" in missing.detail


def test_explicit_query_token_wins() -> None:
    endpoint = Endpoint("/celantur", vendor="celantur", query_token="sig=abc")
    body = json_body(CELANTUR_PAYLOAD)
    assert PROFILE.validate(make_capture("/c", body, query="sig=abc"), endpoint).result == "valid"
    assert PROFILE.validate(make_capture("/c", body, query="sig=abd"), endpoint).result == "invalid"


def test_no_credentials_is_unchecked_and_answer_is_2xx() -> None:
    endpoint = Endpoint("/celantur", vendor="celantur")
    capture = make_capture("/c", json_body(CELANTUR_PAYLOAD))
    validation = PROFILE.validate(capture, endpoint)
    assert validation.result == "unchecked"
    plan = PROFILE.respond(capture, endpoint, validation, parse(capture))
    assert 200 <= plan.status < 300
