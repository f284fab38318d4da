"""The Help menu: Keyboard shortcuts, About (with versions), Open data folder, Open log.

Folders and files open in the desktop's own applications through ``QDesktopServices``.
"""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, Qt, QUrl, qVersion
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector import __version__
from inspector.gui.message_log import say
from inspector.gui.widgets import make_action, plain_label

#: Keys the window handles that are no action's shortcut: (key, what it does).
OTHER_KEYS: tuple[tuple[str, str], ...] = (
    ("Tab / Shift+Tab", "Move between the capture list, the filter and the panes"),
    ("Up / Down", "Select the previous or next capture"),
    ("Shift+Click, Ctrl+Click", "Select several captures (Compare, Export selected, Delete)"),
    ("Menu key, right click", "The actions on what is under the pointer"),
)
LOG_PATH = Path("logs") / "inspector.log"


def _plain(text: str) -> str:
    """A menu text without its mnemonic marks and ellipsis: "&File" -> "File"."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def window_shortcuts(window: QMainWindow) -> list[tuple[str, str]]:
    """Every shortcut of the window's actions as (keys, action), then :data:`OTHER_KEYS`;
    sorted by action, each once."""
    seen: set[tuple[str, str]] = set()
    rows: list[tuple[str, str]] = []
    for action in window.findChildren(QAction):
        keys = [
            s.toString(QKeySequence.SequenceFormat.NativeText)
            for s in action.shortcuts()
            if not s.isEmpty()
        ]
        name = _plain(action.text()) or _plain(action.toolTip())
        if not keys or not name:
            continue
        row = (", ".join(keys), name)
        if row not in seen:
            seen.add(row)
            rows.append(row)
    rows.sort(key=lambda r: r[1].lower())
    return rows + list(OTHER_KEYS)


class ShortcutsDialog(QDialog):
    """A table of the window's shortcuts."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("shortcuts-dialog")
        self.setWindowTitle("Keyboard shortcuts")
        rows = window_shortcuts(window)
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Keys", "Does"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        for row, (keys, what) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(keys))
            item = QTableWidgetItem(what)
            item.setToolTip(what)
            self.table.setItem(row, 1, item)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(520, 520)

    def rows(self) -> list[tuple[str, str]]:
        out = []
        for row in range(self.table.rowCount()):
            keys, what = self.table.item(row, 0), self.table.item(row, 1)
            out.append((keys.text() if keys else "", what.text() if what else ""))
        return out


def versions() -> list[tuple[str, str]]:
    """The versions a bug report needs: the app's, Python's, Qt's and the main libraries'."""

    def installed(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return [
        ("Webhook Inspector", __version__),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("Qt", qVersion()),
        ("PySide6", pyside_version),
        ("aiohttp", installed("aiohttp")),
        ("qasync", installed("qasync")),
        ("pyngrok", installed("pyngrok")),
        ("System", platform.platform(terse=True)),
    ]


class AboutDialog(QDialog):
    """What the app is, and the versions of what it runs on (selectable, to paste)."""

    def __init__(self, parent: QWidget, data_dir: Path) -> None:
        super().__init__(parent)
        self.setObjectName("about-dialog")
        self.setWindowTitle("About Webhook Inspector")
        lines = "\n".join(f"{name}: {version}" for name, version in versions())
        self.text = plain_label(
            "Webhook Inspector captures, validates, replays and forwards webhooks, and "
            "exposes them through a tunnel.\n\n"
            f"{lines}\n\nData folder: {data_dir}"
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)


class HelpMenu(QObject):
    """The Help menu's actions and what they do."""

    def __init__(self, window: QMainWindow, data_dir: Path) -> None:
        super().__init__(window)
        self.window = window
        self.data_dir = data_dir
        self.dialog: QDialog | None = None
        self.shortcuts_action = make_action(
            window,
            "Keyboard shortcuts",
            self.show_shortcuts,
            "F1",
            "Every key the window answers to",
        )
        self.about_action = make_action(window, "About Webhook Inspector", self.show_about)
        self.data_folder_action = make_action(
            window,
            "Open data folder",
            self.open_data_folder,
            tip="Open the folder holding the captures, endpoints, settings and logs",
        )
        self.log_action = make_action(
            window, "Open log", self.open_log, tip="Open logs/inspector.log in the data folder"
        )

    def fill(self, menu: QMenu) -> None:
        menu.addAction(self.shortcuts_action)
        menu.addSeparator()
        menu.addAction(self.data_folder_action)
        menu.addAction(self.log_action)
        menu.addSeparator()
        menu.addAction(self.about_action)

    def _show(self, dialog: QDialog) -> QDialog:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _code: setattr(self, "dialog", None))
        dialog.open()
        return dialog

    def show_shortcuts(self) -> QDialog:
        return self._show(ShortcutsDialog(self.window))

    def show_about(self) -> QDialog:
        return self._show(AboutDialog(self.window, self.data_dir))

    def _open(self, path: Path, what: str) -> bool:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            # The desktop's failure, not the app's: a warning, with what to open by hand.
            say(
                self.window, f"Could not open {what} {path}: no application for it", level="warning"
            )
            return False
        return True

    def open_data_folder(self) -> bool:
        return self._open(self.data_dir, "the data folder")

    def open_log(self) -> bool:
        path = self.data_dir / LOG_PATH
        if not path.exists():
            say(self.window, f"No log yet: {path} is written once something is logged")
            return False
        return self._open(path, "the log")
