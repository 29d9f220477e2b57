"""Environment lookups and failures: a missing Python names its version; a build step that fails
names itself; tests whose interpreter cannot start are an error, never a verdict."""

import os
import subprocess

import pytest

from aso.errors import ConfigError
from aso.swe.envs import Env, EnvBuildError, build_env, find_python, scm_version
from aso.swe.specs import EnvSpec
from aso.swe.testbed import TestbedError, run_tests


def test_a_missing_python_version_names_it(tmp_path):
    with pytest.raises(ConfigError, match=r"Python 2\.1 is needed: not found in --python-dir"):
        find_python("2.1", [tmp_path])


def test_python_dir_is_searched_first(tmp_path):
    exe = tmp_path / "bin" / "python9.9"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    assert find_python("9.9", [tmp_path]) == exe


def test_a_failing_step_is_named_and_recorded(tmp_path):
    from aso.solve.demo_repo import init_repo

    repo = init_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True)
    import sys

    spec = EnvSpec(
        "acme/r", "1", f"{sys.version_info[0]}.{sys.version_info[1]}", install="exit 7", base_tools=False
    )
    with pytest.raises(EnvBuildError, match=r"install \(at the environment setup commit\) failed \(exit 7\)"):
        build_env(spec, repo, head.stdout.strip(), root=tmp_path / "envs")
    assert '"status": "failed"' in (tmp_path / "envs" / "acme__r-1" / "env.json").read_text()
    spec = EnvSpec(
        "acme/r",
        "2",
        "3.11",
        pre_install=("apt-get install -y aso-no-such-package",),
        install="true",
        base_tools=False,
    )
    with pytest.raises(EnvBuildError, match="needs apt packages not installed here"):
        build_env(spec, repo, head.stdout.strip(), root=tmp_path / "envs")


def test_an_interpreter_that_cannot_start_is_an_error(tmp_path):
    venv = tmp_path / "e" / "venv" / "bin"
    venv.mkdir(parents=True)
    broken = tmp_path / "broken-python"
    broken.write_text("#!/bin/sh\necho 'cannot run' >&2\nexit 1\n")
    broken.chmod(0o755)
    os.symlink(broken, venv / "python")
    env = Env(tmp_path / "e", EnvSpec("acme/r", "1", "3.11", test_cmd="pytest -rA"), str(tmp_path), "3.11.0")
    (tmp_path / "work").mkdir()
    with pytest.raises(TestbedError, match="aso-testbed: cannot create the run venv"):
        run_tests(env, tmp_path / "work", "pytest -rA", timeout=30)


def test_scm_version_of_a_commit_after_a_tag(tmp_path):
    from aso.solve.demo_repo import init_repo

    repo = init_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    subprocess.run(["git", "-C", str(repo), "tag", "5.4.1"], check=True)
    (repo / "a.py").write_text("x = 2\n")
    subprocess.run(["git", "-C", str(repo), "commit", "-qam", "two"], check=True)
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True)
    assert scm_version(repo, head.stdout.strip()) == "5.4.2.dev1"
