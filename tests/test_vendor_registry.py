"""Adding a vendor is adding its module and registering it: a vendor that exists only in
this test, registered for the test's duration, is offered by ``endpoint add --vendor``,
the window's Vendors menu and vendor filter, and the endpoint dialog, and is detected by
the real listener. No other module knows about it."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PySide6.QtWidgets import QMenu

from inspector.app import AppCore
from inspector.cli import build_parser, main
from inspector.core.capture import Capture
from inspector.core.endpoints import ENDPOINTS_FILE, Endpoint, EndpointTable
from inspector.core.simulate import sample_requests
from inspector.core.store import CaptureStore
from inspector.core.vendors import (
    ParsedEvent,
    Vendor,
    VendorBody,
    VendorProfile,
    detect_vendor,
    register,
    submit_vendors,
    unregister,
    vendor_ids,
)
from inspector.core.vendors.descriptor import JSON_HEADER, SampleItem, json_item
from inspector.gui.endpoint_dialog import EndpointDialog
from inspector.gui.main_window import MainWindow
from inspector.net.listener import Listener
from inspector.net.vendors import api_vendor_ids

EVENT_HEADER = "X-Acme-Event"


class AcmeProfile(VendorProfile):
    """A sender that names its event in a header and its order in the body."""

    id = "acme-test"
    title = "Acme Hooks (test only)"
    events = ("order.paid", "order.refunded")
    token_header = "X-Acme-Token"

    def score(
        self,
        capture: Capture,
        body: VendorBody,
        obj: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> float:
        return 0.9 if EVENT_HEADER.lower() in headers else 0.0

    def parse(self, capture: Capture, body: VendorBody) -> ParsedEvent:
        obj = body.json_object or {}
        return ParsedEvent({"task_id": obj.get("order"), "event": capture.header(EVENT_HEADER)})


def acme_samples(event: str | None, rng: random.Random, now: float) -> list[SampleItem]:
    headers = [(EVENT_HEADER, event or "order.paid"), JSON_HEADER]
    return [json_item({"order": f"o-{rng.getrandbits(32):08x}"}, headers)]


ACME = Vendor(
    AcmeProfile(),
    default_path="/acme",
    samples=acme_samples,
    final_events=frozenset({"order.paid", "order.refunded"}),
)


@pytest.fixture
def acme() -> Iterator[Vendor]:
    register(ACME)
    yield ACME
    unregister(ACME.id)


@pytest.fixture
def run_main() -> Iterator[Any]:
    """The command line's ``main`` run in this process (so it sees the test vendor); the
    log handlers it adds to the root logger are removed afterwards."""
    root = logging.getLogger()
    before = list(root.handlers)
    yield main
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
            handler.close()


def test_the_test_vendor_is_known_only_while_registered(data_dir: Path, run_main: Any) -> None:
    assert ACME.id not in vendor_ids()
    args = ["--data-dir", str(data_dir), "endpoint", "add", "/acme", "--vendor", ACME.id]
    assert run_main(args) == 1
    register(ACME)
    try:
        assert ACME.id in vendor_ids()
    finally:
        unregister(ACME.id)
    assert ACME.id not in vendor_ids()


def test_endpoint_add_offers_and_takes_the_test_vendor(
    acme: Vendor,
    data_dir: Path,
    run_main: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # help lines unwrapped
    with pytest.raises(SystemExit) as shown:
        build_parser().parse_args(["endpoint", "add", "--help"])
    assert shown.value.code == 0
    assert acme.id in capsys.readouterr().out  # --vendor lists it

    args = ["--data-dir", str(data_dir), "endpoint", "add", "/acme", "--vendor", acme.id]
    assert run_main([*args, "--token", "acme-secret"]) == 0
    assert capsys.readouterr().out.split()[:4] == ["added", "endpoint", "/acme", acme.id]
    saved = json.loads((data_dir / ENDPOINTS_FILE).read_text(encoding="utf-8"))
    assert saved["endpoints"][0]["vendor"] == acme.id
    assert run_main(["--data-dir", str(data_dir), "endpoint", "list"]) == 0
    assert acme.id in capsys.readouterr().out


def test_every_vendor_with_an_api_has_its_client_registered_in_net() -> None:
    assert [v.id for v in submit_vendors()] == api_vendor_ids()


def test_detection_scores_a_capture_to_the_test_vendor(acme: Vendor) -> None:
    (sample,) = sample_requests(acme.id, "order.refunded", rng=random.Random(1))
    assert detect_vendor(sample.to_capture()) == (acme.id, 0.9)


async def post(url: str, headers: list[tuple[str, str]], body: bytes) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        return response.status, json.loads(await response.read())


async def test_the_real_listener_detects_and_validates_the_test_vendor(
    acme: Vendor, listener: Listener, store: CaptureStore
) -> None:
    # No endpoint for the path: detected (in the writer's thread, before the commit).
    (sample,) = sample_requests(acme.id, "order.paid", rng=random.Random(2))
    status, answer = await post(listener.url + "/somewhere", sample.headers, sample.body)
    assert status == 200
    stored = store.get(answer["capture"])
    assert stored is not None and stored.vendor == acme.id
    assert stored.event is not None and stored.event["event"] == "order.paid"
    assert stored.validation.result == "unchecked"

    # An endpoint of the test vendor checks its token header.
    endpoint = Endpoint("/acme", vendor=acme.id, token="acme-secret")
    listener.endpoints = EndpointTable(None, [endpoint])
    (good,) = sample_requests(acme.id, None, endpoint, rng=random.Random(3))
    (bad,) = sample_requests(acme.id, None, endpoint, "wrong-token", rng=random.Random(3))
    assert ("X-Acme-Token", "acme-secret") in good.headers
    assert (await post(listener.url + good.target, good.headers, good.body))[0] == 200
    status, answer = await post(listener.url + bad.target, bad.headers, bad.body)
    assert status == 401 and "X-Acme-Token" in answer["error"]


@pytest.fixture
def acme_window(acme: Vendor, running: tuple[AppCore, MainWindow]) -> tuple[AppCore, MainWindow]:
    """The app's window, made after the test vendor was registered."""
    return running


@pytest.mark.gui
def test_the_window_and_the_endpoint_dialog_offer_the_test_vendor(
    qtbot: Any, acme_window: tuple[AppCore, MainWindow]
) -> None:
    _, window = acme_window
    menus = {m.title(): m for m in window.menuBar().findChildren(QMenu)}
    submenus = {m.title(): m for m in menus["&Vendors"].findChildren(QMenu)}
    assert [a.text() for a in submenus[ACME.title].actions()] == list(ACME.events)
    assert window.vendor_combo.findData(ACME.id) >= 0

    window.sample_actions[(ACME.id, "order.refunded")].trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
    capture = window.model.capture_at(0)
    assert capture is not None and capture.vendor == ACME.id
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.detail.capture is not None, timeout=3000)
    assert window.detail.vendor.vendor.text() == ACME.title

    dialog = EndpointDialog(None, set())
    qtbot.addWidget(dialog)
    index = dialog.vendor.findData(ACME.id)
    assert index >= 0 and dialog.vendor.itemText(index) == ACME.title
    dialog.vendor.setCurrentIndex(index)
    assert dialog.token_label.text() == "Token (X-Acme-Token)"
