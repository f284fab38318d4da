"""BlurIt (Wassa): a webhook on every status change of every anonymisation job.

Header ``X-Auth-Token: <the endpoint's webhookToken>``; JSON
``{"taskId": "<job id>", "status": "Sent"|"Started"|"Succeeded"|"Failed"}``. The receiver
must reject a missing or wrong token and answer ``200 {"taskId": "<same>"}``, otherwise
BlurIt may stop calling the endpoint.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from typing import Any

from inspector.core.capture import Capture, Validation
from inspector.core.responses import ResponsePlan, json_response
from inspector.core.vendors.base import (
    EndpointConfig,
    ParsedEvent,
    VendorBody,
    VendorProfile,
    reject,
)
from inspector.core.vendors.descriptor import (
    IMAGE,
    Credential,
    SampleItem,
    SubmitOption,
    SubmitSpec,
    Vendor,
    json_item,
    sample_uuid,
    sniff_image_type,
)

STATUSES = ("Sent", "Started", "Succeeded", "Failed")
FINAL_STATUSES = frozenset({"Succeeded", "Failed"})
TOKEN_HEADER = "X-Auth-Token"
BLUR_TYPES = ("blur", "opaque", "pixelate")
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
    unmatched_note = (
        'no endpoint for this path: answered 200 without {"taskId"}, which BlurIt '
        "does not accept; add a blurit endpoint for this path"
    )

    def score(
        self,
        capture: Capture,
        body: VendorBody,
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

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        parsed = ParsedEvent()
        obj = body.json_object
        if obj is None:
            note = body.json_error_note()
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
        endpoint: EndpointConfig | None,
        validation: Validation,
        parsed: ParsedEvent,
    ) -> ResponsePlan:
        if validation.result in ("invalid", "missing"):
            return reject(validation)
        if parsed.event is None:
            return json_response(400, {"error": "no taskId in the body"})
        return json_response(200, {"taskId": parsed.task_id})

    def rule_note(self, plan: ResponsePlan, parsed: ParsedEvent) -> str | None:
        problem = compliance_problem(plan, parsed.task_id) if parsed.event else None
        if problem is None:
            return None
        return (
            f"the endpoint's response rule makes this answer non-compliant for BlurIt "
            f"({problem}); BlurIt may stop calling this endpoint"
        )


def samples(event: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    """One job's whole status sequence, up to ``event`` (default: ``Succeeded``)."""
    final = event or "Succeeded"
    job_id = sample_uuid(rng)
    if final in FINAL_STATUSES:
        order = ["Sent", "Started", final]
    else:
        order = list(STATUSES[: STATUSES.index(final) + 1])
    return [json_item({"taskId": job_id, "status": status}) for status in order]


def build_options(values: Mapping[str, Any], head: bytes) -> dict[str, Any]:
    """The job's options, with the file's type as its magic bytes say."""
    return {
        "faces": bool(values["faces"]),
        "plates": bool(values["plates"]),
        "blur_type": str(values["blur_type"]),
        "content_type": sniff_image_type(head) or "application/octet-stream",
    }


VENDOR = Vendor(
    BlurItProfile(),
    default_path="/blurit",
    samples=samples,
    final_events=FINAL_STATUSES,
    submit=SubmitSpec(
        credentials=(
            Credential("client_id", "BLURIT_CLIENT_ID", "blurit.client_id", "Client ID"),
            Credential(
                "secret_id", "BLURIT_SECRET_ID", "blurit.secret_id", "Secret ID", secret=True
            ),
        ),
        file_kind=IMAGE,
        options=(
            SubmitOption(
                "faces", "Faces", True, "--no-faces", "BlurIt: do not blur faces", row="Blur"
            ),
            SubmitOption(
                "plates", "Plates", True, "--no-plates", "BlurIt: do not blur plates", row="Blur"
            ),
            SubmitOption(
                "blur_type",
                "Blur type",
                "blur",
                "--blur-type",
                "BlurIt: blur, opaque, pixelate",
                BLUR_TYPES,
            ),
        ),
        build=build_options,
    ),
)
