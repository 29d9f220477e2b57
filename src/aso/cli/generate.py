"""`aso generate`: prompt -> n completions from any backend."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from aso.cli.options import ModelOption, OutputOption, SeedOption


def generate(
    prompt: str = typer.Argument(..., help="The prompt text."),
    n: int = typer.Option(1, "-n", min=1, max=64, help="Completions to sample."),
    model: str | None = ModelOption,
    temperature: float = typer.Option(0.7, "--temperature", "-t", min=0.0, help="0 = greedy."),
    top_p: float = typer.Option(1.0, "--top-p", min=0.0, max=1.0),
    max_tokens: int = typer.Option(256, "--max-tokens", min=1),
    stop: list[str] = typer.Option([], "--stop", help="Stop string (repeatable)."),
    raw: bool = typer.Option(False, "--raw", help="Send the prompt as plain text, not as a chat message."),
    seed: int = SeedOption,
    as_json: bool = typer.Option(False, "--json", help="Print completions as JSON lines."),
    output: Path | None = OutputOption,
) -> None:
    """Sample N completions of a prompt.

    Example: aso generate "Write a Python function add(a, b)." -n 4 --seed 0
    """
    from aso.cli.options import load_model
    from aso.models import SamplingParams
    from aso.runs import Run

    lm = load_model(model)
    params = SamplingParams(
        n=n, temperature=temperature, top_p=top_p, max_tokens=max_tokens, stop=tuple(stop), seed=seed
    )
    messages: str | list = prompt if raw else [{"role": "user", "content": prompt}]
    config = {"prompt": prompt, "raw": raw, "model": lm.info.name, **params.__dict__}
    run = Run.create("generate", config, seed=seed, model_hash=lm.info.identity, path=output)
    completions = lm.sample([messages], params)[0]
    run.write_json("completions.json", [c.__dict__ for c in completions])
    run.finish(n=len(completions))
    for i, c in enumerate(completions):
        if as_json:
            print(json.dumps({"index": i, "text": c.text, "finish_reason": c.finish_reason}))
        else:
            print(f"--- completion {i + 1}/{n} ({c.finish_reason}) ---\n{c.text}")


def register(app: typer.Typer) -> None:
    """Add `aso generate`."""
    app.command("generate")(generate)
