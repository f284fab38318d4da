"""What the listener does with a capture before answering: match the endpoint, guess or
apply the vendor, parse, validate, and decide the answer.

The listener calls :func:`process_capture` once per request, before the capture is stored,
so the stored capture carries the answer that is then sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from inspector.core.capture import Capture, Headers


@dataclass(slots=True)
class ResponsePlan:
    """The answer the listener will send for one capture."""

    status: int = 200
    headers: Headers = field(default_factory=list)
    body: bytes = b""
    delay_ms: int = 0


def json_response(status: int, payload: Any, delay_ms: int = 0) -> ResponsePlan:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return ResponsePlan(status, [("Content-Type", "application/json")], body, delay_ms)


def default_response(capture: Capture) -> ResponsePlan:
    """200 with a small JSON body naming the capture, for paths with no endpoint."""
    return json_response(200, {"ok": True, "capture": capture.id})


def process_capture(capture: Capture, endpoints: Any = None) -> ResponsePlan:
    """Fill in the capture's endpoint/vendor/event/validation/notes and return the answer."""
    return default_response(capture)
