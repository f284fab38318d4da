"""The desktop window, driven as a user would, against the real listener and store."""

from __future__ import annotations

import io
import json
from typing import Any

import aiohttp
import pytest
from helpers import cell_text, run_in_qloop
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from inspector.app import AppCore
from inspector.core.origin import TUNNEL_HEADER
from inspector.gui.capture_model import COLUMNS, Column
from inspector.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


def send(
    qtbot: Any,
    url: str,
    method: str = "POST",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> int:
    async def go() -> int:
        async with (
            aiohttp.ClientSession() as s,
            s.request(
                method, url, data=io.BytesIO(body) if len(body) > 65536 else body, headers=headers
            ) as r,
        ):
            await r.read()
            return r.status

    return run_in_qloop(qtbot, go())


async def post_many(url: str, n: int, body: bytes = b"", first: int = 0) -> None:
    """POST to ``url + str(first)`` ... ``url + str(first + n - 1)``, one after the other."""
    async with aiohttp.ClientSession() as s:
        for i in range(first, first + n):
            async with s.post(f"{url}{i}", data=body) as r:
                await r.read()


def cell(window: MainWindow, row: int, column: str) -> str:
    return str(window.model.index(row, COLUMNS.index(column)).data())


def test_post_appears_in_the_table_with_its_columns(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    body = json.dumps({"task_id": 1693295888421318, "task_status": "done"}).encode()
    assert (
        send(
            qtbot,
            core.listener.url + "/celantur?key=abc",
            body=body,
            headers={"Content-Type": "application/json"},
        )
        == 200
    )
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    assert cell(window, 0, "Method") == "POST"
    assert cell(window, 0, "Path") == "/celantur?key=abc"
    assert cell(window, 0, "Status") == "200"
    assert cell(window, 0, "Size") == f"{len(body)} B"
    assert window.count_label.text() == "1 capture"


def test_selecting_shows_body_headers_query_and_raw(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    body = b'{"taskId": "job-1", "status": "Succeeded", "nested": {"k": [1, 2]}}'
    send(
        qtbot,
        core.listener.url + "/blurit?x=1&y=two%20words",
        body=body,
        headers={"Content-Type": "application/json", "X-Auth-Token": "tok"},
    )
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    window.table.selectRow(0)
    detail = window.detail
    qtbot.waitUntil(lambda: detail.capture is not None, timeout=3000)
    assert detail.body.mode() == "Tree"
    rows = detail.body.tree.leaf_texts()
    assert 'taskId = "job-1"' in rows and 'status = "Succeeded"' in rows
    detail.body.buttons.button(1).click()  # Text
    assert detail.body.mode() == "Text"
    assert '"status": "Succeeded"' in detail.body.text.toPlainText()
    headers = {
        cell_text(detail.headers, r, 0): cell_text(detail.headers, r, 1)
        for r in range(detail.headers.rowCount())
    }
    assert headers["X-Auth-Token"] == "tok"
    query = [
        (cell_text(detail.query, r, 0), cell_text(detail.query, r, 1))
        for r in range(detail.query.rowCount())
    ]
    assert query == [("x", "1"), ("y", "two words")]
    assert detail.raw.toPlainText().startswith("POST /blurit?x=1&y=two%20words HTTP/1.1")
    assert detail.response.toPlainText().startswith("HTTP 200")


def test_binary_body_opens_in_hex_and_html_is_plain_text(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    send(qtbot, core.listener.url + "/bin", body=bytes(range(256)))
    send(
        qtbot,
        core.listener.url + "/html",
        body=b"<script>alert(1)</script><b>bold</b>",
        headers={"Content-Type": "text/html"},
    )
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=3000)
    window.table.selectRow(1)
    qtbot.waitUntil(
        lambda: window.detail.capture is not None and window.detail.capture.path == "/bin",
        timeout=3000,
    )
    assert window.detail.body.mode() == "Hex"
    assert window.detail.body.hex.toPlainText().startswith("00000000  00 01 02 03")
    window.table.selectRow(0)
    qtbot.waitUntil(
        lambda: window.detail.capture is not None and window.detail.capture.path == "/html",
        timeout=3000,
    )
    assert window.detail.body.mode() == "Text"
    assert window.detail.body.text.toPlainText() == "<script>alert(1)</script><b>bold</b>"


def test_big_body_is_decoded_off_the_ui_thread(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    big = json.dumps({"items": [{"i": i, "pad": "x" * 50} for i in range(20_000)]}).encode()
    assert len(big) > 1_000_000
    send(qtbot, core.listener.url + "/big", body=big, headers={"Content-Type": "application/json"})
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    window.table.selectRow(0)
    assert window.detail.body.is_busy()  # the UI came back before decoding finished
    qtbot.waitUntil(lambda: not window.detail.body.is_busy(), timeout=10_000)
    assert window.detail.body.mode() == "Tree"
    top = window.detail.body.tree.topLevelItem(0)
    first = top.child(0) if top is not None else None
    assert first is not None
    first.setExpanded(True)
    texts = window.detail.body.tree.leaf_texts()
    assert any(t.startswith("… 19,000 more") for t in texts)


def test_filter_narrows_the_list(qtbot: Any, running: tuple[AppCore, MainWindow]) -> None:
    core, window = running
    for path, body in (("/a", b"alpha"), ("/b", b"beta needle"), ("/c", b"gamma")):
        send(qtbot, core.listener.url + path, body=body)
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=3000)
    qtbot.keyClicks(window.filter_edit, "NEEDLE")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    assert cell(window, 0, "Path") == "/b"
    assert window.count_label.text() == "1 of 3 shown"
    # a new matching capture shows up live, a non-matching one does not
    send(qtbot, core.listener.url + "/d", body=b"needle again")
    send(qtbot, core.listener.url + "/e", body=b"nope")
    qtbot.waitUntil(lambda: window.count_label.text() == "2 of 5 shown", timeout=3000)
    assert [cell(window, r, "Path") for r in range(window.model.rowCount())] == ["/d", "/b"]
    window.filter_edit.clear()
    qtbot.waitUntil(lambda: window.model.rowCount() == 5, timeout=3000)


def test_tunnelled_and_local_captures_are_told_apart_and_filtered(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    relayed = {
        "Host": "abc.ngrok-free.app",
        "X-Forwarded-For": "10.0.0.1, 198.51.100.20",
        "X-Forwarded-Proto": "https",
        TUNNEL_HEADER: core.tunnel_secret,
    }
    assert send(qtbot, core.listener.url + "/public?x=1", headers=relayed) == 200
    assert send(qtbot, core.listener.url + "/mine") == 200
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=3000)
    assert [cell(window, r, "Via") for r in range(2)] == ["local", "tunnel"]
    tip = window.model.index(1, COLUMNS.index("Via")).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == "Through the public tunnel, sent from 198.51.100.20"

    window.via_combo.setCurrentIndex(window.via_combo.findData("tunnel"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    assert cell(window, 0, "Path") == "/public?x=1"
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: "through the tunnel" in window.detail.title.text(), timeout=3000)
    title = window.detail.title.text()
    assert title.startswith("POST https://abc.ngrok-free.app/public?x=1\n")
    assert "through the tunnel from 198.51.100.20" in title
    window.via_combo.setCurrentIndex(window.via_combo.findData("local"))
    # searched in a worker: the rows change when its answer arrives
    qtbot.waitUntil(lambda: window.model.filter.via == "local", timeout=3000)
    assert window.model.rowCount() == 1
    assert cell(window, 0, "Path") == "/mine"


def test_live_rows_keep_selection_and_scroll(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running

    run_in_qloop(qtbot, post_many(core.listener.url + "/old", 200))
    qtbot.waitUntil(lambda: window.model.rowCount() == 200, timeout=5000)
    window.table.selectRow(150)
    selected = window.selected_capture_id()
    bar = window.table.verticalScrollBar()
    window.table.scrollTo(window.model.index(150, 0))
    before = bar.value()
    assert before > 0
    top_path = cell(window, window.table.rowAt(0), "Path")
    run_in_qloop(qtbot, post_many(core.listener.url + "/new", 10))
    qtbot.waitUntil(lambda: window.model.rowCount() == 210, timeout=5000)
    assert window.selected_capture_id() == selected
    assert cell(window, window.table.rowAt(0), "Path") == top_path


def test_size_cap_trims_the_oldest_rows_keeping_selection_and_scroll(
    qtbot: Any, qtmodeltester: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running

    run_in_qloop(qtbot, post_many(core.listener.url + "/c", 120, body=b"x" * 20_000))
    qtbot.waitUntil(lambda: window.model.rowCount() == 120, timeout=5000)
    window.table.selectRow(8)  # /c111
    selected = window.selected_capture_id()
    window.table.scrollTo(window.model.index(12, 0), window.table.ScrollHint.PositionAtTop)
    top_path = cell(window, window.table.rowAt(0), "Path")
    assert top_path != "/c119"
    removals: list[tuple[int, int]] = []
    window.model.rowsRemoved.connect(lambda _p, first, last: removals.append((first, last)))
    resets: list[int] = []
    window.model.modelReset.connect(lambda: resets.append(1))
    warnings: list[str] = []
    core.warned.connect(warnings.append)

    core.settings.max_store_mb = 1
    run_in_qloop(qtbot, core.housekeep_once())

    qtbot.waitUntil(lambda: bool(warnings), timeout=5000)
    # The list works out which rows went in a worker: they leave once it is done.
    qtbot.waitUntil(lambda: window.model.rowCount() < 120, timeout=5000)
    kept = window.model.rowCount()
    assert 20 < kept < 120
    assert removals == [(kept, 119)] and not resets  # one removal at the bottom, no reset
    assert cell(window, kept - 1, "Path") == f"/c{120 - kept}"  # oldest left
    assert window.selected_capture_id() == selected
    assert cell(window, window.table.rowAt(0), "Path") == top_path
    assert window.model.capture_at(kept - 1) is not None
    qtmodeltester.check(window.model)


def test_live_rows_do_not_pile_up_in_the_list_cache(
    qtbot: Any, running: tuple[AppCore, MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    from inspector.gui import capture_model

    monkeypatch.setattr(capture_model, "CACHE_LIMIT", 40)
    core, window = running

    # Tens, each shown before the next is sent: several insert batches.
    for first in range(0, 150, 10):
        run_in_qloop(qtbot, post_many(core.listener.url + "/r", 10, first=first))
        shown = first + 10
        qtbot.waitUntil(lambda n=shown: window.model.rowCount() == n, timeout=5000)
    assert len(window.model._cache) <= 40
    # evicted rows are read back from the store when shown
    assert cell(window, 149, "Path") == "/r0"
    assert cell(window, 0, "Path") == "/r149"


def test_copy_local_url(qtbot: Any, running: tuple[AppCore, MainWindow]) -> None:
    core, window = running
    window.copy_local_url()
    assert QGuiApplication.clipboard().text() == core.listener.url
    assert core.listener.url in window.url_label.text()


def test_model_passes_qtmodeltester(
    qtbot: Any, qtmodeltester: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    for i in range(5):
        send(qtbot, f"{core.listener.url}/m{i}", body=b"{}")
    qtbot.waitUntil(lambda: window.model.rowCount() == 5, timeout=3000)
    qtmodeltester.check(window.model)


def test_closing_the_window_emits_closed(qtbot: Any, running: tuple[AppCore, MainWindow]) -> None:
    _, window = running
    with qtbot.waitSignal(window.closed, timeout=2000):
        window.close()


def test_list_keeps_no_bodies_in_memory(qtbot: Any, running: tuple[AppCore, MainWindow]) -> None:
    core, window = running
    send(qtbot, core.listener.url + "/big", body=b"z" * 3_000_000)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    cached = window.model.capture_at(0)
    assert cached is not None and cached.body is None and cached.body_size == 3_000_000
    assert cell(window, 0, "Size") == "2.9 MiB"


def test_rate_limited_requests_are_counted_in_the_status_bar(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    from inspector.core.ratelimit import RateLimiter

    core, window = running
    core.listener.rate_limiter = RateLimiter(rate=0.1, burst=1)
    # as the ngrok agent relays it: with this run's tunnel mark
    tunnelled = {"X-Forwarded-For": "198.51.100.20", TUNNEL_HEADER: core.tunnel_secret}
    assert send(qtbot, core.listener.url + "/a", headers=tunnelled) == 200
    assert send(qtbot, core.listener.url + "/a", headers=tunnelled) == 429
    qtbot.waitUntil(
        lambda: window.count_label.text() == "1 capture · 1 rate-limited (429)", timeout=3000
    )


def test_pin_action_marks_the_row(qtbot: Any, running: tuple[AppCore, MainWindow]) -> None:
    core, window = running
    send(qtbot, core.listener.url + "/keep")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    window.table.selectRow(0)
    window.captures.pin_action.trigger()
    path = window.model.index(0, Column.NUMBER)
    # The pin is an icon beside the number (no emoji a font may lack), the path untouched.
    qtbot.waitUntil(lambda: path.data(Qt.ItemDataRole.DecorationRole) is not None, timeout=3000)
    assert cell(window, 0, "Path") == "/keep"
    assert core.store.captures()[0].pinned
    window.captures.pin_action.trigger()
    qtbot.waitUntil(lambda: path.data(Qt.ItemDataRole.DecorationRole) is None, timeout=3000)


def test_very_big_capture_is_loaded_off_the_ui_thread(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    core.listener.body_limit = 10 * 1024 * 1024
    body = bytes(range(256)) * (5 * 4096)  # 5 MiB, binary
    send(qtbot, core.listener.url + "/huge", body=body)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
    window.table.selectRow(0)
    assert window.detail.title.text().startswith("loading 5,242,880 bytes")
    qtbot.waitUntil(
        lambda: window.detail.capture is not None and not window.detail.body.is_busy(),
        timeout=10_000,
    )
    assert window.detail.body.mode() == "Hex"
    assert "showing the first 64 KiB" in window.detail.body.info.text()
    window.detail.body.buttons.button(1).click()  # Text
    assert len(window.detail.body.text.toPlainText()) <= 70_000
