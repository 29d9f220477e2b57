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


def _wheel(folder, name: str, version: str, requires: tuple[str, ...] = ()) -> None:
    """A metadata-only wheel `name-version` in `folder`."""
    import zipfile

    info = f"{name}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    files = {
        f"{info}/METADATA": meta,
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    files[f"{info}/RECORD"] = "".join(f"{p},,\n" for p in files) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(folder / f"{name}-{version}-py3-none-any.whl", "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)


def _local_index(tmp_path, monkeypatch, num_versions: tuple[str, ...]) -> None:
    """pip's only index: local wheels of acme_num (`num_versions`) and acme_oldest 1.0, which pins
    acme_num==1.0 (given to pip through a user config, as the machine's own config would be)."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for version in num_versions:
        _wheel(wheels, "acme_num", version)
    _wheel(wheels, "acme_oldest", "1.0", ("acme_num==1.0",))
    conf = tmp_path / "xdg" / "pip"
    conf.mkdir(parents=True)
    (conf / "pip.conf").write_text(f"[global]\nno-index = true\nfind-links = {wheels}\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


def test_the_spec_pins_win_over_build_requirements(tmp_path, monkeypatch):
    """A build requirement that pins a dependency lower (astropy's oldest-supported-numpy: numpy 1.19.3)
    does not leave it below the spec's `pip_packages` pin (the harness's environment has the pin; it
    installs build requirements in pip's isolated build environment only)."""
    import sys

    from aso.solve.demo_repo import init_repo

    _local_index(tmp_path, monkeypatch, ("1.0", "2.0"))
    pyproject = '[build-system]\nrequires = ["acme_oldest"]\nbuild-backend = "setuptools.build_meta"\n'
    repo = init_repo(tmp_path / "r", {"pyproject.toml": pyproject})
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True)
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    spec = EnvSpec("acme/r", "1", python, pip_packages=("acme_num==2.0",), base_tools=False)
    env = build_env(spec, repo, head.stdout.strip(), root=tmp_path / "envs")
    listed = subprocess.run(
        [str(env.python), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "acme_oldest==1.0" in listed or "acme-oldest==1.0" in listed
    assert "acme_num==2.0" in listed or "acme-num==2.0" in listed


def test_the_install_dependencies_are_resolved_by_a_dry_run_first(tmp_path, monkeypatch):
    """The install's dependencies come from a dry run of the spec's pip install with the environment's
    own pip (which knows the package date's cap), installed before the install itself; an install that
    is not one pip command is left to resolve them itself."""
    import sys

    from aso.swe.envs import BuildLog, install_dependencies, tool_env

    _local_index(tmp_path, monkeypatch, ("1.0",))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    log = BuildLog(tmp_path / "build.log")
    env = tool_env(venv)
    install_dependencies(log, "date > when.txt", tmp_path, env, tmp_path / "r.json", 120)
    assert not (tmp_path / "when.txt").exists()
    install_dependencies(log, "python -m pip install acme_oldest", tmp_path, env, tmp_path / "r.json", 120)
    log.fh.close()
    listed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert {"acme_num==1.0", "acme_oldest==1.0"} <= set(listed)
    text = (tmp_path / "build.log").read_text()
    assert "install is not one pip command" in text
    assert "--dry-run --report" in text


def test_the_pip_upgrade_sets_the_machine_pip_config_aside(tmp_path, monkeypatch):
    """With a package date, pip's own upgrade (uncapped: it must stay current) runs without the machine's
    pip config too: its local indexes carry no Requires-Python, and Python 3.6's pip 18 took a pip that
    needs 3.10 from them."""
    from aso.solve.demo_repo import init_repo

    monkeypatch.setenv("ASO_SWE_AS_OF", "2024-08-13T00:00:00Z")
    seen = tmp_path / "seen.txt"
    fake = tmp_path / "py" / "python9.8"
    fake.parent.mkdir()
    venv_python = (
        f'#!/bin/bash\necho "config=$PIP_CONFIG_FILE cap=${{PIP_UPLOADED_PRIOR_TO:-}}" > {seen}\nexit 1\n'
    )
    fake.write_text(
        '#!/bin/bash\n[ "$1 $2" = "-m venv" ] || exit 2\nmkdir -p "$3/bin"\n'
        f'cat > "$3/bin/python" <<\'EOF\'\n{venv_python}EOF\nchmod +x "$3/bin/python"\n'
    )
    fake.chmod(0o755)
    repo = init_repo(tmp_path / "r", {"a.py": ""})
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True)
    with pytest.raises(EnvBuildError, match=r"pip \(current\) failed"):
        build_env(
            EnvSpec("acme/r", "1", "9.8"),
            repo,
            head.stdout.strip(),
            root=tmp_path / "e",
            python_dirs=[fake.parent],
        )
    assert seen.read_text().strip() == f"config={os.devnull} cap="


def test_a_partial_mirror_copy_is_an_error_unless_missing_files_are_allowed(tmp_path):
    """A repository without some file contents (the mirror snapshots leave out the largest files):
    the graded copy fails; the environment build's copy (`missing_ok`) is made without them."""
    from aso.solve import Workspace
    from aso.solve.demo_repo import init_repo

    repo = init_repo(tmp_path / "r", {"a.py": "x = 1\n", "data/big.txt": "big\n", "run.sh": "#!/bin/sh\n"})
    blob = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD:data/big.txt"], capture_output=True, text=True, check=True
    ).stdout.strip()
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    with pytest.raises(ConfigError, match="git archive"):
        Workspace.create(repo)
    with Workspace.create(repo, missing_ok=True) as ws:
        assert ws.missing == ("data/big.txt",)
        assert ws.files() == ["a.py", "run.sh"] and (ws.path / "a.py").read_text() == "x = 1\n"


def test_the_install_eggs_are_kept_for_the_offline_test_copies(tmp_path):
    """The `.eggs` the environment build's install leaves (setuptools' setup_requires eggs) is kept and
    given to each test copy that has none (the harness's checkout keeps its own)."""
    import sys

    from aso.solve.demo_repo import init_repo
    from aso.swe.envs import copy_setup_eggs

    repo = init_repo(tmp_path / "r", {"a.py": ""})
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True)
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    install = "mkdir -p .eggs/cython-0.29.egg && echo egg > .eggs/cython-0.29.egg/PKG-INFO"
    spec = EnvSpec("acme/r", "1", python, install=install, base_tools=False)
    env = build_env(spec, repo, head.stdout.strip(), root=tmp_path / "envs")
    copy = tmp_path / "copy"
    copy.mkdir()
    assert copy_setup_eggs(env, copy) == "setup_requires eggs of the environment build: cython-0.29.egg"
    assert (copy / ".eggs" / "cython-0.29.egg" / "PKG-INFO").read_text() == "egg\n"
    assert copy_setup_eggs(env, copy) == ""  # a copy with its own .eggs keeps it
