"""Vendor profiles: one module per vendor, registered here by id.

``detect_vendor`` guesses the vendor of a capture that reached a path with no endpoint.
"""

from __future__ import annotations

from inspector.core.capture import Capture
from inspector.core.vendors.anesya import AnesyaProfile
from inspector.core.vendors.base import (
    NOTHING_PARSED,
    BodyView,
    ParsedEvent,
    VendorProfile,
    body_view,
)
from inspector.core.vendors.blurit import BlurItProfile
from inspector.core.vendors.celantur import CelanturProfile
from inspector.core.vendors.celantur_v1 import CelanturV1Profile
from inspector.core.vendors.generic import GenericProfile

__all__ = [
    "DETECT_THRESHOLD",
    "NOTHING_PARSED",
    "ParsedEvent",
    "VendorProfile",
    "all_profiles",
    "body_view",
    "detect_vendor",
    "get_profile",
    "vendor_ids",
]

#: A guess below this score is no guess (the capture's vendor stays null).
DETECT_THRESHOLD = 0.5

_PROFILES: dict[str, VendorProfile] = {
    p.id: p
    for p in (
        CelanturProfile(),
        CelanturV1Profile(),
        BlurItProfile(),
        AnesyaProfile(),
        GenericProfile(),
    )
}

_PROFILE_LIST = tuple(_PROFILES.values())


def get_profile(vendor_id: str) -> VendorProfile:
    """The profile for a vendor id; ValueError naming the known ids otherwise."""
    try:
        return _PROFILES[vendor_id]
    except KeyError:
        raise ValueError(
            f"unknown vendor {vendor_id!r}; choose one of {', '.join(_PROFILES)}"
        ) from None


def all_profiles() -> list[VendorProfile]:
    return list(_PROFILES.values())


def vendor_ids() -> list[str]:
    return list(_PROFILES)


def detect_vendor(
    capture: Capture, threshold: float = DETECT_THRESHOLD, view: BodyView | None = None
) -> tuple[str | None, float]:
    """The likeliest vendor and its score; ``(None, best score)`` below the threshold.

    ``view`` is the capture's :func:`body_view` when the caller has it. Never raises: a
    profile that fails on odd input simply scores 0.
    """
    best_id: str | None = None
    best = 0.0
    if view is None:
        view = body_view(capture)
    obj = view.json_object
    headers = capture.header_map()
    for profile in _PROFILE_LIST:
        try:
            score = profile.score(capture, view, obj, headers)
        except Exception:
            score = 0.0
        if score > best:
            best_id, best = profile.id, score
    if best < threshold:
        return None, best
    return best_id, best
