"""A binary Merkle tree over item leaves, with inclusion proofs.

Hashing (domain-separated as in RFC 6962, so a leaf can never pass for an inner node):
    leaf = sha256(0x00 || leaf bytes)
    node = sha256(0x01 || left || right)
A level with an odd number of nodes promotes its last node unchanged to the next level. The root of an
empty tree is sha256 of the empty string. Hashes travel as lowercase hex.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


class Side(enum.StrEnum):
    """Where a proof's sibling sits relative to the running hash."""

    LEFT = "L"
    RIGHT = "R"


def leaf_hash(data: bytes) -> str:
    """Hex hash of a leaf's bytes."""
    return hashlib.sha256(b"\x00" + data).hexdigest()


def node_hash(left: str, right: str) -> str:
    """Hex hash of an inner node from its children's hex hashes."""
    return hashlib.sha256(b"\x01" + bytes.fromhex(left) + bytes.fromhex(right)).hexdigest()


def _next_level(level: Sequence[str]) -> list[str]:
    pairs = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        pairs.append(level[-1])
    return pairs


def merkle_root(leaves: Sequence[str]) -> str:
    """Root over leaf hashes (in the given order)."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        level = _next_level(level)
    return level[0]


@dataclass(frozen=True)
class InclusionProof:
    """Sibling hashes from a leaf up to the root."""

    leaf_index: int
    tree_size: int
    path: tuple[tuple[Side, str], ...]  # (side of the sibling, sibling hex hash), bottom-up

    def to_json(self) -> dict:
        """JSON-ready form."""
        return {
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "path": [[side.value, h] for side, h in self.path],
        }

    @classmethod
    def from_json(cls, data: dict) -> InclusionProof:
        """Inverse of `to_json`."""
        path = tuple((Side(side), str(h)) for side, h in data["path"])
        return cls(int(data["leaf_index"]), int(data["tree_size"]), path)


def inclusion_proof(leaves: Sequence[str], index: int) -> InclusionProof:
    """Proof that `leaves[index]` is in the tree over `leaves`."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf index {index} out of range for {len(leaves)} leaves")
    path: list[tuple[Side, str]] = []
    level, i = list(leaves), index
    while len(level) > 1:
        if i % 2 == 1:
            path.append((Side.LEFT, level[i - 1]))
        elif i + 1 < len(level):
            path.append((Side.RIGHT, level[i + 1]))
        level, i = _next_level(level), i // 2
    return InclusionProof(index, len(leaves), tuple(path))


def root_from_proof(leaf: str, proof: InclusionProof) -> str:
    """The root that `leaf` and `proof` fold up to."""
    h = leaf
    for side, sibling in proof.path:
        h = node_hash(sibling, h) if side is Side.LEFT else node_hash(h, sibling)
    return h


def _expected_sides(index: int, size: int) -> list[Side]:
    sides, i, n = [], index, size
    while n > 1:
        if i % 2 == 1:
            sides.append(Side.LEFT)
        elif i + 1 < n:
            sides.append(Side.RIGHT)
        i, n = i // 2, (n + 1) // 2
    return sides


def verify_inclusion(leaf: str, proof: InclusionProof, root: str) -> bool:
    """True if `leaf` with `proof` folds up to `root` and the path's shape fits its index and tree size."""
    if not 0 <= proof.leaf_index < proof.tree_size:
        return False
    if [side for side, _ in proof.path] != _expected_sides(proof.leaf_index, proof.tree_size):
        return False
    return root_from_proof(leaf, proof) == root
