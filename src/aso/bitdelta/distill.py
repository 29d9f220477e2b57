"""Scale distillation (BitDelta §3.2): freeze the signs, fit each matrix's α so that the compressed model's
logits match the fine-tuned model's on calibration text, with AdamW and a cosine schedule.

Loss: mean squared error between logits (as in the BitDelta paper), or KL(fine-tuned ‖ compressed) of
the next-token distributions. Parametrisation: α = α₀·m with one learned multiplier m per matrix
(initialised to 1), so the learning rate is a relative step that does not depend on the size of the
delta; the optimum is the same as fitting α directly.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize

from aso.bitdelta.container import BitDelta
from aso.bitdelta.packing import unpack_bits


class DistillLoss(enum.StrEnum):
    """What the distillation matches."""

    LOGIT_MSE = "mse"  # mean squared error of logits (BitDelta)
    KL = "kl"  # KL(fine-tuned || compressed) of next-token distributions


@dataclass(frozen=True)
class DistillConfig:
    """Scale-distillation settings."""

    steps: int = 100
    """Optimizer steps (one batch of calibration windows each)."""
    batch_size: int = 2
    """Calibration windows per step."""
    lr: float = 5e-3
    """AdamW learning rate for the multipliers m (α = α₀·m): a relative step size."""
    weight_decay: float = 0.0
    """AdamW weight decay on the multipliers (0: do not pull m towards 0)."""
    loss: DistillLoss = DistillLoss.LOGIT_MSE
    """Loss between the compressed and fine-tuned models' outputs."""
    seed: int = 0
    """Seed of the calibration batch order."""


@dataclass
class DistillResult:
    """The delta with fitted scales, and the loss curve."""

    delta: BitDelta
    losses: list[float] = field(default_factory=list)


class _ScaledSigns(nn.Module):
    """Parametrisation W = W_base + α₀·m·sign, with only `m` trainable."""

    def __init__(self, bits: torch.Tensor, alpha0: float) -> None:
        super().__init__()
        self.register_buffer("bits", bits)  # bool, same shape as the weight
        self.alpha0 = alpha0
        self.mult = nn.Parameter(torch.ones(()))

    def forward(self, base_weight: torch.Tensor) -> torch.Tensor:
        alpha = self.alpha0 * self.mult
        return base_weight + torch.where(self.bits, alpha, -alpha).to(base_weight.dtype)


def _loss(kind: DistillLoss, student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    if kind is DistillLoss.LOGIT_MSE:
        return F.mse_loss(student, teacher)
    log_p = F.log_softmax(teacher.float(), dim=-1)
    log_q = F.log_softmax(student.float(), dim=-1)
    return F.kl_div(log_q.flatten(0, -2), log_p.flatten(0, -2), log_target=True, reduction="batchmean")


def build_student(base_model: nn.Module, delta: BitDelta) -> tuple[nn.Module, dict[str, _ScaledSigns]]:
    """A copy of `base_model` whose compressed weights are base + α·sign with trainable multipliers."""
    student = copy.deepcopy(base_model)
    for p in student.parameters():
        p.requires_grad_(False)
    params: dict[str, _ScaledSigns] = {}
    for name, bt in delta.compressed.items():
        module_name, _, attr = name.rpartition(".")
        module = student.get_submodule(module_name)
        scaled = _ScaledSigns(unpack_bits(bt.signs, bt.shape), bt.scale)
        parametrize.register_parametrization(module, attr, scaled)
        params[name] = scaled
    for name, t in delta.dense.items():
        module_name, _, attr = name.rpartition(".")
        target = getattr(student.get_submodule(module_name), attr)
        with torch.no_grad():
            target.copy_(t.to(target.dtype))
    return student, params


def distill_scales(
    base_model: nn.Module,
    finetuned_model: nn.Module,
    delta: BitDelta,
    windows: torch.Tensor,
    config: DistillConfig = DistillConfig(),
    on_step: Callable[[int, float], None] | None = None,
) -> DistillResult:
    """Fit the scales of `delta` on calibration `windows` ([n, seq_len] token ids); signs stay frozen."""
    student, params = build_student(base_model, delta)
    student.train(False)
    finetuned_model.train(False)
    multipliers = [p.mult for p in params.values()]
    optimizer = torch.optim.AdamW(multipliers, lr=config.lr, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, max(config.steps, 1))
    generator = torch.Generator().manual_seed(config.seed)
    order = torch.randperm(len(windows), generator=generator)
    losses: list[float] = []
    for step in range(config.steps):
        start = (step * config.batch_size) % len(order)
        idx = order[start : start + config.batch_size]
        batch = windows[idx]
        with torch.no_grad():
            teacher = finetuned_model(input_ids=batch).logits
        student_logits = student(input_ids=batch).logits
        loss = _loss(config.loss, student_logits, teacher)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(float(loss.detach()))
        if on_step is not None:
            on_step(step, losses[-1])
    fitted = dataclasses.replace(delta, compressed=dict(delta.compressed), info=dict(delta.info))
    for name, p in params.items():
        bt = fitted.compressed[name]
        scale = float(np.float32(p.alpha0 * float(p.mult.detach())))
        fitted.compressed[name] = dataclasses.replace(bt, scale=scale)
    fitted.info["distillation"] = {
        **{k: (v.value if isinstance(v, enum.Enum) else v) for k, v in dataclasses.asdict(config).items()},
        "windows": list(windows.shape),
        "loss_first": losses[0] if losses else None,
        "loss_last": losses[-1] if losses else None,
    }
    return DistillResult(delta=fitted, losses=losses)
