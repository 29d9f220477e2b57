"""`aso demo`: the main job, small, on the embedded model — each step is a real `aso` command, shown first."""

from __future__ import annotations

import shlex
import time
from pathlib import Path

import typer

from aso.cli.options import ModelOption


def _steps(out: Path, model: str, tasks: int, heldout: int, gain: int = 3) -> list[tuple[str, list[str]]]:
    from aso.data import dex_specs_dir
    from aso.solve.demo_repo import write_demo_repo
    from aso.solve.reward import PLAIN_PYTEST

    dex = dex_specs_dir()
    spec = [str(dex / "swap_fee_calculator_hole.yaml"), str(dex / "swap_fee_calculator_hole.synth.json")]
    m = ["--model", model]
    priors = str(out / "priors.json")
    budget = ["--max-tokens", "192"]
    repo, issue = write_demo_repo(out / "calc-repo")
    return [
        ("What the default model name resolves to", ["models", model]),
        (
            "Sample from the embedded model",
            [
                "generate",
                "Write a Python function add(a, b).",
                "-n",
                "2",
                "--seed",
                "0",
                "--max-tokens",
                "64",
                *m,
                "--output",
                str(out / "generate"),
            ],
        ),
        (
            "Synthesise a DEX hole, verified by Z3 and checked against its reference kernel",
            [
                "synth",
                "run",
                *spec,
                "--ref",
                str(dex / "swap_fee_calculator_ref.yaml"),
                "--timeout",
                "60",
                "--output",
                str(out / "synth"),
            ],
        ),
        (
            "Ask the model for hint terms (grammar-constrained decoding); Z3 verifies or refutes each",
            [
                "synth",
                "hints-only",
                *spec,
                "--samples",
                "3",
                "--constrained",
                "--validate",
                "full",
                *m,
                "--output",
                str(out / "hints"),
            ],
        ),
        (
            f"TF-GRPO on {tasks} HumanEval training tasks (group of 4): lessons become priors",
            [
                "optimize",
                "humaneval",
                "--limit",
                str(tasks),
                "--group-size",
                "4",
                "--epochs",
                "1",
                "--experts",
                "2",
                "--calibration",
                "2",
                *budget,
                *m,
                "--out",
                priors,
                "--output",
                str(out / "optimize"),
            ],
        ),
        (
            f"Baseline on {heldout} held-out HumanEval problems (never seen by the optimiser)",
            [
                "eval",
                "humaneval",
                "--split",
                "heldout",
                "--limit",
                str(heldout),
                *budget,
                *m,
                "--output",
                str(out / "eval-baseline"),
            ],
        ),
        (
            "The same problems with the learned priors in the prompt",
            [
                "eval",
                "humaneval",
                "--split",
                "heldout",
                "--limit",
                str(heldout),
                "--priors",
                priors,
                *budget,
                *m,
                "--output",
                str(out / "eval-priors"),
            ],
        ),
        (
            f"Selection and experience on {gain} held-out problems: greedy vs G=4 samples chosen by the "
            "docstring examples, output agreement and logprob, with and without a verified solution",
            [
                "eval",
                "gain",
                "--split",
                "heldout",
                "--limit",
                str(gain),
                "--group-size",
                "4",
                "--max-tokens",
                "128",
                *m,
                "--output",
                str(out / "eval-gain"),
            ],
        ),
        (
            "Fix an issue in a git repository: candidate patches, tests in the sandbox, lessons",
            [
                "solve",
                str(issue),
                "--repo",
                str(repo),
                "--test-cmd",
                PLAIN_PYTEST,
                "--group-size",
                "4",
                "--max-iterations",
                "2",
                *budget,
                *m,
                "--output",
                str(out / "solve"),
            ],
        ),
    ]


def register(app: typer.Typer) -> None:
    """Add `aso demo`."""

    @app.command("demo")
    def demo(
        model: str = typer.Option("smollm2", "--model", "-m", help=ModelOption.help),
        tasks: int = typer.Option(4, "--tasks", min=1, help="HumanEval training tasks for TF-GRPO."),
        heldout: int = typer.Option(8, "--heldout", min=1, help="Held-out HumanEval problems to evaluate."),
        gain: int = typer.Option(
            3, "--gain", min=1, help="Held-out problems for the selection + experience comparison."
        ),
        output: Path | None = typer.Option(None, "--output", "-o", help="Directory for the demo's runs."),
    ) -> None:
        """Run the main job end to end on a small scale (about 5-10 minutes on 2 CPU cores).

        Example: aso demo --tasks 4 --heldout 8
        """
        out = output or Path("runs") / f"demo-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}"
        steps = _steps(out, model, tasks, heldout, gain)
        for i, (title, argv) in enumerate(steps, 1):
            typer.secho(f"\n[{i}/{len(steps)}] {title}\n$ aso {shlex.join(argv)}", fg="cyan", bold=True)
            started = time.perf_counter()
            code = app(args=argv, standalone_mode=False)
            if isinstance(code, int) and code != 0:
                raise typer.Exit(code)
            typer.secho(f"({time.perf_counter() - started:.0f} s)", dim=True)
        typer.secho(f"\nDemo finished; every step's run directory is under {out}/", fg="green", bold=True)
