"""Resource limits for one sandboxed run."""

from __future__ import annotations

from dataclasses import dataclass, fields

from aso.errors import ConfigError


@dataclass(frozen=True)
class SandboxLimits:
    """What one run may use. Enforced by the launcher (rlimits) and its supervisor (wall clock)."""

    timeout_s: float = 10.0
    """Wall-clock seconds before the whole process tree is killed (outcome TIMEOUT)."""
    cpu_s: int = 10
    """CPU seconds (RLIMIT_CPU: SIGXCPU at the limit, SIGKILL one second later)."""
    memory_mb: int = 1024
    """Address space per process in MiB (RLIMIT_AS); exceeding it usually ends in MemoryError."""
    file_size_mb: int = 64
    """Largest file a process may write, in MiB (RLIMIT_FSIZE)."""
    max_processes: int = 64
    """Processes and threads the run may have at once (RLIMIT_NPROC, under a per-run uid or user
    namespace so other runs do not count)."""
    output_bytes: int = 256 * 1024
    """How much of the end of stdout and of stderr is kept (each); the rest is counted, not stored."""
    tmpfs_mb: int = 64
    """Size of the private /tmp and /dev/shm (when the filesystem is isolated)."""

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ConfigError(f"SandboxLimits.{field.name} must be a positive number, got {value!r}")
        for name in ("cpu_s", "memory_mb", "file_size_mb", "max_processes", "output_bytes", "tmpfs_mb"):
            if not isinstance(getattr(self, name), int):
                raise ConfigError(f"SandboxLimits.{name} must be an integer, got {getattr(self, name)!r}")
