"""The registered vendors, by id, and vendor detection across them.

:mod:`inspector.core.vendors` registers the built-in vendors when it is imported; a test
(or a plug-in) may :func:`register` another one and :func:`unregister` it again. Every list
of vendors in the app is read from here, in registration order.
"""

from __future__ import annotations

from inspector.core.capture import Capture
from inspector.core.vendors.base import VendorBody, VendorProfile
from inspector.core.vendors.descriptor import Vendor

#: A guess below this score is no guess (the capture's vendor stays null).
DETECT_THRESHOLD = 0.5

_VENDORS: dict[str, Vendor] = {}
#: The profiles in registration order; detection reads it for every capture with no
#: endpoint (from the writer's thread), so it is replaced whole, never changed in place.
_PROFILES: tuple[VendorProfile, ...] = ()
#: Profiles that name the headers they always send (``detect_headers``), by header: only
#: a request carrying one of them is scored by them. Replaced whole, as _PROFILES.
_BY_HEADER: dict[str, tuple[VendorProfile, ...]] = {}
_HEADER_ONLY: frozenset[VendorProfile] = frozenset()


def _refresh() -> None:
    global _PROFILES, _BY_HEADER, _HEADER_ONLY
    profiles = tuple(v.profile for v in _VENDORS.values())
    by_header: dict[str, tuple[VendorProfile, ...]] = {}
    for profile in profiles:
        for name in profile.detect_headers:
            by_header[name] = (*by_header.get(name, ()), profile)
    _PROFILES, _BY_HEADER = profiles, by_header
    _HEADER_ONLY = frozenset(p for p in profiles if p.detect_headers)


def register(vendor: Vendor) -> Vendor:
    """Add a vendor; ValueError when its id is taken or empty."""
    if not vendor.id:
        raise ValueError("a vendor needs an id")
    if vendor.id in _VENDORS:
        raise ValueError(f"vendor {vendor.id!r} is already registered")
    _VENDORS[vendor.id] = vendor
    _refresh()
    return vendor


def unregister(vendor_id: str) -> None:
    """Remove a vendor (nothing happens for an unknown id)."""
    if _VENDORS.pop(vendor_id, None) is not None:
        _refresh()


def get_vendor(vendor_id: str) -> Vendor:
    """The vendor with this id; ValueError naming the known ids otherwise."""
    try:
        return _VENDORS[vendor_id]
    except KeyError:
        raise ValueError(
            f"unknown vendor {vendor_id!r}; choose one of {', '.join(_VENDORS)}"
        ) from None


def find_vendor(vendor_id: str | None) -> Vendor | None:
    """The vendor with this id, or None (a capture imported from elsewhere may name any)."""
    return _VENDORS.get(vendor_id) if vendor_id else None


def get_profile(vendor_id: str) -> VendorProfile:
    """The profile of a vendor id; ValueError naming the known ids otherwise."""
    return get_vendor(vendor_id).profile


def all_vendors() -> list[Vendor]:
    return list(_VENDORS.values())


def all_profiles() -> list[VendorProfile]:
    return list(_PROFILES)


def vendor_ids() -> list[str]:
    return list(_VENDORS)


def submit_vendors() -> list[Vendor]:
    """Vendors with an API to submit test tasks to, in registration order."""
    return [v for v in _VENDORS.values() if v.submit is not None]


def vendor_title(vendor_id: str) -> str:
    """The vendor's title, or the id itself when no vendor has it."""
    vendor = _VENDORS.get(vendor_id)
    return vendor.title if vendor is not None and vendor.title else vendor_id


def vendor_for_path(path: str) -> Vendor | None:
    """The vendor a path names: its default path (``/blurit``, ``/celantur-v1``), or a
    first segment that starts with a vendor's (``/blurit-staging/x`` is BlurIt); the
    longest match wins. ``None`` for any other path (and for the fallback vendor's)."""
    segment = path.strip().strip("/").split("/", 1)[0].lower()
    if not segment:
        return None
    best: Vendor | None = None
    best_length = 0
    for vendor in _VENDORS.values():
        if vendor.fallback:
            continue
        own = vendor.default_path.strip("/").lower()
        if own and segment.startswith(own) and len(own) > best_length:
            best, best_length = vendor, len(own)
    return best


def detect_vendor(
    capture: Capture, threshold: float = DETECT_THRESHOLD, body: VendorBody | None = None
) -> tuple[str | None, float]:
    """The likeliest vendor and its score; ``(None, best score)`` below the threshold.

    ``body`` is the capture's :class:`VendorBody` when the caller has it. Never raises: a
    profile that fails on odd input simply scores 0.
    """
    best_id: str | None = None
    best = 0.0
    if body is None:
        body = VendorBody.of(capture)
    obj = body.json_object
    headers = capture.header_map()
    by_header, header_only = _BY_HEADER, _HEADER_ONLY
    named: set[VendorProfile] = set()
    for name in headers.keys() & by_header.keys():
        named.update(by_header[name])
    for profile in _PROFILES:
        if profile in header_only and profile not in named:
            continue  # none of the headers it always sends
        try:
            score = profile.score(capture, body, obj, headers)
        except Exception:
            score = 0.0
        if score > best:
            best_id, best = profile.id, score
    if best < threshold:
        return None, best
    return best_id, best
