"""Linear, Zoom, Twitch, Typeform, Calendly and Intercom: apps that sign with an HMAC.

Zoom and Twitch check the URL before sending events, with a challenge that must be
answered as they say. Facts and links: docs/providers.md.
"""

from __future__ import annotations

import random
from typing import Any

from inspector.core.capture import Capture, Headers, Validation
from inspector.core.responses import ResponsePlan, json_response
from inspector.core.vendors.base import EndpointConfig, ParsedEvent, VendorBody
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
    event,
    header_or_missing,
    malformed,
    parse_rfc3339,
)


def _prefixed(scheme: str, header: str, value: str, prefix: str) -> str | Validation:
    if not value.startswith(prefix):
        return malformed(scheme, header, f"Expected '{prefix}<signature>'; got {value!r}.")
    return value[len(prefix) :]


def _json_event(body: VendorBody, provider: str, id_key: str, type_key: str) -> ParsedEvent:
    obj = body.json_object
    if obj is None:
        return ParsedEvent(notes=[body.json_error_note() or f"{provider} sends a JSON event"])
    return event(obj.get(id_key), obj.get(type_key))


# -- Linear -------------------------------------------------------------------------------

LINEAR_HEADER = "Linear-Signature"
LINEAR_EVENTS = ("Issue", "Comment", "Project")
#: Linear's guide rejects webhooks whose webhookTimestamp is more than a minute off.
LINEAR_TOLERANCE_S = 60


class LinearProfile(HmacProfile):
    """Linear: hex HMAC-SHA256 of the body; ``webhookTimestamp`` (ms) in the body."""

    id = "linear"
    title = "Linear"
    events = LINEAR_EVENTS
    signature_header = LINEAR_HEADER
    detect_headers = ("linear-signature", "linear-delivery")
    tolerance_s = LINEAR_TOLERANCE_S

    def signed(self, request: SignedRequest) -> Signed | Validation:
        value = header_or_missing(self.id, request, LINEAR_HEADER)
        if isinstance(value, Validation):
            return value
        obj = VendorBody(request.body).json_object
        stamp = obj.get("webhookTimestamp") if obj is not None else None
        ts = stamp / 1000 if isinstance(stamp, int | float) else None
        return Signed([value], b"", "the raw body", timestamp=ts, timestamp_what="webhookTimestamp")

    def sign(self, request: SignedRequest, credential: str, timestamp: int, msg_id: str) -> Headers:
        return [(LINEAR_HEADER, self.compute(credential, request.body))]

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        obj = body.json_object
        if obj is None:
            return ParsedEvent(notes=[body.json_error_note() or "Linear sends a JSON event"])
        name = capture.header("Linear-Event") or obj.get("type")
        return event(capture.header("Linear-Delivery"), name, action=obj.get("action"))


def linear_samples(name: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    kind = name or LINEAR_EVENTS[0]
    payload = {
        "action": "create",
        "type": kind,
        "data": {"id": sample_uuid(rng), "title": "Sample issue"},
        "createdAt": iso_time(now),
        "webhookTimestamp": int(now * 1000),
    }
    headers: Headers = [JSON_HEADER, ("Linear-Event", kind), ("Linear-Delivery", sample_uuid(rng))]
    return [json_item(payload, headers)]


# -- Zoom ---------------------------------------------------------------------------------

ZOOM_SIGNATURE = "x-zm-signature"
ZOOM_TIMESTAMP = "x-zm-request-timestamp"
ZOOM_EVENTS = ("endpoint.url_validation", "meeting.started", "meeting.ended")


class ZoomProfile(HmacProfile):
    """Zoom: ``x-zm-signature: v0=<hex HMAC of 'v0:<timestamp>:<body>'>`` with the app's
    secret token, which also answers the endpoint URL validation."""

    id = "zoom"
    title = "Zoom"
    events = ZOOM_EVENTS
    signature_header = ZOOM_SIGNATURE
    detect_headers = ("x-zm-signature",)

    def signed(self, request: SignedRequest) -> Signed | Validation:
        value = header_or_missing(self.id, request, ZOOM_SIGNATURE)
        if isinstance(value, Validation):
            return value
        ts = header_or_missing(self.id, request, ZOOM_TIMESTAMP)
        if isinstance(ts, Validation):
            return ts
        sig = _prefixed(self.id, ZOOM_SIGNATURE, value, "v0=")
        if isinstance(sig, Validation):
            return sig
        return Signed([sig], f"v0:{ts}:".encode(), f"'v0:{ts}:' + the body")

    def sign(self, request: SignedRequest, credential: str, timestamp: int, msg_id: str) -> Headers:
        sig = self.compute(credential, f"v0:{timestamp}:".encode() + request.body)
        return [(ZOOM_TIMESTAMP, str(timestamp)), (ZOOM_SIGNATURE, f"v0={sig}")]

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        obj = body.json_object
        if obj is None:
            return ParsedEvent(notes=[body.json_error_note() or "Zoom sends a JSON event"])
        return event(obj.get("event_ts"), obj.get("event"))

    def answer(
        self, capture: Capture, endpoint: EndpointConfig | None, parsed: ParsedEvent
    ) -> ResponsePlan:
        obj = VendorBody.of(capture).json_object
        payload = obj.get("payload") if obj is not None else None
        if obj is not None and obj.get("event") == "endpoint.url_validation":
            plain = payload.get("plainToken") if isinstance(payload, dict) else None
            secret = endpoint.secret if endpoint is not None else None
            if not isinstance(plain, str) or not secret:
                note = "no plainToken" if not isinstance(plain, str) else "no secret token"
                return json_response(400, {"error": f"cannot answer the URL validation: {note}"})
            return json_response(
                200, {"plainToken": plain, "encryptedToken": self.compute(secret, plain.encode())}
            )
        return ResponsePlan(204)


def zoom_samples(name: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    kind = name or "meeting.started"
    payload: dict[str, Any]
    if kind == "endpoint.url_validation":
        payload = {"plainToken": f"{rng.getrandbits(128):032x}"}
    else:
        payload = {"account_id": "SAMPLEACCOUNT", "object": {"id": str(rng.getrandbits(34))}}
    return [json_item({"event": kind, "event_ts": int(now * 1000), "payload": payload})]


# -- Twitch -------------------------------------------------------------------------------

TWITCH_SIGNATURE = "Twitch-Eventsub-Message-Signature"
TWITCH_ID = "Twitch-Eventsub-Message-Id"
TWITCH_TIMESTAMP = "Twitch-Eventsub-Message-Timestamp"
TWITCH_TYPE = "Twitch-Eventsub-Message-Type"
TWITCH_EVENTS = ("webhook_callback_verification", "notification", "revocation")
#: Twitch's guide drops messages older than ten minutes.
TWITCH_TOLERANCE_S = 600


class TwitchProfile(HmacProfile):
    """Twitch EventSub: ``sha256=<hex HMAC of message id + timestamp + body>``."""

    id = "twitch"
    title = "Twitch"
    events = TWITCH_EVENTS
    signature_header = TWITCH_SIGNATURE
    detect_headers = ("twitch-eventsub-message-signature", "twitch-eventsub-message-type")
    tolerance_s = TWITCH_TOLERANCE_S

    def signed(self, request: SignedRequest) -> Signed | Validation:
        values = []
        for name in (TWITCH_SIGNATURE, TWITCH_ID, TWITCH_TIMESTAMP):
            value = header_or_missing(self.id, request, name)
            if isinstance(value, Validation):
                return value
            values.append(value)
        sig = _prefixed(self.id, TWITCH_SIGNATURE, values[0], "sha256=")
        if isinstance(sig, Validation):
            return sig
        msg_id, stamp = values[1], values[2]
        ts = parse_rfc3339(stamp)
        if ts is None:
            return malformed(self.id, TWITCH_TIMESTAMP, f"It must be RFC 3339; got {stamp!r}.")
        return Signed(
            [sig],
            (msg_id + stamp).encode(),
            f"'{msg_id}' + '{stamp}' + the body",
            timestamp=ts,
            timestamp_what=TWITCH_TIMESTAMP,
        )

    def sign(self, request: SignedRequest, credential: str, timestamp: int, msg_id: str) -> Headers:
        stamp = iso_time(timestamp)
        sig = self.compute(credential, (msg_id + stamp).encode() + request.body)
        return [(TWITCH_ID, msg_id), (TWITCH_TIMESTAMP, stamp), (TWITCH_SIGNATURE, f"sha256={sig}")]

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        kind = capture.header(TWITCH_TYPE)
        obj = body.json_object
        sub = obj.get("subscription") if obj is not None else None
        sub_type = sub.get("type") if isinstance(sub, dict) else None
        if kind is None and sub_type is None:
            return ParsedEvent(notes=[f"no {TWITCH_TYPE} header and no subscription in the body"])
        return event(capture.header(TWITCH_ID), kind, subscription=sub_type)

    def answer(
        self, capture: Capture, endpoint: EndpointConfig | None, parsed: ParsedEvent
    ) -> ResponsePlan:
        if capture.header(TWITCH_TYPE) == "webhook_callback_verification":
            obj = VendorBody.of(capture).json_object
            challenge = obj.get("challenge") if obj is not None else None
            if not isinstance(challenge, str):
                return json_response(400, {"error": "no challenge in the body"})
            return ResponsePlan(200, [("Content-Type", "text/plain")], challenge.encode())
        return ResponsePlan(204)


def twitch_samples(name: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    kind = name or "notification"
    sub = {
        "id": sample_uuid(rng),
        "type": "channel.follow",
        "version": "2",
        "status": "enabled" if kind == "notification" else "webhook_callback_verification_pending",
        "condition": {"broadcaster_user_id": "1337"},
        "created_at": iso_time(now),
    }
    payload: dict[str, Any] = {"subscription": sub}
    if kind == "webhook_callback_verification":
        payload["challenge"] = f"{rng.getrandbits(128):032x}"
    elif kind == "notification":
        payload["event"] = {"user_id": "1234", "broadcaster_user_id": "1337"}
    else:
        sub["status"] = "authorization_revoked"
    headers: Headers = [JSON_HEADER, (TWITCH_TYPE, kind)]
    return [json_item(payload, headers)]


# -- Typeform -----------------------------------------------------------------------------

TYPEFORM_HEADER = "Typeform-Signature"


class TypeformProfile(HmacProfile):
    """Typeform: ``Typeform-Signature: sha256=<base64 HMAC-SHA256 of the body>``."""

    id = "typeform"
    title = "Typeform"
    events = ("form_response",)
    signature_header = TYPEFORM_HEADER
    detect_headers = ("typeform-signature",)
    encoding = "base64"

    def signed(self, request: SignedRequest) -> Signed | Validation:
        value = header_or_missing(self.id, request, TYPEFORM_HEADER)
        if isinstance(value, Validation):
            return value
        sig = _prefixed(self.id, TYPEFORM_HEADER, value, "sha256=")
        return sig if isinstance(sig, Validation) else Signed([sig], b"", "the raw body")

    def sign(self, request: SignedRequest, credential: str, timestamp: int, msg_id: str) -> Headers:
        return [(TYPEFORM_HEADER, "sha256=" + self.compute(credential, request.body))]

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        return _json_event(body, "Typeform", "event_id", "event_type")


def typeform_samples(name: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    payload = {
        "event_id": f"{rng.getrandbits(130):026X}",
        "event_type": "form_response",
        "form_response": {"form_id": "SAMPLE", "submitted_at": iso_time(now), "answers": []},
    }
    return [json_item(payload)]


# -- Calendly -----------------------------------------------------------------------------

CALENDLY_HEADER = "Calendly-Webhook-Signature"
CALENDLY_EVENTS = ("invitee.created", "invitee.canceled")
#: Calendly's example rejects signatures older than three minutes.
CALENDLY_TOLERANCE_S = 180


class CalendlyProfile(TimestampedHmacProfile):
    """Calendly: ``Calendly-Webhook-Signature: t=<ts>,v1=<hex HMAC of 't.body'>``."""

    id = "calendly"
    title = "Calendly"
    events = CALENDLY_EVENTS
    signature_header = CALENDLY_HEADER
    detect_headers = ("calendly-webhook-signature",)
    tolerance_s = CALENDLY_TOLERANCE_S

    separator = ","
    ts_key = "t"
    sig_key = "v1"
    joiner = "."

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        obj = body.json_object
        if obj is None:
            return ParsedEvent(notes=[body.json_error_note() or "Calendly sends a JSON event"])
        payload = obj.get("payload")
        uri = payload.get("uri") if isinstance(payload, dict) else None
        return event(uri or obj.get("created_at"), obj.get("event"))


def calendly_samples(name: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    payload = {
        "event": name or CALENDLY_EVENTS[0],
        "created_at": iso_time(now),
        "payload": {"uri": f"https://api.calendly.com/invitees/{sample_uuid(rng)}", "name": "Ada"},
    }
    return [json_item(payload)]


# -- Intercom -----------------------------------------------------------------------------

INTERCOM_HEADER = "X-Hub-Signature"


class IntercomProfile(HmacProfile):
    """Intercom: ``X-Hub-Signature: sha1=<hex HMAC-SHA1 of the body>`` (the app's client
    secret)."""

    id = "intercom"
    title = "Intercom"
    events = ("ping", "conversation.user.created", "contact.created")
    signature_header = INTERCOM_HEADER
    digest = "sha1"

    def score(
        self,
        capture: Capture,
        body: VendorBody,
        obj: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> float:
        if obj is not None and obj.get("type") == "notification_event" and "topic" in obj:
            return 0.9
        return 0.0

    def signed(self, request: SignedRequest) -> Signed | Validation:
        value = header_or_missing(self.id, request, INTERCOM_HEADER)
        if isinstance(value, Validation):
            return value
        sig = _prefixed(self.id, INTERCOM_HEADER, value, "sha1=")
        return sig if isinstance(sig, Validation) else Signed([sig], b"", "the raw body")

    def sign(self, request: SignedRequest, credential: str, timestamp: int, msg_id: str) -> Headers:
        return [(INTERCOM_HEADER, "sha1=" + self.compute(credential, request.body))]

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        return _json_event(body, "Intercom", "id", "topic")


def intercom_samples(name: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    payload = {
        "type": "notification_event",
        "id": f"notif_{sample_uuid(rng)}",
        "topic": name or "ping",
        "created_at": int(now),
        "data": {"item": {"type": "ping", "message": "sample"}},
    }
    return [json_item(payload)]


LINEAR = Vendor(LinearProfile(), default_path="/linear", samples=linear_samples)
ZOOM = Vendor(ZoomProfile(), default_path="/zoom", samples=zoom_samples)
TWITCH = Vendor(TwitchProfile(), default_path="/twitch", samples=twitch_samples)
TYPEFORM = Vendor(TypeformProfile(), default_path="/typeform", samples=typeform_samples)
CALENDLY = Vendor(CalendlyProfile(), default_path="/calendly", samples=calendly_samples)
INTERCOM = Vendor(IntercomProfile(), default_path="/intercom", samples=intercom_samples)
VENDORS = (LINEAR, ZOOM, TWITCH, TYPEFORM, CALENDLY, INTERCOM)
