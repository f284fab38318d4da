"""Differences between two captures: a JSON-aware body diff and a header diff.

Typical pairs are two callbacks of one task (``Running`` then ``Succeeded``) or a capture
and its replay, so the JSON diff reports exactly which keys changed, by path
(``$.data.status``), instead of a wall of re-indented text. Bodies that are not both JSON
get a unified text diff, and binary ones a short summary.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from inspector.core.words import plural

ChangeKind = Literal["added", "removed", "changed"]
BodyDiffMode = Literal["same", "json", "text", "binary"]

#: Above this many bytes (both bodies together) no text diff is computed: difflib's cost
#: grows faster than linearly and a diff that size is not read by anyone.
TEXT_DIFF_LIMIT = 4 * 1024 * 1024

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class JsonChange:
    """One difference between two JSON documents; ``old``/``new`` are None when absent."""

    path: str
    kind: ChangeKind
    old: Any = None
    new: Any = None


@dataclass(frozen=True, slots=True)
class BodyDiff:
    """The result of :func:`diff_bodies`; ``changes`` for JSON, ``text`` otherwise."""

    mode: BodyDiffMode
    summary: str
    changes: list[JsonChange] = field(default_factory=list)
    text: str = ""

    @property
    def identical(self) -> bool:
        return self.mode == "same"


@dataclass(frozen=True, slots=True)
class HeaderChange:
    """A header present in one capture only, or with other values in the other."""

    name: str
    kind: ChangeKind
    old: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)


def json_path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    if _IDENTIFIER.match(key):
        return f"{parent}.{key}"
    return f"{parent}[{json.dumps(key, ensure_ascii=False)}]"


def _same(a: Any, b: Any) -> bool:
    # JSON's true is not 1 and 1 is not 1.0 on the wire, though Python says they are equal.
    return type(a) is type(b) and a == b


def json_changes(a: Any, b: Any, path: str = "$") -> list[JsonChange]:
    """Every difference between two parsed JSON values, in document order.

    Objects are compared by key (changes inside nested values are reported at the deepest
    path), arrays position by position.
    """
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[JsonChange] = []
        for key in a:
            sub = json_path(path, key)
            if key not in b:
                out.append(JsonChange(sub, "removed", old=a[key]))
            else:
                out.extend(json_changes(a[key], b[key], sub))
        out.extend(JsonChange(json_path(path, k), "added", new=b[k]) for k in b if k not in a)
        return out
    if isinstance(a, list) and isinstance(b, list):
        out = []
        for i in range(max(len(a), len(b))):
            sub = json_path(path, i)
            if i >= len(b):
                out.append(JsonChange(sub, "removed", old=a[i]))
            elif i >= len(a):
                out.append(JsonChange(sub, "added", new=b[i]))
            else:
                out.extend(json_changes(a[i], b[i], sub))
        return out
    if _same(a, b):
        return []
    return [JsonChange(path, "changed", old=a, new=b)]


def _charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*\"?([\w.:-]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def _as_text(body: bytes, content_type: str | None) -> str | None:
    """The body as text when it is text (UTF-8, or its declared charset), else None."""
    for encoding in ("utf-8", _charset(content_type)):
        if not encoding:
            continue
        try:
            text = body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if "\x00" not in text:
            return text
    return None


def _as_json(text: str | None) -> tuple[bool, Any]:
    if text is None or not text.strip():
        return False, None
    try:
        return True, json.loads(text)
    except (ValueError, RecursionError):
        return False, None


def _first_difference(a: bytes, b: bytes) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def diff_bodies(
    a: bytes,
    b: bytes,
    content_type_a: str | None = None,
    content_type_b: str | None = None,
    *,
    context: int = 3,
) -> BodyDiff:
    """Compare two bodies: JSON changes when both parse as JSON, else a unified diff."""
    if a == b:
        return BodyDiff("same", f"bodies are identical ({plural(len(a), 'byte')})")
    text_a, text_b = _as_text(a, content_type_a), _as_text(b, content_type_b)
    (json_a, doc_a), (json_b, doc_b) = _as_json(text_a), _as_json(text_b)
    if json_a and json_b:
        changes = json_changes(doc_a, doc_b)
        if not changes:
            # same document, other bytes (spacing, key order, escapes): say so, as a
            # signature over the bytes would differ
            return BodyDiff("json", "same JSON document, written differently (bytes differ)")
        counts = {
            kind: sum(c.kind == kind for c in changes) for kind in ("changed", "added", "removed")
        }
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
        return BodyDiff("json", summary, changes=changes)
    if text_a is None or text_b is None:
        offset = _first_difference(a, b)
        return BodyDiff(
            "binary",
            f"binary bodies differ ({len(a)} vs {len(b)} bytes, first difference at byte {offset})",
        )
    if len(a) + len(b) > TEXT_DIFF_LIMIT:
        return BodyDiff(
            "text", f"text bodies differ ({len(a)} vs {len(b)} bytes; too large to diff)"
        )
    lines = list(
        difflib.unified_diff(
            text_a.splitlines(keepends=True),
            text_b.splitlines(keepends=True),
            fromfile="a",
            tofile="b",
            n=context,
        )
    )
    # A last line without a newline would run into the next diff line: mark it as diff does.
    rendered = "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
    added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
    return BodyDiff("text", f"{plural(added, 'line')} added, {removed} removed", text=rendered)


def _group(headers: Iterable[tuple[str, str]]) -> dict[str, tuple[str, list[str]]]:
    grouped: dict[str, tuple[str, list[str]]] = {}
    for name, value in headers:
        grouped.setdefault(name.lower(), (name, []))[1].append(value)
    return grouped


def diff_headers(
    a_headers: Iterable[tuple[str, str]], b_headers: Iterable[tuple[str, str]]
) -> list[HeaderChange]:
    """Headers added, removed or changed from ``a`` to ``b``, by case-insensitive name.

    Repeated headers count with all their values, in order: ``X-A: 1, X-A: 2`` against
    ``X-A: 1`` is a change from ``["1", "2"]`` to ``["1"]``.
    """
    ga, gb = _group(a_headers), _group(b_headers)
    out: list[HeaderChange] = []
    for lname, (name, values) in ga.items():
        if lname not in gb:
            out.append(HeaderChange(name, "removed", old=values))
        elif gb[lname][1] != values:
            out.append(HeaderChange(name, "changed", old=values, new=gb[lname][1]))
    out.extend(
        HeaderChange(name, "added", new=values)
        for lname, (name, values) in gb.items()
        if lname not in ga
    )
    return out
