"""Send vendor-accurate sample webhooks (from :mod:`inspector.core.simulate`) over HTTP.

Samples sent to our own listener with its run token carry ``X-Inspector-Source: simulate``
and the token, so they are recorded as simulations, not as live traffic; the listener
strips both before storing (:func:`inspector.core.origin.read_own_headers`).
"""

from __future__ import annotations

from collections.abc import Sequence

from inspector.core.origin import own_markers
from inspector.core.simulate import SampleRequest
from inspector.net.replay import ReplayResult, make_session, send_capture, target_url


async def send_samples(
    samples: Sequence[SampleRequest],
    base_url: str,
    *,
    run_token: str | None = None,
    wait_s: float = 30,
) -> list[tuple[str, ReplayResult]]:
    """Send samples in order (BlurIt's statuses must arrive in sequence); (url, result) each.

    ``run_token`` is the token of the listener at ``base_url``: with it the samples are
    marked as such; without it (another target) they go out exactly as a vendor sends them.
    """
    out: list[tuple[str, ReplayResult]] = []
    markers = own_markers(run_token, source="simulate")
    async with make_session() as session:
        for sample in samples:
            capture = sample.to_capture()
            url = target_url(base_url, capture)
            result = await send_capture(
                session, capture, url, timeout=wait_s, marker_headers=markers
            )
            out.append((url, result))
    return out
