"""The public HTTPS tunnel to the listener, through the ngrok agent driven by pyngrok 9.x.

pyngrok is blocking and reports the agent's log lines from its own threads, so every pyngrok
call here runs in a worker thread (``asyncio.to_thread``) and every log line is handed back to
the event loop with ``loop.call_soon_threadsafe``; subscribers are only ever called on the
loop's thread, which is what lets a Qt adapter touch widgets from them.

Three things pyngrok does not do, done here:

* an overall startup deadline: pyngrok checks its own ``startup_timeout`` only between log
  lines, so an agent that prints nothing blocks it forever. We wait with our own timeout, then
  kill the agent, which ends pyngrok's blocked read;
* noticing the agent dying after it came online (a watcher polls the process);
* keeping the authtoken off the agent's command line (visible in ``ps``): it is merged into
  the agent's config file instead, and the ``NGROK_AUTHTOKEN`` pyngrok would copy onto the
  command line is moved there too.

The endpoint is opened with a traffic policy that makes the agent add the listener's
tunnel mark (a header with a secret made for each run, :mod:`inspector.core.origin`) to
every request it relays, after removing any copy the sender sent: that header is how the
listener tells tunnelled requests from local ones.

pyngrok keeps a module-wide registry of agents keyed by binary path; every call here passes
this service's own ``PyngrokConfig``, never pyngrok's default, so two services (or two
tests) with different binary paths never see each other's agent. Two services sharing one
binary path would share one agent: pyngrok allows no more.

The download of the agent itself (:mod:`inspector.net.agent_download`) is separate and explicit: the app
asks the user first, shows progress and lets them cancel; ``start()`` never downloads.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import math
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pyngrok import conf, installer, ngrok, process
from pyngrok.conf import PyngrokConfig
from pyngrok.exception import (
    PyngrokError,
    PyngrokNgrokError,
    PyngrokNgrokHTTPError,
)
from pyngrok.log import NgrokLog

from inspector.core.events import Signal
from inspector.core.settings import Settings

# Re-exported: callers branch on these codes and print WAYS_OUT.
from inspector.core.tunnel_help import AGENT_EXITED as AGENT_EXITED
from inspector.core.tunnel_help import AGENT_FAILED as AGENT_FAILED
from inspector.core.tunnel_help import AGENT_MISSING as AGENT_MISSING
from inspector.core.tunnel_help import AGENT_NOT_RUNNABLE as AGENT_NOT_RUNNABLE
from inspector.core.tunnel_help import AGENT_TIMEOUT as AGENT_TIMEOUT
from inspector.core.tunnel_help import BAD_PUBLIC_URL as BAD_PUBLIC_URL
from inspector.net.agent_path import WAYS_OUT as WAYS_OUT
from inspector.net.agent_path import agent_problem, config_has_authtoken
from inspector.net.agent_path import resolve_ngrok_path as resolve_ngrok_path

log = logging.getLogger(__name__)

TUNNEL_NAME = "webhook-inspector"
DEFAULT_STARTUP_TIMEOUT = 15.0

#: The tunnel status's warning for a custom public URL whose tunnel adds no known header.
UNTOLD_WARNING = (
    "tunnelled traffic cannot be told apart from local traffic: set the header your "
    "tunnel program adds (name and value) in Settings"
)

#: What ngrok's error codes mean, in the words a user of this app needs.
NGROK_ERRORS: dict[str, str] = {
    "ERR_NGROK_105": "the authtoken is not valid: copy it again from the ngrok dashboard into Settings",
    "ERR_NGROK_107": "the authtoken was rejected (revoked or reset): copy the current one from the ngrok dashboard into Settings",
    "ERR_NGROK_108": "another agent session is already running for this account (free plan limit: 1); stop the other ngrok agent",
    "ERR_NGROK_334": "this domain is already online in another agent session; stop that session or choose another domain",
    "ERR_NGROK_3200": "the public URL is offline: the tunnel is not running",
    "ERR_NGROK_4018": "no authtoken: add yours in Settings (free at the ngrok dashboard)",
    "ERR_NGROK_8012": "requests reach ngrok but nothing answers on the local port: is the listener running?",
}

_ERROR_CODE = re.compile(r"ERR_NGROK_\d+")


class TunnelState(enum.StrEnum):
    """Where the tunnel is in its life: ``off → starting → online | error``."""

    OFF = "off"
    STARTING = "starting"
    ONLINE = "online"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class TunnelStatus:
    """One observable state of the tunnel, as emitted to subscribers.

    ``public_url`` is set when online; ``reason`` (one sentence for people) and
    ``error_code`` (an ``ERR_NGROK_<n>`` code or one of this module's ``AGENT_*`` constants,
    for code to branch on) when in error. ``reason`` ends with the command line's advice;
    ``detail`` is only what happened, for the window to add its own steps
    (:func:`inspector.core.tunnel_help.window_message`). ``warning`` is a problem seen while
    online that did not take the tunnel down, e.g. ERR_NGROK_8012 when the listener is not
    answering.
    """

    state: TunnelState
    public_url: str | None = None
    reason: str | None = None
    error_code: str | None = None
    warning: str | None = None
    detail: str | None = None

    def describe(self) -> str:
        """A one-line text for an indicator or a log."""
        if self.state is TunnelState.ONLINE:
            text = f"online: {self.public_url}"
            return f"{text} ({self.warning})" if self.warning else text
        if self.state is TunnelState.ERROR:
            return f"tunnel error: {self.reason}"
        if self.state is TunnelState.STARTING:
            return "tunnel starting"
        return "tunnel off"


def explain_ngrok_error(text: str) -> tuple[str | None, str]:
    """``(code, sentence)`` for an agent error text such as a log line's ``err=``."""
    match = _ERROR_CODE.search(text)
    if match:
        code = match.group(0)
        meaning = NGROK_ERRORS.get(code)
        if meaning is None:
            first = _first_line(text[: match.start()]) or "the ngrok agent reported an error"
            meaning = f"{first} (see https://ngrok.com/docs/errors/{code.lower()})"
        return code, f"{code}: {meaning}"
    return None, _first_line(text) or "the ngrok agent reported an error"


def _first_line(text: str) -> str:
    # logfmt keeps newlines escaped (a backslash and an "n"): split on both forms.
    for line in re.split(r"\\r\\n|\\n|\r?\n", text):
        line = line.strip().removeprefix("ERROR:").strip()
        if line:
            return line
    return ""


def parse_public_url(url: str) -> str:
    """Validate a custom public base URL (``https://host[:port][/prefix]``), no trailing slash.

    Raises ``ValueError`` with a sentence for the user when it cannot be used.
    """
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"custom public URL {url!r} must look like https://example.com")
    if parts.query or parts.fragment:
        raise ValueError(f"custom public URL {url!r} must not have a query or a fragment")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


@dataclass(frozen=True)
class TunnelConfig:
    """How to run the tunnel; read at each ``start()``, so a change applies on restart.

    ``config_path`` is the agent's YAML config file (the app should give one inside its
    data directory; ``None`` uses ngrok's own default file). ``authtoken`` ``None`` falls
    back to ``NGROK_AUTHTOKEN``, then to whatever token the config file already holds.
    ``custom_public_url`` switches ngrok off entirely: the tunnel is "online" at that URL,
    run by something else (cloudflared, a reverse proxy); ``custom_header`` and
    ``custom_header_value`` name the header that program adds to each request (without
    them the status warns that tunnelled traffic cannot be told apart). ``relay_headers``
    are the headers the ngrok agent adds to each request it relays (the tunnel mark).
    """

    ngrok_path: str | None = None
    config_path: str | None = None
    authtoken: str | None = field(default=None, repr=False)
    region: str | None = None
    domain: str | None = None
    custom_public_url: str | None = None
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT
    relay_headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    custom_header: str | None = None
    custom_header_value: str | None = field(default=None, repr=False)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        authtoken: str | None,
        config_path: str | None,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        relay_headers: tuple[tuple[str, str], ...] = (),
        custom_header_value: str | None = None,
    ) -> TunnelConfig:
        """The tunnel part of the user's settings (secrets come from the secret store)."""
        return cls(
            ngrok_path=settings.ngrok_path or None,
            config_path=config_path,
            authtoken=authtoken or None,
            region=settings.ngrok_region or None,
            domain=settings.ngrok_domain or None,
            custom_public_url=settings.custom_public_url or None,
            startup_timeout=startup_timeout,
            relay_headers=relay_headers,
            custom_header=settings.custom_tunnel_header or None,
            custom_header_value=custom_header_value or None,
        )

    def effective_authtoken(self) -> str | None:
        return self.authtoken or os.environ.get("NGROK_AUTHTOKEN") or None

    def missing_setup(self) -> list[str]:
        """What the tunnel lacks before it can start: ``"agent"``, ``"authtoken"``; empty
        when set up (a custom public URL needs neither). Runs nothing, downloads nothing."""
        if self.custom_public_url:
            return []
        missing = []
        if agent_problem(resolve_ngrok_path(self.ngrok_path), self.ngrok_path) is not None:
            missing.append("agent")
        if not self.effective_authtoken() and not config_has_authtoken(self.config_path):
            missing.append("authtoken")
        return missing


class TunnelService:
    """Starts, watches and stops the ngrok tunnel to the listener's local port.

    Subscribe with :meth:`subscribe` to receive every :class:`TunnelStatus` change (always on
    the event loop's thread). ``start()`` returns the status it settled on (online or
    error); it never raises for tunnel problems, because the app keeps working without one.
    """

    def __init__(
        self,
        config: TunnelConfig | None = None,
        *,
        watch_interval: float = 0.2,
        log_lines: int = 200,
    ) -> None:
        self.config = config or TunnelConfig()
        self.status_changed: Signal[TunnelStatus] = Signal("tunnel status")
        self._status = TunnelStatus(TunnelState.OFF)
        self._watch_interval = watch_interval
        self._logs: deque[str] = deque(maxlen=log_lines)
        # Bumped by every start and stop: results of an older attempt are then ignored.
        self._generation = 0
        self._start_task: asyncio.Task[TunnelStatus] | None = None
        self._starting_path: str | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self._agent: process.NgrokProcess | None = None
        self._pyngrok_config: PyngrokConfig | None = None
        self._local_port: int | None = None

    # ---- observation -------------------------------------------------------------------

    @property
    def status(self) -> TunnelStatus:
        return self._status

    @property
    def public_url(self) -> str | None:
        return self._status.public_url if self._status.state is TunnelState.ONLINE else None

    @property
    def agent_pid(self) -> int | None:
        """The running agent's process id (``None`` without one)."""
        return self._agent.proc.pid if self._agent is not None else None

    @property
    def recent_logs(self) -> list[str]:
        """The agent's latest log lines, for a details view."""
        return list(self._logs)

    def subscribe(self, callback: Callable[[TunnelStatus], None]) -> Callable[[], None]:
        """Call ``callback`` with each new status; returns the function that unsubscribes."""
        return self.status_changed.connect(callback)

    # ---- control -----------------------------------------------------------------------

    async def start(self, local_port: int) -> TunnelStatus:
        """Open the tunnel to ``http://127.0.0.1:<local_port>``; returns the settled status."""
        if self._start_task is not None and not self._start_task.done():
            return await asyncio.shield(self._start_task)
        if self._status.state is TunnelState.ONLINE:
            if local_port == self._local_port:
                return self._status
            await self.stop()
        self._generation += 1
        self._local_port = local_port
        task = asyncio.get_running_loop().create_task(
            self._start(self._generation, local_port), name="tunnel-start"
        )
        self._start_task = task
        # Shielded: a caller giving up must not abandon a half-started agent; stop() ends it.
        return await asyncio.shield(task)

    async def stop(self) -> None:
        """Close the tunnel and end the agent process (also one still starting)."""
        self._generation += 1
        task = self._start_task
        if task is not None and not task.done():
            await self._abort_start(task, self._starting_path)
        await self._teardown()
        self._set(TunnelStatus(TunnelState.OFF))

    async def restart(self, local_port: int | None = None) -> TunnelStatus:
        """Stop, then start again (on ``local_port`` or the previous one)."""
        port = local_port if local_port is not None else self._local_port
        if port is None:
            raise ValueError("restart() needs a port when the tunnel was never started")
        await self.stop()
        return await self.start(port)

    # ---- internals ---------------------------------------------------------------------

    def _set(self, status: TunnelStatus, generation: int | None = None) -> None:
        if generation is not None and generation != self._generation:
            return  # an attempt that stop() or a newer start() has superseded
        if status == self._status:
            return
        self._status = status
        self.status_changed.emit(status)

    def _error(
        self, generation: int, code: str | None, reason: str, detail: str | None = None
    ) -> TunnelStatus:
        status = TunnelStatus(
            TunnelState.ERROR, reason=reason, error_code=code, detail=detail or reason
        )
        self._set(status, generation)
        return self._status

    async def _start(self, generation: int, local_port: int) -> TunnelStatus:
        status = await self._bring_up(generation, local_port)
        if generation != self._generation:
            # stop() (or a restart) superseded this attempt while it ran.
            return TunnelStatus(TunnelState.OFF)
        return status

    async def _bring_up(self, generation: int, local_port: int) -> TunnelStatus:
        self._set(TunnelStatus(TunnelState.STARTING), generation)
        cfg = self.config
        if cfg.custom_public_url:
            try:
                url = parse_public_url(cfg.custom_public_url)
            except ValueError as exc:
                return self._error(generation, BAD_PUBLIC_URL, str(exc))
            told = bool(cfg.custom_header and cfg.custom_header_value)
            warning = None if told else UNTOLD_WARNING
            self._set(TunnelStatus(TunnelState.ONLINE, public_url=url, warning=warning), generation)
            return self._status

        path = resolve_ngrok_path(cfg.ngrok_path)
        problem = agent_problem(path, cfg.ngrok_path)
        if problem is not None:
            problem_code, detail = problem
            return self._error(generation, problem_code, f"{detail}: {WAYS_OUT}.", detail)

        loop = asyncio.get_running_loop()
        pyngrok_config = PyngrokConfig(
            ngrok_path=path,
            config_path=cfg.config_path,
            region=cfg.region,
            startup_timeout=max(1, math.ceil(cfg.startup_timeout)),
            request_timeout=3,
            log_event_callback=self._log_callback(loop, generation),
        )
        # PyngrokConfig copies NGROK_AUTHTOKEN here, which would put it on the agent's
        # command line; it goes to the config file in _blocking_start instead.
        pyngrok_config.auth_token = None
        options: dict[str, Any] = {}
        if cfg.domain:
            domain = cfg.domain.strip()
            options["url"] = domain if "://" in domain else f"https://{domain}"
        if cfg.relay_headers:
            options["traffic_policy"] = relay_policy(cfg.relay_headers)
        upstream = f"http://127.0.0.1:{local_port}"

        self._starting_path = path
        work = asyncio.ensure_future(
            asyncio.to_thread(
                _blocking_start, pyngrok_config, cfg.effective_authtoken(), upstream, options
            )
        )
        done, _ = await asyncio.wait({work}, timeout=cfg.startup_timeout)
        if not done:
            await self._abort_start(work, path)
            return self._error(
                generation,
                AGENT_TIMEOUT,
                f"ngrok agent did not start within {cfg.startup_timeout:g} s",
            )
        try:
            public_url, agent = work.result()
        except PyngrokNgrokHTTPError as exc:
            code, sentence = explain_ngrok_error(exc.body or str(exc))
            return self._error(
                generation, code or AGENT_FAILED, f"ngrok refused the tunnel: {sentence}"
            )
        except PyngrokNgrokError as exc:
            return self._error(generation, *_startup_failure(exc))
        except PyngrokError as exc:
            return self._error(generation, AGENT_FAILED, f"ngrok agent could not start: {exc}")
        except OSError as exc:
            detail = f"cannot run the ngrok agent at {path} ({exc.strerror or exc})"
            return self._error(generation, AGENT_NOT_RUNNABLE, f"{detail}: {WAYS_OUT}.", detail)

        if generation != self._generation:
            # stop() came while pyngrok was finishing: do not leave its agent running.
            await asyncio.to_thread(process.kill_process, path)
            return self._status
        self._agent = agent
        self._pyngrok_config = pyngrok_config
        self._watch_task = loop.create_task(self._watch(generation, agent), name="tunnel-watch")
        self._set(TunnelStatus(TunnelState.ONLINE, public_url=public_url), generation)
        return self._status

    async def _abort_start(self, work: asyncio.Future[Any], path: str | None) -> None:
        """Kill the agent a blocked pyngrok call is waiting on, until that call returns.

        pyngrok holds its registry lock while it reads the agent's output, so its own
        ``kill_process`` would wait for that read; killing the child directly ends the read
        (end of file) and pyngrok then cleans up after itself. The agent may not exist yet
        when we first look, hence the loop.
        """
        killed: list[Any] = []
        deadline = asyncio.get_running_loop().time() + 10
        while not work.done() and asyncio.get_running_loop().time() < deadline:
            agent = process._current_processes.get(path) if path else None
            if agent is not None and agent.proc.poll() is None:
                with contextlib.suppress(OSError):
                    agent.proc.kill()
                killed.append(agent.proc)
            await asyncio.wait({work}, timeout=0.05)
        if work.done() and not work.cancelled():
            work.exception()  # retrieved: the failure is the expected result of the kill
        if path is not None:
            # The call may have succeeded just before the kill: end that agent as well.
            await asyncio.to_thread(process.kill_process, path)
        for proc in killed:
            # Reap it, so no zombie is left behind.
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(proc.wait, 5)

    async def _watch(self, generation: int, agent: process.NgrokProcess) -> None:
        """Turn the agent's death while online into an error status."""
        # Polled: pyngrok owns the Popen, and a thread blocked in wait() would keep the
        # loop's executor from shutting down if the app exits without stop().
        while (code := agent.proc.poll()) is None:  # noqa: ASYNC110
            await asyncio.sleep(self._watch_interval)
        if generation != self._generation:
            return
        self._agent = None
        # pyngrok forgets a dead agent the next time it looks; make it look now.
        await asyncio.to_thread(process.kill_process, agent.pyngrok_config.ngrok_path)
        if code < 0:
            reason = f"ngrok agent was killed (signal {-code})"
        else:
            reason = f"ngrok agent exited (code {code})"
        self._error(generation, AGENT_EXITED, reason)

    async def _teardown(self) -> None:
        watch, self._watch_task = self._watch_task, None
        if watch is not None:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
        agent, self._agent = self._agent, None
        pyngrok_config, self._pyngrok_config = self._pyngrok_config, None
        public_url = self._status.public_url
        if agent is None or pyngrok_config is None:
            return
        if public_url and agent.proc.poll() is None:
            try:
                # Closing the endpoint first lets ngrok's edge drop it at once.
                await asyncio.to_thread(ngrok.disconnect, public_url, pyngrok_config)
            except (PyngrokError, OSError) as exc:
                log.debug("closing the endpoint before stopping the agent failed: %s", exc)
        await asyncio.to_thread(process.kill_process, pyngrok_config.ngrok_path)
        if agent.proc.poll() is None:  # pyngrok no longer tracked it: end it ourselves
            agent.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            await asyncio.to_thread(agent.proc.wait, 5)

    def _log_callback(
        self, loop: asyncio.AbstractEventLoop, generation: int
    ) -> Callable[[NgrokLog], None]:
        def on_agent_log(entry: NgrokLog) -> None:
            # Runs on pyngrok's threads: only hand over to the loop, never raise there.
            with contextlib.suppress(RuntimeError):  # the loop is closed: app shutting down
                loop.call_soon_threadsafe(self._on_agent_log, generation, entry)

        return on_agent_log

    def _on_agent_log(self, generation: int, entry: NgrokLog) -> None:
        self._logs.append(entry.line)
        if generation != self._generation or self._status.state is not TunnelState.ONLINE:
            return
        if entry.lvl in ("WARNING", "ERROR", "CRITICAL") and entry.err and entry.err != "nil":
            _, sentence = explain_ngrok_error(entry.err)
            self._set(replace(self._status, warning=sentence), generation)


def relay_policy(headers: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """An endpoint traffic policy that sets these headers on every request relayed.

    The same object as an endpoint's ``traffic_policy`` in the agent's v3 config file.
    ``add-headers`` appends to a header the sender sent, so the sender's copy is removed
    first; the listener also accepts the agent's value beside a sender's.
    """
    names = [name for name, _ in headers]
    return {
        "on_http_request": [
            {
                "actions": [
                    {"type": "remove-headers", "config": {"headers": names}},
                    {"type": "add-headers", "config": {"headers": dict(headers)}},
                ]
            }
        ]
    }


def _startup_failure(exc: PyngrokNgrokError) -> tuple[str, str]:
    """``(error_code, reason)`` for pyngrok's failure to bring the agent up."""
    if exc.ngrok_error:
        code, sentence = explain_ngrok_error(exc.ngrok_error)
        return code or AGENT_FAILED, sentence
    lines = [entry.line for entry in exc.ngrok_logs if entry.line]
    for line in lines:
        if _ERROR_CODE.search(line):
            code, sentence = explain_ngrok_error(line)
            return code or AGENT_FAILED, sentence
    last = _first_line(lines[-1]) if lines else ""
    detail = f": {last}" if last else " (it printed nothing)"
    return AGENT_FAILED, f"ngrok agent stopped while starting{detail}"


def _blocking_start(
    pyngrok_config: PyngrokConfig, authtoken: str | None, upstream: str, options: dict[str, Any]
) -> tuple[str, process.NgrokProcess]:
    """Start the agent and open the endpoint (runs in a worker thread)."""
    config_path = conf.get_config_path(pyngrok_config)
    with installer.config_file_lock:
        # The file may receive the authtoken: create it user-only before anything is written.
        Path(config_path).parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(config_path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
        os.chmod(config_path, 0o600)
        if authtoken:
            installer.install_default_config(
                config_path,
                {"agent": {"authtoken": authtoken}},
                ngrok_version=pyngrok_config.ngrok_version,
                config_version=pyngrok_config.config_version,
            )
        else:
            installer.install_default_config(
                config_path,
                ngrok_version=pyngrok_config.ngrok_version,
                config_version=pyngrok_config.config_version,
            )
    # process.get_process, not ngrok.get_ngrok_process: the latter downloads a missing
    # binary, and start() must never download.
    agent = process.get_process(pyngrok_config)
    try:
        tunnel = ngrok.connect(upstream, name=TUNNEL_NAME, pyngrok_config=pyngrok_config, **options)
    except BaseException:
        process.kill_process(pyngrok_config.ngrok_path)
        raise
    if tunnel.public_url is None:  # pragma: no cover - pyngrok raises first
        process.kill_process(pyngrok_config.ngrok_path)
        raise PyngrokError("the ngrok agent returned no public URL")
    return tunnel.public_url, agent
