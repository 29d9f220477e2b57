"""`aso serve`: an OpenAI-compatible server over a local model, with keys, rate limits and quotas."""

from __future__ import annotations

import socket
from pathlib import Path

import typer

from aso.cli.options import ModelOption
from aso.errors import ConfigError


def _is_loopback(host: str) -> bool:
    from aso.serve.keys import is_loopback

    try:
        return is_loopback(host, resolve=True)
    except (socket.gaierror, UnicodeError) as exc:
        raise ConfigError(f"--host: cannot resolve {host!r} ({exc})") from None


def serve(
    model: str | None = ModelOption,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (non-loopback needs keys)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    served_name: str | None = typer.Option(
        None, "--served-name", help="Model id clients use (default: the name)."
    ),
    api_keys: Path | None = typer.Option(
        None, "--api-keys", help="Key file (one `sha256:HEX NAME` a line: hashes only); or set ASO_API_KEYS."
    ),
    add_key: str | None = typer.Option(
        None, "--add-key", help="Create a key NAME in --api-keys, print it once, and exit."
    ),
    rpm: float = typer.Option(60.0, "--rpm", min=0.0, help="Requests per minute per key (0: no limit)."),
    tokens_per_day: int = typer.Option(
        0, "--tokens-per-day", min=0, help="Prompt + completion tokens per key and UTC day (0: no quota)."
    ),
    quota_db: Path = typer.Option(
        Path(".aso/serve-quota.sqlite"), "--quota-db", help="SQLite file the quota counters persist in."
    ),
    max_prompts: int = typer.Option(32, "--max-prompts", min=1, help="Prompts per request at most."),
    max_requested_tokens: int = typer.Option(
        16384, "--max-requested-tokens", min=1, help="prompts x n x max_tokens per request at most."
    ),
    queue_size: int = typer.Option(64, "--queue-size", min=1, help="Waiting requests at most (503 beyond)."),
    batching: bool = typer.Option(True, "--batching/--no-batching", help="Merge waiting requests."),
) -> None:
    """Serve a local model over an OpenAI-compatible API (/v1/chat/completions, /v1/completions, /v1/models,
    /health, /metrics). Without API keys it listens on loopback only.

    Example: aso serve --api-keys keys.txt --add-key alice   then
    aso serve --api-keys keys.txt --host 0.0.0.0 --rpm 30 --tokens-per-day 200000
    """
    from aso.serve import KeyStore, ServeConfig
    from aso.serve import add_key as new_key

    if add_key is not None:
        if api_keys is None:
            raise ConfigError("--add-key needs --api-keys FILE to append the key's hash to")
        key = new_key(api_keys, add_key)
        typer.echo(f"{key}\n(shown once; {api_keys} keeps only its sha256 hash)")
        return
    keys = KeyStore.load(api_keys)
    if not keys and not _is_loopback(host):
        raise ConfigError(f"--host {host}: refusing to listen beyond loopback without API keys (--api-keys)")
    config = ServeConfig(
        requests_per_minute=rpm,
        tokens_per_day=tokens_per_day,
        quota_db=quota_db if tokens_per_day else None,
        max_prompts=max_prompts,
        max_requested_tokens=max_requested_tokens,
        queue_size=queue_size,
        batching=batching,
    )
    if config.quota_db is not None:
        config.quota_db.parent.mkdir(parents=True, exist_ok=True)

    from aso.models import get_model
    from aso.serve import serve as run_server

    lm = get_model(model)
    name = served_name or lm.info.name
    guard = f"{len(keys.hashed)} key(s)" if keys else "no keys, loopback only"
    typer.echo(f"serving {name} ({lm.info.identity[:19]}) on http://{host}:{port}/v1 ({guard})", err=True)
    run_server(lm, host=host, port=port, served_name=name, config=config, keys=keys)


def register(app: typer.Typer) -> None:
    """Add `aso serve`."""
    app.command("serve")(serve)
