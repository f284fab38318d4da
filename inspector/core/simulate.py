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
from urllib.parse import urlsplit

from inspector.core.capture import Capture, Headers, Source
from inspector.core.endpoints import Endpoint
from inspector.core.validation import sign
from inspector.core.vendors import get_vendor
from inspector.core.vendors.descriptor import sample_uuid
from inspector.core.vendors.provider import ProviderProfile, SignedRequest


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


def _called_url(base: str, path: str, query: str) -> str:
    """The URL a sample sent to ``base`` calls: a base with a path of its own is the whole
    target (as ``simulate --to URL`` sends, docs/cli.md), otherwise base + the path."""
    parts = urlsplit(base.strip())
    if parts.path not in ("", "/"):
        path = parts.path
    return f"{parts.scheme}://{parts.netloc}{path}" + (f"?{query}" if query else "")


def sample_requests(
    vendor_id: str,
    event: str | None = None,
    endpoint: Endpoint | None = None,
    token: str | None = None,
    *,
    now: float | None = None,
    rng: random.Random | None = None,
    base_url: str | None = None,
) -> list[SampleRequest]:
    """Sample webhook(s) for a vendor; some send several (BlurIt: one job's status sequence).

    ``event`` picks the event (see :func:`vendor_events`; BlurIt: the last status of the
    sequence, default ``Succeeded``). ``token`` overrides the endpoint's token/secret, to
    see what a wrong one looks like. ValueError for an unknown vendor or event.
    ``base_url`` is where the samples go (``http://127.0.0.1:8080``): providers that sign the
    URL they call (Twilio, Square) sign ``base_url`` + the path.
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

    provider = profile if isinstance(profile, ProviderProfile) else None
    credential = provider.signing_credential(creds) if provider is not None else None
    if provider is not None and credential is None and token is not None:
        credential = token
    out: list[SampleRequest] = []
    for headers, item_body in items:
        body = item_body
        if provider is not None and credential is not None:
            body = provider.sign_body(body, credential)
        all_headers = list(headers)
        queries: list[str] = []
        for config in profile.checks(creds):
            extra, query = sign(config, body, timestamp=int(ts), msg_id=f"msg_{sample_uuid(rng)}")
            all_headers += extra
            if query:
                queries.append(query)
        query = "&".join(queries)
        if provider is not None and credential is not None:
            url = _called_url(base_url or "http://127.0.0.1", path, query)
            request = SignedRequest(all_headers, body, query, url)
            all_headers += provider.sign(request, credential, int(ts), f"msg_{sample_uuid(rng)}")
        out.append(SampleRequest("POST", path, query, all_headers, body))
    return out
