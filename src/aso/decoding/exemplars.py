"""PoE with one expert per retrieved exemplar: the base model conditioned on one verified solution each.

For a task, `exemplar_decoder` builds a `PoEDecoder` whose context experts are `base` (the task's prompt
as is) and `S<id>` for each retrieved `VerifiedSolution` (the prompt with that one solved example before
it, `exemplar_prompt`). Weights follow the reliability rule `η ∝ q / (1 − q)`, with q the exemplar's
measured reliability (`VerifiedSolution.reliability`: how often conditioning on it beat the base on the
tasks it was retrieved for). The base is the reference the exemplars are measured against, so its odds
are 1 (q = 0.5); exemplars with `q ≤ 0.5` (unmeasured ones included) are dropped; the kept weights are
normalised to sum to 1. With every exemplar dropped, the decoder is the base model alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aso.decoding.decoder import PoEDecoder
from aso.decoding.weights import odds
from aso.grpo.library import Experience
from aso.grpo.priors import ExpertSpec, Priors, Reliability
from aso.grpo.solutions import VerifiedSolution
from aso.models import Model, Prompt

# (task prompt, [(example prompt, example code)]) -> prompt with the examples
ExemplarPrompt = Callable[[Prompt, Sequence[tuple[str, str]]], Prompt]


def exemplar_weights(
    solutions: Sequence[VerifiedSolution], a: float = 1.0, b: float = 1.0
) -> dict[str, float]:
    """η per expert name (`base`, then each exemplar's id) by the module's rule; dropped ones omitted."""
    raw = {"base": 1.0}
    for s in solutions:
        w = odds(s.reliability.q(a, b))
        if w > 0:
            raw[s.id] = w
    total = sum(raw.values())
    return {name: w / total for name, w in raw.items()}


class ExemplarPoEDecoder(PoEDecoder):
    """A `PoEDecoder` whose context experts are the base and one exemplar-conditioned prompt each."""

    def __init__(
        self,
        model: Model,
        solutions: Sequence[VerifiedSolution],
        with_exemplar: ExemplarPrompt,
        *,
        temperature: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.solutions = {s.id: s for s in solutions}
        self.with_exemplar = with_exemplar
        priors = Priors(
            experiences=[Experience(s.id, f"exemplar {s.task_id}") for s in solutions],
            experts=[
                ExpertSpec(s.id, [s.id], Reliability(s.reliability.successes, s.reliability.trials))
                for s in solutions
            ],
        )
        weights = exemplar_weights(solutions)
        names = ["base", *(s.id for s in solutions)]
        super().__init__(
            model,
            priors,
            {n: weights.get(n, 0.0) for n in names},
            token_bias_weight=0.0,
            prior_prompt=self._fallback_prompt,
            temperature=temperature,
            seed=seed,
        )

    def _fallback_prompt(self, prompt: Prompt, lessons: str) -> Prompt:
        """A model without logits: the kept exemplars (if any) as few-shot turns in one prompt."""
        kept = [s for s in self.solutions.values() if s.id in self.weights.etas]
        return self.with_exemplar(prompt, [(s.prompt, s.code) for s in kept]) if kept else prompt

    def _expert_prompt(self, prompt: Prompt, name: str) -> Prompt:
        if name == "base":
            return prompt
        s = self.solutions[name]
        return self.with_exemplar(prompt, [(s.prompt, s.code)])
