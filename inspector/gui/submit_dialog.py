"""The Submit dialog: send a test task to a vendor's API with our webhook URL.

The dialog only gathers the inputs (file, options, credentials, webhook URL) and runs the
app's ``submit`` coroutine on the running qasync loop; the vendor clients live in
``inspector.net`` and are reached through the services object alone. Upload progress
feeds a progress bar; Cancel cancels the asyncio task, which stops the upload between
chunks.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.core.submission import EndpointPlan, submit_options, submit_spec
from inspector.core.tasks import Task
from inspector.core.vendors import get_vendor, submit_vendors
from inspector.gui.credentials_dialog import CredentialForm
from inspector.gui.error_log import log_failure
from inspector.gui.services import AppServices
from inspector.gui.submit_form import (
    CANCELLED_TEXT,
    KIB,
    NO_PUBLIC_URL_TEXT,
    OptionsPage,
    check_file,
    fit_to_current_page,
    no_public_url_text,
    one_line,
    read_small_file,
    size_text,
    webhook_example,
)
from inspector.gui.theme import set_tone
from inspector.gui.widgets import plain_label


class SubmitDialog(QDialog):
    """Submit a test task with our webhook URL; the result is a stored ``Task``.

    ``services`` is the app: its ``submit``, ``credentials``, ``save_credentials``,
    ``plan_endpoint`` and ``endpoints`` (see :class:`~inspector.gui.services.AppServices`).
    The vendors, their credentials and options come from the vendor registry.

    The dialog changes no endpoint by itself: the vendor's endpoint is planned (path and
    generated secret chosen, so the webhook URL shown is final), the dialog says what
    Submit will create or change, and only Submit does it; the log says what was done.
    """

    #: the Task the vendor accepted (after it was stored)
    submitted = Signal(object)
    #: bytes sent, total bytes (whole-file upload)
    upload_progressed = Signal(int, int)

    def __init__(
        self, services: AppServices, parent: QWidget | None = None, *, api_base: str | None = None
    ) -> None:
        super().__init__(parent)
        self._busy = False
        self.setWindowTitle("Submit a test task")
        self.services = services
        self.task: asyncio.Future[Task] | None = None
        #: by vendor: the endpoint its callbacks will reach (created only on Submit)
        self._plans: dict[str, EndpointPlan] = {}
        self._log_lines: list[str] = []
        self._cancel_requested = False

        self.vendor_combo = QComboBox()
        for vendor in submit_vendors():
            self.vendor_combo.addItem(vendor.title, vendor.id)

        self.file_edit = QLineEdit()
        self.file_edit.setPlaceholderText("the image to anonymise")
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self._on_browse_clicked)
        file_row = QHBoxLayout()
        file_row.setContentsMargins(0, 0, 0, 0)
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.browse_button)
        file_widget = QWidget()
        file_widget.setLayout(file_row)

        # -- per-vendor options and credentials: one page per API (vendors sharing an API,
        # as Celantur's two versions do, share its page) ----------------------------------
        self.options_stack = QStackedWidget()
        self.credentials_stack = QStackedWidget()
        #: by vendor id
        self.option_pages: dict[str, OptionsPage] = {}
        self.credential_pages: dict[str, CredentialForm] = {}
        by_spec: dict[int, tuple[OptionsPage, CredentialForm]] = {}
        for vendor in submit_vendors():
            spec = submit_spec(vendor.id)
            pages = by_spec.get(id(spec))
            if pages is None:
                pages = by_spec[id(spec)] = (
                    OptionsPage(spec.options),
                    CredentialForm(spec.credentials),
                )
                self.options_stack.addWidget(pages[0])
                self.credentials_stack.addWidget(pages[1])
            self.option_pages[vendor.id], self.credential_pages[vendor.id] = pages
        options_box = QGroupBox("Options")
        QVBoxLayout(options_box).addWidget(self.options_stack)

        # On by default: Fetch result and the next Submit need the same credentials.
        self.remember = QCheckBox(
            "Remember these credentials (in the secret store, never in settings.json)"
        )
        self.remember.setChecked(True)
        credentials_box = QGroupBox("API credentials")
        cred_layout = QVBoxLayout(credentials_box)
        cred_layout.addWidget(self.credentials_stack)
        cred_layout.addWidget(self.remember)
        self.credentials_box = credentials_box

        # -- where to: the vendor's real API, or the sandbox's simulation of it ------------------
        self.real_api_radio = QRadioButton("Vendor's API")
        self.real_api_radio.setChecked(True)
        self.sandbox_radio = QRadioButton("Sandbox (simulated vendor)")
        self.sandbox_radio.setToolTip(
            "A simulation of the vendor's API on this machine: no account and no tunnel; "
            "its callbacks come to this listener, labelled simulated"
        )
        self.sandbox_radio.toggled.connect(self._on_target_changed)
        target_row = QHBoxLayout()
        target_row.setContentsMargins(0, 0, 0, 0)
        target_row.addWidget(self.real_api_radio)
        target_row.addWidget(self.sandbox_radio)
        target_row.addStretch(1)
        target_widget = QWidget()
        target_widget.setLayout(target_row)

        # -- webhook and API base ---------------------------------------------------------------
        self.webhook_edit = QLineEdit()
        self.webhook_edit.textChanged.connect(self._update_dashboard_info)
        self.webhook_edit.textChanged.connect(self._update_webhook_hint)
        self.webhook_hint = plain_label(selectable=False)
        set_tone(self.webhook_hint, "warning")
        self.api_base_edit = QLineEdit(api_base or "")
        self.api_base_edit.setPlaceholderText("empty: the vendor's real API")
        #: for a vendor whose webhooks are set up in its dashboard: what to enter there
        self.dashboard_info = plain_label()
        #: what Submit will create or change in the endpoints, said before it does
        self.changes_label = plain_label(selectable=False)
        self.changes_label.setObjectName("submit-changes")

        form = QFormLayout()
        form.addRow("Vendor", self.vendor_combo)
        form.addRow("Send to", target_widget)
        form.addRow("File", file_widget)
        form.addRow("Webhook URL", self.webhook_edit)
        form.addRow("API base URL (advanced)", self.api_base_edit)

        # -- progress, messages ----------------------------------------------------------------
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setFormat("")
        self.log_label = plain_label()
        self.status_label = plain_label()
        self.error_label = plain_label()
        set_tone(self.error_label, "error")

        self.submit_button = QPushButton("Submit")
        self.submit_button.setDefault(True)
        self.submit_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton("Cancel upload")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress_bar, 1)
        buttons.addWidget(self.submit_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        # Below the form, not in it: a wrapped label in a QFormLayout row gets clipped.
        layout.addWidget(self.webhook_hint)
        layout.addWidget(options_box)
        layout.addWidget(credentials_box)
        layout.addWidget(self.dashboard_info)
        layout.addWidget(self.changes_label)
        layout.addWidget(self.log_label)
        layout.addWidget(self.status_label)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        layout.addLayout(buttons)

        self.vendor_combo.currentIndexChanged.connect(self._on_vendor_changed)
        self.vendor_combo.currentIndexChanged.connect(self._update_webhook_hint)
        self._show_error("")
        self._on_vendor_changed()
        self._update_webhook_hint()
        self.resize(640, self.sizeHint().height())

    # -- for the window and tests ------------------------------------------------------------
    def vendor(self) -> str:
        return str(self.vendor_combo.currentData())

    def set_vendor(self, vendor_id: str) -> None:
        index = self.vendor_combo.findData(vendor_id)
        if index < 0:
            raise ValueError(f"unknown vendor {vendor_id!r}")
        self.vendor_combo.setCurrentIndex(index)

    def set_file(self, path: str | os.PathLike[str]) -> None:
        self.file_edit.setText(str(path))

    def api_base(self) -> str | None:
        """The API base URL typed in (None: the vendor's real API)."""
        return self.api_base_edit.text().strip() or None

    def is_busy(self) -> bool:
        # Busy until the done callback has shown the outcome, not merely until the task
        # finished: between the two the dialog would read "idle" with a stale status.
        return self._busy

    def error_text(self) -> str:
        return self.error_label.text()

    def status_text(self) -> str:
        return self.status_label.text()

    def log_text(self) -> str:
        return self.log_label.text()

    # -- vendor switching --------------------------------------------------------------------
    def _on_vendor_changed(self, _index: int = 0) -> None:
        vendor = self.vendor()
        self.options_stack.setCurrentWidget(self.option_pages[vendor])
        page = self.credential_pages[vendor]
        self.credentials_stack.setCurrentWidget(page)
        for stack in (self.options_stack, self.credentials_stack):
            fit_to_current_page(stack)
        try:
            page.fill(self.services.credentials(vendor))
        except Exception as exc:  # a broken keyring must not stop the dialog
            self._show_error(f"cannot read the saved credentials: {one_line(exc)}")
        self.file_edit.setPlaceholderText(submit_spec(vendor).file_kind.words)
        url = self.services.plan_webhook_url(self._plan(vendor))
        self.webhook_edit.setText(url or "")
        self.webhook_hint.setText("" if url else NO_PUBLIC_URL_TEXT)
        self.webhook_hint.setVisible(not url and not self.is_sandbox())
        self._update_dashboard_info()

    def is_sandbox(self) -> bool:
        return self.sandbox_radio.isChecked()

    def _on_target_changed(self, _checked: bool = False) -> None:
        """The sandbox brings its own API, credentials and URL: those fields do not apply."""
        real = not self.is_sandbox()
        for widget in (self.webhook_edit, self.api_base_edit, self.credentials_box):
            widget.setEnabled(real and not self._busy)
        self.webhook_hint.setVisible(real and not self.webhook_edit.text())
        self._update_dashboard_info()

    def _update_webhook_hint(self, *_: object) -> None:
        """The placeholder and the hint follow the vendor; the hint goes once a URL is typed."""
        vendor = self.vendor()
        path = self._plan(vendor).endpoint.path  # where the planned endpoint listens
        self.webhook_edit.setPlaceholderText(webhook_example(vendor, path))
        empty = not self.webhook_edit.text().strip()
        self.webhook_hint.setText(no_public_url_text(vendor, path) if empty else "")
        self.webhook_hint.setVisible(empty)

    def _plan(self, vendor: str) -> EndpointPlan:
        """The vendor's endpoint plan, made once per dialog (its generated secret stays)."""
        plan = self._plans.get(vendor)
        if plan is None or (plan.create and self.services.endpoints.for_vendor(vendor)):
            plan = self._plans[vendor] = self.services.plan_endpoint(vendor)
        return plan

    def changes_text(self) -> str:
        return self.changes_label.text()

    def _update_dashboard_info(self, _text: str = "") -> None:
        vendor = get_vendor(self.vendor())
        plan = self._plan(vendor.id)
        changes = self.services.planned_changes(plan, self.webhook_edit.text().strip())
        self.changes_label.setText(
            "\n".join(changes) if changes else "Submit creates and changes no endpoint."
        )
        events = submit_spec(vendor.id).dashboard_events
        if not events or self.is_sandbox():
            self.dashboard_info.setVisible(False)
            return
        url = self.webhook_edit.text().strip() or "(no webhook URL yet)"
        token = plan.endpoint.token or "(no endpoint token)"
        self.dashboard_info.setText(
            f"{vendor.brand_name} calls only the webhooks set up in its dashboard. "
            f"Add one there (event {events[0]}) with:\n"
            f"URL: {url}\n"
            f"Token: {token}"
        )
        self.dashboard_info.setVisible(True)

    def _on_browse_clicked(self) -> None:
        kind = submit_spec(self.vendor()).file_kind
        start = self.file_edit.text().strip() or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "File to send", start, kind.dialog_filter)
        if path:
            self.set_file(path)

    # -- submitting ---------------------------------------------------------------------------
    def options(self, vendor: str, head: bytes = b"") -> dict[str, Any]:
        """The vendor's options as the app's ``submit`` takes them; ValueError if unusable
        (the command line builds them the same way)."""
        return submit_options(vendor, self.option_pages[vendor].values(), head)

    def submit(self) -> None:
        """Check the inputs, then run the submission on the loop; results come back later."""
        if self.is_busy():
            return
        self._show_error("")
        self.status_label.setText("")
        self._log_lines = []
        self.log_label.setText("")
        vendor = self.vendor()
        try:
            path, head = check_file(vendor, self.file_edit.text())
            options = self.options(vendor, head)
            sandbox = self.is_sandbox()
            webhook = "" if sandbox else self.webhook_edit.text().strip()
            if not webhook and not sandbox and submit_spec(vendor).takes_webhook_url:
                raise ValueError(
                    "give a webhook URL: start the tunnel (or set a custom public URL) or type one"
                )
            if webhook and not webhook.startswith(("https://", "http://")):
                raise ValueError("the webhook URL must start with https:// (or http://)")
            page = self.credential_pages[vendor]
            credentials = {} if sandbox else page.values()
            missing = [page.labels[n] for n, v in credentials.items() if not v]
            if missing:
                brand = get_vendor(vendor).brand_name
                raise ValueError(f"fill in the {brand} {', '.join(missing)}")
            data = read_small_file(path)
        except (ValueError, OSError) as exc:
            self._show_error(one_line(exc))
            return
        self._cancel_requested = False
        self._set_busy(True)
        self.status_label.setText(f"submitting {path.name} to {self.vendor_combo.currentText()}…")
        remember = self.remember.isChecked() and not sandbox
        self.task = asyncio.ensure_future(
            self._run(
                vendor,
                path,
                data,
                options,
                webhook,
                credentials,
                remember,
                self._plan(vendor),
                sandbox,
            )
        )
        self.task.add_done_callback(self._on_done)

    async def _run(
        self,
        vendor: str,
        path: Path,
        data: bytes | None,
        options: dict[str, Any],
        webhook: str,
        credentials: dict[str, str],
        remember: bool,
        plan: EndpointPlan,
        sandbox: bool = False,
    ) -> Task:
        if data is None:
            try:
                data = await asyncio.to_thread(path.read_bytes)
            except OSError as exc:
                raise ValueError(f"cannot read {path.name}: {exc.strerror or exc}") from exc
        task = await self.services.submit(
            vendor,
            path.name,
            data,
            webhook=webhook,
            options=options,
            api_base=self.api_base(),
            credentials=credentials,
            progress=self._on_progress,
            say=self._say,
            plan=plan,
            sandbox=sandbox,
        )
        if remember:
            try:
                self.services.save_credentials(vendor, credentials)
                self._say("credentials saved")
            except Exception as exc:  # the task went through: report, do not fail it
                self._say(f"could not save the credentials: {one_line(exc)}")
        return task

    def cancel(self) -> None:
        """Cancel the running submission (the upload stops between chunks)."""
        if self.is_busy() and self.task is not None and not self.task.done():
            self._cancel_requested = True
            self.status_label.setText("cancelling…")
            self.task.cancel()

    def _on_progress(self, done: int, total: int) -> None:
        # QProgressBar counts in int: KiB keeps multi-GB files in range.
        self.progress_bar.setRange(0, max(1, total // KIB))
        self.progress_bar.setValue(min(done, total) // KIB)
        self.progress_bar.setFormat(f"{size_text(done)} of {size_text(total)} sent")
        self.upload_progressed.emit(done, total)

    def _say(self, message: str) -> None:
        self._log_lines.append(message)
        self.log_label.setText("\n".join(self._log_lines[-8:]))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.submit_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        for widget in (
            self.vendor_combo,
            self.file_edit,
            self.browse_button,
            self.options_stack,
            self.credentials_stack,
            self.webhook_edit,
            self.api_base_edit,
        ):
            widget.setEnabled(not busy)
        self.real_api_radio.setEnabled(not busy)
        self.sandbox_radio.setEnabled(not busy)
        if not busy:
            self._on_target_changed()
        if busy:
            self.progress_bar.setRange(0, 0)  # busy until the upload reports its size
            self.progress_bar.setFormat("")

    def _on_done(self, task: asyncio.Future[Task]) -> None:
        self._set_busy(False)
        self.progress_bar.setRange(0, 1)
        if task.cancelled():
            self.progress_bar.setValue(0)
            self.progress_bar.setFormat("")
            self.status_label.setText(CANCELLED_TEXT)
            return
        exc = task.exception()
        if exc is not None:
            self.progress_bar.setValue(0)
            self.progress_bar.setFormat("")
            if self._cancel_requested:
                # A client may turn the cancellation into its own error on the way out.
                self.status_label.setText(CANCELLED_TEXT)
                return
            self.status_label.setText("")
            log_failure(f"submitting to {self.vendor()}", exc)
            self._show_error(one_line(exc))
            return
        result = task.result()
        self._plans.pop(result.vendor, None)  # the endpoint exists now: plan afresh
        self._update_dashboard_info()
        self.progress_bar.setValue(1)
        self.progress_bar.setFormat("uploaded")
        self.status_label.setText(f"task {result.task_id}")
        self.submitted.emit(result)

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def done(self, result: int) -> None:
        # Closing the dialog mid-upload must not leave the upload running unseen.
        if self.is_busy() and self.task is not None:
            self.task.cancel()
        super().done(result)
