"""`sample_over`: `model.sample(prompts, params)` with the prompts split over an executor's workers.

With N workers a batch becomes N chunks of consecutive prompts; chunk starting at prompt `s` is sampled
with seed `params.seed + s` (the rule the transformers backend applies to its own sub-batches), so the
samples depend on N but not on which executor runs them. With the in-process local executor (one
worker) the call is exactly `model.sample(prompts, params)`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from aso.errors import AsoError
from aso.executors.base import Executor
from aso.executors.items import WorkItem
from aso.executors.stream import run_items
from aso.executors.tasks import sampling_params_json
from aso.models import Completion, Model, Prompt, SamplingParams
from aso.runs import Run

SAMPLE_TASK = "aso.executors.tasks:sample"


class ItemsFailedError(AsoError):
    """Some work items failed after their retries; the run keeps the others (--resume retries these)."""


def runs_in_process(executor: Executor | None) -> bool:
    """True when the executor's tasks would run in this process (so the loaded model can be used)."""
    return executor is None or bool(getattr(executor, "in_process", False))


def sample_over(
    executor: Executor | None,
    model: Model | None,
    model_name: str | None,
    prompts: Sequence[Prompt],
    params: SamplingParams,
    *,
    run: Run | None = None,
    key: str = "sample",
) -> list[list[Completion]]:
    """Completions for each prompt, sampled here or by the executor's workers (model loaded by name)."""
    if runs_in_process(executor):
        if model is None:
            from aso.executors.worker import worker_model

            model = worker_model(model_name)
        return model.sample(list(prompts), params)
    assert executor is not None
    size = max(1, math.ceil(len(prompts) / executor.workers))
    items = []
    for start in range(0, len(prompts), size):
        seed = None if params.seed is None else params.seed + start
        payload = {
            "model": model_name,
            "prompts": list(prompts[start : start + size]),
            "params": sampling_params_json(replace(params, seed=seed)),
        }
        items.append(WorkItem(f"{key}/prompts-{start:05d}", payload))
    results = run_items(executor, SAMPLE_TASK, items, run)
    failed = [r for r in results.values() if not r.ok]
    if failed:
        raise ItemsFailedError(
            f"{len(failed)} of {len(items)} sampling item(s) failed ({failed[0].key}: {failed[0].error}); "
            "the others are kept, --resume RUN retries these"
        )
    return [[Completion(**c) for c in group] for r in results.values() for group in r.value]
