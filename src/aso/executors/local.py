"""`LocalExecutor`: worker processes on this machine (or, with one worker, this process itself).

Each worker is a spawned process with a pipe; the driver hands it one item at a time and waits on the
pipes and the processes' sentinels together, so a worker that dies is noticed at once, together with
the item it held (a `concurrent.futures` pool would mark every pending item broken instead).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

from aso.executors.base import DEFAULT_MAX_ATTEMPTS, Executor, death_result, outcome_result
from aso.executors.items import ItemResult, TaskOutcome, WorkItem, run_task
from aso.executors.worker import set_worker_threads


def _worker_main(conn: Connection, threads: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle; it stops the workers
    set_worker_threads(threads)
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        task, payload = message
        conn.send(run_task(task, payload))


class _Worker:
    def __init__(self, context: Any, threads: int) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, threads), daemon=True)
        self.process.start()
        child.close()

    def stop(self, kill: bool = False) -> None:
        if kill and self.process.is_alive():
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.conn.close()


class LocalExecutor(Executor):
    """`workers` spawned processes; with one worker (and `in_process` unset) the tasks run in this process.

    In this process, a model the command already loaded is reused, but a crash of a task is a crash of the
    command: there is nothing left to retry it.
    """

    name = "local"

    def __init__(
        self, workers: int = 1, max_attempts: int = DEFAULT_MAX_ATTEMPTS, in_process: bool | None = None
    ) -> None:
        super().__init__(workers, max_attempts)
        self.in_process = workers == 1 if in_process is None else in_process
        self._context = multiprocessing.get_context("spawn")
        self._threads = max(1, (os.cpu_count() or 1) // workers)
        self._pool: list[_Worker] = []

    def describe(self) -> str:
        """`local x N`, or `local (in process)`."""
        return "local (in process)" if self.in_process else super().describe()

    def map_unordered(self, task: str, items: Sequence[WorkItem]) -> Iterator[ItemResult]:
        """Run `task` on each item; results in completion order."""
        if self.in_process:
            for item in items:
                yield outcome_result(item, run_task(task, item.payload), 1)
            return
        yield from self._map_pool(task, items)

    def start(self) -> None:
        """Spawn the worker processes (nothing to do in process)."""
        if not self.in_process:
            while len(self._pool) < self.workers:
                self._pool.append(_Worker(self._context, self._threads))

    def _map_pool(self, task: str, items: Sequence[WorkItem]) -> Iterator[ItemResult]:
        self.start()
        queue: deque[tuple[WorkItem, int]] = deque((item, 1) for item in items)
        idle = list(self._pool)
        busy: dict[_Worker, tuple[WorkItem, int]] = {}
        try:
            while queue or busy:
                while queue and idle:
                    worker = idle.pop()
                    item, attempt = queue.popleft()
                    try:
                        worker.conn.send((task, item.payload))
                    except (BrokenPipeError, OSError):
                        queue.appendleft((item, attempt))
                        idle.append(self._replace(worker))
                        continue
                    busy[worker] = (item, attempt)
                ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
                for worker in [w for w in busy if w.conn in ready or w.process.sentinel in ready]:
                    item, attempt = busy.pop(worker)
                    outcome = self._receive(worker)
                    if outcome is not None:
                        idle.append(worker)
                        yield outcome_result(item, outcome, attempt)
                        continue
                    code = worker.process.exitcode
                    idle.append(self._replace(worker))
                    if attempt >= self.max_attempts:
                        yield death_result(item, attempt, f"exit code {code}")
                    else:
                        queue.appendleft((item, attempt + 1))
        finally:
            for worker in busy:  # abandoned mid-item (the caller stopped early): do not leak its result
                self._replace(worker, kill=True)

    @staticmethod
    def _receive(worker: _Worker) -> TaskOutcome | None:
        try:
            if worker.conn.poll():
                return worker.conn.recv()
        except (EOFError, OSError):
            pass
        worker.process.join(timeout=10)  # the pipe closed: the process is exiting
        return None

    def _replace(self, worker: _Worker, kill: bool = True) -> _Worker:
        worker.stop(kill=kill)
        fresh = _Worker(self._context, self._threads)
        self._pool[self._pool.index(worker)] = fresh
        return fresh

    def close(self) -> None:
        """Ask each worker to exit; kill those that do not."""
        for worker in self._pool:
            worker.stop()
        self._pool = []
