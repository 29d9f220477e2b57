"""`RayExecutor`: one Ray actor per worker, on this machine or on a Ray cluster.

An actor is a long-lived process, so what a task loads (the model) stays loaded across items. The
driver keeps one item in flight per actor; an actor that dies (`RayActorError`: killed, out of memory,
its node gone) is replaced by a new one and the item tried again, up to `max_attempts` attempts.

With no address, a private local Ray instance is started (`num_cpus = workers`, no dashboard, bound to
127.0.0.1) and shut down on `close`. With `auto` or `HOST:PORT` the driver joins a running cluster; aso
must then be installed on every node (the same version): tasks are named by import path, not shipped.
"""

from __future__ import annotations

import os
import socket
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

from aso.errors import ConfigError
from aso.executors.base import DEFAULT_MAX_ATTEMPTS, Executor, death_result, outcome_result
from aso.executors.items import ItemResult, TaskOutcome, WorkItem, run_task


class RayWorker:
    """The actor body: runs tasks in its own process (what they load stays loaded)."""

    def run(self, task: str, payload: dict[str, Any]) -> TaskOutcome:
        """One attempt at one item."""
        return run_task(task, payload)

    def pid(self) -> int:
        """This actor's process id (tests kill it)."""
        return os.getpid()


def _import_ray() -> Any:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage reports (no network)
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - ray is a core dependency
        raise ConfigError("the ray executor needs the `ray` package (pip install ray)") from exc
    return ray


def _check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """Refuse an address nothing listens on at once (Ray itself retries for minutes)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"--ray-address {address!r}: expected auto or HOST:PORT")
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise ConfigError(f"--ray-address {address}: nothing answers there ({exc.strerror or exc})") from None


class RayExecutor(Executor):
    """`workers` Ray actors; joins `address` (`auto` or `HOST:PORT`) or starts a local Ray instance.

    Each actor reserves `cpus_per_worker` CPUs, so Ray spreads actors over a cluster's nodes; an actor
    that cannot be placed (too few CPUs) waits for room, as Ray tasks do.
    """

    name = "ray"

    def __init__(
        self,
        workers: int = 2,
        address: str | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        cpus_per_worker: float = 1.0,
    ) -> None:
        super().__init__(workers, max_attempts)
        self.address = address
        self.cpus_per_worker = cpus_per_worker
        self._ray: Any = None
        self._owns_ray = False
        self._actors: list[Any] = []

    def describe(self) -> str:
        """`ray x N @ ADDRESS`."""
        return f"ray x{self.workers} @ {self.address or 'local'}"

    def start(self) -> None:
        """Join the cluster (or start the local instance) and create the actors."""
        self._start()

    def _start(self) -> None:
        if self._ray is not None:
            return
        if self.address and self.address != "auto":
            _check_reachable(self.address)
        ray = _import_ray()
        if not ray.is_initialized():
            try:
                if self.address:
                    ray.init(address=self.address, log_to_driver=False)
                else:
                    ray.init(
                        num_cpus=self.workers,
                        include_dashboard=False,
                        log_to_driver=False,
                        _node_ip_address="127.0.0.1",
                    )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = self.address or "a local instance"
                raise ConfigError(f"--ray-address {where}: cannot start or join Ray: {exc}") from exc
            self._owns_ray = True
        self._ray = ray
        options = {"num_cpus": self.cpus_per_worker, "max_restarts": 0, "max_task_retries": 0}
        self._actor_class = ray.remote(**options)(RayWorker)
        self._actors = [self._actor_class.remote() for _ in range(self.workers)]

    def actors(self) -> list[Any]:
        """The live actor handles (started on first use)."""
        self._start()
        return list(self._actors)

    def map_unordered(self, task: str, items: Sequence[WorkItem]) -> Iterator[ItemResult]:
        """Run `task` on each item; results in completion order."""
        self._start()
        ray = self._ray
        x = ray.exceptions  # the worker (or its node) is gone: replace it and retry the item
        dead_errors = (x.RayActorError, x.WorkerCrashedError, x.OutOfMemoryError, x.NodeDiedError)
        queue: deque[tuple[WorkItem, int]] = deque((item, 1) for item in items)
        free = list(range(self.workers))
        in_flight: dict[Any, tuple[int, WorkItem, int]] = {}
        try:
            while queue or in_flight:
                while queue and free:
                    slot = free.pop()
                    item, attempt = queue.popleft()
                    in_flight[self._actors[slot].run.remote(task, item.payload)] = (slot, item, attempt)
                ready, _ = ray.wait(list(in_flight), num_returns=1)
                for ref in ready:
                    slot, item, attempt = in_flight.pop(ref)
                    free.append(slot)
                    try:
                        outcome = ray.get(ref)
                    except dead_errors as exc:
                        self._replace(slot)
                        if attempt >= self.max_attempts:
                            yield death_result(item, attempt, type(exc).__name__)
                        else:
                            queue.appendleft((item, attempt + 1))
                        continue
                    except ray.exceptions.RayError as exc:  # e.g. the payload could not be sent
                        yield death_result(item, attempt, f"{type(exc).__name__}: {exc}".splitlines()[0])
                        continue
                    yield outcome_result(item, outcome, attempt)
        finally:
            for slot, _, _ in in_flight.values():  # abandoned mid-item: its late result must not leak
                self._replace(slot)

    def _replace(self, slot: int) -> None:
        try:
            self._ray.kill(self._actors[slot], no_restart=True)
        except Exception:  # noqa: BLE001 - already dead is fine
            pass
        self._actors[slot] = self._actor_class.remote()

    def close(self) -> None:
        """Kill the actors; shut Ray down if this executor started it."""
        if self._ray is None:
            return
        for actor in self._actors:
            try:
                self._ray.kill(actor, no_restart=True)
            except Exception:  # noqa: BLE001
                pass
        self._actors = []
        if self._owns_ray:
            self._ray.shutdown()
        self._ray = None
