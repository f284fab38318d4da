"""Which events make a desktop notification, and how a flood is coalesced into one.

Pure Python, no Qt: the tray (``inspector/gui/tray.py``) feeds it captures, tasks and tunnel
states, shows what :class:`NotifyPolicy` lets through, and asks it once a second for the
summaries that are due. Times are passed in (``time.monotonic()`` values), so the tests
drive the clock.

- :class:`CaptureNotices` turns stored captures into notices: an invalid signature or
  token, the first callback of a submitted task, and the final one.
- :func:`tunnel_notice` says whether a change of the tunnel's state is "the tunnel went
  down" (online to error, or to off when the user did not ask for it).
- :class:`NotifyPolicy` lets through at most one notification per kind per
  ``interval_s`` seconds; the others of that kind are counted and, once the interval has
  passed, shown as one summary ("... and 57 more").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from inspector.core.capture import Capture
from inspector.core.tasks import Task, callback_status, callback_vendors, is_final

#: The kinds of notification, each with its own switch in Settings (settings.json keys).
INVALID_SIGNATURE = "invalid_signature"
TASK_FIRST_CALLBACK = "task_first_callback"
TASK_FINAL_CALLBACK = "task_final_callback"
TUNNEL_DOWN = "tunnel_down"
KINDS = (INVALID_SIGNATURE, TASK_FIRST_CALLBACK, TASK_FINAL_CALLBACK, TUNNEL_DOWN)
#: What each kind is called in Settings and in a summary's title.
KIND_LABELS = {
    INVALID_SIGNATURE: "Invalid signature or token",
    TASK_FIRST_CALLBACK: "A task's first callback",
    TASK_FINAL_CALLBACK: "A task's final callback",
    TUNNEL_DOWN: "The tunnel going down",
}
#: A summary's title: "<count> <plural>".
_PLURALS = {
    INVALID_SIGNATURE: "invalid signatures or tokens",
    TASK_FIRST_CALLBACK: "tasks got their first callback",
    TASK_FINAL_CALLBACK: "tasks finished",
    TUNNEL_DOWN: "tunnel failures",
}
DEFAULT_INTERVAL_S = 30.0


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification to show: its kind, a title and one or two lines of text."""

    kind: str
    title: str
    text: str


def settings_key(kind: str) -> str:
    """The settings.json key of a kind's switch, e.g. ``notify_tunnel_down``."""
    return f"notify_{kind}"


@dataclass
class _Held:
    """A kind's state: when it was last shown, and what arrived since."""

    shown_at: float
    count: int = 0
    latest: Notice | None = None


@dataclass
class NotifyPolicy:
    """At most one notification per kind per ``interval_s``; the rest become one summary."""

    interval_s: float = DEFAULT_INTERVAL_S
    _held: dict[str, _Held] = field(default_factory=dict)

    def offer(self, notice: Notice, now: float) -> Notice | None:
        """The notice to show now, or None when it is held for the kind's next summary."""
        held = self._held.get(notice.kind)
        if held is None or (held.count == 0 and now - held.shown_at >= self.interval_s):
            self._held[notice.kind] = _Held(shown_at=now)
            return notice
        held.count += 1
        held.latest = notice
        return None

    def due(self, now: float) -> list[Notice]:
        """The summaries whose interval has passed (each kind's held notices as one)."""
        out = []
        for kind, held in self._held.items():
            if held.count and held.latest is not None and now - held.shown_at >= self.interval_s:
                out.append(summary(held.latest, held.count))
                self._held[kind] = _Held(shown_at=now)
        return out

    def pending(self) -> int:
        """How many notices are held, all kinds together."""
        return sum(h.count for h in self._held.values())


def summary(latest: Notice, count: int) -> Notice:
    """One notice for ``count`` held ones: the latest, "and N more"."""
    if count == 1:
        return latest
    title = f"{count} {_PLURALS.get(latest.kind, 'notifications')}"
    return Notice(latest.kind, title, f"{latest.title}: {latest.text}\nand {count - 1} more")


def _where(capture: Capture) -> str:
    return f"{capture.method} {capture.path}"


class CaptureNotices:
    """Notices for stored captures, given the submitted tasks and their callbacks so far.

    ``seen`` counts, per task (:attr:`Task.id`), the callbacks already stored, so that a
    task's first callback is told once, even across restarts.
    """

    def __init__(self, tasks: Iterable[Task] = (), seen: dict[str, int] | None = None) -> None:
        self._tasks: dict[str, Task] = {}
        #: (vendor, vendor's task id) -> our task's id, for every vendor a callback may be
        self._by_key: dict[tuple[str, str], str] = {}
        self.seen: dict[str, int] = dict(seen or {})
        for task in tasks:
            self.add_task(task)

    def add_task(self, task: Task) -> None:
        self._tasks[task.id] = task
        for vendor in callback_vendors(task.vendor):
            self._by_key[(vendor, task.task_id)] = task.id

    def task_of(self, capture: Capture) -> Task | None:
        event = capture.event
        if not self._by_key or not capture.vendor or not event:
            return None
        task_id = event.get("task_id")
        if task_id is None:
            return None
        key = self._by_key.get((capture.vendor, str(task_id)))
        return self._tasks.get(key) if key is not None else None

    def notices(self, captures: Iterable[Capture]) -> list[Notice]:
        """What these newly stored captures are worth telling, in arrival order."""
        out = []
        for capture in captures:
            if capture.validation.result == "invalid":
                detail = capture.validation.detail or "the signature or token did not match"
                vendor = f"{capture.vendor}: " if capture.vendor else ""
                out.append(
                    Notice(
                        INVALID_SIGNATURE,
                        "Invalid signature",
                        f"{_where(capture)} ({vendor}{detail})",
                    )
                )
            task = self.task_of(capture)
            if task is None:
                continue
            count = self.seen.get(task.id, 0) + 1
            self.seen[task.id] = count
            label = f"{task.vendor} task {task.task_id} ({task.file_name or 'no file'})"
            if count == 1:
                out.append(Notice(TASK_FIRST_CALLBACK, "First callback", label))
            if is_final(task.vendor, capture):
                status = callback_status(capture) or "finished"
                out.append(Notice(TASK_FINAL_CALLBACK, f"Task {status}", label))
        return out


def tunnel_notice(
    previous: str, state: str, reason: str | None, *, stop_requested: bool
) -> Notice | None:
    """A notice when the tunnel went down: online to error, or online to off without the
    user stopping it; None for every other change (a failed start is told in the window)."""
    if previous == "online" and state == "off" and not stop_requested:
        return Notice(TUNNEL_DOWN, "Tunnel down", "The tunnel closed. Still listening locally.")
    if previous == "online" and state == "error":
        return Notice(
            TUNNEL_DOWN, "Tunnel down", f"{reason or 'the tunnel failed'}. Still listening locally."
        )
    return None
