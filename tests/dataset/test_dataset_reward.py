from collections import Counter

import numpy as np
import pytest

from aso.dataset.requests import GenerationRequest
from aso.dataset.reward import REWARD_GRID, GoldPool, RewardMode, RewardWeights, coverage_summary, cw_reward
from aso.dataset.stages import ExampleRecord, StageOutcome
from aso.errors import ConfigError


def record(i, constructs, ecs=1.0, novelty=0.5, tq=0.0, outcome=StageOutcome.ACCEPTED):
    return ExampleRecord(
        id=i,
        code=f"x{i}",
        outcome=outcome,
        constructs=sorted(constructs),
        ecs=ecs,
        novelty=novelty,
        test_quality=tq,
    )


def test_grid_matches_adr():
    assert REWARD_GRID["A1"] == RewardWeights(0.50, 0.35, 0.15)
    assert REWARD_GRID["A4"].w_novelty == 0.0
    from aso.dataset.reward import reward_weights

    with pytest.raises(ConfigError):
        reward_weights("A9")


def test_cw_reward_hand_computed():
    w = RewardWeights(0.5, 0.35, 0.15)
    assert cw_reward(record(0, {"A"}, ecs=0.8, novelty=0.4, tq=1.0), w) == pytest.approx(0.4 + 0.14 + 0.15)
    # parse-only language: ECS is None, the other two weights are renormalised
    assert cw_reward(record(0, {"A"}, ecs=None, novelty=1.0, tq=0.0), w) == pytest.approx(0.35 / 0.5)


def test_gold_pool_keeps_top_k():
    pool = GoldPool(2)
    assert pool.offer(1, 0.3, {"A"})
    assert pool.offer(2, 0.9, {"B"})
    assert pool.offer(3, 0.5, {"C"})  # evicts 1
    assert not pool.offer(4, 0.1, {"D"})
    assert pool.top(2) == [2, 3]
    assert set(pool.constructs) == {2, 3}


def test_coverage_summary_returns_least_covered():
    rng = np.random.default_rng(0)
    counts = Counter({"A": 5, "B": 0, "C": 2, "D": 1})
    assert coverage_summary(counts, ["A", "B", "C", "D"], 2, rng) == ["B", "D"]


def test_reward_mode_selection_uses_pool_and_coverage():
    mode = RewardMode(["A", "B", "C", "D"], RewardWeights(0.5, 0.35, 0.15), pool_size=2, fewshots=1, steer=2)
    first = mode.ask(2, np.random.default_rng(0))
    assert all(r.fewshot_ids == () for r in first)
    mode.tell(
        first, [record(0, {"A", "B"}, ecs=1.0), record(1, {"A"}, ecs=0.0, outcome=StageOutcome.PARSE_ERROR)]
    )
    second = mode.ask(1, np.random.default_rng(0))
    assert second[0].fewshot_ids == (0,)
    assert set(second[0].steer) == {"C", "D"}  # A and B are covered now
    assert mode.dataset_ids() == [0]
    assert isinstance(second[0], GenerationRequest)
