"""`aso swe list | env build | solve | evaluate`: SWE-bench instances on real repositories, without Docker."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from tqdm import tqdm

from aso.cli.options import (
    ExecutorOption,
    ModelOption,
    OutputOption,
    RayAddressOption,
    ResumeOption,
    SeedOption,
    WorkersOption,
    make_executor,
)
from aso.cli.solve import EditFormatOption

swe_app = typer.Typer(
    help="SWE-bench Verified without Docker: list instances, build their environments (one venv per "
    "repository and version, from the official harness's specs), solve, evaluate predictions with the "
    "official log parsers and report format.",
    no_args_is_help=True,
)
DataOption = typer.Option(
    None, "--data", help="SWE-bench parquet (default: $ASO_SWEBENCH_DATA or the Verified set)."
)
CacheOption = typer.Option(
    None,
    "--repo-cache",
    help="Directory of clones or bare mirrors (DIR/owner+name/repo, DIR/owner__name, DIR/name); "
    "default: clone from GitHub into ~/.cache/aso/swe-repos.",
)
EnvDirOption = typer.Option(
    None, "--env-dir", help="Where environments are cached (default: $ASO_SWE_ENVS or ~/.cache/aso/swe-envs)."
)
PythonDirOption = typer.Option(
    [],
    "--python-dir",
    help="Where to look for the Python versions the specs need (repeatable); "
    "then ~/.pyenv/versions and PATH.",
)


def _instances(data: Path | None) -> dict:
    from aso.swe import DEFAULT_DATA, load_instances

    return {i.instance_id: i for i in load_instances(data or DEFAULT_DATA)}


def _instance(data: Path | None, instance_id: str):  # noqa: ANN202
    from aso.errors import ConfigError

    found = _instances(data).get(instance_id)
    if found is None:
        raise ConfigError(f"instance {instance_id!r}: not in the SWE-bench data (see `aso swe list`)")
    return found


@swe_app.command("list")
def list_(
    repo: str | None = typer.Option(None, "--repo", help="Only this repository (owner/name)."),
    data: Path | None = DataOption,
) -> None:
    """Print instance id, repository and difficulty.

    Example: aso swe list --repo pytest-dev/pytest
    """
    from aso.errors import ConfigError

    chosen = [i for i in _instances(data).values() if repo is None or i.repo == repo]
    if not chosen:
        raise ConfigError(f"--repo {repo}: no instance of this repository in the SWE-bench data")
    for i in chosen:
        print(f"{i.instance_id}\t{i.repo}\t{i.difficulty}")
    print(f"{len(chosen)} instance(s)")


@swe_app.command("solve")
def solve(
    instance_id: str = typer.Argument(..., help="e.g. pytest-dev__pytest-7432"),
    repo_cache: Path | None = CacheOption,
    env_dir: Path | None = EnvDirOption,
    python_dir: list[Path] = PythonDirOption,
    predictions: Path = typer.Option(Path("predictions.jsonl"), "--predictions", help="JSONL to append to."),
    oracle_tests: bool = typer.Option(
        False,
        "--oracle-tests",
        help="Reward with the hidden test patch and FAIL_TO_PASS + PASS_TO_PASS "
        "(NOT comparable with the SWE-bench leaderboard; labelled so in the run and the prediction).",
    ),
    group_size: int = typer.Option(4, "--group-size", min=2),
    max_iterations: int = typer.Option(3, "--max-iterations", min=1),
    priors: Path | None = typer.Option(None, "--priors", help="Priors file from `aso optimize`."),
    temperature: float = typer.Option(0.7, "--temperature", min=0.0),
    max_tokens: int = typer.Option(512, "--max-tokens", min=16),
    top_files: int = typer.Option(3, "--top-files", min=1),
    context_chars: int = typer.Option(6000, "--context-chars", min=200),
    timeout: float = typer.Option(900.0, "--timeout", min=1.0, help="Seconds per test run."),
    edit_format: str = EditFormatOption,
    data: Path | None = DataOption,
    model: str | None = ModelOption,
    seed: int = SeedOption,
    resume: Path | None = ResumeOption,
    output: Path | None = OutputOption,
) -> None:
    """Solve one instance in its environment and append its prediction to the predictions file.

    Honest protocol (default): the model sees the problem statement and the repository at the base
    commit, never the test patch or the FAIL_TO_PASS/PASS_TO_PASS ids. Reward: the existing tests near
    the localised code that pass at the base commit, plus a reproduction test the model writes from
    the issue (kept when it fails at the base commit), run in the instance's environment.
    --oracle-tests: the test patch applied and its tests as the reward; not leaderboard-comparable.

    Example: aso swe solve psf__requests-6028 --repo-cache /work/.mirror --model smollm2
    """
    from aso.cli.options import load_model
    from aso.cli.solve import run_solve, workflow_config
    from aso.solve import Issue
    from aso.solve.localize import localize
    from aso.swe import prepare, test_files, without_files
    from aso.swe.envs import ENV_ROOT, instance_env, scm_version
    from aso.swe.evaluation import prepare_instance
    from aso.swe.harness import append_prediction
    from aso.swe.honest import HonestReward, nearby_test_files, reproduction_test
    from aso.swe.specs import harness, test_command

    harness()
    inst = _instance(data, instance_id)
    env, repo = instance_env(inst, repo_cache, root=env_dir or ENV_ROOT, python_dirs=python_dir)
    issue = Issue.from_text(inst.problem_statement, inst.instance_id)
    version = scm_version(repo, inst.base_commit)
    protocol = "oracle-tests (not leaderboard-comparable)" if oracle_tests else "honest"
    if oracle_tests:
        ws = prepare(inst, repo)
        directives = test_command(inst).split()[len(env.spec.test_cmd.split()) :]
        reward = HonestReward(
            env, directives, None, timeout=timeout, scm_version=version, expected=inst.tests
        )
        extra: dict = {}
    else:
        ws, _ = prepare_instance(inst, repo, env, "", test_patch=False)
        where = localize(ws.path, ws.files(), issue.text, top_k=top_files, budget=context_chars)
        near = nearby_test_files(ws.path, where.shown)
        repro = reproduction_test(load_model(model), issue, seed=seed)
        reward = HonestReward(env, near, repro, timeout=timeout, scm_version=version)
        extra = {"nearby_tests": near, "reproduction_test": repro}
    with ws:
        config = {
            "instance_id": inst.instance_id,
            "protocol": protocol,
            "repo": str(repo),
            "env": str(env.path),
            "commit": ws.commit,
            "test_cmd": reward.test_cmd,
            **extra,
            **workflow_config(
                group_size,
                max_iterations,
                priors,
                temperature,
                max_tokens,
                top_files,
                context_chars,
                timeout,
                None,
                seed,
                edit_format,
            ),
        }
        result, run = run_solve(
            issue, ws, reward, config, model=model, resume=resume, output=output, command="swe solve"
        )
    run.write_json(
        "protocol.json",
        {
            "protocol": protocol,
            "dead_reward": reward.dead,
            "notes": reward.notes,
            "counted_tests": list(reward.expected or ()),
        },
    )
    patch = without_files(result.best.patch if result.best else "", test_files(inst.test_patch))
    append_prediction(predictions, inst.instance_id, str(run.config["model"]), patch, protocol=protocol)
    if reward.dead:
        print(f"{inst.instance_id}: warning: the reward signal is dead: {reward.dead}")
    for note in reward.notes:
        print(f"{inst.instance_id}: note: {note}")
    state = "passes its counted tests" if result.resolved else "not resolved"
    print(f"{inst.instance_id} [{protocol}]: {state}; prediction appended to {predictions}; run: {run.path}")


_LISTS = (("FAIL_TO_PASS", "fail_to_pass"), ("PASS_TO_PASS", "pass_to_pass"))


def _passed(name: str, lists: dict) -> str:
    ok, bad = len(lists.get("success", [])), len(lists.get("failure", []))
    return f"{name} {ok}/{ok + bad}"


@swe_app.command("evaluate")
def evaluate(
    predictions: Path = typer.Argument(..., help="SWE-bench predictions JSONL (instance_id, model_patch)."),
    repo_cache: Path | None = CacheOption,
    env_dir: Path | None = EnvDirOption,
    python_dir: list[Path] = PythonDirOption,
    timeout: float = typer.Option(1800.0, "--timeout", min=1.0, help="Seconds per instance's test run."),
    data: Path | None = DataOption,
    resume: Path | None = ResumeOption,
    output: Path | None = OutputOption,
    executor: str = ExecutorOption,
    workers: int = WorkersOption,
    ray_address: str | None = RayAddressOption,
) -> None:
    """Grade predictions as the official harness does: apply each model_patch and the test patch, run the
    harness's test command in the sandbox in the instance's environment (built on first use), parse the
    log with the repository's official parser. The run directory keeps every test log
    (logs/ID/test_output.txt) and report.json in the official format. With --workers N each instance
    is one work item graded by one of N workers (the same report as in one process).

    Example: aso swe evaluate predictions.jsonl --repo-cache /work/.mirror --workers 2
    """
    from aso.runs import open_run
    from aso.swe import read_predictions
    from aso.swe.batch import check_predictions, evaluate_predictions
    from aso.swe.envs import ENV_ROOT
    from aso.swe.specs import harness

    harness()
    preds = read_predictions(predictions)
    known = _instances(data)
    check_predictions(preds, known, str(predictions))
    config = {
        "predictions": str(predictions),
        "repo_cache": str(repo_cache) if repo_cache else None,
        "env_dir": str(env_dir or ENV_ROOT),
        "timeout": timeout,
    }
    pool = make_executor(executor, workers, ray_address)
    try:
        run = open_run("swe evaluate", config, resume=resume, seed=None, model_hash=None, output=output)
        report = evaluate_predictions(
            preds,
            known,
            run,
            repo_cache=repo_cache,
            env_root=env_dir or ENV_ROOT,
            python_dirs=python_dir,
            timeout=timeout,
            executor=pool,
        )
    finally:
        pool.close()
    for r in report["results"]:
        counts = "\t".join(_passed(name, r.get(key) or {}) for name, key in _LISTS)
        state = "resolved" if r["resolved"] else "empty patch" if r.get("empty_patch") else "unresolved"
        note = f" ({r['error']})" if r.get("error") else ""
        print(f"{r['instance_id']}\t{state}\t{counts}{note}")
    n, resolved = report["submitted_instances"], report["resolved_instances"]
    run.finish(instances=n, resolved=resolved, resolved_rate=resolved / n, errors=report["error_instances"])
    errors = report["error_instances"]
    print(f"resolved {resolved}/{n} ({resolved / n:.1%}); errors {errors}; run: {run.path}")
    _raise_for_failed_items(run, report["incomplete_ids"], n, "graded")
    infra = [r for r in report["results"] if r.get("error") and not r.get("report")]
    if infra:  # an environment that cannot be built or tests that cannot start: never a silent 0/N
        from aso.errors import AsoError

        first = infra[0]
        raise AsoError(
            f"{len(infra)} of {n} instance(s) could not be graded; "
            f"first: {first['instance_id']}: {first['error']}"
        )


def _raise_for_failed_items(run, missing: list[str], n: int, what: str) -> None:  # noqa: ANN001 - a Run
    """ItemsFailedError naming the instances whose work items failed on the workers (--resume retries)."""
    if not missing:
        return
    from aso.executors.sampling import ItemsFailedError
    from aso.executors.swe import failed_items

    errors = failed_items(run, missing)
    first = missing[0]
    raise ItemsFailedError(
        f"{len(missing)} of {n} instance(s) failed on the workers and were not {what} (first: {first}: "
        f"{errors.get(first, 'no result')}); finished instances are kept, --resume {run.path} retries these"
    )


@swe_app.command("bench")
def bench(
    instance_ids: list[str] = typer.Argument(None, help="Instances to solve and grade."),
    repo: str | None = typer.Option(None, "--repo", help="Instances of this repository (owner/name)."),
    limit: int = typer.Option(10, "--limit", min=1, help="At most this many instances (dataset order)."),
    repo_cache: Path | None = CacheOption,
    env_dir: Path | None = EnvDirOption,
    python_dir: list[Path] = PythonDirOption,
    oracle_tests: bool = typer.Option(False, "--oracle-tests", help="Oracle-tests reward (NOT comparable)."),
    group_size: int = typer.Option(4, "--group-size", min=2),
    max_iterations: int = typer.Option(3, "--max-iterations", min=1),
    temperature: float = typer.Option(0.7, "--temperature", min=0.0),
    max_tokens: int = typer.Option(512, "--max-tokens", min=16),
    top_files: int = typer.Option(3, "--top-files", min=1),
    context_chars: int = typer.Option(6000, "--context-chars", min=200),
    timeout: float = typer.Option(900.0, "--timeout", min=1.0, help="Seconds per test run."),
    edit_format: str = EditFormatOption,
    data: Path | None = DataOption,
    model: str | None = ModelOption,
    seed: int = SeedOption,
    resume: Path | None = ResumeOption,
    output: Path | None = OutputOption,
    executor: str = ExecutorOption,
    workers: int = WorkersOption,
    ray_address: str | None = RayAddressOption,
) -> None:
    """Solve and grade a list of instances end to end in one resumable run directory: each instance is
    solved (honest protocol unless --oracle-tests), its prediction graded as the official harness does;
    then report.json (resolved rate with its 95% interval, per-repository table, localisation hit rate,
    patch similarity) and iterations.png. With --workers N each instance (solve, then grade) is one
    work item on one of N workers; each worker loads the model once, the command itself not at all.

    Example: aso swe bench --repo psf/requests --limit 10 --model openai:https://api.openai.com/v1#gpt-4o-mini
    """
    from aso.errors import ConfigError
    from aso.executors.sampling import runs_in_process
    from aso.runs import open_run
    from aso.swe.envs import ENV_ROOT
    from aso.swe.harness import append_prediction
    from aso.swe.report import bench_report, iterations_histogram
    from aso.swe.specs import harness

    harness()
    known = _instances(data)
    chosen = [_instance(data, i) for i in instance_ids or []]
    chosen += [i for i in known.values() if repo is not None and i.repo == repo]
    chosen = chosen[:limit]
    if not chosen:
        raise ConfigError("no instances: name instance ids or --repo owner/name (see `aso swe list`)")
    protocol = "oracle-tests (not leaderboard-comparable)" if oracle_tests else "honest"
    config = {
        "instances": [i.instance_id for i in chosen],
        "protocol": protocol,
        "model": model,
        "seed": seed,
        "group_size": group_size,
        "max_iterations": max_iterations,
        "temperature": temperature,
        "max_tokens": max_tokens,
        "top_files": top_files,
        "context_chars": context_chars,
        "timeout": timeout,
        "edit_format": edit_format,
    }
    options = {
        **{k: v for k, v in config.items() if k not in ("instances", "protocol")},
        "oracle_tests": oracle_tests,
        "repo_cache": str(repo_cache) if repo_cache else None,
        "env_root": str(env_dir or ENV_ROOT),
        "python_dirs": [str(d) for d in python_dir],
        "data": str(data) if data else None,
    }
    pool = make_executor(executor, workers, ray_address)
    here = runs_in_process(pool)
    try:
        if not here:
            _check_endpoint(model)
        run = open_run("swe bench", config, resume=resume, seed=seed, model_hash=None, output=output)
        rows = run.done_rows()
        todo = [i for i in chosen if i.instance_id not in rows]
        bar = tqdm(total=len(todo), desc="swe bench", unit="instance", dynamic_ncols=True)
        if here:
            results = ((i.instance_id, bench_instance(i, run.path, options, bar)) for i in todo)
        else:
            from aso.executors.swe import bench_instances_over

            results = bench_instances_over(pool, todo, run, options)
        with bar:
            for iid, value in results:
                bar.update(1)
                if value is None:  # failed on the workers: logged, retried by --resume
                    continue
                pred = value["prediction"]
                append_prediction(
                    run.path / "predictions.jsonl",
                    iid,
                    pred["model_name_or_path"],
                    pred["model_patch"],
                    protocol=pred.get("protocol", ""),
                )
                run.mark_done(iid, **value["row"])
                rows[iid] = value["row"]
    finally:
        pool.close()
    graded = [rows[i.instance_id] for i in chosen if i.instance_id in rows]
    report = bench_report(graded, protocol)
    report["results"] = graded
    run.write_json("report.json", report)
    iterations_histogram(graded, run.path / "iterations.png", f"aso swe bench [{protocol}]")
    lo, hi = report["resolved_interval_95"]
    print(f"protocol: {protocol}")
    print("repository\tinstances\tresolved\tlocalised")
    for name, d in report["per_repo"].items():
        print(f"{name}\t{d['instances']}\t{d['resolved']}\t{d['localised']}")
    print(
        f"resolved {report['resolved']}/{report['instances']} ({report['resolved_rate']:.1%}, 95% CI "
        f"{lo:.1%}-{hi:.1%}); localisation hit {report['localisation_hit_rate']:.0%}; mean patch similarity "
        f"{report['mean_patch_similarity']:.3f}; run: {run.path}"
    )
    run.finish(instances=report["instances"], resolved=report["resolved"], protocol=protocol)
    missing = [i.instance_id for i in chosen if i.instance_id not in rows]
    _raise_for_failed_items(run, missing, len(chosen), "solved and graded")


def _check_endpoint(model: str | None) -> None:
    """An endpoint model (`openai:`) that does not answer fails here, in one line; a local model is
    not loaded (only the workers use it)."""
    from aso.cli.options import load_model
    from aso.models.names import parse_model_name

    if parse_model_name(model).backend == "openai":
        load_model(model)


def bench_instance(instance, run_path: Path, options: dict, bar=None) -> dict:  # noqa: ANN001
    """Solve one instance (its own resumable run under `solve/ID/`, its prediction in
    `solve/ID/prediction.jsonl`) and grade the prediction into `logs/ID/`. Returns
    `{"row": the report row, "prediction": the predictions-file record}`. `options`: the bench
    command's settings as plain values. Run in this process or by a worker (`aso.executors.swe`)."""
    from aso.swe.envs import instance_env
    from aso.swe.evaluation import evaluate_instance
    from aso.swe.harness import read_predictions

    iid = instance.instance_id
    if bar is not None:
        bar.set_postfix_str(iid)
    solve_dir = run_path / "solve" / iid
    started = (solve_dir / "events.jsonl").exists()
    repo_cache = Path(options["repo_cache"]) if options["repo_cache"] else None
    python_dirs = [Path(d) for d in options["python_dirs"]]
    solve(
        iid,
        repo_cache=repo_cache,
        env_dir=Path(options["env_root"]),
        python_dir=python_dirs,
        predictions=solve_dir / "prediction.jsonl",
        oracle_tests=options["oracle_tests"],
        group_size=options["group_size"],
        max_iterations=options["max_iterations"],
        priors=None,
        temperature=options["temperature"],
        max_tokens=options["max_tokens"],
        top_files=options["top_files"],
        context_chars=options["context_chars"],
        timeout=options["timeout"],
        edit_format=options["edit_format"],
        data=Path(options["data"]) if options["data"] else None,
        model=options["model"],
        seed=options["seed"],
        resume=solve_dir if started else None,
        output=None if started else solve_dir,
    )
    [pred] = [p for p in read_predictions(solve_dir / "prediction.jsonl") if p["instance_id"] == iid]
    summary = json.loads((solve_dir / "summary.json").read_text())
    env, repo_git = instance_env(instance, repo_cache, root=options["env_root"], python_dirs=python_dirs)
    ev = evaluate_instance(
        instance, pred["model_patch"], env, repo_git, run_path / "logs" / iid, options["timeout"]
    )
    gold_files = ev.localisation["gold_files"]
    row = {
        "instance_id": iid,
        "repo": instance.repo,
        "resolved": ev.resolved,
        "empty_patch": ev.empty_patch,
        "iterations": summary["iterations"],
        "model_calls": summary["model_calls"],
        "localised": summary["localized"],
        "localisation_hit": any(f in summary["localized"] for f in gold_files),
        "edited_gold_file": ev.localisation["hit"],
        "patch_similarity": ev.patch_similarity,
        "fail_to_pass": ev.fail_to_pass,
        "pass_to_pass": ev.pass_to_pass,
        "seconds": ev.seconds,
        "counted_tests_passed": summary["resolved"],
        "error": ev.error,
    }
    return {"row": row, "prediction": pred}


env_app = typer.Typer(
    help="Per-(repository, version) environments from the harness's specs.", no_args_is_help=True
)
swe_app.add_typer(env_app, name="env")


@env_app.command("build")
def env_build(
    instance_ids: list[str] = typer.Argument(None, help="Instances whose environments to build."),
    repo: str | None = typer.Option(None, "--repo", help="Every version of this repository (owner/name)."),
    repo_cache: Path | None = CacheOption,
    env_dir: Path | None = EnvDirOption,
    python_dir: list[Path] = PythonDirOption,
    force: bool = typer.Option(False, "--force", help="Rebuild even when a successful build is cached."),
    data: Path | None = DataOption,
) -> None:
    """Build (or reuse) one virtual environment per (repository, version): the spec's Python, packages,
    pip packages and install command at the environment setup commit; a build log per environment.

    Example: aso swe env build psf__requests-6028 pallets__flask-5014 --repo-cache /work/.mirror
    """
    import time

    from aso.errors import AsoError, ConfigError
    from aso.swe.envs import ENV_ROOT, EnvBuildError, instance_env
    from aso.swe.specs import harness, instance_spec

    harness()
    known = _instances(data)
    chosen = [_instance(data, i) for i in instance_ids or []]
    chosen += [i for i in known.values() if repo is not None and i.repo == repo]
    if not chosen:
        raise ConfigError("no instances: name instance ids or --repo owner/name (see `aso swe list`)")
    by_key: dict[str, object] = {}
    for inst in chosen:
        by_key.setdefault(instance_spec(inst).key, inst)
    failed = 0
    for key, inst in by_key.items():
        started = time.monotonic()
        try:
            env, _ = instance_env(
                inst, repo_cache, root=env_dir or ENV_ROOT, python_dirs=python_dir, force=force
            )
        except EnvBuildError as exc:
            failed += 1
            print(f"{key}\tfailed\t{exc}")
            continue
        print(f"{key}\tok\tPython {env.python_version}\t{time.monotonic() - started:.1f} s\t{env.path}")
    if failed:
        raise AsoError(f"{failed} of {len(by_key)} environment(s) failed to build (see their build.log)")


def register(app: typer.Typer) -> None:
    """Add `aso swe`."""
    app.add_typer(swe_app, name="swe")
