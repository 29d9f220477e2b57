"""The run venv and the patched install's dependencies, on throw-away environments (no network):
a symlink to the run venv's python made elsewhere (tox-current-env's `.tox/py39/bin/python`) still
runs in the venv; a requirement the patched copy adds is found by pip's offline dry run of the project
and resolved without it (the project's code never runs with the network),
fetched on the host and installed before the offline test run; packages resolve as of a date; a
service the tests call (requests' httpbin) runs on the sandbox's loopback with its URL exported."""

import base64
import hashlib
import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from aso.swe import deps
from aso.swe.deps import deps_script, fetch_files, missing_requirements, requirements_from_report
from aso.swe.envs import Env, load_env
from aso.swe.pipdate import packages_as_of, pip_cap_env
from aso.swe.services import HTTPBIN, LocalService, services_for
from aso.swe.specs import START_TEST_OUTPUT, EnvSpec
from aso.swe.testbed import TestbedError, eval_script, harness_pip, run_tests

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def _env(tmp_path: Path, install: str = "", seen: tuple[str, ...] = ()) -> Env:
    """A venv without pip that sees aso's own site-packages (pip, setuptools) through a .pth."""
    venv = tmp_path / "env" / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = venv / "lib" / f"python{PYTHON}" / "site-packages"
    (purelib / "_aso_site.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    spec = EnvSpec("acme/dep", "1", PYTHON, install=install, base_tools=False, site_dirs=seen)
    return Env(tmp_path / "env", spec, str(purelib), PYTHON)


def _wheel(folder: Path, name: str, version: str) -> Path:
    """A minimal pure-Python wheel of module `name` (VALUE = 42)."""
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}.py": "VALUE = 42\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    files[f"{dist}/RECORD"] = "\n".join([*record, f"{dist}/RECORD,,"]) + "\n"
    out = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(out, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return out


def test_a_symlink_to_the_run_pythons_executable_stays_in_the_run_venv(tmp_path):
    env = _env(tmp_path)
    (tmp_path / "work").mkdir()
    cmd = (
        "mkdir -p .tox/py/bin && "
        'ln -s "$(python -c "import sys; print(sys.executable)")" .tox/py/bin/python && '
        ".tox/py/bin/python -c \"import sys, pip; print('PREFIX', sys.prefix); print('PIP', pip.__file__)\""
    )
    log = run_tests(env, tmp_path / "work", cmd, timeout=60).log
    prefix = next(ln for ln in log.splitlines() if ln.startswith("PREFIX "))
    assert prefix.endswith("/aso-venv"), log  # not the bare base interpreter
    assert any(ln.startswith("PIP ") for ln in log.splitlines()), log  # the env's packages are seen


def test_requirements_from_a_pip_report_leave_out_the_project():
    report = {
        "install": [
            {
                "download_info": {"url": "file:///testbed", "dir_info": {"editable": True}},
                "metadata": {"name": "pylint", "version": "2.10.0.dev0"},
            },
            {
                "download_info": {"url": "https://files.example/appdirs-1.4.4-py2.py3-none-any.whl"},
                "metadata": {"name": "appdirs", "version": "1.4.4"},
            },
        ]
    }
    assert requirements_from_report(report) == ["appdirs==1.4.4"]
    assert requirements_from_report({}) == []


def test_a_requirement_the_patch_adds_is_found_fetched_and_installed_offline(tmp_path, monkeypatch):
    wheels = tmp_path / "index"
    wheels.mkdir()
    _wheel(wheels, "tinydep", "0.3")
    work = tmp_path / "work"
    work.mkdir()
    (work / "proj.py").write_text("import tinydep\n")
    (work / "setup.py").write_text(
        "from setuptools import setup\n"
        "setup(name='proj', version='1.0', py_modules=['proj'], install_requires=['tinydep'])\n"
    )
    install = f"python -m pip install --no-build-isolation --no-index --find-links {wheels} -e ."
    env = _env(tmp_path, install, seen=(str(wheels),))  # the sandbox sees the local index
    index = ["--no-index", "--find-links", str(wheels)]
    runs = []

    class Recording(deps.Sandbox):
        def run(self, cmd, source_dir=None, **kw):
            runs.append((self.policy.network, Path(source_dir).resolve() == work.resolve()))
            return super().run(cmd, source_dir=source_dir, **kw)

    monkeypatch.setattr(deps, "Sandbox", Recording)
    reqs, out = missing_requirements(env, work, timeout=120, index_args=index)
    # the patched project's code (its setup.py) runs offline; only our resolver has the network
    assert runs == [(False, True), (True, False)], runs
    assert reqs == ["tinydep==0.3"], out
    files, pip_out = fetch_files(env, reqs, index_args=["--no-index", "--find-links", str(wheels)])
    assert list(files) == ["tinydep-0.3-py3-none-any.whl"], pip_out
    cmd = "python -c \"import tinydep; print('VALUE', tinydep.VALUE)\""
    log = run_tests(env, work, cmd, timeout=120, wheels=files).log
    assert "VALUE 42" in log, log


def test_packages_resolve_as_of_a_date_and_a_changed_date_rebuilds(tmp_path, monkeypatch):
    monkeypatch.delenv("ASO_SWE_AS_OF", raising=False)
    assert packages_as_of() == "2024-08-13T00:00:00Z"
    cap = pip_cap_env(packages_as_of())
    assert cap["PIP_UPLOADED_PRIOR_TO"] == "2024-08-13T00:00:00Z" and cap["PIP_CONFIG_FILE"] == os.devnull
    monkeypatch.setenv("ASO_SWE_AS_OF", "none")
    assert packages_as_of() == "" and pip_cap_env("") == {}
    spec = EnvSpec("acme/dep", "1", PYTHON)
    path = tmp_path / spec.key
    (path / "venv" / "bin").mkdir(parents=True)
    (path / "venv" / "bin" / "python").write_text("")
    info = {"status": "ok", "site_packages": "x", "python_version": PYTHON, "as_of": "2024-08-13T00:00:00Z"}
    (path / "env.json").write_text(json.dumps(info))
    assert load_env(spec, tmp_path) is None  # built with another date
    monkeypatch.setenv("ASO_SWE_AS_OF", "2024-08-13T00:00:00Z")
    assert load_env(spec, tmp_path) is not None


@pytest.fixture(autouse=True)
def _no_virtualenv(monkeypatch):
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)


def test_the_install_runs_with_the_dated_pip_and_offline_envs_have_none(tmp_path):
    env = _env(tmp_path, "python -m pip install -e .")
    script = eval_script(env, "pytest -rA", pip_dir="/envs/x/venv/aso-harness-pip")
    lines = script.splitlines()
    start = lines.index("( export PYTHONPATH=/envs/x/venv/aso-harness-pip${PYTHONPATH:+:$PYTHONPATH}")
    assert lines[start + 1 : start + 3] == ["python -m pip install -e .", ")"]
    assert lines.index(")") < lines.index("echo '>>>>> Start Test Output'")
    assert "python -m pip install -e ." in eval_script(env, "pytest -rA").splitlines()
    assert harness_pip(env) is None  # an offline ($ASO_SWE_SPECS) spec: the environment's own pip


def test_the_dependency_dry_run_uses_the_same_dated_pip_as_the_install(tmp_path):
    # pylint 2.15 pins setuptools 62.6 (no PEP 660 hooks): current pip refuses its editable install, so
    # a dry run with it reported nothing and the base commit's astroid pin was never applied.
    env = _env(tmp_path, "python -m pip install -e .")
    lines = deps_script(env, "/envs/x/venv/aso-harness-pip").splitlines()
    start = lines.index("( export PYTHONPATH=/envs/x/venv/aso-harness-pip${PYTHONPATH:+:$PYTHONPATH}")
    assert lines[start + 1 : start + 3] == ["python -m pip install -e .", ")"]
    assert "python -m pip install -e ." in deps_script(env).splitlines()


def test_the_projects_requirements_and_extras_come_from_its_no_deps_report():
    report = {
        "install": [
            {
                "download_info": {"url": "file:///testbed", "dir_info": {"editable": True}},
                "metadata": {
                    "name": "proj",
                    "version": "1",
                    "requires_dist": ["appdirs>=1.4", "pytest; extra == 'test'"],
                },
                "requested_extras": ["test"],
            },
            {
                "download_info": {"url": "https://files.example/x.whl"},
                "metadata": {"name": "x", "version": "2"},
            },
        ]
    }
    assert deps.project_requirements(report) == (["appdirs>=1.4", "pytest; extra == 'test'"], ["test"])
    assert deps.project_requirements({}) == ([], [])


def test_requests_tests_that_read_httpbin_url_get_the_local_httpbin(tmp_path):
    (tmp_path / "test_requests.py").write_text(
        "HTTPBIN = os.environ.get('HTTPBIN_URL', 'http://httpbin.org/')\n"
    )
    assert services_for("psf/requests", tmp_path) == (HTTPBIN,)
    assert services_for("pallets/flask", tmp_path) == ()  # only the repositories listed
    (tmp_path / "test_requests.py").write_text("def test_x(httpbin): ...\n")  # pytest-httpbin: its own
    assert services_for("psf/requests", tmp_path) == ()


def test_a_local_service_answers_on_the_sandboxs_loopback_and_its_url_is_exported(tmp_path):
    env = _env(tmp_path)
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "hello.txt").write_text("served\n")
    served = LocalService(
        "files", "-", ("-m", "http.server", "--bind", "127.0.0.1", "{port}"), "FILES_URL", ()
    )
    fetch = "import os, urllib.request as u; print(u.urlopen(os.environ['FILES_URL'] + 'hello.txt').read())"
    cmd = f'python -c "{fetch}"'
    log = run_tests(env, tmp_path / "work", cmd, timeout=60, services=[(served, Path(sys.executable))]).log
    assert "aso-service: local files at http://127.0.0.1:" in log, log
    assert "b'served\\n'" in log.split(START_TEST_OUTPUT)[1], log


def test_a_service_that_does_not_start_is_a_testbed_error_naming_it(tmp_path):
    env = _env(tmp_path)
    (tmp_path / "work").mkdir()
    broken = LocalService("broken", "-", ("-c", "raise SystemExit('no such service')"), "X_URL", ())
    with pytest.raises(TestbedError, match="local broken did not start: no such service"):
        run_tests(env, tmp_path / "work", "true", timeout=60, services=[(broken, Path(sys.executable))])
