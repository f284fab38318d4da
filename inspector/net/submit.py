"""Submit a test task to a vendor's API with our webhook URL (CLI ``submit`` and the GUI).

The vendor's own steps are its API's (:mod:`inspector.net.vendors`): BlurIt's registers
the webhook URL first (created, or moved when the tunnel URL changed) and its returned
``webhookToken`` becomes the endpoint's token, so the callbacks validate with no
copy-paste. What every submission shares is here, once: the webhook URL such an API
registered last time is read from and kept in ``settings.json``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from inspector.core.endpoints import EndpointTable
from inspector.core.settings import Settings
from inspector.core.submission import previous_webhook_url, remember_webhook_url
from inspector.core.tasks import Task
from inspector.net.vendors import (
    ProgressCallback,
    SubmitContext,
    SubmitRequest,
    TaskResult,
    VendorError,
    find_api,
)

__all__ = [
    "SubmitRequest",
    "TaskResult",
    "VendorError",
    "fetch_task_result",
    "read_file",
    "submit_task",
]


async def submit_task(
    req: SubmitRequest,
    endpoints: EndpointTable,
    settings: Settings,
    data_dir: Path,
    *,
    progress: ProgressCallback | None = None,
    say: Callable[[str], None] = lambda _: None,
    settle_s: float = 0.0,
    on_task_id: Callable[[str], None] = lambda _: None,
    sandbox: bool = False,
) -> Task:
    """Submit; returns the :class:`Task` (not yet stored). Raises :class:`VendorError`.

    ``on_task_id`` hears the vendor's task id as soon as the vendor returns it.
    ``settle_s``: after a vendor's API handed the endpoint a new token, how long to wait
    for a listener in another process to pick it up (it re-reads ``endpoints.json`` on a
    request at most every ``inspector.net.listener.ENDPOINT_RECHECK_S``).
    ``sandbox``: the request goes to the sandbox's simulation of the API
    (:mod:`inspector.net.sandbox.runner`); the task is marked so, and no webhook URL it
    registered is remembered for the real API.
    """
    api = find_api(req.vendor)
    if api is None:
        raise VendorError(req.vendor, f"cannot submit tasks to {req.vendor!r}")
    context = SubmitContext(
        endpoints,
        progress=progress,
        say=say,
        settle_s=settle_s,
        on_task_id=on_task_id,
        previous_webhook_url=(
            previous_webhook_url(settings, req.vendor)
            if api.registers_webhook and not sandbox
            else None
        ),
    )
    task_id = await api.submit(req, context)
    context.announce(task_id)
    if api.registers_webhook and not sandbox:
        remember_webhook_url(settings, data_dir, req.vendor, req.webhook_url)
    return Task(
        vendor=req.vendor,
        task_id=task_id,
        file_name=req.file_name,
        webhook_url=req.webhook_url,
        options={k: v for k, v in req.options.items() if isinstance(v, str | int | float | bool)},
        sandbox=sandbox,
    )


async def fetch_task_result(
    task: Task, credentials: dict[str, str], api_base: str | None = None
) -> TaskResult:
    """Ask the vendor for the task's status and, when done, its result."""
    api = find_api(task.vendor)
    if api is None:
        raise VendorError(task.vendor, f"no results for {task.vendor!r}")
    return await api.fetch_result(task, credentials, api_base)


def read_file(path: str) -> tuple[str, bytes]:
    """(file name, bytes) or ValueError with a sentence."""
    p = Path(path)
    try:
        return p.name, p.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from exc
