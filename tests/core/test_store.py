"""The capture store: round trips, filters, schema versioning, damaged files, two readers."""

from __future__ import annotations

import gc
import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspector.core.capture import Capture, ForwardRecord, ResponseRecord, Validation
from inspector.core.store import (
    SCHEMA_VERSION,
    CaptureFilter,
    CaptureStore,
    StoreError,
    fastpaths,
    schema,
)
from inspector.core.store.schema import connect, transaction


def make(path: str = "/hook", body: bytes = b"{}", **kw: object) -> Capture:
    return Capture(method=kw.pop("method", "POST"), path=path, body=body, **kw)  # type: ignore[arg-type]


def test_round_trip_is_byte_exact(store: CaptureStore) -> None:
    body = bytes(range(256)) + b"\xff\xfe not utf-8"
    c = make(
        "/a%2Fb",
        body,
        query="x=1&y=%20&x=2",
        headers=[("X-Dup", "1"), ("x-dup", "2"), ("Content-Type", "application/octet-stream")],
        vendor="blurit",
        event={"task_id": "abc", "status": "Sent"},
        validation=Validation("invalid", "token-header", "wrong token in X-Auth-Token"),
        response=ResponseRecord(401, [("Content-Type", "application/json")], b'{"error":"x"}'),
        notes=["a note"],
    )
    store.add(c)
    got = store.get(c.id)
    assert got is not None
    assert got.body == body
    assert got.to_json() == c.to_json()
    assert got.seq == c.seq == 1


def test_seq_strictly_increasing_and_list_newest_first(store: CaptureStore) -> None:
    caps = [make(f"/p{i}") for i in range(5)]
    store.add_many(caps[:2])
    store.add_many(caps[2:])
    assert [c.seq for c in caps] == [1, 2, 3, 4, 5]
    listed = store.captures(limit=3)
    assert [c.path for c in listed] == ["/p4", "/p3", "/p2"]
    assert all(c.body is None for c in listed)
    assert len(store.captures(limit=0)) == 5


def test_seq_never_reused_after_removal(store: CaptureStore) -> None:
    a, b = make(), make()
    store.add_many([a, b])
    store.remove([b.id])
    c = make()
    store.add(c)
    assert c.seq == 3


@pytest.mark.parametrize("count", [1, 31, 32, 33, 50, 77, 513])
def test_batches_of_any_size_keep_order_and_bodies(store: CaptureStore, count: int) -> None:
    # add_many writes several rows per INSERT statement (chunks of 32, 16, ... 1):
    # every capture must get its own body and the next seq, in order.
    store.add(make("/first"))
    caps = [make(f"/p{i}", f"body {i}".encode(), headers=[("X-N", str(i))]) for i in range(count)]
    store.add_many(caps)
    assert [c.seq for c in caps] == list(range(2, count + 2))
    for i in (0, count // 2, count - 1):
        got = store.get(caps[i].id)
        assert got is not None
        assert (got.seq, got.path, got.body, got.header("X-N")) == (
            i + 2,
            f"/p{i}",
            f"body {i}".encode(),
            str(i),
        )
    assert store.count() == count + 1


def test_a_batch_with_a_stored_id_is_refused_whole(store: CaptureStore) -> None:
    old = make("/old")
    store.add(old)
    dup = make("/dup")
    dup.id = old.id
    batch = [make("/a"), dup, make("/b")]
    with pytest.raises(StoreError, match="already stored"):
        store.add_many(batch)
    assert store.count() == 1
    later = make("/later")
    store.add(later)
    assert later.seq == 2


def test_a_transaction_commits_its_block_or_rolls_it_back(data_dir: Path) -> None:
    conn = connect(data_dir / "t.sqlite3", "NORMAL")
    try:
        conn.execute("CREATE TABLE t (x)")
        with transaction(conn):
            conn.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(KeyboardInterrupt), transaction(conn):
            conn.execute("INSERT INTO t VALUES (2)")
            raise KeyboardInterrupt
        assert not conn.in_transaction
        assert conn.execute("SELECT x FROM t").fetchall() == [(1,)]
    finally:
        conn.close()


def test_text_vendor_and_validation_filters(store: CaptureStore) -> None:
    store.add_many(
        [
            make("/one", b'{"needle": 1}', vendor="celantur"),
            make("/two", b"hay", headers=[("X-Trace", "NeedleInHeader")], vendor="blurit"),
            make("/three", b"hay", validation=Validation("valid", "token-header", "")),
        ]
    )
    assert {c.path for c in store.captures(flt=CaptureFilter(text="needle"))} == {"/one", "/two"}
    assert [c.path for c in store.captures(flt=CaptureFilter(vendor="blurit"))] == ["/two"]
    assert [c.path for c in store.captures(flt=CaptureFilter(validation="valid"))] == ["/three"]
    assert store.count(CaptureFilter(text="THREE")) == 1
    flt = CaptureFilter(text="needle")
    assert flt.matches(make("/x", b"a NEEDLE here"))
    assert not flt.matches(make("/x", b"nothing"))


def test_via_is_stored_and_filtered(store: CaptureStore) -> None:
    store.add_many([make("/public", via="tunnel", remote_addr="203.0.113.9"), make("/mine")])
    public = store.captures(flt=CaptureFilter(via="tunnel"))
    assert [(c.path, c.via, c.remote_addr) for c in public] == [
        ("/public", "tunnel", "203.0.113.9")
    ]
    assert [c.path for c in store.captures(flt=CaptureFilter(via="local"))] == ["/mine"]
    assert store.count(CaptureFilter(via="tunnel")) == 1
    assert CaptureFilter(via="tunnel").matches(make("/x", via="tunnel"))
    assert not CaptureFilter(via="tunnel").matches(make("/x"))
    got = store.get(public[0].id)
    assert got is not None and got.via == "tunnel" and got.to_json()["via"] == "tunnel"


def test_captures_stored_before_via_read_as_local(data_dir: Path) -> None:
    from inspector.core.store import MIGRATIONS, STORE_FILENAME

    path = data_dir / STORE_FILENAME
    old = sqlite3.connect(path, isolation_level=None)
    for migration in MIGRATIONS[:6]:
        for statement in migration.split(";"):
            if statement.strip():
                old.execute(statement)
    old.execute("PRAGMA user_version=6")
    old.execute(
        "INSERT INTO captures (seq, id, received_at, source, method, path, query, headers, "
        "body_size, remote_addr, validation, truncated, notes, search_text) VALUES "
        "(1, 'schema-6-capture-01', '2026-11-01T10:00:00.000000Z', 'live', 'POST', '/old', '', "
        '\'[]\', 0, \'127.0.0.1\', \'{"result":"unchecked","scheme":null,"detail":""}\', '
        "0, '[]', 'post /old')"
    )
    old.execute("INSERT INTO bodies (seq, body, response_body) VALUES (1, x'', x'')")
    old.close()

    s = CaptureStore(path)
    try:
        got = s.get("schema-6-capture-01")
        assert got is not None and got.via == "local"
        assert s.count(CaptureFilter(via="local")) == 1
    finally:
        s.close()


@pytest.mark.parametrize(
    "needle", ["a*b", "a?b", "[x]", "50%", "under_score", "ünï", "*", "?", "[", "]"]
)
def test_text_filter_takes_every_character_literally(store: CaptureStore, needle: str) -> None:
    # The SQL filter and the live filter (CaptureFilter.matches) must agree on any text.
    bodies = ["a*b a?b [x] 50% under_score ÜNÏ * ? [ ]", "axb ayb x 50 underXscore uni"]
    store.add_many([make(f"/{i}", body.encode()) for i, body in enumerate(bodies)])
    flt = CaptureFilter(text=needle)
    sql = {c.path for c in store.captures(flt=flt)}
    live = {c.path for c in store.captures() if flt.matches(store.get(c.id))}  # type: ignore[arg-type]
    assert sql == live == {"/0"}


def agree(store: CaptureStore, text: str) -> set[str]:
    """Paths the SQL filter finds for ``text``, checked against the live filter."""
    flt = CaptureFilter(text=text)
    sql = {c.path for c in store.captures(flt=flt, limit=0)}
    live = {c.path for c in store.captures(limit=0) if flt.matches(store.get(c.id))}  # type: ignore[arg-type]
    assert sql == live
    return sql


def test_long_body_is_searched_in_its_first_64_kib_and_read_back_whole(
    store: CaptureStore,
) -> None:
    from inspector.core.store import SEARCH_BODY_BYTES

    body = b"early " + b"x" * SEARCH_BODY_BYTES + b" late"
    c = make("/long", body)
    store.add_many([c, make("/short", b"early bird")])
    assert agree(store, "early") == {"/long", "/short"}
    assert agree(store, "late") == set()  # past the searched head
    got = store.get(c.id)
    assert got is not None and got.body == body
    assert store.body(c.seq) == body


def test_text_after_a_nul_byte_is_found(store: CaptureStore) -> None:
    # SQLite's LIKE stops at a NUL; such a body's text is searched from search_text.
    store.add_many(
        [
            make("/multipart", b"--b\r\n\x00\x01\x02 file bytes\r\n--b\r\nname=Marker-42\r\n"),
            make("/plain", b"no marker here but mark"),
        ]
    )
    assert agree(store, "marker-42") == {"/multipart"}
    assert agree(store, "mark") == {"/multipart", "/plain"}


def test_unicode_letters_are_folded_in_bodies(store: CaptureStore) -> None:
    store.add_many([make("/de", "Grüße an MÜLLER".encode()), make("/en", b"muller")])
    assert agree(store, "müller") == {"/de"}
    assert agree(store, "GRÜSSE") == set()  # lower(), not casefold(): as the live filter
    assert agree(store, "grüße") == {"/de"}


def test_a_store_of_schema_4_is_searched_after_the_upgrade(data_dir: Path) -> None:
    # Schema 4 copied the body's text into search_text and kept whole bodies in bodies.body.
    from inspector.core.store import MIGRATIONS, STORE_FILENAME

    path = data_dir / STORE_FILENAME
    old = sqlite3.connect(path, isolation_level=None)
    old.execute("PRAGMA journal_mode=WAL")
    for migration in MIGRATIONS[:4]:
        for statement in migration.split(";"):
            if statement.strip():
                old.execute(statement)
    old.execute("PRAGMA user_version=4")
    legacy_body = b'{"word": "Legacy"}' + b" " * 70_000 + b"tail"
    old.execute(
        "INSERT INTO captures (seq, id, received_at, source, method, path, query, headers, "
        "body_size, remote_addr, validation, truncated, notes, search_text) VALUES "
        "(1, 'legacy-capture-0001', '2026-11-01T10:00:00.000000Z', 'live', 'POST', '/old', '', "
        '\'[]\', ?, \'127.0.0.1\', \'{"result":"unchecked","scheme":null,"detail":""}\', '
        "0, '[]', ?)",
        (len(legacy_body), "post /old\n" + legacy_body.decode()[: 64 * 1024].lower()),
    )
    old.execute("INSERT INTO bodies (seq, body, response_body) VALUES (1, ?, x'')", (legacy_body,))
    old.close()

    s = CaptureStore(path)
    try:
        s.add(make("/new", b'{"word": "legacy too"}'))
        assert agree(s, "legacy") == {"/old", "/new"}
        assert agree(s, "tail") == set()  # past the searched head, then as now
        got = s.get("legacy-capture-0001")
        assert got is not None and got.body == legacy_body
        assert s.body(1) == legacy_body
    finally:
        s.close()


def test_events_are_emitted(store: CaptureStore) -> None:
    seen: list[list[str]] = []
    store.added.connect(lambda caps: seen.append([c.path for c in caps]))
    updated: list[str] = []
    store.updated.connect(lambda c: updated.append(c.id))
    c = make("/e")
    store.add(c)
    store.set_forward(c.id, ForwardRecord("http://localhost:9/x", error="refused"))
    assert seen == [["/e"]]
    assert updated == [c.id]
    got = store.get(c.id)
    assert got is not None and got.forward is not None and got.forward.error == "refused"


def test_get_by_seq_and_prefix(store: CaptureStore) -> None:
    c = make()
    store.add(c)
    assert store.get(c.seq) is not None
    assert store.get(str(c.seq)) is not None
    got = store.get(c.id[:8])
    assert got is not None and got.id == c.id
    assert store.get("nope-nope") is None
    # an id whose prefix is all digits is still found by that prefix
    d = make(id="12345678" + "a" * 24)
    store.add(d)
    got = store.get("12345678")
    assert got is not None and got.id == d.id


def test_get_by_unique_id_suffix(store: CaptureStore) -> None:
    # UUIDv7 ids made in the same minute share their first characters, not their last.
    caps = [make(f"/s{i}") for i in range(20)]
    store.add_many(caps)
    assert caps[0].id[:8] == caps[-1].id[:8]
    assert store.get(caps[3].id[:8]) is None  # ambiguous prefix
    for key in (caps[3].id[-8:], caps[3].id[-8:].upper()):
        got = store.get(key)
        assert got is not None and got.id == caps[3].id
    assert store.get("zzzzzz") is None
    assert store.get("*" * 8) is None and store.get("%" * 8) is None


def test_two_processes_creating_the_store_at_once(data_dir: Path) -> None:
    # Another process migrates a new store while this one waits for the write lock: this
    # one must see the finished schema, not create the tables a second time.
    from inspector.core.store import MIGRATIONS, STORE_FILENAME

    path = data_dir / STORE_FILENAME
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("BEGIN IMMEDIATE")
    opened: list[object] = []

    def open_store() -> None:
        try:
            opened.append(CaptureStore(path))
        except Exception as exc:
            opened.append(exc)

    t = threading.Thread(target=open_store)
    t.start()
    t.join(0.5)  # it has read schema version 0 and now waits for the lock
    assert not opened
    for migration in MIGRATIONS:
        for statement in migration.split(";"):
            if statement.strip():
                other.execute(statement)
    other.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    other.execute("COMMIT")
    other.close()
    t.join(30)
    (result,) = opened
    assert isinstance(result, CaptureStore), result
    result.add(make())
    assert result.count() == 1
    result.close()


def test_reopen_keeps_everything(data_dir: Path) -> None:
    s = CaptureStore.in_dir(data_dir)
    s.add_many([make(f"/{i}") for i in range(10)])
    s.close()
    s2 = CaptureStore.in_dir(data_dir)
    assert s2.count() == 10
    assert s2.max_seq() == 10
    s2.close()


def test_schema_version_recorded(store: CaptureStore) -> None:
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_newer_schema_is_refused_with_clear_message(data_dir: Path) -> None:
    path = data_dir / "captures.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer Webhook Inspector"):
        CaptureStore(path)


def test_damaged_file_is_detected_not_emptied(data_dir: Path) -> None:
    path = data_dir / "captures.sqlite3"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    with pytest.raises(StoreError, match="damaged or not a Webhook Inspector store"):
        CaptureStore(path)
    assert path.read_bytes() == garbage


def test_reader_in_another_process_while_writing(data_dir: Path) -> None:
    s = CaptureStore.in_dir(data_dir)
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            s.add_many([make("/w") for _ in range(20)])

    t = threading.Thread(target=writer)
    t.start()
    try:
        code = (
            "import sys; from inspector.core.store import CaptureStore;"
            "s = CaptureStore.in_dir(sys.argv[1]);"
            "counts = [s.count() for _ in range(50)];"
            "assert counts == sorted(counts), counts; print(counts[-1])"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, str(data_dir)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        stop.set()
        t.join()
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) > 0
    s.close()


def test_damaged_store_can_be_moved_aside(data_dir: Path) -> None:
    path = data_dir / "captures.sqlite3"
    path.write_bytes(b"garbage" * 1000)
    with pytest.raises(StoreError) as info:
        CaptureStore(path)
    assert info.value.damaged and "mv " in str(info.value)
    moved = CaptureStore.move_aside(path)
    assert moved.read_bytes() == b"garbage" * 1000 and not path.exists()
    fresh = CaptureStore(path)
    assert fresh.count() == 0
    fresh.close()


def test_indexes_skip_unknown_vendors_and_unchecked_captures_yet_serve_the_filters(
    store: CaptureStore,
) -> None:
    # Every index a commit touches costs a page in the WAL: a flood of captures of no known
    # vendor, unchecked, must not touch the vendor, task and validation indexes, and the
    # filters must still use them (and find the same rows as without).
    store.add_many(
        [
            make("/a", validation=Validation("valid", "token-header", "")),
            make("/b", vendor="celantur", event={"task_id": 42, "status": "done"}),
            make("/c"),
            make("/d", vendor="blurit", event={"task_id": "42"}),
        ]
    )
    conn = sqlite3.connect(store.path)
    try:
        partial = {row[1]: row[4] for row in conn.execute("PRAGMA index_list(captures)")}
        assert partial["captures_vendor"] == partial["captures_task"] == 1
        assert partial["captures_validation"] == 1

        def plan(sql: str, params: tuple[object, ...]) -> str:
            rows = conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
            return " ".join(str(r[3]) for r in rows)

        where, params = store._where(CaptureFilter(validation="valid"))
        assert "captures_validation" in plan(f"SELECT seq FROM captures{where}", tuple(params))
        where, params = store._where(CaptureFilter(vendor="blurit"))
        assert "USING COVERING INDEX captures_" in plan(
            f"SELECT seq FROM captures{where}", tuple(params)
        )
    finally:
        conn.close()
    assert [c.path for c in store.captures(flt=CaptureFilter(validation="valid"))] == ["/a"]
    assert {c.path for c in store.captures(flt=CaptureFilter(validation="unchecked"))} == {
        "/b",
        "/c",
        "/d",
    }
    from inspector.core.tasks import Task

    task = Task(vendor="celantur", task_id="42", file_name="a.jpg", webhook_url="https://x.test/")
    assert [c.path for c in store.task_callbacks(task)] == ["/b"]


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(_json_values)
def test_columns_are_encoded_as_json_dumps_would(value: object) -> None:
    # The store keeps one C encoder instead of json.dumps' new one per call: same text.
    assert fastpaths.dumps(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@given(_json_values)
def test_without_the_c_encoder_columns_are_encoded_the_same(value: object) -> None:
    # Interpreters without CPython's private c_make_encoder take the pure path.
    one_shot = fastpaths._ONE_SHOT_ENCODE
    fastpaths._ONE_SHOT_ENCODE = None
    try:
        expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        assert fastpaths.dumps(value) == expected
    finally:
        fastpaths._ONE_SHOT_ENCODE = one_shot


def test_sqlite_adapters_are_installed_by_opening_a_store_not_by_imports(data_dir: Path) -> None:
    code = (
        "import sqlite3, sys\n"
        "import inspector.core.settings, inspector.core.store\n"
        "def ours():\n"
        "    return sorted(t.__name__ for t, _ in sqlite3.adapters if t in (bytes, type(None)))\n"
        "print(ours())\n"
        "inspector.core.store.CaptureStore.in_dir(sys.argv[1]).close()\n"
        "print(ours())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(data_dir)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["[]", "['NoneType', 'bytes']"]


def test_absent_values_are_stored_as_null_and_bodies_as_blobs(store: CaptureStore) -> None:
    # The store installs identity adapters for bytes and None (a faster bind): NULL stays
    # NULL and a body stays a BLOB, byte for byte, including an empty one.
    store.add_many([make("/n", b""), make("/b", b"\x00\xff")])
    conn = sqlite3.connect(store.path)
    try:
        rows = conn.execute(
            "SELECT c.endpoint IS NULL, c.vendor IS NULL, c.event IS NULL, c.forward IS NULL, "
            "typeof(b.body), b.body, b.forward_body IS NULL, b.body_rest IS NULL "
            "FROM captures c JOIN bodies b USING (seq) ORDER BY seq"
        ).fetchall()
    finally:
        conn.close()
    assert rows == [(1, 1, 1, 1, "blob", b"", 1, 1), (1, 1, 1, 1, "blob", b"\x00\xff", 1, 1)]


def _open_connections() -> list[sqlite3.Connection]:
    """Every sqlite3 connection still alive in this process that is not closed."""
    alive = []
    for obj in gc.get_objects():
        if isinstance(obj, sqlite3.Connection):
            try:
                obj.total_changes  # noqa: B018 - raises on a closed connection
            except sqlite3.ProgrammingError:
                continue
            alive.append(obj)
    return alive


@pytest.mark.parametrize("damage", ["garbage", "newer schema"])
def test_a_store_that_fails_to_open_leaves_no_connection_open(data_dir: Path, damage: str) -> None:
    # Python 3.13 warns about a connection collected while open; the suite turns that
    # warning into an error, but only when the collector happens to run. This looks directly.
    path = data_dir / "captures.sqlite3"
    if damage == "garbage":
        path.write_bytes(b"not a database" * 100)
    else:
        conn = sqlite3.connect(path)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
        conn.close()
    before = {id(c) for c in _open_connections()}
    with pytest.raises(StoreError):
        CaptureStore(path)
    leaked = [c for c in _open_connections() if id(c) not in before]
    assert leaked == []


def test_a_store_locked_by_another_process_is_not_called_damaged(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A store held by another process (a CLI import, a probe) must not be offered to be
    # moved aside as damaged: the window's damaged-store dialog would do just that.
    path = data_dir / "captures.sqlite3"
    CaptureStore(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")  # keeps the lock after the write
        with transaction(holder):
            holder.execute("UPDATE meta SET value=value WHERE key='search_from'")
        monkeypatch.setattr(schema, "BUSY_TIMEOUT_S", 0.1)  # not the 30 s a user waits
        with pytest.raises(StoreError) as raised:
            CaptureStore(path)
        assert not raised.value.damaged
        assert "another process kept it locked" in str(raised.value)
    finally:
        holder.close()
    store = CaptureStore(path)  # free again: it opens, nothing was lost or moved
    store.close()
    assert path.exists() and not list(data_dir.glob("*.damaged*"))
