"""One webhook per provider, signed as the provider signs it: with the provider's own library
where one exists (stripe, svix, slack_sdk, twilio, PyNaCl), else by a small independent
implementation of the provider's documented scheme (docs/providers.md), written here and
not taken from the product. The product's tests (tests/core/test_providers.py,
tests/net/test_providers_listener.py) share these cases, so every provider is tested in the
same shape: valid, tampered body, wrong credential, missing header, stale timestamp,
challenge answers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

from inspector.core.capture import Capture, Headers

#: The time every case is signed and checked at (Unix seconds).
NOW = 1_764_750_000
#: An hour before NOW: outside every provider's tolerance.
STALE = NOW - 3600

JSON = ("Content-Type", "application/json")
FORM = ("Content-Type", "application/x-www-form-urlencoded")
SVIX_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
WRONG_SVIX_SECRET = "whsec_" + base64.b64encode(b"another-32-byte-secret-for-tests").decode()

#: sign(body, credential, timestamp, url) -> (headers to add, body as sent)
Signer = Callable[[bytes, str, int, str], tuple[Headers, bytes]]


def _hmac(key: str, data: bytes, digest: str = "sha256") -> bytes:
    return hmac.new(key.encode(), data, getattr(hashlib, digest)).digest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass(frozen=True)
class Case:
    """One provider's webhook: how it is made, signed, and what answers it expects."""

    vendor: str
    #: what the endpoint holds: secret or public key
    credential: str
    #: what the sender signs with (for a key pair: the private key)
    signing: str
    #: a wrong signing credential (another secret, another private key)
    wrong: str
    make_body: Callable[[int], bytes]
    sign: Signer
    headers: Headers = field(default_factory=lambda: [JSON])
    #: headers taken out for the "missing header" test (lower-case names)
    signature_headers: tuple[str, ...] = ()
    #: whether the scheme has a timestamp with a tolerance
    stale: bool = False
    #: the answer status for a valid webhook
    status: int = 200
    #: the event name the profile reads
    event: str | None = None

    def request(
        self, *, ts: int = NOW, signing: str | None = None, url: str = "", tamper: bool = False
    ) -> tuple[Headers, bytes]:
        """Headers and body as the provider sends them (``tamper``: a byte changed after)."""
        body = self.make_body(ts)
        added, body = self.sign(body, signing or self.signing, ts, url or self.url())
        if tamper:
            body = body.replace(b"sample", b"sampl3", 1)
            assert b"sampl3" in body, "each case's body carries the word 'sample'"
        return [*self.headers, *added], body

    def url(self, base: str = "http://127.0.0.1:8080") -> str:
        return base + "/" + self.vendor

    def capture(self, headers: Headers, body: bytes, host: str = "127.0.0.1:8080") -> Capture:
        return Capture(
            method="POST",
            path="/" + self.vendor,
            headers=[("Host", host), *headers],
            body=body,
        )


# -- signers ----------------------------------------------------------------------------


def _svix(body: bytes, secret: str, ts: int, url: str) -> tuple[Headers, bytes]:
    from svix.webhooks import Webhook

    msg_id = "msg_2LJSsample"
    sig = Webhook(secret).sign(msg_id, datetime.fromtimestamp(ts, UTC), body.decode())
    return [("svix-id", msg_id), ("svix-timestamp", str(ts)), ("svix-signature", sig)], body


def _stripe(body: bytes, secret: str, ts: int, url: str) -> tuple[Headers, bytes]:
    import stripe

    header = stripe.WebhookSignature.generate_signature_header(body.decode(), secret, timestamp=ts)
    return [("Stripe-Signature", header)], body


def _github(body: bytes, secret: str, ts: int, url: str) -> tuple[Headers, bytes]:
    sig = _hmac(secret, body).hex()
    return [("X-Hub-Signature-256", f"sha256={sig}")], body


def _shopify(body: bytes, secret: str, ts: int, url: str) -> tuple[Headers, bytes]:
    return [("X-Shopify-Hmac-Sha256", _b64(_hmac(secret, body)))], body


def _square(body: bytes, key: str, ts: int, url: str) -> tuple[Headers, bytes]:
    return [("x-square-hmacsha256-signature", _b64(_hmac(key, url.encode() + body)))], body


def _paddle(body: bytes, secret: str, ts: int, url: str) -> tuple[Headers, bytes]:
    h1 = _hmac(secret, f"{ts}:".encode() + body).hex()
    return [("Paddle-Signature", f"ts={ts};h1={h1}")], body


def _slack(body: bytes, secret: str, ts: int, url: str) -> tuple[Headers, bytes]:
    from slack_sdk.signature import SignatureVerifier

    sig = SignatureVerifier(secret).generate_signature(timestamp=str(ts), body=body)
    assert sig is not None
    return [("X-Slack-Request-Timestamp", str(ts)), ("X-Slack-Signature", sig)], body


def _discord(body: bytes, seed_hex: str, ts: int, url: str) -> tuple[Headers, bytes]:
    from nacl.signing import SigningKey

    signed = SigningKey(bytes.fromhex(seed_hex)).sign(str(ts).encode() + body)
    return [
        ("X-Signature-Ed25519", signed.signature.hex()),
        ("X-Signature-Timestamp", str(ts)),
    ], body


def discord_public_key(seed_hex: str) -> str:
    from nacl.signing import SigningKey

    return SigningKey(bytes.fromhex(seed_hex)).verify_key.encode().hex()


def _twilio(body: bytes, token: str, ts: int, url: str) -> tuple[Headers, bytes]:
    from twilio.request_validator import RequestValidator

    params = dict(parse_qsl(body.decode()))
    return [("X-Twilio-Signature", RequestValidator(token).compute_signature(url, params))], body


def _p256_private(seed: str):  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.derive_private_key(int(seed, 16), ec.SECP256R1())


def sendgrid_public_key(seed: str) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    der = (
        _p256_private(seed)
        .public_key()
        .public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    )
    return _b64(der)


def _sendgrid(body: bytes, seed: str, ts: int, url: str) -> tuple[Headers, bytes]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    sig = _p256_private(seed).sign(str(ts).encode() + body, ec.ECDSA(hashes.SHA256()))
    return [
        ("X-Twilio-Email-Event-Webhook-Signature", _b64(sig)),
        ("X-Twilio-Email-Event-Webhook-Timestamp", str(ts)),
    ], body


def _mailgun(body: bytes, key: str, ts: int, url: str) -> tuple[Headers, bytes]:
    obj = json.loads(body)
    token = obj["signature"]["token"]
    obj["signature"]["signature"] = _hmac(key, f"{ts}{token}".encode()).hex()
    obj["signature"]["timestamp"] = str(ts)
    return [], json.dumps(obj).encode()


def _linear(body: bytes, secret: str, ts: int, url: str) -> tuple[Headers, bytes]:
    return [("Linear-Signature", _hmac(secret, body).hex())], body


def _zoom(body: bytes, secret: str, ts: int, url: str) -> tuple[Headers, bytes]:
    sig = _hmac(secret, f"v0:{ts}:".encode() + body).hex()
    return [("x-zm-request-timestamp", str(ts)), ("x-zm-signature", f"v0={sig}")], body


def _twitch(body: bytes, secret: str, ts: int, url: str) -> tuple[Headers, bytes]:
    msg_id = "e76c6bd4-55c9-4987-8304-da1588d8988b"
    stamp = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.123456789Z")
    sig = _hmac(secret, (msg_id + stamp).encode() + body).hex()
    return [
        ("Twitch-Eventsub-Message-Id", msg_id),
        ("Twitch-Eventsub-Message-Timestamp", stamp),
        ("Twitch-Eventsub-Message-Signature", f"sha256={sig}"),
    ], body


def _typeform(body: bytes, secret: str, ts: int, url: str) -> tuple[Headers, bytes]:
    return [("Typeform-Signature", "sha256=" + _b64(_hmac(secret, body)))], body


def _calendly(body: bytes, key: str, ts: int, url: str) -> tuple[Headers, bytes]:
    sig = _hmac(key, f"{ts}.".encode() + body).hex()
    return [("Calendly-Webhook-Signature", f"t={ts},v1={sig}")], body


def _intercom(body: bytes, secret: str, ts: int, url: str) -> tuple[Headers, bytes]:
    return [("X-Hub-Signature", "sha1=" + _hmac(secret, body, "sha1").hex())], body


# -- bodies -----------------------------------------------------------------------------


def _json(payload: object) -> Callable[[int], bytes]:
    return lambda ts: json.dumps(payload).encode()


DISCORD_SEED = hashlib.sha256(b"discord test key").hexdigest()
DISCORD_WRONG = hashlib.sha256(b"another discord key").hexdigest()
SENDGRID_SEED = hashlib.sha256(b"sendgrid test key").hexdigest()[:62]
SENDGRID_WRONG = hashlib.sha256(b"another sendgrid key").hexdigest()[:62]

CASES: tuple[Case, ...] = (
    Case(
        "svix",
        SVIX_SECRET,
        SVIX_SECRET,
        WRONG_SVIX_SECRET,
        _json({"type": "user.created", "data": {"id": "user_sample"}}),
        _svix,
        signature_headers=("svix-signature",),
        stale=True,
        event="user.created",
    ),
    Case(
        "stripe",
        "whsec_stripe_test_secret",
        "whsec_stripe_test_secret",
        "whsec_other",
        _json({"id": "evt_1", "type": "charge.refunded", "data": {"object": "sample"}}),
        _stripe,
        signature_headers=("stripe-signature",),
        stale=True,
        event="charge.refunded",
    ),
    Case(
        "github",
        "gh-secret",
        "gh-secret",
        "not-gh-secret",
        _json({"zen": "sample"}),
        _github,
        headers=[JSON, ("X-GitHub-Event", "ping"), ("X-GitHub-Delivery", "d-1")],
        signature_headers=("x-hub-signature-256",),
        event="ping",
    ),
    Case(
        "shopify",
        "shpss_secret",
        "shpss_secret",
        "shpss_other",
        _json({"id": 1, "note": "sample"}),
        _shopify,
        headers=[JSON, ("X-Shopify-Topic", "orders/create"), ("X-Shopify-Webhook-Id", "w-1")],
        signature_headers=("x-shopify-hmac-sha256",),
        event="orders/create",
    ),
    Case(
        "square",
        "sq-signature-key",
        "sq-signature-key",
        "sq-other-key",
        _json({"type": "payment.updated", "event_id": "e-1", "data": {"id": "sample"}}),
        _square,
        signature_headers=("x-square-hmacsha256-signature",),
        event="payment.updated",
    ),
    Case(
        "paddle",
        "pdl_ntfset_secret",
        "pdl_ntfset_secret",
        "pdl_ntfset_other",
        _json({"event_id": "evt_1", "event_type": "transaction.completed", "data": "sample"}),
        _paddle,
        signature_headers=("paddle-signature",),
        stale=True,
        event="transaction.completed",
    ),
    Case(
        "slack",
        "8f742231b10e8888abcd99yyyzzz85a5",
        "8f742231b10e8888abcd99yyyzzz85a5",
        "0000000000000000abcd99yyyzzz85a5",
        _json(
            {
                "type": "event_callback",
                "event_id": "Ev1",
                "event": {"type": "app_mention", "text": "sample"},
            }
        ),
        _slack,
        signature_headers=("x-slack-signature",),
        stale=True,
        event="app_mention",
    ),
    Case(
        "discord",
        discord_public_key(DISCORD_SEED),
        DISCORD_SEED,
        DISCORD_WRONG,
        _json({"id": "1", "type": 2, "data": {"name": "sample"}}),
        _discord,
        signature_headers=("x-signature-ed25519",),
        event="APPLICATION_COMMAND",
    ),
    Case(
        "twilio",
        "twilio-auth-token",
        "twilio-auth-token",
        "twilio-other-token",
        lambda ts: urlencode({"MessageSid": "SM1", "Body": "a sample", "From": "+1500"}).encode(),
        _twilio,
        headers=[FORM],
        signature_headers=("x-twilio-signature",),
        event="incoming_message",
    ),
    Case(
        "sendgrid",
        sendgrid_public_key(SENDGRID_SEED),
        SENDGRID_SEED,
        SENDGRID_WRONG,
        _json([{"event": "delivered", "sg_event_id": "sg1", "email": "sample@example.com"}]),
        _sendgrid,
        signature_headers=("x-twilio-email-event-webhook-signature",),
        event="delivered",
    ),
    Case(
        "mailgun",
        "mg-signing-key",
        "mg-signing-key",
        "mg-other-key",
        _json(
            {
                "signature": {"timestamp": "0", "token": "tok-sample", "signature": ""},
                "event-data": {"event": "delivered", "id": "mg-1"},
            }
        ),
        _mailgun,
        event="delivered",
    ),
    Case(
        "linear",
        "lin_wh_secret",
        "lin_wh_secret",
        "lin_wh_other",
        lambda ts: json.dumps(
            {
                "action": "create",
                "type": "Issue",
                "data": {"title": "sample"},
                "webhookTimestamp": ts * 1000,
            }
        ).encode(),
        _linear,
        headers=[JSON, ("Linear-Event", "Issue"), ("Linear-Delivery", "l-1")],
        signature_headers=("linear-signature",),
        stale=True,
        event="Issue",
    ),
    Case(
        "zoom",
        "zoom-secret-token",
        "zoom-secret-token",
        "zoom-other-token",
        _json({"event": "meeting.started", "event_ts": 1, "payload": {"note": "sample"}}),
        _zoom,
        signature_headers=("x-zm-signature",),
        status=204,
        event="meeting.started",
    ),
    Case(
        "twitch",
        "twitch-secret",
        "twitch-secret",
        "twitch-other",
        _json({"subscription": {"type": "channel.follow"}, "event": {"user": "sample"}}),
        _twitch,
        headers=[JSON, ("Twitch-Eventsub-Message-Type", "notification")],
        signature_headers=("twitch-eventsub-message-signature",),
        stale=True,
        status=204,
        event="notification",
    ),
    Case(
        "typeform",
        "tf-secret",
        "tf-secret",
        "tf-other",
        _json({"event_id": "E1", "event_type": "form_response", "form_response": "sample"}),
        _typeform,
        signature_headers=("typeform-signature",),
        event="form_response",
    ),
    Case(
        "calendly",
        "cal-signing-key",
        "cal-signing-key",
        "cal-other-key",
        _json({"event": "invitee.created", "payload": {"uri": "u-1", "name": "sample"}}),
        _calendly,
        signature_headers=("calendly-webhook-signature",),
        stale=True,
        event="invitee.created",
    ),
    Case(
        "intercom",
        "ic-client-secret",
        "ic-client-secret",
        "ic-other-secret",
        _json({"type": "notification_event", "id": "notif_1", "topic": "ping", "data": "sample"}),
        _intercom,
        signature_headers=("x-hub-signature",),
        event="ping",
    ),
)

BY_VENDOR = {case.vendor: case for case in CASES}


def without(headers: Headers, names: tuple[str, ...]) -> Headers:
    return [(k, v) for k, v in headers if k.lower() not in names]
