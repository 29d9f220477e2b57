"""`aso registry` put, get, list, proof, verify, sync, repair: the content-addressed store of priors."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from aso.config_files import read_json
from aso.registry import ItemKind, ItemProof, Registry, check_proof, verify
from aso.runs import atomic_write_text

registry_app = typer.Typer(help="Content-addressed store of priors with Merkle proofs.", no_args_is_help=True)

RegistryOpt = typer.Option(
    Path(".aso/registry"), "--registry", envvar="ASO_REGISTRY", help="Registry directory."
)


@registry_app.command("put")
def put_cmd(
    file: Path = typer.Argument(..., help="File to store."),
    kind: ItemKind = typer.Option(ItemKind.OTHER, help="Kind of prior."),
    name: str | None = typer.Option(None, help="Label (default: the file name)."),
    registry: Path = RegistryOpt,
) -> None:
    """Store a file; prints its digest.

    Example: aso registry put runs/priors.json --kind experience-library --name humaneval-v1
    """
    with Registry(registry) as reg:
        record = reg.put_file(file, kind=kind, name=name)
        typer.echo(f"{record.digest}  {record.kind.value}  {record.name}  {record.size} bytes")
        typer.echo(f"root {reg.root_hash()}")


@registry_app.command("get")
def get_cmd(
    ref: str = typer.Argument(..., help="Digest, digest prefix (>= 6 hex) or name."),
    out: Path = typer.Option(..., help="Where to write the item's content."),
    registry: Path = RegistryOpt,
) -> None:
    """Write an item's content to a file, after checking it against its hash.

    Example: aso registry get humaneval-v1 --out /tmp/priors.json
    """
    with Registry(registry, create=False) as reg:
        data = reg.get(ref)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    typer.echo(f"wrote {out} ({len(data)} bytes)")


@registry_app.command("list")
def list_cmd(registry: Path = RegistryOpt) -> None:
    """List items (digest, kind, name, size) and the current root.

    Example: aso registry list --registry .aso/registry
    """
    with Registry(registry, create=False) as reg:
        for item in reg.items():
            typer.echo(f"{item.digest[:16]}  {item.kind.value:<18}  {item.size:>12}  {item.name}")
        typer.echo(f"root {reg.root_hash()}  ({len(reg.items())} items)")


@registry_app.command("proof")
def proof_cmd(
    ref: str = typer.Argument(..., help="Digest, digest prefix or name."),
    out: Path | None = typer.Option(None, help="Also write the proof JSON here."),
    check_file: Path | None = typer.Option(None, help="Check this copy of the item against a proof instead."),
    proof_file: Path | None = typer.Option(None, help="Proof JSON to check --check-file against."),
    registry: Path = RegistryOpt,
) -> None:
    """Print an item's Merkle inclusion proof and check it against the stored bytes.

    Example: aso registry proof humaneval-v1 --out /tmp/proof.json
    """
    with Registry(registry, create=False) as reg:
        if proof_file is not None:
            item_proof = ItemProof.from_json(read_json(proof_file, "proof file"))
        else:
            item_proof = reg.proof(ref)
        path = check_file or reg.object_path(item_proof.item.digest)
        valid = path.is_file() and check_proof(item_proof, path.read_bytes())
    text = json.dumps(item_proof.to_json(), indent=2)
    typer.echo(text)
    if out is not None:
        atomic_write_text(out, text + "\n")
    typer.echo(f"proof {'valid' if valid else 'INVALID'} for {path}")
    if not valid:
        raise typer.Exit(1)


@registry_app.command("verify")
def verify_cmd(
    root: str | None = typer.Option(None, help="A root you trust (e.g. published earlier) to compare with."),
    registry: Path = RegistryOpt,
) -> None:
    """Recompute every item's hash and the Merkle root; name each altered or lost item. Exit 1 on damage.

    Example: aso registry verify --registry .aso/registry
    """
    with Registry(registry, create=False) as reg:
        report = verify(reg, trusted_root=root)
    for f in report.findings:
        typer.echo(f"{f.problem.value.upper():<14} {f.digest[:16] or '-':<16}  {f.name or '-'}  {f.detail}")
    notes = []
    if report.orphan_objects:
        notes.append(f"{len(report.orphan_objects)} object(s) without index row (interrupted puts)")
    if report.temp_files:
        notes.append(f"{len(report.temp_files)} partial temp file(s) (interrupted puts)")
    for note in notes:
        typer.echo(f"note: {note}")
    status = "OK" if report.ok else f"DAMAGED ({len(report.findings)} problem(s))"
    typer.echo(f"{status}: {report.items_checked} items checked, root {report.computed_root}")
    if not report.ok:
        raise typer.Exit(1)


@registry_app.command("sync")
def sync_cmd(
    src: Path = typer.Argument(..., help="Source registry directory."),
    dst: Path = typer.Argument(..., help="Target registry directory (created if absent)."),
) -> None:
    """Copy into DST the items SRC has and DST lacks (roots, then digests compared); each item's proof is
    checked before and after the copy, a damaged one refused (exit 1). Safe to interrupt and run again.

    Example: aso registry sync /mnt/node-a/.aso/registry .aso/registry
    """
    from aso.registry.sync import sync

    with Registry(src, create=False) as source, Registry(dst) as target:
        report = sync(source, target)
    for refusal in report.refused:
        typer.echo(refusal.line(), err=True)
    typer.echo(
        f"copied {len(report.copied)}, already present {report.already_present}, "
        f"refused {len(report.refused)}; source root {report.source_root[:16]}, "
        f"target root {report.target_root_after[:16]}"
    )
    if not report.ok:
        raise typer.Exit(1)


@registry_app.command("repair")
def repair_cmd(registry: Path = RegistryOpt) -> None:
    """Rebuild a damaged or emptied index from the objects (each hash re-checked; altered objects are
    quarantined, not indexed); removes stale temp files. Exit 1 if anything was altered or lost.

    Example: aso registry repair --registry .aso/registry
    """
    from aso.registry import repair

    report = repair(registry)
    typer.echo(
        f"rebuilt index: {report.items} items ({report.from_index} from the old index, {report.from_journal} "
        f"from {registry / 'records.jsonl'}, {report.recovered} recovered without a record)"
    )
    if report.old_index:
        typer.echo(f"old index kept as {report.old_index}")
    for name in report.altered:
        typer.echo(f"ALTERED  {name[:16]}  moved to {registry / 'quarantine'}")
    for digest in report.lost:
        typer.echo(f"LOST     {digest[:16]}  recorded, but its object is missing")
    if report.temp_removed:
        typer.echo(f"removed {len(report.temp_removed)} stale temp file(s)")
    typer.echo(f"root {report.root}")
    if report.altered or report.lost:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the `registry` command group."""
    app.add_typer(registry_app, name="registry")
