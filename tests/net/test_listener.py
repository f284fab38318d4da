"""The listener with real aiohttp clients: whatever is sent is stored exactly as sent."""

from __future__ import annotations

import asyncio
import gzip
import socket
from typing import Any

import aiohttp
import pytest
from helpers import raw_http, read_one_answer, send_last, trickle

from inspector.core.origin import TunnelMark
from inspector.core.store import CaptureFilter, CaptureStore
from inspector.net.listener import Listener

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PURGE", "PROPFIND"]


async def test_binds_loopback_and_reports_port(listener: Listener) -> None:
    assert listener.host == "127.0.0.1"
    assert listener.port > 0
    assert listener.url == f"http://127.0.0.1:{listener.port}"


@pytest.mark.parametrize("method", METHODS)
async def test_every_method_is_captured(
    listener: Listener, store: CaptureStore, method: str
) -> None:
    async with (
        aiohttp.ClientSession() as s,
        s.request(method, listener.url + "/m?x=1", data=b"payload") as r,
    ):
        assert r.status == 200
    (c,) = store.captures()
    assert c.method == method
    assert c.path == "/m" and c.query == "x=1"
    full = store.get(c.id)
    assert full is not None and full.body == b"payload"


async def test_unknown_method_token_is_captured(listener: Listener, store: CaptureStore) -> None:
    answer = await raw_http(
        listener.port,
        b"FROBNICATE /odd HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
    )
    assert answer.startswith(b"HTTP/1.1 200")
    (c,) = store.captures()
    assert c.method == "FROBNICATE"


@pytest.mark.parametrize(
    "body",
    [b"", b"\xff\xfe\x00\x01invalid utf-8 \xc3\x28", bytes(range(256)) * 100, b'{"broken": '],
    ids=["empty", "invalid-utf8", "binary", "malformed-json"],
)
async def test_bodies_are_byte_exact(listener: Listener, store: CaptureStore, body: bytes) -> None:
    async with (
        aiohttp.ClientSession() as s,
        s.post(listener.url + "/b", data=body) as r,
    ):
        assert r.status == 200
    (c,) = store.captures()
    full = store.get(c.id)
    assert full is not None
    assert full.body == body
    assert full.body_size == len(body)


async def test_gzip_body_is_stored_compressed(listener: Listener, store: CaptureStore) -> None:
    wire = gzip.compress(b'{"task_id": 1, "task_status": "done"}')
    async with (
        aiohttp.ClientSession() as s,
        s.post(
            listener.url + "/gz",
            data=wire,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        ) as r,
    ):
        assert r.status == 200
    full = store.get(store.captures()[0].id)
    assert full is not None and full.body == wire


async def test_raw_path_query_and_header_order_kept(
    listener: Listener, store: CaptureStore
) -> None:
    answer = await raw_http(
        listener.port,
        b"POST /a%2Fb/../c?webhook=https%3A%2F%2Fx.io%2Fh%3Fa%3D1%26b%3D2&z=+ HTTP/1.1\r\n"
        b"Host: example\r\nX-Dup: one\r\nx-dup: two\r\nX-DUP: three\r\n"
        b"X-Utf8: caf\xc3\xa9\r\nX-Latin: caf\xe9\r\n"
        b"Content-Length: 0\r\nConnection: close\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 200")
    (c,) = store.captures()
    assert c.path == "/a%2Fb/../c"
    assert c.query == "webhook=https%3A%2F%2Fx.io%2Fh%3Fa%3D1%26b%3D2&z=+"
    names = [k for k, _ in c.headers]
    assert names[:4] == ["Host", "X-Dup", "x-dup", "X-DUP"]
    assert [v for k, v in c.headers if k.lower() == "x-dup"] == ["one", "two", "three"]
    assert c.header("X-Utf8") == "café"
    assert c.header("X-Latin") == "café"  # Latin-1 fallback, one char per byte


async def test_huge_headers_are_accepted(listener: Listener, store: CaptureStore) -> None:
    headers = [(f"X-H{i}", f"v{i}") for i in range(999)]
    headers.append(("X-Big", "a" * (64 * 1024 - 1)))
    async with aiohttp.ClientSession() as s, s.post(listener.url + "/h", headers=headers) as r:
        assert r.status == 200
    (c,) = store.captures()
    assert c.header("X-Big") == "a" * (64 * 1024 - 1)
    assert sum(1 for k, _ in c.headers if k.startswith("X-H")) == 999


async def test_over_limit_gives_413_and_truncated_capture(store: CaptureStore) -> None:
    lst = Listener(store, port=0, body_limit=100_000)
    await lst.start()
    try:
        body = b"x" * 200_000
        async with aiohttp.ClientSession() as s, s.post(lst.url + "/big", data=body) as r:
            assert r.status == 413
            assert "larger than 100000" in (await r.json())["error"]
        # exactly at the limit is fine
        async with aiohttp.ClientSession() as s, s.post(lst.url + "/ok", data=b"y" * 100_000) as r:
            assert r.status == 200
    finally:
        await lst.stop()
    ok, big = store.captures()
    assert big.truncated and big.body_size == 200_000
    assert big.response is not None and big.response.status == 413
    full = store.get(big.id)
    assert full is not None and full.body == b"x" * 64 * 1024
    assert not ok.truncated


async def test_chunked_over_limit_is_truncated(store: CaptureStore) -> None:
    lst = Listener(store, port=0, body_limit=10_000)
    await lst.start()

    async def gen() -> Any:
        for _ in range(10):
            yield b"z" * 5_000

    try:
        async with aiohttp.ClientSession() as s, s.post(lst.url + "/chunked", data=gen()) as r:
            assert r.status == 413
    finally:
        await lst.stop()
    (c,) = store.captures()
    assert c.truncated
    assert c.body_size > 10_000


async def test_answer_is_sent_after_commit(listener: Listener, store: CaptureStore) -> None:
    """When a client has its answer, another connection to the store already sees the row."""
    reader = CaptureStore(store.path)
    try:
        async with aiohttp.ClientSession() as s:
            for i in range(20):
                async with s.post(listener.url + f"/c{i}", data=b"{}") as r:
                    assert r.status == 200
                    cid = (await r.json())["capture"]
                assert reader.get(cid) is not None
    finally:
        reader.close()


async def test_concurrent_requests_all_stored_in_order(
    listener: Listener, store: CaptureStore
) -> None:
    async with aiohttp.ClientSession() as s:

        async def one(i: int) -> str:
            async with s.post(listener.url + f"/n{i}", data=str(i).encode()) as r:
                assert r.status == 200
                return str((await r.json())["capture"])

        ids = await asyncio.gather(*(one(i) for i in range(200)))
    assert store.count() == 200
    assert len(set(ids)) == 200
    seqs = store.seqs()
    assert seqs == sorted(seqs) and len(seqs) == 200
    assert listener.writer.batches < 200  # group commit did group


async def test_replay_marker_header_counts_only_with_the_run_token(
    listener: Listener, store: CaptureStore
) -> None:
    marked = {"X-Inspector-Replay-Of": "abc123"}
    async with aiohttp.ClientSession() as s:
        token = {"X-Inspector-Token": listener.run_token}
        async with s.post(listener.url + "/ours", headers={**marked, **token}) as r:
            assert r.status == 200
        async with s.post(listener.url + "/theirs", headers=marked) as r:
            assert r.status == 200
    ours, theirs = sorted(store.captures(), key=lambda c: c.path)
    assert ours.source == "replay" and ours.replay_of == "abc123"
    assert ours.header("X-Inspector-Replay-Of") is None
    assert ours.header("X-Inspector-Token") is None  # the token is never stored
    # Another local program without the token: an ordinary header, kept and shown.
    assert theirs.source == "live" and theirs.replay_of is None
    assert theirs.header("X-Inspector-Replay-Of") == "abc123"


async def test_port_in_use_raises_oserror(store: CaptureStore) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    port = sock.getsockname()[1]
    try:
        lst = Listener(store, port=port)
        with pytest.raises(OSError):
            await lst.start()
    finally:
        sock.close()


async def test_rate_limit_answers_429_and_stores_nothing(store: CaptureStore) -> None:
    from inspector.core.ratelimit import RateLimiter

    mark = TunnelMark("X-Inspector-Tunnel", "agent-secret")
    lst = Listener(store, port=0, rate_limiter=RateLimiter(rate=0.5, burst=3), tunnel_marks=(mark,))
    await lst.start()
    try:
        async with aiohttp.ClientSession() as s:
            statuses = []
            # as the ngrok agent relays it: the sender's own entry, then the agent's
            tunnelled = {"X-Forwarded-For": "10.9.9.9, 198.51.100.20", mark.name: mark.value}
            for _ in range(5):
                async with s.post(lst.url + "/flood", data=b"x", headers=tunnelled) as r:
                    statuses.append(r.status)
                    if r.status == 429:
                        assert int(r.headers["Retry-After"]) >= 1
            other_sender = {"X-Forwarded-For": "198.51.100.20, 203.0.113.5", mark.name: mark.value}
            async with s.post(lst.url + "/flood", data=b"x", headers=other_sender) as r:
                other = r.status
            # the user's own curl, even one that writes X-Forwarded-For
            async with s.post(
                lst.url + "/local", data=b"x", headers=tunnelled | {mark.name: ""}
            ) as r:
                local = r.status
    finally:
        await lst.stop()
    assert statuses == [200, 200, 200, 429, 429]
    assert other == 200 and local == 200
    assert store.count() == 5
    assert lst.stats.rate_limited == 2
    assert {c.remote_addr for c in store.captures(flt=CaptureFilter(via="tunnel"))} == {
        "198.51.100.20",
        "203.0.113.5",
    }
    (local_capture,) = store.captures(flt=CaptureFilter(via="local"))
    assert local_capture.remote_addr == "127.0.0.1"


async def test_expect_100_continue_gets_continue_then_the_answer(
    listener: Listener, store: CaptureStore
) -> None:
    # curl sends Expect: 100-continue for bodies over 1 MiB and waits for the interim answer.
    reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
    writer.write(
        b"PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        b"Expect: 100-continue\r\nConnection: close\r\n\r\n"
    )
    await writer.drain()
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    answer = await send_last(reader, writer, b"hello")
    assert answer.startswith(b"HTTP/1.1 200 ")
    (c,) = store.captures()
    full = store.get(c.id)
    assert full is not None and full.body == b"hello"
    assert full.header("Expect") == "100-continue"


async def test_unknown_expect_value_is_captured_not_refused(
    listener: Listener, store: CaptureStore
) -> None:
    answer = await raw_http(
        listener.port,
        b"POST /e HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nContent-Length: 2\r\n"
        b"Connection: close\r\n\r\nhi",
    )
    assert answer.startswith(b"HTTP/1.1 200 ")
    (c,) = store.captures()
    assert c.header("Expect") == "something-else"


async def test_unknown_method_with_a_big_body_then_keep_alive(
    listener: Listener, store: CaptureStore
) -> None:
    # The connection falls back to the pure-Python parser from its first byte: a body that
    # arrives in many reads and a second request on the same connection both still work.
    body = bytes(range(256)) * 1200  # 300 KiB
    reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
    writer.write(b"FROBNICATE /big HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body))
    for i in range(0, len(body), 50_000):
        writer.write(body[i : i + 50_000])
        await writer.drain()
        await asyncio.sleep(0.01)
    first = await read_one_answer(reader)
    assert first.startswith(b"HTTP/1.1 200 ")
    second = await send_last(
        reader, writer, b"GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert second.startswith(b"HTTP/1.1 200 ")
    got = {c.path: c for c in store.captures()}
    assert set(got) == {"/big", "/after"}
    big = store.get(got["/big"].id)
    assert big is not None and big.method == "FROBNICATE" and big.body == body


async def test_unknown_method_after_an_ordinary_request_is_refused(
    listener: Listener, store: CaptureStore
) -> None:
    # Documented limit: only a connection's first request can fall back to the lenient
    # parser (when both arrive in one read, both are re-parsed and captured).
    reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
    writer.write(b"GET /first HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    first = await read_one_answer(reader)
    second = await send_last(
        reader, writer, b"FROBNICATE /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert first.startswith(b"HTTP/1.1 200 ")
    assert second.split(b" ")[1] == b"400"
    assert [c.path for c in store.captures()] == ["/first"]


async def test_utf8_path_is_kept_as_text(listener: Listener, store: CaptureStore) -> None:
    answer = await raw_http(
        listener.port,
        "GET /café/ü?name=zoë HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode(),
    )
    assert answer.startswith(b"HTTP/1.1 200 ")
    (c,) = store.captures()
    assert (c.path, c.query, c.notes) == ("/café/ü", "name=zoë", [])


async def test_unknown_method_trickled_byte_by_byte(
    listener: Listener, store: CaptureStore
) -> None:
    # llhttp refuses at the second byte ("FR" starts no method it knows): the fallback
    # must keep what came before and go on with what comes after.
    request = (
        b"FROBNICATE /t HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"
    )
    answer = await trickle(listener.port, request, 0.001)
    assert answer.startswith(b"HTTP/1.1 200 ")
    (c,) = store.captures()
    full = store.get(c.id)
    assert full is not None and (full.method, full.path, full.body) == ("FROBNICATE", "/t", b"hi")
