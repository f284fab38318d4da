"""Endpoints: validation messages, atomic persistence, matching, and pick-up of edits made
by another process (the CLI) through reload_if_changed."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from inspector.core.endpoints import (
    ENDPOINTS_FILE,
    Endpoint,
    EndpointTable,
    ResponseRule,
    split_query_token,
)
from inspector.core.vendors import vendor_ids


def test_every_registered_vendor_may_have_an_endpoint() -> None:
    for vendor in vendor_ids():
        assert Endpoint(f"/{vendor}", vendor=vendor).vendor == vendor


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"path": "blurit"}, "must start with '/'"),
        ({"path": "/a?b=1"}, "bare path"),
        ({"path": "/x", "vendor": "acme"}, "unknown vendor 'acme'"),
        ({"path": "/x", "scheme": "md5", "secret": "s"}, "unknown scheme 'md5'"),
        ({"path": "/x", "scheme": "hmac-sha256"}, "needs --secret"),
        ({"path": "/x", "secret": "s"}, "needs a scheme"),
        (
            {"path": "/x", "scheme": "hmac-sha256", "secret": "s", "encoding": "b32"},
            "hex or base64",
        ),
        ({"path": "/x", "query_token": "novalue"}, "NAME=VALUE"),
        ({"path": "/x", "scheme": "query-token"}, "NAME=VALUE"),
        ({"path": "/x", "scheme": "token-header"}, "needs a token"),
        ({"path": "/x", "scheme": "standard-webhooks", "secret": "whsec_!!"}, "not base64"),
        (
            {"path": "/x", "response": ResponseRule(fail_rate=1.5)},
            "fail_rate must be between 0 and 1",
        ),
        ({"path": "/x", "response": ResponseRule(fail_rate=-0.1)}, "fail_rate"),
        ({"path": "/x", "response": ResponseRule(status=99)}, "status must be between"),
        ({"path": "/x", "response": ResponseRule(delay_ms=-1)}, "delay_ms"),
        (
            {"path": "/x", "response": ResponseRule(headers=[("Bad:Name", "v")])},
            "invalid response header",
        ),
        (
            {"path": "/x", "response": ResponseRule(headers=[("X", "a\r\nb")])},
            "invalid response header",
        ),
    ],
)
def test_bad_input_has_clear_message(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("?", r"\?")):
        Endpoint(**kwargs)  # type: ignore[arg-type]


def test_good_endpoints() -> None:
    e = Endpoint("/blurit/", vendor="blurit", token="t")
    assert e.path == "/blurit"
    assert Endpoint("/", vendor="generic").path == "/"
    sw = Endpoint("/g", scheme="standard-webhooks", secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    assert sw.scheme == "standard-webhooks"
    assert Endpoint("/q", scheme="query-token", secret="key=abc").query_token_pair() == (
        "key",
        "abc",
    )
    assert split_query_token("key=a=b") == ("key", "a=b")


def test_save_load_roundtrip_is_atomic_and_private(tmp_path: Path) -> None:
    table = EndpointTable.load(tmp_path)
    assert len(table) == 0
    table.add(
        Endpoint(
            "/g",
            vendor="generic",
            scheme="hmac-sha256",
            secret="s3cret",
            header="X-Sig",
            encoding="base64",
            prefix="sha256=",
            response=ResponseRule(
                status=202, headers=[("X-A", "1")], body="{}", delay_ms=5, fail_rate=0.25
            ),
            forward_url="http://localhost:3000",
        )
    )
    table.add(Endpoint("/blurit", vendor="blurit", token="tok"))
    table.save()
    file = tmp_path / ENDPOINTS_FILE
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [ENDPOINTS_FILE]  # no temp file left
    data = json.loads(file.read_text())
    assert data["version"] == 1
    again = EndpointTable.load(tmp_path)
    assert [e.to_json() for e in again] == [e.to_json() for e in table]
    assert again.get("/g") == table.get("/g")


def test_match_ignores_trailing_slash_and_decodes_percent(tmp_path: Path) -> None:
    table = EndpointTable(None, [Endpoint("/blurit", vendor="blurit"), Endpoint("/my-hook")])
    assert table.match("/blurit") is not None
    assert table.match("/blurit/") is not None
    assert table.match("/my%2Dhook") is not None
    assert table.match("/bluri") is None
    assert table.match("/blurit/x") is None
    assert table.match("/BLURIT") is None


def test_add_replaces_keeping_created_and_remove() -> None:
    table = EndpointTable()
    first = table.add(Endpoint("/a", token="1"))
    second = table.add(Endpoint("/a/", token="2"))
    assert len(table) == 1
    assert second.created_at == first.created_at
    assert second.updated_at >= first.updated_at
    assert table.match("/a") is not None and table.match("/a").token == "2"  # type: ignore[union-attr]
    assert table.remove("/a/") is True
    assert table.remove("/a") is False
    assert table.for_vendor("generic") == []


def test_reload_if_changed_picks_up_another_process_edit(tmp_path: Path) -> None:
    listener_table = EndpointTable.load(tmp_path)
    assert listener_table.reload_if_changed() is False  # no file yet, nothing changed

    cli_table = EndpointTable.load(tmp_path)  # what `endpoint add` does in another process
    cli_table.add(Endpoint("/anesya", vendor="anesya", token="t"))
    cli_table.save()
    assert listener_table.match("/anesya") is None
    assert listener_table.reload_if_changed() is True
    assert listener_table.match("/anesya") is not None
    assert listener_table.reload_if_changed() is False  # unchanged since

    cli_table.remove("/anesya")
    cli_table.save()
    assert listener_table.reload_if_changed() is True
    assert listener_table.match("/anesya") is None


def test_own_save_does_not_count_as_a_change(tmp_path: Path) -> None:
    table = EndpointTable.load(tmp_path)
    table.add(Endpoint("/x"))
    table.save()
    assert table.reload_if_changed() is False


def test_broken_file_keeps_previous_table(tmp_path: Path) -> None:
    table = EndpointTable.load(tmp_path)
    table.add(Endpoint("/x"))
    table.save()
    file = tmp_path / ENDPOINTS_FILE
    file.write_text('{"endpoints": [{"path": "no-slash"}]}')
    os.utime(file, ns=(1, 1))  # make the change visible whatever the mtime granularity
    assert table.reload_if_changed() is False
    assert table.match("/x") is not None
    assert table.last_error is not None and "must start with '/'" in table.last_error
    with pytest.raises(ValueError, match="cannot read endpoints"):
        EndpointTable.load(tmp_path)
    file.write_text("not json")
    os.utime(file, ns=(2, 2))
    assert table.reload_if_changed() is False
    table.add(Endpoint("/y"))
    table.save()
    assert EndpointTable.load(tmp_path).match("/y") is not None


def test_deleted_file_empties_the_table(tmp_path: Path) -> None:
    table = EndpointTable.load(tmp_path)
    table.add(Endpoint("/x"))
    table.save()
    (tmp_path / ENDPOINTS_FILE).unlink()
    assert table.reload_if_changed() is True
    assert len(table) == 0


def test_masked_listing_hides_every_secret() -> None:
    endpoint = Endpoint(
        "/g",
        token="token-value-0123456789",
        query_token="key=query-secret-0123456789",
        scheme="hmac-sha256",
        secret="hmac-secret-0123456789",
    )
    text = json.dumps(endpoint.to_json(mask_secrets=True))
    for secret in ("token-value-0123456789", "query-secret-0123456789", "hmac-secret-0123456789"):
        assert secret not in text
    masked = endpoint.to_json(mask_secrets=True)
    assert masked["token"] == "to…89 (22 chars)"
    assert masked["query_token"].startswith("key=")
    assert endpoint.to_json()["secret"] == "hmac-secret-0123456789"
