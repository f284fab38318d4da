"""A vendor as the whole app knows it: its profile plus everything around its webhooks.

One :class:`Vendor` per vendor module, registered in :mod:`inspector.core.vendors`. Every
list of vendors (command-line choices, menus, the endpoint and submit dialogs), every
default path, credential, sample and final status is read from these descriptors, so
adding a vendor means adding its modules and registering them, nothing else. The API
client that submits test tasks lives in ``inspector.net`` and is registered there under the
same id (core does not import net).
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from inspector.core.capture import Headers
from inspector.core.vendors.base import VendorProfile

#: One sample webhook: its headers (without credentials, which come from the endpoint)
#: and its body.
SampleItem = tuple[Headers, bytes]
#: ``samples(event, rng, now)``: the webhook(s) a vendor sends for ``event`` (None: the
#: vendor's usual one), with ids from ``rng`` and timestamps at ``now`` (Unix seconds).
SampleMaker = Callable[[str | None, random.Random, float], list[SampleItem]]
#: ``build(values, head)``: the API's options from what the user chose (``values``, by
#: option name) and the file's first bytes; ValueError with a sentence when unusable.
OptionBuilder = Callable[[Mapping[str, Any], bytes], dict[str, Any]]

_JPEG, _PNG, _PDF = b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"%PDF-"


@dataclass(frozen=True, slots=True)
class Credential:
    """One API credential: its name (in forms and as a ``--flag``), environment variable,
    secret store key and label."""

    name: str
    env: str
    store_key: str
    label: str
    #: masked in forms, with a Show toggle
    secret: bool = False

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True, slots=True)
class SubmitOption:
    """One choice the user makes when submitting a task, for the CLI and the Submit dialog.

    A boolean ``default`` makes a checkbox (its ``flag`` turns a default-on option off, as
    ``--no-face``, or a default-off one on); ``choices`` make a drop-down (the command line
    passes any value on: the vendor judges it); anything else is free text.
    """

    name: str
    label: str
    default: bool | str | None
    flag: str
    help: str
    choices: tuple[str, ...] = ()
    #: checkboxes sharing a form row show under this label ("Anonymise")
    row: str = ""
    placeholder: str = ""

    @property
    def dest(self) -> str:
        """The attribute argparse stores the flag in."""
        return self.flag.lstrip("-").replace("-", "_")

    def from_flag(self, given: Any) -> Any:
        """The option's value from its parsed flag (a default-on checkbox's flag negates)."""
        if self.default is True:
            return not given
        return given


@dataclass(frozen=True, slots=True)
class FileKind:
    """What a vendor's API accepts: magic prefixes, in words, file names, dialog filter."""

    noun: str
    magics: tuple[bytes, ...]
    words: str
    extensions: tuple[str, ...]
    dialog_filter: str
    #: the vendor derives the type from the file name, so the name must end right; the
    #: endings in words (``.pdf, .png or .jpg``) or "" when the name does not matter
    name_endings: str = ""


IMAGE = FileKind(
    "image",
    (_JPEG, _PNG),
    "a JPEG or PNG image",
    (".jpg", ".jpeg", ".png"),
    "Images (*.jpg *.jpeg *.png);;All files (*)",
)
DOCUMENT = FileKind(
    "PDF/image",
    (_PDF, _JPEG, _PNG),
    "a PDF, PNG or JPEG document",
    (".pdf", ".jpg", ".jpeg", ".png"),
    "Documents (*.pdf *.jpg *.jpeg *.png);;All files (*)",
    name_endings=".pdf, .png or .jpg",
)


def sniff_image_type(head: bytes) -> str | None:
    """``image/jpeg`` or ``image/png`` from a file's first bytes, else None."""
    if head.startswith(_JPEG):
        return "image/jpeg"
    if head.startswith(_PNG):
        return "image/png"
    return None


@dataclass(frozen=True, slots=True)
class SubmitSpec:
    """A vendor's API for test tasks, as the user sees it: credentials, file, options.

    Vendors that share an API (Celantur's two versions) share one spec, and so one set of
    fields in the Submit dialog.
    """

    credentials: tuple[Credential, ...]
    file_kind: FileKind
    options: tuple[SubmitOption, ...]
    build: OptionBuilder
    #: events to set up in the vendor's dashboard, for a vendor whose webhooks are
    #: configured there only (nothing can register our URL through its API)
    dashboard_events: tuple[str, ...] = ()

    @property
    def takes_webhook_url(self) -> bool:
        """Whether a submission gives the vendor our webhook URL (with the task, or by
        registering it). One whose webhooks are set in its dashboard takes none, so a task
        can be submitted without knowing a public URL."""
        return not self.dashboard_events


@dataclass(frozen=True, slots=True)
class Vendor:
    """Everything about one vendor outside the listener's request path; :attr:`profile`
    is the part that reads, checks and answers its webhooks."""

    profile: VendorProfile
    #: path of the endpoint made for it (``simulate`` and ``submit`` without one)
    default_path: str
    samples: SampleMaker
    #: the company, in messages ("fill in the Celantur Password"); default: the title
    brand: str = ""
    #: a short title for narrow columns ("Celantur v2"); default: the title
    short_title: str = ""
    #: statuses after which the vendor sends nothing more for a task
    final_events: frozenset[str] = frozenset()
    #: the field of a callback's event that carries its status
    status_field: Literal["status", "event"] = "status"
    #: other vendors whose webhooks look alike: a callback detected as one of them still
    #: belongs to this vendor's task
    lookalikes: tuple[str, ...] = ()
    #: a secret generated for the endpoint made for it: a ``?key=`` query token for a
    #: vendor that sends no header, a token for a vendor whose token the user sets
    generated_secret: Literal["query", "token"] | None = None
    #: its API for test tasks (the client is registered under the same id in
    #: ``inspector.net.vendors``); None: nothing to submit to
    submit: SubmitSpec | None = None

    @property
    def id(self) -> str:
        return self.profile.id

    @property
    def title(self) -> str:
        return self.profile.title

    @property
    def events(self) -> tuple[str, ...]:
        return self.profile.events

    @property
    def fallback(self) -> bool:
        return self.profile.fallback

    @property
    def brand_name(self) -> str:
        return self.brand or self.title

    @property
    def short_name(self) -> str:
        return self.short_title or self.title


# -- helpers for the vendors' sample webhooks ----------------------------------------------

JSON_HEADER = ("Content-Type", "application/json")


def sample_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def iso_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_item(payload: dict[str, Any], headers: Headers | None = None) -> SampleItem:
    """A JSON webhook: its headers (default: ``Content-Type: application/json``), its body."""
    return (list(headers) if headers is not None else [JSON_HEADER]), json.dumps(payload).encode()
