"""The store's file: its name, tables and migrations, how a connection is opened, and the
one way a write transaction is made.

The schema version is SQLite's ``user_version``; :data:`MIGRATIONS` upgrades a store from
any older version, in one transaction.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

STORE_FILENAME = "captures.sqlite3"
#: The text filter searches this many first bytes of a body. They are stored in
#: ``bodies.body`` and the rest of a longer body in ``bodies.body_rest``, so that a search
#: reads only the heads, in place.
SEARCH_BODY_BYTES = 64 * 1024

# Each entry upgrades the schema from version N to N+1. Never edit a released entry:
# append a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE captures (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        received_at TEXT NOT NULL,
        source TEXT NOT NULL,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        query TEXT NOT NULL,
        headers TEXT NOT NULL,
        body_size INTEGER NOT NULL,
        content_type TEXT,
        remote_addr TEXT NOT NULL,
        endpoint TEXT,
        vendor TEXT,
        event TEXT,
        validation TEXT NOT NULL,
        response TEXT,
        forward TEXT,
        truncated INTEGER NOT NULL,
        notes TEXT NOT NULL,
        replay_of TEXT,
        search_text TEXT NOT NULL
    );
    CREATE TABLE bodies (
        seq INTEGER PRIMARY KEY REFERENCES captures(seq) ON DELETE CASCADE,
        body BLOB NOT NULL,
        response_body BLOB NOT NULL,
        forward_body BLOB
    );
    CREATE INDEX captures_vendor ON captures(vendor, seq);
    CREATE INDEX captures_validation ON captures(json_extract(validation, '$.result'), seq);
    """,
    # 2: answers to replays of a capture, kept with it.
    """
    CREATE TABLE replays (
        n INTEGER PRIMARY KEY AUTOINCREMENT,
        capture_id TEXT NOT NULL,
        at TEXT NOT NULL,
        url TEXT NOT NULL,
        status INTEGER,
        latency_ms REAL,
        error TEXT,
        headers TEXT NOT NULL,
        body BLOB NOT NULL
    );
    CREATE INDEX replays_capture ON replays(capture_id, n);
    """,
    # 3: tasks submitted to vendors; callbacks are found by vendor + event.task_id.
    """
    CREATE TABLE tasks (
        n INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        vendor TEXT NOT NULL,
        task_id TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX tasks_vendor_task ON tasks(vendor, task_id);
    CREATE INDEX captures_task ON captures(vendor, json_extract(event, '$.task_id'));
    """,
    # 4: pinned captures are kept by the retention cap.
    """
    ALTER TABLE captures ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
    """,
    # 5: the text filter searches a body where it is stored instead of in a copy inside
    # search_text, which had doubled the bytes written per capture. A body longer than
    # SEARCH_BODY_BYTES keeps the rest in body_rest. Rows written before keep their copy
    # (and their whole body in body); search_from is the last of them.
    """
    ALTER TABLE bodies ADD COLUMN body_rest BLOB;
    CREATE TABLE meta (key TEXT PRIMARY KEY, value);
    INSERT INTO meta (key, value) SELECT 'search_from', coalesce(max(seq), 0) FROM captures;
    """,
    # 6: every index a commit touches is at least one more 4 KiB page written to the WAL
    # (and again at the checkpoint). Captures of no known vendor, and unchecked ones, which
    # are most of a flood, no longer have entries in the indexes that only serve vendor or
    # validation filters. The task index now holds the task id as the lookup compares it
    # (as text), so it finds a task's callbacks directly instead of by vendor alone.
    """
    DROP INDEX captures_vendor;
    CREATE INDEX captures_vendor ON captures(vendor, seq) WHERE vendor IS NOT NULL;
    DROP INDEX captures_task;
    CREATE INDEX captures_task ON captures(vendor, CAST(json_extract(event, '$.task_id') AS TEXT))
        WHERE vendor IS NOT NULL;
    DROP INDEX captures_validation;
    CREATE INDEX captures_validation ON captures(json_extract(validation, '$.result'), seq)
        WHERE json_extract(validation, '$.result') != 'unchecked';
    """,
    # 7: whether the tunnel relayed a capture ("tunnel") or it was sent on this machine
    # ("local"). Rows stored before cannot be told apart and read as "local".
    """
    ALTER TABLE captures ADD COLUMN via TEXT NOT NULL DEFAULT 'local';
    """,
    # 8: the text filter's trigram index (search_index.py): which trigrams each capture's
    # searched text holds, no positions (detail=none), no text (content=''). Captures
    # stored before it are indexed in the background, newest first; those up to
    # index_from are not yet, nor those above indexed_to (stored since the last step).
    """
    CREATE VIRTUAL TABLE search_index USING fts5(
        meta, body, content='', columnsize=0, detail=none,
        tokenize='trigram case_sensitive 1'
    );
    INSERT INTO meta (key, value) SELECT 'index_from', coalesce(max(seq), 0) FROM captures;
    INSERT INTO meta (key, value) SELECT 'indexed_to', coalesce(max(seq), 0) FROM captures;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(Exception):
    """The store cannot be opened or written; the message is meant for the user."""

    def __init__(self, message: str, *, damaged: bool = False) -> None:
        super().__init__(message)
        #: the file exists but is not a readable store (offer to move it aside)
        self.damaged = damaged


#: How long a statement waits for another process's lock on the file before it fails.
BUSY_TIMEOUT_S = 30.0


def connect(path: Path, synchronous: str) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit, see :func:`transaction`),
    usable from any thread (the store serialises its use with a lock)."""
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None
    )
    try:
        conn.execute("PRAGMA journal_mode=WAL")  # the first read: a damaged file fails here
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
    except BaseException:
        conn.close()  # not left to the garbage collector (Python 3.13 warns about that)
        raise
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction on ``conn``: committed when the block ends, rolled back when it
    (or the commit) raises.

    ``BEGIN IMMEDIATE`` takes the file's write lock at once, so what the block reads stays
    true until the commit (another process cannot write in between).
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def is_busy(exc: sqlite3.Error) -> bool:
    """Whether ``exc`` says another connection holds the file (SQLITE_BUSY, SQLITE_LOCKED
    and their extended codes), which is no sign of damage."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
    )


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the store at ``path``, open on the write connection ``conn``, to
    :data:`SCHEMA_VERSION`; refuse a newer one."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the capture store {path} was written by a newer Webhook Inspector "
            f"(schema {version}, this one knows {SCHEMA_VERSION}); please upgrade"
        )
    if version == SCHEMA_VERSION:
        # Touch the schema so a damaged or foreign file fails here, not later.
        conn.execute("SELECT count(*) FROM captures WHERE seq < 0").fetchone()
        return
    with transaction(conn):
        # Another process (the app and a CLI command started together on a new data
        # directory) may have migrated while we waited for the write lock.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for step in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[step].split(";"):
                if statement.strip():
                    conn.execute(statement)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
