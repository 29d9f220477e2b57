"""The server: `/v1/models`, `/v1/completions`, `/v1/chat/completions` (no streaming), `/health`, `/metrics`.

Each request passes, in order: body size (413), API key (401; without keys only loopback clients, 403),
rate limit (429 + `Retry-After`), daily token quota (429), body validation (422), model name (404),
request size (413), the bounded queue (503 + `Retry-After`). The model runs on the scheduler's one
worker thread (`aso.serve.scheduler`); an upstream endpoint's failure is a 502, a user error a 400.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aso.errors import AsoError, EndpointError
from aso.models import Completion, Model, Prompt, SamplingParams, prompt_text
from aso.serve.config import ServeConfig
from aso.serve.keys import KeyStore, is_loopback
from aso.serve.limits import QuotaStore, RateLimiter, seconds_to_utc_midnight
from aso.serve.metrics import Metrics
from aso.serve.scheduler import BatchScheduler, QueueFull

log = logging.getLogger("aso.serve")


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

    prompt: str | list[str] = Field(min_length=1)
    logprobs: int | None = None


class ChatMessageIn(BaseModel):
    """One chat message of a request."""

    model_config = ConfigDict(extra="ignore")

    role: str = "user"
    content: str | None = ""


class ChatRequest(_SamplingRequest):
    """Body of POST /v1/chat/completions."""

    messages: list[ChatMessageIn] = Field(min_length=1)
    logprobs: bool | None = None


class HTTPError(Exception):
    """An answer other than 200: status, message, extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def _error_response(exc: HTTPError) -> JSONResponse:
    kind = "invalid_request_error" if exc.status < 500 else "server_error"
    body = {"error": {"message": exc.message, "type": kind, "code": exc.status}, "detail": exc.message}
    return JSONResponse(body, status_code=exc.status, headers=exc.headers)


class Guard:
    """Keys, rate limits and quotas of one server."""

    def __init__(self, config: ServeConfig, keys: KeyStore) -> None:
        self.config, self.keys = config, keys
        self.rate = RateLimiter(config.requests_per_minute, config.burst)
        self.quota = QuotaStore(config.tokens_per_day, config.quota_db)

    def client(self, request: Request) -> str:
        """The key's name (401/403 otherwise), after the rate limit and the quota (429)."""
        if self.keys:
            auth = request.headers.get("authorization", "")
            token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
            name = self.keys.name_of(token)
            if name is None:
                raise HTTPError(401, "missing or invalid API key", {"WWW-Authenticate": "Bearer"})
        else:
            host = request.client.host if request.client else None
            if not is_loopback(host):
                raise HTTPError(403, "this server has no API keys and answers loopback clients only")
            name = "anonymous"
        wait = self.rate.acquire(name)
        if wait > 0:
            raise HTTPError(
                429,
                f"rate limit: {self.config.requests_per_minute:g} requests/min",
                {"Retry-After": str(max(1, math.ceil(wait)))},
            )
        if self.quota.spent(name):
            raise HTTPError(
                429,
                f"daily token quota of {self.config.tokens_per_day} spent",
                {"Retry-After": str(max(1, math.ceil(seconds_to_utc_midnight())))},
            )
        return name


def _count_prompt_tokens(model: Model, prompt: Prompt) -> int:
    encode = getattr(model, "encode", None)
    if callable(encode):
        return len(encode(prompt))
    return max(1, math.ceil(len(prompt_text(prompt)) / 4))  # no tokenizer: ~4 characters a token


def _completion_tokens(c: Completion) -> int:
    return c.n_tokens or math.ceil(len(c.text) / 4)


def create_app(
    model: Model,
    served_name: str | None = None,
    config: ServeConfig | None = None,
    keys: KeyStore | None = None,
) -> FastAPI:
    """Build the FastAPI app serving `model` under `served_name` (default: its name)."""
    name = served_name or model.info.name
    config = config or ServeConfig()
    guard = Guard(config, keys or KeyStore())
    scheduler = BatchScheduler(model, config.queue_size, config.batching, config.max_batch_prompts)
    metrics = Metrics()
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI):
        yield
        scheduler.close()
        guard.quota.close()

    app = FastAPI(title="aso serve", version="1", lifespan=lifespan)
    app.state.scheduler, app.state.guard, app.state.metrics = scheduler, guard, metrics

    @app.middleware("http")
    async def _observe(request: Request, call_next):
        start = time.monotonic()
        response = await call_next(request)
        metrics.observe(request.url.path, response.status_code, time.monotonic() - start)
        return response

    async def run(request: Request, body_type: type[BaseModel], prompts_of, respond) -> JSONResponse:
        try:
            declared = request.headers.get("content-length") or "0"
            declared = int(declared) if declared.isdigit() else 0  # the body read below is checked too
            if declared > config.max_body_bytes:
                raise HTTPError(413, f"request body over {config.max_body_bytes} bytes")
            client = guard.client(request)
            raw = await request.body()
            if len(raw) > config.max_body_bytes:
                raise HTTPError(413, f"request body over {config.max_body_bytes} bytes")
            try:
                req = body_type.model_validate_json(raw)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first.get("loc", ())) or "body"
                raise HTTPError(422, f"{where}: {first.get('msg', 'invalid')}") from None
            if req.model and req.model != name:
                raise HTTPError(404, f"model {req.model!r} not found; this server has {name!r}")
            prompts = prompts_of(req)
            if len(prompts) > config.max_prompts:
                raise HTTPError(413, f"{len(prompts)} prompts in one request; at most {config.max_prompts}")
            requested = len(prompts) * req.n * req.max_tokens
            if requested > config.max_requested_tokens:
                raise HTTPError(
                    413,
                    f"prompts x n x max_tokens = {requested}; at most "
                    f"{config.max_requested_tokens} per request",
                )
            try:
                prompt_tokens = sum(_count_prompt_tokens(model, p) for p in prompts)
            except AsoError as exc:
                raise HTTPError(400, str(exc)) from None
            try:
                future = scheduler.submit(prompts, req.params(logprobs=bool(req.logprobs)))
            except QueueFull as exc:
                raise HTTPError(503, f"server busy: {exc}", {"Retry-After": "1"}) from None
            try:
                results = await asyncio.wrap_future(future)
            except EndpointError as exc:
                log.warning("upstream failure: %s", exc)
                raise HTTPError(502, f"upstream model failed: {exc}") from None
            except AsoError as exc:
                raise HTTPError(400, str(exc)) from None
            except QueueFull as exc:
                raise HTTPError(503, str(exc), {"Retry-After": "1"}) from None
            flat = [c for group in results for c in group]
            completion_tokens = sum(_completion_tokens(c) for c in flat)
            guard.quota.add(client, prompt_tokens + completion_tokens)
            metrics.count_tokens(prompt_tokens, completion_tokens)
            usage = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            }
            return JSONResponse(respond(req, results, usage))
        except HTTPError as exc:
            return _error_response(exc)

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "model": name, "queue": scheduler.depth, "queue_size": config.queue_size}

    @app.get("/metrics")
    def metrics_text(request: Request) -> PlainTextResponse:
        try:
            if guard.keys:
                guard.client(request)
        except HTTPError as exc:
            return _error_response(exc)
        gauges = {
            "aso_queue_depth": ("Requests waiting for the model.", scheduler.depth),
            "aso_model_calls_total": ("model.sample calls made.", scheduler.calls),
            "aso_batched_requests_total": ("Requests that shared a model call.", scheduler.batched_requests),
        }
        return PlainTextResponse(metrics.render(gauges), media_type="text/plain; version=0.0.4")

    @app.get("/v1/models")
    def models(request: Request) -> Any:
        try:
            guard.client(request)
        except HTTPError as exc:
            return _error_response(exc)
        return {
            "object": "list",
            "data": [{"id": name, "object": "model", "owned_by": "aso", "identity": model.info.identity}],
        }

    def completion_body(req: CompletionRequest, results: list[list[Completion]], usage: dict) -> dict:
        choices = []
        for group in results:
            for c in group:
                lp = {"tokens": c.tokens, "token_logprobs": c.logprobs} if c.logprobs is not None else None
                choices.append(
                    {"index": len(choices), "text": c.text, "finish_reason": c.finish_reason, "logprobs": lp}
                )
        return {
            "id": f"cmpl-{uuid.uuid4().hex[:12]}",
            "object": "text_completion",
            "created": int(time.time()),
            "model": name,
            "choices": choices,
            "usage": usage,
        }

    def chat_body(req: ChatRequest, results: list[list[Completion]], usage: dict) -> dict:
        choices = []
        for i, c in enumerate(results[0]):
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
            "usage": usage,
        }

    @app.post("/v1/completions")
    async def completions(request: Request) -> JSONResponse:
        return await run(
            request,
            CompletionRequest,
            lambda r: [r.prompt] if isinstance(r.prompt, str) else list(r.prompt),
            completion_body,
        )

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> JSONResponse:
        def prompts_of(r: ChatRequest) -> list[Prompt]:
            return [[{"role": m.role, "content": str(m.content or "")} for m in r.messages]]

        return await run(request, ChatRequest, prompts_of, chat_body)

    return app
