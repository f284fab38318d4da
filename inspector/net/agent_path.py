"""Which ngrok agent the tunnel runs, whether it can, and whether the tunnel is set up.

``pip install pyngrok`` puts a console script named ``ngrok`` into the environment's
``bin/``. It is not the agent: run, it downloads the agent from ngrok's servers (offline: a
long traceback on the terminal). With that environment on PATH a lookup of ``ngrok`` finds
the script first, so it is skipped here and refused when configured: the app never runs
it, and never downloads the agent unless the user asks (Settings' Download agent).
"""

from __future__ import annotations

import os
import re
import shutil

from pyngrok import conf

from inspector.core.tunnel_help import AGENT_MISSING, AGENT_NOT_RUNNABLE, is_pyngrok_wrapper

#: The command line's advice: its flag, and the app's Settings.
WAYS_OUT = (
    "set the path to an installed ngrok in Settings (or --ngrok-path), "
    "or keep working locally without a public URL"
)

#: An ``authtoken:`` with a value in the agent's YAML config (v2 top level or v3 ``agent:``).
_CONFIG_TOKEN = re.compile(r"^\s*authtoken:\s*['\"]?[^\s'\"#]", re.MULTILINE)


def _ngrok_on_path() -> tuple[str | None, str | None]:
    """The first ``ngrok`` on PATH that is not pyngrok's script, and that script if seen."""
    wrapper = None
    for directory in os.environ.get("PATH", os.defpath).split(os.pathsep):
        found = shutil.which("ngrok", path=directory) if directory else None
        if found is None:
            continue
        if is_pyngrok_wrapper(found):
            wrapper = wrapper or found
            continue
        return found, wrapper
    return None, wrapper


def resolve_ngrok_path(configured: str | None) -> str:
    """The agent binary to use: the configured one, else ``ngrok`` on PATH (never
    pyngrok's script), else where pyngrok keeps a downloaded agent."""
    if configured:
        return os.path.expanduser(configured)
    found, _ = _ngrok_on_path()
    return found or conf.DEFAULT_NGROK_PATH


def agent_problem(path: str, configured: str | None) -> tuple[str, str] | None:
    """``(error_code, detail)`` when ``path`` cannot be the agent; ``None`` when it may be.

    ``detail`` says what is wrong and nothing about what to do (each audience adds its own).
    """
    if not os.path.isfile(path):
        _, wrapper = (None, None) if configured else _ngrok_on_path()
        if wrapper is not None:
            return AGENT_MISSING, (
                f"no ngrok agent installed (the ngrok found on PATH, {wrapper}, is pyngrok's "
                "installer script, which the app does not run)"
            )
        return AGENT_MISSING, f"ngrok agent not found at {path}"
    if is_pyngrok_wrapper(path):
        return AGENT_NOT_RUNNABLE, (
            f"{path} is pyngrok's installer script, not the ngrok agent (run, it would "
            "download the agent)"
        )
    if not os.access(path, os.X_OK):
        return AGENT_NOT_RUNNABLE, f"{path} is not executable"
    return None


def config_has_authtoken(config_path: str | None) -> bool:
    """Whether the agent's config file holds an authtoken (``None``: ngrok's default file)."""
    path = config_path or conf.DEFAULT_NGROK_CONFIG_PATH
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return bool(_CONFIG_TOKEN.search(file.read(256 * 1024)))
    except OSError:
        return False
