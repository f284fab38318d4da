"""Which events notify, and how a flood becomes one summary (inspector/core/notify_policy.py)."""

from __future__ import annotations

from inspector.core.capture import Capture, ResponseRecord, Validation
from inspector.core.notify_policy import (
    INVALID_SIGNATURE,
    KINDS,
    TASK_FINAL_CALLBACK,
    TASK_FIRST_CALLBACK,
    TUNNEL_DOWN,
    CaptureNotices,
    Notice,
    NotifyPolicy,
    settings_key,
    tunnel_notice,
)
from inspector.core.settings import Settings
from inspector.core.tasks import Task


def notice(kind: str = INVALID_SIGNATURE, n: int = 0) -> Notice:
    return Notice(kind, "Invalid signature", f"POST /hook/{n}")


def test_first_notice_shows_at_once_then_a_flood_is_one_summary() -> None:
    policy = NotifyPolicy(interval_s=30)
    assert policy.offer(notice(n=0), now=100.0) == notice(n=0)
    held = [policy.offer(notice(n=i), now=100.0 + i / 100) for i in range(1, 58)]
    assert held == [None] * 57
    assert policy.pending() == 57
    assert policy.due(now=129.9) == []  # the interval has not passed
    (summary,) = policy.due(now=130.0)
    assert summary.kind == INVALID_SIGNATURE
    assert summary.title == "57 invalid signatures or tokens"
    assert summary.text == "Invalid signature: POST /hook/57\nand 56 more"
    assert policy.pending() == 0
    assert policy.due(now=500.0) == []  # told once
    # After a quiet interval the next one shows at once again.
    assert policy.offer(notice(n=99), now=500.0) == notice(n=99)


def test_a_single_held_notice_is_shown_as_itself() -> None:
    policy = NotifyPolicy(interval_s=10)
    policy.offer(notice(n=1), now=0.0)
    assert policy.offer(notice(n=2), now=1.0) is None
    assert policy.due(now=10.0) == [notice(n=2)]


def test_kinds_are_limited_separately() -> None:
    policy = NotifyPolicy(interval_s=30)
    first = Notice(TASK_FIRST_CALLBACK, "First callback", "celantur task 1")
    down = Notice(TUNNEL_DOWN, "Tunnel down", "gone")
    assert policy.offer(notice(), now=0.0) is not None
    assert policy.offer(first, now=0.5) == first
    assert policy.offer(down, now=0.6) == down
    assert policy.offer(notice(), now=1.0) is None


def test_a_summary_restarts_the_interval() -> None:
    policy = NotifyPolicy(interval_s=30)
    policy.offer(notice(n=0), now=0.0)
    policy.offer(notice(n=1), now=1.0)
    assert len(policy.due(now=30.0)) == 1
    assert policy.offer(notice(n=2), now=31.0) is None  # within 30 s of the summary
    assert policy.due(now=59.0) == []
    assert policy.due(now=60.0) == [notice(n=2)]


def callback(task_id: str, status: str, validation: str = "valid") -> Capture:
    return Capture(
        method="POST",
        path="/hook",
        vendor="celantur",
        event={"task_id": task_id, "status": status},
        validation=Validation(validation, "token-query", "key does not match"),  # type: ignore[arg-type]
        response=ResponseRecord(200, [], b""),
    )


def test_capture_notices_first_and_final_callback_and_invalid() -> None:
    task = Task(vendor="celantur", task_id="77", file_name="a.png", webhook_url="")
    notices = CaptureNotices([task])
    other = Capture(method="POST", path="/x", validation=Validation("invalid", None, "bad sig"))
    got = notices.notices(
        [
            callback("77", "processing"),
            callback("77", "processing"),
            other,
            callback("78", "done"),  # not our task
            callback("77", "done", validation="invalid"),
        ]
    )
    assert [(n.kind, n.text) for n in got] == [
        (TASK_FIRST_CALLBACK, "celantur task 77 (a.png)"),
        (INVALID_SIGNATURE, "POST /x (bad sig)"),
        (INVALID_SIGNATURE, "POST /hook (celantur: key does not match)"),
        (TASK_FINAL_CALLBACK, "celantur task 77 (a.png)"),
    ]
    assert got[-1].title == "Task done"
    assert notices.seen == {task.id: 3}


def test_a_task_already_called_back_gets_no_second_first_callback() -> None:
    task = Task(vendor="celantur", task_id="77", file_name="a.png", webhook_url="")
    notices = CaptureNotices([task], seen={task.id: 2})
    assert notices.notices([callback("77", "processing")]) == []
    late = Task(vendor="celantur", task_id="80", file_name="b.png", webhook_url="")
    notices.add_task(late)
    assert [n.kind for n in notices.notices([callback("80", "failed")])] == [
        TASK_FIRST_CALLBACK,
        TASK_FINAL_CALLBACK,
    ]


def test_tunnel_down_only_when_it_was_online_and_not_stopped_by_the_user() -> None:
    assert tunnel_notice("online", "error", "agent exited", stop_requested=False) == Notice(
        TUNNEL_DOWN, "Tunnel down", "agent exited. Still listening locally."
    )
    assert tunnel_notice("online", "off", None, stop_requested=False) is not None
    assert tunnel_notice("online", "off", None, stop_requested=True) is None
    assert tunnel_notice("starting", "error", "no authtoken", stop_requested=False) is None
    assert tunnel_notice("off", "starting", None, stop_requested=False) is None
    assert tunnel_notice("starting", "online", None, stop_requested=False) is None


def test_every_kind_has_a_setting_on_by_default() -> None:
    settings = Settings()
    assert all(getattr(settings, settings_key(kind)) is True for kind in KINDS)
    assert settings.close_to_tray is False
    loaded = Settings.from_dict({"notify_tunnel_down": False, "close_to_tray": "yes"})
    assert loaded.notify_tunnel_down is False
    assert loaded.close_to_tray is False and loaded.problems  # wrong type: the default
