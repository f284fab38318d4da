"""The command line: ``webhook-inspector [--data-dir DIR] [COMMAND ...]``.

Exit status: 0 on success, 2 for usage errors, 1 for anything else, always with one clear
line on stderr; a traceback goes to the log file in the data directory, never to the user.
The grammar is :mod:`.parser`; each command group has its module.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from inspector.cli.captures import cmd_export, cmd_import, cmd_list, cmd_replay, cmd_show
from inspector.cli.common import out
from inspector.cli.endpoints import cmd_endpoint
from inspector.cli.parser import build_parser
from inspector.cli.serve import cmd_gui, cmd_serve
from inspector.cli.vendors import cmd_simulate, cmd_submit
from inspector.core.errors import UserError
from inspector.core.paths import DataDirError, ensure_data_dir, resolve_data_dir
from inspector.core.store import StoreError

__all__ = ["build_parser", "gui_main", "main"]

log = logging.getLogger("inspector")

COMMANDS: dict[str, Callable[[argparse.Namespace, Path], int]] = {
    "submit": cmd_submit,
    "endpoint": cmd_endpoint,
    "simulate": cmd_simulate,
    "gui": cmd_gui,
    "serve": cmd_serve,
    "list": cmd_list,
    "show": cmd_show,
    "replay": cmd_replay,
    "export": cmd_export,
    "import": cmd_import,
}


def _setup_logging(data_dir: Path | None) -> None:
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    # Without a handler, logging's last resort would print tracebacks to stderr.
    root.addHandler(logging.NullHandler())
    if data_dir is not None and data_dir.is_dir():
        with contextlib.suppress(OSError):
            (data_dir / "logs").mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(data_dir / "logs" / "inspector.log", encoding="utf-8")
            handler.setFormatter(
                logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
            )
            root.addHandler(handler)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "gui"
    if command == "gui" and not hasattr(args, "port"):
        args.port = None
    data_dir = resolve_data_dir(args.data_dir)
    try:
        if command in ("gui", "serve"):
            ensure_data_dir(data_dir)
        _setup_logging(data_dir)
        return COMMANDS[command](args, data_dir)
    except (UserError, DataDirError, StoreError) as exc:
        out(f"webhook-inspector: {exc}", sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `webhook-inspector list | head` closed the pipe: not an error worth a message.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except Exception as exc:
        log.exception("unexpected error")
        out(
            f"webhook-inspector: unexpected error: {exc.__class__.__name__}: {exc} "
            f"(details in {data_dir / 'logs' / 'inspector.log'})",
            sys.stderr,
        )
        return 1


def gui_main() -> int:
    return main(["gui", *sys.argv[1:]])
