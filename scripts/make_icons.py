"""Make every icon file from the one SVG: ``python scripts/make_icons.py`` (``make icons``).

Writes, from inspector/resources/icon.svg, drawn by Qt's SVG renderer:
- packaging/linux/icons/hicolor/NxN/apps/APP_ID.png for the hicolor sizes, and the SVG
  itself as hicolor/scalable/apps/APP_ID.svg;
- packaging/windows/webhook-inspector.ico (16 to 256 px);
- packaging/macos/webhook-inspector.icns (16 to 1024 px, the Retina sizes included).
The ICO and ICNS files hold PNG images, which both formats allow (Windows Vista and
later, macOS 10.7 and later); Qt's own readers of both formats check them in the tests.
The results are committed; run this again after the SVG changes.
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from inspector import resources

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
HICOLOR = PACKAGING / "linux" / "icons" / "hicolor"
ICO = PACKAGING / "windows" / "webhook-inspector.ico"
ICNS = PACKAGING / "macos" / "webhook-inspector.icns"

HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS entry types holding PNG data, by pixel size (Apple's iconutil writes the same set).
ICNS_TYPES = (
    (b"icp4", 16), (b"icp5", 32), (b"ic11", 32), (b"icp6", 64), (b"ic12", 64),
    (b"ic07", 128), (b"ic08", 256), (b"ic13", 256), (b"ic09", 512), (b"ic14", 512),
    (b"ic10", 1024),
)  # fmt: skip


def render(svg: QSvgRenderer, size: int) -> bytes:
    """The SVG drawn on a transparent square of ``size`` pixels, as PNG bytes."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    svg.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # PySide6 takes the format as str at run time; its type stubs say bytes.
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]
        raise RuntimeError(f"Qt could not write a {size} px PNG")
    buffer.close()
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows icon: the ICONDIR header, one 16-byte entry per image, then the PNGs."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, png in sorted(pngs.items()):
        side = 0 if size >= 256 else size  # 0 means 256 in the one-byte fields
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS icon: 'icns' and the file's length, then each entry's type, length and PNG."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    source = resources.path(resources.ICON)
    svg = QSvgRenderer(str(source))
    if not svg.isValid():
        print(f"make_icons: {source} is not an SVG that Qt can draw", file=sys.stderr)
        return 1
    sizes = sorted({*HICOLOR_SIZES, *ICO_SIZES, *(size for _, size in ICNS_TYPES)})
    pngs = {size: render(svg, size) for size in sizes}
    for size in HICOLOR_SIZES:
        target = HICOLOR / f"{size}x{size}" / "apps" / f"{resources.APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pngs[size])
    scalable = HICOLOR / "scalable" / "apps" / f"{resources.APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, scalable)
    for path, data in ((ICO, ico({s: pngs[s] for s in ICO_SIZES})), (ICNS, icns(pngs))):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    del app
    print(f"icons written under {PACKAGING.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
