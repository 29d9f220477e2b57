"""SWE-bench instances over an executor's workers, one instance a work item.

- `grade_predictions_over`: `aso swe evaluate`'s grading of each prediction
  (`aso.swe.batch.grade_prediction`: the harness's apply commands, test command and official parser in
  the instance's environment); the worker writes the instance's logs into the run directory and
  returns its result row, which the driver records.
- `bench_instances_over`: `aso swe bench`'s solve-then-grade of each instance
  (`aso.cli.swe.bench_instance`); the model is loaded by name in each worker process, once (models are
  cached per process), and never in the driver.

Workers on one machine share the environment directory: `aso.swe.envs.instance_env` holds the
repository's `repo_lock` (an `flock` under `ENV_DIR/.locks/`), so a worker that needs an environment
another worker is building waits, then loads that build, instead of building it again into the same
directory (and likewise for a clone of the repository). On a Ray cluster of several machines the run
directory and the repository cache must be at the same paths on every node (a shared filesystem); the
environment directory may be per node (each node then builds its own environments, under its own lock).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from aso.executors.base import Executor
from aso.executors.items import WorkItem
from aso.executors.stream import stream_items
from aso.runs import Run

GRADE_TASK = "aso.executors.swe:grade_prediction_task"
BENCH_TASK = "aso.executors.swe:bench_instance_task"


def instance_payload(instance: Any) -> dict[str, Any]:
    """An `aso.swe.Instance` as a plain record (a work item's payload field)."""
    return asdict(instance)


def payload_instance(record: dict[str, Any]) -> Any:  # an aso.swe.Instance
    """Inverse of `instance_payload` (the test lists back to tuples)."""
    from aso.swe.instances import Instance

    tests = {k: tuple(record[k]) for k in ("fail_to_pass", "pass_to_pass")}
    return Instance(**{**record, **tests})


def _where_payload(where: dict[str, Any]) -> dict[str, Any]:
    return {
        "repo_cache": str(where["repo_cache"]) if where.get("repo_cache") else None,
        "env_root": str(where["env_root"]),
        "python_dirs": [str(d) for d in where.get("python_dirs") or ()],
        "timeout": float(where["timeout"]),
    }


def grade_prediction_task(payload: dict[str, Any]) -> dict[str, Any]:
    """Executor task: one prediction's result row (`aso.swe.batch.grade_prediction`)."""
    from aso.swe.batch import grade_prediction

    instance = payload_instance(payload["instance"])
    where = payload["where"]
    return grade_prediction(
        instance,
        payload["model_patch"],
        Path(payload["log_dir"]),
        repo_cache=where["repo_cache"],
        env_root=where["env_root"],
        python_dirs=where["python_dirs"],
        timeout=where["timeout"],
    )


def grade_predictions_over(
    executor: Executor,
    work: Sequence[tuple[Any, dict[str, Any]]],  # (aso.swe Instance, its prediction)
    run: Run,
    where: dict[str, Any],  # repo_cache, env_root, python_dirs, timeout
) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """Yield (instance id, result row) as each instance is graded; None for an instance whose worker
    died on every attempt (logged `item_failed` in `run`; a resumed run grades it again)."""
    common = _where_payload(where)
    items = [
        WorkItem(
            instance.instance_id,
            {
                "instance": instance_payload(instance),
                "model_patch": pred.get("model_patch"),
                "log_dir": str(run.path / "logs" / instance.instance_id),
                "where": common,
            },
        )
        for instance, pred in work
    ]
    yield from _results(executor, GRADE_TASK, items, run)


def bench_instance_task(payload: dict[str, Any]) -> dict[str, Any]:
    """Executor task: `aso.cli.swe.bench_instance` for one instance."""
    from aso.cli.swe import bench_instance

    return bench_instance(payload_instance(payload["instance"]), Path(payload["run"]), payload["options"])


def bench_instances_over(
    executor: Executor, instances: Sequence[Any], run: Run, options: dict[str, Any]
) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """Yield (instance id, `bench_instance` value) as each instance is solved and graded; None for one
    that failed (logged `item_failed` in `run` with the reason; a resumed run tries it again)."""
    items = [
        WorkItem(i.instance_id, {"instance": instance_payload(i), "run": str(run.path), "options": options})
        for i in instances
    ]
    yield from _results(executor, BENCH_TASK, items, run)


def _results(
    executor: Executor, task: str, items: list[WorkItem], run: Run
) -> Iterator[tuple[str, dict[str, Any] | None]]:
    for result in stream_items(executor, task, items):
        if not result.ok:
            run.log("item_failed", key=result.key, **result.event_fields())
        elif result.attempts > 1:  # its worker died on an earlier attempt: said in the run, not in the row
            run.log("item_retried", key=result.key, attempts=result.attempts, worker=result.worker)
        yield result.key, result.value if result.ok else None


def failed_items(run: Run, keys: Sequence[str]) -> dict[str, str]:
    """The last recorded error of each of `keys` that has an `item_failed` event in `run`."""
    wanted = set(keys)
    return {e["key"]: e.get("error", "") for e in run.events("item_failed") if e["key"] in wanted}
