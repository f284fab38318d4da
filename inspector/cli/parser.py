"""The command line's grammar: every command, option and help text.

The vendor choices, the credential flags and the submit options come from the vendor
registry (:mod:`inspector.core.vendors`), so a new vendor appears here by registering it.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from inspector import __version__
from inspector.core.vendors import Vendor, submit_vendors, vendor_ids
from inspector.core.vendors.descriptor import SubmitOption


class CliParser(argparse.ArgumentParser):
    """Usage errors exit 2 with one line and a pointer to ``--help``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n(see '{self.prog} --help')\n")


#: Help of an argument that takes a capture.
CAPTURE_ID_HELP = "capture id, a unique start or end of one (6+ characters), or its seq number"


def build_parser() -> argparse.ArgumentParser:
    parser = CliParser(
        prog="webhook-inspector",
        description="Capture, validate, replay and forward vendor webhooks.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--data-dir", help="where captures, endpoints and settings live")
    commands = parser.add_subparsers(dest="command", parser_class=CliParser, metavar="COMMAND")
    all_vendors = ", ".join(vendor_ids())

    gui = commands.add_parser("gui", help="the desktop app (default)")
    gui.add_argument("--port", type=int, help="listener port (default from settings)")

    serve = commands.add_parser("serve", help="headless listener (and tunnel unless --no-tunnel)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    serve.add_argument("--no-tunnel", action="store_true", help="do not start the ngrok tunnel")
    serve.add_argument("--ngrok-path", help="path to an installed ngrok binary")
    serve.add_argument("--forward", metavar="URL", help="also send every capture to URL")
    serve.add_argument("--max-body", type=int, metavar="BYTES", help="body size limit")
    serve.add_argument("--json", action="store_true", help="one JSON object per capture line")

    listing = commands.add_parser("list", help="captures, newest first")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--limit", type=int, default=100, help="0 means all (default 100)")
    listing.add_argument("--vendor")
    listing.add_argument("--search", metavar="TEXT")

    show = commands.add_parser("show", help="one capture in full")
    show.add_argument("id", help=CAPTURE_ID_HELP)
    show.add_argument("--format", choices=["json", "raw", "curl", "har"], default="json")
    show.add_argument("--reveal-secrets", action="store_true", help="do not mask secrets in curl")

    replay = commands.add_parser("replay", help="send a capture again")
    replay.add_argument("id", help=CAPTURE_ID_HELP)
    replay.add_argument("--to", metavar="URL", help="target (default: the running listener)")
    replay.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for the answer"
    )

    export = commands.add_parser("export", help="all captures (or a subset) as HAR 1.2 or JSON")
    export.add_argument("--format", choices=["har", "json"], default="har")
    export.add_argument("-o", "--output", metavar="FILE", help="default: standard output")
    export.add_argument("--vendor")
    export.add_argument("--search", metavar="TEXT")
    export.add_argument("--mask-secrets", action="store_true", help="mask tokens and signatures")

    import_ = commands.add_parser("import", help="a HAR or JSON export back into the store")
    import_.add_argument("file")

    endpoint = commands.add_parser(
        "endpoint", help="endpoints: a path bound to a vendor and a secret"
    )
    actions = endpoint.add_subparsers(
        dest="endpoint_command", parser_class=CliParser, metavar="ACTION"
    )
    actions.required = True
    _add_endpoint_add(actions.add_parser("add", help="create or replace an endpoint"), all_vendors)
    endpoint_list = actions.add_parser("list", help="the endpoints (secrets masked)")
    endpoint_list.add_argument("--json", action="store_true")
    endpoint_list.add_argument("--reveal-secrets", action="store_true")
    endpoint_remove = actions.add_parser("remove", help="delete an endpoint")
    endpoint_remove.add_argument("path")

    simulate = commands.add_parser("simulate", help="send a vendor-accurate sample webhook")
    simulate.add_argument("vendor", help=all_vendors)
    simulate.add_argument("--event", help="e.g. done, failed, Succeeded, extract.completed")
    simulate.add_argument("--to", metavar="URL", help="target (default: the running listener)")
    simulate.add_argument("--token", help="use this token/secret instead of the endpoint's")

    _add_submit(commands.add_parser("submit", help="submit a test task to a vendor's API"))
    return parser


def _add_endpoint_add(add: argparse.ArgumentParser, all_vendors: str) -> None:
    add.add_argument("path", help="e.g. /blurit")
    add.add_argument("--vendor", required=True, help=all_vendors)
    add.add_argument("--token", help="the vendor's shared token (BlurIt, Anesya, generic)")
    add.add_argument("--query-token", metavar="NAME=VALUE", help="a secret in the URL's query")
    add.add_argument(
        "--secret",
        help="signing secret (with --scheme; a provider vendor needs no scheme: see "
        "docs/providers.md)",
    )
    add.add_argument(
        "--public-key",
        metavar="KEY",
        help="the provider's public key, for providers that sign with a key pair "
        "(discord: hex, sendgrid: base64)",
    )
    add.add_argument(
        "--scheme", help="token-header, query-token, hmac-sha256, standard-webhooks, github, stripe"
    )
    add.add_argument("--header", metavar="NAME", help="header of token-header / hmac-sha256")
    add.add_argument("--encoding", choices=["hex", "base64"], default="hex")
    add.add_argument("--prefix", default="", help="signature prefix, e.g. sha256=")
    add.add_argument("--status", type=int, help="answer with this status instead")
    add.add_argument("--body", help="answer with this body instead")
    add.add_argument("--response-header", action="append", default=[], metavar="NAME:VALUE")
    add.add_argument("--delay-ms", type=int, default=0, help="wait before answering")
    add.add_argument("--fail-rate", type=float, default=0.0, help="0..1: share answered 500")
    add.add_argument("--forward", metavar="URL", help="also send this endpoint's webhooks to URL")
    add.add_argument(
        "--proxy",
        action="store_true",
        help="answer the sender with the --forward target's answer (proxy mode)",
    )


def _file_help(vendors: list[Vendor]) -> str:
    """``image (Celantur, BlurIt) or PDF/image (Anesya)``: which file each vendor takes."""
    by_kind: dict[str, list[str]] = {}
    for vendor in vendors:
        if vendor.submit is None:
            continue
        brands = by_kind.setdefault(vendor.submit.file_kind.noun, [])
        if vendor.brand_name not in brands:
            brands.append(vendor.brand_name)
    return " or ".join(f"{noun} ({', '.join(brands)})" for noun, brands in by_kind.items())


def _add_option(submit: argparse.ArgumentParser, option: SubmitOption) -> None:
    if isinstance(option.default, bool):
        submit.add_argument(option.flag, action="store_true", help=option.help)
    else:
        submit.add_argument(option.flag, default=option.default, help=option.help)


def _add_submit(submit: argparse.ArgumentParser) -> None:
    vendors = submit_vendors()
    submit.add_argument("vendor", help=", ".join(v.id for v in vendors))
    submit.add_argument("--file", required=True, help=_file_help(vendors))
    submit.add_argument(
        "--api-base", metavar="URL", help="the vendor API's origin (staging, a double)"
    )
    submit.add_argument(
        "--webhook-url", metavar="URL", help="default: the tunnel URL of the endpoint"
    )
    submit.add_argument("--wait", type=float, metavar="SECONDS", help="wait for the final callback")
    submit.add_argument(
        "--sandbox",
        action="store_true",
        help="a simulation of the vendor's API on this machine: no account, no tunnel; "
        "its callbacks go to the running listener, labelled simulated",
    )
    # Vendors that share an account (Celantur's two APIs) share its flags.
    flags: set[str] = set()
    for vendor in vendors:
        for credential in vendor.submit.credentials if vendor.submit else ():
            if credential.flag not in flags:
                flags.add(credential.flag)
                submit.add_argument(
                    credential.flag, help=f"{vendor.brand_name} (else {credential.env})"
                )
    for vendor in vendors:
        for option in vendor.submit.options if vendor.submit else ():
            if option.flag not in flags:
                flags.add(option.flag)
                _add_option(submit, option)
