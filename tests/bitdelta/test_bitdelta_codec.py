import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from aso.bitdelta import compress, decompress, pack_signs, reference_sign, unpack_bits
from aso.bitdelta.packing import packed_size

SHAPES = [(1,), (7,), (8,), (9,), (3, 5), (13, 17), (2, 3, 5), (64,), (576, 191)]


@pytest.mark.parametrize("shape", SHAPES)
def test_packing_round_trips_any_shape(shape):
    t = torch.randn(shape, generator=torch.Generator().manual_seed(1))
    packed = pack_signs(t)
    assert packed.dtype == np.uint8 and packed.shape == (packed_size(math.prod(shape)),)
    assert torch.equal(unpack_bits(packed, shape), t >= 0)


def test_packing_bit_order_is_little_endian_within_a_byte():
    t = torch.tensor([1.0, -1, -1, -1, -1, -1, -1, -1, -1, 1])  # bits 0 and 9 set
    assert pack_signs(t).tolist() == [1, 2]


def test_padding_bits_are_zero_and_ignored():
    t = torch.ones(9)
    packed = pack_signs(t)
    assert packed.tolist() == [255, 1]
    with pytest.raises(ValueError):
        unpack_bits(packed, (17,))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=3), st.integers(0, 2**31 - 1))
def test_packing_round_trip_property(shape, seed):
    t = torch.randn(shape, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(unpack_bits(pack_signs(t), tuple(shape)), t >= 0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16, torch.float64])
@pytest.mark.parametrize("shape", [(5,), (33, 7), (4, 8, 3)])
def test_round_trip_is_exactly_alpha_times_sign(dtype, shape):
    delta = (torch.randn(shape, generator=torch.Generator().manual_seed(3)) * 0.01).to(dtype)
    bt = compress(delta)
    assert bt.scale == float(np.float32(bt.scale))  # stored as float32
    assert bt.scale == pytest.approx(delta.double().abs().mean().item(), rel=1e-5)
    out = decompress(bt)
    assert out.dtype == dtype and tuple(out.shape) == shape
    expected = torch.where(
        delta >= 0, torch.tensor(bt.scale, dtype=dtype), torch.tensor(-bt.scale, dtype=dtype)
    )
    assert torch.equal(out, expected)
    assert torch.equal(decompress(bt, torch.float32), bt.scale * reference_sign(delta.float()))


def test_zero_is_positive_sign_without_zero_plane_and_zero_with_it():
    delta = torch.tensor([0.0, 2.0, -4.0, 0.0])
    bt = compress(delta)
    assert bt.scale == 1.5
    assert decompress(bt).tolist() == [1.5, 1.5, -1.5, 1.5]
    sparse = compress(delta, keep_zeros=True)
    assert sparse.scale == 3.0
    assert decompress(sparse).tolist() == [0.0, 3.0, -3.0, 0.0]
    assert sparse.nbytes == bt.nbytes + 1


def test_compress_refuses_non_finite_and_integer_tensors():
    with pytest.raises(ValueError):
        compress(torch.tensor([1.0, float("inf")]))
    with pytest.raises(TypeError):
        compress(torch.tensor([1, 2]))


def test_one_bit_per_element_plus_one_scale():
    bt = compress(torch.randn(576, 1536))
    assert bt.nbytes == 576 * 1536 // 8 + 4
    assert 2 * bt.numel / bt.nbytes > 15.9  # vs fp16
