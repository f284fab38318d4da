"""Where a request came from: relayed by the public tunnel, or sent on this machine.

The listener binds to 127.0.0.1, and the tunnel agent relays public traffic to it from
loopback too, so the peer address tells nothing. What does is a header the agent adds to
every request it relays, carrying a secret made for each run (:class:`TunnelMark`): a
request without it is local, whatever its ``X-Forwarded-*`` headers say, since any local
program can write those. The agent *appends* the address it saw to ``X-Forwarded-For``
(and the scheme to ``X-Forwarded-Proto``) after whatever the sender wrote there, so only
the last entry is the agent's word (:func:`last_entry`); ``X-Forwarded-Host`` keeps the
sender's own value when it sent one, so it is never believed.

Our own tools mark what they send to the listener (``X-Inspector-Source``,
``X-Inspector-Replay-Of``; the sandbox's simulated vendors send ``X-Inspector-Source:
sandbox``, stored as ``simulate`` with :data:`SANDBOX_NOTE`). The marks count only on a local request that also carries the
run token (``X-Inspector-Token``), which only the running app and the user's own command
line know (:func:`read_own_headers`); from anywhere else they are headers like any other.
"""

from __future__ import annotations

import hmac
import itertools
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

#: Added by the ngrok agent to every request it relays (value: :attr:`TunnelMark.value`).
TUNNEL_HEADER = "X-Inspector-Tunnel"
#: Sent with our own markers by the app's replay and samples: the run token.
TOKEN_HEADER = "X-Inspector-Token"
#: Added by our replay: the id of the capture replayed.
REPLAY_HEADER = "X-Inspector-Replay-Of"
#: Added by our samples (``simulate``) and replays: the capture's ``source``.
SOURCE_HEADER = "X-Inspector-Source"

#: The source marker of the sandbox's simulated vendor APIs (``submit --sandbox``).
SANDBOX_SOURCE = "sandbox"
#: The note a capture from the sandbox carries (its ``source`` is ``simulate``).
SANDBOX_NOTE = "simulated: sent by the sandbox's simulation of the vendor's API, not by the vendor"

_TOKEN_LOWER = TOKEN_HEADER.lower()
_REPLAY_LOWER = REPLAY_HEADER.lower()
_SOURCE_LOWER = SOURCE_HEADER.lower()
LOOPBACK = ("127.", "::1", "::ffff:127.")
#: A Host header fit to build a URL on: a name or address and an optional port.
_HOST_RE = re.compile(r"^[A-Za-z0-9._~\-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$")

Headers = list[tuple[str, str]]


def new_secret() -> str:
    """A value nobody can guess (256 bits), for the tunnel mark and the run token."""
    return secrets.token_urlsafe(32)


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of a header value with a secret."""
    try:
        return hmac.compare_digest(given, expected)  # both ASCII: no copies
    except TypeError:  # a non-ASCII character on either side
        return hmac.compare_digest(
            given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape")
        )


@dataclass(frozen=True, slots=True)
class TunnelMark:
    """A header the tunnel adds to each request it relays, and its value."""

    name: str
    value: str = field(repr=False)
    lower_name: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lower_name", self.name.lower())

    def found_in(self, values: Sequence[str]) -> bool:
        """Whether one of the header's values is ours (a sender may send its own too)."""
        try:  # runs for every tunnelled request: compared in C while all is ASCII
            return any(map(hmac.compare_digest, values, itertools.repeat(self.value)))
        except TypeError:  # a non-ASCII character
            return any(same_secret(value, self.value) for value in values)


def is_loopback(address: str) -> bool:
    return address.startswith(LOOPBACK)


def last_entry(values: Sequence[str]) -> str:
    """The last non-empty entry of a comma-separated list header over all its lines."""
    if values:
        last = values[-1].rpartition(",")[2].strip()
        if last:
            return last
    for value in reversed(values):
        for part in reversed(value.split(",")):
            entry = part.strip()
            if entry:
                return entry
    return ""


def called_origin(
    via: str, host: str | None, forwarded_proto: Sequence[str], public_url: str | None = None
) -> str | None:
    """``scheme://host`` of the URL the sender called, or ``None`` when it is not known.

    Tunnelled: the last ``X-Forwarded-Proto`` value (the agent's) and ``Host`` (the public
    host: ngrok routes by it), each falling back to ``public_url``. Local: ``http`` and
    ``Host``, as the listener speaks plain HTTP.
    """
    fallback_scheme = fallback_host = ""
    if public_url:
        parts = urlsplit(public_url)
        fallback_scheme, fallback_host = parts.scheme, parts.netloc
    name = (host or "").strip()
    if not _HOST_RE.match(name):
        name = fallback_host if via == "tunnel" else ""
    if via == "tunnel":
        scheme = last_entry(forwarded_proto).lower()
        if scheme not in ("http", "https"):
            scheme = fallback_scheme
    else:
        scheme = "http"
    return f"{scheme}://{name}" if scheme and name else None


def read_own_headers(
    headers: Headers, *, via: str, marks: Sequence[TunnelMark], run_token: str | None
) -> tuple[Headers, str, str | None]:
    """Take out what our own side added: ``(headers kept, source, replay_of)``; the
    source is ``live``, ``replay``, ``simulate`` or :data:`SANDBOX_SOURCE`.

    The tunnel mark's value and the run token are removed wherever they are (they are
    secrets; a sender's own values of those headers stay). Our markers set the source
    only on a local request that carried the run token; otherwise they stay, visible.
    """
    mark_names = {m.lower_name for m in marks}
    kept: Headers = []
    token_seen = False
    for name, value in headers:
        lname = name.lower()
        if lname in mark_names and any(
            m.lower_name == lname and same_secret(value, m.value) for m in marks
        ):
            continue
        if lname == _TOKEN_LOWER and run_token is not None and same_secret(value, run_token):
            token_seen = True
            continue
        kept.append((name, value))
    source, replay_of = "live", None
    if not (token_seen and via == "local"):
        return kept, source, replay_of
    out: Headers = []
    for name, value in kept:
        lname = name.lower()
        if lname == _REPLAY_LOWER:
            source, replay_of = "replay", value
        elif lname == _SOURCE_LOWER and value in ("replay", "simulate", SANDBOX_SOURCE):
            source = value
        else:
            out.append((name, value))
    return out, source, replay_of


def without_trailing_mark(headers: Headers, mark: TunnelMark) -> Headers | None:
    """``headers`` without their last one when it is the mark's header (where agents add
    it), else ``None``. Only for a request whose one value of that header is the mark's
    (:meth:`TunnelMark.found_in`) and that has no run token: then nothing else is ours.

    Every tunnelled request needs its mark taken out; this spares it the look at each
    header that :func:`read_own_headers` takes.
    """
    if headers:
        name = headers[-1][0]
        if name == mark.name or name.lower() == mark.lower_name:
            return headers[:-1]
    return None


def own_markers(
    run_token: str | None, *, replay_of: str | None = None, source: str | None = None
) -> list[tuple[str, str]]:
    """The headers our replay (``replay_of``), samples (``source="simulate"``) or sandbox
    (``source=SANDBOX_SOURCE``) add when they send to our own listener; nothing without the
    run token, which makes them count."""
    if not run_token:
        return []
    out: list[tuple[str, str]] = []
    if replay_of is not None:
        out.append((REPLAY_HEADER, replay_of))
    if source is not None:
        out.append((SOURCE_HEADER, source))
    out.append((TOKEN_HEADER, run_token))
    return out
