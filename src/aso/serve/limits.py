"""Per-key request rate limit (a token bucket) and per-key daily token quotas persisted in SQLite."""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path


class RateLimiter:
    """`rate_per_minute` requests per key, with bursts of `burst`; `acquire` returns seconds to wait."""

    def __init__(self, rate_per_minute: float, burst: int | None = None) -> None:
        self.rate = rate_per_minute / 60.0  # tokens per second
        self.capacity = float(burst if burst is not None else max(1, math.ceil(rate_per_minute)))
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill, monotonic)
        self._lock = threading.Lock()

    def acquire(self, key: str, now: float | None = None) -> float:
        """Take one request for `key`: 0.0 if allowed, else the seconds until one is (nothing taken)."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate


def seconds_to_utc_midnight(now: datetime | None = None) -> float:
    """Seconds until the next UTC day starts (when a spent daily quota is renewed)."""
    now = now or datetime.now(UTC)
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (tomorrow - now).total_seconds()


class QuotaStore:
    """Tokens used per key and UTC day, in SQLite (`path` None: in memory). Safe across threads."""

    def __init__(self, tokens_per_day: int, path: Path | None = None) -> None:
        self.tokens_per_day = tokens_per_day
        self._conn = sqlite3.connect(":memory:" if path is None else str(path), check_same_thread=False)
        self._lock = threading.Lock()
        if path is not None:
            self._conn.execute("PRAGMA journal_mode=WAL")
        with self._lock, self._conn:
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS usage"
                " (key TEXT, day TEXT, tokens INTEGER, PRIMARY KEY (key, day))"
            )

    @staticmethod
    def today() -> str:
        """The UTC day counters are kept under (YYYY-MM-DD)."""
        return datetime.now(UTC).strftime("%Y-%m-%d")

    def used(self, key: str) -> int:
        """Tokens `key` used today."""
        with self._lock:
            row = self._conn.execute(
                "SELECT tokens FROM usage WHERE key = ? AND day = ?", (key, self.today())
            ).fetchone()
        return int(row[0]) if row else 0

    def spent(self, key: str) -> bool:
        """True when a quota is set and `key` used all of today's."""
        return self.tokens_per_day > 0 and self.used(key) >= self.tokens_per_day

    def add(self, key: str, tokens: int) -> None:
        """Count `tokens` (prompt + completion) against `key` for today (committed at once)."""
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT INTO usage (key, day, tokens) VALUES (?, ?, ?) "
                "ON CONFLICT (key, day) DO UPDATE SET tokens = tokens + excluded.tokens",
                (key, self.today(), int(tokens)),
            )

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._conn.close()
