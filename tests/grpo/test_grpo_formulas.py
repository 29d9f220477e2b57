import math

import numpy as np
import pytest

from aso.grpo import GroupStatus, TestResolutionGain, group_advantages
from aso.grpo.advantages import EPSILON, ZeroUtility, binary_entropy
from aso.grpo.tasks import Rollout, Verdict
from aso.grpo.token_bias import distill_token_bias


def test_binary_entropy_hand_values():
    h = binary_entropy(np.array([0.0, 0.5, 0.25, 1.0]))
    assert h[0] == 0.0 and h[3] == 0.0
    assert h[1] == pytest.approx(1.0)
    assert h[2] == pytest.approx(0.25 * 2 + 0.75 * math.log2(4 / 3))


def test_information_gain_hand_computed():
    # p = [0.5, 0.25]; H_b = [1, 0.811278]; u(y) = mean over tests of passed * H_b
    outcomes = np.array([[1, 1], [1, 0], [0, 0], [0, 0]])
    h25 = -(0.25 * math.log2(0.25) + 0.75 * math.log2(0.75))
    u = TestResolutionGain()(outcomes)
    assert u.tolist() == pytest.approx([(1 + h25) / 2, 0.5, 0.0, 0.0])


def test_information_gain_is_zero_when_the_group_agrees():
    assert TestResolutionGain()(np.ones((4, 3))).tolist() == [0, 0, 0, 0]
    assert TestResolutionGain()(np.zeros((4, 3))).tolist() == [0, 0, 0, 0]


def test_advantages_hand_computed():
    outcomes = [[1, 1], [1, 0], [0, 0], [0, 0]]
    rewards = [1.0, 0.5, 0.0, 0.0]
    h25 = 0.8112781244591328
    u = [(1 + h25) / 2, 0.5, 0.0, 0.0]
    g = [r + 0.5 * x for r, x in zip(rewards, u, strict=True)]
    mean = sum(g) / 4
    std = math.sqrt(sum((x - mean) ** 2 for x in g) / 4)
    expected = [(x - mean) / (std + EPSILON) for x in g]
    got = group_advantages(rewards, outcomes, alpha=1.0, beta=0.5)
    assert got.status is GroupStatus.LEARNABLE
    assert list(got.scores) == pytest.approx(g)
    assert list(got.advantages) == pytest.approx(expected, rel=1e-9)
    assert got.advantages[0] == pytest.approx(1.4931, abs=1e-3)  # 0.902115 / 0.604169


def test_alpha_beta_weighting():
    got = group_advantages([1.0, 0.0], [[1], [0]], alpha=2.0, beta=0.0)
    assert list(got.scores) == [2.0, 0.0]
    assert list(got.advantages) == pytest.approx([1.0, -1.0], rel=1e-5)


def test_zero_variance_group_is_skipped():
    got = group_advantages([0.5, 0.5, 0.5, 0.5], [[1, 0]] * 4)
    assert got.status is GroupStatus.NO_VARIANCE
    assert got.advantages == (0.0, 0.0, 0.0, 0.0)


def test_utility_is_swappable():
    got = group_advantages([1.0, 0.0], [[1, 1], [0, 0]], utility=ZeroUtility())
    assert got.utilities == (0.0, 0.0)


def test_token_bias_log_ratio_hand_computed():
    def rollout(tokens, adv):
        return Rollout("t", "".join(map(str, tokens)), Verdict(0.0), advantage=adv)

    rollouts = [rollout([0, 0, 1], 1.0), rollout([1, 2, 2], -1.0), rollout([3, 3, 3], 0.0)]
    bias = distill_token_bias(rollouts, lambda s: [int(c) for c in s], vocab_size=4, min_count=1)
    # N_H = N_L = 3, V = 4, λ = 1: b0 = 0; b[0] = log(3/7) - log(1/7); b[1] = 0; b[2] = log(1/7) - log(3/7)
    assert dict(zip(bias.token_ids, bias.values, strict=True)) == pytest.approx(
        {0: math.log(3), 2: -math.log(3)}
    )
    assert bias.dense().tolist() == pytest.approx([math.log(3), 0.0, -math.log(3), 0.0])
