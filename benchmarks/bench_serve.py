"""`aso serve` under load: requests/s and p50/p95 latency with 1, 4 and 16 concurrent clients, the
embedded model, request-level batching on and off in one run; and the per-request cost of the guard
(API key, rate limit, daily quota in SQLite).

Every request is the same shape (chat, greedy, `--max-tokens` new tokens, no seed), so batching may merge
any waiting ones; the prompts differ. Each client sends `--per-client` requests one after another.
The guard overhead is measured two ways over a scripted model (no model time): end to end over HTTP
(keys + limits + quota vs none, interleaved), and in-process (`Guard.client` + `QuotaStore.add`).

    nice -n 5 python benchmarks/bench_serve.py [--max-tokens 16] [--per-client 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from aso.models import SamplingParams, ScriptedModel, get_model  # noqa: E402
from aso.serve import BackgroundServer, KeyStore, ServeConfig  # noqa: E402
from common import print_table, write_result  # noqa: E402

KEY = "bench-key"
TASKS = [
    "add(a, b)",
    "reverse(s)",
    "is_prime(n)",
    "fib(n)",
    "square(x)",
    "maximum(xs)",
    "mean(xs)",
    "count(xs, v)",
    "factorial(n)",
    "is_even(n)",
    "last(xs)",
    "first(xs)",
    "flatten(xss)",
    "unique(xs)",
    "clamp(x, lo, hi)",
    "gcd(a, b)",
]


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def load(url: str, clients: int, per_client: int, max_tokens: int) -> dict:
    """`clients` threads, each sending `per_client` requests in turn; throughput and latencies."""
    latencies: list[float] = []
    with httpx.Client(timeout=600, headers={"Authorization": f"Bearer {KEY}"}) as http:

        def client(c: int) -> None:
            for r in range(per_client):
                task = TASKS[(c * per_client + r) % len(TASKS)]
                body = {
                    "messages": [{"role": "user", "content": f"Write a Python function {task}."}],
                    "max_tokens": max_tokens,
                    "temperature": 0,
                }
                start = time.monotonic()
                got = http.post(url + "/chat/completions", json=body)
                got.raise_for_status()
                latencies.append(time.monotonic() - start)

        start = time.monotonic()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(client, range(clients)))
        wall = time.monotonic() - start
    return {
        "requests": len(latencies),
        "wall_s": round(wall, 3),
        "requests_per_s": round(len(latencies) / wall, 3),
        "p50_s": round(percentile(latencies, 0.5), 3),
        "p95_s": round(percentile(latencies, 0.95), 3),
    }


def guard_overhead(rounds: int) -> dict:
    """Mean latency of a scripted request with the guard (key, rate limit, quota) vs without, over HTTP,
    interleaved; and the guard's own cost in-process."""
    from starlette.requests import Request

    from aso.serve.app import Guard

    model = ScriptedModel(outputs=["ok"])
    guarded = ServeConfig(requests_per_minute=1e9, tokens_per_day=10**12)
    times: dict[str, list[float]] = {"guarded": [], "open": []}
    with (
        BackgroundServer(model, config=guarded, keys=KeyStore.load(env=KEY)) as url_g,
        BackgroundServer(model, config=ServeConfig(), keys=KeyStore()) as url_o,
        httpx.Client(timeout=60) as http,
    ):
        for _ in range(rounds):
            for name, url, headers in (
                ("guarded", url_g, {"Authorization": f"Bearer {KEY}"}),
                ("open", url_o, {}),
            ):
                start = time.monotonic()
                http.post(url + "/completions", json={"prompt": "x", "max_tokens": 1}, headers=headers)
                times[name].append(time.monotonic() - start)
    guard = Guard(guarded, KeyStore.load(env=KEY))
    request = Request(
        {
            "type": "http",
            "client": ("127.0.0.1", 1),
            "headers": [(b"authorization", f"Bearer {KEY}".encode())],
        }
    )
    n = 5000
    start = time.perf_counter()
    for _ in range(n):
        guard.quota.add(guard.client(request), 10)
    in_process = (time.perf_counter() - start) / n
    mean = {k: statistics.mean(v) for k, v in times.items()}
    return {
        "http_rounds": rounds,
        "http_mean_guarded_ms": round(mean["guarded"] * 1000, 3),
        "http_mean_open_ms": round(mean["open"] * 1000, 3),
        "http_overhead_ms": round((mean["guarded"] - mean["open"]) * 1000, 3),
        "in_process_guard_us": round(in_process * 1e6, 1),
    }


def main() -> None:
    """Run the load matrix and the overhead measurement; print and write results/serve.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--per-client", type=int, default=3)
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--overhead-rounds", type=int, default=300)
    args = parser.parse_args()
    model = get_model()
    model.sample(["warm up"], SamplingParams(max_tokens=2))
    rows, results = [], {}
    for clients in [int(c) for c in args.clients.split(",")]:
        # interleaved per concurrency level: the two modes see the same machine load
        for batching in (False, True):
            config = ServeConfig(batching=batching, queue_size=64, max_batch_prompts=16)
            with BackgroundServer(
                model, served_name="smollm2", config=config, keys=KeyStore.load(env=KEY)
            ) as url:
                stats = load(url, clients, args.per_client, args.max_tokens)
            results[f"{clients}/{'batched' if batching else 'serial'}"] = stats
        serial, batched = results[f"{clients}/serial"], results[f"{clients}/batched"]
        speedup = batched["requests_per_s"] / serial["requests_per_s"]
        results[f"{clients}/ratio"] = {
            "throughput_batched_over_serial": round(speedup, 3),
            "p50_batched_over_serial": round(batched["p50_s"] / serial["p50_s"], 3),
            "p95_batched_over_serial": round(batched["p95_s"] / serial["p95_s"], 3),
        }
        for mode, s in (("serial", serial), ("batched", batched)):
            rows.append([clients, mode, s["requests"], s["requests_per_s"], s["p50_s"], s["p95_s"]])
        rows.append(
            [
                clients,
                "ratio b/s",
                "",
                round(speedup, 3),
                results[f"{clients}/ratio"]["p50_batched_over_serial"],
                results[f"{clients}/ratio"]["p95_batched_over_serial"],
            ]
        )
    print_table(["clients", "mode", "requests", "req/s", "p50 s", "p95 s"], rows)
    overhead = guard_overhead(args.overhead_rounds)
    print(f"\nguard overhead: {overhead}")
    path = write_result(
        "serve",
        {
            "command": "nice -n 5 python benchmarks/bench_serve.py " + " ".join(sys.argv[1:]),
            "max_tokens": args.max_tokens,
            "per_client": args.per_client,
            "load": results,
            "guard_overhead": overhead,
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
            "loadavg": os.getloadavg(),
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
