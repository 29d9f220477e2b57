from pathlib import Path

import pytest

from aso.dataset.cells import cell_key
from aso.dataset.construct_map import ConstructMap, Strictness, default_map_path
from aso.dataset.prior import PriorSource, default_sources, mine_prior, parse_source_spec, prior_config
from aso.errors import ConfigError

CODE_A = """
def load(path):
    for line in open(path):
        if line:
            yield line

def total(xs):
    s = 0
    for x in xs:
        s += x
    return s
"""
CODE_B = """
def fetch(url):
    try:
        return get(url)
    except OSError:
        raise
"""
CODE_C = '''
def fake():
    text = """
    for x in y:
        pass
    """
    return text
'''


def write(tmp: Path, name: str, text: str) -> Path:
    d = tmp / name
    d.mkdir()
    (d / "m.py").write_text(text)
    return d


def test_mined_prior_hand_computed(tmp_path):
    a = write(tmp_path, "a", CODE_A)
    b = write(tmp_path, "b", CODE_B)
    mapping = ConstructMap(default_map_path(), "python")
    vocab = ["FunctionDef", "For", "If", "Yield", "AugAssign", "Return", "Try", "Raise"]
    prior = mine_prior(
        [PriorSource("a", (a,), 0.75), PriorSource("b", (b,), 0.25)], mapping, Strictness.STRICT, vocab, (2,)
    )
    # source a: load -> {FunctionDef, For, If, Yield}; total -> {FunctionDef, For, AugAssign, Return}
    # (FunctionDef, For) appears in 2 functions = the max -> 1.0; (For, If) in 1 -> 0.5
    assert prior.cell_weights[cell_key(("FunctionDef", "For"))] == pytest.approx(0.75)
    assert prior.cell_weights[cell_key(("For", "If"))] == pytest.approx(0.75 * 0.5)
    # source b: fetch -> {FunctionDef, Try, Return, Raise}: every pair once -> 1.0 * 0.25
    assert prior.cell_weights[cell_key(("Raise", "Try"))] == pytest.approx(0.25)
    assert prior.cell_weights[cell_key(("FunctionDef", "Return"))] == pytest.approx(0.75 * 0.5 + 0.25)
    assert cell_key(("Yield", "Try")) not in prior.cell_weights  # uncovered: gets epsilon
    assert prior.weight(("Try", "Yield"), 0.05) == 0.05
    assert sum(prior.marginal.values()) == pytest.approx(1.0)
    assert [s["functions"] for s in prior.sources] == [2, 1]


def test_lenient_and_strict_mapping_differ(tmp_path):
    c = write(tmp_path, "c", CODE_C)
    mapping = ConstructMap(default_map_path(), "python")
    lenient = mine_prior([PriorSource("c", (c,), 1.0)], mapping, Strictness.LENIENT, ["For", "Return"], (2,))
    strict = mine_prior([PriorSource("c", (c,), 1.0)], mapping, Strictness.STRICT, ["For", "Return"], (2,))
    # the keyword `for` inside a string counts only for the lenient (keyword) mapping
    assert lenient.marginal["For"] > 0 and strict.marginal["For"] == 0


def test_avap_mapping_from_python(tmp_path):
    d = write(tmp_path, "d", "def q(cur):\n    cur.execute('SELECT 1')\n    return cur.fetchall()\n")
    mapping = ConstructMap(default_map_path(), "avap")
    prior = mine_prior(
        [PriorSource("d", (d,), 1.0)],
        mapping,
        Strictness.STRICT,
        ["orm_select", "function_def", "start_loop"],
        (2,),
    )
    assert prior.cell_weights == {cell_key(("function_def", "orm_select")): 1.0}


def test_grid_and_sources():
    assert prior_config("F2").strictness is Strictness.STRICT
    assert prior_config("F4").epsilon == 0.10 and prior_config("F4").phase3_threshold == 0.5
    assert [s.weight for s in default_sources("all")] == [0.5, 0.3, 0.1, 0.1]
    assert len(default_sources("stack")) == 1
    with pytest.raises(ConfigError):
        prior_config("F7")
    with pytest.raises(ConfigError):
        parse_source_spec("/nonexistent=0.5")


def test_map_without_target_section_is_config_error(tmp_path):
    p = tmp_path / "map.yaml"
    p.write_text("version: 1\ntargets:\n  python: {}\n")
    with pytest.raises(ConfigError, match="targets.kcl"):
        ConstructMap(p, "kcl")
