"""Re-signing an edited body makes it validate again; the old signature would not."""

from __future__ import annotations

import time

import pytest

from inspector.core.capture import Capture
from inspector.core.endpoints import Endpoint
from inspector.core.resign import resign, signing_configs
from inspector.core.simulate import sample_requests
from inspector.core.vendors import get_profile

ENDPOINTS = [
    Endpoint(
        "/sw",
        vendor="generic",
        scheme="standard-webhooks",
        secret="whsec_" + "c2VjcmV0LWtleS0xMjM0NTY3ODkw",
    ),
    Endpoint("/gh", vendor="generic", scheme="github", secret="gh-secret"),
    Endpoint("/st", vendor="generic", scheme="stripe", secret="whsec_stripe"),
    Endpoint(
        "/hm",
        vendor="generic",
        scheme="hmac-sha256",
        secret="k",
        header="X-Sig",
        encoding="base64",
        prefix="sha256=",
    ),
]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.scheme or "" for e in ENDPOINTS])
def test_edited_body_validates_only_after_resigning(endpoint: Endpoint) -> None:
    (sample,) = sample_requests("generic", endpoint=endpoint)
    original = sample.to_capture()
    profile = get_profile("generic")
    assert profile.validate(original, endpoint).result == "valid"
    edited = Capture(
        method=original.method,
        path=original.path,
        query=original.query,
        headers=list(original.headers),
        body=original.body_bytes.replace(b"sample", b"EDITED"),
    )
    assert edited.body != original.body
    assert profile.validate(edited, endpoint).result == "invalid"
    fixed = resign(edited, endpoint, now=time.time())
    assert profile.validate(fixed, endpoint).result == "valid"
    # same header names in the same order: the signature was replaced in place
    assert [k.lower() for k, _ in fixed.headers] == [k.lower() for k, _ in edited.headers]


def test_token_only_endpoint_has_nothing_to_sign() -> None:
    assert signing_configs(Endpoint("/b", vendor="blurit", token="t")) == []
