"""Secrets (the ngrok authtoken, vendor API credentials) kept out of settings and logs.

The OS keyring is used when ``keyring`` finds a real backend. On machines without one
(headless Linux, CI, containers) ``keyring`` falls back to its ``fail`` or ``null`` backends,
which cannot store anything; then secrets go to ``<data_dir>/secrets.json`` created with mode
0600, so only the user can read it. Values never reach a log message or an exception text:
only secret *names* do.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import chainer, fail, null

from inspector.core.paths import atomic_write_text

log = logging.getLogger(__name__)

SECRETS_FILENAME = "secrets.json"
KEYRING_SERVICE = "webhook-inspector"

#: Well-known secret names, so every part of the app spells them the same way.
NGROK_AUTHTOKEN = "ngrok.authtoken"
#: The value a custom public URL's tunnel program puts in Settings' custom tunnel header.
CUSTOM_TUNNEL_VALUE = "tunnel.custom-header-value"


class SecretStoreError(Exception):
    """A secret could not be stored or read; the message never contains the value."""


def keyring_is_usable(backend: keyring.backend.KeyringBackend) -> bool:
    """False for keyring's placeholder backends that cannot keep anything."""
    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return any(keyring_is_usable(b) for b in backend.backends)
    return True


#: Set to any value to keep secrets in the user-only file even when a keyring exists.
NO_KEYRING_ENV = "WEBHOOK_INSPECTOR_NO_KEYRING"


class SecretStore:
    """Get, set and delete secrets by name, in the OS keyring or a user-only file.

    ``use_keyring``: ``None`` (default) picks the keyring when a usable backend exists,
    ``False`` forces the file (tests, or a user who prefers it), ``True`` requires a keyring.
    ``backend`` overrides which keyring backend is used (default: ``keyring.get_keyring()``).
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        use_keyring: bool | None = None,
        backend: keyring.backend.KeyringBackend | None = None,
    ) -> None:
        self.path = Path(data_dir) / SECRETS_FILENAME
        self._backend: keyring.backend.KeyringBackend | None = None
        if use_keyring is None and backend is None and os.environ.get(NO_KEYRING_ENV):
            use_keyring = False  # tests and CI must never touch the user's real keyring
        if use_keyring is not False:
            candidate = backend if backend is not None else keyring.get_keyring()
            if keyring_is_usable(candidate):
                self._backend = candidate
            elif use_keyring:
                raise SecretStoreError(
                    f"no usable OS keyring (found {type(candidate).__name__}); "
                    "secrets can be kept in a user-only file instead"
                )

    @property
    def backend_name(self) -> str:
        """``"keyring:<backend class>"`` or ``"file:<path>"``, for a settings page."""
        if self._backend is not None:
            return f"keyring:{type(self._backend).__name__}"
        return f"file:{self.path}"

    # ---- public API --------------------------------------------------------------------

    def get(self, name: str) -> str | None:
        """The secret, or ``None`` when none is stored under that name."""
        if self._backend is not None:
            try:
                value = self._backend.get_password(KEYRING_SERVICE, name)
            except keyring.errors.KeyringError as exc:
                log.warning("keyring could not read secret %r (%s); trying the file", name, exc)
            else:
                if value is not None:
                    return str(value)
        # Also consulted with a keyring: a secret saved while no keyring was available
        # must not vanish once one appears.
        value = self._read_file().get(name)
        return value if isinstance(value, str) else None

    def set(self, name: str, value: str) -> None:
        """Store the secret under ``name``, replacing any earlier value."""
        if self._backend is not None:
            try:
                self._backend.set_password(KEYRING_SERVICE, name, value)
            except keyring.errors.KeyringError as exc:
                log.warning("keyring could not store secret %r (%s); using the file", name, exc)
            else:
                self._remove_from_file(name)
                return
        data = self._read_file()
        data[name] = value
        self._write_file(data)

    def delete(self, name: str) -> None:
        """Forget the secret; deleting a name that is not stored is not an error."""
        if self._backend is not None:
            try:
                self._backend.delete_password(KEYRING_SERVICE, name)
            except keyring.errors.PasswordDeleteError:
                pass
            except keyring.errors.KeyringError as exc:
                log.warning("keyring could not delete secret %r (%s)", name, exc)
        self._remove_from_file(name)

    # ---- file fallback -----------------------------------------------------------------

    def _read_file(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise SecretStoreError(f"cannot read {self.path} ({exc.strerror})") from None
        # Tighten a file whose mode was loosened (copied around, restored from a backup).
        if self.path.stat().st_mode & 0o077:
            os.chmod(self.path, 0o600)
        try:
            data = json.loads(text)
        except ValueError:
            # Deliberately no detail: the parser's message could quote part of a secret.
            raise SecretStoreError(f"{self.path} is not valid JSON") from None
        if not isinstance(data, dict):
            raise SecretStoreError(f"{self.path} does not hold a JSON object")
        return data

    def _write_file(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # The temporary file gets 0600 before any byte is written, so no reader can catch
        # the secrets in a world-readable window.
        atomic_write_text(self.path, json.dumps(data, indent=2, sort_keys=True), mode=0o600)

    def _remove_from_file(self, name: str) -> None:
        if not self.path.exists():
            return
        data = self._read_file()
        if name in data:
            del data[name]
            self._write_file(data)
