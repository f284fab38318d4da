"""Send vendor-accurate sample webhooks (from :mod:`inspector.core.simulate`) over HTTP.

Samples that land on our own listener carry ``X-Inspector-Source: simulate`` so they are
recorded as simulations, not as live traffic; the header is stripped before storing.
"""

from __future__ import annotations

from collections.abc import Sequence

from inspector.core.simulate import SampleRequest
from inspector.net.listener import SOURCE_HEADER
from inspector.net.replay import ReplayResult, make_session, send_capture, target_url


async def send_samples(
    samples: Sequence[SampleRequest], base_url: str, *, mark: bool = True, wait_s: float = 30
) -> list[tuple[str, ReplayResult]]:
    """Send samples in order (BlurIt's statuses must arrive in sequence); (url, result) each."""
    out: list[tuple[str, ReplayResult]] = []
    marker = (SOURCE_HEADER, "simulate") if mark else None
    async with make_session() as session:
        for sample in samples:
            capture = sample.to_capture()
            url = target_url(base_url, capture)
            result = await send_capture(session, capture, url, timeout=wait_s, marker_header=marker)
            out.append((url, result))
    return out
