"""What the optimizer works on: tasks, a reward function that verifies attempts, and rollouts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aso.models import Prompt


@dataclass(frozen=True)
class Task:
    """One training task."""

    id: str
    prompt: str
    """The problem statement shown to the model (experiences are prepended by the prompt builder)."""
    data: dict[str, Any] = field(default_factory=dict)
    """Whatever the reward function needs (e.g. tests, entry point)."""


@dataclass(frozen=True)
class Verdict:
    """A verifier's judgement of one attempt."""

    reward: float
    """Extrinsic reward `r` (for code: fraction of tests passed, plus an optional quality term)."""
    outcomes: tuple[bool, ...] = ()
    """Per-test pass/fail; the epistemic utility reads these."""
    feedback: str = ""
    """Short text for the reflector (e.g. the first failing assertion)."""

    @property
    def solved(self) -> bool:
        """Every test passed (and there was at least one)."""
        return bool(self.outcomes) and all(self.outcomes)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for a run log: `reward`, `outcomes` (a list), `feedback`."""
        return {"reward": self.reward, "outcomes": list(self.outcomes), "feedback": self.feedback}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Verdict:
        """Inverse of `to_dict`."""
        return cls(d["reward"], tuple(d["outcomes"]), d["feedback"])


class RewardFn(Protocol):
    """Verifies a batch of attempts at one task."""

    def __call__(self, task: Task, completions: Sequence[str]) -> list[Verdict]:
        """One verdict per completion."""
        ...


class PromptBuilder(Protocol):
    """Turns a task and the current lessons into the model's prompt."""

    def __call__(self, task: Task, experiences: str) -> Prompt:
        """The prompt; `experiences` is "" when the library is empty."""
        ...


@dataclass
class Rollout:
    """One attempt at a task with its verdict and group-relative scores."""

    task_id: str
    text: str
    verdict: Verdict
    experience_ids: tuple[str, ...] = ()
    """The lessons its prompt contained."""
    utility: float = 0.0
    score: float = 0.0
    advantage: float = 0.0
