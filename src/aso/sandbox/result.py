"""What a sandboxed run ended with: `SandboxResult` and its `Outcome`."""

from __future__ import annotations

import enum
import re
import signal as signals
from dataclasses import dataclass, field

# A memory failure shows as a traceback's last line or a C/C++ runtime message, not as a signal.
_MEMORY_MARKERS = re.compile(r"^MemoryError\b|Cannot allocate memory|std::bad_alloc|out of memory", re.M)
_FILE_SIZE_MARKERS = re.compile(r"File too large")


class Outcome(enum.Enum):
    """How a run ended, most specific cause first."""

    OK = "ok"
    """Exit status 0 within the limits."""
    FAILED = "failed"
    """Non-zero exit status (including 127: the command could not be started)."""
    TIMEOUT = "timeout"
    """The wall-clock limit passed; the whole process tree was killed."""
    CPU_LIMIT = "cpu_limit"
    """Killed for exceeding the CPU-time limit (SIGXCPU, or SIGKILL at the hard limit)."""
    MEMORY = "memory"
    """Failed to allocate memory under the address-space limit (MemoryError / allocation failure)."""
    FILE_SIZE = "file_size"
    """Tried to write a file beyond the file-size limit (SIGXFSZ or EFBIG)."""
    KILLED_BY_SIGNAL = "killed_by_signal"
    """Ended by another signal (e.g. SIGSEGV, SIGABRT)."""
    SETUP_ERROR = "setup_error"
    """The sandbox itself could not start or supervise the command (see `SandboxResult.error`)."""


@dataclass(frozen=True)
class Isolation:
    """Which isolation the launcher achieved for a run (it degrades instead of failing)."""

    mode: str = "none"
    """"root" (namespaces + per-run uid), "userns" (unprivileged user namespace) or "none"."""
    network_isolated: bool = False
    """The command ran in an empty network namespace (loopback only)."""
    fs_isolated: bool = False
    """The filesystem was read-only except the work dir and a private /tmp and /dev/shm."""
    pid_isolated: bool = False
    """The command ran in its own pid namespace (all of it dies with its init)."""
    uid_dropped: bool = False
    """The command ran as an unprivileged per-run uid (root callers)."""
    sandbox_uid: int | None = None
    """The uid the command ran as."""
    notes: tuple[str, ...] = ()
    """Why something was not available."""

    @property
    def unisolated(self) -> bool:
        """True when the run had no namespaces: it could write the host's /tmp and reach the network."""
        return self.mode == "none"

    def warning(self) -> str | None:
        """The loud one-line warning for a run without namespaces (None when namespaces held)."""
        if not self.unisolated:
            return None
        why = "; ".join(self.notes) or "no namespaces"
        return (
            f"UNISOLATED SANDBOX ({why}): untrusted code can write the host's /tmp and /var/tmp and reach "
            "the network; only rlimits, the scrubbed environment and process-tree killing hold"
        )


class UnisolatedSandboxWarning(UserWarning):
    """Emitted (once per process and call site, Python's default) when a sandboxed run had no namespaces,
    whether `SandboxPolicy(namespaces=False)` chose it or the kernel refused them."""


@dataclass(frozen=True)
class SandboxResult:
    """The structured result of one sandboxed run. `exit_code` follows `subprocess`: -N when killed
    by signal N."""

    exit_code: int
    timed_out: bool
    signal: int | None
    duration_s: float
    """Wall-clock seconds of the command itself (fork to reap), without sandbox set-up."""
    stdout: str
    """The last `SandboxLimits.output_bytes` of standard output."""
    stderr: str
    """The last `SandboxLimits.output_bytes` of standard error."""
    outcome: Outcome
    isolation: Isolation = field(default_factory=Isolation)
    cpu_s: float = 0.0
    """User + system CPU seconds of the command and the children it waited for."""
    stdout_bytes: int = 0
    """Total bytes written to stdout (kept or not)."""
    stderr_bytes: int = 0
    """Total bytes written to stderr (kept or not)."""
    files: dict[str, str] = field(default_factory=dict)
    """Files collected from the work dir after the run (`collect=`), relative path -> text."""
    error: str | None = None
    """Set when the outcome is SETUP_ERROR."""
    total_s: float = 0.0
    """Wall-clock seconds of the whole call, set-up and clean-up included."""
    process_group: int | None = None
    """Process-group id of the run's launcher (gone once the call returns)."""

    @property
    def ok(self) -> bool:
        """Exit status 0 and not timed out."""
        return self.exit_code == 0 and not self.timed_out

    @property
    def network_isolated(self) -> bool:
        """Whether the command had no network (an empty network namespace)."""
        return self.isolation.network_isolated

    @property
    def fs_isolated(self) -> bool:
        """Whether writes outside the work dir and a private /tmp were impossible."""
        return self.isolation.fs_isolated

    @property
    def stdout_truncated(self) -> bool:
        """Whether `stdout` is only the tail of what was written."""
        return self.stdout_bytes > len(self.stdout.encode(errors="replace"))


def classify(
    *, exit_code: int, timed_out: bool, cpu_s: float, cpu_limit_s: int, stderr: str, error: str | None
) -> Outcome:
    """Name how a run ended from its exit status, timing, CPU use and the end of its stderr."""
    if error is not None:
        return Outcome.SETUP_ERROR
    if timed_out:
        return Outcome.TIMEOUT
    sig = -exit_code if exit_code < 0 else None
    if sig == signals.SIGXCPU or (sig == signals.SIGKILL and cpu_s >= cpu_limit_s):
        return Outcome.CPU_LIMIT
    if exit_code == 0:
        return Outcome.OK
    tail = stderr[-4096:]
    if sig == signals.SIGXFSZ or (sig is None and _FILE_SIZE_MARKERS.search(tail)):
        return Outcome.FILE_SIZE
    if _MEMORY_MARKERS.search(tail):
        return Outcome.MEMORY
    if sig is not None:
        return Outcome.KILLED_BY_SIGNAL
    return Outcome.FAILED
