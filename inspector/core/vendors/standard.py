"""Svix (and Standard Webhooks), Stripe and GitHub as providers of their own.

Their schemes are the generic ones of :mod:`inspector.core.validation` (``standard-webhooks``,
``stripe``, ``github``); as vendors they also read the event, detect their webhooks and
need only ``--secret``. Facts and links: docs/providers.md.
"""

from __future__ import annotations

import random
from typing import Any

from inspector.core.capture import Capture, Headers, Validation
from inspector.core.validation import (
    DEFAULT_TOLERANCE_S,
    check_github,
    check_standard_webhooks,
    check_stripe,
    sign_github,
    sign_standard_webhooks,
    sign_stripe,
)
from inspector.core.vendors.base import ParsedEvent, VendorBody
from inspector.core.vendors.descriptor import (
    JSON_HEADER,
    SampleItem,
    Vendor,
    json_item,
    sample_uuid,
)
from inspector.core.vendors.provider import ProviderProfile, SignedRequest, event


def _body_type(obj: dict[str, Any] | None, *keys: str) -> Any:
    if obj is None:
        return None
    for key in keys:
        if isinstance(obj.get(key), str):
            return obj[key]
    return None


# -- Svix ---------------------------------------------------------------------------------

SVIX_EVENTS = ("user.created", "email.delivered", "invoice.paid")


class SvixProfile(ProviderProfile):
    """Svix-sent webhooks (Clerk, Resend...): Standard Webhooks under ``svix-*`` names,
    or ``webhook-*``."""

    id = "svix"
    title = "Svix"
    events = SVIX_EVENTS
    signature_header = "svix-signature"
    detect_headers = ("svix-signature", "webhook-signature")

    def score(
        self,
        capture: Capture,
        body: VendorBody,
        obj: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> float:
        if "svix-signature" in headers:
            return 0.9
        # Standard Webhooks from anyone: a fair guess, Svix being its reference sender.
        return 0.6 if "webhook-signature" in headers else 0.0

    def check_credential(self, value: str) -> None:
        sign_standard_webhooks(b"", value, msg_id="check", timestamp=0)

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        msg_id = capture.header("svix-id") or capture.header("webhook-id")
        name = _body_type(body.json_object, "type", "eventType", "event")
        if msg_id is None and name is None:
            return ParsedEvent(notes=["no svix-id header and no event type in the body"])
        return event(msg_id, name)

    def verify(self, request: SignedRequest, credential: str, now: float) -> Validation:
        return check_standard_webhooks(
            request.headers, request.body, credential, now=now, tolerance_s=DEFAULT_TOLERANCE_S
        )

    def sign(self, request: SignedRequest, credential: str, timestamp: int, msg_id: str) -> Headers:
        return sign_standard_webhooks(
            request.body, credential, msg_id=msg_id, timestamp=timestamp, family="svix"
        )


def svix_samples(name: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    kind = name or SVIX_EVENTS[0]
    return [json_item({"type": kind, "data": {"id": f"obj_{rng.getrandbits(48):012x}"}})]


# -- Stripe -------------------------------------------------------------------------------

STRIPE_EVENTS = ("payment_intent.succeeded", "charge.refunded", "invoice.paid")


class StripeProfile(ProviderProfile):
    """Stripe events: ``Stripe-Signature: t=..,v1=..`` keyed with the ``whsec_`` text."""

    id = "stripe"
    title = "Stripe"
    events = STRIPE_EVENTS
    signature_header = "Stripe-Signature"
    detect_headers = ("stripe-signature",)

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        obj = body.json_object
        if obj is None:
            return ParsedEvent(notes=[body.json_error_note() or "Stripe sends a JSON event"])
        return event(obj.get("id"), obj.get("type"), livemode=obj.get("livemode"))

    def verify(self, request: SignedRequest, credential: str, now: float) -> Validation:
        return check_stripe(
            request.headers, request.body, credential, now=now, tolerance_s=DEFAULT_TOLERANCE_S
        )

    def sign(self, request: SignedRequest, credential: str, timestamp: int, msg_id: str) -> Headers:
        return sign_stripe(request.body, credential, timestamp=timestamp)


def stripe_samples(name: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    payload = {
        "id": f"evt_{rng.getrandbits(96):024x}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(now),
        "livemode": False,
        "type": name or STRIPE_EVENTS[0],
        "data": {"object": {"id": f"pi_{rng.getrandbits(64):016x}", "amount": 2000}},
    }
    return [json_item(payload)]


# -- GitHub -------------------------------------------------------------------------------

GITHUB_EVENTS = ("ping", "push", "pull_request", "issues")


class GitHubProfile(ProviderProfile):
    """GitHub: ``X-Hub-Signature-256: sha256=<hex>``, the event in ``X-GitHub-Event``."""

    id = "github"
    title = "GitHub"
    events = GITHUB_EVENTS
    signature_header = "X-Hub-Signature-256"
    detect_headers = ("x-github-event", "x-github-delivery")

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        name = capture.header("X-GitHub-Event")
        delivery = capture.header("X-GitHub-Delivery")
        if name is None:
            return ParsedEvent(notes=["no X-GitHub-Event header: GitHub names every event there"])
        return event(delivery, name, action=_body_type(body.json_object, "action"))

    def verify(self, request: SignedRequest, credential: str, now: float) -> Validation:
        return check_github(request.headers, request.body, credential)

    def sign(self, request: SignedRequest, credential: str, timestamp: int, msg_id: str) -> Headers:
        return sign_github(request.body, credential)


def github_samples(name: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    kind = name or "ping"
    payload: dict[str, Any]
    if kind == "ping":
        payload = {"zen": "Keep it logically awesome.", "hook_id": rng.getrandbits(24)}
    else:
        payload = {"action": "opened" if kind != "push" else None, "repository": {"id": 1}}
        if kind == "push":
            payload = {"ref": "refs/heads/main", "repository": {"id": 1}}
    headers: Headers = [
        JSON_HEADER,
        ("X-GitHub-Event", kind),
        ("X-GitHub-Delivery", sample_uuid(rng)),
        ("User-Agent", "GitHub-Hookshot/sample"),
    ]
    return [json_item(payload, headers)]


SVIX = Vendor(SvixProfile(), default_path="/svix", samples=svix_samples)
STRIPE = Vendor(StripeProfile(), default_path="/stripe", samples=stripe_samples)
GITHUB = Vendor(GitHubProfile(), default_path="/github", samples=github_samples)
VENDORS = (SVIX, STRIPE, GITHUB)
