"""What the listener does with a capture before answering: given the endpoint its path
matched, guess or apply the vendor, parse, validate, and decide the answer.

The listener matches the endpoint and calls :func:`process_capture` once per request,
before the capture is stored,
so the stored capture carries the answer that is then sent. For a path with no endpoint the
answer is the default one whatever the body says, so the listener answers at once and has
:func:`analyse_capture` fill in the rest in the writer's thread.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

from inspector.core.capture import Capture, Headers, Validation, media_type
from inspector.core.endpoints import Endpoint, ResponseRule
from inspector.core.responses import ResponsePlan, default_response, json_response
from inspector.core.vendors import (
    NOTHING_PARSED,
    VendorBody,
    VendorProfile,
    detect_vendor,
    get_profile,
)


def process_capture(
    capture: Capture,
    endpoint: Endpoint | None = None,
    *,
    now: float | None = None,
    rand: Callable[[], float] = random.random,
) -> ResponsePlan:
    """Fill in the capture's endpoint/vendor/event/validation/notes and return the answer.

    ``endpoint`` is the endpoint the request's path matched (the listener looks it up once
    per request), None when none did. ``now`` (Unix seconds) is for signature timestamps,
    ``rand`` decides ``fail_rate`` failures; both are injectable for tests. Never raises:
    whatever a sender throws at the listener is captured and answered.
    """
    try:
        return _process(capture, endpoint, now, rand) or default_response(capture)
    except Exception as exc:  # the last line of defence; the listener must always answer
        capture.notes.append(
            f"internal error while processing this request ({type(exc).__name__}: {exc}); "
            "answered 200 by default"
        )
        return default_response(capture)


def analyse_capture(capture: Capture) -> None:
    """What :func:`process_capture` fills in for a capture with no endpoint (vendor guess,
    event, notes), without deciding the answer: it was the default one. Never raises."""
    try:
        _process(capture, None, None, random.random)
    except Exception as exc:
        capture.notes.append(
            f"internal error while processing this request ({type(exc).__name__}: {exc})"
        )


def _add_note(capture: Capture, note: str) -> None:
    if note and note not in capture.notes:
        capture.notes.append(note)


def _process(
    capture: Capture,
    endpoint: Endpoint | None,
    now: float | None,
    rand: Callable[[], float],
) -> ResponsePlan | None:
    """Fill in the capture and return its answer; None means the default answer."""
    capture.endpoint = endpoint.path if endpoint is not None else None
    body = VendorBody.of(capture)
    for note in body.decode_notes:
        _add_note(capture, note)

    profile: VendorProfile | None
    if endpoint is not None:
        profile = get_profile(endpoint.vendor)
    else:
        guessed, _score = detect_vendor(capture, body=body)
        profile = get_profile(guessed) if guessed else None
    capture.vendor = profile.id if profile is not None else None

    parsed = profile.parse(capture, body) if profile is not None else NOTHING_PARSED
    event = parsed.event
    if event is not None and parsed.links:
        event = {**event, "links": dict(parsed.links)}
    capture.event = event
    for note in parsed.notes:
        _add_note(capture, note)
    if (profile is None or profile.fallback) and not body.has_json and _looks_like_json(capture):
        _add_note(capture, body.json_error_note() or "")

    if endpoint is not None and profile is not None:
        validation = profile.validate(capture, endpoint, now=now)
    else:
        validation = Validation("unchecked", None, "no endpoint is configured for this path")
    capture.validation = validation

    for note in _mistakes(capture, endpoint, profile, body):
        _add_note(capture, note)
    if profile is not None:
        for note in profile.diagnose(capture, endpoint, validation):
            _add_note(capture, note)

    if endpoint is None or profile is None:
        if profile is not None and profile.unmatched_note:
            _add_note(capture, profile.unmatched_note)
        return None

    plan = profile.respond(capture, endpoint, validation, parsed)
    rule = endpoint.response
    if not rule.is_default:
        plan = apply_response_rule(plan, rule, rand, capture)
        if validation.result not in ("invalid", "missing"):
            problem = profile.rule_note(plan, parsed)
            if problem:
                _add_note(capture, problem)
    return plan


def apply_response_rule(
    plan: ResponsePlan,
    rule: ResponseRule,
    rand: Callable[[], float] = random.random,
    capture: Capture | None = None,
) -> ResponsePlan:
    """The vendor's answer with the endpoint's overrides, delay and simulated failures."""
    if rule.fail_rate > 0 and rand() < rule.fail_rate:
        out = json_response(
            500, {"error": f"simulated failure (endpoint fail_rate {rule.fail_rate:g})"}
        )
        if capture is not None:
            _add_note(capture, f"answered 500: simulated failure (fail_rate {rule.fail_rate:g})")
    else:
        out = ResponsePlan(plan.status, list(plan.headers), plan.body, plan.delay_ms)
        if rule.status is not None:
            out.status = rule.status
        if rule.body is not None:
            out.body = rule.body.encode("utf-8")
            ctype = "application/json" if _is_json_text(rule.body) else "text/plain; charset=utf-8"
            out.headers = _set_header(out.headers, "Content-Type", ctype)
        for name, value in rule.headers:
            out.headers = _set_header(out.headers, name, value)
    out.delay_ms = max(out.delay_ms, rule.delay_ms)
    return out


def _set_header(headers: Headers, name: str, value: str) -> Headers:
    lname = name.lower()
    return [h for h in headers if h[0].lower() != lname] + [(name, value)]


def _is_json_text(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _looks_like_json(capture: Capture) -> bool:
    ctype = media_type(capture.header("Content-Type"))
    if ctype is not None and (ctype == "application/json" or ctype.endswith("+json")):
        return True
    head = capture.body_bytes[:1].lstrip()
    return head in (b"{", b"[")


def _mistakes(
    capture: Capture, endpoint: Endpoint | None, profile: VendorProfile | None, body: VendorBody
) -> list[str]:
    """Classic integration mistakes that are not specific to one vendor."""
    notes: list[str] = []
    if body.has_json and isinstance(body.json, dict | list):
        ctype = media_type(capture.header("Content-Type"))
        if ctype is None:
            notes.append(
                "JSON body sent without a Content-Type header; many frameworks only parse "
                "JSON when it says application/json"
            )
        elif ctype != "application/json" and not ctype.endswith("+json"):
            notes.append(
                f"JSON body sent with Content-Type {ctype}; a receiver that trusts the "
                "header will not parse it as JSON (application/json expected)"
            )
    if profile is not None:
        names: list[str] = []
        header = profile.token_header_for(endpoint) if endpoint else profile.token_header
        if header:
            names.append(header)
        if endpoint is not None and endpoint.scheme == "token-header" and endpoint.header:
            names.append(endpoint.header)
        for name in dict.fromkeys(names):
            value = capture.header(name)
            if value is not None and value[:7].lower() == "bearer ":
                notes.append(
                    f"{name} carries a 'Bearer ' prefix, but {profile.title} expects the raw "
                    "token there; send the token alone"
                )
    return notes
