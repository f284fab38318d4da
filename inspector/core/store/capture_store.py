"""The capture store, :class:`CaptureStore`: SQLite in the data directory, in WAL mode.

Durability: :meth:`CaptureStore.add_many` returns only after the transaction holding the
captures is committed, and the listener sends no answer before that (docs/decisions.md,
"Durability"). Bodies live in their own table so that lists never load them.

Several processes may open the same store: the listener writes, the CLI reads (WAL lets
readers and one writer work at once). Events (``added``, ``updated``, ``removed``) are
emitted in the process that made the change; other processes poll with :meth:`since`.

The class holds the connections, their locks and the events; the SQL and the encodings are
in the package's other modules (see the package's docstring).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from inspector.core.capture import Capture, ForwardRecord, utc_now
from inspector.core.events import Signal
from inspector.core.store import bulk, retention, search_index
from inspector.core.store.fastpaths import dumps, install_sqlite_adapters
from inspector.core.store.replays import (
    INSERT_REPLAY,
    SELECT_REPLAYS_OF,
    ReplayRecord,
    replay_from_row,
    replay_values,
)
from inspector.core.store.rows import (
    SUMMARY,
    WHOLE,
    capture_from_row,
    capture_rows,
    insert_captures,
    whole_body,
)
from inspector.core.store.schema import (
    STORE_FILENAME,
    StoreError,
    connect,
    is_busy,
    migrate,
    transaction,
)
from inspector.core.store.search import (
    CaptureFilter,
    glob_literal,
    index_query,
    indexed_select,
    install_search_functions,
    uses_index,
    where,
)
from inspector.core.store.tasks import (
    SAVE_TASK,
    SELECT_TASKS,
    callbacks_query,
    task_from_json,
    task_values,
)
from inspector.core.store.traffic import traffic_since
from inspector.core.tasks import Task
from inspector.core.traffic import TrafficRow
from inspector.core.walsync import WalSyncer

#: When commits reach the disk (see :class:`CaptureStore`).
DURABILITIES = ("interval", "commit")
DEFAULT_DURABILITY = "interval"
#: Seconds within which the "interval" durability flushes a commit to the disk.
DEFAULT_SYNC_INTERVAL = 0.1
#: Captures deleted per transaction by :meth:`CaptureStore.delete`.
DELETE_BATCH = 2000


class CaptureStore:
    """SQLite-backed capture history. Thread-safe: one write and one read connection.

    ``durability`` says when a commit reaches the disk (all of them survive a crash of the
    program, ``kill -9`` included, as soon as they return): ``"interval"`` within
    ``sync_interval`` seconds, by a thread that flushes the WAL (a power cut loses at most
    that much), ``"commit"`` before the commit returns (``synchronous=FULL``: no window,
    at a large cost in throughput, see docs/performance.md).
    """

    def __init__(
        self,
        path: Path,
        *,
        durability: str = DEFAULT_DURABILITY,
        sync_interval: float = DEFAULT_SYNC_INTERVAL,
    ) -> None:
        if durability not in DURABILITIES:
            raise ValueError(
                f"durability must be one of {', '.join(DURABILITIES)}, not {durability!r}"
            )
        install_sqlite_adapters()
        synchronous = "FULL" if durability == "commit" else "NORMAL"
        self.durability = durability
        self._syncer: WalSyncer | None = (
            WalSyncer(Path(f"{path}-wal"), sync_interval) if durability == "interval" else None
        )
        self.path = Path(path)
        self.added: Signal[list[Capture]] = Signal("added")
        self.updated: Signal[Capture] = Signal("updated")
        self.removed: Signal[list[str]] = Signal("removed")
        self._wlock = threading.Lock()
        self._rlock = threading.Lock()
        # The list's searches run on a connection of their own (opened when first needed),
        # so a long one never holds up the reads the window makes to paint its rows.
        self._slock = threading.Lock()
        self._sconn: sqlite3.Connection | None = None
        self._synchronous = "FULL" if durability == "commit" else "NORMAL"
        # Connections opened before a failure are closed here: a store that fails to open
        # (damaged, newer schema) must not leave them to the garbage collector.
        opened: list[sqlite3.Connection] = []
        try:
            self._open(synchronous, opened)
        except BaseException:
            for conn in opened:
                conn.close()
            raise

    def _open(self, synchronous: str, opened: list[sqlite3.Connection]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._wconn = connect(self.path, synchronous)
            opened.append(self._wconn)
            with self._wlock:
                migrate(self._wconn, self.path)
            self._rconn = connect(self.path, synchronous)
            opened.append(self._rconn)
            install_search_functions(self._rconn)
            #: rows up to this seq have their body's text in search_text (schema < 5)
            self._search_from: int = self._rconn.execute(
                "SELECT value FROM meta WHERE key='search_from'"
            ).fetchone()[0]
            if search_index.unicode_changed(self._rconn):
                with self._wlock, transaction(self._wconn):
                    search_index.check_unicode(self._wconn)
        except sqlite3.DatabaseError as exc:
            if is_busy(exc):  # another process holds it: nothing to move aside
                raise StoreError(
                    f"cannot open the capture store {self.path}: another process kept it "
                    f"locked ({exc}); try again when it is done"
                ) from exc
            raise StoreError(
                f"cannot open the capture store {self.path}: {exc} (the file is damaged or "
                f"not a Webhook Inspector store; move it aside to start afresh: "
                f"mv '{self.path}' '{self.path}.damaged')",
                damaged=True,
            ) from exc
        except OSError as exc:
            raise StoreError(f"cannot open the capture store {self.path}: {exc.strerror}") from exc

    @staticmethod
    def move_aside(path: Path) -> Path:
        """Rename a damaged store (and its WAL files) so a new one can start; returns the
        new name. Nothing is deleted: the user may still recover the old file."""
        stamp = utc_now().strftime("%Y%m%d-%H%M%S")
        target = path.with_name(f"{path.name}.damaged-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            src = path.with_name(path.name + suffix)
            if src.exists():
                src.rename(target.with_name(target.name + suffix))
        return target

    @classmethod
    def in_dir(cls, data_dir: Path, **kwargs: Any) -> CaptureStore:
        return cls(Path(data_dir) / STORE_FILENAME, **kwargs)

    def close(self) -> None:
        with self._wlock, self._rlock, self._slock:
            if self._syncer is not None:
                self._syncer.close()
            self._wconn.close()
            self._rconn.close()
            if self._sconn is not None:
                self._sconn.close()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """The write connection under the write lock; what was written is then flushed to
        the disk as ``durability`` says."""
        with self._wlock:
            yield self._wconn
            if self._syncer is not None:
                self._syncer.changed()

    # -- writing ------------------------------------------------------------------------
    def add(self, capture: Capture, *, emit: bool = True) -> Capture:
        self.add_many([capture], emit=emit)
        return capture

    def add_many(self, captures: Sequence[Capture], *, emit: bool = True) -> None:
        """Insert captures in order, in one transaction; assigns ``seq``; durable on return."""
        if not captures:
            return
        # Rows are built before taking the lock, and written with a few multi-row INSERTs:
        # sqlite3 releases the GIL around each statement, and on a busy single core every
        # hand-over of the GIL between the event loop and this thread costs a context switch.
        rows = [capture_rows(c) for c in captures]
        try:
            with self._writing() as conn, transaction(conn):
                base = insert_captures(conn, rows)
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"capture already stored: {exc}") from exc
        for i, capture in enumerate(captures):
            capture.seq = base + i + 1
        if emit:
            self.added.emit(list(captures))

    def import_captures(self, captures: Sequence[Capture], *, emit: bool = True) -> int:
        """Add captures whose id is not stored yet; returns how many were added.

        Importing the same file twice adds nothing the second time.
        """
        ids = [c.id for c in captures]
        existing: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            existing.update(
                cid
                for (cid,) in self._read(f"SELECT id FROM captures WHERE id IN ({marks})", chunk)
            )
        seen: set[str] = set()
        fresh = []
        for c in captures:
            if c.id not in existing and c.id not in seen:
                seen.add(c.id)
                fresh.append(c)
        self.add_many(fresh, emit=emit)
        # An import is no flood to keep up with: its captures are indexed at once.
        while self.index_tail(1000):
            pass
        return len(fresh)

    # -- replays -----------------------------------------------------------------------
    def add_replay(self, record: ReplayRecord) -> None:
        with self._writing() as conn:
            conn.execute(INSERT_REPLAY, replay_values(record))

    def replays_of(self, capture_id: str) -> list[ReplayRecord]:
        """Replays of a capture, oldest first."""
        return [replay_from_row(r) for r in self._read(SELECT_REPLAYS_OF, (capture_id,))]

    # -- tasks --------------------------------------------------------------------------
    def save_task(self, task: Task) -> None:
        """Insert or update a task."""
        with self._writing() as conn:
            conn.execute(SAVE_TASK, task_values(task))

    def tasks(self) -> list[Task]:
        """Every task, newest first."""
        return [task_from_json(json.loads(data)) for (data,) in self._read(SELECT_TASKS)]

    def task_callbacks(self, task: Task) -> list[Capture]:
        """Captures of the task's vendor whose ``event.task_id`` is the task's id."""
        return [capture_from_row(r) for r in self._read(*callbacks_query(task))]

    # -- pins and retention -------------------------------------------------------------
    def set_pinned(self, capture_ids: Iterable[str], pinned: bool = True) -> int:
        """Pin (keep through retention) or unpin captures; emits ``updated`` for each."""
        ids = list(capture_ids)
        if not ids:
            return 0
        marks = ",".join("?" * len(ids))
        with self._writing() as conn:
            cur = conn.execute(
                f"UPDATE captures SET pinned=? WHERE id IN ({marks})", (int(pinned), *ids)
            )
            count = cur.rowcount
        for cid in ids:
            capture = self.get(cid, with_body=False)
            if capture is not None:
                self.updated.emit(capture)
        return count

    def pinned_count(self, seqs: Sequence[int] | None = None) -> int:
        """How many captures are pinned: of all, or of those numbered ``seqs``."""
        if seqs is None:
            return int(self._value("SELECT count(*) FROM captures WHERE pinned = 1"))
        wanted = list(seqs)
        count = 0
        for start in range(0, len(wanted), DELETE_BATCH):
            chunk = wanted[start : start + DELETE_BATCH]
            marks = ",".join("?" * len(chunk))
            count += self._value(
                f"SELECT count(*) FROM captures WHERE pinned = 1 AND seq IN ({marks})", chunk
            )
        return count

    def used_bytes(self) -> int:
        """Bytes of the database in use (freed pages are reused, not counted)."""
        pages = self._value("PRAGMA page_count")
        free = self._value("PRAGMA freelist_count")
        size = self._value("PRAGMA page_size")
        return int((pages - free) * size)

    def oldest_unpinned(self, limit: int) -> list[str]:
        return [cid for (cid,) in self._read(retention.SELECT_OLDEST_UNPINNED, (limit,))]

    def enforce_cap(self, max_bytes: int, *, batch: int = 200, emit: bool = True) -> list[str]:
        """Delete the oldest unpinned captures until the store uses at most ``max_bytes``.

        Only complete captures are deleted, each batch in its own transaction, so a crash
        in the middle leaves a consistent store. Returns the ids deleted, oldest first
        (with ``emit=False`` the caller announces them, e.g. from its event loop).
        """
        return retention.enforce_cap(self, max_bytes, batch=batch, emit=emit)

    def set_forward(
        self, capture_id: str, forward: ForwardRecord, *, emit: bool = True
    ) -> Capture | None:
        """Record a forward result on a stored capture and emit ``updated``."""
        with self._writing() as conn, transaction(conn):
            row = conn.execute("SELECT seq FROM captures WHERE id=?", (capture_id,)).fetchone()
            if row is None:
                return None
            (seq,) = row
            conn.execute(
                "UPDATE captures SET forward=? WHERE seq=?", (dumps(forward.to_json()), seq)
            )
            conn.execute("UPDATE bodies SET forward_body=? WHERE seq=?", (forward.body, seq))
        capture = self.get(capture_id, with_body=False)
        if capture is not None and emit:
            self.updated.emit(capture)
        return capture

    def remove(self, capture_ids: Iterable[str], *, emit: bool = True) -> int:
        """Delete captures (and their search index entries) in one transaction."""
        ids = list(capture_ids)
        if not ids:
            return 0
        count = 0
        with self._writing() as conn, transaction(conn):
            # At most 500 parameters per statement (SQLite's oldest limit is 999).
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                search_index.unindex(conn, f"c.id IN ({marks})", chunk, self._search_from)
                conn.execute(
                    "DELETE FROM bodies WHERE seq IN "
                    f"(SELECT seq FROM captures WHERE id IN ({marks}))",
                    chunk,
                )
                count += conn.execute(f"DELETE FROM captures WHERE id IN ({marks})", chunk).rowcount
        if emit:
            self.removed.emit(ids)
        return count

    def delete(
        self,
        seqs: Sequence[int] | None = None,
        *,
        keep_pinned: bool = False,
        batch: int = DELETE_BATCH,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        ids: list[str] | None = None,
    ) -> int:
        """See :func:`.bulk.delete` (the window's Delete and Clear all)."""
        return bulk.delete(
            self, seqs, keep_pinned, batch, progress, cancelled, ids, self._search_from
        )

    # -- the search index ---------------------------------------------------------------
    def index_pending(self) -> int:
        """How many stored captures the search index does not hold yet (the tail stored
        since the writer's last step, and an upgraded store's older captures): searches
        test those by the scan, the others through the index."""
        with self._rlock:
            return search_index.pending(self._rconn)

    def index_tail(self, batch: int = 500) -> int:
        """Index up to ``batch`` of the captures stored since the last step, in a short
        transaction of its own; returns how many (0: the index has caught up). The
        listener's writer calls it when no batch of captures is waiting, so a capture's
        own transaction never writes the index (docs/decisions.md, "A million captures")."""
        with self._writing() as conn, transaction(conn):
            return search_index.tail_step(conn, batch, self._search_from)

    def build_index(
        self,
        *,
        batch: int = 1000,
        on_progress: Callable[[int, int], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> bool:
        """See :func:`.bulk.build_index` (an upgraded store's index, in the background)."""
        return bulk.build_index(self, self._search_from, batch, on_progress, stop)

    # -- reading ------------------------------------------------------------------------
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._rlock:
            return self._rconn.execute(sql, params).fetchall()

    def _value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The one value of a query that gives one row of one column."""
        ((value,),) = self._read(sql, params)
        return value

    def get(self, key: str | int, *, with_body: bool = True) -> Capture | None:
        """A capture by id, by seq (an int), or by a unique id prefix or suffix of 6+
        characters."""
        if with_body:
            sql = f"SELECT {WHOLE} FROM captures c LEFT JOIN bodies b ON b.seq = c.seq WHERE "
        else:
            sql = f"SELECT {SUMMARY} FROM captures c WHERE "
        if isinstance(key, int):
            rows = self._read(sql + "c.seq=?", (key,))
        else:
            # A short number is a seq; otherwise an id, a unique id prefix (6+ characters),
            # and only then a seq again (an id prefix may be all digits).
            rows = []
            if key.isdigit() and len(key) < 6:
                rows = self._read(sql + "c.seq=?", (int(key),))
            if not rows:
                rows = self._read(sql + "c.id=?", (key,))
            if not rows and len(key) >= 6:
                # Ids are UUIDv7: their first characters are a timestamp shared by every
                # capture of the same minute, their last ones random. A unique prefix or,
                # failing that, a unique suffix names a capture.
                literal = glob_literal(key.lower())
                rows = self._read(sql + "c.id GLOB ? LIMIT 2", (literal + "*",))
                if not rows:
                    rows = self._read(sql + "c.id GLOB ? LIMIT 2", ("*" + literal,))
                if len(rows) > 1:
                    return None
            if not rows and key.isdigit() and len(key) < 19:
                rows = self._read(sql + "c.seq=?", (int(key),))
        return capture_from_row(rows[0]) if rows else None

    def body(self, seq: int) -> bytes:
        rows = self._read("SELECT body, body_rest FROM bodies WHERE seq=?", (seq,))
        if not rows:
            return b""
        ((head, rest),) = rows
        return whole_body(head, rest)

    @staticmethod
    def _indexed(flt: CaptureFilter | None) -> bool:
        """Whether ``flt``'s text is looked up in the index (long enough): the captures
        the index does not hold yet are tested by the scan's test then."""
        return flt is not None and uses_index(flt.text)

    def _where(self, flt: CaptureFilter | None) -> tuple[str, list[Any]]:
        return where(flt, self._search_from, indexed=self._indexed(flt))

    def _select(
        self, what: str, flt: CaptureFilter | None, order: str = "ASC"
    ) -> tuple[str, list[Any]]:
        """A query of ``what`` (columns of ``captures``, the first ``seq``) over what
        ``flt`` matches, ordered by seq (``order``: ASC or DESC), and its parameters."""
        if self._indexed(flt):
            assert flt is not None
            condition, params = where(flt, self._search_from, indexed=True, joined=True)
            sql = indexed_select(what, condition, order)
            return sql, [index_query(flt.text), *params, *params, *params]
        condition, params = where(flt, self._search_from)
        return f"SELECT {what} FROM captures{condition} ORDER BY seq {order}", params

    def captures(
        self, *, limit: int = 100, flt: CaptureFilter | None = None, newest_first: bool = True
    ) -> list[Capture]:
        """Captures without bodies; ``limit=0`` means all."""
        sql, params = self._select(SUMMARY, flt, "DESC" if newest_first else "ASC")
        if limit > 0:
            sql += " LIMIT ?"
            params.append(limit)
        return [capture_from_row(r) for r in self._read(sql, params)]

    def seqs(self, flt: CaptureFilter | None = None) -> list[int]:
        """Every matching seq, ascending: the list model's index."""
        if flt is None or flt.is_empty:
            every = self._every_seq(self._read)
            if every is not None:
                return every
        return [seq for (seq,) in self._read(*self._select("seq", flt))]

    @staticmethod
    def _every_seq(read: Callable[[str], list[tuple[Any, ...]]]) -> list[int] | None:
        """Every stored seq when they have no gaps (deletes of the oldest, which the size
        cap makes, leave none): a range, without reading a row per capture (count(*)
        reads the small id index; a million rows one by one took seconds). None when
        some are missing in between."""
        ((count, low, high),) = read("SELECT count(*), min(seq), max(seq) FROM captures")
        if not count:
            return []
        return list(range(low, high + 1)) if high - low + 1 == count else None

    def search_seqs(
        self, flt: CaptureFilter | None, cancelled: Callable[[], bool], newest: int = 0
    ) -> list[int] | None:
        """:meth:`seqs` for a worker thread, on the search connection (only the ``newest``
        ones, when given): ``None`` when ``cancelled()`` became true meanwhile (the query
        is interrupted within a few thousand of SQLite's steps, so a newer search need not
        wait for an older one)."""
        sql, params = self._select("seq", flt, "DESC" if newest else "ASC")
        if newest:
            sql += " LIMIT ?"
            params.append(newest)
        with self._slock:
            if self._sconn is None:
                self._sconn = connect(self.path, self._synchronous)
                install_search_functions(self._sconn)
            conn = self._sconn
            if (flt is None or flt.is_empty) and not newest:
                every = self._every_seq(lambda sql: conn.execute(sql).fetchall())
                if every is not None:
                    return every
            conn.set_progress_handler(lambda: int(cancelled()), 5000)
            try:
                rows = conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError:
                if cancelled():
                    return None
                raise
            finally:
                conn.set_progress_handler(None, 0)
        if cancelled():
            return None
        return [seq for (seq,) in reversed(rows)] if newest else [seq for (seq,) in rows]

    def summaries(self, seqs: Sequence[int]) -> dict[int, Capture]:
        """Captures (without bodies) by seq, for a page of the list."""
        out: dict[int, Capture] = {}
        for start in range(0, len(seqs), 500):
            chunk = list(seqs[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self._read(f"SELECT {SUMMARY} FROM captures WHERE seq IN ({marks})", chunk):
                capture = capture_from_row(row)
                out[capture.seq] = capture
        return out

    def iter_captures(
        self, flt: CaptureFilter | None = None, *, batch_bytes: int = 8 * 1024 * 1024
    ) -> Iterator[Capture]:
        """See :func:`.bulk.iter_captures` (an export of any size, in bounded memory)."""
        return bulk.iter_captures(self, flt, batch_bytes)

    def since(self, seq: int, limit: int = 1000) -> list[Capture]:
        """Captures after ``seq`` (oldest first): how other processes follow the store."""
        rows = self._read(
            f"SELECT {SUMMARY} FROM captures WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, limit),
        )
        return [capture_from_row(r) for r in rows]

    def count(self, flt: CaptureFilter | None = None) -> int:
        sql, params = self._select("seq", flt)
        return int(self._value(f"SELECT count(*) FROM ({sql})", params))

    def traffic_since(
        self, since: datetime, until: datetime, until_seq: int | None = None
    ) -> list[TrafficRow]:
        """Captures per minute and vendor received from ``since`` until before ``until``,
        with failed validations and non-2xx answers counted (the traffic chart's start; it
        then counts live captures itself). Reads only the table's tail (see
        ``store/traffic.py``), on a connection of its own: after a flood the last hour
        holds a million captures, seconds of reading that must not hold up the list's
        reads (docs/performance.md, a million captures)."""
        conn = connect(self.path, self._synchronous)
        try:
            return traffic_since(conn, since, until, until_seq)
        finally:
            conn.close()

    def max_seq(self) -> int:
        return int(self._value("SELECT coalesce(max(seq), 0) FROM captures"))
