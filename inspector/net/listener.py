"""The embedded HTTP listener: captures every request on any path with any method.

It runs on whatever asyncio loop is current: qasync's in the GUI, plain asyncio in
``serve``. aiohttp's low-level server is embedded with ``ServerRunner`` + ``TCPSite`` (no
router: every path and method lands in one handler) and configured so that
nothing a vendor may send is refused or altered: request bodies are not decompressed
(we keep the bytes on the wire), header limits are raised to 64 KiB per field and
thousands of lines, and the body is read by us with our own size limit.
"""

from __future__ import annotations

import asyncio
import logging
import operator
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import HttpVersion11, web

from inspector.core.capture import (
    TRUNCATED_KEEP,
    Capture,
    ResponseRecord,
    Via,
    media_type,
    utc_now,
)
from inspector.core.endpoints import Endpoint, EndpointTable
from inspector.core.origin import (
    LOOPBACK,
    SANDBOX_NOTE,
    SANDBOX_SOURCE,
    TOKEN_HEADER,
    TunnelMark,
    last_entry,
    new_secret,
    read_own_headers,
    without_trailing_mark,
)
from inspector.core.pipeline import analyse_capture, process_capture
from inspector.core.ratelimit import RateLimiter, limit_key, retry_after_header
from inspector.core.responses import ResponsePlan, default_response, json_response
from inspector.core.store import CaptureStore
from inspector.net.http_fallback import lenient_server
from inspector.net.writer import CaptureWriter

log = logging.getLogger(__name__)

DEFAULT_BODY_LIMIT = 25 * 1024 * 1024
MAX_FIELD_SIZE = 64 * 1024 + 1024
MAX_HEADERS = 4096
_READ_CHUNK = 256 * 1024
PLAN_IN_THREAD_BYTES = 256 * 1024
KEEPALIVE_TIMEOUT = 75.0
#: endpoints edited by another process: the file is checked on a request at most this
#: often (s); while no request arrives, the GUI's endpoints panel checks it on its own timer
ENDPOINT_RECHECK_S = 0.01

_first = operator.itemgetter(0)
_second = operator.itemgetter(1)


def decode_header_bytes(raw: bytes) -> str:
    """UTF-8 when valid, else Latin-1 (which maps each byte to one character, losslessly)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def clean_target(path: str, query: str) -> tuple[str, str, str | None]:
    """Percent-encode raw bytes of the request target that are not UTF-8.

    The pure-Python parser hands them over as lone surrogates, which cannot be stored as
    text; ``%XX`` is what a conforming client would have sent. Returns a note when
    anything was encoded.
    """

    def encode(match: re.Match[str]) -> str:
        return f"%{ord(match.group()) - 0xDC00:02X}"

    new_path = _ESCAPED_BYTE.sub(encode, path)
    new_query = _ESCAPED_BYTE.sub(encode, query)
    if new_path == path and new_query == query:
        return path, query, None
    return (
        new_path,
        new_query,
        "the request target had raw bytes that are not valid UTF-8; they are shown and "
        "replayed percent-encoded (%XX), as HTTP requires",
    )


#: The Retry-After (seconds) of the answer to a request refused while capture is paused.
PAUSED_RETRY_AFTER_S = 60


@dataclass(slots=True)
class ListenerStats:
    """Counters shown in the status bar and by benchmarks."""

    requests: int = 0
    truncated: int = 0
    store_errors: int = 0
    rate_limited: int = 0
    #: requests refused (503 with Retry-After) while capture was paused
    paused: int = 0
    #: captures answered by default whose vendor analysis ran in the writer's batch
    deferred: int = 0


#: Proxy mode: forward a capture to its endpoint's target and return the target's answer.
ProxyCall = Callable[[Capture, Endpoint], Awaitable[ResponsePlan]]
#: Called once a capture is stored, with the endpoint its path matched (None: no endpoint).
StoredCall = Callable[[Capture, Endpoint | None], None]


class Listener:
    """An aiohttp server on ``host:port`` that stores a :class:`Capture` per request.

    Each request's endpoint is looked up once, and that match goes with the capture to
    the pipeline, to the proxy and to ``stored`` (which forwards it).
    """

    def __init__(
        self,
        store: CaptureStore,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        body_limit: int = DEFAULT_BODY_LIMIT,
        endpoints: EndpointTable | None = None,
        writer: CaptureWriter | None = None,
        proxy: ProxyCall | None = None,
        stored: StoredCall | None = None,
        rate_limiter: RateLimiter | None = None,
        tunnel_marks: tuple[TunnelMark, ...] = (),
        run_token: str | None = None,
    ) -> None:
        self.store = store
        self.host = host
        self.requested_port = port
        self.body_limit = body_limit
        self.endpoints = endpoints
        self.writer = writer or CaptureWriter(store)
        #: for an endpoint in proxy mode: the forward target's answer, sent instead of ours
        self.proxy = proxy
        #: told about every capture once it is stored (after its answer was decided)
        self.stored = stored
        self.stats = ListenerStats()
        self.rate_limiter = rate_limiter
        #: headers a tunnel adds to each request it relays: a request with one is "tunnel"
        self.tunnel_marks = tunnel_marks
        #: what our own replays and samples send to have their markers honoured
        self.run_token = run_token or new_secret()
        #: the public URL, when known: the origin of tunnelled requests that name none
        self.public_url: str | None = None
        self._runner: web.ServerRunner | None = None
        self._site: web.TCPSite | None = None
        #: when a request last checked the endpoints file (time.monotonic())
        self._endpoints_checked = 0.0
        self.port: int = 0
        #: while True every request is answered 503 with Retry-After and nothing is stored:
        #: senders that retry (vendors do) deliver again later, so nothing is lost unseen
        self.paused = False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._site is not None

    async def start(self) -> None:
        """Bind and serve. Raises ``OSError`` when the port cannot be bound."""
        # aiohttp's low-level server: every path and method is ours, so the application
        # layer (router, middlewares, per-request match info) would only cost time; it was
        # about a tenth of the listener's time per request (bench/throughput.py).
        server = lenient_server(
            self._handle,
            access_log=None,
            auto_decompress=False,
            max_line_size=MAX_FIELD_SIZE,
            max_field_size=MAX_FIELD_SIZE,
            max_headers=MAX_HEADERS,
            # aiohttp keeps idle connections for an hour by default; vendors reconnect.
            keepalive_timeout=KEEPALIVE_TIMEOUT,
        )
        runner = web.ServerRunner(server, handle_signals=False, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.requested_port, reuse_address=True)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner, self._site = runner, site
        self.port = site.port if site.port else self._bound_port(runner)

    @staticmethod
    def _bound_port(runner: web.ServerRunner) -> int:
        addr = runner.addresses[0]
        return int(addr[1])

    async def stop(self) -> None:
        """Stop accepting, finish writes in flight, close."""
        runner, self._runner, self._site = self._runner, None, None
        if runner is not None:
            await runner.cleanup()
        await self.writer.drain()
        await self.writer.stop_indexing()

    async def _read_body(self, request: web.BaseRequest) -> tuple[bytes, int, bool]:
        """Read at most ``body_limit`` bytes. Returns (kept bytes, size, truncated)."""
        declared = request.content_length
        content = request.content
        if declared is not None and declared > self.body_limit:
            kept = await content.read(TRUNCATED_KEEP)
            return kept, declared, True
        if content.is_eof():
            # The whole body came with the head (nearly every webhook): one call, no loop.
            body = content.read_nowait()
            if len(body) > self.body_limit:  # chunked, so no declared size to refuse early
                return body[:TRUNCATED_KEEP], len(body), True
            return body, len(body), False
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = await request.content.read(_READ_CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > self.body_limit:
                kept = b"".join(chunks)[:TRUNCATED_KEEP]
                if len(kept) < TRUNCATED_KEEP:
                    kept += chunk[: TRUNCATED_KEEP - len(kept)]
                return kept, total, True
            chunks.append(chunk)
        return b"".join(chunks), total, False

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        peer = remote = request.remote or ""
        fields = request.headers
        via: Via = "local"
        found: tuple[TunnelMark, int] | None = None  # the mark and how many values it has
        for mark in self.tunnel_marks:
            if mark.name in fields and mark.found_in(values := fields.getall(mark.name)):
                via = "tunnel"
                found = (mark, len(values))
                # The agent appends the address it saw after whatever the sender wrote.
                remote = last_entry(fields.getall("X-Forwarded-For", ())) or peer
                break
        limiter = self.rate_limiter
        # Requests from this machine are not limited (the test, in C, spares them a call).
        if (
            limiter is not None
            and limiter.enabled
            and (via == "tunnel" or not peer.startswith(LOOPBACK))
        ):
            key = limit_key(via, peer, remote)
            wait_s = limiter.check(key) if key is not None else 0.0
            if wait_s > 0:
                self.stats.rate_limited += 1
                return web.json_response(
                    {"error": "too many requests from this source; slow down"},
                    status=429,
                    headers={"Retry-After": retry_after_header(wait_s)},
                )
        if self.paused:
            self.stats.paused += 1
            return web.json_response(
                {"error": "capture is paused in Webhook Inspector; retry later"},
                status=503,
                headers={"Retry-After": str(PAUSED_RETRY_AFTER_S)},
            )
        received_at = utc_now()
        path, _, query = request.raw_path.partition("?")
        raw_headers = request.raw_headers
        try:  # nearly always UTF-8: decoded in C iterators, not a Python loop
            headers = list(
                zip(
                    map(bytes.decode, map(_first, raw_headers)),
                    map(bytes.decode, map(_second, raw_headers)),
                    strict=True,
                )
            )
            # aiohttp decoded the same UTF-8 into request.headers, where a lookup is in C.
            content_type = media_type(request.headers.get("Content-Type"))
        except (UnicodeDecodeError, TypeError):  # TypeError: a parser that gave bytearrays
            headers = [(decode_header_bytes(k), decode_header_bytes(v)) for k, v in raw_headers]
            content_type = None  # the capture finds it in its own headers
        notes: list[str] = []
        if not (path.isascii() and query.isascii()):
            path, query, note = clean_target(path, query)
            if note:
                notes.append(note)
        if request.version >= HttpVersion11 and (
            request.headers.get("Expect", "").lower() == "100-continue"
        ):
            # The sender waits for this before sending the body (curl does for big bodies).
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        try:
            body, size, truncated = await self._read_body(request)
        except Exception as exc:  # a client that hangs up mid-body still gets recorded
            body, size, truncated = b"", 0, False
            notes.append(f"body could not be read completely: {exc.__class__.__name__}")
        source = "live"
        replay_of = None
        kept_headers = headers
        has_token = TOKEN_HEADER in fields
        if found is not None and found[1] == 1 and not has_token:
            # Nearly every tunnelled request: only the mark to take out, usually the last.
            kept = without_trailing_mark(headers, found[0])
            if kept is not None:
                kept_headers = kept
        if kept_headers is headers and (found is not None or has_token):
            kept_headers, source, replay_of = read_own_headers(
                headers, via=via, marks=self.tunnel_marks, run_token=self.run_token
            )
            if source == SANDBOX_SOURCE:
                # A simulated vendor's webhook: a sample like simulate's, and said so.
                source = "simulate"
                notes.append(SANDBOX_NOTE)
        capture = Capture(
            method=request.method,
            path=path,
            query=query,
            headers=kept_headers,
            body=body,
            body_size=size,
            received_at=received_at,
            remote_addr=remote,
            content_type=content_type,
            truncated=truncated,
            source=source,  # type: ignore[arg-type]
            replay_of=replay_of,
            notes=notes,
            via=via,
            public_url=self.public_url,
        )
        endpoints = self.endpoints
        endpoint: Endpoint | None = None
        if endpoints is not None:
            # An endpoint that `inspector endpoint add` (another process) has just saved
            # applies to the next request: one stat at most every ENDPOINT_RECHECK_S, on
            # the loop thread, where the GUI reads the same table.
            now = time.monotonic()
            if now - self._endpoints_checked >= ENDPOINT_RECHECK_S:
                self._endpoints_checked = now
                try:
                    endpoints.reload_if_changed()
                except Exception as exc:
                    log.warning("could not reload endpoints: %s", exc)
            endpoint = endpoints.match(path)
        analyse_later = False
        if not truncated and endpoint is None:
            # No endpoint (so no proxy mode either: that is an endpoint's setting). The
            # answer is the default one whatever the vendor, so detection and parsing run
            # in the writer's thread, for the whole batch at once, before the capture is
            # stored (per request, interleaved with aiohttp's work, they cost about three
            # times as much: bench/throughput.py).
            analyse_later = True
            self.stats.deferred += 1
            plan = default_response(capture)
        elif len(body) > PLAN_IN_THREAD_BYTES:
            # Parsing a big body (JSON of many MiB) takes long enough to stall other requests.
            plan = await asyncio.to_thread(process_capture, capture, endpoint)
        else:
            plan = process_capture(capture, endpoint)  # never raises: answers by default
        if truncated:
            self.stats.truncated += 1
            capture.notes.append(
                f"body of {size} bytes is over the {self.body_limit}-byte limit: "
                f"first {len(body)} bytes kept, answered 413"
            )
            plan = json_response(
                413, {"error": f"body larger than {self.body_limit} bytes", "capture": capture.id}
            )
        if (
            endpoint is not None
            and endpoint.forward_proxy
            and self.proxy is not None
            and not truncated
            and capture.validation.result != "invalid"
        ):
            plan = await self.proxy(capture, endpoint)
        capture.response = ResponseRecord(plan.status, list(plan.headers), plan.body)
        self.stats.requests += 1
        try:
            await self.writer.write(capture, analyse_capture if analyse_later else None)
        except Exception as exc:
            # Not stored means not acknowledged: the sender must retry.
            self.stats.store_errors += 1
            log.error("capture not stored: %s", exc)
            return web.json_response({"error": "capture could not be stored"}, status=503)
        if self.stored is not None:
            self.stored(capture, endpoint)
        if plan.delay_ms > 0:
            await asyncio.sleep(plan.delay_ms / 1000)
        # Response makes its own CIMultiDict of the pairs (repeated names kept).
        response = web.Response(status=plan.status, body=plan.body, headers=plan.headers)
        if truncated:
            response.force_close()
        return response
