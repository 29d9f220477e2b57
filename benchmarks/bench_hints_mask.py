"""Cost of the grammar token mask (`GrammarLogitsProcessor`) on the embedded model's 49k vocabulary.

For each DEX grammar, the reference-like term is tokenized and fed to the processor one token at a
time on a [3, V] score batch: milliseconds per step cold (first time the parser states are seen: trie
walks) and warm (memoised). Then greedy generation of the same prompt with and without the processor:
seconds per generated token, as a ratio measured in this run.

Writes `benchmarks/results/hints_mask.json`; prints a table.

Example: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_hints_mask.py
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from aso.data import dex_specs_dir

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from transformers import LogitsProcessorList  # noqa: E402

from aso.models import get_model  # noqa: E402
from aso.synth.hints.constrained import GrammarLogitsProcessor, grammar_parser  # noqa: E402
from aso.synth.hints.prompting import hint_prompt  # noqa: E402
from aso.synth.spec import load_hole_spec  # noqa: E402

DEX = dex_specs_dir()
TERMS = {
    "swap_fee_calculator_hole": "(safe_div (* amount_in fee_bps) 10000)",
    "lp_mint_optimal_hole": "(ite (<= (* amount0 reserve1) (* amount1 reserve0)) "
    "(safe_div (* amount0 lp_supply) "
    "reserve0) (safe_div (* amount1 lp_supply) reserve1))",
    "circuit_breaker_hole": "(ite (> (- current_time window_start) window_duration) volume "
    "(+ volume_accumulated volume))",
}
OUT = Path(__file__).parent / "results"


def per_step(proc: GrammarLogitsProcessor, ids: list[int], vocab: int) -> list[float]:
    times = []
    seq = torch.zeros((3, 4), dtype=torch.long)
    for tok in [None, *ids]:
        if tok is not None:
            seq = torch.cat([seq, torch.full((3, 1), tok, dtype=torch.long)], dim=1)
        scores = torch.zeros((3, vocab))
        start = time.perf_counter()
        out = proc(seq, scores)
        times.append(time.perf_counter() - start)
        assert torch.isfinite(out).any(dim=1).all()
    return times


def generation(lm, prompt, proc, tokens: int) -> tuple[float, int]:
    ids = torch.tensor([lm.encode(prompt)], dtype=torch.long)
    kwargs = dict(
        input_ids=ids,
        attention_mask=torch.ones_like(ids),
        max_new_tokens=tokens,
        do_sample=False,
        temperature=None,
        top_p=None,
        top_k=None,
        pad_token_id=lm.tokenizer.pad_token_id,
    )
    if proc is not None:
        kwargs["logits_processor"] = LogitsProcessorList([proc])
    start = time.perf_counter()
    with torch.inference_mode():
        out = lm.hf_model.generate(**kwargs)
    return time.perf_counter() - start, out.shape[1] - ids.shape[1]


def main() -> None:
    lm = get_model("smollm2")
    eos = [lm.tokenizer.eos_token_id]
    rows = {}
    for name, term in TERMS.items():
        spec = load_hole_spec(DEX / f"{name}.yaml", DEX / f"{name}.synth.json")
        grammar = spec.grammar(spec.holes[0])
        start = time.perf_counter()
        proc = GrammarLogitsProcessor(grammar_parser(grammar), lm.tokenizer, eos)
        setup = time.perf_counter() - start
        ids = lm.tokenizer(term, add_special_tokens=False)["input_ids"]
        assert lm.tokenizer.decode(ids) == term
        vocab = lm.hf_model.config.vocab_size
        cold = per_step(proc, ids, vocab)
        warm = per_step(proc, ids, vocab)
        prompt = [{"role": "user", "content": hint_prompt(spec, spec.holes[0], constrained=True)}]
        t_plain, n_plain = generation(lm, prompt, None, 24)
        proc.reset()
        t_mask, n_mask = generation(lm, prompt, proc, 24)
        rows[name] = {
            "setup_s": round(setup, 3),
            "term_tokens": len(ids),
            "cold_ms_per_step": round(1000 * sum(cold) / len(cold), 3),
            "warm_ms_per_step": round(1000 * sum(warm) / len(warm), 3),
            "plain_s_per_token": round(t_plain / max(1, n_plain), 4),
            "masked_s_per_token": round(t_mask / max(1, n_mask), 4),
            "tokens_plain": n_plain,
            "tokens_masked": n_mask,
        }
        r = rows[name]
        r["masked_over_plain"] = round(r["masked_s_per_token"] / r["plain_s_per_token"], 3)
        print(name, json.dumps(r), flush=True)
    OUT.mkdir(exist_ok=True)
    (OUT / "hints_mask.json").write_text(json.dumps({"model": lm.info.name, "rows": rows}, indent=2) + "\n")
    print(
        f"{'grammar':28} {'setup s':>8} {'cold ms':>8} {'warm ms':>8} {'plain s/tok':>11} {'mask s/tok':>10} "
        "ratio"
    )
    for name, r in rows.items():
        print(
            f"{name:28} {r['setup_s']:>8} {r['cold_ms_per_step']:>8} {r['warm_ms_per_step']:>8} "
            f"{r['plain_s_per_token']:>11} {r['masked_s_per_token']:>10} {r['masked_over_plain']}"
        )


if __name__ == "__main__":
    main()
