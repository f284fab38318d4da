"""Every provider through the real listener (127.0.0.1:0, real endpoints file, real HTTP),
signed as the provider signs (tests/provider_cases.py); Twilio and Square also as the
tunnel relays them: the URL they signed is the public https:// one."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from provider_cases import BY_VENDOR, CASES, Case

from inspector.core.endpoints import Endpoint, EndpointTable
from inspector.core.origin import TunnelMark
from inspector.core.store import CaptureStore
from inspector.core.vendors import get_profile
from inspector.net.listener import Listener

MARK = TunnelMark("X-Inspector-Tunnel", "agent-secret-for-tests")
PUBLIC_HOST = "abc123.ngrok-free.app"


@pytest.fixture
async def provider_listener(data_dir: Path, store: CaptureStore) -> AsyncIterator[Listener]:
    table = EndpointTable.load(data_dir)
    for case in CASES:
        if get_profile(case.vendor).credential == "public-key":
            table.add(Endpoint("/" + case.vendor, vendor=case.vendor, public_key=case.credential))
        else:
            table.add(Endpoint("/" + case.vendor, vendor=case.vendor, secret=case.credential))
    table.save()
    lst = Listener(store, port=0, endpoints=EndpointTable.load(data_dir), tunnel_marks=(MARK,))
    await lst.start()
    yield lst
    await lst.stop()


async def send(url: str, headers: list[tuple[str, str]], body: bytes) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as s, s.post(url, data=body, headers=headers) as r:
        return r.status, await r.read()


@pytest.mark.parametrize("case", CASES, ids=[c.vendor for c in CASES])
async def test_each_provider_through_the_listener(
    provider_listener: Listener, store: CaptureStore, case: Case
) -> None:
    url = case.url(provider_listener.url)
    headers, body = case.request(ts=int(time.time()), url=url)
    status, _ = await send(url, headers, body)
    assert status == case.status
    tampered_headers, tampered = case.request(ts=int(time.time()), url=url, tamper=True)
    status, answer = await send(url, tampered_headers, tampered)
    assert status == 401 and json.loads(answer)["error"].startswith("signature mismatch")
    good, bad = sorted(store.captures(), key=lambda c: c.received_at)
    assert good.vendor == case.vendor and good.validation.result == "valid"
    assert good.event is not None and good.event["event"] == case.event
    assert bad.validation.result == "invalid"


@pytest.mark.parametrize("vendor", ["twilio", "square"])
async def test_url_signing_providers_validate_the_public_url_through_the_tunnel(
    provider_listener: Listener, store: CaptureStore, vendor: str
) -> None:
    case = BY_VENDOR[vendor]
    public = f"https://{PUBLIC_HOST}/{vendor}"
    relayed = [
        ("Host", PUBLIC_HOST),
        ("X-Forwarded-For", "203.0.113.7"),
        ("X-Forwarded-Proto", "https"),
        (MARK.name, MARK.value),
    ]
    headers, body = case.request(ts=int(time.time()), url=public)
    status, _ = await send(case.url(provider_listener.url), [*headers, *relayed], body)
    assert status == 200
    # Signed for the local URL instead: rejected, saying which URL was used.
    local = case.url(provider_listener.url)
    headers, body = case.request(ts=int(time.time()), url=local)
    status, _ = await send(local, [*headers, *relayed], body)
    assert status == 401
    good, bad = sorted(store.captures(), key=lambda c: c.received_at)
    assert good.via == "tunnel" and good.validation.result == "valid"
    detail = bad.validation.detail
    assert bad.validation.result == "invalid"
    assert f"URL used: {public} (the public URL" in detail


async def test_the_public_url_stands_in_when_the_tunnel_sends_no_proto(
    provider_listener: Listener, store: CaptureStore
) -> None:
    """A tunnel program that adds no X-Forwarded-Proto: the known public URL's scheme."""
    case = BY_VENDOR["square"]
    provider_listener.public_url = f"https://{PUBLIC_HOST}"
    public = f"https://{PUBLIC_HOST}/square"
    headers, body = case.request(ts=int(time.time()), url=public)
    relayed = [("Host", PUBLIC_HOST), (MARK.name, MARK.value)]
    status, _ = await send(case.url(provider_listener.url), [*headers, *relayed], body)
    assert status == 200
    (capture,) = store.captures()
    assert capture.validation.result == "valid"


async def test_a_local_url_signature_mismatch_names_the_url_and_a_matching_variant(
    provider_listener: Listener, store: CaptureStore
) -> None:
    """Signed for https:// but received over plain local HTTP: the note says the https URL
    matches, so the user sees the URL set at the provider is not the one called."""
    case = BY_VENDOR["twilio"]
    local = case.url(provider_listener.url)
    headers, body = case.request(ts=int(time.time()), url=local.replace("http://", "https://"))
    status, _ = await send(local, headers, body)
    assert status == 401
    (capture,) = store.captures()
    detail = capture.validation.detail
    assert f"URL used: {local} (a local request" in detail
    assert "The signature matches the https:// URL" in detail
