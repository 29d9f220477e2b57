"""`repair(root)`: rebuild a damaged or emptied index from the objects, re-checking every object's hash.

Records come from the old index where it can still be read, else from the journal (`records.jsonl`),
else (an object neither knows) a recovered record: kind `other`, name `recovered-<digest[:12]>`. An
object whose bytes no longer hash to its name is altered: it is moved to `quarantine/`, not indexed.
The new index is built beside the old one and renamed over it; the old file is kept as
`index.sqlite.damaged-<time>`, and the journal is rewritten to the records now indexed (the old one kept
as `records.jsonl.before-repair-<time>`). Stop writers first: puts during a repair may be lost from the index
(their objects and journal lines stay, so a second repair restores them).
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from aso.errors import ConfigError
from aso.registry import index
from aso.registry.items import ItemKind, ItemRecord
from aso.registry.journal import JOURNAL_NAME, append_record, read_records
from aso.registry.merkle import merkle_root
from aso.registry.store import TEMP_GRACE_S, hash_file


@dataclass
class RepairReport:
    """What `repair` rebuilt and what it set aside."""

    items: int = 0
    from_index: int = 0
    from_journal: int = 0
    recovered: int = 0
    root: str = ""
    altered: list[str] = field(default_factory=list)  # quarantined object names
    lost: list[str] = field(default_factory=list)  # recorded digests whose object is missing
    temp_removed: list[str] = field(default_factory=list)
    old_index: str | None = None  # where the replaced index file was kept


def _salvage_rows(path: Path) -> dict[str, ItemRecord]:
    """Rows of the old index that can still be read (none if it cannot be opened)."""
    if not path.is_file() or path.stat().st_size == 0:
        return {}
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return {r.digest: r for r in index.all_items(conn)}
        finally:
            conn.close()
    except (sqlite3.DatabaseError, ValueError):
        return {}


def repair(root: str | Path, temp_grace_s: float = TEMP_GRACE_S) -> RepairReport:
    """Rebuild `root`'s index from its objects; see the module docstring."""
    root = Path(root)
    objects, index_path = root / "objects", root / "index.sqlite"
    if not objects.is_dir():
        raise ConfigError(f"no registry at {root} (no objects/ directory)")
    report = RepairReport()
    rows, journal = _salvage_rows(index_path), read_records(root / JOURNAL_NAME)
    records: list[ItemRecord] = []
    for path in sorted(p for p in objects.glob("*/*") if p.is_file()):
        digest, size = hash_file(path)
        if digest != path.name:
            quarantine = root / "quarantine"
            quarantine.mkdir(exist_ok=True)
            os.replace(path, quarantine / path.name)
            report.altered.append(path.name)
            continue
        if digest in rows:
            record, report.from_index = rows[digest], report.from_index + 1
        elif digest in journal:
            record, report.from_journal = journal[digest], report.from_journal + 1
        else:
            name = f"recovered-{digest[:12]}"
            record = ItemRecord(digest, ItemKind.OTHER, name, size, {}, path.stat().st_mtime)
            report.recovered += 1
        if record.size != size:  # the record disagrees with the verified bytes: the bytes win
            record = ItemRecord(digest, record.kind, record.name, size, record.meta, record.created)
        records.append(record)
    present = {r.digest for r in records}
    report.lost = sorted(d for d in {*rows, *journal} if d not in present)
    report.items = len(records)
    report.root = merkle_root([r.leaf() for r in sorted(records, key=lambda r: r.digest)])
    report.old_index = _replace_index(index_path, records)
    _compact_journal(root / JOURNAL_NAME, records)
    cutoff = time.time() - temp_grace_s
    for tmp in (root / "tmp").glob("*.part"):
        if tmp.stat().st_mtime < cutoff:
            tmp.unlink(missing_ok=True)
            report.temp_removed.append(tmp.name)
    return report


def _compact_journal(path: Path, records: list[ItemRecord]) -> None:
    """Rewrite the journal to the records now indexed (the old one kept beside it), so that lost or
    quarantined items, reported once by repair, do not stay damage forever."""
    if path.is_file():
        os.replace(path, path.with_name(f"{JOURNAL_NAME}.before-repair-{int(time.time())}"))
    fresh = path.with_name(f"{JOURNAL_NAME}.rebuild-{os.getpid()}")
    fresh.unlink(missing_ok=True)
    for record in records:
        append_record(fresh, record)
    if records:
        os.replace(fresh, path)


def _replace_index(index_path: Path, records: list[ItemRecord]) -> str | None:
    """Write a fresh index with `records` and one root, then rename it over `index_path`."""
    fresh = index_path.with_name(f"index.sqlite.rebuild-{os.getpid()}")
    fresh.unlink(missing_ok=True)
    conn = index.connect(fresh)
    try:
        for record in records:
            index.insert_item(conn, record)
        if not records:
            with index.transaction(conn):
                conn.execute(
                    "INSERT INTO roots (root, n_items, created) VALUES (?, 0, ?)",
                    (merkle_root([]), time.time()),
                )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    kept = None
    if index_path.exists():
        kept = str(index_path.with_name(f"index.sqlite.damaged-{int(time.time())}"))
        os.replace(index_path, kept)
    for suffix in ("-wal", "-shm"):  # the old file's WAL must not be applied to the new one
        Path(str(index_path) + suffix).unlink(missing_ok=True)
        Path(str(fresh) + suffix).unlink(missing_ok=True)
    os.replace(fresh, index_path)
    return kept
