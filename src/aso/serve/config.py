"""`ServeConfig`: the limits of one `aso serve` process (frozen; built by the CLI or by tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServeConfig:
    """What a server allows. Limits apply per API key (per client address when no keys are set)."""

    requests_per_minute: float = 0.0
    """Rate limit per key; beyond it requests get 429 with `Retry-After`. 0 (the library default)
    disables it; `aso serve` sets 60 unless told otherwise (`--rpm`)."""
    burst: int | None = None
    """Requests a key may make at once before the rate applies (default: one minute's worth)."""
    tokens_per_day: int = 0
    """Token quota per key and UTC day (prompt + completion tokens); 429 once spent. 0 = unlimited."""
    quota_db: Path | None = None
    """SQLite file the quota counters persist in (None: in memory, lost on restart)."""
    max_prompts: int = 32
    """Prompts in one /v1/completions request at most (413 beyond)."""
    max_requested_tokens: int = 16_384
    """prompts x n x max_tokens of one request at most (413 beyond)."""
    max_body_bytes: int = 1 << 20
    """Request body size at most (413 beyond)."""
    queue_size: int = 64
    """Requests waiting for the model at most; beyond it 503 with `Retry-After`."""
    batching: bool = True
    """Merge waiting requests with the same sampling parameters (and no seed) into one model call."""
    max_batch_prompts: int = 16
    """Prompts x n in one merged model call at most."""
