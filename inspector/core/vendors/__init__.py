"""The vendors: one module each, registered here by id (the one place that lists them).

Every list of vendors in the app (command-line choices, menus, dialogs, detection) is read
from :mod:`~inspector.core.vendors.registry`, in the order registered here. Their API
clients are registered under the same ids in :mod:`inspector.net.vendors`.
"""

from __future__ import annotations

from inspector.core.vendors import (
    anesya,
    apps,
    blurit,
    celantur,
    celantur_v1,
    chat,
    commerce,
    generic,
    messaging,
    standard,
)
from inspector.core.vendors.base import NOTHING_PARSED, ParsedEvent, VendorBody, VendorProfile
from inspector.core.vendors.descriptor import Vendor
from inspector.core.vendors.registry import (
    DETECT_THRESHOLD,
    all_profiles,
    all_vendors,
    detect_vendor,
    find_vendor,
    get_profile,
    get_vendor,
    register,
    submit_vendors,
    unregister,
    vendor_for_path,
    vendor_ids,
    vendor_title,
)

__all__ = [
    "DETECT_THRESHOLD",
    "FALLBACK_VENDOR",
    "NOTHING_PARSED",
    "ParsedEvent",
    "Vendor",
    "VendorBody",
    "VendorProfile",
    "all_profiles",
    "all_vendors",
    "detect_vendor",
    "find_vendor",
    "get_profile",
    "get_vendor",
    "register",
    "submit_vendors",
    "unregister",
    "vendor_for_path",
    "vendor_ids",
    "vendor_title",
]

#: The providers (issue 15; docs/providers.md): each needs only its secret or public key.
_PROVIDERS = (
    *standard.VENDORS,
    *commerce.VENDORS,
    *chat.VENDORS,
    *messaging.VENDORS,
    *apps.VENDORS,
)

for _vendor in (
    celantur.VENDOR,
    celantur_v1.VENDOR,
    blurit.VENDOR,
    anesya.VENDOR,
    *_PROVIDERS,
    generic.VENDOR,
):
    register(_vendor)

#: The vendor of an endpoint that names none: any sender, checked by the endpoint's scheme.
FALLBACK_VENDOR = generic.VENDOR.id
