"""Linux isolation primitives through ctypes: namespaces, mounts, prctl, the loopback device and a
route to it.

Standard library only: the launcher imports this module with `python -I -S` (no site-packages), so
nothing here may import `aso` or a third-party package. Every function raises `OSError` with the
kernel's errno on failure; deciding what to do about a failure is the launcher's job.

Deliberately not handled: seccomp filters, cgroups, capability sets beyond what a uid change or an
exec as a non-root user already drops.
"""

from __future__ import annotations

import _socket  # not `socket`: its enum-based wrappers cost ~10 ms of launcher start-up
import ctypes
import fcntl
import os
import stat
import struct

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_NOSUID = 0x2
MOUNT_ATTR_NODEV = 0x4
AT_FDCWD = -100
AT_RECURSIVE = 0x8000
SYS_MOUNT_SETATTR = 442  # the same number on every architecture (added in Linux 5.12)

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38

_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


class _MountAttr(ctypes.Structure):
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


def _check(ret: int, what: str) -> None:
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _b(path: str | None) -> bytes | None:
    return None if path is None else os.fsencode(path)


def unshare(flags: int) -> None:
    """Move the calling process into new namespaces (`CLONE_NEW*` flags)."""
    _check(_libc.unshare(ctypes.c_int(flags)), f"unshare({flags:#x})")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    """mount(2)."""
    ret = _libc.mount(_b(source), _b(target), _b(fstype), ctypes.c_ulong(flags), _b(data))
    _check(ret, f"mount {target}")


def set_mount_attr(
    path: str, *, set_: int = 0, clear: int = 0, private: bool = False, recursive: bool
) -> None:
    """Change mount attributes of `path` (and every mount below it when `recursive`).

    Uses mount_setattr(2), one call for a whole tree; falls back to per-mount `MS_REMOUNT|MS_BIND`
    on kernels older than 5.12 (only for the non-recursive case, which is all the fallback needs).
    """
    attr = _MountAttr(set_, clear, MS_PRIVATE if private else 0, 0)
    flags = AT_RECURSIVE if recursive else 0
    ret = _libc.syscall(
        ctypes.c_long(SYS_MOUNT_SETATTR),
        ctypes.c_int(AT_FDCWD),
        _b(path),
        ctypes.c_uint(flags),
        ctypes.byref(attr),
        ctypes.c_size_t(ctypes.sizeof(attr)),
    )
    if ret == 0:
        return
    err = ctypes.get_errno()
    if err != 38 or recursive:  # 38 = ENOSYS
        raise OSError(err, f"mount_setattr {path}: {os.strerror(err)}")
    if private:
        mount(None, path, None, MS_PRIVATE)
    rdonly = MS_RDONLY if set_ & MOUNT_ATTR_RDONLY else 0
    mount(None, path, None, MS_REMOUNT | MS_BIND | rdonly | MS_NOSUID | MS_NODEV)


def prctl(option: int, arg2: int) -> None:
    """prctl(2) with one argument."""
    _check(_libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), 0, 0, 0), f"prctl({option})")


def write_id_maps(uid: int, gid: int) -> None:
    """Map `uid`/`gid` to themselves in a user namespace the caller just created (the only map an
    unprivileged process may write for itself)."""
    with open("/proc/self/setgroups", "w") as fh:
        fh.write("deny")
    with open("/proc/self/uid_map", "w") as fh:
        fh.write(f"{uid} {uid} 1")
    with open("/proc/self/gid_map", "w") as fh:
        fh.write(f"{gid} {gid} 1")


def loopback_up() -> None:
    """Bring `lo` up in a fresh network namespace: loopback works, nothing else is reachable."""
    sock = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    try:
        req = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(sock.fileno(), _SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(sock.fileno(), _SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | _IFF_UP))
    finally:
        sock.close()


_RTM_NEWROUTE = 24
_NLM_F_REQUEST_ACK_CREATE_EXCL = 0x1 | 0x4 | 0x400 | 0x200
_NLMSG_ERROR = 2


def route_to_loopback(network: str, prefix_len: int) -> None:
    """Route `network/prefix_len` (IPv4) to `lo` in this network namespace (rtnetlink RTM_NEWROUTE):
    a packet to such an address is neither local nor forwarded, so it is dropped without a reply and
    a connection there times out (as behind a gateway that drops it) instead of failing at once with
    "Network is unreachable"."""
    sock = _socket.socket(_socket.AF_NETLINK, _socket.SOCK_RAW, 0)
    try:
        dst = _socket.inet_aton(network)
        oif = _socket.if_nametoindex("lo")
        # rtmsg: family, dst_len, src_len, tos, table=main, protocol=boot, scope=link, type=unicast
        body = struct.pack("=BBBBBBBBI", _socket.AF_INET, prefix_len, 0, 0, 254, 3, 253, 1, 0)
        body += struct.pack("=HH4s", 8, 1, dst) + struct.pack("=HHi", 8, 4, oif)  # RTA_DST, RTA_OIF
        header = struct.pack("=IHHII", 16 + len(body), _RTM_NEWROUTE, _NLM_F_REQUEST_ACK_CREATE_EXCL, 1, 0)
        sock.sendall(header + body)
        reply = sock.recv(4096)
    finally:
        sock.close()
    kind = struct.unpack_from("=H", reply, 4)[0]
    error = -struct.unpack_from("=i", reply, 16)[0] if kind == _NLMSG_ERROR else 0
    if error:
        raise OSError(error, f"route {network}/{prefix_len} via lo: {os.strerror(error)}")


def traversable(path: str, uid: int, gid: int) -> bool:
    """Whether a process with `uid`/`gid` (no capabilities) may search directory `path`."""
    st = os.stat(path)
    if st.st_uid == uid:
        return bool(st.st_mode & stat.S_IXUSR)
    if st.st_gid == gid:
        return bool(st.st_mode & stat.S_IXGRP)
    return bool(st.st_mode & stat.S_IXOTH)


def executable_by(path: str, uid: int, gid: int) -> bool:
    """Whether `uid`/`gid` could exec `path` (following symlinks) as far as permission bits say."""
    try:
        for candidate in (path, os.path.realpath(path)):
            if first_blocked_ancestor(candidate, uid, gid) is not None:
                return False
        st = os.stat(path)
    except OSError:
        return False
    bit = stat.S_IXUSR if st.st_uid == uid else stat.S_IXGRP if st.st_gid == gid else stat.S_IXOTH
    return bool(st.st_mode & bit)


def first_blocked_ancestor(path: str, uid: int, gid: int) -> str | None:
    """The outermost ancestor directory of `path` that `uid` cannot search, or None."""
    parts = os.path.abspath(path).split(os.sep)[1:-1]
    current = "/"
    for part in parts:
        current = os.path.join(current, part)
        if not traversable(current, uid, gid):
            return current
    return None
