"""AppCore.submit and fetch_result against the vendor doubles, in one process."""

from __future__ import annotations

from pathlib import Path

from helpers import wait_until_async

from inspector.app import AppCore
from inspector.core.capture import Capture
from inspector.core.tasks import Task, is_final
from inspector.net.sandbox.anesya import AnesyaSim
from inspector.net.sandbox.blurit import BlurItSim
from inspector.net.sandbox.celantur import CelanturSim

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8


async def wait_final(core: AppCore, task: Task) -> list[Capture]:
    """The task's callbacks, once one of them is final."""

    def callbacks_if_final() -> list[Capture]:
        callbacks = core.store.task_callbacks(task)
        return callbacks if any(is_final(task.vendor, c) for c in callbacks) else []

    return await wait_until_async(
        callbacks_if_final, what=f"a final callback for task {task.task_id}"
    )


async def test_celantur_submit_then_fetch_image(data_dir: Path) -> None:
    double = CelanturSim(step_delay=0.05)
    base = await double.start()
    core = AppCore(data_dir, port=0, kind="gui")
    await core.start()
    saved: list[str] = []
    core.task_saved.connect(lambda t: saved.append(t.task_id))
    try:
        core.set_public_url("https://unused.example")  # the webhook is given explicitly below
        url = core.default_webhook_url("celantur")
        assert url is not None and url.startswith("https://unused.example/celantur?key=")
        local = url.replace("https://unused.example", core.listener.url)
        creds = {"username": "user@example.com", "password": "s3cret-pass"}
        task = await core.submit(
            "celantur",
            "a.jpg",
            JPEG,
            webhook=local,
            options={"face": True},
            api_base=base,
            credentials=creds,
        )
        assert saved == [task.task_id]
        callbacks = await wait_final(core, task)
        assert callbacks[-1].validation.result == "valid"
        core.save_credentials("celantur", creds)
        result = await core.fetch_result(task, api_base=base)
        assert result.kind == "image" and result.status == "done" and result.data
    finally:
        await core.stop()
        await double.stop()


async def test_blurit_and_anesya_results(data_dir: Path) -> None:
    blurit, anesya = BlurItSim(step_delay=0.05), AnesyaSim(step_delay=0.05)
    b_base, a_base = await blurit.start(), await anesya.start()
    core = AppCore(data_dir, port=0, kind="gui")
    await core.start()
    try:
        core.save_credentials("blurit", {"client_id": "client-id", "secret_id": "secret-id"})
        core.save_credentials("anesya", {"api_key": "anesya-test-key"})
        job = await core.submit(
            "blurit",
            "s.jpg",
            JPEG,
            webhook=core.listener.url + "/blurit",
            options={},
            api_base=b_base,
        )
        await wait_final(core, job)
        assert all(d.compliant for d in blurit.deliveries)
        result = await core.fetch_result(job, api_base=b_base)
        assert result.kind == "image" and result.status == "Succeeded"

        core.default_webhook_url("anesya")  # creates /anesya with a generated token
        (endpoint,) = core.endpoints.for_vendor("anesya")
        anesya.add_webhook(core.listener.url + "/anesya", "extract.completed", endpoint.token or "")
        extract = await core.submit(
            "anesya",
            "i.pdf",
            b"%PDF-1.4\n%%EOF\n",
            webhook=core.listener.url + "/anesya",
            options={"server": "EU-1"},
            api_base=a_base,
        )
        callbacks = await wait_final(core, extract)
        assert callbacks[-1].validation.result == "valid"
        got = await core.fetch_result(extract, api_base=a_base)
        assert got.kind == "json" and got.value["id"] == extract.task_id
    finally:
        await core.stop()
        await blurit.stop()
        await anesya.stop()
