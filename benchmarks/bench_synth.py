"""Our synthesis engine vs cvc5 on the same problems with the same timeout, in one run.

Two suites (sub-commands):

`official`: the official SyGuS-Comp 2019 LIA tracks (CLIA_Track: every file; General_Track: the files
with `(set-logic LIA)`), both engines on every problem one after the other (same load), each under a
hard wall-clock limit (ours: `aso.synth.watchdog`, cvc5: a killed subprocess). Resumable: results
are appended to `<run-dir>/results.jsonl` and finished problems are skipped on a rerun. Get the files
(never committed) with

    fetch github:SyGuS-Org/benchmarks   (or git clone https://github.com/SyGuS-Org/benchmarks)
    mkdir -p ~/.cache/aso/sygus
    git --git-dir=<mirror>/repo archive HEAD comp/2019 | tar -x -C ~/.cache/aso/sygus

Run: nice -n 5 .venv/bin/python benchmarks/bench_synth.py official ~/.cache/aso/sygus/comp/2019 --timeout 30
[--jobs 2] [--out benchmarks/results/synth_official_t30] [--cvc5-check]
Writes benchmarks/results/synth_official.json and synth_official_cactus.png (or --out's stem).

`dex` (the default when no sub-command is given): the DEX hole specs and the small sample below.
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
import gc
import json
import math
import os
import statistics
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


_NO_CVC5 = {"status": "not run", "seconds": 0.0, "solution": None}


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


def hint_variants(spec, hole, ref, timeout, right, partial, repeats):
    """No hint, the correct hint, a partly correct one: `repeats` runs each, the order rotated every
    round (none/correct/partial, correct/partial/none, ...) so no variant always runs first. Each
    variant's record is its median run by search time, with every run's times and the counts of rounds
    in which the hinted run was faster than the unhinted one of the same round (search; total)."""
    hints = {"none": [], "correct": [right], "partial": [partial]}
    names = list(hints)
    runs: dict[str, list[dict]] = {k: [] for k in names}
    for r in range(repeats):
        for k in names[r % 3:] + names[:r % 3]:
            runs[k].append(ours_dex(spec, hole, ref, timeout, hints[k]))
    out = {}
    for k in names:
        ordered = sorted(runs[k], key=lambda x: x["search_seconds"])
        med = dict(ordered[len(ordered) // 2])
        med["search_seconds"] = statistics.median(x["search_seconds"] for x in runs[k])
        med["seconds"] = statistics.median(x["seconds"] for x in runs[k])
        med["runs_search_seconds"] = [x["search_seconds"] for x in runs[k]]
        med["runs_seconds"] = [x["seconds"] for x in runs[k]]
        if k != "none":
            pairs = list(zip(runs[k], runs["none"], strict=True))
            med["rounds_faster_than_none"] = sum(h["search_seconds"] < n["search_seconds"] for h, n in pairs)
            med["rounds_faster_than_none_total"] = sum(h["seconds"] < n["seconds"] for h, n in pairs)
        out[k] = med
    return out


def ours_sygus(path, timeout):
    """Our general solver on one sample file, under the watchdog (same path as the official tracks)."""
    r = run_ours_official(path, timeout)
    return {"status": r["status"], "seconds": r["seconds"], "solution": "\n".join(r["define_funs"]) or None,
            "programs": r["stats"].get("programs", 0), "rounds": r["stats"].get("rounds", 0)}


def ok(r: dict) -> bool:
    return r["status"] in ("solved", "infeasible") or r.get("check") == "verified"


def geomean(xs):
    xs = [x for x in xs if x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def main() -> None:
    """Dispatch: `official ...` runs the official tracks; anything else the DEX suite."""
    if len(sys.argv) > 1 and sys.argv[1] == "official":
        official_main(sys.argv[2:])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "dex":
        sys.argv.pop(1)
    dex_main()


def dex_main() -> None:
    """The DEX hole specs and the sample SyGuS files, both engines, plus our engine with hints."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--quick", action="store_true", help="DEX only, no hint variants (smoke test)")
    ap.add_argument("--plot-only", action="store_true", help="Redraw the plot from results/synth.json")
    ap.add_argument("--repeats", type=int, default=9,
                    help="runs of each hint variant (order rotated); the medians are reported")
    ap.add_argument("--no-cvc5", action="store_true",
                    help="our engine only (DEX holes, with and without hints): results/synth_dex_ours.json")
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
        cvc = _NO_CVC5 if args.no_cvc5 else run_cvc5(sl, args.timeout)
        if cvc["status"] == "answered":
            cvc["check"] = check_cvc5(problem, cvc["solution"])
        rows.append({"suite": "dex", "problem": f"{name}:{hole.hole_id}", "ref": bool(ref), "ours": ours,
                     "cvc5": cvc})
        print(f"dex {name}:{hole.hole_id}: ours {ours['status']} {ours['seconds']:.2f}s | "
              f"cvc5 {cvc['status']}/{cvc.get('check', '-')} {cvc['seconds']:.2f}s", flush=True)
        if not args.quick and (name, hole.hole_id) in HINTS:
            right, partial = HINTS[(name, hole.hole_id)]
            hint_rows.append({"problem": f"{name}:{hole.hole_id}",
                              **hint_variants(spec, hole, ref, args.timeout, right, partial, args.repeats)})
    for name, spec, hole, ref, _ in dex_holes():
        if ref is None:  # already run without a reference above
            continue
        from aso.synth.problem import hole_problem

        problem = hole_problem(spec, hole)
        sl = tmp / f"{name}__{hole.hole_id}__noref.sl"
        sl.write_text(to_sygus(problem))
        ours = ours_dex(spec, hole, None, args.timeout)
        cvc = _NO_CVC5 if args.no_cvc5 else run_cvc5(sl, args.timeout)
        if cvc["status"] == "answered":
            cvc["check"] = check_cvc5(problem, cvc["solution"])
        rows.append({"suite": "dex_noref", "problem": f"{name}:{hole.hole_id}", "ref": False, "ours": ours,
                     "cvc5": cvc})
        print(f"dex_noref {name}:{hole.hole_id}: ours {ours['status']} {ours['seconds']:.2f}s "
              f"({ours['solution']}) | cvc5 {cvc['status']}/{cvc.get('check', '-')} {cvc['seconds']:.2f}s "
              f"({cvc.get('solution')})", flush=True)
    if not args.quick and not args.no_cvc5:
        for path in sorted(SYGUS_DIR.glob("*.sl")):
            ours = ours_sygus(path, args.timeout)
            cvc = run_cvc5_official(path, args.timeout)
            if cvc["status"] == "answered":
                cvc["check"] = check_answer(path, cvc["define_funs"])
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
        for k in ("correct", "partial"):
            h[f"speedup_{k}"] = h["none"]["seconds"] / h[k]["seconds"]
            h[f"search_speedup_{k}"] = h["none"]["search_seconds"] / h[k]["search_seconds"]
    out = {"timeout_s": args.timeout, "summary": summary, "rows": rows, "hints": hint_rows,
           "python": sys.version.split()[0]}
    (REPO / "benchmarks" / "results").mkdir(parents=True, exist_ok=True)
    name = "synth_dex_ours.json" if args.no_cvc5 else "synth.json"
    (REPO / "benchmarks" / "results" / name).write_text(json.dumps(out, indent=2, default=str))
    if args.no_cvc5:
        print_tables(rows, hint_rows, summary)
        return
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
        print(f"\n{'hole (ours, hints; median search s)':44} {heads}")
        for h in hint_rows:
            cells = [f"{h[k]['search_seconds']:.4f}/{h[k]['programs']}" for k in ("none", "correct",
                                                                                    "partial")]
            print(f"{h['problem'][:44]:44} " + " ".join(f"{c:>18}" for c in cells))
    print("\nsummary:", json.dumps(summary, indent=1))


# --- the official SyGuS-Comp LIA tracks ------------------------------------------------------------
OFFICIAL_TRACKS = ("CLIA_Track", "General_Track")

CVC5_FILE_WORKER = r"""
import json, sys, time
t0 = time.perf_counter()
import cvc5
tm = cvc5.TermManager()
slv = cvc5.Solver(tm)
slv.setOption("sygus", "true")
slv.setOption("incremental", "false")
parser = cvc5.InputParser(slv)
parser.setFileInput(cvc5.InputLanguage.SYGUS_2_1, sys.argv[1])
sm = parser.getSymbolManager()
t1 = time.perf_counter()
out = ""
while True:
    cmd = parser.nextCommand()
    if cmd.isNull():
        break
    out += cmd.invoke(slv, sm)
print(json.dumps({"output": out, "seconds": time.perf_counter() - t1}))
"""


def official_problems(root: Path) -> list[tuple[str, Path]]:
    """(track, file) for every LIA problem of the official tracks under `root` (comp/2019)."""
    out = []
    for track in OFFICIAL_TRACKS:
        for path in sorted((root / track).rglob("*.sl")):
            if "(set-logic LIA)" in path.read_text(errors="replace"):
                out.append((track, path))
    return out


def _ours_worker(path: str, timeout: float):
    """The child-process body for our engine: parse, solve, return a JSON-ready record."""
    def work(publish):
        from aso.synth.sygus_solver import SolveStats, solve
        from aso.synth.sygus_spec import load_sygus_spec

        t0 = time.perf_counter()
        spec = load_sygus_spec(path)
        stats = SolveStats(sink=lambda s: publish(s.to_json()))
        res = solve(spec, max(0.1, timeout - (time.perf_counter() - t0) - 0.3), stats=stats)
        return {"status": res.status, "define_funs": res.define_funs(spec), "stats": res.stats.to_json(),
                "seconds": time.perf_counter() - t0}
    return work


def run_ours_official(path: Path, timeout: float) -> dict:
    """Our engine on one file under the watchdog (hard limit `timeout`)."""
    from aso.synth.watchdog import run_limited

    status, value, stats, wall = run_limited(_ours_worker(str(path), timeout), timeout)
    if status == "ok":
        return {**value, "wall": wall}
    return {"status": status, "define_funs": [], "stats": stats, "seconds": wall, "wall": wall,
            "detail": value if isinstance(value, str) else None}


def sygus_v2_text(text: str) -> str | None:
    """A SyGuS v1 file rewritten in v2.1 syntax (cvc5 1.x reads only v2.1), or None if it already is.

    Purely syntactic: grammar blocks get their predeclaration list, typed `let` bindings `(x Int v)`
    become `(x v)`, `declare-primed-var x S` becomes `declare-var x S` and `declare-var x! S`,
    negative literals `-3` become `(- 3)` and calls `(c)` of a nullary function become `c`. The
    problem is unchanged; our engine reads the original."""
    import re

    from aso.synth.terms import parse_sexpr_forms

    forms = parse_sexpr_forms(text)
    changed = False
    nullary = {f[1] for f in forms
               if isinstance(f, list) and len(f) > 2 and f[0] == "synth-fun" and f[2] == []}

    def fix(t):
        nonlocal changed
        if isinstance(t, list) and len(t) == 1 and isinstance(t[0], str) and t[0] in nullary:  # `(fc)`: `fc`
            changed = True
            return t[0]
        if isinstance(t, str):
            if re.fullmatch(r"-\d+", t):
                changed = True
                return ["-", t[1:]]
            return t
        if t and t[0] == "let" and len(t) == 3 and isinstance(t[1], list):
            if any(isinstance(b, list) and len(b) == 3 for b in t[1]):
                changed = True
            return ["let", [[b[0], fix(b[-1])] for b in t[1]], fix(t[2])]
        return [fix(x) for x in t]

    out = []
    for f in forms:
        if isinstance(f, list) and f and f[0] in ("synth-fun", "synth-inv"):
            head = 4 if f[0] == "synth-fun" else 3
            rest = f[head:]
            if len(rest) == 1:  # v1: grouped rules without the predeclaration list
                changed = True
                f = f[:head] + [[[g[0], g[1]] for g in rest[0]], fix(rest[0])]
            else:
                f = f[:head] + [fix(x) for x in rest]
            out.append(f)
        elif isinstance(f, list) and f and f[0] == "declare-primed-var":
            changed = True
            out += [["declare-var", f[1], f[2]], ["declare-var", f[1] + "!", f[2]]]
        else:
            out.append(fix(f))
    return "\n".join(_tree_text(f) for f in out) + "\n" if changed else None


def run_cvc5_official(path: Path, timeout: float) -> dict:
    """cvc5 (default options + sygus) on one file in a subprocess killed at `timeout` (wall clock).

    A SyGuS v1 file is given to cvc5 rewritten in v2.1 syntax (`sygus_v2_text`)."""
    v2 = sygus_v2_text(path.read_text())
    if v2 is not None:
        tmp = Path(tempfile.mkdtemp(prefix="bench_synth_v2_")) / path.name
        tmp.write_text(v2)
        path = tmp
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", CVC5_FILE_WORKER, str(path)], capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "seconds": timeout, "wall": timeout, "define_funs": []}
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        return {"status": "error", "seconds": wall, "wall": wall, "define_funs": [],
                "detail": proc.stderr.strip()[-300:]}
    doc = json.loads(proc.stdout.strip().splitlines()[-1])
    text = doc["output"]
    funs = _define_funs(text)
    status = "answered" if funs else ("infeasible" if "infeasible" in text else "fail")
    return {"status": status, "seconds": doc["seconds"], "wall": wall, "define_funs": funs}


def _define_funs(text: str) -> list[str]:
    from aso.synth.terms import parse_sexpr_forms

    try:
        forms = parse_sexpr_forms(text)
    except Exception:
        return []
    out = []

    def walk(f):
        if isinstance(f, list) and f:
            if f[0] == "define-fun":
                out.append(_tree_text(f))
            else:
                for x in f:
                    walk(x)
    for f in forms:
        walk(f)
    return out


# the same worker in SMT-LIB mode, for the check of our answers (`cvc5_check`)
CVC5_SMT_WORKER = (CVC5_FILE_WORKER.replace('slv.setOption("sygus", "true")\n', "")
                   .replace("SYGUS_2_1", "SMT_LIB_2_6"))


def smt_check_text(text: str, define_funs: list[str]) -> str | None:
    """An SMT-LIB script that is `unsat` iff the answers meet the file's constraints: the SyGuS file
    (v2.1 syntax) with each synth-fun/synth-inv replaced by its answer, declare-var as declare-const,
    inv-constraint as its three implications, and `(assert (not (=> assumes constraints)))`. Written
    from the file's text, not from our reader (an independent check). None if an answer is missing."""
    from aso.synth.terms import parse_sexpr_forms, parse_sexpr_tree

    answers = {parse_sexpr_tree(d)[1]: d for d in define_funs}
    forms = parse_sexpr_forms(sygus_v2_text(text) or text)
    lines, declared, assumes, constraints, invs = ["(set-logic ALL)"], set(), [], [], {}
    for f in forms:
        head = f[0]
        if head == "define-fun":
            lines.append(_tree_text(f))
        elif head == "declare-var":
            declared.add(f[1])
            lines.append(f"(declare-const {f[1]} {_tree_text(f[2])})")
        elif head in ("synth-fun", "synth-inv"):
            if f[1] not in answers:
                return None
            lines.append(answers[f[1]])
            invs[f[1]] = [(p[0], _tree_text(p[1])) for p in f[2]]
        elif head in ("constraint", "assume"):
            (constraints if head == "constraint" else assumes).append(_tree_text(f[1]))
        elif head == "inv-constraint":
            _, inv, pre, trans, post = f
            for name, sort in invs[inv]:
                for v in (name, name + "!"):
                    if v not in declared:
                        declared.add(v)
                        lines.append(f"(declare-const {v} {sort})")
            cur = " ".join(n for n, _ in invs[inv])
            nxt = " ".join(n + "!" for n, _ in invs[inv])
            constraints += [f"(=> ({pre} {cur}) ({inv} {cur}))",
                            f"(=> (and ({inv} {cur}) ({trans} {cur} {nxt})) ({inv} {nxt}))",
                            f"(=> ({inv} {cur}) ({post} {cur}))"]

    def conj(xs: list[str]) -> str:
        return "true" if not xs else xs[0] if len(xs) == 1 else f"(and {' '.join(xs)})"
    lines.append(f"(assert (not (=> {conj(assumes)} {conj(constraints)})))")
    lines.append("(check-sat)")
    return "\n".join(lines) + "\n"


def cvc5_check(path: Path, define_funs: list[str], timeout: float = 20.0) -> str:
    """cvc5 (SMT mode) on `smt_check_text`: verified (unsat) / refuted (sat) / unknown / error."""
    script = smt_check_text(path.read_text(), define_funs)
    if script is None:
        return "incomplete"
    tmp = Path(tempfile.mkdtemp(prefix="bench_synth_smt_")) / (path.stem + ".smt2")
    tmp.write_text(script)
    try:
        proc = subprocess.run([sys.executable, "-c", CVC5_SMT_WORKER, str(tmp)], capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout"
    output = json.loads(proc.stdout.strip().splitlines()[-1])["output"] if proc.returncode == 0 else ""
    verdict = output.strip().splitlines()[-1] if output.strip() else ""
    names = {"unsat": "verified", "sat": "refuted", "unknown": "unknown"}
    return names.get(verdict, "error: " + (proc.stderr.strip().splitlines() or [verdict])[-1][:200])


def _check_worker(path: str, define_funs: list[str], run_z3: bool = True):
    def work(publish):
        from aso.synth.grammar import derives
        from aso.synth.sygus_solver import verify
        from aso.synth.sygus_spec import load_sygus_spec
        from aso.synth.terms import parse_sexpr_tree, tree_to_term

        spec = load_sygus_spec(path)
        spec.register()
        bodies = {}
        for text in define_funs:
            tree = parse_sexpr_tree(text)
            bodies[tree[1]] = tree_to_term(tree[4])
        if set(bodies) != {f.name for f in spec.funs}:
            return "incomplete"
        for f in spec.funs:  # a file's grammar binds every answer (no grammar: any LIA term)
            if not f.default_grammar and not derives(f.grammar, bodies[f.name]):
                return "not in grammar"
        return verify(spec, bodies, 20_000)[0] if run_z3 else "in grammar"
    return work


def check_answer(path: Path, define_funs: list[str], limit: float = 20.0, run_z3: bool = True) -> str:
    """Our check of an answer (either engine's): grammar membership, then Z3 (verified / counterexample /
    unknown); `run_z3=False` for answers our engine already verified."""
    from aso.synth.watchdog import run_limited

    if not define_funs:
        return "none"
    status, value, _, _ = run_limited(_check_worker(str(path), define_funs, run_z3), limit)
    return value if status == "ok" else f"check {status}"


def solved(r: dict, engine: str) -> bool:
    """Solved = an answer our check (grammar, then Z3) does not refute, or a no-solution verdict.

    The same rule for both engines; an answer Z3 cannot decide within the check's limit counts."""
    e = r[engine]
    refuted = ("counterexample", "incomplete", "not in grammar")
    answered = e["status"] == ("solved" if engine == "ours" else "answered")
    # ours `not_found`: the grammar was exhausted with no term meeting the spec on real inputs, the
    # same verdict as cvc5's `infeasible`
    verdict = e["status"] in (("infeasible", "not_found") if engine == "ours" else ("infeasible",))
    return verdict or (answered and e.get("check") not in refuted)


def official_main(argv: list[str]) -> None:
    """Both engines over every LIA problem of the official tracks, one timeout, resumable."""
    import z3
    from tqdm import tqdm

    import aso.synth.sygus_solver  # noqa: F401 - imported before forking: every problem runs the same code
    import aso.synth.sygus_spec  # noqa: F401
    from aso.synth.warmup import warm_up

    z3.main_ctx()  # created once before forking (cvc5's time likewise starts after its solver exists)
    warm_up()  # one-time costs (lazy imports, Z3's first solver) paid once here, not in every child
    gc.collect()
    gc.freeze()  # the children's collections skip the parent's objects (fewer copy-on-write page faults)

    ap = argparse.ArgumentParser(prog="bench_synth.py official",
                                 description="Example: nice -n 5 .venv/bin/python benchmarks/bench_synth.py "
                                             "official ~/.cache/aso/sygus/comp/2019 --timeout 30")
    ap.add_argument("root", type=Path,
                    help="comp/2019 directory of the SyGuS-Org benchmarks (see module doc)")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--run-dir", type=Path, default=None,
                    help="default benchmarks/results/synth_official_runs/t<T>")
    ap.add_argument("--limit", type=int, default=None,
                    help="first N problems only (development; not a result)")
    ap.add_argument("--report-only", action="store_true", help="summarise the run dir without running")
    ap.add_argument("--order", choices=("files", "shuffled"), default="files",
                    help="run order; `shuffled` (seeded) makes a run cut short an unbiased sample")
    ap.add_argument("--seed", type=int, default=0, help="seed of --order shuffled")
    ap.add_argument("--redo", action="append", default=[], metavar="PROBLEM",
                    help="run PROBLEM (e.g. General_Track/from_2018/x.sl) again; the new row supersedes")
    ap.add_argument("--out", type=Path, default=None,
                    help="results stem: writes STEM.json and STEM_cactus.png (default "
                         "benchmarks/results/synth_official[_t<T>])")
    ap.add_argument("--jobs", type=int, default=1,
                    help="problems run in parallel (forked shards); each problem's two engines one after "
                         "the other in its shard. The load average is recorded per problem")
    ap.add_argument("--cvc5-check", action="store_true",
                    help="also check each of our answers with cvc5 (SMT: the constraints with our "
                         "define-funs substituted, from the file text); <run-dir>/cvc5_checks.jsonl")
    ap.add_argument("--recheck", action="store_true",
                    help="re-run the answer checks (grammar + Z3) on the rows already in the run dir")
    args = ap.parse_args(argv)
    if not (args.root / "CLIA_Track").is_dir():
        sys.exit(f"aso: error: {args.root}: no CLIA_Track directory (see the module docstring to fetch it)")
    problems = official_problems(args.root)
    if args.order == "shuffled":
        import random

        random.Random(args.seed).shuffle(problems)
    if args.limit:
        problems = problems[:args.limit]
    engine = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    run_dir = args.run_dir or REPO / "benchmarks" / "results" / "synth_official_runs" / f"t{args.timeout:g}"
    run_dir.mkdir(parents=True, exist_ok=True)
    log = run_dir / "results.jsonl"
    done = {}
    if log.exists():
        for line in log.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                done[row["problem"]] = row
    names = {p: f"{t}/{p.relative_to(args.root / t)}" for t, p in problems}
    todo = [(t, p) for t, p in problems if names[p] not in done or names[p] in args.redo]
    if not args.report_only and args.jobs <= 1:
        bar = tqdm(todo, desc=f"official LIA @ {args.timeout:g}s", unit="problem",
                   initial=len(problems) - len(todo),
                   total=len(problems))
        for track, path in bar:
            bar.set_postfix_str(path.name)
            row = official_row(args.root, track, path, args.timeout, engine, 1)
            _append_row(log, row)
            done[row["problem"]] = row
    elif not args.report_only:
        _run_sharded(todo, args, engine, log)
        done = {}
        for line in log.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                done[row["problem"]] = row
    rows = [done[f"{t}/{p.relative_to(args.root / t)}"] for t, p in problems
            if f"{t}/{p.relative_to(args.root / t)}" in done]
    if args.recheck:  # checks are recorded beside the append-only log, which is never rewritten
        checks_path = run_dir / "rechecks.jsonl"
        checks = {}
        if checks_path.exists():
            checks = {c["problem"]: c for c in map(json.loads, checks_path.read_text().splitlines())}
        for r in tqdm([r for r in rows if r["problem"] not in checks], desc="rechecking answers"):
            path = args.root / r["problem"]
            c = {"problem": r["problem"]}
            if r["ours"]["status"] == "solved":
                c["ours"] = check_answer(path, r["ours"]["define_funs"])
            if r["cvc5"]["status"] == "answered":
                c["cvc5"] = check_answer(path, r["cvc5"]["define_funs"])
            with checks_path.open("a") as fh:
                fh.write(json.dumps(c) + "\n")
            checks[r["problem"]] = c
        for r in rows:
            for engine in ("ours", "cvc5"):
                if engine in checks.get(r["problem"], {}):
                    r[engine]["check"] = checks[r["problem"]][engine]
    if args.cvc5_check:  # our answers checked by cvc5 as well (recorded beside the log)
        path_c = run_dir / "cvc5_checks.jsonl"
        have = {}
        if path_c.exists():
            have = {c["problem"]: c for c in map(json.loads, path_c.read_text().splitlines())}
        for r in tqdm([r for r in rows if r["ours"]["status"] == "solved" and r["problem"] not in have],
                      desc="cvc5 check of our answers"):
            verdict = cvc5_check(args.root / r["problem"], r["ours"]["define_funs"])
            c = {"problem": r["problem"], "ours": verdict}
            with path_c.open("a") as fh:
                fh.write(json.dumps(c) + "\n")
            have[r["problem"]] = c
    summary = official_summary(rows)
    cvc5_checks = _cvc5_check_summary(run_dir, rows)
    commits = sorted({r.get("engine_commit", "?") for r in rows})
    out = {"timeout_s": args.timeout, "run_dir": str(run_dir), "problems_listed": len(problems),
           "engine_commits": commits,
           "loadavg_mean": round(sum(r["loadavg"] for r in rows) / max(1, len(rows)), 2),
           "problems_run": len(rows), "summary": summary,
           "command": "nice -n 5 .venv/bin/python benchmarks/bench_synth.py official " + " ".join(argv),
           "loadavg_end": [round(x, 2) for x in os.getloadavg()],
           **({"cvc5_check_of_our_answers": cvc5_checks} if cvc5_checks else {})}
    name = "synth_official" if args.timeout == 30 else f"synth_official_t{args.timeout:g}"
    stem = args.out or REPO / "benchmarks" / "results" / name
    stem.with_name(stem.name + ".json").write_text(json.dumps(out, indent=2, default=str))
    cactus(rows, args.timeout, stem.with_name(stem.name + "_cactus.png"))
    print_official(summary)


def official_row(root: Path, track: str, path: Path, timeout: float, engine: str, jobs: int) -> dict:
    """One problem: our engine, then cvc5, one after the other (same load), each answer checked."""
    load = os.getloadavg()[0]
    ours = run_ours_official(path, timeout)
    if ours["status"] == "solved":
        ours["check"] = check_answer(path, ours["define_funs"])
    cvc = run_cvc5_official(path, timeout)
    if cvc["status"] == "answered":
        cvc["check"] = check_answer(path, cvc["define_funs"])
    return {"problem": f"{track}/{path.relative_to(root / track)}", "track": track, "timeout": timeout,
            "loadavg": round(load, 2), "jobs": jobs, "engine_commit": engine, "ours": ours, "cvc5": cvc}


def _append_row(log: Path, row: dict) -> None:
    import fcntl

    with log.open("a") as fh:  # several shards append to one log: one locked write per row
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.write(json.dumps(row, default=str) + "\n")
        fh.flush()
        fcntl.flock(fh, fcntl.LOCK_UN)


def _run_sharded(todo: list[tuple[str, Path]], args: argparse.Namespace, engine: str, log: Path) -> None:
    """`--jobs N`: N forked shards, shard k takes problems k, k+N, ...; each problem's two engines still
    run one after the other in its shard, so both see the same conditions."""
    pids = []
    for k in range(args.jobs):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                share = todo[k::args.jobs]
                for i, (track, path) in enumerate(share):
                    row = official_row(args.root, track, path, args.timeout, engine, args.jobs)
                    _append_row(log, row)
                    print(f"[shard {k}] {i + 1}/{len(share)} {row['problem']}: ours {row['ours']['status']} "
                          f"{row['ours']['seconds']:.2f}s | cvc5 {row['cvc5']['status']} "
                          f"{row['cvc5']['seconds']:.2f}s | load {row['loadavg']}", flush=True)
            except BaseException as exc:  # noqa: BLE001 - one line, the shard's exit code says it
                print(f"[shard {k}] stopped: {type(exc).__name__}: {exc}", flush=True)
                code = 1
            os._exit(code)
        pids.append(pid)
    failed = sum(os.waitpid(pid, 0)[1] != 0 for pid in pids)
    if failed:
        print(f"{failed} shard(s) stopped early; rerun the same command to resume", flush=True)


def _cvc5_check_summary(run_dir: Path, rows: list[dict]) -> dict | None:
    """Counts of the cvc5 verdicts on our solved answers (`--cvc5-check`), and the ones not verified."""
    path = run_dir / "cvc5_checks.jsonl"
    if not path.exists():
        return None
    checks = {c["problem"]: c["ours"] for c in map(json.loads, path.read_text().splitlines())}
    ours = [r["problem"] for r in rows if r["ours"]["status"] == "solved"]
    verdicts = [checks[p] for p in ours if p in checks]
    return {"answers": len(ours), "checked": len(verdicts), "verdicts": _count(verdicts),
            "not_verified": {p: checks[p] for p in ours if p in checks and checks[p] != "verified"}}


def official_summary(rows: list[dict]) -> dict:
    """Solved counts per track, time ratios where both solve, and what each solves alone."""
    out: dict = {}
    for track in (*OFFICIAL_TRACKS, "all"):
        sub = [r for r in rows if track == "all" or r["track"] == track]
        if not sub:
            continue
        both = [r for r in sub if solved(r, "ours") and solved(r, "cvc5")]
        ratios = [max(r["ours"]["seconds"], 1e-3) / max(r["cvc5"]["seconds"], 1e-3) for r in both]
        ratios.sort()
        out[track] = {
            "problems": len(sub), "ours_solved": sum(solved(r, "ours") for r in sub),
            "cvc5_solved": sum(solved(r, "cvc5") for r in sub), "both_solved": len(both),
            "median_time_ratio_ours_over_cvc5": _median(ratios),
            "geomean_time_ratio_ours_over_cvc5": geomean(ratios),
            "median_seconds_ours_both": _median([r["ours"]["seconds"] for r in both]),
            "median_seconds_cvc5_both": _median([r["cvc5"]["seconds"] for r in both]),
            "ours_only": [r["problem"] for r in sub if solved(r, "ours") and not solved(r, "cvc5")],
            "cvc5_only": [r["problem"] for r in sub if solved(r, "cvc5") and not solved(r, "ours")],
            "ours_status": _count(r["ours"]["status"] for r in sub),
            "cvc5_status": _count(r["cvc5"]["status"] for r in sub),
            "cvc5_answers_refuted": [r["problem"] for r in sub if r["cvc5"].get("check") == "counterexample"],
        }
    return out


def _median(xs: list[float]) -> float | None:
    return sorted(xs)[len(xs) // 2] if xs else None


def _count(xs) -> dict:
    out: dict = {}
    for x in xs:
        out[x] = out.get(x, 0) + 1
    return out


def cactus(rows: list[dict], timeout: float, path: Path) -> None:
    """Cactus plot: problems solved (x) within a time (y), one line per engine."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for engine, label in (("ours", "aso.synth"), ("cvc5", "cvc5 (defaults)")):
        times = sorted(r[engine]["seconds"] for r in rows if solved(r, engine))
        ax.plot(range(1, len(times) + 1), times, marker=".", label=f"{label}: {len(times)} solved")
    ax.set_yscale("log")
    ax.set_xlabel(f"problems solved (of {len(rows)})")
    ax.set_ylabel(f"seconds per problem (timeout {timeout:g} s)")
    ax.set_title("SyGuS-Comp 2019 LIA tracks (CLIA + General LIA)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def print_official(summary: dict) -> None:
    """The summary table."""
    heads = f"{'problems':>8} {'ours':>6} {'cvc5':>6} {'both':>6} {'median ratio':>13} {'geomean':>8}"
    print(f"\n{'track':14} {heads}")
    for track, s in summary.items():
        med = s["median_time_ratio_ours_over_cvc5"]
        geo = s["geomean_time_ratio_ours_over_cvc5"]
        counts = f"{s['problems']:>8} {s['ours_solved']:>6} {s['cvc5_solved']:>6} {s['both_solved']:>6}"
        print(f"{track:14} {counts} "
              f"{(f'{med:.2f}' if med else '-'):>13} {(f'{geo:.2f}' if geo else '-'):>8}")
    for track, s in summary.items():
        if track == "all":
            print(f"ours only ({len(s['ours_only'])}): {', '.join(x.split('/')[-1] for x in s['ours_only'])}")
            print(f"cvc5 only ({len(s['cvc5_only'])}): {', '.join(x.split('/')[-1] for x in s['cvc5_only'])}")


if __name__ == "__main__":
    main()
