"""The endpoint dialog: create or edit one endpoint (path, vendor, checks, answer, forward).

The form checks itself on every change with the same ``Endpoint`` constructor the command
line uses; its messages are reworded to name the form's fields rather than the CLI's flags,
and nothing shows red before the user typed anything. For a new endpoint the vendor
follows the path typed (``/blurit`` is BlurIt, from the vendor registry) until the user
picks one; a draft (New endpoint from capture) opens as a new endpoint with its fields
filled in.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inspector.core.capture import utc_now
from inspector.core.endpoints import (
    MAX_DELAY_MS,
    Endpoint,
    ResponseRule,
    normalize_path,
)
from inspector.core.validation import (
    DEFAULT_HMAC_HEADER,
    DEFAULT_TOKEN_HEADER,
    ENCODINGS,
    SCHEMES,
    scheme_title,
)
from inspector.core.vendors import FALLBACK_VENDOR, all_vendors, get_vendor, vendor_for_path
from inspector.gui.theme import set_tone
from inspector.gui.widgets import SecretField, plain_label

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
    """An Endpoint ``ValueError`` message worded for the dialog instead of the CLI (its
    flags, and its scheme names such as ``token-header``, become the form's words)."""
    for flag, words in _FLAG_WORDING:
        message = message.replace(flag, words)
    return _SCHEME_NAME.sub(lambda m: f"the {scheme_title(m.group(1))} check", message)


_SCHEME_NAME = re.compile(r"\bscheme (" + "|".join(map(re.escape, SCHEMES)) + r")\b")


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
        *,
        draft: Endpoint | None = None,
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
        for vendor in all_vendors():
            self.vendor.addItem(vendor.title, vendor.id)
        self.token = SecretField(placeholder="the token the vendor sends")
        self.token_label = plain_label("Token", selectable=False)
        self.token_label.setWordWrap(False)
        self.token_hint = plain_label(selectable=False)
        self.query_token = SecretField(placeholder="key=s3cret (optional)")

        self.scheme = QComboBox()
        self.scheme.addItem("None", None)
        for scheme in SCHEMES:
            title = scheme_title(scheme)
            self.scheme.addItem(title[:1].upper() + title[1:], scheme)
        self.secret = SecretField(placeholder="signing secret")
        # For providers that sign with a key pair (the vendor's credential descriptor).
        self.public_key = QLineEdit()
        self.public_key.setObjectName("public-key")
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
        set_tone(self.warning_label, "warning")
        self.error_label = plain_label(selectable=False)
        set_tone(self.error_label, "error")

        main = self.main_form = QFormLayout()
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
        self.signature_form.addRow("Public key", self.public_key)
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

        filled = endpoint or draft
        if filled is not None:
            self._fill(filled)
        else:
            self.vendor.setCurrentIndex(max(0, self.vendor.findData(FALLBACK_VENDOR)))
        #: the vendor the path chose; the vendor stops following once it is changed
        self._vendor_from_path: str | None = None if filled else self.vendor.currentData()
        #: no error is shown before the user typed something
        self._quiet = endpoint is None and draft is None
        self.path.textChanged.connect(self._follow_path)

        for edit in (
            self.path,
            self.token.edit,
            self.query_token.edit,
            self.secret.edit,
            self.public_key,
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
        self.public_key.setText(endpoint.public_key or "")
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
            public_key=self.public_key.text().strip() or None,
            created_at=self.original.created_at if self.original else utc_now(),
        )

    def _update_fields(self) -> None:
        vendor = get_vendor(str(self.vendor.currentData()))
        profile = vendor.profile
        if profile.token_query:
            self.token_label.setText(f"Token (?{profile.token_query}=)")
            self.token_hint.setText(
                f"{vendor.brand_name} sends no header: the token is checked as "
                f"?{profile.token_query}=... in the webhook URL, and Copy public URL includes it."
            )
        else:
            header = (
                self.header.text().strip() or DEFAULT_TOKEN_HEADER
                if profile.token_header_configurable
                else profile.token_header or DEFAULT_TOKEN_HEADER
            )
            self.token_label.setText(f"Token ({header})")
            self.token_hint.setText(f"Checked against the {header} header of every webhook.")

        scheme = self.scheme.currentData()
        # A secret typed before the scheme went back to "none" stays visible, so the
        # "needs a scheme" error below points at something the user can see and clear.
        own = profile.credential  # a provider signs its own way: its secret or public key
        # A provider sends no shared token: the Token row would check nothing.
        no_token = own is not None and not profile.token_header and not profile.token_query
        self.main_form.setRowVisible(self.token, not no_token or bool(self.token.text()))
        self.main_form.setRowVisible(self.token_hint, not no_token or bool(self.token.text()))
        self.signature_form.setRowVisible(
            self.secret, scheme is not None or bool(self.secret.text()) or own == "secret"
        )
        self.signature_form.setRowVisible(
            self.public_key, own == "public-key" or bool(self.public_key.text())
        )
        self.public_key.setPlaceholderText(
            f"{vendor.brand_name}'s public key (see docs/providers.md)"
        )
        self.signature_form.setRowVisible(
            self.header,
            scheme in ("token-header", "hmac-sha256") or profile.token_header_configurable,
        )
        self.signature_form.setRowVisible(self.encoding, scheme == "hmac-sha256")
        self.signature_form.setRowVisible(self.prefix, scheme == "hmac-sha256")
        placeholders = {
            "query-token": "NAME=VALUE (or fill Query token)",
            "token-header": "empty: use Token",
            "standard-webhooks": "whsec_...",
            "stripe": "whsec_...",
        }
        own_secret = f"{vendor.brand_name}'s signing secret (no scheme needed)"
        self.secret.edit.setPlaceholderText(
            placeholders.get(scheme or "", own_secret if own == "secret" else "signing secret")
        )
        self.header.setPlaceholderText(
            DEFAULT_HMAC_HEADER if scheme == "hmac-sha256" else "X-Webhook-Token"
        )

    def _follow_path(self, text: str) -> None:
        """A new endpoint's vendor follows the path until the user picks another one."""
        if self._vendor_from_path is None:
            return
        if self.vendor.currentData() != self._vendor_from_path:
            self._vendor_from_path = None  # chosen by the user: it stays
            return
        found = vendor_for_path(text)
        wanted = found.id if found is not None else FALLBACK_VENDOR
        self._vendor_from_path = wanted
        self.vendor.setCurrentIndex(max(0, self.vendor.findData(wanted)))

    def _revalidate(self) -> None:
        self._update_fields()
        if self._quiet and self.sender() is not None:
            self._quiet = False  # the user changed something: from now on, say what is wrong
        try:
            endpoint = self.build()
        except ValueError as exc:
            self._result = None
            self.error_label.setText("" if self._quiet else form_message(str(exc).splitlines()[0]))
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
