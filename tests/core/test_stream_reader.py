"""The incremental reader of export files (formats/reader.py) gives what reading the whole
file with json gives (load_captures), for our files, other tools' and odd ones."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from inspector.core.capture import Capture
from inspector.core.formats import (
    ImportCancelled,
    dumps_har,
    dumps_native,
    import_chunks,
    load_captures,
)
from inspector.core.formats.reader import read_captures

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def outcome(read: object) -> tuple[list[dict[str, object]] | None, bool]:
    """(the captures as JSON, minus what an import makes up where the file has nothing:
    a new id and time; or None), and whether a ValueError was raised."""
    try:
        captures: list[Capture] = read()  # type: ignore[operator]
    except ValueError:
        return None, True
    out = []
    for capture in captures:
        data = capture.to_json(include_body=True)
        data.pop("id")
        data.pop("received_at")
        out.append(data)
    return out, False


def same_as_json(path: Path) -> tuple[list[dict[str, object]] | None, bool]:
    whole = outcome(lambda: load_captures(path.read_bytes()))
    streamed = outcome(lambda: list(read_captures(path)))
    assert repr(streamed) == repr(whole)
    return streamed


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir()))
def test_corpus_files(name: str) -> None:
    captures, failed = same_as_json(CORPUS / name)
    assert not failed and captures


ODD = {
    "nan-and-overflow": '{"format":"webhook-inspector","version":1,"masked":false,"captures":'
    '[{"method":"GET","path":"/a","body_b64":""},{"method":"GET","path":"/b","body_b64":"",'
    '"event":{"x":NaN,"y":-Infinity,"z":1e400}}]}',
    "bigint": '{"log":{"entries":[{"request":{"method":"GET","url":"http://h/a"}},'
    '{"request":{"method":"GET","url":"http://h/b"},"_webhookInspector":{"path":"/b",'
    '"query":"","event":{"n":123456789012345678901234567890}}}]}}',
    "lone-surrogate": '{"log":{"entries":[{"request":{"method":"POST","url":"http://h/a",'
    '"postData":{"text":"x \\ud800 y \\ud83c\\udf89 \\udc00"}}}]}}',
    "bom": '\ufeff{"format":"webhook-inspector","version":1,"masked":true,"captures":'
    '[{"method":"GET","path":"/a","body_b64":"aGk="}]}',
    "header-after-list": '{"captures":[{"method":"GET","path":"/a","body_b64":""}],'
    '"version":1,"format":"webhook-inspector"}',
    "har-members-around": '{"log":{"version":"1.2","pages":[{"id":"p"}],"entries":'
    '[{"request":{"method":"PUT","url":"http://h/x?y=1"}}],"comment":"end"},"extra":[1]}',
    "bad-between-items": '{"log":{"entries":[{"request":{"method":"GET","url":"http://h/a"}}'
    ' {"x":1}]}}',
    "cut-off": '{"log":{"entries":[{"request":{"method":"GET","url":"http://h/a"}},{"req',
    "empty": "   \n",
    "list": "[1, 2]",
    "neither": '{"foo": 1}',
    "entries-not-list": '{"log": {"entries": 3}}',
    "captures-not-list": '{"format":"webhook-inspector","version":1,"captures":{"a":1}}',
    "newer-version": '{"format":"webhook-inspector","version":9,"captures":[]}',
    "bad-entry": '{"log": {"entries": [{"request": {"url": "http://h/"}}]}}',
    "html": "<html></html>",
}


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_files(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(ODD[name], encoding="utf-8")
    same_as_json(path)


def test_a_lone_surrogate_split_between_two_reads_is_seen(tmp_path: Path) -> None:
    # yajl would turn it into "?": the reader must notice it wherever the read splits it.
    for pad in range(60_000, 60_000 + 16):
        body = "a" * pad
        text = (
            '{"log":{"entries":[{"request":{"method":"POST","url":"http://h/",'
            f'"postData":{{"text":"{body}\\ud800\\u0041"}}}}}}]}}}}'
        )
        path = tmp_path / "split.har"
        path.write_text(text)
        (capture,) = read_captures(path)
        assert capture.body == (body + "\ud800A").encode("utf-8", "surrogatepass")


def test_round_trips_and_chunks(tmp_path: Path) -> None:
    captures = [
        Capture(method="POST", path=f"/r{i}", body=bytes([i % 256]) * (3000 * i)) for i in range(40)
    ]
    for fmt, text in (("har", dumps_har(captures)), ("json", dumps_native(captures))):
        path = tmp_path / f"x.{fmt}"
        path.write_text(text)
        chunks = list(import_chunks(path))
        assert [len(c) for c in chunks] == [40]
        back = [c for chunk in chunks for c in chunk]
        assert [c.body for c in back] == [c.body for c in captures]
        assert [c.id for c in back] == [c.id for c in captures]


def test_progress_in_bytes_and_cancel(tmp_path: Path) -> None:
    captures = [Capture(method="POST", path=f"/p{i}", body=b"x" * 50_000) for i in range(30)]
    path = tmp_path / "p.har"
    path.write_text(dumps_har(captures))
    seen: list[tuple[int, int]] = []
    assert len(list(read_captures(path, on_progress=lambda d, t: seen.append((d, t))))) == 30
    size = path.stat().st_size
    assert seen[-1] == (size, size) and all(t == size for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)

    stop = threading.Event()
    got = []
    with pytest.raises(ImportCancelled):
        for capture in read_captures(path, cancel=stop.is_set):
            got.append(capture)
            if len(got) == 4:
                stop.set()
    assert len(got) == 4
