"""The Submit dialog's parts that do not need the dialog: the vendor's option fields, the
file checks and reads, and the webhook URL hints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QSizePolicy,
    QStackedWidget,
    QWidget,
)

from inspector.core.submission import FILE_HEAD, submit_spec
from inspector.core.vendors import get_vendor
from inspector.core.vendors.descriptor import SubmitOption

#: Files up to this size are read on the GUI thread (quick from a local disk); larger ones
#: are read in a worker thread so the window never freezes.
SYNC_READ_LIMIT = 50 * 1024 * 1024
NO_PUBLIC_URL_TEXT = (
    "No public URL yet: start the tunnel (or set a custom public URL) to get a public "
    "webhook URL, or type one above."
)


def webhook_example(vendor_id: str, path: str | None = None) -> str:
    """What a webhook URL for the vendor looks like: its endpoint's path (``path``, else the
    vendor's default) on a public host, with the query token of a vendor that sends no
    header."""
    vendor = get_vendor(vendor_id)
    query = f"?{vendor.profile.token_query}=…" if vendor.profile.token_query else ""
    return f"https://your-public-host{path or vendor.default_path}{query}"


def no_public_url_text(vendor_id: str, path: str | None = None) -> str:
    """The hint under an empty webhook URL, for the chosen vendor."""
    brand = get_vendor(vendor_id).brand_name
    return f"{NO_PUBLIC_URL_TEXT} {brand} will call it, e.g. {webhook_example(vendor_id, path)}"


CANCELLED_TEXT = "cancelled"
KIB = 1024


def size_text(n: int) -> str:
    if n < KIB:
        return f"{n} B"
    if n < KIB * KIB:
        return f"{n / KIB:.0f} KiB"
    return f"{n / (KIB * KIB):.1f} MiB"


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


def check_file(vendor_id: str, path: str) -> tuple[Path, bytes]:
    """The file to send and its first bytes, or ``ValueError`` with one sentence
    (missing, unreadable, wrong type)."""
    if not path.strip():
        raise ValueError("choose a file to send")
    p = Path(path.strip()).expanduser()
    vendor = get_vendor(vendor_id)
    kind = submit_spec(vendor.id).file_kind
    name = vendor.brand_name
    if not p.exists():
        raise ValueError(f"no such file: {p}")
    if not p.is_file():
        raise ValueError(f"not a file: {p}")
    try:
        with p.open("rb") as f:
            head = f.read(FILE_HEAD)
    except OSError as exc:
        raise ValueError(f"cannot read {p.name}: {exc.strerror or exc}") from exc
    if not head.startswith(kind.magics):
        raise ValueError(f"{p.name} is not {kind.words} ({name} takes only those)")
    if kind.name_endings and not p.name.lower().endswith(kind.extensions):
        # The vendor derives the document type from the file name.
        raise ValueError(f"{p.name} must end with {kind.name_endings} for {name}")
    return p, head


def read_small_file(path: Path) -> bytes | None:
    """The file's bytes when it is small enough to read on the GUI thread, else None."""
    try:
        if path.stat().st_size > SYNC_READ_LIMIT:
            return None
        # Up to SYNC_READ_LIMIT: tens of milliseconds from a local disk, fine on the GUI
        # thread; bigger files are read in a worker thread by the submission itself.
        return path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {path.name}: {exc.strerror or exc}") from exc


def fit_to_current_page(stack: QStackedWidget) -> None:
    # A QStackedWidget is as tall as its tallest page; ignore the hidden ones.
    current = stack.currentWidget()
    for i in range(stack.count()):
        page = stack.widget(i)
        if page is None:
            continue
        policy = QSizePolicy.Policy.Preferred if page is current else QSizePolicy.Policy.Ignored
        page.setSizePolicy(policy, policy)
        page.adjustSize()
    stack.adjustSize()


class OptionsPage(QWidget):
    """One API's options: a drop-down, a text field, or checkboxes sharing a row each."""

    def __init__(self, options: tuple[SubmitOption, ...]) -> None:
        super().__init__()
        self.fields: dict[str, QCheckBox | QComboBox | QLineEdit] = {}
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        rows: dict[str, QHBoxLayout] = {}
        for option in options:
            if isinstance(option.default, bool):
                box = QCheckBox(option.label)
                box.setChecked(option.default)
                self.fields[option.name] = box
                row = rows.get(option.row)
                if row is None:
                    row = rows[option.row] = QHBoxLayout()
                    form.addRow(option.row, row)
                row.addWidget(box)
            elif option.choices:
                combo = QComboBox()
                combo.addItems(list(option.choices))
                if isinstance(option.default, str):
                    combo.setCurrentText(option.default)
                self.fields[option.name] = combo
                form.addRow(option.label, combo)
            else:
                edit = QLineEdit(option.default or "")
                edit.setPlaceholderText(option.placeholder)
                self.fields[option.name] = edit
                form.addRow(option.label, edit)
        for row in rows.values():
            row.addStretch(1)

    def values(self) -> dict[str, Any]:
        """The user's choices by option name (text stripped)."""
        out: dict[str, Any] = {}
        for name, field in self.fields.items():
            if isinstance(field, QCheckBox):
                out[name] = field.isChecked()
            elif isinstance(field, QComboBox):
                out[name] = field.currentText()
            else:
                out[name] = field.text().strip()
        return out

    def set_value(self, name: str, value: bool | str) -> None:
        field = self.fields[name]
        if isinstance(field, QCheckBox):
            field.setChecked(bool(value))
        elif isinstance(field, QComboBox):
            field.setCurrentText(str(value))
        else:
            field.setText(str(value))
