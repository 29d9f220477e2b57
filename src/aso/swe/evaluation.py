"""Evaluating one prediction as the official harness does, without Docker: a copy of the repository at
the base commit (its submodules filled, `aso.swe.repos.fill_submodules`; the environment build's
`.eggs`, `aso.swe.envs.copy_setup_eggs`) with the spec's `pre_install` edits, the model patch applied
with the harness's fallbacks (`git apply -v`, `git apply -v --reject`, `patch --batch --fuzz=5 -p1`;
its changes to the test patch's files dropped, as the harness checks those out again), then the test
patch; the requirements its re-run install would add fetched (`aso.swe.deps`: the harness's install
has the network, the test run has not); the eval script in the sandbox in the instance's
environment; the log graded by swebench's own `get_eval_report` with the repository's official
parser. The log is kept (`test_output.txt`)."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aso.errors import ConfigError
from aso.solve import Workspace
from aso.swe.deps import added_dependencies
from aso.swe.envs import Env, copy_setup_eggs, run_pre_install, scm_version
from aso.swe.harness import without_files
from aso.swe.instances import Instance, test_files
from aso.swe.metrics import files_hit, patch_similarity
from aso.swe.repos import fill_submodules
from aso.swe.specs import APPLY_PATCH_FAIL, grade, test_command
from aso.swe.testbed import run_tests

APPLY_COMMANDS = (
    ["git", "apply", "--verbose"],
    ["git", "apply", "--verbose", "--reject"],
    ["patch", "--batch", "--fuzz=5", "-p1"],
)


def apply_like_harness(root: Path, patch: str) -> tuple[bool, str]:
    """Apply `patch` in `root` with the harness's three commands in turn; (applied, output)."""
    if not patch.strip():
        return True, "empty patch"
    out = []
    for argv in APPLY_COMMANDS:
        done = subprocess.run(argv, cwd=root, input=patch.encode(), capture_output=True, check=False)
        out.append(f"$ {' '.join(argv)}\n{(done.stdout + done.stderr).decode(errors='replace')}")
        if done.returncode == 0:
            return True, "\n".join(out)
    return False, "\n".join(out)


def prepare_instance(
    instance: Instance, repo_git: Path, env: Env, model_patch: str, test_patch: bool = True
) -> tuple[Workspace, str]:
    """The working copy to test: base commit, pre_install, model patch, test patch. Returns the
    workspace and the apply log; the log starts with APPLY_PATCH_FAIL when the model patch does not
    apply (the workspace is then removed and None-like: callers check the marker)."""
    ws = Workspace.create(repo_git, instance.base_commit)
    notes: list[str] = []
    try:
        notes += fill_submodules(ws.path, repo_git, instance.repo, instance.base_commit)
        if eggs := copy_setup_eggs(env, ws.path):
            notes.append(eggs)
        run_pre_install(env.spec, ws.path, lambda what, out: notes.append(f"{what}\n{out}"))
        patch = without_files(model_patch, test_files(instance.test_patch))
        applied, out = apply_like_harness(ws.path, patch)
        notes.append(out)
        if not applied:
            return ws, f"{APPLY_PATCH_FAIL}\n" + "\n".join(notes)
        if test_patch:
            ws.apply_patch(instance.test_patch, f"test_patch of {instance.instance_id}")
    except BaseException:
        ws.remove()
        raise
    return ws, "\n".join(notes)


@dataclass(frozen=True)
class Evaluation:
    """The graded outcome of one prediction."""

    instance_id: str
    resolved: bool
    report: dict[str, Any]
    """swebench's per-instance report (patch_exists, patch_successfully_applied, resolved, tests_status)."""
    fail_to_pass: dict[str, list[str]]
    """success / failure lists."""
    pass_to_pass: dict[str, list[str]]
    patch_similarity: float
    localisation: dict[str, Any]
    seconds: float
    log: str
    """Path of the kept test log."""
    error: str = ""
    empty_patch: bool = False
    """An empty prediction: unresolved whatever its tests say, as the harness never runs it."""
    tests_resolved: bool = False
    """What the graded test log says (for an empty patch: whether the tests pass unpatched)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the run's events and report)."""
        return dict(self.__dict__)


def evaluate_instance(
    instance: Instance,
    model_patch: str | None,
    env: Env,
    repo_git: Path,
    log_dir: Path,
    timeout: float = 1800.0,
) -> Evaluation:
    """Apply, test, grade one prediction; the test log goes to `log_dir/test_output.txt`, the
    official report to `log_dir/report.json`."""
    started = time.monotonic()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / "test_output.txt"
    patch = model_patch or ""
    ws, notes = prepare_instance(instance, repo_git, env, patch)
    with ws:
        if notes.startswith(APPLY_PATCH_FAIL):
            log_path.write_text(notes)
        else:
            version = scm_version(repo_git, instance.base_commit)
            wheels, deps_note = added_dependencies(env, ws.path, version)
            run = run_tests(
                env, ws.path, test_command(instance), timeout=timeout, scm_version=version, wheels=wheels
            )
            timeout_note = f"\n>>>>> Tests Timed Out after {timeout:.0f} s\n" if run.timed_out else ""
            log_path.write_text("\n".join([notes, deps_note, run.log]) + timeout_note)
    report = grade(instance, model_patch, log_path)
    (log_dir / "report.json").write_text(json.dumps({instance.instance_id: report}, indent=2))
    status = report.get("tests_status", {})
    empty = {"success": [], "failure": list(instance.fail_to_pass)}
    error = "" if report["patch_successfully_applied"] else "patch does not apply or the tests did not run"
    return Evaluation(
        instance.instance_id,
        bool(report["resolved"]) and bool(patch),
        report,
        status.get("FAIL_TO_PASS", empty),
        status.get("PASS_TO_PASS", {"success": [], "failure": list(instance.pass_to_pass)}),
        patch_similarity(patch, instance.patch),
        files_hit(patch, instance.patch),
        round(time.monotonic() - started, 1),
        str(log_path),
        error,
        not patch,
        bool(report["resolved"]),
    )


def run_report(results: list[dict[str, Any]], submitted: list[str], total: int) -> dict[str, Any]:
    """The official harness's run report (`make_run_report` keys) over per-instance results."""
    if not submitted:
        raise ConfigError("no predictions to evaluate")
    done = {r["instance_id"]: r for r in results}
    resolved = [i for i in submitted if i in done and done[i]["resolved"]]
    empty = [i for i in submitted if i in done and done[i].get("empty_patch")]
    errors = [
        i
        for i in submitted
        if i in done and not done[i]["report"].get("patch_successfully_applied") and i not in empty
    ]
    unresolved = [
        i for i in submitted if i in done and i not in resolved and i not in errors and i not in empty
    ]
    return {
        "total_instances": total,
        "submitted_instances": len(submitted),
        "completed_instances": len(resolved) + len(unresolved),
        "resolved_instances": len(resolved),
        "unresolved_instances": len(unresolved),
        "empty_patch_instances": len(empty),
        "error_instances": len(errors),
        "completed_ids": sorted(resolved + unresolved),
        "incomplete_ids": sorted(i for i in submitted if i not in done),
        "empty_patch_ids": sorted(empty),
        "submitted_ids": sorted(submitted),
        "resolved_ids": sorted(resolved),
        "unresolved_ids": sorted(unresolved),
        "error_ids": sorted(errors),
        "schema_version": 2,
    }
