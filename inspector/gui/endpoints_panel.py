"""The Endpoints panel: the listener's endpoints, their checks, answers and copyable URLs.

The URL a user pastes into a vendor is the public base (tunnel or custom URL) plus the
endpoint's path plus, when the endpoint checks a query token, ``?NAME=VALUE``. The panel
shows that URL with the token masked and puts the exact URL on the clipboard.

The table is also edited by the command line in another process; a one-second timer picks
such edits up (:meth:`~inspector.core.endpoints.EndpointTable.reload_if_changed`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.core.endpoints import Endpoint, EndpointTable, ResponseRule
from inspector.core.formats.masking import MASK
from inspector.core.submission import webhook_query, webhook_url
from inspector.core.validation import DEFAULT_HMAC_HEADER, SchemeConfig, scheme_title
from inspector.core.vendors import find_vendor, get_profile, vendor_title
from inspector.core.words import plural
from inspector.gui.endpoint_dialog import EndpointDialog
from inspector.gui.url_box import UrlBox
from inspector.gui.widgets import plain_label


class EndpointColumn(enum.IntEnum):
    """The endpoints table's columns, left to right."""

    PATH = 0
    VENDOR = 1
    CHECK = 2
    ANSWER = 3
    FORWARD = 4
    PUBLIC_URL = 5


#: The header titles, in :class:`EndpointColumn` order.
COLUMNS = ("Path", "Vendor", "Check", "Answer", "Forward", "Public URL")
NO_URL = "—"
NO_PUBLIC_URL_HINT = "start the tunnel to get a public URL"


def _checks(endpoint: Endpoint) -> list[SchemeConfig]:
    try:
        return get_profile(endpoint.vendor).checks(endpoint)
    except ValueError:
        return []


def check_text(endpoint: Endpoint) -> str:
    """What an incoming webhook must carry, without the secret: ``X-Auth-Token``, ..."""
    parts: list[str] = []
    for config in _checks(endpoint):
        if config.scheme == "query-token":
            parts.append(f"query {config.query_name}={MASK}")
        elif config.scheme == "token-header":
            parts.append(config.header or "token header")
        elif config.scheme == "hmac-sha256":
            parts.append(f"HMAC-SHA256 {config.header or DEFAULT_HMAC_HEADER} ({config.encoding})")
        else:
            parts.append(scheme_title(config.scheme))
    vendor = find_vendor(endpoint.vendor)
    own = vendor.profile if vendor is not None else None
    kind = own.credential if own is not None else None
    credential = endpoint.public_key if kind == "public-key" else endpoint.secret
    if own is not None and kind is not None and credential:
        parts.append(f"{own.title} {own.signature_header}")  # a provider's own signature
    return " + ".join(parts) or "none"


def answer_text(rule: ResponseRule) -> str:
    """``vendor default`` or a summary such as ``status 500 · delay 2000 ms · fail 30%``."""
    if rule.is_default:
        return "vendor default"
    parts: list[str] = []
    if rule.status is not None:
        parts.append(f"status {rule.status}")
    if rule.headers:
        parts.append(plural(len(rule.headers), "header"))
    if rule.body is not None:
        parts.append(f"body {plural(len(rule.body), 'char')}")
    if rule.delay_ms:
        parts.append(f"delay {rule.delay_ms} ms")
    if rule.fail_rate:
        parts.append(f"fail {rule.fail_rate * 100:g}%")
    return " · ".join(parts) or "vendor default"


class EndpointsPanel(QWidget):
    """All endpoints with their checks, answers and URLs; add, edit, remove and copy."""

    endpoints_changed = Signal()
    message = Signal(str)

    def __init__(
        self,
        table: EndpointTable,
        local_url: str,
        public_url: Callable[[], str | None],
        parent: QWidget | None = None,
        *,
        confirm: Callable[[str], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self.table = table
        self.local_url = local_url.rstrip("/")
        self._public_url = public_url
        self._confirm = confirm or self._ask
        self._reported_error: str | None = None
        self._seen_external = table.external_changes
        #: The add/edit dialog while it is open.
        self.dialog: EndpointDialog | None = None

        self.view = QTableWidget(0, len(COLUMNS))
        self.view.setObjectName("endpoints-table")
        self.view.setHorizontalHeaderLabels(list(COLUMNS))
        self.view.verticalHeader().setVisible(False)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.view.itemSelectionChanged.connect(self._update_buttons)
        self.view.cellDoubleClicked.connect(lambda _r, _c: self.edit_selected())

        self.add_button = QPushButton("Add…")
        self.edit_button = QPushButton("Edit…")
        self.remove_button = QPushButton("Remove")
        self.copy_public_button = QPushButton("Copy public URL")
        self.copy_local_button = QPushButton("Copy local URL")
        self.add_button.clicked.connect(self.add_endpoint)
        self.edit_button.clicked.connect(self.edit_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.copy_public_button.clicked.connect(self.copy_public_url)
        self.copy_local_button.clicked.connect(self.copy_local_url)
        # The URL to paste into the vendor's dashboard, whole, whatever the dock's width.
        self.url_box = UrlBox()
        self.url_box.copy_button.clicked.connect(self._copy_shown_url)
        self.view.itemSelectionChanged.connect(self._show_url)
        self.empty_hint = plain_label(
            "No endpoints yet. Add one per vendor (e.g. /blurit) to validate its tokens; "
            "requests to other paths are captured too.",
            selectable=False,
        )

        # Two rows, so the dock can stay narrow beside the capture list.
        layout = QVBoxLayout(self)
        for group in (
            (self.add_button, self.edit_button, self.remove_button),
            (self.copy_public_button, self.copy_local_button),
        ):
            row = QHBoxLayout()
            for button in group:
                row.addWidget(button)
            row.addStretch(1)
            layout.addLayout(row)
        layout.addWidget(self.url_box)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_hint)

        self.reload_timer = QTimer(self)
        self.reload_timer.setInterval(1000)
        self.reload_timer.timeout.connect(self._on_reload_timer)
        self.reload_timer.start()
        self.refresh()

    # -- view -------------------------------------------------------------------------------
    def public_base(self) -> str | None:
        base = self._public_url()
        return base.rstrip("/") if base else None

    def refresh(self) -> None:
        """Re-read the table into the view, keeping the selected endpoint selected."""
        selected = self.selected_path()
        base = self.public_base()
        self._seen_generation = self.table.generation
        endpoints = list(self.table)
        self.view.setRowCount(len(endpoints))
        for row, endpoint in enumerate(endpoints):
            cells = (
                endpoint.path,
                vendor_title(endpoint.vendor),
                check_text(endpoint),
                answer_text(endpoint.response),
                endpoint.forward_url or NO_URL,
                webhook_url(base, endpoint, mask=MASK) if base else NO_URL,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == EndpointColumn.PATH:
                    item.setData(Qt.ItemDataRole.UserRole, endpoint.path)
                if column == EndpointColumn.PUBLIC_URL:
                    item.setToolTip(
                        "Copy public URL puts the full URL (token included) on the clipboard"
                        if base
                        else NO_PUBLIC_URL_HINT
                    )
                self.view.setItem(row, column, item)
            if endpoint.path == selected:
                self.view.selectRow(row)
        self.empty_hint.setVisible(not endpoints)
        self._update_buttons()
        self._show_url()

    def _show_url(self) -> None:
        """The public URL of the selected endpoint (else the tunnel's base URL) in the box."""
        base = self.public_base()
        endpoint = self._selected_endpoint()
        if base is None:
            title = "Public URL" + (f" of {endpoint.path}" if endpoint else "")
            hint = NO_PUBLIC_URL_HINT[0].upper() + NO_PUBLIC_URL_HINT[1:]
            self.url_box.show_url(title, f"{hint} (Tunnel menu)", can_copy=False)
        elif endpoint is None:
            self.url_box.show_url(
                "Public URL (add your endpoint's path)",
                base,
                can_copy=True,
                tip="Select an endpoint for its own URL",
            )
        else:
            self.url_box.show_url(
                f"Public URL of {endpoint.path}",
                webhook_url(base, endpoint, mask=MASK),
                can_copy=True,
                tip="Copy puts the full URL (token included) on the clipboard",
            )

    def shown_url(self) -> str:
        """The text of the public URL box."""
        return self.url_box.url.toPlainText()

    def _copy_shown_url(self) -> None:
        base = self.public_base()
        if base is None:
            return
        if self._selected_endpoint() is None:
            QGuiApplication.clipboard().setText(base)
            self.message.emit(f"Copied {base}")
        else:
            self._copy(base)

    def public_url_changed(self) -> None:
        """The tunnel came up, went down or moved: the Public URL column follows."""
        self.refresh()

    def selected_path(self) -> str | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.view.item(rows[0].row(), EndpointColumn.PATH)
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def select_path(self, path: str) -> None:
        for row in range(self.view.rowCount()):
            item = self.view.item(row, EndpointColumn.PATH)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == path:
                self.view.selectRow(row)
                return

    def cell_text(self, path: str, column: str) -> str:
        """The text shown for ``path`` in ``column`` ("" when there is no such row)."""
        for row in range(self.view.rowCount()):
            first = self.view.item(row, EndpointColumn.PATH)
            if first is not None and first.data(Qt.ItemDataRole.UserRole) == path:
                item = self.view.item(row, COLUMNS.index(column))
                return item.text() if item is not None else ""
        return ""

    def _update_buttons(self) -> None:
        has_selection = self.selected_path() is not None
        has_public = self.public_base() is not None
        self.edit_button.setEnabled(has_selection)
        self.remove_button.setEnabled(has_selection)
        self.copy_local_button.setEnabled(has_selection)
        self.copy_public_button.setEnabled(has_selection and has_public)
        self.copy_public_button.setToolTip(
            ""
            if has_public
            else NO_PUBLIC_URL_HINT[0].upper()
            + NO_PUBLIC_URL_HINT[1:]
            + " (or set a custom public URL in Settings)"
        )

    def _on_reload_timer(self) -> None:
        # The listener may have reloaded the shared table already: compare generations.
        self.table.reload_if_changed()
        if self.table.generation != self._seen_generation:
            self.refresh()
        # Only a change made outside the app is announced: the app's own writes (Submit,
        # a vendor's token) are told where they happen.
        if self.table.external_changes != self._seen_external:
            self._seen_external = self.table.external_changes
            self.message.emit("Endpoints reloaded: endpoints.json was changed outside the app")
        error = self.table.last_error
        if error and error != self._reported_error:
            self.message.emit(f"Keeping the previous endpoints: {error}")
        self._reported_error = error

    # -- actions ----------------------------------------------------------------------------
    def _selected_endpoint(self) -> Endpoint | None:
        path = self.selected_path()
        return None if path is None else self.table.get(path)

    def make_dialog(
        self, endpoint: Endpoint | None, draft: Endpoint | None = None
    ) -> EndpointDialog:
        return EndpointDialog(endpoint, {e.path for e in self.table}, self, draft=draft)

    def _open_dialog(self, old: Endpoint | None, draft: Endpoint | None = None) -> None:
        # Window-modal open() rather than exec(): a nested event loop would stall the
        # qasync loop (listener, tunnel) while the dialog is up.
        if self.dialog is not None:
            self.dialog.raise_()
            return
        dialog = self.make_dialog(old, draft)
        self.dialog = dialog

        def finished(code: int) -> None:
            self.dialog = None
            dialog.deleteLater()
            if code == QDialog.DialogCode.Accepted.value:
                self._store(old, dialog.result_endpoint())

        dialog.finished.connect(finished)
        dialog.open()

    def add_endpoint(self) -> None:
        """Open the endpoint dialog for a new endpoint (stored when the user clicks OK)."""
        self._open_dialog(None)

    def add_endpoint_from(self, draft: Endpoint) -> None:
        """Open the endpoint dialog for a new endpoint filled in from ``draft``."""
        self._open_dialog(None, draft)

    def edit_selected(self) -> None:
        """Open the endpoint dialog on the selected endpoint."""
        old = self._selected_endpoint()
        if old is not None:
            self._open_dialog(old)

    def _store(self, old: Endpoint | None, new: Endpoint | None) -> None:
        if new is None:
            return
        if old is not None and old.path != new.path:
            self.table.remove(old.path)
        self.table.add(new)
        self._save(f"Saved endpoint {new.path}")
        self.refresh()
        self.select_path(new.path)

    def remove_selected(self) -> None:
        path = self.selected_path()
        if path is None or not self._confirm(path):
            return
        self.table.remove(path)
        self._save(f"Removed endpoint {path}")
        self.refresh()

    def _save(self, done: str) -> None:
        try:
            self.table.save()
        except OSError as exc:
            self.message.emit(f"Could not save endpoints: {exc}")
            return
        self.endpoints_changed.emit()
        self.message.emit(done)

    def _ask(self, path: str) -> bool:
        answer = QMessageBox.question(
            self,
            "Remove endpoint",
            f"Remove the endpoint {path}? Webhooks to it will still be captured, "
            "but its token is no longer checked.",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _copy(self, base: str) -> None:
        endpoint = self._selected_endpoint()
        if endpoint is None:
            return
        QGuiApplication.clipboard().setText(webhook_url(base, endpoint))
        shown = webhook_url(base, endpoint, mask=MASK)
        note = " (token included)" if webhook_query(endpoint) else ""
        self.message.emit(f"Copied {shown}{note}")

    def copy_public_url(self) -> None:
        base = self.public_base()
        if base is None:
            self.message.emit(NO_PUBLIC_URL_HINT[0].upper() + NO_PUBLIC_URL_HINT[1:])
            return
        self._copy(base)

    def copy_local_url(self) -> None:
        self._copy(self.local_url)
