"""SWE-bench Verified on real repositories, without Docker.

Index:
- `Instance`, `load_instances`, `DEFAULT_DATA` (`instances`); `find_repo` clones or a `--repo-cache` (`repos`)
- `env_spec`, `instance_spec`, `test_command`, `grade`, `parse_test_log`: the official harness's specs,
  parsers and grading, from the `swebench` package (`specs`)
- `build_env`, `instance_env`, `find_python`, `Env`: one venv per (repository, version) (`envs`);
  packages as of Verified's release date (`pipdate`); environment.yml specs with pip, on request (`envyml`)
- `added_dependencies`: requirements the patched install adds, fetched before the offline run (`deps`)
- `run_tests`: the eval script in the sandbox in the instance's environment; `harness_pip`, the dated
  pip its install uses (`testbed`)
- `evaluate_instance`, `run_report`: one prediction graded as the harness does (`evaluation`);
  `evaluate_predictions` over a predictions file into a run directory (`batch`)
- `patch_similarity`, `files_hit` (`metrics`)
- `bench_report`, `wilson_interval`, `iterations_histogram` (`report`)
- `HonestReward`, `reproduction_test`, `nearby_test_files`: the honest solving protocol (`honest`)
- `append_prediction`, `read_predictions`, `prepare` (the oracle-tests working copy) (`harness`)

Not handled: conda-only specs (`environment.yml`: xarray, matplotlib, astropy...; a pip approximation on
request, which fails on xarray: pip's cfgrib lacks the ecCodes library conda brings), `pre_install`
steps that need apt packages that are not installed, Django (its mirror is too large to fetch here;
its runner's parser is swebench's and is tested on its log format).
"""

from aso.swe.harness import (
    append_prediction,
    prepare,
    read_predictions,
    without_files,
)
from aso.swe.instances import DEFAULT_DATA, Instance, load_instances, test_files
from aso.swe.repos import find_repo

__all__ = [
    "DEFAULT_DATA",
    "Instance",
    "append_prediction",
    "find_repo",
    "load_instances",
    "prepare",
    "read_predictions",
    "test_files",
    "without_files",
]
