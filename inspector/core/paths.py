"""Where the app keeps its data, and the record of a running listener in it.

``--data-dir`` wins, then ``WEBHOOK_INSPECTOR_HOME``, then the platform's user data folder.
While ``serve`` or the GUI runs, ``listener.json`` in the data directory says where its
listener is, so ``replay`` and ``simulate`` (other processes) can reach it, and holds the
listener's run token, which makes it record their requests as replays and samples. The file
is readable by the user alone: the token is as private as the user's other files.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import platformdirs

ENV_HOME = "WEBHOOK_INSPECTOR_HOME"
RUNTIME_FILENAME = "listener.json"


class DataDirError(Exception):
    """The data directory cannot be used; the message says why and what to do."""


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("webhook-inspector", appauthor=False))


def ensure_data_dir(path: Path) -> Path:
    """Create the directory if needed and prove it is writable."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DataDirError(
            f"data directory {path} is not writable ({reason}); "
            f"choose another with --data-dir or {ENV_HOME}"
        ) from exc
    return path


def atomic_write_text(path: Path, text: str, mode: int | None = None) -> None:
    """Write a file so that readers see the old or the new content, never half of it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@dataclass(slots=True)
class RuntimeInfo:
    """What a running listener publishes about itself."""

    pid: int
    url: str
    kind: str  # "serve" | "gui"
    public_url: str | None = None
    #: the listener's run token (see inspector.core.origin); None from an older version
    token: str | None = field(default=None, repr=False)

    def save(self, data_dir: Path) -> None:
        atomic_write_text(data_dir / RUNTIME_FILENAME, json.dumps(asdict(self)), mode=0o600)

    @staticmethod
    def clear(data_dir: Path, pid: int | None = None) -> None:
        path = data_dir / RUNTIME_FILENAME
        info = RuntimeInfo.load_raw(data_dir)
        if info is not None and pid is not None and info.pid != pid:
            return  # another process took over the record
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    @staticmethod
    def load_raw(data_dir: Path) -> RuntimeInfo | None:
        try:
            data = json.loads((data_dir / RUNTIME_FILENAME).read_text(encoding="utf-8"))
            return RuntimeInfo(
                pid=int(data["pid"]),
                url=str(data["url"]),
                kind=str(data.get("kind", "serve")),
                public_url=data.get("public_url"),
                token=data.get("token") if isinstance(data.get("token"), str) else None,
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    @staticmethod
    def load_running(data_dir: Path) -> RuntimeInfo | None:
        """The record, only if its process is still alive."""
        info = RuntimeInfo.load_raw(data_dir)
        if info is None:
            return None
        try:
            os.kill(info.pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass  # alive, owned by someone else
        return info
