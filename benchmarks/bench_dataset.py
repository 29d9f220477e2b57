"""Dataset synthesis benchmark (ADR-0006): Candidates A (reward), E (map-elites) and F (prior) at equal
budget, same seed and model, through the real CLI (`aso dataset run`, then `aso dataset report`).

Each mode's run directory lives under `--runs`; an existing unfinished run is resumed (so an interrupted
benchmark continues where it stopped) and a finished one is reused. The modes run as parallel processes.

Usage: .venv/bin/python benchmarks/bench_dataset.py --budget 60 [--model smollm2] [--seed 0]
Writes benchmarks/results/dataset.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASO = [sys.executable, "-m", "aso.cli.main"]
MODES = {"reward": "A1", "map-elites": "E2", "prior": "F1"}


def run_name(mode: str, args: argparse.Namespace) -> str:
    """Run directory name; CW-Reward ignores --index-all-cells, so its run is shared."""
    suffix = "-all" if args.index_all_cells and mode != "reward" else ""
    return f"{mode}-b{args.budget}-s{args.seed}{suffix}"


def mode_command(mode: str, grid: str, run_dir: Path, args: argparse.Namespace) -> list[str]:
    if (run_dir / "config.json").is_file():
        return [*ASO, "dataset", "run", "--resume", str(run_dir)]
    return [
        *ASO,
        "dataset",
        "run",
        "--mode",
        mode,
        "--config",
        grid,
        "--language",
        args.language,
        "--budget",
        str(args.budget),
        "--seed",
        str(args.seed),
        "--model",
        args.model,
        "--batch-size",
        str(args.batch_size),
        "--max-tokens",
        str(args.max_tokens),
        "--output",
        str(run_dir),
        *(["--index-all-cells"] if args.index_all_cells and mode != "reward" else []),
    ]


def iteration_seconds(run_dir: Path) -> list[float]:
    """Wall seconds of each finished iteration, from the event log (start = previous boundary event)."""
    out, last = [], None
    for line in (run_dir / "events.jsonl").read_text().splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if event["event"] in ("run_started", "run_resumed"):
            last = event["t"]
        elif event["event"] == "item_done" and last is not None:
            out.append(round(event["t"] - last, 1))
            last = event["t"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--language", default="python")
    parser.add_argument("--batch-size", type=int, default=12)
    parser.add_argument("--max-tokens", type=int, default=160)
    parser.add_argument("--index-all-cells", action="store_true", help="Pass --index-all-cells to E and F.")
    parser.add_argument("--runs", type=Path, default=ROOT / "benchmarks" / "results" / "dataset_runs")
    args = parser.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    procs, started = {}, time.time()
    for mode, grid in MODES.items():
        run_dir = args.runs / run_name(mode, args)
        if (run_dir / "metrics.json").is_file():
            continue
        run_dir.parent.mkdir(parents=True, exist_ok=True)
        log = open(args.runs / f"{run_name(mode, args)}.log", "a")
        procs[mode] = (
            subprocess.Popen(
                mode_command(mode, grid, run_dir, args),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            ),
            time.time(),
        )
    durations = {}
    for mode, (proc, t0) in procs.items():
        if proc.wait() != 0:
            sys.exit(f"{mode} run failed (see {args.runs}/{run_name(mode, args)}.log)")
        durations[mode] = time.time() - t0
    dirs = [args.runs / run_name(m, args) for m in MODES]
    report_dir = args.runs / f"report-b{args.budget}-s{args.seed}{'-all' if args.index_all_cells else ''}"
    subprocess.run(
        [*ASO, "dataset", "report", *map(str, dirs), "--out", str(report_dir)], check=True, env=env, cwd=ROOT
    )
    comparison = json.loads((report_dir / "comparison.json").read_text())
    results = {
        "budget": args.budget,
        "seed": args.seed,
        "model": args.model,
        "language": args.language,
        "batch_size": args.batch_size,
        "max_tokens": args.max_tokens,
        "wall_s_this_invocation": round(time.time() - started, 1),
        "wall_s_per_mode_this_invocation": {m: round(s, 1) for m, s in durations.items()},
        "runs": [str(d) for d in dirs],
        "report": str(report_dir),
        **comparison,
    }
    for d in dirs:
        m = json.loads((d / "metrics.json").read_text())
        results.setdefault("retrieval", {})[m["mode"]] = m.get("retrieval")
        secs = iteration_seconds(d)
        results.setdefault("iteration_seconds", {})[m["mode"]] = secs
        results.setdefault("seconds_per_generation", {})[m["mode"]] = round(sum(secs) / m["generated"], 2)
    out = ROOT / "benchmarks" / "results" / f"dataset{'_all_cells' if args.index_all_cells else ''}.json"
    out.write_text(json.dumps(results, indent=2))
    keys = [
        "run",
        "dataset",
        "pass_rate",
        "fill_rate",
        "satisfied_rate",
        "entropy_bits",
        "kl_bits",
        "js_bits",
        "emb_ndcg@10",
        "bm25_ndcg@10",
        "score",
    ]
    print(" | ".join(keys))
    for row in comparison["rows"]:
        print(" | ".join(f"{row[k]:.3f}" if isinstance(row[k], float) else str(row[k]) for k in keys))
    print("decision:", comparison["decision"])
    print("wrote", out)


if __name__ == "__main__":
    main()
