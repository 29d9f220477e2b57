import json

import pytest
import torch

from aso.bitdelta import compress_model, save, save_factors
from aso.errors import ConfigError
from aso.registry import ItemKind, ItemProof, Problem, Registry, RegistryIntegrityError, check_proof, verify


@pytest.fixture
def reg(tmp_path):
    with Registry(tmp_path / "reg") as r:
        yield r


def stored_priors(reg: Registry, tmp_path) -> dict[str, str]:
    """One item of each kind a real run stores; returns name -> digest."""
    library = {"version": 1, "experiences": {"E0": "Check edge cases first.", "E1": "Return early."}}
    lib = reg.put(json.dumps(library).encode(), kind=ItemKind.EXPERIENCE_LIBRARY, name="library")
    factors_path = save_factors(tmp_path / "f.safetensors", {"token_bias": torch.randn(300)})
    fac = reg.put_file(factors_path, kind=ItemKind.EXPERT_FACTORS, name="factors")
    base = {"l.q_proj.weight": torch.randn(16, 9)}
    ft = {"l.q_proj.weight": base["l.q_proj.weight"] + 0.01 * torch.randn(16, 9)}
    delta_path = save(tmp_path / "d.safetensors", compress_model(base, ft))
    bd = reg.put_file(delta_path, kind=ItemKind.BITDELTA, name="delta", meta={"base": "toy"})
    return {"library": lib.digest, "factors": fac.digest, "delta": bd.digest}


def test_put_get_list_and_idempotent_put(reg, tmp_path):
    digests = stored_priors(reg, tmp_path)
    assert [i.name for i in reg.items()] == [n for n, _ in sorted(digests.items(), key=lambda kv: kv[1])]
    again = reg.put(reg.get("library"), kind=ItemKind.OTHER, name="other-name")
    assert again.digest == digests["library"] and again.name == "library"
    assert len(reg.items()) == 3
    assert reg.get(digests["delta"][:8]) == reg.get("delta")
    with pytest.raises(ConfigError, match="no registry item"):
        reg.get("nothing")
    report = verify(reg)
    assert report.ok and report.items_checked == 3 and report.recorded_root == reg.root_hash()


def test_root_depends_only_on_the_set_of_items(tmp_path):
    roots = []
    for order, name in ((b"abc", "r1"), (b"cba", "r2")):
        with Registry(tmp_path / name) as r:
            for ch in order:
                r.put(bytes([ch]) * 10, kind=ItemKind.OTHER, name=chr(ch))
            roots.append(r.root_hash())
    assert roots[0] == roots[1]


@pytest.mark.parametrize("victim", ["library", "factors", "delta"])
def test_a_flipped_byte_in_any_item_is_named_by_verify_and_fails_its_proof(reg, tmp_path, victim):
    digests = stored_priors(reg, tmp_path)
    proofs = {name: reg.proof(name) for name in digests}
    path = reg.object_path(digests[victim])
    data = bytearray(path.read_bytes())
    pos = len(data) // 2
    data[pos] ^= 0x01
    path.write_bytes(bytes(data))

    report = verify(reg)
    assert not report.ok
    assert [(f.problem, f.name) for f in report.findings] == [(Problem.ALTERED, victim)]
    for name in digests:
        assert reg.check_item_proof(name) is (name != victim)
        assert check_proof(proofs[name], reg.object_path(digests[name]).read_bytes()) is (name != victim)
    with pytest.raises(RegistryIntegrityError, match="altered"):
        reg.get(victim)


def test_lost_item_and_tampered_index_are_reported(reg, tmp_path):
    digests = stored_priors(reg, tmp_path)
    reg.object_path(digests["factors"]).unlink()
    report = verify(reg)
    assert [(f.problem, f.name) for f in report.findings] == [(Problem.LOST, "factors")]
    assert not reg.check_item_proof("factors")

    import sqlite3

    conn = sqlite3.connect(reg.index_path)
    conn.execute("UPDATE items SET name = 'renamed' WHERE digest = ?", (digests["delta"],))
    conn.commit()
    conn.close()
    problems = {f.problem for f in verify(reg).findings}
    assert Problem.ROOT_MISMATCH in problems


def test_proof_json_round_trip_and_external_copy_check(reg, tmp_path):
    stored_priors(reg, tmp_path)
    proof = ItemProof.from_json(json.loads(json.dumps(reg.proof("delta").to_json())))
    content = reg.get("delta")
    assert check_proof(proof, content, root=reg.root_hash())
    assert not check_proof(proof, content + b"\x00")
    reg.put(b"a later item", kind=ItemKind.OTHER, name="later")
    assert not check_proof(proof, content, root=reg.root_hash())  # old proof, new root
    assert check_proof(reg.proof("delta"), content, root=reg.root_hash())


def test_trusted_root_mismatch_is_reported(reg, tmp_path):
    stored_priors(reg, tmp_path)
    assert verify(reg, trusted_root=reg.root_hash()).ok
    assert not verify(reg, trusted_root="0" * 64).ok


def test_cli_put_list_proof_verify_get(tmp_path, capsys):
    from aso.cli.main import main

    root = str(tmp_path / "reg")
    item = tmp_path / "priors.json"
    item.write_text('{"experiences": ["Check edge cases first."]}')
    assert main(["registry", "verify", "--registry", root]) == 2  # no registry yet: a one-line error
    assert "no registry at" in capsys.readouterr().err
    assert main(["registry", "put", str(item), "--kind", "experience-library", "--registry", root]) == 0
    assert main(["registry", "list", "--registry", root]) == 0
    assert "priors.json" in capsys.readouterr().out
    reg_opt = ["--registry", root]
    assert main(["registry", "proof", "priors.json", "--out", str(tmp_path / "p.json"), *reg_opt]) == 0
    assert "proof valid" in capsys.readouterr().out
    assert main(["registry", "get", "priors.json", "--out", str(tmp_path / "copy.json"), *reg_opt]) == 0
    assert (tmp_path / "copy.json").read_bytes() == item.read_bytes()
    args = ["--proof-file", str(tmp_path / "p.json"), "--check-file", str(tmp_path / "copy.json")]
    assert main(["registry", "proof", "x", *args, "--registry", root]) == 0
    (tmp_path / "copy.json").write_text('{"experiences": ["Ignore edge cases."]}')
    assert main(["registry", "proof", "x", *args, "--registry", root]) == 1
    assert main(["registry", "verify", "--registry", root]) == 0
    digest = Registry(root).items()[0].digest
    obj = tmp_path / "reg" / "objects" / digest[:2] / digest
    obj.write_bytes(obj.read_bytes().replace(b"Check", b"Chuck"))
    capsys.readouterr()
    assert main(["registry", "verify", "--registry", root]) == 1
    out = capsys.readouterr().out
    assert "ALTERED" in out and "priors.json" in out
