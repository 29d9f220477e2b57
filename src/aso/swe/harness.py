"""Predictions files (SWE-bench's JSONL), the oracle-tests reward (`--oracle-tests`: the test patch applied
and FAIL_TO_PASS + PASS_TO_PASS as the reward; not leaderboard-comparable), and `evaluate_prediction`,
the earlier plain-pytest check with a given interpreter and exact test ids (no harness spec, no
environment; kept for `aso.executors.swe`; the faithful grading is `aso.swe.evaluation`).

That check follows the SWE-bench harness: apply the model patch to the base commit, then the test
patch (changes the model made to the test patch's files are dropped first, as the harness checks those
files out again), run the test patch's files with pytest in the sandbox, and call the instance
resolved when every FAIL_TO_PASS and PASS_TO_PASS test passes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from aso.errors import ConfigError
from aso.runs import atomic_write_text
from aso.sandbox import SandboxLimits
from aso.solve import TestReward, Workspace
from aso.swe.instances import Instance, test_files

PYTEST = ("python", "-m", "pytest", "-rA", "-p", "no:cacheprovider")


def prepare(instance: Instance, repo: str | Path, model_patch: str = "") -> Workspace:
    """A workspace of the pre-cloned `repo` at the base commit with `model_patch` (its changes to the
    test patch's files dropped), then the test patch."""
    ws = Workspace.create(repo, instance.base_commit)
    try:
        ws.apply_patch(without_files(model_patch, test_files(instance.test_patch)), "model_patch")
        ws.apply_patch(instance.test_patch, f"test_patch of {instance.instance_id}")
    except BaseException:
        ws.remove()
        raise
    return ws


def instance_reward(instance: Instance, python: str | None = None, timeout: float = 300.0) -> TestReward:
    """Runs the test patch's files; counts FAIL_TO_PASS + PASS_TO_PASS."""
    argv = [*PYTEST, *test_files(instance.test_patch)]
    limits = SandboxLimits(timeout_s=timeout, cpu_s=int(timeout))
    return TestReward(argv, expected=instance.tests, limits=limits, python=python)


def without_files(patch: str, paths: list[str]) -> str:
    """`patch` without the file sections of `paths`."""
    if not paths:
        return patch
    sections = re.split(r"(?m)^(?=diff --git )", patch)
    drop = {f"diff --git a/{p} b/" for p in paths}
    return "".join(s for s in sections if not any(s.startswith(d) for d in drop))


@dataclass
class EvalOutcome:
    """The evaluation of one prediction."""

    instance_id: str
    resolved: bool
    fail_to_pass: tuple[int, int] = (0, 0)
    """Passed, total."""
    pass_to_pass: tuple[int, int] = (0, 0)
    """Passed, total."""
    error: str = ""
    """Why it could not be run (e.g. the patch does not apply)."""
    failed: list[str] = field(default_factory=list)
    """Counted tests that did not pass (the first few)."""


def evaluate_prediction(
    instance: Instance, model_patch: str, cache: str | Path, python: str | None = None, timeout: float = 300.0
) -> EvalOutcome:
    """Apply `model_patch` and the test patch, run the tests in the sandbox, judge `resolved`."""
    repo = legacy_find_repo(cache, instance.repo)
    try:
        ws = prepare(instance, repo, model_patch)
    except ConfigError as exc:  # a patch that does not apply is an unresolved instance, not a user error
        return EvalOutcome(instance.instance_id, False, error=str(exc))
    with ws:
        run = instance_reward(instance, python, timeout).run(ws.path)
    results = dict(zip(instance.tests, run.verdict.outcomes, strict=True))
    f2p = sum(results[t] for t in instance.fail_to_pass)
    p2p = sum(results[t] for t in instance.pass_to_pass)
    failed = [t for t, ok in results.items() if not ok][:5]
    return EvalOutcome(
        instance.instance_id,
        bool(results) and all(results.values()),
        (f2p, len(instance.fail_to_pass)),
        (p2p, len(instance.pass_to_pass)),
        failed=failed,
    )


def append_prediction(path: str | Path, instance_id: str, model: str, patch: str, protocol: str = "") -> None:
    """Add (or replace) the prediction of `instance_id` in a SWE-bench predictions JSONL file (with the
    solving protocol, when given, as an extra field the harness ignores)."""
    path = Path(path)
    kept = [p for p in read_predictions(path) if p["instance_id"] != instance_id] if path.exists() else []
    pred = {"instance_id": instance_id, "model_name_or_path": model, "model_patch": patch}
    kept.append({**pred, "protocol": protocol} if protocol else pred)
    atomic_write_text(path, "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in kept))


def read_predictions(path: str | Path) -> list[dict]:
    """The predictions of a JSONL file; ConfigError naming the line that is not a prediction."""
    from aso.config_files import read_jsonl

    out = []
    for n, pred in read_jsonl(path, "predictions file"):
        if not isinstance(pred.get("instance_id"), str):
            raise ConfigError(f"{path}: line {n}: field 'instance_id' missing")
        if not isinstance(pred.get("model_patch") or "", str):
            raise ConfigError(f"{path}: line {n}: field 'model_patch' is not a string")
        out.append(pred)
    return out


def legacy_find_repo(cache: str | Path, repo: str) -> Path:
    """The pre-cloned `owner/name` in `cache`: `cache/owner__name`, `cache/name` or `cache/owner/name`."""
    cache = Path(cache)
    if not cache.is_dir():
        raise ConfigError(f"--repo-cache {cache}: not a directory")
    owner, _, name = repo.partition("/")
    options = [cache / f"{owner}__{name}", cache / name, cache / owner / name]
    for path in options:
        if (path / ".git").exists():
            return path
    looked = ", ".join(str(p) for p in options[:2])
    raise ConfigError(
        f"{repo}: not in the repo cache (looked for {looked}); the repositories must be pre-cloned there "
        "(this machine cannot clone)"
    )
