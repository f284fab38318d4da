"""docs/vendors.md payloads as real captures, for the vendor profile and pipeline tests."""

from __future__ import annotations

import json
from typing import Any

from inspector.core.capture import Capture, Headers

BLURIT_TOKEN = "bl-7f3a9c2e4d6b8a1f0e2c4b6d8f0a2c4e"
BLURIT_JOB = "7d9c2a4e-1b3f-4e5a-9c8d-0f1e2d3c4b5a"
ANESYA_TOKEN = "an-0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f"
ANESYA_WEBHOOK_ID = "5b0e4c8a-2f6d-4a1b-8c3e-7d9f1a2b3c4d"

CELANTUR_PAYLOAD: dict[str, Any] = {
    "customer_id": "3f1c2b9e-8a4d-4c1e-9b7f-2d6e5a4c3b21",
    "task_id": 1693295888421318,
    "task_status": "done",
    "anonymized_url": "https://celantur.s3.amazonaws.com/out/1693295888421318.jpg?X-Amz-Signature=ab",
}
CELANTUR_DOCS_SAMPLE = (
    '{"customer_id": "3f1c2b9e-8a4d-4c1e-9b7f-2d6e5a4c3b21", "task_id": 1693295888421318, '
    '"task_status": "done", "anonymized_url": "https://celantur.s3.amazonaws.com/x.jpg\u201d}'
).encode()

CELANTUR_V1_FIELDS: dict[str, str] = {
    "customer_id": "3f1c2b9e-8a4d-4c1e-9b7f-2d6e5a4c3b21",
    "file_id": "b7e2d9c1-4a3f-4e8b-9d2c-1f0e3a5b7c9d",
    "file_status": "done",
    "original_link": "https://api.celantur.com/v1/file/b7e2/original",
    "anonymized_link": "https://api.celantur.com/v1/file/b7e2/anonymized",
    "binary_mask_link": "https://api.celantur.com/v1/file/b7e2/binary-mask",
    "instance_mask_link": "https://api.celantur.com/v1/file/b7e2/instance-mask",
    "metadata_link": "https://api.celantur.com/v1/file/b7e2/metadata",
}
#: The documented (non-JSON) shape: key=value lines inside braces.
CELANTUR_V1_LINES = (
    "{\n" + "".join(f'  {k}="{v}",\n' for k, v in CELANTUR_V1_FIELDS.items()) + "}"
).encode()

ANESYA_PAYLOAD: dict[str, Any] = {
    "id": ANESYA_WEBHOOK_ID,
    "event": "extract.completed",
    "timestamp": "2025-06-25T14:45:26Z",
    "data": {
        "id": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
        "document_name": "invoice.pdf",
        "document_url": "https://api.anesya.app/documents/e1f2/invoice.pdf",
        "content_images": [],
        "server": "EU-1",
        "content": "INVOICE",
        "extracted_data": {"total": 12.5},
        "schema": None,
        "workflow": None,
        "status": "FINISHED",
        "error": None,
        "created_at": "2025-06-25T14:44:50Z",
    },
}


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
    return make_capture(path, json_body({"taskId": BLURIT_JOB, "status": status}), headers)


def anesya_capture(
    token: str | None = ANESYA_TOKEN, payload: dict[str, Any] | None = None
) -> Capture:
    headers: Headers = [
        ("User-Agent", "Anesya-WebhookBot/1.0"),
        ("Content-Type", "application/json"),
        ("X-Webhook-Id", ANESYA_WEBHOOK_ID),
    ]
    if token is not None:
        headers.append(("X-Webhook-Token", token))
    return make_capture("/anesya", json_body(payload or ANESYA_PAYLOAD), headers)
