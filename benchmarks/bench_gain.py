"""Selection and experience on held-out HumanEval: five rows at counted model calls, with paired CIs.

Rows, definitions and costs: `aso.humaneval.gain`. Resumable: `--run DIR` continues an interrupted run
(one `item_done` event per task in DIR/events.jsonl). Writes `benchmarks/results/<--name>.json`.

Example (the acceptance run, seed 0):
    nice -n 5 python benchmarks/bench_gain.py --heldout 100 --group-size 8 --seed 0 --threads 1
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import print_table, write_result  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print/write the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--heldout", type=int, default=100, help="first N held-out problems (100 = all)")
    ap.add_argument("--group-size", type=int, default=8)
    ap.add_argument("--temperature", type=float, default=0.8)
    ap.add_argument("--max-tokens", type=int, default=160)
    ap.add_argument("--exemplars", type=int, default=2)
    ap.add_argument("--tasks-per-call", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--model", default="smollm2")
    ap.add_argument("--run", type=Path, default=None, help="run directory (created, or resumed if it exists)")
    ap.add_argument("--name", default=None, help="result name (default gain_seed<SEED>)")
    ap.add_argument(
        "--report-only",
        action="store_true",
        help="no generation: summarise the tasks already finished in --run (an interrupted run's prefix)",
    )
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    from aso.humaneval import problems
    from aso.humaneval.gain import (
        TABLE_HEADERS,
        GainConfig,
        ceiling_line,
        record_usefulness,
        reference_library,
        run_gain,
        summarise,
        table_rows,
        usefulness_report,
    )
    from aso.humaneval.scoring import HumanEvalReward
    from aso.models import get_model
    from aso.runs import Run

    cfg = GainConfig(
        group_size=args.group_size,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        exemplars=args.exemplars,
        seed=args.seed,
        tasks_per_call=args.tasks_per_call,
    )
    run_dir = args.run or Path("runs") / f"bench-gain-seed{args.seed}-n{args.heldout}"
    reward = HumanEvalReward()
    library = reference_library(problems("train"), reward)
    t0 = time.perf_counter()
    if args.report_only:
        run = Run(run_dir)  # read only: nothing is appended to a run that may still be going
        config = run.config
        cfg = GainConfig(**{name: config[name] for name in cfg.__dict__})
        done = run.done_items()
        records = {k.removeprefix("gain/"): v for k, v in done.items() if k.startswith("gain/")}
    else:
        model = get_model(args.model)
        config = {"bench": "gain", "model": model.info.identity, "heldout": args.heldout, **cfg.__dict__}
        if (run_dir / "config.json").exists():
            run = Run.resume(run_dir, config)
        else:
            run = Run.create(
                "bench gain", config, seed=args.seed, model_hash=model.info.identity, path=run_dir
            )
        records = run_gain(model, problems("heldout", args.heldout), library, cfg, run, reward)
    summary = summarise(records, cfg)
    record_usefulness(records, library, cfg)
    retired = library.retire(min_trials=3)
    useful = usefulness_report(library)
    print_table(TABLE_HEADERS, table_rows(summary))
    print(ceiling_line(summary))
    print(
        f"library: {len(library)} verified reference solutions of train tasks; exemplars measured: "
        f"{len(useful)}, retired: {len(retired)}"
    )
    name = args.name or f"gain_seed{args.seed}"
    path = write_result(
        name,
        {
            "command": " ".join(["python", "benchmarks/bench_gain.py", *(argv or sys.argv[1:])]),
            "config": config,
            "run_dir": str(run_dir),
            "report_only": args.report_only,
            "generating_argv": run.meta.get("argv"),
            "tasks_evaluated": sorted(records, key=lambda t: int(t.rsplit("/", 1)[1])),
            "loadavg": os.getloadavg(),
            "wall_seconds_this_invocation": time.perf_counter() - t0,
            "summary": summary,
            "exemplar_usefulness": useful,
            "retired": retired,
        },
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
