"""`aso solve`: fix an issue in a git repository with test-verified patches (TF-GRPO rollouts)."""

from __future__ import annotations

from pathlib import Path

import typer

from aso.cli.options import ModelOption, OutputOption, ResumeOption, SeedOption

EditFormatOption = typer.Option(
    "auto",
    "--edit-format",
    help="How the model writes its change: search-replace (SEARCH/REPLACE blocks), function (the whole "
    "corrected function in a code block), or auto (function for a local model, else search-replace).",
)

PythonOption = typer.Option(
    None,
    "--python",
    help="Interpreter that runs the tests in the sandbox (default: the one running aso). It must have "
    "the repository's dependencies installed; the repository itself is imported from the patched copy.",
)


def solve(
    issue_file: Path = typer.Argument(..., help="The issue: a Markdown or text file (first line = title)."),
    repo: Path = typer.Option(..., "--repo", help="The git repository (only read; a copy is patched)."),
    commit: str | None = typer.Option(None, "--commit", help="Revision to start from (default HEAD)."),
    group_size: int = typer.Option(4, "--group-size", min=2, help="Candidate patches per iteration (G)."),
    max_iterations: int = typer.Option(3, "--max-iterations", min=1, help="Iterations at most."),
    test_cmd: str = typer.Option(
        "python -m pytest -q", "--test-cmd", help="Runs the tests (in the sandbox)."
    ),
    priors: Path | None = typer.Option(
        None, "--priors", help="Priors file from `aso optimize` to start from."
    ),
    temperature: float = typer.Option(0.7, "--temperature", min=0.0),
    max_tokens: int = typer.Option(512, "--max-tokens", min=16, help="New tokens per candidate."),
    top_files: int = typer.Option(3, "--top-files", min=1, help="Files shown to the model."),
    context_chars: int = typer.Option(6000, "--context-chars", min=200, help="Characters of code shown."),
    timeout: float = typer.Option(120.0, "--timeout", min=1.0, help="Seconds per test run."),
    python: str | None = PythonOption,
    edit_format: str = EditFormatOption,
    model: str | None = ModelOption,
    seed: int = SeedOption,
    resume: Path | None = ResumeOption,
    output: Path | None = OutputOption,
) -> None:
    """Localise, sample G patches, run the tests in the sandbox, learn lessons; repeat until one passes.

    Writes a run directory with every candidate's patch, best.diff and summary.json.

    Example: aso solve issue.md --repo . --group-size 4 --max-iterations 3 --test-cmd "python -m pytest -q"
    """
    from aso.sandbox import SandboxLimits
    from aso.solve import TestReward, Workspace, read_issue, split_command

    issue = read_issue(issue_file)
    argv = split_command(test_cmd)
    check_python(python)
    reward = TestReward(argv, limits=SandboxLimits(timeout_s=timeout, cpu_s=int(timeout)), python=python)
    with Workspace.create(repo, commit) as ws:
        config = {
            "issue": str(issue_file),
            "repo": str(Path(repo).resolve()),
            "commit": ws.commit,
            "test_cmd": argv,
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
            issue, ws, reward, config, model=model, resume=resume, output=output, command="solve"
        )
    s = result.summary()
    state = "resolved" if s["resolved"] else "not resolved"
    reward = "none" if s["best_reward"] is None else f"{s['best_reward']:.2f}"
    print(
        f"{state}: best reward {reward} after {s['iterations']} iteration(s), {s['candidates']} candidates, "
        f"{sum(s['model_calls'].values())} model calls; patch: {run.path / 'best.diff'}; run: {run.path}"
    )


def workflow_config(
    group_size: int,
    max_iterations: int,
    priors: Path | None,
    temperature: float,
    max_tokens: int,
    top_files: int,
    context_chars: int,
    timeout: float,
    python: str | None,
    seed: int,
    edit_format: str = "auto",
) -> dict:
    """The run-config keys `aso solve` and `aso swe solve` share (the priors file must exist)."""
    from aso.cli.options import existing_file

    return {
        "group_size": group_size,
        "max_iterations": max_iterations,
        "priors": str(existing_file(priors, "priors file")) if priors else None,
        "temperature": temperature,
        "max_tokens": max_tokens,
        "top_files": top_files,
        "context_chars": context_chars,
        "timeout": timeout,
        "python": python,
        "seed": seed,
        "edit_format": edit_format,
    }


def check_python(python: str | None) -> None:
    """A one-line error naming `--python` when the interpreter does not exist."""
    from aso.errors import ConfigError

    if python is not None and not Path(python).is_file():
        raise ConfigError(f"--python {python}: no such interpreter")


def run_solve(issue, ws, reward, config, *, model, resume, output, command):  # noqa: ANN001, ANN201
    """Shared by `aso solve` and `aso swe solve`: load priors and model, open the run, run the workflow
    with `reward` (the caller's `TestReward`) and the `SolveConfig` fields of `config`."""
    from dataclasses import fields

    from aso.cli.options import load_model
    from aso.grpo import load_priors
    from aso.runs import open_run
    from aso.solve import SolveConfig, SolveWorkflow

    loaded = load_priors(config["priors"]) if config.get("priors") else None
    lm = load_model(model)  # an unreachable endpoint fails here, before the run directory exists
    config = {**config, "model": lm.info.name}
    if loaded is not None:
        config["priors_hash"] = loaded.content_hash
    run = open_run(
        command, config, resume=resume, seed=config["seed"], model_hash=lm.info.identity, output=output
    )
    cfg = SolveConfig(**{f.name: config[f.name] for f in fields(SolveConfig) if f.name in config})
    result = SolveWorkflow(lm, reward, cfg, priors=loaded).solve(issue, ws.path, ws.files(), run=run)
    run.finish(**{k: v for k, v in result.summary().items() if k != "lessons"})
    return result, run


def register(app: typer.Typer) -> None:
    """Add `aso solve`."""
    app.command("solve")(solve)
