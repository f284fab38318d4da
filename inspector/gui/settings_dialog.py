"""The Settings dialog: listener, body limit, ngrok (authtoken, agent, region, domain), tunnel;
and a Vendors page with each vendor API's credentials.

The ngrok authtoken, and the value of the header a custom public URL's tunnel adds, go to
the :class:`~inspector.core.secrets.SecretStore`, never to ``settings.json``. When the app can download the ngrok agent, a button does so with a
progress dialog and Cancel; the download itself is a coroutine the app injects (the GUI
layer knows nothing of pyngrok or HTTP).
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.core.secrets import (
    CUSTOM_TUNNEL_VALUE,
    NGROK_AUTHTOKEN,
    SecretStore,
    SecretStoreError,
)
from inspector.core.settings import Settings
from inspector.core.tunnel_help import is_pyngrok_wrapper
from inspector.gui.credentials_dialog import VendorCredentialsPage
from inspector.gui.error_log import log_failure
from inspector.gui.notify_settings import TrayPage
from inspector.gui.theme import THEME_CHOICES, THEME_TITLES, apply_theme, set_tone
from inspector.gui.widgets import SecretField, plain_label

#: Reports bytes done and the total (None while unknown).
ProgressCallback = Callable[[int, int | None], None]
#: Downloads the ngrok agent, reporting progress, until done or the event is set;
#: returns the installed binary's path, raises with a one-sentence message on failure.
InstallAgent = Callable[[ProgressCallback, asyncio.Event], Coroutine[Any, Any, str]]

REGIONS = ("auto", "us", "eu", "ap", "au", "sa", "jp", "in")
MIB = 1024 * 1024
CANCELLED_TEXT = "download cancelled"


def _mib(n: float) -> str:
    return f"{n / MIB:.1f} MiB"


def secret_location(backend_name: str) -> str:
    """Where the authtoken is kept, in words, from :attr:`SecretStore.backend_name`."""
    kind, _, where = backend_name.partition(":")
    if kind == "keyring":
        return f"Kept in the OS keyring ({where}), never in settings.json."
    return f"Kept in {where} (readable by you alone), never in settings.json."


class SettingsDialog(QDialog):
    """Edit :class:`Settings` and the ngrok authtoken; Save validates, writes, accepts."""

    def __init__(
        self,
        settings: Settings,
        secrets: SecretStore,
        data_dir: Path,
        install_agent: InstallAgent | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        self.secrets = secrets
        self.data_dir = Path(data_dir)
        self._install_agent = install_agent
        self.download_task: asyncio.Future[str] | None = None
        self._downloading = False
        self._cancel_event: asyncio.Event | None = None
        self.progress: QProgressDialog | None = None

        self.port = QSpinBox()
        self.port.setRange(0, 65535)
        self.port.setSpecialValueText("any free port")
        self.port.setValue(settings.listen_port)
        self.body_limit = QDoubleSpinBox()
        self.body_limit.setRange(0.0, 4096.0)
        self.body_limit.setDecimals(2)
        self.body_limit.setSuffix(" MiB")
        self.body_limit.setValue(settings.body_limit / MIB)
        # A limit that is not a whole number of hundredths of a MiB must survive a Save
        # that did not touch it, so the shown value is compared against on save.
        self._shown_body_limit = self.body_limit.value()

        try:
            self._stored_token = secrets.get(NGROK_AUTHTOKEN) or ""
            self._stored_tunnel_value = secrets.get(CUSTOM_TUNNEL_VALUE) or ""
            token_problem = ""
        except SecretStoreError as exc:
            self._stored_token = self._stored_tunnel_value = ""
            token_problem = str(exc)
        self.authtoken = SecretField(self._stored_token, "from dashboard.ngrok.com (optional)")
        self.token_where = plain_label(secret_location(secrets.backend_name), selectable=False)

        self.ngrok_path = QLineEdit(settings.ngrok_path or "")
        self.ngrok_path.setPlaceholderText("empty: ngrok on PATH")
        self.ngrok_path.setToolTip(
            "The ngrok agent program. Empty: the ngrok found on your PATH, else one "
            "downloaded here (Download ngrok agent…)"
        )
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self._on_browse_clicked)
        path_row = QHBoxLayout()
        path_row.setContentsMargins(0, 0, 0, 0)
        path_row.addWidget(self.ngrok_path, 1)
        path_row.addWidget(self.browse_button)
        self.download_button: QPushButton | None = None
        if install_agent is not None:
            self.download_button = QPushButton("Download ngrok agent…")
            self.download_button.clicked.connect(self.start_download)
            path_row.addWidget(self.download_button)
        path_widget = QWidget()
        path_widget.setLayout(path_row)

        self.region = QComboBox()
        self.region.addItems(list(REGIONS))
        self.region.setCurrentText(settings.ngrok_region or "auto")
        self.domain = QLineEdit(settings.ngrok_domain or "")
        self.domain.setPlaceholderText("e.g. my-team.ngrok.app (reserved domain, optional)")
        self.custom_url = QLineEdit(settings.custom_public_url or "")
        self.custom_url.setPlaceholderText("https://hooks.example.com (cloudflared etc.)")
        self.custom_url.setToolTip(
            "When set, endpoint URLs are built on this base instead of the ngrok tunnel"
        )
        # Without the header a custom tunnel adds, its requests look local (no rate limit,
        # the tunnel's address as the sender): the status says so.
        self.tunnel_header = QLineEdit(settings.custom_tunnel_header or "")
        self.tunnel_header.setPlaceholderText("header name, e.g. X-Tunnel-Secret")
        self.tunnel_header.setToolTip(
            "A header your tunnel program adds to every request it relays (with a secret "
            "value), so that the app can tell tunnelled requests from local ones"
        )
        self.tunnel_value = SecretField(self._stored_tunnel_value, "its value")
        header_row = QHBoxLayout()
        header_row.setContentsMargins(0, 0, 0, 0)
        header_row.addWidget(self.tunnel_header, 1)
        header_row.addWidget(self.tunnel_value, 1)
        header_widget = QWidget()
        header_widget.setLayout(header_row)
        self.autostart = QCheckBox("Start the tunnel when the app starts")
        self.autostart.setChecked(settings.tunnel_autostart)
        self.autostart.setToolTip(
            "Only once the tunnel is set up: an authtoken and an ngrok agent (or a custom "
            "public URL)"
        )

        # The window's colours; applied on Save, without a restart.
        self.theme = QComboBox()
        self.theme.setObjectName("theme")
        for choice in THEME_CHOICES:
            self.theme.addItem(THEME_TITLES[choice], choice)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))

        form = QFormLayout()
        form.addRow("Theme", self.theme)
        form.addRow("Listen port", self.port)
        form.addRow("Body limit", self.body_limit)
        form.addRow("ngrok authtoken", self.authtoken)
        form.addRow("", self.token_where)
        form.addRow("ngrok binary", path_widget)
        form.addRow("ngrok region", self.region)
        form.addRow("Reserved domain", self.domain)
        form.addRow("Custom public URL", self.custom_url)
        form.addRow("Header its tunnel adds", header_widget)
        form.addRow("", self.autostart)

        self.info_label = plain_label(selectable=False)
        self.error_label = plain_label(token_problem, selectable=False)
        set_tone(self.error_label, "error")

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        # Two pages: the app and its tunnel, and each vendor API's credentials.
        general = QWidget()
        general.setLayout(form)
        self.vendors_page = VendorCredentialsPage(secrets)
        self.tabs = QTabWidget()
        self.tabs.addTab(general, "General")
        self.tabs.addTab(self.vendors_page, "Vendors")
        self.tray_page = TrayPage(settings)
        self.tabs.addTab(self.tray_page, "Tray and notifications")
        if self.vendors_page.problem and not token_problem:
            self.error_label.setText(self.vendors_page.problem)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.info_label)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.resize(620, self.sizeHint().height())

    def focus_tunnel(self, missing: list[str]) -> None:
        """Put the focus on the tunnel's first missing field (the authtoken by default)."""
        first = missing[0] if missing else "authtoken"
        self.tabs.setCurrentIndex(0)  # the tunnel's fields are on the first page
        if first == "agent":
            self.ngrok_path.setFocus()
        else:
            self.authtoken.edit.setFocus()

    # -- saving -----------------------------------------------------------------------------
    def edited_settings(self) -> Settings:
        """A copy of the settings with the form's values (unknown keys kept)."""
        if abs(self.body_limit.value() - self._shown_body_limit) < 1e-9:
            body_limit = self.settings.body_limit
        else:
            body_limit = round(self.body_limit.value() * MIB)
        region = self.region.currentText()
        return dataclasses.replace(
            self.settings,
            listen_port=self.port.value(),
            body_limit=body_limit,
            ngrok_path=self.ngrok_path.text().strip() or None,
            ngrok_region=None if region == "auto" else region,
            ngrok_domain=self.domain.text().strip() or None,
            custom_public_url=self.custom_url.text().strip() or None,
            custom_tunnel_header=self.tunnel_header.text().strip() or None,
            tunnel_autostart=self.autostart.isChecked(),
            theme=str(self.theme.currentData()),
            extra=dict(self.settings.extra),
            problems=[],
            **self.tray_page.values(self.settings),
        )

    @staticmethod
    def form_problems(settings: Settings) -> list[str]:
        """What the form accepts but the app could not use, besides :meth:`Settings.validate`."""
        problems = []
        url = settings.custom_public_url
        if url is not None:
            parts = urlsplit(url)
            if parts.scheme != "https" or not parts.netloc:
                problems.append(
                    "custom public URL must start with https:// and name a host "
                    "(vendors only call HTTPS webhooks)"
                )
        domain = settings.ngrok_domain
        if domain is not None and ("/" in domain or " " in domain):
            problems.append(
                "reserved domain is a host name such as my-team.ngrok.app, "
                "without https:// or a path"
            )
        path = settings.ngrok_path
        if path is not None and not (Path(path).expanduser().is_file() or shutil.which(path)):
            problems.append(f"no ngrok binary at {path}")
        elif path is not None and is_pyngrok_wrapper(str(Path(path).expanduser())):
            problems.append(
                f"{path} is pyngrok's installer script, not the ngrok agent: choose the "
                "agent you installed, or Download ngrok agent…"
            )
        return problems

    def save(self) -> None:
        """Validate; on success write settings.json and the authtoken, then accept."""
        edited = self.edited_settings()
        problems = edited.validate() + self.form_problems(edited)
        tunnel_value = self.tunnel_value.text().strip()
        if bool(edited.custom_tunnel_header) != bool(tunnel_value):
            problems.append("the header your tunnel adds needs both its name and its value")
        if problems:
            self.error_label.setText("\n".join(problems))
            return
        token = self.authtoken.text().strip()
        try:
            if token != self._stored_token:
                if token:
                    self.secrets.set(NGROK_AUTHTOKEN, token)
                else:
                    self.secrets.delete(NGROK_AUTHTOKEN)
                self._stored_token = token
            if tunnel_value != self._stored_tunnel_value:
                if tunnel_value:
                    self.secrets.set(CUSTOM_TUNNEL_VALUE, tunnel_value)
                else:
                    self.secrets.delete(CUSTOM_TUNNEL_VALUE)
                self._stored_tunnel_value = tunnel_value
            self.vendors_page.save()
            edited.save(self.data_dir)
        except (OSError, SecretStoreError) as exc:
            self.error_label.setText(f"could not save: {exc}")
            return
        # Update the caller's object in place: the app holds on to it.
        for f in dataclasses.fields(Settings):
            if f.name != "problems":
                setattr(self.settings, f.name, getattr(edited, f.name))
        self.error_label.setText("")
        apply_theme(self.settings.theme)
        self.accept()

    def _on_browse_clicked(self) -> None:
        start = self.ngrok_path.text().strip() or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "The ngrok agent binary", start)
        if path:
            self.ngrok_path.setText(path)

    # -- downloading the agent ---------------------------------------------------------------
    def start_download(self) -> None:
        """Run the injected download on the current asyncio loop, with progress and Cancel."""
        if self._install_agent is None or self.is_downloading():
            return
        self.error_label.setText("")
        self.info_label.setText("")
        cancel = asyncio.Event()
        self._cancel_event = cancel
        progress = QProgressDialog("Downloading the ngrok agent…", "Cancel", 0, 0, self)
        progress.setWindowTitle("ngrok agent")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(self.cancel_download)
        self.progress = progress
        progress.show()
        if self.download_button is not None:
            self.download_button.setEnabled(False)
        self._downloading = True
        task = asyncio.ensure_future(self._install_agent(self._on_progress, cancel))
        self.download_task = task
        task.add_done_callback(self._on_download_done)

    def is_downloading(self) -> bool:
        # Until the outcome is shown (done callbacks run a loop turn after the task ends).
        return self._downloading

    def cancel_download(self) -> None:
        """Ask the download to stop; it reports back through its task."""
        if self._cancel_event is not None and not self._cancel_event.is_set():
            self._cancel_event.set()
            self.info_label.setText("cancelling the download…")

    def _on_progress(self, done: int, total: int | None) -> None:
        progress = self.progress
        if progress is None:
            return
        if total:
            # QProgressDialog counts in int; MiB-scaled values stay far from its limit.
            progress.setMaximum(max(1, total // 1024))
            progress.setValue(min(done, total) // 1024)
            progress.setLabelText(f"Downloading the ngrok agent… {_mib(done)} of {_mib(total)}")
        else:
            progress.setMaximum(0)
            progress.setLabelText(f"Downloading the ngrok agent… {_mib(done)}")

    def _on_download_done(self, task: asyncio.Future[str]) -> None:
        self._downloading = False
        cancelled = self._cancel_event is not None and self._cancel_event.is_set()
        if self.progress is not None:
            self.progress.canceled.disconnect(self.cancel_download)
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
        if self.download_button is not None:
            self.download_button.setEnabled(True)
        self.info_label.setText("")
        if task.cancelled():
            self.error_label.setText(CANCELLED_TEXT)
            return
        exc = task.exception()
        if exc is not None:
            if not cancelled:
                log_failure("downloading the ngrok agent", exc)
            self.error_label.setText(CANCELLED_TEXT if cancelled else str(exc))
            return
        path = task.result()
        self.ngrok_path.setText(path)
        self.info_label.setText(f"ngrok agent installed at {path}")

    def done(self, result: int) -> None:
        # Closing the dialog mid-download must not leave the download running unseen.
        if self.is_downloading():
            self.cancel_download()
            if self.download_task is not None and not self.download_task.done():
                self.download_task.cancel()
        super().done(result)
