"""Body and header diffs of two captures."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from inspector.core.diff import (
    HeaderChange,
    JsonChange,
    diff_bodies,
    diff_headers,
    json_changes,
)

RUNNING = {
    "taskId": "t-42",
    "status": "Running",
    "progress": 40,
    "data": {"status": "processing", "files": [{"name": "a.jpg"}], "eta": 12},
    "flags": [1, 2, 3],
    "ok": 1,
}
SUCCEEDED = {
    "taskId": "t-42",
    "status": "Succeeded",
    "progress": 100,
    "data": {"status": "done", "files": [{"name": "a.jpg", "url": "https://x/a"}]},
    "flags": [1, 2],
    "ok": True,
    "result url": "https://x/r",
}


def test_known_json_bodies_show_exactly_the_changed_keys() -> None:
    diff = diff_bodies(
        json.dumps(RUNNING).encode(),
        json.dumps(SUCCEEDED, indent=2).encode(),
        "application/json",
        "application/json; charset=utf-8",
    )
    assert diff.mode == "json"
    assert diff.changes == [
        JsonChange("$.status", "changed", "Running", "Succeeded"),
        JsonChange("$.progress", "changed", 40, 100),
        JsonChange("$.data.status", "changed", "processing", "done"),
        JsonChange("$.data.files[0].url", "added", None, "https://x/a"),
        JsonChange("$.data.eta", "removed", 12, None),
        JsonChange("$.flags[2]", "removed", 3, None),
        JsonChange("$.ok", "changed", 1, True),  # 1 and true differ on the wire
        JsonChange('$["result url"]', "added", None, "https://x/r"),
    ]
    assert diff.summary == "4 changed, 2 added, 2 removed"


def test_same_document_other_bytes_is_reported() -> None:
    diff = diff_bodies(b'{"a":1,"b":2}', b'{ "b": 2, "a": 1 }')
    assert diff.mode == "json"
    assert diff.changes == []
    assert "bytes differ" in diff.summary


def test_identical_bodies() -> None:
    diff = diff_bodies(b"same", b"same")
    assert diff.identical
    assert diff_bodies(b"", b"").identical


def test_text_bodies_get_a_unified_diff() -> None:
    diff = diff_bodies(b"a=1\nb=2\nc=3", b"a=1\nb=20\nc=3", "text/plain", "text/plain")
    assert diff.mode == "text"
    assert diff.text.splitlines() == [
        "--- a",
        "+++ b",
        "@@ -1,3 +1,3 @@",
        " a=1",
        "-b=2",
        "+b=20",
        " c=3",
        "\\ No newline at end of file",
    ]
    assert diff.summary == "1 line added, 1 removed"


def test_json_against_non_json_is_a_text_diff() -> None:
    diff = diff_bodies(b'{"a": 1}', b"not json")
    assert diff.mode == "text"
    assert '-{"a": 1}' in diff.text and "+not json" in diff.text


def test_binary_bodies_get_a_summary() -> None:
    diff = diff_bodies(b"\x00\x01\x02", b"\x00\x01\xff\xfe")
    assert diff.mode == "binary"
    assert diff.summary == "binary bodies differ (3 vs 4 bytes, first difference at byte 2)"


def test_declared_charset_is_used_for_text() -> None:
    diff = diff_bodies(
        "é=1".encode("latin-1"), "é=2".encode("latin-1"), "text/plain; charset=latin-1"
    )
    # b's charset is unknown and it is not UTF-8, so it is binary
    assert diff.mode == "binary"
    diff = diff_bodies(
        "é=1".encode("latin-1"),
        "é=2".encode("latin-1"),
        "text/plain; charset=latin-1",
        "text/plain; charset=ISO-8859-1",
    )
    assert diff.mode == "text" and "+é=2" in diff.text


def test_headers_by_case_insensitive_name_with_multiplicity() -> None:
    a = [
        ("Content-Type", "application/json"),
        ("X-Auth-Token", "one"),
        ("X-Dup", "1"),
        ("x-dup", "2"),
        ("User-Agent", "Vendor/1"),
        ("X-Same", "s"),
    ]
    b = [
        ("content-type", "application/json"),  # only the case differs: no change
        ("X-Auth-Token", "two"),
        ("X-DUP", "1"),
        ("X-Same", "s"),
        ("X-Inspector-Replay-Of", "abc"),
    ]
    assert diff_headers(a, b) == [
        HeaderChange("X-Auth-Token", "changed", ["one"], ["two"]),
        HeaderChange("X-Dup", "changed", ["1", "2"], ["1"]),
        HeaderChange("User-Agent", "removed", ["Vendor/1"], []),
        HeaderChange("X-Inspector-Replay-Of", "added", [], ["abc"]),
    ]
    assert diff_headers(a, list(a)) == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values, json_values)
def test_no_changes_exactly_when_documents_are_equal(a: object, b: object) -> None:
    changes = json_changes(a, b)
    same = json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert (changes == []) == same
    assert json_changes(a, a) == []
