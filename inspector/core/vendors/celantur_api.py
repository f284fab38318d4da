"""What Celantur's two API versions share: the account, the task options, the ``?key=``.

Celantur signs nothing and sends no header, so users put a secret in the webhook URL's
query; an endpoint's plain ``token`` is checked as :data:`TOKEN_QUERY_NAME`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inspector.core.vendors.descriptor import IMAGE, Credential, SubmitOption, SubmitSpec

BRAND = "Celantur"
#: Query parameter an endpoint's plain ``token`` is expected in (Celantur sends no header).
TOKEN_QUERY_NAME = "key"
METHODS = ("blur", "pixelate", "blacken")
#: What to anonymise; the API needs at least one of them.
TARGETS = ("face", "license_plate", "person", "vehicle")
FINAL_STATUSES = frozenset({"done", "failed"})

_ROW = "Anonymise"


def build_options(values: Mapping[str, Any], head: bytes) -> dict[str, Any]:
    """The task's options; Celantur refuses a task that anonymises nothing."""
    chosen = {name: bool(values[name]) for name in TARGETS}
    if not any(chosen.values()):
        raise ValueError("choose at least one of faces, license plates, persons, vehicles")
    return {"method": str(values["method"]), **chosen}


SUBMIT = SubmitSpec(
    credentials=(
        Credential("username", "CELANTUR_USERNAME", "celantur.username", "Username"),
        Credential("password", "CELANTUR_PASSWORD", "celantur.password", "Password", secret=True),
    ),
    file_kind=IMAGE,
    options=(
        SubmitOption(
            "method", "Method", "blur", "--method", "Celantur: blur, pixelate, blacken", METHODS
        ),
        SubmitOption(
            "face", "Faces", True, "--no-face", "Celantur: do not anonymise faces", row=_ROW
        ),
        SubmitOption(
            "license_plate",
            "License plates",
            False,
            "--license-plate",
            "Celantur: license plates",
            row=_ROW,
        ),
        SubmitOption("person", "Persons", False, "--person", "Celantur: whole persons", row=_ROW),
        SubmitOption("vehicle", "Vehicles", False, "--vehicle", "Celantur: vehicles", row=_ROW),
    ),
    build=build_options,
)
