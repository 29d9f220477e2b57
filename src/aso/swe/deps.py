"""Dependencies the patched install needs that the environment lacks, fetched before the offline run.

The harness's eval script re-runs the spec's `install` (`pip install -e .`) on the patched copy, with
the network: a patch (or a base commit later than the environment's setup commit) that adds a
requirement gets it installed (pylint-dev__pylint-4661's gold patch adds `appdirs`). aso's test run
is offline, so this is done in two steps:

1. `missing_requirements`, in two sandboxed runs so that the patched project's code never runs with
   the network: (a) the spec's install as a pip dry run with `--no-deps` and no index (`PIP_DRY_RUN`,
   `PIP_REPORT`, `PIP_NO_DEPS`, `PIP_NO_INDEX`), offline, over the same run venv as the tests and, as
   the test run's install, without build isolation (an isolated build's own pip would inherit the
   variables): pip's JSON report gives the project's `requires_dist` and requested extras; (b) a
   fixed script of ours, with the network and without the project, keeps the requirements whose
   markers hold in the environment's interpreter (for the requested extras), re-spells each from its
   parsed name, extras and specifier (URL requirements are refused) and resolves them with a pip dry
   run: its report names what would be added (PyPI packages, built as when an environment is built).
   A failed run adds nothing.
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
from aso.swe.testbed import harness_pip, install_lines, overlay_lines

REPORT_MARK = ">>>>> aso pip report"
_SCRIPT = ".aso_deps.sh"


_RESOLVE = ".aso_resolve.py"
_RESOLVE_CODE = r"""
import json, subprocess, sys
from pip._vendor.packaging.requirements import InvalidRequirement, Requirement

doc = json.load(open(sys.argv[1]))
extras = [""] + list(doc.get("extras", []))
keep = []
for text in doc["requires"]:
    try:
        req = Requirement(text)
    except InvalidRequirement:
        print("aso: not a requirement, skipped:", repr(text)); continue
    if req.url:
        print("aso: a URL requirement is not fetched:", req.name); continue
    if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in extras):
        continue
    extra_part = "[" + ",".join(sorted(req.extras)) + "]" if req.extras else ""
    keep.append(req.name + extra_part + str(req.specifier))
if not keep:
    print(REPORT_MARK); print("{}"); sys.exit(0)
cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--report", sys.argv[2], *sys.argv[3:]]
cmd += keep
if subprocess.run(cmd).returncode == 0:
    print(REPORT_MARK); print(open(sys.argv[2]).read())
"""


def deps_script(env: Env, pip_dir: str | None = None) -> str:
    """The offline sandbox script: the run venv, the spec's install as a `--no-deps` dry run without an
    index (with the pip of `pip_dir`, as the test run's install), the report after a mark."""
    lines = [
        *overlay_lines(env),
        'export PIP_DRY_RUN=1 PIP_REPORT="$TMPDIR/aso-report.json" PIP_QUIET=1 PIP_NO_DEPS=1 PIP_NO_INDEX=1',
        "export PIP_NO_BUILD_ISOLATION=0 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_PROGRESS_BAR=off",
        *env.spec.eval_commands,
        *install_lines(env.spec.install, pip_dir),
        f'[ $? -eq 0 ] && echo {shlex.quote(REPORT_MARK)} && cat "$TMPDIR/aso-report.json" 2>/dev/null',
    ]
    return "\n".join(lines) + "\n"


def resolve_script(env: Env, as_of: str, index_args: Sequence[str] = ()) -> str:
    """The networked sandbox script (no project files): our resolver over `requires.json`."""
    cap = " ".join(f"{k}={shlex.quote(v)}" for k, v in pip_cap_env(as_of).items())
    args = " ".join(shlex.quote(a) for a in index_args)
    lines = [
        *overlay_lines(env),
        f"export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_PROGRESS_BAR=off PIP_RETRIES=1 {cap}".rstrip(),
        f'python {_RESOLVE} requires.json "$TMPDIR/aso-resolve.json" {args}'.rstrip(),
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


def project_requirements(report: dict) -> tuple[list[str], list[str]]:
    """(`requires_dist`, requested extras) of the local project(s) in a `--no-deps` pip report."""
    requires: list[str] = []
    extras: list[str] = []
    for item in report.get("install", []):
        if "dir_info" in item.get("download_info", {}):
            requires += [str(r) for r in item.get("metadata", {}).get("requires_dist", []) or []]
            extras += [str(e) for e in item.get("requested_extras", []) or []]
    return requires, extras


def _report_after_mark(log: str) -> dict | None:
    if REPORT_MARK not in log:
        return None
    try:
        doc = json.loads(log.partition(REPORT_MARK)[2].strip() or "{}")
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def missing_requirements(
    env: Env,
    root: str | Path,
    timeout: float = 600.0,
    scm_version: str | None = None,
    index_args: Sequence[str] = (),
) -> tuple[list[str], str]:
    """What the spec's install on the copy `root` would add to `env` (module doc: the project's metadata
    offline, then its requirements resolved with the network without the project; `scm_version` as for
    `run_tests`; `index_args` for pip, e.g. a local index); (requirements, the runs' output)."""
    if not env.spec.install.strip():
        return [], ""
    limits = SandboxLimits(timeout_s=timeout, cpu_s=int(timeout), memory_mb=8192, max_processes=256)
    offline = SandboxPolicy(python=str(env.python), readonly_paths=env.spec.site_dirs, network=False)
    extra = {"SETUPTOOLS_SCM_PRETEND_VERSION": scm_version} if scm_version else {}
    pip_dir = harness_pip(env)
    script = {_SCRIPT: deps_script(env, pip_dir and str(pip_dir))}
    first = Sandbox(limits, offline).run(["bash", _SCRIPT], source_dir=root, files=script, env=extra)
    log = first.stdout + first.stderr
    report = _report_after_mark(log)
    if report is None:
        return [], log
    requires, extras = project_requirements(report)
    if not requires:
        return [], log
    networked = SandboxPolicy(python=str(env.python), readonly_paths=env.spec.site_dirs, network=True)
    files = {
        _SCRIPT: resolve_script(env, packages_as_of(), index_args),
        _RESOLVE: _RESOLVE_CODE.replace("REPORT_MARK", repr(REPORT_MARK)),
        "requires.json": json.dumps({"requires": requires, "extras": extras}),
    }
    with tempfile.TemporaryDirectory(prefix="aso-resolve-") as empty:
        second = Sandbox(limits, networked).run(["bash", _SCRIPT], source_dir=empty, files=files)
    log = log.partition(REPORT_MARK)[0] + second.stdout.partition(REPORT_MARK)[0] + second.stderr
    resolved = _report_after_mark(second.stdout)
    if resolved is None:
        return [], log
    return requirements_from_report(resolved), log


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
