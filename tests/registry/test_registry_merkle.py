import hashlib

import pytest

from aso.registry.merkle import (
    EMPTY_ROOT,
    InclusionProof,
    Side,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    verify_inclusion,
)


def leaves(n: int) -> list[str]:
    return [leaf_hash(f"item-{i}".encode()) for i in range(n)]


def test_root_by_hand_for_three_leaves():
    a, b, c = leaves(3)
    assert merkle_root([a, b, c]) == node_hash(node_hash(a, b), c)
    assert merkle_root([a]) == a
    assert merkle_root([]) == EMPTY_ROOT == hashlib.sha256(b"").hexdigest()


def test_leaf_and_node_hashes_are_domain_separated():
    a, b = leaves(2)
    assert leaf_hash(bytes.fromhex(a) + bytes.fromhex(b)) != node_hash(a, b)


@pytest.mark.parametrize("n", range(1, 18))
def test_every_leaf_has_a_valid_proof(n):
    ls = leaves(n)
    root = merkle_root(ls)
    for i, leaf in enumerate(ls):
        proof = inclusion_proof(ls, i)
        assert verify_inclusion(leaf, proof, root)
        assert verify_inclusion(leaf, InclusionProof.from_json(proof.to_json()), root)
        wrong = leaves(n + 1)[-1]
        assert not verify_inclusion(wrong, proof, root)


def test_tampered_proofs_fail():
    ls = leaves(9)
    root = merkle_root(ls)
    proof = inclusion_proof(ls, 4)
    side, sib = proof.path[0]
    flipped = ("0" if sib[0] != "0" else "1") + sib[1:]
    bad_sibling = InclusionProof(4, 9, ((side, flipped), *proof.path[1:]))
    assert not verify_inclusion(ls[4], bad_sibling, root)
    swapped = InclusionProof(4, 9, ((Side.LEFT if side is Side.RIGHT else Side.RIGHT, sib), *proof.path[1:]))
    assert not verify_inclusion(ls[4], swapped, root)
    assert not verify_inclusion(ls[4], InclusionProof(5, 9, proof.path), root)
    assert not verify_inclusion(ls[4], proof, merkle_root(ls[:8]))
