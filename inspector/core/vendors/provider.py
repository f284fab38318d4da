"""What every provider preset shares: a vendor that signs its webhooks its own way.

A provider (Stripe, Slack, Twilio, Discord...; docs/providers.md) is a vendor whose
endpoint needs only its secret (``endpoint add PATH --vendor slack --secret S``) or its
public key (``--public-key K``): the provider's profile knows the headers, what is signed
and the tolerance. :class:`ProviderProfile` runs the endpoint's other checks (a query
token, a scheme of its own choosing) and then the provider's :meth:`~ProviderProfile.verify`,
and answers the provider's challenges (:meth:`~ProviderProfile.answer`) only once the
request passed. Each profile also signs as its provider does (:meth:`~ProviderProfile.sign`),
for ``simulate``, re-signing an edited request and the tests.

The explanation of a failure says what was expected and what was computed over which
bytes; never the secret (docs/decisions.md, "What the sender is told").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from abc import abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qsl

from inspector.core.capture import Capture, Headers, Validation, header_get
from inspector.core.responses import ResponsePlan, json_response
from inspector.core.validation.helpers import (
    clock,
    find_other_bytes,
    format_seconds,
    missing_header,
    safe_equal,
)
from inspector.core.vendors.base import (
    EndpointConfig,
    ParsedEvent,
    VendorBody,
    VendorProfile,
    reject,
)


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """What a provider's signature covers: headers, raw body, raw query, and the URL the
    sender called (None when it cannot be known), with how that URL was found."""

    headers: Headers
    body: bytes
    query: str = ""
    url: str | None = None
    url_source: str = ""

    @classmethod
    def of(cls, capture: Capture) -> SignedRequest:
        url = capture.called_url()
        if url is None:
            source = "no Host header, so the URL the sender called is not known"
        elif capture.via == "tunnel":
            source = (
                "the public URL, from the tunnel's X-Forwarded-Proto and the Host header "
                "(or the tunnel's known public URL)"
            )
        else:
            source = "a local request: http and its Host header"
        return cls(list(capture.headers), capture.body_bytes, capture.query, url, source)

    def header(self, name: str) -> str | None:
        value = header_get(self.headers, name)
        return None if value is None else value.strip()

    def form(self) -> list[tuple[str, str]]:
        """The body's ``application/x-www-form-urlencoded`` pairs (empty when not a form)."""
        try:
            return parse_qsl(self.body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return []


# -- shared pieces of the providers' checks ---------------------------------------------


def mac(key: bytes, data: bytes, digest: str = "sha256") -> bytes:
    return hmac.new(key, data, getattr(hashlib, digest)).digest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes | None:
    """Standard base64 (padding optional), or None when it is not base64."""
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def any_equal(computed: str, received: list[str], *, lower: bool = False) -> bool:
    """Whether one of the received signatures is the computed one (constant time each)."""
    if lower:
        computed = computed.lower()
        received = [r.lower() for r in received]
    return any(safe_equal(computed, r) for r in received)


def stale_line(what: str, ts: float, now: float, tolerance_s: float) -> str | None:
    """Why a timestamp is outside the tolerance, or None when it is within."""
    delta = now - ts
    if abs(delta) <= tolerance_s:
        return None
    direction = "older than" if delta > 0 else "ahead of"
    return (
        f"The {what} is {format_seconds(delta)} {direction} this machine's clock; "
        f"{'the tolerance is ' + format_seconds(tolerance_s)}. A replayed old message, "
        "or a clock that is off."
    )


def parse_int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def parse_rfc3339(text: str) -> float | None:
    """Unix seconds of an RFC 3339 time (Twitch's ``2023-01-01T12:00:00.123456789Z``)."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    head, dot, rest = value.partition(".")
    if dot:  # Python reads at most 6 fraction digits
        digits = len(rest) - len(rest.lstrip("0123456789"))
        rest = rest[: min(digits, 6)] + rest[digits:]
        value = f"{head}.{rest}"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def verdict(
    scheme: str,
    header: str,
    matched: bool,
    *,
    computed: str,
    received: str,
    signed: str,
    body: bytes,
    stale: str | None = None,
    other: str | None = None,
    hint: str = "",
    key_pair: bool = False,
) -> Validation:
    """The verdict of one signature: valid, a stale timestamp, or a mismatch explained.

    ``signed`` says over which bytes (``'v0:<timestamp>:<body>'``); ``other`` names other
    bytes the received signature does match (:func:`find_other_bytes`); ``hint`` is the
    provider's usual cause of a mismatch. ``key_pair``: ``computed`` names the check made
    with a public key ("The Ed25519 signature, checked with the endpoint's public key,").
    """
    if matched and stale is None:
        return Validation("valid", scheme, f"{header} matches")
    if matched:
        return Validation(
            "invalid",
            scheme,
            f"timestamp outside tolerance\n{stale}\nThe signature itself matches.",
        )
    lines = ["signature mismatch" if stale is None else "timestamp outside tolerance"]
    if stale:
        lines.append(stale)
    if key_pair:  # nothing to compute: the public key verifies the signature or not
        lines.append(f"{computed} does not verify over {signed} ({len(body)} body bytes received);")
    else:
        lines.append(f"Computed {computed} over {signed} ({len(body)} body bytes received);")
    lines.append(f"the request's {header} carries {received}.")
    if other:
        lines.append(
            f"The signature matches {other}: the sender signed different bytes than it sent "
            "(or something between them re-encoded the body)."
        )
    else:
        lines.append(
            hint
            or "Either the body was changed after signing, or the endpoint's secret is not "
            "the provider's."
        )
    return Validation("invalid", scheme, "\n".join(lines))


def other_bytes(body: bytes, matches: Any) -> str | None:
    """:func:`find_other_bytes`, for the providers' own signature functions."""
    return find_other_bytes(body, matches)


def missing(scheme: str, header: str, request: SignedRequest, extra: str = "") -> Validation:
    return missing_header(scheme, header, request.headers, extra)


def malformed(scheme: str, what: str, why: str) -> Validation:
    return Validation("invalid", scheme, f"malformed {what}\n{why}")


def no_url(scheme: str, request: SignedRequest) -> Validation:
    return Validation(
        "invalid",
        scheme,
        "URL the sender called is not known\n"
        f"This provider signs the URL it called, but {request.url_source}.",
    )


# -- the profile ------------------------------------------------------------------------


class ProviderProfile(VendorProfile):
    """A provider that signs with its own scheme, from the endpoint's secret or public key.

    Subclasses set :attr:`id`, :attr:`title`, :attr:`events`, :attr:`signature_header`
    (shown in the endpoints panel), :attr:`detect_headers` (lower-case names only this
    provider sends: any one is a strong guess; a provider recognised by its body instead
    leaves it empty and overrides :meth:`score`) and implement :meth:`parse`,
    :meth:`verify` and :meth:`sign`.
    """

    credential: Literal["secret", "public-key"] | None = "secret"

    def score(
        self,
        capture: Capture,
        body: VendorBody,
        obj: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> float:
        # Reached only for a request carrying one of detect_headers (the registry indexes
        # them; docs/performance.md): the header names it says.
        return 0.0 if headers.keys().isdisjoint(self.detect_headers) else 0.9

    def endpoint_credential(self, endpoint: EndpointConfig) -> str | None:
        """The endpoint's secret or public key, as this provider needs; None when unset."""
        value = endpoint.public_key if self.credential == "public-key" else endpoint.secret
        return value or None

    @abstractmethod
    def verify(self, request: SignedRequest, credential: str, now: float) -> Validation:
        """The provider's check of ``request`` with the endpoint's credential."""

    @abstractmethod
    def sign(self, request: SignedRequest, credential: str, timestamp: int, msg_id: str) -> Headers:
        """The headers the provider adds to ``request`` (signed with ``credential``; for a
        key-pair provider that is the private key, see :attr:`sample_key`)."""

    def sign_body(self, body: bytes, credential: str) -> bytes:
        """The body as sent, for a provider that signs inside it (Mailgun); else as is."""
        return body

    #: For a key-pair provider: a private key to sign samples with (its public key is
    #: :meth:`sample_public_key`); the provider's real private key is never ours.
    sample_key: str = ""

    def sample_public_key(self) -> str:
        """The public key that verifies what :attr:`sample_key` signs ("" without one)."""
        return ""

    def signing_credential(self, endpoint: EndpointConfig) -> str | None:
        """What :meth:`sign` signs the endpoint's samples with: its secret, or for a key
        pair the sample private key (which verifies only with the sample public key)."""
        if self.credential == "public-key":
            return self.sample_key or None
        return self.endpoint_credential(endpoint)

    def validate(
        self, capture: Capture, endpoint: EndpointConfig, *, now: float | None = None
    ) -> Validation:
        base = super().validate(capture, endpoint, now=now)
        credential = self.endpoint_credential(endpoint)
        if credential is None or base.result in ("invalid", "missing"):
            return base
        own = self.verify(SignedRequest.of(capture), credential, clock(now))
        if base.result == "valid" and own.result == "valid":
            return Validation("valid", own.scheme, f"{own.detail}\n{base.detail}")
        return own

    def respond(
        self,
        capture: Capture,
        endpoint: EndpointConfig | None,
        validation: Validation,
        parsed: ParsedEvent,
    ) -> ResponsePlan:
        if validation.result in ("invalid", "missing"):
            return reject(validation)
        return self.answer(capture, endpoint, parsed)

    def answer(
        self, capture: Capture, endpoint: EndpointConfig | None, parsed: ParsedEvent
    ) -> ResponsePlan:
        """The answer to a request that passed (or was not checked): by default 200."""
        return json_response(200, {"ok": True})

    def diagnose(
        self, capture: Capture, endpoint: EndpointConfig | None, validation: Validation
    ) -> list[str]:
        if (
            endpoint is not None
            and validation.result == "unchecked"
            and self.signature_header
            and capture.header(self.signature_header) is not None
        ):
            what = "public key" if self.credential == "public-key" else "secret"
            return [
                f"the request carries {self.signature_header} but the endpoint has no {what}, "
                f"so it was not checked; set the endpoint's {what} to validate it"
            ]
        return []


def event(task_id: Any, name: Any, **extra: Any) -> ParsedEvent:
    """A parsed event with ``task_id`` (the provider's event or delivery id) and ``event``."""
    data: dict[str, Any] = {"task_id": task_id, "event": name}
    data.update({k: v for k, v in extra.items() if v is not None})
    return ParsedEvent(event=data)


# -- HMAC providers -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Signed:
    """What an HMAC provider signed for one request, read from its headers (or body).

    The bytes signed are ``before + body + after`` (``covers_body``) or ``before`` alone;
    ``what`` says it in words (``'v0:<timestamp>:' + body``) for the explanation.
    """

    received: list[str]
    before: bytes
    what: str
    after: bytes = b""
    covers_body: bool = True
    timestamp: float | None = None
    timestamp_what: str = ""


class HmacProfile(ProviderProfile):
    """A provider that signs with HMAC over bytes it names: subclasses say where the
    signature is and what was signed (:meth:`signed`), and how they sign (:meth:`sign`)."""

    digest: str = "sha256"
    encoding: Literal["hex", "base64"] = "hex"
    #: the timestamp's tolerance in seconds; None where the provider documents none
    tolerance_s: float | None = None
    #: the provider's usual reason for a mismatch, said when no other bytes match
    mismatch_hint: str = ""

    @abstractmethod
    def signed(self, request: SignedRequest) -> Signed | Validation:
        """What the request says was signed, or the verdict when it cannot say
        (``missing`` header, malformed value)."""

    def key(self, credential: str) -> bytes:
        return credential.encode()

    def encode(self, digest: bytes) -> str:
        return digest.hex() if self.encoding == "hex" else b64(digest)

    def compute(self, credential: str, data: bytes) -> str:
        return self.encode(mac(self.key(credential), data, self.digest))

    def verify(self, request: SignedRequest, credential: str, now: float) -> Validation:
        signed = self.signed(request)
        if isinstance(signed, Validation):
            return signed
        body = request.body if signed.covers_body else b""
        computed = self.compute(credential, signed.before + body + signed.after)
        lower = self.encoding == "hex"
        matched = any_equal(computed, signed.received, lower=lower)
        stale = None
        if signed.timestamp is not None and self.tolerance_s is not None:
            stale = stale_line(signed.timestamp_what, signed.timestamp, now, self.tolerance_s)
        other = None
        if not matched and signed.covers_body:
            other = other_bytes(
                request.body,
                lambda b: any_equal(
                    self.compute(credential, signed.before + b + signed.after),
                    signed.received,
                    lower=lower,
                ),
            )
        return verdict(
            self.id,
            self.signature_header,
            matched,
            computed=computed,
            received=" ".join(signed.received),
            signed=signed.what,
            body=request.body,
            stale=stale,
            other=other,
            hint=self.mismatch_hint,
        )


def header_or_missing(
    scheme: str, request: SignedRequest, name: str, extra: str = ""
) -> str | Validation:
    """The header's value, or the ``missing`` verdict naming it."""
    value = request.header(name)
    return missing(scheme, name, request, extra) if value is None else value


def timestamped_pairs(
    scheme: str, header: str, value: str, sep: str, ts_name: str, sig_name: str
) -> tuple[int, list[str]] | Validation:
    """``t=<unix>,v1=<sig>,v1=<sig>`` (``sep`` between pairs): the timestamp and every
    signature, or the ``malformed`` verdict."""
    fields: dict[str, list[str]] = {}
    for item in value.split(sep):
        name, eq, part = item.strip().partition("=")
        if eq:
            fields.setdefault(name, []).append(part.strip())
    ts = parse_int(fields.get(ts_name, [""])[0])
    if ts is None or not fields.get(sig_name):
        expected = f"{ts_name}=<unix seconds>{sep}{sig_name}=<signature>"
        return malformed(scheme, header, f"Expected '{expected}'; got {value!r}.")
    return ts, fields[sig_name]


def url_variants(url: str) -> list[tuple[str, str]]:
    """Other URLs a URL-signing provider may have signed, each with why: the other scheme,
    a trailing slash, the default port, no query."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    out: list[tuple[str, str]] = []
    other = "http" if parts.scheme == "https" else "https"
    out.append((urlunsplit(parts._replace(scheme=other)), f"the {other}:// URL"))
    path = parts.path[:-1] if parts.path.endswith("/") and parts.path != "/" else parts.path + "/"
    out.append((urlunsplit(parts._replace(path=path)), "the URL with(out) a trailing slash"))
    if parts.port is None:
        port = 443 if parts.scheme == "https" else 80
        out.append(
            (urlunsplit(parts._replace(netloc=f"{parts.netloc}:{port}")), "the default port")
        )
    else:
        out.append((urlunsplit(parts._replace(netloc=parts.hostname or "")), "no port"))
    if parts.query:
        out.append((urlunsplit(parts._replace(query="")), "the URL without its query"))
    return out


def with_url_explained(result: Validation, request: SignedRequest, matches: Any) -> Validation:
    """A URL-signing provider's verdict, saying which URL was used when it failed, and
    which other URL the signature matches if one does (``matches(url) -> bool``)."""
    if result.result == "valid" or request.url is None:
        return result
    lines = result.detail.split("\n")
    lines.insert(1, f"URL used: {request.url} ({request.url_source}).")
    for url, why in url_variants(request.url):
        if matches(url):
            lines.append(
                f"The signature matches {why}, {url}: the URL set at the provider differs "
                "from the one it called, or the tunnel's public URL is not the one given to it."
            )
            break
    return Validation(result.result, result.scheme, "\n".join(lines))


# -- key-pair providers -------------------------------------------------------------------


class KeyPairProfile(ProviderProfile):
    """A provider that signs ``timestamp + body`` with its private key, the signature and
    the timestamp in two headers; the endpoint holds the public key. Subclasses say how
    the signature is written (:meth:`decode` / :meth:`encode`) and checked."""

    credential: Literal["secret", "public-key"] | None = "public-key"
    timestamp_header: str = ""
    #: the check in words, for the explanation ("The Ed25519 signature, checked with ...")
    check_words: str = ""
    mismatch_hint: str = ""

    @abstractmethod
    def decode(self, text: str) -> bytes | None:
        """The signature's bytes from the header's text; None when malformed."""

    @abstractmethod
    def encode(self, signature: bytes) -> str: ...

    @abstractmethod
    def check(self, public_key: str, signature: bytes, data: bytes) -> bool:
        """Whether ``signature`` verifies ``data``; ValueError for an unusable key."""

    @abstractmethod
    def sign_bytes(self, private_key: str, data: bytes) -> bytes: ...

    def verify(self, request: SignedRequest, credential: str, now: float) -> Validation:
        sig_text = header_or_missing(self.id, request, self.signature_header)
        if isinstance(sig_text, Validation):
            return sig_text
        ts = header_or_missing(self.id, request, self.timestamp_header)
        if isinstance(ts, Validation):
            return ts
        signature = self.decode(sig_text)
        if signature is None:
            return malformed(self.id, self.signature_header, f"Cannot read {sig_text!r}.")
        stamp = ts.encode()
        try:
            matched = self.check(credential, signature, stamp + request.body)
        except ValueError as exc:
            return Validation("invalid", self.id, f"endpoint public key is not usable\n{exc}.")
        other = None
        if not matched:
            other = other_bytes(
                request.body, lambda b: self.check(credential, signature, stamp + b)
            )
        return verdict(
            self.id,
            self.signature_header,
            matched,
            computed=self.check_words,
            received=sig_text,
            signed=f"'{ts}' + the body",
            body=request.body,
            other=other,
            hint=self.mismatch_hint,
            key_pair=True,
        )

    def sign(self, request: SignedRequest, credential: str, timestamp: int, msg_id: str) -> Headers:
        sig = self.sign_bytes(credential, str(timestamp).encode() + request.body)
        return [(self.signature_header, self.encode(sig)), (self.timestamp_header, str(timestamp))]


class TimestampedHmacProfile(HmacProfile):
    """A provider whose header carries a timestamp and an HMAC over ``timestamp`` + a
    joiner + the body, as ``<ts_key>=<ts><sep><sig_key>=<sig>`` (Paddle, Calendly)."""

    separator: str = ","
    ts_key: str = "t"
    sig_key: str = "v1"
    #: what stands between the timestamp and the body in the signed bytes
    joiner: str = "."

    def signed(self, request: SignedRequest) -> Signed | Validation:
        header = self.signature_header
        value = header_or_missing(self.id, request, header)
        if isinstance(value, Validation):
            return value
        pairs = timestamped_pairs(self.id, header, value, self.separator, self.ts_key, self.sig_key)
        if isinstance(pairs, Validation):
            return pairs
        ts, sig = pairs
        return Signed(
            sig,
            f"{ts}{self.joiner}".encode(),
            f"'{ts}{self.joiner}' + the body",
            timestamp=ts,
            timestamp_what=f"{header} timestamp ({self.ts_key})",
        )

    def sign(self, request: SignedRequest, credential: str, timestamp: int, msg_id: str) -> Headers:
        sig = self.compute(credential, f"{timestamp}{self.joiner}".encode() + request.body)
        value = f"{self.ts_key}={timestamp}{self.separator}{self.sig_key}={sig}"
        return [(self.signature_header, value)]
