"""Tokens/s of our `transformers` backend against plain `transformers.generate` on the same prompts.

Both decode greedily the same prompts with the same padding, so they produce the same tokens; the ratio
is our throughput over plain throughput, measured interleaved in one run (best of `--repeats`).

    python benchmarks/bench_generate.py [--model smollm2] [--max-tokens 64] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from aso.models import SamplingParams, get_model  # noqa: E402
from common import print_table, write_result  # noqa: E402

PROMPTS = [
    "Write a Python function add(a, b).",
    "Write a Python function that reverses a string.",
    "Explain what a hash map is in one paragraph.",
    "Write a Python function is_prime(n).",
    "List three uses of binary search.",
    "Write a Python function that returns the factorial of n.",
    "What is the difference between a list and a tuple in Python?",
    "Write a Python function fib(n) returning the n-th Fibonacci number.",
]


def plain_generate(model, prompts, max_tokens: int) -> int:
    """Plain transformers: tokenize with the chat template, left-pad, generate; returns new tokens."""
    tok = model.tokenizer
    texts = [
        tok.apply_chat_template([{"role": "user", "content": p}], add_generation_prompt=True, tokenize=False)
        for p in prompts
    ]
    batch = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False)
    with torch.inference_mode():
        out = model.hf_model.generate(
            **batch, max_new_tokens=max_tokens, do_sample=False, pad_token_id=tok.pad_token_id
        )
    new = out[:, batch["input_ids"].shape[1] :]
    return int(sum(_length(row, tok) for row in new.tolist()))


def ours(model, prompts, max_tokens: int) -> int:
    """Our backend's `sample`, greedy."""
    chats = [[{"role": "user", "content": p}] for p in prompts]
    out = model.sample(chats, SamplingParams(n=1, temperature=0, max_tokens=max_tokens))
    return sum(g[0].n_tokens for g in out)


def _length(row: list[int], tok) -> int:
    stops = {tok.eos_token_id, tok.pad_token_id}
    return next((i for i, t in enumerate(row) if t in stops), len(row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    model = get_model(args.model)
    ours(model, PROMPTS[:1], 8)  # warm-up
    rows, records = [], []
    for batch in (1, 4, 8):
        prompts = PROMPTS[:batch]
        best = {"plain": 0.0, "ours": 0.0}
        tokens = {}
        for _ in range(args.repeats):
            for name, fn in (("plain", plain_generate), ("ours", ours)):
                start = time.perf_counter()
                tokens[name] = fn(model, prompts, args.max_tokens)
                best[name] = max(best[name], tokens[name] / (time.perf_counter() - start))
        ratio = best["ours"] / best["plain"]
        rows.append([batch, tokens["plain"], tokens["ours"], best["plain"], best["ours"], ratio])
        records.append(
            {
                "batch": batch,
                "tokens_plain": tokens["plain"],
                "tokens_ours": tokens["ours"],
                "tok_s_plain": best["plain"],
                "tok_s_ours": best["ours"],
                "ratio": ratio,
            }
        )
    print_table(["batch", "tokens plain", "tokens ours", "tok/s plain", "tok/s ours", "ours/plain"], rows)
    path = write_result(
        "generate",
        {
            "model": model.info.name,
            "identity": model.info.identity,
            "max_tokens": args.max_tokens,
            "repeats": args.repeats,
            "rows": records,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
