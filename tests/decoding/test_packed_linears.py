"""PackedLinears: packed products equal F.linear up to round-off, single rows and other row counts take
the ordinary path bit for bit, packs are bounded, the switch turns it off."""

import pytest
import torch
import torch.nn.functional as F

from aso.decoding.packed_linears import PackedLinears, packing_available

pytestmark = pytest.mark.skipif(not packing_available(), reason="torch without oneDNN linear packing")


class TwoLayers(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.big = torch.nn.Linear(600, 1000)  # 600k weights: packed
        self.small = torch.nn.Linear(1000, 8, bias=False)  # 8k weights: left alone

    def forward(self, x):
        return self.small(self.big(x))


def _reference(model, x):
    return F.linear(F.linear(x, model.big.weight, model.big.bias), model.small.weight)


@torch.inference_mode()
def test_packed_rows_match_linear_and_other_rows_are_exact():
    model = TwoLayers()
    packed = PackedLinears(model)
    assert packed.enabled and packed.layers == [model.big]
    x4 = torch.randn(4, 1, 600)
    with packed.rows(4):
        out4 = model(x4)
        x3 = torch.randn(3, 600)
        assert torch.equal(model(x3), _reference(model, x3))  # not registered: ordinary path
    assert out4.shape == (4, 1, 8)
    torch.testing.assert_close(out4, _reference(model, x4), rtol=1e-4, atol=1e-4)
    x1 = torch.randn(1, 600)
    with packed.rows(1):  # one row is never packed
        assert torch.equal(model(x1), _reference(model, x1))
    assert [rows for rows, _ in packed._packs] == [4]


@torch.inference_mode()
def test_packs_are_bounded_and_released():
    model = TwoLayers()
    packed = PackedLinears(model, max_packs=2)
    for rows in (2, 3, 5):
        with packed.rows(rows):
            pass
    assert [rows for rows, _ in packed._packs] == [3, 5] and not packed._active


def test_grad_mode_uses_the_ordinary_path():
    model = TwoLayers()
    packed = PackedLinears(model)
    x = torch.randn(2, 600, requires_grad=True)
    with packed.rows(2):
        out = model(x)
    out.sum().backward()
    assert x.grad is not None and torch.equal(out.detach(), _reference(model, x).detach())


def test_switched_off_by_environment(monkeypatch):
    monkeypatch.setenv("ASO_PACKED_LINEARS", "off")
    model = TwoLayers()
    packed = PackedLinears(model)
    assert not packed.enabled
    with torch.inference_mode(), packed.rows(4):
        x = torch.randn(4, 600)
        assert torch.equal(model(x), _reference(model, x))
    assert not packed._packs


def test_of_installs_once():
    model = TwoLayers()
    first = PackedLinears.of(model)
    assert PackedLinears.of(model) is first


@torch.inference_mode()
def test_bfloat16_rows_are_close_and_routed_for_one_row_too():
    model = TwoLayers()
    packed = PackedLinears(model)
    x = torch.randn(1, 600)
    with packed.rows(1, torch.bfloat16):
        out = model(x)
    reference = _reference(model, x)
    assert out.dtype == torch.float32
    assert not torch.equal(out, reference)  # bf16 products really ran
    torch.testing.assert_close(out, reference, rtol=0.05, atol=0.05)
    assert [key for key in packed._packs] == [(1, torch.bfloat16)]
