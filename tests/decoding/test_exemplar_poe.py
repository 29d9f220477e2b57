"""PoE with one expert per retrieved exemplar: weights from measured reliability, one context per exemplar."""

from __future__ import annotations

import pytest
from test_poe_tiny_llama import TinyModel

from aso.decoding.exemplars import ExemplarPoEDecoder, exemplar_weights
from aso.grpo.solutions import VerifiedSolution
from aso.models import ScriptedModel


def _solution(sol_id: str, wins: int, losses: int) -> VerifiedSolution:
    s = VerifiedSolution(sol_id, f"T/{sol_id}", f"task {sol_id}", f"code {sol_id}")
    s.usefulness.with_wins, s.usefulness.with_losses = wins, losses
    return s


def _with_exemplar(prompt, exemplars):
    return "".join(f"[{p}|{c}]" for p, c in exemplars) + prompt


def test_weights_are_odds_of_measured_reliability_with_the_base_at_even_odds() -> None:
    good, better, bad, fresh = (
        _solution("S1", 3, 1),
        _solution("S2", 8, 0),
        _solution("S3", 0, 4),
        _solution("S4", 0, 0),
    )
    w = exemplar_weights([good, better, bad, fresh])
    odds = {"base": 1.0, "S1": (4 / 6) / (2 / 6), "S2": (9 / 10) / (1 / 10)}
    total = sum(odds.values())
    assert w == pytest.approx({k: v / total for k, v in odds.items()})
    assert exemplar_weights([bad, fresh]) == {"base": 1.0}


def test_one_context_expert_per_kept_exemplar_on_a_real_tiny_llama() -> None:
    sols = [_solution("S1", 3, 0), _solution("S2", 0, 3)]
    dec = ExemplarPoEDecoder(TinyModel(), sols, _with_exemplar, temperature=0.0)
    assert set(dec.weights.etas) == {"base", "S1"}
    assert dec._expert_prompt("P", "S1") == "[task S1|code S1]P"
    out = dec.generate_batch(["hello", "world"], max_tokens=5)
    assert len(out) == 2 and set(out[0].experts) == {"base", "S1"}


def test_a_model_without_logits_gets_the_kept_exemplars_in_its_prompt() -> None:
    model = ScriptedModel(outputs=["ok"])
    with pytest.warns(UserWarning):
        dec = ExemplarPoEDecoder(model, [_solution("S1", 3, 0), _solution("S2", 0, 3)], _with_exemplar)
    assert dec.generate("P").text == "ok"
    assert model.calls == ["[task S1|code S1]P"]
