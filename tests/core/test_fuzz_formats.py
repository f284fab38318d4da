"""Hypothesis fuzzing of the importers and of the body decoder (issue 7, hostile input).

Contracts under test:

* :func:`inspector.core.formats.load_captures` either returns captures or raises
  ``ValueError`` (the CLI turns that into one clear line); any other exception would surface
  as a traceback or a crashed import dialog.
* :func:`inspector.core.body_display.decode_for_display` (and the text/hex renderers after it) never
  raises, whatever bytes and headers a sender chose.

Inputs come from four sources: raw bytes, arbitrary JSON documents, HAR/export skeletons
with fuzzed fields, and byte-level mutations of the small seed corpus in ``tests/corpus/``.
Example counts are kept moderate so the whole file runs in seconds.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from inspector.core.body_display import TEXT_CAP, decode_for_display, hex_dump, pretty_text
from inspector.core.capture import Capture
from inspector.core.formats import load_captures
from inspector.core.store import search_text
from inspector.core.vendors.base import _loads

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
CORPUS_FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".har", ".json"))

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,  # the same examples on every run: no flaky CI, strict xfails hold
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check_import(data: bytes | str, *, typed: bool = False) -> None:
    """``load_captures(data)`` returns captures or raises ``ValueError``; nothing else.

    With ``typed``, every imported capture must also be well-typed enough for the store and
    the list view to use it (``search_text`` is what the store indexes on insert).
    """
    try:
        captures = load_captures(data)
    except ValueError:
        return
    assert isinstance(captures, list)
    for capture in captures:
        assert isinstance(capture, Capture)
        assert isinstance(capture.body_bytes, bytes)
        assert isinstance(capture.method, str) and isinstance(capture.path, str)
        if typed:
            assert capture.event is None or isinstance(capture.event, dict)
            for value in (
                capture.vendor,
                capture.endpoint,
                capture.content_type,
                capture.replay_of,
            ):
                assert value is None or isinstance(value, str)
            search_text(capture)


# -- strategies --------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)


def either(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a plausible value, sometimes any JSON value at all."""
    return st.one_of(good, good, json_values)


header_pairs_har = st.lists(
    st.fixed_dictionaries({"name": st.text(max_size=10), "value": either(st.text(max_size=20))}),
    max_size=4,
)
timestamps = st.sampled_from(
    ["2026-11-25T11:36:16.123456Z", "2026-02-14T09:30:01+01:00", "2026-13-45T99:00:00Z", "", "x"]
)
base64ish = st.one_of(
    st.sampled_from(["", "aGk=", "AAECA/8=", "not base64!", "aGk", "éé"]),
    st.text(max_size=12),
)


LOOSE_FIELDS = (
    "id",
    "seq",
    "received_at",
    "source",
    "query",
    "headers",
    "body_size",
    "content_type",
    "remote_addr",
    "endpoint",
    "vendor",
    "event",
    "validation",
    "response",
    "forward",
    "truncated",
    "notes",
    "replay_of",
)


def capture_fields(loose: bool) -> dict[str, st.SearchStrategy[Any]]:
    """Optional fields of an exported capture (ours, in the native file or a HAR entry).

    ``loose`` lets every field be any JSON value. Otherwise the fields whose wrong-typed
    values are known defects (pinned below) keep their JSON type and only their contents
    are fuzzed, so the strict fuzzers keep hunting for new failures.
    """
    if loose:
        return {name: json_values for name in LOOSE_FIELDS}
    text_or_none = st.none() | st.text(max_size=10)
    return {
        "id": json_values,
        "seq": either(st.integers()),
        "received_at": st.none() | timestamps,
        "source": either(st.sampled_from(["live", "replay", "simulate", "bogus"])),
        "query": json_values,
        "headers": either(st.lists(st.tuples(st.text(max_size=8), st.text(max_size=8)))),
        "body_size": either(st.integers()),
        "content_type": text_or_none,
        "remote_addr": json_values,
        "endpoint": text_or_none,
        "vendor": text_or_none,
        "event": st.none() | st.dictionaries(st.text(max_size=8), json_values, max_size=3),
        "validation": st.none()
        | st.fixed_dictionaries(
            {"result": either(st.sampled_from(["valid", "invalid", "missing", "x"]))},
            optional={"scheme": json_values, "detail": json_values},
        ),
        "response": st.none()
        | st.fixed_dictionaries(
            {"status": either(st.integers(0, 600))},
            optional={
                "body_b64": either(base64ish),
                "headers": either(st.lists(st.tuples(st.text(max_size=5), st.text(max_size=5)))),
            },
        ),
        "forward": st.none()
        | st.fixed_dictionaries(
            {"url": json_values},
            optional={"body_b64": either(base64ish), "status": json_values},
        ),
        "truncated": json_values,
        "notes": either(st.lists(st.text(max_size=8), max_size=3)),
        "replay_of": text_or_none,
    }


def har_documents(loose: bool) -> st.SearchStrategy[Any]:
    post_data = st.fixed_dictionaries(
        {},
        optional={
            "text": either(st.text(max_size=30)),
            "encoding": either(st.sampled_from(["base64", "BASE64", "utf8"])),
            "_bodyEncoding": either(st.just("base64")),
            "params": either(
                st.lists(
                    st.fixed_dictionaries({"name": json_values, "value": json_values}),
                    max_size=3,
                )
            ),
        },
    )
    request = st.fixed_dictionaries(
        {
            "method": either(st.sampled_from(["POST", "GET", "", "PURGE"])),
            "url": either(
                st.sampled_from(["http://h/p?q=1", "https://x.io", "/rel", "::", "http://[::1"])
            ),
        },
        optional={"headers": either(header_pairs_har), "postData": either(post_data)},
    )
    response = st.fixed_dictionaries(
        {"status": either(st.integers(min_value=-5, max_value=700))},
        optional={
            "headers": either(header_pairs_har),
            "content": either(
                st.fixed_dictionaries(
                    {},
                    optional={"text": either(base64ish), "encoding": either(st.just("base64"))},
                )
            ),
        },
    )
    custom = st.fixed_dictionaries({"path": either(st.just("/p"))}, optional=capture_fields(loose))
    if loose:
        # Our own HAR, with the custom field present, so every example reaches it.
        entry = st.fixed_dictionaries({"request": request, "_webhookInspector": custom})
        entries = st.lists(entry, min_size=1, max_size=3)
        return st.fixed_dictionaries({"log": st.fixed_dictionaries({"entries": entries})})
    entry = st.fixed_dictionaries(
        {"request": either(request)},
        optional={
            "response": either(response),
            "startedDateTime": either(timestamps),
            "_webhookInspector": either(custom),
        },
    )
    return st.fixed_dictionaries(
        {"log": either(st.fixed_dictionaries({"entries": either(st.lists(entry, max_size=3))}))}
    )


def native_documents(loose: bool) -> st.SearchStrategy[Any]:
    capture = st.fixed_dictionaries(
        {
            "method": either(st.sampled_from(["POST", "GET"])),
            "path": either(st.sampled_from(["/a", "/b%20c", ""])),
            "body_b64": either(base64ish),
        },
        optional=capture_fields(loose),
    )
    return st.fixed_dictionaries(
        {
            "format": either(st.just("webhook-inspector")),
            "version": either(st.sampled_from([1, 0, 2, 99, -1])),
            "captures": either(st.lists(capture, max_size=3)),
        },
        optional={"masked": json_values, "exported_at": json_values},
    )


def mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    """Apply (kind, position, byte) edits: 0 replaces a byte, 1 deletes one, 2 inserts one."""
    out = bytearray(data)
    for kind, pos, value in edits:
        if not out:
            break
        i = pos % len(out)
        if kind == 0:
            out[i] = value
        elif kind == 1:
            del out[i]
        else:
            out.insert(i, value)
    return bytes(out)


edits = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 2**20), st.integers(0, 255)),
    min_size=1,
    max_size=6,
)


# -- the importers -----------------------------------------------------------------------


def test_fuzz_corpus_files_import_cleanly() -> None:
    """The seed corpus itself is valid: every file imports at least one capture."""
    assert CORPUS_FILES, "tests/corpus/ has no seed files"
    for path in CORPUS_FILES:
        assert load_captures(path.read_bytes()), path.name


@FUZZ
@given(data=st.binary(max_size=400))
@example(data=b"")
@example(data=b"\xef\xbb\xbf")
@example(data=b"\xff\xfe{\x00}\x00")
@example(data=b"[" * 100_000)
@example(data=b'{"log": {"entries": [' + b"[" * 5000 + b"]" * 5000 + b"]}}")
def test_fuzz_import_of_raw_bytes(data: bytes) -> None:
    check_import(data)


@FUZZ
@given(doc=json_values)
@example(doc={"log": None})
@example(doc={"log": {"entries": None}})
@example(doc={"format": "webhook-inspector", "version": True, "captures": []})
def test_fuzz_import_of_any_json_document(doc: Any) -> None:
    check_import(json.dumps(doc))


@FUZZ
@given(doc=har_documents(loose=False))
def test_fuzz_import_of_har_shaped_documents(doc: Any) -> None:
    check_import(json.dumps(doc))


@FUZZ
@given(doc=native_documents(loose=False))
def test_fuzz_import_of_export_shaped_documents(doc: Any) -> None:
    check_import(json.dumps(doc))


# With any JSON value in any capture field, the defects pinned below are found at once. The
# first failure is reported without shrinking, to keep these quick.
LOOSE = settings(FUZZ, report_multiple_bugs=False, phases=[Phase.generate])


@LOOSE
@given(doc=har_documents(loose=True))
def test_fuzz_import_of_har_with_any_field_types(doc: Any) -> None:
    check_import(json.dumps(doc), typed=True)


@LOOSE
@given(doc=native_documents(loose=True))
def test_fuzz_import_of_export_with_any_field_types(doc: Any) -> None:
    check_import(json.dumps(doc), typed=True)


@FUZZ
@given(index=st.integers(0, 100), changes=edits)
def test_fuzz_import_of_mutated_corpus(index: int, changes: list[tuple[int, int, int]]) -> None:
    seed = CORPUS_FILES[index % len(CORPUS_FILES)].read_bytes()
    check_import(mutate(seed, changes))


@FUZZ
@given(index=st.integers(0, 100), cut=st.integers(0, 2**20))
def test_fuzz_import_of_truncated_corpus(index: int, cut: int) -> None:
    seed = CORPUS_FILES[index % len(CORPUS_FILES)].read_bytes()
    check_import(seed[: cut % len(seed)])


# -- known importer defects, pinned (kept strict: remove the mark once fixed) -------------

NOT_OBJECT_FIELDS = [
    pytest.param(
        "validation",
        ["valid"],
        id="validation-list",
    ),
    pytest.param(
        "response",
        "200",
        id="response-string",
    ),
    pytest.param(
        "forward",
        [1],
        id="forward-list",
    ),
    pytest.param(
        "received_at",
        12345,
        id="received_at-int",
    ),
]


ILL_TYPED_ACCEPTED = [
    pytest.param("event", [1], id="event-list"),
    pytest.param("vendor", 7, id="vendor-int"),
    pytest.param("content_type", {"a": 1}, id="content_type-object"),
]


@pytest.mark.parametrize(("field", "value"), ILL_TYPED_ACCEPTED)
def test_fuzz_regression_export_field_accepted_with_wrong_type(field: str, value: Any) -> None:
    item: dict[str, Any] = {"method": "POST", "path": "/p", "body_b64": "", field: value}
    doc = {"format": "webhook-inspector", "version": 1, "captures": [item]}
    try:
        (capture,) = load_captures(json.dumps(doc))
    except ValueError:
        return  # refusing the file is a fine answer too
    search_text(capture)
    assert capture.event is None or isinstance(capture.event, dict)
    assert capture.content_type is None or isinstance(capture.content_type, str)


@pytest.mark.parametrize(("field", "value"), NOT_OBJECT_FIELDS)
def test_fuzz_regression_export_field_of_wrong_type(field: str, value: Any) -> None:
    item: dict[str, Any] = {"method": "POST", "path": "/p", "body_b64": "", field: value}
    doc = {"format": "webhook-inspector", "version": 1, "captures": [item]}
    with pytest.raises(ValueError):
        load_captures(json.dumps(doc))


# -- the body decoder --------------------------------------------------------------------

encodings = st.sampled_from(
    ["gzip", "x-gzip", "deflate", "GZIP ", "br", "identity", "", "gzip, deflate", "zstd", "\x00"]
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/octet-stream",
        "text/html",
        "",
        "application/vnd.api+json",
    ]
)


@st.composite
def bodies_and_headers(draw: st.DrawFn) -> tuple[bytes, list[tuple[str, str]]]:
    raw = draw(
        st.one_of(
            st.binary(max_size=300),
            st.text(max_size=100).map(lambda t: t.encode("utf-8", "surrogatepass")),
            json_values.map(lambda v: json.dumps(v).encode()),
        )
    )
    encoding = draw(encodings)
    how = draw(st.sampled_from(["as-is", "gzip", "zlib", "raw-deflate", "cut-gzip"]))
    if how == "gzip":
        raw = gzip.compress(raw, mtime=0)
    elif how == "zlib":
        raw = zlib.compress(raw)
    elif how == "raw-deflate":
        comp = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        raw = comp.compress(raw) + comp.flush()
    elif how == "cut-gzip":
        whole = gzip.compress(raw, mtime=0)
        raw = whole[: draw(st.integers(0, len(whole)))]
    headers: list[tuple[str, str]] = []
    if encoding:
        headers.append((draw(st.sampled_from(["Content-Encoding", "content-encoding"])), encoding))
    ctype = draw(content_types)
    if ctype:
        headers.append(("Content-Type", ctype))
    headers += draw(st.lists(st.tuples(st.text(max_size=10), st.text(max_size=10)), max_size=3))
    return raw, headers


@FUZZ
@given(case=bodies_and_headers())
@example(case=(b"\x1f\x8b", [("Content-Encoding", "gzip")]))
@example(case=(b"\x78", [("Content-Encoding", "deflate")]))
@example(case=(b'{"a": NaN, "b": Infinity}', [("Content-Type", "application/json")]))
@example(case=(b"\xef\xbb\xbf{}", []))
def test_fuzz_decode_body_never_raises(case: tuple[bytes, list[tuple[str, str]]]) -> None:
    body, headers = case
    decoded = decode_for_display(body, headers)
    assert isinstance(decoded.data, bytes)
    if decoded.is_json:
        assert decoded.text is not None
    text, _ = pretty_text(decoded)
    assert len(text.replace("\n", "")) <= TEXT_CAP  # breaks may be added for display
    hexed, _ = hex_dump(body)
    assert isinstance(hexed, str)


@pytest.mark.parametrize("body", [b"[" * 50_000, b'{"a":' * 20_000 + b"1" + b"}" * 20_000])
def test_fuzz_regression_decode_body_deeply_nested_json(body: bytes) -> None:
    decoded = decode_for_display(body, [("Content-Type", "application/json")])
    assert not decoded.is_json or decoded.json_value is not None


@FUZZ
@given(body=st.binary(max_size=200), headers=st.lists(st.tuples(st.text(), st.text()), max_size=5))
def test_fuzz_decode_body_with_arbitrary_headers(
    body: bytes, headers: list[tuple[str, str]]
) -> None:
    decoded = decode_for_display(body, headers)
    pretty_text(decoded)


# -- the vendors' JSON reading -------------------------------------------------------------


def _outcome(parse: Any, data: bytes) -> tuple[str, Any]:
    try:
        return "value", parse(data)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError too
        return type(exc).__name__, str(exc)


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=60),
        json_values.map(lambda v: json.dumps(v, ensure_ascii=False).encode()),
        st.tuples(
            st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00", b" "]),
            json_values.map(lambda v: json.dumps(v).encode()),
        ).map(b"".join),
        json_values.map(lambda v: json.dumps(v).encode("utf-16-le")),
        st.text(max_size=20).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )
)
@example(data=b'{"a": "\xed\xa0\x80"}')  # an encoded lone surrogate: json.loads takes it
@example(data=b"1\x002")
def test_fuzz_vendor_json_reading_is_json_loads(data: bytes) -> None:
    # Vendor profiles skip json.loads' encoding detection for plain UTF-8 bodies: same
    # value, or the same error, for every body.
    assert _outcome(_loads, data) == _outcome(json.loads, data)
