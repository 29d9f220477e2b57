"""Hint quality of the embedded model on the DEX hole specs, free vs grammar-constrained decoding, and
what its hints do to synthesis time and programs enumerated.

Per spec and decoding mode (free-form prompt + extraction; grammar-constrained decoding):
- candidates, and validity per tier: cheap (grammar + style), examples (vs `_ref.yaml`, when there
  is a readable one), full (Z3 hint-only check). Every tier runs on every cheap-valid candidate.
- the chosen hint (aggregation order: full > examples > cheap, frequency, AST size, position).
- synthesis (the engine's `synthesize`, with `--ref` equivalence when a reference loads) without
  hints and with the chosen hint: seconds and programs enumerated, as ratios measured in this run.

Writes `benchmarks/results/hints.json` and `benchmarks/results/hints.png`; prints a table.

Example: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_hints.py --samples 3
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from aso.data import dex_specs_dir

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from aso.models import get_model  # noqa: E402
from aso.synth.hashing import model_hash, synth_hash  # noqa: E402
from aso.synth.hints import GenerationSettings, HintGenerator, Tier, Verdict, choose, rank_candidates  # noqa: E402
from aso.synth.hints.hintfile import HintFile, HoleHint, write_hint_file  # noqa: E402
from aso.synth.hints.synth_timing import time_synthesis  # noqa: E402
from aso.synth.hints.validate import ValidationSettings, load_reference, validate_candidates  # noqa: E402
from aso.synth.spec import load_hole_spec  # noqa: E402

DEX = dex_specs_dir()
SPECS = [
    "fee_accumulator_simple_hole",
    "swap_fee_calculator_hole",
    "fee_calculator_hole",
    "simple_fee_multiplier_hole",
    "swap_output_simple_hole",
    "cpmm_output_amount_hole",
    "lp_mint_optimal_hole",
    "lp_ratio_calculator_hole",
    "circuit_breaker_hole",
]
OUT = Path(__file__).parent / "results"


def tier_counts(candidates) -> dict[str, list[int]]:
    counts: dict[str, list[int]] = {}
    for c in candidates:
        for t, v in c.verdicts.items():
            if v in (Verdict.PASSED, Verdict.FAILED):
                p, n = counts.get(t.value, [0, 0])
                counts[t.value] = [p + (v is Verdict.PASSED), n + 1]
    return counts


def run_mode(lm, name: str, constrained: bool, args) -> dict:
    spec = load_hole_spec(DEX / f"{name}.yaml", DEX / f"{name}.synth.json")
    ref = load_reference(DEX / f"{name}.yaml")
    settings = GenerationSettings(
        samples=args.samples,
        temperature=args.temp,
        max_tokens=args.max_tokens,
        validate=Tier.CHEAP,
        constrained=constrained,
        seed=args.seed,
        validation=ValidationSettings(examples=256, seed=args.seed),
    )
    start = time.perf_counter()
    results = HintGenerator(lm, settings).generate(spec, spec.holes, ref=ref)
    gen_seconds = time.perf_counter() - start
    holes = {}
    for hole, res in zip(spec.holes, results, strict=True):
        validate_candidates(spec, hole, res.candidates, Tier.EXAMPLES, ref=ref, settings=settings.validation)
        validate_candidates(spec, hole, res.candidates, Tier.FULL, ref=ref, settings=settings.validation)
        ranked = rank_candidates(res.candidates)
        picked = choose(ranked, Tier.CHEAP)
        holes[hole.hole_id] = {
            "candidates": len(ranked),
            "tiers": tier_counts(ranked),
            "chosen": picked[1].term if picked else None,
            "chosen_verdicts": {t.value: v.value for t, v in picked[1].verdicts.items()} if picked else None,
            "finished_outputs": sum(1 for o in res.outputs if o.strip()),
        }
    synth = None
    chosen = {h: HoleHint(d["chosen"], lm.info.name, 0) for h, d in holes.items() if d["chosen"]}
    if chosen:
        with tempfile.TemporaryDirectory() as tmp:
            path = write_hint_file(
                Path(tmp) / "h.json", HintFile(model_hash(spec.kernel), synth_hash(spec), chosen)
            )
            synth = time_synthesis(spec, path, args.synth_timeout, seed=args.seed)
    return {
        "gen_seconds": round(gen_seconds, 2),
        "holes": holes,
        "synth_with_hint": synth,
        "ref_note": ref.note,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", nargs="*", default=SPECS)
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--temp", type=float, default=0.7)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--synth-timeout", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--replot", action="store_true", help="Only redraw the PNG from results/hints.json.")
    args = parser.parse_args()
    if args.replot:
        plot(json.loads((OUT / "hints.json").read_text())["specs"], OUT / "hints.png")
        return
    lm = get_model("smollm2")
    rows = {}
    for name in args.specs:
        spec = load_hole_spec(DEX / f"{name}.yaml", DEX / f"{name}.synth.json")
        baseline = time_synthesis(spec, None, args.synth_timeout, seed=args.seed)
        rows[name] = {"synth_without": baseline}
        for mode, constrained in (("free", False), ("constrained", True)):
            rows[name][mode] = run_mode(lm, name, constrained, args)
            print(f"{name} [{mode}] {json.dumps(rows[name][mode]['holes'])[:300]}", flush=True)
    summary = summarise(rows)
    OUT.mkdir(exist_ok=True)
    doc = {
        "args": vars(args),
        "model": lm.info.name,
        "model_identity": lm.info.identity,
        "specs": rows,
        "summary": summary,
    }
    (OUT / "hints.json").write_text(json.dumps(doc, indent=2) + "\n")
    print_table(rows, summary)
    plot(rows, OUT / "hints.png")


def summarise(rows: dict) -> dict:
    out = {}
    for mode in ("free", "constrained"):
        totals: dict[str, list[int]] = {}
        hinted = holes = chosen_full = chosen_examples = 0
        t_no = t_hint = p_no = p_hint = 0.0
        for row in rows.values():
            for hid, h in row[mode]["holes"].items():
                holes += 1
                hinted += h["chosen"] is not None
                verdicts = h["chosen_verdicts"] or {}
                chosen_full += verdicts.get("full") == "passed"
                chosen_examples += verdicts.get("examples") == "passed"
                for t, (p, n) in h["tiers"].items():
                    a, b = totals.get(t, [0, 0])
                    totals[t] = [a + p, b + n]
                base, withh = (
                    row["synth_without"].get(hid, {}),
                    (row[mode]["synth_with_hint"] or {}).get(hid, {}),
                )
                if h["chosen"] and "seconds" in base and "seconds" in withh:
                    t_no, t_hint = t_no + base["seconds"], t_hint + withh["seconds"]
                    p_no, p_hint = p_no + base["programs"], p_hint + withh["programs"]
        out[mode] = {
            "holes": holes,
            "hinted_cheap": hinted,
            "chosen_passes_full": chosen_full,
            "chosen_passes_examples": chosen_examples,
            "tiers": totals,
            "gen_seconds": round(sum(r[mode]["gen_seconds"] for r in rows.values()), 1),
            "synth_seconds_without_over_with": round(t_no / t_hint, 3) if t_hint else None,
            "programs_without_over_with": round(p_no / p_hint, 3) if p_hint else None,
        }
    return out


def _fmt(counts: dict, tier: str) -> str:
    p, n = counts.get(tier, (0, 0))
    return f"{p}/{n}" if n else "-"


def print_table(rows: dict, summary: dict) -> None:
    head = (
        f"{'spec':30} {'hole':20} {'mode':12} {'cands':>5} {'cheap':>6} {'exmpl':>6} {'full':>6} "
        f"{'t_no':>7} {'t_hint':>7} {'prog_no':>8} {'prog_h':>8}  chosen"
    )
    print(head)
    print("-" * len(head))
    for name, row in rows.items():
        for mode in ("free", "constrained"):
            for hid, h in row[mode]["holes"].items():
                base = row["synth_without"].get(hid, {})
                withh = (row[mode]["synth_with_hint"] or {}).get(hid, {}) if h["chosen"] else {}
                print(
                    f"{name:30} {hid:20} {mode:12} {h['candidates']:>5} {_fmt(h['tiers'], 'cheap'):>6} "
                    f"{_fmt(h['tiers'], 'examples'):>6} {_fmt(h['tiers'], 'full'):>6} "
                    f"{base.get('seconds', float('nan')):>7.2f} {withh.get('seconds', float('nan')):>7.2f} "
                    f"{base.get('programs', '-')!s:>8} {withh.get('programs', '-')!s:>8}  {h['chosen']}"
                )
    print(json.dumps(summary, indent=2))


def plot(rows: dict, path: Path) -> None:
    """Per hole: fraction of candidates passing cheap and full, free vs constrained decoding."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    labels = [f"{n.removesuffix('_hole')}:{h}" for n, row in rows.items() for h in row["free"]["holes"]]
    series = {}
    for mode in ("free", "constrained"):
        for tier in ("cheap", "full"):
            vals = []
            for row in rows.values():
                for h in row[mode]["holes"].values():
                    p, n = h["tiers"].get(tier, (0, 0))
                    vals.append(p / n if n else 0.0)
            series[f"{mode}: {tier}"] = vals
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(max(8, 0.9 * len(labels) + 2), 4.8))
    for i, (label, vals) in enumerate(series.items()):
        ax.bar(x + (i - 1.5) * 0.2, vals, 0.2, label=label)
    ax.set_ylabel("valid candidates (fraction; 0 when none)")
    ax.set_ylim(0, 1.05)
    ax.set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
    ax.set_title("SmolLM2-135M hints per hole: cheap (grammar) and full (Z3) validity")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
