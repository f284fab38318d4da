"""Vendor-accurate sample webhooks: the right headers, body and token for each vendor.

``simulate`` (CLI) and "Send sample" (GUI) send these to the listener, so a new user sees
every vendor's webhooks within a minute. Payload shapes follow VENDORS.md; ids and URLs
are made up. Credentials come from the endpoint (or ``token``): each check the endpoint
would run is satisfied by signing with :func:`inspector.core.validation.sign`, so a sample
validates unless ``token`` deliberately differs from the endpoint's.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from inspector.core.capture import Capture, Headers, Source
from inspector.core.endpoints import Endpoint
from inspector.core.validation import sign
from inspector.core.vendors import get_profile
from inspector.core.vendors.anesya import ID_HEADER, USER_AGENT
from inspector.core.vendors.blurit import STATUSES as BLURIT_STATUSES

DEFAULT_PATHS: dict[str, str] = {
    "celantur": "/celantur",
    "celantur-v1": "/celantur-v1",
    "blurit": "/blurit",
    "anesya": "/anesya",
    "generic": "/generic",
}
_JSON = ("Content-Type", "application/json")


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
    return get_profile(vendor_id).events


def _canonical_event(vendor_id: str, event: str | None) -> str | None:
    if event is None:
        return None
    events = vendor_events(vendor_id)
    for name in events:
        if name.lower() == event.strip().lower():
            return name
    raise ValueError(f"unknown event {event!r} for {vendor_id}; choose one of {', '.join(events)}")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dumps(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def sample_requests(
    vendor_id: str,
    event: str | None = None,
    endpoint: Endpoint | None = None,
    token: str | None = None,
    *,
    now: float | None = None,
    rng: random.Random | None = None,
) -> list[SampleRequest]:
    """Sample webhook(s) for a vendor; BlurIt yields its whole status sequence for one job.

    ``event`` picks the event (see :func:`vendor_events`; BlurIt: the last status of the
    sequence, default ``Succeeded``). ``token`` overrides the endpoint's token/secret, to
    see what a wrong one looks like. ValueError for an unknown vendor or event.
    """
    profile = get_profile(vendor_id)
    name = _canonical_event(vendor_id, event)
    rng = rng or random.Random()
    ts = time.time() if now is None else now
    path = endpoint.path if endpoint is not None else DEFAULT_PATHS[vendor_id]

    if vendor_id == "blurit":
        final = name or "Succeeded"
        job_id = _uuid(rng)
        order = ["Sent", "Started", final] if final in ("Succeeded", "Failed") else []
        if not order:
            order = list(BLURIT_STATUSES[: BLURIT_STATUSES.index(final) + 1])
        items = [([_JSON], _dumps({"taskId": job_id, "status": status})) for status in order]
    elif vendor_id == "celantur":
        items = [([_JSON], _dumps(_celantur_v2(name or "done", rng)))]
    elif vendor_id == "celantur-v1":
        items = [([_JSON], _dumps(_celantur_v1(name or "done", rng)))]
    elif vendor_id == "anesya":
        webhook_id = _uuid(rng)
        payload = _anesya(name or "extract.completed", webhook_id, ts, rng)
        headers = [("User-Agent", USER_AGENT), _JSON, (ID_HEADER, webhook_id)]
        items = [(headers, _dumps(payload))]
    else:
        payload = {
            "id": f"evt_{rng.getrandbits(64):016x}",
            "type": name or "ping",
            "created_at": _iso(ts),
            "data": {"message": "sample webhook from Webhook Inspector"},
        }
        items = [([_JSON], _dumps(payload))]

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
    if creds.token is None and profile.token_header and vendor_id != "generic":
        creds = replace(creds, token=f"sample-{rng.getrandbits(64):016x}")

    out: list[SampleRequest] = []
    for headers, body in items:
        all_headers = list(headers)
        queries: list[str] = []
        for config in profile.checks(creds):
            extra, query = sign(config, body, timestamp=int(ts), msg_id=f"msg_{_uuid(rng)}")
            all_headers += extra
            if query:
                queries.append(query)
        out.append(SampleRequest("POST", path, "&".join(queries), all_headers, body))
    return out


def _celantur_v2(status: str, rng: random.Random) -> dict[str, Any]:
    task_id = 1693295888421318 + rng.randrange(10**9)
    body: dict[str, Any] = {"customer_id": _uuid(rng), "task_id": task_id, "task_status": status}
    if status == "done":
        body["anonymized_url"] = (
            f"https://celantur-results.s3.eu-central-1.amazonaws.com/{task_id}/anonymized.jpg"
            "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=14400&X-Amz-Signature=sample"
        )
    else:
        # failure_cause is documented for the task status answer; that the webhook carries
        # it too is unconfirmed.
        body["failure_cause"] = "CONTENT_TYPE_ERROR"
    return body


def _celantur_v1(status: str, rng: random.Random) -> dict[str, Any]:
    file_id = _uuid(rng)
    base = f"https://api.celantur.com/v1/file/{file_id}"
    body: dict[str, Any] = {"customer_id": _uuid(rng), "file_id": file_id, "file_status": status}
    if status == "done":
        body.update(
            {
                "original_link": f"{base}/original",
                "anonymized_link": f"{base}/anonymized",
                "binary_mask_link": f"{base}/binary-mask",
                "instance_mask_link": f"{base}/instance-mask",
                "metadata_link": f"{base}/metadata",
            }
        )
    return body


_ANESYA_STATUS = {
    "completed": "FINISHED",
    "finished": "FINISHED",
    "partial_finished": "PARTIAL_FINISHED",
    "failed": "ERROR",
    "in_queue": "CREATED",
    "in_progress": "IN_PROGRESS",
}


def _anesya(event: str, webhook_id: str, ts: float, rng: random.Random) -> dict[str, Any]:
    status = _ANESYA_STATUS[event.split(".", 1)[1]]
    extract_id = _uuid(rng)
    failed = status == "ERROR"
    data: dict[str, Any] = {
        "id": extract_id,
        "document_name": "invoice-2025-06.pdf",
        "document_url": f"https://api.anesya.app/documents/{extract_id}/invoice-2025-06.pdf",
        "content_images": [],
        "server": "EU-1",
        "content": None if failed else "INVOICE No. 2025-0612 ...",
        "extracted_data": None if failed else {"invoice_number": "2025-0612", "total": 1250.0},
        "schema": None,
        "workflow": _uuid(rng) if event.startswith("workflow.") else None,
        "status": status,
        "error": "The document could not be read" if failed else None,
        "created_at": _iso(ts - 42),
    }
    return {"id": webhook_id, "event": event, "timestamp": _iso(ts), "data": data}
