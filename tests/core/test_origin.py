"""Where a request came from: the tunnel mark, the forwarded headers' last entries, our
own markers and the run token (inspector/core/origin.py), and ``via`` on the capture."""

from __future__ import annotations

import pytest

from inspector.core.capture import Capture
from inspector.core.origin import (
    REPLAY_HEADER,
    SOURCE_HEADER,
    TOKEN_HEADER,
    TunnelMark,
    called_origin,
    last_entry,
    new_secret,
    own_markers,
    read_own_headers,
    without_trailing_mark,
)

MARK = TunnelMark("X-Inspector-Tunnel", "s3cret")
TOKEN = "run-token"


def test_secrets_are_fresh_and_long() -> None:
    values = {new_secret() for _ in range(100)}
    assert len(values) == 100 and all(len(v) >= 43 for v in values)


def test_the_mark_is_found_beside_a_senders_own_value() -> None:
    assert MARK.found_in(["guess", "s3cret"])
    assert not MARK.found_in(["guess", "s3cret2", "", "ümlaut"])
    assert "s3cret" not in repr(MARK)


def test_last_entry_is_the_agents() -> None:
    # ngrok appends to what the sender wrote, in one line or another.
    assert last_entry(["10.0.0.1, 203.0.113.9"]) == "203.0.113.9"
    assert last_entry(["10.0.0.1", "203.0.113.9 , "]) == "203.0.113.9"
    assert last_entry([" , "]) == "" and last_entry([]) == ""


def test_called_origin_never_believes_the_senders_words() -> None:
    # Tunnelled: the last X-Forwarded-Proto (a sender's "http" before it does not count).
    assert called_origin("tunnel", "a.ngrok.app", ["http, https"]) == "https://a.ngrok.app"
    # No forwarded scheme, or a Host unfit for a URL: the known public URL.
    public = "https://a.ngrok.app"
    assert called_origin("tunnel", "a.ngrok.app", [], public) == public
    assert called_origin("tunnel", "evil/x@y", ["https"], public) == public
    assert called_origin("tunnel", None, ["gopher"]) is None
    # Local: the listener speaks plain HTTP, whatever a local program claims.
    assert called_origin("local", "127.0.0.1:8765", ["https"], public) == "http://127.0.0.1:8765"
    assert called_origin("local", None, [], public) is None


def test_capture_called_url_from_stored_headers() -> None:
    tunnelled = Capture(
        method="POST",
        path="/twilio",
        query="a=1",
        headers=[
            ("Host", "a.ngrok.app"),
            ("X-Forwarded-Host", "attacker.example"),
            ("X-Forwarded-Proto", "http, https"),
        ],
        via="tunnel",
    )
    assert tunnelled.called_url() == "https://a.ngrok.app/twilio?a=1"
    local = Capture(method="GET", path="/x", headers=[("Host", "localhost:1")])
    assert local.called_origin() == "http://localhost:1"
    assert Capture(method="GET", path="/x").called_url() is None


def test_markers_count_only_locally_with_the_run_token() -> None:
    headers = [
        ("Content-Type", "application/json"),
        (REPLAY_HEADER, "0" * 32),
        (SOURCE_HEADER, "simulate"),
    ]
    kept, source, replay_of = read_own_headers(
        [*headers, (TOKEN_HEADER, TOKEN)], via="local", marks=[MARK], run_token=TOKEN
    )
    assert (kept, source, replay_of) == ([headers[0]], "simulate", "0" * 32)
    # No token, a wrong one, or through the tunnel: ordinary headers, kept as sent.
    for via, extra in (
        ("local", []),
        ("local", [(TOKEN_HEADER, "guess")]),
        ("tunnel", [(TOKEN_HEADER, TOKEN)]),
    ):
        kept, source, replay_of = read_own_headers(
            [*headers, *extra], via=via, marks=[MARK], run_token=TOKEN
        )
        assert (source, replay_of) == ("live", None)
        # the token itself is never stored
        assert kept == headers + [h for h in extra if h[1] != TOKEN]


def test_the_tunnel_mark_is_removed_and_a_senders_copy_kept() -> None:
    kept, source, _ = read_own_headers(
        [("X-Inspector-Tunnel", "guess"), ("x-inspector-tunnel", "s3cret"), ("A", "1")],
        via="tunnel",
        marks=[MARK],
        run_token=TOKEN,
    )
    assert kept == [("X-Inspector-Tunnel", "guess"), ("A", "1")] and source == "live"


def test_the_mark_where_agents_add_it_is_taken_out_without_a_look_at_each_header() -> None:
    headers = [("Host", "h"), ("x-inspector-tunnel", "s3cret")]
    assert without_trailing_mark(headers, MARK) == [("Host", "h")]
    assert without_trailing_mark(headers[::-1], MARK) is None  # elsewhere: the full look
    assert without_trailing_mark([], MARK) is None


def test_a_tunnelled_capture_without_forwarded_scheme_uses_the_public_url() -> None:
    capture = Capture(
        method="POST",
        path="/square",
        headers=[("Host", "hooks.example.com")],
        via="tunnel",
        public_url="https://hooks.example.com/in",
    )
    assert capture.called_url() == "https://hooks.example.com/square"


def test_own_markers() -> None:
    assert own_markers(None, replay_of="abc") == []
    assert own_markers(TOKEN, replay_of="abc") == [(REPLAY_HEADER, "abc"), (TOKEN_HEADER, TOKEN)]
    assert own_markers(TOKEN, source="simulate") == [
        (SOURCE_HEADER, "simulate"),
        (TOKEN_HEADER, TOKEN),
    ]


def test_via_in_capture_json() -> None:
    capture = Capture(method="POST", path="/x", via="tunnel")
    data = capture.to_json()
    assert data["via"] == "tunnel"
    assert Capture.from_json(data).via == "tunnel"
    del data["via"]  # exports made before via existed
    assert Capture.from_json(data).via == "local"
    with pytest.raises(ValueError, match="via"):
        Capture.from_json({**data, "via": "carrier-pigeon"})
