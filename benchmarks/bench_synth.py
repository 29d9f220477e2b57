"""Our synthesis engine vs cvc5 on the same problems with the same timeout, in one run.

Problems: every hole of the nine DEX hole specs (with the `_ref.yaml` kernel where one exists;
the repaired copy for circuit_breaker, whose original is invalid YAML), translated to SyGuS for
cvc5 by `aso.synth.sygus_export`, and the SyGuS LIA files in `benchmarks/sygus/`. cvc5 runs in a
subprocess (`cvc5.InputParser`, `SYGUS_2_1`, option `sygus` on), killed at the timeout; its answers
are re-verified with our Z3 check. Then our engine on the DEX holes without hints, with a correct
hint and with a partly correct hint (right structure, wrong constant or operand).

Run: .venv/bin/python benchmarks/bench_synth.py [--timeout 20] [--quick]
Writes benchmarks/results/synth.json and prints tables.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aso.data import dex_specs_dir

REPO = Path(__file__).resolve().parents[1]
DEX = dex_specs_dir()
SYGUS_DIR = REPO / "benchmarks" / "sygus"
REPAIRED = {"circuit_breaker": REPO / "benchmarks" / "data" / "circuit_breaker_ref_repaired.yaml"}
NINE = ["fee_accumulator_simple", "swap_fee_calculator", "fee_calculator", "simple_fee_multiplier",
        "swap_output_simple", "cpmm_output_amount", "lp_mint_optimal", "lp_ratio_calculator",
        "circuit_breaker"]
# (correct hint, partly correct hint) per hole; partly = right shape, one wrong leaf
HINTS = {
    ("simple_fee_multiplier", "fee_result_expr"): ("(safe_div (* fee_amount fee_bps) 10000)",
                                                   "(safe_div (* fee_amount fee_bps) 1000)"),
    ("fee_calculator", "fee_calc_expr"): ("(safe_div (* fee_amount fee_bps) 10000)",
                                          "(safe_div (* fee_amount fee_bps) 100)"),
    ("swap_fee_calculator", "fee_expr"): ("(safe_div (* amount_in fee_bps) 10000)",
                                          "(safe_div (* amount_in fee_bps) 1000)"),
    ("cpmm_output_amount", "output_expr"): ("(safe_div (* reserve_out net_in) (+ reserve_in net_in))",
                                            "(* reserve_out net_in)"),
    ("lp_mint_optimal", "lp_mint_expr"): (
        "(ite (<= (* amount0 reserve1) (* amount1 reserve0)) (safe_div (* amount0 lp_supply) reserve0) "
        "(safe_div (* amount1 lp_supply) reserve1))", "(safe_div (* amount0 lp_supply) reserve0)"),
}

CVC5_WORKER = r"""
import json, sys, time
import cvc5
tm = cvc5.TermManager()
slv = cvc5.Solver(tm)
slv.setOption("sygus", "true")
slv.setOption("incremental", "false")
parser = cvc5.InputParser(slv)
parser.setFileInput(cvc5.InputLanguage.SYGUS_2_1, sys.argv[1])
sm = parser.getSymbolManager()
out = ""
t0 = time.perf_counter()
while True:
    cmd = parser.nextCommand()
    if cmd.isNull():
        break
    out += cmd.invoke(slv, sm)
print(json.dumps({"output": out, "seconds": time.perf_counter() - t0}))
"""


def run_cvc5(path: Path, timeout: float) -> dict:
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", CVC5_WORKER, str(path)], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "seconds": timeout, "solution": None}
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        return {"status": "error", "seconds": wall, "solution": None, "detail": proc.stderr[-300:]}
    doc = json.loads(proc.stdout.strip().splitlines()[-1])
    text = doc["output"]
    status = "infeasible" if "infeasible" in text else ("fail" if "fail" in text else "answered")
    return {"status": status, "seconds": doc["seconds"], "solution": _define_fun_body(text),
            "raw": text.strip()}


def _define_fun_body(text: str) -> str | None:
    from aso.synth.terms import parse_sexpr_forms

    try:
        forms = parse_sexpr_forms(text)
    except Exception:
        return None
    for f in forms:
        items = f if isinstance(f, list) else []
        for d in ([items] + [x for x in items if isinstance(x, list)]):
            if d and d[0] == "define-fun":
                return _tree_text(d[4])
    return None


def _tree_text(tree) -> str:
    return tree if isinstance(tree, str) else "(" + " ".join(_tree_text(t) for t in tree) + ")"


def check_cvc5(problem, body: str | None, rename: dict | None = None) -> str:
    """Re-verify a cvc5 answer with our Z3 check: verified / wrong / unparsable."""
    from aso.synth.terms import Var, parse_sexpr, substitute
    from aso.synth.verifier import VerifyStatus, verify

    if body is None:
        return "none"
    try:
        term = parse_sexpr(body)
        if rename:
            term = substitute(term, {k: Var(v) for k, v in rename.items()})
        out = verify(problem, term, 20000)
    except Exception as exc:  # unknown defined functions etc.
        return f"unchecked ({type(exc).__name__})"
    names = {VerifyStatus.VERIFIED: "verified", VerifyStatus.COUNTEREXAMPLE: "wrong"}
    return names.get(out.status, "unknown")


def dex_holes():
    from aso.synth import find_ref_kernel, load_hole_spec, load_kernel
    from aso.synth.problem import hole_problem

    for name in NINE:
        spec = load_hole_spec(DEX / f"{name}_hole.yaml", DEX / f"{name}_hole.synth.json")
        ref_path = REPAIRED.get(name) or find_ref_kernel(DEX / f"{name}_hole.yaml")
        ref = load_kernel(ref_path) if ref_path else None
        for hole in spec.holes:
            yield name, spec, hole, ref, hole_problem(spec, hole, ref)


def ours_dex(spec, hole, ref, timeout, hints=()):
    from aso.synth.synthesizer import synthesize_hole

    t0 = time.perf_counter()
    res = synthesize_hole(spec, hole, ref=ref, hints=tuple(hints), timeout_s=timeout)
    return {"status": res.status.value, "seconds": time.perf_counter() - t0,
            "search_seconds": res.search_seconds, "solution": res.solution,
            "programs": res.programs_enumerated, "rounds": res.cegis_rounds,
            "cost": res.cost, "cost_optimal": res.cost_optimal, "trivial": res.trivial_solutions,
            "reason": res.reason[:200]}


def ours_sygus(path, timeout):
    from aso.synth.sygus import load_sygus
    from aso.synth.synthesizer import synthesize_sygus

    sy = load_sygus(path)
    t0 = time.perf_counter()
    out = synthesize_sygus(sy, timeout=timeout)
    res = out.cegis
    return {"status": out.status.value, "seconds": time.perf_counter() - t0, "solution": out.define_fun,
            "programs": res.programs_enumerated if res else 0, "rounds": res.rounds if res else 0}, sy


def ok(r: dict) -> bool:
    return r["status"] in ("solved", "infeasible") or r.get("check") == "verified"


def geomean(xs):
    xs = [x for x in xs if x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--quick", action="store_true", help="DEX only, no hint variants (smoke test)")
    ap.add_argument("--plot-only", action="store_true", help="Redraw the plot from results/synth.json")
    args = ap.parse_args()
    results = REPO / "benchmarks" / "results"
    if args.plot_only:
        plot(json.loads((results / "synth.json").read_text()), results / "synth.png")
        return
    from aso.synth.sygus_export import to_sygus

    rows, hint_rows = [], []
    tmp = Path(tempfile.mkdtemp(prefix="bench_synth_"))
    for name, spec, hole, ref, problem in dex_holes():
        sl = tmp / f"{name}__{hole.hole_id}.sl"
        sl.write_text(to_sygus(problem))
        ours = ours_dex(spec, hole, ref, args.timeout)
        cvc = run_cvc5(sl, args.timeout)
        if cvc["status"] == "answered":
            cvc["check"] = check_cvc5(problem, cvc["solution"])
        rows.append({"suite": "dex", "problem": f"{name}:{hole.hole_id}", "ref": bool(ref), "ours": ours,
                     "cvc5": cvc})
        print(f"dex {name}:{hole.hole_id}: ours {ours['status']} {ours['seconds']:.2f}s | "
              f"cvc5 {cvc['status']}/{cvc.get('check', '-')} {cvc['seconds']:.2f}s", flush=True)
        if not args.quick and (name, hole.hole_id) in HINTS:
            right, partial = HINTS[(name, hole.hole_id)]
            variants = {"none": ours, "correct": ours_dex(spec, hole, ref, args.timeout, [right]),
                        "partial": ours_dex(spec, hole, ref, args.timeout, [partial])}
            hint_rows.append({"problem": f"{name}:{hole.hole_id}", **variants})
    for name, spec, hole, ref, _ in dex_holes():
        if ref is None:  # already run without a reference above
            continue
        from aso.synth.problem import hole_problem

        problem = hole_problem(spec, hole)
        sl = tmp / f"{name}__{hole.hole_id}__noref.sl"
        sl.write_text(to_sygus(problem))
        ours = ours_dex(spec, hole, None, args.timeout)
        cvc = run_cvc5(sl, args.timeout)
        if cvc["status"] == "answered":
            cvc["check"] = check_cvc5(problem, cvc["solution"])
        rows.append({"suite": "dex_noref", "problem": f"{name}:{hole.hole_id}", "ref": False, "ours": ours,
                     "cvc5": cvc})
        print(f"dex_noref {name}:{hole.hole_id}: ours {ours['status']} {ours['seconds']:.2f}s "
              f"({ours['solution']}) | cvc5 {cvc['status']}/{cvc.get('check', '-')} {cvc['seconds']:.2f}s "
              f"({cvc.get('solution')})", flush=True)
    if not args.quick:
        for path in sorted(SYGUS_DIR.glob("*.sl")):
            ours, sy = ours_sygus(path, args.timeout)
            cvc = run_cvc5(path, args.timeout)
            if cvc["status"] == "answered":
                rename = {p: a for (p, _), a in zip(sy.params, sy.actuals, strict=True)}
                cvc["check"] = check_cvc5(sy.problem, cvc["solution"], rename)
            rows.append({"suite": "sygus", "problem": path.stem, "ours": ours, "cvc5": cvc})
            print(f"sygus {path.stem}: ours {ours['status']} {ours['seconds']:.2f}s | "
                  f"cvc5 {cvc['status']}/{cvc.get('check', '-')} {cvc['seconds']:.2f}s", flush=True)
    summary = {}
    for suite in ("dex", "dex_noref", "sygus"):
        sub = [r for r in rows if r["suite"] == suite]
        if not sub:
            continue
        both = [r for r in sub if ok(r["ours"]) and ok(r["cvc5"])]
        summary[suite] = {
            "problems": len(sub), "ours_solved": sum(ok(r["ours"]) for r in sub),
            "cvc5_solved": sum(ok(r["cvc5"]) for r in sub),
            "both_solved": len(both),
            "geomean_time_ratio_ours_over_cvc5": geomean(
                [r["ours"]["seconds"] / r["cvc5"]["seconds"] for r in both]),
            "ours_total_seconds": sum(r["ours"]["seconds"] for r in sub),
            "cvc5_total_seconds": sum(r["cvc5"]["seconds"] for r in sub),
        }
    for h in hint_rows:
        h["speedup_correct"] = h["none"]["seconds"] / h["correct"]["seconds"]
        h["speedup_partial"] = h["none"]["seconds"] / h["partial"]["seconds"]
    out = {"timeout_s": args.timeout, "summary": summary, "rows": rows, "hints": hint_rows,
           "python": sys.version.split()[0]}
    (REPO / "benchmarks" / "results").mkdir(parents=True, exist_ok=True)
    (REPO / "benchmarks" / "results" / "synth.json").write_text(json.dumps(out, indent=2, default=str))
    print_tables(rows, hint_rows, summary)
    plot(out, REPO / "benchmarks" / "results" / "synth.png")


def plot(out: dict, path: Path) -> None:
    """Per-problem time of both engines (log scale); timeouts drawn at the timeout."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = out["rows"]
    labels = [f"{r['suite']}:{r['problem'].split(':')[0]}" for r in rows]
    ours = [r["ours"]["seconds"] for r in rows]
    cvc = [r["cvc5"]["seconds"] for r in rows]
    fig, ax = plt.subplots(figsize=(11, 0.28 * len(rows) + 1.5))
    y = range(len(rows))
    ax.barh([i - 0.2 for i in y], ours, height=0.4, label="aso.synth")
    ax.barh([i + 0.2 for i in y], cvc, height=0.4, label="cvc5")
    for i, r in enumerate(rows):
        for engine, off in (("ours", -0.2), ("cvc5", 0.2)):
            if not ok(r[engine]):
                ax.text(r[engine]["seconds"], i + off, " unsolved", va="center", fontsize=7)
    ax.set_yticks(list(y), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel(f"seconds (log; timeout {out['timeout_s']:.0f} s)")
    ax.set_title("aso.synth vs cvc5: DEX hole specs and SyGuS LIA sample")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def print_tables(rows, hint_rows, summary) -> None:
    print(f"\n{'problem':44} {'ours':>22} {'cvc5':>30}")
    for r in rows:
        o, c = r["ours"], r["cvc5"]
        cs = f"{c['status']}/{c.get('check', '-')}"
        label = f"{r['suite']}/{r['problem']}"[:44]
        print(f"{label:44} {o['status']:>12} {o['seconds']:8.2f}s {cs:>20} {c['seconds']:8.2f}s")
    if hint_rows:
        heads = " ".join(f"{h:>18}" for h in ("none s/progs", "correct s/progs", "partial s/progs"))
        print(f"\n{'hole (ours, hints)':44} {heads}")
        for h in hint_rows:
            cells = [f"{h[k]['seconds']:.2f}/{h[k]['programs']}" for k in ("none", "correct", "partial")]
            print(f"{h['problem'][:44]:44} " + " ".join(f"{c:>18}" for c in cells))
    print("\nsummary:", json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
