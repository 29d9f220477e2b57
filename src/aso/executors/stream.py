"""`stream_items`: run work items through an executor, writing each result to the run as it arrives.

Event log entries (in the run's `events.jsonl`)::

    {"event": "item_done",   "key": K, "status": "done", "value": ..., "attempts": 1, "worker": "host:pid"}
    {"event": "item_failed", "key": K, "status": "failed", "error": "...", "attempts": 3, "worker": ""}

A resumed run skips every key with an `item_done` event (its stored value is yielded instead);
failed items are run again, since a failure may have been the cluster's rather than the item's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from aso.errors import ConfigError
from aso.executors.base import Executor
from aso.executors.items import ItemResult, WorkItem
from aso.runs import Run


def stream_items(
    executor: Executor, task: str, items: Sequence[WorkItem], run: Run | None = None
) -> Iterator[ItemResult]:
    """Yield a result for every item: first those the run already holds, then each new one as it finishes."""
    keys = [item.key for item in items]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise ConfigError(f"work item key {dup!r} is used twice")
    done = run.done_items() if run is not None else {}
    for item in items:
        if item.key in done:
            yield ItemResult.from_event(done[item.key])
    todo = [item for item in items if item.key not in done]
    for result in executor.map_unordered(task, todo):
        if run is not None:
            if result.ok:
                run.mark_done(result.key, **result.event_fields())
            else:
                run.log("item_failed", key=result.key, **result.event_fields())
        yield result


def run_items(
    executor: Executor,
    task: str,
    items: Sequence[WorkItem],
    run: Run | None = None,
    *,
    progress: bool = False,
    label: str = "items",
) -> dict[str, ItemResult]:
    """Every item's result, keyed and in the items' order (a progress bar counts them as they finish)."""
    from tqdm import tqdm

    results: dict[str, ItemResult] = {}
    with tqdm(total=len(items), desc=label, unit="item", disable=not progress) as bar:
        for result in stream_items(executor, task, items, run):
            results[result.key] = result
            bar.update(1)
    return {item.key: results[item.key] for item in items}
