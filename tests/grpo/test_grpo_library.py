import json

import pytest

from aso.errors import ConfigError
from aso.grpo import ExperienceLibrary, ExpertSpec, OpKind, OpOutcome, Priors, Reliability, load_priors
from aso.grpo.operations import Operation, parse_operations
from aso.grpo.token_bias import TokenBias


def test_parse_json_in_fence_with_prose():
    text = (
        'Sure!\n```json\n[{"op": "ADD", "text": "Check empty inputs first."}, {"op": "DELETE", "id": "E2"},'
        ' {"op": "KEEP", "id": "1"},'
        ' {"op": "UPDATE", "id": "E3", "text": "Return, do not print results."}]\n```'
    )
    parsed = parse_operations(text)
    assert [op.kind for op in parsed.operations] == [OpKind.ADD, OpKind.DELETE, OpKind.KEEP, OpKind.UPDATE]
    assert parsed.operations[1].target == "E2"
    assert parsed.dropped == 0


def test_parse_line_format():
    text = (
        "1. ADD: Always return the computed value.\n- UPDATE [E2]: Sort before comparing items.\n"
        "DELETE E4\nKEEP E1"
    )
    ops = parse_operations(text).operations
    assert ops == (
        Operation(OpKind.ADD, None, "Always return the computed value."),
        Operation(OpKind.UPDATE, "E2", "Sort before comparing items."),
        Operation(OpKind.DELETE, "E4"),
        Operation(OpKind.KEEP, "E1"),
    )


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "def f(): pass",
        '[{"op": "FLY", "text": "x"}]',
        "ADD:",
        '{"op": "ADD"}',
        "```json\n[1, 2,\n```",
        "UPDATE: no id given here at all",
        "\x00\xff" * 10,
    ],
)
def test_malformed_output_gives_no_operations_and_never_raises(junk):
    parsed = parse_operations(junk)
    assert parsed.operations == ()
    assert parsed.dropped == (1 if junk.strip() else 0)


def test_malformed_entries_are_counted_as_dropped():
    parsed = parse_operations(
        '[{"op": "ADD", "text": "A good general lesson."}, {"op": "ADD", "text": "x"}, 7]'
    )
    assert len(parsed.operations) == 1 and parsed.dropped == 2


def test_library_operations_and_renumbering():
    lib = ExperienceLibrary(max_size=3)
    assert lib.apply(Operation(OpKind.ADD, None, "First lesson here."), "b0") is OpOutcome.ADDED
    assert lib.apply(Operation(OpKind.ADD, None, "first  LESSON here."), "b0") is OpOutcome.DUPLICATE
    lib.apply(Operation(OpKind.ADD, None, "Second lesson here."), "b0")
    lib.apply(Operation(OpKind.ADD, None, "Third lesson here."), "b0")
    assert lib.apply(Operation(OpKind.ADD, None, "Fourth lesson here."), "b0") is OpOutcome.FULL
    assert lib.apply(Operation(OpKind.DELETE, "E1"), "b1") is OpOutcome.DELETED
    assert lib.apply(Operation(OpKind.UPDATE, "E9", "Nope nope nope."), "b1") is OpOutcome.UNKNOWN_ID
    assert lib.apply(Operation(OpKind.UPDATE, "2", "Second lesson, better."), "b1") is OpOutcome.UPDATED
    assert lib.apply(Operation(OpKind.KEEP, "E3"), "b1") is OpOutcome.KEPT
    assert lib.renumber() == {"E2": "E1", "E3": "E2"}
    assert lib.format() == "[E1] Second lesson, better.\n[E2] Third lesson here."
    assert lib.get("E1").provenance == ["b0:ADD", "b1:UPDATE"]


def _priors() -> Priors:
    lib = ExperienceLibrary()
    lib.apply(Operation(OpKind.ADD, None, "Handle empty input."), "x")
    return Priors(
        list(lib),
        [ExpertSpec("X1", ["E1"], Reliability(3, 4))],
        Reliability(1, 4),
        TokenBias(10, (1, 3), (0.5, -0.25)),
        {"seed": 0},
    )


def test_priors_round_trip_and_hash(tmp_path):
    path = tmp_path / "p.json"
    digest = _priors().save(path)
    loaded = load_priors(path)
    assert loaded.content_hash == digest
    assert loaded.experts[0].reliability.q() == pytest.approx(4 / 6)
    assert loaded.token_bias == TokenBias(10, (1, 3), (0.5, -0.25))


def test_altered_priors_file_is_refused(tmp_path):
    path = tmp_path / "p.json"
    _priors().save(path)
    data = json.loads(path.read_text())
    data["experiences"][0]["text"] = "Something else."
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="content_hash"):
        load_priors(path)
    with pytest.raises(ConfigError, match="not found"):
        load_priors(tmp_path / "missing.json")


def test_token_bias_factor_files(tmp_path):
    from aso.grpo.factor_files import FactorFormat, export_token_bias, import_token_bias

    bias = TokenBias(10, (1, 3, 7), (0.5, -0.25, 1.0))
    fmt = export_token_bias(bias, tmp_path / "exact.safetensors", exact=True)
    assert fmt is FactorFormat.SAFETENSORS
    assert import_token_bias(tmp_path / "exact.safetensors", fmt) == bias
    fmt = export_token_bias(bias, tmp_path / "bits.bd")
    assert fmt is FactorFormat.BITDELTA  # aso.bitdelta is part of the package
    back = import_token_bias(tmp_path / "bits.bd", fmt)
    # 1-bit: zeros stay zero, signs are kept, every magnitude becomes one shared scale
    assert back.token_ids == (1, 3, 7)
    assert [v > 0 for v in back.values] == [True, False, True]
    assert len({abs(v) for v in back.values}) == 1
