"""What the registry stores: item kinds, item records and the Merkle leaf of an item."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any

from aso.registry.merkle import leaf_hash


class ItemKind(enum.StrEnum):
    """Kinds of prior the registry holds."""

    EXPERIENCE_LIBRARY = "experience-library"  # TF-GRPO experience library / priors file
    EXPERT_FACTORS = "expert-factors"  # token-level PoE expert factors (usually a BitDelta file)
    BITDELTA = "bitdelta"  # a compressed model weight delta
    OTHER = "other"


@dataclass(frozen=True)
class ItemRecord:
    """One stored item: its content hash (the address) and what the index says about it."""

    digest: str  # lowercase hex sha256 of the content: the item's address
    kind: ItemKind
    name: str  # a label; several items may share one (`get NAME` takes the newest)
    size: int  # bytes
    meta: dict[str, Any] = field(default_factory=dict)
    created: float = 0.0  # UNIX time of the first put (not part of the leaf)

    def leaf_bytes(self) -> bytes:
        """Canonical bytes hashed into the Merkle leaf: digest, kind, name, size and meta."""
        body = {
            "digest": self.digest,
            "kind": self.kind.value,
            "name": self.name,
            "size": self.size,
            "meta": self.meta,
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def leaf(self) -> str:
        """Hex Merkle leaf hash of this item."""
        return leaf_hash(self.leaf_bytes())

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "digest": self.digest,
            "kind": self.kind.value,
            "name": self.name,
            "size": self.size,
            "meta": self.meta,
            "created": self.created,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ItemRecord:
        """Inverse of `to_json`."""
        return cls(
            digest=str(data["digest"]),
            kind=ItemKind(data["kind"]),
            name=str(data["name"]),
            size=int(data["size"]),
            meta=dict(data.get("meta") or {}),
            created=float(data.get("created", 0.0)),
        )
