"""`aso models`: what model names resolve to, and whether the embedded model is installed."""

from __future__ import annotations

import typer


def models(
    names: list[str] = typer.Argument(None, help="Model names to resolve (default: the embedded one)."),
) -> None:
    """Show what model names resolve to (backend, location, identity hash) without loading weights.

    Example: aso models smollm2 openai:http://127.0.0.1:8000/v1#smollm2
    """
    from rich.console import Console
    from rich.table import Table

    from aso.errors import AsoError
    from aso.models import model_identity, parse_model_name

    table = Table("name", "backend", "location", "identity", "status")
    failed: list[str] = []
    for name in names or ["smollm2"]:
        try:
            ref = parse_model_name(name)
            where = (
                f"{ref.location}/{ref.model_id}"
                if ref.backend == "transformers" and ref.model_id
                else ref.location
            )
            table.add_row(name, ref.backend, where, model_identity(ref)[:23] + "…", "ok")
        except AsoError as exc:
            failed.append(name)
            table.add_row(name, "-", "-", "-", f"[red]{exc}[/red]")
    Console().print(table)
    if failed:
        raise AsoError(f"{len(failed)} model name(s) do not resolve: {', '.join(map(repr, failed))}")


def register(app: typer.Typer) -> None:
    """Add `aso models`."""
    app.command("models")(models)
