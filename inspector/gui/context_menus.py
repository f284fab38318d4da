"""Context menus on the capture list, the endpoints and the tasks, made of the same
``QAction`` objects as the menu bar's (one place for text, shortcut and enabled state).

:class:`ContextMenu` builds the menu when the widget asks for it
(``customContextMenuRequested``) and pops it up without a nested event loop; the last
menu stays in :attr:`ContextMenu.menu` until the next one.
:class:`EndpointActions` and :class:`TaskActions` turn the Endpoints panel's and the Tasks
view's buttons into actions that the Endpoints and Vendors menus share.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QMainWindow, QMenu

from inspector.gui.capture_actions import CaptureActions
from inspector.gui.capture_delete import DeleteActions
from inspector.gui.endpoints_panel import EndpointsPanel
from inspector.gui.tasks_view import TasksView
from inspector.gui.widgets import make_action

#: None in a list of actions stands for a separator.
Entries = list[QAction | None]


def fill_menu(menu: QMenu, entries: Entries) -> None:
    for action in entries:
        if action is None:
            menu.addSeparator()
        else:
            menu.addAction(action)


def capture_entries(captures: CaptureActions, deleting: DeleteActions) -> Entries:
    """The capture list's context menu: the Capture menu's actions on the selection."""
    return [
        captures.replay_action,
        captures.edit_replay_action,
        captures.compare_action,
        captures.pin_action,
        captures.new_endpoint_action,
        None,
        *captures.copy_actions.values(),
        None,
        deleting.delete_action,
        deleting.clear_action,
    ]


class ContextMenu(QObject):
    """The right-click menu of ``view``: ``entries()`` gives its actions, in order."""

    def __init__(self, view: QAbstractItemView, entries: Callable[[], Entries]) -> None:
        super().__init__(view)
        self.view = view
        self.entries = entries
        self.menu: QMenu | None = None
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self.popup)

    def build(self, pos: QPoint | None = None) -> QMenu:
        """The menu for a click at ``pos`` (viewport coordinates): the row under the
        pointer is selected first, as the user expects, unless it is selected already."""
        if pos is not None:
            index = self.view.indexAt(pos)
            model = self.view.selectionModel()
            if index.isValid() and model is not None and not model.isRowSelected(index.row()):
                self.view.setCurrentIndex(index)
        if self.menu is not None:
            self.menu.deleteLater()
        menu = QMenu(self.view)
        menu.setToolTipsVisible(True)
        fill_menu(menu, self.entries())
        self.menu = menu
        return menu

    def popup(self, pos: QPoint) -> QMenu:
        menu = self.build(pos)
        menu.popup(self.view.viewport().mapToGlobal(pos))
        return menu


class EndpointActions(QObject):
    """Add, edit, remove and copy endpoints: the Endpoints menu and the table's menu."""

    def __init__(self, window: QMainWindow, panel: EndpointsPanel) -> None:
        super().__init__(window)
        self.panel = panel
        self.add_action = make_action(
            window, "Add endpoint…", panel.add_endpoint, tip="A path with its vendor and checks"
        )
        self.edit_action = make_action(window, "Edit endpoint…", panel.edit_selected)
        self.remove_action = make_action(window, "Remove endpoint…", panel.remove_selected)
        self.copy_public_action = make_action(
            window,
            "Copy endpoint's public URL",
            panel.copy_public_url,
            tip="The URL to paste into the vendor's dashboard (token included)",
        )
        self.copy_local_action = make_action(
            window, "Copy endpoint's local URL", panel.copy_local_url
        )
        panel.view.itemSelectionChanged.connect(self.update_enabled)
        panel.endpoints_changed.connect(self.update_enabled)
        self.update_enabled()
        ContextMenu(panel.view, self.entries)

    def entries(self) -> Entries:
        return [
            self.copy_public_action,
            self.copy_local_action,
            None,
            self.add_action,
            self.edit_action,
            self.remove_action,
        ]

    def update_enabled(self) -> None:
        selected = self.panel.selected_path() is not None
        self.edit_action.setEnabled(selected)
        self.remove_action.setEnabled(selected)
        self.copy_local_action.setEnabled(selected)
        self.copy_public_action.setEnabled(selected and self.panel.public_base() is not None)


class TaskActions(QObject):
    """Fetch a task's result, show its callbacks: the Vendors menu and the tasks' menu."""

    def __init__(self, window: QMainWindow, view: TasksView, submit: QAction) -> None:
        super().__init__(window)
        self.view = view
        self.submit_action = submit
        self.fetch_action = make_action(
            window,
            "Fetch task result",
            view.fetch_selected,
            tip="Ask the vendor for the selected task's result",
        )
        self.callbacks_action = make_action(
            window,
            "Show task callbacks",
            self.show_callbacks,
            tip="Filter the capture list to the selected task's callbacks",
        )
        view.tree.itemSelectionChanged.connect(self.update_enabled)
        self.update_enabled()
        ContextMenu(view.tree, self.entries)

    def entries(self) -> Entries:
        return [self.fetch_action, self.callbacks_action, None, self.submit_action]

    def show_callbacks(self) -> None:
        task = self.view.selected_task()
        if task is not None:
            self.view.show_callbacks_requested.emit(task.task_id)

    def update_enabled(self) -> None:
        selected = self.view.selected_task() is not None
        self.fetch_action.setEnabled(selected)
        self.callbacks_action.setEnabled(selected)
