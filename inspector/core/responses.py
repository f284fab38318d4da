"""The answer the listener sends for a capture, as data: status, headers, body, delay.

Vendor profiles build it (:meth:`~inspector.core.vendors.base.VendorProfile.respond`), the
pipeline adjusts it with an endpoint's response rule, and the listener sends it.
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


_ENCODER = json.JSONEncoder(separators=(",", ":"))


def json_response(status: int, payload: Any, delay_ms: int = 0) -> ResponsePlan:
    body = _ENCODER.encode(payload).encode()
    return ResponsePlan(status, [("Content-Type", "application/json")], body, delay_ms)


def default_response(capture: Capture) -> ResponsePlan:
    """200 with a small JSON body naming the capture, for paths with no endpoint."""
    cid = capture.id
    if not (cid.isascii() and cid.isalnum()):  # our ids are hex; an imported one may not be
        return json_response(200, {"ok": True, "capture": cid})
    # Written out: this answer goes to nearly every request, and the encoder costs more.
    body = b'{"ok":true,"capture":"' + cid.encode() + b'"}'
    return ResponsePlan(200, [("Content-Type", "application/json")], body)
