"""The pure parts of submitting a test task: credentials, options, the vendor's endpoint,
its URL, and the webhook URL a vendor's API registered."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from inspector.core.endpoints import Endpoint, EndpointTable
from inspector.core.settings import Settings
from inspector.core.submission import (
    credential_fields,
    ensure_vendor_endpoint,
    previous_webhook_url,
    remember_webhook_url,
    resolve_credentials,
    store_webhook_token,
    submit_options,
    submit_spec,
    webhook_url,
)
from inspector.core.vendors import submit_vendors

SUBMIT_VENDORS = [v.id for v in submit_vendors()]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(8)
JPEG = b"\xff\xd8\xff\xe0" + bytes(12)


class Keyring:
    """A secret store that records what it was asked for."""

    def __init__(self, values: dict[str, str], *, broken: bool = False) -> None:
        self.values = values
        self.broken = broken
        self.asked: list[str] = []

    def __call__(self, key: str) -> str | None:
        self.asked.append(key)
        if self.broken:
            raise RuntimeError("no usable keyring backend")
        return self.values.get(key)


def test_given_values_win_then_the_environment_then_the_store() -> None:
    store = Keyring({"celantur.username": "stored-user", "celantur.password": "stored-pw"})
    got = resolve_credentials(
        "celantur",
        {"username": "flag-user", "password": None},
        {"CELANTUR_PASSWORD": "env-pw"},
        store,
    )
    assert got == {"username": "flag-user", "password": "env-pw"}
    assert store.asked == []  # nothing was missing: the store is not read


def test_the_store_is_read_only_for_what_is_missing() -> None:
    store = Keyring({"blurit.client_id": "stored-id", "blurit.secret_id": "stored-secret"})
    got = resolve_credentials("blurit", {"client_id": "flag-id"}, {}, store)
    assert got == {"client_id": "flag-id", "secret_id": "stored-secret"}
    assert store.asked == ["blurit.secret_id"]


def test_an_empty_flag_falls_through_to_the_environment() -> None:
    got = resolve_credentials("anesya", {"api_key": ""}, {"ANESYA_API_KEY": "env-key"}, Keyring({}))
    assert got == {"api_key": "env-key"}


def test_a_broken_store_counts_as_empty() -> None:
    store = Keyring({"anesya.api_key": "unreachable"}, broken=True)
    assert resolve_credentials("anesya", {}, {}, store) == {}
    got = resolve_credentials("anesya", {}, {"ANESYA_API_KEY": "env-key"}, store)
    assert got == {"api_key": "env-key"}


def test_missing_credentials_are_left_out_not_empty() -> None:
    got = resolve_credentials("celantur", {}, {"CELANTUR_USERNAME": "u"}, Keyring({}))
    assert got == {"username": "u"}  # the caller names what is missing


def test_every_submit_vendor_has_credentials_and_v1_shares_celantur_s() -> None:
    assert SUBMIT_VENDORS == ["celantur", "celantur-v1", "blurit", "anesya"]
    assert all(credential_fields(vendor) for vendor in SUBMIT_VENDORS)
    assert credential_fields("celantur-v1") == credential_fields("celantur")
    assert credential_fields("generic") == ()
    assert resolve_credentials("no-such-vendor", {"x": "y"}, {}, Keyring({})) == {}


def defaults(vendor: str) -> dict[str, Any]:
    return {o.name: o.default for o in submit_spec(vendor).options}


@pytest.mark.parametrize("vendor", ["celantur", "celantur-v1"])
def test_celantur_options_need_something_to_anonymise(vendor: str) -> None:
    assert submit_options(vendor, defaults(vendor), PNG) == {
        "method": "blur",
        "face": True,
        "license_plate": False,
        "person": False,
        "vehicle": False,
    }
    with pytest.raises(ValueError, match="at least one of faces, license plates"):
        submit_options(vendor, {**defaults(vendor), "face": False}, PNG)


def test_blurit_is_sent_the_file_type_its_bytes_say() -> None:
    chosen = {**defaults("blurit"), "plates": False, "blur_type": "pixelate"}
    assert submit_options("blurit", chosen, PNG) == {
        "faces": True,
        "plates": False,
        "blur_type": "pixelate",
        "content_type": "image/png",
    }
    assert submit_options("blurit", chosen, JPEG)["content_type"] == "image/jpeg"
    assert submit_options("blurit", chosen, b"GIF89a")["content_type"] == (
        "application/octet-stream"
    )


def test_anesya_schema_only_when_given() -> None:
    assert submit_options("anesya", defaults("anesya"), b"%PDF-") == {"server": "EU-1"}
    chosen = {**defaults("anesya"), "server": "FR-2", "schema": "invoice"}
    assert submit_options("anesya", chosen, b"%PDF-") == {"server": "FR-2", "schema": "invoice"}


def test_a_vendor_without_an_api_cannot_be_submitted_to() -> None:
    with pytest.raises(ValueError, match="cannot submit to 'generic'; choose one of celantur"):
        submit_spec("generic")


def test_a_registered_webhook_token_becomes_the_endpoint_token(tmp_path: Path) -> None:
    table = EndpointTable(tmp_path / "endpoints.json")
    url = "https://abc.example/blurit"
    assert store_webhook_token(table, "blurit", url, "tok-1")
    assert not store_webhook_token(table, "blurit", url, "tok-1")  # unchanged: not saved
    reread = EndpointTable.load(tmp_path)
    endpoint = reread.get("/blurit")
    assert endpoint is not None and endpoint.vendor == "blurit" and endpoint.token == "tok-1"


def test_the_registered_webhook_url_is_remembered(tmp_path: Path) -> None:
    settings = Settings()
    assert previous_webhook_url(settings, "blurit") is None
    remember_webhook_url(settings, tmp_path, "blurit", "https://abc.example/blurit")
    again = Settings.load(tmp_path)
    assert previous_webhook_url(again, "blurit") == "https://abc.example/blurit"
    assert again.extra["blurit_webhook_url"] == "https://abc.example/blurit"


@pytest.mark.parametrize("vendor", SUBMIT_VENDORS)
def test_the_vendor_endpoint_is_created_once_then_reused(vendor: str) -> None:
    table = EndpointTable()
    first, created = ensure_vendor_endpoint(table, vendor)
    assert created and first.vendor == vendor
    again, created_again = ensure_vendor_endpoint(table, vendor)
    assert not created_again and again == first
    assert len(table.for_vendor(vendor)) == 1


def test_secrets_are_generated_where_the_vendor_needs_one() -> None:
    table = EndpointTable()
    celantur, _ = ensure_vendor_endpoint(table, "celantur")
    other, _ = ensure_vendor_endpoint(EndpointTable(), "celantur")
    assert celantur.query_token and celantur.query_token.startswith("key=")
    assert celantur.query_token != other.query_token  # random, not a constant
    anesya, _ = ensure_vendor_endpoint(table, "anesya")
    assert anesya.token and len(anesya.token) >= 24
    blurit, _ = ensure_vendor_endpoint(table, "blurit")
    assert not blurit.token  # BlurIt's token comes from its webhook API


def test_an_existing_endpoint_of_the_vendor_is_kept_as_the_user_made_it() -> None:
    table = EndpointTable()
    mine = table.add(Endpoint("/my-celantur", vendor="celantur", query_token="key=mine"))
    got, created = ensure_vendor_endpoint(table, "celantur")
    assert not created and got == mine


def test_the_webhook_url_carries_the_query_secret_encoded() -> None:
    endpoint = Endpoint("/celantur", vendor="celantur", query_token="key=a b&c")
    url = webhook_url("https://abc.ngrok-free.app/", endpoint)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://abc.ngrok-free.app/celantur"
    assert parse_qs(parts.query) == {"key": ["a b&c"]}
    assert webhook_url("https://x.test", Endpoint("/blurit", vendor="blurit")) == (
        "https://x.test/blurit"
    )


def test_the_webhook_url_carries_the_token_a_vendor_checks_in_the_query() -> None:
    # Celantur sends its token as ?key=: an endpoint with only a token expects it there.
    endpoint = Endpoint("/celantur", vendor="celantur", token="t&k")
    assert webhook_url("https://x.test", endpoint) == "https://x.test/celantur?key=t%26k"
    assert webhook_url("https://x.test", endpoint, mask="•••") == "https://x.test/celantur?key=•••"
