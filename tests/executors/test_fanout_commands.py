"""Commands that fan out through an executor: same outputs as in-process for a batch-independent model."""

from __future__ import annotations

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


def test_evaluate_over_two_workers_gives_evaluates_results_and_run_records(tmp_path):
    from aso.executors.evaluation import evaluate_over
    from aso.humaneval import problems
    from aso.humaneval.evaluation import Method, evaluate
    from aso.priors.testing import LessonAwareModel
    from aso.runs import Run

    chosen = problems("heldout", 5)
    a = Run.create("test", {}, path=tmp_path / "a")
    here = evaluate(LessonAwareModel(), chosen, Method.BASELINE, batch=2, run=a, progress=False)
    b = Run.create("test", {}, path=tmp_path / "b")
    with LocalExecutor(workers=2) as pool:
        model = "aso.priors.testing:LessonAwareModel"
        there = evaluate_over(pool, model, chosen, Method.BASELINE, batch=2, run=b, progress=False)
        assert here.results == there.results and here.model_calls == there.model_calls
        assert {k: v["solved"] for k, v in a.done_items().items()} == {
            k: v["solved"] for k, v in b.done_items().items()
        }
        again = evaluate_over(pool, model, chosen, Method.BASELINE, batch=2, run=Run.resume(b.path))
    assert again.results == here.results
    assert len(list(Run(b.path).events("item_done"))) == len(chosen)  # the resumed call redid nothing


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
        there = dict(process_specs_over(pool, specs, run, gen))
    def strip(summary):
        return {k: {f: v for f, v in s.items() if f != "hint_file"} for k, s in summary.items()}

    assert strip(there) == strip(here) and there.keys() == here.keys()
    for name in ("swap_fee_calculator_hole", "fee_accumulator_simple_hole"):
        a = (tmp_path / "a" / "hints" / f"{name}.llm_hints.json").read_text()
        assert (tmp_path / "b" / "hints" / f"{name}.llm_hints.json").read_text() == a
