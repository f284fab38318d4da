"""Copy-as snippets: run the shell and Python ones against a real local server."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from capture_factory import make_capture

from inspector.core.capture import Capture
from inspector.core.formats.masking import MASK
from inspector.core.snippets import (
    SNIPPET_KINDS,
    printf_format,
    sh_quote,
    snippet,
    to_aiohttp,
    to_curl,
    to_httpie,
    to_requests,
)

BASH = shutil.which("bash")
CURL = shutil.which("curl")
needs_bash = pytest.mark.skipif(BASH is None, reason="bash is not installed")
needs_curl = pytest.mark.skipif(CURL is None or BASH is None, reason="curl is not installed")

# not sent by a snippet (hop-by-hop, Host) or recomputed by the tool (Content-Length)
DROPPED = {"host", "content-length", "connection", "keep-alive", "te", "trailer", "upgrade"}
DROPPED |= {"transfer-encoding"}


@dataclass
class Seen:
    method: str
    raw_path: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Recorder:
    server: TestServer
    seen: list[Seen] = field(default_factory=list)

    def url(self, capture: Capture) -> str:
        return f"http://127.0.0.1:{self.server.port}{capture.target}"


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    holder: list[Recorder] = []

    async def handler(request: web.Request) -> web.Response:
        holder[0].seen.append(
            Seen(
                request.method,
                request.raw_path,
                [(k.decode(), v.decode()) for k, v in request.raw_headers],
                await request.read(),
            )
        )
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    holder.append(Recorder(server))
    try:
        yield holder[0]
    finally:
        await server.close()


async def run(*argv: str) -> tuple[int, bytes, bytes]:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, out, err


def expected_headers(capture: Capture) -> list[tuple[str, str]]:
    return [(k, v) for k, v in capture.headers if k.lower() not in DROPPED]


def received_headers(seen: Seen) -> list[tuple[str, str]]:
    """What arrived, minus the two headers the tool must set itself (checked separately)."""
    lengths = [v for k, v in seen.headers if k.lower() == "content-length"]
    assert lengths == ([str(len(seen.body))] if seen.body else lengths)
    assert [k for k, _ in seen.headers].count("Host") == 1
    return [(k, v) for k, v in seen.headers if k.lower() not in ("host", "content-length")]


ROUND_TRIP_CASES = [
    make_capture(
        body=b'{"it\'s": "a \'quoted\'\\n body",\n "x": "$HOME `id` \\\\ %s"}\n',
        query="token=a%2Fb+c&x=1",
        headers=[
            ("Host", "vendor.example"),
            ("User-Agent", "Vendor/1"),
            ("Content-Type", "application/json"),
            ("X-Auth-Token", "tok'en"),
            ("X-Dup", "1"),
            ("X-Dup", "2"),
            ("x-dup", "3"),
            ("X-Empty", ""),
            ("Connection", "close"),
            ("Content-Length", "5"),
        ],
    ),
    make_capture(
        method="PURGE",
        path="/bin/%7Efile",
        body=b"-leading dash \x00\x01%%\\\\'\xff\xfe end" + bytes(range(256)),
        headers=[("Content-Type", "application/octet-stream"), ("Accept", "*/*")],
    ),
    make_capture(method="GET", body=b"", query="a=%2F&b=+", headers=[("X-Only", "1")]),
    make_capture(body=b"@/etc/passwd", headers=[]),  # must be sent as text, never read as a file
    make_capture(method="PUT", body=b"x" * 5000, headers=[("Content-Type", "text/plain")]),
]


@needs_curl
@pytest.mark.parametrize("capture", ROUND_TRIP_CASES, ids=lambda c: f"{c.method}-{c.path}")
async def test_curl_snippet_delivers_identical_request(
    recorder: Recorder, capture: Capture
) -> None:
    assert BASH is not None
    command = to_curl(capture, recorder.url(capture), reveal=True)
    code, _out, err = await run(BASH, "-c", command + " --silent --show-error")
    assert code == 0, err.decode()
    seen = recorder.seen[-1]
    assert seen.method == capture.method
    assert seen.raw_path == capture.target
    assert seen.body == capture.body
    # the same headers in the same order, and nothing curl would have added by itself
    assert received_headers(seen) == expected_headers(capture)


@needs_bash
async def test_aiohttp_snippet_delivers_identical_request(recorder: Recorder) -> None:
    capture = ROUND_TRIP_CASES[1]
    code, out, err = await run(
        sys.executable, "-c", to_aiohttp(capture, recorder.url(capture), reveal=True)
    )
    assert code == 0, err.decode()
    assert out.startswith(b"200")
    seen = recorder.seen[-1]
    assert (seen.method, seen.raw_path, seen.body) == (capture.method, capture.target, capture.body)
    assert received_headers(seen) == expected_headers(capture)


@needs_bash
def test_printf_format_reproduces_every_byte() -> None:
    assert BASH is not None
    data = b"-" + bytes(range(256)) + b"%d%s%%\\n'"
    result = subprocess.run(
        [BASH, "-c", f"printf {printf_format(data)}"], capture_output=True, check=True, timeout=10
    )
    assert result.stdout == data


def test_sh_quote() -> None:
    assert sh_quote("it's") == "'it'\\''s'"
    assert sh_quote("") == "''"


def test_curl_snippet_shape() -> None:
    capture = ROUND_TRIP_CASES[0]
    text = to_curl(capture, "http://localhost:3000/blurit", reveal=True)
    assert text.startswith("curl \\\n  'http://localhost:3000/blurit'")
    assert "-H 'X-Empty;'" in text
    assert "-H 'Host" not in text and "Connection" not in text and "Content-Length" not in text
    assert "--data-raw '" in text
    assert "-X" not in text  # POST with a body is curl's default
    binary = to_curl(ROUND_TRIP_CASES[1], "http://h/x")
    assert binary.startswith("printf '\\055leading dash \\000\\001%%%%\\134\\134\\047\\377")
    assert "-X 'PURGE'" in binary and "--data-binary @-" in binary
    head = to_curl(make_capture(method="HEAD", body=b""), "http://h/")
    assert "--head" in head and "-X" not in head


def test_default_url_is_the_captured_one() -> None:
    capture = make_capture(query="a=1")
    assert "'http://abc.ngrok-free.app/blurit?a=1'" in to_curl(capture)


def test_secrets_masked_unless_revealed() -> None:
    capture = make_capture(query="token=qs-secret&page=2")
    for kind in SNIPPET_KINDS:
        masked = snippet(capture, kind)
        assert "s3cr3t-token-value" not in masked, kind
        assert "qs-secret" not in masked, kind
        assert MASK in masked and "page=2" in masked, kind
        revealed = snippet(capture, kind, reveal=True)
        assert "s3cr3t-token-value" in revealed and "qs-secret" in revealed, kind


def test_python_snippets_compile_and_keep_body() -> None:
    for capture in ROUND_TRIP_CASES:
        for builder in (to_requests, to_aiohttp):
            source = builder(capture, "http://h/x", reveal=True)
            compile(source, builder.__name__, "exec")
            namespace: dict[str, object] = {}
            body_line = next(
                line for line in source.splitlines() if line.startswith(("body", "BODY"))
            )
            exec(body_line.replace("BODY", "body"), namespace)
            assert namespace["body"] == capture.body


def test_requests_snippet_joins_repeated_headers() -> None:
    text = to_requests(ROUND_TRIP_CASES[0], "http://h/", reveal=True)
    assert "'X-Dup': '1, 2, 3'" in text
    assert "'Accept': None" in text  # requests would add it otherwise


def test_httpie_snippet_shape() -> None:
    text = to_httpie(ROUND_TRIP_CASES[0], "http://h/x", reveal=True)
    assert text.startswith("http \\\n  --ignore-stdin \\\n  'POST' \\\n  'http://h/x'")
    assert "'X-Empty;'" in text and "--raw '" in text
    binary = to_httpie(ROUND_TRIP_CASES[1], "http://h/x")
    assert binary.startswith("printf '") and "| http" in binary and "--ignore-stdin" not in binary


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown snippet kind"):
        snippet(make_capture(), "wget")  # type: ignore[arg-type]
