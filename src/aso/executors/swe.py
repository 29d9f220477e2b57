"""`evaluate_predictions_over`: SWE-bench predictions judged by an executor's workers, one instance an item.

A worker applies the prediction and the test patch to a private copy of the cached repository and runs
the instance's tests in `aso.sandbox` (`aso.swe.evaluate_prediction`). The repository cache must be
readable at the same path on every worker (a shared filesystem, or the same cache on each Ray node).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict
from typing import Any

from aso.executors.base import Executor
from aso.executors.items import ItemResult, WorkItem
from aso.executors.stream import stream_items

SWE_TASK = "aso.executors.swe:evaluate_prediction_task"


def evaluate_prediction_task(payload: dict[str, Any]) -> dict[str, Any]:
    """Executor task: the `EvalOutcome` of one prediction, as a dict."""
    from aso.swe import evaluate_prediction

    outcome = evaluate_prediction(
        payload["instance"], payload["patch"], payload["repo_cache"], payload["python"], payload["timeout"]
    )
    return asdict(outcome)


def evaluate_predictions_over(
    executor: Executor,
    work: Sequence[tuple[Any, str]],  # (aso.swe Instance, model patch)
    repo_cache: str,
    python: str | None,
    timeout: float,
) -> Iterator[ItemResult]:
    """Yield each instance's result (value: the outcome dict) as it finishes; the key is its instance id."""
    items = [
        WorkItem(
            instance.instance_id,
            {
                "instance": instance,
                "patch": patch,
                "repo_cache": str(repo_cache),
                "python": python,
                "timeout": timeout,
            },
        )
        for instance, patch in work
    ]
    yield from stream_items(executor, SWE_TASK, items)
