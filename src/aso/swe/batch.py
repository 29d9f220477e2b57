"""Evaluating a predictions file into a run directory: one environment per (repository, version),
built on first use; each instance's test log and official report under `logs/<instance_id>/`;
`report.json` in the official run-report format plus per-instance details. Resumable: finished
instances are `mark_done` events."""

from __future__ import annotations

from collections.abc import Sequence
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


def evaluate_predictions(
    preds: list[dict[str, Any]],
    known: dict[str, Instance],
    run: Run,
    *,
    repo_cache: str | Path | None = None,
    env_root: str | Path = ENV_ROOT,
    python_dirs: Sequence[str | Path] = (),
    timeout: float = 1800.0,
) -> dict[str, Any]:
    """Evaluate every prediction (skipping those `run` has done); returns the report written to
    `report.json`. An environment that cannot be built makes its instances error ids, with the
    reason (the other instances still run)."""
    done = run.done_items()
    rows: list[dict[str, Any]] = []
    bar = tqdm(preds, desc="swe evaluate", unit="instance", dynamic_ncols=True)
    for p in bar:
        iid = p["instance_id"]
        if iid in done:
            rows.append({k: v for k, v in done[iid].items() if k not in ("event", "t", "key")})
            continue
        inst = known[iid]
        bar.set_postfix_str(iid)
        try:
            env, repo_git = instance_env(inst, repo_cache, root=env_root, python_dirs=python_dirs)
        except EnvBuildError as exc:
            row = {
                "instance_id": iid,
                "resolved": False,
                "error": f"environment: {exc}",
                "report": {},
                "empty_patch": not p.get("model_patch"),
            }
            run.mark_done(iid, **row)
            rows.append(row)
            continue
        try:
            ev = evaluate_instance(
                inst, p.get("model_patch"), env, repo_git, run.path / "logs" / iid, timeout
            )
        except TestbedError as exc:  # not a verdict: recorded as an error id, and the command fails
            row = {
                "instance_id": iid,
                "resolved": False,
                "error": f"tests could not start: {exc}",
                "report": {},
                "empty_patch": not p.get("model_patch"),
            }
            run.mark_done(iid, **row)
            rows.append(row)
            continue
        run.mark_done(iid, **ev.to_dict())
        rows.append(ev.to_dict())
    submitted = [p["instance_id"] for p in preds]
    report = run_report(rows, submitted, len(known))
    report["results"] = rows
    run.write_json("report.json", report)
    return report
