"""A simulation of Anesya's document extraction API, per docs/vendors.md: the sandbox's
(``submit --sandbox``) and the tests' stand-in for the real API.

Serves on 127.0.0.1 (``await AnesyaSim().start()`` returns the base URL):

* Older API ("0.8.1"): ``Authorization: <API key>`` (raw; ``Bearer <key>`` is an unknown key),
  trailing slash on every path. ``POST /extract/`` (multipart ``document`` pdf/png/jpg,
  ``server`` in EU-1/FR-1/FR-2/FR-3, optional ``schema``, ``metadata``) -> 201 extract;
  ``GET /extract/{id}/``; ``GET /extract/``. The same paths without the slash get 404 and
  are counted in :attr:`AnesyaSim.missing_slash`.
* Newer API ("v0"): ``X-API-Key: <key>``; ``POST /v0/documents`` (multipart ``file``).
* 401 for a bad key, 403 when ``credits`` has run out.

An extract goes ``CREATED`` -> ``IN_PROGRESS`` -> ``FINISHED`` (``ERROR`` when the bytes are
not really a PDF/PNG/JPEG), one step every ``step_delay`` seconds. Webhooks are configured
"in the dashboard": here :meth:`AnesyaSim.add_webhook` or ``POST /_admin/webhooks``
``{"url", "event", "token"}`` (a test-only call, no auth). On ``FINISHED`` / ``ERROR`` every
webhook for ``extract.completed`` / ``extract.failed`` is called with Anesya's headers and
body, and the delivery recorded.

Unconfirmed, so switchable or ours: ``strict_https`` (Anesya's dashboard requires https),
the optional HMAC signature (``hmac_secret``, ``hmac_header``: hex SHA-256 of the body),
the shape of errors other than ``{"detail"}`` (DRF-like field lists here), of the v0
document answer and of the extract list (a bare array here).

Request recording, start/stop, webhook posting and the auth preamble come from :mod:`.common`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from yarl import URL

from .common import RECORDED, Delivery, RecordedRequest, SimServer, read_form, signed_in

SERVERS = ("EU-1", "FR-1", "FR-2", "FR-3")
EVENTS = (
    "workflow.completed",
    "workflow.failed",
    "extract.completed",
    "extract.failed",
    "parsing.in_queue",
    "parsing.in_progress",
    "parsing.finished",
    "parsing.partial_finished",
    "parsing.failed",
)
EXTENSIONS = (".pdf", ".png", ".jpg", ".jpeg")
USER_AGENT = "Anesya-WebhookBot/1.0"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_document(data: bytes) -> bool:
    return data.startswith((b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"))


@dataclass
class Webhook:
    """A dashboard webhook: one event type, a target URL and its token."""

    id: str
    url: str
    event: str
    token: str


class AnesyaSim(SimServer[Delivery]):
    """Anesya's API on 127.0.0.1, with recorded requests and webhook deliveries."""

    def __init__(
        self,
        *,
        api_keys: tuple[str, ...] = ("anesya-test-key",),
        step_delay: float = 0.05,
        strict_https: bool = False,
        credits: int | None = None,
        hmac_secret: str | None = None,
        hmac_header: str = "X-Webhook-Signature",
    ) -> None:
        super().__init__()
        self.api_keys = api_keys
        self.step_delay = step_delay
        self.strict_https = strict_https
        #: None: unlimited; an integer: that many extracts, then 403.
        self.credits = credits
        self.hmac_secret = hmac_secret
        self.hmac_header = hmac_header
        self.extracts: dict[str, dict[str, Any]] = {}
        self.documents: dict[str, dict[str, Any]] = {}
        self.webhooks: dict[str, Webhook] = {}
        self.missing_slash: list[RecordedRequest] = []

    # -- routes ------------------------------------------------------------------------------
    def _add_routes(self, r: web.UrlDispatcher) -> None:
        r.add_post("/extract/", self._create_extract)
        r.add_get("/extract/", self._list_extracts)
        r.add_get("/extract/{id}/", self._get_extract)
        r.add_post("/v0/documents", self._v0_document)
        r.add_post("/_admin/webhooks", self._admin_webhook)
        r.add_route("*", "/extract", self._no_slash)
        r.add_route("*", "/extract/{id}", self._no_slash)

    # -- helpers for tests -----------------------------------------------------------------
    def add_webhook(self, url: str, event: str, token: str | None = None) -> Webhook:
        """Configure a webhook as Anesya's dashboard would; ValueError when Anesya would refuse."""
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}")
        parsed = URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError("the target must be an http(s) URL")
        if self.strict_https and parsed.scheme != "https":
            raise ValueError("the target URL must use https")
        hook = Webhook(str(uuid.uuid4()), url, event, token or secrets.token_hex(16))
        self.webhooks[hook.id] = hook
        return hook

    # -- plumbing ----------------------------------------------------------------------------
    def _authenticate(self, request: web.Request) -> str | web.Response:
        """The API key: in ``X-API-Key`` for the v0 API (paths under ``/v0/``), the whole
        ``Authorization`` header for the older one."""
        v0 = request.path.startswith("/v0/")
        value = request.headers.get("X-API-Key" if v0 else "Authorization")
        if not value:
            return web.json_response(
                {"detail": "Authentication credentials were not provided."}, status=401
            )
        if value not in self.api_keys:
            return web.json_response({"detail": "Invalid API key."}, status=401)
        return value

    def _spend_credit(self) -> web.Response | None:
        if self.credits is None:
            return None
        if self.credits <= 0:
            return web.json_response({"detail": "Insufficient credits."}, status=403)
        self.credits -= 1
        return None

    async def _no_slash(self, request: web.Request) -> web.Response:
        self.missing_slash.append(request[RECORDED])
        return web.json_response({"detail": "Not found."}, status=404)

    async def _admin_webhook(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
            hook = self.add_webhook(str(body["url"]), str(body["event"]), body.get("token"))
        except (ValueError, KeyError, TypeError) as exc:
            return web.json_response({"detail": str(exc)}, status=400)
        return web.json_response(
            {"id": hook.id, "url": hook.url, "event": hook.event, "token": hook.token}, status=201
        )

    # -- extracts (older API) ----------------------------------------------------------------
    @signed_in()
    async def _create_extract(self, request: web.Request, _key: str) -> web.Response:
        if request.content_type != "multipart/form-data":
            return web.json_response(
                {"detail": f'Unsupported media type "{request.content_type}" in request.'},
                status=415,
            )
        fields, files = await read_form(request)
        request[RECORDED].form = fields
        errors: dict[str, list[str]] = {}
        document = files.get("document")
        if document is None:
            errors["document"] = ["No file was submitted."]
        elif not document.filename.lower().endswith(EXTENSIONS):
            errors["document"] = ["Unsupported file type: send a PDF, PNG or JPEG."]
        server = fields.get("server")
        if server is None:
            errors["server"] = ["This field is required."]
        elif server not in SERVERS:
            errors["server"] = [f'"{server}" is not a valid choice.']
        schema: Any = None
        if "schema" in fields:
            try:
                schema = json.loads(fields["schema"])
            except ValueError:
                errors["schema"] = ["Value must be valid JSON."]
        if errors:
            return web.json_response(errors, status=400)
        no_credit = self._spend_credit()
        if no_credit is not None:
            return no_credit
        assert document is not None
        data = document.data
        extract_id = str(uuid.uuid4())
        extract: dict[str, Any] = {
            "id": extract_id,
            "document_name": document.filename,
            "document_url": f"{self.base_url}/files/{extract_id}/{document.filename}",
            "content_images": [],
            "server": server,
            "content": None,
            "extracted_data": None,
            "schema": schema,
            "workflow": None,
            "metadata": fields.get("metadata"),
            "status": "CREATED",
            "error": None,
            "created_at": _now(),
        }
        self.extracts[extract_id] = extract
        self._spawn(self._process(extract, data), f"anesya-extract-{extract_id}")
        return web.json_response(extract, status=201)

    async def _process(self, extract: dict[str, Any], data: bytes) -> None:
        await asyncio.sleep(self.step_delay)
        extract["status"] = "IN_PROGRESS"
        await asyncio.sleep(self.step_delay)
        if is_document(data):
            extract["status"] = "FINISHED"
            extract["content"] = "Invoice 2025-001\nTotal: 120.00 EUR"
            extract["extracted_data"] = {"invoice_number": "2025-001", "total": 120.0}
            event = "extract.completed"
        else:
            extract["status"] = "ERROR"
            extract["error"] = "The document could not be read."
            event = "extract.failed"
        hooks = [h for h in self.webhooks.values() if h.event == event]
        await asyncio.gather(*(self._deliver(h, extract) for h in hooks))

    async def _deliver(self, hook: Webhook, extract: dict[str, Any]) -> None:
        body = json.dumps(
            {"id": hook.id, "event": hook.event, "timestamp": _now(), "data": extract}
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Webhook-Token": hook.token,
            "X-Webhook-Id": hook.id,
            "User-Agent": USER_AGENT,
        }
        if self.hmac_secret is not None:
            headers[self.hmac_header] = hmac.new(
                self.hmac_secret.encode(), body, hashlib.sha256
            ).hexdigest()
        delivery = Delivery(hook.url, headers, body)
        await self._post_webhook(delivery, skip_auto_headers=("User-Agent",))
        self._record_delivery(delivery)

    @signed_in()
    async def _get_extract(self, request: web.Request, _key: str) -> web.Response:
        extract = self.extracts.get(request.match_info["id"])
        if extract is None:
            return web.json_response({"detail": "Not found."}, status=404)
        return web.json_response(extract)

    @signed_in()
    async def _list_extracts(self, request: web.Request, _key: str) -> web.Response:
        return web.json_response(list(self.extracts.values()))

    # -- v0 ----------------------------------------------------------------------------------
    @signed_in()
    async def _v0_document(self, request: web.Request, _key: str) -> web.Response:
        if request.content_type != "multipart/form-data":
            return web.json_response({"detail": "multipart/form-data expected"}, status=415)
        _fields, files = await read_form(request)
        upload = files.get("file")
        if upload is None:
            return web.json_response({"file": ["No file was submitted."]}, status=400)
        data = upload.data
        doc_id = str(uuid.uuid4())
        doc: dict[str, Any] = {
            "id": doc_id,
            "name": upload.filename,
            "size": len(data),
            "created_at": _now(),
        }
        self.documents[doc_id] = doc
        return web.json_response(doc, status=201)
