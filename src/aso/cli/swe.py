"""`aso swe list | solve | evaluate`: SWE-bench instances on pre-cloned repositories, without Docker."""

from __future__ import annotations

from pathlib import Path

import typer

from aso.cli.options import ModelOption, OutputOption, ResumeOption, SeedOption
from aso.cli.solve import EditFormatOption, PythonOption

swe_app = typer.Typer(
    help="SWE-bench Verified: list instances, solve one, evaluate predictions. Tests run with --python "
    "(default: the current interpreter); each instance really needs its own environment.",
    no_args_is_help=True,
)
DataOption = typer.Option(
    None, "--data", help="SWE-bench parquet (default: $ASO_SWEBENCH_DATA or the Verified set)."
)
CacheOption = typer.Option(
    ...,
    "--repo-cache",
    help="Directory of pre-cloned repositories (DIR/owner__name or DIR/name); no cloning.",
)


def _instances(data: Path | None) -> dict:
    from aso.swe import DEFAULT_DATA, load_instances

    return {i.instance_id: i for i in load_instances(data or DEFAULT_DATA)}


def _instance(data: Path | None, instance_id: str):  # noqa: ANN202
    from aso.errors import ConfigError

    found = _instances(data).get(instance_id)
    if found is None:
        raise ConfigError(f"instance {instance_id!r}: not in the SWE-bench data (see `aso swe list`)")
    return found


@swe_app.command("list")
def list_(
    repo: str | None = typer.Option(None, "--repo", help="Only this repository (owner/name)."),
    data: Path | None = DataOption,
) -> None:
    """Print instance id, repository and difficulty.

    Example: aso swe list --repo pytest-dev/pytest
    """
    chosen = [i for i in _instances(data).values() if repo is None or i.repo == repo]
    for i in chosen:
        print(f"{i.instance_id}\t{i.repo}\t{i.difficulty}")
    print(f"{len(chosen)} instance(s)")


@swe_app.command("solve")
def solve(
    instance_id: str = typer.Argument(..., help="e.g. pytest-dev__pytest-7432"),
    repo_cache: Path = CacheOption,
    predictions: Path = typer.Option(Path("predictions.jsonl"), "--predictions", help="JSONL to append to."),
    group_size: int = typer.Option(4, "--group-size", min=2),
    max_iterations: int = typer.Option(3, "--max-iterations", min=1),
    priors: Path | None = typer.Option(None, "--priors", help="Priors file from `aso optimize`."),
    temperature: float = typer.Option(0.7, "--temperature", min=0.0),
    max_tokens: int = typer.Option(512, "--max-tokens", min=16),
    top_files: int = typer.Option(3, "--top-files", min=1),
    context_chars: int = typer.Option(6000, "--context-chars", min=200),
    timeout: float = typer.Option(300.0, "--timeout", min=1.0, help="Seconds per test run."),
    python: str | None = PythonOption,
    edit_format: str = EditFormatOption,
    data: Path | None = DataOption,
    model: str | None = ModelOption,
    seed: int = SeedOption,
    resume: Path | None = ResumeOption,
    output: Path | None = OutputOption,
) -> None:
    """Solve one instance (problem statement = issue; FAIL_TO_PASS + PASS_TO_PASS = reward) and append
    its prediction to the predictions file.

    Protocol: this is the ORACLE-TESTS setting. The solve loop runs on the base commit with the
    instance's test patch applied and is rewarded by its FAIL_TO_PASS tests, so the model's candidates
    are judged by (and the localiser may show it) the hidden tests. Resolved rates from it are not
    comparable with the SWE-bench leaderboard, whose systems never see the test patch.

    Example: aso swe solve pytest-dev__pytest-7432 --repo-cache ~/swe-repos --python ~/py39/bin/python
    """
    from aso.cli.solve import check_python, run_solve, workflow_config
    from aso.solve import Issue
    from aso.swe import find_repo, instance_reward, prepare, test_files, without_files
    from aso.swe.harness import append_prediction

    inst = _instance(data, instance_id)
    repo = find_repo(repo_cache, inst.repo)
    issue = Issue.from_text(inst.problem_statement, inst.instance_id)
    check_python(python)
    reward = instance_reward(inst, python, timeout)
    with prepare(inst, repo) as ws:
        config = {
            "instance_id": inst.instance_id,
            "repo": str(repo.resolve()),
            "commit": ws.commit,
            "test_cmd": reward.argv,
            **workflow_config(
                group_size,
                max_iterations,
                priors,
                temperature,
                max_tokens,
                top_files,
                context_chars,
                timeout,
                python,
                seed,
                edit_format,
            ),
        }
        result, run = run_solve(
            issue, ws, reward, config, model=model, resume=resume, output=output, command="swe solve"
        )
    patch = without_files(result.best.patch if result.best else "", test_files(inst.test_patch))
    append_prediction(predictions, inst.instance_id, str(run.config["model"]), patch)
    state = "passes its tests" if result.resolved else "not resolved"
    print(f"{inst.instance_id}: {state}; prediction appended to {predictions}; run: {run.path}")


@swe_app.command("evaluate")
def evaluate(
    predictions: Path = typer.Argument(..., help="SWE-bench predictions JSONL (instance_id, model_patch)."),
    repo_cache: Path = CacheOption,
    timeout: float = typer.Option(300.0, "--timeout", min=1.0, help="Seconds per test run."),
    python: str | None = PythonOption,
    data: Path | None = DataOption,
    resume: Path | None = ResumeOption,
    output: Path | None = OutputOption,
) -> None:
    """Apply each model_patch and the test patch, run the tests in the sandbox, report resolved.

    Example: aso swe evaluate predictions.jsonl --repo-cache ~/swe-repos --python ~/py39/bin/python
    """
    from dataclasses import asdict

    from aso.errors import ConfigError
    from aso.runs import open_run
    from aso.swe import evaluate_prediction, find_repo, read_predictions

    preds = read_predictions(predictions)
    known = _instances(data)
    unknown = [p["instance_id"] for p in preds if p["instance_id"] not in known]
    if unknown:
        raise ConfigError(f"{predictions}: unknown instance_id {unknown[0]!r}")
    for p in preds:  # every repository must be there before anything is run
        find_repo(repo_cache, known[p["instance_id"]].repo)
    config = {
        "predictions": str(predictions),
        "repo_cache": str(repo_cache),
        "python": python,
        "timeout": timeout,
    }
    run = open_run("swe evaluate", config, resume=resume, seed=None, model_hash=None, output=output)
    done = run.done_items()
    rows = []
    for p in preds:
        iid = p["instance_id"]
        if iid in done:
            rows.append({k: v for k, v in done[iid].items() if k not in ("event", "t", "key")})
            continue
        outcome = asdict(
            evaluate_prediction(known[iid], p.get("model_patch") or "", repo_cache, python, timeout)
        )
        run.mark_done(iid, **outcome)
        rows.append(outcome)
    resolved = sum(r["resolved"] for r in rows)
    rate = resolved / len(rows) if rows else 0.0
    for r in rows:
        note = f" ({r['error']})" if r["error"] else ""
        f2p, p2p = r["fail_to_pass"], r["pass_to_pass"]
        print(
            f"{r['instance_id']}\t{'resolved' if r['resolved'] else 'unresolved'}\t"
            f"FAIL_TO_PASS {f2p[0]}/{f2p[1]}\tPASS_TO_PASS {p2p[0]}/{p2p[1]}{note}"
        )
    summary = {"instances": len(rows), "resolved": resolved, "resolved_rate": rate, "results": rows}
    run.write_json("report.json", summary)
    run.finish(instances=len(rows), resolved=resolved, resolved_rate=rate)
    print(f"resolved {resolved}/{len(rows)} ({rate:.1%}); run: {run.path}")


def register(app: typer.Typer) -> None:
    """Add `aso swe`."""
    app.add_typer(swe_app, name="swe")
