"""User settings, kept as JSON in ``<data_dir>/settings.json``.

Secrets never live here (see :mod:`inspector.core.secrets`). The file is written atomically
so a crash mid-save leaves the previous settings intact. Keys this version does not know
(written by a newer version, or by hand) are kept and written back unchanged, so an older
app never destroys a newer one's settings.

To add a setting, add a field with a default to :class:`Settings`: loading, validation of
its type and saving follow from the annotation. Values of the wrong type in the file fall
back to the default and are reported in :attr:`Settings.problems`, never raised, because a
hand-edited settings file must not keep the app from starting.
"""

from __future__ import annotations

import json
import logging
import re
import types
import typing
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from inspector.core.paths import atomic_write_text
from inspector.core.store import DEFAULT_DURABILITY, DURABILITIES

log = logging.getLogger(__name__)

SETTINGS_FILENAME = "settings.json"
DEFAULT_LISTEN_PORT = 8765
DEFAULT_BODY_LIMIT = 25 * 1024 * 1024
#: the choices of the ``theme`` setting
THEMES = ("system", "light", "dark")

#: An HTTP header name (RFC 9110 token characters).
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")

# Fields that are bookkeeping, not settings: never read from nor written to the file.
_INTERNAL = frozenset({"extra", "problems"})


@dataclass
class Settings:
    """The app's persisted preferences; every field has a default."""

    FORMAT: ClassVar[int] = 1

    listen_port: int = DEFAULT_LISTEN_PORT
    body_limit: int = DEFAULT_BODY_LIMIT
    ngrok_path: str | None = None
    ngrok_region: str | None = None
    ngrok_domain: str | None = None
    custom_public_url: str | None = None
    #: the header the custom public URL's tunnel program adds to each request it relays
    #: (its value is a secret, kept in the secret store as CUSTOM_TUNNEL_VALUE); without
    #: it, tunnelled requests cannot be told from local ones
    custom_tunnel_header: str | None = None
    tunnel_autostart: bool = True
    #: requests per second allowed per sender (0: no limit) and the burst above it
    rate_limit_per_s: float = 50.0
    rate_limit_burst: int = 200
    #: the store is trimmed (oldest unpinned captures first) above this size; 0: no cap
    max_store_mb: int = 4096
    #: warn when the data directory's disk has less free space than this
    min_free_disk_mb: int = 500
    #: when stored captures reach the disk: "interval" (within 0.1 s; a power cut may lose
    #: that much, a crash of the app nothing) or "commit" (before each answer; slower)
    durability: str = DEFAULT_DURABILITY
    #: the app's copies (Copy as cURL...) and exports keep tokens and signatures as they
    #: were received; False: they are masked (the command line has its own flags)
    reveal_secrets: bool = False
    #: closing the window hides it in the system tray (the listener keeps running);
    #: ignored where the desktop has no tray
    close_to_tray: bool = False
    #: desktop notifications, per kind (inspector/core/notify_policy.py)
    notify_invalid_signature: bool = True
    notify_task_first_callback: bool = True
    notify_task_final_callback: bool = True
    notify_tunnel_down: bool = True
    #: the window's colours: "system" (the desktop's light or dark), "light" or "dark"
    theme: str = "system"
    #: Keys found in the file that no field declares; saved back as they were.
    extra: dict[str, Any] = field(default_factory=dict)
    #: What was wrong with the file when it was loaded (for a status line); not saved.
    problems: list[str] = field(default_factory=list, compare=False)

    # ---- (de)serialisation -------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The JSON object to store: unknown keys first, then every declared field."""
        data: dict[str, Any] = dict(self.extra)
        data["format"] = self.FORMAT
        for f in fields(self):
            if f.name not in _INTERNAL:
                data[f.name] = getattr(self, f.name)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        """Build settings from a stored object, tolerating missing, unknown and bad keys."""
        settings = cls()
        hints = typing.get_type_hints(cls)
        known = {f.name: f for f in fields(cls) if f.name not in _INTERNAL}
        for key, value in data.items():
            if key == "format":
                continue
            if key not in known:
                settings.extra[key] = value
                continue
            if _matches(value, hints[key]):
                setattr(settings, key, value)
            else:
                settings.problems.append(
                    f"setting {key!r} has an invalid value {value!r}; using the default"
                )
        for name, problem in settings._range_problems():
            settings.problems.append(problem + "; using the default")
            default = known[name].default
            setattr(settings, name, None if default is MISSING else default)
        return settings

    def validate(self) -> list[str]:
        """What is out of range (types are checked on load); empty when all is well."""
        return [problem for _, problem in self._range_problems()]

    def _range_problems(self) -> list[tuple[str, str]]:
        problems = []
        if not 0 <= self.listen_port <= 65535:
            problems.append(
                ("listen_port", f"setting 'listen_port' must be 0-65535, not {self.listen_port}")
            )
        if self.rate_limit_per_s < 0 or self.rate_limit_burst < 1:
            problems.append(
                (
                    "rate_limit_per_s",
                    "settings 'rate_limit_per_s' must be 0 or more and 'rate_limit_burst' 1 or more",
                )
            )
        if self.durability not in DURABILITIES:
            choices = " or ".join(f'"{d}"' for d in DURABILITIES)
            problems.append(
                ("durability", f"setting 'durability' must be {choices}, not {self.durability!r}")
            )
        name = self.custom_tunnel_header
        if name is not None and not _HEADER_NAME.fullmatch(name):
            problems.append(
                (
                    "custom_tunnel_header",
                    f"setting 'custom_tunnel_header' must be a header name, not {name!r}",
                )
            )
        if self.theme not in THEMES:
            choices = ", ".join(f'"{t}"' for t in THEMES)
            problems.append(("theme", f"setting 'theme' must be {choices}, not {self.theme!r}"))
        if self.body_limit <= 0:
            problems.append(
                ("body_limit", f"setting 'body_limit' must be positive, not {self.body_limit}")
            )
        return problems

    # ---- files -------------------------------------------------------------------------

    @classmethod
    def load(cls, data_dir: Path) -> Settings:
        """Read ``settings.json``; defaults when it is missing or unreadable.

        A file that is not valid JSON is renamed to ``settings.json.corrupt`` rather than
        silently overwritten by the next save, so the user can still recover it.
        """
        path = Path(data_dir) / SETTINGS_FILENAME
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        except OSError as exc:
            settings = cls()
            settings.problems.append(f"cannot read {path} ({exc.strerror}); using defaults")
            return settings
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            backup = path.with_name(SETTINGS_FILENAME + ".corrupt")
            path.replace(backup)
            log.warning("settings file %s is not valid JSON (%s); moved to %s", path, exc, backup)
            settings = cls()
            settings.problems.append(
                f"{path} was not valid JSON and was moved to {backup.name}; using defaults"
            )
            return settings
        return cls.from_dict(data)

    def save(self, data_dir: Path) -> None:
        """Write ``settings.json`` atomically (readers see the old or the new file)."""
        path = Path(data_dir) / SETTINGS_FILENAME
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")


def _matches(value: Any, hint: Any) -> bool:
    """Whether a JSON value fits a field annotation (int, bool, str, float, X | None)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is int:
        # JSON true/false decode to bool, a subclass of int: not a port number.
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if origin is not None:
        return isinstance(value, origin)
    return isinstance(value, hint)
