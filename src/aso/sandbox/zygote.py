"""The parent's handle on the launcher zygote: one pre-started `launcher.py` per process, shared by
every `Sandbox`, that forks a launcher per run (see `launcher.serve`).

Why: starting a Python launcher costs tens of milliseconds per run (interpreter start-up, ctypes);
forking an already-running small one costs about one. The zygote is started lazily, restarted if it
died, re-created after `os.fork()` of the parent, and exits when its socket closes (at exit, or when
the parent dies).
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

_LAUNCHER = Path(__file__).with_name("launcher.py")


class ZygoteError(RuntimeError):
    """The zygote could not start a launcher (a bug or a broken environment, not a user error)."""


class Zygote:
    """A running `launcher.py` zygote and the socket to it. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._owner = 0

    def spawn(self, fds: list[int]) -> int:
        """Start one launcher with fds = stdin, stdout, stderr, status, config; returns its pid (also
        its process-group id)."""
        with self._lock:
            for attempt in (0, 1):
                if not self._alive():
                    self._stop()
                    self._start()
                assert self._sock is not None
                try:
                    socket.send_fds(self._sock, [b"run"], fds)
                    reply = self._sock.recv(64)
                except OSError:
                    reply = b""
                if reply.isdigit():
                    return int(reply)
                self._stop()
                if attempt == 1:
                    detail = reply.decode(errors="replace") or "no reply"
                    raise ZygoteError(f"sandbox launcher zygote failed: {detail}")
        raise AssertionError("unreachable")

    def _alive(self) -> bool:
        return self._proc is not None and self._owner == os.getpid() and self._proc.poll() is None

    def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-S", str(_LAUNCHER), str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                start_new_session=True,
                cwd="/",
                env={"PATH": "/usr/local/bin:/usr/bin:/bin"},
            )
        finally:
            theirs.close()
        self._sock, self._owner = ours, os.getpid()

    def _stop(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None and self._owner == os.getpid():
            try:
                self._proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def close(self) -> None:
        """Stop the zygote (runs already started finish on their own)."""
        with self._lock:
            self._stop()


ZYGOTE = Zygote()
atexit.register(ZYGOTE.close)
