"""Every provider preset, in one shape (tests/provider_cases.py): signed as the provider
signs (its own library where one exists), tampered, wrongly keyed, unsigned, stale; the
challenge answers; and our own signer (``simulate``) against the providers' verifiers."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from provider_cases import BY_VENDOR, CASES, NOW, STALE, Case, without

from inspector.core.capture import Capture
from inspector.core.endpoints import Endpoint
from inspector.core.pipeline import process_capture
from inspector.core.responses import ResponsePlan
from inspector.core.simulate import sample_requests
from inspector.core.vendors import detect_vendor, get_profile
from inspector.core.vendors.provider import ProviderProfile


def provider(vendor: str) -> ProviderProfile:
    profile = get_profile(vendor)
    assert isinstance(profile, ProviderProfile)
    return profile


IDS = [case.vendor for case in CASES]


def endpoint_for(case: Case) -> Endpoint:
    if get_profile(case.vendor).credential == "public-key":
        return Endpoint("/" + case.vendor, vendor=case.vendor, public_key=case.credential)
    return Endpoint("/" + case.vendor, vendor=case.vendor, secret=case.credential)


def run(case: Case, capture: Capture) -> ResponsePlan:
    return process_capture(capture, endpoint_for(case), now=NOW)


def assert_secret_kept(case: Case, capture: Capture, plan: ResponsePlan) -> None:
    """Neither the detail nor the answer carries the secret; the answer carries no
    computed signature either (only the first line of the detail goes back)."""
    assert capture.validation is not None
    if get_profile(case.vendor).credential == "secret":
        assert case.credential not in capture.validation.detail
    assert case.credential not in plan.body.decode("utf-8", "replace")
    assert "Computed" not in plan.body.decode("utf-8", "replace")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_webhook_signed_as_the_provider_signs_is_valid(case: Case) -> None:
    capture = case.capture(*case.request())
    plan = run(case, capture)
    assert capture.validation is not None
    assert capture.validation.result == "valid", capture.validation.detail
    assert plan.status == case.status
    assert capture.vendor == case.vendor
    assert capture.event is not None and capture.event["event"] == case.event


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_provider_is_detected_on_a_path_without_endpoint(case: Case) -> None:
    capture = case.capture(*case.request())
    assert detect_vendor(capture)[0] == case.vendor


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_tampered_body_is_invalid_and_says_what_was_computed_over_what(case: Case) -> None:
    capture = case.capture(*case.request(tamper=True))
    plan = run(case, capture)
    assert capture.validation is not None and capture.validation.result == "invalid"
    assert plan.status == 401
    detail = capture.validation.detail
    assert detail.startswith("signature mismatch")
    if case.vendor != "mailgun":  # Mailgun signs timestamp + token, not the body
        assert "bytes received" in detail
        assert ("Computed" in detail) != ("does not verify" in detail)  # HMAC or key pair
    assert_secret_kept(case, capture, plan)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_wrong_secret_or_key_is_invalid(case: Case) -> None:
    capture = case.capture(*case.request(signing=case.wrong))
    plan = run(case, capture)
    assert capture.validation is not None and capture.validation.result == "invalid"
    assert capture.validation.detail.startswith("signature mismatch")
    assert plan.status == 401
    assert_secret_kept(case, capture, plan)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_an_unsigned_request_is_missing_and_names_the_header(case: Case) -> None:
    headers, body = case.request()
    if case.vendor == "mailgun":  # the signature is in the body
        obj = json.loads(body)
        del obj["signature"]
        body = json.dumps(obj).encode()
    headers = without(headers, case.signature_headers)
    capture = case.capture(headers, body)
    plan = run(case, capture)
    assert capture.validation is not None and capture.validation.result == "missing"
    assert plan.status == 401
    first = capture.validation.detail.split("\n")[0]
    assert first.startswith("missing ")
    assert json.loads(plan.body) == {"error": first}


@pytest.mark.parametrize("case", [c for c in CASES if c.stale], ids=lambda c: c.vendor)
def test_a_stale_timestamp_is_invalid_though_the_signature_matches(case: Case) -> None:
    capture = case.capture(*case.request(ts=STALE))
    plan = run(case, capture)
    assert capture.validation is not None and capture.validation.result == "invalid"
    detail = capture.validation.detail
    assert detail.startswith("timestamp outside tolerance")
    assert "3600 s" in detail and "The signature itself matches." in detail
    assert plan.status == 401


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_simulate_signs_each_providers_samples_so_they_validate(case: Case) -> None:
    profile = provider(case.vendor)
    endpoint = endpoint_for(case)
    if profile.credential == "public-key":  # samples are signed with the sample key
        public = profile.sample_public_key()
        endpoint = Endpoint(endpoint.path, vendor=case.vendor, public_key=public)
    for event in profile.events:
        for sample in sample_requests(
            case.vendor, event, endpoint, rng=random.Random(1), base_url="http://127.0.0.1:8080"
        ):
            capture = sample.to_capture("live")
            capture.headers.append(("Host", "127.0.0.1:8080"))
            process_capture(capture, endpoint)
            assert capture.validation is not None
            assert capture.validation.result == "valid", (event, capture.validation.detail)
            assert capture.vendor == case.vendor


# -- the providers' own verifiers agree with our signer ----------------------------------


def _our_sample(vendor: str, secret: str, **kwargs: Any) -> tuple[dict[str, str], bytes]:
    endpoint = Endpoint("/" + vendor, vendor=vendor, secret=secret)
    (sample,) = sample_requests(vendor, None, endpoint, rng=random.Random(3), **kwargs)
    return dict(sample.headers), sample.body


def test_slack_sdk_verifies_what_we_sign() -> None:
    from slack_sdk.signature import SignatureVerifier

    headers, body = _our_sample("slack", "slack-signing-secret")
    verifier = SignatureVerifier("slack-signing-secret")
    assert verifier.is_valid_request(body, headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)


def test_squares_helper_verifies_what_we_sign() -> None:
    from square.utils.webhooks_helper import verify_signature

    url = "https://abc.ngrok-free.app"
    headers, body = _our_sample("square", "sq-key", base_url=url)
    assert verify_signature(
        request_body=body.decode(),
        signature_header=headers["x-square-hmacsha256-signature"],
        signature_key="sq-key",
        notification_url=url + "/square",
    )


def test_paddles_verifier_verifies_what_we_sign(monkeypatch: pytest.MonkeyPatch) -> None:
    from paddle_billing.Notifications import Secret, Verifier

    monkeypatch.setenv("TEST_MODE", "1")  # the SDK's switch for its five-second window
    headers, body = _our_sample("paddle", "pdl_ntfset_x", now=NOW)

    class Request:
        def __init__(self) -> None:
            self.body = body
            self.headers = headers

    assert Verifier().verify(Request(), Secret("pdl_ntfset_x"))
    assert not Verifier().verify(Request(), Secret("pdl_ntfset_y"))


def test_twilios_validator_verifies_what_we_sign() -> None:
    from urllib.parse import parse_qsl

    from twilio.request_validator import RequestValidator

    base = "https://abc.ngrok-free.app"
    headers, body = _our_sample("twilio", "auth-token", base_url=base)
    params = dict(parse_qsl(body.decode()))
    validator = RequestValidator("auth-token")
    assert validator.validate(base + "/twilio", params, headers["X-Twilio-Signature"])


def test_sendgrids_helper_verifies_our_sample_key() -> None:
    from sendgrid.helpers.eventwebhook import EventWebhook

    public = provider("sendgrid").sample_public_key()
    endpoint = Endpoint("/sendgrid", vendor="sendgrid", public_key=public)
    (sample,) = sample_requests("sendgrid", None, endpoint, rng=random.Random(3))
    headers = dict(sample.headers)
    hook = EventWebhook(public)
    assert hook.verify_signature(
        sample.body.decode(),
        headers["X-Twilio-Email-Event-Webhook-Signature"],
        headers["X-Twilio-Email-Event-Webhook-Timestamp"],
    )


def test_pynacl_verifies_our_discord_sample_key() -> None:
    from nacl.signing import VerifyKey

    public = provider("discord").sample_public_key()
    endpoint = Endpoint("/discord", vendor="discord", public_key=public)
    (sample,) = sample_requests("discord", None, endpoint, rng=random.Random(3))
    headers = dict(sample.headers)
    signed = headers["X-Signature-Timestamp"].encode() + sample.body
    VerifyKey(bytes.fromhex(public)).verify(signed, bytes.fromhex(headers["X-Signature-Ed25519"]))


def test_stripes_library_verifies_what_we_sign() -> None:
    import stripe

    headers, body = _our_sample("stripe", "whsec_abc", now=NOW)
    assert stripe.WebhookSignature.verify_header(
        body.decode(), headers["Stripe-Signature"], "whsec_abc", tolerance=None
    )


def test_githubs_documented_example_validates() -> None:
    """The secret and payload of GitHub's own example, with the signature it shows."""
    case = BY_VENDOR["github"]
    capture = Capture(
        method="POST",
        path="/github",
        headers=[
            ("X-GitHub-Event", "ping"),
            (
                "X-Hub-Signature-256",
                "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            ),
        ],
        body=b"Hello, World!",
    )
    endpoint = Endpoint("/github", vendor="github", secret="It's a Secret to Everybody")
    process_capture(capture, endpoint)
    assert capture.validation is not None and capture.validation.result == "valid"
    assert case.vendor == "github"


# -- Standard Webhooks under Svix's names (the reported miss) -------------------------------


def test_a_svix_signed_webhook_is_valid_on_a_standard_webhooks_endpoint() -> None:
    case = BY_VENDOR["svix"]
    headers, body = case.request()
    capture = case.capture(headers, body)
    endpoint = Endpoint("/svix", scheme="standard-webhooks", secret=case.credential)
    plan = process_capture(capture, endpoint, now=NOW)
    assert capture.validation is not None
    assert capture.validation.result == "valid", capture.validation.detail
    assert plan.status == 200
    # Tampered, the explanation names the header the request used.
    bad = case.capture(*case.request(tamper=True))
    process_capture(bad, endpoint, now=NOW)
    assert bad.validation is not None and bad.validation.result == "invalid"
    assert "signed as 'msg_2LJSsample." in bad.validation.detail


def test_standard_webhooks_library_signing_validates_on_the_svix_vendor() -> None:
    from datetime import UTC, datetime

    from standardwebhooks import Webhook

    body = b'{"type": "invoice.paid"}'
    sig = Webhook(BY_VENDOR["svix"].credential).sign(
        "msg_1", datetime.fromtimestamp(NOW, UTC), body.decode()
    )
    headers = [("webhook-id", "msg_1"), ("webhook-timestamp", str(NOW)), ("webhook-signature", sig)]
    capture = Capture(method="POST", path="/svix", headers=headers, body=body)
    process_capture(capture, endpoint_for(BY_VENDOR["svix"]), now=NOW)
    assert capture.validation is not None and capture.validation.result == "valid"
    assert capture.event == {"task_id": "msg_1", "event": "invoice.paid"}


def test_a_svix_request_without_its_id_says_which_header_is_missing() -> None:
    case = BY_VENDOR["svix"]
    headers, body = case.request()
    capture = case.capture(without(headers, ("svix-id",)), body)
    endpoint = Endpoint("/svix", scheme="standard-webhooks", secret=case.credential)
    process_capture(capture, endpoint, now=NOW)
    assert capture.validation is not None and capture.validation.result == "missing"
    assert capture.validation.detail.startswith("missing svix-id header")
    assert "webhook-id" in capture.validation.detail


# -- challenges: answered as the provider expects, and only when signed --------------------


def _signed(case: Case, payload: object, extra: list[tuple[str, str]] | None = None) -> Capture:
    body = json.dumps(payload).encode()
    added, body = case.sign(body, case.signing, NOW, case.url())
    return case.capture([*(extra or [("Content-Type", "application/json")]), *added], body)


def test_slack_url_verification_is_answered_with_its_challenge() -> None:
    case = BY_VENDOR["slack"]
    payload = {
        "token": "t",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }
    capture = _signed(case, payload)
    plan = run(case, capture)
    assert plan.status == 200 and json.loads(plan.body) == {"challenge": payload["challenge"]}
    forged = case.capture([("Content-Type", "application/json")], json.dumps(payload).encode())
    plan = run(case, forged)
    assert plan.status == 401 and b"3eZbrw" not in plan.body


def test_discord_ping_is_answered_pong_and_a_bad_signature_401() -> None:
    case = BY_VENDOR["discord"]
    capture = _signed(case, {"id": "1", "type": 1, "application_id": "2"})
    plan = run(case, capture)
    assert plan.status == 200 and json.loads(plan.body) == {"type": 1}
    forged = case.capture(*case.request(signing=case.wrong))
    assert run(case, forged).status == 401


def test_zoom_url_validation_is_answered_with_the_encrypted_token() -> None:
    import hashlib
    import hmac

    case = BY_VENDOR["zoom"]
    payload = {
        "event": "endpoint.url_validation",
        "event_ts": 1,
        "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"},
    }
    plan = run(case, _signed(case, payload))
    expected = hmac.new(case.credential.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256)
    assert plan.status == 200
    assert json.loads(plan.body) == {
        "plainToken": "qgg8vlvZRS6UYooatFL8Aw",
        "encryptedToken": expected.hexdigest(),
    }


def test_twitch_callback_verification_is_answered_with_the_raw_challenge() -> None:
    case = BY_VENDOR["twitch"]
    payload = {
        "challenge": "pogchamp-kappa-360noscope-vohiyo",
        "subscription": {"type": "channel.follow"},
    }
    capture = _signed(
        case,
        payload,
        [
            ("Content-Type", "application/json"),
            ("Twitch-Eventsub-Message-Type", "webhook_callback_verification"),
        ],
    )
    plan = run(case, capture)
    assert plan.status == 200 and plan.body == b"pogchamp-kappa-360noscope-vohiyo"
    assert ("Content-Type", "text/plain") in plan.headers


def test_a_challenge_signed_with_a_wrong_secret_is_not_answered() -> None:
    case = BY_VENDOR["zoom"]
    body = json.dumps({"event": "endpoint.url_validation", "payload": {"plainToken": "p"}})
    added, raw = case.sign(body.encode(), case.wrong, NOW, "")
    plan = run(case, case.capture([("Content-Type", "application/json"), *added], raw))
    assert plan.status == 401 and b"encryptedToken" not in plan.body


@pytest.mark.parametrize(
    ("vendor", "header", "value", "first_line"),
    [
        ("paddle", "Paddle-Signature", "h1=abc", "malformed Paddle-Signature"),
        (
            "calendly",
            "Calendly-Webhook-Signature",
            "t=soon,v1=ab",
            "malformed Calendly-Webhook-Signature",
        ),
        ("slack", "X-Slack-Signature", "abc", "malformed X-Slack-Signature"),
        (
            "twitch",
            "Twitch-Eventsub-Message-Timestamp",
            "yesterday",
            "malformed Twitch-Eventsub-Message-Timestamp",
        ),
        ("discord", "X-Signature-Ed25519", "not hex", "malformed X-Signature-Ed25519"),
    ],
)
def test_a_malformed_signature_header_says_what_was_expected(
    vendor: str, header: str, value: str, first_line: str
) -> None:
    case = BY_VENDOR[vendor]
    headers, body = case.request()
    headers = [*without(headers, (header.lower(),)), (header, value)]
    capture = case.capture(headers, body)
    plan = run(case, capture)
    assert capture.validation is not None and capture.validation.result == "invalid"
    assert capture.validation.detail.split("\n")[0] == first_line
    assert plan.status == 401


# -- re-signing an edited request, and Twilio's JSON bodies ---------------------------------

SECRET_CASES = [c for c in CASES if get_profile(c.vendor).credential == "secret"]


@pytest.mark.parametrize("case", SECRET_CASES, ids=[c.vendor for c in SECRET_CASES])
def test_an_edited_request_is_signed_again_as_the_provider_would(case: Case) -> None:
    from dataclasses import replace

    from inspector.core.resign import can_resign, resign

    endpoint = endpoint_for(case)
    assert can_resign(endpoint)
    headers, body = case.request()
    edited = replace(case.capture(headers, body), body=body.replace(b"sample", b"edited", 1))
    process_capture(edited, endpoint, now=NOW)
    assert edited.validation is not None and edited.validation.result == "invalid"
    again = resign(edited, endpoint, now=NOW)
    process_capture(again, endpoint, now=NOW)
    assert again.validation is not None
    assert again.validation.result == "valid", again.validation.detail


def test_key_pair_providers_cannot_be_signed_again() -> None:
    from inspector.core.resign import can_resign

    assert not can_resign(endpoint_for(BY_VENDOR["discord"]))


def test_a_twilio_json_body_is_checked_through_its_body_hash() -> None:
    import hashlib

    from twilio.request_validator import RequestValidator

    body = b'{"MessageSid": "SM1", "note": "sample"}'
    query = "bodySHA256=" + hashlib.sha256(body).hexdigest()
    url = f"https://abc.ngrok-free.app/twilio?{query}"
    signature = RequestValidator("twilio-auth-token").compute_signature(url, {})

    def capture(sent: bytes) -> Capture:
        return Capture(
            method="POST",
            path="/twilio",
            query=query,
            headers=[("Host", "abc.ngrok-free.app"), ("X-Twilio-Signature", signature)],
            body=sent,
            via="tunnel",
            public_url="https://abc.ngrok-free.app",
        )

    endpoint = endpoint_for(BY_VENDOR["twilio"])
    good = capture(body)
    process_capture(good, endpoint, now=NOW)
    assert good.validation is not None and good.validation.result == "valid", good.validation.detail
    bad = capture(body.replace(b"sample", b"edited"))
    process_capture(bad, endpoint, now=NOW)
    assert bad.validation is not None and bad.validation.result == "invalid"
    assert bad.validation.detail.startswith("body hash mismatch")


def test_detection_asks_a_header_vendor_only_about_requests_with_its_headers() -> None:
    """Seventeen providers are asked about every capture without an endpoint; those that
    name their headers are indexed by them, so the others' requests never reach them."""
    from inspector.core.vendors import register, unregister
    from inspector.core.vendors.descriptor import Vendor
    from inspector.core.vendors.generic import GenericProfile

    asked: list[str] = []

    class Probe(GenericProfile):
        id = "probe"
        title = "Probe"
        fallback = False
        detect_headers = ("x-probe-signature",)

        def score(self, capture: Capture, body: Any, obj: Any, headers: dict[str, str]) -> float:
            asked.append(capture.path)
            return 0.95

    register(Vendor(Probe(), default_path="/probe", samples=lambda e, r, n: []))
    try:
        plain = Capture(method="POST", path="/plain", headers=[("X-Other", "1")], body=b"{}")
        signed = Capture(method="POST", path="/signed", headers=[("X-Probe-Signature", "s")])
        assert detect_vendor(plain)[0] != "probe"
        assert detect_vendor(signed)[0] == "probe"
        assert asked == ["/signed"]
    finally:
        unregister("probe")


def test_a_twilio_webhooks_rule_signs_with_its_shared_key_and_sha256() -> None:
    from urllib.parse import parse_qsl

    from twilio.request_validator import RequestValidator

    case = BY_VENDOR["twilio"]
    body = case.make_body(NOW)
    url = case.url()
    signature = RequestValidator(case.credential).compute_signature(
        url, dict(parse_qsl(body.decode())), algorithm="HMAC_SHA256"
    )
    settings = (
        "X-Twilio-Webhooks-Signature-Settings",
        "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256",
    )
    headers = [*case.headers, ("X-Twilio-Signature", signature)]
    plain = case.capture(headers, body)
    run(case, plain)  # without the settings header: read as SHA-1, so it does not match
    assert plain.validation is not None and plain.validation.result == "invalid"
    ruled = case.capture([*headers, settings], body)
    run(case, ruled)
    assert ruled.validation is not None and ruled.validation.result == "valid"
    odd = case.capture([*headers, (settings[0], "key=k,algorithm=HMAC_MD5")], body)
    run(case, odd)
    assert odd.validation is not None
    assert odd.validation.detail.startswith("malformed X-Twilio-Webhooks-Signature-Settings")
