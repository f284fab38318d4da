"""Vendor-accurate sample webhooks: the right headers, body and token for each vendor.

``simulate`` (CLI) and "Send sample" (GUI) send these to the listener, so a new user sees
every vendor's webhooks within a minute. Each vendor module makes its payloads
(``Vendor.samples``); ids and URLs are made up. Credentials come from the endpoint (or
``token``): each check the endpoint would run is satisfied by signing with
:func:`inspector.core.validation.sign`, so a sample validates unless ``token`` deliberately
differs from the endpoint's.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, replace

from inspector.core.capture import Capture, Headers, Source
from inspector.core.endpoints import Endpoint
from inspector.core.validation import sign
from inspector.core.vendors import get_vendor
from inspector.core.vendors.descriptor import sample_uuid


@dataclass(slots=True)
class SampleRequest:
    """One request to send: method, path, raw query, ordered headers, body bytes."""

    method: str
    path: str
    query: str
    headers: Headers
    body: bytes

    @property
    def target(self) -> str:
        """Path plus query, as on the request line."""
        return f"{self.path}?{self.query}" if self.query else self.path

    def to_capture(self, source: Source = "simulate") -> Capture:
        """The capture a listener would record for this request (used by tests and the GUI)."""
        return Capture(
            method=self.method,
            path=self.path,
            query=self.query,
            headers=list(self.headers),
            body=self.body,
            source=source,
        )


def vendor_events(vendor_id: str) -> tuple[str, ...]:
    """Event names ``sample_requests`` accepts for a vendor (ValueError for unknown vendor)."""
    return get_vendor(vendor_id).events


def _canonical_event(vendor_id: str, event: str | None) -> str | None:
    if event is None:
        return None
    events = vendor_events(vendor_id)
    for name in events:
        if name.lower() == event.strip().lower():
            return name
    raise ValueError(f"unknown event {event!r} for {vendor_id}; choose one of {', '.join(events)}")


def sample_requests(
    vendor_id: str,
    event: str | None = None,
    endpoint: Endpoint | None = None,
    token: str | None = None,
    *,
    now: float | None = None,
    rng: random.Random | None = None,
) -> list[SampleRequest]:
    """Sample webhook(s) for a vendor; some send several (BlurIt: one job's status sequence).

    ``event`` picks the event (see :func:`vendor_events`; BlurIt: the last status of the
    sequence, default ``Succeeded``). ``token`` overrides the endpoint's token/secret, to
    see what a wrong one looks like. ValueError for an unknown vendor or event.
    """
    vendor = get_vendor(vendor_id)
    profile = vendor.profile
    name = _canonical_event(vendor_id, event)
    rng = rng or random.Random()
    ts = time.time() if now is None else now
    path = endpoint.path if endpoint is not None else vendor.default_path
    items = vendor.samples(name, rng, ts)

    # The credentials the endpoint checks; vendors that always send a token get one even
    # when the endpoint does not check it, so the sample looks like the real thing.
    creds = endpoint or Endpoint(path=path, vendor=vendor_id, token=token)
    if token is not None and endpoint is not None:
        pair = endpoint.query_token_pair()
        creds = replace(
            endpoint,
            token=token,
            secret=token if endpoint.secret is not None else None,
            query_token=f"{pair[0]}={token}" if pair is not None else None,
        )
    if creds.token is None and profile.token_header:
        creds = replace(creds, token=f"sample-{rng.getrandbits(64):016x}")

    out: list[SampleRequest] = []
    for headers, body in items:
        all_headers = list(headers)
        queries: list[str] = []
        for config in profile.checks(creds):
            extra, query = sign(config, body, timestamp=int(ts), msg_id=f"msg_{sample_uuid(rng)}")
            all_headers += extra
            if query:
                queries.append(query)
        out.append(SampleRequest("POST", path, "&".join(queries), all_headers, body))
    return out
