"""The pure parts of submitting a test task: credentials, the vendor's endpoint, its URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from inspector.core.endpoints import Endpoint, EndpointTable
from inspector.core.submission import (
    CREDENTIALS,
    SUBMIT_VENDORS,
    ensure_vendor_endpoint,
    resolve_credentials,
    webhook_url,
)


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
    assert set(SUBMIT_VENDORS) <= set(CREDENTIALS)
    assert CREDENTIALS["celantur-v1"] == CREDENTIALS["celantur"]
    assert resolve_credentials("no-such-vendor", {"x": "y"}, {}, Keyring({})) == {}


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
