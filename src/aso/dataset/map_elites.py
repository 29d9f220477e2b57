"""Candidates E and F: MAP-Elites over construct cells. The archive is pyribs'; selection is our emitter.

Per example: the cell gate (all target constructs present), then the cell quality; the archive keeps
the best per cell. With `index_all_cells` (the ADR's open question 2) an accepted example is also
offered to every other cell it satisfies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ribs.archives import AddStatus

from aso.dataset.archive import CellArchive
from aso.dataset.cells import Cell, QualityWeights, cell_gate, cell_quality, cells_satisfied, enumerate_cells
from aso.dataset.emitter import CellChoice, CellEmitter, Reason, Selection
from aso.dataset.requests import GenerationRequest
from aso.dataset.stages import ExampleRecord
from aso.errors import ConfigError


@dataclass(frozen=True)
class MapElitesConfig:
    """One row of the Candidate E grid."""

    cell_sizes: tuple[int, ...]
    """(2,) pairs only, or (2, 3) pairs and trios."""
    selection: Selection
    """Empty-first or UCB-weighted."""
    alpha: float
    """Bonus-constructs weight in the cell quality."""


MAP_ELITES_GRID = {
    "E1": MapElitesConfig((2,), Selection.EMPTY_FIRST, 0.2),
    "E2": MapElitesConfig((2, 3), Selection.EMPTY_FIRST, 0.2),
    "E3": MapElitesConfig((2, 3), Selection.UCB, 0.2),
    "E4": MapElitesConfig((2, 3), Selection.EMPTY_FIRST, 0.5),
}


def map_elites_config(name: str) -> MapElitesConfig:
    """E1-E4 (ConfigError otherwise)."""
    if name not in MAP_ELITES_GRID:
        raise ConfigError(f"--config {name!r}: map-elites mode takes {', '.join(MAP_ELITES_GRID)}")
    return MAP_ELITES_GRID[name]


class MapElitesMode:
    """MAP-Elites generation state: archive (pyribs), emitter (selection) and the quality formula."""

    def __init__(
        self,
        vocabulary: list[str],
        cell_sizes: tuple[int, ...],
        emitter: CellEmitter,
        weights: QualityWeights,
        index_all_cells: bool = False,
        mode: str = "map-elites",
        seed: int = 0,
    ) -> None:
        self.mode = mode
        self.vocabulary = list(vocabulary)
        self.cell_sizes = cell_sizes
        self.cells = enumerate_cells(vocabulary, cell_sizes)
        self.archive = CellArchive(self.cells, seed=seed)
        self.emitter = emitter
        self.weights = weights
        self.index_all_cells = index_all_cells
        self._constructs: dict[int, set[str]] = {}
        self.gate_passed = 0
        self.gate_failed = 0

    @staticmethod
    def build_cells(vocabulary: list[str], cell_sizes: tuple[int, ...]) -> list[Cell]:
        """The cell list an emitter for this mode must be built over."""
        return enumerate_cells(vocabulary, cell_sizes)

    def ask(self, n: int, rng: np.random.Generator) -> list[GenerationRequest]:
        """`n` requests, each demanding all constructs of an emitter-chosen cell."""
        return [
            GenerationRequest(mode=self.mode, constructs=choice.cell, reason=choice.reason.value)
            for choice in self.emitter.ask(n, rng)
        ]

    def novelty_pool(self) -> list[set[str]]:
        """Novelty is measured against the archive's elites."""
        return [self._constructs[i] for i in self.archive.elite_ids() if i in self._constructs]

    def quality(self, cell: Cell, record: ExampleRecord) -> float:
        """Cell quality of an example for a cell (0 when the gate fails)."""
        return cell_quality(
            cell, record.constructs, record.test_quality, record.lines, len(self.vocabulary), self.weights
        )

    def tell(
        self, requests: list[GenerationRequest], records: list[ExampleRecord], replay: bool = False
    ) -> None:
        """Gate, score and offer each accepted example to the archive; tell the emitter what changed.

        `replay=True` re-applies a logged iteration of a resumed run (no `ask` preceded it).
        """
        choices, added = [], []
        for request, record in zip(requests, records, strict=True):
            target = tuple(request.constructs)
            choices.append(CellChoice(target, Reason(request.reason)))
            additions: list[tuple[Cell, AddStatus, float]] = []
            if record.accepted:
                self._constructs[record.id] = set(record.constructs)
                if cell_gate(target, record.constructs):
                    self.gate_passed += 1
                    q = self.quality(target, record)
                    additions.append((target, self.archive.add(target, record.id, q), q))
                else:
                    self.gate_failed += 1
                if self.index_all_cells:
                    for cell in cells_satisfied(record.constructs, self.cell_sizes):
                        if cell != target:
                            q = self.quality(cell, record)
                            additions.append((cell, self.archive.add(cell, record.id, q), q))
            added.append(additions)
        if replay:
            self.emitter.replay(choices, added)
        else:
            self.emitter.tell(choices, added)

    def dataset_ids(self) -> list[int]:
        """The dataset is the archive's distinct elites."""
        return sorted(self.archive.elite_ids())

    def summary(self) -> dict:
        """State for the run's outputs."""
        return {
            "archive": self.archive.to_json(),
            "cells": len(self.cells),
            "gate_passed": self.gate_passed,
            "gate_failed": self.gate_failed,
            "phase": self.emitter.phase(),
        }
