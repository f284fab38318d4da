"""The Traffic dock fed by real captures through the listener, its load from the store, and
a task's callback latencies drawn in the Tasks view."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import send_http

from inspector.app import AppCore
from inspector.core.endpoints import Endpoint
from inspector.core.tasks import Task
from inspector.gui.main_window import MainWindow
from inspector.gui.traffic_chart import TrafficPanel

pytestmark = pytest.mark.gui


def send_traffic(qtbot: Any, core: AppCore) -> None:
    core.endpoints.add(Endpoint("/blurit", vendor="blurit", token="right"))
    body = b'{"taskId": "j1", "status": "Sent"}'
    json = {"Content-Type": "application/json"}
    good = {**json, "X-Auth-Token": "right"}
    bad = {**json, "X-Auth-Token": "Bearer wrong"}
    assert send_http(qtbot, core.local_url + "/blurit", body, good) == 200
    assert send_http(qtbot, core.local_url + "/blurit", body, bad) == 401
    assert send_http(qtbot, core.local_url + "/plain", b"{}") == 200


def last_minute_x(panel: TrafficPanel) -> float:
    chart = panel.chart
    return chart.width() - 12.0  # the plot's last slot, left of the right margin


def test_live_captures_draw_and_the_tooltip_tells_the_minute(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    panel = window.traffic
    qtbot.waitUntil(lambda: panel.loaded, timeout=3000)
    window.traffic_dock.show()
    window.traffic_dock.raise_()
    qtbot.waitUntil(panel.chart.isVisible, timeout=3000)
    send_traffic(qtbot, core)
    qtbot.waitUntil(
        lambda: (
            panel.chart.summary_text() == "Last hour: 3 requests · 1 failed validation · 1 non-2xx"
        ),
        timeout=3000,
    )
    tip = panel.chart.tooltip_at(last_minute_x(panel))
    assert tip.endswith(": 3 requests\n  blurit: 2, 1 failed validation, 1 non-2xx\n  other: 1")
    painted = panel.chart.paint_count
    panel.chart.grab()  # paints the bars and strips without an error
    assert panel.chart.paint_count == painted + 1
    # Hidden (its View menu entry), the chart still counts but does not repaint.
    window.traffic_dock.toggleViewAction().trigger()
    qtbot.waitUntil(lambda: not panel.chart.isVisible(), timeout=3000)
    painted = panel.chart.paint_count
    assert send_http(qtbot, core.local_url + "/plain", b"{}") == 200
    qtbot.waitUntil(lambda: panel.chart.buckets.totals(panel.chart.now()).total == 4)
    panel.repaint_if_changed()  # the timer's tick
    assert panel.chart.needs_repaint() and panel.chart.paint_count == painted
    # Shown again (in front of its tab group), the next tick paints the new count.
    window.traffic_dock.toggleViewAction().trigger()
    qtbot.waitUntil(
        lambda: panel.chart.paint_count > painted and not panel.chart.needs_repaint(),
        timeout=3000,
    )


def test_a_new_window_loads_the_last_hour_from_the_store(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, _window = running
    send_traffic(qtbot, core)
    qtbot.waitUntil(lambda: core.store.count() == 3, timeout=3000)
    panel = TrafficPanel(core.store)
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.loaded, timeout=3000)
    assert panel.chart.buckets.totals(panel.chart.now()).total == 3
    assert panel.chart.buckets.vendors() == ["blurit", "other"]
    assert send_http(qtbot, core.local_url + "/plain", b"{}") == 200  # counted once, live
    qtbot.waitUntil(lambda: panel.chart.buckets.totals(panel.chart.now()).total == 4)
    panel.detach()


def test_the_selected_task_shows_its_callback_latencies(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    view = window.tasks_view
    task = Task(vendor="celantur", task_id="777", file_name="a.png", webhook_url="")
    core.store.save_task(task)
    core.task_saved.emit(task)
    qtbot.waitUntil(lambda: view.task_ids() == ["777"], timeout=3000)
    view.select_task("777")
    assert view.latency.entries == []
    for status in ("processing", "done"):
        body = b'{"task_id": "777", "task_status": "%s", "customer_id": "c"}' % status.encode()
        assert send_http(qtbot, core.local_url + "/hook", body) == 200
    qtbot.waitUntil(lambda: len(view.latency.entries) == 2, timeout=3000)
    first, last = view.latency.entries
    assert 0 <= first.seconds <= last.seconds
    view.latency.resize(400, view.latency.height())
    tip = view.latency.tooltip_at(view.latency.x_of(last.seconds))
    assert "done (answered 200)" in tip
    view.latency.grab()
