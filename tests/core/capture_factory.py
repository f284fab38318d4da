"""Capture factories for the export, snippet and diff tests (real Capture objects)."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from inspector.core.capture import Capture, ForwardRecord, ResponseRecord, Validation

BASE_TIME = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def make_capture(**overrides: Any) -> Capture:
    """A BlurIt-like callback; any field can be overridden."""
    fields: dict[str, Any] = {
        "method": "POST",
        "path": "/blurit",
        "query": "",
        "headers": [
            ("Host", "abc.ngrok-free.app"),
            ("User-Agent", "BlurIt-Webhook/2"),
            ("Content-Type", "application/json"),
            ("X-Auth-Token", "s3cr3t-token-value"),
        ],
        "body": b'{"taskId":"t-42","status":"Succeeded"}',
        "seq": 1,
        "received_at": BASE_TIME,
        "remote_addr": "203.0.113.7",
    }
    fields.update(overrides)
    return Capture(**fields)


def varied_captures() -> list[Capture]:
    """Captures covering what exports must keep: binary and invalid UTF-8 bodies, odd
    methods and raw queries, repeated and case-variant headers, every optional field."""
    gz = gzip.compress(b'{"event":"extract.completed"}', mtime=0)
    return [
        make_capture(
            seq=1,
            endpoint="/blurit",
            vendor="blurit",
            event={"task_id": "t-42", "status": "Succeeded"},
            validation=Validation("valid", "token-header", "X-Auth-Token matches"),
            response=ResponseRecord(
                200, [("Content-Type", "application/json")], b'{"taskId":"t-42"}'
            ),
            forward=ForwardRecord(
                url="http://localhost:3000/blurit?token=dev",
                status=502,
                latency_ms=12.5,
                error=None,
                body=b"bad gateway \xff",
                headers=[("X-Dev", "1")],
            ),
            notes=["parsed BlurIt callback"],
        ),
        make_capture(
            seq=2,
            method="PURGE",
            path="/cache/a%2Fb//c",
            query="token=abc%2F+def&empty=&flag&sig=ZZ",
            headers=[
                ("Host", "127.0.0.1:8080"),
                ("X-Dup", "one"),
                ("x-dup", "two"),
                ("Content-Type", "application/octet-stream"),
                ("X-DUP", "three"),
                ("X-Unicode", "café ☕"),
                ("X-Empty", ""),
            ],
            body=bytes(range(256)) + b"\xc3\x28 invalid utf-8",
            received_at=BASE_TIME + timedelta(seconds=1),
            response=ResponseRecord(418, [("X-R", "a"), ("x-r", "b")], b"\x00\x01\xfe"),
            validation=Validation("invalid", "hmac-sha256", "signature mismatch"),
        ),
        make_capture(
            seq=3,
            method="GET",
            path="/celantur",
            query="a=1&a=2",
            headers=[("Host", "localhost:8080"), ("Accept", "*/*")],
            body=b"",
            source="replay",
            replay_of="0123abcd",
            received_at=BASE_TIME + timedelta(seconds=2),
        ),
        make_capture(
            seq=4,
            path="/anesya",
            headers=[
                ("Host", "abc.ngrok-free.app"),
                ("X-Forwarded-Proto", "https"),
                ("Content-Type", "application/json; charset=utf-8"),
                ("Content-Encoding", "gzip"),
                ("X-Webhook-Token", "anesya-secret"),
                ("X-Webhook-Id", "wh_1"),
            ],
            body=gz,
            vendor="anesya",
            via="tunnel",
            event={"task_id": 17, "event": "extract.completed", "status": None},
            validation=Validation("missing", None, "no token configured"),
            received_at=BASE_TIME + timedelta(seconds=3),
            forward=ForwardRecord(
                url="http://localhost:9/x", error="connection refused to localhost:9"
            ),
        ),
        make_capture(
            seq=5,
            path="/big",
            headers=[("Content-Type", "text/plain")],
            body="\ufeffline one\r\nline two\x00 ✓\n".encode() * 3000,
            body_size=10_000_000,
            truncated=True,
            response=ResponseRecord(413, [], b""),
            notes=["body over the limit", "second note"],
            received_at=BASE_TIME + timedelta(seconds=4),
        ),
        make_capture(
            seq=6,
            method="PUT",
            path="/form",
            headers=[("Content-Type", "application/x-www-form-urlencoded")],
            body=b"a=1&b=%C3%A9&c=+",
            remote_addr="::1",
            received_at=BASE_TIME + timedelta(seconds=5),
        ),
    ]


def full_json(capture: Capture) -> dict[str, Any]:
    """Everything a capture holds, bodies of the forward answer included, for equality."""
    data = capture.to_json(include_body=True)
    data["forward"] = capture.forward.to_json(include_body=True) if capture.forward else None
    return json.loads(json.dumps(data))
