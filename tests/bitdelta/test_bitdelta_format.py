import json

import pytest
import torch

from aso.bitdelta import (
    BitDelta,
    DeltaKind,
    compress,
    decompress,
    from_bytes,
    load,
    load_factors,
    save,
    save_factors,
    to_bytes,
)
from aso.errors import ConfigError


def _delta() -> BitDelta:
    g = torch.Generator().manual_seed(0)
    return BitDelta(
        kind=DeltaKind.MODEL_DELTA,
        compressed={
            "layers.0.q.weight": compress(torch.randn(13, 7, generator=g)),
            "layers.0.up.weight": compress(torch.randn(5, 3, generator=g).half()),
        },
        dense={"norm.weight": torch.randn(7, generator=g).half()},
        sources={"base": "sha256:" + "a" * 64, "finetuned": "sha256:" + "b" * 64},
        info={"note": "test"},
    )


def test_file_round_trip(tmp_path):
    delta = _delta()
    path = save(tmp_path / "d.safetensors", delta)
    back = load(path)
    assert back.kind is DeltaKind.MODEL_DELTA
    assert back.sources == delta.sources and back.info == delta.info
    assert set(back.compressed) == set(delta.compressed)
    for name, bt in delta.compressed.items():
        got = back.compressed[name]
        assert (got.shape, got.dtype, got.scale) == (bt.shape, bt.dtype, bt.scale)
        assert (got.signs == bt.signs).all()
        assert torch.equal(decompress(got), decompress(bt))
    assert torch.equal(back.dense["norm.weight"], delta.dense["norm.weight"])
    assert not list(tmp_path.glob(".*.tmp"))  # no temp file left behind


def test_file_metadata_is_self_describing(tmp_path):
    data = to_bytes(_delta())
    header = json.loads(data[8 : 8 + int.from_bytes(data[:8], "little")])
    meta = header["__metadata__"]
    assert meta["format"] == "aso-bitdelta" and meta["kind"] == "model-delta"
    assert json.loads(meta["shapes"])["layers.0.q.weight"] == [13, 7]
    assert json.loads(meta["dtypes"])["layers.0.up.weight"] == "float16"
    assert header["layers.0.q.weight::signs"]["dtype"] == "U8"


def test_malformed_files_raise_config_error_naming_the_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load(tmp_path / "missing.safetensors")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"garbage")
    with pytest.raises(ConfigError, match="bad.safetensors"):
        load(bad)
    from safetensors.torch import save as st_save

    other = st_save({"x": torch.zeros(2)}, metadata={"format": "pt"})
    with pytest.raises(ConfigError, match="format"):
        from_bytes(other, origin="other.safetensors")


def test_factors_round_trip_keeps_zeros(tmp_path):
    bias = torch.zeros(1000)
    bias[[3, 70, 900]] = torch.tensor([0.5, -1.5, 1.0])
    table = torch.randn(4, 9)
    path = save_factors(
        tmp_path / "f.safetensors", {"token_bias": bias, "table": table}, sources={"priors": "x"}
    )
    back = load_factors(path)
    assert back["token_bias"].nonzero().flatten().tolist() == [3, 70, 900]
    assert back["token_bias"][[3, 70, 900]].tolist() == [1.0, -1.0, 1.0]
    assert torch.equal(back["table"], decompress(compress(table, keep_zeros=True)))
    assert load(path).kind is DeltaKind.EXPERT_FACTORS


def test_factors_refuse_infinite_entries_unless_dense(tmp_path):
    mask = torch.tensor([0.0, float("-inf"), 0.0])
    with pytest.raises(ConfigError, match="mask"):
        save_factors(tmp_path / "f.safetensors", {"mask": mask})
    save_factors(tmp_path / "f.safetensors", {"mask": mask}, keep_dense=["mask"])
    assert torch.equal(load_factors(tmp_path / "f.safetensors")["mask"], mask)
