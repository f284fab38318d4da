"""Downloading the ngrok agent, only when the user asks for it (Settings' Download agent).

The app asks first, shows progress and lets the user cancel; the tunnel never downloads on
its own (:mod:`inspector.net.tunnel`). The download runs in a worker thread and checks a stop
flag between chunks; the agent is unpacked next to its final place and moved there only
once it answered ``--version`` as an ngrok v3 agent, so a cancelled or failed download
leaves nothing behind.

Its messages are read in Settings, next to the Download button, so they name that
dialog's buttons (no command-line flags, no "in Settings").
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import shutil
import subprocess
import tarfile
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from typing import Any

from pyngrok import conf, installer
from pyngrok.exception import PyngrokError, PyngrokNgrokInstallError

#: Where the user is when downloading (Settings): the other way to get an agent there.
OTHER_WAY = (
    "choose an ngrok you installed with Browse…, or keep working locally without a public URL"
)


class AgentInstallError(Exception):
    """Downloading or installing the agent failed; ``str()`` is one sentence for the user."""


class AgentInstallCancelled(AgentInstallError):
    """The user cancelled the download; nothing was installed."""


def default_agent_path() -> str:
    """Where pyngrok itself would install the agent."""
    return conf.DEFAULT_NGROK_PATH


async def install_agent(
    progress_cb: Callable[[int, int | None], None] | None = None,
    cancel_event: asyncio.Event | None = None,
    *,
    ngrok_path: str | None = None,
    download_url: str | None = None,
    download_timeout: float = 15.0,
) -> str:
    """Download the ngrok agent for this platform and install it; returns its path.

    ``progress_cb(received_bytes, total_bytes_or_None)`` is called on the event loop's
    thread. Setting ``cancel_event`` (or cancelling this coroutine) stops the download and
    installs nothing. ``download_url`` defaults to pyngrok's URL for this platform (tests
    point it at a local server). Every failure is an :class:`AgentInstallError` whose text
    is one sentence with the two ways out.
    """
    target = ngrok_path or default_agent_path()
    try:
        url = download_url or installer.get_ngrok_cdn_url("3")
    except (PyngrokNgrokInstallError, PyngrokError) as exc:
        raise AgentInstallError(_install_failure(str(exc))) from None
    loop = asyncio.get_running_loop()
    stop_flag = threading.Event()

    def report(received: int, total: int | None) -> None:
        if progress_cb is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(progress_cb, received, total)

    work = asyncio.ensure_future(
        asyncio.to_thread(_download_and_install, url, target, report, stop_flag, download_timeout)
    )
    waiter = asyncio.ensure_future(cancel_event.wait()) if cancel_event is not None else None
    try:
        pending: set[asyncio.Future[Any]] = {work} if waiter is None else {work, waiter}
        done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        if work not in done:
            stop_flag.set()
        return await work
    except asyncio.CancelledError:
        stop_flag.set()
        raise
    finally:
        if waiter is not None:
            waiter.cancel()


def _install_failure(why: str) -> str:
    return f"Could not download the ngrok agent ({why}): {OTHER_WAY}."


def _offline_failure(reason: object) -> str:
    reason = getattr(reason, "strerror", None) or reason
    return (
        f"Could not download the ngrok agent: downloading needs an internet connection "
        f"({reason}). Connect and try again, or {OTHER_WAY}."
    )


def _download_and_install(
    url: str,
    target: str,
    report: Callable[[int, int | None], None],
    stop_flag: threading.Event,
    timeout: float,
) -> str:
    """Download, extract, check and atomically install the agent (runs in a thread)."""
    name = os.path.basename(urllib.parse.urlsplit(url).path) or "ngrok.tgz"
    try:
        with tempfile.TemporaryDirectory(prefix="ngrok-download-") as tmp:
            archive = os.path.join(tmp, name)
            _download(url, archive, report, stop_flag, timeout)
            binary = _extract_agent(archive, tmp)
            os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
            partial = f"{target}.part"
            shutil.copyfile(binary, partial)
            os.chmod(partial, 0o755)
            try:
                _check_agent(partial)
                os.replace(partial, target)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(partial)
    except AgentInstallError:
        raise
    except urllib.error.URLError as exc:
        raise AgentInstallError(_offline_failure(exc.reason)) from None
    except (TimeoutError, http.client.HTTPException) as exc:
        raise AgentInstallError(
            _install_failure(f"the download broke off: {type(exc).__name__}")
        ) from None
    except (zipfile.BadZipFile, tarfile.TarError) as exc:
        raise AgentInstallError(_install_failure(f"the archive is damaged: {exc}")) from None
    except OSError as exc:
        raise AgentInstallError(_install_failure(exc.strerror or str(exc))) from None
    return target


def _download(
    url: str,
    dest: str,
    report: Callable[[int, int | None], None],
    stop_flag: threading.Event,
    timeout: float,
) -> None:
    if not url.lower().startswith(("http://", "https://")):
        raise AgentInstallError(_install_failure(f"not an http(s) URL: {url}"))
    try:
        opened = urllib.request.urlopen(url, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the connection's socket
        raise AgentInstallError(_install_failure(f"the server answered {exc.code}")) from None
    with opened as response, open(dest, "wb") as out:
        length = response.getheader("Content-Length")
        total = int(length) if length and length.isdigit() else None
        received = 0
        report(received, total)
        while chunk := response.read(64 * 1024):
            if stop_flag.is_set():
                raise AgentInstallCancelled("The download of the ngrok agent was cancelled.")
            out.write(chunk)
            received += len(chunk)
            report(received, total)
        if stop_flag.is_set():
            raise AgentInstallCancelled("The download of the ngrok agent was cancelled.")
        if total is not None and received != total:
            raise AgentInstallError(_install_failure("the download broke off"))


def _extract_agent(archive: str, workdir: str) -> str:
    """Copy the agent binary out of the archive (only that member: no path traversal)."""
    wanted = installer.get_ngrok_bin()
    dest = os.path.join(workdir, "extracted-" + wanted)
    if archive.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            names = [n for n in zf.namelist() if os.path.basename(n) == wanted]
            if not names:
                raise AgentInstallError(_install_failure(f"no {wanted} in the archive"))
            with zf.open(names[0]) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
        return dest
    with tarfile.open(archive, "r:*") as tar:
        members = [m for m in tar.getmembers() if m.isfile() and os.path.basename(m.name) == wanted]
        source = tar.extractfile(members[0]) if members else None
        if source is None:
            raise AgentInstallError(_install_failure(f"no {wanted} in the archive"))
        with source, open(dest, "wb") as out:
            shutil.copyfileobj(source, out)
    return dest


def _check_agent(path: str) -> None:
    """Run ``<agent> --version``: what was downloaded must be an ngrok v3 agent."""
    try:
        result = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AgentInstallError(
            _install_failure(f"the downloaded agent does not run: {exc}")
        ) from None
    if not result.stdout.startswith("ngrok version 3"):
        raise AgentInstallError(
            _install_failure(
                f"the downloaded file is not an ngrok v3 agent: {result.stdout.strip()!r}"
            )
        )
