"""Predictions files (SWE-bench's JSONL) and the oracle-tests working copy (`--oracle-tests`: the model
patch, its changes to the test patch's files dropped as the harness checks those files out again, then
the test patch). Grading is `aso.swe.evaluation`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from aso.errors import ConfigError
from aso.runs import atomic_write_text
from aso.solve import Workspace
from aso.swe.instances import Instance, test_files
from aso.swe.repos import fill_submodules


def prepare(instance: Instance, repo: str | Path, model_patch: str = "") -> Workspace:
    """A workspace of the pre-cloned `repo` at the base commit (its submodules filled) with
    `model_patch` (its changes to the test patch's files dropped), then the test patch."""
    ws = Workspace.create(repo, instance.base_commit)
    try:
        fill_submodules(ws.path, Path(repo), instance.repo, instance.base_commit)
        ws.apply_patch(without_files(model_patch, test_files(instance.test_patch)), "model_patch")
        ws.apply_patch(instance.test_patch, f"test_patch of {instance.instance_id}")
    except BaseException:
        ws.remove()
        raise
    return ws


def without_files(patch: str, paths: list[str]) -> str:
    """`patch` without the file sections of `paths`."""
    if not paths:
        return patch
    sections = re.split(r"(?m)^(?=diff --git )", patch)
    drop = {f"diff --git a/{p} b/" for p in paths}
    return "".join(s for s in sections if not any(s.startswith(d) for d in drop))


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
