"""Commands that fan out through an executor: same outputs as in-process for a batch-independent model."""

from __future__ import annotations

import json

from aso.dataset.config import DatasetConfig
from aso.dataset.loop import run_dataset
from aso.executors import LocalExecutor
from aso.executors.testing import ProgramModel

PROGRAM_MODEL = "aso.executors.testing:ProgramModel"


def dataset_config() -> DatasetConfig:
    return DatasetConfig(
        mode="map-elites", model=PROGRAM_MODEL, budget=8, batch_size=4, execute=False, retrieval=False
    )


def test_dataset_run_over_two_workers_matches_the_in_process_run(tmp_path):
    _, inline = run_dataset(dataset_config(), model=ProgramModel(), output=tmp_path / "a", progress=False)
    with LocalExecutor(workers=2) as pool:
        run, pooled = run_dataset(dataset_config(), output=tmp_path / "b", progress=False, executor=pool)
    assert (tmp_path / "a" / "dataset.jsonl").read_text() == (tmp_path / "b" / "dataset.jsonl").read_text()
    assert pooled["generated"] == inline["generated"] == 8
    chunks = [k for k in run.done_items() if "/prompts-" in k]
    assert sorted(chunks) == [f"iter-0000{i}/prompts-0000{s}" for i in (0, 1) for s in (0, 2)]
    assert len({run.done_items()[k]["worker"] for k in chunks}) >= 1


def test_synth_batch_specs_over_two_workers_match_the_in_process_batch(tmp_path):
    import shutil

    from aso.data import dex_specs_dir
    from aso.executors.synth_batch import process_specs_over
    from aso.executors.testing import DexHintModel
    from aso.runs import Run
    from aso.synth.hints import GenerationSettings, HintGenerator, discover_specs, run_batch

    d = tmp_path / "specs"
    d.mkdir()
    for name in ("swap_fee_calculator_hole", "fee_accumulator_simple_hole", "cpmm_output_amount_hole"):
        for suffix in (".yaml", ".synth.json"):
            shutil.copy(dex_specs_dir() / f"{name}{suffix}", d / f"{name}{suffix}")
    specs = discover_specs(d)
    gen = HintGenerator(DexHintModel(), GenerationSettings(samples=2))
    here = run_batch(specs, Run.create("t", {}, path=tmp_path / "a"), gen, progress=False)
    run = Run.create("t", {}, path=tmp_path / "b")
    with LocalExecutor(workers=2) as pool:
        there = run_batch(specs, run, gen, progress=False, executor=pool)
        assert dict(process_specs_over(pool, specs[:1], run, gen)).keys() == {specs[0].name}
    def strip(summary):
        return {k: {f: v for f, v in s.items() if f != "hint_file"} for k, s in summary.items()}

    assert strip(there) == strip(here) and there.keys() == here.keys()
    for name in ("swap_fee_calculator_hole", "fee_accumulator_simple_hole"):
        a = (tmp_path / "a" / "hints" / f"{name}.llm_hints.json").read_text()
        assert (tmp_path / "b" / "hints" / f"{name}.llm_hints.json").read_text() == a
    from aso.cli.main import main

    argv = ["synth", "batch", str(d), "--model", "aso.executors.testing:DexHintModel", "--samples", "2"]
    assert main([*argv, "--no-measure-synth", "--workers", "2", "--output", str(tmp_path / "c")]) == 0
    summary = json.loads((tmp_path / "c" / "summary.json").read_text())
    assert strip(summary) == strip(here)


def test_optimize_rollouts_are_sampled_by_the_workers(tmp_path):
    from aso.grpo import Task, TFGRPOOptimizer, Verdict
    from aso.models import get_model
    from aso.runs import Run

    def flat(task, completions):  # no variance: no reflection, the rollouts are all there is
        return [Verdict(0.0, (False,)) for _ in completions]

    tasks = [Task(f"t{i}", f"Write f{i}.") for i in range(3)]
    run = Run.create("t", {}, path=tmp_path / "run")
    model = get_model("aso.executors.testing:SeededModel")
    with LocalExecutor(workers=2) as pool:
        opt = TFGRPOOptimizer(
            base_model=model, group_size=2, epochs=1, batch_size=3, calibration_tasks=0, progress=False,
            executor=pool,
        )
        opt.optimize(tasks, flat, run=run)
    texts = [r.text for r in opt.rollouts]
    assert len(texts) == 6 and len({t.split()[2] for t in texts}) == 2  # two chunks, two seeds
    assert sorted(k for k in run.done_items() if "/prompts-" in k) == [
        "epoch1/batch0/prompts-00000",
        "epoch1/batch0/prompts-00002",
    ]


def test_eval_humaneval_cli_with_two_workers_gives_the_in_process_summary(tmp_path):
    from aso.cli.main import main

    argv = ["eval", "humaneval", "--limit", "4", "--model", "aso.priors.testing:LessonAwareModel"]
    assert main([*argv, "--output", str(tmp_path / "a")]) == 0
    assert main([*argv, "--workers", "2", "--output", str(tmp_path / "b")]) == 0
    a, b = (json.loads((tmp_path / x / "summary.json").read_text()) for x in "ab")
    assert a == b and a["pass@1"] == 0.5
    events = tmp_path / "b" / "events.jsonl"
    done = [line for line in events.read_text().splitlines() if "item_done" in line]
    assert len(done) == 4  # one record per problem, under the keys evaluate itself uses
    assert main([*argv, "--workers", "2", "--resume", str(tmp_path / "b")]) == 0
    again = [line for line in events.read_text().splitlines() if "item_done" in line]
    assert again == done  # the resumed run evaluated nothing again
