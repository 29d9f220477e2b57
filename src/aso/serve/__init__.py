"""`aso serve`: an OpenAI-compatible HTTP server over a local backend, guarded for a team.

- `app`: routes and the order of checks (`create_app`)
- `config`: `ServeConfig`, the limits
- `keys`: hashed API keys (`KeyStore`, `add_key`)
- `limits`: per-key rate limit and daily token quotas in SQLite
- `scheduler`: bounded queue and request-level continuous batching over the one model
- `metrics`: `/metrics` in Prometheus text
- `server`: `serve` and `BackgroundServer`
"""

from aso.serve.app import create_app
from aso.serve.config import ServeConfig
from aso.serve.keys import KeyStore, add_key, hash_key
from aso.serve.server import BackgroundServer, serve

__all__ = ["BackgroundServer", "KeyStore", "ServeConfig", "add_key", "create_app", "hash_key", "serve"]
