"""`aso optimize humaneval`: Training-Free GRPO on HumanEval's train split -> a priors file."""

from __future__ import annotations

from pathlib import Path

import typer

from aso.cli.options import (
    ExecutorOption,
    ModelOption,
    OutputOption,
    RayAddressOption,
    ResumeOption,
    SeedOption,
    WorkersOption,
    make_executor,
)

optimize_app = typer.Typer(help="Learn priors without training (Training-Free GRPO).", no_args_is_help=True)


@optimize_app.command("humaneval")
def humaneval(
    out: Path = typer.Option(..., "--out", help="Priors file to write (JSON, content-hashed)."),
    train_split: str = typer.Option("train", "--train-split", help="Split to learn from: train (or all)."),
    group_size: int = typer.Option(4, "--group-size", min=2, help="Rollouts per task (G)."),
    epochs: int = typer.Option(3, "--epochs", min=1, help="Passes over the tasks."),
    batch_size: int = typer.Option(4, "--batch-size", min=1, help="Tasks per library update."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Use only the first N tasks of the split."),
    alpha: float = typer.Option(1.0, "--alpha", help="Weight of the extrinsic reward."),
    beta: float = typer.Option(0.5, "--beta", help="Weight of the epistemic utility."),
    temperature: float = typer.Option(0.7, "--temperature", min=0.0, help="Rollout temperature."),
    max_tokens: int = typer.Option(256, "--max-tokens", min=16),
    experts: int = typer.Option(3, "--experts", min=1, help="Context experts the library is split into."),
    calibration: int = typer.Option(8, "--calibration", min=0, help="Tasks used to measure reliability."),
    reflector: str | None = typer.Option(None, "--reflector", help="A separate model that writes lessons."),
    reflector_style: str = typer.Option(
        "auto",
        "--reflector-style",
        help="How the reflector is asked: json (a list of operations), primed (one pre-filled 'ADD:' "
        "line, for small local models; endpoints fall back to json), auto (primed for a local model).",
    ),
    model: str | None = ModelOption,
    seed: int = SeedOption,
    resume: Path | None = ResumeOption,
    output: Path | None = OutputOption,
    executor: str = ExecutorOption,
    workers: int = WorkersOption,
    ray_address: str | None = RayAddressOption,
) -> None:
    """Run TF-GRPO on HumanEval training problems and save the priors. With --workers N each batch's
    rollouts are sampled by N workers (each loads the model once); reflection stays in this process.

    Example: aso optimize humaneval --train-split train --group-size 4 --epochs 1 --limit 8 --out priors.json
    """
    from aso.cli.options import load_model
    from aso.decoding import prepend_lessons
    from aso.errors import ConfigError
    from aso.grpo import TFGRPOOptimizer
    from aso.grpo.reflection import STYLES
    from aso.humaneval import HumanEvalReward, chat_prompt, problems, task_of
    from aso.runs import open_run

    if reflector_style not in STYLES:
        raise ConfigError(f"--reflector-style must be one of {', '.join(STYLES)}, not {reflector_style!r}")
    if train_split == "heldout":
        raise ConfigError("--train-split heldout: the held-out split is never used for optimisation")
    lm = load_model(model)
    config = {
        "train_split": train_split,
        "group_size": group_size,
        "epochs": epochs,
        "batch_size": batch_size,
        "limit": limit,
        "alpha": alpha,
        "beta": beta,
        "temperature": temperature,
        "max_tokens": max_tokens,
        "experts": experts,
        "calibration": calibration,
        "model": lm.info.name,
        "reflector": reflector,
        "reflector_style": reflector_style,
        "seed": seed,
    }
    pool = make_executor(executor, workers, ray_address)
    run = open_run(
        "optimize humaneval", config, resume=resume, seed=seed, model_hash=lm.info.identity, output=output
    )
    tasks = [task_of(p) for p in problems(train_split, limit)]
    optimizer = TFGRPOOptimizer(
        base_model=lm,
        group_size=group_size,
        alpha=alpha,
        beta=beta,
        epochs=epochs,
        temperature=temperature,
        reflector=reflector,
        reflector_style=reflector_style,
        batch_size=batch_size,
        max_tokens=max_tokens,
        n_experts=experts,
        calibration_tasks=calibration,
        seed=seed,
        prompt_builder=lambda task, lessons: prepend_lessons(chat_prompt(task.data), lessons),
        executor=pool,
    )
    with pool:
        priors = optimizer.optimize(tasks, HumanEvalReward(), run=run)
    digest = priors.save(out)
    priors.save(run.path / "priors.json")
    if priors.token_bias is not None:
        from aso.grpo.factor_files import export_token_bias

        factors = out.with_name(out.stem + ".token_bias.factors")
        fmt = export_token_bias(priors.token_bias, factors)
        print(f"token-bias factors: {factors} ({fmt.value}; the priors file keeps the exact values)")
    run.finish(
        priors=str(out),
        content_hash=digest,
        experiences=len(priors.experiences),
        calls=priors.meta.get("model_calls"),
    )
    print(
        f"priors: {out} ({digest[:19]}...), {len(priors.experiences)} experiences, "
        f"{len(priors.experts)} experts; run: {run.path}"
    )
    for exp in priors.experiences:
        print(f"  [{exp.id}] {exp.text}")


def register(app: typer.Typer) -> None:
    """Add `aso optimize`."""
    app.add_typer(optimize_app, name="optimize")
