"""The text filter's trigram index (schema 8): it finds exactly what the scan finds whatever
the index holds yet (the tail stored since the last step, an older store's captures being
built), is kept in step by deletes, retention and Clear all, and is built for a store made
before it."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from helpers import downgrade_to_schema_7

from inspector.core.capture import Capture
from inspector.core.store import SEARCH_BODY_BYTES, CaptureFilter, CaptureStore
from inspector.core.store.search import install_search_functions, uses_index, where
from inspector.core.store.search_index import ALWAYS


def make(path: str, body: bytes = b"", headers: list[tuple[str, str]] | None = None) -> Capture:
    return Capture(method="POST", path=path, body=body, headers=headers or [])


def tricky_corpus() -> list[Capture]:
    rng = random.Random(17)
    big = b"x" * (SEARCH_BODY_BYTES - 12) + b"Edge-Word tail beyond"  # crosses the 64 KiB head
    return [
        make("/case", b"Hello WORLD MixedCase"),
        make("/german", "Grüße an MÜLLER, Straße".encode()),
        make("/turkish", "İstanbul İZMİR".encode()),
        make("/kelvin", "300 \u212aelvin key".encode()),
        make("/greek", "ΣΊΣΥΦΟΣ σοφός".encode()),
        make("/titlecase", "ǅemal ǈubljana".encode()),
        make("/nul-body", b"before\x00after Marker-42 \x00\x01 end"),
        make("/nul-header", b"{}", [("X-Odd", "val\x00ue here")]),
        make("/big", big),
        make("/big-nul", b"\x00" + b"y" * SEARCH_BODY_BYTES + b"hidden-after-head"),
        make("/random-binary", rng.randbytes(3000)),
        make("/latin1", "café au lait, Ünïcödé".encode("latin-1")),
        make("/lone-continuation", b"copy \xa9 right \xe9t\xe9 \xc3"),
        make("/cut-utf8", b"z" * (SEARCH_BODY_BYTES - 1) + "é more".encode()),
        make("/headers-only", b"", [("X-Signature", "sha256=ABCdef"), ("Üser", "Ägent")]),
        make("/specials", b'50% under_score a*b a?b [x] "quoted" back\\slash'),
        make("/private-use", "mark \uf8ff\uf8ff\uf8ff and \ufffd here".encode()),
        make("/emoji", "party 🎉🎉 time".encode()),
        make("/empty"),
    ]


def scan(store: CaptureStore, text: str) -> set[str]:
    """Paths the scan finds (the filter's SQL without the index), on its own connection."""
    conn = sqlite3.connect(store.path)
    try:
        install_search_functions(conn)
        search_from = conn.execute("SELECT value FROM meta WHERE key='search_from'").fetchone()[0]
        condition, params = where(CaptureFilter(text=text), search_from, indexed=False)
        return {p for (p,) in conn.execute(f"SELECT path FROM captures{condition}", params)}
    finally:
        conn.close()


def found(store: CaptureStore, text: str) -> set[str]:
    return {c.path for c in store.captures(limit=0, flt=CaptureFilter(text=text))}


def live(store: CaptureStore, text: str) -> set[str]:
    flt = CaptureFilter(text=text)
    out = set()
    for c in store.captures(limit=0):
        whole = store.get(c.id)
        assert whole is not None
        if flt.matches(whole):
            out.add(c.path)
    return out


def catch_up(store: CaptureStore, batch: int = 500) -> None:
    """Index the tail, as the listener's writer does when it is idle."""
    while store.index_tail(batch):
        pass
    assert store.index_pending() == 0


def needles_from(corpus: list[Capture], rng: random.Random, count: int) -> list[str]:
    texts = []
    for c in corpus:
        texts.append(c.body_bytes[:4000].decode("utf-8", "replace"))
        texts.append(c.body_bytes[-200:].decode("utf-8", "replace"))
        texts.extend(f"{k}: {v}" for k, v in c.headers)
        texts.append(c.target)
    out = []
    for _ in range(count):
        text = rng.choice([t for t in texts if t])
        start = rng.randrange(len(text))
        piece = text[start : start + rng.randint(3, 12)]
        out.append(rng.choice([piece, piece.upper(), piece.lower(), piece.title()]))
    return out


SPECIAL_NEEDLES = [
    "hello",
    "HELLO world",
    "mixedcase",
    "müller",
    "MÜLLER",
    "grüße",
    "GRÜSSE",
    "straße",
    "i̇stanbul",
    "İstanbul",
    "izmir",
    "İZMİR",
    "kelvin",
    "\u212aelvin",
    "key",
    "σίσυφος",
    "ΣΊΣΥΦΟΣ",
    "σοφός",
    "ǆemal",
    "ǅemal",
    "before after",
    "before\x00after",
    "marker-42",
    "val ue",
    "val\x00ue",
    "edge-word",
    "word tail",
    "beyond",
    "hidden-after",
    "café",
    "caf\ufffd",
    "\ufffd\ufffd",
    "copy \ufffd",
    "copy ©",
    "été",
    "\ufffdt\ufffd",
    "é more",
    "sha256=abc",
    "üser: ägent",
    "ÜSER",
    "50%",
    "under_score",
    "a*b",
    "a?b",
    "[x]",
    '"quoted"',
    "back\\slash",
    "\uf8ff\uf8ff\uf8ff",
    "mark \uf8ff",
    "🎉🎉",
    "party 🎉",
    "post /case",
    "/headers-only",
    "zzz-nowhere",
    "%_%",
    "***",
]


@pytest.mark.parametrize("indexed", [0, 7, 12, 19], ids=lambda n: f"{n}-indexed")
def test_index_finds_what_the_scan_finds_in_a_tricky_corpus(
    store: CaptureStore, indexed: int
) -> None:
    """Before the indexer ran (all of it the tail), part way and after."""
    corpus = tricky_corpus()
    store.add_many(corpus[:7])
    store.add_many(corpus[7:])
    assert store.index_pending() == len(corpus)  # the capture's transaction left it alone
    if indexed:
        assert store.index_tail(indexed) == indexed
    assert store.index_pending() == len(corpus) - indexed
    assert len(entries(store, "hello")) == (indexed > 0)
    needles = SPECIAL_NEEDLES + needles_from(corpus, random.Random(3), 300)
    used = 0
    for needle in needles:
        by_scan = scan(store, needle)
        assert found(store, needle) == by_scan, needle
        used += uses_index(needle)
    assert used > 250  # the index served nearly all of them
    for needle in SPECIAL_NEEDLES:
        assert live(store, needle) == scan(store, needle), needle
    # The expected answers, spelled out for a few.
    assert found(store, "hello") == {"/case"}
    assert found(store, "müller") == {"/german"}
    assert found(store, "marker-42") == {"/nul-body"}
    assert found(store, "edge-word") == {"/big"}
    assert found(store, "beyond") == set()  # past the searched head
    assert found(store, "hidden-after") == set()
    assert found(store, "sha256=abc") == {"/headers-only"}
    assert found(store, "50%") == {"/specials"}


def test_index_narrows_the_candidates(store: CaptureStore) -> None:
    store.add_many([make(f"/n{i}", f"order {i:05d} shipped".encode()) for i in range(300)])
    store.add_many([make("/binary", bytes(range(256)))])
    catch_up(store, 100)
    conn = sqlite3.connect(store.path)
    try:
        from inspector.core.store.search import index_query

        rows = conn.execute(
            "SELECT rowid FROM search_index WHERE search_index MATCH ?", (index_query("00123"),)
        ).fetchall()
    finally:
        conn.close()
    # The capture holding it, the binary one (tested always) and few others.
    assert 2 <= len(rows) <= 5
    assert found(store, "00123") == {"/n123"}
    assert found(store, "order 00299 shipped") == {"/n299"}


def test_a_binary_body_is_indexed_as_always_tested(store: CaptureStore) -> None:
    store.add_many([make("/bin", b"\xff\xfe abc \x00 def"), make("/text", b"abc def")])
    catch_up(store)
    conn = sqlite3.connect(store.path)
    try:
        always = conn.execute(
            "SELECT rowid FROM search_index WHERE search_index MATCH ?", (f'"{ALWAYS}"',)
        ).fetchall()
    finally:
        conn.close()
    assert [seq for (seq,) in always] == [1]
    assert found(store, "abc") == {"/bin", "/text"}


def entries(store: CaptureStore, text: str) -> list[int]:
    """Seqs the index holds an entry for, among those holding ``text``'s trigrams."""
    from inspector.core.store.search import index_query

    conn = sqlite3.connect(store.path)
    try:
        query = index_query(text).rsplit(" OR ", 1)[0]  # without the always-tested ones
        return [
            s
            for (s,) in conn.execute(
                "SELECT rowid FROM search_index WHERE search_index MATCH ?", (query,)
            )
        ]
    finally:
        conn.close()


def test_deletes_take_the_entries_out(store: CaptureStore) -> None:
    caps = [make(f"/d{i}", f"unique-{i:03d} body".encode()) for i in range(50)]
    store.add_many(caps)
    catch_up(store)
    store.remove([caps[3].id, caps[7].id])
    assert entries(store, "unique-003") == []
    assert entries(store, "unique-004") == [caps[4].seq]
    removed: list[str] = []
    assert store.delete([c.seq for c in caps[10:40]], batch=7, ids=removed) == 30
    assert sorted(removed) == sorted(c.id for c in caps[10:40])
    assert entries(store, "unique-02") == []
    assert found(store, "unique-0") == {c.path for c in caps if c not in caps[10:40]} - {
        "/d3",
        "/d7",
    }
    conn = sqlite3.connect(store.path)
    try:
        conn.execute("INSERT INTO search_index(search_index, rank) VALUES('integrity-check', 0)")
    finally:
        conn.close()


def test_clear_all_in_batches_then_the_index_is_whole_again(store: CaptureStore) -> None:
    caps = [make(f"/c{i}", f"clear-me {i}".encode()) for i in range(120)]
    store.add_many(caps)
    store.set_pinned([caps[5].id])
    seen: list[tuple[int, int]] = []
    deleted = store.delete(keep_pinned=True, batch=50, progress=lambda d, t: seen.append((d, t)))
    assert deleted == 119 and seen == [(50, 119), (100, 119), (119, 119)]
    assert [c.path for c in store.captures(limit=0)] == ["/c5"]
    assert store.index_pending() == 1
    assert found(store, "clear-me") == {"/c5"}  # by the scan meanwhile
    assert store.build_index()
    assert store.index_pending() == 0
    assert found(store, "clear-me") == {"/c5"}
    store.add(make("/after", b"clear-me again"))
    assert found(store, "clear-me") == {"/c5", "/after"}
    assert store.delete() == 2
    assert store.count() == 0 and store.index_pending() == 0


def test_an_older_store_is_indexed_in_the_background_and_searches_agree(data_dir: Path) -> None:
    corpus = tricky_corpus()
    bulk = [make(f"/old{i}", f"history row {i} of vendor-{i % 7}".encode()) for i in range(500)]
    first = CaptureStore.in_dir(data_dir)
    first.add_many(corpus + bulk)
    path = first.path
    first.close()
    downgrade_to_schema_7(path)

    store = CaptureStore(path)
    try:
        assert store.index_pending() == len(corpus) + 500
        needles = ["vendor-3", "row 42 ", "müller", "marker-42", "edge-word", "xyz-none"]
        before = {n: found(store, n) for n in needles}  # the scan serves meanwhile
        assert before == {n: scan(store, n) for n in needles}
        progress: list[tuple[int, int]] = []
        stops = iter([False, False, True])
        # Stopped after two batches: what is indexed stays, the rest is still to do.
        assert not store.build_index(
            batch=100, on_progress=lambda d, t: progress.append((d, t)), stop=lambda: next(stops)
        )
        assert progress == [(100, 519), (200, 519)]
        assert store.index_pending() == 319
        # Live traffic and deletes during the build.
        store.add(make("/during", b"vendor-3 arrived during the build"))
        store.remove([c.id for c in store.captures(limit=0) if c.path in ("/old3", "/old499")])
        assert found(store, "vendor-3") == scan(store, "vendor-3")
        assert store.build_index(batch=100, on_progress=lambda d, t: progress.append((d, t)))
        assert progress[-1][0] == progress[-1][1]
        assert store.index_pending() == 0
        for needle in [*needles, *SPECIAL_NEEDLES]:
            assert found(store, needle) == scan(store, needle), needle
        assert "/during" in found(store, "vendor-3")
        assert "/old3" not in found(store, "vendor-3")
        assert found(store, "row 42 ") == {"/old42"}
    finally:
        store.close()


def test_the_index_is_rebuilt_when_unicode_tables_change(store: CaptureStore) -> None:
    store.add_many([make("/u", "Grüße".encode())])
    path = store.path
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE meta SET value='0.0.1' WHERE key='index_unicode'")
    conn.close()
    again = CaptureStore(path)
    try:
        assert again.index_pending() == 1
        assert again.build_index()
        assert found(again, "grüße") == {"/u"}
    finally:
        again.close()


@pytest.mark.parametrize("needle", ["a", "ab", "é", "İ"])
def test_short_needles_scan(store: CaptureStore, needle: str) -> None:
    store.add_many([make("/x", "ab é İ".encode()), make("/y", b"zz")])
    assert not uses_index(needle)
    assert found(store, needle) == scan(store, needle) == {"/x"}


def test_the_tail_and_the_indexed_range_mixed_with_deletes(store: CaptureStore) -> None:
    """Captures searched before the indexer ran, after it, and deleted in either range:
    every search agrees with the scan, and only indexed captures have entries."""
    corpus = tricky_corpus()
    words = [make(f"/w{i}", f"ticket-{i:03d} status {i % 3}".encode()) for i in range(60)]
    needles = ["ticket-0", "ticket-01", "status 1", "müller", "marker-42", "zzz-none", "hello"]

    def agree() -> None:
        for needle in needles:
            assert found(store, needle) == scan(store, needle), needle

    store.add_many(words[:30] + corpus)
    agree()  # nothing indexed: all of it the tail
    assert store.index_tail(25) == 25
    agree()  # part indexed
    store.remove([words[3].id, words[27].id])  # one indexed, one in the tail
    assert entries(store, "ticket-003") == []
    assert entries(store, "ticket-027") == []
    agree()
    catch_up(store)
    assert entries(store, "ticket-004") == [words[4].seq]
    assert entries(store, "ticket-027") == []  # deleted before it was indexed
    store.add_many(words[30:])  # a new tail above the indexed range
    store.remove([words[5].id, words[40].id])
    agree()
    assert found(store, "ticket-04") == {f"/w{i}" for i in range(41, 50)}
    assert found(store, "ticket-005") == set()
    catch_up(store, 7)
    agree()
    assert entries(store, "ticket-041") == [words[41].seq]
    assert entries(store, "ticket-040") == []
    # Clear all with a tail not indexed yet: nothing indexed stays, all of it rebuilt.
    store.set_pinned([words[50].id, words[10].id])
    store.add_many([make("/late", b"ticket-999 late")])
    store.delete(keep_pinned=True, batch=10)
    agree()
    assert found(store, "ticket-") == {"/w10", "/w50"}
    assert store.build_index(batch=1)
    agree()
    conn = sqlite3.connect(store.path)
    try:
        conn.execute("INSERT INTO search_index(search_index, rank) VALUES('integrity-check', 0)")
    finally:
        conn.close()


def test_a_tail_above_an_older_store_being_built(data_dir: Path) -> None:
    """Both ranges outside the index at once: an upgraded store's older captures (being
    indexed newest first) and the tail stored since."""
    first = CaptureStore.in_dir(data_dir)
    first.add_many([make(f"/old{i}", f"legacy-{i:03d} row".encode()) for i in range(40)])
    path = first.path
    first.close()
    downgrade_to_schema_7(path)
    store = CaptureStore(path)
    try:
        store.add_many([make(f"/new{i}", f"legacy-{i:03d} fresh".encode()) for i in range(10)])
        assert store.index_pending() == 50
        assert store.index_tail(4) == 4  # the tail first
        assert not store.build_index(batch=10, stop=iter([False, False, True]).__next__)
        assert store.index_pending() == 50 - 4 - 6 - 10  # the rest of the tail, then 10 older
        for needle in ["legacy-00", "legacy-005", "fresh", "row", "legacy-039 row"]:
            assert found(store, needle) == scan(store, needle), needle
        assert found(store, "legacy-005") == {"/old5", "/new5"}
        store.remove([c.id for c in store.captures(limit=0) if c.path in ("/old1", "/new9")])
        assert found(store, "legacy-00") == scan(store, "legacy-00")
        assert store.build_index(batch=10)
        assert store.index_pending() == 0
        assert found(store, "legacy-00") == {f"/old{i}" for i in range(10)} - {"/old1"} | {
            f"/new{i}" for i in range(9)
        }
    finally:
        store.close()
