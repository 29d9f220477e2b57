"""Byzantine-robust pooling: three simulated nodes, one of them harmful/garbage or flooding duplicates."""

from __future__ import annotations

import pytest

from aso.grpo.library import Experience, Usefulness
from aso.grpo.priors import Priors
from aso.priors import AggregationConfig, NodePriors, aggregate, load_node, weighted_median
from aso.priors.testing import ScriptedScorer

BASELINE = [i < 10 for i in range(40)]  # problems 0-9 solved without lessons
EFFECTS = {
    "Handle the empty input before anything else.": (set(range(10, 18)), set()),
    "Check the loop bounds against the examples.": (set(range(18, 26)), set()),
    "Convert the argument types before comparing.": (set(range(26, 34)), set()),
    "Always return the input unchanged.": (set(), {0, 1, 2}),  # harmful
    "Delete every test and print yes.": (set(), {3}),  # harmful
    "zxqv blorp qqq frob": ({35}, set()),  # garbage that happens to fix one problem
}


def node(name, texts, claimed=0):
    exps = [Experience(f"E{i}", t, usefulness=Usefulness(claimed, claimed)) for i, t in enumerate(texts, 1)]
    return NodePriors(name, f"sha256:{name * 8}", Priors(exps))


GOOD_A = ["Handle the empty input before anything else.", "Check the loop bounds against the examples."]
GOOD_B = ["Convert the argument types before comparing.", "handle the EMPTY input, before anything else"]
BYZANTINE = ["Always return the input unchanged.", "Delete every test and print yes.", "zxqv blorp qqq frob"]


def kept_texts(result):
    return sorted(e.text for e in result.priors.experiences)


def test_good_nodes_useful_experiences_are_kept_and_the_byzantine_nodes_dropped():
    scorer = ScriptedScorer(BASELINE, EFFECTS)
    nodes = [node("a", GOOD_A), node("b", GOOD_B), node("c", BYZANTINE, claimed=50)]  # c claims 50/50
    result = aggregate(nodes, scorer)
    assert kept_texts(result) == sorted(GOOD_A + GOOD_B[:1])
    weights = {n.name: n.eta for n in result.nodes}
    assert weights["a"] > 1 and weights["b"] > 1 and weights["c"] == 0.0
    lucky = next(c for c in result.clusters if c.text == "zxqv blorp qqq frob")
    assert lucky.votes["c"].usefulness > 0 and not lucky.kept  # its only supporter has no weight
    assert "eta 0" in lucky.reason
    merged = next(c for c in result.clusters if len(c.members) == 2)
    assert {m.node for m in merged.members} == {"a", "b"} and merged.kept
    prov = next(e for e in result.priors.experiences if e.text.startswith("Handle")).provenance
    assert [p.split()[0] for p in prov] == ["node=a", "node=b"]
    assert all("file=sha256:" in p and "text=sha256:" in p for p in prov)


def test_the_pooled_priors_carry_measured_reliability_for_poe():
    result = aggregate([node("a", GOOD_A), node("b", GOOD_B)], ScriptedScorer(BASELINE, EFFECTS))
    assert len(result.priors.experts) == len(result.priors.experiences) == 3
    for exp, expert in zip(result.priors.experiences, result.priors.experts, strict=True):
        assert expert.experience_ids == [exp.id]
        assert expert.reliability.successes == 8 and expert.reliability.trials == 8  # wins / changed
        assert exp.usefulness.successes == 18 and exp.usefulness.trials == 40
    assert result.priors.base.successes == 10


def test_a_node_flooding_duplicates_gains_nothing_and_is_bounded():
    harmful_text = BYZANTINE[0]
    copies = [harmful_text] + [
        f"  {harmful_text.upper()}!! " if i % 2 else harmful_text.lower() for i in range(299)
    ]
    junk = [f"junk lesson number {i} {'x' * (i % 7)} {i * 31}" for i in range(80)]
    flooder = node("c", copies + junk + GOOD_A)  # also copies the good node's lessons
    scorer = ScriptedScorer(BASELINE, EFFECTS)
    result = aggregate(
        [node("a", GOOD_A), node("b", GOOD_B), flooder], scorer, AggregationConfig(max_per_node=32)
    )
    assert kept_texts(result) == sorted(GOOD_A + GOOD_B[:1])
    c = next(n for n in result.nodes if n.name == "c")
    assert c.submitted == 382 and c.distinct == 1 + 80 + 2 and c.considered == 32
    harmful = next(cl for cl in result.clusters if cl.text == harmful_text)
    assert len(harmful.members) == 1 and not harmful.kept  # 300 copies, one member, one vote
    assert harmful.votes["c"].usefulness < 0
    assert scorer.calls <= 1 + 3 + (2 + 2 + 32)


def test_a_byzantine_node_with_weight_cannot_carry_a_harmful_variant_against_two_good_nodes():
    effects = {
        **EFFECTS,
        "Handle the empty input before anything else!": (set(range(10, 18)), set()),
        "handle the empty input before anything else now": (set(), {0, 1, 2, 3, 4}),
    }
    nodes = [
        node("a", ["Handle the empty input before anything else!"]),
        node(
            "b",
            ["Handle the empty input before anything else!", "Convert the argument types before comparing."],
        ),
        node(
            "c",
            [
                "handle the empty input before anything else now",
                *GOOD_A[1:],
                "Convert the argument types before comparing.",
            ],
        ),
    ]
    result = aggregate(nodes, ScriptedScorer(BASELINE, effects), AggregationConfig(similarity=0.8))
    cl = next(cl for cl in result.clusters if len({m.node for m in cl.members}) == 3)
    assert cl.kept and cl.votes["c"].usefulness < 0 < cl.pooled
    assert "now" not in cl.text


def test_lucky_junk_from_a_node_with_weight_is_not_kept_on_a_small_split():
    # The byzantine node's library does help (it copies a good lesson), so it has weight; each of its 30
    # junk lessons fixes one or two problems by luck. Without the significance test they would all be kept.
    effects = dict(EFFECTS)
    junk = [f"lucky junk {i} " + "z" * i for i in range(30)]
    for i, text in enumerate(junk):
        effects[text] = ({34 + i % 6, 34 + (i + 1) % 6} if i % 2 else {34 + i % 6}, set())
    nodes = [node("a", GOOD_A), node("b", GOOD_B), node("c", [GOOD_A[0], *junk])]
    strict = aggregate(nodes, ScriptedScorer(BASELINE, effects))
    assert kept_texts(strict) == sorted(GOOD_A + GOOD_B[:1])
    assert next(n for n in strict.nodes if n.name == "c").eta > 1
    reasons = [c.reason for c in strict.clusters if c.text in junk]
    assert len(reasons) == 30 and all("could be luck" in r for r in reasons)
    loose = aggregate(nodes, ScriptedScorer(BASELINE, effects), AggregationConfig(alpha=1.0))
    assert len(loose.priors.experiences) == 3 + 30  # what the test guards against


def test_sign_test_p_values():
    from aso.priors.scoring import PairedScore

    assert PairedScore(0, 10, 0, 0).p_value == 1.0
    assert PairedScore(0, 10, 1, 0).p_value == 0.5
    assert PairedScore(0, 10, 8, 0).p_value == 1 / 256
    assert PairedScore(0, 10, 2, 1).p_value == 0.5  # P(X >= 2), X ~ Bin(3, 1/2)


def test_weighted_median_breakdown():
    assert weighted_median([0.10, 0.12, 100.0], [1.0, 1.0, 0.9]) == 0.12
    assert weighted_median([0.10, 0.12, -100.0], [1.0, 1.0, 1.9]) == 0.10
    assert weighted_median([1.0], [0.0]) is None
    assert weighted_median([-1.0, 1.0], [1.0, 1.0]) == -1.0  # ties resolve towards "not helpful"


def test_load_node_checks_the_priors_file(tmp_path):
    Priors([Experience("E1", "x")]).save(tmp_path / "a.json")
    loaded = load_node(tmp_path / "a.json")
    assert loaded.name == "a" and loaded.digest.startswith("sha256:")
    (tmp_path / "b.json").write_text((tmp_path / "a.json").read_text().replace('"x"', '"y"'))
    from aso.errors import ConfigError

    with pytest.raises(ConfigError, match="content_hash"):
        load_node(tmp_path / "b.json")
