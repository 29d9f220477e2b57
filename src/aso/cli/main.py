"""Entry point of the `aso` command: registers each command module and turns user errors into one line."""

from __future__ import annotations

import importlib
import os
import sys

import typer
import typer.main

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


_registered = False
_command = None  # the click command built from `app`, once per process (building it costs ~40 ms)


def _register() -> None:
    """Add every command module's commands to `app` (once per process: `main` may be called many times)."""
    global _registered
    if _registered:
        return
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
    _registered = True


def _cli():  # noqa: ANN202 - typer's click Command
    global _command
    if _command is None:
        _register()
        _command = typer.main.get_command(app)
    return _command


def _click_exceptions() -> tuple[tuple[type, ...], tuple[type, ...], tuple[type, ...]]:
    """(usage errors, other click errors, aborts) of the click typer runs on: its vendored `typer._click`
    (typer >= 0.20) and, for older typer, `click` itself."""
    usage, other, abort = [], [], [typer.Abort]
    for module_name in ("typer._click.exceptions", "click.exceptions"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        usage.append(module.UsageError)
        other.append(module.ClickException)
        abort.append(getattr(module, "Abort", typer.Abort))
    return tuple(usage), tuple(other), tuple(abort)


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def _fail(message: str, code: int) -> int:
    print(f"aso: error: {_one_line(message)}", file=sys.stderr)
    return code


def _usage_message(exc: Exception) -> str:
    """`CMD: <click's message> (see `aso CMD --help`)`: one line naming the command and the option."""
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "aso"
    where = command.partition(" ")[2]
    return f"{where + ': ' if where else ''}{exc.format_message()} (see `{command} --help`)"


def main(argv: list[str] | None = None) -> int:
    """Run the CLI. The one error path: usage and parameter errors print `aso: error: <message>` and exit
    2; an `AsoError` (bad input data, failed work) prints its message and exits with its code (2 for bad
    input, 1 for failed work); no traceback for either. Anything else is a bug and keeps its traceback."""
    usage_errors, click_errors, aborts = _click_exceptions()
    try:
        code = _cli().main(args=argv, prog_name="aso", standalone_mode=False)
    except AsoError as exc:
        return _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        print(
            "aso: interrupted; finished items are kept in the run directory (use --resume)", file=sys.stderr
        )
        return 130
    except SystemExit as exc:  # typer/click exits (e.g. --help) pass through
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else _fail(exc.code, 1))
    except usage_errors as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # a group given no subcommand: its help
            print(exc.format_message(), file=sys.stderr)
            return 2
        return _fail(_usage_message(exc), 2)
    except click_errors as exc:  # e.g. a file click could not open
        return _fail(exc.format_message(), int(getattr(exc, "exit_code", 1)) or 1)
    except aborts:
        return 130
    except OSError as exc:  # a path that cannot be read or written, a full disk: failed work, one line
        if os.environ.get("ASO_DEBUG"):
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc} (set ASO_DEBUG=1 for the traceback)", 1)
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
