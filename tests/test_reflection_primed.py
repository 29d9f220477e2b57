"""The `primed` reflector style: a pre-filled `ADD:` line that a small local model continues."""

import pytest

from aso.grpo import ExperienceLibrary, Task, TFGRPOOptimizer, Verdict
from aso.grpo.operations import OpKind
from aso.grpo.reflection import PRIMER, Reflector, resolve_style
from aso.grpo.tasks import Rollout
from aso.models import Completion, ModelInfo, SamplingParams, ScriptedModel

TASK = Task(
    "demo/first",
    'def first(xs: list) -> int:\n    """Return the first element of xs, or -1 if xs is empty."""\n',
)
GOOD = "def first(xs: list) -> int:\n    if not xs:\n        return -1\n    return xs[0]"
BAD = "def first(xs: list) -> int:\n    return xs[0]"
GROUP = [
    Rollout(TASK.id, BAD, Verdict(0.5, (True, False), "test 2 failed: IndexError"), advantage=-1.0),
    Rollout(TASK.id, GOOD, Verdict(1.0, (True, True)), advantage=1.0),
]


def primed(outputs, **kw) -> tuple[Reflector, ScriptedModel]:
    model = ScriptedModel(outputs=outputs)
    return Reflector(model, style="primed", **kw), model


class _Fixed:
    """A model answering every prompt with one fixed completion (to set `finish_reason`)."""

    def __init__(self, completion: Completion, backend: str = "test", continues: bool = True) -> None:
        self.completion = completion
        self.continues_final_message = continues
        self.info = ModelInfo(name="fixed", backend=backend, location="memory", identity="sha256:0")
        self.calls: list = []

    def sample(self, prompts, params: SamplingParams):
        self.calls.append(prompts)
        return [[self.completion] * params.n for _ in prompts]


def test_primed_messages_end_with_the_primer_and_show_best_and_worst():
    reflector, _ = primed([" x"])
    messages = reflector.messages(TASK, GROUP, ExperienceLibrary())
    assert messages[-1] == {"role": "assistant", "content": PRIMER}
    user = messages[1]["content"]
    assert user.index(GOOD) < user.index(BAD)  # better attempt first
    assert "tests passed 2/2" in user and "tests passed 1/2" in user
    assert "test 2 failed: IndexError" in user
    json_messages = Reflector(ScriptedModel(outputs=["x"]), style="json").messages(
        TASK, GROUP, ExperienceLibrary()
    )
    assert len(user) < len(json_messages[1]["content"]) + len(json_messages[0]["content"])


def test_primed_continuation_becomes_one_add():
    reflector, model = primed([" to handle the empty input before indexing.\nADD: something else entirely"])
    result = reflector.reflect(TASK, GROUP, ExperienceLibrary())
    assert [(op.kind, op.text) for op in result.operations] == [
        (OpKind.ADD, "Make sure to handle the empty input before indexing.")
    ]
    assert result.dropped == 0
    assert result.raw == PRIMER + " to handle the empty input before indexing."
    assert reflector.params.stop == ("\n",) and reflector.params.max_tokens == 64
    assert model.calls[0][-1]["role"] == "assistant"


@pytest.mark.parametrize("continuation", ["", "\n```python\ndef first(xs):", " to", "   \n"])
def test_primed_needs_a_continuation_of_its_own(continuation):
    reflector, _ = primed([continuation])
    result = reflector.reflect(TASK, GROUP, ExperienceLibrary())
    assert result.operations == () and result.dropped == 1


def test_primed_keeps_the_length_rule_and_the_echo_filter():
    too_long, _ = primed([" " + "check the input " * 30])
    result = too_long.reflect(TASK, GROUP, ExperienceLibrary())
    assert result.operations == () and result.dropped == 1
    echo, _ = primed([" Handle the empty-list case before indexing."], primer="ADD:")
    result = echo.reflect(TASK, GROUP, ExperienceLibrary())
    assert result.operations == () and result.dropped == 1


def test_a_line_cut_by_the_token_limit_keeps_complete_sentences():
    cut = Completion(" to test edge cases. Instead of looping over the whole", finish_reason="length")
    result = Reflector(_Fixed(cut), style="primed").reflect(TASK, GROUP, ExperienceLibrary())
    assert [op.text for op in result.operations] == ["Make sure to test edge cases."]
    runaway = Completion(" to use a single, concise, and clear, and to use a", finish_reason="length")
    result = Reflector(_Fixed(runaway), style="primed").reflect(TASK, GROUP, ExperienceLibrary())
    assert result.operations == () and result.dropped == 1


def test_endpoint_falls_back_to_json_with_a_warning():
    answer = Completion('[{"op": "ADD", "text": "Check for an empty input first."}]')
    endpoint = _Fixed(answer, backend="openai", continues=False)
    with pytest.warns(UserWarning, match="cannot continue a pre-filled answer"):
        reflector = Reflector(endpoint, style="primed")
    assert reflector.style == "json" and "json" in reflector.note
    result = reflector.reflect(TASK, GROUP, ExperienceLibrary())
    assert [op.text for op in result.operations] == ["Check for an empty input first."]
    assert endpoint.calls[0][0][-1]["role"] == "user"  # no pre-filled answer was sent


def test_auto_is_primed_only_for_a_local_transformers_model():
    assert resolve_style("auto", ScriptedModel(outputs=["x"])) == ("json", "")
    assert resolve_style("auto", _Fixed(Completion(""), backend="openai", continues=False)) == ("json", "")
    assert resolve_style("auto", _Fixed(Completion(""), backend="transformers")) == ("primed", "")
    assert resolve_style("json", _Fixed(Completion(""), backend="transformers")) == ("json", "")
    with pytest.raises(ValueError, match="reflector style"):
        resolve_style("yaml", ScriptedModel(outputs=["x"]))


def test_optimizer_passes_the_style_through():
    def respond(prompt: str, i: int) -> str:
        if "Worse attempt" in prompt:
            return " to return a value instead of printing it."
        return "good answer" if i % 2 else "bad answer"

    def reward(task, completions):
        return [
            Verdict(1.0, (True, True)) if "good" in c else Verdict(0.0, (False, False)) for c in completions
        ]

    opt = TFGRPOOptimizer(
        base_model=ScriptedModel(respond=respond),
        reflector_style="primed",
        group_size=2,
        epochs=1,
        calibration_tasks=0,
        progress=False,
    )
    priors = opt.optimize([Task("t1", "Write f.")], reward)
    assert [e.text for e in priors.experiences] == ["Make sure to return a value instead of printing it."]
    assert priors.meta["reflector_style"] == "primed"


def test_cli_rejects_an_unknown_style(capsys, tmp_path):
    from aso.cli.main import main

    code = main(["optimize", "humaneval", "--reflector-style", "yaml", "--out", str(tmp_path / "p.json")])
    assert code == 2
    assert "--reflector-style must be one of auto, json, primed" in capsys.readouterr().err


@pytest.mark.model
def test_embedded_model_as_primed_reflector_writes_a_lesson(embedded_model):
    import torch

    torch.set_num_threads(1)
    messages = Reflector(embedded_model, style="primed").messages(TASK, GROUP, ExperienceLibrary())
    ids = embedded_model.encode(messages)
    primer_ids = embedded_model.tokenizer(PRIMER, add_special_tokens=False)["input_ids"]
    assert ids[-len(primer_ids) :] == primer_ids  # the answer is left open, not closed and re-opened

    result = Reflector(embedded_model, style="primed", max_tokens=40).reflect(
        TASK, GROUP, ExperienceLibrary()
    )
    print("primed:", repr(result.raw), result.operations)
    assert len(result.operations) >= 1
    assert all(op.kind is OpKind.ADD and op.text.startswith("Make sure") for op in result.operations)

    as_json = Reflector(embedded_model, style="json", max_tokens=40).reflect(TASK, GROUP, ExperienceLibrary())
    print("json:", repr(as_json.raw), as_json.operations)  # whatever it is: recorded, not asserted
