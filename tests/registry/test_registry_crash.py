"""Real processes: a writer killed with SIGKILL mid-write, and several writers at once."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from aso.registry import ItemKind, Registry, verify

SRC = str(Path(__file__).resolve().parents[2] / "src")

SLOW_WRITER = """
import sys, time
from pathlib import Path
from aso.registry import ItemKind, Registry
root, marker = sys.argv[1], Path(sys.argv[2])
def chunks():
    for i in range(400):
        yield bytes([i % 256]) * 65536
        if i == 3:
            marker.write_text("started")
        time.sleep(0.02)
Registry(root).put_stream(chunks(), kind=ItemKind.BITDELTA, name="never-finished")
"""

LOOP_WRITER = """
import os, sys
from aso.registry import ItemKind, Registry
root, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
reg = Registry(root)
for i in range(count):
    data = os.urandom(256 * 1024) + f"{tag}-{i}".encode()
    record = reg.put(data, kind=ItemKind.EXPERT_FACTORS, name=f"{tag}-{i}")
    print(record.digest, flush=True)
"""


def spawn(code: str, *args: str, stdout=None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, stdout=stdout, text=True)


def wait_for(path: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def test_sigkill_in_the_middle_of_a_write_leaves_a_valid_registry(tmp_path):
    root = tmp_path / "reg"
    with Registry(root) as reg:
        kept = reg.put(b"an item written before the crash", kind=ItemKind.OTHER, name="kept")
        root_before = reg.root_hash()
    marker = tmp_path / "started"
    proc = spawn(SLOW_WRITER, str(root), str(marker))
    wait_for(marker)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL

    with Registry(root) as reg:
        report = verify(reg)
        assert report.ok, report.findings
        assert report.temp_files, "the kill did not land mid-write (no partial temp file)"
        assert [i.name for i in reg.items()] == ["kept"]
        assert reg.get("kept") == b"an item written before the crash"
        assert reg.root_hash() == root_before
        assert reg.check_item_proof(kept.digest)
        after = reg.put(b"life goes on", kind=ItemKind.OTHER, name="after")
        assert verify(reg).ok and reg.check_item_proof(after.digest)


def test_writers_killed_at_random_moments_never_leave_partial_items(tmp_path):
    root = tmp_path / "reg"
    rng = random.Random(7)
    acknowledged: set[str] = set()
    for round_ in range(4):
        proc = spawn(LOOP_WRITER, str(root), f"r{round_}", "1000", stdout=subprocess.PIPE)
        time.sleep(rng.uniform(1.0, 2.5))  # includes interpreter start-up
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        acknowledged |= {line for line in out.split() if line}
    with Registry(root) as reg:
        report = verify(reg)
        assert report.ok, report.findings
        stored = {i.digest for i in reg.items()}
        assert acknowledged <= stored  # every put that returned survived the kill
        assert len(stored) - len(acknowledged) <= 4  # at most one unacknowledged commit per kill
        for digest in stored:
            assert reg.check_item_proof(digest)


def test_concurrent_writer_processes_do_not_corrupt_the_registry(tmp_path):
    root = tmp_path / "reg"
    Registry(root).close()
    procs = [spawn(LOOP_WRITER, str(root), f"w{k}", "8", stdout=subprocess.PIPE) for k in range(4)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0]
    digests = {line for out in outputs for line in out.split()}
    assert len(digests) == 32
    with Registry(root) as reg:
        report = verify(reg)
        assert report.ok, report.findings
        assert {i.digest for i in reg.items()} == digests
        assert report.recorded_root == report.computed_root
        assert not report.temp_files
        assert all(reg.check_item_proof(d) for d in digests)
