"""Anesya document extraction: one webhook per configured event.

JSON ``{"id": "<webhook uuid>", "event": "extract.completed", "timestamp": "...",
"data": {<the extract: id, status, document_url, ...>}}`` with headers
``X-Webhook-Token``, ``X-Webhook-Id`` and ``User-Agent: Anesya-WebhookBot/1.0``.
Any 2xx counts as delivered. Newer docs announce a per-webhook signature (header and
algorithm unconfirmed): an endpoint can add any HMAC scheme on top of the token.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from inspector.core.capture import Capture
from inspector.core.vendors.base import ParsedEvent, VendorBody, VendorProfile
from inspector.core.vendors.descriptor import (
    DOCUMENT,
    Credential,
    SampleItem,
    SubmitOption,
    SubmitSpec,
    Vendor,
    iso_time,
    json_item,
    sample_uuid,
)

EVENTS = (
    "extract.completed",
    "extract.failed",
    "workflow.completed",
    "workflow.failed",
    "parsing.in_queue",
    "parsing.in_progress",
    "parsing.finished",
    "parsing.partial_finished",
    "parsing.failed",
)
FINAL_EVENTS = frozenset(
    {
        "extract.completed",
        "extract.failed",
        "workflow.completed",
        "workflow.failed",
        "parsing.finished",
        "parsing.partial_finished",
        "parsing.failed",
    }
)
#: What a user sets up in Anesya's dashboard for the extracts the app submits.
DASHBOARD_EVENTS = ("extract.completed", "extract.failed")
SERVERS = ("EU-1", "FR-1", "FR-2", "FR-3")
TOKEN_HEADER = "X-Webhook-Token"
ID_HEADER = "X-Webhook-Id"
USER_AGENT = "Anesya-WebhookBot/1.0"
_LINK_FIELDS = ("document_url",)
_ID_LOWER = ID_HEADER.lower()
_TOKEN_LOWER = TOKEN_HEADER.lower()


class AnesyaProfile(VendorProfile):
    """Anesya extract, workflow and parsing webhooks."""

    id = "anesya"
    title = "Anesya"
    events = EVENTS
    token_header = TOKEN_HEADER

    def score(
        self,
        capture: Capture,
        body: VendorBody,
        obj: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> float:
        score = 0.0
        if headers.get("user-agent", "").startswith("Anesya-WebhookBot"):
            score += 0.5
        if _ID_LOWER in headers:
            score += 0.15
        if _TOKEN_LOWER in headers:
            score += 0.1
        if obj is not None:
            if obj.get("event") in EVENTS:
                score += 0.3
            if isinstance(obj.get("data"), dict) and "timestamp" in obj:
                score += 0.15
        return min(score, 1.0)

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        parsed = ParsedEvent()
        obj = body.json_object
        if obj is None:
            parsed.notes.append(body.json_error_note() or "body is not a JSON object")
            return parsed
        name = obj.get("event")
        data = obj.get("data")
        if name is None and not isinstance(data, dict):
            parsed.notes.append("no event and no data: this does not look like Anesya's")
            return parsed
        if name is not None and name not in EVENTS:
            parsed.notes.append(f"event {name!r} is not one Anesya documents")
        event: dict[str, Any] = {"task_id": None, "event": name}
        if isinstance(data, dict):
            event["task_id"] = data.get("id")
            if data.get("status") is not None:
                event["status"] = data["status"]
            if data.get("error"):
                event["error"] = data["error"]
            for field_name in _LINK_FIELDS:
                value = data.get(field_name)
                if isinstance(value, str) and value.startswith(("http://", "https://")):
                    parsed.links[field_name] = value
        else:
            parsed.notes.append("no data object in the body")
        header_id = capture.header(ID_HEADER)
        if header_id is not None and obj.get("id") is not None and header_id != obj.get("id"):
            parsed.notes.append(
                f"{ID_HEADER} ({header_id}) differs from the body's id ({obj.get('id')})"
            )
        parsed.event = event
        return parsed


_EXTRACT_STATUS = {
    "completed": "FINISHED",
    "finished": "FINISHED",
    "partial_finished": "PARTIAL_FINISHED",
    "failed": "ERROR",
    "in_queue": "CREATED",
    "in_progress": "IN_PROGRESS",
}


def samples(event: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    name = event or "extract.completed"
    webhook_id = sample_uuid(rng)
    status = _EXTRACT_STATUS[name.split(".", 1)[1]]
    extract_id = sample_uuid(rng)
    failed = status == "ERROR"
    data: dict[str, Any] = {
        "id": extract_id,
        "document_name": "invoice-2025-06.pdf",
        "document_url": f"https://api.anesya.app/documents/{extract_id}/invoice-2025-06.pdf",
        "content_images": [],
        "server": "EU-1",
        "content": None if failed else "INVOICE No. 2025-0612 ...",
        "extracted_data": None if failed else {"invoice_number": "2025-0612", "total": 1250.0},
        "schema": None,
        "workflow": sample_uuid(rng) if name.startswith("workflow.") else None,
        "status": status,
        "error": "The document could not be read" if failed else None,
        "created_at": iso_time(now - 42),
    }
    payload = {"id": webhook_id, "event": name, "timestamp": iso_time(now), "data": data}
    headers = [
        ("User-Agent", USER_AGENT),
        ("Content-Type", "application/json"),
        (ID_HEADER, webhook_id),
    ]
    return [json_item(payload, headers)]


def build_options(values: Mapping[str, Any], head: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {"server": str(values["server"])}
    if values.get("schema"):
        out["schema"] = values["schema"]
    return out


VENDOR = Vendor(
    AnesyaProfile(),
    default_path="/anesya",
    samples=samples,
    final_events=FINAL_EVENTS,
    status_field="event",
    generated_secret="token",
    submit=SubmitSpec(
        credentials=(
            Credential("api_key", "ANESYA_API_KEY", "anesya.api_key", "API key", secret=True),
        ),
        file_kind=DOCUMENT,
        options=(
            SubmitOption(
                "server",
                "Server",
                "EU-1",
                "--server",
                "Anesya server (EU-1, FR-1, FR-2, FR-3)",
                SERVERS,
            ),
            SubmitOption(
                "schema",
                "Schema",
                None,
                "--schema",
                "Anesya extraction schema",
                placeholder="optional: schema id or JSON",
            ),
        ),
        build=build_options,
        dashboard_events=DASHBOARD_EVENTS,
    ),
)
