"""`verify(registry)`: recompute every item's hash and the Merkle root, and name what is wrong."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from aso.registry.journal import JOURNAL_NAME, read_records
from aso.registry.merkle import merkle_root
from aso.registry.store import Registry, hash_file


class Problem(enum.StrEnum):
    """What can be wrong with an item or the index."""

    ALTERED = "altered"  # the object's bytes no longer hash to its address
    LOST = "lost"  # the index lists the item but its object file is missing
    ROOT_MISMATCH = "root-mismatch"  # the index rows no longer fold to the recorded (or trusted) root
    INDEX_DAMAGED = "index-damaged"  # SQLite's integrity check failed
    INDEX_INCOMPLETE = "index-incomplete"  # committed items (journal) are missing from the index


@dataclass(frozen=True)
class Finding:
    """One problem, naming the item (digest and name) when it concerns one."""

    problem: Problem
    digest: str
    name: str
    detail: str


@dataclass
class VerifyReport:
    """Everything `verify` found."""

    items_checked: int
    recorded_root: str
    computed_root: str
    findings: list[Finding] = field(default_factory=list)
    orphan_objects: list[str] = field(default_factory=list)  # objects without an index row (a kill, harmless)
    temp_files: list[str] = field(default_factory=list)  # partial writes left by a kill (harmless)

    @property
    def ok(self) -> bool:
        """True when no item is altered or lost and the root matches."""
        return not self.findings


def verify(registry: Registry, trusted_root: str | None = None) -> VerifyReport:
    """Recompute every item's hash and size, the Merkle root, and SQLite's integrity check."""
    damaged = registry.index_problems()
    items, latest = registry.snapshot()
    computed = merkle_root([item.leaf() for item in items])
    recorded = latest or computed
    report = VerifyReport(items_checked=len(items), recorded_root=recorded, computed_root=computed)
    for message in damaged:
        report.findings.append(Finding(Problem.INDEX_DAMAGED, "", "", message))
    known = {item.digest for item in items}
    dropped = [d for d in read_records(registry.journal_path) if d not in known]
    if dropped:  # one line naming the index: an emptied or rolled-back index.sqlite
        detail = (
            f"{registry.index_path} lists {len(items)} items but {len(dropped)} more committed ones "
            f"({JOURNAL_NAME}) are missing from it; rebuild with `aso registry repair`"
        )
        report.findings.append(Finding(Problem.INDEX_INCOMPLETE, "", "", detail))
    for item in items:
        path = registry.object_path(item.digest)
        if not path.is_file():
            report.findings.append(Finding(Problem.LOST, item.digest, item.name, f"missing {path}"))
            continue
        digest, size = hash_file(path)
        if digest != item.digest or size != item.size:
            detail = f"hash {digest[:12]}, size {size} (expected {item.digest[:12]}, {item.size})"
            report.findings.append(Finding(Problem.ALTERED, item.digest, item.name, detail))
    for label, root in (("recorded", recorded), ("trusted", trusted_root)):
        if root is not None and root != computed:
            detail = f"index rows fold to {computed[:16]}, {label} root is {root[:16]}"
            report.findings.append(Finding(Problem.ROOT_MISMATCH, "", "", detail))
    report.orphan_objects = sorted(
        p.name for p in registry.objects.glob("*/*") if p.is_file() and p.name not in known
    )
    report.temp_files = sorted(p.name for p in registry.tmp.iterdir())
    return report
