"""Clients for the vendors' own APIs: submit a test task whose webhook points at us.

One module per vendor API, each an aiohttp client with a configurable base URL (the
vendor's bare origin), registered here under the core vendor's id (the one place that
lists them; :mod:`inspector.core.vendors` registers the vendors themselves). What the
clients share is in :mod:`.base`; what the app calls, in :mod:`.api`.

Credentials are never logged nor put into error messages.
"""

from __future__ import annotations

from inspector.net.vendors import anesya, blurit, celantur
from inspector.net.vendors.api import (
    SubmitContext,
    SubmitRequest,
    TaskResult,
    VendorApi,
    api_vendor_ids,
    find_api,
    register_api,
    unregister_api,
)
from inspector.net.vendors.base import ProgressCallback, VendorError

__all__ = [
    "ProgressCallback",
    "SubmitContext",
    "SubmitRequest",
    "TaskResult",
    "VendorApi",
    "VendorError",
    "api_vendor_ids",
    "find_api",
    "register_api",
    "unregister_api",
]

for _api in (celantur.API_V2, celantur.API_V1, blurit.API, anesya.API):
    register_api(_api)
