"""Vendor API credentials in the window: the fields for one API's credentials (shared by the
Submit dialog, Settings' Vendors page and the dialog asking for a missing one).

What fields a vendor has comes from its credential descriptors in the vendor registry
(:class:`~inspector.core.vendors.descriptor.Credential`); values are kept in the secret
store (the OS keyring, else ``secrets.json``), never in ``settings.json``.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from inspector.core.secrets import SecretStore, SecretStoreError
from inspector.core.vendors import get_vendor, submit_vendors
from inspector.core.vendors.descriptor import Credential
from inspector.gui.theme import set_tone
from inspector.gui.widgets import SecretField, answered, plain_label

REMEMBER_TEXT = "Remember (in the secret store, never in settings.json)"


class CredentialForm(QWidget):
    """One API's credential fields, secrets masked (with a Show toggle)."""

    def __init__(self, credentials: tuple[Credential, ...]) -> None:
        super().__init__()
        self.credentials = credentials
        self.fields: dict[str, QLineEdit | SecretField] = {}
        self.labels = {c.name: c.label for c in credentials}
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        for credential in credentials:
            field: QLineEdit | SecretField = SecretField() if credential.secret else QLineEdit()
            field.setToolTip(f"The environment variable {credential.env}, when set, wins")
            self.fields[credential.name] = field
            form.addRow(credential.label, field)

    def values(self) -> dict[str, str]:
        return {n: f.text().strip() for n, f in self.fields.items()}

    def fill(self, values: dict[str, str]) -> None:
        """Fill the empty fields from ``values`` (by credential name)."""
        for name, field in self.fields.items():
            if values.get(name) and not field.text():
                field.setText(values[name])

    def missing(self) -> list[str]:
        """The labels of the fields left empty."""
        return [self.labels[n] for n, v in self.values().items() if not v]


class VendorCredentialsPage(QWidget):
    """Settings' Vendors page: each vendor API's credentials, as kept in the secret store.

    Vendors sharing an API (Celantur's two versions) share one group.
    """

    def __init__(self, secrets: SecretStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.secrets = secrets
        #: by vendor id (vendors sharing an API share the form)
        self.forms: dict[str, CredentialForm] = {}
        self._stored: dict[str, str] = {}
        self.problem = ""
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "The API credentials the Submit dialog and Fetch result use. They are kept in "
                "the secret store (the OS keyring when there is one), never in settings.json.",
                selectable=False,
            )
        )
        by_keys: dict[tuple[str, ...], CredentialForm] = {}
        for vendor in submit_vendors():
            assert vendor.submit is not None
            credentials = vendor.submit.credentials
            keys = tuple(c.store_key for c in credentials)
            form = by_keys.get(keys)
            if form is None:
                form = by_keys[keys] = CredentialForm(credentials)
                box = QGroupBox(vendor.brand_name)
                box.setObjectName(f"credentials-{vendor.id}")
                QVBoxLayout(box).addWidget(form)
                layout.addWidget(box)
                self._load(form)
            self.forms[vendor.id] = form
        layout.addStretch(1)

    def _load(self, form: CredentialForm) -> None:
        for credential in form.credentials:
            try:
                value = self.secrets.get(credential.store_key) or ""
            except SecretStoreError as exc:
                value = ""
                self.problem = str(exc)
            self._stored[credential.store_key] = value
            form.fields[credential.name].setText(value)

    def save(self) -> None:
        """Write what changed to the secret store (an emptied field deletes the value).
        Raises :class:`SecretStoreError` or ``OSError``."""
        done: set[int] = set()
        for form in self.forms.values():
            if id(form) in done:
                continue
            done.add(id(form))
            values = form.values()
            for credential in form.credentials:
                value = values[credential.name]
                if value == self._stored.get(credential.store_key, ""):
                    continue
                if value:
                    self.secrets.set(credential.store_key, value)
                else:
                    self.secrets.delete(credential.store_key)
                self._stored[credential.store_key] = value


class CredentialsDialog(QDialog):
    """Asks for a vendor's missing API credentials (Fetch result found none)."""

    def __init__(
        self,
        vendor: str,
        credentials: tuple[Credential, ...],
        known: dict[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        brand = get_vendor(vendor).brand_name
        self.setWindowTitle(f"{brand} credentials")
        self.form = CredentialForm(credentials)
        self.form.fill(known)
        self.remember = QCheckBox(REMEMBER_TEXT)
        self.remember.setChecked(True)
        self.error_label = plain_label(selectable=False)
        set_tone(self.error_label, "error")
        self.error_label.setVisible(False)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Fetch result")
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                f"Fetching the result needs your {brand} API credentials "
                "(the same as in the Submit dialog).",
                selectable=False,
            )
        )
        layout.addWidget(self.form)
        layout.addWidget(self.remember)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def _on_ok(self) -> None:
        missing = self.form.missing()
        if missing:
            self.error_label.setText(f"fill in the {', '.join(missing)}")
            self.error_label.setVisible(True)
            return
        self.accept()


async def ask_credentials(
    vendor: str,
    credentials: tuple[Credential, ...],
    known: dict[str, str],
    parent: QWidget | None = None,
) -> tuple[dict[str, str], bool] | None:
    """Show :class:`CredentialsDialog` without blocking the loop: ``(values, remember)``,
    or None when cancelled."""
    dialog = CredentialsDialog(vendor, credentials, known, parent)
    try:
        if not await answered(dialog):
            return None
        return dialog.form.values(), dialog.remember.isChecked()
    finally:
        dialog.deleteLater()
