"""The capture store: SQLite in the data directory. Other modules import its names from here.

- ``capture_store``: :class:`CaptureStore`, the connections, their locks and the events.
- ``schema``: the file's name, tables and migrations, opening a connection, and the one
  write transaction (:func:`~inspector.core.store.schema.transaction`).
- ``rows``: a capture as its two rows (``captures``, ``bodies``) and back, columns by name.
- ``search``: the list's filter and the SQL that applies it.
- ``replays``, ``tasks``: the rows of the replays and tasks tables.
- ``retention``: which captures the size cap deletes.
- ``fastpaths``: one JSON encoder for every column, and sqlite3 adapters that
  :class:`CaptureStore` installs when it opens (importing the package changes nothing
  outside it).
"""

from inspector.core.store.capture_store import (
    DEFAULT_DURABILITY,
    DEFAULT_SYNC_INTERVAL,
    DURABILITIES,
    CaptureStore,
)
from inspector.core.store.replays import ReplayRecord
from inspector.core.store.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    SEARCH_BODY_BYTES,
    STORE_FILENAME,
    StoreError,
)
from inspector.core.store.search import CaptureFilter, search_text
from inspector.core.store.tasks import task_from_json

__all__ = [
    "DEFAULT_DURABILITY",
    "DEFAULT_SYNC_INTERVAL",
    "DURABILITIES",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SEARCH_BODY_BYTES",
    "STORE_FILENAME",
    "CaptureFilter",
    "CaptureStore",
    "ReplayRecord",
    "StoreError",
    "search_text",
    "task_from_json",
]
