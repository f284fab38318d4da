"""The listener stores captures without writing the search index, and its writer indexes
them when idle: a search finds a capture as soon as it is answered, indexed or not."""

from __future__ import annotations

import asyncio
import sqlite3

import aiohttp
from helpers import wait_until_async

from inspector.core.store import CaptureFilter, CaptureStore
from inspector.core.store.search import index_query
from inspector.net.listener import Listener
from inspector.net.writer import CaptureWriter


def indexed_seqs(store: CaptureStore, text: str) -> list[int]:
    """Seqs with an index entry holding ``text``'s trigrams."""
    query = index_query(text).rsplit(" OR ", 1)[0]  # without the always-tested ones
    conn = sqlite3.connect(store.path)
    try:
        sql = "SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid"
        return [seq for (seq,) in conn.execute(sql, (query,))]
    finally:
        conn.close()


def found(store: CaptureStore, text: str) -> list[str]:
    return [c.path for c in store.captures(limit=0, flt=CaptureFilter(text=text))]


async def post(url: str, body: bytes) -> None:
    async with aiohttp.ClientSession() as s, s.post(url, data=body) as r:
        assert r.status == 200


async def test_a_capture_is_found_as_soon_as_it_is_answered_before_indexing(
    store: CaptureStore,
) -> None:
    # An hour of quiet before a step, and a step's worth never waits: nothing is indexed.
    lst = Listener(store, port=0, writer=CaptureWriter(store, index_delay=3600))
    await lst.start()
    try:
        await post(lst.url + "/first", b'{"event": "invoice.Paid-4711"}')
        assert store.index_pending() == 1
        assert indexed_seqs(store, "paid-4711") == []
        assert found(store, "paid-4711") == ["/first"]
        await post(lst.url + "/second", b'{"event": "invoice.paid-4712"}')
        assert found(store, "invoice.paid-47") == ["/second", "/first"]
        assert store.count(CaptureFilter(text="paid-4712")) == 1
        assert store.index_pending() == 2
    finally:
        await lst.stop()  # the waiting indexer is stopped, not waited for


async def test_the_writer_indexes_what_it_stored_when_idle(store: CaptureStore) -> None:
    lst = Listener(store, port=0, writer=CaptureWriter(store, index_batch=3, index_delay=0))
    await lst.start()
    try:
        await asyncio.gather(
            *(post(lst.url + f"/n{i}", f"order-{i:02d}".encode()) for i in range(10))
        )
        await wait_until_async(lambda: store.index_pending() == 0, what="the tail indexed")
        assert indexed_seqs(store, "order-") == list(range(1, 11))
        assert found(store, "order-07") == ["/n7"]
        assert len(found(store, "order-")) == 10
        # More after the tail caught up: found at once, then indexed too.
        await post(lst.url + "/late", b"order-99 late")
        assert found(store, "order-99") == ["/late"]
        await wait_until_async(lambda: store.index_pending() == 0, what="the late one indexed")
        assert indexed_seqs(store, "order-99") == [11]
    finally:
        await lst.stop()


async def test_a_flood_is_indexed_only_past_the_backlog(store: CaptureStore) -> None:
    # No quiet moment comes (an hour): the tail is indexed once it reaches the backlog.
    writer = CaptureWriter(store, index_batch=3, index_delay=3600, index_backlog=5)
    lst = Listener(store, port=0, writer=writer)
    await lst.start()
    try:
        for i in range(4):
            await post(lst.url + f"/f{i}", f"flood-{i:02d}".encode())
        assert store.index_pending() == 4  # below the backlog: searched by the scan
        assert found(store, "flood-0") == ["/f3", "/f2", "/f1", "/f0"]
        for i in range(4, 12):
            await post(lst.url + f"/f{i}", f"flood-{i:02d}".encode())
        await wait_until_async(lambda: store.index_pending() < 5, what="the backlog indexed")
        assert indexed_seqs(store, "flood-0")[:3] == [1, 2, 3]  # the oldest first
        assert len(found(store, "flood-")) == 12
        assert found(store, "flood-11") == ["/f11"]
    finally:
        await lst.stop()
