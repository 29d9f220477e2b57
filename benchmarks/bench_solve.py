"""`aso solve` on tiny buggy repositories: resolved?, iterations, candidates, best reward, calls, time.

Each fixture in benchmarks/data/solve/<name>/ is a small package, its tests and issue.md. The fixture is
copied to a temporary directory and committed as a git repository (the fixture itself is never touched),
then `aso solve` runs on it through the CLI, writing one run directory per fixture under --runs.

Every fixture is solved once per edit format in --edit-formats (SEARCH/REPLACE blocks, or the whole
corrected function in a code block), so the formats are compared in one run.

Example: OMP_NUM_THREADS=1 python benchmarks/bench_solve.py --group-size 4 --max-iterations 2 --max-tokens 192
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).parent))

from common import print_table, write_result  # noqa: E402

DATA = Path(__file__).parent / "data" / "solve"


def git_copy(fixture: Path, into: Path) -> Path:
    """The fixture's package and tests (not issue.md) as a fresh one-commit git repository."""
    from aso.solve.demo_repo import init_repo

    repo = into / fixture.name
    shutil.copytree(fixture, repo, ignore=shutil.ignore_patterns("issue.md", "__pycache__"))
    return init_repo(repo)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="smollm2")
    ap.add_argument("--group-size", type=int, default=4)
    ap.add_argument("--max-iterations", type=int, default=2)
    ap.add_argument("--max-tokens", type=int, default=192)
    ap.add_argument("--context-chars", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=1, help="torch threads")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default="", help="comma list of fixture names (default: all)")
    ap.add_argument(
        "--edit-formats", default="search-replace,function", help="comma list: search-replace, function, auto"
    )
    ap.add_argument(
        "--runs", type=Path, default=Path("runs/bench-solve"), help="where the run directories go"
    )
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from aso.cli.main import main as aso
    from aso.solve.reward import PLAIN_PYTEST

    fixtures = sorted(p for p in DATA.iterdir() if (p / "issue.md").is_file())
    if args.only:
        fixtures = [f for f in fixtures if f.name in args.only.split(",")]
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    rows, results = [], []
    with tempfile.TemporaryDirectory(prefix="bench-solve-") as tmp:
        jobs = [(f, fmt) for fmt in args.edit_formats.split(",") for f in fixtures]
        for fixture, edit_format in jobs:
            repo = git_copy(fixture, Path(tmp) / edit_format)
            out = args.runs / f"{stamp}-{fixture.name}-{edit_format}"
            argv = ["solve", str(fixture / "issue.md"), "--repo", str(repo), "--test-cmd", PLAIN_PYTEST]
            argv += ["--edit-format", edit_format]
            argv += ["--group-size", str(args.group_size), "--max-iterations", str(args.max_iterations)]
            argv += ["--max-tokens", str(args.max_tokens), "--context-chars", str(args.context_chars)]
            argv += ["--model", args.model, "--seed", str(args.seed), "--output", str(out)]
            started = time.perf_counter()
            code = aso(argv)
            seconds = time.perf_counter() - started
            if code != 0:
                raise SystemExit(f"aso solve failed on {fixture.name} (exit {code})")
            s = json.loads((out / "summary.json").read_text())
            calls = sum(s["model_calls"].values())
            rows.append(
                [
                    fixture.name,
                    s["edit_format"],
                    "yes" if s["resolved"] else "no",
                    s["iterations"],
                    s["candidates"],
                    "-" if s["best_reward"] is None else s["best_reward"],
                    s["baseline_reward"],
                    calls,
                    seconds,
                ]
            )
            results.append({"fixture": fixture.name, **s, "seconds": round(seconds, 1), "run": str(out)})
    print()
    for fmt in sorted({r[1] for r in rows}):
        print(f"{fmt}: resolved {sum(r[2] == 'yes' for r in rows if r[1] == fmt)}/{len(fixtures)}")
    print_table(
        [
            "fixture",
            "edit format",
            "resolved",
            "iterations",
            "candidates",
            "best reward",
            "unpatched",
            "model calls",
            "seconds",
        ],
        rows,
    )
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    path = write_result("solve", {"settings": settings, "test_cmd": PLAIN_PYTEST, "results": results})
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
