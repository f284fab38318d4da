"""The headless core of the app: builds the store, endpoints, listener and tunnel for
``serve`` and for the GUI, and tears them down in the right order.

The desktop app's Qt start-up is :mod:`inspector.desktop`; the command line's ``serve`` is
:mod:`inspector.cli.serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from inspector.core.capture import Capture, ForwardRecord
from inspector.core.endpoints import ENDPOINTS_FILE, Endpoint, EndpointTable
from inspector.core.errors import UserError
from inspector.core.events import Signal
from inspector.core.origin import TUNNEL_HEADER, TunnelMark, new_secret, own_markers
from inspector.core.paths import RuntimeInfo, ensure_data_dir
from inspector.core.ratelimit import RateLimiter
from inspector.core.resign import can_resign, resign
from inspector.core.responses import ResponsePlan, json_response
from inspector.core.secrets import CUSTOM_TUNNEL_VALUE, NGROK_AUTHTOKEN, SecretStore
from inspector.core.settings import Settings
from inspector.core.simulate import sample_requests
from inspector.core.store import CaptureStore, ReplayRecord
from inspector.core.submission import (
    EndpointPlan,
    apply_endpoint_plan,
    credential_fields,
    ensure_vendor_endpoint,
    plan_vendor_endpoint,
    planned_changes,
    resolve_credentials,
    sandbox_line,
    webhook_url,
)
from inspector.core.tasks import Task
from inspector.core.vendors import get_vendor
from inspector.core.words import plural
from inspector.net.agent_download import install_agent
from inspector.net.index_builder import IndexBuilder
from inspector.net.listener import DEFAULT_BODY_LIMIT, Listener
from inspector.net.replay import (
    Forwarder,
    end_to_end_headers,
    forward_and_wait,
    make_session,
    send_capture,
    target_url,
)
from inspector.net.sandbox.runner import Sandbox
from inspector.net.simulate import send_samples
from inspector.net.submit import (
    SubmitRequest,
    TaskResult,
    VendorError,
    fetch_task_result,
    submit_task,
)
from inspector.net.tunnel import (
    TunnelConfig,
    TunnelService,
    TunnelState,
    TunnelStatus,
)
from inspector.net.vendors import find_api

log = logging.getLogger(__name__)


def listen_error(exc: OSError, host: str, port: int) -> UserError:
    """Why the listener cannot bind, in one line for the user."""
    if exc.errno == errno.EADDRINUSE:
        return UserError(
            f"port {port} is already in use on {host}; "
            "choose another with --port (0 picks a free one) or stop the other program"
        )
    return UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def _load_endpoints(data_dir: Path) -> EndpointTable:
    try:
        return EndpointTable.load(data_dir)
    except ValueError as exc:
        raise ValueError(
            f"{data_dir / ENDPOINTS_FILE}: {exc} (fix or move the file aside)"
        ) from exc


class AppCore:
    """Everything the listener needs, started and stopped together."""

    def __init__(
        self,
        data_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        body_limit: int = DEFAULT_BODY_LIMIT,
        kind: str = "serve",
        forward_url: str | None = None,
        ngrok_path: str | None = None,
    ) -> None:
        self.data_dir = ensure_data_dir(Path(data_dir))
        self.kind = kind
        self.settings = Settings.load(self.data_dir)
        self.secrets = SecretStore(self.data_dir)
        self.ngrok_path_override = ngrok_path
        #: the value the ngrok agent adds to each request it relays, made for this run
        self.tunnel_secret = new_secret()
        config = self.tunnel_config()
        self.tunnel = TunnelService(config)
        #: public URL before the latest change (a free ngrok URL changes on every start)
        self.previous_public_url: str | None = self.settings.extra.get("last_public_url")
        #: set when the tunnel came online at another URL than last time
        self.url_changed_from: str | None = None
        self.tunnel.subscribe(self._on_tunnel_status)
        #: emitted (on the loop thread) when a task was submitted and stored
        self.task_saved: Signal[Task] = Signal("task_saved")
        self.endpoints = _load_endpoints(self.data_dir)
        self.store = CaptureStore.in_dir(self.data_dir, durability=self.settings.durability)
        self.listener = Listener(
            self.store,
            host=host,
            port=port,
            body_limit=body_limit,
            endpoints=self.endpoints,
            proxy=self._proxy,
            stored=self._forward_stored,
            rate_limiter=RateLimiter(
                self.settings.rate_limit_per_s, self.settings.rate_limit_burst
            ),
            tunnel_marks=self.tunnel_marks(config),
        )
        self.public_url: str | None = None
        #: global forward target (``serve --forward``); endpoints may have their own
        self.forward_url = forward_url
        self.forwarder = Forwarder(self._on_forwarded, name="forward")
        self._housekeeping: asyncio.Task[None] | None = None
        self._recording: set[asyncio.Task[None]] = set()
        #: the sandbox's simulated vendor APIs started by :meth:`submit`, by vendor id; they
        #: run until :meth:`stop`, so that the Tasks view can fetch their results
        self._sandboxes: dict[str, Sandbox] = {}
        #: emitted with a one-line warning (disk nearly full, captures trimmed)
        self.warned: Signal[str] = Signal("warned")
        self.housekeeping_interval = 30.0
        #: indexes what the search index does not hold, in the background
        self.indexer = IndexBuilder(self.store)

    async def start(self) -> None:
        """Start listening; ValueError for a bad ``--forward`` URL, :class:`UserError` when
        the port cannot be bound (the caller closes the store then)."""
        if self.forward_url:
            try:
                target_url(self.forward_url, Capture(method="GET", path="/"))
            except ValueError as exc:
                raise ValueError(f"--forward: {exc}") from exc
        try:
            await self.listener.start()
        except OSError as exc:
            raise listen_error(exc, self.listener.host, self.listener.requested_port) from exc
        await self.forwarder.start()
        self._housekeeping = asyncio.get_running_loop().create_task(
            self._housekeep(), name="store-housekeeping"
        )
        self.index_in_background()
        self._publish()

    def index_in_background(self) -> None:
        """Index what the search index does not hold (an upgraded store's captures at
        start, what Clear all kept afterwards) in a worker thread."""
        self.indexer.start()

    def index_status(self) -> str:
        """A few words while the search index is being built, else empty."""
        return self.indexer.status()

    async def _proxy(self, capture: Capture, endpoint: Endpoint) -> ResponsePlan:
        """Proxy mode: forward before answering and answer with the target's answer.

        The forward result is recorded on the capture (so it is committed with it); a dead
        target gets the sender a ``502`` saying so.
        """
        target = endpoint.forward_url or ""  # set: Endpoint refuses proxy mode without it
        async with make_session() as session:
            record = await forward_and_wait(session, capture, target, timeout=10)
        capture.forward = record
        if record.error or record.status is None:
            return json_response(502, {"error": f"forward target failed: {record.error}"})
        headers = [
            (k, v)
            for k, v in end_to_end_headers(record.headers)
            if k.lower() not in ("content-length", "content-encoding", "date", "server")
        ]
        return ResponsePlan(record.status, headers, record.body)

    def _forward_stored(self, capture: Capture, endpoint: Endpoint | None) -> None:
        """Forward a stored live capture to its endpoint's target, else the global one."""
        if capture.source not in ("live", "simulate") or capture.truncated:
            return
        if capture.forward is not None:  # proxied: already forwarded before answering
            return
        target = endpoint.forward_url if endpoint is not None else None
        target = target or self.forward_url
        if target:
            self.forwarder.submit(capture, target)

    def _on_forwarded(self, capture_id: str, record: ForwardRecord) -> None:
        # A commit (with fsync) per forward must not run on the event loop's thread.
        task = asyncio.get_running_loop().create_task(
            self._record_forward(capture_id, record), name="record-forward"
        )
        self._recording.add(task)
        task.add_done_callback(self._recording.discard)

    async def _record_forward(self, capture_id: str, record: ForwardRecord) -> None:
        capture = await asyncio.to_thread(self.store.set_forward, capture_id, record, emit=False)
        if capture is not None:
            self.store.updated.emit(capture)  # on the loop: the window's model listens

    @property
    def local_url(self) -> str:
        return self.listener.url

    @property
    def capture_paused(self) -> bool:
        """Whether the listener refuses requests (503, Retry-After) instead of storing them."""
        return self.listener.paused

    def set_capture_paused(self, paused: bool) -> None:
        self.listener.paused = paused

    def paused_count(self) -> int:
        """Requests refused while capture was paused, since the app started."""
        return self.listener.stats.paused

    def rate_limited_count(self) -> int:
        """Requests refused with 429 by the per-source rate limit since start."""
        return self.listener.stats.rate_limited

    async def replay(self, capture: Capture, to: str | None = None) -> ReplayRecord:
        """Send a capture (possibly edited) again and keep the answer with the original.

        Without ``to`` it goes to our own listener, marked (with the run token, which no
        other target may see) so that the new capture records which one it replays.
        """
        markers = () if to else own_markers(self.listener.run_token, replay_of=capture.id)
        url = target_url(to or self.listener.url, capture)
        async with make_session() as session:
            result = await send_capture(session, capture, url, marker_headers=markers)
        record = result.to_replay_record(capture.id)
        await asyncio.to_thread(self.store.add_replay, record)
        return record

    def _publish(self) -> None:
        RuntimeInfo(
            pid=os.getpid(),
            url=self.listener.url,
            kind=self.kind,
            public_url=self.public_url,
            token=self.listener.run_token,
        ).save(self.data_dir)

    def set_public_url(self, url: str | None) -> None:
        self.public_url = url
        self.listener.public_url = url
        if self.listener.running:
            self._publish()

    # -- tunnel ---------------------------------------------------------------------------
    def _secret(self, name: str) -> str | None:
        try:
            return self.secrets.get(name)
        except Exception as exc:  # a broken keyring must not stop the listener
            log.warning("cannot read the secret %s: %s", name, exc)
            return None

    def tunnel_config(self) -> TunnelConfig:
        """Settings + secrets (authtoken: secret store, else ``NGROK_AUTHTOKEN``) + CLI
        override + the tunnel mark the agent adds to what it relays."""
        config = TunnelConfig.from_settings(
            self.settings,
            authtoken=self._secret(NGROK_AUTHTOKEN),
            config_path=str(self.data_dir / "ngrok" / "ngrok.yml"),
            relay_headers=((TUNNEL_HEADER, self.tunnel_secret),),
            custom_header_value=(
                self._secret(CUSTOM_TUNNEL_VALUE) if self.settings.custom_tunnel_header else None
            ),
        )
        if self.ngrok_path_override:
            config = dataclasses.replace(config, ngrok_path=self.ngrok_path_override)
        return config

    @staticmethod
    def tunnel_marks(config: TunnelConfig) -> tuple[TunnelMark, ...]:
        """The headers that make a request "tunnel": the ngrok agent's, and the one the
        custom public URL's tunnel program adds, when Settings name it."""
        marks = [TunnelMark(name, value) for name, value in config.relay_headers]
        if config.custom_header and config.custom_header_value:
            marks.append(TunnelMark(config.custom_header, config.custom_header_value))
        return tuple(marks)

    async def start_tunnel(self) -> TunnelStatus:
        """Start (or restart with fresh settings) the tunnel to our listener's port."""
        self.tunnel.config = self.tunnel_config()
        self.listener.tunnel_marks = self.tunnel_marks(self.tunnel.config)
        if self.tunnel.status.state in (TunnelState.ONLINE, TunnelState.STARTING):
            return await self.tunnel.restart(self.listener.port)
        return await self.tunnel.start(self.listener.port)

    async def stop_tunnel(self) -> None:
        await self.tunnel.stop()

    def tunnel_setup_missing(self) -> list[str]:
        """What the tunnel lacks before it can start: "agent", "authtoken" (runs nothing)."""
        return self.tunnel_config().missing_setup()

    def _on_tunnel_status(self, status: TunnelStatus) -> None:
        if status.state is TunnelState.ONLINE and status.public_url:
            old = self.previous_public_url
            if status.public_url != old:
                self.url_changed_from = old if old else None
                self.previous_public_url = status.public_url
                self.settings.extra["last_public_url"] = status.public_url
                with contextlib.suppress(OSError):
                    self.settings.save(self.data_dir)
            self.set_public_url(status.public_url)
        elif status.state in (TunnelState.OFF, TunnelState.ERROR):
            self.set_public_url(None)

    def endpoints_with_stale_url(self) -> list[str]:
        """Endpoints a vendor may still call at the previous public URL, after it changed."""
        if not self.url_changed_from:
            return []
        return [e.path for e in self.endpoints if not get_vendor(e.vendor).fallback] or [
            e.path for e in self.endpoints
        ]

    def resigner_for(self, capture: Capture) -> Callable[[Capture], Capture] | None:
        """How to re-sign an edited copy of ``capture``, when its endpoint signs bodies."""
        endpoint = self.endpoints.match(capture.endpoint) if capture.endpoint else None
        if endpoint is None or not can_resign(endpoint):
            return None
        return lambda edited: resign(edited, endpoint)

    # -- vendor tasks -------------------------------------------------------------------
    def credentials(self, vendor: str) -> dict[str, str]:
        """The vendor's API credentials: environment first, else the secret store."""
        return resolve_credentials(vendor, {}, os.environ, self.secrets.get)

    def save_credentials(self, vendor: str, values: dict[str, str]) -> None:
        for credential in credential_fields(vendor):
            if values.get(credential.name):
                self.secrets.set(credential.store_key, values[credential.name])

    def default_webhook_url(self, vendor: str) -> str | None:
        """The public URL of the vendor's endpoint (created when missing), if online."""
        endpoint, created = ensure_vendor_endpoint(self.endpoints, vendor)
        if created:
            self.endpoints.save()
        return webhook_url(self.public_url, endpoint) if self.public_url else None

    def plan_endpoint(self, vendor: str) -> EndpointPlan:
        """The endpoint the vendor's callbacks will reach (created only on submit)."""
        return plan_vendor_endpoint(self.endpoints, vendor)

    def plan_webhook_url(self, plan: EndpointPlan) -> str | None:
        """The public URL of the planned endpoint, when there is a public URL."""
        return webhook_url(self.public_url, plan.endpoint) if self.public_url else None

    def planned_changes(self, plan: EndpointPlan, webhook: str) -> list[str]:
        """What submitting with this webhook URL will create or change in the endpoints."""
        api = find_api(plan.vendor)
        registers = api is not None and api.registers_webhook
        return planned_changes(self.endpoints, plan, webhook, token_from_api=registers)

    async def submit(
        self,
        vendor: str,
        file_name: str,
        data: bytes,
        *,
        webhook: str,
        options: dict[str, Any],
        api_base: str | None = None,
        credentials: dict[str, str] | None = None,
        progress: Callable[[int, int], None] | None = None,
        say: Callable[[str], None] = lambda _: None,
        plan: EndpointPlan | None = None,
        sandbox: bool = False,
    ) -> Task:
        """Submit a task (cancel by cancelling the coroutine); stored and announced.

        ``plan``: the endpoint to create first (when the webhook URL calls it), as the
        Submit dialog announced it. What changed in the endpoints is told through ``say``.
        ``sandbox``: to the sandbox's simulation of the vendor's API instead, with its own
        credentials, its callbacks to our listener's local URL (``webhook``, ``api_base``,
        ``credentials`` and ``plan`` do not apply).
        """
        if sandbox:
            endpoint, created = ensure_vendor_endpoint(self.endpoints, vendor)
            if created:
                self.endpoints.save()
            simulation = await self._sandbox(vendor)
            local = webhook_url(self.listener.url, endpoint)
            say(sandbox_line(vendor, local))
            request = simulation.request(file_name, data, options, local, endpoint)
            path = endpoint.path
        else:
            if plan is not None:
                for line in apply_endpoint_plan(self.endpoints, plan, webhook):
                    say(line[0].upper() + line[1:])
            path = urlsplit(webhook).path or "/"
            request = SubmitRequest(
                vendor=vendor,
                file_name=file_name,
                data=data,
                webhook_url=webhook,
                credentials=credentials or self.credentials(vendor),
                api_base=api_base,
                options=options,
            )
        before = self.endpoints.match(path)
        # The listener reads this very table: a new endpoint token applies at once.
        task = await submit_task(
            request,
            self.endpoints,
            self.settings,
            self.data_dir,
            progress=progress,
            say=say,
            sandbox=sandbox,
        )
        after = self.endpoints.match(path)
        if after is not None and (before is None or before.token != after.token):
            brand = get_vendor(vendor).brand_name
            if before is None:
                say(f"Created the endpoint {after.path} with the token {brand} handed out")
            elif before.token:
                say(f"Replaced the token of {after.path} with the one {brand} handed out")
            else:
                say(f"Set the token of {after.path} to the one {brand} handed out")
        await asyncio.to_thread(self.store.save_task, task)
        self.task_saved.emit(task)
        return task

    async def fetch_result(
        self, task: Task, api_base: str | None = None, credentials: dict[str, str] | None = None
    ) -> TaskResult:
        """The vendor's result: an image (Celantur, BlurIt) or the extract (Anesya).

        ``credentials`` (typed in the window) complete the stored ones."""
        if task.sandbox:
            simulation = self._sandboxes.get(task.vendor)
            if simulation is None:
                raise VendorError(
                    task.vendor,
                    "this task went to a sandbox that has stopped since: its simulated "
                    "results are gone (submit to the sandbox again)",
                )
            return await fetch_task_result(task, simulation.credentials, simulation.base_url)
        found = {**self.credentials(task.vendor), **(credentials or {})}
        return await fetch_task_result(task, found, api_base)

    async def _sandbox(self, vendor: str) -> Sandbox:
        """The vendor's running simulation, started on first use."""
        simulation = self._sandboxes.get(vendor)
        if simulation is None:
            simulation = Sandbox(vendor)
            await simulation.start(self.listener.run_token)
            self._sandboxes[vendor] = simulation
        return simulation

    async def install_agent(
        self, progress: Callable[[int, int | None], None], cancel: asyncio.Event
    ) -> str:
        """Download the ngrok agent into the data directory and remember its path."""
        path = await install_agent(
            progress, cancel, ngrok_path=str(self.data_dir / "bin" / "ngrok")
        )
        self.settings.ngrok_path = path
        self.settings.save(self.data_dir)
        return path

    async def simulate(self, vendor: str, event: str | None = None) -> list[str]:
        """Send a vendor's sample webhook(s) to our own listener; one line per answer."""
        matches = self.endpoints.for_vendor(vendor)
        samples = sample_requests(
            vendor, event, matches[0] if matches else None, base_url=self.listener.url
        )
        lines = []
        for url, result in await send_samples(
            samples, self.listener.url, run_token=self.listener.run_token
        ):
            answer = f"{result.status}" if not result.error else f"failed: {result.error}"
            lines.append(f"{url} -> {answer}")
        return lines

    def on_capture(self, callback: Callable[[list[Capture]], None]) -> Callable[[], None]:
        return self.store.added.connect(callback)

    async def housekeep_once(self) -> None:
        """Trim the store to its size cap and warn when the disk is nearly full."""
        cap = self.settings.max_store_mb * 1024 * 1024
        if cap > 0:
            removed = await asyncio.to_thread(self.store.enforce_cap, cap, emit=False)
            if removed:
                self.store.removed.emit(removed)  # on the loop's thread, for the views
                self.warned.emit(
                    f"store over {self.settings.max_store_mb} MiB: removed the "
                    f"{plural(len(removed), 'oldest unpinned capture')}"
                )
        free = shutil.disk_usage(self.data_dir).free
        if free < self.settings.min_free_disk_mb * 1024 * 1024:
            self.warned.emit(
                f"only {free // (1024 * 1024)} MiB free on the disk of {self.data_dir}; "
                "free some space or lower the store size cap"
            )

    async def _housekeep(self) -> None:
        while True:
            try:
                await self.housekeep_once()
            except Exception as exc:  # never let housekeeping take the listener down
                log.warning("housekeeping failed: %s", exc)
            await asyncio.sleep(self.housekeeping_interval)

    async def stop(self) -> None:
        try:
            await self.indexer.stop()
            if self._housekeeping is not None:
                self._housekeeping.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._housekeeping
            await self.tunnel.stop()
            for simulation in self._sandboxes.values():
                await simulation.stop()
            self._sandboxes.clear()
            await self.listener.stop()
            await self.forwarder.stop()
            if self._recording:
                await asyncio.gather(*self._recording, return_exceptions=True)
        finally:
            RuntimeInfo.clear(self.data_dir, os.getpid())
            self.store.close()
