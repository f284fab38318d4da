"""Shopify, Square and Paddle: commerce providers that sign with an HMAC.

Facts and links: docs/providers.md.
"""

from __future__ import annotations

import random
from typing import Any

from inspector.core.capture import Capture, Headers, Validation
from inspector.core.vendors.base import ParsedEvent, VendorBody
from inspector.core.vendors.descriptor import (
    JSON_HEADER,
    SampleItem,
    Vendor,
    iso_time,
    json_item,
    sample_uuid,
)
from inspector.core.vendors.provider import (
    HmacProfile,
    Signed,
    SignedRequest,
    TimestampedHmacProfile,
    any_equal,
    event,
    header_or_missing,
    no_url,
    with_url_explained,
)

# -- Shopify ------------------------------------------------------------------------------

SHOPIFY_HEADER = "X-Shopify-Hmac-Sha256"
SHOPIFY_EVENTS = ("orders/create", "orders/paid", "app/uninstalled")


class ShopifyProfile(HmacProfile):
    """Shopify: base64 HMAC-SHA256 of the raw body, the topic in ``X-Shopify-Topic``."""

    id = "shopify"
    title = "Shopify"
    events = SHOPIFY_EVENTS
    signature_header = SHOPIFY_HEADER
    detect_headers = ("x-shopify-hmac-sha256", "x-shopify-topic")
    encoding = "base64"
    mismatch_hint = (
        "Either the body was changed after signing, or the endpoint's secret is not the "
        "app's client secret (or the webhook's signing secret shown in the Shopify admin)."
    )

    def signed(self, request: SignedRequest) -> Signed | Validation:
        value = header_or_missing(self.id, request, SHOPIFY_HEADER)
        if isinstance(value, Validation):
            return value
        return Signed([value], b"", "the raw body")

    def sign(self, request: SignedRequest, credential: str, timestamp: int, msg_id: str) -> Headers:
        return [(SHOPIFY_HEADER, self.compute(credential, request.body))]

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        topic = capture.header("X-Shopify-Topic")
        delivery = capture.header("X-Shopify-Webhook-Id") or capture.header("X-Shopify-Event-Id")
        if topic is None:
            return ParsedEvent(notes=["no X-Shopify-Topic header: Shopify names the topic there"])
        return event(delivery, topic, shop=capture.header("X-Shopify-Shop-Domain"))


def shopify_samples(name: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    topic = name or SHOPIFY_EVENTS[0]
    headers: Headers = [
        JSON_HEADER,
        ("X-Shopify-Topic", topic),
        ("X-Shopify-Shop-Domain", "sample-shop.myshopify.com"),
        ("X-Shopify-Webhook-Id", sample_uuid(rng)),
        ("X-Shopify-Triggered-At", iso_time(now)),
    ]
    payload = {"id": rng.getrandbits(40), "email": "buyer@example.com", "total_price": "19.00"}
    return [json_item(payload, headers)]


# -- Square -------------------------------------------------------------------------------

SQUARE_HEADER = "x-square-hmacsha256-signature"
SQUARE_EVENTS = ("payment.created", "payment.updated", "refund.created")


class SquareProfile(HmacProfile):
    """Square: base64 HMAC-SHA256 of the notification URL followed by the body."""

    id = "square"
    title = "Square"
    events = SQUARE_EVENTS
    signature_header = SQUARE_HEADER
    detect_headers = ("x-square-hmacsha256-signature", "square-environment")
    encoding = "base64"
    mismatch_hint = (
        "Either the body was changed after signing, the endpoint's secret is not the "
        "subscription's signature key, or the notification URL set in Square is not the URL "
        "used here."
    )

    def signed(self, request: SignedRequest) -> Signed | Validation:
        value = header_or_missing(self.id, request, SQUARE_HEADER)
        if isinstance(value, Validation):
            return value
        if request.url is None:
            return no_url(self.id, request)
        return Signed([value], request.url.encode(), f"the URL {request.url} + the body")

    def verify(self, request: SignedRequest, credential: str, now: float) -> Validation:
        result = super().verify(request, credential, now)
        received = request.header(SQUARE_HEADER) or ""
        return with_url_explained(
            result,
            request,
            lambda url: any_equal(
                self.compute(credential, url.encode() + request.body), [received]
            ),
        )

    def sign(self, request: SignedRequest, credential: str, timestamp: int, msg_id: str) -> Headers:
        url = request.url or ""
        return [(SQUARE_HEADER, self.compute(credential, url.encode() + request.body))]

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        obj = body.json_object
        if obj is None:
            return ParsedEvent(notes=[body.json_error_note() or "Square sends a JSON event"])
        return event(obj.get("event_id"), obj.get("type"), merchant=obj.get("merchant_id"))


def square_samples(name: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    payload = {
        "merchant_id": "SAMPLEMERCHANT",
        "type": name or SQUARE_EVENTS[0],
        "event_id": sample_uuid(rng),
        "created_at": iso_time(now),
        "data": {"type": "payment", "id": f"pay_{rng.getrandbits(48):012x}"},
    }
    headers: Headers = [JSON_HEADER, ("square-environment", "Sandbox")]
    return [json_item(payload, headers)]


# -- Paddle -------------------------------------------------------------------------------

PADDLE_HEADER = "Paddle-Signature"
PADDLE_EVENTS = ("transaction.completed", "subscription.created", "subscription.canceled")
#: Paddle's SDKs allow five seconds between signing and checking.
PADDLE_TOLERANCE_S = 5


class PaddleProfile(TimestampedHmacProfile):
    """Paddle Billing: ``Paddle-Signature: ts=<unix>;h1=<hex HMAC of 'ts:body'>``."""

    id = "paddle"
    title = "Paddle"
    events = PADDLE_EVENTS
    signature_header = PADDLE_HEADER
    detect_headers = ("paddle-signature",)
    tolerance_s = PADDLE_TOLERANCE_S

    separator = ";"
    ts_key = "ts"
    sig_key = "h1"
    joiner = ":"

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        obj = body.json_object
        if obj is None:
            return ParsedEvent(notes=[body.json_error_note() or "Paddle sends a JSON event"])
        return event(obj.get("event_id"), obj.get("event_type"))


def paddle_samples(name: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    payload: dict[str, Any] = {
        "event_id": f"evt_{rng.getrandbits(100):026x}",
        "event_type": name or PADDLE_EVENTS[0],
        "occurred_at": iso_time(now),
        "notification_id": f"ntf_{rng.getrandbits(100):026x}",
        "data": {"id": f"txn_{rng.getrandbits(100):026x}", "status": "completed"},
    }
    return [json_item(payload)]


SHOPIFY = Vendor(ShopifyProfile(), default_path="/shopify", samples=shopify_samples)
SQUARE = Vendor(SquareProfile(), default_path="/square", samples=square_samples)
PADDLE = Vendor(PaddleProfile(), default_path="/paddle", samples=paddle_samples)
VENDORS = (SHOPIFY, SQUARE, PADDLE)
