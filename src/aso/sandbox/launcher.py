"""The sandbox launcher: a separate process that isolates, limits, runs and reaps one command.

Started once per parent process by `aso.sandbox.zygote` as `python -I -S launcher.py SOCKET_FD` (a
zygote, see `serve`), it forks one launcher L per run. Standard library only, and only modules that
import nothing heavy. L reads a `marshal`led config dict from its config pipe and writes one
Python-literal dict a line to its status pipe: an `isolation` line (what it achieved), then an `exit`
or `error` line.

Process tree and the three isolation modes::

    zygote (uid of the caller) -> fork per run:
    launcher L (own session)
      root mode:   unshare(mount, net, pid, ipc, uts)   -> fork init I (pid 1 of the new pid namespace)
      userns mode: same plus a user namespace (non-root callers, where the kernel allows it)
      none mode:   no namespaces; L becomes a child subreaper and is itself the supervisor
        I (or L): mounts (everything read-only, private /tmp and /dev/shm, the work dir read-write),
                  loopback up, then fork the command C and supervise it (wall-clock deadline, reaping)
          C: rlimits, drop to a per-run uid (root mode), no_new_privs, exec the command

When C exits or the deadline passes, everything C started is killed: in a pid namespace by init
exiting (the kernel kills the whole namespace, setsid escapes included); in none mode by walking the
descendants that the subreaper collected. A second, independent deadline in the parent kills L's
process group should L itself hang.
"""

from __future__ import annotations

import _signal as signal  # the C modules: `signal` and `socket` import enum
import _socket
import marshal
import os
import pwd
import stat
import sys

if __package__:
    from aso.sandbox import isolation
    from aso.sandbox.supervisor import Config, Status, count_processes, supervise
else:  # run as a script by path under `python -I`: make the sibling modules importable
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import isolation  # type: ignore[no-redef]
    from supervisor import Config, Status, count_processes, supervise  # type: ignore[no-redef]

UID_BASE = 1_800_000_000  # per-run uid = UID_BASE + launcher pid: unique among live launchers


def _chown_tree(root: str, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), uid, gid, follow_symlinks=False)


def _setup_filesystem(cfg: Config, uid: int, gid: int, notes: list[str]) -> bool:
    """Read-only everything; private tmpfs for /tmp and /dev/shm; empty tmpfs over /run (host unix
    sockets), /sys/fs/cgroup (the host's cgroup tree) and the caller's home (its keys and tokens); then
    the work dir read-write and the requested read-only paths put back. Returns True once all of it is
    in place."""
    exposures = [(root, True) for root in cfg["roots"]] + [
        (p, False) for p in cfg["readonly_paths"] if os.path.exists(p)
    ]
    fds = {path: os.open(path, os.O_PATH) for path, _ in exposures}
    isolation.set_mount_attr(
        "/", set_=isolation.MOUNT_ATTR_RDONLY | isolation.MOUNT_ATTR_NOSUID, private=True, recursive=True
    )
    tmp_opts = f"size={cfg['tmpfs_mb']}m,mode=1777"
    small = "size=1m,mode=755"
    covers = [("/tmp", tmp_opts), ("/dev/shm", tmp_opts), ("/run", small)]
    if cfg["hide_home"]:
        try:
            covers.append((pwd.getpwuid(os.getuid()).pw_dir, small))
        except KeyError:  # a uid without a passwd entry has no home to hide
            pass
    for target, opts in covers:
        if target != "/" and os.path.isdir(target) and not os.path.islink(target):
            isolation.mount("tmpfs", target, "tmpfs", isolation.MS_NOSUID | isolation.MS_NODEV, opts)
    # the host's cgroup tree: what it tells (the host's layout, and v1 cpu.shares that programs such as
    # pylint read as a CPU count of 1) is not the sandbox's; code sees the CPUs it may run on instead
    if os.path.isdir("/sys/fs/cgroup"):
        try:
            flags = isolation.MS_NOSUID | isolation.MS_NODEV
            isolation.mount("tmpfs", "/sys/fs/cgroup", "tmpfs", flags, small)
        except OSError as exc:
            notes.append(f"host /sys/fs/cgroup stays visible (read-only): {exc}")
    try:
        flags = isolation.MS_NOSUID | isolation.MS_NODEV | isolation.MS_NOEXEC
        isolation.mount("proc", "/proc", "proc", flags)
    except OSError as exc:
        notes.append(f"host /proc stays visible (read-only): {exc}")
    covered: set[str] = set()
    for path, writable in exposures:
        parent_exists = os.path.exists(os.path.dirname(path))
        blocked = isolation.first_blocked_ancestor(path, uid, gid) if parent_exists else None
        if not writable and blocked is None and os.path.exists(path):
            continue  # already visible, and read-only like everything else
        if blocked is not None and blocked not in covered:
            flags = isolation.MS_NOSUID | isolation.MS_NODEV
            isolation.mount("tmpfs", blocked, "tmpfs", flags, "size=1m,mode=755")
            covered.add(blocked)
        if stat.S_ISDIR(os.fstat(fds[path]).st_mode):
            os.makedirs(path, mode=0o755, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
            open(path, "a").close()
        isolation.mount(f"/proc/self/fd/{fds[path]}", path, None, isolation.MS_BIND | isolation.MS_REC)
        if writable:
            isolation.set_mount_attr(path, clear=isolation.MOUNT_ATTR_RDONLY, recursive=False)
        else:
            isolation.set_mount_attr(path, set_=isolation.MOUNT_ATTR_RDONLY, recursive=True)
    for fd in fds.values():
        os.close(fd)
    return True


def _choose_python(cfg: Config, uid: int, gid: int, notes: list[str]) -> None:
    """Without a mount namespace a private ancestor (e.g. /root, 0700) cannot be bypassed: if the
    default interpreter is then out of the sandbox uid's reach, run the same-version fallback."""
    python, fallback = cfg["python"], cfg["python_fallback"]
    if fallback and cfg["argv"][0] == python and not isolation.executable_by(python, uid, gid):
        cfg["argv"][0] = fallback
        notes.append(f"interpreter {python} is not reachable by the sandbox uid; ran {fallback}")


def _run_init(cfg: Config, status: Status, info: Config, uid: int, gid: int, nproc: int) -> None:
    """Pid 1 of the new pid namespace: finish isolation, then supervise the command. Never returns."""
    try:
        # If L dies, so do we (and with us the namespace). L dying before this line is covered by the
        # parent killing L's whole process group, which includes us.
        isolation.prctl(isolation.PR_SET_PDEATHSIG, signal.SIGKILL)
        _init_body(cfg, status, info, uid, gid, nproc)
    except BaseException as exc:  # never unwind into the launcher's code in this forked child
        try:
            status.send("error", message=f"sandbox init failed: {exc!r}")
        finally:
            os._exit(1)
    os._exit(0)


def _init_body(cfg: Config, status: Status, info: Config, uid: int, gid: int, nproc: int) -> None:
    notes = info["notes"]
    try:
        info["fs_isolated"] = _setup_filesystem(cfg, uid, gid, notes)
    except OSError as exc:
        notes.append(f"filesystem isolation failed: {exc}")
    if info["network_isolated"]:
        try:
            isolation.loopback_up()
        except OSError as exc:
            notes.append(f"loopback not brought up: {exc}")
        if cfg["silent_private_network"]:
            try:
                isolation.route_to_loopback("10.0.0.0", 8)
            except OSError as exc:
                notes.append(f"10.0.0.0/8 not routed to lo: {exc}")
    if info["uid_dropped"] and not info["fs_isolated"]:
        _choose_python(cfg, uid, gid, notes)
    status.send("isolation", **info)
    supervise(cfg, status, uid, gid, nproc, pid_ns=True)


def launch(cfg: Config, status: Status) -> int:
    """One run, as L: isolate, fork init (or supervise directly), report. stdin/stdout/stderr are
    already the run's pipes."""
    is_root = os.geteuid() == 0
    uid, gid = (UID_BASE + os.getpid(),) * 2 if is_root else (os.getuid(), os.getgid())
    nproc = cfg["limits"]["max_processes"]
    info: Config = {
        "mode": "none",
        "network_isolated": False,
        "fs_isolated": False,
        "pid_isolated": False,
        "uid_dropped": is_root,
        "sandbox_uid": uid,
        "notes": [],
    }
    if is_root:
        for root in cfg["roots"]:
            _chown_tree(root, uid, gid)
    if cfg["namespaces"]:
        flags = isolation.CLONE_NEWNS | isolation.CLONE_NEWPID | isolation.CLONE_NEWIPC
        flags |= isolation.CLONE_NEWUTS
        if not cfg["network"]:
            flags |= isolation.CLONE_NEWNET
        try:
            if is_root:
                isolation.unshare(flags)
                info["mode"] = "root"
            else:
                isolation.unshare(flags | isolation.CLONE_NEWUSER)
                isolation.write_id_maps(uid, gid)
                info["mode"] = "userns"
        except OSError as exc:
            info["notes"].append(f"namespaces unavailable, running without them: {exc}")
    else:
        info["notes"].append("namespaces disabled by policy")
    if info["mode"] != "none":
        info["pid_isolated"] = True
        info["network_isolated"] = not cfg["network"]
        init = os.fork()
        if init == 0:
            _run_init(cfg, status, info, uid, gid, nproc)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # the parent sees EOF once the command's side is done
            os.dup2(devnull, fd)
        _, wstatus = os.waitpid(init, 0)
        if wstatus != 0:
            status.send("error", message=f"sandbox init ended abnormally (wait status {wstatus})")
        return 0
    if not is_root:  # RLIMIT_NPROC counts all of this user's processes: allow the sandbox its share on top
        nproc += count_processes(uid)
    isolation.prctl(isolation.PR_SET_CHILD_SUBREAPER, 1)
    if info["uid_dropped"]:
        _choose_python(cfg, uid, gid, info["notes"])
    status.send("isolation", **info)
    supervise(cfg, status, uid, gid, nproc, pid_ns=False)
    return 0


def _serve_one(fds: list[int]) -> None:
    """In a fresh child of the zygote: become L for one run. fds = stdin, stdout, stderr, status, config."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()  # own session and process group: the parent's fallback kill is killpg(L)
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target)
        status = Status(fds[3])
        with os.fdopen(fds[4], "rb") as fh:
            cfg = marshal.loads(fh.read())
        for fd in fds[:3]:
            os.close(fd)
        code = launch(cfg, status)
    except BaseException as exc:  # never return into the zygote loop from a forked child
        try:
            Status(fds[3]).send("error", message=f"launcher failed: {exc!r}")
        finally:
            os._exit(1)
    os._exit(code)


def serve(sock_fd: int) -> None:
    """Zygote loop: for each request (the five fds of one run, passed with SCM_RIGHTS) fork an L and
    reply with its pid. Forking this small, already-imported process costs about a millisecond,
    against tens of milliseconds for starting a Python launcher per run. Exits when the parent closes
    the socket (or dies)."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps finished launchers for us
    sock = _socket.socket(fileno=sock_fd)
    fd_size = 5 * 4
    while True:
        try:
            msg, ancdata, _, _ = sock.recvmsg(64, _socket.CMSG_SPACE(fd_size))
        except InterruptedError:
            continue
        if not msg:
            return
        fds: list[int] = []
        for level, kind, data in ancdata:
            if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
                fds += [int.from_bytes(data[i : i + 4], sys.byteorder) for i in range(0, len(data) - 3, 4)]
        if len(fds) != 5:
            for fd in fds:
                os.close(fd)
            sock.send(b"error: expected 5 file descriptors")
            continue
        pid = os.fork()
        if pid == 0:
            sock.close()
            _serve_one(fds)
        for fd in fds:
            os.close(fd)
        sock.send(str(pid).encode())


if __name__ == "__main__":
    serve(int(sys.argv[1]))
