"""Tasks submitted to vendors, as the store keeps them (table ``tasks``; the task itself is
:class:`inspector.core.tasks.Task`), and the query that finds a task's callbacks among the
captures."""

from __future__ import annotations

from typing import Any

from inspector.core.capture import parse_timestamp
from inspector.core.store.fastpaths import dumps
from inspector.core.store.rows import SUMMARY
from inspector.core.tasks import Task, callback_vendors

#: Inserts a task or updates the stored one of the same id; values from :func:`task_values`.
SAVE_TASK = (
    "INSERT INTO tasks (id, vendor, task_id, data) VALUES (?,?,?,?) "
    "ON CONFLICT(id) DO UPDATE SET data=excluded.data, task_id=excluded.task_id"
)
#: Every task's JSON, newest first.
SELECT_TASKS = "SELECT data FROM tasks ORDER BY n DESC"


def task_values(task: Task) -> tuple[Any, ...]:
    """The parameters of :data:`SAVE_TASK` for ``task``."""
    return (task.id, task.vendor, task.task_id, dumps(task.to_json()))


def task_from_json(data: dict[str, Any]) -> Task:
    """A task from the JSON the store keeps in ``tasks.data``."""
    return Task(
        id=data["id"],
        vendor=data["vendor"],
        task_id=str(data["task_id"]),
        file_name=data.get("file_name", ""),
        webhook_url=data.get("webhook_url", ""),
        submitted_at=parse_timestamp(data["submitted_at"]),
        status=data.get("status", "submitted"),
        options=dict(data.get("options") or {}),
        result=dict(data.get("result") or {}),
        sandbox=data.get("sandbox") is True,  # tasks stored before the sandbox: False
    )


def callbacks_query(task: Task) -> tuple[str, tuple[Any, ...]]:
    """The query (and its parameters) for the captures, as :data:`rows.SUMMARY`, of the
    task's vendor whose ``event.task_id`` is the task's id, oldest first.

    The task id is compared as text, as the ``captures_task`` index holds it.
    """
    vendors = callback_vendors(task.vendor)
    marks = ",".join("?" * len(vendors))
    sql = (
        f"SELECT {SUMMARY} FROM captures WHERE vendor IN ({marks}) "
        "AND CAST(json_extract(event, '$.task_id') AS TEXT) = ? ORDER BY seq"
    )
    return sql, (*vendors, task.task_id)
