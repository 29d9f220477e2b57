import json

from aso.models import ScriptedModel, prompt_text
from aso.synth.hashing import synth_hash
from aso.synth.hints import (
    FeedbackLog,
    GenerationSettings,
    HintGenerator,
    HoleOutcome,
    Tier,
    load_hint_file,
    quality_scores,
    spec_hints,
    write_hint_file,
)


def small_answers(text, i):
    if "`amount0_expr`" in text.split("Answer with")[-1]:
        return "Here are some:\n```\n(safe_div amount0_desired 1)\namount0_desired\n```"
    return "I think result = amount1 * 2, or (* amount1_desired 2)."  # outside the grammar


def large_answers(text, i):
    return '["amount1_desired", "(+ amount1_desired reserve0)"]'


def hole_of(prompt):
    return (
        "amount1_expr" if "`amount1_expr`" in prompt_text(prompt).split("Answer with")[-1] else "amount0_expr"
    )


def test_large_model_is_asked_only_about_holes_the_small_one_missed(dex_spec, tmp_path):
    spec, ref = dex_spec("lp_ratio_calculator_hole")
    small = ScriptedModel(respond=small_answers, name="small")
    large = ScriptedModel(respond=large_answers, name="large")
    settings = GenerationSettings(samples=2, validate=Tier.CHEAP)
    result = spec_hints(spec, HintGenerator(small, settings), HintGenerator(large, settings), ref=ref)

    assert [hole_of(p) for p in small.calls] == ["amount0_expr", "amount1_expr"]
    assert [hole_of(p) for p in large.calls] == ["amount1_expr"]
    assert result.attempts["amount0_expr"][0].outcome is HoleOutcome.HINTED
    assert [a.model for a in result.attempts["amount1_expr"]] == ["small", "large"]
    assert result.attempts["amount1_expr"][0].outcome is HoleOutcome.NO_VALID_HINT
    assert result.missing == []

    hints = result.hint_file()
    assert hints.synth_hash == synth_hash(spec)
    assert hints.holes["amount0_expr"].term == "amount0_desired"  # smaller AST than the safe_div one
    assert hints.holes["amount0_expr"].source == "small"
    assert hints.holes["amount1_expr"].source == "large"
    path = write_hint_file(tmp_path / "h.json", hints)
    assert load_hint_file(path) == hints


def test_without_a_large_model_missed_holes_stay_missing(dex_spec):
    spec, ref = dex_spec("lp_ratio_calculator_hole")
    small = ScriptedModel(respond=small_answers, name="small")
    result = spec_hints(spec, HintGenerator(small, GenerationSettings(samples=1)), ref=ref)
    assert result.hinted == ["amount0_expr"] and result.missing == ["amount1_expr"]
    assert list(result.hint_file().holes) == ["amount0_expr"]


def test_prompt_is_grammar_aware(dex_spec):
    spec, _ = dex_spec("swap_fee_calculator_hole")
    model = ScriptedModel(outputs=["(safe_div (* amount_in fee_bps) 10000)"])
    spec_hints(spec, HintGenerator(model, GenerationSettings(samples=1)))
    text = prompt_text(model.calls[0])
    for needle in (
        "Expr ::= Lin | (safe_div Lin PosConst)",
        "result <= amount_in",
        "fee_bps in [0, 10000]",
        "fee_amount := ??",
        "net_amount_in := (- amount_in ??)",
    ):
        assert needle in text


def test_feedback_records_rejected_hints_and_quality_per_model(dex_spec, tmp_path):
    spec, ref = dex_spec("swap_fee_calculator_hole")
    model = ScriptedModel(outputs=["(safe_div (* amount_in fee_bps) 10000)\n(+ amount_in 1)\n0"], name="m")
    gen = HintGenerator(model, GenerationSettings(samples=2, validate=Tier.EXAMPLES))
    result = spec_hints(spec, gen, ref=ref)
    attempt = result.attempts["fee_expr"][0]
    log = FeedbackLog(tmp_path / "fb.jsonl")
    n = log.record(
        spec="s",
        synth_hash=result.synth_hash,
        hole_id="fee_expr",
        prompt=attempt.prompt,
        candidates=attempt.candidates,
        chosen=attempt.chosen.term,
    )
    records = log.read()
    assert n == len(records) == 2
    why = {r["term"]: (r["tier"], r["reason"]) for r in records}
    assert why["(+ amount_in 1)"][0] == "cheap"
    assert why["0"][0] == "examples" and "reference" in why["0"][1]
    assert all(r["prompt"] == attempt.prompt and r["model"] == "m" for r in records)

    hole = {
        "models": ["m"],
        "candidates": [c.to_json() for c in attempt.candidates],
        "chosen": {"term": attempt.chosen.term, "source": "m"},
        "synth_time_without": 2.0,
        "synth_time_with": 0.5,
    }
    q = quality_scores([hole])["m"].to_json()
    assert q["validity"] == {"cheap": round(2 / 3, 4), "examples": 0.5}
    assert q["hinted_rate"] == 1.0 and q["speedup_geomean"] == 4.0
    json.dumps(q)
