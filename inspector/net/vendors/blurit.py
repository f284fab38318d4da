"""BlurIt (Wassa "innovation-service"): anonymisation jobs and the webhook-url API.

Login gives a Bearer token, a refresh token and a lifetime. Calls are made with
``Authorization: Bearer <token>``; an expired token is refreshed with ``POST /token`` (which
itself takes the old token, even expired), and a 401 triggers one refresh, then one fresh
login, before giving up.

BlurIt calls every *active* registered webhook URL on every job status change, with that
endpoint's ``webhookToken`` in ``X-Auth-Token``. :meth:`BlurItClient.ensure_webhook`
registers our URL (or moves our old registration to a new tunnel URL) within the account's
limit of 5 endpoints.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import aiohttp
from yarl import URL

from inspector.core.submission import store_webhook_token
from inspector.core.tasks import Task
from inspector.net.vendors.api import (
    SubmitContext,
    SubmitRequest,
    TaskResult,
    VendorApi,
    base_url,
    need,
)
from inspector.net.vendors.base import (
    ProgressCallback,
    ProgressPayload,
    VendorClient,
    VendorError,
    decode_json,
    first_text,
    sentence,
)

DEFAULT_BASE_URL = "https://api.services.wassa.io"
MAX_WEBHOOKS = 5
BLUR_TYPES = ("blur", "opaque", "pixelate")
FINAL_STATUSES = ("Succeeded", "Failed")
DEFAULT_TOKEN_LIFETIME = 3600.0

EnsureAction = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class BlurItWebhook:
    """A registered webhook endpoint as BlurIt describes it."""

    uuid: str
    webhook_url: str
    webhook_token: str
    active: bool
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, data: Any) -> BlurItWebhook:
        if not isinstance(data, dict) or not isinstance(data.get("uuid"), str):
            raise VendorError("BlurIt", "BlurIt's webhook answer has no uuid")
        return cls(
            uuid=data["uuid"],
            webhook_url=str(data.get("webhookUrl") or ""),
            webhook_token=str(data.get("webhookToken") or ""),
            active=bool(data.get("active", True)),
            raw=data,
        )


def _same_target(a: str, b: str) -> bool:
    """Same path and query: what stays when only the tunnel's host changed."""
    ua, ub = URL(a), URL(b)
    return ua.raw_path.rstrip("/") == ub.raw_path.rstrip("/") and ua.raw_query_string == (
        ub.raw_query_string
    )


class BlurItClient(VendorClient):
    """BlurIt API: login/refresh, jobs, results and the webhook-url API."""

    vendor = "BlurIt"

    def __init__(
        self,
        client_id: str,
        secret_id: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        **kwargs: Any,
    ) -> None:
        super().__init__(base_url, **kwargs)
        self._client_id = client_id
        self._secret_id = secret_id
        self._token: str | None = None
        self._refresh_token: str | None = None
        self._token_expires = 0.0

    def __repr__(self) -> str:  # never the secret
        return f"BlurItClient(base_url={self.base_url!r}, client_id={self._client_id!r})"

    # -- errors ----------------------------------------------------------------------------
    def error_for(self, status: int, body: bytes) -> VendorError:
        payload = decode_json(body)
        message = first_text(payload, "message", "error")
        fixed = {
            401: "the BlurIt credentials were refused",
            402: "payment required on this BlurIt account",
            413: "the file is too large for BlurIt",
            429: "BlurIt is rate limiting these requests (too many, too fast); wait and try again",
        }
        if status in fixed:
            return VendorError(self.vendor, fixed[status], status=status, detail=message)
        if status == 400 and message:
            text = f"BlurIt refused the request: {sentence(message)}"
        elif status == 404:
            text = "BlurIt does not know this job or webhook" + (
                f": {sentence(message)}" if message else ""
            )
        else:
            text = f"BlurIt answered HTTP {status}" + (f": {sentence(message)}" if message else "")
        return VendorError(self.vendor, text, status=status, detail=message)

    # -- auth ------------------------------------------------------------------------------
    def _take_tokens(self, payload: Any) -> str:
        if not isinstance(payload, dict) or not isinstance(payload.get("token"), str):
            raise VendorError(self.vendor, "BlurIt's login answer has no token")
        self._token = payload["token"]
        refresh = payload.get("refreshToken")
        self._refresh_token = refresh if isinstance(refresh, str) else self._refresh_token
        try:
            lifetime = float(payload.get("expireTime", DEFAULT_TOKEN_LIFETIME))
        except (TypeError, ValueError):
            lifetime = DEFAULT_TOKEN_LIFETIME
        # Refresh a little early so a token does not expire between check and use.
        self._token_expires = (
            time.monotonic() + (lifetime if lifetime > 0 else DEFAULT_TOKEN_LIFETIME) * 0.95
        )
        return payload["token"]

    async def login(self) -> str:
        """``POST /login`` with the client id and secret; returns the token."""
        body = json.dumps({"clientId": self._client_id, "secretId": self._secret_id}).encode()
        status, raw = await self.send(
            "POST", self.url("/login"), headers={"Content-Type": "application/json"}, data=body
        )
        return self._take_tokens(self.checked_json(status, raw))

    async def refresh(self) -> str:
        """``POST /token`` (Bearer: the old token, even expired); logs in again if refused."""
        if self._token is None or self._refresh_token is None:
            return await self.login()
        body = json.dumps({"refreshToken": self._refresh_token}).encode()
        status, raw = await self.send(
            "POST",
            self.url("/token"),
            headers={"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"},
            data=body,
        )
        if status in (400, 401, 403):
            return await self.login()
        return self._take_tokens(self.checked_json(status, raw))

    async def _authed(
        self,
        method: str,
        url: URL,
        *,
        json_body: Any = None,
        data_factory: Callable[[], Any] | None = None,
    ) -> tuple[int, bytes]:
        if self._token is None:
            await self.login()
        elif time.monotonic() >= self._token_expires:
            await self.refresh()
        # 1st try; on 401 refresh and retry; on 401 again log in afresh and retry once more.
        for attempt in range(3):
            headers = {"Authorization": f"Bearer {self._token}"}
            data: Any = None
            if json_body is not None:
                headers["Content-Type"] = "application/json"
                data = json.dumps(json_body).encode()
            elif data_factory is not None:
                data = data_factory()  # a multipart body cannot be sent twice
            status, raw = await self.send(method, url, headers=headers, data=data)
            if status != 401 or attempt == 2:
                return status, raw
            if attempt == 0:
                await self.refresh()
            else:
                await self.login()
        raise AssertionError("unreachable")

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data_factory: Callable[[], Any] | None = None,
    ) -> Any:
        status, raw = await self._authed(
            method, self.url(path), json_body=json_body, data_factory=data_factory
        )
        return self.checked_json(status, raw)

    # -- jobs ------------------------------------------------------------------------------
    async def create_job(
        self,
        data: bytes,
        filename: str,
        *,
        faces: bool = True,
        plates: bool = True,
        blur_type: str = "blur",
        output_detections: bool = False,
        content_type: str = "application/octet-stream",
        progress: ProgressCallback | None = None,
    ) -> str:
        """``POST /innovation-service/anonymization`` (multipart); returns the job id."""
        if blur_type not in BLUR_TYPES:
            raise ValueError(f"blur_type must be one of {', '.join(BLUR_TYPES)}")

        def form() -> aiohttp.FormData:
            fd = aiohttp.FormData()
            fd.add_field(
                "input_media",
                ProgressPayload(data, progress=progress, content_type=content_type),
                filename=filename,
                content_type=content_type,
            )
            fd.add_field("activation_faces_blur", "true" if faces else "false")
            fd.add_field("activation_plates_blur", "true" if plates else "false")
            fd.add_field("output_detections_url", "true" if output_detections else "false")
            fd.add_field("blur_type", json.dumps({"anonymization_type": blur_type}))
            return fd

        payload = await self._call("POST", "/innovation-service/anonymization", data_factory=form)
        job_id = payload.get("anonymization_job_id") if isinstance(payload, dict) else None
        if not isinstance(job_id, str) or not job_id:
            raise VendorError(self.vendor, "BlurIt's answer has no anonymization_job_id")
        return job_id

    async def job_status(self, job_id: str) -> dict[str, Any]:
        """``GET /innovation-service/anonymization?anonymization_job_id=ID``."""
        payload = await self._call(
            "GET",
            f"/innovation-service/anonymization?anonymization_job_id={quote(job_id, safe='')}",
        )
        if not isinstance(payload, dict):
            raise VendorError(self.vendor, "BlurIt's job status is not an object")
        return payload

    async def download_result(self, file_name_or_url: str) -> bytes:
        """``GET /innovation-service/result/{fileName}`` (or a full ``output_media`` URL)."""
        if "://" in file_name_or_url:
            url = URL(file_name_or_url, encoded=True)
            if url.origin() != URL(self.base_url).origin():
                # A link to another host (storage) is its own credential: no Bearer to it.
                status, raw = await self.send("GET", url)
                if not 200 <= status < 300:
                    raise self.error_for(status, raw)
                return raw
        else:
            url = self.url(f"/innovation-service/result/{quote(file_name_or_url, safe='')}")
        status, raw = await self._authed("GET", url)
        if not 200 <= status < 300:
            raise self.error_for(status, raw)
        return raw

    # -- webhook endpoints -----------------------------------------------------------------
    async def list_webhooks(self) -> list[BlurItWebhook]:
        """``GET /webhook-url/get-many``."""
        payload = await self._call("GET", "/webhook-url/get-many")
        if isinstance(payload, dict):  # the wrapper's name is unconfirmed; accept a few
            for key in ("data", "items", "webhookUrls", "results"):
                if isinstance(payload.get(key), list):
                    payload = payload[key]
                    break
        if not isinstance(payload, list):
            raise VendorError(self.vendor, "BlurIt's webhook list is not a list")
        return [BlurItWebhook.from_json(item) for item in payload]

    async def create_webhook(self, url: str) -> BlurItWebhook:
        """``POST /webhook-url``; the answer carries the generated ``webhookToken``."""
        return BlurItWebhook.from_json(
            await self._call("POST", "/webhook-url", json_body={"webhookUrl": url})
        )

    async def update_webhook(
        self, uuid: str, url: str, *, active: bool | None = None
    ) -> BlurItWebhook:
        """``PUT /webhook-url/{uuid}``."""
        body: dict[str, Any] = {"webhookUrl": url}
        if active is not None:
            body["active"] = active
        return BlurItWebhook.from_json(
            await self._call("PUT", f"/webhook-url/{quote(uuid, safe='')}", json_body=body)
        )

    async def delete_webhook(self, uuid: str) -> None:
        """``DELETE /webhook-url/{uuid}``."""
        await self._call("DELETE", f"/webhook-url/{quote(uuid, safe='')}")

    async def test_webhook(self, uuid: str) -> Any:
        """``POST /webhook-url/test/{uuid}``: BlurIt sends a test call; returns its answer."""
        return await self._call("POST", f"/webhook-url/test/{quote(uuid, safe='')}")

    async def ensure_webhook(
        self, url: str, *, previous_url: str | None = None
    ) -> tuple[str, str, EnsureAction]:
        """Make ``url`` a registered, active endpoint; ``(uuid, webhookToken, action)``.

        ``unchanged`` when it already is; ``updated`` when an inactive registration of it
        was re-activated, or when our earlier registration (``previous_url``, or failing
        that one with the same path and query: a tunnel restart changes only the host)
        was moved to ``url``; otherwise ``created``, within BlurIt's limit of 5.
        """
        existing = await self.list_webhooks()
        for hook in existing:
            if hook.webhook_url == url:
                if hook.active:
                    return hook.uuid, hook.webhook_token, "unchanged"
                updated = await self.update_webhook(hook.uuid, url, active=True)
                return updated.uuid, updated.webhook_token or hook.webhook_token, "updated"
        ours = [h for h in existing if previous_url is not None and h.webhook_url == previous_url]
        if not ours:
            ours = [h for h in existing if h.webhook_url and _same_target(h.webhook_url, url)]
        if ours:
            old = ours[0]
            updated = await self.update_webhook(old.uuid, url, active=True)
            return updated.uuid, updated.webhook_token or old.webhook_token, "updated"
        if len(existing) >= MAX_WEBHOOKS:
            urls = ", ".join(h.webhook_url for h in existing)
            raise VendorError(
                self.vendor,
                f"this BlurIt account already has {len(existing)} webhook URLs, BlurIt's "
                f"limit is {MAX_WEBHOOKS}: delete one you no longer use ({urls})",
            )
        created = await self.create_webhook(url)
        return created.uuid, created.webhook_token, "created"


async def submit(req: SubmitRequest, ctx: SubmitContext) -> str:
    """Register our webhook URL (its token becomes the endpoint's), then create the job."""
    client_id, secret_id = need(req.vendor, req.credentials, "client_id", "secret_id")
    async with BlurItClient(client_id, secret_id, **base_url(req.api_base)) as blurit:
        uuid, token, action = await blurit.ensure_webhook(
            req.webhook_url, previous_url=ctx.previous_webhook_url
        )
        changed = store_webhook_token(ctx.endpoints, req.vendor, req.webhook_url, token)
        ctx.say(f"BlurIt webhook {action}: {req.webhook_url} (uuid {uuid}); token saved")
        if changed and ctx.settle_s > 0:
            await asyncio.sleep(ctx.settle_s)
        return await blurit.create_job(
            req.data, req.file_name, progress=ctx.progress, **req.options
        )


async def fetch_result(task: Task, credentials: dict[str, str], api_base: str | None) -> TaskResult:
    client_id, secret_id = need(task.vendor, credentials, "client_id", "secret_id")
    async with BlurItClient(client_id, secret_id, **base_url(api_base)) as blurit:
        info = await blurit.job_status(task.task_id)
        status = str(info.get("status", ""))
        media = info.get("output_media")
        if status != "Succeeded" or not media:
            return TaskResult("pending", "BlurIt", status=status, value=info)
        return TaskResult(
            "image", str(media), await blurit.download_result(str(media)), status=status
        )


API = VendorApi("blurit", submit, fetch_result, registers_webhook=True)
