"""The MAP-Elites archive: a pyribs `CategoricalArchive` with one categorical measure (the cell key).

The solution stored per elite is the example id (a 1-D float); the objective is the cell quality.
pyribs decides insertion (elitist: strictly better replaces) and reports `AddStatus`.
"""

from __future__ import annotations

import numpy as np
from ribs.archives import AddStatus, CategoricalArchive

from aso.dataset.cells import Cell, cell_key


class CellArchive:
    """Best example per cell; a thin wrapper naming things in our words."""

    def __init__(self, cells: list[Cell], seed: int = 0) -> None:
        self.cells = list(cells)
        self._keys = [cell_key(c) for c in self.cells]
        self._archive = CategoricalArchive(solution_dim=1, categories=[self._keys], seed=seed)
        self._quality: dict[Cell, float] = {}  # mirror for fast selection; pyribs stays the authority
        self._elite: dict[Cell, int] = {}

    def add(self, cell: Cell, example_id: int, quality: float) -> AddStatus:
        """Offer an example for a cell; returns NEW, IMPROVE_EXISTING or NOT_ADDED."""
        info = self._archive.add_single(np.array([float(example_id)]), float(quality), [cell_key(cell)])
        status = AddStatus(int(info["status"]))
        if status != AddStatus.NOT_ADDED:
            self._quality[cell] = float(quality)
            self._elite[cell] = int(example_id)
        return status

    def quality(self, cell: Cell) -> float | None:
        """Quality of the cell's elite, or None when the cell is empty."""
        return self._quality.get(cell)

    def elite(self, cell: Cell) -> int | None:
        """Example id of the cell's elite, or None."""
        return self._elite.get(cell)

    def filled(self) -> dict[Cell, float]:
        """Filled cell -> elite quality."""
        return dict(self._quality)

    def elite_ids(self) -> set[int]:
        """Distinct example ids that are elites of some cell."""
        return set(self._elite.values())

    def __len__(self) -> int:
        return len(self._archive)

    @property
    def fill_rate(self) -> float:
        """Filled cells / all cells (pyribs' own coverage statistic)."""
        return float(self._archive.stats.coverage)

    def to_json(self) -> dict[str, dict]:
        """Cell key -> {example, quality}, read back from pyribs."""
        data = self._archive.data(["solution", "objective", "measures"])
        return {
            str(m[0]): {"example": int(s[0]), "quality": float(o)}
            for s, o, m in zip(data["solution"], data["objective"], data["measures"], strict=True)
        }
