"""`sync(src, dst)`: copy into `dst` the items `src` has and `dst` lacks, each checked against its proof.

1. The source's index rows must fold to its recorded Merkle root (else nothing is copied: the source's
   index is not what it committed to).
2. The roots are compared (equal: nothing to do), then the item digests: only missing items move.
3. Each missing item's bytes are checked against its inclusion proof in the source's root before the
   put, and read back from `dst` and checked again after it; an item whose bytes do not match (altered
   or lost in the source) is refused and named, and the others still move.

Each put is atomic (see `aso.registry.store`), so an interrupted sync leaves `dst` with whole items
only, and running it again copies what is still missing. When `dst` held nothing of its own, its root
equals the source's afterwards.

Not handled: deleting from `dst` what `src` lacks (registries are append-only), remote transport
(sync two directories; mount or copy a remote one first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from aso.registry.items import ItemRecord
from aso.registry.merkle import inclusion_proof, merkle_root
from aso.registry.store import ItemProof, Registry, RegistryIntegrityError, check_proof


@dataclass(frozen=True)
class Refusal:
    """An item that was not copied, and why (one line)."""

    digest: str
    name: str
    reason: str

    def line(self) -> str:
        """`refused <digest12> (<name>): <reason>`."""
        return f"refused {self.digest[:12]} ({self.name}): {self.reason}"


@dataclass
class SyncReport:
    """What a sync did."""

    source_root: str
    target_root_before: str
    target_root_after: str = ""
    already_present: int = 0
    copied: list[ItemRecord] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was refused."""
        return not self.refused


def _read(registry: Registry, record: ItemRecord) -> bytes | None:
    path = registry.object_path(record.digest)
    return path.read_bytes() if path.is_file() else None


def sync(
    src: Registry, dst: Registry, *, on_item: Callable[[ItemRecord, bool], None] | None = None
) -> SyncReport:
    """Copy what `dst` lacks from `src`; `on_item(record, copied)` is called after each missing item."""
    items, recorded = src.snapshot()
    leaves = [item.leaf() for item in items]
    computed = merkle_root(leaves)
    if recorded is not None and recorded != computed:
        raise RegistryIntegrityError(
            f"{src.root}: index rows fold to {computed[:16]}, not to the recorded root {recorded[:16]}; "
            "nothing copied (run aso registry verify on the source)"
        )
    report = SyncReport(source_root=computed, target_root_before=dst.root_hash())
    present = {item.digest for item in dst.items()}
    report.already_present = sum(item.digest in present for item in items)
    if report.target_root_before == computed or report.already_present == len(items):
        report.target_root_after = report.target_root_before
        return report
    for position, item in enumerate(items):
        if item.digest in present:
            continue
        proof = ItemProof(item, inclusion_proof(leaves, position), computed)
        refusal = _copy_one(src, dst, item, proof)
        if refusal is None:
            report.copied.append(item)
        else:
            report.refused.append(refusal)
        if on_item is not None:
            on_item(item, refusal is None)
    report.target_root_after = dst.root_hash()
    return report


def _copy_one(src: Registry, dst: Registry, item: ItemRecord, proof: ItemProof) -> Refusal | None:
    data = _read(src, item)
    if data is None:
        return Refusal(item.digest, item.name, f"lost in the source ({src.object_path(item.digest)} missing)")
    if not check_proof(proof, data):
        return Refusal(item.digest, item.name, f"altered in {src.root}: its bytes fail its proof")
    dst.put(data, kind=item.kind, name=item.name, meta=item.meta)
    arrived = _read(dst, item)
    if arrived is None or not check_proof(proof, arrived):
        return Refusal(item.digest, item.name, f"arrived damaged in {dst.root}: its bytes fail the proof")
    return None
