"""The store's two fast paths for writing captures.

- :func:`dumps`: every JSON column through one encoder made once, instead of a new one per
  call as ``json.dumps`` with non-default options makes (the writer encodes about ten
  values per capture).
- :func:`install_sqlite_adapters`: identity adapters so that ``sqlite3`` binds ``bytes``
  and ``None`` without searching for an adapter. They change ``sqlite3``'s process-wide
  registry, so importing this module does not install them: the store calls it when it
  opens.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, cast

#: Compact separators, non-ASCII text kept as is: the store's JSON columns.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

_SAMPLE: dict[str, Any] = {"k": [None, True, 1, 1.5, 'é\n"', {}]}


def _make_one_shot_encoder() -> Callable[[Any, int], Sequence[str]] | None:
    """CPython's C encoder with :data:`_ENCODER`'s options, made once; None where there is
    none.

    ``JSONEncoder.encode`` makes this C encoder anew on every call (inside ``iterencode``);
    made once, a call costs about half. ``json.encoder.c_make_encoder`` is a private CPython
    API: where it is missing, takes other arguments or encodes a sample differently,
    :func:`dumps` uses ``_ENCODER.encode`` instead.
    """
    make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if make_encoder is None:
        return None
    try:
        encode = make_encoder(
            # The id()s seen on the way down, to refuse circular values; ours never are.
            markers=None,
            default=_ENCODER.default,
            # ensure_ascii=False: strings keep their non-ASCII characters.
            encoder=json.encoder.encode_basestring,
            indent=None,
            key_separator=_ENCODER.key_separator,
            item_separator=_ENCODER.item_separator,
            sort_keys=_ENCODER.sort_keys,
            skipkeys=_ENCODER.skipkeys,
            allow_nan=_ENCODER.allow_nan,
        )
        same = "".join(encode(_SAMPLE, 0)) == _ENCODER.encode(_SAMPLE)
    except (TypeError, ValueError):
        return None
    return cast("Callable[[Any, int], Sequence[str]]", encode) if same else None


_ONE_SHOT_ENCODE = _make_one_shot_encoder()


def dumps(value: Any) -> str:
    """``value`` as ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` writes
    it."""
    if _ONE_SHOT_ENCODE is None:
        return _ENCODER.encode(value)
    return "".join(_ONE_SHOT_ENCODE(value, 0))


def install_sqlite_adapters() -> None:
    """Register identity adapters for ``bytes`` and ``None`` with ``sqlite3`` (process-wide;
    installing them again changes nothing).

    ``sqlite3`` binds int, float and str directly, but asks every other value for an
    adapter: a registry miss, then a failed attribute lookup on its protocol class that
    formats an ``AttributeError`` message. A capture binds about nine bytes or None values.
    An identity adapter is found in the registry at once and binds the value unchanged: a
    body stays a BLOB, None stays NULL.
    """
    sqlite3.register_adapter(bytes, bytes)
    # {}.get(None) is None: a built-in callable, cheaper to call than a lambda.
    sqlite3.register_adapter(type(None), cast("Callable[[None], None]", {}.get))
