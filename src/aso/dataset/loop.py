"""The generation loop: ask the mode for requests, prompt the model in batches, run the stages, tell.

Resumable: each iteration's requests and evaluated records are stored in its `item_done` event; a resumed
run replays them through `tell` (no model call, no re-execution) and continues where it stopped.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from aso.config_files import read_json
from aso.dataset.adapters import LanguageAdapter, get_adapter
from aso.dataset.adapters.vocabulary import restrict_vocabulary
from aso.dataset.cells import QualityWeights, cells_satisfied, enumerate_cells
from aso.dataset.config import DatasetConfig
from aso.dataset.construct_map import ConstructMap, default_map_path, file_sha256
from aso.dataset.emitter import CellEmitter
from aso.dataset.map_elites import MapElitesMode, map_elites_config
from aso.dataset.metrics import construct_counts, entropy_bits, kl_divergence_bits
from aso.dataset.prior import (
    ConstructPrior,
    default_sources,
    load_or_mine_prior,
    parse_source_spec,
    prior_config,
)
from aso.dataset.prompting import PromptBuilder
from aso.dataset.requests import GenerationRequest
from aso.dataset.reward import RewardMode, reward_weights
from aso.dataset.stages import ExamplePipeline, ExampleRecord, StageOutcome
from aso.errors import ConfigError, RunStateError
from aso.executors import Executor
from aso.executors.sampling import runs_in_process, sample_over
from aso.models import Model, SamplingParams
from aso.runs import Run


def resolve_vocabulary(adapter: LanguageAdapter, config: DatasetConfig) -> list[str]:
    """The adapter's vocabulary, restricted by `config.vocabulary_file` when given."""
    if config.vocabulary_file:
        return restrict_vocabulary(adapter.vocabulary(), Path(config.vocabulary_file))
    return adapter.vocabulary()


def map_path(config: DatasetConfig) -> Path:
    """The construct map in effect."""
    return Path(config.construct_map) if config.construct_map else default_map_path()


def check_map_unchanged(config: DatasetConfig) -> None:
    """Refuse to continue a run whose construct map changed since it started (ADR-0006 consequence)."""
    path = map_path(config)
    now = file_sha256(path) if path.is_file() else "missing"
    if config.construct_map_sha256 and now != config.construct_map_sha256:
        raise RunStateError(
            f"{path}: construct map changed since the run started ({config.construct_map_sha256[:19]} -> "
            f"{now[:19]}); a changed map needs a new dataset run"
        )


def build_prior(
    config: DatasetConfig, adapter: LanguageAdapter, vocabulary: list[str]
) -> ConstructPrior | None:
    """Mine (or load cached) the ConstructPrior; None when the map has no section for this language."""
    path = map_path(config)
    try:
        mapping = ConstructMap(path, adapter.prior_key)
    except ConfigError:
        if config.mode == "prior":
            raise
        return None
    row = prior_config(config.grid_name) if config.mode == "prior" else prior_config("F1")
    sources = [parse_source_spec(s) for s in config.prior_sources] or default_sources(row.sources)
    sizes = map_elites_config("E2").cell_sizes
    return load_or_mine_prior(sources, mapping, row.strictness, vocabulary, sizes, config.prior_max_files)


def build_mode(config: DatasetConfig, vocabulary: list[str], prior: ConstructPrior | None):
    """The mode object (RewardMode or MapElitesMode) for a config."""
    if config.mode == "reward":
        return RewardMode(vocabulary, reward_weights(config.grid_name))
    if config.mode == "map-elites":
        row = map_elites_config(config.grid_name)
        cells = enumerate_cells(vocabulary, row.cell_sizes)
        emitter = CellEmitter(cells, vocabulary, selection=row.selection)
        return MapElitesMode(
            vocabulary,
            row.cell_sizes,
            emitter,
            QualityWeights(alpha=row.alpha),
            config.index_all_cells,
            mode="map-elites",
            seed=config.seed,
        )
    row = prior_config(config.grid_name)
    base = map_elites_config("E2")
    cells = enumerate_cells(vocabulary, base.cell_sizes)
    if prior is None:
        raise ConfigError(f"{map_path(config)}: prior mode needs a construct map section for this language")
    emitter = CellEmitter(
        cells,
        vocabulary,
        selection=base.selection,
        prior_weights=prior.weights_for(cells),
        epsilon=row.epsilon,
        phase3_threshold=row.phase3_threshold,
    )
    return MapElitesMode(
        vocabulary,
        base.cell_sizes,
        emitter,
        QualityWeights(alpha=base.alpha),
        config.index_all_cells,
        mode="prior",
        seed=config.seed,
    )


class DatasetLoop:
    """One dataset run over a model; `run()` generates until the budget is spent."""

    def __init__(
        self,
        config: DatasetConfig,
        run: Run,
        model: Model | None,
        progress: bool = True,
        executor: Executor | None = None,
    ) -> None:
        check_map_unchanged(config)
        self.config = config
        self.run_store = run
        self.model = model  # None when the executor's workers load it
        self.executor = executor
        self.progress = progress
        self.adapter = get_adapter(config.language)
        self.vocabulary = resolve_vocabulary(self.adapter, config)
        self.prior = build_prior(config, self.adapter, self.vocabulary)
        if self.prior is not None:
            run.write_json("prior.json", self.prior.to_json())
        self.mode = build_mode(config, self.vocabulary, self.prior)
        self.pipeline = ExamplePipeline(self.adapter, self.vocabulary, execute=config.execute)
        self.prompts = PromptBuilder(self.adapter)
        self.records: dict[int, ExampleRecord] = {}
        self.series: list[dict] = []
        self._all_cells = len(enumerate_cells(self.vocabulary, (2, 3)))
        self._satisfied: set = set()

    @property
    def iterations(self) -> int:
        """Number of batches the budget takes."""
        return math.ceil(self.config.budget / self.config.batch_size)

    def run(self) -> dict:
        """Generate (or replay) every iteration, then write the outputs; returns the final metrics."""
        from rich.progress import Progress

        done = self.run_store.done_items()
        with Progress(disable=not self.progress, transient=False) as bar:
            task = bar.add_task(f"dataset {self.config.mode} {self.config.grid_name}", total=self.iterations)
            for it in range(self.iterations):
                key = f"iter-{it:05d}"
                if key in done:
                    self._replay(done[key])
                else:
                    self._iterate(it, key)
                bar.update(
                    task,
                    advance=1,
                    description=f"dataset {self.config.mode} "
                    f"{self.config.grid_name}: {len(self.mode.dataset_ids())} in dataset",
                )
        return self._finish()

    def _replay(self, event: dict) -> None:
        requests = [GenerationRequest.from_json(r) for r in event["requests"]]
        records = [ExampleRecord.from_json(r) for r in event["records"]]
        for record in records:
            self.pipeline.remember(record)
            self.records[record.id] = record
        self.mode.tell(requests, records, replay=True)
        self._track(records)
        self.series.append(event["metrics"])

    def _iterate(self, it: int, key: str) -> None:
        cfg = self.config
        n = min(cfg.batch_size, cfg.budget - it * cfg.batch_size)
        requests = self.mode.ask(n, np.random.default_rng([cfg.seed, it]))
        prompts = [self.prompts.render(r, [self.records[i].code for i in r.fewshot_ids]) for r in requests]
        params = SamplingParams(
            n=1, temperature=cfg.temperature, max_tokens=cfg.max_tokens, seed=cfg.seed * 100_003 + it
        )
        outputs = sample_over(
            self.executor, self.model, cfg.model, prompts, params, run=self.run_store, key=key
        )
        records = []
        for j, output in enumerate(outputs):
            record = self.pipeline.evaluate(it * cfg.batch_size + j, output[0].text, self.mode.novelty_pool())
            self.pipeline.remember(record)
            if record.outcome is StageOutcome.PARSE_ERROR:
                self.run_store.log("stage1_rejected", id=record.id, error=record.error)
            records.append(record)
        self.mode.tell(requests, records)
        for record in records:
            self.records[record.id] = record
        self._track(records)
        metrics = self._iteration_metrics(it, records)
        self.series.append(metrics)
        self.run_store.mark_done(
            key,
            requests=[r.to_json() for r in requests],
            records=[r.to_json() for r in records],
            metrics=metrics,
        )

    def _track(self, records: list[ExampleRecord]) -> None:
        for record in records:
            if record.accepted:
                self._satisfied.update(cells_satisfied(record.constructs))

    def _dataset(self) -> list[ExampleRecord]:
        return [self.records[i] for i in self.mode.dataset_ids()]

    def _iteration_metrics(self, it: int, records: list[ExampleRecord]) -> dict:
        parsed = sum(r.outcome not in (StageOutcome.PARSE_ERROR, StageOutcome.NO_CODE) for r in records)
        counts = construct_counts((r.constructs for r in self._dataset()), self.vocabulary)
        metrics = {
            "iteration": it,
            "generated": len(records),
            "parsed": parsed,
            "pass_rate": parsed / len(records) if records else 0.0,
            "dataset_size": len(self.mode.dataset_ids()),
            "entropy_bits": entropy_bits(counts),
            "satisfied_rate": len(self._satisfied) / self._all_cells,
        }
        if isinstance(self.mode, MapElitesMode):
            metrics["fill_rate"] = len(self.mode.archive.filled()) / len(self.mode.cells)
            metrics["phase"] = self.mode.emitter.phase()
        if self.prior is not None:
            q = np.array([self.prior.marginal.get(c, 0.0) for c in self.vocabulary])
            metrics["kl_bits"] = kl_divergence_bits(counts, q) if counts.sum() else None
        return metrics

    def _finish(self) -> dict:
        from aso.dataset.summary import summarize_run

        dataset = self._dataset()
        lines = [json.dumps(r.to_json(), ensure_ascii=False) for r in dataset]
        self.run_store.write_text("dataset.jsonl", "\n".join(lines) + ("\n" if lines else ""))
        self.run_store.write_json("state.json", self.mode.summary())
        self.run_store.write_json("series.json", self.series)
        summary = summarize_run(
            self.config,
            self.vocabulary,
            list(self.records.values()),
            dataset,
            self.mode,
            self.prior,
            self.series,
        )
        if self.config.retrieval:
            from aso.dataset.retrieval import MiniLMEmbedder, evaluate_retrieval, load_queries

            judge = None
            if self.config.judge:
                from aso.models import get_model

                judge = get_model(self.config.judge)
            queries = load_queries(self.adapter.prior_key)
            summary["retrieval"] = evaluate_retrieval(
                [r.code for r in dataset],
                [set(r.constructs) for r in dataset],
                queries,
                MiniLMEmbedder(),
                judge,
            )
        self.run_store.write_json("metrics.json", summary)
        self.run_store.finish(dataset_size=len(dataset), generated=len(self.records))
        return summary


def run_dataset(
    config: DatasetConfig,
    *,
    model: Model | None = None,
    resume: Path | None = None,
    output: Path | None = None,
    progress: bool = True,
    executor: Executor | None = None,
) -> tuple[Run, dict]:
    """Library entry point: create (or resume) a run directory and generate; returns (run, metrics).

    With an `executor` whose workers are other processes, each batch of prompts is split over them and
    the model is loaded by each worker (by name), not here.
    """
    from aso.runs import open_run

    if resume is not None:
        stored = Path(resume) / "config.json"
        if not stored.is_file():
            raise RunStateError(f"{resume}: not a run directory (no config.json)")
        config = DatasetConfig(**read_json(stored, "run config"))
        check_map_unchanged(config)
    else:
        path = map_path(config)
        config = config.model_copy(
            update={"construct_map_sha256": file_sha256(path) if path.is_file() else ""}
        )
    if model is not None:
        identity = model.info.identity
    elif runs_in_process(executor):
        from aso.models import get_model

        model = get_model(config.model)
        identity = model.info.identity
    else:
        from aso.models import model_identity, parse_model_name

        identity = model_identity(parse_model_name(config.model))
    run = open_run(
        "dataset run",
        config.model_dump(mode="json"),
        resume=resume,
        seed=config.seed,
        model_hash=identity,
        output=output,
    )
    if executor is not None:
        run.log("executor", executor=executor.describe(), workers=executor.workers)
    return run, DatasetLoop(config, run, model, progress=progress, executor=executor).run()
