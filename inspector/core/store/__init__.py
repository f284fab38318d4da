"""The capture store: SQLite in the data directory (see :mod:`.capture_store`).

Other modules import the store's public names from here.
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
