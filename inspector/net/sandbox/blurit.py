"""A simulation of BlurIt's API (Wassa "innovation-service"), per docs/vendors.md: the
sandbox's (``submit --sandbox``) and the tests' stand-in for the real API.

Serves on 127.0.0.1 (``await BlurItSim().start()`` returns the base URL):

* ``POST /login`` ``{"clientId", "secretId"}`` -> ``{"token", "refreshToken", "expireTime"}``;
  ``POST /token`` with ``Authorization: Bearer <token, even expired>`` and
  ``{"refreshToken"}`` -> a new pair (the old refresh token is spent).
* Everything else wants ``Authorization: Bearer <token>``; a raw token gets 401. Errors are
  ``{"statusCode", "error", "message"}``.
* ``POST /innovation-service/anonymization`` (multipart, ``input_media`` required),
  ``GET /innovation-service/anonymization?anonymization_job_id=ID`` (429 when polled faster
  than ``min_poll_interval``), ``GET /innovation-service/result/{fileName}``.
* The webhook-url API: ``GET /webhook-url/get-many``, ``POST /webhook-url``,
  ``PUT``/``DELETE /webhook-url/{uuid}``, ``POST /webhook-url/test/{uuid}``; at most
  ``max_webhooks`` (5) endpoints; each gets a generated ``webhookToken``.

A job goes ``Sent`` -> ``Started`` -> ``Succeeded`` (``Failed`` for a file that is not an
image), one step every ``step_delay`` seconds. On every status change, every active endpoint
gets ``POST {"taskId", "status"}`` with ``X-Auth-Token: <its webhookToken>``; each delivery is
recorded with whether the answer was compliant (``200`` and JSON ``{"taskId": <same>}``).

Unconfirmed, so switchable or ours: ``strict_https``, ``deactivate_after`` (BlurIt "may stop
calling" a non-compliant endpoint), the body of a test call and of its answer, the list's
bare-array shape, and the wording of our error messages. Failure injection:
``failures={"create_job": 402}`` or :meth:`BlurItSim.fail_next`. Request recording,
start/stop, webhook posting and failure injection come from :mod:`.common`.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from yarl import URL

from .common import RECORDED, FailureInjection, SimServer, can_fail, is_image, read_form, signed_in
from .common import Delivery as CommonDelivery

REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    404: "Not Found",
    413: "Payload Too Large",
    429: "Too Many Requests",
}
INJECTED_MESSAGE = {
    402: "Insufficient credits on this account",
    413: "File too large",
    429: "Too many requests",
}


def _now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Delivery(CommonDelivery):
    """One webhook call, the receiver's answer, and whether BlurIt would accept it."""

    task_id: str = field(kw_only=True)
    compliant: bool = False
    problem: str | None = None
    test: bool = False


@dataclass
class Job:
    """An anonymisation job."""

    job_id: str
    client_id: str
    filename: str
    media: bytes
    form: dict[str, str]
    status: str = "Sent"
    error: str | None = None
    history: list[str] = field(default_factory=list)


@dataclass
class WebhookEndpoint:
    """A registered webhook URL."""

    uuid: str
    client_id: str
    url: str
    token: str
    active: bool = True
    created_at: str = field(default_factory=_now_text)
    updated_at: str = field(default_factory=_now_text)
    noncompliant: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "active": self.active,
            "webhookToken": self.token,
            "webhookUrl": self.url,
            "uuid": self.uuid,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }


def compliance(status: int | None, body: bytes, task_id: str) -> str | None:
    """Why BlurIt would not accept this answer, or None."""
    if status != 200:
        return f"status {status}, not 200"
    try:
        payload = json.loads(body)
    except ValueError:
        return "body is not JSON"
    if not isinstance(payload, dict) or payload.get("taskId") != task_id:
        return f'body does not echo {{"taskId": "{task_id}"}}'
    return None


class BlurItSim(FailureInjection, SimServer[Delivery]):
    """BlurIt's API on 127.0.0.1, with recorded requests and webhook deliveries."""

    client_max_size = 256 * 1024 * 1024

    def __init__(
        self,
        *,
        clients: dict[str, str] | None = None,
        token_lifetime: float = 3600.0,
        step_delay: float = 0.05,
        strict_https: bool = False,
        max_webhooks: int = 5,
        max_upload_bytes: int = 50 * 1024 * 1024,
        min_poll_interval: float = 0.0,
        deactivate_after: int | None = None,
        failures: dict[str, int] | None = None,
    ) -> None:
        super().__init__()
        self.clients = clients if clients is not None else {"client-id": "secret-id"}
        self.token_lifetime = token_lifetime
        self.step_delay = step_delay
        self.strict_https = strict_https
        self.max_webhooks = max_webhooks
        self.max_upload_bytes = max_upload_bytes
        self.min_poll_interval = min_poll_interval
        self.deactivate_after = deactivate_after
        # failures: call name -> status (login, refresh, create_job, job_status, result,
        # webhook_create)
        self._init_failures(failures)
        self.jobs: dict[str, Job] = {}
        self.webhooks: dict[str, WebhookEndpoint] = {}
        self.logins = 0
        self.refreshes = 0
        self.aborted_uploads = 0
        self._tokens: dict[str, tuple[str, float]] = {}
        self._refresh_tokens: dict[str, str] = {}
        self._last_poll: dict[str, float] = {}

    # -- routes ------------------------------------------------------------------------------
    def _add_routes(self, r: web.UrlDispatcher) -> None:
        r.add_post("/login", self._login)
        r.add_post("/token", self._refresh)
        r.add_post("/innovation-service/anonymization", self._create_job)
        r.add_get("/innovation-service/anonymization", self._job_status)
        r.add_get("/innovation-service/result/{name}", self._result)
        r.add_get("/webhook-url/get-many", self._wh_list)
        r.add_post("/webhook-url", self._wh_create)
        r.add_put("/webhook-url/{uuid}", self._wh_update)
        r.add_delete("/webhook-url/{uuid}", self._wh_delete)
        r.add_post("/webhook-url/test/{uuid}", self._wh_test)

    # -- helpers for tests -----------------------------------------------------------------
    def expire_tokens(self) -> None:
        """Every access token issued so far is now expired (refresh tokens stay valid)."""
        self._tokens = {t: (c, 0.0) for t, (c, _) in self._tokens.items()}

    def add_webhook(
        self,
        url: str,
        client_id: str = "client-id",
        active: bool = True,
        token: str | None = None,
    ) -> str:
        """Register an endpoint directly (as if made in BlurIt's console), with ``token``
        as its ``webhookToken`` (default: a generated one); returns its uuid."""
        token = token or secrets.token_hex(16)
        hook = WebhookEndpoint(str(uuid.uuid4()), client_id, url, token, active)
        self.webhooks[hook.uuid] = hook
        return hook.uuid

    # -- plumbing ----------------------------------------------------------------------------
    @staticmethod
    def _error(status: int, message: str) -> web.Response:
        return web.json_response(
            {"statusCode": status, "error": REASONS.get(status, "Error"), "message": message},
            status=status,
        )

    def _injected(self, call: str) -> web.Response | None:
        status = self._failure(call)
        if status is None:
            return None
        return self._error(status, INJECTED_MESSAGE.get(status, "Injected failure"))

    def _authenticate(self, request: web.Request) -> str | web.Response:
        """The client whose token follows ``Bearer `` in the ``Authorization`` header."""
        value = request.headers.get("Authorization", "")
        if not value.startswith("Bearer "):
            return self._error(401, "Missing or malformed Bearer token")
        entry = self._tokens.get(value[len("Bearer ") :])
        if entry is None:
            return self._error(401, "Invalid token")
        client, expires = entry
        if time.monotonic() >= expires:
            return self._error(401, "Token expired")
        return client

    def _issue(self, client: str) -> web.Response:
        token = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(32)
        self._tokens[token] = (client, time.monotonic() + self.token_lifetime)
        self._refresh_tokens[refresh] = client
        return web.json_response(
            {"token": token, "refreshToken": refresh, "expireTime": self.token_lifetime}
        )

    # -- auth ----------------------------------------------------------------------------------
    @can_fail("login")
    async def _login(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
            client, secret = body["clientId"], body["secretId"]
        except (ValueError, KeyError, TypeError):
            return self._error(400, "clientId and secretId are required")
        if self.clients.get(client) != secret:
            return self._error(401, "Invalid credentials")
        self.logins += 1
        return self._issue(client)

    @can_fail("refresh")
    async def _refresh(self, request: web.Request) -> web.Response:
        value = request.headers.get("Authorization", "")
        # The old token is required even when expired: only its existence is checked.
        if not value.startswith("Bearer ") or value[7:] not in self._tokens:
            return self._error(401, "Missing or malformed Bearer token")
        try:
            refresh = json.loads(await request.read())["refreshToken"]
        except (ValueError, KeyError, TypeError):
            return self._error(400, "refreshToken is required")
        client = self._refresh_tokens.pop(refresh, None)
        if client is None or self._tokens[value[7:]][0] != client:
            return self._error(401, "Invalid refresh token")
        self.refreshes += 1
        return self._issue(client)

    # -- jobs ----------------------------------------------------------------------------------
    @signed_in(fail_as="create_job")
    async def _create_job(self, request: web.Request, client: str) -> web.Response:
        if (request.content_length or 0) > self.max_upload_bytes:
            return self._error(413, "File too large")
        if request.content_type != "multipart/form-data":
            return self._error(400, "Content-Type must be multipart/form-data")
        try:
            fields, files = await read_form(request)
        except BaseException:
            # The client hung up or was cancelled mid-upload: no job.
            self.aborted_uploads += 1
            raise
        media = files.get("input_media")
        if media is None:
            return self._error(400, "input_media is required")
        data = media.data
        if len(data) > self.max_upload_bytes:
            return self._error(413, "File too large")
        request[RECORDED].form = fields
        job = Job(str(uuid.uuid4()), client, media.filename, data, fields)
        job.history.append("Sent")
        self.jobs[job.job_id] = job
        self._spawn(self._process(job), f"blurit-job-{job.job_id}")
        return web.json_response({"anonymization_job_id": job.job_id})

    async def _process(self, job: Job) -> None:
        await self._notify_all(job)
        final = "Succeeded" if is_image(job.media) else "Failed"
        for status in ("Started", final):
            await asyncio.sleep(self.step_delay)
            job.status = status
            job.history.append(status)
            if status == "Failed":
                job.error = "Unsupported media type"
            await self._notify_all(job)

    def _job_json(self, job: Job) -> dict[str, Any]:
        out: dict[str, Any] = {"status": job.status, "error": job.error}
        if job.status == "Succeeded":
            out["output_media"] = f"{self.base_url}/innovation-service/result/{job.job_id}.jpg"
            out["output_json"] = f"{self.base_url}/innovation-service/result/{job.job_id}.json"
        return out

    @signed_in(fail_as="job_status")
    async def _job_status(self, request: web.Request, client: str) -> web.Response:
        now = time.monotonic()
        if now - self._last_poll.get(client, -1e9) < self.min_poll_interval:
            return self._error(429, "Too many requests")
        self._last_poll[client] = now
        job = self.jobs.get(request.query.get("anonymization_job_id", ""))
        if job is None or job.client_id != client:
            return self._error(404, "Job not found")
        return web.json_response(self._job_json(job))

    @signed_in(fail_as="result")
    async def _result(self, request: web.Request, client: str) -> web.Response:
        name = request.match_info["name"]
        stem, _, ext = name.rpartition(".")
        job = self.jobs.get(stem)
        if job is None or job.client_id != client or job.status != "Succeeded":
            return self._error(404, "File not found")
        if ext == "json":
            return web.json_response({"faces": [], "plates": []})
        return web.Response(body=job.media, content_type="image/jpeg")

    # -- webhooks --------------------------------------------------------------------------------
    async def _notify_all(self, job: Job) -> None:
        hooks = [h for h in self.webhooks.values() if h.client_id == job.client_id and h.active]
        body = json.dumps({"taskId": job.job_id, "status": job.status}).encode()
        await asyncio.gather(*(self._deliver(h, body, job.job_id) for h in hooks))

    async def _deliver(
        self, hook: WebhookEndpoint, body: bytes, task_id: str, test: bool = False
    ) -> Delivery:
        headers = {"Content-Type": "application/json", "X-Auth-Token": hook.token}
        delivery = Delivery(hook.url, headers, body, task_id=task_id, test=test)
        await self._post_webhook(delivery)
        delivery.problem = (
            delivery.error
            if delivery.error
            else compliance(delivery.status, delivery.response_body, task_id)
        )
        delivery.compliant = delivery.problem is None
        if not delivery.compliant:
            hook.noncompliant += 1
            if self.deactivate_after is not None and hook.noncompliant >= self.deactivate_after:
                hook.active = False
        self._record_delivery(delivery)
        return delivery

    def _check_url(self, url: Any) -> str | None:
        if not isinstance(url, str):
            return "webhookUrl must be a string"
        parsed = URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            return "webhookUrl must be a valid URL"
        if self.strict_https and parsed.scheme != "https":
            return "webhookUrl must use https"
        return None

    def _hook(self, request: web.Request, client: str) -> WebhookEndpoint | None:
        hook = self.webhooks.get(request.match_info["uuid"])
        return hook if hook is not None and hook.client_id == client else None

    async def _json_body(self, request: web.Request) -> Any:
        try:
            return json.loads(await request.read())
        except ValueError:
            return None

    @signed_in()
    async def _wh_list(self, request: web.Request, client: str) -> web.Response:
        mine = [h.to_json() for h in self.webhooks.values() if h.client_id == client]
        return web.json_response(mine)

    @signed_in(fail_as="webhook_create")
    async def _wh_create(self, request: web.Request, client: str) -> web.Response:
        body = await self._json_body(request)
        url = body.get("webhookUrl") if isinstance(body, dict) else None
        problem = self._check_url(url)
        if problem:
            return self._error(400, problem)
        if sum(h.client_id == client for h in self.webhooks.values()) >= self.max_webhooks:
            return self._error(
                400, f"You cannot register more than {self.max_webhooks} webhook urls"
            )
        uid = self.add_webhook(str(url), client)
        return web.json_response(self.webhooks[uid].to_json(), status=201)

    @signed_in()
    async def _wh_update(self, request: web.Request, client: str) -> web.Response:
        hook = self._hook(request, client)
        if hook is None:
            return self._error(404, "Webhook url not found")
        body = await self._json_body(request)
        if not isinstance(body, dict):
            return self._error(400, "body must be a JSON object")
        if "webhookUrl" in body:
            problem = self._check_url(body["webhookUrl"])
            if problem:
                return self._error(400, problem)
            hook.url = body["webhookUrl"]
        if "active" in body:
            hook.active = bool(body["active"])
            hook.noncompliant = 0
        hook.updated_at = _now_text()
        return web.json_response(hook.to_json())

    @signed_in()
    async def _wh_delete(self, request: web.Request, client: str) -> web.Response:
        hook = self._hook(request, client)
        if hook is None:
            return self._error(404, "Webhook url not found")
        del self.webhooks[hook.uuid]
        return web.json_response(hook.to_json())

    @signed_in()
    async def _wh_test(self, request: web.Request, client: str) -> web.Response:
        hook = self._hook(request, client)
        if hook is None:
            return self._error(404, "Webhook url not found")
        task_id = f"test-{secrets.token_hex(8)}"
        body = json.dumps({"taskId": task_id, "status": "Sent"}).encode()
        delivery = await self._deliver(hook, body, task_id, test=True)
        return web.json_response(
            {
                "success": delivery.compliant,
                "statusCode": delivery.status,
                "error": delivery.problem,
            }
        )
