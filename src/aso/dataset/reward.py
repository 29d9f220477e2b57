"""Candidate A, CW-Reward: a composite reward, a top-K GoldPool fed back as few-shots, and a coverage
summary that steers prompts toward under-represented constructs. Grid A1-A4 (ADR-0006).

reward(e) = w_ecs·ECS(e) + w_novelty·Jaccard_novelty(e, GoldPool) + w_tests·test_quality(e).
For parse-only languages ECS does not exist: the other two weights are renormalised to sum to 1.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass

import numpy as np

from aso.dataset.requests import GenerationRequest
from aso.dataset.stages import ExampleRecord
from aso.errors import ConfigError


@dataclass(frozen=True)
class RewardWeights:
    """Weights of the composite reward."""

    w_ecs: float
    """Weight of the Execution Coverage Score."""
    w_novelty: float
    """Weight of Jaccard novelty against the GoldPool."""
    w_tests: float
    """Weight of test quality."""


REWARD_GRID = {
    "A1": RewardWeights(0.50, 0.35, 0.15),
    "A2": RewardWeights(0.70, 0.20, 0.10),
    "A3": RewardWeights(0.30, 0.60, 0.10),
    "A4": RewardWeights(0.85, 0.00, 0.15),
}


def reward_weights(name: str) -> RewardWeights:
    """A1-A4 (ConfigError otherwise)."""
    if name not in REWARD_GRID:
        raise ConfigError(f"--config {name!r}: reward mode takes {', '.join(REWARD_GRID)}")
    return REWARD_GRID[name]


def cw_reward(record: ExampleRecord, weights: RewardWeights) -> float:
    """The composite reward of an accepted example."""
    if record.ecs is None:
        total = weights.w_novelty + weights.w_tests
        if total == 0:
            return 0.0
        return (weights.w_novelty * record.novelty + weights.w_tests * record.test_quality) / total
    return (
        weights.w_ecs * record.ecs
        + weights.w_novelty * record.novelty
        + weights.w_tests * record.test_quality
    )


class GoldPool:
    """The top-K examples by reward (ties: the earlier example stays)."""

    def __init__(self, k: int) -> None:
        self.k = k
        self._heap: list[tuple[float, int, int]] = []  # (reward, -id, id): min-heap, worst first
        self.constructs: dict[int, set[str]] = {}

    def offer(self, example_id: int, reward: float, constructs: set[str]) -> bool:
        """Insert if the pool has room or the reward beats the worst member; True when inserted."""
        item = (reward, -example_id, example_id)
        if len(self._heap) < self.k:
            heapq.heappush(self._heap, item)
        elif item > self._heap[0]:
            _, _, evicted = heapq.heapreplace(self._heap, item)
            self.constructs.pop(evicted, None)
        else:
            return False
        self.constructs[example_id] = set(constructs)
        return True

    def top(self, n: int) -> list[int]:
        """Ids of the best `n` members, best first."""
        return [i for _, _, i in sorted(self._heap, reverse=True)[:n]]

    def members(self) -> list[int]:
        """All member ids."""
        return [i for _, _, i in self._heap]


def coverage_summary(counts: Counter, vocabulary: list[str], n: int, rng: np.random.Generator) -> list[str]:
    """The `n` least-covered vocabulary constructs (random order among ties)."""
    keys = rng.permutation(len(vocabulary))
    order = sorted(range(len(vocabulary)), key=lambda i: (counts.get(vocabulary[i], 0), keys[i]))
    return [vocabulary[i] for i in order[:n]]


class RewardMode:
    """CW-Reward generation state: GoldPool, coverage counts, rewards."""

    mode = "reward"

    def __init__(
        self,
        vocabulary: list[str],
        weights: RewardWeights,
        pool_size: int = 8,
        fewshots: int = 1,
        steer: int = 3,
    ) -> None:
        self.vocabulary = list(vocabulary)
        self.weights = weights
        self.pool = GoldPool(pool_size)
        self.fewshots = fewshots
        self.steer = steer
        self.coverage: Counter = Counter()
        self.accepted: list[int] = []
        self.rewards: dict[int, float] = {}

    def ask(self, n: int, rng: np.random.Generator) -> list[GenerationRequest]:
        """`n` requests: the same few-shots (pool top) and steering from the coverage summary each."""
        shots = tuple(self.pool.top(self.fewshots))
        steer = coverage_summary(self.coverage, self.vocabulary, self.steer * n, rng)
        return [
            GenerationRequest(
                mode=self.mode,
                reason="coverage",
                fewshot_ids=shots,
                steer=tuple(steer[i * self.steer : (i + 1) * self.steer]),
            )
            for i in range(n)
        ]

    def novelty_pool(self) -> list[set[str]]:
        """Novelty is measured against the GoldPool."""
        return list(self.pool.constructs.values())

    def tell(
        self, requests: list[GenerationRequest], records: list[ExampleRecord], replay: bool = False
    ) -> None:
        """Score accepted examples, offer them to the pool, update coverage (`replay`: same)."""
        for record in records:
            if not record.accepted:
                continue
            reward = cw_reward(record, self.weights)
            self.rewards[record.id] = reward
            self.accepted.append(record.id)
            self.coverage.update(record.constructs)
            self.pool.offer(record.id, reward, set(record.constructs))

    def dataset_ids(self) -> list[int]:
        """The dataset is every accepted example."""
        return list(self.accepted)

    def summary(self) -> dict:
        """State for the run's outputs."""
        return {"gold_pool": self.pool.top(self.pool.k), "rewards": self.rewards}
