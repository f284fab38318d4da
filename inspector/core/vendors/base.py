"""What every vendor profile is: detect, parse, validate, respond; and the body it reads.

A profile is pure code over a :class:`~inspector.core.capture.Capture`. Profiles read the
body through a :class:`VendorBody`, which undoes ``Content-Encoding`` (for parsing only; the
capture keeps the bytes as received), caps the output against decompression bombs, and
parses JSON at most once. The pipeline makes one per capture and hands that one to every
profile it asks, so the JSON is parsed once however many profiles look at it.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from inspector.core.capture import Capture, Validation
from inspector.core.content_encoding import undo_content_encoding
from inspector.core.responses import ResponsePlan, json_response
from inspector.core.validation import SchemeConfig, check_all, public_reason

#: Decoded bodies larger than this are cut (a few KiB of gzip can expand to gigabytes).
MAX_DECODED = 25 * 1024 * 1024

#: Lenient (non-JSON) parsing only looks at bodies up to this size: webhooks are small.
LENIENT_LIMIT = 1024 * 1024
#: Bodies over this size are not parsed as JSON at all: json.loads holds the GIL (a multi-MiB
#: body stalls the event loop; docs/performance.md), and no vendor sends webhooks that big.
PARSE_LIMIT = 1024 * 1024
TOO_LARGE = "too large to parse"

_NO_JSON: Any = object()
_decode_json = json.JSONDecoder().decode
#: First bytes after which json.loads would take bytes for UTF-16/32 or strip a BOM.
_NOT_PLAIN_UTF8 = (b"\x00", b"\xef", b"\xfe", b"\xff")


def _loads(data: bytes) -> Any:
    """``json.loads(data)``, without its encoding detection for the usual UTF-8 body."""
    if data[:1] in _NOT_PLAIN_UTF8 or data[1:2] == b"\x00":
        return json.loads(data)
    # What json.loads does once it has found UTF-8 (surrogatepass included).
    return _decode_json(data.decode("utf-8", "surrogatepass"))


@dataclass(slots=True)
class VendorBody:
    """The body as vendor profiles read it: decoded bytes, text, JSON (or why not).

    Make one with :meth:`of`; the JSON is parsed on first use, at most once.
    """

    decoded: bytes
    #: Notes about decoding (unknown encoding, cut at the cap, corrupt gzip).
    decode_notes: list[str] = field(default_factory=list)
    _json: Any = _NO_JSON
    _json_error: str | None = None
    _json_done: bool = False
    _text: str | None = None

    @classmethod
    def of(cls, capture: Capture) -> VendorBody:
        """The capture's body with its ``Content-Encoding`` undone (capped)."""
        decoded, notes = _decode(capture.body_bytes, capture.header("Content-Encoding"))
        return cls(decoded, notes)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.decoded.decode("utf-8", "replace")
        return self._text

    @property
    def small_text(self) -> str:
        """The text when the body is small enough for lenient, regex-based parsing."""
        return self.text if len(self.decoded) <= LENIENT_LIMIT else ""

    def _parse(self) -> None:
        if self._json_done:
            return
        self._json_done = True
        decoded = self.decoded
        if not decoded or decoded.isspace():
            self._json_error = "body is empty"
            return
        if len(decoded) > PARSE_LIMIT:
            self._json_error = TOO_LARGE
            return
        try:
            self._json = _loads(decoded)
        except json.JSONDecodeError as exc:
            self._json_error = (
                f"{exc.msg.removesuffix(' at')} at line {exc.lineno} column {exc.colno}"
            )
        except UnicodeDecodeError:
            self._json_error = "it is not valid UTF-8"
        except RecursionError:
            self._json_error = "it is nested too deeply"
        except ValueError as exc:  # e.g. an integer with too many digits
            self._json_error = str(exc)

    # Each asks _json_done itself: profiles read these for every capture.
    @property
    def json(self) -> Any:
        """The parsed JSON value, or :data:`_NO_JSON` (test with :meth:`has_json`)."""
        if not self._json_done:
            self._parse()
        return self._json

    @property
    def has_json(self) -> bool:
        if not self._json_done:
            self._parse()
        return self._json is not _NO_JSON

    @property
    def json_object(self) -> dict[str, Any] | None:
        """The JSON value when it is an object, else None."""
        if not self._json_done:
            self._parse()
        value = self._json
        return value if isinstance(value, dict) else None

    @property
    def json_error(self) -> str | None:
        if not self._json_done:
            self._parse()
        return self._json_error

    def json_error_note(self) -> str | None:
        """``body is not valid JSON: ... at line 1 column N`` plus a hint for curly quotes."""
        error = self.json_error
        if error is None or error == "body is empty":
            return None
        if error == TOO_LARGE:
            return f"body is over {PARSE_LIMIT // (1024 * 1024)} MiB: its task and status were not read"
        note = f"body is not valid JSON: {error}"
        text = self.text
        for quote in ("\u201d", "\u201c", "\u2019", "\u2018"):
            pos = text.find(quote)
            if pos >= 0:
                line = text.count("\n", 0, pos) + 1
                col = pos - (text.rfind("\n", 0, pos) + 1) + 1
                note += (
                    f". It contains a typographic quote ({quote}) at line {line} column {col}; "
                    "JSON strings need straight quotes (\"). Celantur's documentation sample "
                    "ends its anonymized_url this way, so a copy-paste of it is not JSON."
                )
                break
        return note


def _decode(body: bytes, encoding: str | None) -> tuple[bytes, list[str]]:
    if encoding is None:  # nearly every webhook
        return body, []
    undone = undo_content_encoding(body, encoding, MAX_DECODED)
    if undone.unsupported:
        return body, [
            f"Content-Encoding {undone.unsupported} is not decoded; parsing the raw bytes"
        ]
    if undone.failed:
        coding = undone.failed
        return body, [f"body says Content-Encoding {coding} but does not decode as {coding}"]
    if undone.capped:
        return undone.data, [
            f"decoded body is larger than {MAX_DECODED // (1024 * 1024)} MiB; "
            "only the first part is parsed"
        ]
    return undone.data, []


def text_fields(text: str, names: tuple[str, ...]) -> dict[str, Any]:
    """Recover ``"name": value`` pairs from text that is almost JSON (numbers stay ints)."""
    found: dict[str, Any] = {}
    for name in names:
        m = re.search(rf'"{re.escape(name)}"\s*:\s*(?:"([^"\u201c\u201d]*)|(-?\d+))', text)
        if m:
            found[name] = m.group(1) if m.group(1) is not None else int(m.group(2))
    return found


class EndpointConfig(Protocol):
    """What a profile reads of an endpoint (:class:`inspector.core.endpoints.Endpoint`)."""

    @property
    def token(self) -> str | None: ...

    @property
    def secret(self) -> str | None: ...

    @property
    def scheme(self) -> str | None: ...

    @property
    def header(self) -> str | None: ...

    @property
    def encoding(self) -> str: ...

    @property
    def prefix(self) -> str: ...

    @property
    def public_key(self) -> str | None: ...

    def query_token_pair(self) -> tuple[str, str] | None: ...


@dataclass(slots=True)
class ParsedEvent:
    """A vendor's reading of a capture.

    ``event`` is the capture's ``event`` object (``task_id`` plus ``status`` or ``event``), or None when nothing was recognised; ``links`` are URLs worth opening
    (e.g. ``anonymized_url``); ``notes`` are for people to read.
    """

    event: dict[str, Any] | None = None
    links: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def task_id(self) -> Any:
        return None if self.event is None else self.event.get("task_id")


#: What a capture of no known vendor reads as; shared, so never to be changed.
NOTHING_PARSED = ParsedEvent()


class VendorProfile(ABC):
    """One vendor: how to recognise, read, check and answer its webhooks.

    Subclasses set :attr:`id`, :attr:`title`, :attr:`events` (names ``simulate`` accepts)
    and where the vendor sends the endpoint's shared token: :attr:`token_header`, or
    :attr:`token_query` for a vendor that sends no header.
    """

    id: str = ""
    title: str = ""
    events: tuple[str, ...] = ()
    token_header: str | None = None
    #: Query parameter an endpoint's plain ``token`` is checked in, for a vendor that sends
    #: no token header (the user puts it in the webhook URL), unless the endpoint names
    #: another parameter with ``query_token``.
    token_query: str | None = None
    #: The token header is the endpoint's own choice (its ``header``), not the vendor's
    #: (:meth:`token_header_for` says which).
    token_header_configurable: bool = False
    #: The profile of senders without one of their own: never a guess on its own, and it
    #: does not explain why a body is not JSON (the pipeline does).
    fallback: bool = False
    #: A note for this vendor's webhook on a path with no endpoint (answered by default).
    unmatched_note: str | None = None
    #: What the vendor's own signature needs from the endpoint: its ``secret`` (no scheme
    #: to choose), its ``public_key``, or None (checked by the endpoint's scheme only).
    credential: Literal["secret", "public-key"] | None = None
    #: the header of the vendor's own signature, for people ("" when it has none)
    signature_header: str = ""
    #: Lower-cased header names of which the vendor always sends one: when set, detection
    #: asks :meth:`score` only about requests that carry one of them (the registry indexes
    #: them), so a vendor added costs next to nothing on every other request.
    detect_headers: tuple[str, ...] = ()

    def check_credential(self, value: str) -> None:
        """ValueError with a sentence when ``value`` cannot be this vendor's credential."""
        return None

    def detect(self, capture: Capture) -> float:
        """How likely this capture is this vendor's, 0..1 (0.5 and above: a fair guess)."""
        body = VendorBody.of(capture)
        return self.score(capture, body, body.json_object, capture.header_map())

    @abstractmethod
    def score(
        self,
        capture: Capture,
        body: VendorBody,
        obj: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> float:
        """:meth:`detect`, given what every profile reads: the body, its JSON object (None
        when it is not one) and the first value of each header by lower-cased name.

        :func:`~inspector.core.vendors.detect_vendor` asks every profile about every
        capture on a path with no endpoint, a flood included: it reads these once for all.
        """

    @abstractmethod
    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        """The vendor's meaning of the capture (``body`` is its :class:`VendorBody`);
        never raises."""

    def token_header_for(self, endpoint: EndpointConfig) -> str | None:
        """Header the endpoint's ``token`` is expected in, or None when not a header."""
        return self.token_header

    def checks(self, endpoint: EndpointConfig) -> list[SchemeConfig]:
        """The checks an endpoint asks for: query token, shared token, signature scheme."""
        out: list[SchemeConfig] = []
        pair = endpoint.query_token_pair()
        if pair is not None:
            out.append(SchemeConfig("query-token", pair[1], query_name=pair[0]))
        elif self.token_query and endpoint.token:
            out.append(SchemeConfig("query-token", endpoint.token, query_name=self.token_query))
        scheme = endpoint.scheme
        header = self.token_header_for(endpoint)
        if endpoint.token and header and scheme != "token-header":
            out.append(SchemeConfig("token-header", endpoint.token, header=header))
        if scheme and scheme != "query-token":
            secret = endpoint.secret or endpoint.token or ""
            out.append(
                SchemeConfig(
                    scheme,
                    secret,
                    header=endpoint.header or (header if scheme == "token-header" else None),
                    encoding="base64" if endpoint.encoding == "base64" else "hex",
                    prefix=endpoint.prefix,
                )
            )
        return out

    def validate(
        self, capture: Capture, endpoint: EndpointConfig, *, now: float | None = None
    ) -> Validation:
        """Check the endpoint's token/signature over the raw bytes as received."""
        return check_all(
            self.checks(endpoint), capture.headers, capture.query, capture.body_bytes, now=now
        )

    def respond(
        self,
        capture: Capture,
        endpoint: EndpointConfig | None,
        validation: Validation,
        parsed: ParsedEvent,
    ) -> ResponsePlan:
        """The answer the vendor expects: 401 with a reason when rejected, else 200."""
        if validation.result in ("invalid", "missing"):
            return reject(validation)
        return json_response(200, {"ok": True})

    def rule_note(self, plan: ResponsePlan, parsed: ParsedEvent) -> str | None:
        """Why ``plan``, the answer to a webhook that passed its checks once an endpoint's
        response rule changed it, is one this vendor does not accept; None when it is fine."""
        return None

    def diagnose(
        self, capture: Capture, endpoint: EndpointConfig | None, validation: Validation
    ) -> list[str]:
        """Integration mistakes worth a note; by default, a token that nobody checks."""
        if (
            endpoint is not None
            and self.token_header
            and validation.result == "unchecked"
            and capture.header(self.token_header) is not None
        ):
            return [
                f"the request carries {self.token_header} but the endpoint has no token, so it "
                "was not checked; set the endpoint's token to validate it"
            ]
        return []


def reject(validation: Validation) -> ResponsePlan:
    """``401 {"error": "<short reason>"}``; never the computed signature (see validation)."""
    return json_response(401, {"error": public_reason(validation)})
