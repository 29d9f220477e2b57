"""Executors: sandboxed test runs per second with the local and the Ray executor at 1 and 2 workers,
the per-item overhead of each executor, and (with --model-part) the embedded model sampled through them.

Parts, all in one run (the machine is shared: compare the ratios, not the absolute figures):
1. throughput: every HumanEval problem's canonical solution tested in `aso.sandbox` (task
   `aso.executors.tasks:humaneval_verdict`, one sandboxed run per item, --rounds passes over the 164
   problems); local x1 runs in this process, local x2 in two spawned workers, ray x1/x2 on actors of a
   private local Ray instance (num_cpus=2, no dashboard). Worker start-up (spawning, Ray actors, the
   sandbox's launcher zygote) is timed separately on a warm-up batch and not counted in runs/s.
2. overhead: a trivial task (`aso.executors.testing:seeded_draws`, a few microseconds) over --trivial
   items; the time per item minus the in-process time per item is the executor's own cost per item
   (pickling, pipes or Ray's object store, scheduling), paid once per item whatever the item does.
3. model (--model-part): 4 HumanEval prompts, --tokens new tokens each, sampled by the embedded model
   in this process, by local x2 and by ray x2 (each worker loads the model once); local x2 and ray x2
   must give the same completions (same chunks, same seeds).

Example: python benchmarks/bench_executors.py --rounds 1 --trivial 300 --model-part
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
sys.path.insert(0, str(Path(__file__).parent))

from aso.executors import LocalExecutor, RayExecutor, WorkItem, run_items  # noqa: E402
from common import print_table, write_result  # noqa: E402

CONFIGS = [("local", 1), ("local", 2), ("ray", 1), ("ray", 2)]


def canonical_items(rounds: int) -> list[WorkItem]:
    from aso.humaneval.data import load_problems, split_ids

    problems = load_problems()
    items = []
    for r in range(rounds):
        for task_id in split_ids("all"):
            p = problems[task_id]
            answer = f"```python\n{p['prompt']}{p['canonical_solution']}```"
            items.append(WorkItem(f"r{r}/{task_id}", {"task_id": task_id, "answer": answer}))
    return items


def make(kind: str, workers: int, in_process: bool | None = None):
    if kind == "local":
        return LocalExecutor(workers, in_process=in_process)
    return RayExecutor(workers, cpus_per_worker=2 / workers)  # fits the 2-CPU instance


def throughput(kind: str, workers: int, items: list[WorkItem]) -> dict:
    task = "aso.executors.tasks:humaneval_verdict"
    t0 = time.perf_counter()
    executor = make(kind, workers)
    with executor:
        run_items(executor, task, items[: 2 * workers])  # start-up: workers, imports, sandbox zygotes
        startup = time.perf_counter() - t0
        t1 = time.perf_counter()
        results = run_items(executor, task, items)
        elapsed = time.perf_counter() - t1
    solved = sum(bool(r.ok and r.value["solved"]) for r in results.values())
    return {
        "executor": kind,
        "workers": workers,
        "items": len(items),
        "solved": solved,
        "failed": sum(not r.ok for r in results.values()),
        "seconds": round(elapsed, 3),
        "runs_per_s": round(len(items) / elapsed, 3),
        "startup_s": round(startup, 3),
    }


def overhead(n: int) -> list[dict]:
    task = "aso.executors.testing:seeded_draws"
    items = [WorkItem(f"t{i}", {"seed": i, "n": 1}) for i in range(n)]
    rows = []
    for label, kind, workers, in_process in [
        ("local in process", "local", 1, True),
        ("local x1 (spawned)", "local", 1, False),
        ("local x2", "local", 2, False),
        ("ray x1", "ray", 1, None),
        ("ray x2", "ray", 2, None),
    ]:
        with make(kind, workers, in_process) as executor:
            run_items(executor, task, items[:4])
            t0 = time.perf_counter()
            run_items(executor, task, items)
            per_item = (time.perf_counter() - t0) / n
        rows.append({"executor": label, "per_item_ms": round(per_item * 1000, 4)})
    base = rows[0]["per_item_ms"]
    for row in rows:
        row["overhead_ms"] = round(row["per_item_ms"] - base, 4)
    return rows


def model_part(tokens: int) -> dict:
    from aso.executors.sampling import sample_over
    from aso.humaneval import chat_prompt, problems
    from aso.models import SamplingParams, get_model

    prompts = [chat_prompt(p) for p in problems("heldout", 4)]
    params = SamplingParams(n=1, temperature=0.7, max_tokens=tokens, seed=0)
    out: dict = {"prompts": len(prompts), "tokens": tokens, "runs": []}
    texts = {}
    import torch

    default_threads = torch.get_num_threads()
    for label, kind, workers, threads in [
        ("local x2", "local", 2, 1),
        ("ray x2", "ray", 2, 1),
        (f"this process, {default_threads} torch threads", "local", 1, default_threads),
        ("this process, 1 torch thread", "local", 1, 1),
    ]:
        torch.set_num_threads(threads)  # the workers' threads: cpu_count // workers
        t0 = time.perf_counter()
        with make(kind, workers) as executor:
            model = get_model("smollm2") if workers == 1 else None
            groups = sample_over(executor, model, "smollm2", prompts, params)
            first = time.perf_counter() - t0
            t1 = time.perf_counter()
            sample_over(executor, model, "smollm2", prompts, params)  # the model is already loaded
            second = time.perf_counter() - t1
            probes = run_items(
                executor,
                "aso.executors.testing:model_probe",
                [WorkItem(f"p{i}", {"model": "smollm2"}) for i in range(4)],
            )
        texts[label] = [g[0].text for g in groups]
        loads = sorted({(r.value["pid"], r.value["loads"]) for r in probes.values()})
        out["runs"].append(
            {
                "executor": label,
                "torch_threads_per_worker": threads,
                "first_call_s": round(first, 2),
                "second_call_s": round(second, 2),
                "loads_per_worker": [n for _, n in loads],
            }
        )
    out["local_x2_equals_ray_x2"] = texts["local x2"] == texts["ray x2"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=1, help="passes over the 164 problems")
    ap.add_argument("--trivial", type=int, default=300, help="items of the overhead part")
    ap.add_argument("--model-part", action="store_true", help="also sample the embedded model")
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--model-only", action="store_true", help="only the model part (name: executors_model)")
    args = ap.parse_args()
    if args.model_only:
        import ray

        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
        before = [round(x, 2) for x in os.getloadavg()]
        model = model_part(args.tokens)
        ray.shutdown()
        for r in model["runs"]:
            print(r)
        print(f"local x2 == ray x2 completions: {model['local_x2_equals_ray_x2']}")
        after = [round(x, 2) for x in os.getloadavg()]
        command = " ".join(["python", "benchmarks/bench_executors.py", *sys.argv[1:]])
        payload = {"command": command, "model": model, "loadavg_before": before, "loadavg_after": after}
        print(write_result("executors_model", payload))
        return

    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
    load_before = os.getloadavg()
    items = canonical_items(args.rounds)
    rows = [throughput(kind, workers, items) for kind, workers in CONFIGS]
    base = rows[0]["runs_per_s"]
    for row in rows:
        row["vs_local_x1"] = round(row["runs_per_s"] / base, 3)
    print("sandboxed HumanEval test runs (canonical solutions)")
    print_table(
        ["executor", "workers", "items", "solved", "runs/s", "vs local x1", "start-up s"],
        [
            [
                r["executor"],
                r["workers"],
                r["items"],
                r["solved"],
                r["runs_per_s"],
                r["vs_local_x1"],
                r["startup_s"],
            ]
            for r in rows
        ],
    )
    over = overhead(args.trivial)
    print("\nper-item cost of a trivial task")
    print_table(
        ["executor", "ms/item", "overhead ms"],
        [[r["executor"], r["per_item_ms"], r["overhead_ms"]] for r in over],
    )
    result = {
        "command": " ".join(["python", "benchmarks/bench_executors.py", *sys.argv[1:]]),
        "cpus": os.cpu_count(),
        "throughput": rows,
        "overhead": over,
    }
    if args.model_part:
        result["model"] = model_part(args.tokens)
        print("\nembedded model through the executors")
        print_table(
            ["executor", "first call s", "second call s", "loads per worker"],
            [
                [r["executor"], r["first_call_s"], r["second_call_s"], r["loads_per_worker"]]
                for r in result["model"]["runs"]
            ],
        )
        print(f"local x2 == ray x2 completions: {result['model']['local_x2_equals_ray_x2']}")
    ray.shutdown()
    result["loadavg_before"] = [round(x, 2) for x in load_before]
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    print(f"\nload average before {result['loadavg_before']}, after {result['loadavg_after']}")
    print(write_result("executors", result))


if __name__ == "__main__":
    main()
