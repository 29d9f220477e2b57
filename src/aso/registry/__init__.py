"""A content-addressed, Merkle-proofed registry of priors (HIP-002 "Prior Integrity").

Index:
- `store`: `Registry(root)` with `put`/`put_file`/`get`/`items`/`proof`; `check_proof(proof, bytes)`
- `verify`: `verify(registry) -> VerifyReport` naming each altered or lost item
- `merkle`: the tree, inclusion proofs and their verification
- `items`: `ItemKind`, `ItemRecord` (what a Merkle leaf commits to)
- `index`: the SQLite index (transactions, schema)
- `journal`: `records.jsonl`, every committed record (what `repair` rebuilds from)
- `repair`: `repair(root) -> RepairReport`, a new index from the objects, hashes re-checked

Not handled: deleting items (the store is append-only), remote replication, signing roots.
"""

from aso.registry.items import ItemKind, ItemRecord
from aso.registry.merkle import InclusionProof, merkle_root, verify_inclusion
from aso.registry.repair import RepairReport, repair
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
    "RepairReport",
    "VerifyReport",
    "check_proof",
    "merkle_root",
    "repair",
    "verify",
    "verify_inclusion",
]
