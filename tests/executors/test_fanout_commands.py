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
