"""HAR 1.2 export/import: structure, lossless round trip, other tools' files, bad input."""

from __future__ import annotations

import base64
import io
import json
import threading
from typing import Any

import pytest
from capture_factory import full_json, make_capture, varied_captures

from inspector.core.formats import (
    MASK,
    ImportCancelled,
    detect_format,
    dumps_har,
    load_captures,
    load_har,
    write_har,
)
from inspector.core.formats.har import har_entry, har_url

# -- a checker for the HAR 1.2 required structure (http://www.softwareishard.com/blog/har-12-spec/)


def _require(obj: dict[str, Any], fields: dict[str, type | tuple[type, ...]], where: str) -> None:
    assert isinstance(obj, dict), f"{where} is not an object"
    for name, kind in fields.items():
        assert name in obj, f"{where}.{name} is missing"
        assert isinstance(obj[name], kind), f"{where}.{name} is {type(obj[name]).__name__}"


def _check_name_values(items: list[Any], where: str) -> None:
    for i, item in enumerate(items):
        _require(item, {"name": str, "value": str}, f"{where}[{i}]")


def check_har_12(doc: Any) -> None:
    _require(doc, {"log": dict}, "$")
    log = doc["log"]
    _require(log, {"version": str, "creator": dict, "entries": list}, "log")
    assert log["version"] == "1.2"
    _require(log["creator"], {"name": str, "version": str}, "log.creator")
    for i, entry in enumerate(log["entries"]):
        where = f"entries[{i}]"
        _require(
            entry,
            {
                "startedDateTime": str,
                "time": (int, float),
                "request": dict,
                "response": dict,
                "cache": dict,
                "timings": dict,
            },
            where,
        )
        assert entry["startedDateTime"].endswith("Z") or "+" in entry["startedDateTime"]
        req = entry["request"]
        _require(
            req,
            {
                "method": str,
                "url": str,
                "httpVersion": str,
                "cookies": list,
                "headers": list,
                "queryString": list,
                "headersSize": int,
                "bodySize": int,
            },
            f"{where}.request",
        )
        assert req["url"].startswith(("http://", "https://"))
        _check_name_values(req["headers"], f"{where}.request.headers")
        _check_name_values(req["queryString"], f"{where}.request.queryString")
        if "postData" in req:
            _require(req["postData"], {"mimeType": str, "text": str}, f"{where}.postData")
        res = entry["response"]
        _require(
            res,
            {
                "status": int,
                "statusText": str,
                "httpVersion": str,
                "cookies": list,
                "headers": list,
                "content": dict,
                "redirectURL": str,
                "headersSize": int,
                "bodySize": int,
            },
            f"{where}.response",
        )
        _check_name_values(res["headers"], f"{where}.response.headers")
        _require(res["content"], {"size": int, "mimeType": str}, f"{where}.response.content")
        timings = entry["timings"]
        _require(
            timings,
            {"send": (int, float), "wait": (int, float), "receive": (int, float)},
            f"{where}.timings",
        )
        parts = [v for v in timings.values() if isinstance(v, (int, float)) and v >= 0]
        assert entry["time"] == sum(parts)
        # custom fields must be "_"-prefixed
        for key in entry:
            assert key in {
                "startedDateTime",
                "time",
                "request",
                "response",
                "cache",
                "timings",
                "pageref",
                "serverIPAddress",
                "connection",
                "comment",
            } or key.startswith("_")


# -- export ------------------------------------------------------------------------------


def test_export_has_har_12_structure() -> None:
    doc = json.loads(dumps_har(varied_captures()))
    check_har_12(doc)
    assert len(doc["log"]["entries"]) == 6


def test_structure_checker_rejects_broken_har() -> None:
    doc = json.loads(dumps_har([make_capture()]))
    del doc["log"]["entries"][0]["response"]["redirectURL"]
    with pytest.raises(AssertionError, match="redirectURL"):
        check_har_12(doc)


def test_empty_export_is_valid_har() -> None:
    doc = json.loads(dumps_har([]))
    check_har_12(doc)
    assert doc["log"]["entries"] == []


def test_request_fields_of_an_entry() -> None:
    capture = varied_captures()[1]
    entry = har_entry(capture)
    req = entry["request"]
    assert req["method"] == "PURGE"
    assert req["url"] == "http://127.0.0.1:8080/cache/a%2Fb//c?token=abc%2F+def&empty=&flag&sig=ZZ"
    assert [(h["name"], h["value"]) for h in req["headers"]] == capture.headers
    assert req["queryString"] == [
        {"name": "token", "value": "abc/ def"},
        {"name": "empty", "value": ""},
        {"name": "flag", "value": ""},
        {"name": "sig", "value": "ZZ"},
    ]
    assert req["postData"]["_bodyEncoding"] == "base64"
    assert base64.b64decode(req["postData"]["text"]) == capture.body
    assert req["bodySize"] == len(capture.body_bytes)
    res = entry["response"]
    assert res["status"] == 418
    assert res["statusText"] == "I'm a Teapot" or res["statusText"].lower() == "i'm a teapot"
    assert res["content"]["encoding"] == "base64"
    assert entry["startedDateTime"] == "2026-03-01T12:00:01.123456Z"


def test_utf8_body_is_plain_text_and_https_comes_from_forwarded_proto() -> None:
    capture = varied_captures()[0]
    entry = har_entry(capture)
    assert entry["request"]["postData"] == {
        "mimeType": "application/json",
        "text": '{"taskId":"t-42","status":"Succeeded"}',
    }
    assert entry["response"]["content"]["text"] == '{"taskId":"t-42"}'
    assert "encoding" not in entry["response"]["content"]
    anesya = varied_captures()[3]
    assert har_url(anesya).startswith("https://abc.ngrok-free.app/anesya")


def test_each_entry_says_how_the_request_arrived() -> None:
    entries = [har_entry(c) for c in varied_captures()]
    assert [e["_via"] for e in entries] == ["local", "local", "local", "tunnel", "local", "local"]
    # A tunnelled request's scheme is the agent's (the last entry), not the sender's.
    sender_said_http = make_capture(
        via="tunnel", headers=[("Host", "abc.ngrok-free.app"), ("X-Forwarded-Proto", "http, https")]
    )
    assert har_url(sender_said_http) == "https://abc.ngrok-free.app/blurit"


def test_foreign_entry_with_via_imports_it() -> None:
    doc = _foreign_har()
    doc["log"]["entries"][0]["_via"] = "tunnel"
    doc["log"]["entries"][1]["_via"] = "somewhere"
    first, second, third = load_captures(json.dumps(doc))
    assert (first.via, second.via, third.via) == ("tunnel", "local", "local")


def test_url_without_host_header_uses_base_or_localhost() -> None:
    capture = make_capture(headers=[], path="/p", query="x=1")
    assert har_url(capture) == "http://localhost/p?x=1"
    assert har_url(capture, "http://127.0.0.1:8765/ignored") == "http://127.0.0.1:8765/p?x=1"


def test_no_response_is_status_zero() -> None:
    entry = har_entry(make_capture(response=None))
    assert entry["response"]["status"] == 0
    assert entry["response"]["content"] == {"size": 0, "mimeType": ""}


def test_capture_without_loaded_body_is_refused() -> None:
    capture = make_capture(body=None, body_size=12)
    with pytest.raises(ValueError, match="without its body"):
        dumps_har([capture])


# -- round trip --------------------------------------------------------------------------


def test_round_trip_is_lossless() -> None:
    originals = varied_captures()
    text = dumps_har(originals)
    back = load_har(text, keep_source=True)
    assert len(back) == len(originals)
    for a, b in zip(originals, back, strict=True):
        assert full_json(b) == full_json(a)
        assert b.body == a.body  # byte-exact, spelled out


def test_round_trip_marks_source_import_by_default() -> None:
    originals = varied_captures()
    back = load_captures(dumps_har(originals).encode())
    assert [c.source for c in back] == ["import"] * len(originals)
    for a, b in zip(originals, back, strict=True):
        expected = full_json(a)
        expected["source"] = "import"
        assert full_json(b) == expected


def test_streamed_export_reports_progress_and_matches_dumps() -> None:
    originals = varied_captures()
    seen: list[tuple[int, int]] = []
    buf = io.StringIO()
    count = write_har(iter(originals), buf, total=6, on_progress=lambda d, t: seen.append((d, t)))
    assert count == 6
    assert seen == [(i, 6) for i in range(1, 7)]
    assert detect_format(json.loads(buf.getvalue())) == "har"


# -- masking -----------------------------------------------------------------------------


def test_mask_secrets_hides_tokens_everywhere() -> None:
    originals = varied_captures()
    text = dumps_har(originals, mask_secrets=True)
    for secret in ("s3cr3t-token-value", "anesya-secret", "abc%2F+def", "token=dev"):
        assert secret not in text
    assert "wh_1" in text  # X-Webhook-Id names the webhook; it is not a secret
    back = load_har(text)
    assert back[0].header("X-Auth-Token") == MASK
    assert back[1].query == f"token={MASK}&empty=&flag&sig={MASK}"
    assert back[0].forward is not None and back[0].forward.url.endswith(f"token={MASK}")
    assert back[0].body == originals[0].body  # bodies are never masked
    assert originals[0].header("X-Auth-Token") == "s3cr3t-token-value"  # original untouched


# -- other tools' HAR ----------------------------------------------------------------------


def _foreign_har() -> dict[str, Any]:
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": "537.36"},
            "entries": [
                {
                    "startedDateTime": "2026-02-03T04:05:06.789+01:00",
                    "time": 12.3,
                    "request": {
                        "method": "POST",
                        "url": "https://api.example.com/hooks/in?x=%2F&y=1",
                        "httpVersion": "http/2.0",
                        "headers": [
                            {"name": ":authority", "value": "api.example.com"},
                            {"name": ":method", "value": "POST"},
                            {"name": "content-type", "value": "application/json"},
                            {"name": "x-dup", "value": "1"},
                            {"name": "x-dup", "value": "2"},
                        ],
                        "queryString": [],
                        "cookies": [],
                        "headersSize": -1,
                        "bodySize": 11,
                        "postData": {"mimeType": "application/json", "text": '{"a":"é"}'},
                    },
                    "response": {
                        "status": 201,
                        "statusText": "",
                        "httpVersion": "http/2.0",
                        "headers": [{"name": "content-type", "value": "image/png"}],
                        "cookies": [],
                        "content": {
                            "size": 3,
                            "mimeType": "image/png",
                            "text": base64.b64encode(b"\x89PN").decode(),
                            "encoding": "base64",
                        },
                        "redirectURL": "",
                        "headersSize": -1,
                        "bodySize": -1,
                    },
                    "cache": {},
                    "timings": {"send": 1, "wait": 10, "receive": 1.3},
                },
                {
                    # Insomnia-style form body given as params, no response
                    "request": {
                        "method": "PUT",
                        "url": "http://localhost:3000/form",
                        "headers": [{"name": "Host", "value": "localhost:3000"}],
                        "postData": {
                            "mimeType": "application/x-www-form-urlencoded",
                            "params": [{"name": "a b", "value": "c&d"}],
                        },
                    },
                    "response": {"status": 0},
                },
                {
                    # a binary body with the postData "encoding" spelling, null content
                    "request": {
                        "method": "post",
                        "url": "http://h/bin",
                        "headers": [],
                        "postData": {
                            "mimeType": "application/octet-stream",
                            "text": base64.b64encode(b"\xff\x00").decode(),
                            "encoding": "base64",
                        },
                    },
                    "response": {"status": 204, "content": None},
                },
            ],
        }
    }


def test_import_foreign_har() -> None:
    first, second, third = load_captures(json.dumps(_foreign_har()))
    assert first.source == "import"
    assert first.method == "POST"
    assert first.path == "/hooks/in"
    assert first.query == "x=%2F&y=1"
    assert first.headers == [
        ("Host", "api.example.com"),
        ("content-type", "application/json"),
        ("x-dup", "1"),
        ("x-dup", "2"),
    ]
    assert first.body == '{"a":"é"}'.encode()
    assert first.received_at.isoformat() == "2026-02-03T03:05:06.789000+00:00"
    assert first.response is not None
    assert first.response.status == 201
    assert first.response.body == b"\x89PN"
    assert first.content_type == "application/json"
    assert any("another tool" in n for n in first.notes)

    assert second.body == b"a+b=c%26d"
    assert second.response is None
    assert second.headers == [("Host", "localhost:3000")]

    assert third.body == b"\xff\x00"
    assert third.response is not None and third.response.body == b""


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "empty"),
        (b"<html></html>", "not JSON"),
        (b"[1, 2]", "top level is a JSON list"),
        (b'{"foo": 1}', "neither"),
        (b'{"log": {"entries": 3}}', "log.entries"),
        (b'{"log": {"entries": [{"request": {"url": "http://h/"}}]}}', "entry #1"),
        (b'{"log": {"entries": [7]}}', "entry #1"),
        (
            b'{"log": {"entries": [{"request": {"method": "POST", "url": "http://h/",'
            b' "postData": {"text": "!!", "_bodyEncoding": "base64"}}}]}}',
            "bad base64",
        ),
        (
            b'{"log": {"entries": [{"request": {"method": "GET", "url": "http://h/",'
            b' "headers": [{"value": "x"}]}}]}}',
            "header without a name",
        ),
    ],
)
def test_bad_input_is_one_clear_value_error(data: bytes, why: str) -> None:
    with pytest.raises(ValueError, match="not a HAR or webhook-inspector export") as info:
        load_captures(data)
    assert why in str(info.value)


def test_import_progress_and_cancel() -> None:
    text = dumps_har(varied_captures())
    seen: list[tuple[int, int]] = []
    load_har(text, on_progress=lambda d, t: seen.append((d, t)))
    assert seen == [(i, 6) for i in range(1, 7)]

    stop = threading.Event()

    def progress(done: int, total: int) -> None:
        if done == 2:
            stop.set()

    with pytest.raises(ImportCancelled) as info:
        load_har(text, on_progress=progress, cancel=stop.is_set)
    assert len(info.value.captures) == 2


def test_export_har_dict_equals_streamed_document() -> None:
    from inspector.core.formats import export_har

    captures = varied_captures()
    doc = export_har(captures)
    check_har_12(doc)
    assert doc == json.loads(dumps_har(captures))
