"""The Submit dialog and Fetch result in the window, against the BlurIt double (issue 13).

Defect 2: the Submit dialog changes no endpoint by itself: opening, closing and choosing a
vendor create nothing; Submit creates or changes what the dialog announced, says what it
did, and the app's own writes are never reported as changes "outside the app".

Defect 4: credentials typed once in Submit are kept (Remember is on by default) and used
by Fetch result; Settings has a Vendors page for them; a missing one is asked for in a
small dialog; a red error clears when another task is selected.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import close_app, open_app, run_in_qloop, send_http
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QLineEdit

from inspector.app import AppCore
from inspector.core.endpoints import Endpoint, EndpointTable
from inspector.core.tasks import Task
from inspector.gui.credentials_dialog import CredentialsDialog
from inspector.gui.main_window import MainWindow
from inspector.gui.submit_dialog import SubmitDialog
from inspector.gui.widgets import SecretField
from inspector.net.sandbox.blurit import BlurItSim

pytestmark = pytest.mark.gui


@pytest.fixture
def app(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path
) -> Iterator[tuple[AppCore, MainWindow, BlurItSim]]:
    blurit = BlurItSim(step_delay=0.05)
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


def edit_of(field: QLineEdit | SecretField) -> QLineEdit:
    return field.edit if isinstance(field, SecretField) else field


def type_into(qtbot: Any, field: QLineEdit | SecretField, text: str) -> None:
    """Replace a field's text with the keyboard."""
    edit = edit_of(field)
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    if text:
        qtbot.keyClicks(edit, text)


def fill_blurit(qtbot: Any, dialog: SubmitDialog, blurit: BlurItSim, tmp_path: Path) -> None:
    """Type a picture's path, the double's API base and the credentials into the dialog."""
    image = QImage(32, 32, QImage.Format.Format_RGB32)
    image.fill(QColor("#777777"))
    picture = tmp_path / "plate.png"
    assert image.save(str(picture))
    qtbot.keyClicks(dialog.file_edit, str(picture))
    qtbot.keyClicks(dialog.api_base_edit, blurit.base_url)
    page = dialog.credential_pages["blurit"]
    type_into(qtbot, page.fields["client_id"], "client-id")
    type_into(qtbot, page.fields["secret_id"], "secret-id")


def test_opening_closing_and_choosing_vendors_create_no_endpoint(
    qtbot: Any, app: tuple[AppCore, MainWindow, BlurItSim], data_dir: Path
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
    app: tuple[AppCore, MainWindow, BlurItSim],
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

    fill_blurit(qtbot, dialog, blurit, tmp_path)
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


def submit_blurit(qtbot: Any, window: MainWindow, blurit: BlurItSim, tmp_path: Path) -> Task:
    dialog = open_submit(qtbot, window)
    choose_vendor(qtbot, dialog, "BlurIt")
    assert dialog.remember.isChecked()  # on by default
    fill_blurit(qtbot, dialog, blurit, tmp_path)
    with qtbot.waitSignal(dialog.submitted, timeout=15_000) as submitted:
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=3000)
    dialog.close()
    task = submitted.args[0]
    assert isinstance(task, Task)
    return task


def fetch(qtbot: Any, window: MainWindow, task_id: str) -> None:
    view = window.tasks_view
    qtbot.waitUntil(lambda: task_id in view.task_ids(), timeout=5000)
    view.select_task(task_id)
    qtbot.mouseClick(view.fetch_button, Qt.MouseButton.LeftButton)


def stored_secrets(data_dir: Path) -> dict[str, Any]:
    path = data_dir / "secrets.json"
    return json.loads(path.read_text()) if path.exists() else {}


def test_credentials_typed_in_submit_serve_fetch_result(
    qtbot: Any, app: tuple[AppCore, MainWindow, BlurItSim], tmp_path: Path, data_dir: Path
) -> None:
    _, window, blurit = app
    task = submit_blurit(qtbot, window, blurit, tmp_path)
    view = window.tasks_view
    qtbot.waitUntil(lambda: view.row_texts(task.task_id)[4:5] == ["Succeeded"], timeout=10_000)
    fetch(qtbot, window, task.task_id)
    qtbot.waitUntil(lambda: not view.is_fetching(), timeout=10_000)
    assert view.error_text() == ""
    assert view.has_image()
    assert not isinstance(QApplication.activeModalWidget(), CredentialsDialog)


def test_settings_vendors_page_and_the_missing_credentials_dialog(
    qtbot: Any, app: tuple[AppCore, MainWindow, BlurItSim], tmp_path: Path, data_dir: Path
) -> None:
    core, window, blurit = app
    task = submit_blurit(qtbot, window, blurit, tmp_path)
    view = window.tasks_view

    # Settings > Vendors shows the kept credentials; emptying them and saving forgets them.
    dialog = window.open_settings()
    page = dialog.vendors_page
    dialog.tabs.setCurrentWidget(page)
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Vendors"
    form = page.forms["blurit"]
    assert edit_of(form.fields["client_id"]).text() == "client-id"
    assert set(page.forms) >= {"blurit", "celantur", "anesya"}
    type_into(qtbot, form.fields["client_id"], "")
    type_into(qtbot, form.fields["secret_id"], "")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)
    assert "blurit.client_id" not in json.dumps(stored_secrets(data_dir))

    # Fetch result asks for them in a small dialog, then fetches, and keeps them.
    qtbot.waitUntil(lambda: view.row_texts(task.task_id)[4:5] == ["Succeeded"], timeout=10_000)
    fetch(qtbot, window, task.task_id)
    qtbot.waitUntil(
        lambda: isinstance(QApplication.activeModalWidget(), CredentialsDialog), timeout=5000
    )
    asked = QApplication.activeModalWidget()
    assert isinstance(asked, CredentialsDialog)
    qtbot.mouseClick(asked.ok_button, Qt.MouseButton.LeftButton)  # empty: refused
    assert asked.isVisible() and "fill in the Client ID, Secret ID" in asked.error_label.text()
    type_into(qtbot, asked.form.fields["client_id"], "client-id")
    type_into(qtbot, asked.form.fields["secret_id"], "secret-id")
    qtbot.mouseClick(asked.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.is_fetching(), timeout=10_000)
    assert view.error_text() == "" and view.has_image()
    assert core.credentials("blurit") == {"client_id": "client-id", "secret_id": "secret-id"}


def test_a_red_fetch_error_clears_when_another_task_is_selected(
    qtbot: Any, app: tuple[AppCore, MainWindow, BlurItSim]
) -> None:
    core, window, _ = app
    core.save_credentials("blurit", {"client_id": "c", "secret_id": "s"})
    for task_id in ("job-a", "job-b"):
        core.store.save_task(
            Task(vendor="blurit", task_id=task_id, file_name="a.png", webhook_url="https://x/b")
        )
    view = window.tasks_view
    view.refresh()
    view.set_api_base("http://127.0.0.1:9/", vendor="blurit")  # nothing listens there
    fetch(qtbot, window, "job-a")
    qtbot.waitUntil(lambda: not view.is_fetching(), timeout=10_000)
    assert view.error_text() != "" and view.error_label.isVisible()
    # A click on the other task's row, as the user does.
    window.tasks_dock.show()
    window.tasks_dock.raise_()
    qtbot.waitUntil(view.tree.isVisible, timeout=3000)
    item = view._item_for("job-b")
    assert item is not None
    view.tree.scrollToItem(item)
    qtbot.wait(20)
    rect = view.tree.visualItemRect(item)
    at = QPoint(rect.left() + 10, rect.center().y())
    qtbot.mouseClick(view.tree.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert view.selected_task() is not None and view.selected_task().task_id == "job-b"  # type: ignore[union-attr]
    assert view.error_text() == "" and not view.error_label.isVisible()
