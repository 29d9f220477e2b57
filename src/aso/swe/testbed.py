"""Running an instance's tests in the sandbox, as the harness's eval script does, in the instance's
environment: inside the run, a throw-away venv of the environment's Python sees the environment's
site-packages (a `.pth` that calls `site.addsitedir`), its console scripts are re-pointed at it, the
spec's `eval_commands` and `install` run there (offline: no index, no dependencies, no build
isolation; the cached environment itself stays read-only), then the test command between the
harness's markers. The whole output is the test log the official parser reads.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aso.sandbox import Sandbox, SandboxLimits, SandboxPolicy
from aso.swe.envs import Env, dated_pip, env_status
from aso.swe.services import (
    LocalService,
    readonly_paths,
    service_python,
    service_version,
    services_for,
    start_lines,
)
from aso.swe.specs import END_TEST_OUTPUT, START_TEST_OUTPUT

CANNOT_START = "aso-sandbox: cannot start"
"""The sandbox's line for a command (or interpreter) that could not be executed."""
_SCRIPT = ".aso_eval.sh"
WHEEL_DIR = ".aso_wheels"
"""Where `run_tests(wheels=...)` writes the dependency files in the copy (moved out before the tests)."""
PYTHON_WRAPPER = (
    'mv "$V/bin/python" "$V/bin/.aso-python"',
    'printf \'#!/bin/bash\\nexec -a "%s" "%s" "$@"\\n\' '
    '"$V/bin/python" "$V/bin/.aso-python" > "$V/bin/python"',
    'chmod +x "$V/bin/python"',
)
"""The run venv's `python` becomes a script that starts the interpreter under its own venv path, so a
symlink to `sys.executable` made elsewhere still runs in the venv. tox-current-env (sphinx's test
command, `tox --current-env`) links `.tox/py39/bin/python` to `sys.executable`; in the harness's
conda env that resolves to a real prefix, but a venv's python symlinked from another directory finds
no `pyvenv.cfg` there and starts as the bare base interpreter (`No module named pytest`)."""


def harness_pip(env: Env) -> Path | None:
    """pip as of the environment's package date (`aso.swe.envs.dated_pip`; None for offline specs or
    no date). The per-run install uses it, as the harness's env had it: pip before 25.1 installs a
    setup.py-only project in editable mode with `setup.py develop` (the checkout goes on sys.path),
    pip 25.1+ with a PEP 660 import hook that keeps the checkout off sys.path (pylint 2.9's
    `register_plugins` then loads no checker)."""
    as_of = env_status(env.spec, env.path.parent).get("as_of", "")
    if not env.spec.base_tools or not as_of:
        return None
    return dated_pip(env.venv, as_of)


WORK_DIR_BASE = "/var/tmp"
"""Where a test run's copy of the instance is made: outside /tmp, where TMPDIR (and pytest's
basetemp) is, so that the two lie under different top-level directories as the harness's /testbed and
/tmp do (sphinx-doc__sphinx-11510's test reads a docname that docutils makes relative to the current
directory only when the first path components match)."""


class TestbedError(Exception):
    """The tests could not be started at all (not a verdict on the patch)."""

    __test__ = False


def overlay_lines(env: Env) -> list[str]:
    """The script lines that make the run venv `$V` over `env` and put it first on PATH."""
    bin_dir = str(env.venv / "bin")
    return [
        "#!/bin/bash",
        "set -uo pipefail",
        "exec 2>&1",
        'V="$TMPDIR/aso-venv"',
        f'{shlex.quote(env.base_python)} -m venv --without-pip "$V" || '
        '{ echo "aso-testbed: cannot create the run venv"; exit 3; }',
        *PYTHON_WRAPPER,
        'SP=$("$V/bin/python" -c "import sysconfig; print(sysconfig.get_paths()[\'purelib\'])")',
        f'echo "import site; site.addsitedir({env.site_packages!r})" > "$SP/_aso_env.pth"',
        f"for f in {shlex.quote(bin_dir)}/*; do",
        '  n=$(basename "$f"); [ -f "$f" ] && [ ! -L "$f" ] || continue',
        '  case "$n" in python*|activate*) continue;; esac',
        f"  if head -n1 \"$f\" | grep -q '^#!{bin_dir}/python'; then",
        '    { echo "#!$V/bin/python"; tail -n +2 "$f"; } > "$V/bin/$n"; chmod +x "$V/bin/$n"',
        "  fi",
        "done",
        f'export VIRTUAL_ENV="$V" PATH="$V/bin:{bin_dir}:$PATH"',
    ]


def install_lines(install: str, pip_dir: str | None) -> list[str]:
    """The script lines that run the spec's `install`, with the pip of `pip_dir` (`harness_pip`) first
    on PYTHONPATH when given; `$?` after them is the install's exit code."""
    if not pip_dir:
        return [install]
    path = f"{shlex.quote(pip_dir)}${{PYTHONPATH:+:$PYTHONPATH}}"
    return [f"( export PYTHONPATH={path}", install, ")"]


def eval_script(
    env: Env,
    test_cmd: str,
    install: bool = True,
    wheels: bool = False,
    pip_dir: str | None = None,
    services: Sequence[str] = (),
) -> str:
    """The bash script run in the sandbox's copy of the instance. `wheels`: install the files of
    WHEEL_DIR (dependencies the patched install needs that the environment lacks) first; `pip_dir`:
    the pip the install runs with (`harness_pip`), else the environment's; `services`:
    lines that start local services before the tests (`aso.swe.services.start_lines`)."""
    spec = env.spec
    lines = [
        *overlay_lines(env),
        "export PIP_NO_INDEX=1 PIP_NO_DEPS=1 PIP_NO_BUILD_ISOLATION=0 PIP_DISABLE_PIP_VERSION_CHECK=1",
        *spec.eval_commands,
    ]
    if wheels:
        lines += [
            f'W="$TMPDIR/aso-wheels"; mkdir -p "$W"; mv {WHEEL_DIR}/* "$W"/; rmdir {WHEEL_DIR}',
            'python -m pip install "$W"/*',
        ]
    if install and spec.install:
        lines += install_lines(spec.install, pip_dir)
    lines += [*services, f"echo {shlex.quote(START_TEST_OUTPUT)}", test_cmd]
    lines += [f"echo {shlex.quote(END_TEST_OUTPUT)}"]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class TestbedRun:
    """One run of an instance's tests."""

    __test__ = False
    log: str
    """The whole output (stdout and stderr merged)."""
    exit_code: int
    timed_out: bool
    seconds: float


def run_tests(
    env: Env,
    root: str | Path,
    test_cmd: str,
    *,
    files: dict[str, str] | None = None,
    timeout: float = 1800.0,
    scm_version: str | None = None,
    wheels: dict[str, bytes] | None = None,
    services: Sequence[tuple[LocalService, Path]] | None = None,
) -> TestbedRun:
    """Run `test_cmd` on a sandboxed copy of `root` (with `files` written over it) in `env`;
    `wheels` (file name -> content, from `aso.swe.deps`) are installed first, offline. The services
    the tests call run locally (`services`: (service, its interpreter); None: those
    `aso.swe.services.services_for` finds); connections to 10.0.0.0/8 time out, as in the
    harness's networked container (`SandboxPolicy.silent_private_network`).
    TestbedError when the sandbox could not start the script or the interpreter."""
    limits = SandboxLimits(
        timeout_s=timeout,
        cpu_s=int(timeout),
        memory_mb=16384,
        max_processes=512,
        output_bytes=64 << 20,
        file_size_mb=1024,
        tmpfs_mb=512,
    )
    readable = list(env.spec.site_dirs)
    service_lines: list[str] = []
    if services is None:
        services = [(service, service_python(service)) for service in services_for(env.spec.repo, root)]
    for index, (service, python) in enumerate(services):
        readable += readonly_paths(python)
        service_lines += start_lines(service, python, index, service_version(service))
    policy = SandboxPolicy(
        python=str(env.python),
        readonly_paths=tuple(readable),
        silent_private_network=True,
        work_dir_base=WORK_DIR_BASE if os.path.isdir(WORK_DIR_BASE) else None,
    )
    sandbox = Sandbox(limits, policy)
    extra = {"SETUPTOOLS_SCM_PRETEND_VERSION": scm_version} if scm_version else {}
    pip_dir = harness_pip(env)
    script = {
        _SCRIPT: eval_script(
            env, test_cmd, wheels=bool(wheels), pip_dir=pip_dir and str(pip_dir), services=service_lines
        )
    }
    given = {f"{WHEEL_DIR}/{name}": data for name, data in (wheels or {}).items()}
    result = sandbox.run(
        ["bash", _SCRIPT], source_dir=root, files={**(files or {}), **given, **script}, env=extra
    )
    log = result.stdout + result.stderr
    for line in log.split(START_TEST_OUTPUT)[0].splitlines():
        if line.startswith((CANNOT_START, "aso-testbed:")):
            raise TestbedError(line)
    if result.error:
        raise TestbedError(f"sandbox: {result.error}")
    return TestbedRun(log, result.exit_code, result.timed_out, result.duration_s)
