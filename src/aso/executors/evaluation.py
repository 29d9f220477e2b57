"""`evaluate_over`: `aso.humaneval.evaluation.evaluate` with its batches of problems spread over workers.

The problems still to do are cut into the batches `evaluate` itself would make (`batch` problems, seed
`seed + start` for plain sampling), and each batch is one work item that a worker evaluates with its
own copy of the model (loaded once). So the answers are the ones `evaluate` gives in this process with
the same batch size. Each finished problem is recorded under the key `evaluate` uses
(`LABEL/TASK_ID`), so either one resumes the other's run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aso.executors.base import Executor
from aso.executors.items import WorkItem
from aso.executors.sampling import ItemsFailedError
from aso.executors.stream import stream_items
from aso.runs import Run

EVAL_TASK = "aso.executors.evaluation:evaluate_batch"


def evaluate_batch(payload: dict[str, Any]) -> dict[str, Any]:
    """Executor task: evaluate the payload's problems in one batch.

    Returns `{"records": {task id: {solved, calls, answers}}, "notes": [...]}`.
    """
    from aso.executors.worker import worker_model
    from aso.grpo.priors import Priors
    from aso.humaneval.data import load_problems
    from aso.humaneval.evaluation import Method, evaluate

    problems = [load_problems()[t] for t in payload["task_ids"]]
    priors = Priors.from_dict(payload["priors"], "work item priors") if payload.get("priors") else None
    run_log: dict[str, dict[str, Any]] = {}

    class _Collect:  # receives evaluate's per-problem records in place of a run directory
        def done_items(self) -> dict:
            return {}

        def mark_done(self, key: str, **result: Any) -> None:
            run_log[key.split("/", 1)[1]] = result

    report = evaluate(
        worker_model(payload["model"]),
        problems,
        Method(payload["method"]),
        priors=priors,
        poe_weights=payload.get("poe_weights", "poai"),
        poe_precision=payload.get("poe_precision", "float32"),
        n_samples=int(payload["n_samples"]),
        temperature=float(payload["temperature"]),
        max_tokens=int(payload["max_tokens"]),
        seed=int(payload["seed"]),
        batch=len(problems),
        run=_Collect(),  # type: ignore[arg-type]
        progress=False,
        label=payload["label"],
    )
    return {"records": run_log, "notes": report.notes}


def evaluate_over(
    executor: Executor,
    model_name: str,
    problems: Sequence[dict[str, Any]],
    method: Any,
    *,
    priors: Any = None,
    poe_weights: Any = "poai",
    poe_precision: str = "float32",
    n_samples: int = 1,
    temperature: float = 0.0,
    max_tokens: int = 256,
    seed: int = 0,
    batch: int = 8,
    run: Run | None = None,
    progress: bool = True,
    label: str | None = None,
) -> Any:  # an aso.humaneval.evaluation.EvalReport
    """The `EvalReport` of `evaluate(...)` with the same arguments, its batches run by `executor`."""
    from tqdm import tqdm

    from aso.humaneval.evaluation import EvalReport, Method

    label = label or method.value
    report = EvalReport(label, n_samples)
    done = run.done_items() if run else {}
    todo = [p for p in problems if f"{label}/{p['task_id']}" not in done]
    for p in problems:
        key = f"{label}/{p['task_id']}"
        if key in done:
            report.results[p["task_id"]] = list(done[key]["solved"])
            report.model_calls += int(done[key]["calls"])
    items = []
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        payload = {
            "model": model_name,
            "task_ids": [p["task_id"] for p in chunk],
            "method": method.value,
            "priors": priors.to_dict() if priors is not None else None,
            "poe_weights": poe_weights,
            "poe_precision": poe_precision,
            "n_samples": n_samples,
            "temperature": temperature,
            "max_tokens": max_tokens,
            "seed": seed if method is Method.POE else seed + start,  # evaluate's own seeding of a batch
            "label": label,
        }
        items.append(WorkItem(f"{label}/batch-{chunk[0]['task_id']}", payload))
    failed = []
    with tqdm(total=len(todo), desc=label, unit="problem", disable=not progress) as bar:
        for result in stream_items(executor, EVAL_TASK, items):
            if not result.ok:
                failed.append(result)
                if run:
                    run.log("item_failed", key=result.key, **result.event_fields())
                continue
            report.notes.extend(n for n in result.value["notes"] if n not in report.notes)
            for task_id, record in result.value["records"].items():
                report.results[task_id] = list(record["solved"])
                report.model_calls += int(record["calls"])
                if run:
                    run.mark_done(f"{label}/{task_id}", **record)
                bar.update(1)
    if failed:
        raise ItemsFailedError(
            f"{len(failed)} of {len(items)} evaluation batch(es) failed "
            f"({failed[0].key}: {failed[0].error}); "
            "finished problems are kept, --resume RUN retries the rest"
        )
    report.results = {p["task_id"]: report.results[p["task_id"]] for p in problems}
    return report
