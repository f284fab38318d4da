"""What the simulated vendor APIs do before a handler runs (inspector/net/sandbox/common.py:
``signed_in``, ``can_fail``): credentials are checked before an injected failure, a failure
injected for a sign-in call answers before the body is read, and Anesya reads the key from
the header of the API version the path belongs to."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from inspector.net.sandbox.anesya import AnesyaSim
from inspector.net.sandbox.blurit import BlurItSim
from inspector.net.sandbox.celantur import CelanturSim
from inspector.net.sandbox.common import SimServer

CELANTUR_SIGNIN = {"username": "user@example.com", "password": "s3cret-pass"}
BLURIT_LOGIN = {"clientId": "client-id", "secretId": "secret-id"}
CELANTUR_TASK = {"anonymization_method": "blur", "face": True}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


Start = Callable[[SimServer[Any]], Awaitable[str]]


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    """Starts a simulation (returns its base URL) and stops it after the test."""
    started: list[SimServer[Any]] = []

    async def run(sim: SimServer[Any]) -> str:
        started.append(sim)
        return await sim.start()

    yield run
    for sim in started:
        await sim.stop()


async def answer(
    http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
) -> tuple[int, Any]:
    async with http.request(method, url, **kwargs) as resp:
        return resp.status, await resp.json()


async def test_celantur_checks_the_token_before_an_injected_failure(
    http: aiohttp.ClientSession, start: Start
) -> None:
    sim = CelanturSim()
    base = await start(sim)
    _, signin = await answer(http, "POST", base + "/v2/signin", json=CELANTUR_SIGNIN)
    token = {"Authorization": signin["AccessToken"]}
    sim.fail_next("create_task", 402)
    # Without a token: the 401, and the failure stays queued for a signed-in call.
    assert await answer(http, "POST", base + "/v2/task/", json=CELANTUR_TASK) == (
        401,
        {"status_code": 401, "error": "Unauthorized"},
    )
    status, body = await answer(http, "POST", base + "/v2/task/", json=CELANTUR_TASK, headers=token)
    assert (status, body["status_code"]) == (402, 402)
    status, body = await answer(http, "POST", base + "/v2/task/", json=CELANTUR_TASK, headers=token)
    assert status == 200 and body["task_id"] in sim.tasks


async def test_blurit_checks_the_token_before_an_injected_failure(
    http: aiohttp.ClientSession, start: Start
) -> None:
    sim = BlurItSim()
    base = await start(sim)
    _, login = await answer(http, "POST", base + "/login", json=BLURIT_LOGIN)
    hook = {"webhookUrl": "http://127.0.0.1:9/hook"}
    sim.fail_next("webhook_create", 429)
    assert await answer(http, "POST", base + "/webhook-url", json=hook) == (
        401,
        {
            "statusCode": 401,
            "error": "Unauthorized",
            "message": "Missing or malformed Bearer token",
        },
    )
    bearer = {"Authorization": "Bearer " + login["token"]}
    assert await answer(http, "POST", base + "/webhook-url", json=hook, headers=bearer) == (
        429,
        {"statusCode": 429, "error": "Too Many Requests", "message": "Too many requests"},
    )
    status, body = await answer(http, "POST", base + "/webhook-url", json=hook, headers=bearer)
    assert status == 201 and body["uuid"] in sim.webhooks


@pytest.mark.parametrize(
    ("make", "path", "call"),
    [(CelanturSim, "/v2/signin", "signin"), (BlurItSim, "/login", "login")],
)
async def test_a_failure_injected_for_signing_in_answers_before_the_body_is_read(
    http: aiohttp.ClientSession,
    start: Start,
    make: type[CelanturSim | BlurItSim],
    path: str,
    call: str,
) -> None:
    sim = make()
    base = await start(sim)
    sim.fail_next(call, 429)
    status, _ = await answer(http, "POST", base + path, data=b"not json")
    assert status == 429
    status, _ = await answer(http, "POST", base + path, data=b"not json")
    assert status == 400


async def test_anesya_reads_the_key_from_the_header_of_the_paths_api_version(
    http: aiohttp.ClientSession, start: Start
) -> None:
    sim = AnesyaSim(api_keys=("key-1",))
    base = await start(sim)
    not_provided = (401, {"detail": "Authentication credentials were not provided."})
    document = aiohttp.FormData()
    document.add_field("file", b"%PDF-1.4\n", filename="a.pdf", content_type="application/pdf")
    # The older API: the raw key in Authorization; X-API-Key is not looked at.
    older = base + "/extract/"
    assert await answer(http, "GET", older, headers={"X-API-Key": "key-1"}) == not_provided
    assert await answer(http, "GET", older, headers={"Authorization": "key-2"}) == (
        401,
        {"detail": "Invalid API key."},
    )
    assert await answer(http, "GET", older, headers={"Authorization": "key-1"}) == (200, [])
    # v0: the key in X-API-Key; Authorization is not looked at.
    v0 = base + "/v0/documents"
    assert await answer(http, "POST", v0, headers={"Authorization": "key-1"}) == not_provided
    status, body = await answer(http, "POST", v0, data=document, headers={"X-API-Key": "key-1"})
    assert status == 201 and body["id"] in sim.documents
