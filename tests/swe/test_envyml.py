"""environment.yml specs: refused unless asked for, then read as pip requirements."""

import subprocess

import pytest

from aso.swe.envs import EnvBuildError, build_env
from aso.swe.envyml import yml_requirements
from aso.swe.specs import EnvSpec

YML = """name: xarray-tests
channels:
  - conda-forge
dependencies:
  - python=3.10
  - pip
  - numpy=1.23
  - conda-forge::scipy >=1.5
  - pandas 1.5
  - hdf5
  - pip:
    - numbagg
"""


def test_conda_dependencies_become_pip_requirements():
    assert yml_requirements(YML) == ["numpy==1.23.*", "scipy>=1.5", "pandas==1.5.*", "hdf5", "numbagg"]


def test_an_environment_yml_spec_is_refused_unless_asked_for(tmp_path, monkeypatch):
    from aso.solve.demo_repo import init_repo

    monkeypatch.delenv("ASO_SWE_ENV_YML", raising=False)
    repo = init_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True)
    spec = EnvSpec("pydata/xarray", "0.12", "3.10", packages="environment.yml")
    with pytest.raises(EnvBuildError, match="ASO_SWE_ENV_YML=pip"):
        build_env(spec, repo, head.stdout.strip(), root=tmp_path / "envs")
