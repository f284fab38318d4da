#!/usr/bin/env python3
"""A local stand-in for the ngrok v3 agent, speaking what pyngrok 9.x relies on.

Used as the ``ngrok`` binary in tests so the whole tunnel path runs offline. Standard library
only, so it starts in a few tens of milliseconds.

Commands understood (the same argument shapes pyngrok sends):

* ``ngrok --version`` / ``ngrok version`` -> ``ngrok version 3.22.1``
* ``ngrok config add-authtoken TOKEN [--log stdout] [--config PATH]`` -> writes
  ``agent: authtoken: TOKEN`` into the (v3) config file and prints
  ``Authtoken saved to configuration file: PATH``
* ``ngrok start --none --log stdout [--config PATH] [--authtoken T] [--region R]`` -> prints
  logfmt lines (``starting web service`` with ``addr=127.0.0.1:PORT``, ``client session
  established``, ``tunnel session started``) and serves the agent's local API on that port:
  ``GET/POST /api/endpoints``, ``GET/DELETE /api/endpoints/NAME`` and the v2-style
  ``/api/tunnels`` equivalents.

Every created endpoint gets a public URL ``https://<random>.ngrok-free.app`` (or
``https://DOMAIN`` when the request names a ``url``) and a RELAY: a plain HTTP server on
127.0.0.1 that forwards each request to the endpoint's upstream, the way ngrok's edge would.
Its address is in the endpoint JSON as ``relay_url`` (not a real ngrok field) and in the state
file. An unreachable upstream gets ``502`` with ``Ngrok-Error-Code: ERR_NGROK_8012``, as from
ngrok's edge, and a ``lvl=warn`` log line.

The relay sets the forwarded headers as ngrok's "Forwarded Headers Reference" describes:
the client's address is *appended* to any ``X-Forwarded-For`` the sender sent (one header,
comma-separated), the scheme (``https``) likewise to ``X-Forwarded-Proto``, and
``X-Forwarded-Host`` keeps the sender's own value when it sent one (else the public host).
``Host`` is the public host. The client's address is the relay's peer, so a test that binds
its client socket to 127.0.0.2, 127.0.0.3... plays senders at different addresses. Then the
endpoint's request-header rules apply: a v3 ``traffic_policy`` (an object, or its JSON text)
whose ``on_http_request`` rules hold ``remove-headers`` and ``add-headers`` actions (no
``expressions``; anything else is refused with 400, as an invalid policy), or a v2 tunnel's
``request_header`` ``{"add": ["Name: value"], "remove": ["Name"]}``.

Environment variables:

``FAKE_NGROK_MODE``
    ``ok`` (default); ``no-authtoken`` (logs ``lvl=eror ... ERR_NGROK_4018`` and exits 1);
    ``session-limit`` (same with ``ERR_NGROK_108``); ``silent`` (prints nothing, stays
    alive); ``crash-after-online`` (exits ``FAKE_NGROK_CRASH_AFTER`` seconds after the first
    endpoint is created); ``start-fail`` (prints an ``ERROR:`` line and exits 1 at once).
``FAKE_NGROK_REQUIRE_AUTHTOKEN``
    ``1``: fail with ERR_NGROK_4018 unless a token is in the config file, ``--authtoken`` or
    ``NGROK_AUTHTOKEN``.
``FAKE_NGROK_CRASH_AFTER``
    seconds for ``crash-after-online`` (default ``0.5``).
``FAKE_NGROK_EXIT_CODE``
    exit status used by ``crash-after-online`` (default ``1``).
``FAKE_NGROK_STATE_FILE``
    when set, a JSON file rewritten on every change: ``pid``, ``argv``, ``api_url``,
    ``authtoken_source`` (``config`` | ``argv`` | ``env`` | null), ``region`` and
    ``endpoints`` (each with ``name``, ``url``, ``upstream``, ``relay_url``). Lets a test find
    the agent's pid and its relay without touching the code under test.
``FAKE_NGROK_VERSION``
    the version printed (default ``3.22.1``).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

VERSION = os.environ.get("FAKE_NGROK_VERSION", "3.22.1")

ERR_4018 = (
    "authentication failed: Usage of ngrok requires a verified account and authtoken.\\n\\n"
    "Sign up for an account: https://dashboard.ngrok.com/signup\\n"
    "Install your authtoken: https://dashboard.ngrok.com/get-started/your-authtoken\\r\\n\\r\\n"
    "ERR_NGROK_4018\\r\\n"
)
ERR_108 = (
    "authentication failed: Your account is limited to 1 simultaneous ngrok agent sessions.\\n"
    "You can view your current agent sessions in the dashboard:\\n"
    "https://dashboard.ngrok.com/agents\\r\\n\\r\\nERR_NGROK_108\\r\\n"
)

# Headers a proxy must not pass on (RFC 9110 section 7.6.1), plus Host which the relay sets.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
}

_out_lock = threading.Lock()


def log(lvl: str, msg: str, **fields: str) -> None:
    """Print one logfmt line the way the agent does with ``--log stdout``."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
    parts = [f"t={now}", f"lvl={lvl}", f'msg="{msg}"']
    for key, value in fields.items():
        needs_quotes = any(c in value for c in ' ="') or value == ""
        parts.append(f'{key}="{value}"' if needs_quotes else f"{key}={value}")
    with _out_lock:
        sys.stdout.write(" ".join(parts) + "\n")
        sys.stdout.flush()


def default_config_path() -> str:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "ngrok", "ngrok.yml")


def option(argv: list[str], name: str) -> str | None:
    """Value of ``--name VALUE`` or ``--name=VALUE`` in argv."""
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def read_config_token(path: str) -> str | None:
    """The ``authtoken`` in a v3 (``agent:``) or v2 (top level) YAML config, if any."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    match = re.search(r"^\s*authtoken:\s*['\"]?([^'\"\s]+)", text, re.MULTILINE)
    return match.group(1) if match else None


def write_config_token(path: str, token: str) -> None:
    """Put the token under ``agent:`` keeping the rest of the file, as ngrok 3 does."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        lines = []
    lines = [line for line in lines if not re.match(r"^\s*authtoken:", line)]
    if "agent:" in lines:
        lines.insert(lines.index("agent:") + 1, f"    authtoken: {token}")
    else:
        lines = ["agent:", f"    authtoken: {token}", *lines]
    if not any(line.startswith("version:") for line in lines):
        lines.append('version: "3"')
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


class Agent:
    """State of one running ``ngrok start`` process."""

    def __init__(self, argv: list[str], authtoken_source: str | None) -> None:
        self.argv = argv
        self.authtoken_source = authtoken_source
        self.region = option(argv, "--region")
        self.api_url = ""
        self.endpoints: dict[str, dict[str, Any]] = {}
        self.relays: dict[str, ThreadingHTTPServer] = {}
        self.lock = threading.Lock()
        self.first_online = threading.Event()

    def write_state(self) -> None:
        path = os.environ.get("FAKE_NGROK_STATE_FILE")
        if not path:
            return
        with self.lock:
            state = {
                "pid": os.getpid(),
                "argv": self.argv,
                "api_url": self.api_url,
                "authtoken_source": self.authtoken_source,
                "region": self.region,
                "endpoints": list(self.endpoints.values()),
            }
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(state, f)
        os.replace(tmp, path)

    def create(self, body: dict[str, Any], v2: bool) -> tuple[int, dict[str, Any]]:
        name = body.get("name") or f"endpoint-{secrets.token_hex(4)}"
        if v2:
            upstream_url = str(body.get("addr") or "")
            if upstream_url and "://" not in upstream_url:
                upstream_url = f"http://localhost:{upstream_url}"
        else:
            upstream_url = str((body.get("upstream") or {}).get("url") or "")
        if not upstream_url:
            return 400, {
                "error_code": 102,
                "status_code": 400,
                "msg": "invalid endpoint configuration",
                "details": {"err": "upstream.url is required"},
            }
        with self.lock:
            if name in self.endpoints:
                return 400, {
                    "error_code": 102,
                    "status_code": 400,
                    "msg": "invalid endpoint configuration",
                    "details": {"err": f'an endpoint named "{name}" already exists'},
                }
        requested = body.get("url") or body.get("domain")
        if requested:
            public_url = str(requested)
            if "://" not in public_url:
                public_url = f"https://{public_url}"
        else:
            public_url = f"https://{secrets.token_hex(6)}.ngrok-free.app"
        try:
            rules = header_rules(body)
        except ValueError as exc:
            return 400, {
                "error_code": 102,
                "status_code": 400,
                "msg": "invalid endpoint configuration",
                "details": {"err": f"invalid traffic policy: {exc}"},
            }
        relay = make_relay(self, upstream_url, public_url, rules)
        relay_url = f"http://127.0.0.1:{relay.server_address[1]}"
        segment = "tunnels" if v2 else "endpoints"
        endpoint = {
            "id": f"ep_{secrets.token_hex(12)}",
            "name": name,
            "uri": f"/api/{segment}/{urllib.parse.quote(name, safe='')}",
            "url": public_url,
            "public_url": public_url,
            "proto": "https",
            "upstream": {"url": upstream_url, "protocol": "http1"},
            "config": {"addr": upstream_url, "inspect": True},
            "traffic_policy": body.get("traffic_policy"),
            "metrics": {},
            "relay_url": relay_url,
        }
        with self.lock:
            self.endpoints[name] = endpoint
            self.relays[name] = relay
        self.write_state()
        log("info", "started tunnel", obj="tunnels", name=name, addr=upstream_url, url=public_url)
        self.first_online.set()
        return 201, endpoint

    def delete(self, name: str) -> bool:
        with self.lock:
            endpoint = self.endpoints.pop(name, None)
            relay = self.relays.pop(name, None)
        if endpoint is None:
            return False
        if relay is not None:
            threading.Thread(target=relay.shutdown, daemon=True).start()
        self.write_state()
        log("info", "end tunnel", obj="tunnels", name=name)
        return True


def make_api_handler(agent: Agent) -> type[BaseHTTPRequestHandler]:
    class ApiHandler(BaseHTTPRequestHandler):
        """The agent's local API (what pyngrok calls)."""

        def log_message(self, format: str, *args: Any) -> None:
            pass  # stdout belongs to the logfmt stream pyngrok parses

        def _send(self, status: int, payload: dict[str, Any] | None) -> None:
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            if payload is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _route(self) -> tuple[str | None, str | None, bool]:
            path = urllib.parse.urlsplit(self.path).path.rstrip("/")
            for segment in ("endpoints", "tunnels"):
                base = f"/api/{segment}"
                if path == base:
                    return segment, None, segment == "tunnels"
                if path.startswith(base + "/"):
                    return (
                        segment,
                        urllib.parse.unquote(path[len(base) + 1 :]),
                        segment == "tunnels",
                    )
            return None, None, False

        def _not_found(self) -> None:
            self._send(404, {"error_code": 100, "status_code": 404, "msg": "not found"})

        def do_GET(self) -> None:
            segment, name, _ = self._route()
            if segment is None:
                if self.path.rstrip("/") == "/api/status":
                    self._send(200, {"status": "online", "agent_version": VERSION})
                else:
                    self._not_found()
                return
            with agent.lock:
                items = list(agent.endpoints.values())
            if name is None:
                self._send(200, {segment: items, "uri": f"/api/{segment}"})
                return
            found = [item for item in items if item["name"] == name]
            if found:
                self._send(200, found[0])
            else:
                self._not_found()

        def do_POST(self) -> None:
            segment, name, v2 = self._route()
            if segment is None or name is not None:
                self._not_found()
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._send(400, {"error_code": 100, "status_code": 400, "msg": "bad json"})
                return
            status, payload = agent.create(body, v2)
            self._send(status, payload)

        def do_DELETE(self) -> None:
            segment, name, _ = self._route()
            if segment is None or name is None:
                self._not_found()
                return
            if agent.delete(name):
                self._send(204, None)
            else:
                self._not_found()

    return ApiHandler


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower():
        chunks: list[bytes] = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


#: One request-header rule: ("remove", names) or ("add", [(name, value), ...]).
HeaderRule = tuple[str, list[Any]]


def header_rules(body: dict[str, Any]) -> list[HeaderRule]:
    """The request-header changes an endpoint asks for; ValueError for what is not known."""
    rules: list[HeaderRule] = []
    policy = body.get("traffic_policy")
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            raise ValueError("not a JSON object (the stand-in reads no YAML)") from None
    if policy is not None:
        if not isinstance(policy, dict):
            raise ValueError("not an object")
        for rule in policy.get("on_http_request") or []:
            if not isinstance(rule, dict) or rule.get("expressions"):
                raise ValueError("rules with expressions are not supported by the stand-in")
            for action in rule.get("actions") or []:
                kind = action.get("type")
                headers = (action.get("config") or {}).get("headers")
                if kind == "remove-headers" and isinstance(headers, list):
                    rules.append(("remove", [str(h) for h in headers]))
                elif kind == "add-headers" and isinstance(headers, dict):
                    rules.append(("add", [(str(k), str(v)) for k, v in headers.items()]))
                else:
                    raise ValueError(f"action {kind!r} is not supported by the stand-in")
    old_style = body.get("request_header") or {}
    if old_style.get("remove"):
        rules.append(("remove", [str(h) for h in old_style["remove"]]))
    if old_style.get("add"):
        pairs = [str(item).split(":", 1) for item in old_style["add"]]
        rules.append(("add", [(k.strip(), v.strip()) for k, v in pairs]))
    return rules


def forwarded_headers(
    received: list[tuple[str, str]], client: str, public_host: str, rules: list[HeaderRule]
) -> list[tuple[str, str]]:
    """The headers the relay sends upstream, from those the sender sent."""
    headers = [(k, v) for k, v in received if k.lower() not in HOP_BY_HOP]

    def take(name: str) -> list[str]:
        values = [v for k, v in headers if k.lower() == name]
        headers[:] = [(k, v) for k, v in headers if k.lower() != name]
        return values

    sent_for = take("x-forwarded-for")
    sent_proto = take("x-forwarded-proto")
    sent_host = take("x-forwarded-host")
    headers.append(("Host", public_host))
    headers.append(("X-Forwarded-For", ", ".join([*sent_for, client])))
    headers.append(("X-Forwarded-Host", sent_host[0] if sent_host else public_host))
    headers.append(("X-Forwarded-Proto", ", ".join([*sent_proto, "https"])))
    for kind, items in rules:
        if kind == "remove":
            names = {name.lower() for name in items}
            headers = [(k, v) for k, v in headers if k.lower() not in names]
        else:
            # ngrok's add-headers lower-cases names and appends beside existing values
            headers += [(k.lower(), v) for k, v in items]
    return headers


def make_relay(
    agent: Agent, upstream_url: str, public_url: str, rules: list[HeaderRule] | None = None
) -> ThreadingHTTPServer:
    """Start the edge stand-in for one endpoint: forwards requests to its upstream."""
    upstream = urllib.parse.urlsplit(upstream_url)
    public_host = urllib.parse.urlsplit(public_url).netloc
    header_changes = rules or []

    class RelayHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _relay(self) -> None:
            body = read_body(self)
            headers = forwarded_headers(
                list(self.headers.items()), self.client_address[0], public_host, header_changes
            )
            conn = http.client.HTTPConnection(
                upstream.hostname or "localhost", upstream.port or 80, timeout=30
            )
            try:
                conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for key, value in headers:
                    if key.lower() != "content-length":
                        conn.putheader(key, value)
                if body or self.command in ("POST", "PUT", "PATCH"):
                    conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body or None)
                response = conn.getresponse()
                data = response.read()
                self.send_response(response.status, response.reason)
                for key, value in response.getheaders():
                    if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError as exc:
                log(
                    "warn",
                    "failed to dial upstream",
                    obj="tunnels",
                    url=public_url,
                    err=f"dial tcp {upstream.netloc}: {exc.strerror or exc}; ERR_NGROK_8012",
                )
                page = (
                    f"Traffic was successfully tunneled to the ngrok agent, but the agent failed "
                    f"to establish a connection to the upstream web service at {upstream.netloc}."
                    f"\nERR_NGROK_8012\n"
                ).encode()
                self.send_response(502)
                self.send_header("Ngrok-Error-Code", "ERR_NGROK_8012")
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
            finally:
                conn.close()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _relay

    server = ThreadingHTTPServer(("127.0.0.1", 0), RelayHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def cmd_start(argv: list[str]) -> int:
    mode = os.environ.get("FAKE_NGROK_MODE", "ok")
    config_path = option(argv, "--config") or default_config_path()
    if mode == "silent":
        Agent(argv, None).write_state()  # only so a test can find the pid
        while True:
            time.sleep(3600)
    if mode == "start-fail":
        print(
            "ERROR:  failed to start: the fake agent was told to fail (FAKE_NGROK_MODE=start-fail)"
        )
        sys.stdout.flush()
        return 1

    source: str | None = None
    if read_config_token(config_path):
        source = "config"
    elif option(argv, "--authtoken"):
        source = "argv"
    elif os.environ.get("NGROK_AUTHTOKEN"):
        source = "env"

    agent = Agent(argv, source)
    log("info", "open config file", path=config_path, err="nil")
    return run_agent(agent, mode)


def run_agent(agent: Agent, mode: str) -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_api_handler(agent))
    server.daemon_threads = True
    port = server.server_address[1]
    agent.api_url = f"http://127.0.0.1:{port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    agent.write_state()
    log("info", "starting web service", obj="web", addr=f"127.0.0.1:{port}", allow_hosts="[]")

    require = os.environ.get("FAKE_NGROK_REQUIRE_AUTHTOKEN") == "1"
    if mode == "no-authtoken" or (require and agent.authtoken_source is None):
        log("eror", "session closing", obj="tunnels.session", err=ERR_4018)
        log("eror", "terminating with error", obj="app", err=ERR_4018)
        return 1
    if mode == "session-limit":
        log("eror", "session closing", obj="tunnels.session", err=ERR_108)
        log("eror", "terminating with error", obj="app", err=ERR_108)
        return 1

    log("info", "client session established", obj="tunnels.session")
    log("info", "tunnel session started", obj="tunnels.session")

    if mode == "crash-after-online":
        agent.first_online.wait()
        time.sleep(float(os.environ.get("FAKE_NGROK_CRASH_AFTER", "0.5")))
        log("crit", "session closed unexpectedly", obj="tunnels.session", err="fake crash")
        os._exit(int(os.environ.get("FAKE_NGROK_EXIT_CODE", "1")))
    while True:
        time.sleep(3600)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("--version", "version", "-v"):
        print(f"ngrok version {VERSION}")
        return 0
    if argv[0] == "config" and len(argv) >= 3 and argv[1] == "add-authtoken":
        path = option(argv, "--config") or default_config_path()
        write_config_token(path, argv[2])
        print(f"Authtoken saved to configuration file: {path}")
        return 0
    if argv[0] == "start":
        return cmd_start(argv[1:])
    print(
        f"ERROR:  unknown command {argv[0]!r} (the fake ngrok agent supports version, config, start)"
    )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
