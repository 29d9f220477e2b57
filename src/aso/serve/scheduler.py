"""`BatchScheduler`: a bounded queue in front of the one model, and request-level continuous batching.

One worker thread owns the model. Requests wait in a bounded queue (`QueueFull` when it is full). Each
time the model becomes free, the worker takes the oldest waiting request and merges into the same
`model.sample` call every other waiting request with the same sampling parameters, up to
`max_batch_prompts` prompts x n. Requests with a seed are never merged: their samples must not depend
on which other requests happened to be waiting. Not handled: iteration-level batching (joining a
generation already running), which the `Model.sample` protocol cannot express.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from concurrent.futures import Future

from aso.models import Completion, Model, Prompt, SamplingParams


class QueueFull(Exception):
    """The queue holds `queue_size` waiting requests already."""


@dataclasses.dataclass
class _Job:
    prompts: list[Prompt]
    params: SamplingParams
    future: Future

    def batch_key(self) -> object:
        if self.params.seed is not None:
            return id(self)  # unique: never merged
        return dataclasses.replace(self.params, seed=None)


class BatchScheduler:
    """Runs `model.sample` for submitted requests on one worker thread, merging compatible ones."""

    def __init__(
        self, model: Model, queue_size: int = 64, batching: bool = True, max_batch_prompts: int = 16
    ):
        self.model = model
        self.queue_size = queue_size
        self.batching = batching
        self.max_batch_prompts = max(1, max_batch_prompts)
        self._waiting: list[_Job] = []
        self._cond = threading.Condition()
        self._closed = False
        self.calls = 0  # model.sample calls made
        self.batched_requests = 0  # requests that shared a call with another
        self._thread = threading.Thread(target=self._work, name="aso-serve-model", daemon=True)
        self._thread.start()

    @property
    def depth(self) -> int:
        """Requests waiting (not counting the call running now)."""
        return len(self._waiting)

    def submit(self, prompts: Sequence[Prompt], params: SamplingParams) -> Future:
        """Queue a request; its future gets one completion list per prompt. `QueueFull` when full."""
        job = _Job(list(prompts), params, Future())
        with self._cond:
            if self._closed:
                raise QueueFull("server is shutting down")
            if len(self._waiting) >= self.queue_size:
                raise QueueFull(f"{len(self._waiting)} requests are waiting for the model")
            self._waiting.append(job)
            self._cond.notify()
        return job.future

    def close(self) -> None:
        """Stop the worker after the call running now; waiting requests fail."""
        with self._cond:
            self._closed = True
            waiting, self._waiting = self._waiting, []
            self._cond.notify_all()
        for job in waiting:
            job.future.set_exception(QueueFull("server is shutting down"))
        self._thread.join(timeout=30)

    def _take(self) -> list[_Job] | None:
        with self._cond:
            while not self._waiting and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            first = self._waiting.pop(0)
            batch, size = [first], len(first.prompts) * first.params.n
            if self.batching:
                key = first.batch_key()
                for job in list(self._waiting):
                    cost = len(job.prompts) * job.params.n
                    if job.batch_key() == key and size + cost <= self.max_batch_prompts:
                        self._waiting.remove(job)
                        batch.append(job)
                        size += cost
            return batch

    def _work(self) -> None:
        while (batch := self._take()) is not None:
            prompts = [p for job in batch for p in job.prompts]
            try:
                results: list[list[Completion]] = self.model.sample(prompts, batch[0].params)
            except BaseException as exc:  # noqa: BLE001 - handed to every waiting request
                for job in batch:
                    job.future.set_exception(exc)
                continue
            self.calls += 1
            if len(batch) > 1:
                self.batched_requests += len(batch)
            start = 0
            for job in batch:
                job.future.set_result(results[start : start + len(job.prompts)])
                start += len(job.prompts)
