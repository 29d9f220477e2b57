"""Options shared by several commands, declared once."""

from __future__ import annotations

from pathlib import Path

import typer

ModelOption = typer.Option(
    None,
    "--model",
    "-m",
    help="Model name: smollm2 (default, embedded), hf:DIR, gguf:FILE, openai:URL#MODEL.",
)
SeedOption = typer.Option(0, "--seed", help="Random seed (recorded in the run directory).")
OutputOption = typer.Option(
    None, "--output", "-o", help="Run directory to create (default: runs/COMMAND-TIME-ID)."
)
ResumeOption = typer.Option(
    None, "--resume", help="Continue an interrupted run directory; finished items are kept."
)


def existing_file(path: Path, what: str) -> Path:
    """Return `path` if it is a file, else raise a one-line ConfigError naming it."""
    from aso.config_files import require_file

    return require_file(path, what)


def load_model(name: str | None):  # noqa: ANN201 - an aso.models.Model
    """`aso.models.get_model(name)`, plus a reachability check for an endpoint (`check()`), so that a
    command fails with one line before it writes a run directory."""
    from aso.models import get_model

    model = get_model(name)
    check = getattr(model, "check", None)
    if callable(check):
        check()
    return model


ExecutorOption = typer.Option(
    "local", "--executor", help="Where items run: local (processes here) or ray (a Ray instance or cluster)."
)
WorkersOption = typer.Option(
    1, "--workers", min=1, help="Worker processes (local) or Ray actors; 1 = this process (local)."
)
RayAddressOption = typer.Option(
    None,
    "--ray-address",
    help="Ray cluster to join: auto or HOST:PORT (default with --executor ray: a private local instance).",
)


def make_executor(executor: str, workers: int, ray_address: str | None):  # noqa: ANN201 - an Executor
    """The `aso.executors.Executor` the shared --executor/--workers/--ray-address options name, started
    (a Ray address that does not answer fails here, before the command writes a run directory)."""
    from aso.executors import get_executor

    pool = get_executor(executor, workers, ray_address=ray_address)
    pool.start()
    return pool
