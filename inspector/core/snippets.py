"""Copy as code: a capture as a cURL, HTTPie, Python ``requests`` or ``aiohttp`` command.

Each snippet sends what the vendor sent: same method, raw path and query, headers in order
(hop-by-hop ones, ``Host`` and ``Content-Length`` left to the tool), and the body byte for
byte. Secrets (tokens, signatures, token-like query parameters) are masked unless
``reveal=True``, as docs/formats.md ("Secret masking") describes.

Shell snippets are POSIX ``sh``/bash: every argument is single-quoted. A UTF-8 text body
without NUL bytes goes inline (``curl --data-raw '...'``, which unlike ``--data`` never
reads a file for a leading ``@``). Any other body is piped in from ``printf`` with each
unsafe byte written as an octal escape (``\\377``): the format-string escapes are POSIX,
so this works in bash, dash and zsh without ``base64`` (whose decode flag differs between
GNU and BSD).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from inspector.core.capture import Capture, Headers, header_get
from inspector.core.formats.har import har_url
from inspector.core.formats.masking import mask_headers, mask_url

SnippetKind = Literal["curl", "httpie", "requests", "aiohttp"]
SNIPPET_KINDS: tuple[SnippetKind, ...] = ("curl", "httpie", "requests", "aiohttp")

# Not sent on (same rule as replay and forward in docs/cli.md); Content-Length is
# left out too because every tool computes it from the body.
_NOT_SENT = frozenset(
    {
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)

# curl sends these by itself unless told not to, with an empty "-H 'Name:'".
_CURL_DEFAULTS = ("User-Agent", "Accept")
_HTTPIE_DEFAULTS = ("User-Agent", "Accept", "Accept-Encoding")
_AIOHTTP_AUTO = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")


def _sent_headers(headers: Headers) -> Headers:
    return [
        (k, v)
        for k, v in headers
        if k.lower() not in _NOT_SENT and not k.lower().startswith("proxy-")
    ]


def _prepare(capture: Capture, url: str | None, reveal: bool) -> tuple[str, Headers, bytes]:
    target = url or har_url(capture)
    headers = _sent_headers(capture.headers)
    if not reveal:
        target = mask_url(target)
        headers = mask_headers(headers)
    return target, headers, capture.body_bytes


def sh_quote(text: str) -> str:
    """Single-quote ``text`` for a POSIX shell (``'`` becomes ``'\\''``)."""
    return "'" + text.replace("'", "'\\''") + "'"


def _inline_text(body: bytes) -> str | None:
    """The body as text when it can go inline in a shell argument, else None."""
    if b"\x00" in body:
        return None  # a shell argument cannot hold NUL
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def printf_format(body: bytes) -> str:
    """A single-quoted ``printf`` format that prints exactly ``body``."""
    out: list[str] = []
    for i, byte in enumerate(body):
        char = chr(byte)
        if char == "%":
            out.append("%%")
        elif 0x20 <= byte < 0x7F and char not in "'\\" and not (i == 0 and char == "-"):
            out.append(char)
        else:
            # also a leading "-", which printf would read as an option
            out.append(f"\\{byte:03o}")
    return "'" + "".join(out) + "'"


def _has(headers: Headers, name: str) -> bool:
    return header_get(headers, name) is not None


def _shell_header(name: str, value: str, empty_form: str) -> str:
    # "Name:" with nothing after it means "remove this header" to curl and HTTPie; an empty
    # value is spelled "Name;" instead.
    return sh_quote(f"{name}{empty_form}" if value == "" else f"{name}: {value}")


def to_curl(capture: Capture, url: str | None = None, *, reveal: bool = False) -> str:
    """A ``curl`` command line (bash/sh) that sends ``capture`` again."""
    target, headers, body = _prepare(capture, url, reveal)
    # one option (with its value) per line, so long commands stay readable
    lines = ["curl"]
    path = target.split("?", 1)[0] + "/"
    if "/./" in path or "/../" in path:
        lines.append("--path-as-is")  # curl would squash dot segments otherwise
    if any(c in target for c in "[]{}"):
        lines.append("--globoff")  # curl would expand them as URL globs otherwise
    if capture.method == "HEAD":
        lines.append("--head")  # "-X HEAD" makes curl wait for a body that never comes
    elif not (capture.method == "GET" and not body) and not (capture.method == "POST" and body):
        lines.append(f"-X {sh_quote(capture.method)}")
    lines.append(sh_quote(target))
    lines += [f"-H {_shell_header(name, value, ';')}" for name, value in headers]
    lines += [f"-H {sh_quote(name + ':')}" for name in _CURL_DEFAULTS if not _has(headers, name)]
    stdin = ""
    if body:
        if not _has(headers, "Content-Type"):
            # curl would invent application/x-www-form-urlencoded
            lines.append(f"-H {sh_quote('Content-Type:')}")
        if not _has(headers, "Expect"):
            lines.append(f"-H {sh_quote('Expect:')}")  # no 100-continue the vendor never sent
        text = _inline_text(body)
        if text is not None:
            lines.append(f"--data-raw {sh_quote(text)}")
        else:
            stdin = f"printf {printf_format(body)} | "
            lines.append("--data-binary @-")
    return stdin + " \\\n  ".join(lines)


def to_httpie(capture: Capture, url: str | None = None, *, reveal: bool = False) -> str:
    """An HTTPie (``http``, 3.x) command line that sends ``capture`` again."""
    target, headers, body = _prepare(capture, url, reveal)
    args = ["http"]
    text = _inline_text(body) if body else None
    if body and text is None:
        prefix = f"printf {printf_format(body)} | "
    else:
        prefix = ""
        args.append("--ignore-stdin")
    args += [sh_quote(capture.method), sh_quote(target)]
    for name, value in headers:
        args.append(sh_quote(f"{name};" if value == "" else f"{name}:{value}"))
    for name in _HTTPIE_DEFAULTS:
        if not _has(headers, name):
            args.append(sh_quote(f"{name}:"))
    if text:
        args.append(f"--raw {sh_quote(text)}")
    return prefix + " \\\n  ".join(args)


def _py_body(body: bytes) -> str:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return repr(body)
    return f"{text!r}.encode()"


def _py_headers_list(headers: Headers) -> str:
    if not headers:
        return "[]"
    return "[\n" + "".join(f"    ({k!r}, {v!r}),\n" for k, v in headers) + "]"


def to_requests(capture: Capture, url: str | None = None, *, reveal: bool = False) -> str:
    """A Python ``requests`` script that sends ``capture`` again."""
    target, headers, body = _prepare(capture, url, reveal)
    merged: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for name, value in headers:
        names.setdefault(name.lower(), name)
        merged.setdefault(name.lower(), []).append(value)
    lines = ["import requests", "", f"url = {target!r}"]
    if any(len(v) > 1 for v in merged.values()):
        lines.append("# requests takes one value per header: repeated ones are joined with ', '")
    lines.append("headers = {")
    for lname, values in merged.items():
        lines.append(f"    {names[lname]!r}: {', '.join(values)!r},")
    # requests adds these unless they are set to None
    for name in ("User-Agent", "Accept", "Accept-Encoding", "Connection"):
        if name.lower() not in merged:
            lines.append(f"    {name!r}: None,")
    lines.append("}")
    lines.append(f"body = {_py_body(body)}")
    lines += [
        "",
        "session = requests.Session()",
        f"response = session.request({capture.method!r}, url, headers=headers, data=body)",
        "print(response.status_code)",
        "print(response.text)",
        "",
    ]
    return "\n".join(lines)


def to_aiohttp(capture: Capture, url: str | None = None, *, reveal: bool = False) -> str:
    """A Python ``aiohttp`` script that sends ``capture`` again."""
    target, headers, body = _prepare(capture, url, reveal)
    skip = tuple(name for name in _AIOHTTP_AUTO if not _has(headers, name))
    return "\n".join(
        [
            "import asyncio",
            "",
            "import aiohttp",
            "from multidict import CIMultiDict",
            "from yarl import URL",
            "",
            f"URL_ = URL({target!r}, encoded=True)  # sent exactly as written",
            f"HEADERS = CIMultiDict({_py_headers_list(headers)})",
            f"BODY = {_py_body(body)}",
            "",
            "",
            "async def main() -> None:",
            "    async with aiohttp.ClientSession() as session:",
            "        async with session.request(",
            f"            {capture.method!r},",
            "            URL_,",
            "            headers=HEADERS,",
            "            data=BODY or None,",
            f"            skip_auto_headers={skip!r},",
            "        ) as response:",
            "            print(response.status)",
            "            print(await response.text())",
            "",
            "",
            "asyncio.run(main())",
            "",
        ]
    )


_BUILDERS: dict[SnippetKind, Callable[..., str]] = {
    "curl": to_curl,
    "httpie": to_httpie,
    "requests": to_requests,
    "aiohttp": to_aiohttp,
}


def snippet(
    capture: Capture, kind: SnippetKind, url: str | None = None, *, reveal: bool = False
) -> str:
    """The ``kind`` snippet for ``capture``; ``url`` defaults to the capture's own
    (``http://`` + its Host header + raw path and query)."""
    try:
        build = _BUILDERS[kind]
    except KeyError:
        raise ValueError(
            f"unknown snippet kind {kind!r}; one of {', '.join(SNIPPET_KINDS)}"
        ) from None
    return build(capture, url, reveal=reveal)
