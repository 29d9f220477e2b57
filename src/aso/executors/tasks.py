"""The tasks aso fans out to workers. Each takes a JSON payload and returns a JSON-ready value.

- `sample`: `{"model": NAME, "prompts": [...], "params": {SamplingParams fields}}` ->
  `[[{"text", "finish_reason", "n_tokens"}, ...] per prompt]`; the model loads once per worker.
- `humaneval_verdict`: `{"task_id": "HumanEval/0", "answer": TEXT, "timeout_s": 10}` ->
  `{"reward", "outcomes", "feedback", "solved"}`: the answer's tests run in `aso.sandbox`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aso.executors.worker import worker_model

_REWARDS: dict[float, Any] = {}


def sampling_params_json(params: Any) -> dict[str, Any]:
    """A `SamplingParams` as a JSON-ready payload field."""
    data = asdict(params)
    data["stop"] = list(data["stop"])
    return data


def sample(payload: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Sample completions for the payload's prompts with the worker's model."""
    from aso.models import SamplingParams

    fields = dict(payload.get("params") or {})
    fields["stop"] = tuple(fields.get("stop") or ())
    params = SamplingParams(**fields)
    model = worker_model(payload.get("model"))
    groups = model.sample(list(payload["prompts"]), params)
    return [
        [{"text": c.text, "finish_reason": c.finish_reason, "n_tokens": c.n_tokens} for c in group]
        for group in groups
    ]


def humaneval_verdict(payload: dict[str, Any]) -> dict[str, Any]:
    """Run one HumanEval answer's tests in the sandbox (problems and sandbox kept per worker)."""
    from aso.humaneval.data import load_problems
    from aso.humaneval.scoring import HumanEvalReward

    timeout = float(payload.get("timeout_s", 10.0))
    reward = _REWARDS.get(timeout)
    if reward is None:
        reward = _REWARDS[timeout] = HumanEvalReward(timeout_s=timeout)
    problem = load_problems()[payload["task_id"]]
    verdict = reward.verdict(problem, payload["answer"])
    outcomes = [bool(o) for o in verdict.outcomes]
    return {
        "reward": verdict.reward,
        "outcomes": outcomes,
        "feedback": verdict.feedback,
        "solved": bool(outcomes) and all(outcomes),
    }
