"""``endpoint add|list|remove`` and ``simulate`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from clirunner import ServeProcess, run_cli


def test_endpoint_add_list_remove(data_dir: Path) -> None:
    out = run_cli(
        data_dir, "endpoint", "add", "/blurit", "--vendor", "blurit", "--token", "tok_abcdef123"
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("added endpoint /blurit")
    assert "tok_abcdef123" not in out.stdout
    run_cli(
        data_dir,
        "endpoint",
        "add",
        "/hooks/gh",
        "--vendor",
        "generic",
        "--scheme",
        "github",
        "--secret",
        "s",
        "--status",
        "202",
        "--delay-ms",
        "5",
    )
    listed = json.loads(run_cli(data_dir, "endpoint", "list", "--json").stdout)
    assert [e["path"] for e in listed] == ["/blurit", "/hooks/gh"]
    assert "tok_abcdef123" not in json.dumps(listed)
    revealed = run_cli(data_dir, "endpoint", "list", "--json", "--reveal-secrets").stdout
    assert "tok_abcdef123" in revealed
    text = run_cli(data_dir, "endpoint", "list").stdout
    assert "status 202" in text and "delay 5 ms" in text
    again = run_cli(
        data_dir, "endpoint", "add", "/blurit", "--vendor", "blurit", "--token", "other"
    )
    assert again.stdout.startswith("replaced endpoint /blurit")
    assert run_cli(data_dir, "endpoint", "remove", "/blurit").returncode == 0
    gone = run_cli(data_dir, "endpoint", "remove", "/blurit")
    assert gone.returncode == 1 and "no endpoint '/blurit'" in gone.stderr


def test_endpoint_bad_input_is_one_line(data_dir: Path) -> None:
    for args, expected in (
        (["nopath", "--vendor", "blurit"], "must start with '/'"),
        (["/x", "--vendor", "acme"], "unknown vendor 'acme'"),
        (["/x", "--vendor", "generic", "--secret", "s"], "a secret needs a scheme"),
        (["/x", "--vendor", "generic", "--fail-rate", "2"], "fail_rate must be between 0 and 1"),
    ):
        out = run_cli(data_dir, "endpoint", "add", *args)
        assert out.returncode == 1, args
        assert expected in out.stderr and out.stderr.count("\n") == 1
    assert run_cli(data_dir, "endpoint").returncode == 2


def test_simulate_every_vendor_against_serve(data_dir: Path) -> None:
    run_cli(data_dir, "endpoint", "add", "/blurit", "--vendor", "blurit", "--token", "tok")
    run_cli(data_dir, "endpoint", "add", "/anesya", "--vendor", "anesya", "--token", "whk")
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel", "--json") as serve:
        out = run_cli(data_dir, "simulate", "blurit")
        assert out.returncode == 0, out.stderr
        lines = out.stdout.splitlines()
        assert len(lines) == 3 and all('/blurit -> 200 {"taskId":' in line for line in lines)
        captured = [json.loads(serve.readline()) for _ in range(3)]
        assert [c["event"]["status"] for c in captured] == ["Sent", "Started", "Succeeded"]
        assert {c["source"] for c in captured} == {"simulate"}
        assert {c["validation"]["result"] for c in captured} == {"valid"}

        out = run_cli(data_dir, "simulate", "anesya", "--event", "extract.failed")
        assert "/anesya -> 200" in out.stdout
        anesya = json.loads(serve.readline())
        assert anesya["event"]["event"] == "extract.failed"

        wrong = run_cli(data_dir, "simulate", "blurit", "--token", "wrong")
        assert "-> 401" in wrong.stdout
        results = [json.loads(serve.readline())["validation"]["result"] for _ in range(3)]
        assert results == ["invalid"] * 3

        for vendor in ("celantur", "celantur-v1"):
            res = run_cli(data_dir, "simulate", vendor)
            assert res.returncode == 0 and "-> 200" in res.stdout, res.stdout + res.stderr
            assert json.loads(serve.readline())["vendor"] == vendor
        # no generic endpoint: the sample goes to /generic, captured with no vendor guessed
        res = run_cli(data_dir, "simulate", "generic")
        assert "/generic -> 200" in res.stdout
        assert json.loads(serve.readline())["path"] == "/generic"


def test_simulate_unknown_event_and_no_listener(data_dir: Path) -> None:
    out = run_cli(data_dir, "simulate", "celantur", "--event", "nope")
    assert out.returncode == 1 and "unknown event 'nope' for celantur" in out.stderr
    out = run_cli(data_dir, "simulate", "blurit")
    assert out.returncode == 1 and "no listener is running" in out.stderr


def test_provider_presets_need_only_their_secret_or_public_key(data_dir: Path) -> None:
    from provider_cases import BY_VENDOR

    helped = run_cli(data_dir, "endpoint", "add", "--help").stdout
    for vendor in ("stripe", "svix", "slack", "twilio", "discord", "sendgrid", "intercom"):
        assert vendor in helped
    assert "--public-key" in helped
    out = run_cli(
        data_dir, "endpoint", "add", "/slack", "--vendor", "slack", "--secret", "sl-s3cret-value"
    )
    assert out.returncode == 0, out.stderr
    assert "slack signature" in out.stdout and "sl-s3cret-value" not in out.stdout
    key = BY_VENDOR["discord"].credential
    out = run_cli(
        data_dir, "endpoint", "add", "/discord", "--vendor", "discord", "--public-key", key
    )
    assert out.returncode == 0, out.stderr
    listed = json.loads(run_cli(data_dir, "endpoint", "list", "--json").stdout)
    assert sorted((e["path"], e["public_key"]) for e in listed) == [
        ("/discord", key),
        ("/slack", None),
    ]

    bad = run_cli(data_dir, "endpoint", "add", "/d2", "--vendor", "discord", "--public-key", "xyz")
    assert bad.returncode == 1
    assert (
        bad.stderr.strip()
        == "webhook-inspector: an Ed25519 public key is 64 hex digits; this one is not hex"
    )
    wrong = run_cli(data_dir, "endpoint", "add", "/d3", "--vendor", "discord", "--secret", "s")
    assert wrong.returncode == 1 and "--public-key" in wrong.stderr
    not_pair = run_cli(data_dir, "endpoint", "add", "/s2", "--vendor", "slack", "--public-key", key)
    assert not_pair.returncode == 1 and "does not sign with a key pair" in not_pair.stderr
    short = run_cli(
        data_dir, "endpoint", "add", "/sg", "--vendor", "sendgrid", "--public-key", "QUJD"
    )
    assert short.returncode == 1 and "not a public key" in short.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_simulate_url_signing_and_challenge_providers_against_serve(data_dir: Path) -> None:
    for vendor in ("twilio", "square", "slack"):
        run_cli(data_dir, "endpoint", "add", f"/{vendor}", "--vendor", vendor, "--secret", "s3cret")
    with ServeProcess(data_dir, "--port", "0", "--no-tunnel", "--json") as serve:
        for vendor in ("twilio", "square"):
            out = run_cli(data_dir, "simulate", vendor)
            assert out.returncode == 0 and "-> 200" in out.stdout, out.stdout + out.stderr
            captured = json.loads(serve.readline())
            assert captured["vendor"] == vendor
            assert captured["validation"]["result"] == "valid", captured["validation"]
        out = run_cli(data_dir, "simulate", "slack", "--event", "url_verification")
        assert '-> 200 {"challenge":' in out.stdout
        assert json.loads(serve.readline())["validation"]["result"] == "valid"
        wrong = run_cli(data_dir, "simulate", "twilio", "--token", "not-the-token")
        assert "-> 401" in wrong.stdout
        assert json.loads(serve.readline())["validation"]["result"] == "invalid"
