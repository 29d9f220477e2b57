"""What an executor moves: work items in, item results out, and the one function a worker runs.

A work item is a plain record (a key and a JSON-ready payload); the task it is given to is named by
an import path `package.module:function`, so a worker process on any machine with aso installed can
resolve it without pickling code. A task takes the payload and returns a JSON-ready value.
"""

from __future__ import annotations

import enum
import importlib
import os
import socket
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aso.errors import ConfigError

TaskFn = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class WorkItem:
    """One unit of work: `key` names it in the run directory (unique within a run)."""

    key: str
    payload: dict[str, Any] = field(default_factory=dict)


class ItemStatus(enum.StrEnum):
    """How an item ended."""

    DONE = "done"  # the task returned a value
    FAILED = "failed"  # the task raised, or its worker died on every allowed attempt


@dataclass(frozen=True)
class ItemResult:
    """An item's outcome: its value (DONE) or error (FAILED), the attempts it took and the worker."""

    key: str
    status: ItemStatus
    value: Any = None
    error: str = ""
    attempts: int = 1
    worker: str = ""  # "host:pid" of the process that produced it
    resumed: bool = False  # read back from the run directory, not run now

    @property
    def ok(self) -> bool:
        """True when the task returned a value."""
        return self.status is ItemStatus.DONE

    def event_fields(self) -> dict[str, Any]:
        """What the run's event log keeps about this result."""
        return {
            "status": self.status.value,
            "value": self.value,
            "error": self.error,
            "attempts": self.attempts,
            "worker": self.worker,
        }

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> ItemResult:
        """Inverse of `event_fields` (plus the event's key), marked as resumed."""
        return cls(
            key=str(event["key"]),
            status=ItemStatus(event.get("status", "done")),
            value=event.get("value"),
            error=str(event.get("error", "")),
            attempts=int(event.get("attempts", 1)),
            worker=str(event.get("worker", "")),
            resumed=True,
        )


def worker_id() -> str:
    """This process as "host:pid"."""
    return f"{socket.gethostname()}:{os.getpid()}"


_TASKS: dict[str, TaskFn] = {}


def resolve_task(ref: str) -> TaskFn:
    """The function an import path `package.module:function` names (cached per process)."""
    fn = _TASKS.get(ref)
    if fn is None:
        module, sep, name = ref.partition(":")
        if not sep or not module or not name:
            raise ConfigError(f"task {ref!r}: expected 'package.module:function'")
        try:
            fn = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"task {ref!r}: {exc}") from exc
        _TASKS[ref] = fn
    return fn


@dataclass(frozen=True)
class TaskOutcome:
    """What a worker sends back for one attempt (picklable; the driver adds key and attempts)."""

    ok: bool
    value: Any
    error: str
    worker: str


def run_task(task: str, payload: dict[str, Any]) -> TaskOutcome:
    """Run `task` on `payload` in this process; an exception becomes a failed outcome (last line kept)."""
    try:
        return TaskOutcome(True, resolve_task(task)(payload), "", worker_id())
    except Exception as exc:  # the item fails; the worker lives on
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return TaskOutcome(False, None, last, worker_id())
