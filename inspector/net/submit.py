"""Submit a test task to a vendor's API with our webhook URL (CLI ``submit`` and the GUI).

For BlurIt the webhook URL is first registered through its webhook API (created, or moved
when the tunnel URL changed) and the returned ``webhookToken`` becomes the endpoint's
token, so the callbacks validate with no copy-paste. Anesya webhooks are configured in its
dashboard only: the caller shows the URL and token to paste there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from inspector.core.endpoints import EndpointTable
from inspector.core.tasks import Task
from inspector.net.vendors import ProgressCallback, VendorError
from inspector.net.vendors.anesya import AnesyaClient
from inspector.net.vendors.blurit import BlurItClient
from inspector.net.vendors.celantur import CelanturClient, CelanturV1Client

__all__ = ["SubmitRequest", "TaskResult", "VendorError", "fetch_task_result", "submit_task"]


@dataclass(slots=True)
class SubmitRequest:
    """Everything one submission needs; ``credentials`` by name (see core.submission)."""

    vendor: str
    file_name: str
    data: bytes
    webhook_url: str
    credentials: dict[str, str]
    api_base: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    #: BlurIt: the URL we registered before (moved rather than adding a sixth endpoint)
    previous_webhook_url: str | None = None


def _base(api_base: str | None) -> dict[str, Any]:
    return {"base_url": api_base.rstrip("/")} if api_base else {}


def _need(req: SubmitRequest, *names: str) -> list[str]:
    missing = [n for n in names if not req.credentials.get(n)]
    if missing:
        raise VendorError(
            req.vendor,
            f"{req.vendor} credentials missing: {', '.join(missing)} "
            "(give them as options, in the environment, or in the app's Settings)",
        )
    return [req.credentials[n] for n in names]


async def submit_task(
    req: SubmitRequest,
    endpoints: EndpointTable,
    *,
    progress: ProgressCallback | None = None,
    say: Callable[[str], None] = lambda _: None,
    settle_s: float = 0.0,
    on_task_id: Callable[[str], None] = lambda _: None,
) -> Task:
    """Submit; returns the :class:`Task` (not yet stored). Raises :class:`VendorError`.

    ``settle_s``: after BlurIt's token changed, how long a listener in another process
    needs to pick up the endpoint (it re-reads endpoints.json within a second), so that
    the first callback already validates.
    """
    opts = dict(req.options)
    if req.vendor == "celantur":
        username, password = _need(req, "username", "password")
        async with CelanturClient(username, password, **_base(req.api_base)) as client:
            # The id comes before the upload: announce it at once (SPEC: `task <id>` as
            # soon as the vendor returns it), then upload the image.
            created = await client.create_task(webhook=req.webhook_url, **opts)
            on_task_id(str(created.task_id))
            await client.upload(created.upload_url, req.data, progress=progress)
        task_id = str(created.task_id)
    elif req.vendor == "celantur-v1":
        username, password = _need(req, "username", "password")
        async with CelanturV1Client(username, password, **_base(req.api_base)) as v1:
            answer = await v1.upload_file(
                req.data, name=req.file_name, webhook=req.webhook_url, progress=progress, **opts
            )
        task_id = str(answer["file_id"])
    elif req.vendor == "blurit":
        client_id, secret_id = _need(req, "client_id", "secret_id")
        async with BlurItClient(client_id, secret_id, **_base(req.api_base)) as blurit:
            uuid, token, action = await blurit.ensure_webhook(
                req.webhook_url, previous_url=req.previous_webhook_url
            )
            changed = _store_blurit_token(endpoints, req.webhook_url, token)
            say(f"BlurIt webhook {action}: {req.webhook_url} (uuid {uuid}); token saved")
            if changed and settle_s > 0:
                await asyncio.sleep(settle_s)
            task_id = await blurit.create_job(req.data, req.file_name, progress=progress, **opts)
    elif req.vendor == "anesya":
        (api_key,) = _need(req, "api_key")
        async with AnesyaClient(api_key, **_base(req.api_base)) as anesya:
            extract = await anesya.create_extract(
                req.data, req.file_name, progress=progress, **opts
            )
        task_id = str(extract.get("id"))
    else:
        raise VendorError(req.vendor, f"cannot submit tasks to {req.vendor!r}")
    if req.vendor != "celantur":
        on_task_id(task_id)
    return Task(
        vendor=req.vendor,
        task_id=task_id,
        file_name=req.file_name,
        webhook_url=req.webhook_url,
        options={k: v for k, v in opts.items() if isinstance(v, str | int | float | bool)},
    )


def _store_blurit_token(endpoints: EndpointTable, url: str, token: str) -> bool:
    from urllib.parse import urlsplit

    path = urlsplit(url).path or "/"
    endpoint = endpoints.match(path)
    if endpoint is None or endpoint.vendor != "blurit":
        from inspector.core.endpoints import Endpoint

        endpoint = Endpoint(path, vendor="blurit")
    if endpoint.token == token:
        return False
    endpoints.add(replace(endpoint, token=token))
    endpoints.save()
    return True


@dataclass(slots=True)
class TaskResult:
    """What a finished task produced: an image, or the extract's JSON, and where from."""

    kind: str  # "image" | "json" | "pending"
    source: str
    data: bytes = b""
    value: Any = None
    status: str = ""


async def fetch_task_result(
    task: Task, credentials: dict[str, str], api_base: str | None = None
) -> TaskResult:
    """Ask the vendor for the task's status and, when done, its result."""
    req = SubmitRequest(task.vendor, task.file_name, b"", task.webhook_url, credentials, api_base)
    if task.vendor == "celantur":
        username, password = _need(req, "username", "password")
        async with CelanturClient(username, password, **_base(api_base)) as client:
            info = await client.get_task(int(task.task_id))
            status = str(info.get("task_status", ""))
            url = info.get("anonymized_url")
            if status != "done" or not url:
                return TaskResult("pending", "Celantur", status=status, value=info)
            return TaskResult("image", str(url), await client.download(str(url)), status=status)
    if task.vendor == "celantur-v1":
        username, password = _need(req, "username", "password")
        async with CelanturV1Client(username, password, **_base(api_base)) as v1:
            info = await v1.file_status(task.task_id)
            return TaskResult(
                "json", "Celantur v1 status", value=info, status=str(info.get("file_status", ""))
            )
    if task.vendor == "blurit":
        client_id, secret_id = _need(req, "client_id", "secret_id")
        async with BlurItClient(client_id, secret_id, **_base(api_base)) as blurit:
            info = await blurit.job_status(task.task_id)
            status = str(info.get("status", ""))
            media = info.get("output_media")
            if status != "Succeeded" or not media:
                return TaskResult("pending", "BlurIt", status=status, value=info)
            return TaskResult(
                "image", str(media), await blurit.download_result(str(media)), status=status
            )
    if task.vendor == "anesya":
        (api_key,) = _need(req, "api_key")
        async with AnesyaClient(api_key, **_base(api_base)) as anesya:
            info = await anesya.get_extract(task.task_id)
            return TaskResult(
                "json", "Anesya extract", value=info, status=str(info.get("status", ""))
            )
    raise VendorError(task.vendor, f"no results for {task.vendor!r}")


def read_file(path: str) -> tuple[str, bytes]:
    """(file name, bytes) or ValueError with a sentence."""
    p = Path(path)
    try:
        return p.name, p.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from exc
