"""A content-addressed, Merkle-proofed registry of priors (HIP-002 "Prior Integrity").

Index:
- `store`: `Registry(root)` with `put`/`put_file`/`get`/`items`/`proof`; `check_proof(proof, bytes)`
- `verify`: `verify(registry) -> VerifyReport` naming each altered or lost item
- `merkle`: the tree, inclusion proofs and their verification
- `items`: `ItemKind`, `ItemRecord` (what a Merkle leaf commits to)
- `index`: the SQLite index (transactions, schema)

Not handled: deleting items (the store is append-only), remote replication, signing roots.
"""

from aso.registry.items import ItemKind, ItemRecord
from aso.registry.merkle import InclusionProof, merkle_root, verify_inclusion
from aso.registry.store import ItemProof, Registry, RegistryIntegrityError, check_proof
from aso.registry.verify import Finding, Problem, VerifyReport, verify

__all__ = [
    "Finding",
    "InclusionProof",
    "ItemKind",
    "ItemProof",
    "ItemRecord",
    "Problem",
    "Registry",
    "RegistryIntegrityError",
    "VerifyReport",
    "check_proof",
    "merkle_root",
    "verify",
    "verify_inclusion",
]
