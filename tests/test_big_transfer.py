"""Export and import of a history much larger than the memory they are allowed: the real
command line in a subprocess under ``RLIMIT_AS``, and the round trip is lossless."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from inspector.core.capture import Capture, ResponseRecord
from inspector.core.store import CaptureStore

#: Address space the exporting and importing processes may use. The Python process with
#: the store open takes about 35 MiB; the history's bodies are three times the limit.
LIMIT_BYTES = 128 * 1024 * 1024
BODY_BYTES = 128 * 1024
COUNT = 3 * LIMIT_BYTES // BODY_BYTES  # 3,072 captures, 384 MiB of bodies


def limited(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``webhook-inspector --data-dir DIR ARGS`` with its address space limited."""
    code = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({LIMIT_BYTES}, {LIMIT_BYTES}))\n"
        "from inspector.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    env = dict(os.environ, MALLOC_ARENA_MAX="2")  # each thread's arena reserves 64 MiB
    env.pop("WEBHOOK_INSPECTOR_HOME", None)
    return subprocess.run(
        [sys.executable, "-c", code, "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


def history(data_dir: Path) -> None:
    rng = random.Random(5)
    store = CaptureStore.in_dir(data_dir)
    try:
        for start in range(0, COUNT, 64):
            batch = []
            for i in range(start, min(COUNT, start + 64)):
                if i % 8 == 0:  # text: a long JSON body, its head indexed
                    body = json.dumps({"n": i, "pad": "lorem ipsum " * (BODY_BYTES // 12)})
                    data = body.encode()[:BODY_BYTES]
                else:  # binary (base64 in HAR)
                    data = rng.randbytes(BODY_BYTES)
                batch.append(
                    Capture(
                        method="POST",
                        path=f"/big/{i}",
                        query=f"i={i}",
                        headers=[("Content-Type", "application/octet-stream"), ("X-N", str(i))],
                        body=data,
                        vendor="generic" if i % 3 else None,
                        # near the end: the rest of the file is read by json's decoder
                        event={"big": 2**70, "ratio": 0.1} if i == COUNT - 5 else None,
                        response=ResponseRecord(200, [("X-R", "1")], b"ok %d" % i),
                    )
                )
            store.add_many(batch, emit=False)
    finally:
        store.close()


def comparable(capture: Capture) -> dict[str, object]:
    data = capture.to_json(include_body=True)
    data.pop("source")  # an import is marked "import"
    return data


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("fmt", ["har", "json"])
def test_export_and_import_of_a_history_larger_than_memory(tmp_path: Path, fmt: str) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    source.mkdir()
    history(source)
    out = tmp_path / f"history.{fmt}"

    exported = limited(source, "export", "--format", fmt, "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    assert out.stat().st_size > 3 * LIMIT_BYTES
    imported = limited(target, "import", str(out))
    assert imported.returncode == 0, imported.stderr
    assert f"imported {COUNT} captures" in imported.stdout

    a, b = CaptureStore.in_dir(source), CaptureStore.in_dir(target)
    try:
        pairs = zip(a.iter_captures(), b.iter_captures(), strict=True)
        for original, back in pairs:
            assert comparable(back) == comparable(original), original.path
        assert b.count() == COUNT
    finally:
        a.close()
        b.close()


@pytest.mark.slow
def test_the_limit_is_tight_enough_to_refuse_reading_the_file_whole(tmp_path: Path) -> None:
    # What import did before: the whole file in memory. Under the same limit it fails, so
    # the test above measures the streaming path.
    big = tmp_path / "big.json"
    with open(big, "w") as fh:
        fh.write('{"format": "webhook-inspector", "version": 1, "captures": [')
        fh.write(",".join(['{"body_b64": "' + "A" * 4096 + '"}'] * (LIMIT_BYTES // 4096)))
        fh.write("]}")
    code = (
        "import json, resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({LIMIT_BYTES}, {LIMIT_BYTES}))\n"
        f"json.loads(open({str(big)!r}, 'rb').read())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode != 0 and "MemoryError" in done.stderr
