"""Running the app: `serve` (until interrupted) and `BackgroundServer` (a thread on loopback, for tests)."""

from __future__ import annotations

import socket
import threading
import time

from aso.models import Model
from aso.serve.app import create_app
from aso.serve.config import ServeConfig
from aso.serve.keys import KeyStore


def serve(
    model: Model,
    host: str = "127.0.0.1",
    port: int = 8000,
    served_name: str | None = None,
    config: ServeConfig | None = None,
    keys: KeyStore | None = None,
) -> None:
    """Serve `model` until interrupted."""
    import uvicorn

    app = create_app(model, served_name, config, keys)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)


class BackgroundServer:
    """Run the server in a thread on loopback (port 0 = a free port); a context manager.

    Example: `with BackgroundServer(model) as url: get_model(f"openai:{url}#{model.info.name}")`
    """

    def __init__(
        self,
        model: Model,
        host: str = "127.0.0.1",
        port: int = 0,
        served_name: str | None = None,
        config: ServeConfig | None = None,
        keys: KeyStore | None = None,
    ):
        import uvicorn

        if port == 0:
            with socket.socket() as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
        self.url = f"http://{host}:{port}/v1"
        self.app = create_app(model, served_name, config, keys)
        config_ = uvicorn.Config(
            self.app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5
        )
        self.server = uvicorn.Server(config_)
        self._thread: threading.Thread | None = None

    def __enter__(self) -> str:
        self._thread = threading.Thread(target=self.server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"server on {self.url} did not start")
            time.sleep(0.02)
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
