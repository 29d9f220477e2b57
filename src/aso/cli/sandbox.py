"""`aso sandbox`: run a command in the sandbox, and show which isolation this machine gives."""

from __future__ import annotations

from pathlib import Path

import typer

sandbox_app = typer.Typer(help="Run untrusted commands with limits and isolation.", no_args_is_help=True)


@sandbox_app.command("run", context_settings={"allow_interspersed_args": False})
def run(
    cmd: list[str] = typer.Argument(..., help="The command and its arguments (put them after `--`)."),
    source_dir: Path = typer.Option(None, "--source-dir", help="Directory copied into the work dir."),
    timeout: float = typer.Option(10.0, help="Wall-clock limit in seconds."),
    cpu: int = typer.Option(10, help="CPU-time limit in seconds."),
    memory_mb: int = typer.Option(1024, help="Address-space limit per process in MiB."),
    max_processes: int = typer.Option(64, help="Process/thread limit."),
    network: bool = typer.Option(False, help="Allow network access."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON instead of the streams."),
) -> None:
    """Run CMD in a fresh copy of --source-dir, isolated and limited; exits with its exit code.

    Example: aso sandbox run --timeout 5 -- python -c "print(1 + 1)"
    """
    import dataclasses
    import json
    import sys

    from aso.sandbox import Sandbox, SandboxLimits, SandboxPolicy

    limits = SandboxLimits(timeout_s=timeout, cpu_s=cpu, memory_mb=memory_mb, max_processes=max_processes)
    res = Sandbox(limits, SandboxPolicy(network=network)).run(cmd, source_dir=source_dir)
    if as_json:
        data = dataclasses.asdict(res)
        data["outcome"] = res.outcome.value
        print(json.dumps(data, indent=2))
    else:
        sys.stdout.write(res.stdout)
        sys.stderr.write(res.stderr)
        iso = res.isolation
        print(
            f"aso sandbox: {res.outcome.value} exit={res.exit_code} {res.duration_s:.2f}s "
            f"(isolation {iso.mode}: net-isolated={iso.network_isolated} fs-isolated={iso.fs_isolated} "
            f"pid-isolated={iso.pid_isolated})",
            file=sys.stderr,
        )
        if iso.warning():
            print(f"aso sandbox: WARNING: {iso.warning()}", file=sys.stderr)
    raise typer.Exit(124 if res.timed_out else res.exit_code & 0xFF)


@sandbox_app.command("check")
def check() -> None:
    """Show which isolation the sandbox achieves on this machine, and why not where it does not.

    Example: aso sandbox check
    """
    from rich.console import Console
    from rich.table import Table

    from aso.sandbox import Sandbox

    res = Sandbox().run_python("print('ok')")
    iso = res.isolation
    table = Table("mechanism", "held")
    table.add_row("mode", iso.mode)
    table.add_row("network namespace (no network)", str(iso.network_isolated))
    table.add_row("read-only filesystem, private /tmp", str(iso.fs_isolated))
    table.add_row("pid namespace (whole tree killed)", str(iso.pid_isolated))
    table.add_row("per-run unprivileged uid", str(iso.uid_dropped))
    table.add_row("test run", f"{res.outcome.value} in {res.total_s * 1000:.0f} ms")
    for note in iso.notes:
        table.add_row("note", note)
    if iso.warning():
        table.add_row("[bold red]WARNING[/]", f"[bold red]{iso.warning()}[/]")
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add `aso sandbox run` and `aso sandbox check`."""
    app.add_typer(sandbox_app, name="sandbox")
