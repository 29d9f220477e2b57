"""A hard wall-clock and memory limit for a solve: the work runs in a forked child that is killed.

`run_limited(fn, timeout_s, memory_mb=...)` forks, runs `fn(publish)` in the child with an address
space limit, and returns `("ok", value)` or `("timeout" | "memory" | "crashed", last published
statistics)`. The child publishes its statistics (a small JSON-ready dict) through a pipe whenever
it likes; at the limit the parent sends SIGKILL, so the limit holds within the poll interval
(50 ms) whatever the child is doing (a long Z3 call, a numpy batch).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import signal
import time
import traceback
from collections.abc import Callable
from typing import Any

POLL_S = 0.05


def _child(conn: Any, fn: Callable[[Callable[[dict], None]], Any], memory_mb: int | None) -> None:
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    def publish(stats: dict) -> None:
        conn.send(("stats", stats))

    try:
        conn.send(("ok", fn(publish)))
    except MemoryError:
        conn.send(("memory", None))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent as one line
        conn.send(("crashed", f"{type(exc).__name__}: {exc}"[:500] + " | " + traceback.format_exc()[-300:]))
    finally:
        conn.close()


def run_limited(
    fn: Callable[[Callable[[dict], None]], Any], timeout_s: float, memory_mb: int | None = 4096
) -> tuple[str, Any, dict, float]:
    """Run `fn(publish)` in a forked child; returns `(status, value, last stats, seconds)`.

    status is `ok` (value is fn's result), `timeout` (killed at `timeout_s`), `memory` (over
    `memory_mb`), or `crashed` (value is a one-line reason).
    """
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    start = time.perf_counter()
    proc = ctx.Process(target=_child, args=(child, fn, memory_mb), daemon=True)
    proc.start()
    child.close()
    stats: dict = {}
    status, value = "timeout", None
    deadline = start + timeout_s
    try:
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            if parent.poll(min(POLL_S, left)):
                try:
                    kind, payload = parent.recv()
                except EOFError:
                    status, value = "crashed", f"child exited with code {proc.exitcode}"
                    break
                if kind == "stats":
                    stats = payload
                    continue
                status, value = kind, payload
                break
            if not proc.is_alive() and not parent.poll():
                status, value = "crashed", f"child exited with code {proc.exitcode}"
                break
    finally:
        if proc.is_alive():
            os.kill(proc.pid, signal.SIGKILL)
        proc.join(1.0)
        parent.close()
    return status, value, stats, time.perf_counter() - start
