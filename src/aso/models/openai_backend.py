"""Any OpenAI-compatible endpoint (vLLM, llama.cpp server, LM Studio, Ollama `/v1`, `aso serve`).

Uses the official `openai` client with its timeouts, a client-side rate limit and our own bounded retries:
a 429 waits the server's `Retry-After` (at most `max_retry_wait_s`, else it fails at once naming the wait),
a connection error or a 5xx backs off exponentially; `max_retries` retries in all. Servers
that ignore `n` (Ollama, llama.cpp) are asked again until `n` completions are in hand. This backend
samples only: it has no next-token scoring, so PoE decoding falls back to prompt-level priors with it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence

import openai

from aso.errors import EndpointError
from aso.models.base import Completion, ModelInfo, Prompt, SamplingParams
from aso.models.names import ModelRef, model_identity


class RateLimiter:
    """At most `rate` calls per second across threads (a simple spacing limiter); rate <= 0 disables it."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next call is allowed."""
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            time.sleep(delay)


def retry_after_seconds(headers) -> float | None:  # noqa: ANN001 - any mapping of HTTP headers
    """Seconds a `Retry-After` (or `retry-after-ms`) header asks to wait; None when absent or unreadable
    (an HTTP date counts from now)."""
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class OpenAIModel:
    """A model served behind an OpenAI-compatible HTTP API."""

    def __init__(
        self,
        ref: ModelRef,
        timeout: float = 120.0,
        max_retries: int = 3,
        requests_per_second: float = 0.0,
        api_key: str | None = None,
        max_retry_wait_s: float = 60.0,
    ) -> None:
        self.ref = ref
        self.max_retries = max_retries
        self.max_retry_wait_s = max_retry_wait_s
        self.info = ModelInfo(
            name=ref.name,
            backend="openai",
            location=ref.location,
            identity=model_identity(ref),
            details={"model": ref.model_id},
        )
        self.client = openai.OpenAI(
            base_url=ref.location,
            api_key=api_key or os.environ.get("OPENAI_API_KEY") or "EMPTY",
            timeout=timeout,
            max_retries=0,  # retries are ours (`_with_retries`): Retry-After honoured, bounded
        )
        self.limiter = RateLimiter(requests_per_second)

    def check(self) -> None:
        """Ask the endpoint for its models (no generation): EndpointError when it cannot be reached, or
        when it lists models and `model_id` is not among them (an Ollama `name:tag` counts for `name`)."""
        try:
            served = [m.id for m in self.client.with_options(max_retries=0).models.list()]
        except openai.APIStatusError as exc:
            if exc.status_code in (404, 405, 501):
                return  # a server without /models: sampling will tell
            raise self._error(exc) from exc
        except openai.APIConnectionError as exc:
            raise self._error(exc) from exc
        want = self.ref.model_id
        if served and not any(s == want or s.startswith(want + ":") for s in served):
            listed = ", ".join(served[:8]) + (", ..." if len(served) > 8 else "")
            raise EndpointError(
                f"endpoint {self.ref.location} does not serve model {want!r} (it serves {listed})"
            )

    def sample(self, prompts: Sequence[Prompt], params: SamplingParams) -> list[list[Completion]]:
        """For each prompt, `params.n` completions (chat prompts use /chat/completions)."""
        results = []
        for i, prompt in enumerate(prompts):
            seed = None if params.seed is None else params.seed + i
            got: list[Completion] = []
            while len(got) < params.n:
                got.extend(self._call(prompt, params, params.n - len(got), seed))
                seed = None if seed is None else seed + 1000
            results.append(got[: params.n])
        return results

    def _call(self, prompt: Prompt, params: SamplingParams, n: int, seed: int | None) -> list[Completion]:
        common = dict(
            model=self.ref.model_id,
            n=n,
            temperature=params.temperature,
            top_p=params.top_p,
            max_tokens=params.max_tokens,
            stop=list(params.stop) or None,
            seed=seed,
        )
        if isinstance(prompt, str):
            resp = self._with_retries(
                lambda: self.client.completions.create(
                    prompt=prompt, logprobs=1 if params.logprobs else None, **common
                )
            )
            return [self._from_text_choice(c) for c in resp.choices]
        resp = self._with_retries(
            lambda: self.client.chat.completions.create(
                messages=prompt, logprobs=params.logprobs or None, **common
            )
        )
        return [self._from_chat_choice(c) for c in resp.choices]

    def _with_retries(self, request):  # noqa: ANN001, ANN202 - a zero-argument call and its response
        """Call `request`, retrying a 429 after its `Retry-After` and a connection error or 5xx after a
        backoff, `max_retries` times at most; then the one-line `EndpointError`."""
        for attempt in range(self.max_retries + 1):
            self.limiter.wait()
            try:
                return request()
            except openai.RateLimitError as exc:
                wait = retry_after_seconds(exc.response.headers) if exc.response is not None else None
                wait = 2.0**attempt if wait is None else wait
                if attempt == self.max_retries or wait > self.max_retry_wait_s:
                    raise EndpointError(
                        f"endpoint {self.ref.location} is rate limiting (429) after {attempt + 1} "
                        f"attempt(s); it asks to retry after {wait:g} s"
                    ) from exc
            except (openai.APIConnectionError, openai.InternalServerError) as exc:
                if attempt == self.max_retries:
                    raise self._error(exc) from exc
                wait = min(0.5 * 2.0**attempt, self.max_retry_wait_s)
            except openai.APIStatusError as exc:
                raise self._error(exc) from exc
            time.sleep(wait)
        raise AssertionError("unreachable")

    def _error(self, exc: openai.APIConnectionError | openai.APIStatusError) -> EndpointError:
        """The one-line `EndpointError` for a failed request: unreachable, or the status and its detail."""
        if isinstance(exc, openai.APIStatusError):
            body = exc.body.get("detail", exc.body) if isinstance(exc.body, dict) else exc.message
            detail = str(body).splitlines()[0][:200]
            return EndpointError(f"endpoint {self.ref.location} answered {exc.status_code}: {detail}")
        return EndpointError(f"cannot reach endpoint {self.ref.location}: {exc.__class__.__name__}")

    @staticmethod
    def _from_text_choice(choice) -> Completion:
        lp = getattr(choice, "logprobs", None)
        tokens = list(lp.tokens) if lp and lp.tokens else None
        logprobs = [float(x) for x in lp.token_logprobs] if lp and lp.token_logprobs else None
        return Completion(
            text=choice.text or "",
            finish_reason=choice.finish_reason or "stop",
            tokens=tokens,
            logprobs=logprobs,
            n_tokens=len(tokens or []),
        )

    @staticmethod
    def _from_chat_choice(choice) -> Completion:
        lp = getattr(choice, "logprobs", None)
        content = lp.content if lp and lp.content else None
        return Completion(
            text=choice.message.content or "",
            finish_reason=choice.finish_reason or "stop",
            tokens=[t.token for t in content] if content else None,
            logprobs=[float(t.logprob) for t in content] if content else None,
            n_tokens=len(content or []),
        )
