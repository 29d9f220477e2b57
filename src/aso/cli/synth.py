"""`aso synth run | sygus`: the synthesis engine. Other modules add commands to `synth_app`."""

from __future__ import annotations

from pathlib import Path

import typer

from aso.cli.options import OutputOption, SeedOption, existing_file

synth_app = typer.Typer(
    help="Synthesize ESSO hole specs and SyGuS LIA problems (enumeration + Z3 CEGIS).\n\n"
         "Example: aso synth run K_hole.yaml K_hole.synth.json --ref K_ref.yaml",
    no_args_is_help=True,
)


def _hints_from_file(path: Path, spec) -> dict[str, list[str]]:  # noqa: ANN001
    import sys

    from aso.synth.hashing import model_hash, synth_hash
    from aso.synth.hints.hintfile import load_hint_file

    doc = load_hint_file(existing_file(path, "hint file"))
    if doc.synth_hash != synth_hash(spec) or doc.model_hash != model_hash(spec.kernel):
        print(f"aso: warning: {path} was written for a different kernel or hole file (hash mismatch); "
              "its hints are still checked", file=sys.stderr)
    unknown = set(doc.holes) - {h.hole_id for h in spec.holes}
    if unknown:
        print(f"aso: warning: {path}: hints for unknown holes ignored: {sorted(unknown)}", file=sys.stderr)
    ranked = sorted(doc.holes.items(), key=lambda kv: kv[1].rank)
    return {hid: [h.term] for hid, h in ranked}


def _print_result(result) -> None:  # noqa: ANN001
    from rich.console import Console
    from rich.table import Table

    table = Table("hole", "status", "cost", "rounds", "programs", "seconds", "ref")
    for h in result.holes:
        ref = "-" if h.reference is None else ("equivalent" if h.reference.get("equivalent") else "no")
        table.add_row(h.hole_id, h.status.value, str(h.cost if h.cost is not None else "-"),
                      str(h.cegis_rounds), str(h.programs_enumerated), f"{h.seconds:.2f}", ref)
    console = Console()
    console.print(table)
    for h in result.holes:
        console.print(f"{h.hole_id} = {h.solution or '-'}", highlight=False, soft_wrap=True, markup=False)
        if h.trivial_solutions:
            console.print(f"  the constraints admit trivial fillings: {', '.join(h.trivial_solutions)}",
                          highlight=False, soft_wrap=True, markup=False)
        if h.reason:
            console.print(f"  {h.reason}", highlight=False, soft_wrap=True, markup=False)
        for hint in h.hints:
            console.print(f"  hint {hint.term}: {hint.status.value} {hint.detail}", highlight=False,
                          markup=False, soft_wrap=True)


@synth_app.command("run")
def run(
    spec_yaml: Path = typer.Argument(..., help="Kernel with holes (esso-ir/v1 YAML)."),
    spec_json: Path = typer.Argument(..., help="Hole file (synth_version 1.1 JSON)."),
    hints: Path | None = typer.Option(None, "--hints", help="esso-llm-hints/v1 file: terms checked first."),
    hint_only: bool = typer.Option(False, "--hint-only", help="Only verify the hints; do not enumerate."),
    timeout: float = typer.Option(60.0, "--timeout", min=0.5, help="Seconds for the whole spec."),
    ref: Path | None = typer.Option(None, "--ref", help="Reference kernel: require equivalence with it."),
    auto_ref: bool = typer.Option(False, "--auto-ref", help="Use <prefix>_ref.yaml beside the spec, if any."),
    seed: int = SeedOption,
    output: Path | None = OutputOption,
) -> None:
    """Fill the holes of a kernel; writes result.json and the filled kernel YAML to a run directory.

    Example: aso synth run K_hole.yaml K_hole.synth.json --ref K_ref.yaml --timeout 30
    """
    from aso.runs import Run
    from aso.synth import load_hole_spec, load_kernel
    from aso.synth.synthesizer import synthesize

    spec = load_hole_spec(spec_yaml, spec_json)
    if ref is None and auto_ref:
        from aso.synth import find_ref_kernel

        ref = find_ref_kernel(spec_yaml)
    ref_kernel = load_kernel(existing_file(ref, "reference kernel")) if ref else None
    hint_terms = _hints_from_file(hints, spec) if hints else {}
    config = {"spec": str(spec_yaml), "synth": str(spec_json), "hints": str(hints) if hints else None,
              "hint_only": hint_only, "timeout": timeout, "ref": str(ref) if ref else None}
    run_dir = Run.create("synth run", config, seed=seed, path=output)
    from rich.console import Console

    with Console(stderr=True).status(f"synthesizing {len(spec.holes)} hole(s) of {spec.kernel.model_id}"):
        result = synthesize(spec, hints=hint_terms, hint_only=hint_only, timeout=timeout, ref=ref_kernel,
                            seed=seed)
    run_dir.write_json("result.json", result.to_json())
    run_dir.write_text(f"{spec.kernel.model_id}_filled.yaml", result.filled_kernel_yaml())
    run_dir.finish(solved=result.solved, holes={h.hole_id: h.status.value for h in result.holes})
    _print_result(result)
    print(f"run directory: {run_dir.path}")
    if not result.solved:
        raise typer.Exit(1)


@synth_app.command("sygus")
def sygus(
    path: Path = typer.Argument(..., help="SyGuS-IF file (LIA; any number of synth-fun / synth-inv)."),
    timeout: float = typer.Option(60.0, "--timeout", min=0.5, help="Hard wall-clock limit in seconds."),
    memory_mb: int = typer.Option(4096, "--memory-mb", min=256, help="Address-space limit of the solver."),
    hint: list[str] = typer.Option([], "--hint", help="FUN=TERM: a hint term for FUN (verified first, then "
                                   "seeds the search and its production probabilities); repeatable."),
    seed: int = SeedOption,
) -> None:
    """Solve a SyGuS problem under a hard time limit; prints the define-funs and the statistics.

    The search runs in a child process that is killed at the limit; a problem not solved in time
    prints one line `; timeout after N s (rounds=... programs=... points=...)` and exits 1.

    Example: aso synth sygus benchmarks/sygus/max2.sl --timeout 30 --hint "max2=(ite (<= x y) y x)"
    """
    import time

    from aso.synth.sygus_spec import load_sygus_spec
    from aso.synth.watchdog import run_limited

    spec = load_sygus_spec(existing_file(path, "SyGuS file"))
    hints = _sygus_hints(hint, spec)
    start = time.perf_counter()

    def work(publish):  # noqa: ANN001, ANN202 - runs in the child process
        from aso.synth.sygus_solver import SolveStats, solve

        stats = SolveStats(sink=lambda s: publish(s.to_json()))
        res = solve(spec, max(0.1, timeout - (time.perf_counter() - start) - 0.3), seed=seed, hints=hints,
                    stats=stats)
        return res.status, res.define_funs(spec), {**res.stats.to_json(), **({"at": res.witness} if
                                                                                res.witness else {})}

    status, value, stats, secs = run_limited(work, timeout - (time.perf_counter() - start), memory_mb)
    if status == "ok":
        status, funs, stats = value
    else:
        funs = []
    figures = " ".join(f"{k}={v}" for k, v in stats.items())
    if status == "solved":
        print("\n".join(funs))
        print(f"; solved in {secs:.2f} s ({figures})")
        return
    detail = f": {value}" if status == "crashed" else ""
    print(f"; {status} after {secs:.2f} s ({figures}){detail}")
    raise typer.Exit(1)


def _sygus_hints(items: list[str], spec):  # noqa: ANN001, ANN202 - dict[str, tuple[Term, ...]]
    from aso.errors import ConfigError
    from aso.synth.terms import parse_sexpr

    out: dict = {}
    names = {f.name for f in spec.funs}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or name not in names:
            raise ConfigError(f"--hint {item!r}: expected FUN=TERM with FUN one of {sorted(names)}")
        out.setdefault(name, ())
        out[name] += (parse_sexpr(text),)
    return out


def register(app: typer.Typer) -> None:
    """Add the `aso synth` sub-command group (and the hint commands when that module is present)."""
    try:
        from aso.cli.synth_hints import register_hint_commands
    except ImportError:
        register_hint_commands = None
    if register_hint_commands is not None and not getattr(synth_app, "_hint_commands_added", False):
        register_hint_commands(synth_app)
        synth_app._hint_commands_added = True  # type: ignore[attr-defined]
    app.add_typer(synth_app, name="synth")
