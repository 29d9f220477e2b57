"""Supervising one command: fork it with rlimits and a dropped uid, wait for it under a wall-clock
deadline while reaping everything else, kill whatever it left behind, report how it ended.

Standard library only and cheap to import (see `launcher.py`, which runs this in the launcher or in
the pid-namespace init).
"""

from __future__ import annotations

import _signal as signal  # the C module: `signal` imports enum
import os
import resource
import select
import time

if __package__:
    from aso.sandbox import isolation
else:  # imported by launcher.py run as a script: the sandbox dir is on sys.path
    import isolation  # type: ignore[no-redef]

Config = dict  # the marshalled run config (keys: see Sandbox._run)
_MAXFD = 65536


class Status:
    """Line writer to the parent (Python literals); one `write` per line, atomic below 4 KiB."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, kind: str, **data: object) -> None:
        """Write one event line."""
        os.write(self.fd, (repr({"kind": kind, **data}) + "\n").encode())


def count_processes(uid: int) -> int:
    """How many processes `uid` has on this host."""
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                count += os.stat(f"/proc/{entry}").st_uid == uid
            except OSError:
                pass
    return count


def _descendants(root_pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, stack = [], [root_pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _reap_all() -> list[tuple[int, int, object]]:
    reaped = []
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return reaped
        if pid == 0:
            return reaped
        reaped.append((pid, status, usage))


def _kill_everything(pid_ns: bool) -> list[tuple[int, int, object]]:
    """SIGKILL every process the command started; returns what was reaped on the way."""
    if pid_ns:  # as pid 1: kill(-1) reaches every process of the namespace except init itself
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return []
    reaped = []
    for _ in range(1000):  # none mode: orphans were reparented to us (subreaper); kill until none left
        pids = _descendants(os.getpid())
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.001)
        reaped += _reap_all()
    return reaped


def _exec_on_path(argv: list[str], env: dict[str, str]) -> None:
    """execvpe without `os.get_exec_path`, which imports `warnings`: the launcher's own standard
    library may be hidden by now (it lives under the caller's home when aso runs from a pyenv Python,
    and only the command's interpreter prefixes are put back), so nothing may be imported here."""
    if "/" in argv[0]:
        os.execve(argv[0], argv, env)
    error: OSError | None = None
    for directory in env.get("PATH", "").split(":"):
        try:
            os.execve(os.path.join(directory or ".", argv[0]), argv, env)
        except (FileNotFoundError, NotADirectoryError) as exc:
            error = error or exc
        except PermissionError as exc:
            error = exc
    raise error or FileNotFoundError(2, "No such file or directory")


def _exec_command(cfg: Config, uid: int, gid: int, nproc: int) -> None:
    argv = cfg["argv"]
    try:
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        lim = cfg["limits"]
        resource.setrlimit(resource.RLIMIT_CPU, (lim["cpu_s"], lim["cpu_s"] + 1))
        resource.setrlimit(resource.RLIMIT_AS, (lim["memory_mb"] << 20,) * 2)
        resource.setrlimit(resource.RLIMIT_FSIZE, (lim["file_size_mb"] << 20,) * 2)
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if os.geteuid() == 0 and uid != 0:  # root mode: a fresh uid, no groups; capabilities go with uid 0
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
        isolation.prctl(isolation.PR_SET_NO_NEW_PRIVS, 1)
        isolation.prctl(isolation.PR_SET_PDEATHSIG, signal.SIGKILL)
        os.chdir(cfg["cwd"])
        os.umask(0o022)
        os.closerange(3, _MAXFD)
        _exec_on_path(argv, cfg["env"])
    except OSError as exc:
        os.write(2, f"aso-sandbox: cannot start {argv[0]!r}: {exc.strerror or exc}\n".encode())
    except BaseException as exc:  # never unwind into the supervisor's code in this forked child
        os.write(2, f"aso-sandbox: cannot start {argv[0]!r}: {exc!r}\n".encode())
    os._exit(127)


def supervise(cfg: Config, status: Status, uid: int, gid: int, nproc: int, pid_ns: bool) -> None:
    """Fork and exec the command, enforce the deadline, kill the rest, send the `exit` line.
    `pid_ns`: we are pid 1 of the command's pid namespace (else a child subreaper)."""
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    start = time.monotonic()
    child = os.fork()
    if child == 0:
        _exec_command(cfg, uid, gid, nproc)
    deadline = start + cfg["limits"]["timeout_s"]
    timed_out = False
    done: tuple[int, object, float] | None = None
    while done is None:
        remaining = deadline - time.monotonic()
        reaped = []
        if remaining <= 0 and not timed_out:
            timed_out = True
            reaped += _kill_everything(pid_ns)
        select.select([wake_r], [], [], 0.2 if timed_out else max(remaining, 0))
        try:
            while os.read(wake_r, 512):
                pass
        except BlockingIOError:
            pass
        for pid, wstatus, usage in reaped + _reap_all():
            if pid == child:
                done = (wstatus, usage, time.monotonic() - start)
    _kill_everything(pid_ns)
    wstatus, usage, duration = done
    status.send(
        "exit",
        exit_code=os.waitstatus_to_exitcode(wstatus),
        timed_out=timed_out,
        duration_s=duration,
        cpu_s=usage.ru_utime + usage.ru_stime,
        max_rss_kb=usage.ru_maxrss,
    )
