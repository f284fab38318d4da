"""Readable bodies, through the real listener and the real window: multipart Parts, form
fields, images, Save body/part as…, find in body (Ctrl+F) and JSON colours."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from helpers import key_with, run_in_qloop, send_http
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from inspector.app import AppCore
from inspector.gui.body_pane import FORM, HEX, IMAGE, PARTS, TEXT, BodyPane
from inspector.gui.body_views import safe_file_name
from inspector.gui.capture_model import human_size
from inspector.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


def image_bytes(fmt: str, width: int, height: int) -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#3366cc"))
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, fmt)  # type: ignore[call-overload]  # PySide takes a str here
    return bytes(array.data())


def post(qtbot: Any, url: str, data: Any, headers: dict[str, str] | None = None) -> None:
    """POST bytes (tests/helpers.py send_http) or an aiohttp FormData (multipart)."""
    if isinstance(data, bytes):
        assert send_http(qtbot, url, data, headers) == 200
        return

    async def go() -> None:
        async with aiohttp.ClientSession() as s, s.post(url, data=data, headers=headers) as r:
            await r.read()
            assert r.status == 200

    run_in_qloop(qtbot, go())


def select_newest(qtbot: Any, window: MainWindow, count: int) -> BodyPane:
    """Wait for ``count`` rows, click the newest (row 0) in the table, wait for its body."""
    qtbot.waitUntil(lambda: window.model.rowCount() == count, timeout=5000)
    table = window.table
    rect = table.visualRect(table.model().index(0, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    pane = window.detail.body
    qtbot.waitUntil(
        lambda: window.detail.capture is not None and not pane.is_busy(), timeout=10_000
    )
    return pane


def click_mode(qtbot: Any, pane: BodyPane, mode: int) -> None:
    button = pane.buttons.button(mode)
    assert button.isVisible(), f"{pane.MODES[mode]} is not offered"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert pane.mode() == pane.MODES[mode]


def click_part(qtbot: Any, pane: BodyPane, row: int) -> BodyPane:
    assert pane.parts is not None
    table = pane.parts.table
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    viewer = pane.parts.viewer
    assert isinstance(viewer, BodyPane)
    qtbot.waitUntil(lambda: not viewer.is_busy(), timeout=10_000)
    return viewer


def answer_save_dialog(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    """The next Save dialogs answer ``path``; returns the names they suggested."""
    suggested: list[str] = []

    def fake(parent: Any, title: str, name: str = "", flt: str = "") -> tuple[str, str]:
        suggested.append(name)
        return str(path), flt

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))
    return suggested


def test_multipart_parts_each_by_its_type_and_save_part(
    qtbot: Any, running: tuple[AppCore, MainWindow], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    core, window = running
    png = image_bytes("PNG", 320, 200)
    blob = bytes(range(256)) * 8
    form = aiohttp.FormData()
    form.add_field("meta", '{"task": "t-1", "faces": 3}', content_type="application/json")
    form.add_field("comment", "plain words")
    form.add_field("photo", png, filename="photo.png", content_type="image/png")
    form.add_field("raw", blob, filename="blob.bin")
    post(qtbot, core.listener.url + "/upload", form)
    pane = select_newest(qtbot, window, 1)

    assert pane.mode() == "Parts"  # the view a multipart body opens in
    assert pane.parts is not None
    assert pane.parts.rows() == [
        ("meta", "", "application/json", "27 B"),
        ("comment", "", "text/plain; charset=utf-8", "11 B"),
        ("photo", "photo.png", "image/png", human_size(len(png))),
        ("raw", "blob.bin", "application/octet-stream", "2.0 KiB"),
    ]
    assert pane.info.text().startswith("4 parts")

    viewer = click_part(qtbot, pane, 0)
    assert viewer.mode() == "Tree" and 'task = "t-1"' in viewer.tree.leaf_texts()
    viewer = click_part(qtbot, pane, 1)
    assert viewer.mode() == "Text" and viewer.text.toPlainText() == "plain words"
    viewer = click_part(qtbot, pane, 2)
    assert viewer.mode() == "Image"
    assert not viewer.image.pixmap().isNull()
    assert (viewer.image.pixmap().width(), viewer.image.pixmap().height()) == (320, 200)
    viewer = click_part(qtbot, pane, 3)
    assert viewer.mode() == "Hex" and viewer.hex.toPlainText().startswith("00000000  00 01 02")

    target = tmp_path / "saved.bin"
    suggested = answer_save_dialog(monkeypatch, target)
    qtbot.mouseClick(pane.parts.save_button, Qt.MouseButton.LeftButton)
    assert target.read_bytes() == blob
    assert suggested == ["blob.bin"]
    assert pane.parts.message.text() == f"Saved {len(blob):,} bytes to {target}"


def test_form_fields_decoded_in_order(qtbot: Any, running: tuple[AppCore, MainWindow]) -> None:
    core, window = running
    body = b"event=paid&item=a+b&item=%E2%82%AC+5&flag&name=caf%E9"
    post(
        qtbot,
        core.listener.url + "/form",
        body,
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    pane = select_newest(qtbot, window, 1)
    assert pane.mode() == "Form"
    assert pane.form.pairs() == [
        ("event", "paid"),
        ("item", "a b"),
        ("item", "€ 5"),
        ("flag", ""),
        ("name", "caf\\xe9"),
    ]
    assert "5 fields" in pane.info.text() and "not UTF-8" in pane.info.text()
    click_mode(qtbot, pane, TEXT)  # the raw text is still there
    assert pane.text.toPlainText() == body.decode("latin-1")


@pytest.mark.parametrize(
    ("fmt", "ctype"),
    [("PNG", "image/png"), ("JPEG", "application/octet-stream"), ("WEBP", "image/webp")],
)
def test_image_body_is_previewed_scaled_to_fit(
    qtbot: Any, running: tuple[AppCore, MainWindow], fmt: str, ctype: str
) -> None:
    core, window = running
    window.resize(1024, 700)
    width_before = window.width()
    data = image_bytes(fmt, 2400, 1600)  # larger than any pane: must be scaled down
    post(qtbot, core.listener.url + "/img", data, {"Content-Type": ctype})
    pane = select_newest(qtbot, window, 1)
    assert pane.mode() == "Image"
    pixmap = pane.image.pixmap()
    assert not pixmap.isNull() and (pixmap.width(), pixmap.height()) == (2400, 1600)
    shown = pane.image.shown_rect()
    assert 0 < shown.width() <= pane.image.width() and 0 < shown.height() <= pane.image.height()
    assert abs(shown.width() / shown.height() - 1.5) < 0.02
    assert fmt in pane.info.text() and "2400 x 1600" in pane.info.text()
    click_mode(qtbot, pane, HEX)
    click_mode(qtbot, pane, IMAGE)
    assert window.width() == width_before


#: A 1 x 1 GIF (Qt reads GIF but cannot write it).
GIF_1X1 = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00"
    b"\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def test_gif_sniffed_without_an_image_content_type(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    post(qtbot, core.listener.url + "/gif", GIF_1X1, {"Content-Type": "text/plain"})
    pane = select_newest(qtbot, window, 1)
    assert pane.mode() == "Image" and pane.image.pixmap().size().toTuple() == (1, 1)
    # an image that does not decode is a note and the bytes, not an empty view
    broken = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
    post(qtbot, core.listener.url + "/bad-png", broken, {"Content-Type": "image/png"})
    pane = select_newest(qtbot, window, 2)
    assert pane.mode() == "Hex" and not pane.buttons.button(IMAGE).isVisible()
    assert "not shown as an image" in pane.info.text()


def test_save_body_as_received_and_decoded(
    qtbot: Any, running: tuple[AppCore, MainWindow], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    core, window = running
    plain = json.dumps({"status": "done", "n": list(range(50))}).encode()
    wire = gzip.compress(plain)
    post(
        qtbot,
        core.listener.url + "/gz",
        wire,
        {"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    pane = select_newest(qtbot, window, 1)
    raw_path, decoded_path = tmp_path / "raw.gz", tmp_path / "plain.json"
    answer_save_dialog(monkeypatch, raw_path)
    qtbot.mouseClick(pane.save_button, Qt.MouseButton.LeftButton)
    assert raw_path.read_bytes() == wire
    assert pane.save_decoded_action.isEnabled()
    answer_save_dialog(monkeypatch, decoded_path)
    pane.save_decoded_action.trigger()
    assert decoded_path.read_bytes() == plain
    assert pane.info.text() == f"Saved {len(plain):,} bytes to {decoded_path}"
    # a failure is one line in the pane, nothing raised
    answer_save_dialog(monkeypatch, tmp_path / "no-such-dir" / "x.bin")
    qtbot.mouseClick(pane.save_button, Qt.MouseButton.LeftButton)
    assert pane.info.text().startswith("Could not save") and "\n" not in pane.info.text()


def test_save_body_without_content_encoding_offers_only_the_bytes(
    qtbot: Any, running: tuple[AppCore, MainWindow], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    core, window = running
    assert not window.detail.body.save_button.isEnabled()  # nothing selected yet
    body = bytes(range(256))
    post(qtbot, core.listener.url + "/bin", body)
    pane = select_newest(qtbot, window, 1)
    assert pane.save_button.isEnabled() and not pane.save_decoded_action.isEnabled()
    answer_save_dialog(monkeypatch, tmp_path / "b.bin")
    qtbot.mouseClick(pane.save_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "b.bin").read_bytes() == body


def test_find_in_body_with_ctrl_f(qtbot: Any, running: tuple[AppCore, MainWindow]) -> None:
    core, window = running
    body = json.dumps({"status": "ok", "items": [{"status": "done"}, {"Status": "x"}]}).encode()
    post(qtbot, core.listener.url + "/find", body, {"Content-Type": "application/json"})
    pane = select_newest(qtbot, window, 1)
    assert pane.mode() == "Tree"
    pane.tree.setFocus()
    key_with(qtbot, pane.tree, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    bar = pane.find_bar
    assert bar.isVisible() and pane.mode() == "Text"  # found in the text view
    assert bar.edit.hasFocus() or window.focusWidget() is bar.edit
    qtbot.keyClicks(bar.edit, "status")
    assert bar.count.text() == "1 of 3"  # case-insensitive
    # Ctrl+F again in the bar keeps it (the window's Ctrl+F would go to the filter)
    key_with(qtbot, bar.edit, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert bar.isVisible() and window.focusWidget() is bar.edit
    assert bar.edit.selectedText() == "status"
    assert pane.text.textCursor().selectedText() == "status"
    assert len(pane.text.extraSelections()) == 4  # three matches and the current one
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert bar.count.text() == "2 of 3"
    qtbot.mouseClick(bar.next_button, Qt.MouseButton.LeftButton)
    assert bar.count.text() == "3 of 3" and pane.text.textCursor().selectedText() == "Status"
    key_with(qtbot, bar.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert bar.count.text() == "2 of 3"
    qtbot.keyClicks(bar.edit, "zzz")
    assert bar.count.text() == "no matches"
    qtbot.keyClick(bar.edit, Qt.Key.Key_Escape)
    assert not bar.isVisible() and pane.text.extraSelections() == []
    # Outside the body pane Ctrl+F is still the window's: it goes to the capture filter.
    key_with(qtbot, window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.filter_edit.hasFocus() or window.focusWidget() is window.filter_edit


def test_json_text_is_coloured_only_where_visible(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    body = json.dumps({"items": [{"id": i, "ok": True, "name": f"n{i}"} for i in range(5000)]})
    post(qtbot, core.listener.url + "/big", body.encode(), {"Content-Type": "application/json"})
    pane = select_newest(qtbot, window, 1)
    click_mode(qtbot, pane, TEXT)
    qtbot.waitUntil(lambda: not pane.is_filling(), timeout=10_000)
    doc = pane.text.document()
    assert doc.blockCount() > 20_000
    qtbot.waitUntil(lambda: pane.highlighter.formatted > 0, timeout=3000)
    assert pane.highlighter.lazy
    # only the lines on screen (and a small margin) were formatted, not 25,000
    assert pane.highlighter.formatted < 200
    key_line = doc.findBlockByNumber(3)  # '      "id": 0,'
    assert '"id"' in key_line.text()
    formats = key_line.layout().formats()
    assert formats and formats[0].format.fontWeight() > 400  # the key is bold
    pane.text.verticalScrollBar().setValue(20_000)
    far = pane.text.firstVisibleBlock()
    qtbot.waitUntil(lambda: bool(far.layout().formats()), timeout=3000)
    # a body that is not JSON gets no colours
    post(qtbot, core.listener.url + "/txt", b'"id": 1, true', {"Content-Type": "text/plain"})
    pane = select_newest(qtbot, window, 2)
    assert pane.mode() == "Text"
    assert pane.text.document().firstBlock().layout().formats() == []


def test_malformed_multipart_is_a_note_and_the_bytes(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    body = b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\ncut off'
    post(qtbot, core.listener.url + "/bad", body, {"Content-Type": "multipart/form-data"})
    pane = select_newest(qtbot, window, 1)
    assert pane.parts is not None and pane.parts.rows() == [("a", "", "(none: text/plain)", "7 B")]
    note = pane.info.text()
    assert "first line" in note and "closing boundary is missing" in note
    post(
        qtbot,
        core.listener.url + "/bad2",
        b"no parts at all",
        {"Content-Type": "multipart/form-data"},
    )
    pane = select_newest(qtbot, window, 2)
    assert pane.mode() == "Text" and pane.text.toPlainText() == "no parts at all"
    click_mode(qtbot, pane, PARTS)
    assert pane.parts is not None
    assert "without a boundary" in pane.info.text() and pane.parts.rows() == []


def assert_window_keeps_width(qtbot: Any, window: MainWindow, width: int) -> None:
    """The window's minimum width (what makes it grow once layouts settle) and its width
    both stay within ``width``: checking the width alone passes before a posted layout
    request has made the window grow."""
    QApplication.processEvents()
    wide = [
        f"{type(w).__name__} {w.objectName()} {w.minimumSizeHint().width()}"
        for w in window.findChildren(QWidget)
        if w.isVisible() and w.minimumSizeHint().width() > width
    ]
    assert window.minimumSizeHint().width() <= width, wide
    assert window.width() == width


def test_long_names_and_notes_do_not_widen_the_window(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024, timeout=3000)
    form = aiohttp.FormData()
    long_name = "x" * 400
    form.add_field(long_name, "v" * 3000, filename="f" * 300 + ".txt")
    post(qtbot, core.listener.url + "/" + "p" * 200, form)
    post(
        qtbot,
        core.listener.url + "/form",
        b"&".join(b"k%d=%s" % (i, b"w" * 500) for i in range(20)),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    pane = select_newest(qtbot, window, 2)
    for mode in (FORM, TEXT, HEX):
        click_mode(qtbot, pane, mode)
        assert_window_keeps_width(qtbot, window, 1024)
    window.table.selectRow(1)
    qtbot.waitUntil(lambda: pane.mode() == "Parts", timeout=5000)
    viewer = click_part(qtbot, pane, 0)
    key_with(qtbot, viewer.text, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert viewer.find_bar.isVisible()
    assert_window_keeps_width(qtbot, window, 1024)
    # A 2 MiB JSON body in Text: its long note (over the vendor-reading limit, lines
    # broken for display) wraps instead of widening the window (issue 13, defect 3).
    big = json.dumps({"items": ["x" * 2000] * 1000}).encode()
    post(qtbot, core.listener.url + "/big", big, {"Content-Type": "application/json"})
    pane = select_newest(qtbot, window, 3)
    click_mode(qtbot, pane, TEXT)
    assert len(pane.info.text()) > 60  # a note long enough to have widened it before
    assert_window_keeps_width(qtbot, window, 1024)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\photo.png", "photo.png"),
        ("..", "part-1"),
        ("a\x00b<c>.txt", "a_b_c_.txt"),
        (None, "part-1"),
    ],
)
def test_suggested_names_are_never_paths(name: str | None, expected: str) -> None:
    assert safe_file_name(name, "part-1") == expected
