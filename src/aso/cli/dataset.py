"""`aso dataset run` and `aso dataset report`: dataset synthesis by CW-Reward, MAP-Elites or MAP-Elites
with a ConstructPrior (ADR-0006)."""

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

dataset_app = typer.Typer(
    help="Dataset synthesis (ADR-0006): modes reward (A), map-elites (E), prior (F).", no_args_is_help=True
)


@dataset_app.command("run")
def run(
    mode: str = typer.Option("map-elites", "--mode", help="reward | map-elites | prior"),
    language: str = typer.Option("python", "--language", "-l", help="python | kcl | lark:GRAMMAR.lark"),
    budget: int = typer.Option(60, "--budget", min=1, help="Number of generations."),
    grid: str = typer.Option("", "--config", help="Grid row: A1-A4, E1-E4, F1-F4 (default A1/E2/F1)."),
    model: str | None = ModelOption,
    seed: int = SeedOption,
    batch_size: int = typer.Option(8, "--batch-size", min=1, help="Prompts per model.sample call."),
    max_tokens: int = typer.Option(160, "--max-tokens", min=1),
    temperature: float = typer.Option(0.8, "--temperature", min=0.0),
    vocabulary: Path | None = typer.Option(
        None, "--vocabulary", help="YAML list restricting the constructs."
    ),
    index_all_cells: bool = typer.Option(
        False, "--index-all-cells", help="Offer each example to every cell it satisfies."
    ),
    prior_source: list[str] = typer.Option([], "--prior-source", help="DIR=WEIGHT (repeatable)."),
    construct_map: Path | None = typer.Option(None, "--construct-map", help="construct_map.yaml to use."),
    no_retrieval: bool = typer.Option(False, "--no-retrieval", help="Skip the retrieval evaluation."),
    judge: str = typer.Option("", "--judge", help="LLM judge model for RAGAS-style metrics."),
    output: Path | None = OutputOption,
    resume: Path | None = ResumeOption,
    executor: str = ExecutorOption,
    workers: int = WorkersOption,
    ray_address: str | None = RayAddressOption,
) -> None:
    """Generate a dataset with one of ADR-0006's candidates; resumable with --resume RUN.

    With --workers N each batch of prompts is split into N chunks sampled by N workers (each loads the
    model once); the samples depend on N, not on the executor.

    Example: aso dataset run --mode map-elites --language python --budget 60 --config E2

    Example: aso dataset run --budget 64 --batch-size 16 --executor ray --workers 4 --ray-address auto
    """
    from aso.dataset.config import DatasetConfig
    from aso.dataset.loop import run_dataset

    config = DatasetConfig(
        mode=mode,
        language=language,
        budget=budget,
        grid=grid,
        model=model or "smollm2",
        seed=seed,
        batch_size=batch_size,
        max_tokens=max_tokens,
        temperature=temperature,
        vocabulary_file=str(vocabulary or ""),
        index_all_cells=index_all_cells,
        prior_sources=tuple(prior_source),
        construct_map=str(construct_map or ""),
        retrieval=not no_retrieval,
        judge=judge,
    )
    with make_executor(executor, workers, ray_address) as pool:
        run_store, metrics = run_dataset(config, resume=resume, output=output, executor=pool)
    fill = metrics.get("fill_rate")
    print(f"run: {run_store.path}")
    print(
        f"generated {metrics['generated']}, dataset {metrics['dataset_size']}, pass rate "
        f"{metrics['pass_rate']:.2f}, entropy {metrics['entropy_bits']:.2f} bits"
        + (f", fill rate {fill:.4f}" if fill is not None else "")
    )


@dataset_app.command("report")
def report(
    runs: list[Path] = typer.Argument(..., help="Finished dataset run directories."),
    out: Path | None = typer.Option(None, "--out", help="Output directory (default: FIRST_RUN/report)."),
) -> None:
    """Plot construct histograms, entropy/fill per iteration, cell heatmaps, KL; compare A vs E vs F.

    Example: aso dataset report runs/A runs/E runs/F --out runs/compare
    """
    from aso.dataset.report import write_report

    result = write_report(runs, out or Path(runs[0]) / "report")
    for path in result["files"]:
        print(path)
    print(f"decision: {result['decision']}")


def register(app: typer.Typer) -> None:
    """Add `aso dataset`."""
    app.add_typer(dataset_app, name="dataset")
