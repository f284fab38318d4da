"""Celantur's image anonymisation API: v2 (current) and v1 (deprecated, still documented).

Both take the raw access token in ``Authorization`` (no ``Bearer `` prefix) and have no
refresh call: a token older than its lifetime (about an hour) means signing in again.

v2: create a task (JSON, with our webhook URL), ``PUT`` the image to the presigned
``upload_url`` it returns (no auth header: the signature is in the URL), then follow the task.
v1: one call uploads the image and carries the webhook URL *inside the query string*; it is
percent-encoded as a whole so that ``&``, ``=`` and ``+`` in it survive (sent raw, the URL
would be cut at its first ``&``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from yarl import URL

from inspector.core.tasks import Task
from inspector.core.vendors.descriptor import sniff_image_type
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
)

DEFAULT_BASE_URL = "https://api.celantur.com"
METHODS = ("blur", "pixelate", "blacken")
#: Used when the sign-in answer does not say how long the token lives.
DEFAULT_TOKEN_LIFETIME = 3600.0


def _flag(value: bool) -> str:
    # v1's documented query uses Python's spelling (face=True).
    return "True" if value else "False"


@dataclass(frozen=True, slots=True)
class CelanturTask:
    """A created v2 task: its id (an integer) and where to upload the image."""

    task_id: int
    upload_url: str
    raw: dict[str, Any]


class _CelanturBase(VendorClient):
    """Sign-in and raw-token auth shared by v1 and v2."""

    vendor = "Celantur"
    signin_path = "/v2/signin/"

    def __init__(
        self,
        username: str,
        password: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        **kwargs: Any,
    ) -> None:
        super().__init__(base_url, **kwargs)
        self._username = username
        self._password = password
        self._token: str | None = None
        self._token_expires = 0.0

    def __repr__(self) -> str:  # never the password
        return f"{type(self).__name__}(base_url={self.base_url!r}, username={self._username!r})"

    def error_for(self, status: int, body: bytes) -> VendorError:
        payload = decode_json(body)
        message = first_text(payload, "error", "message", "detail")
        if status == 401:
            return VendorError(
                self.vendor, "the Celantur credentials were refused", status=status, detail=message
            )
        if status == 400 and message:
            # Celantur's 400 messages name the offending parameter: show them as they are.
            return VendorError(self.vendor, message, status=status, detail=message)
        known = {
            402: "payment required on this Celantur account",
            403: "this Celantur account may not do that",
            404: "Celantur does not know this task",
            413: "the file is too large for Celantur",
            429: "Celantur is rate limiting these requests; wait and try again",
        }
        text = known.get(status) or f"Celantur answered HTTP {status}"
        if message and status not in known:
            text = f"{text}: {message}"
        return VendorError(self.vendor, text, status=status, detail=message)

    async def sign_in(self) -> str:
        """Sign in and return the access token (read from either documented shape)."""
        body = {"username": self._username, "password": self._password}
        status, raw = await self.send(
            "POST",
            self.url(self.signin_path),
            headers={"Content-Type": "application/json"},
            data=_json_bytes(body),
        )
        payload = self.checked_json(status, raw)
        token, lifetime = _read_token(payload)
        if token is None:
            raise VendorError(
                self.vendor, "Celantur's sign-in answer has no AccessToken", status=status
            )
        self._token = token
        # Renew a little early: a token that expires in flight costs a failed upload.
        self._token_expires = time.monotonic() + lifetime * 0.95
        return token

    async def _token_now(self) -> str:
        if self._token is None or time.monotonic() >= self._token_expires:
            return await self.sign_in()
        return self._token

    async def authed(
        self,
        method: str,
        url: URL,
        *,
        data: Any = None,
        data_factory: Any = None,
        content_type: str | None = None,
    ) -> tuple[int, bytes]:
        """An authorized call; on 401 sign in again once (Celantur has no refresh call)."""
        for attempt in (1, 2):
            token = await self._token_now()
            headers = {"Authorization": token}
            if content_type:
                headers["Content-Type"] = content_type
            body = data_factory() if data_factory is not None else data
            status, raw = await self.send(method, url, headers=headers, data=body)
            if status == 401 and attempt == 1:
                self._token = None
                continue
            return status, raw
        raise AssertionError("unreachable")


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _read_token(payload: Any) -> tuple[str | None, float]:
    if not isinstance(payload, dict):
        return None, DEFAULT_TOKEN_LIFETIME
    source = payload
    if not isinstance(payload.get("AccessToken"), str):
        nested = payload.get("AuthenticationResult")
        source = nested if isinstance(nested, dict) else {}
    token = source.get("AccessToken")
    lifetime = source.get("ExpiresIn", payload.get("ExpiresIn"))
    try:
        seconds = float(lifetime) if lifetime is not None else DEFAULT_TOKEN_LIFETIME
    except (TypeError, ValueError):
        seconds = DEFAULT_TOKEN_LIFETIME
    return (
        token if isinstance(token, str) and token else None
    ), seconds if seconds > 0 else DEFAULT_TOKEN_LIFETIME


class CelanturClient(_CelanturBase):
    """Celantur API v2: sign in, create a task with a webhook, upload, follow the task."""

    async def create_task(
        self,
        *,
        method: str = "blur",
        face: bool = True,
        license_plate: bool = False,
        person: bool = False,
        vehicle: bool = False,
        webhook: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> CelanturTask:
        """``POST /v2/task/``; ``extra`` adds parameters as they are (debug, score, format...)."""
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
        if not (face or license_plate or person or vehicle):
            raise ValueError("choose at least one of face, license plate, person, vehicle")
        params: dict[str, Any] = {
            "anonymization_method": method,
            "face": face,
            "license-plate": license_plate,
            "person": person,
            "vehicle": vehicle,
        }
        if webhook:
            params["webhook"] = webhook
        params.update(extra or {})
        status, raw = await self.authed(
            "POST", self.url("/v2/task/"), data=_json_bytes(params), content_type="application/json"
        )
        payload = self.checked_json(status, raw)
        if not isinstance(payload, dict) or "task_id" not in payload or "upload_url" not in payload:
            raise VendorError(self.vendor, "Celantur's answer has no task_id and upload_url")
        try:
            task_id = int(payload["task_id"])
        except (TypeError, ValueError):
            raise VendorError(
                self.vendor, f"Celantur's task_id {payload['task_id']!r} is not an integer"
            ) from None
        return CelanturTask(task_id, str(payload["upload_url"]), payload)

    async def upload(
        self,
        upload_url: str,
        data: bytes,
        *,
        content_type: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> None:
        """``PUT`` the image to the presigned URL, as given (its signature must not change)."""
        url = URL(upload_url, encoded=True)
        ctype = content_type or sniff_image_type(data) or "application/octet-stream"
        payload = ProgressPayload(data, progress=progress, content_type=ctype)
        # No Authorization header: the presigned URL is the credential.
        status, raw = await self.send("PUT", url, data=payload)
        if not 200 <= status < 300:
            if status == 403:
                raise VendorError(
                    self.vendor,
                    "the Celantur upload URL was refused (it expired or was altered)",
                    status=status,
                )
            raise self.error_for(status, raw)

    async def get_task(self, task_id: int) -> dict[str, Any]:
        """``GET /v2/task/{id}``."""
        status, raw = await self.authed("GET", self.url(f"/v2/task/{int(task_id)}"))
        return _as_dict(self.checked_json(status, raw))

    async def get_status(self, task_id: int) -> dict[str, Any]:
        """``GET /v2/task/{id}/status``: ``task_status``, webhook status, ``anonymized_url``."""
        status, raw = await self.authed("GET", self.url(f"/v2/task/{int(task_id)}/status"))
        return _as_dict(self.checked_json(status, raw))

    async def submit(
        self,
        data: bytes,
        *,
        webhook: str | None,
        progress: ProgressCallback | None = None,
        **options: Any,
    ) -> CelanturTask:
        """Create the task, then upload the image; returns the task once uploaded."""
        task = await self.create_task(webhook=webhook, **options)
        await self.upload(task.upload_url, data, progress=progress)
        return task

    async def download(self, url: str) -> bytes:
        """Fetch a presigned result (``anonymized_url``); no auth header."""
        status, raw = await self.send("GET", URL(url, encoded=True))
        if not 200 <= status < 300:
            raise self.error_for(status, raw)
        return raw


class CelanturV1Client(_CelanturBase):
    """Celantur API v1 (deprecated): upload with the webhook in the query, follow the file."""

    signin_path = "/v1/signin"

    @staticmethod
    def file_query(
        *,
        name: str,
        method: str = "blur",
        face: bool = True,
        license_plate: bool = False,
        person: bool = False,
        vehicle: bool = False,
        webhook: str | None = None,
    ) -> str:
        """The encoded query of ``POST /v1/file``: every value percent-encoded as a whole.

        ``quote(value, safe="")`` encodes ``&``, ``=``, ``+``, ``?`` and ``/`` too, so the
        vendor decodes the webhook parameter to exactly the URL given.
        """
        params: list[tuple[str, str]] = [("method", method), ("face", _flag(face))]
        if license_plate:
            params.append(("license-plate", _flag(True)))
        if person:
            params.append(("person", _flag(True)))
        if vehicle:
            params.append(("vehicle", _flag(True)))
        params.append(("name", name))
        if webhook:
            params.append(("webhook", webhook))
        return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params)

    async def upload_file(
        self,
        data: bytes,
        *,
        name: str,
        method: str = "blur",
        face: bool = True,
        license_plate: bool = False,
        person: bool = False,
        vehicle: bool = False,
        webhook: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> dict[str, Any]:
        """``POST /v1/file?...`` with the raw image; returns ``file_id``, ``file_status``..."""
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
        query = self.file_query(
            name=name,
            method=method,
            face=face,
            license_plate=license_plate,
            person=person,
            vehicle=vehicle,
            webhook=webhook,
        )
        url = URL(f"{self.base_url}/v1/file?{query}", encoded=True)
        ctype = sniff_image_type(data) or "application/octet-stream"
        status, raw = await self.authed(
            "POST",
            url,
            data_factory=lambda: ProgressPayload(data, progress=progress, content_type=ctype),
        )
        payload = _as_dict(self.checked_json(status, raw))
        if "file_id" not in payload:
            raise VendorError(self.vendor, "Celantur's answer has no file_id", status=status)
        return payload

    async def file_status(self, file_id: int | str) -> dict[str, Any]:
        """``GET /v1/file/{id}/status``."""
        status, raw = await self.authed("GET", self.url(f"/v1/file/{quote(str(file_id))}/status"))
        return _as_dict(self.checked_json(status, raw))


def _as_dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise VendorError("Celantur", "Celantur answered with something other than an object")
    return value


async def submit_v2(req: SubmitRequest, ctx: SubmitContext) -> str:
    username, password = need(req.vendor, req.credentials, "username", "password")
    async with CelanturClient(username, password, **base_url(req.api_base)) as client:
        # The id comes before the upload: announce it at once, then upload the image.
        created = await client.create_task(webhook=req.webhook_url, **req.options)
        ctx.announce(str(created.task_id))
        await client.upload(created.upload_url, req.data, progress=ctx.progress)
    return str(created.task_id)


async def fetch_v2(task: Task, credentials: dict[str, str], api_base: str | None) -> TaskResult:
    username, password = need(task.vendor, credentials, "username", "password")
    async with CelanturClient(username, password, **base_url(api_base)) as client:
        info = await client.get_task(int(task.task_id))
        status = str(info.get("task_status", ""))
        url = info.get("anonymized_url")
        if status != "done" or not url:
            return TaskResult("pending", "Celantur", status=status, value=info)
        return TaskResult("image", str(url), await client.download(str(url)), status=status)


async def submit_v1(req: SubmitRequest, ctx: SubmitContext) -> str:
    username, password = need(req.vendor, req.credentials, "username", "password")
    async with CelanturV1Client(username, password, **base_url(req.api_base)) as v1:
        answer = await v1.upload_file(
            req.data,
            name=req.file_name,
            webhook=req.webhook_url,
            progress=ctx.progress,
            **req.options,
        )
    return str(answer["file_id"])


async def fetch_v1(task: Task, credentials: dict[str, str], api_base: str | None) -> TaskResult:
    username, password = need(task.vendor, credentials, "username", "password")
    async with CelanturV1Client(username, password, **base_url(api_base)) as v1:
        info = await v1.file_status(task.task_id)
        return TaskResult(
            "json", "Celantur v1 status", value=info, status=str(info.get("file_status", ""))
        )


API_V2 = VendorApi("celantur", submit_v2, fetch_v2)
API_V1 = VendorApi("celantur-v1", submit_v1, fetch_v1)
