"""``submit --sandbox`` end to end (docs/cli.md, submit): the real CLI and a running
``serve --no-tunnel``; the product's API client talks to the in-package simulation of the
vendor's API, whose callbacks reach the listener labelled simulated. And ``submit anesya``
with no public URL (docs/cli.md, submit: Anesya)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from clirunner import ServeProcess, run_cli
from doublerunner import DoubleThread

from inspector.core.origin import SANDBOX_NOTE
from inspector.core.store import CaptureStore
from inspector.net.sandbox.anesya import AnesyaSim

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8
PDF = b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF\n"

#: vendor -> (file, the statuses its callbacks report, the vendor's own header in them)
ROUND_TRIPS = {
    "celantur": ("street.jpg", ["done"], None),
    "celantur-v1": ("street.jpg", ["done"], None),
    "blurit": ("street.jpg", ["Sent", "Started", "Succeeded"], ("X-Auth-Token", None)),
    "anesya": ("invoice.pdf", ["extract.completed"], ("User-Agent", "Anesya-WebhookBot/1.0")),
}


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "street.jpg").write_bytes(JPEG)
    (tmp_path / "invoice.pdf").write_bytes(PDF)
    return tmp_path


@pytest.fixture
def serve(data_dir: Path) -> Iterator[ServeProcess]:
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel") as proc:
        yield proc


def statuses_of(timeline: list[str]) -> list[str]:
    return [re.search(r" s  (\S+)", line).group(1) for line in timeline]  # type: ignore[union-attr]


@pytest.mark.parametrize("vendor", list(ROUND_TRIPS))
def test_sandbox_round_trip_through_the_listener(
    data_dir: Path, serve: ServeProcess, files: Path, vendor: str
) -> None:
    file_name, statuses, own_header = ROUND_TRIPS[vendor]
    out = run_cli(
        data_dir, "submit", vendor, "--sandbox", "--file", str(files / file_name), "--wait", "30"
    )
    assert out.returncode == 0, out.stderr + out.stdout
    # No account, no tunnel: the endpoint is made on the way, the output says simulated.
    assert f"created endpoint /{vendor} for {vendor}" in out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("sandbox: a simulated ") and "labelled simulated" in lines[0]
    assert f"{serve.url}/{vendor}" in lines[0] and "?" not in lines[0]  # no secret shown
    assert re.fullmatch(r"task \S+", lines[1])
    task_id = lines[1].split()[1]
    assert lines[2].endswith(f"submitted {file_name} to the sandbox (simulated)")
    timeline = lines[3:]
    assert statuses_of(timeline) == statuses
    assert all(line.endswith("(answered 200) [valid]") for line in timeline)

    captures = json.loads(run_cli(data_dir, "list", "--json", "--vendor", vendor).stdout)
    assert len(captures) == len(statuses)
    for capture in captures:
        assert capture["source"] == "simulate" and SANDBOX_NOTE in capture["notes"]
        assert str(capture["event"]["task_id"]) == task_id
        names = [name.lower() for name, _ in capture["headers"]]
        # our markers and the run token are taken out: the vendor's headers alone remain
        assert not [n for n in names if n.startswith("x-inspector-")]
        if own_header is not None:
            name, value = own_header
            (found,) = [v for n, v in capture["headers"] if n == name]
            assert value is None or found == value
    store = CaptureStore.in_dir(data_dir)
    try:
        (task,) = store.tasks()
    finally:
        store.close()
    assert task.task_id == task_id and task.sandbox and task.status == "done"


def test_sandbox_without_wait_delivers_before_it_exits(
    data_dir: Path, serve: ServeProcess, files: Path
) -> None:
    out = run_cli(data_dir, "submit", "blurit", "--sandbox", "--file", str(files / "street.jpg"))
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.splitlines()) == 2  # the sandbox line and "task <id>"
    captures = json.loads(run_cli(data_dir, "list", "--json", "--vendor", "blurit").stdout)
    assert sorted(c["event"]["status"] for c in captures) == ["Sent", "Started", "Succeeded"]


def test_sandbox_keeps_the_tokens_of_existing_endpoints(
    data_dir: Path, serve: ServeProcess, files: Path
) -> None:
    # The user's real BlurIt and Anesya endpoints: the sandbox must not replace their tokens.
    for vendor in ("blurit", "anesya"):
        added = run_cli(
            data_dir, "endpoint", "add", f"/{vendor}", "--vendor", vendor, "--token", "mine-123"
        )
        assert added.returncode == 0, added.stderr
    for vendor, name in (("blurit", "street.jpg"), ("anesya", "invoice.pdf")):
        out = run_cli(data_dir, "submit", vendor, "--sandbox", "--file", str(files / name))
        assert out.returncode == 0, out.stderr
        assert "created endpoint" not in out.stderr
    endpoints = json.loads(
        run_cli(data_dir, "endpoint", "list", "--json", "--reveal-secrets").stdout
    )
    assert {e["path"]: e["token"] for e in endpoints} == {
        "/blurit": "mine-123",
        "/anesya": "mine-123",
    }
    captures = json.loads(run_cli(data_dir, "list", "--json").stdout)
    assert len(captures) == 4
    assert {c["validation"]["result"] for c in captures} == {"valid"}


def test_sandbox_needs_a_running_listener(data_dir: Path, files: Path) -> None:
    out = run_cli(data_dir, "submit", "celantur", "--sandbox", "--file", str(files / "street.jpg"))
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert "'webhook-inspector serve --no-tunnel'" in out.stderr
    assert out.stdout == ""


def test_sandbox_refuses_a_webhook_url_or_api_base(
    data_dir: Path, serve: ServeProcess, files: Path
) -> None:
    out = run_cli(
        data_dir,
        "submit",
        "celantur",
        "--sandbox",
        "--file",
        str(files / "street.jpg"),
        "--webhook-url",
        "https://example.com/hook",
    )
    assert out.returncode == 1 and out.stderr.count("\n") == 1
    assert "leave out --webhook-url and --api-base" in out.stderr


def submit_anesya(data_dir: Path, files: Path, *extra: str) -> tuple[list[str], str]:
    """``submit anesya`` (real API client) against a simulated Anesya: (stdout lines, the
    extract ids the simulation made)."""
    double = DoubleThread(AnesyaSim(step_delay=0.05))
    try:
        out = run_cli(
            data_dir,
            "submit",
            "anesya",
            "--api-key",
            "anesya-test-key",
            "--file",
            str(files / "invoice.pdf"),
            "--api-base",
            double.base_url,
            *extra,
        )
        assert out.returncode == 0, out.stderr
        assert "no public URL for the webhook" not in out.stderr
        return out.stdout.splitlines(), ",".join(double.double.extracts)
    finally:
        double.close()


def test_anesya_submits_with_no_public_url(
    data_dir: Path, serve: ServeProcess, files: Path
) -> None:
    """``serve --no-tunnel``: Anesya's API takes no webhook URL, so the task goes through
    and a note says where the dashboard's webhook must point."""
    (note, task_line), extracts = submit_anesya(data_dir, files)
    assert note.startswith("no public URL is known, submitting anyway: Anesya calls")
    assert "this listener's /anesya" in note
    assert re.fullmatch(r"task \S+", task_line)
    assert extracts == task_line.split()[1]


def test_anesya_prints_the_url_to_paste_when_one_is_known(
    data_dir: Path, serve: ServeProcess, files: Path
) -> None:
    lines, _ = submit_anesya(
        data_dir, files, "--webhook-url", "https://example.ngrok-free.app/anesya"
    )
    assert lines[0].startswith("Anesya webhooks are set in Anesya's dashboard: add ")
    assert "https://example.ngrok-free.app/anesya with token " in lines[0]
