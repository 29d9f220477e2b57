"""Per-run overhead of `aso.sandbox` against a plain `subprocess.run` of the same command.

Each round runs every variant once, in a rotating order (the machine is shared and noisy, so variants
are interleaved rather than run in blocks); we report the median wall time per call, the ratio of
sandboxed to plain for the same command, and the added milliseconds. The first sandboxed call of a
process also starts the launcher zygote; that one-off cost is reported separately.

    python benchmarks/bench_sandbox.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from aso.sandbox import Sandbox, SandboxPolicy  # noqa: E402
from aso.sandbox.zygote import ZYGOTE  # noqa: E402
from common import print_table, write_result  # noqa: E402

VENV_PY = sys.executable
SYS_PY = "/usr/bin/python3"


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    isolated = Sandbox()
    bare = Sandbox(policy=SandboxPolicy(namespaces=False))
    ZYGOTE.close()
    first_call = _timed(lambda: isolated.run(["/bin/true"]))

    def plain(cmd):
        return lambda: subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, check=True)

    def boxed(sandbox, cmd):
        def run():
            res = sandbox.run(cmd)
            assert res.ok, res.stderr

        return run

    # (name, what it runs, plain-baseline name or None)
    variants = {
        "plain /bin/true": plain(["/bin/true"]),
        "sandbox /bin/true": boxed(isolated, ["/bin/true"]),
        "sandbox-no-ns /bin/true": boxed(bare, ["/bin/true"]),
        "plain venv python -c pass": plain([VENV_PY, "-c", "pass"]),
        "sandbox venv python -c pass": boxed(isolated, [VENV_PY, "-c", "pass"]),
        "plain /usr/bin/python3 -c pass": plain([SYS_PY, "-c", "pass"]),
        "sandbox /usr/bin/python3 -c pass": boxed(isolated, [SYS_PY, "-c", "pass"]),
        "sandbox-no-ns /usr/bin/python3 -c pass": boxed(bare, [SYS_PY, "-c", "pass"]),
    }
    baseline = {
        "sandbox /bin/true": "plain /bin/true",
        "sandbox-no-ns /bin/true": "plain /bin/true",
        "sandbox venv python -c pass": "plain venv python -c pass",
        "sandbox /usr/bin/python3 -c pass": "plain /usr/bin/python3 -c pass",
        "sandbox-no-ns /usr/bin/python3 -c pass": "plain /usr/bin/python3 -c pass",
    }
    names = list(variants)
    for name in names:  # warm-up: page cache, zygote
        variants[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(args.rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            times[name].append(_timed(variants[name]))

    median = {name: statistics.median(ts) for name, ts in times.items()}
    best = {name: min(ts) for name, ts in times.items()}
    rows, results = [], []
    for name in names:
        base = baseline.get(name)
        ratio = median[name] / median[base] if base else None
        added_ms = (median[name] - median[base]) * 1000 if base else None
        best_added_ms = (best[name] - best[base]) * 1000 if base else None
        rows.append([name, median[name] * 1000, "" if ratio is None else f"{ratio:.2f}x",
                     "" if added_ms is None else f"{added_ms:+.1f}", best[name] * 1000,
                     "" if best_added_ms is None else f"{best_added_ms:+.1f}"])
        results.append({"variant": name, "median_ms": median[name] * 1000, "min_ms": best[name] * 1000,
                        "baseline": base, "ratio_of_medians": ratio, "added_ms_median": added_ms,
                        "added_ms_min": best_added_ms, "all_ms": [t * 1000 for t in times[name]]})
    print_table(["variant", "median ms", "vs plain", "added ms", "min ms", "added ms (min)"], rows)
    load = os.getloadavg()[0]
    print(f"\n1-minute load average during the run: {load:.1f} on {os.cpu_count()} CPUs")
    print(f"\nfirst call in a process (starts the launcher zygote): {first_call * 1000:.1f} ms")
    path = write_result("sandbox", {
        "command": f"python benchmarks/bench_sandbox.py --rounds {args.rounds}",
        "rounds": args.rounds,
        "load_average_1m": load,
        "first_call_ms": first_call * 1000,
        "variants": results,
    })
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
