"""`records.jsonl`: an append-only copy of every committed item record, the source `repair` rebuilds from.

A put appends its record after the index transaction commits (under an exclusive `flock`, fsynced), so
a record in the journal means "this item was in the index": an index that lacks a journal record has
lost it. A kill between the commit and the append leaves an indexed item without a record (harmless:
repair keeps the index's row when the index is readable). A torn last line is skipped when reading.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from aso.registry.items import ItemRecord

JOURNAL_NAME = "records.jsonl"


def append_record(path: Path, record: ItemRecord) -> None:
    """Append one record as a JSON line, under an exclusive lock, and fsync it."""
    line = json.dumps(record.to_json(), sort_keys=True, ensure_ascii=False) + "\n"
    with open(path, "a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read_records(path: Path) -> dict[str, ItemRecord]:
    """digest -> first committed record (a missing journal is empty; unreadable lines are skipped)."""
    records: dict[str, ItemRecord] = {}
    if not path.is_file():
        return records
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                record = ItemRecord.from_json(json.loads(line))
            except (ValueError, KeyError, TypeError):
                continue  # a torn last line (killed mid-append) or a damaged one
            records.setdefault(record.digest, record)
    return records
