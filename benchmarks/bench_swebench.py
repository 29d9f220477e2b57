"""SWE-bench Verified without Docker, on real repositories: does aso's grading agree with the official
verdict (gold patch resolved, empty patch unresolved), and what do environment builds and grading cost?

Instance rule (stated, not hand-picked): the Verified parquet in dataset order, the first --per-repo
instances of each repository in --repos (the repositories whose mirrors are fetched under
--repo-cache and whose harness specs are pip-buildable: environment.yml/conda specs excluded, unless
ASO_SWE_ENV_YML=pip asks for aso's pip approximation of them; use --result to keep such a run apart);
--instances keeps only the ids it lists (the result's rule says so).

For each instance: build (or reuse) the (repository, version) environment (its build time is charged to
the first instance that needs it; packages as of $ASO_SWE_AS_OF, default Verified's release date), grade
the gold patch, then the empty patch; the official verdict of a Verified instance is gold resolved and
empty unresolved (the dataset's validation). For the empty
patch the harness never runs the tests (an empty prediction is unresolved by rule); here they are run,
and agreement means the graded tests fail without the fix. Per-instance rows are appended to
--state (JSONL), so an interrupted run resumes. For each unresolved gold patch the summary says how many
failing counted tests show a network error in the kept log (this machine has no network).

With --solve N: instead, the embedded model (or --model) solves the first N of the same instances, taken
round-robin over the repositories (one of each repository first), under the honest protocol, through
`aso swe bench` (resolved count with its interval, localisation hit rate, patch similarity); written to
benchmarks/results/swebench_honest.json.

Example: nice -n 10 python benchmarks/bench_swebench.py --repo-cache /work/.mirror --per-repo 4
Example: nice -n 10 python benchmarks/bench_swebench.py --per-repo 4 --solve 7 --max-iterations 1
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import print_table, write_result  # noqa: E402

REPOS = (
    "psf/requests,pallets/flask,pytest-dev/pytest,pylint-dev/pylint,sympy/sympy,mwaskom/seaborn,"
    "sphinx-doc/sphinx"
)


def grade_one(inst, repo_cache: Path, logs: Path, timeout: float) -> dict:
    from aso.errors import ConfigError
    from aso.swe.envs import EnvBuildError, env_status, instance_env, load_env
    from aso.swe.evaluation import evaluate_instance
    from aso.swe.specs import instance_spec
    from aso.swe.testbed import TestbedError

    spec = instance_spec(inst)
    fresh = load_env(spec) is None  # not built, failed, or built with another package date
    row: dict = {
        "instance_id": inst.instance_id,
        "repo": inst.repo,
        "version": inst.version,
        "python": spec.python,
        "env": spec.key,
    }
    t0 = time.monotonic()
    try:
        env, repo_git = instance_env(inst, repo_cache)
    except EnvBuildError as exc:
        row.update(env_seconds=round(time.monotonic() - t0, 1), error=f"environment: {exc}")
        return row
    row["env_seconds"] = round(time.monotonic() - t0, 1) if fresh else 0.0
    row["env_build_seconds_recorded"] = env_status(spec).get("seconds")
    for name, patch in (("gold", inst.patch), ("empty", "")):
        try:
            ev = evaluate_instance(inst, patch, env, repo_git, logs / inst.instance_id / name, timeout)
        except (TestbedError, ConfigError) as exc:  # ConfigError: e.g. the copy cannot be made
            row[f"{name}_error"] = str(exc)
            continue
        row[f"{name}_resolved"] = ev.resolved
        row[f"{name}_tests_resolved"] = ev.tests_resolved
        row[f"{name}_seconds"] = ev.seconds
        row[f"{name}_f2p"] = [len(ev.fail_to_pass["success"]), len(ev.fail_to_pass["failure"])]
        row[f"{name}_p2p"] = [len(ev.pass_to_pass["success"]), len(ev.pass_to_pass["failure"])]
        row[f"{name}_failures"] = (ev.fail_to_pass["failure"] + ev.pass_to_pass["failure"])[:5]
        row[f"{name}_applied"] = ev.report.get("patch_successfully_applied")
        row[f"{name}_log"] = ev.log
    row["agrees"] = bool(row.get("gold_resolved")) and row.get("empty_tests_resolved") is False
    return row


NETWORK_ERROR = re.compile(
    r"ConnectionError|Max retries exceeded|Name or service not known|Temporary failure in name resolution"
    r"|Network is unreachable|Could not fetch remote image"
)
"""What a test that needed the network (this machine has none) shows in its failure section."""


def network_failures(log_dir: Path) -> dict:
    """Of the counted tests that failed (the kept report.json), those whose pytest failure section in
    the kept log shows a network error: {"failed": n, "network": [ids]}. Diagnostic only; the grading
    is swebench's."""
    try:
        report = next(iter(json.loads((log_dir / "report.json").read_text()).values()))
        log = re.sub(r"\x1b\[[0-9;]*m", "", (log_dir / "test_output.txt").read_text(errors="replace"))
    except (OSError, ValueError, StopIteration):
        return {"failed": 0, "network": []}
    status = report.get("tests_status", {})
    failed = [t for k in ("FAIL_TO_PASS", "PASS_TO_PASS") for t in status.get(k, {}).get("failure", [])]
    parts = re.split(r"\n_{3,} (.+?) _{3,}\n", log)
    sections: dict[str, str] = {}
    for k in range(1, len(parts) - 1, 2):
        body = re.split(r"\n={5,}", parts[k + 1])[0]  # the last one ends where PASSES begins
        sections.setdefault(parts[k].strip(), body)  # the FAILURES one, not a later PASSES one
    network = []
    for test in failed:
        name = test.split("::")[-1]
        body = next((v for k, v in sections.items() if k.split(".")[-1] == name or k.endswith(name)), "")
        if NETWORK_ERROR.search(body):
            network.append(test)
    return {"failed": len(failed), "network": network}


def round_robin(chosen: list, repos: list[str]) -> list:
    """`chosen` in the order: the first instance of each repository, then the second of each, ... (so
    that a run stopped early has graded a prefix of every repository)."""
    by_repo = [[i for i in chosen if i.repo == r] for r in repos]
    longest = max((len(g) for g in by_repo), default=0)
    return [g[k] for k in range(longest) for g in by_repo if k < len(g)]


def solve_bench(args, repos: list[str], chosen: list) -> None:
    from aso.cli.main import main as aso_main

    order = [i.instance_id for i in round_robin(chosen, repos)][: args.solve]
    out = args.state.parent / f"honest-{args.model or 'embedded'}-{args.solve}".replace(":", "_").replace(
        "/", "_"
    )
    argv = [
        "swe",
        "bench",
        *order,
        "--limit",
        str(len(order)),
        "--repo-cache",
        str(args.repo_cache),
        "--group-size",
        str(args.group_size),
        "--max-iterations",
        str(args.max_iterations),
        "--max-tokens",
        str(args.max_tokens),
        "--timeout",
        str(args.timeout),
        "--seed",
        str(args.seed),
    ]
    if args.model:
        argv += ["--model", args.model]
    argv += ["--resume", str(out)] if (out / "events.jsonl").exists() else ["--output", str(out)]
    t0 = time.monotonic()
    code = aso_main(argv)
    if code != 0:
        raise SystemExit(code)
    report = json.loads((out / "report.json").read_text())
    table = [
        [
            r["instance_id"],
            r["resolved"],
            r["iterations"],
            r["localisation_hit"],
            r["edited_gold_file"],
            r["patch_similarity"],
            r["empty_patch"],
        ]
        for r in report["results"]
    ]
    print_table(
        [
            "instance",
            "resolved",
            "iterations",
            "gold file localised",
            "gold file edited",
            "patch sim",
            "empty",
        ],
        table,
    )
    write_result(
        "swebench_honest",
        {
            "command": "python benchmarks/bench_swebench.py " + " ".join(sys.argv[1:]),
            "rule": f"first {args.solve} of the grading instances, round-robin over {repos}",
            "loadavg": os.getloadavg(),
            "seconds": round(time.monotonic() - t0, 1),
            "run": str(out),
            **{k: v for k, v in report.items() if k != "results"},
            "rows": report["results"],
        },
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo-cache", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--repos", default=REPOS, help="comma list of owner/name")
    ap.add_argument("--per-repo", type=int, default=4, help="instances per repository (0: all of them)")
    ap.add_argument(
        "--instances", default="", help="comma list of instance ids: of the chosen instances, only these"
    )
    ap.add_argument("--timeout", type=float, default=1200.0, help="seconds per test run")
    ap.add_argument("--state", type=Path, default=Path("runs/bench-swebench/grading.jsonl"))
    ap.add_argument("--solve", type=int, default=0, help="solve the first N instances (round-robin) instead")
    ap.add_argument("--model", default=None)
    ap.add_argument("--group-size", type=int, default=2)
    ap.add_argument("--max-iterations", type=int, default=1)
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--result", default="swebench", help="name of the benchmarks/results JSON")
    args = ap.parse_args()

    from aso.swe import load_instances

    repos = [r.strip() for r in args.repos.split(",") if r.strip()]
    chosen = []
    for repo in repos:
        chosen += [i for i in load_instances() if i.repo == repo][: args.per_repo or None]
    only = {i.strip() for i in args.instances.split(",") if i.strip()}
    if only:
        chosen = [i for i in chosen if i.instance_id in only]
    if args.solve:
        solve_bench(args, repos, chosen)
        return
    args.state.parent.mkdir(parents=True, exist_ok=True)
    done = {}
    if args.state.exists():
        for line in args.state.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                done[r["instance_id"]] = r
    logs = args.state.parent / "logs"
    rows = []
    for n, inst in enumerate(round_robin(chosen, repos), 1):
        if inst.instance_id in done:
            rows.append(done[inst.instance_id])
            continue
        print(f"[{n}/{len(chosen)}] {inst.instance_id}", flush=True)
        row = grade_one(inst, args.repo_cache, logs, args.timeout)
        with args.state.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        rows.append(row)

    table = []
    for r in rows:
        table.append(
            [
                r["instance_id"],
                r["python"],
                r.get("env_seconds", "-"),
                r.get("gold_resolved", r.get("error", r.get("gold_error", "?"))[:40]),
                "fails" if r.get("empty_tests_resolved") is False else r.get("empty_tests_resolved", "?"),
                r.get("gold_seconds", "-"),
                r.get("empty_seconds", "-"),
                "yes" if r.get("agrees") else "NO",
            ]
        )
    print_table(
        ["instance", "py", "env s", "gold resolved", "empty tests", "gold s", "empty s", "agrees"], table
    )
    for r in rows:
        if r.get("gold_log") and not r.get("gold_resolved"):
            if Path(r["gold_log"]).exists() or "gold_network_failures" not in r:
                r["gold_network_failures"] = network_failures(Path(r["gold_log"]).parent)
            n = r["gold_network_failures"]
            shown = f"{len(n['network'])} of {n['failed']}"
            print(f"{r['instance_id']}: {shown} failing counted tests show a network error")
    agree = sum(bool(r.get("agrees")) for r in rows)
    per_repo: dict[str, list[int]] = {}
    for r in rows:
        per_repo.setdefault(r["repo"], [0, 0])
        per_repo[r["repo"]][0] += bool(r.get("agrees"))
        per_repo[r["repo"]][1] += 1
    print(f"agreement with the official verdict: {agree}/{len(rows)} instances, {len(per_repo)} repositories")
    write_result(
        args.result,
        {
            "command": "python benchmarks/bench_swebench.py " + " ".join(sys.argv[1:]),
            "rule": f"first {args.per_repo or 'all'} Verified instances (dataset order) of each of {repos}"
            + (f", only {sorted(only)}" if only else ""),
            "environment_yml": os.environ.get("ASO_SWE_ENV_YML", "") or "refused (conda-only)",
            "packages_as_of": os.environ.get("ASO_SWE_AS_OF", "2024-08-13T00:00:00Z (default)"),
            "loadavg": os.getloadavg(),
            "instances": len(rows),
            "agreement": agree,
            "per_repo": {k: {"agree": v[0], "instances": v[1]} for k, v in per_repo.items()},
            "rows": rows,
        },
    )


if __name__ == "__main__":
    main()
