"""Group-relative scores and advantages: `g = α·r + β·u`, `A = (g − mean(g)) / (std(g) + ε)`.

Epistemic utility `u` is information gain, `u = H[p(s)] − E[H[p(s|y)]]`, made concrete for code with
tests (`TestResolutionGain`):

- `s` is the unknown pass/fail status of each of the task's `T` tests for this task; `p(s)` is the
  group's empirical belief, `p_t` = fraction of the group's `G` rollouts that pass test `t`.
- `H[p(s)] = (1/T) Σ_t H_b(p_t)`, with `H_b(p) = −p·log2 p − (1−p)·log2(1−p)` (bits; tests treated as
  independent, averaged so `u ∈ [0, 1]`).
- Observing rollout `y` *resolves* a test it passes (it shows the test is passable:
  `p(s_t|y) = 1`, entropy 0); a failure is no evidence the test cannot be passed, so the belief stays
  `p_t`. Hence `u(y) = (1/T) Σ_t o_t(y) · H_b(p_t)` where `o_t(y) ∈ {0, 1}` is y's outcome on test t.

So a rollout scores epistemic utility for passing the tests the group disagrees on; passing a test every
rollout passes (or failing one every rollout fails) carries no information. Any callable with the
`EpistemicUtility` signature can replace it.

`std` is the population standard deviation (ddof=0), `ε = 1e-6`. A group whose scores all equal (zero
variance) teaches nothing: it gets `GroupStatus.NO_VARIANCE` and no advantages, as in Training-Free GRPO.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

EPSILON = 1e-6
VARIANCE_TOLERANCE = 1e-12


class EpistemicUtility(Protocol):
    """Maps a group's test outcomes `[G, T]` (1 = passed) to one utility per rollout `[G]`."""

    def __call__(self, outcomes: np.ndarray) -> np.ndarray:
        """Utility of each rollout of the group."""
        ...


def binary_entropy(p: np.ndarray) -> np.ndarray:
    """`H_b(p)` in bits, elementwise, with `H_b(0) = H_b(1) = 0`."""
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    out = np.zeros_like(p)
    inside = (p > 0) & (p < 1)
    q = p[inside]
    out[inside] = -(q * np.log2(q) + (1 - q) * np.log2(1 - q))
    return out


class TestResolutionGain:
    """`u(y) = (1/T) Σ_t o_t(y)·H_b(p_t)`: information gain from the tests a rollout resolves (module doc)."""

    __test__ = False  # not a pytest class despite the name

    def __call__(self, outcomes: np.ndarray) -> np.ndarray:
        """Utility of each rollout; a group with no tests has utility 0 everywhere."""
        o = np.asarray(outcomes, dtype=float)
        if o.ndim != 2 or o.shape[1] == 0:
            return np.zeros(o.shape[0] if o.ndim else 0)
        h = binary_entropy(o.mean(axis=0))  # [T]
        return (o * h).mean(axis=1)


class ZeroUtility:
    """`u = 0`: extrinsic reward only (equivalent to β = 0)."""

    def __call__(self, outcomes: np.ndarray) -> np.ndarray:
        """Zeros, one per rollout."""
        return np.zeros(np.asarray(outcomes).shape[0])


class GroupStatus(enum.Enum):
    """Whether a group can teach anything."""

    LEARNABLE = "learnable"
    NO_VARIANCE = "no_variance"


@dataclass(frozen=True)
class GroupAdvantages:
    """Scores and advantages of one group of rollouts."""

    status: GroupStatus
    rewards: tuple[float, ...]
    """Extrinsic reward `r` of each rollout."""
    utilities: tuple[float, ...]
    """Epistemic utility `u` of each rollout."""
    scores: tuple[float, ...]
    """`g = α·r + β·u`."""
    advantages: tuple[float, ...]
    """`(g − mean) / (std + ε)`; all zeros when `status` is NO_VARIANCE."""


def group_advantages(
    rewards: Sequence[float],
    outcomes: np.ndarray | Sequence[Sequence[bool]],
    *,
    alpha: float = 1.0,
    beta: float = 0.5,
    utility: EpistemicUtility | None = None,
) -> GroupAdvantages:
    """Score a group: `g = α·r + β·u`, then normalise within the group (see module doc)."""
    r = np.asarray(rewards, dtype=float)
    o = np.asarray(outcomes, dtype=float)
    if o.ndim == 1:  # no tests at all: an empty [G, 0] matrix
        o = o.reshape(len(r), -1)
    if o.shape[0] != len(r):
        raise ValueError(f"outcomes has {o.shape[0]} rows for {len(r)} rewards")
    u = (utility or TestResolutionGain())(o)
    g = alpha * r + beta * u
    std = float(g.std())  # population std, ddof=0
    if len(g) < 2 or std <= VARIANCE_TOLERANCE:
        return GroupAdvantages(GroupStatus.NO_VARIANCE, _t(r), _t(u), _t(g), _t(np.zeros_like(g)))
    a = (g - g.mean()) / (std + EPSILON)
    return GroupAdvantages(GroupStatus.LEARNABLE, _t(r), _t(u), _t(g), _t(a))


def _t(x: np.ndarray) -> tuple[float, ...]:
    return tuple(float(v) for v in x)
