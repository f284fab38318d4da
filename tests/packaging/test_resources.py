"""The files shipped inside the package are found through importlib.resources."""

from __future__ import annotations

from pathlib import Path

import pytest

import inspector
from inspector import resources


def test_the_icon_is_found_inside_the_package() -> None:
    icon = resources.path(resources.ICON)
    assert icon.is_relative_to(Path(inspector.__file__).parent)
    assert icon.read_bytes().lstrip().startswith(b"<svg")


def test_an_unknown_resource_says_so() -> None:
    with pytest.raises(FileNotFoundError, match=r"not-there\.png"):
        resources.path("not-there.png")


@pytest.mark.gui
def test_qt_draws_the_icon(qapp: object) -> None:
    from PySide6.QtGui import QIcon

    image = QIcon(str(resources.path(resources.ICON))).pixmap(64, 64).toImage()
    assert image.width() == 64
    # The rounded square's fill, in the middle of its left edge.
    assert image.pixelColor(6, 32).name() == "#1f4e79"
