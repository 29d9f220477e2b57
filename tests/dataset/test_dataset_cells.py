from math import comb

import numpy as np
import pytest
from ribs.archives import AddStatus

from aso.dataset.archive import CellArchive
from aso.dataset.cells import (
    QualityWeights,
    bonus_constructs,
    cell_gate,
    cell_key,
    cell_quality,
    cells_satisfied,
    code_length_norm,
    enumerate_cells,
    neighbours,
)

VOCAB = ["A", "B", "C", "D", "E"]


def test_cells_are_all_pairs_and_trios():
    cells = enumerate_cells(VOCAB, (2, 3))
    assert len(cells) == comb(5, 2) + comb(5, 3) == 20
    assert len(set(cells)) == 20
    assert all(tuple(sorted(c)) == c for c in cells)
    assert len(enumerate_cells(VOCAB, (2,))) == 10


def test_cell_gate_needs_every_construct():
    assert cell_gate(("A", "B"), {"A", "B", "C"})
    assert not cell_gate(("A", "B", "D"), {"A", "B", "C"})


def test_quality_formula_hand_computed():
    w = QualityWeights(alpha=0.2, beta=0.3, gamma=0.1)
    # cell A+B, constructs A,B,C (1 extra of 5-2=3 possible), test quality 0.5, 15 lines (0.5 of 30)
    q = cell_quality(("A", "B"), {"A", "B", "C"}, 0.5, 15, 5, w)
    expected = (1.0 + 0.2 * (1 / 3) + 0.3 * 0.5 + 0.1 * 0.5) / 1.6
    assert q == pytest.approx(expected)
    # gate fails -> 0 regardless of the rest
    assert cell_quality(("A", "D"), {"A", "B", "C"}, 1.0, 100, 5, w) == 0.0
    assert bonus_constructs(("A", "B"), {"A", "B", "C", "D", "E"}, 5) == 1.0
    assert code_length_norm(60) == 1.0


def test_cells_satisfied_and_neighbours():
    assert set(cells_satisfied({"A", "B", "C"})) == {("A", "B"), ("A", "C"), ("B", "C"), ("A", "B", "C")}
    nb = neighbours(("A", "B"), VOCAB)
    assert ("A", "C") in nb and ("B", "E") in nb and ("A", "B") not in nb
    assert len(set(nb)) == 2 * 3


def test_archive_updates_through_pyribs():
    cells = enumerate_cells(VOCAB, (2,))
    archive = CellArchive(cells)
    assert archive.add(("A", "B"), 1, 0.6) == AddStatus.NEW
    assert archive.add(("A", "B"), 2, 0.5) == AddStatus.NOT_ADDED
    assert archive.elite(("A", "B")) == 1
    assert archive.add(("A", "B"), 3, 0.9) == AddStatus.IMPROVE_EXISTING
    assert archive.elite(("A", "B")) == 3 and archive.quality(("A", "B")) == pytest.approx(0.9)
    assert archive.fill_rate == pytest.approx(1 / 10)
    assert archive.to_json() == {cell_key(("A", "B")): {"example": 3, "quality": pytest.approx(0.9)}}
    assert archive.quality(("C", "D")) is None
    assert np.isclose(len(archive), 1)


def test_index_all_cells_flag_offers_example_to_every_satisfied_cell():
    from aso.dataset.emitter import CellEmitter
    from aso.dataset.map_elites import MapElitesMode
    from aso.dataset.stages import ExampleRecord, StageOutcome

    def build(flag):
        cells = enumerate_cells(VOCAB, (2, 3))
        return MapElitesMode(VOCAB, (2, 3), CellEmitter(cells, VOCAB), QualityWeights(), index_all_cells=flag)

    rec = ExampleRecord(id=7, code="x", outcome=StageOutcome.ACCEPTED, constructs=["A", "B", "C"], lines=5)
    for flag, expected in [(False, 1), (True, 4)]:  # A+B+C satisfies 3 pairs and 1 trio
        mode = build(flag)
        requests = mode.ask(1, np.random.default_rng(0))
        target = requests[0].constructs
        rec.constructs = sorted(set(target) | {"A", "B", "C"}) if flag else list(target)
        mode.tell(requests, [rec])
        if flag:
            assert len(mode.archive.filled()) == len(cells_satisfied(rec.constructs))
        else:
            assert len(mode.archive.filled()) == expected and mode.archive.elite(target) == 7
