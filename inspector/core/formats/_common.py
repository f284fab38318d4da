"""What the exporters and importers share: input parsing, progress and cancellation."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from inspector.core.capture import Capture
from inspector.core.words import plural

#: ``on_progress(done, total)``, called after each imported or exported capture.
ProgressCallback = Callable[[int, int], None]
#: Returns True when the user asked to stop (``threading.Event().is_set`` fits).
CancelCheck = Callable[[], bool]

NOT_AN_EXPORT = "not a HAR or webhook-inspector export"


class ImportCancelled(Exception):
    """The user cancelled an import; ``captures`` holds those read before that."""

    def __init__(self, captures: list[Capture]) -> None:
        super().__init__(f"import cancelled after {plural(len(captures), 'capture')}")
        self.captures = captures


def bad_input(why: str) -> ValueError:
    return ValueError(f"{NOT_AN_EXPORT}: {why}")


def parse_document(data: bytes | str) -> Any:
    """The JSON document in ``data``, or one clear ``ValueError``."""
    if isinstance(data, str):
        data = data.lstrip("\ufeff")  # json.loads only strips a BOM from bytes
    if not data or not data.strip():
        raise bad_input("the file is empty")
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise bad_input(f"not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except (UnicodeDecodeError, RecursionError) as exc:
        raise bad_input(f"not JSON ({type(exc).__name__})") from None


def collect(
    captures: Iterator[Capture] | Iterable[Capture],
    total: int,
    on_progress: ProgressCallback | None,
    cancel: CancelCheck | None,
) -> list[Capture]:
    """Drain ``captures`` into a list, reporting progress and honouring ``cancel``."""
    out: list[Capture] = []
    for capture in captures:
        if cancel is not None and cancel():
            raise ImportCancelled(out)
        out.append(capture)
        if on_progress is not None:
            on_progress(len(out), total)
    return out


def require_body(capture: Capture) -> bytes:
    # A capture listed without its body would silently export as empty: refuse instead.
    if capture.body is None and capture.body_size > 0:
        raise ValueError(f"capture {capture.id} was loaded without its body; load it to export")
    return capture.body_bytes
