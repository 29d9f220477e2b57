"""Shared helpers for the sandbox tests: looking at host processes from outside the sandbox."""

from __future__ import annotations

import os

import pytest

IS_ROOT = os.geteuid() == 0

# Forks forever; failed forks (process limit) wait and retry, so the processes stay alive until killed.
FORK_BOMB = (
    "import os, time\n"
    "while True:\n"
    "    try:\n"
    "        os.fork()\n"
    "    except OSError:\n"
    "        time.sleep(0.01)\n"
)


def processes_with(marker: str) -> list[int]:
    """Host pids whose command line contains `marker`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read()
            with open(f"/proc/{entry}/stat", "rb") as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in cmdline and state != b"Z":
            found.append(int(entry))
    return found


def processes_of_uid(uid: int) -> list[int]:
    """Host pids running as `uid`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    found.append(int(entry))
            except OSError:
                pass
    return found


requires_root = pytest.mark.skipif(not IS_ROOT, reason="full isolation is guaranteed for root (as in CI)")
