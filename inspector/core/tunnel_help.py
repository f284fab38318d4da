"""Why the tunnel is not running, and what to do next, in the window's words.

The tunnel service (:mod:`inspector.net.tunnel`) reports a failure as an error code and a
``detail`` (what happened, with no advice); the command line adds its own advice, which
names its flags. The window names only what a user can click: :func:`window_message` is
that text, and every message ends on a step the user can take there (most open the
tunnel settings, which the window offers as a button next to the message).
"""

from __future__ import annotations

import os

#: ``TunnelStatus.error_code`` values of the app's own (ngrok's are ``ERR_NGROK_<n>``).
AGENT_MISSING = "agent-missing"
AGENT_NOT_RUNNABLE = "agent-not-runnable"
AGENT_TIMEOUT = "agent-timeout"
AGENT_FAILED = "agent-failed"
AGENT_EXITED = "agent-exited"
BAD_PUBLIC_URL = "bad-public-url"

#: The button (and menu item) that opens the tunnel's part of Settings.
OPEN_TUNNEL_SETTINGS = "Open tunnel settings"

_CHOOSE_AGENT = (
    "Open tunnel settings and choose the ngrok program you installed (Browse…) or "
    "download it there (Download ngrok agent…); meanwhile the app keeps working locally."
)

#: The next step for each of the app's own error codes.
_NEXT_STEP = {
    AGENT_MISSING: _CHOOSE_AGENT,
    AGENT_NOT_RUNNABLE: _CHOOSE_AGENT,
    AGENT_TIMEOUT: (
        "Check the internet connection, then Start tunnel again; if it happens again, "
        "open tunnel settings and check the ngrok program chosen there."
    ),
    AGENT_EXITED: "Start tunnel again; if it stops again, see the log (its last lines say why).",
    BAD_PUBLIC_URL: "Open tunnel settings and correct the custom public URL.",
}

#: The program ran but said nothing: it is most likely not the ngrok agent.
_SILENT_AGENT = (
    "The program chosen may not be the ngrok agent (version 3), or it could not run here. "
    "Open tunnel settings, choose the ngrok agent you installed or download it there "
    "(Download ngrok agent…), then Start tunnel again."
)
_OTHER_FAILURE = (
    "Start tunnel again; if it fails again, open tunnel settings and check the authtoken "
    "and the ngrok program chosen there."
)

#: The one-time status-bar hint on a first start without an agent or an authtoken (the
#: indicator's tooltip keeps the longer SETUP_HINT).
SETUP_HINT_SHORT = (
    "The tunnel is not set up yet: add your ngrok authtoken and agent (Tunnel → Tunnel "
    "settings…); requests on this machine work without it."
)
#: What the tunnel needs and where to set it, in full.
SETUP_HINT = (
    "The public tunnel is not set up yet, so it was not started. To receive webhooks from "
    "the internet, open Tunnel → Tunnel settings…: paste your ngrok authtoken (free at "
    "dashboard.ngrok.com) and choose or download the ngrok agent, then Start tunnel. "
    "Requests on this machine work without it."
)


def window_message(code: str | None, detail: str) -> str:
    """The window's message for a tunnel failure: what happened, then the next step."""
    detail = detail.strip().rstrip(".")
    text = detail[:1].upper() + detail[1:] + "."
    if code is not None and code.startswith("ERR_NGROK_"):
        # ngrok's meanings already end on the step (they name Settings, never a flag).
        return text
    step = _NEXT_STEP.get(code or "")
    if step is None:
        step = _SILENT_AGENT if "printed nothing" in detail else _OTHER_FAILURE
    return f"{text} {step}"


#: pyngrok's script is a few hundred bytes (a Windows launcher about 100 KiB); the agent
#: is a binary of 10 MiB and more. Files above this size are not read.
_WRAPPER_MAX_BYTES = 1024 * 1024


def is_pyngrok_wrapper(path: str) -> bool:
    """Whether ``path`` is pyngrok's ``ngrok`` script (it downloads the agent when run).

    A small file that names pyngrok: the script's ``from pyngrok.ngrok import main``, or
    the same text inside pip's Windows launcher. The agent itself is a large binary.
    """
    try:
        if os.path.getsize(path) > _WRAPPER_MAX_BYTES:
            return False
        with open(path, "rb") as file:
            head = file.read(_WRAPPER_MAX_BYTES)
    except OSError:
        return False
    return b"pyngrok" in head
