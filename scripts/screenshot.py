"""Take the README screenshot of the real window: ``python scripts/screenshot.py [OUT.png]``.

Starts the app's listener on a temporary data directory, sends a few webhooks to it over
real HTTP, selects one, and saves ``QWidget.grab()`` of the main window. Runs offscreen
unless a display is set.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import aiohttp
import qasync
from PySide6.QtWidgets import QApplication

from inspector import resources
from inspector.app import AppCore
from inspector.core.endpoints import Endpoint, EndpointTable
from inspector.gui.main_window import MainWindow

SAMPLES: list[tuple[str, str, dict[str, str], bytes]] = [
    (
        "POST",
        "/celantur?key=s3cr3t",
        {"Content-Type": "application/json"},
        json.dumps(
            {
                "customer_id": "4f1c2b7e-0d7a-4a57-9b0e-2a1d6c9e8f31",
                "task_id": 1693295888421318,
                "task_status": "done",
                "anonymized_url": "https://example-bucket.s3.amazonaws.com/anonymized/img.jpg",
            }
        ).encode(),
    ),
    (
        "POST",
        "/blurit",
        {"Content-Type": "application/json", "X-Auth-Token": "wrong-token"},
        b'{"taskId":"9d1e8f7a-35c2-4b8e-a0f4-31c9f2d0b6aa","status":"Sent"}',
    ),
    (
        "POST",
        "/blurit",
        {"Content-Type": "application/json", "X-Auth-Token": "tok_9f8e7d6c"},
        b'{"taskId":"9d1e8f7a-35c2-4b8e-a0f4-31c9f2d0b6aa","status":"Started"}',
    ),
    (
        "POST",
        "/anesya",
        {
            "Content-Type": "application/json",
            "User-Agent": "Anesya-WebhookBot/1.0",
            "X-Webhook-Token": "whk_42",
            "X-Webhook-Id": "1b7c1c1e-9df1-4c87-8d7e-6a3c6b1f0e55",
        },
        json.dumps(
            {
                "id": "1b7c1c1e-9df1-4c87-8d7e-6a3c6b1f0e55",
                "event": "extract.completed",
                "timestamp": "2025-06-25T14:45:26Z",
                "data": {
                    "id": "e2a0b7d4-6f61-4c0b-9a53-0f6f0d3c9a10",
                    "document_name": "invoice-2025-06.pdf",
                    "server": "EU-1",
                    "status": "FINISHED",
                    "extracted_data": {"total": 1290.5, "currency": "EUR", "lines": 12},
                },
            }
        ).encode(),
    ),
    ("GET", "/health?probe=1", {}, b""),
    ("PUT", "/upload/raw", {"Content-Type": "application/octet-stream"}, bytes(range(256))),
]


async def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        table = EndpointTable.load(Path(tmp))
        table.add(Endpoint("/blurit", vendor="blurit", token="tok_9f8e7d6c"))
        table.add(Endpoint("/anesya", vendor="anesya", token="whk_42"))
        table.add(Endpoint("/celantur", vendor="celantur", query_token="key=s3cr3t"))
        table.save()
        core = AppCore(Path(tmp), port=0, kind="gui")
        await core.start()
        window = MainWindow(core.store, core)
        window.resize(1280, 800)
        window.show()
        async with aiohttp.ClientSession() as session:
            for method, path, headers, body in SAMPLES:
                async with session.request(
                    method, core.listener.url + path, headers=headers, data=body
                ) as resp:
                    await resp.read()
        await asyncio.sleep(0.3)
        window.table.selectRow(2)  # the Anesya callback (newest first)
        await asyncio.sleep(0.3)
        QApplication.processEvents()
        window.grab().save(str(out))
        window.close()
        await core.stop()
    print(f"saved {out}")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshot.png")
    target.parent.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    app.setWindowIcon(__import__("PySide6.QtGui").QtGui.QIcon(str(resources.path(resources.ICON))))
    qasync.run(main(target))
