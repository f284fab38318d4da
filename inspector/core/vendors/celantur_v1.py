"""Celantur cloud API v1 (deprecated): file webhooks, parsed leniently.

The docs show the body as ``key=value`` lines inside braces, not JSON; what is really on
the wire is unconfirmed (most likely JSON with the same keys). So: JSON, then
form-encoded, then the documented lines.

v1 takes the webhook URL inside a query parameter of the create call. Sent without
percent-encoding, a URL with ``&`` is cut at the first ``&`` and its tail becomes a
parameter of the API call: the webhook then arrives with part of its query missing.
:meth:`CelanturV1Profile.diagnose` spots that against the endpoint's expected query token.
"""

from __future__ import annotations

import random
import re
from typing import Any
from urllib.parse import parse_qsl

from inspector.core.capture import Capture, Validation
from inspector.core.vendors import celantur_api
from inspector.core.vendors.base import EndpointConfig, ParsedEvent, VendorBody, VendorProfile
from inspector.core.vendors.descriptor import SampleItem, Vendor, json_item, sample_uuid

FIELDS = (
    "customer_id",
    "file_id",
    "file_status",
    "original_link",
    "anonymized_link",
    "binary_mask_link",
    "instance_mask_link",
    "metadata_link",
)
LINK_FIELDS = tuple(f for f in FIELDS if f.endswith("_link"))
_LINK_SET = frozenset(LINK_FIELDS)
FILE_STATUSES = ("new", "queued", "processing", "done", "failed")
# key=value or key="value", separated by newlines or commas, optionally inside braces. A key
# must follow a separator and its quantifier is possessive: without both, a long run of
# letters with no '=' (any text body) makes the search quadratic.
_LINE = re.compile(
    r"""(?:^|(?<=[\s,{;]))["']?([A-Za-z_][A-Za-z0-9_]*+)["']?[ \t]*+="""
    r"""[ \t]*+(?:"([^"]*)"|'([^']*)'|([^,\n}]*))""",
    re.MULTILINE,
)

TRUNCATION_HELP = (
    "The webhook URL was most likely given to Celantur's v1 API without percent-encoding, "
    "so it was cut at its first '&' and the rest became a separate parameter of the API "
    "call. Encode the whole URL: urllib.parse.quote(url, safe='') (or pass it through the "
    "HTTP client's params=)."
)


def parse_lines(text: str) -> dict[str, str]:
    """The documented ``{key=value ...}`` form; quotes around values are dropped."""
    body = text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    found: dict[str, str] = {}
    for m in _LINE.finditer(body):
        value = next((g for g in m.groups()[1:] if g is not None), "")
        found.setdefault(m.group(1), value.strip())
    return found


class CelanturV1Profile(VendorProfile):
    """Celantur API v1 file webhooks (deprecated API, still documented)."""

    id = "celantur-v1"
    title = "Celantur v1"
    events = ("done", "failed")
    token_query = celantur_api.TOKEN_QUERY_NAME

    @staticmethod
    def _fields_of(body: VendorBody, obj: dict[str, Any] | None) -> tuple[dict[str, Any], str]:
        if obj is not None:
            return obj, "json"
        text = body.small_text
        # Every lenient form carries "file_id"/"file_status"/"..._link": without "file_" or
        # "_link" there is nothing to find, and this runs for every capture on every path.
        if "file_" not in text and "_link" not in text:
            return {}, "none"
        stripped = text.strip()
        if stripped and "\n" not in stripped and not stripped.startswith("{"):
            try:
                pairs = parse_qsl(stripped, keep_blank_values=True, strict_parsing=True)
            except ValueError:
                pairs = []
            form = dict(pairs)
            if any(f in form for f in FIELDS):
                return form, "form"
        lines = parse_lines(text)
        if any(f in lines for f in FIELDS):
            return lines, "lines"
        return {}, "none"

    def score(
        self,
        capture: Capture,
        body: VendorBody,
        obj: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> float:
        fields = self._fields_of(body, obj)[0]
        score = 0.0
        if "file_id" in fields:
            score += 0.35
        if fields.get("file_status") in FILE_STATUSES:
            score += 0.3
        elif "file_status" in fields:
            score += 0.15
        score += 0.35 * len(_LINK_SET.intersection(fields)) / len(LINK_FIELDS)
        return min(score, 1.0)

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        fields, how = self._fields_of(body, body.json_object)
        parsed = ParsedEvent()
        if how == "form":
            parsed.notes.append("body is form-encoded, not JSON; parsed leniently")
        elif how == "lines":
            parsed.notes.append("body is not JSON; parsed as the documented {key=value ...} lines")
        elif how == "none":
            if capture.body_bytes.strip():
                parsed.notes.append(
                    "no Celantur v1 fields (file_id, file_status, ..._link) found in the body, "
                    "as JSON, form-encoded or key=value lines"
                )
            return parsed
        if "file_id" not in fields and "file_status" not in fields:
            return parsed
        parsed.event = {"task_id": fields.get("file_id"), "status": fields.get("file_status")}
        for name in LINK_FIELDS:
            value = fields.get(name)
            if isinstance(value, str) and value:
                parsed.links[name] = value
        return parsed

    def diagnose(
        self, capture: Capture, endpoint: EndpointConfig | None, validation: Validation
    ) -> list[str]:
        if endpoint is None:
            return []
        expected = endpoint.query_token_pair()
        if expected is None and endpoint.token:
            expected = (celantur_api.TOKEN_QUERY_NAME, endpoint.token)
        if expected is None:
            return []
        name, value = expected
        try:
            pairs = parse_qsl(capture.query, keep_blank_values=True)
        except ValueError:
            return []
        received = dict(pairs)
        if name not in received and pairs:
            # Other parameters came, ours did not: it stood after an '&' and was cut off.
            return [
                f"the query looks cut at an '&': it has {', '.join(sorted(received))} but not "
                f"{name}. {TRUNCATION_HELP}"
            ]
        if "&" in value and received.get(name) == value.split("&", 1)[0]:
            return [
                f"the query looks cut at an '&': {name} holds only the part of the expected "
                f"value before its '&'. {TRUNCATION_HELP}"
            ]
        return []


def samples(event: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    status = event or "done"
    file_id = sample_uuid(rng)
    base = f"https://api.celantur.com/v1/file/{file_id}"
    body: dict[str, Any] = {
        "customer_id": sample_uuid(rng),
        "file_id": file_id,
        "file_status": status,
    }
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
    return [json_item(body)]


VENDOR = Vendor(
    CelanturV1Profile(),
    default_path="/celantur-v1",
    samples=samples,
    brand=celantur_api.BRAND,
    final_events=celantur_api.FINAL_STATUSES,
    lookalikes=("celantur",),
    generated_secret="query",
    submit=celantur_api.SUBMIT,
)
