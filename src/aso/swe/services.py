"""Local stand-ins for the network services a repository's tests call. The official harness's
containers have the network; aso's test runs have not (the sandbox has only its private loopback).
psf/requests' tests before 2.10 send their requests to `$HTTPBIN_URL` (default `http://httpbin.org/`);
when a working copy's tests read that variable, the run starts httpbin (the service httpbin.org runs,
installed from PyPI as of the package date, `aso.swe.pipdate`) inside the sandbox on the loopback
and points `HTTPBIN_URL` at it. Later requests versions start it themselves (pytest-httpbin). The
test log says so: it is a stand-in for httpbin.org, not httpbin.org.

Each service's interpreter is a virtual environment built once under `~/.cache/aso/swe-services/`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from aso.swe.envs import ENV_ROOT, STEP_TIMEOUT_S, BuildLog, EnvBuildError, repo_lock, tool_env
from aso.swe.pipdate import packages_as_of, pip_cap_env

SERVICE_ROOT = ENV_ROOT.parent / "swe-services"
START_TIMEOUT_S = 60
"""How long a service may take to accept connections before the run is an error."""


@dataclass(frozen=True)
class LocalService:
    """A network service some repositories' tests call, run locally in the test sandbox."""

    name: str
    requirement: str
    """What pip installs into the service's environment."""
    args: tuple[str, ...]
    """The interpreter's arguments that start it on 127.0.0.1; `{port}` stands for the port."""
    url_var: str
    """The environment variable the tests read the service's URL from."""
    marker_files: tuple[str, ...]
    """The working copy's files whose mention of `url_var` means the tests use the service."""


HTTPBIN = LocalService(
    "httpbin",
    "httpbin",
    ("-m", "httpbin.core", "--host", "127.0.0.1", "--port", "{port}"),
    "HTTPBIN_URL",
    ("test_requests.py",),
)
SERVICES: dict[str, tuple[LocalService, ...]] = {"psf/requests": (HTTPBIN,)}
"""The services each repository's tests may need."""


def services_for(repo: str, root: str | Path) -> tuple[LocalService, ...]:
    """The services the tests of the working copy `root` of `repo` read their URL for."""
    found = []
    for service in SERVICES.get(repo, ()):
        for name in service.marker_files:
            path = Path(root) / name
            if path.is_file() and service.url_var in path.read_text(errors="replace"):
                found.append(service)
                break
    return tuple(found)


def service_python(service: LocalService, root: str | Path = SERVICE_ROOT) -> Path:
    """The interpreter of `service`'s environment, built on first use (pip resolves as of the package
    date; `build.log` beside it). EnvBuildError names the failing step."""
    path = Path(root) / service.name
    python = path / "venv" / "bin" / "python"
    if (path / "ok").is_file():
        return python
    with repo_lock(root, f"service-{service.name}"):
        if (path / "ok").is_file():
            return python
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        venv = path / "venv"
        pip = [str(python), "-m", "pip", "install"]
        log = BuildLog(path / "build.log")
        try:
            env = tool_env(venv)
            log.run("venv", [sys.executable, "-m", "venv", str(venv)], None, env, STEP_TIMEOUT_S)
            log.run("pip (current)", [*pip, "-U", "pip"], None, env, STEP_TIMEOUT_S)
            capped = tool_env(venv, pip_cap_env(packages_as_of()))
            log.run(service.name, [*pip, service.requirement], None, capped, STEP_TIMEOUT_S)
        except EnvBuildError as exc:
            raise EnvBuildError(f"local {service.name}: {exc} (log: {path / 'build.log'})") from None
        finally:
            log.fh.close()
        (path / "ok").write_text(_installed_version(python, service) + "\n")
    return python


def readonly_paths(python: Path) -> tuple[str, ...]:
    """What the sandbox must let the service's interpreter read: its venv and the Python it was made
    from."""
    real = os.path.realpath(python)
    return tuple(dict.fromkeys(str(Path(p).parent.parent) for p in (str(python), real)))


def start_lines(service: LocalService, python: Path, index: int = 0, version: str = "") -> list[str]:
    """Bash lines (for the eval script, before the test command) that start `service` on a free
    loopback port, wait until it accepts connections, export its URL, and stop it when the script
    exits. A service that does not come up is an `aso-testbed:` error line and exit 3."""
    py = shlex.quote(str(python))
    port, pid, log = f"ASO_SVC_PORT{index}", f"ASO_SVC_PID{index}", f'"$TMPDIR/aso-{service.name}.log"'
    probe = "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
    check = f'(echo > "/dev/tcp/127.0.0.1/${port}") 2>/dev/null'
    shown = f"{service.name} {version}".strip()
    args = " ".join('"$' + port + '"' if a == "{port}" else shlex.quote(a) for a in service.args)
    return [
        f"{port}=$(env -u PYTHONPATH {py} -c {shlex.quote(probe)})",
        f"env -u PYTHONPATH -u VIRTUAL_ENV {py} {args} > {log} 2>&1 &",
        f'{pid}=$!; ASO_SVC_PIDS="${{ASO_SVC_PIDS:-}} ${pid}"',
        "trap 'kill $ASO_SVC_PIDS 2>/dev/null' EXIT",
        f"for _ in $(seq {START_TIMEOUT_S * 10}); do "
        f'{check} && break; kill -0 "${pid}" 2>/dev/null || break; sleep 0.1; done',
        f'{check} || {{ echo "aso-testbed: local {service.name} did not start: $(tail -n 1 {log})"; '
        "exit 3; }",
        f'export {service.url_var}="http://127.0.0.1:${port}/"',
        f'echo "aso-service: local {shown} at ${service.url_var} '
        '(a stand-in for the public service: the test run has no network)"',
    ]


def service_version(service: LocalService, root: str | Path = SERVICE_ROOT) -> str:
    """The version of `service` its built environment holds ('' when not built)."""
    ok = Path(root) / service.name / "ok"
    return ok.read_text().strip() if ok.is_file() else ""


def _installed_version(python: Path, service: LocalService) -> str:
    done = subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version({service.requirement!r}))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip()
