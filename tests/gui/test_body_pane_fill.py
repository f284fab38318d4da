"""Text and Hex are filled when first shown, with exactly what was decoded."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from inspector.core.body_display import LINE_CAP
from inspector.gui.body_pane import FILL_LINES, BodyPane, decode_all

pytestmark = pytest.mark.gui


def test_hidden_views_are_filled_on_first_show_exactly(qtbot: Any) -> None:
    view = BodyPane()
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    body = b'{"a": [' + b",".join(b'"%d"' % i for i in range(60_000)) + b"]}"
    headers = [("Content-Type", "application/json")]
    rendered = decode_all(body, headers)
    text, hexed = rendered.text, rendered.hexed
    view.show_body(body, headers)
    qtbot.waitUntil(lambda: not view.is_busy(), timeout=10_000)
    assert view.mode() == "Tree"
    # not laid out while hidden (the text view still holds the "decoding…" placeholder)
    assert view.text.toPlainText() in ("", "decoding…") and view.hex.toPlainText() == ""
    view.buttons.button(1).click()
    # A long text goes in step by step: the first lines at once, the rest in later turns.
    assert view.mode() == "Text" and view.is_filling()
    assert view.text.document().blockCount() == FILL_LINES
    qtbot.waitUntil(lambda: not view.is_filling(), timeout=10_000)
    assert view.text.toPlainText() == text
    view.buttons.button(2).click()
    qtbot.waitUntil(lambda: not view.is_filling(), timeout=10_000)
    assert view.mode() == "Hex" and view.hex.toPlainText() == hexed
    assert max(len(line) for line in text.split("\n")) <= LINE_CAP


def test_a_new_body_replaces_what_was_not_shown_yet(qtbot: Any) -> None:
    view = BodyPane()
    qtbot.addWidget(view)
    view.show()
    view.show_body(b'{"first": 1}', [("Content-Type", "application/json")])
    view.show_body(b"second", [("Content-Type", "text/plain")])
    assert view.mode() == "Text" and view.text.toPlainText() == "second"
    view.buttons.button(2).click()
    assert view.hex.toPlainText().endswith("second")


def test_a_new_body_stops_an_unfinished_fill(qtbot: Any) -> None:
    view = BodyPane()
    qtbot.addWidget(view)
    view.show()
    long_text = "\n".join(f"line {i}" for i in range(FILL_LINES * 3))
    view.show_body(long_text.encode(), [("Content-Type", "text/plain")])
    assert view.mode() == "Text" and view.is_filling()
    view.show_body(b"short", [("Content-Type", "text/plain")])
    assert not view.is_filling() and view.text.toPlainText() == "short"
    for _ in range(3):  # the pending steps of the first body run now, and must do nothing
        QApplication.processEvents()
    assert view.text.toPlainText() == "short"


def test_save_decoded_says_when_inflating_stopped_at_the_cap(qtbot: Any) -> None:
    import gzip

    from inspector.core.body_display import INFLATE_CAP

    view = BodyPane()
    qtbot.addWidget(view)
    bomb = gzip.compress(b"\0" * (INFLATE_CAP + 1024))
    view.show_body(bomb, [("Content-Encoding", "gzip")])
    qtbot.waitUntil(lambda: not view.is_busy(), timeout=10_000)
    assert view.save_decoded_action.isEnabled()
    assert "only the first" in view.save_decoded_action.text()
    view.show_body(gzip.compress(b"small"), [("Content-Encoding", "gzip")])
    assert view.save_decoded_action.text() == "Save decoded (5 bytes)…"
