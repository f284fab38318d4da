"""Celantur cloud API v2: a JSON webhook when a task finishes, no authentication header.

``{"customer_id": "<uuid>", "task_id": <integer>, "task_status": "done",
"anonymized_url": "<presigned URL>"}``. Celantur signs nothing, so users put a secret in
the webhook URL's query (``?key=...``); an endpoint's ``token`` is checked there.
"""

from __future__ import annotations

from typing import Any

from inspector.core.capture import Capture
from inspector.core.endpoints import Endpoint
from inspector.core.validation import SchemeConfig
from inspector.core.vendors.base import (
    BodyView,
    ParsedEvent,
    VendorProfile,
    body_view,
    text_fields,
)

TASK_STATUSES = ("new", "queued", "processing", "done", "failed")
#: Query parameter an endpoint's plain ``token`` is expected in (Celantur sends no header).
TOKEN_QUERY_NAME = "key"
_FIELDS = ("customer_id", "task_id", "task_status", "anonymized_url", "failure_cause")


def _fields_of(view: BodyView, obj: dict[str, Any] | None) -> tuple[dict[str, Any], bool]:
    """The payload's fields (``obj``: the body's JSON object) and whether they came from
    real JSON."""
    if obj is not None:
        return obj, True
    if view.has_json:
        return {}, True
    # Not JSON (e.g. the docs' sample with a typographic quote): recover what we can,
    # when there is anything to recover (this runs for every capture on every path).
    text = view.small_text
    if "task_" not in text and "anonymized_url" not in text:
        return {}, False
    return text_fields(text, _FIELDS), False


class CelanturProfile(VendorProfile):
    """Celantur API v2 task webhooks."""

    id = "celantur"
    title = "Celantur (API v2)"
    events = ("done", "failed")

    def _fields(self, capture: Capture) -> tuple[dict[str, Any], bool]:
        """The payload's fields and whether they came from real JSON."""
        view = body_view(capture)
        return _fields_of(view, view.json_object)

    def score(
        self,
        capture: Capture,
        view: BodyView,
        obj: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> float:
        fields = _fields_of(view, obj)[0]
        score = 0.0
        if "task_id" in fields:
            score += 0.35
        if fields.get("task_status") in TASK_STATUSES:
            score += 0.35
        elif "task_status" in fields:
            score += 0.15
        if "customer_id" in fields:
            score += 0.15
        if "anonymized_url" in fields:
            score += 0.15
        return min(score, 1.0)

    def parse(self, capture: Capture) -> ParsedEvent:
        view = body_view(capture)
        fields, is_json = self._fields(capture)
        parsed = ParsedEvent()
        if not is_json:
            note = view.json_error_note()
            if note:
                parsed.notes.append(note)
            if fields:
                parsed.notes.append(
                    "fields recovered from the invalid JSON: " + ", ".join(sorted(fields))
                )
        elif view.json_object is None:
            parsed.notes.append("body is JSON but not an object; Celantur sends an object")
        if "task_id" not in fields and "task_status" not in fields:
            if is_json and view.json_object is not None:
                parsed.notes.append("no task_id or task_status: this does not look like Celantur's")
            return parsed
        task_id = fields.get("task_id")
        if isinstance(task_id, str):
            parsed.notes.append(
                "task_id is a string; Celantur sends an integer (e.g. 1693295888421318)"
            )
        event: dict[str, Any] = {"task_id": task_id, "status": fields.get("task_status")}
        if fields.get("failure_cause"):
            event["failure_cause"] = fields["failure_cause"]
        parsed.event = event
        url = fields.get("anonymized_url")
        if isinstance(url, str) and url:
            parsed.links["anonymized_url"] = url
        if event["status"] == "done" and "anonymized_url" not in parsed.links:
            parsed.notes.append("task is done but carries no anonymized_url")
        return parsed

    def checks(self, endpoint: Endpoint) -> list[SchemeConfig]:
        out = super().checks(endpoint)
        if endpoint.token and endpoint.query_token_pair() is None:
            out.insert(0, SchemeConfig("query-token", endpoint.token, query_name=TOKEN_QUERY_NAME))
        return out
