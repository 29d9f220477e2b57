"""Semantic advantage extraction: a model reads a group's attempts with their advantages and answers
with library operations (ADD / UPDATE / DELETE / KEEP).

The reflector can be the policy model itself or a separate, stronger model (any `aso.models.Model`,
e.g. `openai:URL#MODEL`). Its answer is parsed by `aso.grpo.operations.parse_operations`; malformed
entries are dropped and counted, and lessons that merely copy the examples in the system prompt are
dropped too (a small model often echoes them; they were not learned from the attempts).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aso.grpo.library import ExperienceLibrary
from aso.grpo.operations import Operation, parse_operations
from aso.grpo.tasks import Rollout, Task
from aso.grpo.templates import render, template
from aso.models import Model, SamplingParams


@dataclass(frozen=True)
class Reflection:
    """What one reflection produced."""

    operations: tuple[Operation, ...]
    dropped: int
    """Malformed or echoed entries discarded."""
    raw: str
    """The reflector's answer, for the run log."""


class Reflector:
    """Turns one learnable group into library operations by asking a model."""

    def __init__(
        self,
        model: Model,
        *,
        max_ops: int = 3,
        max_tokens: int = 256,
        temperature: float = 0.0,
        max_attempt_chars: int = 1200,
        seed: int = 0,
    ) -> None:
        self.model = model
        self.max_ops = max_ops
        self.params = SamplingParams(n=1, temperature=temperature, max_tokens=max_tokens, seed=seed)
        self.max_attempt_chars = max_attempt_chars
        self._echo = _example_texts(template("reflect_system").template)

    def messages(self, task: Task, rollouts: Sequence[Rollout], library: ExperienceLibrary) -> list[dict]:
        """The chat messages shown to the reflector (best attempt first)."""
        ranked = sorted(rollouts, key=lambda r: r.advantage, reverse=True)
        attempts = "\n".join(
            render(
                "attempt",
                index=i,
                advantage=f"{r.advantage:+.2f}",
                passed=sum(r.verdict.outcomes),
                total=len(r.verdict.outcomes),
                feedback=r.verdict.feedback or "",
                code=r.text.strip()[: self.max_attempt_chars],
            )
            for i, r in enumerate(ranked, start=1)
        )
        return [
            {"role": "system", "content": render("reflect_system", max_ops=self.max_ops)},
            {
                "role": "user",
                "content": render(
                    "reflect_user",
                    task=task.prompt.strip(),
                    experiences=library.format() or "(none yet)",
                    attempts=attempts,
                ),
            },
        ]

    def reflect(self, task: Task, rollouts: Sequence[Rollout], library: ExperienceLibrary) -> Reflection:
        """Ask the model and parse its operations (never raises on malformed output)."""
        answer = self.model.sample([self.messages(task, rollouts, library)], self.params)[0][0].text
        parsed = parse_operations(answer)
        kept = [op for op in parsed.operations if not (op.text and _key(op.text) in self._echo)]
        ops = tuple(kept[: self.max_ops])
        dropped = parsed.dropped + (len(parsed.operations) - len(ops))
        return Reflection(ops, dropped, answer)


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def _example_texts(system_prompt: str) -> frozenset[str]:
    return frozenset(_key(m) for m in re.findall(r'"text":\s*"([^"]+)"', system_prompt))
