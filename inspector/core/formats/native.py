"""Our own JSON export: every capture object of docs/formats.md, bodies included.

``{"format": "webhook-inspector", "version": 1, "captures": [capture.to_json(), ...]}``.
It is the lossless format: unlike HAR it needs no mapping, and it also keeps the forward
target's answer body. Writing streams one capture at a time, so exporting a large history
never builds the whole document in memory.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from inspector.core.capture import Capture, format_timestamp, utc_now
from inspector.core.formats._common import (
    CancelCheck,
    ProgressCallback,
    bad_input,
    collect,
    parse_document,
    require_body,
)
from inspector.core.formats.masking import masked_copy

FORMAT_NAME = "webhook-inspector"
FORMAT_VERSION = 1


def capture_to_native(capture: Capture, *, mask_secrets: bool = False) -> dict[str, Any]:
    """One capture as stored in the export (the capture object, forward answer included)."""
    require_body(capture)
    if mask_secrets:
        capture = masked_copy(capture)
    data = capture.to_json(include_body=True)
    if capture.forward is not None:
        data["forward"] = capture.forward.to_json(include_body=True)
    return data


def write_native(
    captures: Iterable[Capture],
    fp: TextIO,
    *,
    mask_secrets: bool = False,
    total: int = 0,
    on_progress: ProgressCallback | None = None,
) -> int:
    """Write the export to ``fp`` one capture at a time; returns how many were written."""
    header = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exported_at": format_timestamp(utc_now()),
        "masked": mask_secrets,
    }
    # The header object is written open-ended so "captures" can be streamed after it.
    fp.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "captures": [')
    count = 0
    for capture in captures:
        fp.write(",\n" if count else "\n")
        fp.write(json.dumps(capture_to_native(capture, mask_secrets=mask_secrets)))
        count += 1
        if on_progress is not None:
            on_progress(count, total)
    fp.write("\n]}\n")
    return count


def export_native(captures: Iterable[Capture], *, mask_secrets: bool = False) -> dict[str, Any]:
    """The whole export as a dict (for small exports; big ones use :func:`write_native`)."""
    result: dict[str, Any] = json.loads(dumps_native(captures, mask_secrets=mask_secrets))
    return result


def dumps_native(captures: Iterable[Capture], *, mask_secrets: bool = False) -> str:
    buf = io.StringIO()
    write_native(captures, buf, mask_secrets=mask_secrets)
    return buf.getvalue()


def is_native(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("format") == FORMAT_NAME


def count_native(doc: Any) -> int:
    captures = doc.get("captures") if isinstance(doc, dict) else None
    return len(captures) if isinstance(captures, list) else 0


def check_header(version: Any) -> None:
    """Refuse an export version this release cannot read."""
    if not isinstance(version, int) or version < 1:
        raise bad_input(f"unknown webhook-inspector export version {version!r}")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"this webhook-inspector export is version {version}, made by a newer release; "
            f"this one reads up to version {FORMAT_VERSION}"
        )


def native_capture(item: Any, index: int, *, masked: bool, keep_source: bool) -> Capture:
    """The capture of item number ``index`` (from 0) of an export's "captures"."""
    try:
        if not isinstance(item, dict):
            raise TypeError("not an object")
        if "body_b64" not in item:
            raise KeyError("body_b64")
        capture = Capture.from_json(item)
    except (KeyError, ValueError, TypeError) as exc:
        what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise bad_input(f"capture #{index + 1} is invalid ({what})") from None
    if not keep_source:
        capture.source = "import"
    if masked:
        capture.notes.append("imported from an export with masked secrets")
    return capture


def iter_native(doc: Any, *, keep_source: bool = False) -> Iterator[Capture]:
    """Captures of a parsed export, one at a time; ``ValueError`` names the bad one.

    Imported captures get ``source: "import"`` (docs/formats.md) unless ``keep_source``.
    """
    if not is_native(doc):
        raise bad_input('no "format": "webhook-inspector" field')
    check_header(doc.get("version"))
    captures = doc.get("captures")
    if not isinstance(captures, list):
        raise bad_input('"captures" is not a list')
    masked = bool(doc.get("masked"))
    for index, item in enumerate(captures):
        yield native_capture(item, index, masked=masked, keep_source=keep_source)


def load_native(
    data: bytes | str,
    *,
    keep_source: bool = False,
    on_progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> list[Capture]:
    """Parse and import a whole export (see :func:`iter_native`)."""
    doc = parse_document(data)
    return collect(
        iter_native(doc, keep_source=keep_source), count_native(doc), on_progress, cancel
    )
