"""Vendor tasks submitted from the app, and their timelines of callbacks.

A task is matched to its callbacks by vendor and the vendor's task id (``event.task_id`` of
a capture). The timeline is: submitted, then every callback with its status, validation
and the time since submission, and, once known, the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inspector.core.capture import Capture, format_timestamp, new_capture_id, utc_now
from inspector.core.vendors import find_vendor


def callback_vendors(vendor: str) -> tuple[str, ...]:
    """The vendors a task's callbacks may be detected as: its own, and those whose webhooks
    look alike (Celantur's v1 and v2 callbacks: either counts for a Celantur task)."""
    found = find_vendor(vendor)
    return (vendor, *found.lookalikes) if found is not None else (vendor,)


def is_callback_of(capture: Capture, tasks: Iterable[Task]) -> bool:
    """Whether ``capture`` carries the task id of one of ``tasks``, from its vendor."""
    event = capture.event
    if not capture.vendor or event is None or event.get("task_id") is None:
        return False
    task_id = str(event["task_id"])
    return any(t.task_id == task_id and capture.vendor in callback_vendors(t.vendor) for t in tasks)


def callback_status(capture: Capture) -> str | None:
    """The status a callback reports (for some vendors, its event name)."""
    event = capture.event or {}
    found = find_vendor(capture.vendor)
    value = event.get(found.status_field if found is not None else "status")
    return None if value is None or value == "" else str(value)


def is_final(vendor: str, capture: Capture) -> bool:
    """Whether the callback's status is one after which the vendor sends nothing more."""
    status = callback_status(capture)
    found = find_vendor(vendor)
    return status is not None and found is not None and status in found.final_events


#: The mark of everything the sandbox made (``submit --sandbox``): in the CLI's output,
#: the Tasks view and the timeline.
SIMULATED = "simulated"


@dataclass(slots=True)
class Task:
    """One submission to a vendor's API."""

    vendor: str
    task_id: str
    file_name: str
    webhook_url: str
    id: str = field(default_factory=new_capture_id)
    submitted_at: datetime = field(default_factory=utc_now)
    status: str = "submitted"
    options: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)
    #: submitted to the sandbox's simulation of the vendor's API, not to the vendor
    sandbox: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "vendor": self.vendor,
            "task_id": self.task_id,
            "file_name": self.file_name,
            "webhook_url": self.webhook_url,
            "submitted_at": format_timestamp(self.submitted_at),
            "status": self.status,
            "options": self.options,
            "result": self.result,
            "sandbox": self.sandbox,
        }


@dataclass(slots=True)
class TimelineEntry:
    """One line of a task's timeline."""

    at: datetime
    label: str
    seconds: float
    capture_id: str | None = None
    validation: str | None = None


def timeline(task: Task, callbacks: list[Capture]) -> list[TimelineEntry]:
    """Submitted, then each callback in arrival order, with seconds since submission."""
    simulated = f" to the sandbox ({SIMULATED})" if task.sandbox else ""
    out = [TimelineEntry(task.submitted_at, f"submitted {task.file_name}{simulated}", 0.0)]
    for c in sorted(callbacks, key=lambda c: c.seq):
        seconds = (c.received_at - task.submitted_at).total_seconds()
        status = callback_status(c) or "callback"
        answer = c.response.status if c.response else "-"
        out.append(
            TimelineEntry(
                c.received_at,
                f"{status} (answered {answer})",
                seconds,
                capture_id=c.id,
                validation=c.validation.result,
            )
        )
    return out


def format_timeline(entries: list[TimelineEntry]) -> list[str]:
    lines = []
    for e in entries:
        badge = f" [{e.validation}]" if e.validation else ""
        lines.append(f"+{e.seconds:7.2f} s  {e.label}{badge}")
    return lines
