"""The body pane: Tree / Text / Hex views of any body, and Parts / Form / Image views of
multipart, form and image bodies, with Save body as…, find (Ctrl+F) and JSON colours.

Nothing from a body is ever rendered as rich text: every text widget is plain text.
Decoding and pretty-printing of bodies over :data:`BACKGROUND_THRESHOLD` run in a worker
thread so the window stays responsive; the result is shown when it arrives, unless the user
has selected another body in the meantime. Text and Hex are filled when first shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QAction, QImage, QKeyEvent, QKeySequence, QTextCursor
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.core.body_display import (
    INFLATE_CAP,
    DisplayBody,
    decode_for_display,
    hex_dump,
    pretty_text,
)
from inspector.core.body_forms import Structure, read_structure
from inspector.core.capture import header_get
from inspector.core.words import plural
from inspector.gui import workers
from inspector.gui.body_views import (
    FormView,
    ImageView,
    PartsView,
    load_image,
    save_bytes,
)
from inspector.gui.find_bar import FindBar
from inspector.gui.json_highlight import JsonHighlighter
from inspector.gui.theme import set_tone
from inspector.gui.widgets import note_label, plain_view, set_data_font

BACKGROUND_THRESHOLD = 256 * 1024
TREE_CHILD_CAP = 1000
TREE_BYTES_CAP = 8 * 1024 * 1024
_PLACEHOLDER = "__lazy__"


def _scalar_text(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value)


class JsonTree(QTreeWidget):
    """A JSON value as a tree whose children are built only when a node is expanded."""

    def __init__(self) -> None:
        super().__init__()
        self.setColumnCount(2)
        self.setHeaderLabels(["Key", "Value"])
        set_data_font(self)
        self.setUniformRowHeights(True)
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.setColumnWidth(0, 240)
        self.itemExpanded.connect(self._on_item_expanded)
        self._values: dict[int, Any] = {}

    def show_value(self, value: Any) -> None:
        self.clear()
        self._values.clear()
        root = QTreeWidgetItem(["$", self._summary(value)])
        self.addTopLevelItem(root)
        self._attach(root, value)
        root.setExpanded(True)
        # Small documents open one level further: webhook payloads nest their data once.
        if isinstance(value, dict) and len(value) <= 20:
            for i in range(root.childCount()):
                child = root.child(i)
                if child is not None and child.childCount():
                    child.setExpanded(True)

    @staticmethod
    def _summary(value: Any) -> str:
        if isinstance(value, dict):
            return "{…} " + plural(len(value), "key")
        if isinstance(value, list):
            return "[…] " + plural(len(value), "item")
        return _scalar_text(value)

    def _attach(self, item: QTreeWidgetItem, value: Any) -> None:
        if isinstance(value, dict | list) and value:
            self._values[id(item)] = value
            item.addChild(QTreeWidgetItem([_PLACEHOLDER, ""]))

    def _on_item_expanded(self, item: QTreeWidgetItem) -> None:
        value = self._values.pop(id(item), None)
        if value is None:
            return
        item.takeChildren()
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        for n, (key, child) in enumerate(pairs):
            if n >= TREE_CHILD_CAP:
                rest = len(value) - TREE_CHILD_CAP
                item.addChild(QTreeWidgetItem([f"… {rest:,} more", "see the Text view"]))
                break
            label = str(key) if isinstance(value, dict) else f"[{key}]"
            child_item = QTreeWidgetItem([label, self._summary(child)])
            item.addChild(child_item)
            self._attach(child_item, child)

    def leaf_texts(self) -> list[str]:
        """Every visible row as ``key = value`` (for tests and copy)."""
        out: list[str] = []

        def walk(item: QTreeWidgetItem | None) -> None:
            if item is None:
                return
            out.append(f"{item.text(0)} = {item.text(1)}")
            for i in range(item.childCount()):
                walk(item.child(i))

        for i in range(self.topLevelItemCount()):
            walk(self.topLevelItem(i))
        return out


@dataclass(slots=True)
class Rendered:
    """Everything the views of one body show, computed together (in a worker when big)."""

    decoded: DisplayBody
    text: str
    text_note: str
    hexed: str
    hex_note: str
    structure: Structure
    image: QImage | None = None
    image_note: str = ""


def _decode_in_worker(
    body: bytes, headers: list[tuple[str, str]], report: workers.Progress
) -> Rendered:
    return decode_all(body, headers)


def decode_all(body: bytes, headers: list[tuple[str, str]]) -> Rendered:
    decoded = decode_for_display(body, headers)
    text, text_note = pretty_text(decoded)
    hexed, hex_note = hex_dump(body)
    structure = read_structure(decoded.data, header_get(headers, "Content-Type"))
    out = Rendered(decoded, text, text_note, hexed, hex_note, structure)
    if structure.image is not None:
        out.image, out.image_note = load_image(decoded.data)
    return out


TREE, TEXT, HEX, PARTS, FORM, IMAGE = range(6)
#: Colour JSON in the Text view (bench/large_body.py --compare highlight turns it off
#: and on, side by side).
HIGHLIGHT_JSON = True
#: Lines put into the Text or Hex view per event-loop turn (docs/performance.md).
FILL_LINES = 2000
#: Views shown only for bodies that have that structure.
_STRUCTURED = (PARTS, FORM, IMAGE)


class BodyPane(QWidget):
    """One body in the view the user picks, with a wrapped line saying what is shown.

    ``nested`` panes show one part of a multipart body: they have no Parts view of their
    own and no Save body button (the Parts view saves the part).
    """

    MODES = ("Tree", "Text", "Hex", "Parts", "Form", "Image")

    def __init__(self, nested: bool = False) -> None:
        super().__init__()
        self.nested = nested
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        bar = QHBoxLayout()
        self.buttons = QButtonGroup(self)
        for i, name in enumerate(self.MODES):
            btn = QPushButton(name)
            btn.setCheckable(True)
            btn.setObjectName(f"body-mode-{name.lower()}")
            btn.setVisible(i not in _STRUCTURED)
            self.buttons.addButton(btn, i)
        # Structured views first: when a body has one, it is the view to start from.
        for i in (*_STRUCTURED, TREE, TEXT, HEX):
            bar.addWidget(self.buttons.button(i))
        bar.addStretch(1)
        self.save_raw_action = QAction("Save body as received…", self)
        self.save_raw_action.triggered.connect(lambda: self._save(decoded=False))
        self.save_decoded_action = QAction("Save body decoded…", self)
        self.save_decoded_action.triggered.connect(lambda: self._save(decoded=True))
        self.save_button = QToolButton()
        self.save_button.setObjectName("save-body")
        self.save_button.setText("Save body as…")
        self.save_button.setToolTip("Save the body's bytes exactly as received")
        self.save_button.clicked.connect(self.save_raw_action.trigger)
        menu = QMenu(self.save_button)
        menu.addAction(self.save_raw_action)
        menu.addAction(self.save_decoded_action)
        self.save_button.setMenu(menu)
        # The menu on its own arrow beside the text, always: with a delayed popup Fusion
        # drew its arrow over the last letters (the decoded item says when it cannot be).
        self.save_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.save_button.setVisible(not nested)
        bar.addWidget(self.save_button)
        layout.addLayout(bar)
        self.info = note_label()
        self.info.setObjectName("body-note")
        self.info.hide()
        layout.addWidget(self.info)
        self.stack = QStackedWidget()
        self.tree = JsonTree()
        self.text = plain_view()
        self.text.setObjectName("body-text")
        self.hex = plain_view()
        self.hex.setObjectName("body-hex")
        self.parts: PartsView | None = None if nested else PartsView(self._nested_pane)
        self.form = FormView()
        self.image = ImageView()
        for w in (self.tree, self.text, self.hex, self.parts or QWidget(), self.form, self.image):
            self.stack.addWidget(w)
        layout.addWidget(self.stack, 1)
        self.find_bar = FindBar()
        layout.addWidget(self.find_bar)
        self.highlighter = JsonHighlighter(self.text)
        for w in (self.tree, self.text, self.hex, self.form.table, self.image, self.find_bar.edit):
            w.installEventFilter(self)
        if self.parts is not None:
            self.parts.table.installEventFilter(self)
        for button in self.buttons.buttons():
            button.installEventFilter(self)
        self.buttons.idClicked.connect(self._on_mode_clicked)
        self._token = 0
        self._notes: dict[str, str] = {}
        self._decoding = False
        self._prefix = ""
        self._body = b""
        self._decoded_body: bytes | None = None
        self._json = False
        #: view contents (by mode) set when that view is first shown
        self._unfilled: dict[int, str] = {}
        #: views (by mode) whose text is still going in, step by step
        self._filling: set[int] = set()
        self._update_save()

    @staticmethod
    def _nested_pane() -> QWidget:
        return BodyPane(nested=True)

    # -- modes ------------------------------------------------------------------------------

    def _on_mode_clicked(self, mode: int) -> None:
        self._set_mode(mode)
        self._update_info()

    def _fill(self, mode: int) -> None:
        # Text and Hex are filled when first shown: laying out a view nobody looks at
        # was half of the UI stall when a 25 MiB body is selected (bench/large_body.py).
        # A long text goes in FILL_LINES lines at a time, one step per event-loop turn:
        # 1 MiB of pretty JSON (~67,000 lines) in one setPlainText held the loop for
        # 0.25-1.4 s (docs/performance.md).
        content = self._unfilled.pop(mode, None)
        if content is None:
            return
        view = self.text if mode == TEXT else self.hex
        lines = content.split("\n")
        view.setPlainText("\n".join(lines[:FILL_LINES]))
        if mode == TEXT:
            self.highlighter.reset(self._json and HIGHLIGHT_JSON)
        if len(lines) > FILL_LINES:
            self._filling.add(mode)
            step = partial(self._fill_step, self._token, mode, lines, FILL_LINES)
            QTimer.singleShot(0, self, step)
        else:
            self._filled(view)

    def _fill_step(self, token: int, mode: int, lines: list[str], start: int) -> None:
        if token != self._token:  # another body is shown by now
            return
        view = self.text if mode == TEXT else self.hex
        cursor = QTextCursor(view.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText("\n" + "\n".join(lines[start : start + FILL_LINES]))
        start += FILL_LINES
        if start < len(lines):
            QTimer.singleShot(0, self, partial(self._fill_step, token, mode, lines, start))
        else:
            self._filling.discard(mode)
            self._filled(view)

    def _filled(self, view: Any) -> None:
        if self.find_bar.isVisible() and self._searched_view() is view:
            self.find_bar.refresh()

    def is_filling(self) -> bool:
        """Whether the Text or Hex view is still being filled, step by step."""
        return bool(self._filling)

    def mode(self) -> str:
        return self.MODES[self.stack.currentIndex()]

    def _set_mode(self, mode: int) -> None:
        btn = self.buttons.button(mode)
        if btn is not None:
            btn.setChecked(True)
        self._fill(mode)
        self.stack.setCurrentIndex(mode)
        self.find_bar.set_view(self._searched_view())
        if self._searched_view() is None and self.find_bar.isVisible():
            self.find_bar.hide()

    def _searched_view(self) -> Any:
        index = self.stack.currentIndex()
        return self.text if index == TEXT else self.hex if index == HEX else None

    # -- showing a body -------------------------------------------------------------------

    def show_body(self, body: bytes, headers: list[tuple[str, str]], prefix_note: str = "") -> None:
        self._token += 1
        self._filling.clear()
        self._prefix = prefix_note
        self._body = body
        self._decoded_body = None
        self._json = False
        self.tree.clear()
        self.image.set_image(QImage())
        for mode in _STRUCTURED:
            self.buttons.button(mode).setVisible(False)
        if len(body) > BACKGROUND_THRESHOLD:
            self._decoding = True
            self._unfilled = {}
            self.text.setPlainText("decoding…")
            self.highlighter.reset(False)
            self.hex.setPlainText("")
            self._say(f"decoding {len(body):,} bytes…")
            workers.submit(
                partial(_decode_in_worker, body, headers), partial(self._on_decoded, self._token)
            )
        else:
            self._apply(self._token, decode_all(body, headers))
        self._update_save()

    def is_busy(self) -> bool:
        return self._decoding

    def _on_decoded(self, token: int, result: Rendered) -> None:
        if token == self._token:
            self._apply(token, result)

    def _apply(self, token: int, r: Rendered) -> None:
        self._decoding = False
        decoded = r.decoded
        self._json = decoded.is_json
        if decoded.data is not self._body:
            self._decoded_body = decoded.data
        notes = [n for n in (self._prefix, decoded.note) if n]
        self._unfilled = {TEXT: r.text, HEX: r.hexed}
        tree_note = ""
        if decoded.is_json and len(decoded.data) <= TREE_BYTES_CAP:
            self.tree.show_value(decoded.json_value)
        elif decoded.is_json:
            tree_note = "too large for the tree: see Text"
        else:
            tree_note = decoded.json_error or "not JSON"
        structured, structure_note = self._show_structure(r)
        if structured is None and structure_note:
            # e.g. a multipart body without parts, an image that does not decode: said
            # over whichever view shows the bytes
            notes.append(structure_note)
            structure_note = ""

        def joined(extra: str) -> str:
            return "; ".join([*notes, extra] if extra else notes)

        self._notes = {
            "Tree": joined(tree_note),
            "Text": joined(r.text_note),
            "Hex": joined(r.hex_note),
            "Parts": joined(structure_note),
            "Form": joined(structure_note),
            "Image": joined(structure_note),
        }
        if structured is not None:
            self._set_mode(structured)
        elif decoded.is_json and len(decoded.data) <= TREE_BYTES_CAP:
            self._set_mode(TREE)
        elif decoded.text is not None or not decoded.data:
            self._set_mode(TEXT)
        else:
            self._set_mode(HEX)
        self._update_info()
        self._update_save()

    def _show_structure(self, r: Rendered) -> tuple[int | None, str]:
        """Fill the Parts, Form or Image view; (the view to start in or None, its note)."""
        s = r.structure
        if s.multipart is not None and self.parts is not None:
            self.buttons.button(PARTS).setVisible(True)
            self.parts.show_parts(s.multipart)
            n = len(s.multipart.parts)
            count = f"{n:,} part" + ("" if n == 1 else "s")
            note = "; ".join(x for x in (count, s.multipart.note) if x)
            return (PARTS if n else None), note
        if s.form is not None:
            self.buttons.button(FORM).setVisible(True)
            self.form.show_form(s.form)
            n = len(s.form.pairs)
            count = f"{n:,} field" + ("" if n == 1 else "s")
            return FORM, "; ".join(x for x in (count, s.form.note) if x)
        if r.image is not None:
            if r.image.isNull():
                return None, r.image_note
            self.buttons.button(IMAGE).setVisible(True)
            self.image.set_image(r.image)
            return IMAGE, f"{r.image_note}; scaled down to fit when larger than the pane"
        return None, ""

    def _update_info(self) -> None:
        self._say(self._notes.get(self.mode(), ""))

    def _say(self, text: str, error: bool = False) -> None:
        """Show ``text`` on the note line (hidden while there is nothing to say)."""
        set_tone(self.info, "error" if error else None)
        self.info.setText(text)
        self.info.setToolTip(text)
        self.info.setVisible(bool(text))

    # -- saving ------------------------------------------------------------------------------

    def _update_save(self) -> None:
        decoded = self._decoded_body
        self.save_raw_action.setText(f"Save as received ({len(self._body):,} bytes)…")
        self.save_decoded_action.setEnabled(decoded is not None)
        self.save_decoded_action.setText(
            (
                f"Save decoded: only the first {len(decoded):,} bytes (inflating stopped "
                "at the viewing cap)…"
                if len(decoded) >= INFLATE_CAP
                else f"Save decoded ({len(decoded):,} bytes)…"
            )
            if decoded is not None
            else "Save decoded (the body has no content encoding)"
        )
        self.save_button.setEnabled(bool(self._body))  # nothing selected, or no body

    def _save(self, decoded: bool) -> None:
        data = self._decoded_body if decoded else self._body
        if data is None:
            return
        said = save_bytes(self, "Save body as", "body.bin" if not self._json else "body.json", data)
        if said:
            self._say(said, error=said.startswith("Could not"))

    # -- find (Ctrl+F) ---------------------------------------------------------------------

    def open_find(self) -> None:
        """Show the find bar on the Text view (or the Hex view when that is shown)."""
        if self._searched_view() is None:
            self._set_mode(TEXT)
            self._update_info()
        self.find_bar.set_view(self._searched_view())
        self.find_bar.open()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Ctrl+F inside the body pane finds in the body; elsewhere the window's own Ctrl+F
        # (the capture filter) applies. Taking the shortcut override keeps the key here.
        if isinstance(event, QKeyEvent) and event.matches(QKeySequence.StandardKey.Find):
            if event.type() == QEvent.Type.ShortcutOverride:
                event.accept()
                return True
            if event.type() == QEvent.Type.KeyPress:
                self.open_find()
                return True
        return super().eventFilter(watched, event)
