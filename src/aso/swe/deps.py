"""Dependencies the patched install needs that the environment lacks, fetched before the offline run.

The harness's eval script re-runs the spec's `install` (`pip install -e .`) on the patched copy, with
the network: a patch (or a base commit later than the environment's setup commit) that adds a
requirement gets it installed (pylint-dev__pylint-4661's gold patch adds `appdirs`). aso's test run
is offline, so this is done in two steps:

1. `missing_requirements`: the spec's install as a pip dry run (`PIP_DRY_RUN`, `PIP_REPORT`), in the
   sandbox with the network allowed, over the same run venv as the tests and, as the test run's
   install, without build isolation (an isolated build's own pip would inherit the variables and
   report the build requirements): pip's JSON report names what it would install; the project
   itself (a local directory) is left out; a failed dry run adds nothing.
2. `fetch_files`: those exact versions downloaded on the host (`pip download --no-deps`, resolved as of
   the environment's package date); `run_tests(wheels=...)` installs them before the install.

Only for environments built from the harness's specs (`base_tools`); offline `$ASO_SWE_SPECS`
environments skip it. An install that is not a pip command reports nothing to add.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from aso.sandbox import Sandbox, SandboxLimits, SandboxPolicy
from aso.swe.envs import Env, tool_env
from aso.swe.pipdate import packages_as_of, pip_cap_env
from aso.swe.testbed import overlay_lines

REPORT_MARK = ">>>>> aso pip report"
_SCRIPT = ".aso_deps.sh"


def deps_script(env: Env, as_of: str) -> str:
    """The sandbox script: the run venv, the spec's install as a dry run, the report after a mark."""
    cap = " ".join(f"{k}={shlex.quote(v)}" for k, v in pip_cap_env(as_of).items())
    lines = [
        *overlay_lines(env),
        f'export PIP_DRY_RUN=1 PIP_REPORT="$TMPDIR/aso-report.json" PIP_QUIET=1 PIP_RETRIES=1 {cap}'.rstrip(),
        "export PIP_NO_BUILD_ISOLATION=0 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_PROGRESS_BAR=off",
        *env.spec.eval_commands,
        env.spec.install,
        f'[ $? -eq 0 ] && echo {shlex.quote(REPORT_MARK)} && cat "$TMPDIR/aso-report.json" 2>/dev/null',
    ]
    return "\n".join(lines) + "\n"


def requirements_from_report(report: dict) -> list[str]:
    """`name==version` of what a pip `--report` would install, without local directories (the
    project itself; archives, even local ones, are kept)."""
    out = []
    for item in report.get("install", []):
        info = item.get("download_info", {})
        if "dir_info" in info:
            continue
        meta = item.get("metadata", {})
        if meta.get("name") and meta.get("version"):
            out.append(f"{meta['name']}=={meta['version']}")
    return sorted(out)


def missing_requirements(
    env: Env, root: str | Path, timeout: float = 600.0, scm_version: str | None = None
) -> tuple[list[str], str]:
    """What the spec's install on the copy `root` would add to `env` (pip's dry run, in the sandbox
    with the network; `scm_version` as for `run_tests`); (requirements, the run's output)."""
    if not env.spec.install.strip():
        return [], ""
    limits = SandboxLimits(timeout_s=timeout, cpu_s=int(timeout), memory_mb=8192, max_processes=256)
    policy = SandboxPolicy(python=str(env.python), readonly_paths=env.spec.site_dirs, network=True)
    script = {_SCRIPT: deps_script(env, packages_as_of())}
    extra = {"SETUPTOOLS_SCM_PRETEND_VERSION": scm_version} if scm_version else {}
    result = Sandbox(limits, policy).run(["bash", _SCRIPT], source_dir=root, files=script, env=extra)
    log = result.stdout + result.stderr
    if REPORT_MARK not in log:
        return [], log
    before, _, after = log.partition(REPORT_MARK)
    try:
        report = json.loads(after.strip() or "{}")
    except ValueError:
        return [], before
    return requirements_from_report(report), before


def fetch_files(
    env: Env, requirements: list[str], timeout: float = 600.0, index_args: Sequence[str] = ()
) -> tuple[dict[str, bytes], str]:
    """The distribution files of `requirements` (exact versions), downloaded on the host with the
    environment's pip (from PyPI, or `index_args` such as `--no-index --find-links DIR`);
    (file name -> content, pip's output)."""
    if not requirements:
        return {}, ""
    with tempfile.TemporaryDirectory(prefix="aso-deps-") as tmp:
        done = subprocess.run(
            [str(env.python), "-m", "pip", "download", "--no-deps", *index_args, "-d", tmp, *requirements],
            env=tool_env(env.venv, pip_cap_env(packages_as_of())),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        files = {p.name: p.read_bytes() for p in Path(tmp).iterdir() if p.is_file()}
    return files, done.stdout + done.stderr


def added_dependencies(
    env: Env, root: str | Path, scm_version: str | None = None
) -> tuple[dict[str, bytes], str]:
    """Both steps: the files to install before the offline run and a note for the test log."""
    if not env.spec.base_tools:
        return {}, ""
    reqs, out = missing_requirements(env, root, scm_version=scm_version)
    if not reqs:
        return {}, ""
    files, pip_out = fetch_files(env, reqs)
    note = f"aso: the install needs {', '.join(reqs)} (not in the environment); fetched: {', '.join(files)}"
    return files, note + ("" if files else f"\n{pip_out[-2000:]}")
