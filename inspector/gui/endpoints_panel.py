"""The Endpoints panel: the listener's endpoints, their checks, answers and copyable URLs.

The URL a user pastes into a vendor is the public base (tunnel or custom URL) plus the
endpoint's path plus, when the endpoint checks a query token, ``?NAME=VALUE``. The panel
shows that URL with the token masked and puts the exact URL on the clipboard.

The table is also edited by the command line in another process; a one-second timer picks
such edits up (:meth:`~inspector.core.endpoints.EndpointTable.reload_if_changed`).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.core.capture import utc_now
from inspector.core.endpoints import (
    MAX_DELAY_MS,
    VENDOR_IDS,
    Endpoint,
    EndpointTable,
    ResponseRule,
    normalize_path,
)
from inspector.core.formats.masking import MASK
from inspector.core.submission import webhook_query, webhook_url
from inspector.core.validation import (
    DEFAULT_HMAC_HEADER,
    DEFAULT_TOKEN_HEADER,
    ENCODINGS,
    SCHEMES,
    SchemeConfig,
)
from inspector.core.vendors import get_profile
from inspector.gui.widgets import ERROR_STYLE, WARNING_STYLE, SecretField, plain_label

COLUMNS = ("Path", "Vendor", "Check", "Answer", "Forward", "Public URL")
NO_URL = "—"
NO_PUBLIC_URL_HINT = "start the tunnel to get a public URL"

_SCHEME_TITLES = {
    "token-header": "token header",
    "query-token": "query token",
    "hmac-sha256": "HMAC-SHA256",
    "standard-webhooks": "Standard Webhooks",
    "github": "GitHub signature",
    "stripe": "Stripe signature",
}

# The Endpoint constructor speaks to command-line users; in the form its flags would
# only puzzle, so they are reworded to name the fields instead.
_FLAG_WORDING = (
    ("--query-token NAME=VALUE", "a query token NAME=VALUE"),
    ("(--token or --secret)", "(Token or Secret)"),
    (" (--scheme)", ""),
    ("--secret", "a secret"),
    ("set --forward URL", "fill in Forward to"),
)


def form_message(message: str) -> str:
    """An Endpoint ``ValueError`` message worded for the dialog instead of the CLI."""
    for flag, words in _FLAG_WORDING:
        message = message.replace(flag, words)
    return message


def vendor_title(vendor: str) -> str:
    try:
        return get_profile(vendor).title or vendor
    except ValueError:
        return vendor


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
            parts.append(_SCHEME_TITLES.get(config.scheme, config.scheme))
    return " + ".join(parts) or "none"


def answer_text(rule: ResponseRule) -> str:
    """``vendor default`` or a summary such as ``status 500 · delay 2000 ms · fail 30%``."""
    if rule.is_default:
        return "vendor default"
    parts: list[str] = []
    if rule.status is not None:
        parts.append(f"status {rule.status}")
    if rule.headers:
        parts.append(f"{len(rule.headers)} header{'s' if len(rule.headers) != 1 else ''}")
    if rule.body is not None:
        parts.append(f"body {len(rule.body)} chars")
    if rule.delay_ms:
        parts.append(f"delay {rule.delay_ms} ms")
    if rule.fail_rate:
        parts.append(f"fail {rule.fail_rate * 100:g}%")
    return " · ".join(parts) or "vendor default"


def parse_header_lines(text: str) -> list[tuple[str, str]]:
    """``NAME: VALUE`` lines to pairs; ValueError naming the first bad line."""
    pairs: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"response header line {number} must look like NAME: VALUE")
        pairs.append((name.strip(), value.strip()))
    return pairs


class EndpointDialog(QDialog):
    """Create or edit one endpoint; OK stays disabled until the form makes a valid one."""

    def __init__(
        self,
        endpoint: Endpoint | None,
        existing_paths: set[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit endpoint" if endpoint else "Add endpoint")
        self.setMinimumWidth(560)
        self.original = endpoint
        self.existing_paths = {normalize_path(p) for p in existing_paths}
        self._result: Endpoint | None = None

        self.path = QLineEdit()
        self.path.setPlaceholderText("/blurit")
        self.vendor = QComboBox()
        for vid in VENDOR_IDS:
            self.vendor.addItem(vendor_title(vid), vid)
        self.token = SecretField(placeholder="the token the vendor sends")
        self.token_label = plain_label("Token", selectable=False)
        self.token_label.setWordWrap(False)
        self.token_hint = plain_label(selectable=False)
        self.query_token = SecretField(placeholder="key=s3cret (optional)")

        self.scheme = QComboBox()
        self.scheme.addItem("none", None)
        for scheme in SCHEMES:
            self.scheme.addItem(scheme, scheme)
        self.secret = SecretField(placeholder="signing secret")
        self.header = QLineEdit()
        self.encoding = QComboBox()
        self.encoding.addItems(list(ENCODINGS))
        self.prefix = QLineEdit()
        self.prefix.setPlaceholderText("e.g. sha256= (optional)")

        self.status = QSpinBox()
        self.status.setRange(0, 599)
        self.status.setSpecialValueText("vendor default")
        self.response_headers = QPlainTextEdit()
        self.response_headers.setPlaceholderText("X-Name: value  (one per line)")
        self.response_headers.setTabChangesFocus(True)
        self.response_headers.setMaximumHeight(70)
        self.body = QPlainTextEdit()
        self.body.setPlaceholderText("empty: the vendor's answer")
        self.body.setTabChangesFocus(True)
        self.body.setMaximumHeight(70)
        self.delay = QSpinBox()
        self.delay.setRange(0, MAX_DELAY_MS)
        self.delay.setSingleStep(100)
        self.delay.setSuffix(" ms")
        self.fail_rate = QSpinBox()
        self.fail_rate.setRange(0, 100)
        self.fail_rate.setSuffix(" %")
        self.forward = QLineEdit()
        self.forward.setPlaceholderText("http://localhost:3000 (optional)")
        self.proxy = QCheckBox("Answer the sender with this server's answer (proxy mode)")
        self.proxy.setObjectName("forward-proxy")

        self.warning_label = plain_label(selectable=False)
        self.warning_label.setStyleSheet(WARNING_STYLE)
        self.error_label = plain_label(selectable=False)
        self.error_label.setStyleSheet(ERROR_STYLE)

        main = QFormLayout()
        main.addRow("Path", self.path)
        main.addRow("Vendor", self.vendor)
        main.addRow(self.token_label, self.token)
        main.addRow("", self.token_hint)
        main.addRow("Query token", self.query_token)
        main.addRow("Forward to", self.forward)
        main.addRow("", self.proxy)

        self.signature_form = QFormLayout()
        self.signature_form.addRow("Scheme", self.scheme)
        self.signature_form.addRow("Secret", self.secret)
        self.signature_form.addRow("Header", self.header)
        self.signature_form.addRow("Encoding", self.encoding)
        self.signature_form.addRow("Prefix", self.prefix)
        signature_box = QGroupBox("Signature")
        signature_box.setLayout(self.signature_form)

        answer = QFormLayout()
        answer.addRow("Status", self.status)
        answer.addRow("Headers", self.response_headers)
        answer.addRow("Body", self.body)
        answer.addRow("Delay", self.delay)
        answer.addRow("Fail rate", self.fail_rate)
        answer_box = QGroupBox("Answer")
        answer_box.setLayout(answer)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(main)
        layout.addWidget(signature_box)
        layout.addWidget(answer_box)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        if endpoint is not None:
            self._fill(endpoint)

        for edit in (
            self.path,
            self.token.edit,
            self.query_token.edit,
            self.secret.edit,
            self.header,
            self.prefix,
            self.forward,
        ):
            edit.textChanged.connect(self._revalidate)
        for combo in (self.vendor, self.scheme, self.encoding):
            combo.currentIndexChanged.connect(self._revalidate)
        self.proxy.toggled.connect(self._revalidate)
        for spin in (self.status, self.delay, self.fail_rate):
            spin.valueChanged.connect(self._revalidate)
        self.response_headers.textChanged.connect(self._revalidate)
        self.body.textChanged.connect(self._revalidate)
        self._revalidate()

    def _fill(self, endpoint: Endpoint) -> None:
        self.path.setText(endpoint.path)
        self.vendor.setCurrentIndex(max(0, self.vendor.findData(endpoint.vendor)))
        self.token.setText(endpoint.token or "")
        self.query_token.setText(endpoint.query_token or "")
        self.scheme.setCurrentIndex(max(0, self.scheme.findData(endpoint.scheme)))
        self.secret.setText(endpoint.secret or "")
        self.header.setText(endpoint.header or "")
        self.encoding.setCurrentText(endpoint.encoding)
        self.prefix.setText(endpoint.prefix)
        rule = endpoint.response
        self.status.setValue(rule.status or 0)
        self.response_headers.setPlainText("\n".join(f"{k}: {v}" for k, v in rule.headers))
        self.body.setPlainText(rule.body or "")
        self.delay.setValue(rule.delay_ms)
        self.fail_rate.setValue(round(rule.fail_rate * 100))
        self.forward.setText(endpoint.forward_url or "")
        self.proxy.setChecked(endpoint.forward_proxy)

    # -- building and checking ------------------------------------------------------------
    def build(self) -> Endpoint:
        """The endpoint the form describes; ValueError with a one-line reason otherwise."""
        path = self.path.text().strip()
        if not path:
            raise ValueError("enter the endpoint's path, e.g. /blurit")
        forward = self.forward.text().strip() or None
        if forward is not None:
            parts = urlsplit(forward)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError("forward URL must start with http:// or https:// and name a host")
        body = self.body.toPlainText()
        rule = ResponseRule(
            status=self.status.value() or None,
            headers=parse_header_lines(self.response_headers.toPlainText()),
            body=body if body else None,
            delay_ms=self.delay.value(),
            fail_rate=self.fail_rate.value() / 100,
        )
        return Endpoint(
            path=path,
            vendor=str(self.vendor.currentData()),
            token=self.token.text().strip() or None,
            query_token=self.query_token.text().strip() or None,
            secret=self.secret.text().strip() or None,
            scheme=self.scheme.currentData(),
            header=self.header.text().strip() or None,
            encoding=self.encoding.currentText(),
            prefix=self.prefix.text().strip(),
            response=rule,
            forward_url=forward,
            forward_proxy=self.proxy.isChecked(),
            created_at=self.original.created_at if self.original else utc_now(),
        )

    def _update_fields(self) -> None:
        vendor = str(self.vendor.currentData())
        if vendor in ("celantur", "celantur-v1"):
            self.token_label.setText("Token (?key=)")
            self.token_hint.setText(
                "Celantur sends no header: the token is checked as ?key=... in the webhook "
                "URL, and Copy public URL includes it."
            )
        else:
            header = (
                self.header.text().strip() or DEFAULT_TOKEN_HEADER
                if vendor == "generic"
                else get_profile(vendor).token_header or DEFAULT_TOKEN_HEADER
            )
            self.token_label.setText(f"Token ({header})")
            self.token_hint.setText(f"Checked against the {header} header of every webhook.")

        scheme = self.scheme.currentData()
        # A secret typed before the scheme went back to "none" stays visible, so the
        # "needs a scheme" error below points at something the user can see and clear.
        self.signature_form.setRowVisible(
            self.secret, scheme is not None or bool(self.secret.text())
        )
        self.signature_form.setRowVisible(
            self.header, scheme in ("token-header", "hmac-sha256") or vendor == "generic"
        )
        self.signature_form.setRowVisible(self.encoding, scheme == "hmac-sha256")
        self.signature_form.setRowVisible(self.prefix, scheme == "hmac-sha256")
        placeholders = {
            "query-token": "NAME=VALUE (or fill Query token)",
            "token-header": "empty: use Token",
            "standard-webhooks": "whsec_...",
            "stripe": "whsec_...",
        }
        self.secret.edit.setPlaceholderText(placeholders.get(scheme or "", "signing secret"))
        self.header.setPlaceholderText(
            DEFAULT_HMAC_HEADER if scheme == "hmac-sha256" else "X-Webhook-Token"
        )

    def _revalidate(self) -> None:
        self._update_fields()
        try:
            endpoint = self.build()
        except ValueError as exc:
            self._result = None
            self.error_label.setText(form_message(str(exc).splitlines()[0]))
            self.warning_label.setText("")
            self.ok_button.setEnabled(False)
            return
        self._result = endpoint
        self.error_label.setText("")
        replaced = endpoint.path in self.existing_paths and (
            self.original is None or self.original.path != endpoint.path
        )
        self.warning_label.setText(
            f"An endpoint {endpoint.path} already exists: OK replaces it." if replaced else ""
        )
        self.ok_button.setEnabled(True)

    def error_text(self) -> str:
        return self.error_label.text()

    def warning_text(self) -> str:
        return self.warning_label.text()

    def result_endpoint(self) -> Endpoint | None:
        """The endpoint to store once accepted; None when the form is not valid."""
        return self._result


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
                if column == 0:
                    item.setData(Qt.ItemDataRole.UserRole, endpoint.path)
                if column == len(COLUMNS) - 1:
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

    def public_url_changed(self) -> None:
        """The tunnel came up, went down or moved: the Public URL column follows."""
        self.refresh()

    def selected_path(self) -> str | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.view.item(rows[0].row(), 0)
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def select_path(self, path: str) -> None:
        for row in range(self.view.rowCount()):
            item = self.view.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == path:
                self.view.selectRow(row)
                return

    def cell_text(self, path: str, column: str) -> str:
        """The text shown for ``path`` in ``column`` ("" when there is no such row)."""
        for row in range(self.view.rowCount()):
            first = self.view.item(row, 0)
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
            self.message.emit("Endpoints reloaded: endpoints.json was changed outside the app")
        error = self.table.last_error
        if error and error != self._reported_error:
            self.message.emit(f"Keeping the previous endpoints: {error}")
        self._reported_error = error

    # -- actions ----------------------------------------------------------------------------
    def _selected_endpoint(self) -> Endpoint | None:
        path = self.selected_path()
        return None if path is None else self.table.get(path)

    def make_dialog(self, endpoint: Endpoint | None) -> EndpointDialog:
        return EndpointDialog(endpoint, {e.path for e in self.table}, self)

    def _open_dialog(self, old: Endpoint | None) -> None:
        # Window-modal open() rather than exec(): a nested event loop would stall the
        # qasync loop (listener, tunnel) while the dialog is up.
        if self.dialog is not None:
            self.dialog.raise_()
            return
        dialog = self.make_dialog(old)
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
