"""`aso serve`: an OpenAI-compatible server over a local model."""

from __future__ import annotations

import typer

from aso.cli.options import ModelOption


def serve(
    model: str | None = ModelOption,
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    served_name: str | None = typer.Option(
        None, "--served-name", help="Model id clients use (default: the name)."
    ),
) -> None:
    """Serve a local model over an OpenAI-compatible API (/v1/chat/completions, /v1/completions, /v1/models).

    Example: aso serve --port 8000   then   aso generate "hi" --model openai:http://127.0.0.1:8000/v1#smollm2
    """
    from aso.models import get_model
    from aso.serve import serve as run_server

    lm = get_model(model)
    name = served_name or lm.info.name
    typer.echo(f"serving {name} ({lm.info.identity[:19]}) on http://{host}:{port}/v1", err=True)
    run_server(lm, host=host, port=port, served_name=name)


def register(app: typer.Typer) -> None:
    """Add `aso serve`."""
    app.command("serve")(serve)
