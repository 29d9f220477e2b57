"""pass@1 / pass@k of one generation method on a HumanEval split, with the model calls it cost.

Methods:
- `BASELINE`: the chat-format prompt (`prompting.chat_prompt`), plain sampling via `model.sample`;
- `PROMPT_PRIORS`: the same prompt with every lesson of the priors prepended;
- `POE`: `PoEDecoder` with the priors (per token; a model without logits falls back to prompt priors).

Every finished problem is `mark_done` in the run, so an interrupted evaluation resumes.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from aso.decoding import PoEDecoder, prepend_lessons
from aso.grpo.priors import Priors
from aso.humaneval.prompting import CODE_STOP, chat_prompt
from aso.humaneval.scoring import HumanEvalReward, pass_at_k
from aso.models import Model, SamplingParams
from aso.runs import Run


class Method(enum.Enum):
    """How answers are generated."""

    BASELINE = "baseline"
    PROMPT_PRIORS = "prompt_priors"
    POE = "poe"


@dataclass
class EvalReport:
    """Per-problem results and the summary figures."""

    method: str
    n_samples: int
    results: dict[str, list[bool]] = field(default_factory=dict)
    """task id -> solved? for each sample."""
    model_calls: int = 0
    """Generations requested (one PoE generation counts one call, whatever its number of experts)."""
    notes: list[str] = field(default_factory=list)

    def pass_at(self, k: int) -> float:
        """Mean unbiased pass@k over problems (needs k <= n_samples)."""
        if not self.results or k > self.n_samples:
            return float("nan")
        return sum(pass_at_k(len(v), sum(v), k) for v in self.results.values()) / len(self.results)

    def summary(self) -> dict[str, Any]:
        """Figures for tables and JSON."""
        ks = [k for k in (1, 2, 4, 8, 16) if k <= self.n_samples]
        return {
            "method": self.method,
            "problems": len(self.results),
            "samples_per_problem": self.n_samples,
            "solved_any": sum(any(v) for v in self.results.values()),
            **{f"pass@{k}": round(self.pass_at(k), 4) for k in ks},
            "model_calls": self.model_calls,
            "notes": self.notes,
        }


def evaluate(
    model: Model,
    problems: Sequence[dict[str, Any]],
    method: Method,
    *,
    priors: Priors | None = None,
    poe_weights: Any = "poai",
    poe_precision: str = "float32",
    n_samples: int = 1,
    temperature: float = 0.0,
    max_tokens: int = 256,
    seed: int = 0,
    batch: int = 8,
    run: Run | None = None,
    reward: HumanEvalReward | None = None,
    progress: bool = True,
    label: str | None = None,
) -> EvalReport:
    """Generate `n_samples` answers per problem with `method` and score them in the sandbox.

    `label` (default: the method's name) names the results in the report and the run's item keys, so
    two variants of one method in the same run are kept apart.
    """
    reward = reward or HumanEvalReward()
    label = label or method.value
    report = EvalReport(label, n_samples)
    done = run.done_items() if run else {}
    decoder = None
    if method is Method.POE:
        decoder = PoEDecoder(
            model, priors, poe_weights, temperature=temperature, seed=seed, precision=poe_precision
        )
        report.notes.extend(decoder.notes)
        if poe_precision != "float32":
            report.notes.append(f"poe step products in {poe_precision}")
        report.notes.append(f"poe experts: {decoder.weights.etas} ({decoder.weights.outcome.value})")
        if decoder.token_bias_weight > 0:
            report.notes.append(f"token-bias expert weight {decoder.token_bias_weight}")
    lessons = priors.library.format() if priors and method is Method.PROMPT_PRIORS else ""
    todo = [p for p in problems if f"{label}/{p['task_id']}" not in done]
    for p in problems:
        key = f"{label}/{p['task_id']}"
        if key in done:
            report.results[p["task_id"]] = list(done[key]["solved"])
            report.model_calls += int(done[key]["calls"])
    bar = tqdm(total=len(todo), desc=label, unit="problem", disable=not progress)
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        if decoder is not None:
            outs = [
                decoder.generate_batch([chat_prompt(p) for p in chunk], max_tokens, CODE_STOP, seed=seed + s)
                for s in range(n_samples)
            ]
            answers = [[o[j].text for o in outs] for j in range(len(chunk))]
        else:
            params = SamplingParams(
                n=n_samples, temperature=temperature, max_tokens=max_tokens, stop=CODE_STOP, seed=seed + start
            )
            prompts = [prepend_lessons(chat_prompt(p), lessons) for p in chunk]
            answers = [[c.text for c in group] for group in model.sample(prompts, params)]
        for p, group in zip(chunk, answers, strict=True):
            solved = [reward.verdict(p, a).solved for a in group]
            report.results[p["task_id"]] = solved
            report.model_calls += len(group)
            if run:
                run.mark_done(f"{label}/{p['task_id']}", solved=solved, calls=len(group), answers=group)
            bar.update(1)
    bar.close()
    return report
