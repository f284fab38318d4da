"""Our vendor API clients against local doubles of Celantur, BlurIt and Anesya.

Each test checks what the double received (auth header, path, query, form fields) and how
the client turns the vendor's answers into results or one-sentence :class:`VendorError`\\ s.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from helpers import wait_until_async
from yarl import URL

from inspector.net.sandbox.anesya import AnesyaSim
from inspector.net.sandbox.blurit import BlurItSim
from inspector.net.sandbox.celantur import CelanturSim
from inspector.net.vendors import VendorError
from inspector.net.vendors.anesya import AnesyaClient
from inspector.net.vendors.blurit import BlurItClient
from inspector.net.vendors.celantur import CelanturClient, CelanturV1Client

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8
PDF = b"%PDF-1.7\n" + b"0" * 2048
TRICKY_WEBHOOK = "http://127.0.0.1:9/celantur-v1/hook?key=a+b&next=c=d&sig=x%2By&sp=%20"

CELANTUR_USER, CELANTUR_PASS = "user@example.com", "s3cret-pass"
BLURIT_ID, BLURIT_SECRET = "client-id", "secret-id"
ANESYA_KEY = "anesya-test-key"


@pytest.fixture
async def make_celantur() -> AsyncIterator[Callable[..., Any]]:
    doubles: list[CelanturSim] = []

    async def make(**switches: Any) -> tuple[CelanturSim, str]:
        double = CelanturSim(**switches)
        doubles.append(double)
        return double, await double.start()

    yield make
    for double in doubles:
        await double.stop()


@pytest.fixture
async def blurit() -> AsyncIterator[BlurItSim]:
    double = BlurItSim(step_delay=0.05)
    await double.start()
    yield double
    await double.stop()


@pytest.fixture
async def anesya() -> AsyncIterator[AnesyaSim]:
    double = AnesyaSim(step_delay=0.05)
    await double.start()
    yield double
    await double.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- Celantur v2 -----------------------------------------------------------------------------


async def test_celantur_v2_sends_raw_token_and_uploads_without_auth(
    make_celantur: Callable[..., Any],
) -> None:
    double, base = await make_celantur()
    seen: list[tuple[int, int]] = []
    async with CelanturClient(CELANTUR_USER, CELANTUR_PASS, base_url=base) as client:
        task = await client.create_task(method="pixelate", license_plate=True)
        await client.upload(task.upload_url, JPEG, progress=lambda s, t: seen.append((s, t)))
        await wait_until_async(lambda: double.tasks[task.task_id].status == "done")
        status = await client.get_status(task.task_id)
        whole = await client.get_task(task.task_id)
        image = await client.download(status["anonymized_url"])

    api = double.api_requests()
    assert [r.path for r in api] == [
        "/v2/signin/",
        "/v2/task/",
        f"/v2/task/{task.task_id}/status",
        f"/v2/task/{task.task_id}",
    ]
    token = api[0 + 1].header("Authorization")
    assert token and token.startswith("eyJ") and not token.startswith("Bearer ")
    assert all(r.header("Authorization") == token for r in api[1:])
    upload = double.upload_requests[0]
    assert upload.header("Authorization") is None
    assert upload.header("Content-Length") == str(len(JPEG))
    sent = double.tasks[task.task_id]
    assert sent.params == {
        "anonymization_method": "pixelate",
        "face": True,
        "license-plate": True,
        "person": False,
        "vehicle": False,
    }
    assert sent.image == JPEG and image == JPEG
    assert status["task_status"] == "done" and whole["webhook_status"] == "empty"
    assert isinstance(task.task_id, int)
    assert seen[0] == (0, len(JPEG)) and seen[-1] == (len(JPEG), len(JPEG))
    assert [s for s, _ in seen] == sorted(s for s, _ in seen)


async def test_celantur_reads_the_older_nested_signin_shape(
    make_celantur: Callable[..., Any],
) -> None:
    double, base = await make_celantur(signin_shape="nested")
    async with CelanturClient(CELANTUR_USER, CELANTUR_PASS, base_url=base) as client:
        task = await client.create_task()
    assert task.task_id in double.tasks


async def test_celantur_double_refuses_a_bearer_prefix(make_celantur: Callable[..., Any]) -> None:
    double, base = await make_celantur()
    async with CelanturClient(CELANTUR_USER, CELANTUR_PASS, base_url=base) as client:
        token = await client.sign_in()
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{base}/v2/task/",
            json={"anonymization_method": "blur", "face": True},
            headers={"Authorization": f"Bearer {token}"},
        ) as resp,
    ):
        assert resp.status == 401
        assert await resp.json() == {"status_code": 401, "error": "Unauthorized"}
    assert not double.tasks


async def test_celantur_400_is_the_vendors_own_message(make_celantur: Callable[..., Any]) -> None:
    _double, base = await make_celantur()
    async with CelanturClient(CELANTUR_USER, CELANTUR_PASS, base_url=base) as client:
        with pytest.raises(VendorError) as err:
            await client.create_task(extra={"colour": "red"})
    assert str(err.value) == (
        "Could not create task. colour parameter caused an error. This parameter does not exist."
    )
    assert err.value.status == 400


async def test_celantur_refused_credentials(make_celantur: Callable[..., Any]) -> None:
    _double, base = await make_celantur()
    async with CelanturClient(CELANTUR_USER, "wrong", base_url=base) as client:
        with pytest.raises(VendorError, match=r"^the Celantur credentials were refused$"):
            await client.create_task()


@pytest.mark.parametrize(
    ("status", "sentence"),
    [
        (402, "payment required on this Celantur account"),
        (413, "the file is too large for Celantur"),
        (429, "Celantur is rate limiting these requests; wait and try again"),
    ],
)
async def test_celantur_injected_failures_become_sentences(
    make_celantur: Callable[..., Any], status: int, sentence: str
) -> None:
    double, base = await make_celantur()
    double.fail_next("create_task", status)
    async with CelanturClient(CELANTUR_USER, CELANTUR_PASS, base_url=base) as client:
        with pytest.raises(VendorError) as err:
            await client.create_task()
        assert str(err.value) == sentence and err.value.status == status
        # Only the next call was made to fail.
        assert (await client.create_task()).task_id in double.tasks


async def test_celantur_expired_token_means_signing_in_again(
    make_celantur: Callable[..., Any],
) -> None:
    double, base = await make_celantur()
    async with CelanturClient(CELANTUR_USER, CELANTUR_PASS, base_url=base) as client:
        task = await client.create_task()
        double.expire_tokens()
        assert (await client.get_status(task.task_id))["task_status"] == "new"
    assert double.signins == 2


async def test_celantur_token_lifetime_is_respected_without_a_401(
    make_celantur: Callable[..., Any],
) -> None:
    lifetime = 0.2
    double, base = await make_celantur(token_lifetime=lifetime)
    async with CelanturClient(CELANTUR_USER, CELANTUR_PASS, base_url=base) as client:
        task = await client.create_task()
        # Outliving the token is the behaviour under test, not a wait for an event.
        await asyncio.sleep(lifetime)
        await client.get_status(task.task_id)
    # Signed in again before the call: the double never had to answer 401.
    assert [r.path for r in double.requests] == [
        "/v2/signin/",
        "/v2/task/",
        "/v2/signin/",
        f"/v2/task/{task.task_id}/status",
    ]


@pytest.mark.parametrize("webhook_on_failed", [True, False])
async def test_celantur_non_image_fails_with_content_type_error(
    make_celantur: Callable[..., Any], listener: Any, webhook_on_failed: bool
) -> None:
    double, base = await make_celantur(webhook_on_failed=webhook_on_failed)
    async with CelanturClient(CELANTUR_USER, CELANTUR_PASS, base_url=base) as client:
        task = await client.submit(b"GIF89a not an image", webhook=f"{listener.url}/celantur")
        await double.wait_idle()  # processing finished, the webhook (if any) delivered
        assert double.tasks[task.task_id].status == "failed"
        status = await client.get_status(task.task_id)
    assert status["failure_cause"] == "CONTENT_TYPE_ERROR"
    assert len(double.deliveries) == (1 if webhook_on_failed else 0)
    if webhook_on_failed:
        assert double.deliveries[0].json["task_status"] == "failed"
        assert status["webhook_status"] == "sent"
    else:
        assert status["webhook_status"] == "set"


async def test_celantur_strict_https_switch_refuses_http_webhooks(
    make_celantur: Callable[..., Any],
) -> None:
    _double, base = await make_celantur(strict_https=True)
    async with CelanturClient(CELANTUR_USER, CELANTUR_PASS, base_url=base) as client:
        with pytest.raises(VendorError, match="webhook parameter caused an error"):
            await client.create_task(webhook="http://127.0.0.1:1/hook")
        assert await client.create_task(webhook="https://example.test/hook")


async def test_celantur_cancelled_upload_aborts_cleanly(make_celantur: Callable[..., Any]) -> None:
    double, base = await make_celantur()
    big = JPEG + b"\x00" * (8 * 1024 * 1024)
    started = asyncio.Event()
    progress: list[int] = []

    def on_progress(sent: int, _total: int) -> None:
        progress.append(sent)
        if sent > 0:
            started.set()

    async with CelanturClient(CELANTUR_USER, CELANTUR_PASS, base_url=base) as client:
        task = await client.create_task()
        upload = asyncio.ensure_future(client.upload(task.upload_url, big, progress=on_progress))
        await started.wait()
        upload.cancel()
        with pytest.raises(asyncio.CancelledError):
            await upload
        await wait_until_async(lambda: double.aborted_uploads == 1)
        assert progress[-1] < len(big)
        # Nothing was stored or processed, and the client still works.
        assert double.tasks[task.task_id].image is None
        assert (await client.get_status(task.task_id))["task_status"] == "new"


async def test_celantur_upload_url_must_not_be_reencoded(
    make_celantur: Callable[..., Any],
) -> None:
    double, base = await make_celantur()
    async with CelanturClient(CELANTUR_USER, CELANTUR_PASS, base_url=base) as client:
        task = await client.create_task()
        assert "%2F" in task.upload_url  # the credential's slashes are escaped
        await client.upload(task.upload_url, JPEG)
        # A tampered signature is refused with one sentence.
        tampered = task.upload_url.replace("X-Amz-Expires=3600", "X-Amz-Expires=9999")
        with pytest.raises(VendorError, match="upload URL was refused"):
            await client.upload(tampered, JPEG)
    assert double.upload_requests[0].raw_query == task.upload_url.partition("?")[2]


async def test_unreachable_vendor_is_one_sentence() -> None:
    port = free_port()
    async with CelanturClient("u", "p", base_url=f"http://127.0.0.1:{port}") as client:
        with pytest.raises(VendorError, match=rf"^cannot reach 127\.0\.0\.1:{port}: "):
            await client.sign_in()


# -- Celantur v1 -----------------------------------------------------------------------------


async def test_celantur_v1_webhook_parameter_decodes_to_exactly_the_url(
    make_celantur: Callable[..., Any],
) -> None:
    double, base = await make_celantur()
    async with CelanturV1Client(CELANTUR_USER, CELANTUR_PASS, base_url=base) as client:
        answer = await client.upload_file(JPEG, name="street.jpg", webhook=TRICKY_WEBHOOK)
        status = await client.file_status(answer["file_id"])
    task = double.tasks[answer["file_id"]]
    assert task.webhook == TRICKY_WEBHOOK
    assert not task.webhook_looks_truncated and task.extra_params == {}
    assert task.params["method"] == "blur" and task.params["face"] == "True"
    assert task.name == "street.jpg"
    assert answer["webhook_status"] == "set" and status["webhook"] == TRICKY_WEBHOOK
    signin, upload = double.api_requests()[:2]
    assert signin.path == "/v1/signin"
    assert upload.header("Authorization") and not upload.header("Authorization").startswith(
        "Bearer "
    )
    # Encoded as a whole: no raw '&', '=', '+' or '?' of the URL in the query string.
    webhook_raw = upload.raw_query.partition("webhook=")[2]
    assert not any(c in webhook_raw for c in "&=+?/:")


async def test_celantur_v1_double_flags_an_unencoded_webhook(
    make_celantur: Callable[..., Any],
) -> None:
    """The mistake the product must catch: the double detects it (so the test above can fail)."""
    double, base = await make_celantur()
    async with CelanturV1Client(CELANTUR_USER, CELANTUR_PASS, base_url=base) as client:
        token = await client.sign_in()
    raw = URL(
        f"{base}/v1/file?method=blur&face=True&name=x.jpg&webhook={TRICKY_WEBHOOK}", encoded=True
    )
    async with (
        aiohttp.ClientSession() as session,
        session.post(raw, data=JPEG, headers={"Authorization": token}) as resp,
    ):
        answer = await resp.json()
    task = double.tasks[answer["file_id"]]
    assert task.webhook == "http://127.0.0.1:9/celantur-v1/hook?key=a b"
    assert task.webhook_looks_truncated
    assert set(task.extra_params) == {"next", "sig", "sp"}


async def test_celantur_v1_too_large_file(make_celantur: Callable[..., Any]) -> None:
    _double, base = await make_celantur(v1_max_bytes=1000)
    async with CelanturV1Client(CELANTUR_USER, CELANTUR_PASS, base_url=base) as client:
        with pytest.raises(VendorError, match=r"^the file is too large for Celantur$"):
            await client.upload_file(JPEG, name="big.jpg")


# -- BlurIt ----------------------------------------------------------------------------------


async def test_blurit_uses_bearer_and_multipart_job_fields(blurit: BlurItSim) -> None:
    seen: list[int] = []
    async with BlurItClient(BLURIT_ID, BLURIT_SECRET, base_url=blurit.base_url) as client:
        job_id = await client.create_job(
            JPEG,
            "street.jpg",
            plates=False,
            blur_type="pixelate",
            content_type="image/jpeg",
            progress=lambda s, _t: seen.append(s),
        )
        await wait_until_async(lambda: blurit.jobs[job_id].status == "Succeeded")
        status = await client.job_status(job_id)
        media = await client.download_result(status["output_media"])
        detections = await client.download_result(f"{job_id}.json")
    login, create = blurit.requests[0], blurit.requests[1]
    assert login.path == "/login" and login.header("Authorization") is None
    authed = blurit.requests[1:]
    assert all((r.header("Authorization") or "").startswith("Bearer ") for r in authed)
    assert create.form == {
        "activation_faces_blur": "true",
        "activation_plates_blur": "false",
        "output_detections_url": "false",
        "blur_type": '{"anonymization_type": "pixelate"}',
    }
    assert blurit.jobs[job_id].media == JPEG and blurit.jobs[job_id].filename == "street.jpg"
    assert media == JPEG and detections.startswith(b"{")
    assert seen[-1] == len(JPEG)
    assert blurit.jobs[job_id].history == ["Sent", "Started", "Succeeded"]


async def test_blurit_double_refuses_a_raw_token(blurit: BlurItSim) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{blurit.base_url}/login", json={"clientId": BLURIT_ID, "secretId": BLURIT_SECRET}
        ) as resp:
            token = (await resp.json())["token"]
        async with session.get(
            f"{blurit.base_url}/webhook-url/get-many", headers={"Authorization": token}
        ) as resp:
            assert resp.status == 401
            body = await resp.json()
    assert set(body) == {"statusCode", "error", "message"} and body["statusCode"] == 401


async def test_blurit_expired_token_is_refreshed(blurit: BlurItSim) -> None:
    async with BlurItClient(BLURIT_ID, BLURIT_SECRET, base_url=blurit.base_url) as client:
        await client.list_webhooks()
        blurit.expire_tokens()
        await client.list_webhooks()
    assert (blurit.logins, blurit.refreshes) == (1, 1)
    refresh = next(r for r in blurit.requests if r.path == "/token")
    # The refresh call carries the expired token as Bearer.
    assert (refresh.header("Authorization") or "").startswith("Bearer ")


async def test_blurit_refused_refresh_falls_back_to_login(blurit: BlurItSim) -> None:
    async with BlurItClient(BLURIT_ID, BLURIT_SECRET, base_url=blurit.base_url) as client:
        await client.list_webhooks()
        blurit.expire_tokens()
        blurit.fail_next("refresh", 401)
        assert await client.list_webhooks() == []
    assert (blurit.logins, blurit.refreshes) == (2, 0)


async def test_blurit_lifetime_expiry_refreshes_before_the_call() -> None:
    lifetime = 0.2
    double = BlurItSim(token_lifetime=lifetime)
    await double.start()
    try:
        async with BlurItClient(BLURIT_ID, BLURIT_SECRET, base_url=double.base_url) as client:
            await client.list_webhooks()
            # Outliving the token is the behaviour under test, not a wait for an event.
            await asyncio.sleep(lifetime)
            await client.list_webhooks()
    finally:
        await double.stop()
    assert (double.logins, double.refreshes) == (1, 1)
    assert [r.path for r in double.requests] == [
        "/login",
        "/webhook-url/get-many",
        "/token",
        "/webhook-url/get-many",
    ]


@pytest.mark.parametrize(
    ("call", "status", "sentence"),
    [
        ("create_job", 402, "payment required on this BlurIt account"),
        ("create_job", 413, "the file is too large for BlurIt"),
        (
            "create_job",
            429,
            "BlurIt is rate limiting these requests (too many, too fast); wait and try again",
        ),
        ("login", 401, "the BlurIt credentials were refused"),
    ],
)
async def test_blurit_errors_become_sentences(
    blurit: BlurItSim, call: str, status: int, sentence: str
) -> None:
    blurit.fail_next(call, status, times=3)
    async with BlurItClient(BLURIT_ID, BLURIT_SECRET, base_url=blurit.base_url) as client:
        with pytest.raises(VendorError) as err:
            await client.create_job(JPEG, "a.jpg")
    assert str(err.value) == sentence and err.value.status == status


async def test_blurit_polling_too_fast_gets_429() -> None:
    double = BlurItSim(min_poll_interval=5.0)
    await double.start()
    try:
        async with BlurItClient(BLURIT_ID, BLURIT_SECRET, base_url=double.base_url) as client:
            job = await client.create_job(JPEG, "a.jpg")
            await client.job_status(job)
            with pytest.raises(VendorError, match="rate limiting") as err:
                await client.job_status(job)
    finally:
        await double.stop()
    assert err.value.status == 429


async def test_blurit_wrong_secret(blurit: BlurItSim) -> None:
    async with BlurItClient(BLURIT_ID, "nope", base_url=blurit.base_url) as client:
        with pytest.raises(VendorError, match=r"^the BlurIt credentials were refused$"):
            await client.list_webhooks()


async def test_blurit_webhook_api_round_trip(blurit: BlurItSim, listener: Any) -> None:
    async with BlurItClient(BLURIT_ID, BLURIT_SECRET, base_url=blurit.base_url) as client:
        created = await client.create_webhook(f"{listener.url}/blurit")
        assert created.active and len(created.webhook_token) >= 16
        listed = await client.list_webhooks()
        assert [h.uuid for h in listed] == [created.uuid]
        moved = await client.update_webhook(created.uuid, f"{listener.url}/blurit2")
        assert moved.webhook_url.endswith("/blurit2")
        assert moved.webhook_token == created.webhook_token
        answer = await client.test_webhook(created.uuid)
        await client.delete_webhook(created.uuid)
        assert await client.list_webhooks() == []
        with pytest.raises(VendorError, match="does not know this job or webhook"):
            await client.delete_webhook(created.uuid)
    test_call = blurit.deliveries[0]
    assert test_call.test and test_call.headers["X-Auth-Token"] == created.webhook_token
    assert test_call.url.endswith("/blurit2")
    # Without a blurit endpoint on that path our listener's answer lacks taskId.
    assert answer["success"] is False and not test_call.compliant


async def test_blurit_ensure_webhook_created_unchanged_updated(blurit: BlurItSim) -> None:
    async with BlurItClient(BLURIT_ID, BLURIT_SECRET, base_url=blurit.base_url) as client:
        uid, token, action = await client.ensure_webhook("https://one.ngrok-free.app/blurit")
        assert action == "created" and blurit.webhooks[uid].token == token
        assert await client.ensure_webhook("https://one.ngrok-free.app/blurit") == (
            uid,
            token,
            "unchanged",
        )
        # The tunnel restarted on a new host: the same registration is moved, not added.
        moved = await client.ensure_webhook("https://two.ngrok-free.app/blurit")
        assert moved == (uid, token, "updated")
        assert blurit.webhooks[uid].url == "https://two.ngrok-free.app/blurit"
        # An explicitly named previous URL wins over the same-path guess.
        other = blurit.add_webhook("https://elsewhere.test/hooks/x")
        again = await client.ensure_webhook(
            "https://three.test/new-path", previous_url="https://elsewhere.test/hooks/x"
        )
        assert again[0] == other and again[2] == "updated"
        # An inactive registration of the very URL is re-activated.
        await client.update_webhook(uid, "https://two.ngrok-free.app/blurit", active=False)
        assert (await client.ensure_webhook("https://two.ngrok-free.app/blurit"))[2] == "updated"
        assert blurit.webhooks[uid].active
    assert len(blurit.webhooks) == 2


async def test_blurit_ensure_webhook_respects_the_limit_of_five(blurit: BlurItSim) -> None:
    for n in range(5):
        blurit.add_webhook(f"https://host{n}.test/other{n}")
    async with BlurItClient(BLURIT_ID, BLURIT_SECRET, base_url=blurit.base_url) as client:
        with pytest.raises(VendorError) as err:
            await client.ensure_webhook("https://new.test/blurit")
        # The double enforces the limit too, in BlurIt's error shape.
        with pytest.raises(VendorError, match="BlurIt refused the request: You cannot register"):
            await client.create_webhook("https://new.test/blurit")
    assert str(err.value).startswith(
        "this BlurIt account already has 5 webhook URLs, BlurIt's limit is 5: delete one"
    )
    assert "https://host0.test/other0" in str(err.value)
    assert len(blurit.webhooks) == 5


async def test_blurit_cancelled_multipart_upload(blurit: BlurItSim) -> None:
    big = JPEG + b"\x00" * (8 * 1024 * 1024)
    started = asyncio.Event()

    def on_progress(sent: int, _total: int) -> None:
        if sent > 0:
            started.set()

    async with BlurItClient(BLURIT_ID, BLURIT_SECRET, base_url=blurit.base_url) as client:
        await client.list_webhooks()  # log in first, so the cancel lands in the upload
        job = asyncio.ensure_future(client.create_job(big, "big.jpg", progress=on_progress))
        await started.wait()
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        await wait_until_async(lambda: blurit.aborted_uploads == 1)
        assert blurit.jobs == {}
        assert await client.list_webhooks() == []


# -- Anesya ----------------------------------------------------------------------------------


async def test_anesya_old_api_raw_key_and_trailing_slashes(anesya: AnesyaSim) -> None:
    async with AnesyaClient(ANESYA_KEY, base_url=anesya.base_url) as client:
        extract = await client.create_extract(
            PDF, "invoice.pdf", server="FR-2", schema={"invoice_number": "string"}
        )
        assert extract["status"] == "CREATED" and extract["server"] == "FR-2"
        await wait_until_async(lambda: anesya.extracts[extract["id"]]["status"] == "FINISHED")
        done = await client.get_extract(extract["id"])
        listed = await client.list_extracts()
    assert done["extracted_data"] == {"invoice_number": "2025-001", "total": 120.0}
    assert [e["id"] for e in listed] == [extract["id"]]
    assert [r.path for r in anesya.requests] == [
        "/extract/",
        f"/extract/{extract['id']}/",
        "/extract/",
    ]
    assert all(r.header("Authorization") == ANESYA_KEY for r in anesya.requests)
    assert all(r.header("X-API-Key") is None for r in anesya.requests)
    assert anesya.requests[0].form == {"server": "FR-2", "schema": '{"invoice_number": "string"}'}
    assert anesya.missing_slash == []


async def test_anesya_double_refuses_paths_without_slash_and_bad_servers(
    anesya: AnesyaSim,
) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(
            f"{anesya.base_url}/extract", headers={"Authorization": ANESYA_KEY}
        ) as resp:
            assert resp.status == 404
        form = aiohttp.FormData()
        form.add_field("document", PDF, filename="a.pdf", content_type="application/pdf")
        form.add_field("server", "US-1")
        async with session.post(
            f"{anesya.base_url}/extract/", data=form, headers={"Authorization": ANESYA_KEY}
        ) as resp:
            assert resp.status == 400
            assert await resp.json() == {"server": ['"US-1" is not a valid choice.']}
    assert len(anesya.missing_slash) == 1 and anesya.extracts == {}


async def test_anesya_v0_upload_uses_x_api_key(anesya: AnesyaSim) -> None:
    async with AnesyaClient(ANESYA_KEY, base_url=anesya.base_url) as client:
        doc = await client.upload_document(PDF, "contract.pdf")
    assert anesya.documents[doc["id"]]["name"] == "contract.pdf"
    request = anesya.requests[0]
    assert request.path == "/v0/documents"
    assert request.header("X-API-Key") == ANESYA_KEY and request.header("Authorization") is None


async def test_anesya_errors_become_sentences() -> None:
    double = AnesyaSim(credits=0)
    await double.start()
    try:
        async with AnesyaClient("wrong-key", base_url=double.base_url) as client:
            with pytest.raises(VendorError, match=r"^the Anesya credentials were refused$"):
                await client.create_extract(PDF, "a.pdf")
        async with AnesyaClient(ANESYA_KEY, base_url=double.base_url) as client:
            with pytest.raises(VendorError, match=r"^not enough credits on this Anesya account$"):
                await client.create_extract(PDF, "a.pdf")
            with pytest.raises(VendorError, match="does not know this extract"):
                await client.get_extract("no-such-id")
            with pytest.raises(ValueError, match="server must be one of"):
                await client.create_extract(PDF, "a.pdf", server="US-1")
    finally:
        await double.stop()
