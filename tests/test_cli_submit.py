"""``submit`` end to end: the real CLI, a running ``serve``, and each vendor's API double
calling back into the listener; ``--wait`` prints the task's timeline."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from clirunner import ServeProcess, run_cli
from doublerunner import DoubleThread

from inspector.core.secrets import SecretStore
from inspector.net.sandbox.anesya import AnesyaSim
from inspector.net.sandbox.blurit import BlurItSim
from inspector.net.sandbox.celantur import CelanturSim

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8
PDF = b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF\n"


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "street.jpg"
    path.write_bytes(JPEG)
    return path


@pytest.fixture
def serve(data_dir: Path) -> Iterator[ServeProcess]:
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel") as proc:
        yield proc


def test_celantur_submit_wait_prints_timeline(
    data_dir: Path, serve: ServeProcess, image: Path
) -> None:
    double = DoubleThread(CelanturSim(step_delay=0.05))
    try:
        run_cli(
            data_dir,
            "endpoint",
            "add",
            "/celantur",
            "--vendor",
            "celantur",
            "--query-token",
            "key=k&1+=",
        )
        webhook = serve.url + "/celantur?key=k%261%2B%3D"
        out = run_cli(
            data_dir,
            "submit",
            "celantur",
            "--file",
            str(image),
            "--api-base",
            double.base_url,
            "--webhook-url",
            webhook,
            "--username",
            "user@example.com",
            "--password",
            "s3cret-pass",
            "--wait",
            "15",
        )
        assert out.returncode == 0, out.stderr
        lines = out.stdout.splitlines()
        assert lines[0].startswith("task ") and lines[0].split()[1].isdigit()
        assert lines[1].endswith("submitted street.jpg")
        assert "done (answered 200) [valid]" in lines[-1]
        (sent,) = [r for r in double.double.requests if r.path.rstrip("/") == "/v2/task"]
        auth = sent.header("Authorization")
        assert auth and not auth.startswith("Bearer ")
        task_json = json.loads(run_cli(data_dir, "list", "--json", "--vendor", "celantur").stdout)
        assert task_json[0]["event"]["task_id"] == int(lines[0].split()[1])
    finally:
        double.close()


def test_blurit_registers_webhook_and_every_answer_is_compliant(
    data_dir: Path, serve: ServeProcess, image: Path
) -> None:
    double = DoubleThread(BlurItSim(step_delay=0.05))
    try:
        out = run_cli(
            data_dir,
            "submit",
            "blurit",
            "--file",
            str(image),
            "--api-base",
            double.base_url,
            "--webhook-url",
            serve.url + "/blurit",
            "--client-id",
            "client-id",
            "--secret-id",
            "secret-id",
            "--wait",
            "15",
        )
        assert out.returncode == 0, out.stderr + out.stdout
        assert "BlurIt webhook created" in out.stderr
        assert "created endpoint /blurit" in out.stderr
        timeline = out.stdout.splitlines()[2:]
        statuses = [re.search(r" s  (\S+)", line).group(1) for line in timeline]  # type: ignore[union-attr]
        assert statuses == ["Sent", "Started", "Succeeded"]
        assert all(line.endswith("[valid]") for line in timeline)
        deliveries = double.double.deliveries
        assert len(deliveries) == 3 and all(d.compliant for d in deliveries)
        endpoints = json.loads(
            run_cli(data_dir, "endpoint", "list", "--json", "--reveal-secrets").stdout
        )
        (blurit,) = [e for e in endpoints if e["path"] == "/blurit"]
        assert (
            blurit["token"] == deliveries[0].headers_dict()["X-Auth-Token"]
            if hasattr(deliveries[0], "headers_dict")
            else blurit["token"]
        )
    finally:
        double.close()


def test_anesya_prints_what_to_paste_and_matches_callbacks(
    data_dir: Path, serve: ServeProcess, tmp_path: Path
) -> None:
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(PDF)
    double = DoubleThread(AnesyaSim(step_delay=0.05))
    try:
        run_cli(data_dir, "endpoint", "add", "/anesya", "--vendor", "anesya", "--token", "whk_1")
        double.double.add_webhook(serve.url + "/anesya", "extract.completed", "whk_1")
        out = run_cli(
            data_dir,
            "submit",
            "anesya",
            "--file",
            str(pdf),
            "--api-base",
            double.base_url,
            "--webhook-url",
            serve.url + "/anesya",
            "--api-key",
            "anesya-test-key",
            "--wait",
            "15",
        )
        assert out.returncode == 0, out.stderr + out.stdout
        assert "Anesya webhooks are set in Anesya's dashboard" in out.stdout
        assert "whk_1" in out.stdout
        assert "extract.completed (answered 200) [valid]" in out.stdout.splitlines()[-1]
    finally:
        double.close()


def test_submit_errors_are_one_line(data_dir: Path, image: Path, serve: ServeProcess) -> None:
    double = DoubleThread(CelanturSim())
    try:
        bad = run_cli(
            data_dir,
            "submit",
            "celantur",
            "--file",
            str(image),
            "--api-base",
            double.base_url,
            "--webhook-url",
            "https://example.invalid/h",
            "--username",
            "x",
            "--password",
            "y",
        )
        assert bad.returncode == 1
        assert (
            bad.stderr.splitlines()[-1]
            == "webhook-inspector: the Celantur credentials were refused"
        )
        assert "Traceback" not in bad.stderr
        missing = run_cli(
            data_dir,
            "submit",
            "celantur",
            "--file",
            str(image),
            "--api-base",
            double.base_url,
            "--webhook-url",
            "https://example.invalid/h",
            env={"CELANTUR_USERNAME": "", "CELANTUR_PASSWORD": ""},
        )
        assert missing.returncode == 1 and "credentials missing" in missing.stderr
    finally:
        double.close()
    nofile = run_cli(data_dir, "submit", "blurit", "--file", "/nonexistent.jpg")
    assert nofile.returncode == 1 and "cannot read /nonexistent.jpg" in nofile.stderr


def test_wait_without_listener_says_so(data_dir: Path, image: Path) -> None:
    out = run_cli(data_dir, "submit", "blurit", "--file", str(image), "--wait", "5")
    assert out.returncode == 1
    assert "no listener is running" in out.stderr


def test_no_public_url_says_what_to_do(data_dir: Path, image: Path, serve: ServeProcess) -> None:
    out = run_cli(data_dir, "submit", "blurit", "--file", str(image))
    assert out.returncode == 1
    assert "no public URL" in out.stderr and "--webhook-url" in out.stderr


def test_submit_uses_the_credentials_the_app_saved(data_dir: Path, image: Path) -> None:
    # No flags, nothing in the environment: the secret store (where the app's Remember
    # keeps them) supplies the Celantur login.
    store = SecretStore(data_dir)
    store.set("celantur.username", "user@example.com")
    store.set("celantur.password", "s3cret-pass")
    double = DoubleThread(CelanturSim())
    try:
        out = run_cli(
            data_dir,
            "submit",
            "celantur",
            "--file",
            str(image),
            "--api-base",
            double.base_url,
            "--webhook-url",
            "https://example.invalid/h",
            env={"CELANTUR_USERNAME": "", "CELANTUR_PASSWORD": ""},
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.startswith("task ")
    finally:
        double.close()
