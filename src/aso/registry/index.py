"""The registry's embedded SQLite index: item rows and the history of Merkle roots.

Every write is one `BEGIN IMMEDIATE` transaction (writers queue on SQLite's lock; `busy_timeout` makes
them wait instead of failing), in WAL mode with `synchronous=FULL`, so a process killed mid-write leaves
either the whole transaction or none of it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aso.registry.items import ItemKind, ItemRecord
from aso.registry.merkle import merkle_root

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    digest  TEXT PRIMARY KEY,
    kind    TEXT NOT NULL,
    name    TEXT NOT NULL,
    size    INTEGER NOT NULL,
    meta    TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_name ON items(name, created);
CREATE TABLE IF NOT EXISTS roots (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    root    TEXT NOT NULL,
    n_items INTEGER NOT NULL,
    created REAL NOT NULL
);
"""
BUSY_TIMEOUT_MS = 60_000


def connect(path: Path) -> sqlite3.Connection:
    """Open the index (autocommit mode: transactions are explicit), creating the schema if needed."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    with transaction(conn):
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """`BEGIN IMMEDIATE` ... `COMMIT`, rolled back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _row_to_record(row: tuple) -> ItemRecord:
    digest, kind, name, size, meta, created = row
    return ItemRecord(digest, ItemKind(kind), name, int(size), json.loads(meta), float(created))


def all_items(conn: sqlite3.Connection) -> list[ItemRecord]:
    """Every item, ordered by digest (the Merkle leaf order)."""
    rows = conn.execute("SELECT digest, kind, name, size, meta, created FROM items ORDER BY digest")
    return [_row_to_record(r) for r in rows]


def find(conn: sqlite3.Connection, ref: str) -> list[ItemRecord]:
    """Items matching `ref`: a full digest, a digest prefix, or a name (newest first)."""
    ref = ref.removeprefix("sha256:")
    cols = "digest, kind, name, size, meta, created"
    rows = conn.execute(f"SELECT {cols} FROM items WHERE digest = ?", (ref,)).fetchall()
    if not rows:
        rows = conn.execute(
            f"SELECT {cols} FROM items WHERE name = ? ORDER BY created DESC", (ref,)
        ).fetchall()
    if not rows and len(ref) >= 6 and all(c in "0123456789abcdef" for c in ref):
        rows = conn.execute(f"SELECT {cols} FROM items WHERE digest LIKE ?", (ref + "%",)).fetchall()
    return [_row_to_record(r) for r in rows]


def insert_item(conn: sqlite3.Connection, record: ItemRecord) -> tuple[ItemRecord, bool]:
    """Insert `record` unless its digest is present, and record the new root, in one transaction.

    Returns the stored record and whether it was new.
    """
    with transaction(conn):
        existing = conn.execute(
            "SELECT digest, kind, name, size, meta, created FROM items WHERE digest = ?", (record.digest,)
        ).fetchone()
        if existing is not None:
            return _row_to_record(existing), False
        conn.execute(
            "INSERT INTO items (digest, kind, name, size, meta, created) VALUES (?, ?, ?, ?, ?, ?)",
            (
                record.digest,
                record.kind.value,
                record.name,
                record.size,
                json.dumps(record.meta, sort_keys=True),
                record.created,
            ),
        )
        items = all_items(conn)
        root = merkle_root([item.leaf() for item in items])
        conn.execute(
            "INSERT INTO roots (root, n_items, created) VALUES (?, ?, ?)", (root, len(items), time.time())
        )
    return record, True


def latest_root(conn: sqlite3.Connection) -> tuple[str, int] | None:
    """The most recently recorded (root, number of items), or None for a registry never written."""
    row = conn.execute("SELECT root, n_items FROM roots ORDER BY seq DESC LIMIT 1").fetchone()
    return (row[0], int(row[1])) if row else None


def integrity_problems(conn: sqlite3.Connection) -> list[str]:
    """SQLite's own `quick_check` messages (empty when the database file is sound)."""
    rows = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
    return [] if rows == ["ok"] else rows
