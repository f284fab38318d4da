"""Plumbing shared by the simulated vendor APIs (:mod:`.celantur`, :mod:`.blurit`,
:mod:`.anesya`).

Nothing here knows a vendor. :class:`SimServer` is an aiohttp server on 127.0.0.1 that
records every request as it arrived (:class:`RecordedRequest`, in ``.requests``), runs and
cancels background tasks, POSTs webhooks (with :attr:`SimServer.extra_headers` added, which
the sandbox uses for our run-token markers) and keeps the receiver's answer
(:class:`Delivery`, in ``.deliveries``), and waits for deliveries. :class:`FailureInjection`
gives a simulation the ``failures`` switch and :meth:`FailureInjection.fail_next`.
:func:`signed_in` and :func:`can_fail` carry the preamble of a handler (who is calling, an
injected failure) so that the handler holds only what the vendor does for that call.
:func:`read_form` reads a multipart body in memory. Routes, auth, error shapes and webhook
contents stay in each vendor's module.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import aiohttp
from aiohttp import BodyPartReader, web
from yarl import URL

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: A simulation, as the handler decorators see it.
S = TypeVar("S", bound="SimServer[Any]")
#: A simulation's request handler, as defined in its class.
SimHandler = Callable[[S, web.Request], Awaitable[web.Response]]
#: The same for a call that needs credentials: it also gets who is calling.
SignedInHandler = Callable[[S, web.Request, str], Awaitable[web.Response]]


def is_image(data: bytes) -> bool:
    """JPEG or PNG, by the leading bytes."""
    return data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")


@dataclass
class FilePart:
    """A file field of a multipart form."""

    filename: str
    content_type: str
    data: bytes


async def read_form(request: web.Request) -> tuple[dict[str, str], dict[str, FilePart]]:
    """Text fields and file fields of a multipart body, read in memory.

    Streamed with the multipart reader rather than ``request.post()``, which leaves its
    temporary files open when the client hangs up mid-upload.
    """
    fields: dict[str, str] = {}
    files: dict[str, FilePart] = {}
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        data = bytes(await part.read())
        if part.filename is not None:
            ctype = part.headers.get("Content-Type", "application/octet-stream")
            files[part.name] = FilePart(part.filename, ctype, data)
        else:
            fields[part.name] = data.decode("utf-8", "replace")
    return fields, files


@dataclass
class RecordedRequest:
    """A request as the simulation received it (headers as raw pairs, query raw).

    ``body`` and ``form`` stay empty unless the handler keeps them: Celantur's task creation
    keeps the raw body, the multipart handlers of BlurIt and Anesya keep the text fields.
    """

    method: str
    path: str
    raw_query: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    form: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


#: Where a handler finds the :class:`RecordedRequest` of the request it serves.
RECORDED = web.RequestKey("recorded", RecordedRequest)


@dataclass
class Delivery:
    """One webhook call the simulation made, and what the receiver answered."""

    url: str
    headers: dict[str, str]
    body: bytes
    status: int | None = None
    response_body: bytes = b""
    error: str | None = None

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


D = TypeVar("D", bound=Delivery)


class SimServer(Generic[D]):
    """A simulated vendor API's server: subclasses add their routes in :meth:`_add_routes`."""

    #: The largest request body aiohttp accepts.
    client_max_size = 64 * 1024 * 1024

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.deliveries: list[D] = []
        self._background: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.base_url = ""
        #: added to every webhook POST, after the vendor's own headers, and not recorded in
        #: :attr:`Delivery.headers` (the sandbox's markers for our listener)
        self.extra_headers: list[tuple[str, str]] = []
        self._delivered = asyncio.Event()

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        raise NotImplementedError

    def _authenticate(self, request: web.Request) -> str | web.Response:
        """Who is calling (as the vendor knows them), or the vendor's answer to missing or
        wrong credentials. Used by the handlers marked :func:`signed_in`."""
        raise NotImplementedError

    def _injected(self, call: str) -> web.Response | None:
        """The vendor's error answer when a failure is injected for ``call``, or None to
        serve it. Only a simulation with :class:`FailureInjection` has failures to inject."""
        raise NotImplementedError

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> str:
        """Serve on a free port of 127.0.0.1; returns the base URL."""
        app = web.Application(client_max_size=self.client_max_size, middlewares=[self._record])
        self._add_routes(app.router)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return self.base_url

    async def stop(self) -> None:
        """Cancel background work, close the webhook client, stop serving."""
        for task in list(self._background):
            task.cancel()
        for task in list(self._background):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def _spawn(self, coro: Awaitable[None], name: str) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- helpers for tests -----------------------------------------------------------------
    async def wait_for_deliveries(self, count: int, within: float = 10.0) -> list[D]:
        """Once at least ``count`` webhooks were delivered: all deliveries so far
        (TimeoutError after ``within`` seconds)."""
        async with asyncio.timeout(within):
            while len(self.deliveries) < count:
                self._delivered.clear()
                await self._delivered.wait()
        return self.deliveries

    async def wait_idle(self, within: float = 10.0) -> None:
        """Until the simulation's background work (processing, webhooks) has all finished: no
        delivery can come after this unless a new request starts new work."""
        while working := {task for task in self._background if not task.done()}:
            _done, still = await asyncio.wait(working, timeout=within)
            if still:
                names = ", ".join(t.get_name() for t in still)
                raise TimeoutError(f"still working after {within:g} s: {names}")

    # -- plumbing ----------------------------------------------------------------------------
    def _record_delivery(self, delivery: D) -> None:
        """Keep a finished delivery and wake whoever waits for deliveries."""
        self.deliveries.append(delivery)
        self._delivered.set()

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path, _, query = request.raw_path.partition("?")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.raw_headers]
        recorded = RecordedRequest(request.method, path, query, headers)
        self.requests.append(recorded)
        request[RECORDED] = recorded
        return await handler(request)

    async def _post_webhook(
        self, delivery: Delivery, *, skip_auto_headers: Iterable[str] | None = None
    ) -> None:
        """POST ``delivery.body`` with ``delivery.headers`` and keep the answer or the error.

        The caller records the delivery (:meth:`_record_delivery`) once its own bookkeeping is done,
        so that a test woken by :meth:`wait_for_deliveries` sees that bookkeeping too.
        """
        assert self._session is not None
        try:
            async with self._session.post(
                URL(delivery.url),
                data=delivery.body,
                headers=[*delivery.headers.items(), *self.extra_headers],
                skip_auto_headers=skip_auto_headers,
            ) as resp:
                delivery.status = resp.status
                delivery.response_body = await resp.read()
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            delivery.error = f"{type(exc).__name__}: {exc}"


class FailureInjection:
    """``failures`` (call name -> status answered every time) and :meth:`fail_next`.

    The simulation turns the status into its own error answer (see its ``_injected``).
    """

    failures: dict[str, int]
    _fail_queue: dict[str, list[int]]

    def _init_failures(self, failures: dict[str, int] | None) -> None:
        self.failures = dict(failures or {})
        self._fail_queue = {}

    def fail_next(self, call: str, status: int, times: int = 1) -> None:
        """The next ``times`` calls named ``call`` answer ``status`` in the vendor's shape."""
        self._fail_queue.setdefault(call, []).extend([status] * times)

    def _failure(self, call: str) -> int | None:
        """The status to answer instead of serving ``call``, or None to serve it."""
        queue = self._fail_queue.get(call)
        return queue.pop(0) if queue else self.failures.get(call)


def signed_in(fail_as: str | None = None) -> Callable[[SignedInHandler[S]], SimHandler[S]]:
    """Marks a handler of a call that needs credentials.

    Before it runs, the simulation's :meth:`SimServer._authenticate` answers a caller it does
    not know; then a failure injected for ``fail_as`` (if given) answers instead. The handler
    gets the caller as its third argument.
    """

    def decorate(handler: SignedInHandler[S]) -> SimHandler[S]:
        @functools.wraps(handler)
        async def serve(sim: S, request: web.Request) -> web.Response:
            caller = sim._authenticate(request)
            if isinstance(caller, web.Response):
                return caller
            if fail_as is not None and (injected := sim._injected(fail_as)) is not None:
                return injected
            return await handler(sim, request, caller)

        return serve

    return decorate


def can_fail(call: str) -> Callable[[SimHandler[S]], SimHandler[S]]:
    """Marks a handler that needs no credentials but answers a failure injected for
    ``call`` before it runs."""

    def decorate(handler: SimHandler[S]) -> SimHandler[S]:
        @functools.wraps(handler)
        async def serve(sim: S, request: web.Request) -> web.Response:
            injected = sim._injected(call)
            if injected is not None:
                return injected
            return await handler(sim, request)

        return serve

    return decorate
