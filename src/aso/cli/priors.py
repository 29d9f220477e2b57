"""`aso priors aggregate`: pool several nodes' priors files, robust to Byzantine nodes."""

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

priors_app = typer.Typer(help="Priors across nodes: Byzantine-robust aggregation.", no_args_is_help=True)


@priors_app.command("aggregate")
def aggregate_cmd(
    nodes: list[Path] = typer.Argument(..., help="One priors file (aso optimize output) per node."),
    validate: str = typer.Option(..., "--validate", help="Shared validation split: heldout | train | all."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="First N problems of the split only."),
    model: str | None = ModelOption,
    seed: int = SeedOption,
    max_tokens: int = typer.Option(256, "--max-tokens", min=1, help="Tokens per validation answer."),
    max_per_node: int = typer.Option(32, "--max-per-node", min=1, help="Distinct experiences per node."),
    similarity: float = typer.Option(0.8, "--similarity", min=0.0, max=1.0, help="Near-duplicate Jaccard."),
    min_usefulness: float = typer.Option(0.0, "--min-usefulness", help="Keep when pooled usefulness > this."),
    alpha: float = typer.Option(
        0.05, "--alpha", min=0.0, help="Sign-test level per node, split over its experiences (>= 1: off)."
    ),
    registry: Path = typer.Option(
        Path(".aso/registry"), "--registry", envvar="ASO_REGISTRY", help="Registry to store the pool in."
    ),
    name: str = typer.Option("pooled-priors", "--name", help="Registry name of the pooled library."),
    no_registry: bool = typer.Option(False, "--no-registry", help="Do not store the pool in a registry."),
    executor: str = ExecutorOption,
    workers: int = WorkersOption,
    ray_address: str | None = RayAddressOption,
    output: Path | None = OutputOption,
    resume: Path | None = ResumeOption,
) -> None:
    """Score every node's experiences on a shared validation split (pass rate with vs without, paired
    by problem), weight each node by eta = q/(1-q) of its library's reliability, keep an experience
    when the weighted median of the nodes' measured usefulness is > 0 and its sign test is significant
    (--alpha, split over the node's experiences); write the pooled priors (with
    provenance: node, file digest) and store them in the registry. Evaluations run on the executor's
    workers and are recorded as they finish (--resume skips them).

    Example: aso priors aggregate node-a.json node-b.json node-c.json --validate heldout --limit 20
    """
    from aso.config_files import require_file
    from aso.models import model_identity, parse_model_name
    from aso.priors import AggregationConfig, HumanEvalScorer, aggregate, load_node
    from aso.priors.store import store_pooled
    from aso.runs import open_run

    loaded = [load_node(require_file(p, "priors file")) for p in nodes]
    config = AggregationConfig(max_per_node, similarity, min_usefulness, alpha)
    run_config = {
        "nodes": [{"name": n.name, "digest": n.digest} for n in loaded],
        "validate": validate,
        "limit": limit,
        "model": model or "smollm2",
        "seed": seed,
        "max_tokens": max_tokens,
        "max_per_node": max_per_node,
        "similarity": similarity,
        "min_usefulness": min_usefulness,
        "alpha": alpha,
    }
    identity = model_identity(parse_model_name(model))
    with make_executor(executor, workers, ray_address) as pool:
        scorer = HumanEvalScorer(
            model, validate, limit=limit, max_tokens=max_tokens, seed=seed, executor=pool
        )
        run = open_run(
            "priors aggregate", run_config, resume=resume, seed=seed, model_hash=identity, output=output
        )
        scorer.run, scorer.progress = run, True
        result = aggregate(loaded, scorer, config)
    report = result.report()
    run.write_json("report.json", report)
    pooled = run.path / "pooled_priors.json"
    digest = result.priors.save(pooled)
    for n in result.nodes:
        lib = n.library.to_json() if n.library else {}
        typer.echo(
            f"node {n.name}: {n.considered}/{n.submitted} considered, library usefulness "
            f"{lib.get('usefulness', 0):+.3f}, q {lib.get('q', 0):.3f}, eta {n.eta:.3f}"
        )
    typer.echo(f"kept {report['kept']} of {len(result.clusters)} candidate experiences ({report['rule']})")
    typer.echo(f"pooled priors: {pooled} ({digest})")
    if not no_registry:
        record = store_pooled(result, pooled, registry, name)
        typer.echo(f"stored in {registry}: {record.digest[:16]} {record.name}")
        report["registry"] = {"path": str(registry), "digest": record.digest, "name": record.name}
        run.write_json("report.json", report)
    run.finish(kept=report["kept"], candidates=len(result.clusters))


def register(app: typer.Typer) -> None:
    """Add `aso priors`."""
    app.add_typer(priors_app, name="priors")
