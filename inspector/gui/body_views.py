"""The structured body views: multipart Parts, decoded Form fields and an Image preview,
and saving bytes to a file the user picks.

None of these widgets takes its minimum width from its contents (a long file name or
field value must not widen the window): tables scroll, labels wrap, the image is scaled
down to the room it is given.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, Qt
from PySide6.QtGui import QImage, QImageReader, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.core.body_forms import Form, Multipart, Part
from inspector.core.words import plural
from inspector.gui.capture_model import human_size
from inspector.gui.theme import set_tone
from inspector.gui.widgets import fill_pairs, note_label, pairs_table

#: Images with more pixels than this are not decoded for the preview (a small PNG can
#: declare a 100,000 x 100,000 canvas).
MAX_IMAGE_PIXELS = 64 * 1024 * 1024


# -- saving -------------------------------------------------------------------------------


def safe_file_name(name: str | None, fallback: str) -> str:
    """A file name to suggest: the last path component of ``name``, tame characters only."""
    base = re.split(r"[\\/]", name or "")[-1].strip().strip(".")
    base = re.sub(r"[\x00-\x1f<>:\"|?*]", "_", base)[:120]
    return base or fallback


def save_bytes(parent: QWidget, title: str, suggested: str, data: bytes) -> str:
    """Ask where to save ``data`` and write it there exactly.

    Returns a one-line message for the user ("" when they cancelled).
    """
    name, _ = QFileDialog.getSaveFileName(parent, title, suggested, "All files (*)")
    if not name:
        return ""
    try:
        Path(name).write_bytes(data)
    except OSError as exc:
        return f"Could not save {name}: {exc.strerror or exc}"
    return f"Saved {plural(len(data), 'byte', grouped=True)} to {name}"


# -- image --------------------------------------------------------------------------------


def load_image(data: bytes) -> tuple[QImage, str]:
    """Decode an image (in any thread: QImage, unlike QPixmap, may be made off the UI
    thread); returns the image (null when it could not be read) and a one-line note."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    size = reader.size()
    fmt = bytes(reader.format().data()).decode("ascii", "replace").upper()
    if size.isValid() and size.width() * size.height() > MAX_IMAGE_PIXELS:
        return QImage(), f"{fmt} image of {size.width()} x {size.height()} px: too large to preview"
    image = reader.read()
    if image.isNull():
        return image, f"not shown as an image: {reader.errorString()}"
    return image, f"{fmt or 'image'}, {image.width()} x {image.height()} px"


class ImageView(QWidget):
    """An image scaled down (never up) to fit, centred; it asks for no room of its own."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("body-image")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._pixmap = QPixmap()

    def set_image(self, image: QImage) -> None:
        self._pixmap = QPixmap.fromImage(image) if not image.isNull() else QPixmap()
        self.update()

    def pixmap(self) -> QPixmap:
        return self._pixmap

    def sizeHint(self) -> QSize:
        return QSize(160, 120)

    def shown_rect(self) -> QRect:
        """Where the image is drawn: scaled to fit, aspect kept, never enlarged."""
        if self._pixmap.isNull():
            return QRect()
        size = self._pixmap.size()
        if size.width() > self.width() or size.height() > self.height():
            size = size.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = (self.width() - size.width()) // 2
        y = (self.height() - size.height()) // 2
        return QRect(x, y, size.width(), size.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._pixmap.isNull():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawPixmap(self.shown_rect(), self._pixmap)
        painter.end()


# -- form ---------------------------------------------------------------------------------


class FormView(QWidget):
    """The decoded fields of a form body, one row each, in the order sent."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = pairs_table(("Name", "Value (decoded)"))
        self.table.setObjectName("body-form")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(0, 200)
        layout.addWidget(self.table)

    def show_form(self, form: Form) -> None:
        fill_pairs(self.table, form.pairs)

    def pairs(self) -> list[tuple[str, str]]:
        """What the table shows, row by row."""
        out = []
        for row in range(self.table.rowCount()):
            key, value = self.table.item(row, 0), self.table.item(row, 1)
            out.append((key.text() if key else "", value.text() if value else ""))
        return out


# -- multipart ----------------------------------------------------------------------------


class PartViewer(Protocol):
    """What shows the selected part: a body pane (without a Parts view of its own)."""

    def show_body(
        self, body: bytes, headers: list[tuple[str, str]], prefix_note: str = ""
    ) -> None: ...


PART_COLUMNS = ("Name", "File name", "Content type", "Size")


class PartsView(QWidget):
    """The parts of a multipart body in a table; the selected one below, by its type."""

    def __init__(self, make_viewer: Callable[[], QWidget]) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, len(PART_COLUMNS))
        self.table.setObjectName("body-parts")
        self.table.setHorizontalHeaderLabels(list(PART_COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        # Compact rows: the parts above and the selected one below share the pane.
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # The file name gets the room; the size stays a narrow right-aligned column.
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 140), (2, 190), (3, 80)):
            self.table.setColumnWidth(col, width)
        self.table.itemSelectionChanged.connect(self._on_selection)
        bar = QHBoxLayout()
        self.save_button = QPushButton("Save part as…")
        self.save_button.setObjectName("save-part")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_part)
        self.message = note_label()
        bar.addWidget(self.save_button)
        bar.addWidget(self.message, 1)
        self.viewer = make_viewer()
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table)
        top_layout.addLayout(bar)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.viewer)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter)
        self._parts: list[Part] = []

    def show_parts(self, multipart: Multipart) -> None:
        self._parts = multipart.parts
        self.message.setText("")
        self.table.clearSelection()
        self.table.setRowCount(len(self._parts))
        for row, part in enumerate(self._parts):
            cells = (
                part.name if part.name is not None else "(no name)",
                part.filename or "",
                part.content_type or "(none: text/plain)",
                human_size(len(part.data)),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if col == 3:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, col, item)
        if self._parts:
            self.table.selectRow(0)
        else:
            self._show(None)

    def rows(self) -> list[tuple[str, ...]]:
        """What the table shows, row by row."""
        return [
            tuple(
                (it.text() if (it := self.table.item(r, c)) is not None else "")
                for c in range(len(PART_COLUMNS))
            )
            for r in range(self.table.rowCount())
        ]

    def selected_part(self) -> Part | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._parts):
            return None
        return self._parts[rows[0].row()]

    def _on_selection(self) -> None:
        self._show(self.selected_part())

    def _show(self, part: Part | None) -> None:
        self.save_button.setEnabled(part is not None)
        viewer: PartViewer = self.viewer  # type: ignore[assignment]
        if part is None:
            viewer.show_body(b"", [])
            return
        headers = part.headers or [("Content-Type", "text/plain")]
        viewer.show_body(part.data, headers)

    def save_part(self) -> None:
        part = self.selected_part()
        if part is None:
            return
        row = self._parts.index(part) + 1
        suggested = safe_file_name(part.filename or part.name, f"part-{row}")
        said = save_bytes(self, "Save part as", suggested, part.data)
        set_tone(self.message, "error" if said.startswith("Could not") else None)
        self.message.setText(said)
