"""The five-row comparison on held-out HumanEval: what selection and experience add, at counted cost.

Rows (per task):
- `greedy`: one greedy generation (1 model call);
- `random_sample`: one of G samples at temperature T, chosen at random (distributed as a single sample:
  1 model call; its expected pass@1 over the G samples is also reported);
- `best_of_public`: of the same G samples, the first that passes the most public tests (G calls);
- `selection`: of the same G samples, `aso.select` (tests, agreement, logprob, length) (G calls);
- `selection_experience`: G NEW samples with the k most similar verified solutions of training tasks as
  few-shot turns (`prompting.exemplar_prompt`), then `aso.select` (G calls).
`pass@G` of the plain samples (and of the experience samples) is the ceiling any selector could reach.

Public tests come from the prompt only (`public_tests`); hidden tests (`HumanEvalReward`) only score.
Every task's record is one `item_done` event in the run, so an interrupted run resumes where it stopped.
Each retrieved exemplar's usefulness is recorded (pass rate with it vs. the plain samples of the same
task); this is measured on the evaluated tasks, so it is a report, not something the rows may use.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from tqdm import tqdm

from aso.grpo.solutions import SolutionLibrary
from aso.humaneval.prompting import CODE_STOP, chat_prompt, exemplar_prompt, without_docstring
from aso.humaneval.public_tests import public_tests
from aso.humaneval.scoring import HumanEvalReward
from aso.models import Completion, Model, SamplingParams
from aso.runs import Run
from aso.select.programs import select_for_problem

ROWS = ("greedy", "random_sample", "best_of_public", "selection", "selection_experience")


@dataclass(frozen=True)
class GainConfig:
    """What the comparison runs with."""

    group_size: int = 8
    temperature: float = 0.8
    max_tokens: int = 160
    exemplars: int = 2
    seed: int = 0
    tasks_per_call: int = 2
    """Tasks sampled together in one batched `model.sample` call (G rows each)."""


def reference_library(train: Sequence[dict[str, Any]], reward: HumanEvalReward) -> SolutionLibrary:
    """Verified solutions of the training tasks from their reference code (each re-checked in the sandbox)."""
    lib = SolutionLibrary()
    for p in train:
        code = without_docstring(p["prompt"] + p["canonical_solution"])
        answer = f"```python\n{code}\n```"
        if reward.verdict(p, answer).solved:
            lib.add(p["task_id"], p["prompt"], code, None, "reference")
    return lib


def _mean_logprob(c: Completion) -> float:
    return float(np.mean(c.logprobs)) if c.logprobs else 0.0


def _sample(model: Model, prompts: list, cfg: GainConfig, seed: int) -> list[list[Completion]]:
    params = SamplingParams(
        n=cfg.group_size,
        temperature=cfg.temperature,
        max_tokens=cfg.max_tokens,
        stop=CODE_STOP,
        seed=seed,
        logprobs=True,
    )
    return model.sample(prompts, params)


def run_gain(
    model: Model,
    problems: Sequence[dict[str, Any]],
    library: SolutionLibrary,
    cfg: GainConfig,
    run: Run | None = None,
    reward: HumanEvalReward | None = None,
    progress: bool = True,
) -> dict[str, dict[str, Any]]:
    """Run every row on every problem (module doc); returns task id -> record (also the run's items)."""
    reward = reward or HumanEvalReward()
    sandbox = reward.sandbox
    done = run.done_items() if run else {}
    records: dict[str, dict[str, Any]] = {}
    for p in problems:
        key = f"gain/{p['task_id']}"
        if key in done:
            records[p["task_id"]] = done[key]
    todo = [p for p in problems if p["task_id"] not in records]
    bar = tqdm(total=len(problems), initial=len(records), desc="gain", unit="task", disable=not progress)
    for start in range(0, len(todo), cfg.tasks_per_call):
        chunk = todo[start : start + cfg.tasks_per_call]
        t0 = time.perf_counter()
        seed = cfg.seed * 1_000_003 + sum(int(p["task_id"].rsplit("/", 1)[1]) for p in chunk)
        greedy = model.sample(
            [chat_prompt(p) for p in chunk],
            SamplingParams(n=1, temperature=0.0, max_tokens=cfg.max_tokens, stop=CODE_STOP, seed=seed),
        )
        plain = _sample(model, [chat_prompt(p) for p in chunk], cfg, seed)
        retrieved = [library.retrieve(p["prompt"], cfg.exemplars, exclude_task=p["task_id"]) for p in chunk]
        prompts = [
            exemplar_prompt(p, [(s.prompt, s.code) for s in sols])
            for p, sols in zip(chunk, retrieved, strict=True)
        ]
        with_exp = _sample(model, prompts, cfg, seed + 1)
        gen_s = (time.perf_counter() - t0) / len(chunk)
        for p, g, samples, exp_samples, sols in zip(chunk, greedy, plain, with_exp, retrieved, strict=True):
            records[p["task_id"]] = _score_task(
                p, g[0], samples, exp_samples, sols, cfg, sandbox, reward, gen_s
            )
            if run:
                run.mark_done(f"gain/{p['task_id']}", **records[p["task_id"]])
            bar.update(1)
    bar.close()
    return records


def _score_task(p, greedy, samples, exp_samples, sols, cfg, sandbox, reward, gen_s) -> dict[str, Any]:  # noqa: ANN001
    t0 = time.perf_counter()
    answers = [c.text for c in samples]
    exp_answers = [c.text for c in exp_samples]
    sel = select_for_problem(sandbox, p, answers, [_mean_logprob(c) for c in samples])
    exp_sel = select_for_problem(sandbox, p, exp_answers, [_mean_logprob(c) for c in exp_samples])
    passed = [sum(sc.tests) for sc in sel.scored]
    best_pub = passed.index(max(passed))  # the first sample passing the most public tests
    select_runs = sel.sandbox_runs + exp_sel.sandbox_runs
    hidden = [reward.verdict(p, a).solved for a in answers]
    exp_hidden = [reward.verdict(p, a).solved for a in exp_answers]
    greedy_ok = reward.verdict(p, greedy.text).solved
    rng = random.Random(f"{cfg.seed}/{p['task_id']}")
    pick = rng.randrange(len(answers))
    return {
        "public_tests": len(public_tests(p)),
        "solved": {
            "greedy": greedy_ok,
            "random_sample": hidden[pick],
            "best_of_public": hidden[best_pub],
            "selection": hidden[sel.choice.index],
            "selection_experience": exp_hidden[exp_sel.choice.index],
        },
        "sample_pass_rate": sum(hidden) / len(hidden),
        "pass_at_g": any(hidden),
        "experience_sample_pass_rate": sum(exp_hidden) / len(exp_hidden),
        "experience_pass_at_g": any(exp_hidden),
        "chosen": {
            "random": pick,
            "best_of_public": best_pub,
            "selection": sel.choice.index,
            "selection_experience": exp_sel.choice.index,
        },
        "public_passed": [sum(s.tests) for s in sel.scored],
        "exemplars": [s.task_id for s in sols],
        "hidden": hidden,
        "experience_hidden": exp_hidden,
        "selection_sandbox_runs": select_runs,
        "scoring_sandbox_runs": 1 + len(answers) + len(exp_answers),
        "generation_s": gen_s,
        "selection_s": time.perf_counter() - t0,
        "answers": answers,
        "experience_answers": exp_answers,
        "greedy_answer": greedy.text,
    }


CALLS = {
    "greedy": 1,
    "random_sample": 1,
    "best_of_public": None,
    "selection": None,
    "selection_experience": None,
}


def paired_bootstrap(
    a: Sequence[bool], b: Sequence[bool], reps: int = 10_000, seed: int = 0
) -> tuple[float, float]:
    """95% percentile interval of mean(a) - mean(b) over tasks resampled with replacement (paired)."""
    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if diff.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, diff.size, size=(reps, diff.size))].mean(axis=1)
    return (float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5)))


def summarise(records: dict[str, dict[str, Any]], cfg: GainConfig) -> dict[str, Any]:
    """Per-row pass@1, model calls per task, sandbox runs, seconds, and the CI of the difference vs greedy."""
    ids = sorted(records, key=lambda t: int(t.rsplit("/", 1)[1]))
    n = len(ids)
    greedy = [records[t]["solved"]["greedy"] for t in ids]
    gen_s = sum(records[t]["generation_s"] for t in ids)
    sel_s = sum(records[t]["selection_s"] for t in ids)
    sel_runs = sum(records[t]["selection_sandbox_runs"] for t in ids)
    rows = []
    for row in ROWS:
        solved = [records[t]["solved"][row] for t in ids]
        calls = CALLS[row] or cfg.group_size
        low, high = paired_bootstrap(solved, greedy, seed=cfg.seed) if row != "greedy" else (0.0, 0.0)
        rows.append(
            {
                "row": row,
                "solved": sum(solved),
                "pass@1": sum(solved) / max(1, n),
                "model_calls_per_task": calls,
                "selection_sandbox_runs_per_task": 0 if row in ("greedy", "random_sample") else None,
                "diff_vs_greedy": (sum(solved) - sum(greedy)) / max(1, n),
                "ci95": [low, high],
            }
        )
    return {
        "tasks": n,
        "rows": rows,
        "expected_pass@1_one_sample": sum(records[t]["sample_pass_rate"] for t in ids) / max(1, n),
        "pass@G": sum(records[t]["pass_at_g"] for t in ids) / max(1, n),
        "experience_expected_pass@1_one_sample": sum(records[t]["experience_sample_pass_rate"] for t in ids)
        / max(1, n),
        "experience_pass@G": sum(records[t]["experience_pass_at_g"] for t in ids) / max(1, n),
        "tasks_with_public_tests": sum(1 for t in ids if records[t]["public_tests"]),
        "selection_sandbox_runs_per_task_both_selections": sel_runs / max(1, n),
        "generation_seconds_per_task_all_rows": gen_s / max(1, n),
        "selection_seconds_per_task": sel_s / max(1, n),
    }


def record_usefulness(records: dict[str, dict[str, Any]], library: SolutionLibrary, cfg: GainConfig) -> None:
    """Credit each task's retrieved exemplars with its paired outcome (with vs. without them)."""
    by_task = {s.task_id: s for s in library.solutions}
    g = cfg.group_size
    for rec in records.values():
        with_passed = sum(rec["experience_hidden"])
        without_passed = sum(rec["hidden"])
        for task_id in rec["exemplars"]:
            sol = by_task.get(task_id)
            if sol is not None:
                sol.usefulness.record(with_passed, g, without_passed, g)


TABLE_HEADERS = ["row", "solved", "pass@1", "calls/task", "diff vs greedy", "95% CI (paired bootstrap)"]


def table_rows(summary: dict[str, Any]) -> list[list[Any]]:
    """The summary's rows as table cells (`TABLE_HEADERS`)."""
    return [
        [
            r["row"],
            r["solved"],
            round(r["pass@1"], 3),
            r["model_calls_per_task"],
            round(r["diff_vs_greedy"], 3),
            f"[{r['ci95'][0]:+.3f}, {r['ci95'][1]:+.3f}]",
        ]
        for r in summary["rows"]
    ]


def ceiling_line(summary: dict[str, Any]) -> str:
    """One line: the pass@G ceilings and the expected pass@1 of one sample."""
    return (
        f"pass@G ceiling (plain samples): {summary['pass@G']:.3f}; with exemplars: "
        f"{summary['experience_pass@G']:.3f}; expected pass@1 of one sample: "
        f"{summary['expected_pass@1_one_sample']:.3f}; tasks with public tests: "
        f"{summary['tasks_with_public_tests']}/{summary['tasks']}"
    )


def usefulness_report(library: SolutionLibrary) -> list[dict[str, Any]]:
    """Each measured exemplar: comparisons, wins, losses, pass-rate difference, retired or not."""
    return [
        {
            "id": s.id,
            "task": s.task_id,
            "trials": s.usefulness.trials,
            "wins": s.usefulness.with_wins,
            "losses": s.usefulness.with_losses,
            "delta": round(s.usefulness.delta, 4),
            "retired": s.retired,
        }
        for s in library.solutions
        if s.usefulness.trials
    ]
