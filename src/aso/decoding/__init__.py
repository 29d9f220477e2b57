"""Product-of-Experts decoding: `log π* = η₀·log π₀ + Σᵢ ηᵢ·log φᵢ − log Z`, per token.

Index:
- `PoEDecoder` (`decoder`)                    generate with the base model and the priors' experts
- `Expert`, `TokenBiasExpert`, `GrammarExpert` (`experts`)   template-method experts / LogitsProcessors
- `ContextBank`, `ContextExpert` (`contexts`) every context expert in one batched KV-cached forward
- `poe_log_probs` (`combine`)                 the normalised combination
- `reliability_weights`, `fixed_weights` (`weights`)   η ∝ q/(1−q), q ≤ 0.5 dropped
"""

from aso.decoding.combine import poe_log_probs
from aso.decoding.contexts import ContextBank, ContextExpert
from aso.decoding.decoder import DecodeMode, FinishReason, PoEDecoder, PoEOutput, prepend_lessons
from aso.decoding.experts import Expert, GrammarExpert, TokenBiasExpert
from aso.decoding.weights import ExpertWeights, WeightOutcome, fixed_weights, odds, reliability_weights

__all__ = [
    "ContextBank",
    "ContextExpert",
    "DecodeMode",
    "Expert",
    "ExpertWeights",
    "FinishReason",
    "GrammarExpert",
    "PoEDecoder",
    "PoEOutput",
    "TokenBiasExpert",
    "WeightOutcome",
    "fixed_weights",
    "odds",
    "poe_log_probs",
    "prepend_lessons",
    "reliability_weights",
]
