"""``endpoint add|list|remove``: the endpoints in ``<data dir>/endpoints.json``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from inspector.cli.common import endpoint_table, out
from inspector.core.endpoints import Endpoint, ResponseRule
from inspector.core.errors import UserError


def describe_endpoint(data: dict[str, Any]) -> str:
    """One line: path, vendor, what is checked, and what the answer does differently."""
    auth = []
    if data.get("token"):
        auth.append(f"token {data['token']}")
    if data.get("query_token"):
        auth.append(f"query {data['query_token']}")
    if data.get("scheme"):
        auth.append(f"{data['scheme']} {data.get('secret') or ''}".strip())
    elif data.get("secret"):  # a provider's own signature (docs/providers.md)
        auth.append(f"{data['vendor']} signature {data['secret']}")
    if data.get("public_key"):
        auth.append(f"{data['vendor']} public key {data['public_key']}")
    rule = data.get("response") or {}
    answer = []
    if rule.get("status"):
        answer.append(f"status {rule['status']}")
    if rule.get("delay_ms"):
        answer.append(f"delay {rule['delay_ms']} ms")
    if rule.get("fail_rate"):
        answer.append(f"fail {rule['fail_rate']:.0%}")
    if data.get("forward_url"):
        mode = "proxy to" if data.get("forward_proxy") else "forward"
        answer.append(f"{mode} {data['forward_url']}")
    return f"{data['path']:<20} {data['vendor']:<12} {', '.join(auth) or 'no check'}" + (
        f"  [{', '.join(answer)}]" if answer else ""
    )


def cmd_endpoint(args: argparse.Namespace, data_dir: Path) -> int:
    table = endpoint_table(data_dir)
    action = args.endpoint_command
    if action == "add":
        headers = []
        for item in args.response_header:
            name, sep, value = item.partition(":")
            if not sep:
                raise UserError(f"--response-header must look like NAME:VALUE, got {item!r}")
            headers.append((name.strip(), value.strip()))
        try:
            endpoint = Endpoint(
                path=args.path,
                vendor=args.vendor,
                token=args.token,
                query_token=args.query_token,
                secret=args.secret,
                scheme=args.scheme,
                public_key=args.public_key,
                header=args.header,
                encoding=args.encoding,
                prefix=args.prefix,
                response=ResponseRule(
                    status=args.status,
                    headers=headers,
                    body=args.body,
                    delay_ms=args.delay_ms,
                    fail_rate=args.fail_rate,
                ),
                forward_url=args.forward,
                forward_proxy=args.proxy,
            )
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        replaced = table.get(endpoint.path) is not None
        table.add(endpoint)
        table.save()
        verb = "replaced" if replaced else "added"
        out(f"{verb} endpoint {describe_endpoint(endpoint.to_json(mask_secrets=True))}")
    elif action == "list":
        items = [e.to_json(mask_secrets=not args.reveal_secrets) for e in table]
        if args.json:
            out(json.dumps(items, ensure_ascii=False))
        else:
            if not items:
                out("no endpoints (add one with 'webhook-inspector endpoint add')", sys.stderr)
            for item in items:
                out(describe_endpoint(item))
    elif action == "remove":
        if not table.remove(args.path):
            raise UserError(f"no endpoint {args.path!r} (see 'webhook-inspector endpoint list')")
        table.save()
        out(f"removed endpoint {args.path}")
    return 0
