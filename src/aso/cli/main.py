"""Entry point of the `aso` command: registers each command module and turns user errors into one line."""

from __future__ import annotations

import importlib
import sys

import typer

from aso.errors import AsoError

app = typer.Typer(
    name="aso",
    help=(
        "Verified code generation that improves without training.\n\n"
        "Example: aso generate 'Write add(a, b).' -n 4"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)

# Command modules. Each exposes `register(app)`; keep one line per module.
COMMAND_MODULES = [
    "aso.cli.generate",
    "aso.cli.serve",
    "aso.cli.models",
    "aso.cli.sandbox",
    "aso.cli.bitdelta",
    "aso.cli.registry",
    "aso.cli.synth",
    "aso.cli.dataset",
    "aso.cli.optimize",
    "aso.cli.eval",
    "aso.cli.demo",
    "aso.cli.solve",
    "aso.cli.swe",
    "aso.cli.priors",
]


def _register() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; an `AsoError` prints `aso: error: <message>` and exits with its code."""
    _register()
    try:
        code = app(args=argv, standalone_mode=False)
    except AsoError as exc:
        print(f"aso: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(
            "aso: interrupted; finished items are kept in the run directory (use --resume)", file=sys.stderr
        )
        return 130
    except SystemExit as exc:  # typer/click exits (e.g. --help) pass through
        return int(exc.code or 0)
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            return exc.exit_code
        if isinstance(exc, click.exceptions.Abort):
            return 130
        raise
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
