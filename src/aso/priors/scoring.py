"""Scoring experiences on a shared validation split: paired outcomes with and without the lessons.

A `ValidationScorer` answers one question: on each validation problem, is it solved when these lessons
are in the prompt (none = the baseline)? Everything else is computed from those outcomes, paired by
problem against the baseline:

- wins   = problems solved with the lessons and not without
- losses = problems solved without the lessons and not with
- usefulness = (wins - losses) / problems = pass rate with - pass rate without
- reliability q = Beta(1, 1) posterior mean of "helps, when it changes an outcome" = (wins+1)/(wins+losses+2)
- eta = q / (1 - q) (`aso.decoding.weights.odds`: 0 when q <= 0.5, i.e. no better than a coin)
- p_value = the one-sided exact sign test of wins against losses: the chance of at least this many wins
  among the changed outcomes if the lessons made no difference (each change a fair coin)

`HumanEvalScorer` is the real one (the model, greedy, the answers' tests in the sandbox);
`aso.priors.testing.ScriptedScorer` is the scripted one for tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aso.decoding.weights import odds
from aso.grpo.priors import Reliability


class ValidationScorer(Protocol):
    """Solves the validation problems with some lessons in the prompt."""

    problems: int

    def outcomes_many(self, lesson_sets: Sequence[Sequence[str]]) -> list[list[bool]]:
        """For each set of lessons: per validation problem, solved with them prepended (empty: baseline)?"""
        ...


@dataclass(frozen=True)
class PairedScore:
    """Outcomes with some lessons, compared problem by problem with the baseline's."""

    solved: int
    problems: int
    wins: int
    losses: int

    @classmethod
    def compare(cls, with_lessons: Sequence[bool], baseline: Sequence[bool]) -> PairedScore:
        """Pair two outcome lists of the same problems."""
        if len(with_lessons) != len(baseline):
            raise ValueError("outcome lists differ in length")
        wins = sum(w and not b for w, b in zip(with_lessons, baseline, strict=True))
        losses = sum(b and not w for w, b in zip(with_lessons, baseline, strict=True))
        return cls(sum(with_lessons), len(with_lessons), wins, losses)

    @property
    def usefulness(self) -> float:
        """Pass rate with the lessons minus pass rate without."""
        return (self.wins - self.losses) / self.problems if self.problems else 0.0

    @property
    def reliability(self) -> Reliability:
        """Wins over changed outcomes, as a `Reliability` (its `q()` is the Beta posterior mean)."""
        return Reliability(self.wins, self.wins + self.losses)

    @property
    def q(self) -> float:
        """(wins + 1) / (wins + losses + 2)."""
        return self.reliability.q()

    @property
    def eta(self) -> float:
        """q / (1 - q); 0 when q <= 0.5."""
        return odds(self.q)

    @property
    def p_value(self) -> float:
        """One-sided exact sign test: P(at least `wins` wins of `wins + losses` fair coin flips)."""
        n = self.wins + self.losses
        return sum(math.comb(n, k) for k in range(self.wins, n + 1)) / 2**n if n else 1.0

    def to_json(self) -> dict[str, Any]:
        """Figures for the report."""
        return {
            "solved": self.solved,
            "problems": self.problems,
            "wins": self.wins,
            "losses": self.losses,
            "usefulness": round(self.usefulness, 6),
            "q": round(self.q, 6),
            "eta": round(self.eta, 6),
            "p_value": round(self.p_value, 6),
        }


OUTCOMES_TASK = "aso.priors.scoring:humaneval_outcomes"


def humaneval_outcomes(payload: dict[str, Any]) -> list[bool]:
    """Executor task: solve the split's problems once (greedy) with `lessons` as prompt priors.

    Payload: `{"model", "split", "limit", "lessons", "max_tokens", "seed"}`; the model loads once per worker.
    """
    from aso.executors.worker import worker_model
    from aso.grpo.library import Experience
    from aso.grpo.priors import Priors
    from aso.humaneval import problems
    from aso.humaneval.evaluation import Method, evaluate

    validation = problems(payload["split"], payload.get("limit"))
    lessons = list(payload["lessons"])
    priors = Priors([Experience(f"E{i}", text) for i, text in enumerate(lessons, start=1)])
    report = evaluate(
        worker_model(payload["model"]),
        validation,
        Method.PROMPT_PRIORS if lessons else Method.BASELINE,
        priors=priors,
        temperature=0.0,
        max_tokens=int(payload.get("max_tokens", 256)),
        seed=int(payload.get("seed", 0)),
        progress=False,
    )
    return [bool(report.results[p["task_id"]][0]) for p in validation]


class HumanEvalScorer:
    """The real scorer: aso's HumanEval evaluation of the lessons as prompt priors, greedy and seeded.

    Each lesson set is one work item (`humaneval_outcomes`) run by `executor` (default: this process),
    so the evaluations of many experiences spread over workers, and with a `run` they are recorded as
    they finish: a resumed aggregation does not evaluate a lesson set twice.
    """

    def __init__(
        self,
        model: str | None,
        split: str,
        *,
        limit: int | None = None,
        max_tokens: int = 256,
        seed: int = 0,
        executor: Any = None,
        run: Any = None,
        progress: bool = False,
    ) -> None:
        from aso.humaneval import problems

        self.model, self.split, self.limit = model, split, limit
        self.problems = len(problems(split, limit))
        self.max_tokens, self.seed = max_tokens, seed
        self.executor, self.run, self.progress = executor, run, progress

    def outcomes_many(self, lesson_sets: Sequence[Sequence[str]]) -> list[list[bool]]:
        """Evaluate each distinct lesson set once; failed items raise (the run keeps the others)."""
        import hashlib
        import json

        from aso.executors import LocalExecutor, WorkItem, run_items
        from aso.executors.sampling import ItemsFailedError

        keys, items = [], {}
        for lessons in lesson_sets:
            body = json.dumps(list(lessons), ensure_ascii=False)
            key = "outcomes/" + hashlib.sha256(body.encode()).hexdigest()[:20]
            keys.append(key)
            items[key] = WorkItem(
                key,
                {
                    "model": self.model,
                    "split": self.split,
                    "limit": self.limit,
                    "lessons": list(lessons),
                    "max_tokens": self.max_tokens,
                    "seed": self.seed,
                },
            )
        executor = self.executor or LocalExecutor(1)
        results = run_items(
            executor, OUTCOMES_TASK, list(items.values()), self.run, progress=self.progress, label="validate"
        )
        failed = [r for r in results.values() if not r.ok]
        if failed:
            raise ItemsFailedError(
                f"{len(failed)} validation item(s) failed ({failed[0].key}: {failed[0].error}); "
                "--resume retries them"
            )
        return [list(results[k].value) for k in keys]
