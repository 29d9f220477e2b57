"""A scripted validation scorer for tests: each lesson's effect on each problem is written down."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class ScriptedScorer:
    """Baseline outcomes plus, per lesson text, the problems it fixes and the problems it breaks.

    With several lessons, a problem is solved if the baseline or any lesson fixes it, unless any lesson
    breaks it. A lesson not in `effects` (garbage, say) changes nothing. `calls` counts evaluations.
    """

    def __init__(self, baseline: Sequence[bool], effects: Mapping[str, tuple[set[int], set[int]]]) -> None:
        self.baseline = list(baseline)
        self.problems = len(self.baseline)
        self.effects = {text: (set(fix), set(brk)) for text, (fix, brk) in effects.items()}
        self.calls = 0

    def outcomes_many(self, lesson_sets: Sequence[Sequence[str]]) -> list[list[bool]]:
        """Outcomes for each lesson set."""
        return [self.outcomes(lessons) for lessons in lesson_sets]

    def outcomes(self, lessons: Sequence[str]) -> list[bool]:
        """Outcomes with `lessons` in the prompt."""
        self.calls += 1
        fixed: set[int] = set()
        broken: set[int] = set()
        for text in lessons:
            fix, brk = self.effects.get(text, (set(), set()))
            fixed |= fix
            broken |= brk
        return [(b or i in fixed) and i not in broken for i, b in enumerate(self.baseline)]


class LessonAwareModel:
    """A scripted model that reads the lessons in its prompt, for end-to-end tests of aggregation through
    the real HumanEval scoring (sandboxed tests). By name: `aso.priors.testing:LessonAwareModel`.

    It answers a HumanEval prompt with the problem's canonical solution when the prompt contains the word
    CANONICAL, or when the task number is even; with a wrong function when it contains SABOTAGE.
    """

    def __init__(self) -> None:
        from aso.models import ModelInfo

        self.info = ModelInfo(f"{__name__}:LessonAwareModel", "scripted", "memory", "sha256:lesson-aware")

    def sample(self, prompts, params):  # noqa: ANN001, ANN201 - the Model protocol
        """One scripted answer per prompt, `params.n` times."""
        from aso.humaneval.data import load_problems
        from aso.models import Completion, prompt_text

        results = []
        for prompt in prompts:
            text = prompt_text(prompt)
            problem = next(p for p in load_problems().values() if p["prompt"].strip() in text)
            number = int(problem["task_id"].rsplit("/", 1)[-1])
            if "SABOTAGE" in text:
                code = f"def {problem['entry_point']}(*args, **kwargs):\n    return None\n"
            elif "CANONICAL" in text or number % 2 == 0:
                code = problem["prompt"] + problem["canonical_solution"]
            else:
                code = f"def {problem['entry_point']}(*args, **kwargs):\n    raise NotImplementedError\n"
            results.append([Completion(text=f"```python\n{code}```")] * params.n)
        return results
