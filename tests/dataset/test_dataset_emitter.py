import numpy as np
import pytest
from ribs.archives import AddStatus

from aso.dataset.cells import enumerate_cells
from aso.dataset.emitter import CallOrderError, CellEmitter, Reason, Selection

VOCAB = ["A", "B", "C", "D"]


def rng():
    return np.random.default_rng(0)


def fill(emitter, cell, q):
    choice = emitter.ask(1, rng())
    emitter.tell(choice, [[(cell, AddStatus.NEW, q)]])


def test_ask_tell_must_alternate():
    em = CellEmitter(enumerate_cells(VOCAB, (2,)), VOCAB)
    em.ask(1, rng())
    with pytest.raises(CallOrderError):
        em.ask(1, rng())
    em2 = CellEmitter(enumerate_cells(VOCAB, (2,)), VOCAB)
    with pytest.raises(CallOrderError):
        em2.tell([], [])


def test_empty_first_then_lowest_quality():
    cells = enumerate_cells(VOCAB, (2,))
    em = CellEmitter(cells, VOCAB, neighbour_every=0)
    for i, cell in enumerate(cells[:-1]):
        em.ask(1, rng())
        em.tell([em_choice(cell)], [[(cell, AddStatus.NEW, 0.5 + 0.05 * i)]])
    # one empty cell left: it must be chosen
    (choice,) = em.ask(1, rng())
    assert choice.cell == cells[-1] and choice.reason is Reason.EMPTY
    em.tell([choice], [[(cells[-1], AddStatus.NEW, 0.9)]])
    # all filled: the lowest-quality cell (cells[0], 0.5) wins (equal attempts -> equal UCB bonus)
    (choice,) = em.ask(1, rng())
    assert choice.reason is Reason.LOWEST_QUALITY and choice.cell == cells[0]


def em_choice(cell):
    from aso.dataset.emitter import CellChoice

    return CellChoice(cell, Reason.EMPTY)


def test_empty_first_prefers_least_attempted_and_batch_is_distinct():
    cells = enumerate_cells(VOCAB, (2,))
    em = CellEmitter(cells, VOCAB, neighbour_every=0)
    batch = em.ask(6, rng())
    assert len({c.cell for c in batch}) == 6 and all(c.reason is Reason.EMPTY for c in batch)
    em.tell(batch, [[] for _ in batch])
    # everything was attempted once and failed; a fresh ask still picks empty cells
    assert all(c.reason is Reason.EMPTY for c in em.ask(3, rng()))


def test_ucb_selection_avoids_repeatedly_failing_cells():
    cells = enumerate_cells(VOCAB, (2,))
    em = CellEmitter(cells, VOCAB, selection=Selection.UCB, neighbour_every=0, ucb_c=1.0)
    hard = cells[0]
    for _ in range(5):
        em.ask(1, rng())
        em.tell([em_choice(hard)], [[]])
    (choice,) = em.ask(1, rng())
    assert choice.reason is Reason.UCB and choice.cell != hard


def test_every_tenth_call_is_a_neighbour_of_a_recent_improvement():
    cells = enumerate_cells(VOCAB, (2, 3))
    em = CellEmitter(cells, VOCAB, neighbour_every=10)
    improved = ("A", "B")
    batch = em.ask(9, rng())
    added = [[(improved, AddStatus.NEW, 0.8)]] + [[] for _ in batch[1:]]
    em.tell(batch, added)
    (tenth,) = em.ask(1, rng())
    assert tenth.reason is Reason.NEIGHBOUR
    assert len(tenth.cell) == 2 and len(set(tenth.cell) & set(improved)) == 1


def test_prior_phases():
    cells = enumerate_cells(VOCAB, (2,))
    weights = {("A", "B"): 1.0, ("A", "C"): 0.5}  # production cells; the other four are tail (epsilon)
    em = CellEmitter(
        cells, VOCAB, neighbour_every=0, prior_weights=weights, epsilon=0.05, phase3_threshold=0.7
    )
    assert em.phase() == 1
    (c,) = em.ask(1, rng())
    assert c.reason is Reason.PRIOR_PHASE1 and c.cell in weights
    em.tell([c], [[(("A", "B"), AddStatus.NEW, 0.6)]])
    (c,) = em.ask(1, rng())
    assert c.cell == ("A", "C") and c.reason is Reason.PRIOR_PHASE1  # the only empty production cell
    em.tell([c], [[(("A", "C"), AddStatus.NEW, 0.9)]])
    assert em.phase() == 2
    (c,) = em.ask(1, rng())
    assert c.reason is Reason.PRIOR_PHASE2 and c.cell == ("A", "B")  # only production cell with q <= 0.7
    em.tell([c], [[(("A", "B"), AddStatus.IMPROVE_EXISTING, 0.75)]])
    assert em.phase() == 3
    (c,) = em.ask(1, rng())
    assert c.reason is Reason.PRIOR_PHASE3 and c.cell not in weights


def test_phase1_samples_proportionally_to_prior_weight():
    cells = enumerate_cells(VOCAB, (2,))
    weights = {("A", "B"): 0.9, ("C", "D"): 0.1}
    picks = []
    for seed in range(300):
        em = CellEmitter(cells, VOCAB, neighbour_every=0, prior_weights=weights)
        picks.append(em.ask(1, np.random.default_rng(seed))[0].cell)
    share = picks.count(("A", "B")) / len(picks)
    assert 0.8 < share < 0.97
