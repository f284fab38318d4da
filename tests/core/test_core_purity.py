"""The core imports no Qt and no network library (docs/decisions.md: the core runs without Qt)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import inspector.core


def test_core_imports_without_qt_or_aiohttp() -> None:
    modules = [
        m.name for m in pkgutil.walk_packages(inspector.core.__path__, prefix="inspector.core.")
    ]
    assert "inspector.core.store" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'qasync', 'aiohttp', 'pyngrok'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
