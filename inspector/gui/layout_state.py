"""The window's layout across restarts: geometry, docks, splitters, column widths.

Kept in ``window.json`` in the data directory (not in QSettings' per-user location), so the
data directory stays the one place the app writes to, a second data directory gets its own
layout, and tests, which always use a temporary data directory, never read or change the
user's. The file is written atomically on close; a missing, unreadable or foreign file
means the default layout, never an error.

Columns are saved by their titles, not by position, so a version that adds or moves a
column restores the others; Qt's own geometry and dock state are saved as Qt writes them.
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QDockWidget, QHeaderView, QMainWindow, QSplitter

from inspector.core.paths import atomic_write_text
from inspector.gui.columns import RoomyColumn

LAYOUT_FILENAME = "window.json"
#: Bumped when the meaning of the saved values changes; other formats are ignored.
FORMAT = 1
#: Qt's saveState version for the docks and toolbars (bump when docks change a lot).
DOCKS_VERSION = 1

#: A side dock's starting share of the window's width, between its bounds in px.
DOCK_SHARE, DOCK_MIN, DOCK_MAX = 0.3, 300, 420

log = logging.getLogger(__name__)


def size_side_dock(window: QMainWindow, dock: QDockWidget) -> None:
    """The default layout's width for a dock beside the list (call after the first show:
    during ``showEvent`` the dock's size hint still wins)."""
    width = int(min(DOCK_MAX, max(DOCK_MIN, window.width() * DOCK_SHARE)))
    window.resizeDocks([dock], [width], Qt.Orientation.Horizontal)


def _encode(data: QByteArray) -> str:
    return base64.b64encode(bytes(data.data())).decode("ascii")


def _decode(text: object) -> QByteArray | None:
    if not isinstance(text, str):
        return None
    try:
        return QByteArray(base64.b64decode(text, validate=True))
    except ValueError:
        return None


def load_layout(data_dir: Path) -> dict[str, Any]:
    """The saved layout, or {} when there is none or it cannot be read."""
    path = data_dir / LAYOUT_FILENAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring the saved window layout %s: %s", path, exc)
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    return data


def save_layout(data_dir: Path, data: dict[str, Any]) -> None:
    try:
        atomic_write_text(data_dir / LAYOUT_FILENAME, json.dumps({**data, "format": FORMAT}))
    except OSError as exc:
        log.warning("could not save the window layout: %s", exc)


class WindowLayout:
    """Saves and restores one window's layout; ``splitters`` and ``headers`` by name."""

    def __init__(
        self,
        window: QMainWindow,
        data_dir: Path,
        *,
        splitters: dict[str, QSplitter],
        headers: dict[str, QHeaderView],
        roomy: dict[str, RoomyColumn] | None = None,
    ) -> None:
        self.window = window
        self.data_dir = data_dir
        self.splitters = splitters
        self.headers = headers
        self.roomy = roomy or {}
        self.saved = load_layout(data_dir)

    def restore(self) -> bool:
        """Apply the saved layout (before the window is shown). True if there was one."""
        data = self.saved
        if not data:
            return False
        geometry = _decode(data.get("geometry"))
        if geometry is not None:
            self.window.restoreGeometry(geometry)
        docks = _decode(data.get("docks"))
        if docks is not None:
            self.window.restoreState(docks, DOCKS_VERSION)
        sizes = data.get("splitters", {})
        for name, splitter in self.splitters.items():
            wanted = sizes.get(name) if isinstance(sizes, dict) else None
            if (
                isinstance(wanted, list)
                and len(wanted) == splitter.count()
                and all(isinstance(n, int) and n >= 0 for n in wanted)
            ):
                splitter.setSizes(wanted)
        columns = data.get("columns", {})
        for name, header in self.headers.items():
            widths = columns.get(name) if isinstance(columns, dict) else None
            if isinstance(widths, dict):
                self._restore_widths(name, header, widths)
        return True

    def _restore_widths(self, name: str, header: QHeaderView, widths: dict[str, Any]) -> None:
        roomy = self.roomy.get(name)
        model = header.model()
        for column in range(header.count()):
            title = model.headerData(column, Qt.Orientation.Horizontal) if model else None
            width = widths.get(str(title))
            if not isinstance(width, int) or width <= 0:
                continue
            if header.sectionResizeMode(column) != QHeaderView.ResizeMode.Interactive:
                continue  # stretched or fitted to contents: Qt decides
            if roomy is not None and column in roomy.preferred:
                roomy.set_preferred(column, width)
            else:
                header.resizeSection(column, width)

    def current(self) -> dict[str, Any]:
        """The layout as it is now (what :meth:`save` writes)."""
        columns: dict[str, dict[str, int]] = {}
        for name, header in self.headers.items():
            roomy = self.roomy.get(name)
            model = header.model()
            widths = {}
            for column in range(header.count()):
                title = model.headerData(column, Qt.Orientation.Horizontal) if model else None
                if roomy is not None and column in roomy.preferred:
                    widths[str(title)] = roomy.preferred[column]
                else:
                    widths[str(title)] = header.sectionSize(column)
            columns[name] = widths
        return {
            **self.saved,
            "geometry": _encode(self.window.saveGeometry()),
            "docks": _encode(self.window.saveState(DOCKS_VERSION)),
            "splitters": self._splitter_sizes(),
            "columns": columns,
        }

    def _splitter_sizes(self) -> dict[str, list[int]]:
        saved = self.saved.get("splitters")
        sizes: dict[str, list[int]] = dict(saved) if isinstance(saved, dict) else {}
        for name, splitter in self.splitters.items():
            children = (splitter.widget(i) for i in range(splitter.count()))
            # A hidden pane (the detail pane while nothing is stored) counts as 0 px:
            # keep what was saved before rather than restoring it collapsed.
            # One never shown (a dock behind another's tab) has no sizes yet either.
            shown = splitter.isVisible() and sum(splitter.sizes()) > 0
            if shown and all(child is not None and not child.isHidden() for child in children):
                sizes[name] = splitter.sizes()
        return sizes

    def save(self) -> None:
        self.saved = self.current()
        save_layout(self.data_dir, self.saved)
