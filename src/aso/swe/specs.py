"""The official harness's knowledge, read from the `swebench` package (not retyped): per-(repository,
version) install specs, test commands and test directives, per-repository log parsers, and the grading
of a test log into the official report.

`swebench` 4.x is used (`pip install 'aso[swe]'`): it is the last release that ships
`MAP_REPO_VERSION_TO_SPECS` and `harness.test_spec`; 5.x moved the specs into per-task repositories on
the network. Importing its `harness.constants`, `log_parsers`, `grading` and `test_spec` needs no
Docker daemon (the `docker` client library is imported, never contacted). Its requirement fetcher
(`get_requirements_by_commit`) reads raw.githubusercontent.com; `requirements_text` reads the same
files from the local clone instead and reuses swebench's `clean_requirements`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from aso.errors import AsoError, ConfigError
from aso.swe.instances import Instance

START_TEST_OUTPUT = ">>>>> Start Test Output"
END_TEST_OUTPUT = ">>>>> End Test Output"
APPLY_PATCH_FAIL = ">>>>> Patch Apply Failed"


EXTRA_SPECS_ENV = "ASO_SWE_SPECS"
"""A JSON file of specs for repositories the harness does not know (your own): {"owner/name": {"version":
{harness spec keys..., "log_parser": "a harness repository whose parser to use", "aso_base_tools": false
(no pip/setuptools upgrade: offline), "aso_site_dirs": [directories the environment also sees]}}}. They
are added to swebench's own tables, so its grading reads them as it reads its own."""
_EXTRA_LOADED: set[str] = set()


def _add_extra_specs(constants: Any, log_parsers: Any, grading: Any) -> None:
    path = os.environ.get(EXTRA_SPECS_ENV)
    if not path or path in _EXTRA_LOADED:
        return
    from aso.config_files import require_file

    try:
        extra = json.loads(require_file(path, f"${EXTRA_SPECS_ENV} file").read_text())
    except ValueError as exc:
        raise ConfigError(f"{path}: not JSON ({exc})") from None
    for repo, versions in extra.items():
        for version, spec in versions.items():
            parser_repo = spec.get("log_parser", "pytest-dev/pytest")
            if parser_repo not in log_parsers.MAP_REPO_TO_PARSER:
                raise ConfigError(
                    f"{path}: {repo} {version}: log_parser {parser_repo!r} is not a harness repository"
                )
            constants.MAP_REPO_VERSION_TO_SPECS.setdefault(repo, {})[version] = spec
            log_parsers.MAP_REPO_TO_PARSER[repo] = log_parsers.MAP_REPO_TO_PARSER[parser_repo]
            grading.MAP_REPO_TO_PARSER[repo] = log_parsers.MAP_REPO_TO_PARSER[parser_repo]
    _EXTRA_LOADED.add(path)


def harness() -> SimpleNamespace:
    """The parts of `swebench` aso uses; AsoError saying how to install it when it is missing."""
    try:
        from swebench.harness import constants, grading, log_parsers
        from swebench.harness.test_spec import python as test_spec_python
        from swebench.harness.test_spec.test_spec import TestSpec
    except ImportError as exc:
        raise AsoError(
            f"the swebench package (4.x) is needed for SWE-bench environments and grading ({exc}); "
            "install it with: pip install 'aso[swe]'"
        ) from None
    _add_extra_specs(constants, log_parsers, grading)
    return SimpleNamespace(
        constants=constants,
        grading=grading,
        log_parsers=log_parsers,
        python=test_spec_python,
        TestSpec=TestSpec,
    )


@dataclass(frozen=True)
class EnvSpec:
    """How the harness builds the environment of one (repository, version)."""

    repo: str
    version: str
    python: str
    """major.minor"""
    packages: str = ""
    """'requirements.txt', 'environment.yml' or conda package names separated by spaces."""
    pip_packages: tuple[str, ...] = ()
    pre_install: tuple[str, ...] = ()
    install: str = ""
    test_cmd: str = ""
    eval_commands: tuple[str, ...] = ()
    no_use_env: bool = False
    base_tools: bool = True
    """Upgrade pip/setuptools/wheel first (as a fresh conda environment has them); False for offline
    specs of `$ASO_SWE_SPECS`."""
    site_dirs: tuple[str, ...] = ()
    """Directories of installed packages the environment also sees (a `.pth`; `$ASO_SWE_SPECS` only)."""

    @property
    def key(self) -> str:
        """Directory name of the environment: `owner__name-version`."""
        return f"{self.repo.replace('/', '__')}-{self.version}"

    def to_dict(self) -> dict[str, Any]:
        """JSON form (recorded in the environment's env.json)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}


def env_spec(repo: str, version: str) -> EnvSpec:
    """The harness's spec of (`repo`, `version`); ConfigError when it has none."""
    specs = harness().constants.MAP_REPO_VERSION_TO_SPECS
    if repo not in specs:
        raise ConfigError(f"{repo}: not a repository the SWE-bench harness has specs for")
    if version not in specs[repo]:
        known = ", ".join(sorted(specs[repo]))
        raise ConfigError(f"{repo}: no harness spec for version {version!r} (known: {known})")
    s = specs[repo][version]
    test_cmd = s.get("test_cmd", "")
    if isinstance(test_cmd, list):
        test_cmd = " && ".join(test_cmd)
    return EnvSpec(
        repo,
        version,
        str(s["python"]),
        str(s.get("packages", "")),
        tuple(s.get("pip_packages", ())),
        tuple(s.get("pre_install", ())),
        str(s.get("install", "")),
        test_cmd,
        tuple(s.get("eval_commands", ())),
        bool(s.get("no_use_env", False)),
        bool(s.get("aso_base_tools", True)),
        tuple(s.get("aso_site_dirs", ())),
    )


def instance_spec(instance: Instance) -> EnvSpec:
    """The environment spec of `instance` (its repository and version)."""
    if not instance.version:
        raise ConfigError(f"{instance.instance_id}: no 'version' column (the harness keys its specs on it)")
    return env_spec(instance.repo, instance.version)


def test_command(instance: Instance) -> str:
    """The harness's test command: the spec's `test_cmd` and the test patch's directives."""
    directives = harness().python.get_test_directives(_row(instance))
    return " ".join([instance_spec(instance).test_cmd, *directives])


test_command.__test__ = False  # type: ignore[attr-defined]


def requirements_paths(repo: str) -> list[str]:
    """Where the harness looks for the requirements file of `repo` (first found wins)."""
    return list(harness().constants.MAP_REPO_TO_REQS_PATHS.get(repo, ()))


def requirements_text(repo: str, read: Any) -> str:
    """The requirements the harness installs for `packages: requirements.txt`, from `read(path)` (the
    file's text at the environment setup commit, or None): the first of `requirements_paths`, its
    `-r` includes inlined, `-e .`/comments/`.[test` lines dropped, then swebench's clean-up."""
    h = harness()
    for path in requirements_paths(repo):
        text = read(path)
        if text is not None:
            break
    else:
        raise ConfigError(
            f"{repo}: none of {requirements_paths(repo)} exists at the environment setup commit"
        )
    folder = "/".join(path.split("/")[:-1])
    original, extra = [], []
    skip = ("-e .", "#", ".[test")
    for line in text.split("\n"):
        if line.strip().startswith("-r"):
            name = line.strip()[2:].strip()
            included = read(f"{folder}/{name}" if folder else name)
            extra += [x for x in (included or "").split("\n") if not x.strip().startswith(skip)]
        elif not line.strip().startswith(skip):
            original.append(line)
    extra.append("\n".join(original))
    return h.python.clean_requirements("\n".join(extra))


def _row(instance: Instance) -> dict[str, Any]:
    return {
        "instance_id": instance.instance_id,
        "repo": instance.repo,
        "version": instance.version,
        "base_commit": instance.base_commit,
        "test_patch": instance.test_patch,
        "FAIL_TO_PASS": list(instance.fail_to_pass),
        "PASS_TO_PASS": list(instance.pass_to_pass),
    }


def _test_spec(instance: Instance) -> Any:
    h = harness()
    return h.TestSpec(
        instance_id=instance.instance_id,
        repo=instance.repo,
        version=instance.version,
        repo_script_list=[],
        eval_script_list=[],
        env_script_list=[],
        arch="x86_64",
        FAIL_TO_PASS=list(instance.fail_to_pass),
        PASS_TO_PASS=list(instance.pass_to_pass),
        language="py",
        docker_specs={},
        namespace=None,
    )


def parse_test_log(instance: Instance, log_path: str | Path) -> tuple[dict[str, str], bool]:
    """swebench's `get_logs_eval`: test id -> status (PASSED, FAILED, SKIPPED, ERROR, XFAIL) from the
    text between the markers, parsed by the repository's official parser; False when the log has an
    apply-failure/error marker or no markers."""
    return harness().grading.get_logs_eval(_test_spec(instance), str(log_path))


def grade(instance: Instance, model_patch: str | None, log_path: str | Path) -> dict[str, Any]:
    """swebench's `get_eval_report` for one instance: the official per-instance report
    (`patch_is_None`, `patch_exists`, `patch_successfully_applied`, `resolved`, `tests_status` with
    FAIL_TO_PASS / PASS_TO_PASS success and failure lists)."""
    prediction = {
        "instance_id": instance.instance_id,
        "model_name_or_path": "aso",
        "model_patch": model_patch,
    }
    report = harness().grading.get_eval_report(_test_spec(instance), prediction, str(log_path), True)
    return json.loads(json.dumps(report[instance.instance_id]))


def parse_log_text(repo: str, version: str, log: str) -> dict[str, str]:
    """Test id -> status of a test log with the harness's markers, by the repository's official
    parser (as `get_logs_eval` does, without its apply-failure checks); {} without markers."""
    h = harness()
    if START_TEST_OUTPUT not in log or END_TEST_OUTPUT not in log:
        return {}
    content = log.split(START_TEST_OUTPUT)[1].split(END_TEST_OUTPUT)[0]
    spec = h.TestSpec(
        instance_id="",
        repo=repo,
        version=version,
        repo_script_list=[],
        eval_script_list=[],
        env_script_list=[],
        arch="x86_64",
        FAIL_TO_PASS=[],
        PASS_TO_PASS=[],
        language="py",
        docker_specs={},
        namespace=None,
    )
    return h.log_parsers.MAP_REPO_TO_PARSER[repo](content, spec)
