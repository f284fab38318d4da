"""Celantur v1 profile: lenient parsing (JSON, form, key=value lines) and the truncated
webhook query that an unencoded webhook URL produces."""

from __future__ import annotations

from urllib.parse import urlencode

from vendor_factories import (
    CELANTUR_PAYLOAD,
    CELANTUR_V1_FIELDS,
    CELANTUR_V1_LINES,
    json_body,
    make_capture,
)

from inspector.core.capture import Capture, Validation
from inspector.core.endpoints import Endpoint
from inspector.core.vendors import ParsedEvent, VendorBody, detect_vendor, get_profile
from inspector.core.vendors.celantur_v1 import parse_lines

PROFILE = get_profile("celantur-v1")


def parse(capture: Capture) -> ParsedEvent:
    return PROFILE.parse(capture, VendorBody.of(capture))


EXPECTED_EVENT = {"task_id": CELANTUR_V1_FIELDS["file_id"], "status": "done"}
LINKS = {k: v for k, v in CELANTUR_V1_FIELDS.items() if k.endswith("_link")}


def test_parse_json() -> None:
    parsed = parse(make_capture("/v1", json_body(CELANTUR_V1_FIELDS)))
    assert parsed.event == EXPECTED_EVENT
    assert parsed.links == LINKS
    assert parsed.notes == []


def test_parse_form_encoded() -> None:
    body = urlencode(CELANTUR_V1_FIELDS).encode()
    parsed = parse(
        make_capture("/v1", body, [("Content-Type", "application/x-www-form-urlencoded")])
    )
    assert parsed.event == EXPECTED_EVENT
    assert parsed.links == LINKS
    assert any("form-encoded" in n for n in parsed.notes)


def test_parse_documented_lines() -> None:
    parsed = parse(make_capture("/v1", CELANTUR_V1_LINES, [("Content-Type", "text/plain")]))
    assert parsed.event == EXPECTED_EVENT
    assert parsed.links == LINKS
    assert any("key=value" in n for n in parsed.notes)


def test_parse_lines_variants() -> None:
    assert parse_lines("{file_id=12, file_status=done}") == {"file_id": "12", "file_status": "done"}
    assert parse_lines("file_status = 'queued'\nmetadata_link=https://x/y?a=1") == {
        "file_status": "queued",
        "metadata_link": "https://x/y?a=1",
    }


def test_garbage_and_v2_bodies_are_not_v1() -> None:
    parsed = parse(make_capture("/v1", b"\x00\xff\xfe binary"))
    assert parsed.event is None
    assert any("no Celantur v1 fields" in n for n in parsed.notes)
    assert PROFILE.detect(make_capture("/x", json_body(CELANTUR_PAYLOAD))) == 0.0


def test_detect_tells_v1_from_v2() -> None:
    assert PROFILE.detect(make_capture("/x", CELANTUR_V1_LINES)) >= 0.9
    assert detect_vendor(make_capture("/x", json_body(CELANTUR_V1_FIELDS)))[0] == "celantur-v1"
    assert detect_vendor(make_capture("/x", json_body(CELANTUR_PAYLOAD)))[0] == "celantur"


def test_truncated_query_missing_parameter_is_explained() -> None:
    # Registered https://host/celantur-v1?user=5&key=SECRET unencoded: Celantur kept ?user=5.
    endpoint = Endpoint("/celantur-v1", vendor="celantur-v1", query_token="key=SECRET")
    capture = make_capture("/celantur-v1", json_body(CELANTUR_V1_FIELDS), query="user=5")
    validation = PROFILE.validate(capture, endpoint)
    assert validation.result == "missing"
    notes = PROFILE.diagnose(capture, endpoint, validation)
    assert len(notes) == 1
    assert "cut at an '&'" in notes[0]
    assert "quote(url, safe='')" in notes[0]


def test_truncated_query_value_with_ampersand_is_explained() -> None:
    endpoint = Endpoint("/celantur-v1", vendor="celantur-v1", token="abc&def")
    capture = make_capture("/celantur-v1", json_body(CELANTUR_V1_FIELDS), query="key=abc")
    validation = PROFILE.validate(capture, endpoint)
    assert validation.result == "invalid"
    notes = PROFILE.diagnose(capture, endpoint, validation)
    assert len(notes) == 1 and "before its '&'" in notes[0]


def test_intact_query_has_no_truncation_note() -> None:
    endpoint = Endpoint("/celantur-v1", vendor="celantur-v1", query_token="key=SECRET")
    capture = make_capture("/celantur-v1", json_body(CELANTUR_V1_FIELDS), query="user=5&key=SECRET")
    validation = PROFILE.validate(capture, endpoint)
    assert validation.result == "valid"
    assert PROFILE.diagnose(capture, endpoint, validation) == []
    # A wrong token is a wrong token, not a truncation.
    wrong = make_capture("/celantur-v1", b"{}", query="key=OTHER")
    assert PROFILE.diagnose(wrong, endpoint, Validation("invalid")) == []
    assert PROFILE.diagnose(wrong, None, Validation("unchecked")) == []
