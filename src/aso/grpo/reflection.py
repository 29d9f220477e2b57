"""Semantic advantage extraction: a model reads a group's attempts with their advantages and answers
with library operations (ADD / UPDATE / DELETE / KEEP).

The reflector can be the policy model itself or a separate, stronger model (any `aso.models.Model`,
e.g. `openai:URL#MODEL`). Its answer is parsed by `aso.grpo.operations.parse_operations`; malformed
entries are dropped and counted, and lessons that merely copy the examples in the system prompt are
dropped too (a small model often echoes them; they were not learned from the attempts).

Styles (`Reflector(style=...)`):

- `json`: the full prompt (every attempt, the current lessons) asking for a JSON list of up to
  `max_ops` operations of any kind. Right for a capable reflector.
- `primed`: for small local models, which answer the JSON prompt with code. A short prompt (best and
  worst attempt only) asks for ONE general lesson; the assistant turn is pre-filled with `PRIMER`
  (`ADD: Make sure`) so the model only continues a sentence, and generation stops at the end of the line.
  The plain `ADD:` prefix is not enough: the 135M model answers it with a newline and code. The
  continuation must add at least 8 characters of its own; a line cut by `max_tokens` keeps its complete
  sentences only. Needs a backend that continues a pre-filled assistant message
  (`aso.models.can_continue_final_message`); with any other (an OpenAI-compatible endpoint) the
  reflector warns and uses `json`.
- `auto` (the default): `primed` for a local transformers model, `json` for everything else.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from aso.grpo.library import ExperienceLibrary
from aso.grpo.operations import MIN_TEXT, Operation, parse_operations
from aso.grpo.tasks import Rollout, Task
from aso.grpo.templates import render, template
from aso.models import Model, Prompt, SamplingParams, can_continue_final_message

STYLES = ("auto", "json", "primed")
"""Values of `Reflector(style=...)`, `TFGRPOOptimizer(reflector_style=...)` and `--reflector-style`."""
PRIMER = "ADD: Make sure"
"""The pre-filled start of the reflector's answer in the `primed` style."""


@dataclass(frozen=True)
class Reflection:
    """What one reflection produced."""

    operations: tuple[Operation, ...]
    dropped: int
    """Malformed or echoed entries discarded."""
    raw: str
    """The reflector's answer, for the run log (in the `primed` style: primer + continuation)."""


class Reflector:
    """Turns one learnable group into library operations by asking a model (style: see the module doc)."""

    def __init__(
        self,
        model: Model,
        *,
        style: str = "auto",
        max_ops: int = 3,
        max_tokens: int | None = None,
        temperature: float = 0.0,
        max_attempt_chars: int | None = None,
        primer: str = PRIMER,
        seed: int = 0,
    ) -> None:
        self.model = model
        self.style, self.note = resolve_style(style, model)
        if self.note:
            warnings.warn(self.note, stacklevel=2)
        primed = self.style == "primed"
        self.max_ops = 1 if primed else max_ops
        if max_tokens is None:
            max_tokens = 64 if primed else 256
        self.params = SamplingParams(
            n=1,
            temperature=temperature,
            max_tokens=max_tokens,
            stop=("\n",) if primed else (),
            seed=seed,
        )
        self.max_attempt_chars = max_attempt_chars or (400 if primed else 1200)
        if not primer.strip() or "\n" in primer:
            raise ValueError("primer must be one non-blank line")
        self.primer = primer
        self._echo = _example_texts(template("reflect_system").template)

    def messages(self, task: Task, rollouts: Sequence[Rollout], library: ExperienceLibrary) -> list[dict]:
        """The chat messages shown to the reflector (best attempt first; `primed`: ends pre-filled)."""
        ranked = sorted(rollouts, key=lambda r: r.advantage, reverse=True)
        if self.style == "primed":
            return self._primed_messages(task, ranked)
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

    def _primed_messages(self, task: Task, ranked: Sequence[Rollout]) -> list[dict]:
        best, worst = ranked[0], ranked[-1]
        feedback = (worst.verdict.feedback or "").strip()
        user = render(
            "reflect_primed",
            task=task.prompt.strip(),
            best_passed=sum(best.verdict.outcomes),
            best_total=len(best.verdict.outcomes),
            best_code=best.text.strip()[: self.max_attempt_chars],
            worst_passed=sum(worst.verdict.outcomes),
            worst_total=len(worst.verdict.outcomes),
            worst_feedback=f"{feedback[:200]}\n" if feedback else "",
            worst_code=worst.text.strip()[: self.max_attempt_chars],
        )
        return [
            {"role": "system", "content": render("reflect_primed_system").strip()},
            {"role": "user", "content": user},
            {"role": "assistant", "content": self.primer},
        ]

    def reflect(self, task: Task, rollouts: Sequence[Rollout], library: ExperienceLibrary) -> Reflection:
        """Ask the model and parse its operations (never raises on malformed output)."""
        prompt: Prompt = self.messages(task, rollouts, library)
        completion = self.model.sample([prompt], self.params)[0][0]
        if self.style == "primed":
            continuation = _one_line(completion.text, cut=completion.finish_reason == "length")
            answer = self.primer + continuation
            if len(continuation.strip()) < MIN_TEXT:  # the pre-filled words alone are no lesson
                return Reflection((), 1, answer)
        else:
            answer = completion.text
        parsed = parse_operations(answer)
        kept = [op for op in parsed.operations if not (op.text and _key(op.text) in self._echo)]
        ops = tuple(kept[: self.max_ops])
        dropped = parsed.dropped + (len(parsed.operations) - len(ops))
        return Reflection(ops, dropped, answer)


def resolve_style(style: str, model: Model) -> tuple[str, str]:
    """The style a reflector on `model` uses for the requested one, and a note when they differ."""
    if style not in STYLES:
        raise ValueError(f"reflector style must be one of {', '.join(STYLES)}, not {style!r}")
    can_prime = can_continue_final_message(model)
    if style == "auto":
        return ("primed" if can_prime and model.info.backend == "transformers" else "json"), ""
    if style == "primed" and not can_prime:
        return "json", (
            f"reflector {model.info.name!r} ({model.info.backend}) cannot continue a pre-filled answer; "
            "using the json reflector style instead of primed"
        )
    return style, ""


def _one_line(text: str, cut: bool) -> str:
    """The first line of a continuation; a line cut by the token limit keeps its complete sentences."""
    line = text.split("\n", 1)[0]
    if cut and "\n" not in text:
        end = max(line.rfind(". "), line.rfind("! "), line.rfind("? "), -1)
        if line.rstrip().endswith((".", "!", "?")):
            end = len(line.rstrip()) - 1
        line = line[: end + 1] if end >= 0 else ""
    return line


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def _example_texts(system_prompt: str) -> frozenset[str]:
    return frozenset(_key(m) for m in re.findall(r'"text":\s*"([^"]+)"', system_prompt))
