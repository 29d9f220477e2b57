import math

import numpy as np
import pytest

from aso.dataset.metrics import (
    construct_counts,
    coverage_breadth,
    entropy_bits,
    fill_rate,
    js_divergence_bits,
    kl_divergence_bits,
    mean_cell_quality,
    pass_rate,
    smooth,
)
from aso.dataset.retrieval import Query, context_precision, gains, rank_metrics


def test_entropy_hand_computed():
    assert entropy_bits(np.array([1, 1, 1, 1.0])) == pytest.approx(2.0)
    assert entropy_bits(np.array([2, 1, 1, 0.0])) == pytest.approx(1.5)
    assert entropy_bits(np.array([0, 0.0])) == 0.0


def test_counts_are_presence_per_example():
    counts = construct_counts([["A", "A", "B"], ["B"], ["Z"]], ["A", "B", "C"])
    assert counts.tolist() == [1, 2, 0]
    assert coverage_breadth(counts) == pytest.approx(2 / 3)


def test_kl_and_js_hand_computed():
    p = np.array([3.0, 1.0])
    q = np.array([0.5, 0.5])
    ps, qs = smooth(p), smooth(q)
    kl = ps[0] * math.log2(ps[0] / qs[0]) + ps[1] * math.log2(ps[1] / qs[1])
    assert kl_divergence_bits(p, q) == pytest.approx(kl)
    assert kl == pytest.approx(0.75 * math.log2(1.5) + 0.25 * math.log2(0.5), abs=2e-3)
    assert kl_divergence_bits(q, q) == pytest.approx(0.0, abs=1e-12)
    assert js_divergence_bits(np.array([1.0, 0]), np.array([0, 1.0])) == pytest.approx(1.0, abs=0.02)
    assert 0 < js_divergence_bits(p, q) < kl_divergence_bits(p, q)


def test_simple_rates():
    assert fill_rate(3, 12) == 0.25
    assert mean_cell_quality([0.5, 1.0]) == 0.75
    assert mean_cell_quality([]) == 0.0
    assert pass_rate(3, 4) == 0.75


def test_rank_metrics_hand_computed():
    q = Query("x", frozenset({"A", "B"}))
    docs = [{"A"}, {"A", "B"}, {"C"}]
    g = gains(q, docs)
    assert g.tolist() == [0.5, 1.0, 0.0]
    m = rank_metrics([0, 1, 2], g, k=5)
    assert m["hit@5"] == 1.0 and m["mrr"] == 0.5
    dcg = 0.5 / math.log2(2) + 1.0 / math.log2(3)
    idcg = 1.0 / math.log2(2) + 0.5 / math.log2(3)
    assert m["ndcg@10"] == pytest.approx(dcg / idcg)
    assert rank_metrics([2], np.array([0.0, 0.0, 0.0]))["ndcg@10"] == 0.0


def test_ragas_context_precision():
    assert context_precision([True, False, True]) == pytest.approx((1 + 2 / 3) / 2)
    assert context_precision([False, False]) == 0.0


def test_retrieval_with_judge_computes_ragas_style_composite():
    from aso.dataset.retrieval import evaluate_retrieval
    from aso.models import ScriptedModel

    texts = ["for i in range(3):\n    total += i", "def f():\n    return 1", "x = [a for a in b]"]
    constructs = [{"For", "AugAssign"}, {"FunctionDef", "Return"}, {"ListComp"}]
    queries = [Query("loop and add to a total", frozenset({"For", "AugAssign"}))]
    judge = ScriptedModel(outputs=["yes", "no", "no"])
    result = evaluate_retrieval(texts, constructs, queries, embedder=None, judge=judge)
    assert result["bm25"]["hit@5"] == 1.0
    ragas = result["ragas"]
    assert ragas["context_recall@5"] == 1.0  # the union of the top-3 covers both constructs
    assert 0 < ragas["context_precision@5"] <= 1.0
    expected = (ragas["context_precision@5"] + ragas["context_recall@5"] + ragas["ndcg@10"]) / 3
    assert ragas["ragas_composite"] == pytest.approx(expected)
    assert len(judge.calls) == 3
