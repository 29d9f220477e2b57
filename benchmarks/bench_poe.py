"""PoE decoding speed: tokens/s with 1, 2, 4 and 8 context experts against plain `transformers` greedy
decoding, as ratios measured in one run (configurations interleaved, median of --reps).

"Experts" counts context experts in total: the base context plus (K − 1) prior-conditioned contexts,
each a different prompt (a few lessons prepended), all in ONE batched KV-cached forward per token;
every PoE configuration also has the token-bias expert. Every run generates exactly --tokens tokens
(EOS refused before that), so all configurations do the same number of steps.

Example: python benchmarks/bench_poe.py --tokens 64 --reps 3
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
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--experts", default="1,2,4,8")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=RESULTS / "poe.json")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from aso.decoding import PoEDecoder
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
        decoders[k] = PoEDecoder(base_model=model, priors=priors, weights=[1.0 / k] * k)
    ids = torch.tensor([model.encode(PROMPT)])

    def plain() -> int:
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

    def poe(k: int):
        return lambda: len(
            decoders[k].generate(PROMPT, max_tokens=args.tokens, min_tokens=args.tokens).token_ids
        )

    configs = {"plain": plain, **{f"poe_{k}": poe(k) for k in ks}}
    times: dict[str, list[float]] = {name: [] for name in configs}
    with torch.inference_mode():
        plain()  # warm-up
        for _ in range(args.reps):
            for name, fn in configs.items():
                t = time.perf_counter()
                n = fn()
                times[name].append(n / (time.perf_counter() - t))
    tps = {name: statistics.median(v) for name, v in times.items()}
    rows = [
        {
            "config": name,
            "experts": 0 if name == "plain" else int(name.split("_")[1]),
            "tokens_per_s": round(v, 2),
            "slowdown_vs_plain": round(tps["plain"] / v, 3),
            "all_tokens_per_s": [round(x, 2) for x in times[name]],
        }
        for name, v in tps.items()
    ]
    result = {
        "model": model.info.name,
        "tokens": args.tokens,
        "reps": args.reps,
        "threads": args.threads,
        "prompt_tokens": ids.shape[1],
        "rows": rows,
        "command": f"python benchmarks/bench_poe.py --tokens {args.tokens} --reps {args.reps} "
        f"--experts {args.experts} --threads {args.threads}",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'config':<10}{'experts':>8}{'tok/s':>10}{'slowdown':>10}")
    for r in rows:
        print(f"{r['config']:<10}{r['experts']:>8}{r['tokens_per_s']:>10.2f}{r['slowdown_vs_plain']:>9.2f}x")


if __name__ == "__main__":
    main()
