"""BitDelta on a real delta: fine-tune the embedded SmolLM2 on Python stdlib source, compress the delta.

Reports, all measured in this one run (the fine-tuned checkpoint is cached under --work and reused when
its config is unchanged; delete it to re-train):
- compression ratio of the 1-bit matrices against fp16 and fp32, and of the whole file;
- logit agreement with the fine-tuned model on held-out stdlib files (top-1 agreement, KL(ft || x) per
  token) for: base, base + BitDelta, base + BitDelta with distilled scales;
- compress / decompress throughput as a fraction of a plain memory copy (torch clone) of the same bytes;
- what 1-bit expert factors do to PoE decoding (see `poe_factor_agreement`).

Usage: .venv/bin/python benchmarks/bench_bitdelta.py [--steps 200] [--distill-steps 60]
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import random
import sys
import sysconfig
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402

from aso.bitdelta import (  # noqa: E402
    DistillConfig,
    apply,
    compress,
    compress_model,
    decompress,
    distill_scales,
    load,
    save,
    save_factors,
)
from aso.bitdelta.calibration import token_windows  # noqa: E402
from aso.bitdelta.factors import load_factors  # noqa: E402
from aso.bitdelta.models import load_model, model_with_state, save_model_dir  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "bitdelta.json"


def stdlib_split(seed: int) -> dict[str, list[str]]:
    """Texts of Python stdlib top-level modules, split into disjoint train / calib / held-out sets."""
    files = sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))
    random.Random(seed).shuffle(files)
    read = lambda fs: [f.read_text(encoding="utf-8", errors="replace") for f in fs]  # noqa: E731
    return {"train": read(files[:40]), "calib": read(files[40:60]), "heldout": read(files[60:80])}


def finetune(args, base, texts) -> tuple[torch.nn.Module, dict]:
    """Fine-tune the attention/MLP matrices (AdamW, constant lr); cached by config hash under --work."""
    config = {k: getattr(args, k) for k in ("steps", "batch", "seq_len", "lr", "seed")}
    key = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:12]
    out_dir = Path(args.work) / f"ft-{key}"
    if (out_dir / "train.json").is_file():
        ft = load_model(str(out_dir / "model")).model
        return ft, json.loads((out_dir / "train.json").read_text())
    torch.manual_seed(args.seed)
    windows = token_windows(base.tokenizer, texts, args.seq_len, args.steps * args.batch)
    model = copy.deepcopy(base.model).train()
    trainable = [p for n, p in model.named_parameters() if "_proj." in n]
    for n, p in model.named_parameters():
        p.requires_grad_("_proj." in n)
    opt = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.0, fused=True)
    losses, start = [], time.perf_counter()
    for step in range(args.steps):
        idx = torch.arange(step * args.batch, (step + 1) * args.batch) % len(windows)
        batch = windows[idx]
        loss = model(input_ids=batch, labels=batch).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
        if step % 10 == 0 or step == args.steps - 1:
            print(
                f"  finetune step {step:4d}  loss {losses[-1]:.3f}  {time.perf_counter() - start:.0f}s",
                flush=True,
            )
    model.eval()
    record = {
        "config": config,
        "losses": losses,
        "seconds": time.perf_counter() - start,
        "windows": len(windows),
    }
    save_model_dir(model, base.tokenizer, out_dir / "model")
    (out_dir / "train.json").write_text(json.dumps(record))
    ft = load_model(str(out_dir / "model")).model
    return ft, record


@torch.no_grad()
def agreement(reference: torch.nn.Module, model: torch.nn.Module, windows: torch.Tensor) -> dict:
    """Top-1 agreement and mean KL(reference || model) per token over `windows` (batches of 4)."""
    agree = kl = 0.0
    n = 0
    for i in range(0, len(windows), 4):
        batch = windows[i : i + 4]
        p = torch.log_softmax(reference(input_ids=batch).logits.float(), -1)
        q = torch.log_softmax(model(input_ids=batch).logits.float(), -1)
        agree += float((p.argmax(-1) == q.argmax(-1)).sum())
        kl += float((p.exp() * (p - q)).sum(-1).sum())
        n += batch.numel()
    return {"top1_agreement": agree / n, "kl_per_token": kl / n, "tokens": n}


def best_time(fn, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def throughput(deltas: dict[str, torch.Tensor], rounds: int) -> dict:
    """Compress/decompress time vs a torch clone of the same bytes (interleaved, best of `rounds`)."""
    tensors = list(deltas.values())
    packed = [compress(t) for t in tensors]
    nbytes = sum(t.numel() * t.element_size() for t in tensors)
    times = {"memcpy": float("inf"), "compress": float("inf"), "decompress": float("inf")}
    for _ in range(rounds):  # interleave so that machine noise hits all three alike
        times["memcpy"] = min(times["memcpy"], best_time(lambda: [t.clone() for t in tensors], 1))
        times["compress"] = min(times["compress"], best_time(lambda: [compress(t) for t in tensors], 1))
        times["decompress"] = min(times["decompress"], best_time(lambda: [decompress(b) for b in packed], 1))
    gbps = {k: nbytes / v / 1e9 for k, v in times.items()}
    return {
        "dense_bytes": nbytes,
        "seconds": times,
        "GB_per_s_of_dense_bytes": gbps,
        "compress_fraction_of_memcpy": times["memcpy"] / times["compress"],
        "decompress_fraction_of_memcpy": times["memcpy"] / times["decompress"],
        "threads": torch.get_num_threads(),
    }


def token_bias(tokenizer, high: list[str], low: list[str], vocab: int) -> torch.Tensor:
    """The ASO core's token-bias factor (`aso.grpo.token_bias.distill_token_bias`) from stand-in rollouts.

    'High-advantage rollouts' are the training split's stdlib files, 'low' the calibration split's:
    real text with real token statistics, standing in for rollouts of a TF-GRPO run.
    """
    from aso.grpo.tasks import Rollout, Verdict
    from aso.grpo.token_bias import distill_token_bias

    rollouts = [Rollout("stdlib", t, Verdict(1.0), advantage=1.0) for t in high]
    rollouts += [Rollout("stdlib", t, Verdict(0.0), advantage=-1.0) for t in low]
    tokenize = lambda text: tokenizer(text, add_special_tokens=False)["input_ids"]  # noqa: E731
    return distill_token_bias(rollouts, tokenize, vocab).dense()


def poe_factor_agreement(
    model, tokenizer, prompts: list[str], bias_full: torch.Tensor, biases: dict, new_tokens: int
) -> dict:
    """Greedy `aso.decoding.PoEDecoder` (base model, η₀ = 1, token-bias expert η = 1) with the uncompressed
    factor vs each compressed one.

    - free running: fraction of generated positions with the same token, and of outputs identical in full
      (after the first differing token the continuations drift apart, so this is harsh);
    - teacher forced: along the uncompressed run's tokens, the fraction of positions where the PoE
      distribution `poe_log_probs([log π0, b], [1, 1])` has the same argmax with the compressed factor.
    'no token bias' is the reference point: how much the factor changes decoding at all.
    """
    from aso.decoding import PoEDecoder, poe_log_probs
    from aso.grpo.priors import Priors
    from aso.grpo.token_bias import TokenBias

    def run(b: torch.Tensor | None) -> list[list[int]]:
        tb = None
        if b is not None:
            ids = torch.nonzero(b).flatten()
            tb = TokenBias(b.numel(), tuple(ids.tolist()), tuple(b[ids].tolist()))
        decoder = PoEDecoder(base_model="smollm2", priors=Priors(token_bias=tb), weights=[1.0])
        return [o.token_ids for o in decoder.generate_batch(prompts, max_tokens=new_tokens)]

    def free_running(a: list[list[int]], b: list[list[int]]) -> dict:
        same = total = 0
        for x, y in zip(a, b, strict=True):
            same += sum(1 for i in range(min(len(x), len(y))) if x[i] == y[i])
            total += max(len(x), len(y))
        exact = sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)
        return {"free_running_token_agreement": same / max(total, 1), "identical_outputs": exact}

    reference = run(bias_full)
    base_logp = []  # per prompt: [T_generated, V] log π0 at each generated position of the reference run
    with torch.no_grad():
        for prompt, generated in zip(prompts, reference, strict=True):
            ids = tokenizer(prompt)["input_ids"]
            seq = torch.tensor([ids + generated])
            logits = model(input_ids=seq).logits[0, len(ids) - 1 : len(ids) - 1 + len(generated)]
            base_logp.append(torch.log_softmax(logits.float(), -1))

    def forced(b: torch.Tensor | None) -> float:
        same = total = 0
        for logp in base_logp:
            ref = poe_log_probs([logp, bias_full.expand_as(logp)], [1.0, 1.0]).argmax(-1)
            alt = logp if b is None else poe_log_probs([logp, b.expand_as(logp)], [1.0, 1.0])
            same += int((alt.argmax(-1) == ref).sum())
            total += len(ref)
        return same / max(total, 1)

    result = {
        "no token bias": {**free_running(reference, run(None)), "teacher_forced_top1_agreement": forced(None)}
    }
    for label, b in biases.items():
        result[label] = {**free_running(reference, run(b)), "teacher_forced_top1_agreement": forced(b)}
    result["sample"] = {"prompt_tail": prompts[0][-80:], "uncompressed": tokenizer.decode(reference[0])}
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200, help="fine-tuning steps")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--seq-len", dest="seq_len", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--distill-steps", type=int, default=60)
    ap.add_argument("--distill-lr", type=float, default=1e-2)
    ap.add_argument("--distill-batch", type=int, default=1)
    ap.add_argument("--distill-seq-len", type=int, default=32)
    ap.add_argument("--heldout-windows", type=int, default=16)
    ap.add_argument("--heldout-seq-len", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=5, help="timing rounds (best of)")
    ap.add_argument("--poe-prompts", type=int, default=8)
    ap.add_argument("--poe-tokens", type=int, default=24)
    ap.add_argument("--threads", type=int, default=1, help="1: OpenMP threads spin badly on a shared CPU")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", default="runs/bench_bitdelta", help="gitignored dir for checkpoints and deltas")
    ap.add_argument("--finetune-only", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    report: dict = {"args": vars(args), "argv": sys.argv}

    t0 = time.perf_counter()
    base = load_model("smollm2")
    texts = stdlib_split(args.seed)
    print(
        f"[1/6] fine-tuning smollm2 on stdlib source "
        f"({args.steps} steps x {args.batch} x {args.seq_len} tokens)"
    )
    ft, train = finetune(args, base, texts["train"])
    report["finetune"] = {
        "seconds": train["seconds"],
        "loss_first10": sum(train["losses"][:10]) / 10,
        "loss_last10": sum(train["losses"][-10:]) / 10,
        "config": train["config"],
    }
    if args.finetune_only:
        print(json.dumps(report["finetune"], indent=2))
        return

    print("[2/6] compressing the delta")
    b_state, f_state = base.model.state_dict(), ft.state_dict()
    delta = compress_model(b_state, f_state, sources={"base": base.identity})
    path = save(work / "smollm2-stdlib.bitdelta.safetensors", delta)
    n, packed = delta.compressed_numel(), delta.compressed_bytes()
    report["compression"] = {
        "matrices_1bit": len(delta.compressed),
        "tensors_dense": len(delta.dense),
        "elements_1bit": n,
        "bytes_1bit": packed,
        "ratio_vs_fp16": 2 * n / packed,
        "ratio_vs_fp32": 4 * n / packed,
        "file_bytes": path.stat().st_size,
        "file_ratio_vs_fp16_of_same_tensors": (2 * n + delta.dense_bytes()) / path.stat().st_size,
        "roles": delta.info["roles"],
    }

    print("[3/6] logit agreement on held-out stdlib files (before distillation)")
    heldout = token_windows(base.tokenizer, texts["heldout"], args.heldout_seq_len, args.heldout_windows)
    one_bit = model_with_state(base.model, apply(b_state, load(path)))
    report["agreement"] = {
        "base": agreement(ft, base.model, heldout),
        "base+bitdelta": agreement(ft, one_bit, heldout),
    }
    del one_bit

    print(f"[4/6] scale distillation ({args.distill_steps} steps)")
    calib = token_windows(base.tokenizer, texts["calib"], args.distill_seq_len, 512)
    cfg = DistillConfig(
        steps=args.distill_steps, batch_size=args.distill_batch, lr=args.distill_lr, seed=args.seed
    )
    start = time.perf_counter()
    result = distill_scales(base.model, ft, delta, calib, cfg)
    distilled_path = save(work / "smollm2-stdlib.distilled.bitdelta.safetensors", result.delta)
    distilled = model_with_state(base.model, apply(b_state, load(distilled_path)))
    report["agreement"]["base+bitdelta distilled"] = agreement(ft, distilled, heldout)
    scales = [(result.delta.compressed[k].scale / delta.compressed[k].scale) for k in delta.compressed]
    report["distillation"] = {
        "seconds": time.perf_counter() - start,
        "loss_first5": sum(result.losses[:5]) / 5,
        "loss_last5": sum(result.losses[-5:]) / 5,
        "scale_multiplier_min": min(scales),
        "scale_multiplier_max": max(scales),
        "scale_multiplier_mean": sum(scales) / len(scales),
        "config": {"steps": cfg.steps, "batch_size": cfg.batch_size, "lr": cfg.lr, "loss": cfg.loss.value},
    }
    del distilled

    print("[5/6] throughput vs memcpy")
    deltas = {k: (f_state[k] - b_state[k]).contiguous() for k in delta.compressed}
    report["throughput"] = throughput(deltas, args.rounds)
    del deltas

    print("[6/6] expert factors: 1-bit token bias in PoE decoding")
    vocab = base.model.config.vocab_size
    bias = token_bias(base.tokenizer, texts["train"], texts["calib"], vocab)
    fpath = save_factors(work / "token_bias.factors.safetensors", {"token_bias": bias})
    pure = decompress(compress(bias))  # without the zero plane, for comparison
    biases = {"1bit+zero-plane (save_factors)": load_factors(fpath)["token_bias"], "1bit pure": pure}
    prompts = [t[:200] for t in texts["heldout"][: args.poe_prompts]]
    report["expert_factors"] = {
        "nonzero_fraction": float((bias != 0).float().mean()),
        "file_bytes": fpath.stat().st_size,
        "fp16_bytes": 2 * bias.numel(),
        "relative_l2_error": {k: float((v - bias).norm() / bias.norm()) for k, v in biases.items()},
        "poe_decoding": poe_factor_agreement(
            base.model, base.tokenizer, prompts, bias, biases, args.poe_tokens
        ),
    }
    report["total_seconds"] = time.perf_counter() - t0
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    print_table(report)


def print_table(r: dict) -> None:
    c, t = r["compression"], r["throughput"]
    print("\n| measure | value |\n|---|---|")
    print(f"| 1-bit matrices | {c['matrices_1bit']} ({c['elements_1bit']:,} weights) |")
    print(
        f"| ratio vs fp16 / fp32 (1-bit matrices) | {c['ratio_vs_fp16']:.2f}x / {c['ratio_vs_fp32']:.2f}x |"
    )
    for label, a in r["agreement"].items():
        print(f"| {label} vs fine-tuned: top-1 / KL | {a['top1_agreement']:.4f} / {a['kl_per_token']:.5f} |")
    d = r["distillation"]
    print(f"| distillation loss first5 -> last5 | {d['loss_first5']:.4g} -> {d['loss_last5']:.4g} |")
    print(
        f"| compress / decompress vs memcpy | {t['compress_fraction_of_memcpy']:.2f} / "
        f"{t['decompress_fraction_of_memcpy']:.2f} |"
    )
    for label, v in r["expert_factors"]["poe_decoding"].items():
        if label == "sample":
            continue
        print(
            f"| PoE, {label} vs uncompressed factor: free-running tokens / identical outputs / "
            f"teacher-forced top-1 | {v['free_running_token_agreement']:.3f} / "
            f"{v['identical_outputs']:.3f} / {v['teacher_forced_top1_agreement']:.3f} |"
        )
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
