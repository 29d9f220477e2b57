"""`TFGRPOOptimizer`: Training-Free GRPO over an experience library.

Loop (as in Training-Free GRPO, TencentCloudADP/youtu-agent `utu/practice/`):

    for epoch in 1..epochs:                       tasks shuffled by (seed, epoch)
        for batch of `batch_size` tasks:
            G rollouts per task, conditioned on the library       (one `model.sample` call, n=G)
            verdicts -> r, u, g = α·r + β·u, A per group          (`aso.grpo.advantages`)
            each learnable group -> reflector -> operations       (zero-variance groups skipped)
            apply the batch's operations, renumber the library
    calibrate: reliability of the base model and of each expert  (Beta posterior, `Priors`)
    distill the token-bias expert from every rollout's advantage

Each finished batch is recorded in the run (`run.mark_done`) with the library after it and its
rollouts, so `optimize(..., run=Run.resume(path))` continues where it stopped.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from tqdm import tqdm

from aso.executors.base import Executor
from aso.executors.sampling import sample_over
from aso.grpo.advantages import EpistemicUtility, GroupStatus, group_advantages
from aso.grpo.library import ExperienceLibrary
from aso.grpo.priors import ExpertSpec, Priors, Reliability
from aso.grpo.reflection import Reflector
from aso.grpo.tasks import PromptBuilder, RewardFn, Rollout, Task, Verdict
from aso.grpo.templates import render
from aso.grpo.token_bias import distill_token_bias
from aso.models import Model, Prompt, SamplingParams, get_model
from aso.runs import Run


@dataclass(frozen=True)
class OptimizerConfig:
    """Hyperparameters of Training-Free GRPO (recorded in the run and in the priors' meta)."""

    group_size: int = 4
    """Rollouts per task (G)."""
    alpha: float = 1.0
    """Weight of the extrinsic reward r."""
    beta: float = 0.5
    """Weight of the epistemic utility u."""
    epochs: int = 3
    """Passes over the training tasks."""
    batch_size: int = 4
    """Tasks per library update."""
    temperature: float = 0.7
    """Rollout sampling temperature."""
    max_tokens: int = 256
    """New tokens per rollout."""
    stop: tuple[str, ...] = ("\n```\n",)
    """Stop strings for rollouts (the end of a fenced code block)."""
    max_experiences: int = 32
    """Library capacity; ADDs beyond it are refused."""
    max_ops_per_group: int = 3
    """Operations kept from one reflection."""
    n_experts: int = 3
    """Context experts the final library is split into (contiguous groups of lessons)."""
    calibration_tasks: int = 8
    """Training tasks used to measure each expert's reliability (0 = no calibration)."""
    seed: int = 0
    """Seed for task order and sampling."""


def default_prompt(task: Task, experiences: str) -> Prompt:
    """A chat prompt: the lessons (if any) then the task."""
    preamble = render("rollout_preamble", experiences=experiences) if experiences else ""
    return [{"role": "user", "content": preamble + task.prompt}]


class TFGRPOOptimizer:
    """Training-Free GRPO: rollouts in groups, group-relative advantages, lessons instead of gradients.

    `reflector` writes the lessons (default: the base model); `reflector_style` is how it is asked
    (`auto`, `json` or `primed`; see `aso.grpo.reflection`).
    """

    def __init__(
        self,
        base_model: Model | str | None = None,
        group_size: int = 4,
        alpha: float = 1.0,
        beta: float = 0.5,
        epochs: int = 3,
        temperature: float = 0.7,
        reflector: Model | str | None = None,
        *,
        reflector_style: str = "auto",
        batch_size: int = 4,
        max_tokens: int = 256,
        n_experts: int = 3,
        calibration_tasks: int = 8,
        seed: int = 0,
        prompt_builder: PromptBuilder = default_prompt,
        utility: EpistemicUtility | None = None,
        progress: bool = True,
        executor: Executor | None = None,
        **config: object,
    ) -> None:
        self.model = (
            get_model(base_model) if base_model is None or isinstance(base_model, str) else base_model
        )
        reflector_model = (
            self.model
            if reflector is None
            else get_model(reflector)
            if isinstance(reflector, str)
            else reflector
        )
        self.config = OptimizerConfig(
            group_size=group_size,
            alpha=alpha,
            beta=beta,
            epochs=epochs,
            temperature=temperature,
            batch_size=batch_size,
            max_tokens=max_tokens,
            n_experts=n_experts,
            calibration_tasks=calibration_tasks,
            seed=seed,
            **config,  # type: ignore[arg-type]
        )
        if self.config.group_size < 2:
            raise ValueError("group_size must be at least 2 (advantages are relative to the group)")
        self.reflector = Reflector(
            reflector_model, style=reflector_style, max_ops=self.config.max_ops_per_group, seed=seed
        )
        self.prompt_builder = prompt_builder
        self.utility = utility
        self.progress = progress
        self.executor = executor  # rollouts' sampling spread over its workers (None: this process)
        self.library = ExperienceLibrary(max_size=self.config.max_experiences)
        self.rollouts: list[Rollout] = []
        self.calls = {"rollouts": 0, "reflections": 0, "calibration": 0}
        """Model calls (generations) spent, by stage."""

    # --- the loop ----------------------------------------------------------------------------------
    def optimize(self, tasks: Sequence[Task], reward_fn: RewardFn, run: Run | None = None) -> Priors:
        """Run the epochs over `tasks`, then calibrate and distill; returns the priors."""
        if not tasks:
            raise ValueError("optimize needs at least one task")
        cfg = self.config
        done = run.done_items() if run else {}
        batches = [
            (epoch, b, list(chunk))
            for epoch in range(1, cfg.epochs + 1)
            for b, chunk in enumerate(_chunks(_shuffled(tasks, cfg.seed + epoch), cfg.batch_size))
        ]
        for epoch, b, chunk in tqdm(batches, desc="tf-grpo", unit="batch", disable=not self.progress):
            key = f"epoch{epoch}/batch{b}"
            if key in done:
                self._restore(done[key])
                continue
            stats = self._step(chunk, key, reward_fn, run)
            if run:
                run.mark_done(
                    key,
                    library=self.library.to_list(),
                    rollouts=[_rollout_dict(r) for r in stats.pop("rollouts")],
                    **stats,
                )
        base, experts = self._calibrate(tasks, reward_fn, run, done)
        return self._priors(tasks, base, experts)

    def _step(self, chunk: list[Task], key: str, reward_fn: RewardFn, run: Run | None = None) -> dict:
        cfg = self.config
        snapshot = self.library.copy()
        ids = tuple(snapshot.ids)
        prompts = [self.prompt_builder(t, snapshot.format()) for t in chunk]
        params = SamplingParams(
            n=cfg.group_size,
            temperature=cfg.temperature,
            max_tokens=cfg.max_tokens,
            stop=cfg.stop,
            seed=_seed(cfg.seed, key),
        )
        name = self.model.info.name
        samples = sample_over(self.executor, self.model, name, prompts, params, run=run, key=key)
        ops, batch_rollouts, learnable, dropped = [], [], 0, 0
        for task, completions in zip(chunk, samples, strict=True):
            texts = [c.text for c in completions]
            verdicts = reward_fn(task, texts)
            group = group_advantages(
                [v.reward for v in verdicts],
                [list(v.outcomes) for v in verdicts] if _same_len(verdicts) else [[] for _ in verdicts],
                alpha=cfg.alpha,
                beta=cfg.beta,
                utility=self.utility,
            )
            rollouts = [
                Rollout(task.id, t, v, ids, u, g, a)
                for t, v, u, g, a in zip(
                    texts, verdicts, group.utilities, group.scores, group.advantages, strict=True
                )
            ]
            for r in rollouts:
                self.library.record_use(ids, r.verdict.solved, r.advantage)
            batch_rollouts.extend(rollouts)
            if group.status is GroupStatus.LEARNABLE:
                learnable += 1
                reflection = self.reflector.reflect(task, rollouts, snapshot)
                dropped += reflection.dropped
                if run:
                    run.log(
                        "reflection",
                        key=key,
                        task=task.id,
                        raw=reflection.raw,
                        dropped=reflection.dropped,
                        operations=[[op.kind.value, op.target, op.text] for op in reflection.operations],
                    )
                ops.extend((op, f"{key}/{task.id}") for op in reflection.operations)
        outcomes = [self.library.apply(op, source).value for op, source in ops]
        self.library.renumber()
        self.rollouts.extend(batch_rollouts)
        self.calls["rollouts"] += len(chunk) * cfg.group_size
        self.calls["reflections"] += learnable
        return {
            "rollouts": batch_rollouts,
            "groups": len(chunk),
            "learnable_groups": learnable,
            "operations": outcomes,
            "dropped_operations": dropped,
            "calls_rollouts": len(chunk) * cfg.group_size,
            "calls_reflections": learnable,
            "mean_reward": sum(r.verdict.reward for r in batch_rollouts) / max(1, len(batch_rollouts)),
        }

    def _restore(self, event: dict) -> None:
        self.library = ExperienceLibrary.from_list(event["library"], self.config.max_experiences)
        self.rollouts.extend(_rollout_from(d) for d in event.get("rollouts", []))
        self.calls["rollouts"] += int(event.get("calls_rollouts", 0))
        self.calls["reflections"] += int(event.get("calls_reflections", 0))

    # --- calibration and distillation --------------------------------------------------------------
    def expert_groups(self) -> list[list[str]]:
        """Split the library's ids into at most `n_experts` contiguous, non-empty groups."""
        ids = self.library.ids
        k = min(self.config.n_experts, len(ids))
        if k == 0:
            return []
        size, extra = divmod(len(ids), k)
        groups, start = [], 0
        for i in range(k):
            end = start + size + (1 if i < extra else 0)
            groups.append(ids[start:end])
            start = end
        return groups

    def _calibrate(
        self, tasks: Sequence[Task], reward_fn: RewardFn, run: Run | None, done: dict
    ) -> tuple[Reliability, list[ExpertSpec]]:
        cfg = self.config
        chosen = list(tasks)[: cfg.calibration_tasks]
        contexts = [("base", [])] + [(f"X{i}", g) for i, g in enumerate(self.expert_groups(), start=1)]
        results: dict[str, Reliability] = {}
        for name, group in tqdm(
            contexts, desc="calibrate", unit="expert", disable=not self.progress or not chosen
        ):
            key = f"calibrate/{name}/" + ",".join(self.library.format(group).splitlines())
            if key in done:
                results[name] = Reliability(done[key]["successes"], done[key]["trials"])
                self.calls["calibration"] += int(done[key]["trials"])
                continue
            rel = Reliability()
            if chosen:
                text = self.library.format(group)
                params = SamplingParams(
                    n=1,
                    temperature=cfg.temperature,
                    max_tokens=cfg.max_tokens,
                    stop=cfg.stop,
                    seed=_seed(cfg.seed, key),
                )
                samples = self.model.sample([self.prompt_builder(t, text) for t in chosen], params)
                self.calls["calibration"] += len(chosen)
                for task, comps in zip(chosen, samples, strict=True):
                    verdict = reward_fn(task, [comps[0].text])[0]
                    rel.trials += 1
                    rel.successes += int(verdict.solved)
            results[name] = rel
            if run:
                run.mark_done(key, successes=rel.successes, trials=rel.trials)
        experts = [ExpertSpec(name, list(group), results[name]) for name, group in contexts[1:]]
        return results["base"], experts

    def _priors(self, tasks: Sequence[Task], base: Reliability, experts: list[ExpertSpec]) -> Priors:
        bias = None
        tokenizer = getattr(self.model, "tokenizer", None)
        if tokenizer is not None:
            hf_model = getattr(self.model, "hf_model", None)
            vocab = int(hf_model.config.vocab_size) if hf_model is not None else len(tokenizer)
            bias = distill_token_bias(
                self.rollouts, lambda s: tokenizer.encode(s, add_special_tokens=False), vocab
            )
        meta = {
            "model": self.model.info.identity,
            "model_name": self.model.info.name,
            "reflector": self.reflector.model.info.identity,
            "reflector_style": self.reflector.style,
            "config": asdict(self.config),
            "train_task_ids": [t.id for t in tasks],
            "rollouts": len(self.rollouts),
            "solved_rollouts": sum(r.verdict.solved for r in self.rollouts),
            "model_calls": dict(self.calls),
        }
        return Priors(list(self.library), experts, base, bias, meta, self._verified_solutions(tasks))

    def _verified_solutions(self, tasks: Sequence[Task]) -> list[dict]:
        """The best-advantage solved rollout of each task, as verified-solution records (plain JSON)."""
        from aso.grpo.solutions import SolutionLibrary

        prompts = {t.id: t.prompt for t in tasks}
        lib = SolutionLibrary()
        seen: set[str] = set()
        for r in sorted(self.rollouts, key=lambda r: -r.advantage):
            if r.verdict.solved and r.task_id in prompts and r.task_id not in seen:
                seen.add(r.task_id)
                lib.add(r.task_id, prompts[r.task_id], r.text, r.advantage, "rollout")
        return lib.to_list()


def _chunks(items: list[Task], size: int) -> list[list[Task]]:
    return [items[i : i + size] for i in range(0, len(items), max(1, size))]


def _shuffled(tasks: Sequence[Task], seed: int) -> list[Task]:
    items = list(tasks)
    random.Random(seed).shuffle(items)
    return items


def _seed(seed: int, key: str) -> int:
    import hashlib

    return int.from_bytes(hashlib.sha256(f"{seed}:{key}".encode()).digest()[:4], "little")


def _same_len(verdicts: Sequence[Verdict]) -> bool:
    return len({len(v.outcomes) for v in verdicts}) == 1


def _rollout_dict(r: Rollout) -> dict:
    return {
        "task_id": r.task_id,
        "text": r.text,
        "reward": r.verdict.reward,
        "outcomes": list(r.verdict.outcomes),
        "experience_ids": list(r.experience_ids),
        "utility": r.utility,
        "score": r.score,
        "advantage": r.advantage,
    }


def _rollout_from(d: dict) -> Rollout:
    verdict = Verdict(d["reward"], tuple(d["outcomes"]))
    return Rollout(
        d["task_id"], d["text"], verdict, tuple(d["experience_ids"]), d["utility"], d["score"], d["advantage"]
    )
