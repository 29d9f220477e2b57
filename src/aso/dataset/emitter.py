"""Cell selection for MAP-Elites (ADR-0006 Candidates E and F): which cell the next generation targets.

Candidate E: empty cells first (least-attempted first, random among ties), then the lowest-quality
filled cells, UCB-weighted; `ucb` selection scores every cell by UCB from the start; every 10th call
targets a neighbour (same size, one construct swapped) of a recently improved cell.

Candidate F adds a ConstructPrior weight per cell and three phases:
1. empty production cells (prior weight > ε), sampled ∝ weight / (1 + attempts);
2. once all are filled: production cells with quality <= threshold, argmax weight × UCB;
3. once all production cells exceed the threshold: the tail (weight = ε), empty first, then lowest.

`ask` never changes state; `tell` does, and the two must alternate (CallOrderError otherwise).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from enum import Enum

import numpy as np
from ribs.archives import AddStatus

from aso.dataset.cells import Cell, neighbours


class CallOrderError(RuntimeError):
    """`ask` called twice without `tell`, or `tell` without `ask`."""


class Selection(Enum):
    """Base selection strategy (ADR grid column 'Selection strategy')."""

    EMPTY_FIRST = "empty-first"
    UCB = "ucb"


class Reason(Enum):
    """Why a cell was chosen (logged with every generation)."""

    EMPTY = "empty"
    LOWEST_QUALITY = "lowest_quality"
    UCB = "ucb"
    NEIGHBOUR = "neighbour"
    PRIOR_PHASE1 = "prior_phase1"
    PRIOR_PHASE2 = "prior_phase2"
    PRIOR_PHASE3 = "prior_phase3"


@dataclass(frozen=True)
class CellChoice:
    """A selected cell and why."""

    cell: Cell
    reason: Reason


class CellEmitter:
    """Chooses target cells; learns from which cells were filled or improved."""

    def __init__(
        self,
        cells: list[Cell],
        vocabulary: list[str],
        selection: Selection = Selection.EMPTY_FIRST,
        neighbour_every: int = 10,
        ucb_c: float = 0.5,
        prior_weights: dict[Cell, float] | None = None,
        epsilon: float = 0.05,
        phase3_threshold: float = 0.7,
        recent: int = 5,
    ) -> None:
        self.cells = list(cells)
        self.vocabulary = list(vocabulary)
        self._index = {c: i for i, c in enumerate(self.cells)}
        self.selection = selection
        self.neighbour_every = neighbour_every
        self.ucb_c = ucb_c
        self.quality = np.full(len(cells), np.nan)  # NaN = empty
        self.attempts = np.zeros(len(cells))
        self.calls = 0
        self.recent_improved: deque[Cell] = deque(maxlen=recent)
        self.epsilon = epsilon
        self.phase3_threshold = phase3_threshold
        self.weights = None
        if prior_weights is not None:
            self.weights = np.array([max(prior_weights.get(c, 0.0), epsilon) for c in self.cells])
        self._asked = False

    # --- state ---------------------------------------------------------------------------------
    def phase(self) -> int:
        """Current ConstructPrior phase (1, 2 or 3); 0 when there is no prior."""
        if self.weights is None:
            return 0
        production = self.weights > self.epsilon
        empty = np.isnan(self.quality)
        if np.any(production & empty):
            return 1
        if np.any(production & (self.quality <= self.phase3_threshold)):
            return 2
        return 3

    def _ucb(self, quality: np.ndarray) -> np.ndarray:
        q = np.nan_to_num(quality, nan=0.0)
        bonus = self.ucb_c * np.sqrt(math.log(self.calls + 2) / (self.attempts + 1))
        return (1.0 - q) + bonus

    # --- ask / tell ----------------------------------------------------------------------------
    def ask(self, n: int, rng: np.random.Generator) -> list[CellChoice]:
        """Choose `n` distinct target cells (pure: state changes only in `tell`)."""
        if self._asked:
            raise CallOrderError("CellEmitter.ask called twice without tell")
        self._asked = True
        taken = np.zeros(len(self.cells), dtype=bool)
        out = []
        for i in range(min(n, len(self.cells))):
            call_number = self.calls + i + 1
            choice = None
            if self.neighbour_every and call_number % self.neighbour_every == 0 and self.recent_improved:
                choice = self._neighbour(rng, taken)
            if choice is None:
                choice = (
                    self._prior_choice(rng, taken) if self.weights is not None else self._plain(rng, taken)
                )
            taken[self._index[choice.cell]] = True
            out.append(choice)
        return out

    def tell(self, choices: list[CellChoice], added: list[list[tuple[Cell, AddStatus, float]]]) -> None:
        """Record the outcome per choice: the (cell, status, quality) archive additions it caused."""
        if not self._asked:
            raise CallOrderError("CellEmitter.tell called without ask")
        self._asked = False
        self.replay(choices, added)

    def replay(self, choices: list[CellChoice], added: list[list[tuple[Cell, AddStatus, float]]]) -> None:
        """Apply logged outcomes of an earlier session (resuming a run); no `ask` is needed."""
        if self._asked:
            raise CallOrderError("CellEmitter.replay called between ask and tell")
        for choice, additions in zip(choices, added, strict=True):
            self.attempts[self._index[choice.cell]] += 1
            self.calls += 1
            for cell, status, quality in additions:
                if cell not in self._index or status == AddStatus.NOT_ADDED:
                    continue
                self.quality[self._index[cell]] = quality
                if cell not in self.recent_improved:
                    self.recent_improved.append(cell)

    # --- strategies ----------------------------------------------------------------------------
    def _pick_min(self, rng: np.random.Generator, mask: np.ndarray, values: np.ndarray) -> int:
        idx = np.flatnonzero(mask)
        best = values[idx].min()
        return int(rng.choice(idx[values[idx] == best]))

    def _pick_max(self, rng: np.random.Generator, mask: np.ndarray, values: np.ndarray) -> int:
        return self._pick_min(rng, mask, -values)

    def _plain(self, rng: np.random.Generator, taken: np.ndarray) -> CellChoice:
        free = ~taken
        if self.selection is Selection.UCB:
            return CellChoice(self.cells[self._pick_max(rng, free, self._ucb(self.quality))], Reason.UCB)
        empty = free & np.isnan(self.quality)
        if empty.any():
            return CellChoice(self.cells[self._pick_min(rng, empty, self.attempts)], Reason.EMPTY)
        return CellChoice(
            self.cells[self._pick_max(rng, free, self._ucb(self.quality))], Reason.LOWEST_QUALITY
        )

    def _prior_choice(self, rng: np.random.Generator, taken: np.ndarray) -> CellChoice:
        free = ~taken
        production = free & (self.weights > self.epsilon)
        empty = np.isnan(self.quality)
        if (production & empty).any():
            idx = np.flatnonzero(production & empty)
            p = self.weights[idx] / (1.0 + self.attempts[idx])
            return CellChoice(self.cells[int(rng.choice(idx, p=p / p.sum()))], Reason.PRIOR_PHASE1)
        low = production & (self.quality <= self.phase3_threshold)
        if low.any():
            score = self.weights * self._ucb(self.quality)
            return CellChoice(self.cells[self._pick_max(rng, low, score)], Reason.PRIOR_PHASE2)
        tail = free & (self.weights <= self.epsilon)
        pool = tail if tail.any() else free
        if (pool & empty).any():
            return CellChoice(
                self.cells[self._pick_min(rng, pool & empty, self.attempts)], Reason.PRIOR_PHASE3
            )
        return CellChoice(self.cells[self._pick_max(rng, pool, self._ucb(self.quality))], Reason.PRIOR_PHASE3)

    def _neighbour(self, rng: np.random.Generator, taken: np.ndarray) -> CellChoice | None:
        base = self.recent_improved[int(rng.integers(len(self.recent_improved)))]
        idx = np.array(
            sorted({self._index[c] for c in neighbours(base, self.vocabulary) if c in self._index}), dtype=int
        )
        idx = idx[~taken[idx]] if idx.size else idx
        if idx.size == 0:
            return None
        mask = np.zeros(len(self.cells), dtype=bool)
        mask[idx] = True
        empty = mask & np.isnan(self.quality)
        if empty.any():
            return CellChoice(self.cells[self._pick_min(rng, empty, self.attempts)], Reason.NEIGHBOUR)
        return CellChoice(self.cells[self._pick_min(rng, mask, self.quality)], Reason.NEIGHBOUR)
