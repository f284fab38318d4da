"""Qt's own messages about fonts go to the app's log, not to the terminal.

On systems with few fonts Qt writes lines such as "QFont::setPointSize: Point size <= 0"
or "Populating font family aliases took 120 ms" to stderr for the lifetime of the app;
they mean nothing to a user who started it from a terminal. Only those known font
messages are rerouted (to the ``inspector.qt`` logger, which writes ``logs/inspector.log``);
every other Qt message goes where it went before.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

log = logging.getLogger("inspector.qt")

#: Qt's logging categories for font lookup and font files.
FONT_CATEGORIES = frozenset({"qt.qpa.fonts", "qt.text.font.db", "qt.text.font.engine"})
#: How Qt's uncategorised font warnings begin.
FONT_PREFIXES = (
    "QFont::",
    "QFontDatabase:",
    "QFontEngine",
    "OpenType support missing",
    "Note that Qt no longer ships fonts",
    "Populating font family aliases",
)

Handler = Callable[[QtMsgType, QMessageLogContext, str], None]


def is_font_message(category: str | None, message: str) -> bool:
    """Whether a Qt message is one of its known font warnings."""
    return (category or "") in FONT_CATEGORIES or message.lstrip().startswith(FONT_PREFIXES)


def install_font_message_filter() -> Callable[[], None]:
    """Send Qt's font warnings to the log; returns the function that undoes it."""
    previous: Handler | None = None

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if is_font_message(context.category, message):
            log.info("Qt: %s", message)
            return
        if previous is not None:
            previous(kind, context, message)
        else:  # Qt's own default: the message alone on stderr
            sys.stderr.write(message + "\n")

    previous = qInstallMessageHandler(handler)

    def uninstall() -> None:
        qInstallMessageHandler(previous)

    return uninstall
