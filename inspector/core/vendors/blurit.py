"""BlurIt (Wassa): a webhook on every status change of every anonymisation job.

Header ``X-Auth-Token: <the endpoint's webhookToken>``; JSON
``{"taskId": "<job id>", "status": "Sent"|"Started"|"Succeeded"|"Failed"}``. The receiver
must reject a missing or wrong token and answer ``200 {"taskId": "<same>"}``, otherwise
BlurIt may stop calling the endpoint.
"""

from __future__ import annotations

import json
from typing import Any

from inspector.core.capture import Capture, Validation
from inspector.core.endpoints import Endpoint
from inspector.core.pipeline import ResponsePlan, json_response
from inspector.core.vendors.base import BodyView, ParsedEvent, VendorProfile, body_view, reject

STATUSES = ("Sent", "Started", "Succeeded", "Failed")
TOKEN_HEADER = "X-Auth-Token"
_TOKEN_LOWER = TOKEN_HEADER.lower()


def compliance_problem(plan: ResponsePlan, task_id: Any) -> str | None:
    """Why an answer to a valid BlurIt webhook would not satisfy BlurIt, or None."""
    if plan.status != 200:
        return f"status is {plan.status}, BlurIt requires 200"
    try:
        payload = json.loads(plan.body)
    except (ValueError, RecursionError):
        return 'body is not JSON, BlurIt requires {"taskId": "<the same id>"}'
    if not isinstance(payload, dict) or payload.get("taskId") != task_id:
        return f"body does not echo taskId {json.dumps(task_id)}"
    return None


class BlurItProfile(VendorProfile):
    """BlurIt anonymisation job status webhooks."""

    id = "blurit"
    title = "BlurIt"
    events = STATUSES
    token_header = TOKEN_HEADER

    def score(
        self,
        capture: Capture,
        view: BodyView,
        obj: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> float:
        score = 0.0
        if _TOKEN_LOWER in headers:
            score += 0.45
        if obj is not None and "taskId" in obj:
            score += 0.3
            if obj.get("status") in STATUSES:
                score += 0.25
        return min(score, 1.0)

    def parse(self, capture: Capture) -> ParsedEvent:
        view = body_view(capture)
        parsed = ParsedEvent()
        obj = view.json_object
        if obj is None:
            note = view.json_error_note()
            parsed.notes.append(
                note or 'body is not a JSON object; BlurIt sends {"taskId", "status"}'
            )
            return parsed
        if "taskId" not in obj:
            parsed.notes.append("no taskId in the body")
            return parsed
        task_id = obj["taskId"]
        if not isinstance(task_id, str):
            parsed.notes.append("taskId is not a string; BlurIt sends the job id as a string")
        status = obj.get("status")
        if status not in STATUSES:
            parsed.notes.append(f"status {status!r} is not one of BlurIt's ({', '.join(STATUSES)})")
        parsed.event = {"task_id": task_id, "status": status}
        return parsed

    def respond(
        self,
        capture: Capture,
        endpoint: Endpoint | None,
        validation: Validation,
        parsed: ParsedEvent,
    ) -> ResponsePlan:
        if validation.result in ("invalid", "missing"):
            return reject(validation)
        if parsed.event is None:
            return json_response(400, {"error": "no taskId in the body"})
        return json_response(200, {"taskId": parsed.task_id})
