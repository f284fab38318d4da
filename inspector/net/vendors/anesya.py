"""Anesya document extraction: the older API ("0.8.1") and the newer one ("v0").

Older: ``Authorization: <API key>`` (raw), and every path ends with ``/`` (the server does
not redirect a POST that lacks it). ``POST /extract/`` takes the ``document`` and the
``server`` (EU-1, FR-1, FR-2, FR-3). Newer: ``X-API-Key: <key>``; only the document upload
(``POST /v0/documents``, field ``file``) is documented well enough to implement.

Anesya's webhooks are configured in its dashboard, not through the API, so nothing here
registers one.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import aiohttp

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

DEFAULT_BASE_URL = "https://api.anesya.app"
SERVERS = ("EU-1", "FR-1", "FR-2", "FR-3")
FINAL_STATUSES = ("FINISHED", "PARTIAL_FINISHED", "ERROR")
_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


def document_type(filename: str) -> str | None:
    """The media type Anesya accepts for this file name (pdf, png, jpg), else None."""
    lower = filename.lower()
    for ext, ctype in _TYPES.items():
        if lower.endswith(ext):
            return ctype
    return None


class AnesyaClient(VendorClient):
    """Anesya API: create and read extracts (older API), upload documents (v0)."""

    vendor = "Anesya"

    def __init__(self, api_key: str, *, base_url: str = DEFAULT_BASE_URL, **kwargs: Any) -> None:
        super().__init__(base_url, **kwargs)
        self._api_key = api_key

    def __repr__(self) -> str:  # never the key
        return f"AnesyaClient(base_url={self.base_url!r})"

    def error_for(self, status: int, body: bytes) -> VendorError:
        payload = decode_json(body)
        message = first_text(payload, "detail", "message", "error")
        if message is None and isinstance(payload, dict):
            # Field errors: {"server": ["... is not a valid choice."]}
            fields = [k for k, v in payload.items() if isinstance(v, list | str)]
            if fields:
                message = "; ".join(f"{k}: {first_text(payload, k)}" for k in fields)
        if status == 401:
            return VendorError(
                self.vendor, "the Anesya credentials were refused", status=status, detail=message
            )
        if status == 403:
            return VendorError(
                self.vendor,
                "not enough credits on this Anesya account",
                status=status,
                detail=message,
            )
        if status == 400 and message:
            text = f"Anesya refused the request: {sentence(message)}"
        elif status == 404:
            text = "Anesya does not know this extract or path"
        else:
            text = f"Anesya answered HTTP {status}" + (f": {sentence(message)}" if message else "")
        return VendorError(self.vendor, text, status=status, detail=message)

    async def _call(self, method: str, path: str, *, v0: bool = False, data: Any = None) -> Any:
        headers = {"X-API-Key": self._api_key} if v0 else {"Authorization": self._api_key}
        status, raw = await self.send(method, self.url(path), headers=headers, data=data)
        return self.checked_json(status, raw)

    async def create_extract(
        self,
        data: bytes,
        filename: str,
        *,
        server: str = "EU-1",
        schema: str | dict[str, Any] | None = None,
        metadata: str | dict[str, Any] | None = None,
        progress: ProgressCallback | None = None,
    ) -> dict[str, Any]:
        """``POST /extract/`` (multipart ``document`` + ``server``); the extract object."""
        if server not in SERVERS:
            raise ValueError(f"server must be one of {', '.join(SERVERS)}, got {server!r}")
        ctype = document_type(filename)
        if ctype is None:
            raise ValueError("Anesya takes PDF, PNG or JPEG documents (.pdf, .png, .jpg)")
        form = aiohttp.FormData()
        form.add_field(
            "document",
            ProgressPayload(data, progress=progress, content_type=ctype),
            filename=filename,
            content_type=ctype,
        )
        form.add_field("server", server)
        if schema is not None:
            form.add_field("schema", schema if isinstance(schema, str) else json.dumps(schema))
        if metadata is not None:
            form.add_field(
                "metadata", metadata if isinstance(metadata, str) else json.dumps(metadata)
            )
        return _as_dict(await self._call("POST", "/extract/", data=form))

    async def get_extract(self, extract_id: str) -> dict[str, Any]:
        """``GET /extract/{id}/``."""
        return _as_dict(await self._call("GET", f"/extract/{quote(extract_id, safe='')}/"))

    async def list_extracts(self) -> Any:
        """``GET /extract/`` (the list's exact shape is unconfirmed: returned as is)."""
        return await self._call("GET", "/extract/")

    async def upload_document(
        self,
        data: bytes,
        filename: str,
        *,
        progress: ProgressCallback | None = None,
    ) -> dict[str, Any]:
        """v0: ``POST /v0/documents`` (multipart ``file``) with ``X-API-Key``."""
        ctype = document_type(filename) or "application/octet-stream"
        form = aiohttp.FormData()
        form.add_field(
            "file",
            ProgressPayload(data, progress=progress, content_type=ctype),
            filename=filename,
            content_type=ctype,
        )
        return _as_dict(await self._call("POST", "/v0/documents", v0=True, data=form))


def _as_dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise VendorError("Anesya", "Anesya answered with something other than an object")
    return value


async def submit(req: SubmitRequest, ctx: SubmitContext) -> str:
    (api_key,) = need(req.vendor, req.credentials, "api_key")
    async with AnesyaClient(api_key, **base_url(req.api_base)) as anesya:
        extract = await anesya.create_extract(
            req.data, req.file_name, progress=ctx.progress, **req.options
        )
    return str(extract.get("id"))


async def fetch_result(task: Task, credentials: dict[str, str], api_base: str | None) -> TaskResult:
    (api_key,) = need(task.vendor, credentials, "api_key")
    async with AnesyaClient(api_key, **base_url(api_base)) as anesya:
        info = await anesya.get_extract(task.task_id)
        return TaskResult("json", "Anesya extract", value=info, status=str(info.get("status", "")))


#: Anesya's webhooks are set up in its dashboard only: nothing to register here.
API = VendorApi("anesya", submit, fetch_result)
