"""SecretStore: file fallback with user-only permissions, keyring when usable, no leaks."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import KeyringLocked, PasswordDeleteError

from inspector.core.secrets import (
    KEYRING_SERVICE,
    NGROK_AUTHTOKEN,
    SECRETS_FILENAME,
    SecretStore,
    SecretStoreError,
    keyring_is_usable,
)


class MemoryKeyring(KeyringBackend):
    """An OS keyring stand-in that keeps passwords in a dict."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.items:
            raise PasswordDeleteError(username)
        del self.items[(service, username)]


class LockedKeyring(MemoryKeyring):
    """A keyring that exists but refuses access (e.g. a locked Secret Service)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("locked")


def test_file_store_round_trip_with_user_only_permissions(tmp_path: Path) -> None:
    store = SecretStore(tmp_path, use_keyring=False)
    assert store.get(NGROK_AUTHTOKEN) is None

    store.set(NGROK_AUTHTOKEN, "tok-1")
    store.set("blurit.secret_id", "s-2")

    path = tmp_path / SECRETS_FILENAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.backend_name == f"file:{path}"
    again = SecretStore(tmp_path, use_keyring=False)
    assert again.get(NGROK_AUTHTOKEN) == "tok-1"
    assert again.get("blurit.secret_id") == "s-2"

    again.delete(NGROK_AUTHTOKEN)
    again.delete("never-set")
    assert again.get(NGROK_AUTHTOKEN) is None
    assert json.loads(path.read_text()) == {"blurit.secret_id": "s-2"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_loosened_file_permissions_are_tightened(tmp_path: Path) -> None:
    store = SecretStore(tmp_path, use_keyring=False)
    store.set("a", "b")
    path = tmp_path / SECRETS_FILENAME
    path.chmod(0o644)
    assert store.get("a") == "b"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_placeholder_keyrings_are_not_used(tmp_path: Path) -> None:
    assert not keyring_is_usable(fail.Keyring())
    assert not keyring_is_usable(null.Keyring())
    assert keyring_is_usable(MemoryKeyring())
    store = SecretStore(tmp_path, backend=fail.Keyring())
    store.set("k", "v")
    assert store.backend_name.startswith("file:")
    assert json.loads((tmp_path / SECRETS_FILENAME).read_text()) == {"k": "v"}
    with pytest.raises(SecretStoreError, match="no usable OS keyring"):
        SecretStore(tmp_path, use_keyring=True, backend=null.Keyring())


def test_keyring_is_used_when_usable(tmp_path: Path) -> None:
    ring = MemoryKeyring()
    store = SecretStore(tmp_path, backend=ring)
    store.set(NGROK_AUTHTOKEN, "tok-k")
    assert ring.items == {(KEYRING_SERVICE, NGROK_AUTHTOKEN): "tok-k"}
    assert not (tmp_path / SECRETS_FILENAME).exists()
    assert store.get(NGROK_AUTHTOKEN) == "tok-k"
    assert store.backend_name == "keyring:MemoryKeyring"
    store.delete(NGROK_AUTHTOKEN)
    store.delete(NGROK_AUTHTOKEN)  # not an error
    assert store.get(NGROK_AUTHTOKEN) is None


def test_secret_from_the_file_moves_to_a_keyring_that_appears(tmp_path: Path) -> None:
    SecretStore(tmp_path, use_keyring=False).set("k", "old")
    ring = MemoryKeyring()
    store = SecretStore(tmp_path, backend=ring)
    assert store.get("k") == "old"  # still readable
    store.set("k", "new")
    assert ring.items[(KEYRING_SERVICE, "k")] == "new"
    assert json.loads((tmp_path / SECRETS_FILENAME).read_text()) == {}


def test_values_never_reach_logs_or_errors(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = SecretStore(tmp_path, use_keyring=False)
    store.set("k", "hunter2-secret")
    store.get("k")
    (tmp_path / SECRETS_FILENAME).write_text('{"k": "hunter2-secret", broken')
    with pytest.raises(SecretStoreError) as info:
        store.get("k")
    assert "hunter2" not in str(info.value)
    assert "hunter2" not in caplog.text


def test_a_keyring_that_refuses_falls_back_to_the_file(tmp_path: Path) -> None:
    store = SecretStore(tmp_path, backend=LockedKeyring())
    store.set("k", "v")
    assert store.get("k") == "v"
    assert stat.S_IMODE((tmp_path / SECRETS_FILENAME).stat().st_mode) == 0o600
