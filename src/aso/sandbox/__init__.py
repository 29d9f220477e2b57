"""Running untrusted code (anything a model wrote) with limits and isolation.

Index:
- `Sandbox`        `run(cmd, source_dir=, files=, stdin=)`, `run_python(code, ...)` (runner.py)
- `SandboxLimits`  wall clock, CPU, address space, file size, processes, output kept (limits.py)
- `SandboxPolicy`  interpreter, extra read-only paths, network, home hiding, namespaces (policy.py)
- `SandboxResult`, `Outcome`, `Isolation`   what happened and which isolation held (result.py)
- workdir.py      the per-run temporary directory; zygote.py  the parent's handle on the launcher
- launcher.py + supervisor.py + isolation.py  the separate process that isolates (stdlib + ctypes)

See docs/sandbox.md for what each mechanism guarantees.

Isolation (Linux): as root, namespaces (mount, pid, network, ipc, uts) plus a per-run unprivileged
uid; as another user, the same inside an unprivileged user namespace where the kernel allows one;
otherwise only rlimits, a scrubbed environment and process-tree killing. Each result says which held.
Not handled: seccomp syscall filtering, cgroup memory/pids accounting, disk quota for the work dir.
"""

from aso.sandbox.limits import SandboxLimits
from aso.sandbox.policy import SandboxPolicy
from aso.sandbox.result import Isolation, Outcome, SandboxResult, UnisolatedSandboxWarning
from aso.sandbox.runner import Sandbox

__all__ = [
    "Isolation",
    "Outcome",
    "Sandbox",
    "SandboxLimits",
    "SandboxPolicy",
    "SandboxResult",
    "UnisolatedSandboxWarning",
]
