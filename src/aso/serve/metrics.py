"""Counters for `/metrics`, in the Prometheus text exposition format (no client library needed)."""

from __future__ import annotations

import threading
from collections import Counter


class Metrics:
    """Request counts by path and status, token counts, latency sum, and gauges read at scrape time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[tuple[str, int]] = Counter()  # (path, status) -> count
        self.tokens: Counter[str] = Counter()  # "prompt" | "completion" -> count
        self.latency_sum = 0.0
        self.latency_count = 0

    def observe(self, path: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        with self._lock:
            self.requests[(path, status)] += 1
            self.latency_sum += seconds
            self.latency_count += 1

    def count_tokens(self, prompt: int, completion: int) -> None:
        """Add a request's token usage."""
        with self._lock:
            self.tokens["prompt"] += prompt
            self.tokens["completion"] += completion

    def render(self, gauges: dict[str, tuple[str, float]]) -> str:
        """The exposition text; `gauges` maps a metric name to (help, value)."""
        lines = [
            "# HELP aso_requests_total Requests answered, by path and HTTP status.",
            "# TYPE aso_requests_total counter",
        ]
        with self._lock:
            for (path, status), n in sorted(self.requests.items()):
                lines.append(f'aso_requests_total{{path="{path}",status="{status}"}} {n}')
            lines += [
                "# HELP aso_tokens_total Tokens counted against quotas, by kind.",
                "# TYPE aso_tokens_total counter",
            ]
            for kind in ("prompt", "completion"):
                lines.append(f'aso_tokens_total{{kind="{kind}"}} {self.tokens[kind]}')
            lines += [
                "# HELP aso_request_seconds Time from arrival to answer.",
                "# TYPE aso_request_seconds summary",
                f"aso_request_seconds_sum {self.latency_sum:.6f}",
                f"aso_request_seconds_count {self.latency_count}",
            ]
        for name, (help_text, value) in gauges.items():
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value:g}"]
        return "\n".join(lines) + "\n"
