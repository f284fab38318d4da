"""Export and import of captures: HAR 1.2 (:mod:`.har`) and our own JSON (:mod:`.native`).

:func:`load_captures` tells the two apart, so ``import FILE`` needs no format flag. Both
exporters stream capture by capture and both importers report progress per capture and stop
when asked; bodies survive either round trip byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal, TextIO

from inspector.core.capture import Capture
from inspector.core.formats._common import (
    NOT_AN_EXPORT,
    CancelCheck,
    ImportCancelled,
    ProgressCallback,
    bad_input,
    collect,
    parse_document,
)
from inspector.core.formats.har import (
    count_har,
    dumps_har,
    export_har,
    is_har,
    iter_har,
    load_har,
    write_har,
)
from inspector.core.formats.masking import MASK, mask_headers, mask_query, masked_copy
from inspector.core.formats.native import (
    count_native,
    dumps_native,
    export_native,
    is_native,
    iter_native,
    load_native,
    write_native,
)

ExportFormat = Literal["har", "json"]

#: Captures imported per transaction, and the bodies' bytes after which a chunk is stored
#: sooner (each chunk is held in memory until it is stored).
IMPORT_CHUNK = 1000
IMPORT_CHUNK_BYTES = 8 * 1024 * 1024

__all__ = [
    "MASK",
    "NOT_AN_EXPORT",
    "CancelCheck",
    "ExportFormat",
    "ImportCancelled",
    "ProgressCallback",
    "detect_format",
    "dumps_har",
    "dumps_native",
    "export_har",
    "export_native",
    "import_chunks",
    "load_captures",
    "load_har",
    "load_native",
    "mask_headers",
    "mask_query",
    "masked_copy",
    "parse_document",
    "write_export",
    "write_har",
    "write_native",
]


def detect_format(doc: Any) -> ExportFormat:
    """``"json"`` for our export, ``"har"`` for HAR; ``ValueError`` for anything else."""
    if is_native(doc):
        return "json"
    if is_har(doc):
        return "har"
    if isinstance(doc, dict):
        raise bad_input('neither a "log" object (HAR) nor "format": "webhook-inspector"')
    raise bad_input(f"the top level is a JSON {type(doc).__name__}, not an object")


def load_captures(
    data: bytes | str,
    *,
    keep_source: bool = False,
    on_progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> list[Capture]:
    """Import a HAR or webhook-inspector export, whichever ``data`` is.

    Raises one ``ValueError`` starting with :data:`NOT_AN_EXPORT` for bad input and
    :class:`ImportCancelled` (carrying the captures read so far) when ``cancel()`` is true.
    """
    doc = parse_document(data)
    if detect_format(doc) == "json":
        return collect(
            iter_native(doc, keep_source=keep_source), count_native(doc), on_progress, cancel
        )
    return collect(iter_har(doc, keep_source=keep_source), count_har(doc), on_progress, cancel)


def import_chunks(
    path: Path,
    *,
    keep_source: bool = False,
    on_progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> Iterator[list[Capture]]:
    """The captures of the export at ``path`` in chunks to store one transaction each (at
    most :data:`IMPORT_CHUNK` captures or about :data:`IMPORT_CHUNK_BYTES` of bodies), read
    incrementally (:func:`~inspector.core.formats.reader.read_captures`): memory stays
    bounded whatever the file's size. ``on_progress(bytes read, file size)``."""
    from inspector.core.formats.reader import read_captures

    chunk: list[Capture] = []
    size = 0
    for capture in read_captures(
        path, keep_source=keep_source, on_progress=on_progress, cancel=cancel
    ):
        chunk.append(capture)
        size += len(capture.body_bytes)
        if len(chunk) >= IMPORT_CHUNK or size >= IMPORT_CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def write_export(
    captures: Iterable[Capture],
    fp: TextIO,
    fmt: ExportFormat,
    *,
    mask_secrets: bool = False,
    base_url: str | None = None,
    total: int = 0,
    on_progress: ProgressCallback | None = None,
) -> int:
    """Write ``captures`` in ``fmt`` ("har" or "json") to the text stream ``fp``."""
    if fmt == "har":
        return write_har(
            captures,
            fp,
            base_url=base_url,
            mask_secrets=mask_secrets,
            total=total,
            on_progress=on_progress,
        )
    if fmt == "json":
        return write_native(
            captures, fp, mask_secrets=mask_secrets, total=total, on_progress=on_progress
        )
    raise ValueError(f"unknown export format {fmt!r} (use har or json)")
