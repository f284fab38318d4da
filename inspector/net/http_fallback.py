"""Capture requests that aiohttp's fast HTTP parser refuses but a webhook inspector must show.

aiohttp parses requests with llhttp (C), which answers 400 to a method token it does not
know (``FROBNICATE``) and to raw non-ASCII bytes in the request target, before any handler
runs. aiohttp's pure-Python parser accepts both, but is several times slower. So each
connection starts on the C parser, and only when llhttp refuses the *first* request of a
connection for one of those two reasons is that connection re-parsed, from its first byte,
with the Python parser. Later requests on a keep-alive connection are not re-parsed: a
client that sends an odd method after ordinary ones still gets llhttp's 400.

This reaches into aiohttp's ``RequestHandler`` (its ``_parser`` attribute); when a future
aiohttp changes that, :func:`lenient_server` falls back to the plain server and the tests
for unknown methods fail loudly instead of the listener breaking.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMethod, InvalidURLError
from aiohttp.http_parser import HttpRequestParserPy
from aiohttp.web_protocol import RequestHandler, RequestPayloadError, _ErrInfo
from aiohttp.web_server import Server

log = logging.getLogger(__name__)

#: The head of a first request is kept until llhttp has accepted it; heads are bounded by
#: the parser's own limits, this only stops keeping bytes for a request that is all head.
_MAX_KEPT_HEAD = 8 * 1024 * 1024


class _FirstRequestFallback:
    """Delegates to llhttp; on its refusal of the first request, re-parses in Python.

    Once the parser is decided it puts that parser in its place in the handler, so later
    requests on the connection pay nothing for the stand-in (every attribute it does not
    have, such as ``message_consumed`` after each request, went through ``__getattr__``).
    """

    def __init__(self, fast: Any, make_slow: Callable[[], Any], owner: RequestHandler) -> None:
        self._active = fast
        self._make_slow = make_slow
        self._head: bytearray | None = bytearray()
        self._owner: RequestHandler | None = owner

    def _settle(self) -> None:
        self._head = None
        owner, self._owner = self._owner, None
        if owner is not None and owner._parser is self:
            owner._parser = self._active

    def feed_data(self, data: bytes) -> Any:
        head = self._head
        if head is None:
            return self._active.feed_data(data)
        head += data
        try:
            result = self._active.feed_data(data)
        except (BadHttpMethod, InvalidURLError):
            self._active = self._make_slow()
            self._settle()
            return self._active.feed_data(bytes(head))
        if result[0] or len(head) > _MAX_KEPT_HEAD:
            self._settle()  # llhttp took the first request: stay on the fast path
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._active, name)


class _LenientRequestHandler(RequestHandler):
    def __init__(self, manager: Server, *, loop: asyncio.AbstractEventLoop, **kwargs: Any):
        super().__init__(manager, loop=loop, **kwargs)
        fast = self._parser

        def make_slow() -> Any:
            return HttpRequestParserPy(
                self,
                loop,
                kwargs.get("read_bufsize", 2**16),
                max_line_size=kwargs.get("max_line_size", 8190),
                max_field_size=kwargs.get("max_field_size", 8190),
                max_headers=kwargs.get("max_headers", 128),
                payload_exception=RequestPayloadError,
                auto_decompress=kwargs.get("auto_decompress", True),
                max_msg_queue_size=getattr(self, "_max_msg_queue_size", 0),
            )

        # Duck-typed stand-in: it forwards every other attribute to the active parser.
        self._parser = _FirstRequestFallback(fast, make_slow, self)  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        queued = len(self._messages)
        super().data_received(data)
        # A framing error after a request's head (a bad chunk size) makes aiohttp queue a
        # 400 behind that request and leave its body open: the handler reading it would
        # wait until the client hangs up. Failing the body lets the request be recorded
        # (with a note) and answered, then the queued 400 closes the connection.
        if len(self._messages) > queued:
            message, _payload = self._messages[-1]
            request = self._current_request
            if (
                isinstance(message, _ErrInfo)
                and request is not None
                and not request.content.is_eof()
            ):
                request.content.set_exception(RequestPayloadError(message.message))


class _LenientServer(Server):
    def __call__(self) -> RequestHandler:
        return _LenientRequestHandler(self, loop=self._loop, **self._kwargs)


def lenient_server(
    handler: Callable[[web.BaseRequest], Awaitable[web.StreamResponse]], **kwargs: Any
) -> Server:
    """aiohttp's low-level server that also captures unknown methods and raw bytes in paths."""
    server = _LenientServer(handler, **kwargs)
    try:
        probe = server()
        ok = isinstance(probe._parser, _FirstRequestFallback)
    except Exception as exc:  # aiohttp's internals changed
        log.warning("lenient HTTP parsing unavailable (%s); using aiohttp's default", exc)
        ok = False
    return server if ok else web.Server(handler, **kwargs)
