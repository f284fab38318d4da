"""Any other sender: validated by whatever scheme its endpoint configures.

Parsing is best effort over common shapes: GitHub's ``X-GitHub-Event`` header, a body
``type`` (Stripe, Standard Webhooks) or ``event`` field, and an ``id``.
"""

from __future__ import annotations

import random
from typing import Any

from inspector.core.capture import Capture
from inspector.core.validation import (
    DEFAULT_TOKEN_HEADER,
    GITHUB_HEADER,
    STRIPE_HEADER,
    SVIX_SIGNATURE,
    SW_SIGNATURE,
)
from inspector.core.vendors.base import EndpointConfig, ParsedEvent, VendorBody, VendorProfile
from inspector.core.vendors.descriptor import SampleItem, Vendor, iso_time, json_item

EVENTS = ("ping", "task.completed", "task.failed")
_SIGNATURE_HEADERS = frozenset(
    h.lower() for h in (GITHUB_HEADER, STRIPE_HEADER, SW_SIGNATURE, SVIX_SIGNATURE)
)


class GenericProfile(VendorProfile):
    """Fallback profile for senders without a dedicated profile."""

    id = "generic"
    title = "Generic"
    events = EVENTS
    token_header_configurable = True
    fallback = True

    def score(
        self,
        capture: Capture,
        body: VendorBody,
        obj: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> float:
        # Signed requests are recognisably webhooks, but "generic" is never a useful guess
        # on its own, so it stays below the detection threshold.
        return 0.0 if _SIGNATURE_HEADERS.isdisjoint(headers) else 0.3

    def token_header_for(self, endpoint: EndpointConfig) -> str | None:
        return endpoint.header or DEFAULT_TOKEN_HEADER

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        parsed = ParsedEvent()
        obj = body.json_object
        name = capture.header("X-GitHub-Event")
        task_id = (
            capture.header("X-GitHub-Delivery")
            or capture.header("webhook-id")
            or capture.header("svix-id")
        )
        if obj is not None:
            for key in ("type", "event", "event_type"):
                if isinstance(obj.get(key), str):
                    name = name or obj[key]
                    break
            if isinstance(obj.get("id"), str | int) and not isinstance(obj.get("id"), bool):
                task_id = obj["id"]
        if name is not None or task_id is not None:
            parsed.event = {"task_id": task_id, "event": name}
            status = obj.get("status") if obj is not None else None
            if isinstance(status, str):
                parsed.event["status"] = status
        return parsed


def samples(event: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    payload = {
        "id": f"evt_{rng.getrandbits(64):016x}",
        "type": event or "ping",
        "created_at": iso_time(now),
        "data": {"message": "sample webhook from Webhook Inspector"},
    }
    return [json_item(payload)]


VENDOR = Vendor(GenericProfile(), default_path="/generic", samples=samples)
