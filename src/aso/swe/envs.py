"""One virtual environment per (repository, version), built from the harness's spec without Docker or
conda, cached under `~/.cache/aso/swe-envs/owner__name-version/`:

    venv/        the environment (its Python is the spec's major.minor)
    build.log    every step's command and output
    env.json     spec, interpreter, site-packages, status ("ok" or "failed" with the failing line), seconds

Steps, as the harness's env and instance images: a venv of the spec's Python (found in `--python-dir`,
`~/.pyenv/versions`, or on PATH), current pip/setuptools/wheel (conda's fresh environment), the spec's
`packages` (`requirements.txt` read from the clone at the environment setup commit; conda package
names installed with pip), the project's build requirements (so that the per-run install works
offline, without build isolation), the spec's `pip_packages` after them (its pins win: astropy's
`oldest-supported-numpy` would otherwise leave numpy 1.19.3 where the harness's environment has the
pinned 1.25.2; the harness installs build requirements in pip's isolated build environment only), then
`pre_install` and `install` on a copy of the repository at the setup commit, its submodules filled
(`aso.swe.repos.fill_submodules`; this pulls the project's own dependencies). That copy may lack
files whose contents a partial mirror does not have (noted in the log and env.json as
`missing_files`): every test run installs its own copy again, which must be complete. The `.eggs` that
install leaves (`setup_requires`) is kept for the offline test runs (`copy_setup_eggs`). An `environment.yml`
spec (conda-only, unless asked for) and a `pre_install` step that needs apt fail with that line;
every step has a timeout, and stdin is closed (nothing can wait for input).

Packages resolve as of Verified's release date (`aso.swe.pipdate`); pip itself is taken current
for that (the option needs pip >= 25.3; the newest the venv's Python can run, from PyPI: the
machine's pip config is set aside for it too); the project's install, here and in every test run, uses pip
as of the date (`dated_pip`), which has no such option: the dependencies the install adds are
resolved first by a dry run of it with the current pip and installed (`install_dependencies`). An
`environment.yml` spec can be approximated with pip on request (`aso.swe.envyml`).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shlex
import shutil
import subprocess
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aso.errors import AsoError, ConfigError
from aso.runs import atomic_write_text
from aso.solve import Workspace
from aso.swe.envyml import ENV_YML_VAR, env_yml_text, env_yml_with_pip, yml_requirements
from aso.swe.pipdate import packages_as_of, pip_cap_env, pip_config_aside, pip_has_cap
from aso.swe.repos import fill_submodules
from aso.swe.specs import EnvSpec, requirements_text

ENV_ROOT = Path(os.environ.get("ASO_SWE_ENVS") or Path.home() / ".cache" / "aso" / "swe-envs")
"""Where environments are cached (`$ASO_SWE_ENVS` overrides)."""
PYENV_VERSIONS = Path.home() / ".pyenv" / "versions"
STEP_TIMEOUT_S = 1800.0
BASE_TOOLS = ("setuptools<75", "wheel")
"""What a fresh conda environment brings besides pip (setuptools capped below 75: older projects'
setup.py still use APIs that later releases removed)."""


class EnvBuildError(AsoError):
    """A step of an environment build failed; the message names the step and its last output line."""

    exit_code = 1


@dataclass(frozen=True)
class Env:
    """A built environment."""

    path: Path
    spec: EnvSpec
    site_packages: str
    python_version: str

    @property
    def venv(self) -> Path:
        """The virtual environment."""
        return self.path / "venv"

    @property
    def python(self) -> Path:
        """Its interpreter."""
        return self.venv / "bin" / "python"

    @property
    def base_python(self) -> str:
        """The interpreter the venv was made from (the run's own venv is made from it too)."""
        return os.path.realpath(self.python)

    @property
    def log(self) -> Path:
        """The build log."""
        return self.path / "build.log"


def find_python(version: str, python_dirs: Sequence[str | Path] = ()) -> Path:
    """An interpreter of `version` (major.minor): in `python_dirs` (each a prefix, its `bin/`, or a
    directory of versions like ~/.pyenv/versions), then ~/.pyenv/versions, then PATH."""
    name = f"python{version}"
    places: list[Path] = []
    for d in [*map(Path, python_dirs), PYENV_VERSIONS]:
        d = d.expanduser()
        places += [d / name, d / "bin" / name]
        if d.is_dir():
            places += [
                v / "bin" / name
                for v in sorted(d.iterdir(), reverse=True)
                if v.name.startswith(version + ".")
            ]
    for p in places:
        if p.is_file() and os.access(p, os.X_OK):
            return p
    on_path = shutil.which(name)
    if on_path and "/shims/" not in on_path:
        return Path(on_path)
    dirs = ", ".join(str(Path(d)) for d in python_dirs) or "none given"
    raise ConfigError(
        f"Python {version} is needed: not found in --python-dir ({dirs}), {PYENV_VERSIONS} or on PATH "
        f"(install it, e.g. `pyenv install {version}`, or pass --python-dir)"
    )


def load_env(spec: EnvSpec, root: str | Path = ENV_ROOT) -> Env | None:
    """The cached environment of `spec` if it was built successfully."""
    path = Path(root) / spec.key
    try:
        info = json.loads((path / "env.json").read_text())
    except (OSError, ValueError):
        return None
    if info.get("status") != "ok" or not (path / "venv" / "bin" / "python").exists():
        return None
    if spec.base_tools and info.get("as_of", "") != packages_as_of():
        return None  # built with another package date: rebuilt
    return Env(path, spec, info["site_packages"], info["python_version"])


def env_status(spec: EnvSpec, root: str | Path = ENV_ROOT) -> dict[str, Any]:
    """The recorded env.json of `spec` ({} when never built)."""
    try:
        return json.loads((Path(root) / spec.key / "env.json").read_text())
    except (OSError, ValueError):
        return {}


class BuildLog:
    """A build log: each step's command, output and exit code; `run` raises EnvBuildError naming the
    step and its most telling output line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by build_env

    def run(
        self, what: str, argv: Sequence[str] | str, cwd: Path | None, env: dict[str, str], timeout: float
    ) -> None:
        """Run one step (`argv`, or a bash line) with its output into the log."""
        shown = argv if isinstance(argv, str) else shlex.join(argv)
        self.fh.write(f"\n##### {what}\n$ {shown}\n")
        self.fh.flush()
        started = time.monotonic()
        try:
            done = subprocess.run(
                argv,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=self.fh,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                shell=isinstance(argv, str),
                executable="/bin/bash" if isinstance(argv, str) else None,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise EnvBuildError(f"{what}: timed out after {timeout:.0f} s: {shown}") from None
        self.fh.write(f"# exit {done.returncode} after {time.monotonic() - started:.1f} s\n")
        self.fh.flush()
        if done.returncode != 0:
            raise EnvBuildError(f"{what} failed (exit {done.returncode}): {shown}: {self.last_line()}")

    def note(self, text: str) -> None:
        """Write a heading line."""
        self.fh.write(f"\n##### {text}\n")
        self.fh.flush()

    def last_line(self) -> str:
        """The log's last error line (else its last output line)."""
        self.fh.flush()
        lines = [ln.strip() for ln in self.path.read_text(errors="replace").splitlines() if ln.strip()]
        lines = [ln for ln in lines if not ln.startswith(("# exit", "$ ", "#####"))]
        errors = [ln for ln in lines if re.search(r"\berror\b", ln, re.I)]
        return (errors or lines or ["(no output)"])[-1][:300]


def _apt_packages(line: str) -> list[str] | None:
    """The packages an `apt-get install` step installs, or None when `line` is not an apt step."""
    if not re.search(r"\bapt(-get)?\b", line):
        return None
    m = re.search(r"\binstall\b(.*)", line)
    return [w for w in (m.group(1).split() if m else []) if not w.startswith("-") and w != "&&"]


def _dpkg_installed(name: str) -> bool:
    done = subprocess.run(["dpkg", "-s", name], capture_output=True, check=False)
    return done.returncode == 0 and b"Status: install ok installed" in done.stdout


def run_pre_install(spec: EnvSpec, root: Path, log: Callable[[str, str], None]) -> None:
    """The spec's `pre_install` on a working copy: apt steps are checked (all their packages already
    installed, else EnvBuildError with the line), the others (sed edits of setup.py, tox.ini, ...) run
    with bash in `root`. `log(what, output)` records each."""
    for line in spec.pre_install:
        pkgs = _apt_packages(line)
        if pkgs is not None:
            missing = [p for p in pkgs if not _dpkg_installed(p)]
            if missing:
                raise EnvBuildError(
                    f"pre_install needs apt packages not installed here ({', '.join(missing)}); aso does not "
                    f"run apt: {line}"
                )
            log(f"pre_install (apt packages present, skipped): {line}", "")
            continue
        done = subprocess.run(
            ["bash", "-c", line],
            cwd=root,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        log(f"pre_install: {line}", done.stdout + done.stderr)
        if done.returncode != 0:
            raise EnvBuildError(f"pre_install failed (exit {done.returncode}): {line}")


def scm_version(repo_git: Path, commit: str) -> str | None:
    """The version setuptools_scm would give `commit` (`git describe --tags`: X.Y.Z, or the next patch
    version .devN N commits after it); None without a tag. The copies have no .git, so the install
    is told it (SETUPTOOLS_SCM_PRETEND_VERSION)."""
    done = subprocess.run(
        ["git", "-C", str(repo_git), "describe", "--tags", "--long", commit],
        capture_output=True,
        text=True,
        check=False,
    )
    m = re.match(r"^v?(\d+(?:\.\d+)*)[^-]*-(\d+)-g[0-9a-f]+$", done.stdout.strip())
    if not m:
        return None
    version, distance = m.group(1), int(m.group(2))
    if distance == 0:
        return version
    parts = version.split(".")
    parts[-1] = str(int(parts[-1]) + 1)
    return ".".join(parts) + f".dev{distance}"


def build_requirements(pyproject: str | None) -> list[str]:
    """`[build-system] requires` of a pyproject.toml text ([] when absent or unreadable)."""
    if not pyproject:
        return []
    try:
        return [str(r) for r in tomllib.loads(pyproject).get("build-system", {}).get("requires", [])]
    except tomllib.TOMLDecodeError:
        return []


def git_show(repo_git: Path, commit: str, path: str) -> str | None:
    """The text of `path` at `commit`, or None."""
    done = subprocess.run(
        ["git", "-C", str(repo_git), "show", f"{commit}:{path}"], capture_output=True, check=False
    )
    return done.stdout.decode("utf-8", errors="replace") if done.returncode == 0 else None


def tool_env(venv: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a build step: the venv first on PATH, no pip version check, no prompts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PIP_"))}
    env.update(
        PATH=f"{venv / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}",
        VIRTUAL_ENV=str(venv),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        PIP_PROGRESS_BAR="off",
    )
    env.update(extra or {})
    return env


SETUP_EGGS = "setup-eggs"
"""Where an environment keeps the `.eggs` directory its install left in the copy (`copy_setup_eggs`)."""


def copy_setup_eggs(env: Env, root: Path) -> str:
    """Give the copy `root` the `.eggs` the environment build's install left (the eggs setuptools
    fetched for `setup_requires`, e.g. astropy 3.1's cython and jinja2); a note, '' when there are none.
    The harness's checkout keeps the `.eggs` of its image's install, and its test-time re-install has
    the network; the test runs here are offline, and setuptools takes a satisfying egg from `.eggs`
    before it downloads."""
    kept = env.path / SETUP_EGGS
    if not kept.is_dir() or (root / ".eggs").exists():
        return ""
    shutil.copytree(kept, root / ".eggs", symlinks=True)
    return (
        f"setup_requires eggs of the environment build: {', '.join(sorted(p.name for p in kept.iterdir()))}"
    )


HARNESS_PIP = "aso-harness-pip"
"""Directory in a venv holding pip as of its package date (`dated_pip`)."""


def dated_pip(venv: Path, as_of: str) -> Path | None:
    """pip as of `as_of`, installed once into `venv`'s `aso-harness-pip` directory (run it with that
    directory first on PYTHONPATH); None when it cannot be fetched. The harness's environments had the
    pip of their build date: pip 25.3+ no longer falls back to `setup.py develop` for a build backend
    without PEP 660 editable hooks (pylint 2.15 pins setuptools~=62.6), pip 25.1+ keeps a setup.py-only
    checkout off sys.path."""
    target = venv / HARNESS_PIP
    if (target / "pip" / "__init__.py").exists():
        return target
    tmp = venv / f".{HARNESS_PIP}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--target", str(tmp), "pip"],
        env=tool_env(venv, pip_cap_env(as_of)),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0 or not (tmp / "pip" / "__init__.py").exists():
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    os.replace(tmp, target)
    return target


PIP_INSTALL_LINE = re.compile(r"(?:python -m )?pip install [^;&|<>`$()\n]*")
"""An install that is one pip command (its dependencies can be resolved with a dry run of it)."""


def install_dependencies(
    log: BuildLog, install: str, root: Path, env: dict[str, str], report: Path, timeout: float
) -> None:
    """Install first what the spec's `install` would add, resolved by the environment's own pip under
    `env` (the package date's cap): a dry run of the install with `--report`, then its `name==version`
    list. The install itself runs with pip as of the date (`dated_pip`), which predates
    `--uploaded-prior-to` and would resolve them as of today. Skipped, with a note, for an install that
    is not one pip command or whose dry run fails (the install then resolves them itself)."""
    from aso.swe.deps import requirements_from_report

    if not PIP_INSTALL_LINE.fullmatch(install.strip()):
        log.note(f"install is not one pip command; its dependencies resolve as the install does: {install}")
        return
    try:
        log.run(
            "dependencies of the install (dry run, resolved as of the package date)",
            f"{install.strip()} --dry-run --report {shlex.quote(str(report))}",
            root,
            env,
            timeout,
        )
        reqs = requirements_from_report(json.loads(report.read_text()))
    except (EnvBuildError, OSError, ValueError) as exc:
        log.note(f"no dry run of the install; it resolves its dependencies itself: {exc}")
        return
    pip = [env["VIRTUAL_ENV"] + "/bin/python", "-m", "pip", "install"]
    if reqs:
        log.run("dependencies of the install", [*pip, *reqs], None, env, timeout)


def _add_site_dirs(venv: Path, dirs: Sequence[str]) -> None:
    purelib = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "_aso_site_dirs.pth").write_text("".join(f"{d}\n" for d in dirs))


def _install_each(
    log: BuildLog, pip: list[str], reqs: list[str], env: dict[str, str], timeout: float
) -> list[str]:
    """Install `reqs` at once, else one by one; the ones pip could not install."""
    try:
        log.run("packages (environment.yml, with pip)", [*pip, *reqs], None, env, timeout)
        return []
    except EnvBuildError:
        pass
    skipped = []
    for req in reqs:
        try:
            log.run(f"package {req} (environment.yml, with pip)", [*pip, req], None, env, timeout)
        except EnvBuildError:
            skipped.append(req)
    log.note(f"environment.yml packages pip could not install (skipped): {', '.join(skipped) or 'none'}")
    return skipped


def build_env(
    spec: EnvSpec,
    repo_git: Path,
    setup_commit: str,
    *,
    root: str | Path = ENV_ROOT,
    python_dirs: Sequence[str | Path] = (),
    force: bool = False,
    timeout: float = STEP_TIMEOUT_S,
) -> Env:
    """The environment of `spec`, built unless a successful build is cached (`force` rebuilds).
    EnvBuildError names the failing step; env.json records it."""
    if not force:
        cached = load_env(spec, root)
        if cached is not None:
            return cached
    if spec.packages == "environment.yml" and not env_yml_with_pip():
        raise EnvBuildError(
            f"{spec.key}: the harness builds it with conda from environment.yml; aso builds pip/venv "
            f"environments only (set {ENV_YML_VAR}=pip to approximate it with pip)"
        )
    python = find_python(spec.python, python_dirs)
    path = Path(root) / spec.key
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    started = time.monotonic()
    log = BuildLog(path / "build.log")
    info: dict[str, Any] = {
        "spec": spec.to_dict(),
        "python": str(python),
        "setup_commit": setup_commit,
        "repo": str(repo_git),
        "status": "building",
    }
    atomic_write_text(path / "env.json", json.dumps(info, indent=2))
    venv = path / "venv"
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install"]
    as_of = packages_as_of() if spec.base_tools else ""
    info["as_of"] = as_of
    env = tool_env(venv)
    try:
        log.run("venv", [str(python), "-m", "venv", str(venv)], None, env, timeout)
        if spec.base_tools:
            upgrade_env = tool_env(venv, pip_config_aside() if as_of else {})
            log.run("pip (current)", [*pip, "-U", "pip"], None, upgrade_env, timeout)
            if as_of and not pip_has_cap(venv):
                info["as_of_ignored"] = "this Python's newest pip has no --uploaded-prior-to"
                log.note(f"packages NOT capped at {as_of}: {info['as_of_ignored']}")
            elif as_of:
                log.note(f"packages resolved as of {as_of} (pip --uploaded-prior-to; pip config ignored)")
            env = tool_env(venv, pip_cap_env(as_of))
            log.run("base tools", [*pip, "-U", *BASE_TOOLS], None, env, timeout)
        if spec.site_dirs:
            _add_site_dirs(venv, spec.site_dirs)
        if spec.packages == "requirements.txt":
            reqs = requirements_text(spec.repo, lambda p: git_show(repo_git, setup_commit, p))
            (path / "requirements.txt").write_text(reqs)
            log.run(
                "packages (requirements.txt)",
                [*pip, "-r", str(path / "requirements.txt")],
                None,
                env,
                timeout,
            )
        elif spec.packages == "environment.yml":
            text = env_yml_text(spec.repo, lambda p: git_show(repo_git, setup_commit, p))
            info["env_yml"] = "pip (an approximation of the harness's conda environment)"
            info["env_yml_not_installed"] = _install_each(log, pip, yml_requirements(text), env, timeout)
        elif spec.packages.strip():
            names = [n for n in spec.packages.split() if not n.startswith("python")]
            log.run("packages", [*pip, *names], None, env, timeout)
        build_reqs = build_requirements(git_show(repo_git, setup_commit, "pyproject.toml"))
        if build_reqs:
            log.run("build requirements (pyproject.toml)", [*pip, *build_reqs], None, env, timeout)
        if spec.pip_packages:
            log.run("pip_packages", [*pip, *spec.pip_packages], None, env, timeout)
        if spec.install:
            with Workspace.create(repo_git, setup_commit, missing_ok=True) as ws:
                if ws.missing:
                    info["missing_files"] = list(ws.missing)
                    log.note(f"not in the repository (a partial mirror), left out: {', '.join(ws.missing)}")
                for note in fill_submodules(ws.path, repo_git, spec.repo, setup_commit):
                    log.note(note)
                run_pre_install(spec, ws.path, lambda what, out: log.note(f"{what}\n{out}"))
                version = scm_version(repo_git, setup_commit)
                extra = {"SETUPTOOLS_SCM_PRETEND_VERSION": version} if version else {}
                pip_dir = dated_pip(venv, as_of) if as_of else None
                if pip_dir is not None and "as_of_ignored" not in info:
                    capped = tool_env(venv, {**pip_cap_env(as_of), **extra})
                    install_dependencies(
                        log, spec.install, ws.path, capped, path / "install-report.json", timeout
                    )
                if pip_dir is not None:
                    log.note(f"install runs with pip as of {as_of} ({pip_dir})")
                    extra["PYTHONPATH"] = str(pip_dir)
                log.run(
                    "install (at the environment setup commit)",
                    spec.install,
                    ws.path,
                    tool_env(venv, {**pip_cap_env(as_of), **extra}),
                    timeout,
                )
                if (ws.path / ".eggs").is_dir():
                    shutil.copytree(ws.path / ".eggs", path / SETUP_EGGS, symlinks=True)
                    log.note(f"kept the install's .eggs (setup_requires) as {path / SETUP_EGGS}")
        probe = subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import sys, sysconfig; print(sysconfig.get_paths()['purelib']); "
                "print('%d.%d.%d' % sys.version_info[:3])",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (EnvBuildError, ConfigError, subprocess.CalledProcessError) as exc:
        message = str(exc)
        info.update(status="failed", error=message, seconds=round(time.monotonic() - started, 1))
        atomic_write_text(path / "env.json", json.dumps(info, indent=2))
        log.fh.close()
        raise EnvBuildError(f"{spec.key}: {message} (log: {path / 'build.log'})") from None
    log.fh.close()
    info.update(
        status="ok",
        site_packages=probe[0],
        python_version=probe[1],
        seconds=round(time.monotonic() - started, 1),
    )
    atomic_write_text(path / "env.json", json.dumps(info, indent=2))
    return Env(path, spec, probe[0], probe[1])


@contextmanager
def repo_lock(root: str | Path, repo: str) -> Iterator[None]:
    """Hold the lock of `repo`'s environments and clone under `root` (an `flock` on
    `ROOT/.locks/owner__name.lock`; blocks while another process holds it)."""
    path = Path(root) / ".locks" / f"{repo.replace('/', '__')}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def instance_env(
    instance: Any,
    repo_cache: str | Path | None,
    *,
    root: str | Path = ENV_ROOT,
    python_dirs: Sequence[str | Path] = (),
    force: bool = False,
) -> tuple[Env, Path]:
    """The environment and the git directory of `instance` (an `aso.swe.Instance`), built or cloned
    when missing, under the repository's `repo_lock`: processes sharing `root` (workers, or separate
    commands) wait for a build in progress and then load it instead of building it again."""
    from aso.swe.repos import find_repo
    from aso.swe.specs import instance_spec

    with repo_lock(root, instance.repo):
        repo_git = find_repo(repo_cache, instance.repo)
        setup_commit = instance.environment_setup_commit or instance.base_commit
        env = build_env(
            instance_spec(instance), repo_git, setup_commit, root=root, python_dirs=python_dirs, force=force
        )
    return env, repo_git
