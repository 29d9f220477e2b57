"""A conda `environment.yml` spec (xarray, ...) approximated with pip, on request only
(`$ASO_SWE_ENV_YML=pip`): the harness creates such environments with conda (`conda create` +
`conda env update -f environment.yml`, then the spec's `pip_packages`). Here the file is read from the
clone at the environment setup commit (the harness's `MAP_REPO_TO_ENV_YML_PATHS`), its dependencies are
installed with pip under their conda names (conda's `name=1.2` read as `name==1.2.*`), and those pip
cannot install (conda-only packages such as `hdf5` or `cdms2`, or names that differ on PyPI) are
skipped and recorded in env.json; then `pip_packages` as the harness does. Tests that need a skipped
package are skipped or fail, so such an environment is not the harness's: reports say so.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

import yaml

from aso.errors import ConfigError
from aso.swe.specs import harness

ENV_YML_VAR = "ASO_SWE_ENV_YML"


def env_yml_with_pip() -> bool:
    """Whether environment.yml specs are to be approximated with pip (`$ASO_SWE_ENV_YML=pip`)."""
    return os.environ.get(ENV_YML_VAR, "").strip().lower() == "pip"


def env_yml_text(repo: str, read: Callable[[str], str | None]) -> str:
    """The environment.yml of `repo` from `read(path)`: the first of the harness's paths that exists."""
    paths = list(harness().constants.MAP_REPO_TO_ENV_YML_PATHS.get(repo, ()))
    for path in paths:
        text = read(path)
        if text is not None:
            return text
    raise ConfigError(f"{repo}: none of {paths} exists at the environment setup commit")


def _pip_form(dep: str) -> str:
    m = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", dep.strip())
    if not m:
        return dep.strip()
    name, version = m.group(1), m.group(2).strip()
    if version and version[0].isdigit():  # conda's "name 1.2"
        version = "=" + version
    if version.startswith("=") and not version.startswith("=="):
        version = "==" + version[1:] + ("" if "*" in version else ".*")
    return name + version


def yml_requirements(text: str) -> list[str]:
    """pip requirement strings of an environment.yml's dependencies (conda and `pip:` ones), without
    python and pip themselves."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"environment.yml is not YAML: {exc}") from None
    out: list[str] = []
    for dep in data.get("dependencies", []) or []:
        if isinstance(dep, dict):
            out += [str(d).strip() for d in dep.get("pip", []) or []]
        elif isinstance(dep, str):
            req = _pip_form(dep.split("::")[-1])
            if re.split(r"[<>=!~ ]", req)[0].lower() not in ("python", "pip"):
                out.append(req)
    return out
