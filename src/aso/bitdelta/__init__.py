"""BitDelta: 1-bit compression of weight deltas and expert factors (HIP-002 §3; Liu et al., 2024).

Index:
- `codec`: `compress(t) -> BitTensor` (packed signs + α = mean|t|), `decompress(bt)` = α·sign(t)
- `packing`: sign bits to bytes and back, vectorised
- `container`: `BitDelta` (1-bit + dense tensors + provenance) and its safetensors file format
- `selection`: `DeltaSelection`, which tensors are compressed and which kept in 16-bit
- `model_delta`: `compress_model(base, finetuned)`, `apply(base, delta)`
- `distill`: scale distillation (signs frozen, α fitted to the fine-tuned model's logits with AdamW)
- `factors`: `save_factors` / `load_factors` for PoE expert factors
- `models`: loading models by name or directory, saving a patched model

Not handled: per-row or per-group scales, multi-bit deltas, GPU kernels that multiply with packed signs
directly (decompression materialises the dense delta).
"""

from aso.bitdelta.codec import BitTensor, compress, decompress, reference_sign
from aso.bitdelta.container import BitDelta, DeltaKind, from_bytes, load, save, to_bytes
from aso.bitdelta.distill import DistillConfig, DistillLoss, DistillResult, distill_scales
from aso.bitdelta.factors import compress_factors, decompress_factors, load_factors, save_factors
from aso.bitdelta.model_delta import apply, compress_model, plan, tensors_hash
from aso.bitdelta.packing import pack_signs, unpack_bits
from aso.bitdelta.selection import DeltaSelection, TensorRole, load_selection

__all__ = [
    "BitDelta",
    "BitTensor",
    "DeltaKind",
    "DeltaSelection",
    "DistillConfig",
    "DistillLoss",
    "DistillResult",
    "TensorRole",
    "apply",
    "compress",
    "compress_factors",
    "compress_model",
    "decompress",
    "decompress_factors",
    "distill_scales",
    "from_bytes",
    "load",
    "load_factors",
    "load_selection",
    "pack_signs",
    "plan",
    "reference_sign",
    "save",
    "save_factors",
    "tensors_hash",
    "to_bytes",
    "unpack_bits",
]
