"""Every scheme: valid, wrong secret, tampered body, missing header, stale timestamp; and the
explanations people read (never the secret, computed vs received for signatures)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from inspector.core.capture import Headers, Validation
from inspector.core.validation import (
    SCHEMES,
    SchemeConfig,
    check,
    check_all,
    check_github,
    check_query_token,
    check_standard_webhooks,
    check_stripe,
    check_token_header,
    format_seconds,
    mask,
    public_reason,
    sign,
    sign_github,
    sign_standard_webhooks,
    sign_stripe,
)
from inspector.core.validation.dispatch import SCHEME_HANDLERS

NOW = 1_750_000_000
BODY = b'{"taskId": "job-1", "status": "Succeeded"}'
SW_SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()

SIGNED_CONFIGS = [
    SchemeConfig("hmac-sha256", "hmac-secret-value", header="X-Signature"),
    SchemeConfig("hmac-sha256", "hmac-secret-value", header="X-Sig", encoding="base64"),
    SchemeConfig("hmac-sha256", "hmac-secret-value", header="X-Sig", prefix="sha256="),
    SchemeConfig("github", "github-secret-value"),
    SchemeConfig("stripe", "whsec_stripe_secret_value"),
    SchemeConfig("standard-webhooks", SW_SECRET),
]
IDS = ["hmac-hex", "hmac-base64", "hmac-prefix", "github", "stripe", "standard-webhooks"]
SIG_HEADER = {
    "hmac-sha256": None,
    "github": "X-Hub-Signature-256",
    "stripe": "Stripe-Signature",
    "standard-webhooks": "webhook-signature",
}


def signed(config: SchemeConfig, body: bytes = BODY, ts: int = NOW) -> Headers:
    headers, _query = sign(config, body, timestamp=ts, msg_id="msg_1")
    return [("Content-Type", "application/json"), *headers]


def sig_header(config: SchemeConfig) -> str:
    return SIG_HEADER[config.scheme] or config.header or ""


@pytest.mark.parametrize("config", SIGNED_CONFIGS, ids=IDS)
def test_valid_signature(config: SchemeConfig) -> None:
    result = check(config, signed(config), "", BODY, now=NOW)
    assert result.result == "valid", result.detail
    assert result.scheme == config.scheme


@pytest.mark.parametrize("config", SIGNED_CONFIGS, ids=IDS)
def test_wrong_secret_shows_computed_and_received_but_not_secret(config: SchemeConfig) -> None:
    other_secret = (
        "whsec_" + base64.b64encode(b"another-key-of-32-bytes-for-test").decode()
        if config.scheme == "standard-webhooks"
        else "some-other-secret"
    )
    other = SchemeConfig(config.scheme, other_secret, config.header, config.encoding, config.prefix)
    headers = signed(other)
    result = check(config, headers, "", BODY, now=NOW)
    assert result.result == "invalid"
    received = next(v for k, v in headers if k.lower() == sig_header(config).lower())
    # The received signature (or its v1 part) is shown so the user can compare.
    shown = received.split("v1=")[-1].split("v1,")[-1].removeprefix("sha256=")
    assert shown in result.detail
    assert "Computed" in result.detail
    assert config.secret not in result.detail
    assert other_secret not in result.detail
    # The short reason that goes back to the sender carries no signature at all.
    assert shown not in public_reason(result)
    assert "Computed" not in public_reason(result)


@pytest.mark.parametrize("config", SIGNED_CONFIGS, ids=IDS)
def test_tampered_body_is_invalid(config: SchemeConfig) -> None:
    tampered = BODY.replace(b"Succeeded", b"Failed")
    result = check(config, signed(config), "", tampered, now=NOW)
    assert result.result == "invalid"
    assert f"{len(tampered)} bytes" in result.detail


@pytest.mark.parametrize("config", SIGNED_CONFIGS, ids=IDS)
def test_missing_signature_header_names_it(config: SchemeConfig) -> None:
    name = sig_header(config)
    headers = [h for h in signed(config) if h[0].lower() != name.lower()]
    result = check(config, headers, "", BODY, now=NOW)
    assert result.result == "missing"
    assert name in result.detail


@pytest.mark.parametrize(
    "config", [c for c in SIGNED_CONFIGS if c.scheme in ("stripe", "standard-webhooks")]
)
@pytest.mark.parametrize("offset", [-3600, 3600])
def test_stale_or_future_timestamp_says_by_how_much(config: SchemeConfig, offset: int) -> None:
    result = check(config, signed(config, ts=NOW + offset), "", BODY, now=NOW)
    assert result.result == "invalid"
    assert public_reason(result) == "timestamp outside tolerance"
    assert "3600 s" in result.detail
    assert ("older than" if offset < 0 else "ahead of") in result.detail
    assert "signature itself matches" in result.detail


@pytest.mark.parametrize(
    "config", [c for c in SIGNED_CONFIGS if c.scheme in ("stripe", "standard-webhooks")]
)
def test_timestamp_inside_tolerance_is_valid(config: SchemeConfig) -> None:
    assert check(config, signed(config, ts=NOW - 299), "", BODY, now=NOW).result == "valid"
    assert check(config, signed(config, ts=NOW - 301), "", BODY, now=NOW).result == "invalid"


def test_timestamp_free_schemes_accept_old_messages() -> None:
    # hmac-sha256 and github sign no timestamp: an old delivery is as valid as a new one.
    for config in SIGNED_CONFIGS[:4]:
        assert check(config, signed(config, ts=0), "", BODY, now=NOW).result == "valid"


def test_github_documented_example() -> None:
    # The example from GitHub's "validating webhook deliveries" documentation.
    headers = [
        (
            "X-Hub-Signature-256",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        )
    ]
    assert check_github(headers, b"Hello, World!", "It's a Secret to Everybody").result == "valid"
    assert sign_github(b"Hello, World!", "It's a Secret to Everybody") == headers


def test_github_only_legacy_sha1_header() -> None:
    result = check_github([("X-Hub-Signature", "sha1=abc")], BODY, "s")
    assert result.result == "missing"
    assert "SHA-1" in result.detail


def test_standard_webhooks_independent_computation() -> None:
    key = base64.b64decode(SW_SECRET.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, b"msg_abc.1750000000." + BODY, hashlib.sha256).digest()
    ).decode()
    headers = sign_standard_webhooks(BODY, SW_SECRET, msg_id="msg_abc", timestamp=NOW)
    assert headers == [
        ("webhook-id", "msg_abc"),
        ("webhook-timestamp", "1750000000"),
        ("webhook-signature", f"v1,{expected}"),
    ]


def test_standard_webhooks_accepts_any_signature_in_the_list() -> None:
    headers = sign_standard_webhooks(BODY, SW_SECRET, msg_id="m", timestamp=NOW)
    sig = headers[2][1]
    rotated = [*headers[:2], ("webhook-signature", f"v1,AAAAbogus= {sig} v2,zzz")]
    assert check_standard_webhooks(rotated, BODY, SW_SECRET, now=NOW).result == "valid"


def test_standard_webhooks_raw_secret_mistake_is_explained() -> None:
    prefix = f"m.{NOW}.".encode()
    wrong = base64.b64encode(hmac.new(SW_SECRET.encode(), prefix + BODY, "sha256").digest())
    headers = [
        ("webhook-id", "m"),
        ("webhook-timestamp", str(NOW)),
        ("webhook-signature", "v1," + wrong.decode()),
    ]
    result = check_standard_webhooks(headers, BODY, SW_SECRET, now=NOW)
    assert result.result == "invalid"
    assert "base64-decoded" in result.detail


def test_standard_webhooks_names_each_missing_header() -> None:
    headers = sign_standard_webhooks(BODY, SW_SECRET, msg_id="m", timestamp=NOW)
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        result = check_standard_webhooks(
            [h for h in headers if h[0] != name], BODY, SW_SECRET, now=NOW
        )
        assert result.result == "missing"
        assert name in public_reason(result)


def test_standard_webhooks_bad_timestamp_and_bad_secret() -> None:
    headers = sign_standard_webhooks(BODY, SW_SECRET, msg_id="m", timestamp=NOW)
    bad_ts = [headers[0], ("webhook-timestamp", "yesterday"), headers[2]]
    assert "malformed" in check_standard_webhooks(bad_ts, BODY, SW_SECRET, now=NOW).detail
    result = check_standard_webhooks(headers, BODY, "whsec_not base64!", now=NOW)
    assert result.result == "invalid"
    assert "not base64" in result.detail


def test_stripe_independent_computation_and_rotation() -> None:
    secret = "whsec_stripe_secret_value"
    expected = hmac.new(secret.encode(), f"{NOW}.".encode() + BODY, "sha256").hexdigest()
    assert sign_stripe(BODY, secret, timestamp=NOW) == [
        ("Stripe-Signature", f"t={NOW},v1={expected}")
    ]
    rotated = [("Stripe-Signature", f"t={NOW},v1={'0' * 64},v1={expected},v0=abc")]
    assert check_stripe(rotated, BODY, secret, now=NOW).result == "valid"


@pytest.mark.parametrize("value", ["v1=abc", f"t={NOW}", "garbage", f"t=soon,v1={'0' * 64}"])
def test_stripe_malformed_header(value: str) -> None:
    result = check_stripe([("Stripe-Signature", value)], BODY, "s", now=NOW)
    assert result.result == "invalid"
    assert "malformed" in public_reason(result)


# -- hmac-sha256 explanations ------------------------------------------------------------


def test_hmac_hex_signature_is_case_insensitive() -> None:
    config = SIGNED_CONFIGS[0]
    headers = [(k, v.upper()) for k, v in signed(config)]
    assert check(config, headers, "", BODY).result == "valid"


def test_hmac_encoding_mismatch_is_explained() -> None:
    hex_config = SchemeConfig("hmac-sha256", "k", header="X-Sig", encoding="hex")
    b64_headers = sign(SchemeConfig("hmac-sha256", "k", header="X-Sig", encoding="base64"), BODY)
    result = check(hex_config, b64_headers[0], "", BODY)
    assert result.result == "invalid"
    assert "base64-encoded" in result.detail


def test_hmac_missing_and_unexpected_prefix() -> None:
    plain = SchemeConfig("hmac-sha256", "k", header="X-Sig")
    prefixed = SchemeConfig("hmac-sha256", "k", header="X-Sig", prefix="sha256=")
    result = check(prefixed, sign(plain, BODY)[0], "", BODY)
    assert result.result == "invalid"
    assert "prefix 'sha256='" in result.detail and "signature itself is right" in result.detail
    result = check(plain, sign(prefixed, BODY)[0], "", BODY)
    assert result.result == "invalid"
    assert "expects no prefix" in result.detail


def test_hmac_signed_over_reserialised_json_is_explained() -> None:
    # The sender signed compact JSON but sent it pretty-printed.
    compact = json.dumps(json.loads(BODY), separators=(",", ":")).encode()
    config = SIGNED_CONFIGS[0]
    result = check(config, sign(config, compact)[0], "", BODY)
    assert result.result == "invalid"
    assert "re-serialised compactly" in result.detail
    assert "signed different bytes" in result.detail


def test_hmac_trailing_newline_is_explained() -> None:
    config = SIGNED_CONFIGS[0]
    result = check(config, sign(config, BODY)[0], "", BODY + b"\n")
    assert "without its surrounding whitespace" in result.detail


# -- token schemes -----------------------------------------------------------------------

TOKEN = "tok-0123456789abcdef0123456789abcdef"


def test_token_header_valid_wrong_missing() -> None:
    assert check_token_header([("X-Auth-Token", TOKEN)], "X-Auth-Token", TOKEN).result == "valid"
    wrong = check_token_header([("x-auth-token", "nope-" + TOKEN)], "X-Auth-Token", TOKEN)
    assert wrong.result == "invalid"
    assert "X-Auth-Token" in public_reason(wrong)
    assert TOKEN not in wrong.detail
    assert "no…ef (41 chars)" in wrong.detail
    missing = check_token_header([("Authorization", TOKEN)], "X-Auth-Token", TOKEN)
    assert missing.result == "missing"
    assert "X-Auth-Token" in missing.detail and "Authorization" in missing.detail
    assert TOKEN not in missing.detail


def test_token_header_bearer_prefix_and_whitespace() -> None:
    bearer = check_token_header([("X-Auth-Token", f"Bearer {TOKEN}")], "X-Auth-Token", TOKEN)
    assert bearer.result == "invalid"
    assert "'Bearer ' prefix" in bearer.detail and TOKEN not in bearer.detail
    spaced = check_token_header([("X-Auth-Token", f" {TOKEN}\t")], "X-Auth-Token", TOKEN)
    assert spaced.result == "invalid"
    assert "whitespace" in spaced.detail


def test_token_header_does_not_cover_the_body() -> None:
    # A shared token authenticates the sender, not the bytes: tampering goes unnoticed.
    config = SchemeConfig("token-header", TOKEN, header="X-Auth-Token")
    assert check(config, [("X-Auth-Token", TOKEN)], "", b"tampered").result == "valid"


def test_query_token() -> None:
    assert check_query_token(f"a=1&key={TOKEN}", "key", TOKEN).result == "valid"
    assert check_query_token("key=s%20e%26cret", "key", "s e&cret").result == "valid"
    wrong = check_query_token("key=wrong", "key", TOKEN)
    assert wrong.result == "invalid" and TOKEN not in wrong.detail
    missing = check_query_token("a=1&b=2", "key", TOKEN)
    assert missing.result == "missing"
    assert "a, b" in missing.detail
    assert check_query_token("", "key", TOKEN).result == "missing"


def test_query_token_sign_roundtrip() -> None:
    config = SchemeConfig("query-token", "v a&l", query_name="key")
    headers, query = sign(config, b"")
    assert headers == [] and query == "key=v+a%26l"
    assert check(config, [], query, b"").result == "valid"


def test_check_all_combines_and_reports_first_failure() -> None:
    configs = [
        SchemeConfig("query-token", "q", query_name="key"),
        SchemeConfig("hmac-sha256", "k", header="X-Sig"),
    ]
    headers, _ = sign(configs[1], BODY)
    ok = check_all(configs, headers, "key=q", BODY)
    assert ok.result == "valid" and ok.scheme == "query-token+hmac-sha256"
    bad = check_all(configs, headers, "key=x", BODY)
    assert bad.result == "invalid" and "query parameter key" in bad.detail
    assert check_all([], headers, "", BODY) == Validation(
        "unchecked", None, "no token or secret configured for this endpoint"
    )


def test_non_ascii_received_values_do_not_crash() -> None:
    config = SIGNED_CONFIGS[0]
    result = check(config, [("X-Signature", "sïgnätüre☃")], "", BODY)
    assert result.result == "invalid"
    assert check_token_header([("X", "tökén")], "X", TOKEN).result == "invalid"


def test_scheme_config_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="unknown scheme 'md5'"):
        SchemeConfig("md5", "s")
    with pytest.raises(ValueError, match="encoding"):
        SchemeConfig("hmac-sha256", "s", encoding="base32")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="NAME=VALUE"):
        SchemeConfig("query-token", "s")


def test_every_scheme_has_a_check_and_a_sign() -> None:
    # SchemeConfig accepts exactly the SCHEMES ids; the dispatch must serve each of them.
    assert list(SCHEME_HANDLERS) == list(SCHEMES)


def test_mask_and_format_seconds() -> None:
    assert mask("abcdefghijklmnop") == "ab…op (16 chars)"
    assert mask("short") == "… (5 chars)"
    assert format_seconds(45) == "45 s"
    assert format_seconds(-3600) == "3600 s (60 min)"
    assert format_seconds(90_000) == "90000 s (25 h 0 min)"


def test_standard_webhooks_published_test_vector() -> None:
    # The example used across the Standard Webhooks reference libraries' tests.
    headers = [
        ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
        ("webhook-timestamp", "1614265330"),
        ("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
    ]
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert check_standard_webhooks(headers, body, secret, now=1614265330).result == "valid"
    assert (
        sign_standard_webhooks(
            body, secret, msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp=1614265330
        )
        == headers
    )
