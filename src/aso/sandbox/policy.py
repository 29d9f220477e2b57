"""What a sandbox lets a run see and reach (as opposed to how much it may use: `SandboxLimits`)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from aso.errors import ConfigError


@dataclass(frozen=True)
class SandboxPolicy:
    """Isolation choices for a `Sandbox`. The defaults are the strictest the machine allows."""

    python: str | None = None
    """Interpreter for `run_python` and for `python`/`python3` on the sandbox PATH. None: the
    interpreter running aso (`sys.executable`, so the venv's site-packages are importable), made
    reachable for the sandbox uid when a private ancestor (e.g. /root, mode 0700) hides it.
    "/usr/bin/python3" starts faster (no site-packages) when only the standard library is needed."""
    readonly_paths: tuple[str, ...] = ()
    """Extra paths the command must be able to read. Everything is already visible read-only; listing
    a path matters only when a private ancestor directory hides it from the sandbox uid, in which case
    that ancestor is replaced (inside the sandbox only) by an empty tmpfs holding just these paths."""
    network: bool = False
    """Allow network access (no network namespace). Off by default."""
    silent_private_network: bool = False
    """Without network access: make connections to 10.0.0.0/8 time out (the packets are routed to `lo`
    and dropped) instead of failing at once with "Network is unreachable", as on a host whose gateway
    drops them. Test suites use such an address (e.g. 10.255.255.1) as "a host that never answers" to
    test connect timeouts; the SWE-bench test runs turn it on, as the harness's containers have a
    network. Nothing becomes reachable."""
    work_dir_base: str | None = None
    """Directory the run's work dir (its current directory) is made in; None: the system temp dir, where
    HOME and TMPDIR always are. The SWE-bench test runs put it outside /tmp so that the work dir and
    TMPDIR lie under different top-level directories, as the harness's /testbed and /tmp do: code that
    relates the two (docutils' `relative_path` gives `../tmp/...` when the first components match,
    an absolute path otherwise) then sees what it sees there."""
    hide_home: bool = True
    """Cover the caller's home directory with an empty tmpfs inside the sandbox (SSH keys, cloud
    credentials, tokens); `readonly_paths` and the interpreter's prefixes under it are put back."""
    namespaces: bool = True
    """Use Linux namespaces where available. UNSAFE when False: the command can then write the host's
    /tmp and /var/tmp and reach the network; only rlimits, the scrubbed environment and process-tree
    killing hold (for comparison and for kernels that forbid namespaces). Every run without namespaces,
    chosen here or forced by the kernel, emits an `UnisolatedSandboxWarning` and says so in
    `SandboxResult.isolation.notes`."""

    def __post_init__(self) -> None:
        if self.python is not None and not os.path.isfile(self.python):
            raise ConfigError(f"SandboxPolicy.python: no such interpreter {self.python!r}")
        for path in self.readonly_paths:
            if not os.path.isabs(path):
                raise ConfigError(f"SandboxPolicy.readonly_paths: {path!r} is not an absolute path")
        if self.work_dir_base is not None and not os.path.isdir(self.work_dir_base):
            raise ConfigError(f"SandboxPolicy.work_dir_base: {self.work_dir_base!r} is not a directory")


def fallback_python(python: str | None) -> str | None:
    """For the default interpreter only: a world-executable Python of the same major.minor version
    (Debian's /usr/bin/python3) to run when the default is out of reach of the sandbox uid."""
    if python is not None:
        return None
    candidate = "/usr/bin/python3"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    real = os.path.realpath(candidate)
    if os.path.basename(real) == version and real != os.path.realpath(sys.executable):
        return candidate
    return None


def interpreter_paths(python: str | None) -> tuple[str, tuple[str, ...]]:
    """The interpreter to run (absolute path) and the install prefixes it needs to read.

    For the running interpreter these are `sys.prefix` and `sys.base_prefix` (a venv and the Python it
    was made from); for another one, the directory above its `bin/`, before and after symlinks.
    """
    if python is None:
        return sys.executable, tuple(dict.fromkeys((sys.prefix, sys.base_prefix)))
    path = os.path.abspath(python)
    prefixes = (os.path.dirname(os.path.dirname(p)) for p in (path, os.path.realpath(path)))
    return path, tuple(dict.fromkeys(p for p in prefixes if p != "/"))
