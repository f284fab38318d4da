"""Anesya document extraction: one webhook per configured event.

JSON ``{"id": "<webhook uuid>", "event": "extract.completed", "timestamp": "...",
"data": {<the extract: id, status, document_url, ...>}}`` with headers
``X-Webhook-Token``, ``X-Webhook-Id`` and ``User-Agent: Anesya-WebhookBot/1.0``.
Any 2xx counts as delivered. Newer docs announce a per-webhook signature (header and
algorithm unconfirmed): an endpoint can add any HMAC scheme on top of the token.
"""

from __future__ import annotations

from typing import Any

from inspector.core.capture import Capture
from inspector.core.vendors.base import BodyView, ParsedEvent, VendorProfile, body_view

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
        view: BodyView,
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

    def parse(self, capture: Capture) -> ParsedEvent:
        view = body_view(capture)
        parsed = ParsedEvent()
        obj = view.json_object
        if obj is None:
            parsed.notes.append(view.json_error_note() or "body is not a JSON object")
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
