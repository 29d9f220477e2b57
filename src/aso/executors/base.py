"""The executor interface: run a task over work items, yielding each result as soon as it is ready."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence

from aso.executors.items import ItemResult, ItemStatus, TaskOutcome, WorkItem

DEFAULT_MAX_ATTEMPTS = 3


class Executor(abc.ABC):
    """Runs tasks on `workers` long-lived worker processes; each worker keeps what it loaded.

    A worker that dies while running an item (killed, out of memory, a crash in native code) is replaced
    and the item is tried again, up to `max_attempts` attempts in all; after that the item is a FAILED
    result naming the deaths. A task that raises is a FAILED result at once (a retry would raise again).
    """

    name: str = ""

    def __init__(self, workers: int, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {max_attempts}")
        self.workers = workers
        self.max_attempts = max_attempts

    @abc.abstractmethod
    def map_unordered(self, task: str, items: Sequence[WorkItem]) -> Iterator[ItemResult]:
        """Run `task` (an import path `module:function`) on every item; yield results as they finish."""

    @abc.abstractmethod
    def close(self) -> None:
        """Stop the workers (idempotent)."""

    @abc.abstractmethod
    def start(self) -> None:
        """Start or connect now rather than at the first item, so a bad address fails before any work."""

    def describe(self) -> str:
        """Short description for logs and run configs, e.g. `local x2`."""
        return f"{self.name} x{self.workers}"

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def outcome_result(item: WorkItem, outcome: TaskOutcome, attempts: int) -> ItemResult:
    """The result of an attempt whose worker lived to answer."""
    status = ItemStatus.DONE if outcome.ok else ItemStatus.FAILED
    return ItemResult(item.key, status, outcome.value, outcome.error, attempts, outcome.worker)


def death_result(item: WorkItem, attempts: int, detail: str) -> ItemResult:
    """The result of an item whose worker died on every allowed attempt."""
    error = f"worker died on each of {attempts} attempt(s): {detail}"
    return ItemResult(item.key, ItemStatus.FAILED, None, error, attempts, "")
