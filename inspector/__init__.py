"""Webhook Inspector: capture, validate, replay and forward vendor webhooks.

Layers: :mod:`inspector.core` (pure Python), :mod:`inspector.net` (asyncio I/O, no Qt),
:mod:`inspector.gui` (Qt only); :mod:`inspector.app` and :mod:`inspector.cli` wire them.
"""

__version__ = "0.1.0"
