"""PoE decoding speed: tokens/s with 1, 2, 4 and 8 context experts against plain `transformers` greedy
decoding, as ratios measured in one run (configurations interleaved, median of --reps).

"Experts" counts context experts in total: the base context plus (K − 1) prior-conditioned contexts,
each a different prompt (a few lessons prepended); every PoE configuration also has the token-bias
expert. Two PoE loops, both greedy and giving the same tokens:
- `lockstep`: all K contexts advance together, ONE batched KV-cached forward of K rows per token;
- `draft`: opt-in draft-and-verify (`PoEDecoder(draft_tokens=N)`, `aso.decoding.speculative`): the base
  context drafts --draft tokens alone, the K − 1 prior contexts verify the draft in one forward; the
  table reports the share of drafted tokens the PoE argmax accepted.
- `bf16`: lock-step with the large products in bfloat16 (`PoEDecoder(precision="bfloat16")`), compared
  with plain decoding using the same bf16 products (`plain_bf16`) and with float32 plain; "same tokens"
  is the share of tokens identical to the float32 lock-step run before the first difference.
Every run generates exactly --tokens tokens (EOS refused before that) and includes the prefill of its
contexts, so all configurations do the same work a user would wait for.

Example: python benchmarks/bench_poe.py --tokens 128 --reps 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

RESULTS = Path(__file__).parent / "results"
PROMPT = [
    {
        "role": "user",
        "content": "Write a Python function `rolling_max(numbers)` that returns the list of "
        "running maxima of a list of integers. Put the whole function in a ```python code block.",
    }
]
LESSONS = [
    "Handle the empty input before anything else.",
    "Return the result; never print it.",
    "Keep the exact function name and signature from the prompt.",
    "Prefer a simple loop over clever one-liners.",
    "Check the examples in the docstring against your code.",
    "Do not import modules that are not needed.",
    "Mind off-by-one errors at the ends of ranges.",
    "Use integer division when the result must be an int.",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="smollm2")
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--draft", type=int, default=6, help="draft length of the draft-and-verify loop")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--experts", default="1,2,4,8")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=RESULTS / "poe.json")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from aso.decoding import PoEDecoder
    from aso.decoding.packed_linears import PackedLinears
    from aso.grpo import ExpertSpec, Priors, Reliability, TokenBias
    from aso.grpo.library import Experience
    from aso.models import get_model

    model = get_model(args.model)
    vocab = model.hf_model.config.vocab_size
    bias = TokenBias(vocab, tuple(range(100, 400)), tuple([0.1] * 300))
    experiences = [Experience(f"E{i + 1}", t) for i, t in enumerate(LESSONS)]
    ks = [int(k) for k in args.experts.split(",")]
    decoders = {}
    for k in ks:
        experts = [ExpertSpec(f"X{i}", [f"E{i}", f"E{(i % 8) + 1}"], Reliability(3, 4)) for i in range(1, k)]
        priors = Priors(experiences, experts, token_bias=bias)
        for loop, draft, precision in (
            ("lockstep", 0, "float32"),
            ("draft", args.draft, "float32"),
            ("bf16", 0, "bfloat16"),
        ):
            if k == 1 and loop == "draft":
                continue  # one context: nothing to verify, the same loop
            decoders[f"poe_{k}_{loop}"] = PoEDecoder(
                base_model=model,
                priors=priors,
                weights=[1.0 / k] * k,
                draft_tokens=draft,
                precision=precision,
            )
    ids = torch.tensor([model.encode(PROMPT)])
    acceptance: dict[str, list[float]] = {}
    outputs: dict[str, list[int]] = {}
    packed = PackedLinears.of(model.hf_model)

    def plain_run() -> int:
        out = model.hf_model.generate(
            ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=args.tokens,
            min_new_tokens=args.tokens,
            do_sample=False,
            temperature=None,
            top_p=None,
            top_k=None,
            pad_token_id=model.tokenizer.pad_token_id,
        )
        return out.shape[1] - ids.shape[1]

    def plain() -> int:
        return plain_run()

    def plain_bf16() -> int:
        with packed.rows(1, torch.bfloat16):  # the same packed bf16 products, one row
            return plain_run()

    def poe(name: str):
        def run() -> int:
            out = decoders[name].generate(PROMPT, max_tokens=args.tokens, min_tokens=args.tokens)
            if out.draft:
                acceptance.setdefault(name, []).append(out.draft["accepted"] / max(1, out.draft["drafted"]))
            outputs[name] = out.token_ids
            return len(out.token_ids)

        return run

    configs = {"plain": plain, "plain_bf16": plain_bf16, **{name: poe(name) for name in decoders}}
    times: dict[str, list[float]] = {name: [] for name in configs}
    load_before = [round(x, 2) for x in os.getloadavg()]
    with torch.inference_mode():
        plain()  # warm-up
        for _ in range(args.reps):
            for name, fn in configs.items():
                t = time.perf_counter()
                n = fn()
                times[name].append(n / (time.perf_counter() - t))
    tps = {name: statistics.median(v) for name, v in times.items()}
    def same_prefix(name: str) -> float | None:
        """Share of tokens a bf16 run kept identical to its float32 lock-step twin before diverging."""
        if not name.endswith("_bf16") or name == "plain_bf16":
            return None
        a, b = outputs[name], outputs[name.replace("_bf16", "_lockstep")]
        same = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        return round(same / max(1, len(b)), 3)

    rows = []
    for name, v in tps.items():
        plain_name = "plain_bf16" if name.endswith("_bf16") else "plain"
        rows.append(
            {
                "config": name,
                "experts": int(name.split("_")[1]) if name.startswith("poe") else 0,
                "loop": name.split("_")[2] if name.startswith("poe") else "-",
                "precision": "bfloat16" if name.endswith("_bf16") else "float32",
                "tokens_per_s": round(v, 2),
                "slowdown_vs_plain": round(tps["plain"] / v, 3),
                "slowdown_vs_plain_same_precision": round(tps[plain_name] / v, 3),
                "draft_accepted": round(statistics.mean(acceptance[name]), 3) if name in acceptance else None,
                "same_tokens_as_float32": same_prefix(name),
                "all_tokens_per_s": [round(x, 2) for x in times[name]],
            }
        )
    result = {
        "model": model.info.name,
        "tokens": args.tokens,
        "reps": args.reps,
        "threads": args.threads,
        "prompt_tokens": ids.shape[1],
        "rows": rows,
        "draft_tokens": args.draft,
        "load_average_before_after": [load_before, [round(x, 2) for x in os.getloadavg()]],
        "command": f"python benchmarks/bench_poe.py --tokens {args.tokens} --reps {args.reps} "
        f"--experts {args.experts} --threads {args.threads} --draft {args.draft}",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"{'config':<18}{'experts':>8}{'tok/s':>8}{'vs plain':>10}{'vs plain same prec.':>21}"
        f"{'accepted':>10}{'same tokens':>13}"
    )
    for r in rows:
        acc = "" if r["draft_accepted"] is None else f"{r['draft_accepted']:.2f}"
        same = "" if r["same_tokens_as_float32"] is None else f"{r['same_tokens_as_float32']:.2f}"
        print(
            f"{r['config']:<18}{r['experts']:>8}{r['tokens_per_s']:>8.2f}{r['slowdown_vs_plain']:>9.2f}x"
            f"{r['slowdown_vs_plain_same_precision']:>20.2f}x{acc:>10}{same:>13}"
        )


if __name__ == "__main__":
    main()
