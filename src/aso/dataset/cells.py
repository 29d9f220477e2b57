"""Coverage cells (every 2- and 3-subset of the vocabulary), the cell gate and the cell quality score."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

Cell = tuple[str, ...]  # sorted construct names
FULL_LENGTH_LINES = 30  # code_length_norm reaches 1.0 at this many non-blank lines


def cell_key(cell: Iterable[str]) -> str:
    """Canonical string key of a cell: sorted names joined by `+`."""
    return "+".join(sorted(cell))


def parse_cell_key(key: str) -> Cell:
    """Inverse of `cell_key`."""
    return tuple(key.split("+"))


def enumerate_cells(vocabulary: list[str], sizes: tuple[int, ...] = (2, 3)) -> list[Cell]:
    """All subsets of the vocabulary of the given sizes, each sorted; pairs before trios."""
    vocab = sorted(set(vocabulary))
    return [cell for size in sizes for cell in combinations(vocab, size)]


def cells_satisfied(constructs: Iterable[str], sizes: tuple[int, ...] = (2, 3)) -> list[Cell]:
    """Every cell (of `sizes`) whose constructs are all in `constructs`."""
    present = sorted(set(constructs))
    return [cell for size in sizes for cell in combinations(present, size)]


def cell_gate(cell: Cell, constructs: Iterable[str]) -> bool:
    """The gate: every construct of the cell is present in the example."""
    return set(cell) <= set(constructs)


def construct_fidelity(cell: Cell, constructs: Iterable[str]) -> float:
    """Fraction of the cell's constructs present in the example."""
    return len(set(cell) & set(constructs)) / len(cell)


def bonus_constructs(cell: Cell, constructs: Iterable[str], vocabulary_size: int) -> float:
    """Extra vocabulary constructs beyond the cell, normalised by how many extras were possible."""
    extras = len(set(constructs) - set(cell))
    return min(1.0, extras / max(1, vocabulary_size - len(cell)))


def code_length_norm(lines: int) -> float:
    """Non-blank lines / 30, capped at 1 (longer = richer)."""
    return min(1.0, lines / FULL_LENGTH_LINES)


@dataclass(frozen=True)
class QualityWeights:
    """Weights of the cell quality formula (ADR-0006, Candidate E)."""

    alpha: float = 0.2
    """Weight of bonus constructs (E1-E3: 0.2, E4: 0.5)."""
    beta: float = 0.3
    """Weight of test quality."""
    gamma: float = 0.1
    """Weight of normalised code length."""


def cell_quality(
    cell: Cell,
    constructs: Iterable[str],
    test_quality: float,
    lines: int,
    vocabulary_size: int,
    weights: QualityWeights,
) -> float:
    """(fidelity + α·bonus + β·test_quality + γ·length_norm) / (1 + α + β + γ); 0 if the gate fails.

    The division keeps quality in [0, 1] so the ADR's thresholds (q > 0.7, q > 0.5) mean something: an
    example that only passes the gate scores 1 / (1 + α + β + γ).
    """
    constructs = set(constructs)
    if not cell_gate(cell, constructs):
        return 0.0
    raw = (
        construct_fidelity(cell, constructs)
        + weights.alpha * bonus_constructs(cell, constructs, vocabulary_size)
        + weights.beta * test_quality
        + weights.gamma * code_length_norm(lines)
    )
    return raw / (1.0 + weights.alpha + weights.beta + weights.gamma)


def neighbours(cell: Cell, vocabulary: list[str]) -> list[Cell]:
    """Cells of the same size that differ from `cell` in exactly one construct."""
    out = []
    for drop in cell:
        rest = [c for c in cell if c != drop]
        for add in vocabulary:
            if add not in cell:
                out.append(tuple(sorted([*rest, add])))
    return out
