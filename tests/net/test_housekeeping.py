"""AppCore's housekeeping: the size cap trims the store, a nearly full disk is warned about."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from inspector.app import AppCore


async def test_size_cap_and_disk_warning(data_dir: Path) -> None:
    core = AppCore(data_dir, port=0)
    core.housekeeping_interval = 3600  # run it by hand below
    await core.start()
    warnings: list[str] = []
    core.warned.connect(warnings.append)
    try:
        async with aiohttp.ClientSession() as s:
            for i in range(60):
                async with s.post(f"{core.listener.url}/c{i}", data=b"x" * 50_000) as r:
                    assert r.status == 200
        pinned = core.store.captures(limit=0, newest_first=False)[0]
        core.store.set_pinned([pinned.id])
        core.settings.max_store_mb = 1
        core.settings.min_free_disk_mb = 10**9  # more than any disk: must warn
        await core.housekeep_once()
        assert core.store.used_bytes() <= 1024 * 1024
        assert core.store.get(pinned.id) is not None
        assert any(w.startswith("store over 1 MiB: removed the") for w in warnings)
        assert any("free on the disk of" in w for w in warnings)
    finally:
        await core.stop()


@pytest.mark.parametrize(
    ("text", "durability"), [('{"durability": "commit"}', "commit"), ("{}", "interval")]
)
async def test_the_durability_setting_reaches_the_store(
    data_dir: Path, text: str, durability: str
) -> None:
    (data_dir / "settings.json").write_text(text)
    core = AppCore(data_dir, port=0)
    try:
        assert core.store.durability == durability
    finally:
        core.store.close()
