"""`aso eval humaneval`: pass@1 / pass@k on a HumanEval split, plain or with priors (prompt or PoE);
`aso eval gain`: the five-row comparison of selection and experience (`aso.humaneval.gain`)."""

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

eval_app = typer.Typer(help="Evaluate on benchmarks.", no_args_is_help=True)


@eval_app.command("humaneval")
def humaneval(
    split: str = typer.Option("heldout", "--split", help="heldout, train or all."),
    priors: Path | None = typer.Option(None, "--priors", help="Priors file from `aso optimize`."),
    poe: bool = typer.Option(False, "--poe", help="Apply the priors by Product-of-Experts decoding."),
    weights: str = typer.Option("poai", "--weights", help="PoE weights: poai, or comma list base,X1,..."),
    precision: str = typer.Option(
        "float32", "--precision", help="PoE step products: float32 (exact) or bfloat16 (faster on AMX CPUs)."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N problems."),
    samples: int = typer.Option(1, "--samples", "-n", min=1, help="Samples per problem (pass@k)."),
    temperature: float = typer.Option(0.0, "--temperature", min=0.0, help="0 = greedy."),
    max_tokens: int = typer.Option(256, "--max-tokens", min=16),
    model: str | None = ModelOption,
    seed: int = SeedOption,
    resume: Path | None = ResumeOption,
    output: Path | None = OutputOption,
    executor: str = ExecutorOption,
    workers: int = WorkersOption,
    ray_address: str | None = RayAddressOption,
) -> None:
    """Score a model on HumanEval problems in the sandbox. With --workers N the batches of problems run
    on N workers, each with its own copy of the model (the same batches and seeds as in one process).

    Example: aso eval humaneval --split heldout --priors priors.json --poe --limit 40
    """
    from aso.cli.options import load_model
    from aso.errors import ConfigError
    from aso.grpo import load_priors
    from aso.humaneval import problems
    from aso.humaneval.evaluation import Method, evaluate
    from aso.runs import open_run

    if poe and priors is None:
        raise ConfigError("--poe needs --priors PRIORS")
    if precision not in ("float32", "bfloat16"):
        raise ConfigError(f"--precision must be float32 or bfloat16, got {precision!r}")
    loaded = load_priors(priors) if priors else None
    method = Method.POE if poe else Method.PROMPT_PRIORS if loaded else Method.BASELINE
    try:
        poe_weights = weights if weights == "poai" else [float(w) for w in weights.split(",")]
    except ValueError:
        raise ConfigError(f"--weights must be poai or numbers like 0.5,0.5, got {weights!r}") from None
    lm = load_model(model)
    config = {
        "split": split,
        "priors": loaded.content_hash if loaded else None,
        "method": method.value,
        "weights": weights,
        "precision": precision,
        "limit": limit,
        "samples": samples,
        "temperature": temperature,
        "max_tokens": max_tokens,
        "model": lm.info.name,
        "seed": seed,
    }
    from functools import partial

    from aso.executors.evaluation import evaluate_over
    from aso.executors.sampling import runs_in_process

    pool = make_executor(executor, workers, ray_address)
    run = open_run(
        "eval humaneval", config, resume=resume, seed=seed, model_hash=lm.info.identity, output=output
    )
    here = runs_in_process(pool)
    try:
        report = (evaluate if here else partial(evaluate_over, pool))(
            lm if here else model,
            problems(split, limit),
            method,
            priors=loaded,
            poe_weights=poe_weights,
            poe_precision=precision,
            n_samples=samples,
            temperature=temperature,
            max_tokens=max_tokens,
            seed=seed,
            run=run,
        )
    except ValueError as exc:  # e.g. a weight list of the wrong length
        raise ConfigError(f"--weights: {exc}") from None
    finally:
        pool.close()
    summary = report.summary()
    run.write_json("summary.json", summary)
    run.finish(**summary)
    ks = ", ".join(f"{k} {v:.3f}" for k, v in summary.items() if k.startswith("pass@"))
    print(
        f"{method.value}: {ks} on {summary['problems']} problems ({split}); "
        f"{summary['model_calls']} model calls; run: {run.path}"
    )
    for note in summary["notes"]:
        print(f"  note: {note}")


@eval_app.command("gain")
def gain(
    split: str = typer.Option("heldout", "--split", help="heldout, train or all."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N problems."),
    group_size: int = typer.Option(8, "--group-size", "-g", min=2, help="G samples per task."),
    temperature: float = typer.Option(0.8, "--temperature", min=0.01, help="Sampling temperature."),
    max_tokens: int = typer.Option(128, "--max-tokens", min=16),
    exemplars: int = typer.Option(
        1, "--exemplars", "-k", min=0, help="Verified solutions retrieved per task."
    ),
    priors: Path | None = typer.Option(
        None, "--priors", help="Priors file whose `solutions` are the library (default: train references)."
    ),
    model: str | None = ModelOption,
    seed: int = SeedOption,
    resume: Path | None = ResumeOption,
    output: Path | None = OutputOption,
) -> None:
    """Five rows on HumanEval: greedy, random sample, best-of-G by public tests, full selection, selection +
    experience; model calls per task, pass@G ceiling, paired bootstrap 95% CI of each row minus greedy.

    Public tests are the docstring examples; hidden tests only score. Experience = the k most similar
    verified solutions of training tasks as few-shot turns (from --priors, else the train split's
    reference solutions, each re-verified in the sandbox).

    Example: aso eval gain --split heldout --limit 10 --group-size 8 --seed 0
    """
    from aso.cli.options import load_model
    from aso.errors import ConfigError
    from aso.grpo import load_priors
    from aso.grpo.solutions import SolutionLibrary
    from aso.humaneval import problems
    from aso.humaneval.gain import (
        TABLE_HEADERS,
        GainConfig,
        ceiling_line,
        record_usefulness,
        reference_library,
        run_gain,
        summarise,
        table_rows,
        usefulness_report,
    )
    from aso.humaneval.scoring import HumanEvalReward
    from aso.runs import open_run

    chosen = problems(split, limit)
    reward = HumanEvalReward()
    if priors is not None:
        library = SolutionLibrary.from_list(load_priors(priors).solutions)
        if not len(library):
            raise ConfigError(f"{priors}: field 'solutions' is empty: no verified solutions to retrieve")
    lm = load_model(model)  # a bad model name fails before the reference library is verified (seconds)
    if priors is None:
        library = reference_library(problems("train"), reward)
    cfg = GainConfig(group_size, temperature, max_tokens, exemplars, seed)
    config = {"split": split, "limit": limit, "model": lm.info.name, "priors": str(priors), **cfg.__dict__}
    run = open_run("eval gain", config, resume=resume, seed=seed, model_hash=lm.info.identity, output=output)
    records = run_gain(lm, chosen, library, cfg, run, reward)
    summary = summarise(records, cfg)
    record_usefulness(records, library, cfg)
    summary["retired"] = library.retire()
    summary["exemplar_usefulness"] = usefulness_report(library)
    run.write_json("summary.json", summary)
    run.finish(**{k: v for k, v in summary.items() if k != "exemplar_usefulness"})
    from rich.console import Console
    from rich.table import Table

    table = Table(*TABLE_HEADERS)
    for row in table_rows(summary):
        table.add_row(*(str(c) for c in row))
    Console().print(table)
    print(ceiling_line(summary))
    print(f"run: {run.path}")


def register(app: typer.Typer) -> None:
    """Add `aso eval`."""
    app.add_typer(eval_app, name="eval")
