"""Celantur cloud API v2: a JSON webhook when a task finishes, no authentication header.

``{"customer_id": "<uuid>", "task_id": <integer>, "task_status": "done",
"anonymized_url": "<presigned URL>"}``. Celantur signs nothing, so users put a secret in
the webhook URL's query (``?key=...``); an endpoint's ``token`` is checked there.
"""

from __future__ import annotations

import random
from typing import Any

from inspector.core.capture import Capture
from inspector.core.vendors import celantur_api
from inspector.core.vendors.base import ParsedEvent, VendorBody, VendorProfile, text_fields
from inspector.core.vendors.descriptor import SampleItem, Vendor, json_item, sample_uuid

TASK_STATUSES = ("new", "queued", "processing", "done", "failed")
_FIELDS = ("customer_id", "task_id", "task_status", "anonymized_url", "failure_cause")


def _fields_of(body: VendorBody, obj: dict[str, Any] | None) -> tuple[dict[str, Any], bool]:
    """The payload's fields (``obj``: the body's JSON object) and whether they came from
    real JSON."""
    if obj is not None:
        return obj, True
    if body.has_json:
        return {}, True
    # Not JSON (e.g. the docs' sample with a typographic quote): recover what we can,
    # when there is anything to recover (this runs for every capture on every path).
    text = body.small_text
    if "task_" not in text and "anonymized_url" not in text:
        return {}, False
    return text_fields(text, _FIELDS), False


class CelanturProfile(VendorProfile):
    """Celantur API v2 task webhooks."""

    id = "celantur"
    title = "Celantur v2"
    events = ("done", "failed")
    token_query = celantur_api.TOKEN_QUERY_NAME

    def score(
        self,
        capture: Capture,
        body: VendorBody,
        obj: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> float:
        fields = _fields_of(body, obj)[0]
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

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        obj = body.json_object
        fields, is_json = _fields_of(body, obj)
        parsed = ParsedEvent()
        if not is_json:
            note = body.json_error_note()
            if note:
                parsed.notes.append(note)
            if fields:
                parsed.notes.append(
                    "fields recovered from the invalid JSON: " + ", ".join(sorted(fields))
                )
        elif obj is None:
            parsed.notes.append("body is JSON but not an object; Celantur sends an object")
        if "task_id" not in fields and "task_status" not in fields:
            if is_json and obj is not None:
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


def samples(event: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    status = event or "done"
    task_id = 1693295888421318 + rng.randrange(10**9)
    body: dict[str, Any] = {
        "customer_id": sample_uuid(rng),
        "task_id": task_id,
        "task_status": status,
    }
    if status == "done":
        body["anonymized_url"] = (
            f"https://celantur-results.s3.eu-central-1.amazonaws.com/{task_id}/anonymized.jpg"
            "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=14400&X-Amz-Signature=sample"
        )
    else:
        # failure_cause is documented for the task status answer; that the webhook carries
        # it too is unconfirmed.
        body["failure_cause"] = "CONTENT_TYPE_ERROR"
    return [json_item(body)]


VENDOR = Vendor(
    CelanturProfile(),
    default_path="/celantur",
    samples=samples,
    brand=celantur_api.BRAND,
    final_events=celantur_api.FINAL_STATUSES,
    lookalikes=("celantur-v1",),
    generated_secret="query",
    submit=celantur_api.SUBMIT,
)
