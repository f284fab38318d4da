"""The Endpoints panel and dialog: what the user sees, copies and what lands in endpoints.json."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit

from inspector.core.endpoints import ENDPOINTS_FILE, Endpoint, EndpointTable, ResponseRule
from inspector.gui.endpoint_dialog import EndpointDialog
from inspector.gui.endpoints_panel import COLUMNS, EndpointsPanel

pytestmark = pytest.mark.gui

LOCAL = "http://127.0.0.1:8765"
PUBLIC = "https://abc.ngrok-free.app"


class PublicUrl:
    """The tunnel's public URL as the app would report it; tests move it around."""

    def __init__(self, url: str | None = PUBLIC) -> None:
        self.url = url

    def __call__(self) -> str | None:
        return self.url


def make_panel(
    qtbot: Any,
    data_dir: Path,
    public: PublicUrl | None = None,
    confirm: Callable[[str], bool] | None = None,
) -> tuple[EndpointsPanel, EndpointTable]:
    table = EndpointTable.load(data_dir)
    panel = EndpointsPanel(table, LOCAL, public or PublicUrl(), confirm=confirm)
    qtbot.addWidget(panel)
    panel.show()
    return panel, table


def stored(data_dir: Path) -> dict[str, dict[str, Any]]:
    data = json.loads((data_dir / ENDPOINTS_FILE).read_text(encoding="utf-8"))
    return {e["path"]: e for e in data["endpoints"]}


def open_dialog(qtbot: Any, panel: EndpointsPanel, button: str = "add") -> EndpointDialog:
    getattr(panel, f"{button}_button").click()
    dialog = panel.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def set_vendor(dialog: EndpointDialog, vendor: str) -> None:
    dialog.vendor.setCurrentIndex(dialog.vendor.findData(vendor))


def set_scheme(dialog: EndpointDialog, scheme: str | None) -> None:
    dialog.scheme.setCurrentIndex(dialog.scheme.findData(scheme))


def click_ok(qtbot: Any, panel: EndpointsPanel, dialog: EndpointDialog) -> None:
    assert dialog.ok_button.isEnabled(), dialog.error_text()
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: panel.dialog is None)


def test_add_endpoint_through_dialog_shows_in_panel_and_file(qtbot: Any, data_dir: Path) -> None:
    panel, _ = make_panel(qtbot, data_dir)
    assert panel.view.rowCount() == 0
    assert panel.empty_hint.isVisible()
    messages: list[str] = []
    panel.message.connect(messages.append)

    dialog = open_dialog(qtbot, panel)
    assert not dialog.ok_button.isEnabled()  # empty form
    dialog.path.setText("/blurit")
    set_vendor(dialog, "blurit")
    assert dialog.token_label.text() == "Token (X-Auth-Token)"
    dialog.token.setText("tok-123456789")
    dialog.status.setValue(500)
    dialog.delay.setValue(2000)
    dialog.fail_rate.setValue(30)
    dialog.forward.setText("http://localhost:3000")
    with qtbot.waitSignal(panel.endpoints_changed):
        click_ok(qtbot, panel, dialog)

    assert panel.cell_text("/blurit", "Vendor") == "BlurIt"
    assert panel.cell_text("/blurit", "Check") == "X-Auth-Token"
    assert panel.cell_text("/blurit", "Answer") == "status 500 · delay 2000 ms · fail 30%"
    assert panel.cell_text("/blurit", "Forward") == "http://localhost:3000"
    assert panel.cell_text("/blurit", "Public URL") == f"{PUBLIC}/blurit"
    assert not panel.empty_hint.isVisible()
    # The token is a secret: nowhere in the table.
    texts = [panel.cell_text("/blurit", column) for column in COLUMNS]
    assert texts[0] == "/blurit"
    assert not any("tok-123456789" in t for t in texts)

    saved = stored(data_dir)["/blurit"]
    assert saved["vendor"] == "blurit"
    assert saved["token"] == "tok-123456789"
    assert saved["response"]["status"] == 500
    assert saved["response"]["fail_rate"] == pytest.approx(0.3)
    assert saved["forward_url"] == "http://localhost:3000"
    assert messages[-1] == "Saved endpoint /blurit"


def test_edit_endpoint_keeps_values_and_renames(qtbot: Any, data_dir: Path) -> None:
    seed = EndpointTable.load(data_dir)
    seed.add(
        Endpoint(
            "/hook",
            vendor="generic",
            secret="s3cret",
            scheme="hmac-sha256",
            header="X-Sig",
            encoding="base64",
            prefix="sha256=",
            response=ResponseRule(headers=[("X-A", "1")], body="ok"),
        )
    )
    seed.save()
    panel, table = make_panel(qtbot, data_dir)
    assert panel.cell_text("/hook", "Check") == "HMAC-SHA256 X-Sig (base64)"
    assert panel.cell_text("/hook", "Answer") == "1 header · body 2 chars"

    assert not panel.edit_button.isEnabled()
    panel.select_path("/hook")
    dialog = open_dialog(qtbot, panel, "edit")
    # The form shows the stored endpoint, secret masked until "Show" is ticked.
    assert dialog.path.text() == "/hook"
    assert dialog.secret.text() == "s3cret"
    assert dialog.secret.edit.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.encoding.currentText() == "base64"
    assert dialog.response_headers.toPlainText() == "X-A: 1"
    assert dialog.warning_text() == ""

    dialog.path.setText("/hook2")
    dialog.response_headers.setPlainText("X-A: 1\nX-B: two words")
    click_ok(qtbot, panel, dialog)

    assert panel.cell_text("/hook", "Path") == ""
    assert panel.cell_text("/hook2", "Answer") == "2 headers · body 2 chars"
    assert panel.selected_path() == "/hook2"
    on_disk = stored(data_dir)
    assert list(on_disk) == ["/hook2"]
    assert on_disk["/hook2"]["response"]["headers"] == [["X-A", "1"], ["X-B", "two words"]]
    assert on_disk["/hook2"]["prefix"] == "sha256="
    assert table.get("/hook2") is not None


def test_remove_asks_and_respects_the_answer(qtbot: Any, data_dir: Path) -> None:
    seed = EndpointTable.load(data_dir)
    seed.add(Endpoint("/a", vendor="anesya", token="t"))
    seed.add(Endpoint("/b"))
    seed.save()
    asked: list[str] = []
    answer = {"yes": False}

    def confirm(path: str) -> bool:
        asked.append(path)
        return answer["yes"]

    panel, _ = make_panel(qtbot, data_dir, confirm=confirm)
    panel.select_path("/a")
    panel.remove_button.click()
    assert asked == ["/a"]
    assert panel.cell_text("/a", "Path") == "/a"
    assert set(stored(data_dir)) == {"/a", "/b"}

    answer["yes"] = True
    with qtbot.waitSignal(panel.endpoints_changed):
        panel.remove_button.click()
    assert panel.cell_text("/a", "Path") == ""
    assert panel.view.rowCount() == 1
    assert set(stored(data_dir)) == {"/b"}


def test_copy_public_url_without_and_with_query_token(qtbot: Any, data_dir: Path) -> None:
    seed = EndpointTable.load(data_dir)
    seed.add(Endpoint("/blurit", vendor="blurit", token="tok"))
    seed.add(Endpoint("/celantur", vendor="celantur", token="k&y/=1"))
    seed.add(Endpoint("/gen", query_token="sig=abc"))
    seed.save()
    panel, _ = make_panel(qtbot, data_dir, PublicUrl(PUBLIC + "/"))
    messages: list[str] = []
    panel.message.connect(messages.append)
    clipboard = QGuiApplication.clipboard()

    panel.select_path("/blurit")
    panel.copy_public_button.click()
    assert clipboard.text() == f"{PUBLIC}/blurit"
    assert messages[-1] == f"Copied {PUBLIC}/blurit"

    # Celantur's token travels as ?key=..., percent-encoded so the URL stays one URL.
    panel.select_path("/celantur")
    assert panel.cell_text("/celantur", "Check") == "query key=•••"
    assert panel.cell_text("/celantur", "Public URL") == f"{PUBLIC}/celantur?key=•••"
    panel.copy_public_button.click()
    assert clipboard.text() == f"{PUBLIC}/celantur?key=k%26y%2F%3D1"
    assert "k&y" not in messages[-1] and messages[-1].startswith(f"Copied {PUBLIC}/celantur?key=")

    panel.select_path("/gen")
    panel.copy_public_button.click()
    assert clipboard.text() == f"{PUBLIC}/gen?sig=abc"
    panel.copy_local_button.click()
    assert clipboard.text() == f"{LOCAL}/gen?sig=abc"


def test_no_public_url_disables_copy_and_says_why(qtbot: Any, data_dir: Path) -> None:
    seed = EndpointTable.load(data_dir)
    seed.add(Endpoint("/blurit", vendor="blurit"))
    seed.save()
    public = PublicUrl(None)
    panel, _ = make_panel(qtbot, data_dir, public)
    panel.select_path("/blurit")
    assert panel.cell_text("/blurit", "Public URL") == "—"
    item = panel.view.item(0, COLUMNS.index("Public URL"))
    assert item is not None and item.toolTip() == "start the tunnel to get a public URL"
    assert not panel.copy_public_button.isEnabled()
    assert "Start the tunnel" in panel.copy_public_button.toolTip()
    assert panel.copy_local_button.isEnabled()

    public.url = "https://new.ngrok-free.app"
    panel.public_url_changed()
    assert panel.cell_text("/blurit", "Public URL") == "https://new.ngrok-free.app/blurit"
    assert panel.copy_public_button.isEnabled()
    assert panel.selected_path() == "/blurit"


def test_external_edit_shows_up_on_the_panels_next_check(qtbot: Any, data_dir: Path) -> None:
    panel, _ = make_panel(qtbot, data_dir)
    # The panel checks the file every second, on its own (no webhook needed).
    assert panel.reload_timer.isActive() and panel.reload_timer.interval() == 1000
    cli = EndpointTable.load(data_dir)
    cli.add(Endpoint("/from-cli", vendor="anesya", token="t"))
    cli.save()
    with qtbot.waitSignal(panel.reload_timer.timeout, timeout=5000):
        pass  # the next check after the save
    assert panel.cell_text("/from-cli", "Check") == "X-Webhook-Token"


def test_broken_external_file_keeps_table_and_reports(qtbot: Any, data_dir: Path) -> None:
    seed = EndpointTable.load(data_dir)
    seed.add(Endpoint("/keep"))
    seed.save()
    panel, _ = make_panel(qtbot, data_dir)
    with qtbot.waitSignal(panel.message, timeout=5000) as signal:
        (data_dir / ENDPOINTS_FILE).write_text("{not json", encoding="utf-8")
    assert str(signal.args[0]).startswith("Keeping the previous endpoints:")
    assert panel.cell_text("/keep", "Path") == "/keep"


def test_dialog_validation_messages(qtbot: Any) -> None:
    dialog = EndpointDialog(None, {"/blurit"})
    qtbot.addWidget(dialog)

    dialog.path.setText("blurit")
    assert dialog.error_text() == "endpoint path must start with '/', got 'blurit'"
    assert not dialog.ok_button.isEnabled()
    assert dialog.error_label.textFormat() == Qt.TextFormat.PlainText

    dialog.path.setText("/blurit?x=1")
    assert dialog.error_text().startswith("endpoint path must be a bare path")

    dialog.path.setText("/blurit/")
    assert dialog.error_text() == ""
    assert dialog.warning_text() == "An endpoint /blurit already exists: OK replaces it."
    assert dialog.ok_button.isEnabled()

    # A secret with the scheme set back to "none": the field stays visible with the error.
    dialog.path.setText("/new")
    set_scheme(dialog, "github")
    dialog.secret.setText("s")
    assert dialog.ok_button.isEnabled()
    set_scheme(dialog, None)
    assert dialog.error_text() == "a secret needs a scheme"
    assert not dialog.secret.isHidden()
    assert not dialog.ok_button.isEnabled()
    dialog.secret.setText("")
    assert dialog.ok_button.isEnabled()
    assert dialog.secret.isHidden()

    set_scheme(dialog, "query-token")
    assert dialog.error_text() == "the query token check needs a query token NAME=VALUE"
    dialog.query_token.setText("key=v")
    assert dialog.error_text() == ""
    set_scheme(dialog, None)

    dialog.response_headers.setPlainText("no colon here")
    assert dialog.error_text() == "response header line 1 must look like NAME: VALUE"
    dialog.response_headers.setPlainText("")
    dialog.status.setValue(42)
    assert dialog.error_text() == "status must be between 100 and 599, got 42"
    dialog.status.setValue(0)
    dialog.forward.setText("localhost:3000")
    assert dialog.error_text().startswith("forward URL must start with http://")
    dialog.forward.setText("")
    dialog.proxy.setChecked(True)
    assert dialog.error_text().endswith("fill in Forward to")
    dialog.forward.setText("http://localhost:3000")
    assert dialog.error_text() == ""
    result = dialog.result_endpoint()
    assert result is not None and result.forward_proxy
    dialog.proxy.setChecked(False)
    dialog.forward.setText("")
    result = dialog.result_endpoint()
    assert result is not None and result.path == "/new" and result.query_token == "key=v"


def test_dialog_token_field_follows_the_vendor(qtbot: Any) -> None:
    dialog = EndpointDialog(None, set())
    qtbot.addWidget(dialog)
    assert dialog.path.placeholderText() == "/blurit"
    set_vendor(dialog, "anesya")
    assert dialog.token_label.text() == "Token (X-Webhook-Token)"
    set_vendor(dialog, "celantur")
    assert "?key=" in dialog.token_hint.text()
    assert dialog.token.edit.echoMode() == QLineEdit.EchoMode.Password
    dialog.token.show_toggle.setChecked(True)
    assert dialog.token.edit.echoMode() == QLineEdit.EchoMode.Normal
    # The signature fields appear only for schemes that use them.
    assert dialog.encoding.isHidden() and dialog.prefix.isHidden()
    set_scheme(dialog, "hmac-sha256")
    assert not dialog.encoding.isHidden() and not dialog.prefix.isHidden()
    set_scheme(dialog, "stripe")
    assert dialog.encoding.isHidden() and not dialog.secret.isHidden()


def test_edits_saved_by_another_process_show_up_and_a_broken_file_keeps_the_table(
    qtbot: Any, data_dir: Path
) -> None:
    # The panel's own timer is what follows the file while no webhook arrives.
    panel, _ = make_panel(qtbot, data_dir)
    messages: list[str] = []
    panel.message.connect(messages.append)
    cli = EndpointTable.load(data_dir)  # `inspector endpoint add`, in another process
    cli.add(Endpoint("/from-cli", vendor="blurit", token="tok"))
    cli.save()
    qtbot.waitUntil(lambda: panel.view.rowCount() == 1, timeout=3000)
    assert panel.cell_text("/from-cli", "Vendor") == "BlurIt"
    assert "Endpoints reloaded: endpoints.json was changed outside the app" in messages

    (data_dir / ENDPOINTS_FILE).write_text('{"endpoints": [', encoding="utf-8")
    qtbot.waitUntil(
        lambda: any(m.startswith("Keeping the previous endpoints: ") for m in messages),
        timeout=3000,
    )
    assert panel.view.rowCount() == 1
    assert panel.cell_text("/from-cli", "Vendor") == "BlurIt"


def test_new_endpoint_dialog_is_quiet_until_typed_and_the_vendor_follows_the_path(
    qtbot: Any, data_dir: Path
) -> None:
    panel, _ = make_panel(qtbot, data_dir)
    dialog = open_dialog(qtbot, panel)
    # Nothing typed yet: no red error, OK waits for a path.
    assert dialog.error_text() == "" and not dialog.ok_button.isEnabled()
    assert dialog.vendor.currentText() == "Generic"

    qtbot.keyClicks(dialog.path, "/blurit")
    assert dialog.vendor.currentText() == "BlurIt"
    assert dialog.token_label.text() == "Token (X-Auth-Token)"
    assert dialog.ok_button.isEnabled()
    dialog.path.clear()
    assert dialog.error_text() == "enter the endpoint's path, e.g. /blurit"
    qtbot.keyClicks(dialog.path, "/celantur-v1")
    assert dialog.vendor.currentText() == "Celantur v1"
    dialog.path.clear()
    qtbot.keyClicks(dialog.path, "/hooks")
    assert dialog.vendor.currentText() == "Generic"

    # Once the user picks a vendor, the path no longer changes it.
    set_vendor(dialog, "anesya")
    dialog.path.clear()
    qtbot.keyClicks(dialog.path, "/blurit-staging")
    assert dialog.vendor.currentText() == "Anesya"
    click_ok(qtbot, panel, dialog)
    assert stored(data_dir)["/blurit-staging"]["vendor"] == "anesya"


def test_editing_an_endpoint_keeps_its_vendor_whatever_the_path(qtbot: Any, data_dir: Path) -> None:
    panel, table = make_panel(qtbot, data_dir)
    table.add(Endpoint("/hooks", vendor="anesya", token="t"))
    panel.refresh()
    panel.select_path("/hooks")
    dialog = open_dialog(qtbot, panel, "edit")
    dialog.path.clear()
    qtbot.keyClicks(dialog.path, "/blurit")
    assert dialog.vendor.currentText() == "Anesya"
