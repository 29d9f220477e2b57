"""Evaluating a predictions file into a run directory: one environment per (repository, version),
built on first use; each instance's test log and official report under `logs/<instance_id>/`;
`report.json` in the official run-report format plus per-instance details. Resumable: finished
instances are `mark_done` events. With an executor of several workers, each instance is one work item
(`aso.executors.swe`); the rows and the report are the same as in this process."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from aso.errors import ConfigError
from aso.runs import Run
from aso.swe.envs import ENV_ROOT, EnvBuildError, instance_env
from aso.swe.evaluation import evaluate_instance, run_report
from aso.swe.instances import Instance
from aso.swe.testbed import TestbedError


def check_predictions(preds: list[dict[str, Any]], known: dict[str, Instance], source: str) -> None:
    """ConfigError for zero predictions or an instance id that is not in the data."""
    if not preds:
        raise ConfigError(f"{source}: no predictions (the file is empty)")
    unknown = [p["instance_id"] for p in preds if p["instance_id"] not in known]
    if unknown:
        raise ConfigError(f"{source}: unknown instance_id {unknown[0]!r}")


def _error_row(instance_id: str, error: str, model_patch: str | None) -> dict[str, Any]:
    return {
        "instance_id": instance_id,
        "resolved": False,
        "error": error,
        "report": {},
        "empty_patch": not model_patch,
    }


def grade_prediction(
    inst: Instance,
    model_patch: str | None,
    log_dir: Path,
    *,
    repo_cache: str | Path | None = None,
    env_root: str | Path = ENV_ROOT,
    python_dirs: Sequence[str | Path] = (),
    timeout: float = 1800.0,
) -> dict[str, Any]:
    """One prediction's result row (`Evaluation.to_dict()`), or an error row when its environment
    cannot be built or its tests cannot start (not verdicts)."""
    iid = inst.instance_id
    try:
        env, repo_git = instance_env(inst, repo_cache, root=env_root, python_dirs=python_dirs)
    except EnvBuildError as exc:
        return _error_row(iid, f"environment: {exc}", model_patch)
    try:
        return evaluate_instance(inst, model_patch, env, repo_git, log_dir, timeout).to_dict()
    except TestbedError as exc:  # not a verdict: recorded as an error id, and the command fails
        return _error_row(iid, f"tests could not start: {exc}", model_patch)


def evaluate_predictions(
    preds: list[dict[str, Any]],
    known: dict[str, Instance],
    run: Run,
    *,
    repo_cache: str | Path | None = None,
    env_root: str | Path = ENV_ROOT,
    python_dirs: Sequence[str | Path] = (),
    timeout: float = 1800.0,
    executor: Any = None,  # an aso.executors.Executor; None = this process
) -> dict[str, Any]:
    """Evaluate every prediction (skipping those `run` has done); returns the report written to
    `report.json`. An environment that cannot be built makes its instances error ids, with the
    reason (the other instances still run). An instance whose worker died on every attempt is left
    out of the results (an `incomplete_ids` entry; `--resume` grades it again)."""
    from aso.executors.sampling import runs_in_process

    rows = run.done_rows()
    todo = list({p["instance_id"]: p for p in preds if p["instance_id"] not in rows}.values())  # last wins
    where = {"repo_cache": repo_cache, "env_root": env_root, "python_dirs": python_dirs, "timeout": timeout}
    bar = tqdm(total=len(todo), desc="swe evaluate", unit="instance", dynamic_ncols=True)
    if runs_in_process(executor):
        graded = _grade_here(todo, known, run, bar, where)
    else:
        from aso.executors.swe import grade_predictions_over

        graded = grade_predictions_over(executor, [(known[p["instance_id"]], p) for p in todo], run, where)
    with bar:
        for iid, row in graded:
            if row is not None:
                run.mark_done(iid, **row)
                rows[iid] = row
            bar.update(1)
    submitted = [p["instance_id"] for p in preds]
    results = [rows[i] for i in dict.fromkeys(submitted) if i in rows]
    report = run_report(results, submitted, len(known))
    report["results"] = results
    run.write_json("report.json", report)
    return report


def _grade_here(
    todo: list[dict[str, Any]], known: dict[str, Instance], run: Run, bar: tqdm, where: dict[str, Any]
) -> Iterator[tuple[str, dict[str, Any]]]:
    for p in todo:
        iid = p["instance_id"]
        bar.set_postfix_str(iid)
        yield iid, grade_prediction(known[iid], p.get("model_patch"), run.path / "logs" / iid, **where)
