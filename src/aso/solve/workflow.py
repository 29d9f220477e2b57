"""The solve loop (HIP-002 Dev CLI workflow), Training-Free GRPO on one issue:

    1. localise: BM25 over the repository's files -> the top files, numbered (`localize`)
       run the unpatched tests once: which tests count, and the first failure for the prompt
    for iteration in 1..max_iterations:
    2. G candidate answers (SEARCH/REPLACE blocks, or whole corrected functions with
       `edit_format="function"`) from the model, conditioned on the lessons:
       PoE decoding (`PoEDecoder`, base + one expert holding the lessons, equal weights) for a local
       model with lessons; prompt-level lessons (`prepend_lessons`) for a model without logits
    3. apply each answer to the copy (changes to test files are dropped: the tests are the judge), run
       the tests in the sandbox (`TestReward`); an answer that
       changes nothing gets the unpatched verdict, an identical patch the verdict already measured
    4. group advantages (`aso.grpo.group_advantages`) -> reflection (`aso.grpo.Reflector`) ->
       library operations; the next iteration decodes with the updated lessons
    5. stop when a candidate with a non-empty patch passes every counted test

Each finished iteration is `mark_done` in the run with the library after it and its candidates, so a
resumed run skips it; `best.diff` and `summary.json` are written at the end.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from aso.errors import ConfigError
from aso.grpo import (
    ExperienceLibrary,
    ExpertSpec,
    GroupStatus,
    Priors,
    Reflector,
    Rollout,
    Task,
    Verdict,
    group_advantages,
)
from aso.models import Model, SamplingParams, can_continue_final_message
from aso.runs import Run
from aso.select import Scored, select
from aso.solve.edits import apply_edits, unified_diff, without_test_edits
from aso.solve.function_edits import apply_function_answer
from aso.solve.issue import Issue
from aso.solve.localize import Localization, localize, locate_function
from aso.solve.prompting import EDIT_FORMATS, solve_prompt
from aso.solve.reward import TestReward


@dataclass(frozen=True)
class SolveConfig:
    """Settings of one solve (recorded in the run)."""

    group_size: int = 4
    """Candidates per iteration (G)."""
    max_iterations: int = 3
    """Iterations at most."""
    temperature: float = 0.7
    """Sampling temperature of the candidates."""
    max_tokens: int = 512
    """New tokens per candidate."""
    top_files: int = 3
    """Files shown to the model."""
    context_chars: int = 6000
    """Characters of code shown at most."""
    alpha: float = 1.0
    """Weight of the test reward in the group score."""
    beta: float = 0.5
    """Weight of the epistemic utility in the group score."""
    reflector_style: str = "auto"
    """How the reflector is asked (`aso.grpo.reflection`)."""
    edit_format: str = "auto"
    """How the model writes its change: `search-replace` blocks, the whole corrected `function`, or
    `auto` (`function` for a local model, whose small sizes rarely manage SEARCH/REPLACE; else
    `search-replace`)."""
    seed: int = 0
    """Seed of the sampling."""


class StopReason(enum.Enum):
    """Why the loop ended."""

    RESOLVED = "resolved"
    MAX_ITERATIONS = "max_iterations"


@dataclass
class Candidate:
    """One candidate answer, its patch and its verdict."""

    iteration: int
    index: int
    text: str
    patch: str
    verdict: Verdict
    dropped: list[str] = field(default_factory=list)
    """Blocks of the answer that were not used, with the reason."""
    advantage: float = 0.0

    @property
    def resolved(self) -> bool:
        """A non-empty patch that passes every counted test."""
        return bool(self.patch) and self.verdict.solved

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the run log."""
        return {**asdict(self), "verdict": self.verdict.to_dict()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Candidate:
        """Inverse of `to_dict`."""
        verdict = Verdict.from_dict(d["verdict"])
        return cls(
            d["iteration"], d["index"], d["text"], d["patch"], verdict, list(d["dropped"]), d["advantage"]
        )


@dataclass
class SolveResult:
    """What a solve produced."""

    stop: StopReason
    best: Candidate | None
    """The candidate `best_candidate` chose: most tests passed, then shortest patch (None: no patch)."""
    baseline: Verdict
    """The unpatched tests."""
    candidates: list[Candidate]
    iterations: int
    library: ExperienceLibrary
    localization: Localization
    calls: dict[str, int]
    edit_format: str = "search-replace"
    target: str | None = None
    """`path:function` of the function-level localisation (function format), else None."""

    @property
    def resolved(self) -> bool:
        """The best candidate passes every counted test."""
        return self.best is not None and self.best.resolved

    def summary(self) -> dict[str, Any]:
        """Figures for `summary.json` and tables."""
        best = self.best
        return {
            "resolved": self.resolved,
            "stop": self.stop.value,
            "iterations": self.iterations,
            "candidates": len(self.candidates),
            "best_reward": best.verdict.reward if best else None,
            "best_candidate": f"iter{best.iteration}-cand{best.index}" if best else None,
            "baseline_reward": self.baseline.reward,
            "tests_counted": len(self.baseline.outcomes),
            "model_calls": dict(self.calls),
            "lessons": [e.text for e in self.library],
            "edit_format": self.edit_format,
            "target": self.target,
            "localized": list(self.localization.shown),
        }


class SolveWorkflow:
    """Runs the loop of the module doc for one issue on one workspace."""

    def __init__(
        self,
        model: Model,
        reward: TestReward,
        config: SolveConfig | None = None,
        *,
        priors: Priors | None = None,
        reflector: Model | None = None,
        progress: bool = True,
    ) -> None:
        self.model = model
        self.reward = reward
        self.config = config or SolveConfig()
        if self.config.group_size < 2:
            raise ValueError("group_size must be at least 2 (advantages are relative to the group)")
        self.priors = priors
        self.edit_format = resolve_edit_format(self.config.edit_format, model)
        self.reflector = Reflector(
            reflector or model, style=self.config.reflector_style, seed=self.config.seed
        )
        self.progress = progress
        self.calls = {"rollouts": 0, "reflections": 0}

    def solve(
        self, issue: Issue, root: str | Path, files: Sequence[str], run: Run | None = None
    ) -> SolveResult:
        """Solve `issue` on the workspace `root` (a copy; never modified), whose files are `files`."""
        cfg, root = self.config, Path(root)
        done = run.done_items() if run else {}
        numbered = self.edit_format == "search-replace"
        where = localize(root, files, issue.text, cfg.top_files, cfg.context_chars, numbered=numbered)
        baseline = self._baseline(root, done, run)
        library = self.priors.library if self.priors else ExperienceLibrary()
        target = None
        if self.edit_format == "function":
            target = locate_function(root, where.shown, issue.text + "\n" + baseline.feedback)
        prefill = can_continue_final_message(self.model)
        prompt = solve_prompt(
            issue.text, where.context, baseline.feedback, edit_format=self.edit_format, target=target,
            prefill=prefill,
        )
        task = Task(issue.source, issue.text[:2000])
        candidates: list[Candidate] = []
        stop, iterations = StopReason.MAX_ITERATIONS, 0
        bar = tqdm(total=cfg.max_iterations, desc="solve", unit="iter", disable=not self.progress)
        for it in range(1, cfg.max_iterations + 1):
            key = f"iteration{it}"
            if key in done:
                library = ExperienceLibrary.from_list(done[key]["library"])
                group = [Candidate.from_dict(c) for c in done[key]["candidates"]]
                for stage in self.calls:
                    self.calls[stage] += int(done[key]["calls"].get(stage, 0))
            else:
                group, library = self._iteration(it, prompt, task, root, where, baseline, library, run)
            candidates.extend(group)
            iterations = it
            bar.update(1)
            if any(c.resolved for c in group):
                stop = StopReason.RESOLVED
                bar.set_postfix_str("resolved")
                break
        bar.close()
        result = SolveResult(
            stop, best_candidate(candidates), baseline, candidates, iterations, library, where, self.calls,
            self.edit_format,
            f"{target.path}:{target.name}" if target else None,
        )
        if run:
            run.write_text("best.diff", result.best.patch if result.best else "")
            run.write_json("summary.json", result.summary())
        return result

    def _baseline(self, root: Path, done: dict, run: Run | None) -> Verdict:
        if "baseline" in done:
            self.reward.expected = tuple(done["baseline"]["expected"])
            return Verdict.from_dict(done["baseline"]["verdict"])
        first = self.reward.baseline(root)
        if run:
            expected = list(self.reward.expected or ())
            run.mark_done("baseline", expected=expected, verdict=first.verdict.to_dict(), tail=first.tail)
        return first.verdict

    def _iteration(
        self,
        it: int,
        prompt: list[dict[str, str]],
        task: Task,
        root: Path,
        where: Localization,
        baseline: Verdict,
        library: ExperienceLibrary,
        run: Run | None,
    ) -> tuple[list[Candidate], ExperienceLibrary]:
        cfg = self.config
        texts, mode = self._generate(prompt, library, seed=cfg.seed * 1000 + it)
        measured: dict[str, Verdict] = {"": baseline}
        group = []
        for j, text in enumerate(texts):
            if self.edit_format == "function":
                edits = apply_function_answer(root, text, where.shown)
            else:
                edits = apply_edits(root, text)
            edits = without_test_edits(edits)
            patch = unified_diff(root, edits.files)
            if patch not in measured:
                measured[patch] = self.reward.run(root, edits.files).verdict
            group.append(Candidate(it, j, text, patch, measured[patch], [str(d) for d in edits.dropped]))
        scored = group_advantages(
            [c.verdict.reward for c in group],
            [list(c.verdict.outcomes) for c in group],
            alpha=cfg.alpha,
            beta=cfg.beta,
        )
        snapshot, ids = library.copy(), tuple(library.ids)
        rollouts = []
        for c, u, g, a in zip(group, scored.utilities, scored.scores, scored.advantages, strict=True):
            c.advantage = a
            rollouts.append(Rollout(task.id, c.text, c.verdict, ids, u, g, a))
            library.record_use(ids, c.verdict.solved, a)
        self.calls["rollouts"] += len(texts)
        calls = {"rollouts": len(texts), "reflections": 0}
        if scored.status is GroupStatus.LEARNABLE and not any(c.resolved for c in group):
            reflection = self.reflector.reflect(task, rollouts, snapshot)
            outcomes = [library.apply(op, f"iteration{it}").value for op in reflection.operations]
            library.renumber()
            self.calls["reflections"] += 1
            calls["reflections"] = 1
            if run:
                run.log(
                    "reflection",
                    iteration=it,
                    raw=reflection.raw,
                    dropped=reflection.dropped,
                    outcomes=outcomes,
                )
        if run:
            for c in group:
                name = f"patches/iter{it}-cand{c.index}.diff"
                run.write_text(name, c.patch)
                run.log("candidate", patch_file=name, decode=mode, **c.to_dict())
            run.mark_done(
                f"iteration{it}",
                library=library.to_list(),
                candidates=[c.to_dict() for c in group],
                status=scored.status.value,
                calls=calls,
                decode=mode,
            )
        return group, library

    def _generate(
        self, prompt: list[dict[str, str]], library: ExperienceLibrary, seed: int
    ) -> tuple[list[str], str]:
        """G answers and how they were decoded: `plain`, `prompt` (lessons in the prompt) or `poe`."""
        lessons = library.format()
        # a pre-filled answer (function format) is part of the answer: parse it with the continuation
        prefix = prompt[-1]["content"] if prompt[-1].get("role") == "assistant" else ""
        stop = ("\n```",) if prefix else ()  # the pre-filled code block ends at its closing fence
        texts, mode = self._sample(prompt, lessons, library, seed, stop)
        return [prefix + t + ("\n```\n" if prefix else "") for t in texts], mode

    def _sample(
        self,
        prompt: list[dict[str, str]],
        lessons: str,
        library: ExperienceLibrary,
        seed: int,
        stop: tuple[str, ...] = (),
    ) -> tuple[list[str], str]:
        """The G continuations of `prompt` (PoE with the lessons for a local model, else the lessons in
        the prompt)."""
        from aso.decoding import PoEDecoder, prepend_lessons  # torch: only when decoding

        cfg = self.config
        if lessons and getattr(self.model, "hf_model", None) is not None:
            token_bias = self.priors.token_bias if self.priors else None
            priors = Priors(list(library.copy()), [ExpertSpec("X1", library.ids)], token_bias=token_bias)
            decoder = PoEDecoder(self.model, priors, [0.5, 0.5], temperature=cfg.temperature, seed=seed)
            outs = decoder.generate_batch([prompt] * cfg.group_size, cfg.max_tokens, stop, seed=seed)
            return [o.text for o in outs], "poe"
        params = SamplingParams(
            n=cfg.group_size, temperature=cfg.temperature, max_tokens=cfg.max_tokens, seed=seed, stop=stop
        )
        answers = self.model.sample([prepend_lessons(prompt, lessons)], params)[0]
        return [a.text for a in answers], "prompt" if lessons else "plain"


def resolve_edit_format(edit_format: str, model: Model) -> str:
    """`auto` -> `function` for a local model (it has `hf_model`), `search-replace` otherwise."""
    if edit_format == "auto":
        return "function" if getattr(model, "hf_model", None) is not None else "search-replace"
    if edit_format not in EDIT_FORMATS:
        raise ConfigError(f"--edit-format {edit_format!r}: use auto, {' or '.join(EDIT_FORMATS)}")
    return edit_format


def best_candidate(candidates: Sequence[Candidate]) -> Candidate | None:
    """The candidate to submit, chosen by `aso.select`: most counted tests passed, then the shorter patch,
    then the earlier one (by iteration and index). Only candidates with a non-empty patch; None if none."""
    with_patch = sorted((c for c in candidates if c.patch), key=lambda c: (c.iteration, c.index))
    if not with_patch:
        return None
    choice = select([Scored(tests=c.verdict.outcomes, length=len(c.patch)) for c in with_patch])
    return with_patch[choice.index]
