"""Pictures of every main view of the real window: ``python scripts/screenshot.py [DIR]``.

``--theme light|dark`` draws them in that theme (default light), ``--scale F`` at F times
the size (``QT_SCALE_FACTOR``: 2 gives 2560x1600 pictures of the 1280x800 window), and
``--main`` takes the main view alone, as ``main-<theme>-<percent>.png`` (the README's).

Starts the app on a temporary data directory, fills it through the real listener (each
vendor's sample webhooks, a few requests of other kinds, a task), then shows each view in
turn and saves ``DIR/<name>.png`` (default ``docs/screenshots``) at 1280x800. A dialog is
drawn over the window it belongs to. Runs offscreen unless a display is set.

Each view is one small function in :data:`VIEWS`; one that needs a part of the window this
version does not have raises :class:`Skip`, and the script prints a line and goes on.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import aiohttp
import qasync
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QDockWidget, QPushButton, QTabWidget, QWidget

from inspector import resources
from inspector.app import AppCore
from inspector.core.endpoints import Endpoint, EndpointTable
from inspector.core.tasks import Task
from inspector.core.vendors import all_vendors
from inspector.gui.main_window import MainWindow
from inspector.gui.qt_messages import install_font_message_filter
from inspector.gui.theme import apply_theme

SIZE = (1280, 800)
TASK_ID = "9d1e8f7a-35c2-4b8e-a0f4-31c9f2d0b6aa"


def png_bytes() -> bytes:
    """A small PNG picture (a sender's image upload), drawn with Qt."""
    image = QImage(160, 100, QImage.Format.Format_RGB32)
    image.fill(QColor("#3a7ca5"))
    painter = QPainter(image)
    painter.fillRect(20, 20, 60, 60, QColor("#f2b134"))
    painter.end()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "picture.png"
        image.save(str(path))  # the format follows the suffix
        return path.read_bytes()


class Skip(Exception):
    """This version of the window has no such view (yet)."""


class Shots:
    """The running app and window, and how to save a picture of them."""

    def __init__(self, core: AppCore, window: MainWindow, out: Path, suffix: str = "") -> None:
        self.core, self.window, self.out = core, window, out
        #: added to each picture's name ("-dark-200")
        self.suffix = suffix

    async def settle(self, seconds: float = 0.3) -> None:
        await asyncio.sleep(seconds)
        QApplication.processEvents()

    def save(self, name: str, over: QWidget | None = None) -> None:
        """The window, with ``over`` (a dialog) drawn centred on it."""
        picture = self.window.grab()
        if over is not None:
            self._draw_dialog(picture, over)
        path = self.out / f"{name}{self.suffix}.png"
        picture.save(str(path))
        print(f"saved {path}")

    @staticmethod
    def _draw_dialog(picture: QPixmap, over: QWidget) -> None:
        """The dialog centred on the window, with the title bar offscreen windows lack."""
        dialog = over.grab()
        # In device-independent pixels: at QT_SCALE_FACTOR=2 both pixmaps are twice as big.
        width, height = over.width(), over.height()
        window = picture.deviceIndependentSize()
        bar = 26
        left = max(0, (int(window.width()) - width) // 2)
        top = max(bar, (int(window.height()) - height) // 2)
        painter = QPainter(picture)
        painter.fillRect(left - 1, top - bar - 1, width + 2, bar + 1, QColor("#3c3f44"))
        painter.setPen(QColor("white"))
        painter.drawText(left + 10, top - 8, over.windowTitle())
        painter.drawPixmap(QPoint(left, top), dialog)
        painter.setPen(QColor("#3c3f44"))
        painter.drawRect(left - 1, top - bar - 1, width + 1, height + bar + 1)
        painter.end()

    def select_path(self, path: str, nth: int = 0) -> None:
        """Select the ``nth`` newest capture on ``path``."""
        model = self.window.model
        seen = 0
        for row in range(model.rowCount()):
            capture = model.capture_at(row)
            if capture is not None and capture.path == path:
                if seen == nth:
                    self.window.table.selectRow(row)
                    return
                seen += 1
        raise Skip(f"no capture on {path}")

    def body_mode(self, mode: str) -> None:
        button = self.window.findChild(QPushButton, f"body-mode-{mode}")
        if button is None:
            raise Skip(f"no {mode} view of bodies")
        self.window.detail.tabs.setCurrentIndex(0)
        button.click()

    def dock(self, name: str) -> QDockWidget:
        dock = self.window.findChild(QDockWidget, name)
        if dock is None:
            raise Skip(f"no {name}")
        dock.show()
        dock.raise_()
        return dock

    def tab(self, title: str) -> None:
        tabs = self.window.detail.tabs
        for i in range(tabs.count()):
            if tabs.tabText(i) == title:
                tabs.setCurrentIndex(i)
                return
        raise Skip(f"no {title} tab")


# -- the views ----------------------------------------------------------------------------


async def empty(s: Shots) -> None:
    s.window.tunnel_indicator.start_at_launch()
    await s.settle()
    s.save("empty")


View = Callable[[Shots], Awaitable[None]]


def body_view(mode: str, path: str) -> View:
    """The capture list with the newest capture on ``path`` shown in a body ``mode``."""

    async def shot(s: Shots) -> None:
        s.select_path(path)
        await s.settle()  # a body is decoded off the GUI thread
        s.body_mode(mode)
        await s.settle()
        s.save(f"captures-{mode}")

    shot.__name__ = f"captures_{mode}"
    return shot


captures_tree = body_view("tree", "/anesya")
captures_text = body_view("text", "/anesya")
captures_hex = body_view("hex", "/upload/raw")
captures_form = body_view("form", "/hooks/form")
captures_parts = body_view("parts", "/hooks/upload")
captures_image = body_view("image", "/hooks/image")


async def validation(s: Shots) -> None:
    s.select_path("/blurit")  # the newest: the one with a wrong token
    s.tab("Validation")
    await s.settle()
    s.save("validation")


async def vendor(s: Shots) -> None:
    s.select_path("/celantur")
    s.tab("Vendor")
    await s.settle()
    s.save("vendor")


async def endpoints(s: Shots) -> None:
    s.dock("endpoints-dock")
    await s.settle()
    s.save("endpoints")


async def tasks(s: Shots) -> None:
    s.dock("tasks-dock")
    s.window.tasks_view.select_task(TASK_ID)
    await s.settle()
    s.save("tasks")
    s.dock("endpoints-dock")


async def messages(s: Shots) -> None:
    dock = s.window.findChild(QDockWidget, "messages-dock")
    if dock is None:
        raise Skip("no message log")
    dock.show()
    dock.raise_()
    await s.settle()
    s.save("messages")


async def submit(s: Shots) -> None:
    dialog = s.window.open_submit()
    dialog.set_vendor("blurit")
    await s.settle()
    s.save("submit", over=dialog)
    dialog.reject()


async def settings(s: Shots) -> None:
    dialog = s.window.open_settings()
    await s.settle()
    s.save("settings", over=dialog)
    dialog.reject()


async def settings_vendors(s: Shots) -> None:
    dialog = s.window.open_settings()
    tabs = dialog.findChild(QTabWidget)
    titles = [tabs.tabText(i) for i in range(tabs.count())] if tabs is not None else []
    if tabs is None or "Vendors" not in titles:
        dialog.reject()
        raise Skip("no Vendors page in Settings")
    tabs.setCurrentIndex(titles.index("Vendors"))
    await s.settle()
    s.save("settings-vendors", over=dialog)
    dialog.reject()


#: Every view, in the order taken (``empty`` first: nothing has been sent yet).
VIEWS: list[View] = [
    empty,
    captures_tree,
    captures_text,
    captures_hex,
    captures_form,
    captures_parts,
    captures_image,
    validation,
    vendor,
    endpoints,
    tasks,
    messages,
    submit,
    settings,
    settings_vendors,
]


def others() -> list[tuple[str, str, dict[str, str], bytes]]:
    """Requests besides the vendors' samples: (method, path, headers, body)."""
    png = png_bytes()
    return [
        ("GET", "/health?probe=1", {}, b""),
        ("PUT", "/upload/raw", {"Content-Type": "application/octet-stream"}, bytes(range(256))),
        (
            "POST",
            "/blurit",
            {"Content-Type": "application/json", "X-Auth-Token": "wrong-token"},
            json.dumps({"taskId": TASK_ID, "status": "Started"}).encode(),
        ),
        (
            "POST",
            "/hooks/form",
            {"Content-Type": "application/x-www-form-urlencoded"},
            b"event=order.paid&order=1042&item=book&item=pen&note=gift+wrap",
        ),
        (
            "POST",
            "/hooks/upload",
            {"Content-Type": "multipart/form-data; boundary=XyZ"},
            b'--XyZ\r\nContent-Disposition: form-data; name="meta"\r\n'
            b'Content-Type: application/json\r\n\r\n{"task": "t-7"}\r\n'
            b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="dot.png"\r\n'
            b"Content-Type: image/png\r\n\r\n" + png + b"\r\n--XyZ--\r\n",
        ),
        ("POST", "/hooks/image", {"Content-Type": "image/png"}, png),
    ]


async def fill(core: AppCore) -> None:
    """Captures through the real listener: every vendor's samples, then the others."""
    for each in all_vendors():
        for event in each.events[:3]:
            await core.simulate(each.id, event)
    async with aiohttp.ClientSession() as session:
        for method, path, headers, body in others():
            url = core.listener.url + path
            async with session.request(method, url, headers=headers, data=body) as resp:
                await resp.read()
    kept = [c.id for c in core.store.captures() if c.path == "/health"]
    core.store.set_pinned(kept, True)  # a pinned capture shows its mark in the list
    task = Task("blurit", TASK_ID, "street.jpg", core.listener.url + "/blurit", status="Started")
    core.store.save_task(task)
    core.task_saved.emit(task)


async def main_view(s: Shots) -> None:
    """The capture list with a vendor callback's JSON tree, the Endpoints dock beside it."""
    s.dock("endpoints-dock")
    s.select_path("/anesya")
    await s.settle()
    s.body_mode("tree")
    await s.settle()
    s.save("main")


async def main(out: Path, views: list[View], suffix: str = "") -> int:
    skipped = 0
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        table = EndpointTable.load(data)
        table.add(Endpoint("/blurit", vendor="blurit", token="tok_9f8e7d6c"))
        table.add(Endpoint("/anesya", vendor="anesya", token="whk_42"))
        table.add(Endpoint("/celantur", vendor="celantur", token="s3cr3t"))
        table.save()
        core = AppCore(data, port=0, kind="gui")
        await core.start()
        window = MainWindow(core.store, core)
        window.resize(*SIZE)
        filled = False
        window.show()
        shots = Shots(core, window, out, suffix)
        for view in views:
            if view is not empty and not filled:
                filled = True
                await fill(core)
                await shots.settle(0.5)
            try:
                await view(shots)
            except Skip as why:
                skipped += 1
                print(f"skipped {view.__name__}: {why}")
        window.close()
        await core.stop()
    print(f"{len(views) - skipped} pictures in {out}, {skipped} views skipped")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir", nargs="?", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument("--scale", type=float, default=1.0, help="QT_SCALE_FACTOR (e.g. 2)")
    parser.add_argument("--main", action="store_true", help="the main view alone")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = f"{args.scale:g}"  # read when QApplication starts
    app = QApplication(sys.argv[:1])
    install_font_message_filter()
    app.setQuitOnLastWindowClosed(False)
    app.setWindowIcon(QIcon(str(resources.path(resources.ICON))))
    apply_theme(args.theme)
    chosen: list[View] = [main_view] if args.main else VIEWS
    suffix = f"-{args.theme}-{round(args.scale * 100)}" if args.main else ""
    sys.exit(qasync.run(main(args.dir, chosen, suffix)))
