"""Capture factories and VENDORS.md payloads for the validation, pipeline and simulate tests."""

from __future__ import annotations

import json
from typing import Any

from inspector.core.capture import Capture, Headers

#: Celantur v2's documented webhook payload (VENDORS.md), with the URL made concrete.
CELANTUR_PAYLOAD: dict[str, Any] = {
    "customer_id": "3f1c2b9e-8a4d-4c1e-9b7f-2d6e5a4c3b21",
    "task_id": 1693295888421318,
    "task_status": "done",
    "anonymized_url": "https://celantur.s3.amazonaws.com/out/1693295888421318.jpg?X-Amz-Signature=ab",
}
#: The docs' sample as a copy-paste gives it: the URL ends with a typographic quote.
CELANTUR_DOCS_SAMPLE = (
    '{"customer_id": "3f1c2b9e-8a4d-4c1e-9b7f-2d6e5a4c3b21", "task_id": 1693295888421318, '
    '"task_status": "done", "anonymized_url": "https://celantur.s3.amazonaws.com/x.jpg\u201d}'
).encode()
BLURIT_TOKEN = "bl-7f3a9c2e4d6b8a1f0e2c4b6d8f0a2c4e"
ANESYA_TOKEN = "an-0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f"


def json_body(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def make_capture(
    path: str = "/hook",
    body: bytes = b"",
    headers: Headers | None = None,
    query: str = "",
    method: str = "POST",
) -> Capture:
    """A real Capture as the listener would build it (JSON content type unless given)."""
    if headers is None:
        headers = [("Content-Type", "application/json")]
    return Capture(method=method, path=path, query=query, headers=list(headers), body=body)


def blurit_capture(
    token: str | None = BLURIT_TOKEN, status: str = "Succeeded", path: str = "/blurit"
) -> Capture:
    headers: Headers = [("Content-Type", "application/json")]
    if token is not None:
        headers.append(("X-Auth-Token", token))
    body = json_body({"taskId": "7d9c2a4e-1b3f-4e5a-9c8d-0f1e2d3c4b5a", "status": status})
    return make_capture(path, body, headers)
