"""Our JSON export: lossless round trip, streaming, masking, bad input."""

from __future__ import annotations

import io
import json
import threading

import pytest
from capture_factory import full_json, make_capture, varied_captures

from inspector.core.formats import (
    MASK,
    ImportCancelled,
    detect_format,
    dumps_native,
    load_captures,
    load_native,
    write_export,
)


def test_document_shape() -> None:
    captures = varied_captures()
    doc = json.loads(dumps_native(captures))
    assert doc["format"] == "webhook-inspector"
    assert doc["version"] == 1
    assert doc["masked"] is False
    assert len(doc["captures"]) == 6
    first = doc["captures"][0]
    assert first == full_json(captures[0])
    assert first["forward"]["body_b64"]  # the forward target's answer is kept too
    assert detect_format(doc) == "json"


def test_round_trip_is_lossless() -> None:
    originals = varied_captures()
    back = load_native(dumps_native(originals), keep_source=True)
    assert [full_json(c) for c in back] == [full_json(c) for c in originals]
    assert [c.body for c in back] == [c.body for c in originals]


def test_import_sets_source_import() -> None:
    originals = varied_captures()
    back = load_captures(dumps_native(originals).encode("utf-8"))
    assert {c.source for c in back} == {"import"}
    assert [c.id for c in back] == [c.id for c in originals]
    assert back[2].replay_of == "0123abcd"


def test_streamed_write_equals_dumps_content() -> None:
    originals = varied_captures()
    buf = io.StringIO()
    seen: list[int] = []
    count = write_export(
        iter(originals), buf, "json", total=6, on_progress=lambda d, t: seen.append(d)
    )
    assert count == 6
    assert seen == [1, 2, 3, 4, 5, 6]
    streamed = json.loads(buf.getvalue())
    dumped = json.loads(dumps_native(originals))
    del streamed["exported_at"], dumped["exported_at"]
    assert streamed == dumped


def test_write_export_rejects_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        write_export([], io.StringIO(), "xml")  # type: ignore[arg-type]


def test_mask_secrets() -> None:
    text = dumps_native(varied_captures(), mask_secrets=True)
    assert "s3cr3t-token-value" not in text
    assert "anesya-secret" not in text
    back = load_native(text)
    assert back[0].header("X-Auth-Token") == MASK
    assert back[1].query.startswith(f"token={MASK}&")
    assert "imported from an export with masked secrets" in back[0].notes


def test_bom_and_bytes_input_accepted() -> None:
    text = dumps_native([make_capture()])
    assert len(load_native("\ufeff" + text)) == 1
    assert len(load_native(text.encode("utf-8-sig"))) == 1


def test_progress_and_cancel() -> None:
    text = dumps_native(varied_captures())
    stop = threading.Event()

    def progress(done: int, total: int) -> None:
        assert total == 6
        if done == 3:
            stop.set()

    with pytest.raises(ImportCancelled) as info:
        load_native(text, on_progress=progress, cancel=stop.is_set)
    assert [c.seq for c in info.value.captures] == [1, 2, 3]


def _doc(**changes: object) -> str:
    doc = json.loads(dumps_native([make_capture()]))
    doc.update(changes)
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (_doc(captures={"a": 1}), '"captures" is not a list'),
        (_doc(version="one"), "unknown webhook-inspector export version"),
        (_doc(captures=[{"method": "GET"}]), "capture #1 is invalid (missing 'body_b64')"),
        (
            _doc(captures=[{"method": "GET", "path": "/", "body_b64": "@@@"}]),
            "capture #1 is invalid",
        ),
        (
            _doc(captures=[{"method": "GET", "path": "/", "body_b64": "", "source": "x"}]),
            "unknown source",
        ),
        (_doc(captures=[[1, 2]]), "capture #1 is invalid (not an object)"),
        ("{", "not JSON"),
    ],
)
def test_bad_input_is_one_clear_value_error(data: str, why: str) -> None:
    with pytest.raises(ValueError, match="not a HAR or webhook-inspector export") as info:
        load_captures(data)
    assert why in str(info.value)


def test_newer_version_is_refused_with_an_explanation() -> None:
    with pytest.raises(ValueError, match="version 2, made by a newer release"):
        load_native(_doc(version=2))


def test_export_native_dict() -> None:
    from inspector.core.formats import export_native

    captures = varied_captures()
    doc = export_native(captures)
    assert [c["id"] for c in doc["captures"]] == [c.id for c in captures]
    assert load_native(json.dumps(doc), keep_source=True)[1].body == captures[1].body
