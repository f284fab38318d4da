"""Twilio, SendGrid and Mailgun: messaging and mail providers.

Twilio signs the URL it called and the POST parameters (HMAC-SHA1); SendGrid signs its
event batches with ECDSA P-256; Mailgun puts its signature inside the body. Facts and
links: docs/providers.md.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from inspector.core.capture import Capture, Headers, Validation
from inspector.core.responses import ResponsePlan
from inspector.core.vendors import keys
from inspector.core.vendors.base import EndpointConfig, ParsedEvent, VendorBody
from inspector.core.vendors.descriptor import SampleItem, Vendor, json_item, sample_uuid
from inspector.core.vendors.provider import (
    HmacProfile,
    KeyPairProfile,
    ProviderProfile,
    Signed,
    SignedRequest,
    any_equal,
    b64,
    event,
    header_or_missing,
    mac,
    malformed,
    missing,
    no_url,
    unb64,
    url_variants,
    verdict,
    with_url_explained,
)

_FORM = ("Content-Type", "application/x-www-form-urlencoded")

# -- Twilio -------------------------------------------------------------------------------

TWILIO_HEADER = "X-Twilio-Signature"
#: Added when a Webhooks Rule signs with its SharedKey: ``key=<id>,algorithm=HMAC_SHA256``.
TWILIO_SETTINGS = "X-Twilio-Webhooks-Signature-Settings"
_TWILIO_DIGESTS = {"HMAC_SHA1": "sha1", "HMAC_SHA256": "sha256"}
TWILIO_EVENTS = ("incoming_message", "message_status", "incoming_call")
_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def twilio_signed_text(url: str, params: list[tuple[str, str]]) -> str:
    """The URL, then each parameter name and value, sorted by name (a repeated name's
    values sorted too), as Twilio's own validators build it."""
    names: dict[str, set[str]] = {}
    for name, value in params:
        names.setdefault(name, set()).add(value)
    return url + "".join(name + value for name in sorted(names) for value in sorted(names[name]))


class TwilioProfile(ProviderProfile):
    """Twilio: base64 HMAC-SHA1 (auth token) of the URL called plus the sorted POST params.

    A JSON body is not in the parameters: Twilio then adds ``bodySHA256`` to the URL's
    query, and that hash must match the body."""

    id = "twilio"
    title = "Twilio"
    events = TWILIO_EVENTS
    signature_header = TWILIO_HEADER
    detect_headers = ("x-twilio-signature",)

    def _compute(self, credential: str, text: str, digest: str = "sha1") -> str:
        return b64(mac(credential.encode(), text.encode("utf-8"), digest))

    def _digest(self, request: SignedRequest) -> str | Validation:
        """HMAC-SHA1, unless a Webhooks Rule signed with its SharedKey and says which
        algorithm in ``X-Twilio-Webhooks-Signature-Settings``."""
        settings = request.header(TWILIO_SETTINGS) or ""
        algorithm = "HMAC_SHA1"
        for part in settings.split(","):
            name, eq, value = part.partition("=")
            if eq and name.strip() == "algorithm" and value.strip():
                algorithm = value.strip().upper()
        digest = _TWILIO_DIGESTS.get(algorithm)
        if digest is None:
            return malformed(
                self.id,
                TWILIO_SETTINGS,
                f"Unknown algorithm {algorithm!r} (HMAC_SHA1 or HMAC_SHA256).",
            )
        return digest

    def _params(self, request: SignedRequest) -> list[tuple[str, str]]:
        query = parse_qs(urlsplit(request.url or "").query)
        return [] if "bodySHA256" in query else request.form()

    def verify(self, request: SignedRequest, credential: str, now: float) -> Validation:
        received = header_or_missing(self.id, request, TWILIO_HEADER)
        if isinstance(received, Validation):
            return received
        if request.url is None:
            return no_url(self.id, request)
        query = parse_qs(urlsplit(request.url).query)
        if "bodySHA256" in query:
            body_hash = hashlib.sha256(request.body).hexdigest()
            if not any_equal(body_hash, query["bodySHA256"], lower=True):
                return Validation(
                    "invalid",
                    self.id,
                    "body hash mismatch\n"
                    f"The URL's bodySHA256 is {query['bodySHA256'][0]}; the SHA-256 of the "
                    f"{len(request.body)} bytes received is {body_hash}: the body was changed.",
                )
        digest = self._digest(request)
        if isinstance(digest, Validation):
            return digest
        params = self._params(request)
        text = twilio_signed_text(request.url, params)
        computed = self._compute(credential, text, digest)
        # Twilio's own validators accept the URL with and without the default port.
        variants = [request.url, *(u for u, why in url_variants(request.url) if "port" in why)]
        matched = any(
            any_equal(self._compute(credential, twilio_signed_text(u, params), digest), [received])
            for u in variants
        )
        what = f"the URL {request.url}" + (
            f" + {len(params)} sorted POST parameters" if params else ""
        )
        result = verdict(
            self.id,
            TWILIO_HEADER,
            matched,
            computed=computed,
            received=received,
            signed=what,
            body=request.body,
            hint=(
                "Either a parameter was changed after signing, the endpoint's secret is not the "
                + (
                    "Webhooks Rule's SharedKey secret (the request names its algorithm)"
                    if request.header(TWILIO_SETTINGS)
                    else "account's Auth Token"
                )
                + ", or the URL set in Twilio is not the URL used here."
            ),
        )
        return with_url_explained(
            result,
            request,
            lambda url: any_equal(
                self._compute(credential, twilio_signed_text(url, params), digest), [received]
            ),
        )

    def sign(self, request: SignedRequest, credential: str, timestamp: int, msg_id: str) -> Headers:
        text = twilio_signed_text(request.url or "", self._params(request))
        digest = self._digest(request)
        digest = digest if isinstance(digest, str) else "sha1"
        return [(TWILIO_HEADER, self._compute(credential, text, digest))]

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        form = dict(SignedRequest([], body.decoded).form())
        if not form:
            return ParsedEvent(notes=["Twilio posts form parameters; this body has none"])
        sid = form.get("MessageSid") or form.get("SmsSid") or form.get("CallSid")
        if "MessageStatus" in form or ("SmsStatus" in form and "Body" not in form):
            status = form.get("MessageStatus") or form.get("SmsStatus")
            return event(sid, "message_status", status=status)
        if "CallSid" in form:
            return event(sid, "incoming_call", status=form.get("CallStatus"))
        return event(sid, "incoming_message")

    def answer(
        self, capture: Capture, endpoint: EndpointConfig | None, parsed: ParsedEvent
    ) -> ResponsePlan:
        # An empty TwiML document: "do nothing", valid for messages, calls and status callbacks.
        return ResponsePlan(200, [("Content-Type", "text/xml")], _TWIML)


def twilio_samples(name: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    kind = name or "incoming_message"
    account = f"AC{rng.getrandbits(128):032x}"
    form: dict[str, str]
    if kind == "incoming_call":
        form = {
            "AccountSid": account,
            "CallSid": f"CA{rng.getrandbits(128):032x}",
            "CallStatus": "ringing",
            "From": "+15005550006",
            "To": "+15005550001",
        }
    elif kind == "message_status":
        form = {
            "AccountSid": account,
            "MessageSid": f"SM{rng.getrandbits(128):032x}",
            "MessageStatus": "delivered",
            "To": "+15005550006",
        }
    else:
        form = {
            "AccountSid": account,
            "MessageSid": f"SM{rng.getrandbits(128):032x}",
            "Body": "Hello from a sample",
            "From": "+15005550006",
            "To": "+15005550001",
        }
    return [([_FORM], urlencode(form).encode())]


# -- SendGrid -----------------------------------------------------------------------------

SENDGRID_SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
SENDGRID_TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp"
SENDGRID_EVENTS = ("delivered", "open", "bounce")


class SendGridProfile(KeyPairProfile):
    """SendGrid's signed Event Webhook: ECDSA P-256 (SHA-256) over timestamp + body,
    verified with the base64 public key from the mail settings."""

    id = "sendgrid"
    title = "SendGrid"
    events = SENDGRID_EVENTS
    signature_header = SENDGRID_SIGNATURE
    timestamp_header = SENDGRID_TIMESTAMP
    detect_headers = ("x-twilio-email-event-webhook-signature",)
    sample_key = keys.sample_seed("sendgrid").hex()
    check_words = "The ECDSA P-256/SHA-256 signature, checked with the endpoint's public key,"
    mismatch_hint = (
        "Either the body was changed after signing, or the endpoint's public key is not "
        "the one in SendGrid's Mail Settings, Event Webhook (it changes when signing is "
        "turned off and on again)."
    )

    def sample_public_key(self) -> str:
        return keys.p256_public_of(self.sample_key)

    def check_credential(self, value: str) -> None:
        keys.p256_public_key(value)

    def decode(self, text: str) -> bytes | None:
        return unb64(text)

    def encode(self, signature: bytes) -> str:
        return base64.b64encode(signature).decode("ascii")

    def check(self, public_key: str, signature: bytes, data: bytes) -> bool:
        return keys.p256_verify(public_key, signature, data)

    def sign_bytes(self, private_key: str, data: bytes) -> bytes:
        return keys.p256_sign(private_key, data)

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        batch = body.json
        if not body.has_json or not isinstance(batch, list) or not batch:
            return ParsedEvent(notes=["SendGrid posts a JSON array of events; this is not one"])
        first = batch[0] if isinstance(batch[0], dict) else {}
        parsed = event(first.get("sg_event_id"), first.get("event"), count=len(batch))
        if len(batch) > 1:
            parsed.notes.append(f"a batch of {len(batch)} events; the first is shown")
        return parsed


def sendgrid_samples(name: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    kind = name or "delivered"
    batch = [
        {
            "email": "someone@example.com",
            "timestamp": int(now),
            "event": kind,
            "sg_event_id": base64.urlsafe_b64encode(rng.randbytes(16)).decode().rstrip("="),
            "sg_message_id": f"{rng.getrandbits(64):016x}.filter",
        }
    ]
    return [json_item(batch)]  # type: ignore[arg-type]


# -- Mailgun ------------------------------------------------------------------------------

MAILGUN_EVENTS = ("delivered", "failed", "opened")


class MailgunProfile(HmacProfile):
    """Mailgun: ``signature`` in the body, hex HMAC-SHA256 (webhook signing key) of
    ``timestamp + token``."""

    id = "mailgun"
    title = "Mailgun"
    events = MAILGUN_EVENTS
    signature_header = "signature (in the body)"
    mismatch_hint = (
        "The endpoint's secret is not the domain's HTTP webhook signing key (it is not the "
        "API key), or the signature fields were changed."
    )

    def score(
        self,
        capture: Capture,
        body: VendorBody,
        obj: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> float:
        if obj is not None and isinstance(obj.get("signature"), dict) and "event-data" in obj:
            return 0.9
        return 0.0

    def _fields(self, request: SignedRequest) -> dict[str, str]:
        obj = VendorBody(request.body).json_object
        if obj is not None and isinstance(obj.get("signature"), dict):
            return {k: str(v) for k, v in obj["signature"].items()}
        return dict(request.form())

    def signed(self, request: SignedRequest) -> Signed | Validation:
        fields = self._fields(request)
        for name in ("signature", "timestamp", "token"):
            if name not in fields:
                return missing(
                    self.id,
                    f"signature.{name} field",
                    request,
                    "Mailgun puts timestamp, token and signature in the body's signature object.",
                )
        ts, token = fields["timestamp"], fields["token"]
        return Signed(
            [fields["signature"]],
            (ts + token).encode(),
            f"timestamp '{ts}' + token '{token}'",
            covers_body=False,
        )

    def sign(self, request: SignedRequest, credential: str, timestamp: int, msg_id: str) -> Headers:
        return []  # the signature is in the body: see sign_body

    def sign_body(self, body: bytes, credential: str) -> bytes:
        obj = VendorBody(body).json_object
        fields = obj.get("signature") if obj is not None else None
        if not isinstance(fields, dict):
            return body
        expected = mailgun_signature(
            credential, str(fields.get("timestamp", "")), str(fields.get("token", ""))
        )
        if fields.get("signature") == expected:  # already right: keep the bytes as they are
            return body
        fields["signature"] = expected
        return json.dumps(obj).encode()

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        obj = body.json_object
        data = obj.get("event-data") if obj is not None else None
        if not isinstance(data, dict):
            return ParsedEvent(notes=["Mailgun sends JSON with an event-data object"])
        return event(data.get("id"), data.get("event"), recipient=data.get("recipient"))


def mailgun_signature(key: str, timestamp: str, token: str) -> str:
    return mac(key.encode(), (timestamp + token).encode()).hex()


def mailgun_samples(name: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    payload = {
        "signature": {
            "timestamp": str(int(now)),
            "token": f"{rng.getrandbits(200):050x}",
            "signature": "",
        },
        "event-data": {
            "event": name or "delivered",
            "id": sample_uuid(rng),
            "timestamp": now,
            "recipient": "someone@example.com",
        },
    }
    return [json_item(payload)]


TWILIO = Vendor(TwilioProfile(), default_path="/twilio", samples=twilio_samples)
SENDGRID = Vendor(SendGridProfile(), default_path="/sendgrid", samples=sendgrid_samples)
MAILGUN = Vendor(MailgunProfile(), default_path="/mailgun", samples=mailgun_samples)
VENDORS = (TWILIO, SENDGRID, MAILGUN)
