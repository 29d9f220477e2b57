"""`Registry`: a content-addressed store of priors with an SQLite index and a Merkle tree over its items.

Layout of a registry directory::

    objects/<2 hex>/<64 hex>   item contents, named by their sha256
    tmp/                       partial writes (a temp file is renamed into objects/ once complete)
    index.sqlite               items and the history of Merkle roots (see `aso.registry.index`)
    records.jsonl              every committed record, appended after its commit (see `journal`)

A put writes the content to `tmp/`, fsyncs it, renames it into `objects/` (atomic), fsyncs the
directory, then inserts the index row and the new root in one SQLite transaction. A kill at any point
leaves the item either fully present (row + complete object) or absent; what a kill can leave behind is
a stray temp file or an object without a row, which `verify` reports as notes, not as damage; temp
files older than `TEMP_GRACE_S` are removed by the next put (and by `repair`).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aso.errors import AsoError, ConfigError
from aso.registry import index
from aso.registry.items import ItemKind, ItemRecord
from aso.registry.journal import JOURNAL_NAME, append_record
from aso.registry.merkle import InclusionProof, inclusion_proof, merkle_root, verify_inclusion

CHUNK = 1 << 20
TEMP_GRACE_S = 3600.0  # a temp file this old belongs to a put that was killed


class RegistryIntegrityError(AsoError):
    """A stored item does not match its hash (altered) or is missing (lost), or the index is damaged."""

    exit_code = 1


@dataclass(frozen=True)
class ItemProof:
    """An item's record, its inclusion proof and the root it proves inclusion in."""

    item: ItemRecord
    proof: InclusionProof
    root: str

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (what `aso registry proof` prints)."""
        return {"item": self.item.to_json(), "proof": self.proof.to_json(), "root": self.root}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ItemProof:
        """Inverse of `to_json`."""
        return cls(
            ItemRecord.from_json(data["item"]), InclusionProof.from_json(data["proof"]), str(data["root"])
        )


def check_proof(item_proof: ItemProof, content: bytes, root: str | None = None) -> bool:
    """True if `content` is the item the proof names and the proof folds up to `root` (default: its own).

    The leaf is rebuilt from the *content's* hash and size, so altered bytes fail the check.
    """
    digest = hashlib.sha256(content).hexdigest()
    record = item_proof.item
    rebuilt = ItemRecord(digest, record.kind, record.name, len(content), record.meta)
    return verify_inclusion(rebuilt.leaf(), item_proof.proof, root or item_proof.root)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def hash_file(path: Path) -> tuple[str, int]:
    """(hex sha256, size) of a file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class Registry:
    """A registry directory; safe to use from several processes at once."""

    def __init__(self, root: str | Path, *, create: bool = True) -> None:
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise ConfigError(f"registry path is not a directory: {self.root}")
        self.index_path = self.root / "index.sqlite"
        self.journal_path = self.root / JOURNAL_NAME
        if not create and not self.index_path.is_file():
            if self.journal_path.is_file() or any((self.root / "objects").glob("*/*")):
                raise self.damaged("it is missing, but the registry holds objects")
            raise ConfigError(f"no registry at {self.root} (it is created by the first put)")
        self.objects = self.root / "objects"
        self.tmp = self.root / "tmp"
        for d in (self.objects, self.tmp):
            d.mkdir(parents=True, exist_ok=True)
        if not create and self.index_path.stat().st_size == 0 and self.journal_path.is_file():
            raise self.damaged("it is empty (0 bytes) but records.jsonl lists committed items")
        try:
            self._conn = index.connect(self.index_path)
        except sqlite3.DatabaseError as exc:
            raise self.damaged(str(exc)) from None

    def damaged(self, why: str) -> RegistryIntegrityError:
        """The one-line error for an index that cannot be used, naming it and the way to rebuild it."""
        return RegistryIntegrityError(
            f"registry index {self.index_path} is damaged ({why}); rebuild it from the objects with "
            f"`aso registry repair --registry {self.root}`"
        )

    def close(self) -> None:
        """Close the index connection."""
        self._conn.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.close()
        if isinstance(exc, sqlite3.DatabaseError):  # a damaged index found mid-command: one line
            raise self.damaged(str(exc)) from None

    def object_path(self, digest: str) -> Path:
        """Where the content with this hex digest lives."""
        return self.objects / digest[:2] / digest

    # --- writing ----------------------------------------------------------------------------------
    def put(
        self, data: bytes, *, kind: ItemKind, name: str, meta: dict[str, Any] | None = None
    ) -> ItemRecord:
        """Store `data`; returns its record (the existing one if the same content was stored before)."""
        return self.put_stream([data], kind=kind, name=name, meta=meta)

    def put_file(
        self, path: str | Path, *, kind: ItemKind, name: str | None = None, meta: dict[str, Any] | None = None
    ) -> ItemRecord:
        """Store the file at `path` (streamed); `name` defaults to the file name."""
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"file to store not found: {path}")

        def chunks() -> Iterable[bytes]:
            with open(path, "rb") as fh:
                yield from iter(lambda: fh.read(CHUNK), b"")

        return self.put_stream(chunks(), kind=kind, name=name or path.name, meta=meta)

    def put_stream(
        self, chunks: Iterable[bytes], *, kind: ItemKind, name: str, meta: dict[str, Any] | None = None
    ) -> ItemRecord:
        """Store content given as chunks of bytes: temp file, fsync, rename, then one index transaction
        (and the journal line). Stale temp files of killed puts are removed first."""
        self.remove_stale_temp()
        tmp = self.tmp / f"{os.getpid()}-{secrets.token_hex(8)}.part"
        digest, size = hashlib.sha256(), 0
        try:
            with open(tmp, "wb") as fh:
                for chunk in chunks:
                    fh.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            hexdigest = digest.hexdigest()
            final = self.object_path(hexdigest)
            final.parent.mkdir(exist_ok=True)
            os.replace(tmp, final)  # same content under the same name: replacing also repairs damage
            _fsync_dir(final.parent)
        finally:
            tmp.unlink(missing_ok=True)
        record = ItemRecord(hexdigest, ItemKind(kind), name, size, dict(meta or {}), time.time())
        stored, new = index.insert_item(self._conn, record)
        if new:
            append_record(self.journal_path, stored)
        return stored

    def remove_stale_temp(self, grace_s: float = TEMP_GRACE_S) -> list[str]:
        """Delete `tmp/*.part` files older than `grace_s` seconds (left by killed puts); their names."""
        removed, cutoff = [], time.time() - grace_s
        for path in self.tmp.glob("*.part"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed.append(path.name)
            except FileNotFoundError:
                pass  # another process removed it (or finished its put)
        return removed

    # --- reading ----------------------------------------------------------------------------------
    def resolve(self, ref: str) -> ItemRecord:
        """The item named by a digest, a unique digest prefix (>= 6 hex digits) or a name (newest)."""
        matches = index.find(self._conn, ref)
        if not matches:
            raise ConfigError(f"no registry item matches {ref!r} in {self.root}")
        if len({m.digest for m in matches}) > 1 and not any(m.name == ref for m in matches):
            raise ConfigError(f"{ref!r} matches {len(matches)} items in {self.root}; give more digits")
        return matches[0]

    def get(self, ref: str) -> bytes:
        """The content of an item, checked against its hash (`RegistryIntegrityError` if altered or lost)."""
        record = self.resolve(ref)
        path = self.object_path(record.digest)
        if not path.is_file():
            raise RegistryIntegrityError(
                f"item {record.digest[:12]} ({record.name}) is lost: {path} is missing"
            )
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != record.digest:
            raise RegistryIntegrityError(
                f"item {record.digest[:12]} ({record.name}) is altered: hash mismatch"
            )
        return data

    def items(self) -> list[ItemRecord]:
        """All items, in Merkle leaf order (by digest)."""
        return index.all_items(self._conn)

    def root_hash(self) -> str:
        """The Merkle root recorded by the last write (the empty-tree root for a new registry)."""
        latest = index.latest_root(self._conn)
        return latest[0] if latest else merkle_root([])

    def snapshot(self) -> tuple[list[ItemRecord], str | None]:
        """All items and the last recorded root (None if never written), read in one transaction."""
        with index.transaction(self._conn):
            items = index.all_items(self._conn)
            latest = index.latest_root(self._conn)
        return items, (latest[0] if latest else None)

    def index_problems(self) -> list[str]:
        """SQLite's integrity-check messages for the index (empty when sound)."""
        return index.integrity_problems(self._conn)

    def proof(self, ref: str) -> ItemProof:
        """Inclusion proof of an item in the current tree."""
        record = self.resolve(ref)
        items, recorded = self.snapshot()
        root = recorded or merkle_root([])
        leaves = [item.leaf() for item in items]
        position = next(i for i, item in enumerate(items) if item.digest == record.digest)
        return ItemProof(items[position], inclusion_proof(leaves, position), root)

    def check_item_proof(self, ref: str, root: str | None = None) -> bool:
        """Check an item's proof against the bytes on disk now (False if altered or lost)."""
        item_proof = self.proof(ref)
        path = self.object_path(item_proof.item.digest)
        if not path.is_file():
            return False
        return check_proof(item_proof, path.read_bytes(), root)
