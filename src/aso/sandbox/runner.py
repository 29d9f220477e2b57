"""`Sandbox`: run a command or untrusted Python in a fresh copy of a directory, isolated and limited.

The parent side only: it prepares the work dir and a scrubbed environment, starts the launcher
(`launcher.py`, which does the isolation), pumps stdin/stdout/stderr keeping bounded tails, and turns
the launcher's status lines into a `SandboxResult`.
"""

from __future__ import annotations

import ast
import marshal
import os
import selectors
import signal
import time
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from aso.errors import ConfigError
from aso.sandbox.limits import SandboxLimits
from aso.sandbox.policy import SandboxPolicy, fallback_python, interpreter_paths
from aso.sandbox.result import Isolation, SandboxResult, UnisolatedSandboxWarning, classify
from aso.sandbox.workdir import WorkDir
from aso.sandbox.zygote import ZYGOTE

_BASE_PATH = "/usr/local/bin:/usr/bin:/bin"
_GRACE_S = 10.0  # the parent's own deadline, after the launcher's, in case the launcher hangs
_MAIN_FILE = ".aso_main.py"  # where run_python writes the code, in the work dir (so its imports work)


class _Tail:
    """Keeps the last `limit` bytes of a stream and counts all of them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self.buf = bytearray()

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self.buf += chunk
        if len(self.buf) > 2 * self.limit:
            del self.buf[: -self.limit]

    def text(self) -> str:
        return bytes(self.buf[-self.limit :]).decode("utf-8", errors="replace")


def scrubbed_env(wd: WorkDir, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The whole environment of a sandboxed command: nothing is inherited from the caller, so no
    API keys or cloud credentials leak; `extra` is added on top."""
    env = {
        "PATH": f"{wd.bin}:{_BASE_PATH}",
        "HOME": str(wd.home),
        "TMPDIR": str(wd.tmp),
        "LANG": "C.UTF-8",
        "USER": "sandbox",
        "LOGNAME": "sandbox",
        "TERM": "dumb",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(extra or {})
    return env


class Sandbox:
    """Runs commands under `limits` with the isolation `policy` allows. Stateless between runs:
    every run gets a new temporary directory, removed afterwards. Safe to share across threads."""

    def __init__(self, limits: SandboxLimits | None = None, policy: SandboxPolicy | None = None) -> None:
        self.limits = limits or SandboxLimits()
        self.policy = policy or SandboxPolicy()

    def run(
        self,
        cmd: Sequence[str],
        *,
        source_dir: str | os.PathLike[str] | None = None,
        files: Mapping[str, str | bytes] | None = None,
        stdin: str | bytes | None = None,
        env: Mapping[str, str] | None = None,
        collect: Sequence[str] = (),
    ) -> SandboxResult:
        """Run `cmd` (argv; `cmd[0]` looked up on the sandbox PATH, where `python` is the policy's
        interpreter) in a fresh copy of `source_dir` with `files` written into it.

        Example: `Sandbox().run(["python", "-m", "pytest", "-q"], source_dir="repo")`
        """
        if isinstance(cmd, str) or not cmd or not all(isinstance(a, str) for a in cmd):
            raise ConfigError(f"sandbox cmd must be a non-empty list of strings, got {cmd!r}")
        return self._run(list(cmd), source_dir, files, stdin, env, collect, self.policy.python)

    def run_python(
        self,
        code: str,
        *,
        files: Mapping[str, str | bytes] | None = None,
        args: Sequence[str] = (),
        stdin: str | bytes | None = None,
        source_dir: str | os.PathLike[str] | None = None,
        python: str | None = None,
        env: Mapping[str, str] | None = None,
        collect: Sequence[str] = (),
    ) -> SandboxResult:
        """Run untrusted Python `code` as a script in the work dir (so it can import `files`), with
        `args` as `sys.argv[1:]`. `python` overrides the policy's interpreter.

        Example: `Sandbox().run_python("print(1 + 1)").stdout == "2\\n"`
        """
        if files and _MAIN_FILE in files:
            raise ConfigError(f"sandbox files: {_MAIN_FILE!r} is reserved for the code of run_python")
        interpreter = python or self.policy.python
        exe, _ = interpreter_paths(interpreter)
        merged = {**(files or {}), _MAIN_FILE: code}
        return self._run([exe, _MAIN_FILE, *args], source_dir, merged, stdin, env, collect, interpreter)

    def _run(
        self,
        argv: list[str],
        source_dir: str | os.PathLike[str] | None,
        files: Mapping[str, str | bytes] | None,
        stdin: str | bytes | None,
        env: Mapping[str, str] | None,
        collect: Sequence[str],
        python: str | None,
    ) -> SandboxResult:
        started = time.monotonic()
        exe, prefixes = interpreter_paths(python)
        fallback = fallback_python(python)
        wd = WorkDir.create(source_dir, files, self.policy.work_dir_base)
        try:
            wd.install_python(exe, fallback)
            cfg = {
                "argv": argv,
                "env": scrubbed_env(wd, env),
                "cwd": str(wd.work),
                "roots": [str(root) for root in wd.roots],
                "limits": {
                    "timeout_s": self.limits.timeout_s,
                    "cpu_s": self.limits.cpu_s,
                    "memory_mb": self.limits.memory_mb,
                    "file_size_mb": self.limits.file_size_mb,
                    "max_processes": self.limits.max_processes,
                },
                "tmpfs_mb": self.limits.tmpfs_mb,
                "readonly_paths": list(dict.fromkeys((*self.policy.readonly_paths, *prefixes))),
                "network": self.policy.network,
                "silent_private_network": self.policy.silent_private_network,
                "namespaces": self.policy.namespaces,
                "hide_home": self.policy.hide_home,
                "python": exe,
                "python_fallback": fallback,
            }
            data = stdin.encode() if isinstance(stdin, str) else stdin
            events, out, err, killed, pgid = self._launch(cfg, data)
            files_out = wd.collect(collect, self.limits.output_bytes) if collect else {}
        finally:
            wd.remove()
        return self._result(events, out, err, killed, files_out, time.monotonic() - started, pgid)

    def _launch(
        self, cfg: dict[str, Any], stdin: bytes | None
    ) -> tuple[list[dict[str, Any]], _Tail, _Tail, bool, int]:
        in_r, in_w = os.pipe() if stdin is not None else (os.open(os.devnull, os.O_RDONLY), -1)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        status_r, status_w = os.pipe()
        cfg_r, cfg_w = os.pipe()
        try:
            pid = ZYGOTE.spawn([in_r, out_w, err_w, status_w, cfg_r])
        except BaseException:
            for fd in (in_w, out_r, err_r, status_r, cfg_w):
                if fd >= 0:
                    os.close(fd)
            raise
        finally:
            for fd in (in_r, out_w, err_w, status_w, cfg_r):
                os.close(fd)
        try:
            with open(cfg_w, "wb") as fh:
                fh.write(marshal.dumps(cfg))
        except BrokenPipeError:
            pass  # the launcher died before reading; its status (or lack of one) says why
        out, err = _Tail(self.limits.output_bytes), _Tail(self.limits.output_bytes)
        status = _Tail(1 << 20)
        deadline = time.monotonic() + self.limits.timeout_s + _GRACE_S
        killed = _pump(pid, stdin, in_w, {out_r: out, err_r: err, status_r: status}, deadline)
        events = [ast.literal_eval(line) for line in bytes(status.buf).decode().splitlines() if line.strip()]
        return events, out, err, killed, pid

    def _result(
        self,
        events: list[dict[str, Any]],
        out: _Tail,
        err: _Tail,
        killed: bool,
        files: dict[str, str],
        total: float,
        pgid: int,
    ) -> SandboxResult:
        by_kind = {e["kind"]: e for e in events}
        known = Isolation.__dataclass_fields__
        iso_event = {k: v for k, v in by_kind.get("isolation", {}).items() if k in known}
        isolation = Isolation(**{**iso_event, "notes": tuple(iso_event.get("notes", ()))})
        if isolation.warning():  # never silent, whether the policy chose it or the kernel forced it
            warnings.warn(isolation.warning(), UnisolatedSandboxWarning, stacklevel=4)
        exit_event = by_kind.get("exit")
        errors = [e["message"] for e in events if e["kind"] == "error"]
        error = "; ".join(errors) if errors else None
        if exit_event is None:
            timed_out = killed
            exit_code, duration, cpu = (-signal.SIGKILL if killed else 127), total, 0.0
            if not killed and error is None:
                error = "the sandbox launcher ended without reporting a result"
        else:
            timed_out = exit_event["timed_out"] or killed
            exit_code, duration, cpu = exit_event["exit_code"], exit_event["duration_s"], exit_event["cpu_s"]
            error = None
        stderr = err.text()
        outcome = classify(
            exit_code=exit_code,
            timed_out=timed_out,
            cpu_s=cpu,
            cpu_limit_s=self.limits.cpu_s,
            stderr=stderr,
            error=error,
        )
        return SandboxResult(
            exit_code=exit_code,
            timed_out=timed_out,
            signal=-exit_code if exit_code < 0 else None,
            duration_s=duration,
            stdout=out.text(),
            stderr=stderr,
            outcome=outcome,
            isolation=isolation,
            cpu_s=cpu,
            stdout_bytes=out.total,
            stderr_bytes=err.total,
            files=files,
            error=error,
            total_s=total,
            process_group=pgid,
        )


def _pump(pid: int, stdin: bytes | None, in_fd: int, outputs: dict[int, _Tail], deadline: float) -> bool:
    """Feed stdin, drain stdout/stderr/status until all close. Returns True when the parent had to
    kill the launcher's process group (the launcher itself missed its deadline)."""
    killed = False
    with selectors.DefaultSelector() as sel:
        for fd, tail in outputs.items():
            sel.register(fd, selectors.EVENT_READ, tail)
        pending = memoryview(stdin or b"")
        if in_fd >= 0:
            os.set_blocking(in_fd, False)
            sel.register(in_fd, selectors.EVENT_WRITE, None)
        while sel.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if killed:
                    break  # something still holds a pipe after the kill: stop waiting for it
                killed = True
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                deadline = time.monotonic() + 2.0
                continue
            for key, _ in sel.select(timeout=remaining):
                if key.data is None:  # stdin
                    try:
                        pending = pending[os.write(key.fd, pending[:65536]) :]
                    except BrokenPipeError:
                        pending = pending[:0]
                    if not pending:
                        sel.unregister(key.fd)
                        os.close(key.fd)
                    continue
                chunk = os.read(key.fd, 65536)
                if chunk:
                    key.data.add(chunk)
                else:
                    sel.unregister(key.fd)
        for key in list(sel.get_map().values()):
            sel.unregister(key.fd)
            if key.data is None:
                os.close(key.fd)
    for fd in outputs:
        os.close(fd)
    return killed
