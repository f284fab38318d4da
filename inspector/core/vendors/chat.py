"""Slack and Discord: chat platforms that call an app's URL and expect their answers.

Slack signs with an HMAC (``v0``) and checks the URL with a ``url_verification``
challenge; Discord signs interactions with Ed25519 and checks the URL with a PING that
must be answered ``{"type": 1}``. Facts and links: docs/providers.md.
"""

from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import parse_qsl, urlencode

from inspector.core.capture import Capture, Headers, Validation
from inspector.core.responses import ResponsePlan, json_response
from inspector.core.vendors import keys
from inspector.core.vendors.base import EndpointConfig, ParsedEvent, VendorBody
from inspector.core.vendors.descriptor import SampleItem, Vendor, json_item
from inspector.core.vendors.provider import (
    HmacProfile,
    KeyPairProfile,
    Signed,
    SignedRequest,
    event,
    header_or_missing,
    malformed,
    parse_int,
)

# -- Slack --------------------------------------------------------------------------------

SLACK_SIGNATURE = "X-Slack-Signature"
SLACK_TIMESTAMP = "X-Slack-Request-Timestamp"
SLACK_EVENTS = ("url_verification", "event_callback", "slash_command")
#: Slack's own SDKs refuse requests more than five minutes off.
SLACK_TOLERANCE_S = 300
_FORM = ("Content-Type", "application/x-www-form-urlencoded")


def _slack_payload(body: VendorBody) -> dict[str, Any] | None:
    """The JSON event, or the form of a slash command / interaction (its ``payload``)."""
    obj = body.json_object
    if obj is not None:
        return obj
    form = dict(parse_qsl(body.small_text, keep_blank_values=True))
    if "payload" in form:
        try:
            inner = json.loads(form["payload"])
        except ValueError:
            return None
        return inner if isinstance(inner, dict) else None
    return form or None


class SlackProfile(HmacProfile):
    """Slack: ``X-Slack-Signature: v0=<hex HMAC of 'v0:<timestamp>:<body>'>``."""

    id = "slack"
    title = "Slack"
    events = SLACK_EVENTS
    signature_header = SLACK_SIGNATURE
    detect_headers = ("x-slack-signature", "x-slack-request-timestamp")
    tolerance_s = SLACK_TOLERANCE_S
    mismatch_hint = (
        "Either the body was changed after signing, or the endpoint's secret is not the "
        "app's Signing Secret (the older Verification Token is another value)."
    )

    def signed(self, request: SignedRequest) -> Signed | Validation:
        value = header_or_missing(self.id, request, SLACK_SIGNATURE)
        if isinstance(value, Validation):
            return value
        ts_text = header_or_missing(self.id, request, SLACK_TIMESTAMP)
        if isinstance(ts_text, Validation):
            return ts_text
        ts = parse_int(ts_text)
        if ts is None:
            return malformed(self.id, SLACK_TIMESTAMP, f"It must be Unix seconds; got {ts_text!r}.")
        if not value.startswith("v0="):
            return malformed(self.id, SLACK_SIGNATURE, f"Expected 'v0=<hex>'; got {value!r}.")
        return Signed(
            [value[3:]],
            f"v0:{ts}:".encode(),
            f"'v0:{ts}:' + the body",
            timestamp=ts,
            timestamp_what=SLACK_TIMESTAMP,
        )

    def sign(self, request: SignedRequest, credential: str, timestamp: int, msg_id: str) -> Headers:
        sig = self.compute(credential, f"v0:{timestamp}:".encode() + request.body)
        return [(SLACK_TIMESTAMP, str(timestamp)), (SLACK_SIGNATURE, f"v0={sig}")]

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        obj = _slack_payload(body)
        if obj is None:
            return ParsedEvent(notes=["Slack sends a JSON event or a form; this is neither"])
        kind = obj.get("type")
        if kind == "event_callback" and isinstance(obj.get("event"), dict):
            return event(obj.get("event_id"), obj["event"].get("type"), team=obj.get("team_id"))
        if "command" in obj:
            return event(obj.get("trigger_id"), "slash_command", command=obj.get("command"))
        return event(obj.get("event_id") or obj.get("trigger_id"), kind)

    def answer(
        self, capture: Capture, endpoint: EndpointConfig | None, parsed: ParsedEvent
    ) -> ResponsePlan:
        obj = VendorBody.of(capture).json_object
        if obj is not None and obj.get("type") == "url_verification":
            return json_response(200, {"challenge": obj.get("challenge")})
        return ResponsePlan(200, [("Content-Type", "text/plain; charset=utf-8")], b"")


def slack_samples(name: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    kind = name or "event_callback"
    if kind == "url_verification":
        challenge = f"{rng.getrandbits(160):040x}"
        return [json_item({"token": "sample", "challenge": challenge, "type": kind})]
    if kind == "slash_command":
        form = {
            "command": "/inspect",
            "text": "hello",
            "team_id": "T0SAMPLE",
            "user_id": "U0SAMPLE",
            "trigger_id": f"{rng.getrandbits(40)}.{rng.getrandbits(40)}",
        }
        return [([_FORM], urlencode(form).encode())]
    payload = {
        "type": "event_callback",
        "team_id": "T0SAMPLE",
        "event_id": f"Ev{rng.getrandbits(48):012X}",
        "event_time": int(now),
        "event": {"type": "app_mention", "text": "<@U0BOT> hello", "user": "U0SAMPLE"},
    }
    return [json_item(payload)]


# -- Discord ------------------------------------------------------------------------------

DISCORD_SIGNATURE = "X-Signature-Ed25519"
DISCORD_TIMESTAMP = "X-Signature-Timestamp"
DISCORD_EVENTS = ("PING", "APPLICATION_COMMAND")
_INTERACTION_TYPES = {
    1: "PING",
    2: "APPLICATION_COMMAND",
    3: "MESSAGE_COMPONENT",
    4: "APPLICATION_COMMAND_AUTOCOMPLETE",
    5: "MODAL_SUBMIT",
}


class DiscordProfile(KeyPairProfile):
    """Discord interactions: Ed25519 over timestamp + body, the app's public key in hex."""

    id = "discord"
    title = "Discord"
    events = DISCORD_EVENTS
    signature_header = DISCORD_SIGNATURE
    timestamp_header = DISCORD_TIMESTAMP
    detect_headers = ("x-signature-ed25519",)
    sample_key = keys.sample_seed("discord").hex()
    check_words = "The Ed25519 signature, checked with the endpoint's public key,"
    mismatch_hint = (
        "Either the body was changed after signing, or the endpoint's public key is not "
        "the application's (Developer Portal, General Information)."
    )

    def sample_public_key(self) -> str:
        return keys.ed25519_public_of(self.sample_key)

    def check_credential(self, value: str) -> None:
        keys.ed25519_public_bytes(value)

    def decode(self, text: str) -> bytes | None:
        try:
            return bytes.fromhex(text)
        except ValueError:
            return None

    def encode(self, signature: bytes) -> str:
        return signature.hex()

    def check(self, public_key: str, signature: bytes, data: bytes) -> bool:
        return keys.ed25519_verify(public_key, signature, data)

    def sign_bytes(self, private_key: str, data: bytes) -> bytes:
        return keys.ed25519_sign(private_key, data)

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        obj = body.json_object
        if obj is None:
            return ParsedEvent(notes=[body.json_error_note() or "Discord sends a JSON interaction"])
        kind = obj.get("type")
        name = _INTERACTION_TYPES.get(kind) if isinstance(kind, int) else None
        data = obj.get("data")
        command = data.get("name") if isinstance(data, dict) else None
        return event(obj.get("id"), name or kind, command=command)

    def answer(
        self, capture: Capture, endpoint: EndpointConfig | None, parsed: ParsedEvent
    ) -> ResponsePlan:
        kind = parsed.event.get("event") if parsed.event else None
        if kind == "PING":
            return json_response(200, {"type": 1})
        if kind == "APPLICATION_COMMAND_AUTOCOMPLETE":
            return json_response(200, {"type": 8, "data": {"choices": []}})
        # A message, so the user sees in Discord that the interaction arrived.
        return json_response(
            200, {"type": 4, "data": {"content": "Received by Webhook Inspector", "flags": 64}}
        )


def discord_samples(name: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    kind = name or "PING"
    payload: dict[str, Any] = {
        "id": str(rng.getrandbits(62)),
        "application_id": "100000000000000000",
        "type": 1 if kind == "PING" else 2,
        "token": f"sample-{rng.getrandbits(64):016x}",
        "version": 1,
    }
    if kind != "PING":
        payload["data"] = {"id": str(rng.getrandbits(62)), "name": "inspect", "type": 1}
    return [json_item(payload)]


SLACK = Vendor(SlackProfile(), default_path="/slack", samples=slack_samples)
DISCORD = Vendor(DiscordProfile(), default_path="/discord", samples=discord_samples)
VENDORS = (SLACK, DISCORD)
