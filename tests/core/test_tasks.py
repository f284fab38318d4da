"""Tasks persist and find their callbacks by vendor and task id (integer ids too)."""

from __future__ import annotations

from datetime import timedelta

from inspector.core.capture import Capture, ResponseRecord, Validation
from inspector.core.store import CaptureStore
from inspector.core.tasks import Task, format_timeline, is_callback_of, is_final, timeline


def callback(vendor: str, task_id: object, status: str, **kw: object) -> Capture:
    return Capture(
        method="POST",
        path=f"/{vendor}",
        vendor=vendor,
        event={"task_id": task_id, "status": status},
        validation=Validation("valid", "token-header", ""),
        response=ResponseRecord(200, [], b""),
        **kw,  # type: ignore[arg-type]
    )


def test_task_round_trip_and_matching(store: CaptureStore) -> None:
    task = Task(
        vendor="celantur",
        task_id="1693295888421318",
        file_name="a.jpg",
        webhook_url="https://x/celantur",
    )
    store.save_task(task)
    later = task.submitted_at + timedelta(seconds=3)
    store.add_many(
        [
            callback("celantur", 1693295888421318, "done", received_at=later),  # integer id
            callback("celantur", 99, "done"),
            callback("blurit", "1693295888421318", "Sent"),
        ]
    )
    (got,) = store.tasks()
    assert got.to_json() == task.to_json()
    (cb,) = store.task_callbacks(got)
    assert cb.event == {"task_id": 1693295888421318, "status": "done"}
    assert is_final("celantur", cb)
    lines = format_timeline(timeline(got, [cb]))
    assert lines[0].endswith("submitted a.jpg")
    assert lines[1].startswith("+   3.00 s  done (answered 200) [valid]")
    task.status = "done"
    store.save_task(task)
    assert store.tasks()[0].status == "done"


def test_blurit_sequence_is_not_final_until_succeeded(store: CaptureStore) -> None:
    task = Task(vendor="blurit", task_id="job-1", file_name="b.jpg", webhook_url="u")
    store.save_task(task)
    store.add_many([callback("blurit", "job-1", s) for s in ("Sent", "Started")])
    assert not any(is_final("blurit", c) for c in store.task_callbacks(task))
    store.add(callback("blurit", "job-1", "Succeeded"))
    assert [is_final("blurit", c) for c in store.task_callbacks(task)] == [False, False, True]


def test_which_captures_are_callbacks_of_a_task() -> None:
    tasks = [Task(vendor="celantur", task_id="42", file_name="a.png", webhook_url="")]

    def cap(vendor: str | None, task_id: object) -> Capture:
        event = None if task_id is None else {"task_id": task_id}
        return Capture(method="POST", path="/h", vendor=vendor, event=event)

    assert is_callback_of(cap("celantur", 42), tasks)  # a number in the JSON counts too
    assert is_callback_of(cap("celantur-v1", "42"), tasks)  # v1 and v2 callbacks look alike
    assert not is_callback_of(cap("blurit", "42"), tasks)
    assert not is_callback_of(cap("celantur", "43"), tasks)
    assert not is_callback_of(cap(None, "42"), tasks)
    assert not is_callback_of(cap("celantur", None), tasks)
    assert not is_callback_of(cap("celantur", "42"), [])
