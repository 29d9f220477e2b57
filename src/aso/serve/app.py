"""The server: `/v1/models`, `/v1/completions`, `/v1/chat/completions` (no streaming).

Requests run in FastAPI's thread pool; the backend's lock serialises access to the one loaded model.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from aso.models import Completion, Model, SamplingParams


class _SamplingRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str = ""
    n: int = Field(1, ge=1, le=64)
    temperature: float = Field(1.0, ge=0.0, le=5.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    max_tokens: int = Field(256, ge=1, le=8192)
    stop: str | list[str] | None = None
    seed: int | None = None

    def params(self, logprobs: bool) -> SamplingParams:
        stop = [self.stop] if isinstance(self.stop, str) else (self.stop or [])
        return SamplingParams(
            n=self.n,
            temperature=self.temperature,
            top_p=self.top_p,
            max_tokens=self.max_tokens,
            stop=tuple(stop),
            seed=self.seed,
            logprobs=logprobs,
        )


class CompletionRequest(_SamplingRequest):
    """Body of POST /v1/completions."""

    prompt: str | list[str]
    logprobs: int | None = None


class ChatRequest(_SamplingRequest):
    """Body of POST /v1/chat/completions."""

    messages: list[dict[str, Any]]
    logprobs: bool | None = None


def _usage(prompt_tokens: int, completions: list[Completion]) -> dict[str, int]:
    done = sum(c.n_tokens for c in completions)
    return {"prompt_tokens": prompt_tokens, "completion_tokens": done, "total_tokens": prompt_tokens + done}


def create_app(model: Model, served_name: str | None = None) -> FastAPI:
    """Build the FastAPI app serving `model` under `served_name` (default: its name)."""
    name = served_name or model.info.name
    app = FastAPI(title="aso serve", version="1")

    def check(requested: str) -> None:
        if requested and requested != name:
            raise HTTPException(404, f"model {requested!r} not found; this server has {name!r}")

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": name, "object": "model", "owned_by": "aso", "identity": model.info.identity}],
        }

    @app.post("/v1/completions")
    def completions(req: CompletionRequest) -> dict[str, Any]:
        check(req.model)
        prompts = [req.prompt] if isinstance(req.prompt, str) else req.prompt
        results = model.sample(prompts, req.params(logprobs=bool(req.logprobs)))
        choices, flat = [], []
        for group in results:
            for c in group:
                lp = None
                if c.logprobs is not None:
                    lp = {"tokens": c.tokens, "token_logprobs": c.logprobs}
                choices.append(
                    {"index": len(choices), "text": c.text, "finish_reason": c.finish_reason, "logprobs": lp}
                )
                flat.append(c)
        return {
            "id": f"cmpl-{uuid.uuid4().hex[:12]}",
            "object": "text_completion",
            "created": int(time.time()),
            "model": name,
            "choices": choices,
            "usage": _usage(0, flat),
        }

    @app.post("/v1/chat/completions")
    def chat(req: ChatRequest) -> dict[str, Any]:
        check(req.model)
        messages = [
            {"role": m.get("role", "user"), "content": str(m.get("content") or "")} for m in req.messages
        ]
        group = model.sample([messages], req.params(logprobs=bool(req.logprobs)))[0]
        choices = []
        for i, c in enumerate(group):
            lp = None
            if c.logprobs is not None:
                lp = {
                    "content": [
                        {"token": t, "logprob": p, "bytes": None, "top_logprobs": []}
                        for t, p in zip(c.tokens or [], c.logprobs, strict=False)
                    ]
                }
            choices.append(
                {
                    "index": i,
                    "message": {"role": "assistant", "content": c.text},
                    "finish_reason": c.finish_reason,
                    "logprobs": lp,
                }
            )
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": name,
            "choices": choices,
            "usage": _usage(0, group),
        }

    return app


def serve(model: Model, host: str = "127.0.0.1", port: int = 8000, served_name: str | None = None) -> None:
    """Serve `model` until interrupted."""
    import uvicorn

    uvicorn.run(create_app(model, served_name), host=host, port=port, log_level="warning")


class BackgroundServer:
    """Run the server in a thread on loopback (port 0 = a free port); a context manager.

    Example: `with BackgroundServer(model) as url: get_model(f"openai:{url}#{model.info.name}")`
    """

    def __init__(self, model: Model, host: str = "127.0.0.1", port: int = 0, served_name: str | None = None):
        import socket

        import uvicorn

        if port == 0:
            with socket.socket() as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
        self.url = f"http://{host}:{port}/v1"
        config = uvicorn.Config(create_app(model, served_name), host=host, port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self._thread = None

    def __enter__(self) -> str:
        import threading

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
