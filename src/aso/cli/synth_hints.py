"""`aso synth hints-only | batch | report`: neural-guided synthesis hints (added to the synth sub-Typer)."""

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
    existing_file,
    make_executor,
)

TIER_HELP = "Validation tier: none, cheap (grammar + style), examples (vs _ref.yaml), full (Z3)."
SamplesOption = typer.Option(3, "--samples", min=1, max=64, help="Completions sampled per hole.")
TempOption = typer.Option(0.7, "--temp", min=0.0, help="Sampling temperature (0 = greedy).")
ValidateOption = typer.Option("cheap", "--validate", help=TIER_HELP)
ConstrainedOption = typer.Option(False, "--constrained", help="Grammar-constrained decoding (local models).")
AggregateOption = typer.Option(
    "spec",
    "--aggregate",
    help="Ranking: spec (tiers, frequency, size) or select (aso.select: verdicts, agreement).",
)
MaxTokensOption = typer.Option(96, "--max-tokens", min=8, help="New tokens per completion.")
FeedbackOption = typer.Option(
    None, "--feedback", help="Also append rejected hints to this JSONL dataset (kept across runs)."
)


def _settings(  # noqa: ANN202
    samples: int,
    temp: float,
    validate: str,
    constrained: bool,
    seed: int,
    max_tokens: int,
    aggregate: str = "spec",
):
    from aso.errors import ConfigError
    from aso.synth.hints import GenerationSettings, Tier

    try:
        tier = Tier(validate)
    except ValueError:
        raise ConfigError(f"--validate: expected none, cheap, examples or full, got {validate!r}") from None
    if aggregate not in ("spec", "select"):
        raise ConfigError(f"--aggregate: expected spec or select, got {aggregate!r}")
    return GenerationSettings(
        aggregate=aggregate,
        samples=samples,
        temperature=temp,
        validate=tier,
        constrained=constrained,
        seed=seed,
        max_tokens=max_tokens,
    )


def _print_candidates(spec_hints) -> None:  # noqa: ANN001
    from rich.console import Console
    from rich.table import Table

    table = Table("hole", "model", "rank", "term", "freq", "size", "verdicts", "why not")
    for hid, attempts in spec_hints.attempts.items():
        for a in attempts:
            if not a.candidates:
                table.add_row(hid, a.model, "-", "(no candidate parsed)", "", "", a.outcome.value, "")
            for i, c in enumerate(a.candidates[:8]):
                mark = "*" if a.chosen is c else ""
                verdicts = " ".join(f"{t.value}:{v.value}" for t, v in c.verdicts.items())
                why = "; ".join(c.reasons.values())[:80]
                table.add_row(
                    hid, a.model, f"{i}{mark}", c.term, str(c.frequency), str(c.size), verdicts, why
                )
    Console(width=max(Console().width, 180)).print(table)


def hints_only(
    spec: Path = typer.Argument(..., help="Kernel file (esso-ir/v1 YAML) with the hole(s)."),
    synth: Path = typer.Argument(..., help="Hole file (synth_version 1.1 JSON)."),
    model: str | None = ModelOption,
    samples: int = SamplesOption,
    temp: float = TempOption,
    validate: str = ValidateOption,
    constrained: bool = ConstrainedOption,
    aggregate: str = AggregateOption,
    max_tokens: int = MaxTokensOption,
    feedback: Path | None = FeedbackOption,
    seed: int = SeedOption,
    output: Path | None = OutputOption,
) -> None:
    """Generate LLM hint terms for the holes of one spec and write an esso-llm-hints/v1 file.

    Example: aso synth hints-only dex/fee_calculator_hole.yaml dex/fee_calculator_hole.synth.json --samples 3
    """
    from aso.cli.options import load_model
    from aso.runs import Run
    from aso.synth.hints import FeedbackLog, HintGenerator, spec_hints, write_hint_file
    from aso.synth.hints.validate import load_reference
    from aso.synth.spec import load_hole_spec

    hole_spec = load_hole_spec(existing_file(spec, "kernel file"), existing_file(synth, "hole file"))
    settings = _settings(samples, temp, validate, constrained, seed, max_tokens, aggregate)
    lm = load_model(model)
    config = {
        "spec": str(spec),
        "synth": str(synth),
        "model": lm.info.name,
        "samples": samples,
        "temp": temp,
        "validate": validate,
        "constrained": constrained,
        "aggregate": aggregate,
        "max_tokens": max_tokens,
    }
    run = Run.create("synth-hints-only", config, seed=seed, model_hash=lm.info.identity, path=output)
    result = spec_hints(hole_spec, HintGenerator(lm, settings), ref=load_reference(spec))
    _print_candidates(result)
    run.write_json("attempts.json", {h: [a.to_json() for a in tries] for h, tries in result.attempts.items()})
    for path in (run.path / "feedback.jsonl", feedback):
        if path is not None:
            result.record_feedback(FeedbackLog(path))
    if result.hinted:
        path = write_hint_file(run.path / "llm_hints.json", result.hint_file())
        print(f"hints for {', '.join(result.hinted)} -> {path}")
    if result.missing:
        print(f"no valid hint for: {', '.join(result.missing)}")
    run.finish(hinted=result.hinted, missing=result.missing)


def batch(
    directory: Path = typer.Argument(..., help="Directory of hole specs (NAME.yaml + NAME.synth.json)."),
    model: str | None = typer.Option(
        None,
        "--small",
        "--model",
        "-m",
        help="(Small) model: smollm2 (default), hf:DIR, gguf:FILE, openai:URL#MODEL.",
    ),
    two_stage: bool = typer.Option(False, "--two-stage", help="Send holes without a valid hint to --large."),
    large: str | None = typer.Option(
        None, "--large", help="Large model for --two-stage, e.g. openai:URL#MODEL."
    ),
    samples: int = SamplesOption,
    temp: float = TempOption,
    validate: str = ValidateOption,
    constrained: bool = ConstrainedOption,
    aggregate: str = AggregateOption,
    max_tokens: int = MaxTokensOption,
    feedback: Path | None = FeedbackOption,
    measure_synth: bool = typer.Option(
        True,
        "--measure-synth/--no-measure-synth",
        help="Time our synthesizer without and with each spec's hints.",
    ),
    synth_timeout: float = typer.Option(30.0, "--synth-timeout", min=1.0, help="Seconds per synthesis run."),
    seed: int = SeedOption,
    output: Path | None = OutputOption,
    resume: Path | None = ResumeOption,
    executor: str = ExecutorOption,
    workers: int = WorkersOption,
    ray_address: str | None = RayAddressOption,
) -> None:
    """Generate hints for every hole spec in a directory (resumable), then `aso synth report RUN`.
    With --workers N the specs are spread over N workers (one spec a work item).

    Example: aso synth batch ../shared/data/esso/dex --samples 3 --two-stage --large openai:http://localhost:8000/v1#qwen

    Example: aso synth batch ../shared/data/esso/dex --workers 2
    """
    from aso.cli.options import load_model
    from aso.errors import ConfigError
    from aso.models import get_model, model_identity, parse_model_name
    from aso.runs import open_run
    from aso.synth.hints import HintGenerator, discover_specs, run_batch
    from aso.synth.hints.synth_timing import synthesis_timer

    if two_stage and not large:
        raise ConfigError("--two-stage needs --large MODEL (e.g. openai:http://host/v1#model)")
    specs = discover_specs(directory)
    settings = _settings(samples, temp, validate, constrained, seed, max_tokens, aggregate)
    small_ref = parse_model_name(model)
    large_ref = parse_model_name(large) if two_stage else None
    config = {
        "directory": str(directory),
        "small": small_ref.name,
        "large": large_ref.name if large_ref else None,
        "samples": samples,
        "temp": temp,
        "validate": validate,
        "constrained": constrained,
        "aggregate": aggregate,
        "max_tokens": max_tokens,
        "measure_synth": measure_synth,
        "synth_timeout": synth_timeout,
    }
    # The run is opened (and a --resume config checked) before any local model is loaded; endpoints are
    # checked before, so an unreachable one leaves no run directory.
    for ref in (small_ref, large_ref):
        if ref is not None and ref.backend == "openai":
            load_model(ref.name)
    pool = make_executor(executor, workers, ray_address)
    run = open_run(
        "synth-batch", config, resume=resume, seed=seed, model_hash=model_identity(small_ref), output=output
    )
    small_lm = get_model(model)
    large_lm = get_model(large) if large_ref else None
    large_settings = (
        settings
        if not constrained or hasattr(large_lm, "hf_model")
        else _settings(samples, temp, validate, False, seed, max_tokens, aggregate)
    )
    with pool:
        summary = run_batch(
            specs,
            run,
            HintGenerator(small_lm, settings),
            HintGenerator(large_lm, large_settings) if large_lm else None,
            synth_timer=synthesis_timer() if measure_synth else None,
            synth_timeout_s=synth_timeout,
            feedback=feedback,
            executor=pool,
        )
    for name, item in sorted(summary.items()):
        if item["status"] == "cannot":
            print(f"{name}: cannot: {item['reason']}")
        elif item["missing"]:
            hinted = ", ".join(item["hinted"]) or "none"
            print(f"{name}: no valid hint for {', '.join(item['missing'])} (hinted: {hinted})")
        else:
            print(f"{name}: hinted {', '.join(item['hinted'])}")
    print(f"run: {run.path}  (aso synth report {run.path})")


def report(run_dir: Path = typer.Argument(..., help="Run directory written by `aso synth batch`.")) -> None:
    """Show a hints batch run: per hole: models, candidates, validity per tier, chosen term, synthesis time.

    Example: aso synth report runs/synth-batch-20260101-120000-abc123
    """
    from rich.console import Console
    from rich.table import Table

    from aso.synth.hints.report import HEADERS, render_report

    rows, cannot = render_report(run_dir)
    table = Table(*HEADERS, title=f"hints: {run_dir}")
    for r in rows:
        table.add_row(*r.cells())
    console = Console(width=max(Console().width, 180))
    console.print(table)
    for name, reason in sorted(cannot.items()):
        console.print(f"{name}: cannot: {reason}")
    console.print(f"wrote {Path(run_dir) / 'report.md'} and {Path(run_dir) / 'report.png'}")


def register_hint_commands(synth_app: typer.Typer) -> None:
    """Add `hints-only`, `batch` and `report` to the `aso synth` sub-Typer."""
    synth_app.command("hints-only")(hints_only)
    synth_app.command("batch")(batch)
    synth_app.command("report")(report)
