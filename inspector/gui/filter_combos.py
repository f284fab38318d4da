"""The capture list's filter choices beside the text box: vendor, validation, origin."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from inspector.core.vendors import all_vendors


def filter_combos() -> tuple[QComboBox, QComboBox, QComboBox]:
    """The vendor, validation and via (tunnel or local) combos; each item's data is the
    value the store's filter takes, None for "any"."""
    validation_combo = QComboBox()
    validation_combo.setObjectName("validation-filter")
    for label, value in (
        ("Any validation", None),
        ("Valid", "valid"),
        ("Invalid", "invalid"),
        ("Missing", "missing"),
        ("Not checked", "unchecked"),
    ):
        validation_combo.addItem(label, value)
    vendor_combo = QComboBox()
    vendor_combo.setObjectName("vendor-filter")
    vendor_combo.addItem("Any vendor", None)
    for vendor in all_vendors():
        vendor_combo.addItem(vendor.title, vendor.id)
    via_combo = QComboBox()
    via_combo.setObjectName("via-filter")
    via_combo.setToolTip("Captures relayed by the public tunnel, or sent on this machine")
    for label, value in (("Tunnel or local", None), ("Tunnel", "tunnel"), ("Local", "local")):
        via_combo.addItem(label, value)
    return vendor_combo, validation_combo, via_combo
