"""The Submit dialog changes no endpoint by itself (issue 13, defect 2): opening, closing and
choosing a vendor create nothing; Submit creates or changes what the dialog announced, says
what it did, and the app's own writes are never reported as changes "outside the app"."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from doubles.blurit_api import BlurItDouble
from helpers import close_app, open_app, run_in_qloop, send_http
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from inspector.app import AppCore
from inspector.core.endpoints import Endpoint, EndpointTable
from inspector.gui.main_window import MainWindow
from inspector.gui.submit_dialog import SubmitDialog
from inspector.gui.widgets import SecretField

pytestmark = pytest.mark.gui


@pytest.fixture
def app(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path
) -> Iterator[tuple[AppCore, MainWindow, BlurItDouble]]:
    blurit = BlurItDouble(step_delay=0.05)
    run_in_qloop(qtbot, blurit.start())
    core, window = open_app(qtbot, data_dir)
    core.set_public_url(core.listener.url)  # no tunnel in tests: callbacks come straight in
    yield core, window, blurit
    close_app(qtbot, core, window)
    run_in_qloop(qtbot, blurit.stop())


def open_submit(qtbot: Any, window: MainWindow) -> SubmitDialog:
    window.submit_action.trigger()
    dialog = window.submit_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    return dialog


def choose_vendor(qtbot: Any, dialog: SubmitDialog, title: str) -> None:
    """Pick a vendor in the drop-down with the keyboard, as a user would."""
    combo = dialog.vendor_combo
    combo.setFocus()
    for _ in range(combo.count()):
        if combo.currentText() == title:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    raise AssertionError(f"no {title} in {[combo.itemText(i) for i in range(combo.count())]}")


def saved_endpoints(data_dir: Path) -> list[Endpoint]:
    return list(EndpointTable.load(data_dir))


def test_opening_closing_and_choosing_vendors_create_no_endpoint(
    qtbot: Any, app: tuple[AppCore, MainWindow, BlurItDouble], data_dir: Path
) -> None:
    core, window, _ = app
    dialog = open_submit(qtbot, window)
    assert dialog.vendor_combo.currentText().startswith("Celantur")
    # The dialog says beforehand what Submit would create, with the URL it would have.
    assert "Submit creates the endpoint /celantur" in dialog.changes_text()
    assert dialog.webhook_edit.text().startswith(core.listener.url + "/celantur?key=")
    choose_vendor(qtbot, dialog, "Anesya")
    assert "Submit creates the endpoint /anesya" in dialog.changes_text()
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)

    assert list(core.endpoints) == [] and saved_endpoints(data_dir) == []
    # A POST without a key is not refused: there is no /celantur endpoint asking for one.
    assert send_http(qtbot, core.listener.url + "/celantur", b"{}") == 200


def test_blurit_submit_says_it_replaces_the_token_then_does_and_never_outside(
    qtbot: Any,
    app: tuple[AppCore, MainWindow, BlurItDouble],
    data_dir: Path,
    tmp_path: Path,
) -> None:
    core, window, blurit = app
    core.endpoints.add(Endpoint("/blurit", vendor="blurit", token="typed-by-the-user"))
    core.endpoints.save()
    messages: list[str] = []
    window.statusBar().messageChanged.connect(messages.append)

    dialog = open_submit(qtbot, window)
    choose_vendor(qtbot, dialog, "BlurIt")
    assert dialog.webhook_edit.text() == core.listener.url + "/blurit"
    assert "it replaces the token set on /blurit now" in dialog.changes_text()
    assert saved_endpoints(data_dir)[0].token == "typed-by-the-user"  # not yet

    image = QImage(32, 32, QImage.Format.Format_RGB32)
    image.fill(QColor("#777777"))
    picture = tmp_path / "plate.png"
    assert image.save(str(picture))
    qtbot.keyClicks(dialog.file_edit, str(picture))
    qtbot.keyClicks(dialog.api_base_edit, blurit.base_url)
    page = dialog.credential_pages["blurit"]
    for name, value in (("client_id", "client-id"), ("secret_id", "secret-id")):
        field = page.fields[name]
        qtbot.keyClicks(field.edit if isinstance(field, SecretField) else field, value)
    with qtbot.waitSignal(dialog.submitted, timeout=15_000):
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=3000)

    (endpoint,) = saved_endpoints(data_dir)
    assert endpoint.token and endpoint.token != "typed-by-the-user"
    assert "Replaced the token of /blurit with the one BlurIt handed out" in dialog.log_text()
    # The endpoints panel shows the change, and the app does not call its own write one
    # made "outside the app".
    panel = window.endpoints_panel
    qtbot.waitUntil(lambda: panel._seen_generation == core.endpoints.generation, timeout=5000)
    assert not any("outside the app" in m for m in messages)

    # A change by someone else is still told.
    other = EndpointTable.load(data_dir)
    other.add(Endpoint("/hook", vendor="generic"))
    other.save()
    qtbot.waitUntil(lambda: any("outside the app" in m for m in messages), timeout=5000)
