"""A simulation of Celantur's cloud API (v2 and the deprecated v1), per docs/vendors.md: the
sandbox's (``submit --sandbox``) and the tests' stand-in for the real API.

Serves on 127.0.0.1 (``await CelanturSim().start()`` returns the base URL):

* ``POST /v2/signin[/]`` and ``POST /v1/signin``: JSON username/password, answers
  ``{"AccessToken", "ExpiresIn"}`` (or the older ``{"AuthenticationResult": {...}}`` shape).
* Every API call wants ``Authorization: <AccessToken>``, raw: a ``Bearer `` prefix gets 401,
  as the real API would (it would look up the whole string as a token).
* ``POST /v2/task/`` (JSON body, read whatever the Content-Type), ``GET /v2/task/{id}`` and
  ``/status``; the answer's ``upload_url`` is a "presigned" ``PUT /upload/{id}?...`` on this
  same server whose query must arrive byte for byte as issued (the signature covers it) and
  which refuses an ``Authorization`` header like S3 does.
* ``POST /v1/file?method=...&webhook=...`` with the raw image; ``GET /v1/file/{id}/status``,
  ``/anonymized``, ``/original``; ``GET /v1/list``.

Uploads start processing (``queued`` -> ``processing`` -> ``done``, one step every
``step_delay`` seconds); a file that is neither JPEG nor PNG fails with ``failure_cause``
``CONTENT_TYPE_ERROR``. When a task ends, the webhook is POSTed and the delivery recorded.

Switches for what no public source confirms: ``webhook_on_failed``, ``v1_webhook_body``
(``json`` | ``form`` | ``keyvalue``), ``strict_https``, ``signin_shape``, the wording of our
own error messages, and what a failed-task webhook carries (here ``failure_cause``).
Failure injection: ``failures={"create_task": 402}`` or :meth:`CelanturSim.fail_next`.
Request recording, start/stop, webhook posting and failure injection come from
:mod:`.common`.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

from aiohttp import web
from yarl import URL

from .common import (
    RECORDED,
    Delivery,
    FailureInjection,
    RecordedRequest,
    SimServer,
    can_fail,
    is_image,
    signed_in,
)

V2_PARAMS = frozenset(
    {
        "anonymization_method",
        "face",
        "license-plate",
        "license_plate",
        "person",
        "vehicle",
        "debug",
        "score",
        "format",
        "bbox",
        "ignores",
        "webhook",
    }
)
V1_PARAMS = frozenset(
    {"method", "face", "license-plate", "license_plate", "person", "vehicle", "name", "webhook"}
    | {"debug", "score", "format"}
)
METHODS = ("blur", "pixelate", "blacken")
TARGETS = ("face", "license-plate", "license_plate", "person", "vehicle")
ERROR_TEXT = {
    402: "Payment required. Your account has no credits left.",
    413: "Payload too large.",
    429: "Too many requests.",
}


@dataclass
class Task:
    """A v2 task or a v1 file, as the simulation tracks it."""

    task_id: int
    customer_id: str
    api: Literal["v1", "v2"]
    params: dict[str, Any]
    webhook: str | None
    upload_query: str = ""
    status: str = "new"
    webhook_status: str = "empty"
    failure_cause: str | None = None
    image: bytes | None = None
    history: list[str] = field(default_factory=list)
    #: v1 only: the raw query of the upload and parameters that are not Celantur's.
    raw_query: str = ""
    extra_params: dict[str, str] = field(default_factory=dict)
    name: str = ""

    @property
    def webhook_looks_truncated(self) -> bool:
        """True when unknown parameters arrived: the webhook URL was sent unencoded."""
        return bool(self.extra_params)


class CelanturSim(FailureInjection, SimServer[Delivery]):
    """Celantur's API on 127.0.0.1, with recorded requests and webhook deliveries."""

    def __init__(
        self,
        *,
        users: dict[str, str] | None = None,
        token_lifetime: float = 3600.0,
        step_delay: float = 0.05,
        webhook_on_failed: bool = True,
        v1_webhook_body: Literal["json", "form", "keyvalue"] = "json",
        strict_https: bool = False,
        signin_shape: Literal["top", "nested"] = "top",
        v1_max_bytes: int = 4_450_000,
        failures: dict[str, int] | None = None,
    ) -> None:
        super().__init__()
        self.users = users if users is not None else {"user@example.com": "s3cret-pass"}
        self.token_lifetime = token_lifetime
        self.step_delay = step_delay
        self.webhook_on_failed = webhook_on_failed
        self.v1_webhook_body = v1_webhook_body
        self.strict_https = strict_https
        self.signin_shape = signin_shape
        self.v1_max_bytes = v1_max_bytes
        # failures: call name -> status answered every time (signin, create_task, upload,
        # status, v1_file)
        self._init_failures(failures)
        self.tasks: dict[int, Task] = {}
        self.aborted_uploads = 0
        self.upload_requests: list[RecordedRequest] = []
        self.signins = 0
        self._tokens: dict[str, tuple[str, float]] = {}
        self._customers: dict[str, str] = {}
        self._next_id = int(time.time() * 1_000_000)

    # -- routes ------------------------------------------------------------------------------
    def _add_routes(self, r: web.UrlDispatcher) -> None:
        for path in ("/v2/signin", "/v2/signin/", "/v1/signin"):
            r.add_post(path, self._signin)
        r.add_post("/v2/task/", self._create_task)
        r.add_post("/v2/task", self._create_task)
        r.add_get("/v2/task/{id}", self._get_task)
        r.add_get("/v2/task/{id}/status", self._get_task)
        r.add_put("/upload/{id}", self._upload)
        r.add_get("/results/{id}/{name}", self._result)
        r.add_post("/v1/file", self._v1_file)
        r.add_get("/v1/file/{id}/{what}", self._v1_get)
        r.add_get("/v1/list", self._v1_list)

    # -- helpers for tests -----------------------------------------------------------------
    def expire_tokens(self) -> None:
        """Every token issued so far is now expired."""
        self._tokens = {t: (user, 0.0) for t, (user, _) in self._tokens.items()}

    def api_requests(self) -> list[RecordedRequest]:
        """Requests to the API proper (not the presigned upload/result URLs)."""
        return [r for r in self.requests if r.path.startswith(("/v1/", "/v2/"))]

    # -- plumbing ----------------------------------------------------------------------------
    @staticmethod
    def _error(status: int, message: str) -> web.Response:
        return web.json_response({"status_code": status, "error": message}, status=status)

    def _injected(self, call: str) -> web.Response | None:
        status = self._failure(call)
        if status is None:
            return None
        return self._error(status, ERROR_TEXT.get(status, "Error."))

    def _authenticate(self, request: web.Request) -> str | web.Response:
        """The user whose access token is the whole ``Authorization`` header."""
        value = request.headers.get("Authorization")
        if not value:
            return self._error(401, "Unauthorized")
        # The raw token is the whole header: "Bearer xyz" is simply an unknown token.
        entry = self._tokens.get(value)
        if entry is None:
            return self._error(401, "Unauthorized")
        user, expires = entry
        if time.monotonic() >= expires:
            return self._error(401, "The incoming token has expired")
        return user

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _sig_query(self, expires: int) -> str:
        # Shaped like an S3 presigned query, with %-escapes a client must not re-encode.
        return urlencode(
            {
                "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                "X-Amz-Credential": "AKIAEXAMPLE/20250101/eu-central-1/s3/aws4_request",
                "X-Amz-Expires": str(expires),
                "X-Amz-Signature": secrets.token_hex(32),
            }
        )

    # -- sign in -----------------------------------------------------------------------------
    @can_fail("signin")
    async def _signin(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
            username, password = body["username"], body["password"]
        except (ValueError, KeyError, TypeError):
            return self._error(400, "username and password are required.")
        if self.users.get(username) != password:
            return self._error(401, "Incorrect username or password.")
        self.signins += 1
        token = "eyJ" + secrets.token_urlsafe(48)
        self._tokens[token] = (username, time.monotonic() + self.token_lifetime)
        self._customers.setdefault(username, str(uuid.uuid4()))
        result = {"AccessToken": token, "ExpiresIn": self.token_lifetime, "TokenType": "Bearer"}
        if self.signin_shape == "nested":
            return web.json_response({"AuthenticationResult": result})
        return web.json_response(result)

    # -- v2 ----------------------------------------------------------------------------------
    def _check_webhook(self, url: str) -> str | None:
        parsed = URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            return "The webhook must be an http(s) URL."
        if self.strict_https and parsed.scheme != "https":
            return "The webhook must be an https URL."
        return None

    @signed_in(fail_as="create_task")
    async def _create_task(self, request: web.Request, user: str) -> web.Response:
        raw = await request.read()
        request[RECORDED].body = raw
        try:
            params = json.loads(raw)  # official clients send no Content-Type: ignore it
        except ValueError:
            return self._error(400, "Could not create task. The body is not valid JSON.")
        if not isinstance(params, dict):
            return self._error(400, "Could not create task. The body must be a JSON object.")
        for name in params:
            if name not in V2_PARAMS:
                return self._error(
                    400,
                    f"Could not create task. {name} parameter caused an error. "
                    "This parameter does not exist.",
                )
        if params.get("anonymization_method") not in METHODS:
            return self._error(
                400,
                "Could not create task. anonymization_method parameter caused an error. "
                f"It must be one of {', '.join(METHODS)}.",
            )
        if not any(params.get(t) is True for t in TARGETS):
            return self._error(
                400,
                "Could not create task. At least one of face, license-plate, person, "
                "vehicle must be true.",
            )
        webhook = params.get("webhook")
        if webhook is not None:
            problem = self._check_webhook(str(webhook))
            if problem:
                return self._error(
                    400, f"Could not create task. webhook parameter caused an error. {problem}"
                )
        task = Task(
            task_id=self._new_id(),
            customer_id=self._customers[user],
            api="v2",
            params=params,
            webhook=str(webhook) if webhook else None,
            upload_query=self._sig_query(3600),
            webhook_status="set" if webhook else "empty",
        )
        task.history.append("new")
        self.tasks[task.task_id] = task
        upload_url = f"{self.base_url}/upload/{task.task_id}?{task.upload_query}"
        return web.json_response(
            {"task_id": task.task_id, "upload_url": upload_url, "task_status": "new"}
        )

    def _task_for(self, request: web.Request, user: str, api: str) -> Task | None:
        try:
            task = self.tasks.get(int(request.match_info["id"]))
        except ValueError:
            return None
        if task is None or task.api != api or task.customer_id != self._customers.get(user):
            return None
        return task

    def _task_json(self, task: Task) -> dict[str, Any]:
        out: dict[str, Any] = {
            "task_id": task.task_id,
            "task_status": task.status,
            "webhook": task.webhook,
            "webhook_status": task.webhook_status,
            "failure_cause": task.failure_cause,
        }
        if task.status == "done":
            out["anonymized_url"] = self._result_url(task, "anonymized.jpg")
        return out

    @signed_in(fail_as="status")
    async def _get_task(self, request: web.Request, user: str) -> web.Response:
        task = self._task_for(request, user, "v2")
        if task is None:
            return self._error(404, "Task not found.")
        return web.json_response(self._task_json(task))

    async def _upload(self, request: web.Request) -> web.Response:
        task = self.tasks.get(int(request.match_info.get("id", "0") or 0))
        if task is None or task.api != "v2":
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        if request.raw_path.partition("?")[2] != task.upload_query:
            return _s3_error(
                403, "SignatureDoesNotMatch", "The request signature we calculated does not match."
            )
        if "Authorization" in request.headers:
            return _s3_error(
                400,
                "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm "
                "query parameter should be specified.",
            )
        injected = self._injected("upload")
        if injected is not None:
            return _s3_error(injected.status, "InjectedFailure", "Injected failure.")
        try:
            data = await request.read()
        except BaseException:
            # The client hung up or was cancelled mid-body: no object, no processing.
            self.aborted_uploads += 1
            raise
        self.upload_requests.append(request[RECORDED])
        task.image = data
        self._spawn(self._process(task), f"celantur-task-{task.task_id}")
        return web.Response(status=200, headers={"ETag": '"' + secrets.token_hex(16) + '"'})

    def _result_url(self, task: Task, name: str) -> str:
        return f"{self.base_url}/results/{task.task_id}/{name}?{self._sig_query(14400)}"

    async def _result(self, request: web.Request) -> web.Response:
        task = self.tasks.get(int(request.match_info["id"]))
        if task is None or task.image is None or task.status != "done":
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        return web.Response(body=task.image, content_type="image/jpeg")

    # -- processing and webhooks -------------------------------------------------------------
    async def _process(self, task: Task) -> None:
        assert task.image is not None
        if not is_image(task.image):
            await asyncio.sleep(self.step_delay)
            task.status, task.failure_cause = "failed", "CONTENT_TYPE_ERROR"
            task.history.append("failed")
            if self.webhook_on_failed:
                await self._notify(task)
            return
        for status in ("queued", "processing", "done"):
            await asyncio.sleep(self.step_delay)
            task.status = status
            task.history.append(status)
        await self._notify(task)

    def _webhook_body(self, task: Task) -> tuple[bytes, str]:
        if task.api == "v2":
            body: dict[str, Any] = {
                "customer_id": task.customer_id,
                "task_id": task.task_id,
                "task_status": task.status,
            }
            if task.status == "done":
                body["anonymized_url"] = self._result_url(task, "anonymized.jpg")
            else:
                body["failure_cause"] = task.failure_cause
            return json.dumps(body).encode(), "application/json"
        fields: dict[str, Any] = {
            "customer_id": task.customer_id,
            "file_id": task.task_id,
            "file_status": task.status,
        }
        if task.status == "done":
            base = f"{self.base_url}/v1/file/{task.task_id}"
            fields.update(
                original_link=f"{base}/original",
                anonymized_link=f"{base}/anonymized",
                binary_mask_link=f"{base}/binary-mask",
                instance_mask_link=f"{base}/instance-mask",
                metadata_link=f"{base}/metadata",
            )
        if self.v1_webhook_body == "json":
            return json.dumps(fields).encode(), "application/json"
        if self.v1_webhook_body == "form":
            return urlencode(fields).encode(), "application/x-www-form-urlencoded"
        lines = [f'{k}="{v}"' if k == "file_status" else f"{k}={v}" for k, v in fields.items()]
        return ("{\n" + "\n".join(lines) + "\n}").encode(), "text/plain"

    async def _notify(self, task: Task) -> None:
        if task.webhook is None or self._session is None:
            return
        body, ctype = self._webhook_body(task)
        delivery = Delivery(task.webhook, {"Content-Type": ctype}, body)
        await self._post_webhook(delivery)
        task.webhook_status = "sent" if delivery.succeeded else "failed"
        self._record_delivery(delivery)

    # -- v1 ----------------------------------------------------------------------------------
    @signed_in(fail_as="v1_file")
    async def _v1_file(self, request: web.Request, user: str) -> web.Response:
        if (request.content_length or 0) > self.v1_max_bytes:
            return self._error(413, "File too large. The limit is 4.45 MB.")
        data = await request.read()
        if len(data) > self.v1_max_bytes:
            return self._error(413, "File too large. The limit is 4.45 MB.")
        raw_query = request.raw_path.partition("?")[2]
        # How a typical web framework reads the query: split on '&', then decode each part.
        pairs = parse_qsl(raw_query, keep_blank_values=True)
        params = dict(pairs)
        method = params.get("method", "")
        if method not in METHODS:
            return self._error(
                400,
                "Could not upload file. method parameter caused an error. "
                f"It must be one of {', '.join(METHODS)}.",
            )
        webhook = params.get("webhook") or None
        task = Task(
            task_id=self._new_id(),
            customer_id=self._customers[user],
            api="v1",
            params=params,
            webhook=webhook,
            webhook_status="set" if webhook else "empty",
            raw_query=raw_query,
            extra_params={k: v for k, v in pairs if k not in V1_PARAMS},
            name=params.get("name", ""),
            image=data,
            status="queued",
        )
        task.history.append("queued")
        self.tasks[task.task_id] = task
        self._spawn(self._process_v1(task), f"celantur-v1-file-{task.task_id}")
        return web.json_response(
            {
                "file_id": task.task_id,
                "file_status": task.status,
                "name": task.name,
                "webhook": webhook or "",
                "webhook_status": task.webhook_status,
            }
        )

    async def _process_v1(self, task: Task) -> None:
        assert task.image is not None
        await asyncio.sleep(self.step_delay)
        if not is_image(task.image):
            task.status, task.failure_cause = "failed", "CONTENT_TYPE_ERROR"
            task.history.append("failed")
            if self.webhook_on_failed:
                await self._notify(task)
            return
        for status in ("processing", "done"):
            task.status = status
            task.history.append(status)
            await asyncio.sleep(self.step_delay)
        await self._notify(task)

    @signed_in()
    async def _v1_get(self, request: web.Request, user: str) -> web.Response:
        task = self._task_for(request, user, "v1")
        if task is None:
            return self._error(404, "File not found.")
        what = request.match_info["what"]
        if what == "status":
            return web.json_response(
                {
                    "file_id": task.task_id,
                    "file_status": task.status,
                    "webhook": task.webhook or "",
                    "webhook_status": task.webhook_status,
                }
            )
        if what in ("original", "anonymized") and task.image is not None:
            if what == "anonymized" and task.status != "done":
                return self._error(404, "The file is not processed yet.")
            return web.Response(body=task.image, content_type="image/jpeg")
        if what == "metadata" and task.status == "done":
            return web.json_response({"file_id": task.task_id, "detections": []})
        return self._error(404, "Not found.")

    @signed_in()
    async def _v1_list(self, request: web.Request, user: str) -> web.Response:
        mine = [
            {"file_id": t.task_id, "name": t.name, "file_status": t.status}
            for t in self.tasks.values()
            if t.api == "v1" and t.customer_id == self._customers.get(user)
        ]
        return web.json_response(mine)


def _s3_error(status: int, code: str, message: str) -> web.Response:
    body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return web.Response(status=status, text=body, content_type="application/xml")
