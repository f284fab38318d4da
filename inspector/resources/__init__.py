"""Files the app ships inside its package (the icon), found through importlib.resources.

They live in the package so that a wheel and a PyInstaller bundle carry them: nothing is
looked up beside a source checkout (docs/decisions.md, "Installing").
"""

from __future__ import annotations

import atexit
import contextlib
import functools
from importlib.resources import as_file, files
from pathlib import Path

#: The app's id: the name of its desktop file, AppStream component and icon
#: (packaging/linux), and what the window tells the desktop it belongs to.
APP_ID = "io.github.webhookinspector.WebhookInspector"

#: The app's icon, a scalable SVG (the PNG, ICO and ICNS forms are made from it).
ICON = "icon.svg"

# A resource inside a zip file is copied out to a temporary file for as long as the
# process runs; one on disk (a wheel install, a checkout, a bundle) is used where it is.
_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


@functools.cache
def path(name: str) -> Path:
    """A file system path to the resource ``name``; FileNotFoundError if it is not shipped."""
    resource = files(__name__).joinpath(name)
    if not resource.is_file():
        raise FileNotFoundError(f"resource {name!r} is not in the package")
    return _extracted.enter_context(as_file(resource))
