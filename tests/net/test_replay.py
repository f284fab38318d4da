"""Replay and forward against a real local target that records what reaches it raw."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from helpers import WAIT_TIMEOUT, wait_until_async

from inspector.core.capture import Capture, ForwardRecord
from inspector.core.origin import own_markers
from inspector.net.replay import (
    REPLAY_MARKER,
    Forwarder,
    end_to_end_headers,
    forward_and_wait,
    make_session,
    send_capture,
    target_url,
)

BINARY_BODY = bytes(range(256)) + b"\xff\xfe\x00invalid \xc3\x28 utf-8\r\n"


def make_capture(**overrides: object) -> Capture:
    fields: dict[str, object] = {
        "method": "POST",
        "path": "/blurit/callback",
        "query": "",
        "headers": [("Host", "vendor-tunnel.example"), ("Content-Type", "application/json")],
        "body": b'{"taskId":"t-1","status":"Succeeded"}',
    }
    fields.update(overrides)
    return Capture(**fields)  # type: ignore[arg-type]


@dataclass
class Received:
    method: str
    raw_path: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Target:
    """A local HTTP server that keeps every request exactly as it arrived."""

    server: TestServer
    received: list[Received] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    delay: bool = False

    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def headers_without_host(self, index: int = -1) -> list[tuple[str, str]]:
        return [(k, v) for k, v in self.received[index].headers if k.lower() != "host"]


@pytest.fixture
async def target() -> AsyncIterator[Target]:
    holder: list[Target] = []

    async def handler(request: web.Request) -> web.Response:
        t = holder[0]
        t.received.append(
            Received(
                method=request.method,
                raw_path=request.raw_path,
                headers=[(k.decode(), v.decode()) for k, v in request.raw_headers],
                body=await request.read(),
            )
        )
        if t.delay:
            await t.release.wait()
        return web.Response(
            status=202,
            body=b"target answer \xff",
            headers={"X-Target": "yes", "Content-Type": "application/octet-stream"},
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    t = Target(server)
    holder.append(t)
    try:
        yield t
    finally:
        t.release.set()  # let a deliberately slow handler finish so the server closes fast
        await server.close()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with make_session() as s:
        yield s


def dead_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- the URL rule of docs/cli.md -------------------------------------------------


@pytest.mark.parametrize(
    ("base", "path", "query", "expected"),
    [
        ("http://localhost:3000", "/blurit", "", "http://localhost:3000/blurit"),
        ("http://localhost:3000/", "/blurit", "t=1", "http://localhost:3000/blurit?t=1"),
        ("http://localhost:3000/hooks/in", "/blurit", "", "http://localhost:3000/hooks/in"),
        ("http://h:1/x", "/a%2Fb", "q=%2F+x&y", "http://h:1/x?q=%2F+x&y"),
        ("http://h:1", "/a%2Fb/%7E", "q=%2f+x", "http://h:1/a%2Fb/%7E?q=%2f+x"),
        ("https://h/in?k=v", "/p", "t=1", "https://h/in?k=v&t=1"),
        ("HTTP://h:2/", "/p", "", "http://h:2/p"),
        ("http://h/my hook", "/p", "", "http://h/my%20hook"),
    ],
)
def test_target_url_follows_spec_rule(base: str, path: str, query: str, expected: str) -> None:
    assert target_url(base, make_capture(path=path, query=query)) == expected


@pytest.mark.parametrize("base", ["localhost:3000", "ftp://h/", "", "http://"])
def test_target_url_rejects_non_http(base: str) -> None:
    with pytest.raises(ValueError, match="not an http"):
        target_url(base, make_capture())


def test_end_to_end_headers_drop_hop_by_hop_and_host() -> None:
    headers = [
        ("Host", "a"),
        ("Connection", "x"),
        ("Proxy-Connection", "x"),
        ("proxy-authorization", "x"),
        ("Keep-Alive", "x"),
        ("TE", "x"),
        ("Trailer", "x"),
        ("Transfer-Encoding", "chunked"),
        ("Upgrade", "x"),
        ("X-Keep", "1"),
        ("Content-Type", "text/plain"),
    ]
    assert end_to_end_headers(headers) == [("X-Keep", "1"), ("Content-Type", "text/plain")]


# -- replay: byte-exact -------------------------------------------------------------


async def test_replay_is_byte_exact(target: Target, session: aiohttp.ClientSession) -> None:
    capture = make_capture(
        method="PURGE",
        path="/cache/a%2Fb",
        query="token=a%2Fb+c&empty=&flag",
        headers=[
            ("Host", "vendor-tunnel.example"),
            ("User-Agent", "Vendor/1.0"),
            ("Connection", "keep-alive"),
            ("Keep-Alive", "timeout=5"),
            ("Content-Type", "application/octet-stream"),
            ("X-Dup", "one"),
            ("Proxy-Authorization", "Basic eA=="),
            ("x-dup", "two"),
            ("TE", "trailers"),
            ("Content-Length", "99999"),
            ("X-Auth-Token", "secret-token"),
            ("Upgrade", "h2c"),
            ("Trailer", "X-Checksum"),
            ("X-DUP", "three"),
            ("x-lower-case", "kept"),
        ],
        body=BINARY_BODY,
    )
    url = target_url(target.base(), capture)
    result = await send_capture(session, capture, url)

    assert result.error is None
    assert result.status == 202
    got = target.received[-1]
    assert got.method == "PURGE"
    assert got.raw_path == "/cache/a%2Fb?token=a%2Fb+c&empty=&flag"
    assert got.body == BINARY_BODY
    assert target.headers_without_host() == [
        ("User-Agent", "Vendor/1.0"),
        ("Content-Type", "application/octet-stream"),
        ("X-Dup", "one"),
        ("x-dup", "two"),
        ("Content-Length", str(len(BINARY_BODY))),
        ("X-Auth-Token", "secret-token"),
        ("X-DUP", "three"),
        ("x-lower-case", "kept"),
    ]
    # Host is the target's own, never the vendor-facing one of the capture
    assert ("Host", f"127.0.0.1:{target.server.port}") in got.headers
    assert ("X-Target", "yes") in result.headers
    assert result.body == b"target answer \xff"
    assert result.latency_ms > 0


async def test_replay_invents_no_headers(target: Target, session: aiohttp.ClientSession) -> None:
    # A capture that came without Content-Type, User-Agent, Accept or Accept-Encoding must
    # not gain aiohttp's defaults; a chunked original gets a computed Content-Length.
    body = b"\x00\x01 not utf-8 \xc3"
    capture = make_capture(
        method="POST",
        headers=[("Transfer-Encoding", "chunked"), ("X-Only", "1")],
        body=body,
    )
    result = await send_capture(session, capture, target_url(target.base(), capture))
    assert result.error is None
    assert target.headers_without_host() == [("X-Only", "1"), ("Content-Length", str(len(body)))]
    assert target.received[-1].body == body


async def test_replay_get_without_body_adds_no_content_length(
    target: Target, session: aiohttp.ClientSession
) -> None:
    capture = make_capture(method="GET", query="a=1", headers=[("Accept", "*/*")], body=b"")
    await send_capture(session, capture, target_url(target.base(), capture))
    assert target.headers_without_host() == [("Accept", "*/*")]
    assert target.received[-1].body == b""


async def test_replay_marker_header_is_appended_last(
    target: Target, session: aiohttp.ClientSession
) -> None:
    capture = make_capture()
    await send_capture(
        session,
        capture,
        target_url(target.base(), capture),
        marker_headers=[(REPLAY_MARKER, capture.id)],
    )
    assert target.headers_without_host()[-1] == (REPLAY_MARKER, capture.id)


async def test_replay_to_dead_port_reports_refusal(session: aiohttp.ClientSession) -> None:
    port = dead_port()
    result = await send_capture(session, make_capture(), f"http://127.0.0.1:{port}/x")
    assert result.status is None
    assert result.error == f"connection refused to 127.0.0.1:{port}"
    assert result.to_response_record() is None


async def test_replay_to_slow_target_times_out(
    target: Target, session: aiohttp.ClientSession
) -> None:
    target.delay = True  # the target holds the request until released: never, here
    result = await asyncio.wait_for(
        send_capture(session, make_capture(), target.base() + "/", timeout=0.2), WAIT_TIMEOUT
    )
    assert len(target.received) == 1 and not target.release.is_set()
    assert result.error == f"no answer within 0.2 s from 127.0.0.1:{target.server.port}"
    assert result.status is None


async def test_replay_with_unsendable_header_reports_error(
    target: Target, session: aiohttp.ClientSession
) -> None:
    capture = make_capture(headers=[("X-Bad", "line\r\nInjected: 1")])
    result = await send_capture(session, capture, target.base())
    assert (result.error or "").startswith(f"cannot send to 127.0.0.1:{target.server.port}: ")
    assert result.status is None
    assert target.received == []


# -- forward ---------------------------------------------------------------------------


async def test_forward_and_wait_returns_target_answer(
    target: Target, session: aiohttp.ClientSession
) -> None:
    capture = make_capture(query="x=%2F", body=BINARY_BODY)
    record = await forward_and_wait(session, capture, target.base())
    assert isinstance(record, ForwardRecord)
    assert record.url == f"{target.base()}/blurit/callback?x=%2F"
    assert record.status == 202
    assert record.error is None
    assert record.body == b"target answer \xff"
    assert ("X-Target", "yes") in record.headers
    assert target.received[-1].body == BINARY_BODY


async def test_forward_and_wait_bad_base_is_an_error_record(
    session: aiohttp.ClientSession,
) -> None:
    record = await forward_and_wait(session, make_capture(), "localhost:3000")
    assert record.status is None
    assert record.error is not None and "not an http" in record.error


async def test_forwarder_delivers_every_capture_byte_exact(target: Target) -> None:
    results: dict[str, ForwardRecord] = {}
    bodies = [b"", b"{}", BINARY_BODY, "héllo".encode("latin-1"), b"x" * 200_000]
    captures = [make_capture(body=b, query=f"n={i}") for i, b in enumerate(bodies)]
    async with Forwarder(lambda cid, rec: results.__setitem__(cid, rec), workers=2) as fwd:
        for c in captures:
            fwd.submit(c, target.base())
        await asyncio.wait_for(fwd.join(), 5)
    assert set(results) == {c.id for c in captures}
    assert all(r.status == 202 and r.error is None for r in results.values())
    by_path = {r.raw_path: r.body for r in target.received}
    for i, body in enumerate(bodies):
        assert by_path[f"/blurit/callback?n={i}"] == body


async def test_forwarder_never_delays_caller_on_slow_target(target: Target) -> None:
    target.delay = True
    results: dict[str, ForwardRecord] = {}
    capture = make_capture()
    async with Forwarder(lambda cid, rec: results.__setitem__(cid, rec), timeout=0.3) as fwd:
        # submit() returns before anything is sent: the target runs on this very loop, so
        # a submit() that waited for it would never return.
        fwd.submit(capture, target.base())
        assert target.received == [] and results == {}
        await asyncio.wait_for(fwd.join(), WAIT_TIMEOUT)
    assert len(target.received) == 1  # it was sent, and the target never answered
    record = results[capture.id]
    assert record.status is None
    assert record.error == f"no answer within 0.3 s from 127.0.0.1:{target.server.port}"
    assert capture.body == b'{"taskId":"t-1","status":"Succeeded"}'  # capture untouched


async def test_forwarder_dead_target_records_error() -> None:
    results: dict[str, ForwardRecord] = {}
    port = dead_port()
    capture = make_capture()
    async with Forwarder(lambda cid, rec: results.__setitem__(cid, rec)) as fwd:
        fwd.submit(capture, f"http://127.0.0.1:{port}")
        await asyncio.wait_for(fwd.join(), 5)
    assert results[capture.id].error == f"connection refused to 127.0.0.1:{port}"
    assert results[capture.id].url == f"http://127.0.0.1:{port}/blurit/callback"


async def test_forwarder_full_queue_reports_at_once(target: Target) -> None:
    target.delay = True
    results: dict[str, ForwardRecord] = {}
    captures = [make_capture() for _ in range(4)]
    fwd = Forwarder(
        lambda cid, rec: results.__setitem__(cid, rec), workers=1, queue_size=1, timeout=5
    )
    await fwd.start()
    try:
        fwd.submit(captures[0], target.base())
        # The single worker has picked it up and hangs on the target.
        await wait_until_async(lambda: target.received, what="the first forward at the target")
        fwd.submit(captures[1], target.base())  # waits in the queue
        fwd.submit(captures[2], target.base())  # queue full
        fwd.submit(captures[3], target.base())  # queue full
        assert set(results) == {captures[2].id, captures[3].id}
        assert "already waiting" in (results[captures[2].id].error or "")
        assert fwd.pending == 1
    finally:
        await fwd.stop()


async def test_forwarder_stop_cancels_workers_and_refuses_later_submits(
    target: Target,
) -> None:
    target.delay = True
    results: dict[str, ForwardRecord] = {}
    fwd = Forwarder(lambda cid, rec: results.__setitem__(cid, rec), workers=3, timeout=30)
    await fwd.start()
    tasks = [t for t in asyncio.all_tasks() if (t.get_name() or "").startswith("forward-worker")]
    assert len(tasks) == 3
    fwd.submit(make_capture(), target.base())
    await wait_until_async(lambda: target.received, what="the forward at the target")
    await asyncio.wait_for(fwd.stop(), WAIT_TIMEOUT)  # a worker is stuck on the target
    assert all(t.done() for t in tasks)
    assert not fwd.running
    late = make_capture()
    fwd.submit(late, target.base())
    assert results[late.id].error == "forwarding is not running"


async def test_forwarder_survives_failing_callback(target: Target) -> None:
    seen: list[str] = []

    def on_result(cid: str, rec: ForwardRecord) -> None:
        seen.append(cid)
        raise RuntimeError("subscriber bug")

    first, second = make_capture(), make_capture()
    async with Forwarder(on_result, workers=1) as fwd:
        fwd.submit(first, target.base())
        fwd.submit(second, target.base())
        await asyncio.wait_for(fwd.join(), 5)
    assert seen == [first.id, second.id]


# -- replay onto our own listener ----------------------------------------------------------


async def test_replay_onto_listener_is_recorded_as_linked_replay(
    listener: Any, session: aiohttp.ClientSession
) -> None:
    original = make_capture(
        method="PATCH",
        query="token=x%2Fy+z",
        headers=[
            ("Host", "vendor-tunnel.example"),
            ("X-Dup", "1"),
            ("x-dup", "2"),
            ("Content-Type", "application/octet-stream"),
            ("Content-Length", "1"),
        ],
        body=BINARY_BODY,
    )
    result = await send_capture(
        session,
        original,
        target_url(listener.url, original),
        marker_headers=own_markers(listener.run_token, replay_of=original.id),
    )
    assert result.error is None and result.status == 200
    (summary,) = listener.store.captures(limit=0)
    replay = listener.store.get(summary.id)
    assert replay is not None
    assert replay.source == "replay"
    assert replay.replay_of == original.id
    assert (replay.method, replay.path, replay.query) == ("PATCH", original.path, original.query)
    assert replay.body == BINARY_BODY
    assert [(k, v) for k, v in replay.headers if k != "Host"] == [
        ("X-Dup", "1"),
        ("x-dup", "2"),
        ("Content-Type", "application/octet-stream"),
        ("Content-Length", str(len(BINARY_BODY))),
    ]


async def test_replay_refuses_capture_without_loaded_body(
    target: Target, session: aiohttp.ClientSession
) -> None:
    capture = make_capture(body=None, body_size=10)
    result = await send_capture(session, capture, target.base())
    assert result.error == "the capture's body is not loaded; load it first"
    assert target.received == []
