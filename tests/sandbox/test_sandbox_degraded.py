"""Degraded isolation: without namespaces (policy or kernel), and as a non-root user (user namespace).
The result must say what was not isolated, and process-tree killing must still hold."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sandbox_procs import FORK_BOMB, IS_ROOT, processes_with

from aso.sandbox import Outcome, Sandbox, SandboxLimits, SandboxPolicy

SRC = Path(__file__).resolve().parents[2] / "src"
NO_NS = SandboxPolicy(namespaces=False)


def test_without_namespaces_the_result_says_so() -> None:
    res = Sandbox(policy=NO_NS).run_python("print('hi')")
    assert res.ok and res.stdout == "hi\n"
    assert res.isolation.mode == "none"
    assert not res.network_isolated and not res.fs_isolated and not res.isolation.pid_isolated
    assert any("namespaces" in note for note in res.isolation.notes)


def test_without_namespaces_a_write_to_tmp_does_reach_the_host() -> None:
    """The contrast to the isolated case: this is what fs isolation prevents."""
    target = Path("/tmp") / f"aso-degraded-{secrets.token_hex(6)}"
    try:
        res = Sandbox(policy=NO_NS).run_python(f"open({str(target)!r}, 'w').write('x')")
        assert res.ok and target.exists()
    finally:
        target.unlink(missing_ok=True)


def test_without_namespaces_escapees_are_still_killed() -> None:
    marker = f"aso-test-{secrets.token_hex(6)}"
    code = (
        "import subprocess, sys\n"
        "for _ in range(3):\n"
        "    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', sys.argv[1]],"
        " start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "while True: pass\n"
    )
    res = Sandbox(SandboxLimits(timeout_s=2), policy=NO_NS).run_python(code, args=[marker])
    assert res.outcome is Outcome.TIMEOUT
    assert processes_with(marker) == []


def test_without_namespaces_fork_bomb_is_still_capped() -> None:
    marker = f"aso-test-{secrets.token_hex(6)}"
    sandbox = Sandbox(SandboxLimits(timeout_s=2, max_processes=16), policy=NO_NS)
    res = sandbox.run_python(FORK_BOMB, args=[marker])
    assert res.outcome is Outcome.TIMEOUT
    assert processes_with(marker) == []


_AS_USER_SCRIPT = """
import json, socket, sys
sys.path.insert(0, sys.argv[1])
from aso.sandbox import Sandbox
target, port = sys.argv[2], sys.argv[3]
code = (
    "import ctypes, socket, sys\\n"
    "libc = ctypes.CDLL(None, use_errno=True)\\n"
    "print('remount', libc.mount(None, b'/', None, 32 | 4096, None), ctypes.get_errno())\\n"
    "open(sys.argv[1], 'w').write('x')\\n"
    "try:\\n"
    "    socket.create_connection(('127.0.0.1', int(sys.argv[2])), timeout=3); print('connected')\\n"
    "except OSError as exc:\\n"
    "    print('failed', exc)\\n"
)
res = Sandbox().run_python(code, args=[target, port])
print(json.dumps({"mode": res.isolation.mode, "fs": res.fs_isolated, "net": res.network_isolated,
                  "pid": res.isolation.pid_isolated, "ok": res.ok, "stdout": res.stdout,
                  "stderr": res.stderr, "notes": list(res.isolation.notes)}))
"""


@pytest.mark.skipif(not IS_ROOT or not shutil.which("setpriv"), reason="needs root to become nobody")
@pytest.mark.skipif(not os.path.exists("/usr/bin/python3.11"), reason="needs a world-executable python3.11")
def test_non_root_user_gets_a_user_namespace_sandbox() -> None:
    """Run the sandbox as `nobody`; where the kernel allows unprivileged user namespaces, the same
    containment holds (private /tmp, no network)."""
    target = f"/tmp/aso-nobody-{secrets.token_hex(6)}"
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        cmd = [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "/usr/bin/python3.11",
            "-c",
            _AS_USER_SCRIPT,
            str(SRC),
            target,
            str(listener.getsockname()[1]),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd="/tmp")
            assert proc.returncode == 0, proc.stderr
            seen = json.loads(proc.stdout)
            if seen["mode"] != "userns":
                pytest.skip(f"unprivileged user namespaces unavailable here: {seen['notes']}")
            assert seen["ok"], seen["stderr"]
            assert seen["fs"] and seen["net"] and seen["pid"]
            assert not os.path.exists(target)
            remount, connect = seen["stdout"].splitlines()
            assert remount == "remount -1 1"  # EPERM: no capability left to undo the read-only mounts
            assert connect.startswith("failed")
            with pytest.raises(BlockingIOError):
                listener.accept()
        finally:
            if os.path.exists(target):
                os.unlink(target)


def test_sandbox_package_needs_only_the_standard_library() -> None:
    """The non-root test imports aso.sandbox with a bare python3.11; keep that true."""
    code = (
        f"import sys; sys.path.insert(0, {str(SRC)!r}); import aso.sandbox\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'numpy', 'pydantic', 'yaml')))"
    )
    out = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
