"""HAR 1.2 export and import (browser dev tools, Insomnia, HTTP Toolkit read and write it).

HAR carries bodies as text, so a body that is not valid UTF-8 is written as base64 with
``"_bodyEncoding": "base64"`` beside the text (``postData`` has no standard field for that;
``content`` has ``encoding``, which is written too and honoured in both places on import).
Everything HAR has no slot for (vendor, validation, event, forward, notes...) travels in an
``_webhookInspector`` object on each entry, so our own HAR round-trips losslessly; HAR files
from other tools, which lack it, still import as plain captures. Each entry also says how
the request arrived in ``"_via": "tunnel" | "local"``, beside the request, for tools that
read no further (an entry without it imports as ``local``).
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
from collections.abc import Iterable, Iterator
from http import HTTPStatus
from typing import Any, TextIO
from urllib.parse import parse_qsl, quote_plus, urlsplit

from inspector import __version__ as _app_version
from inspector.core.capture import (
    Capture,
    Headers,
    ResponseRecord,
    b64encode,
    header_get,
    parse_timestamp,
    utc_now,
)
from inspector.core.formats._common import (
    CancelCheck,
    ProgressCallback,
    bad_input,
    collect,
    parse_document,
    require_body,
)
from inspector.core.formats.masking import masked_copy

HAR_VERSION = "1.2"
CUSTOM_FIELD = "_webhookInspector"
CREATOR = {"name": "webhook-inspector", "version": str(_app_version)}

_HOST_RE = re.compile(r"^[A-Za-z0-9._~\-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$")


# -- export ------------------------------------------------------------------------------


def _text_or_base64(body: bytes) -> tuple[str, bool]:
    """``(text, is_base64)``: UTF-8 text as it is, anything else as base64."""
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return b64encode(body), True


def _har_headers(headers: Headers) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in headers]


def _origin(capture: Capture, base_url: str | None) -> str:
    if capture.via == "tunnel":
        # the agent's scheme (the last X-Forwarded-Proto entry), not the sender's
        called = capture.called_origin()
        if called:
            return called
    host = (capture.header("Host") or "").strip()
    if host and _HOST_RE.match(host):
        proto = (capture.header("X-Forwarded-Proto") or "http").split(",")[0].strip().lower()
        return f"{'https' if proto == 'https' else 'http'}://{host}"
    if base_url:
        parts = urlsplit(base_url)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    return "http://localhost"


def har_url(capture: Capture, base_url: str | None = None) -> str:
    """``scheme://host`` (from the Host header, else ``base_url``) + raw path + raw query."""
    path = capture.path if capture.path.startswith("/") else "/" + capture.path
    return _origin(capture, base_url) + path + (f"?{capture.query}" if capture.query else "")


def _status_text(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _custom_fields(capture: Capture) -> dict[str, Any]:
    data = capture.to_json(include_body=False)
    # method, headers and the bodies are in the HAR entry itself; path and query stay here
    # too because a URL does not keep every raw path ("*", an empty "?") exactly.
    for key in ("method", "headers"):
        data.pop(key, None)
    if capture.forward is not None:
        data["forward"] = capture.forward.to_json(include_body=True)
    return data


def har_entry(
    capture: Capture, *, base_url: str | None = None, mask_secrets: bool = False
) -> dict[str, Any]:
    """One HAR 1.2 entry for ``capture``."""
    require_body(capture)
    if mask_secrets:
        capture = masked_copy(capture)
    body = capture.body_bytes
    request: dict[str, Any] = {
        "method": capture.method,
        "url": har_url(capture, base_url),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _har_headers(capture.headers),
        "queryString": [
            {"name": k, "value": v} for k, v in parse_qsl(capture.query, keep_blank_values=True)
        ],
        "headersSize": -1,
        "bodySize": len(body),
    }
    if body:
        text, is_b64 = _text_or_base64(body)
        post: dict[str, Any] = {"mimeType": capture.header("Content-Type") or "", "text": text}
        if is_b64:
            post["_bodyEncoding"] = "base64"
        request["postData"] = post

    answer = capture.response
    answer_body = answer.body if answer else b""
    content: dict[str, Any] = {
        "size": len(answer_body),
        "mimeType": (header_get(answer.headers, "Content-Type") if answer else None) or "",
    }
    if answer_body:
        text, is_b64 = _text_or_base64(answer_body)
        content["text"] = text
        if is_b64:
            content["encoding"] = "base64"
    response: dict[str, Any] = {
        # 0 is what browsers write for "no answer"
        "status": answer.status if answer else 0,
        "statusText": _status_text(answer.status) if answer else "",
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _har_headers(answer.headers if answer else []),
        "content": content,
        "redirectURL": (header_get(answer.headers, "Location") if answer else None) or "",
        "headersSize": -1,
        "bodySize": len(answer_body),
    }
    return {
        "startedDateTime": capture.received_text,
        "time": 0,
        "_via": capture.via,
        "request": request,
        "response": response,
        "cache": {},
        # the listener does not time the phases; HAR requires these three
        "timings": {"send": 0, "wait": 0, "receive": 0},
        CUSTOM_FIELD: _custom_fields(capture),
    }


def export_har(
    captures: Iterable[Capture], *, base_url: str | None = None, mask_secrets: bool = False
) -> dict[str, Any]:
    """The whole HAR document as a dict (for small exports; big ones use :func:`write_har`)."""
    entries = [har_entry(c, base_url=base_url, mask_secrets=mask_secrets) for c in captures]
    return {"log": {"version": HAR_VERSION, "creator": dict(CREATOR), "entries": entries}}


def write_har(
    captures: Iterable[Capture],
    fp: TextIO,
    *,
    base_url: str | None = None,
    mask_secrets: bool = False,
    total: int = 0,
    on_progress: ProgressCallback | None = None,
) -> int:
    """Write a HAR 1.2 document to ``fp`` one entry at a time; returns the entry count."""
    head = {"log": {"version": HAR_VERSION, "creator": CREATOR}}
    # Written open-ended ("}}" cut off) so the entries can be streamed after it.
    fp.write(json.dumps(head)[:-2] + ', "entries": [')
    count = 0
    for capture in captures:
        entry = har_entry(capture, base_url=base_url, mask_secrets=mask_secrets)
        fp.write(",\n" if count else "\n")
        fp.write(json.dumps(entry))
        count += 1
        if on_progress is not None:
            on_progress(count, total)
    fp.write("\n]}}\n")
    return count


def dumps_har(
    captures: Iterable[Capture], *, base_url: str | None = None, mask_secrets: bool = False
) -> str:
    buf = io.StringIO()
    write_har(captures, buf, base_url=base_url, mask_secrets=mask_secrets)
    return buf.getvalue()


# -- import ------------------------------------------------------------------------------


def is_har(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("log"), dict)


def count_har(doc: Any) -> int:
    entries = doc.get("log", {}).get("entries") if is_har(doc) else None
    return len(entries) if isinstance(entries, list) else 0


def _decode_text(holder: dict[str, Any]) -> bytes:
    text = holder.get("text")
    if text is None and isinstance(holder.get("params"), list):
        # HAR lets form bodies come as params instead of text
        return "&".join(
            f"{quote_plus(str(p.get('name', '')))}={quote_plus(str(p.get('value', '')))}"
            for p in holder["params"]
            if isinstance(p, dict)
        ).encode()
    if text is None:
        return b""
    if not isinstance(text, str):
        raise ValueError("body text is not a string")
    encoding = holder.get("_bodyEncoding") or holder.get("encoding")
    if isinstance(encoding, str) and encoding.lower() == "base64":
        try:
            return base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise ValueError(f"bad base64 body: {exc}") from None
    # surrogatepass: a lone surrogate escaped in the JSON must not abort the whole import
    return text.encode("utf-8", "surrogatepass")


def _read_headers(items: Any, where: str) -> Headers:
    if items is None:
        return []
    if not isinstance(items, list):
        raise ValueError(f"{where} headers are not a list")
    headers: Headers = []
    for item in items:
        if not isinstance(item, dict) or "name" not in item:
            raise ValueError(f"{where} header without a name")
        headers.append((str(item["name"]), str(item.get("value", ""))))
    return headers


def _object(value: Any) -> dict[str, Any]:
    # optional HAR parts (postData, content...) may be absent or null in other tools' files
    return value if isinstance(value, dict) else {}


def _entry_to_capture(entry: Any, keep_source: bool) -> Capture:
    if not isinstance(entry, dict):
        raise ValueError("not an object")
    request = entry.get("request")
    if not isinstance(request, dict) or not request.get("method") or "url" not in request:
        raise ValueError("no request method and url")
    response = _object(entry.get("response"))
    content = _object(response.get("content"))
    post = _object(request.get("postData"))
    body = _decode_text(post)
    answer_body = _decode_text(content)
    headers = _read_headers(request.get("headers"), "request")
    custom = entry.get(CUSTOM_FIELD)

    if isinstance(custom, dict):
        data = dict(custom)
        data["method"] = str(request["method"])
        data["headers"] = [list(h) for h in headers]
        data["body_b64"] = b64encode(body)
        if isinstance(data.get("response"), dict):
            data["response"] = {**data["response"], "body_b64": b64encode(answer_body)}
        capture = Capture.from_json(data)
        if not keep_source:
            capture.source = "import"
        return capture

    # A HAR from another tool: what it has, mapped onto a capture.
    url = urlsplit(str(request["url"]))
    notes = ["imported from a HAR file made by another tool"]
    # HTTP/2 pseudo-headers (":authority"...) are not HTTP/1.1 headers and cannot be replayed
    clean = [(k, v) for k, v in headers if not k.startswith(":")]
    if header_get(clean, "Host") is None and url.netloc:
        clean.insert(0, ("Host", url.netloc))
        notes.append("Host header taken from the entry's URL")
    received_at = utc_now()
    started = entry.get("startedDateTime")
    if isinstance(started, str):
        try:
            received_at = parse_timestamp(started)
        except ValueError:
            notes.append(f"unreadable startedDateTime {started!r}")
    status = response.get("status")
    answer = None
    if isinstance(status, int) and status > 0:
        answer = ResponseRecord(
            status=status,
            headers=[
                (k, v)
                for k, v in _read_headers(response.get("headers"), "response")
                if not k.startswith(":")
            ],
            body=answer_body,
        )
    return Capture(
        method=str(request["method"]),
        path=url.path or "/",
        query=url.query,
        headers=clean,
        body=body,
        received_at=received_at,
        source="import",
        response=answer,
        notes=notes,
        via="tunnel" if entry.get("_via") == "tunnel" else "local",
    )


def har_capture(entry: Any, index: int, *, keep_source: bool) -> Capture:
    """The capture of entry number ``index`` (from 0) of ``log.entries``."""
    try:
        return _entry_to_capture(entry, keep_source)
    except (KeyError, ValueError, TypeError) as exc:
        what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise bad_input(f"HAR entry #{index + 1} is invalid ({what})") from None


def iter_har(doc: Any, *, keep_source: bool = False) -> Iterator[Capture]:
    """Captures of a parsed HAR document, one at a time; ``ValueError`` names the bad entry.

    Imported captures get ``source: "import"`` (docs/formats.md) unless ``keep_source``
    (which only applies to our own HAR, where the original source is recorded).
    """
    if not is_har(doc):
        raise bad_input('no "log" object')
    entries = doc["log"].get("entries")
    if not isinstance(entries, list):
        raise bad_input('"log.entries" is not a list')
    for index, entry in enumerate(entries):
        yield har_capture(entry, index, keep_source=keep_source)


def load_har(
    data: bytes | str,
    *,
    keep_source: bool = False,
    on_progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> list[Capture]:
    """Parse and import a whole HAR file (see :func:`iter_har`)."""
    doc = parse_document(data)
    return collect(iter_har(doc, keep_source=keep_source), count_har(doc), on_progress, cancel)
