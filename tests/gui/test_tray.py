"""The tray: its menu (the window's own actions), the unseen count and tooltip after real
webhooks through the listener, Pause capture, close to the tray, and the desktop
notifications (which events notify, the per-kind switches, the flood summary).

Offscreen there is no system tray: the tray object is built anyway. Where a test needs a
desktop with a tray, it says so with ``tray.available = True`` and records the calls of
``showMessage`` (the D-Bus call) instead of making them.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import send_http
from PySide6.QtGui import QCloseEvent

from inspector.app import AppCore
from inspector.core.endpoints import Endpoint
from inspector.core.tasks import Task
from inspector.gui.main_window import MainWindow
from inspector.gui.notify_settings import NO_TRAY_REASON

pytestmark = pytest.mark.gui


@pytest.fixture
def running(running_with_agent: tuple[AppCore, MainWindow]) -> tuple[AppCore, MainWindow]:
    return running_with_agent


@pytest.fixture
def shown(
    running: tuple[AppCore, MainWindow], monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, str]]:
    """A desktop with a tray: the (title, text) of every notification shown."""
    _, window = running
    calls: list[tuple[str, str]] = []
    window.tray.available = True
    monkeypatch.setattr(
        window.tray.icon, "showMessage", lambda title, text, *a: calls.append((title, text))
    )
    return calls


def menu_texts(window: MainWindow) -> list[str]:
    return [a.text() for a in window.tray.menu.actions() if not a.isSeparator()]


def test_menu_reuses_the_window_actions_and_counts_unseen_webhooks(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    tray = window.tray
    assert not tray.available  # offscreen: no tray, yet everything below works
    actions = tray.menu.actions()
    assert window.tunnel_indicator.toggle_action in actions
    assert window.tunnel_indicator.copy_url_action in actions
    assert tray.pause_action in window.capture_menu.actions()
    assert menu_texts(window) == [
        "Tunnel off · No new webhooks",
        "Show window",
        "Start tunnel",
        "Copy public URL",
        "Pause capture",
        "Quit",
    ]
    window.hide()
    for i in range(3):
        assert send_http(qtbot, f"{core.local_url}/hook/{i}", b"{}") == 200
    qtbot.waitUntil(lambda: tray.unseen == 3, timeout=3000)
    qtbot.waitUntil(lambda: "3 new webhooks" in tray.icon.toolTip(), timeout=3000)
    assert tray.icon.toolTip() == "Webhook Inspector\nTunnel off\n3 new webhooks"
    assert menu_texts(window)[:2] == ["Tunnel off · 3 new webhooks", "Show window (3 new)"]
    tray.show_action.trigger()
    assert window.isVisible()
    assert tray.unseen == 0 and menu_texts(window)[1] == "Show window"
    assert "No new webhooks" in tray.icon.toolTip()


def test_pause_capture_answers_503_and_stores_nothing(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    window.tray.pause_action.trigger()
    assert window.tray.pause_action.isChecked()
    assert send_http(qtbot, f"{core.local_url}/hook", b"{}") == 503
    assert core.store.count() == 0
    qtbot.waitUntil(lambda: "capture paused, 1 refused (503)" in window.count_label.text())
    assert "Capture paused" in window.tray.icon.toolTip()
    window.tray.pause_action.trigger()
    assert send_http(qtbot, f"{core.local_url}/hook", b"{}") == 200
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)


def test_start_tunnel_and_copy_url_from_the_tray_menu(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    toggle = next(a for a in window.tray.menu.actions() if a.text() == "Start tunnel")
    toggle.trigger()
    qtbot.waitUntil(lambda: core.public_url is not None, timeout=15_000)
    qtbot.waitUntil(lambda: menu_texts(window)[0].startswith("Tunnel online: https://"))
    assert f"Tunnel online: {core.public_url}" in window.tray.icon.toolTip()
    assert menu_texts(window)[2] == "Stop tunnel"


def test_a_flood_of_invalid_signatures_is_one_notification_then_one_summary(
    qtbot: Any, running: tuple[AppCore, MainWindow], shown: list[tuple[str, str]]
) -> None:
    core, window = running
    core.endpoints.add(Endpoint("/blurit", vendor="blurit", token="right"))
    wrong = {"X-Auth-Token": "Bearer wrong", "Content-Type": "application/json"}
    body = b'{"taskId": "j1", "status": "Sent"}'
    for _ in range(20):
        assert send_http(qtbot, core.local_url + "/blurit", body, wrong) == 401
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=3000)
    assert shown[0][0] == "Invalid signature"
    assert shown[0][1].startswith("POST /blurit (blurit: ")
    window.tray.policy.interval_s = 0.5  # the summary is due half a second later
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=5000)
    assert shown[1][0] == "19 invalid signatures or tokens"
    assert shown[1][1].endswith("\nand 18 more")
    # Switched off in Settings: not even held for a summary.
    window.tray.policy.interval_s = 0.0
    core.settings.notify_invalid_signature = False
    assert send_http(qtbot, core.local_url + "/blurit", body, wrong) == 401
    # The store's event reaches the list's count and the tray in the same call.
    qtbot.waitUntil(lambda: window.model.total == 21, timeout=3000)
    window.tray.tick()  # the timer's tick, which would show a held one
    assert len(shown) == 2 and window.tray.policy.pending() == 0


def test_a_task_first_and_final_callbacks_notify(
    qtbot: Any, running: tuple[AppCore, MainWindow], shown: list[tuple[str, str]]
) -> None:
    core, _window = running
    task = Task(vendor="celantur", task_id="777", file_name="a.png", webhook_url="")
    core.store.save_task(task)
    core.task_saved.emit(task)
    for status in ("processing", "processing", "done"):
        body = b'{"task_id": "777", "task_status": "%s", "customer_id": "c"}' % status.encode()
        assert send_http(qtbot, core.local_url + "/hook", body) == 200
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=3000)
    assert shown == [
        ("First callback", "celantur task 777 (a.png)"),
        ("Task done", "celantur task 777 (a.png)"),
    ]


def test_the_tunnel_going_down_notifies_but_a_stop_does_not(
    qtbot: Any,
    running: tuple[AppCore, MainWindow],
    shown: list[tuple[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _core, window = running
    toggle = window.tunnel_indicator.toggle_action
    toggle.trigger()
    qtbot.waitUntil(lambda: window.tunnel_indicator.state == "online", timeout=15_000)
    toggle.trigger()  # the user stops it: no news
    qtbot.waitUntil(lambda: window.tunnel_indicator.state == "off", timeout=10_000)
    assert shown == []
    monkeypatch.setenv("FAKE_NGROK_MODE", "crash-after-online")
    toggle.trigger()
    qtbot.waitUntil(lambda: window.tunnel_indicator.state == "online", timeout=15_000)
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=15_000)
    title, text = shown[0]
    assert title == "Tunnel down" and text.endswith("Still listening locally.")


def test_without_a_tray_notifications_go_to_the_status_bar_and_close_quits(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    core.endpoints.add(Endpoint("/blurit", vendor="blurit", token="right"))
    headers = {"X-Auth-Token": "Bearer wrong", "Content-Type": "application/json"}
    assert send_http(qtbot, core.local_url + "/blurit", b"{}", headers) == 401
    qtbot.waitUntil(
        lambda: window.statusBar().currentMessage().startswith("Invalid signature: POST /blurit"),
        timeout=3000,
    )
    dialog = window.open_settings()
    page = dialog.tray_page
    assert not page.close_to_tray.isEnabled()
    assert page.reason.text() == NO_TRAY_REASON and not page.reason.isHidden()
    dialog.reject()
    core.settings.close_to_tray = True  # set by hand: without a tray it is ignored
    event = QCloseEvent()
    assert not window.tray.hide_on_close(event)


def test_close_to_tray_hides_the_window_says_so_once_and_quit_quits(
    qtbot: Any, running: tuple[AppCore, MainWindow], shown: list[tuple[str, str]]
) -> None:
    core, window = running
    closed: list[bool] = []
    window.closed.connect(lambda: closed.append(True))
    core.settings.close_to_tray = True
    window.close()
    assert not window.isVisible() and closed == []
    assert shown == [
        (
            "Webhook Inspector is still listening",
            f"The window is in the tray; webhooks to {core.local_url} are still captured. "
            "Quit from the tray menu to stop listening.",
        )
    ]
    assert send_http(qtbot, core.local_url + "/hidden", b"{}") == 200  # still listening
    window.show()
    window.close()
    assert len(shown) == 1  # told the first time only
    window.tray.quit_action.trigger()
    assert closed == [True] and not window.isVisible()


def test_settings_page_saves_the_switches(qtbot: Any, running: tuple[AppCore, MainWindow]) -> None:
    core, window = running
    window.tray.available = True
    dialog = window.open_settings()
    page = dialog.tray_page
    page.kinds["tunnel_down"].setChecked(False)
    dialog.save()
    assert core.settings.notify_tunnel_down is False
    assert core.settings.notify_invalid_signature is True
    saved = (core.data_dir / "settings.json").read_text()
    assert '"notify_tunnel_down": false' in saved and '"close_to_tray": false' in saved
