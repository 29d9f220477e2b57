"""HumanEval held-out pass@1 / pass@k: baseline vs experiences in the prompt vs PoE, with model calls.

Stages (one run directory, resumable with --resume):
1. TF-GRPO on the first --train problems of the train split (--epochs, group 4) -> priors.
2. On the first --heldout problems of the held-out split, greedy pass@1 of
   baseline (chat prompt) | prompt priors (all lessons prepended) | PoE (reliability weights)
   [| PoE with fixed weights, --poe-fixed].
3. Baseline sampled at T=0.7 with as many samples per problem as ASO spent calls per problem
   (training + evaluation, capped by --max-samples), reported as pass@k.

Runs unchanged against any OpenAI-compatible endpoint: --model openai:http://host/v1#name (PoE then
falls back to prompt-level priors and says so in the table notes).

Example: python benchmarks/bench_humaneval.py --train 8 --heldout 40 --max-tokens 256
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="smollm2")
    ap.add_argument("--train", type=int, default=8, help="train-split problems used for TF-GRPO")
    ap.add_argument("--heldout", type=int, default=40, help="held-out problems evaluated")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--group-size", type=int, default=4)
    ap.add_argument("--calibration", type=int, default=4, help="train problems used to measure reliability")
    ap.add_argument("--experts", type=int, default=2, help="context experts the library is split into")
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--max-samples", type=int, default=4, help="cap on baseline samples at equal calls")
    ap.add_argument("--poe-fixed", default="0.5,0.25,0.25", help="fixed PoE weights base,X1,..; '' = skip")
    ap.add_argument(
        "--threads", type=int, default=1, help="torch threads (1 is fastest on a busy 2-core box)"
    )
    ap.add_argument(
        "--reflector-style",
        choices=("auto", "json", "primed"),
        default="auto",
        help="how the reflector is asked (auto = primed for a local model, json for an endpoint)",
    )
    ap.add_argument("--batch", type=int, default=20, help="problems generated together")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--resume", type=Path, default=None)
    ap.add_argument("--priors", type=Path, default=None, help="reuse a priors file (skip TF-GRPO)")
    ap.add_argument(
        "--methods",
        default="baseline,prompt_priors,poe_poai,poe_fixed,baseline_sampled",
        help="which rows to compute/report (not part of the run config, so a resumed run can "
        "report a subset)",
    )
    ap.add_argument("--out", type=Path, default=RESULTS / "humaneval.json")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from aso.grpo import TFGRPOOptimizer
    from aso.grpo.priors import Priors
    from aso.humaneval import HumanEvalReward, chat_prompt, problems, task_of
    from aso.humaneval.evaluation import Method, evaluate
    from aso.models import get_model
    from aso.runs import open_run

    config = {k: str(v) for k, v in vars(args).items() if k not in ("resume", "out", "methods")}
    wanted = set(args.methods.split(","))
    if args.priors is not None:
        from aso.grpo import load_priors

        config["priors"] = load_priors(args.priors).content_hash
    model = get_model(args.model)
    run = open_run(
        "bench-humaneval", config, resume=args.resume, seed=args.seed, model_hash=model.info.identity
    )
    reward = HumanEvalReward()
    t0 = time.time()

    train = [task_of(p) for p in problems("train", args.train)]
    priors_path = args.priors or run.path / "priors.json"
    if priors_path.exists():
        from aso.grpo import load_priors

        priors: Priors = load_priors(priors_path)
    else:
        optimizer = TFGRPOOptimizer(
            base_model=model,
            group_size=args.group_size,
            epochs=args.epochs,
            batch_size=4,
            max_tokens=args.max_tokens,
            n_experts=args.experts,
            calibration_tasks=args.calibration,
            seed=args.seed,
            reflector_style=args.reflector_style,
            prompt_builder=lambda task, lessons: _prompt(chat_prompt, task, lessons),
        )
        priors = optimizer.optimize(train, reward, run=run)
        priors.save(priors_path)
    train_s = time.time() - t0
    train_calls = sum(priors.meta.get("model_calls", {}).values())

    heldout = problems("heldout", args.heldout)
    common = dict(max_tokens=args.max_tokens, seed=args.seed, run=run, reward=reward, batch=args.batch)
    reports = {}
    timings = {}
    for name, method, extra in [
        ("baseline", Method.BASELINE, {}),
        ("prompt_priors", Method.PROMPT_PRIORS, {"priors": priors}),
        ("poe_poai", Method.POE, {"priors": priors, "poe_weights": "poai"}),
    ] + (
        [("poe_fixed", Method.POE, {"priors": priors, "poe_weights": _fixed(args.poe_fixed, priors)})]
        if args.poe_fixed
        else []
    ):
        if name not in wanted:
            continue
        t = time.time()
        reports[name] = evaluate(model, heldout, method, label=name, **extra, **common)  # type: ignore[arg-type]
        timings[name] = round(time.time() - t, 1)
    aso_calls_per_problem = (train_calls + len(heldout)) / max(1, len(heldout))
    n_equal = min(args.max_samples, math.ceil(aso_calls_per_problem))
    if "baseline_sampled" in wanted:
        t = time.time()
        label = f"baseline_T0.7_n{n_equal}"
        reports[label] = evaluate(
            model, heldout, Method.BASELINE, n_samples=n_equal, temperature=0.7, label=label, **common
        )
        timings[label] = round(time.time() - t, 1)

    rows = []
    for name, rep in reports.items():
        s = rep.summary()
        s["name"] = name
        s["extra_training_calls"] = train_calls if name.startswith(("prompt", "poe")) else 0
        rows.append(s)
    result = {
        "model": model.info.name,
        "model_identity": model.info.identity,
        "sizes": {
            "train": len(train),
            "heldout": len(heldout),
            "epochs": args.epochs,
            "group_size": args.group_size,
            "max_tokens": args.max_tokens,
        },
        "training": {
            "seconds": round(train_s, 1),
            "calls": priors.meta.get("model_calls"),
            "experiences": [e.text for e in priors.experiences],
            "experts": [
                {
                    "id": e.id,
                    "q": round(e.reliability.q(), 3),
                    "successes": e.reliability.successes,
                    "trials": e.reliability.trials,
                }
                for e in priors.experts
            ],
            "base": {"successes": priors.base.successes, "trials": priors.base.trials},
            "token_bias_entries": len(priors.token_bias.token_ids) if priors.token_bias else 0,
            "priors_hash": priors.content_hash,
        },
        "aso_calls_per_heldout_problem": round(aso_calls_per_problem, 2),
        "baseline_samples_at_equal_calls": n_equal,
        "rows": rows,
        "seconds": timings,
        "run": str(run.path),
        "command": "python benchmarks/bench_humaneval.py "
        + " ".join(
            f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if k in config and v is not None
        ),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    run.write_json("humaneval.json", result)
    run.finish(rows=rows)
    _print(result)
    _plot(result, args.out.with_suffix(".png"))


def _prompt(chat_prompt, task, lessons):
    from aso.decoding import prepend_lessons

    return prepend_lessons(chat_prompt(task.data), lessons)


def _fixed(spec: str, priors) -> list[float]:
    values = [float(x) for x in spec.split(",")]
    names = 1 + len(priors.experts)
    values = (values + [0.0] * names)[:names]
    return values


def _print(result: dict) -> None:
    print(f"\nHumanEval held-out ({result['sizes']['heldout']} problems), model {result['model']}")
    print(f"{'method':<26}{'pass@1':>8}{'pass@k':>18}{'calls':>8}{'+train':>8}  notes")
    for r in result["rows"]:
        ks = {k: v for k, v in r.items() if k.startswith("pass@") and k != "pass@1"}
        kstr = ", ".join(f"{k}={v:.3f}" for k, v in ks.items())
        print(
            f"{r['name']:<26}{r['pass@1']:>8.3f}{kstr:>18}{r['model_calls']:>8}{r['extra_training_calls']:>8}"
            f"  {'; '.join(r['notes'])[:120]}"
        )


def _plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [r["name"] for r in result["rows"]]
    vals = [r["pass@1"] for r in result["rows"]]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.bar(names, vals, color="#4a7")
    ax.set_ylabel("pass@1 (held-out)")
    ax.set_title(f"HumanEval held-out n={result['sizes']['heldout']}, {result['model']}")
    plt.xticks(rotation=20, ha="right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
