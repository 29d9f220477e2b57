"""Pool several nodes' experience libraries into one, robust to nodes that send harmful, garbage or
duplicated experiences (HIP-002 "Integration": Byzantine-robust aggregation of priors across nodes).

1. Each node's experiences are deduplicated (normalised text) and capped at `max_per_node`, so a node
   that floods copies gains nothing and one that floods distinct junk is bounded.
2. Near-duplicates across and within nodes are clustered (same normalised text, or word-set Jaccard
   >= `similarity`): a cluster is one candidate experience, and each node has one vote in it.
3. Everything is scored on the shared validation split against the baseline, paired by problem
   (`aso.priors.scoring`): each node's whole library gives the node's reliability q_k and weight
   eta_k = q_k / (1 - q_k) (0 when q_k <= 0.5); each node's member of a cluster gives that node's vote,
   its measured usefulness (pass rate with - without).
4. A cluster's pooled usefulness is the weighted median of its votes (weights eta_k; see
   `aso.priors.robust` for why not a trimmed mean). It is kept when that is > `min_usefulness` and the
   median voter's own paired sign test is significant at `alpha / m_k`, m_k the number of experiences
   that voter's node had considered (Bonferroni within the node): on a small split a lesson that won
   one or two problems by luck is not kept, a node flooding distinct junk cannot buy a lucky one by
   numbers, and its flood raises only its own bar, not the honest nodes'. The text kept is the median
   voter's member; the provenance lists every member (node, node file digest, experience id, digest).

Nothing a node says about its own experiences (its usefulness counts) is trusted: every figure is
measured here. Not handled: a majority of the weight being Byzantine (no robust rule survives that),
paraphrases below the similarity threshold (they count as distinct experiences, within the cap),
the verified solutions a priors file may carry (`Priors.solutions`: only experiences are pooled).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aso.grpo.library import Experience, Usefulness
from aso.grpo.priors import ExpertSpec, Priors, Reliability, load_priors
from aso.priors.robust import weighted_median
from aso.priors.scoring import PairedScore, ValidationScorer

RULE = "weighted-median"


@dataclass(frozen=True)
class NodePriors:
    """One node's priors file: its name, the file's sha256 and the loaded priors."""

    name: str
    digest: str
    priors: Priors
    path: str = ""


def load_node(path: Path | str, name: str | None = None) -> NodePriors:
    """Read a node's priors file (format and content hash checked by `load_priors`)."""
    path = Path(path)
    priors = load_priors(path)
    digest = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    return NodePriors(name or path.stem, digest, priors, str(path))


def normalise(text: str) -> str:
    """Lower case, punctuation dropped, whitespace collapsed: the key for exact duplicates."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def text_digest(text: str) -> str:
    """`sha256:` of the normalised text."""
    return "sha256:" + hashlib.sha256(normalise(text).encode()).hexdigest()


@dataclass(frozen=True)
class Submission:
    """One experience as a node sent it."""

    node: str
    node_digest: str
    exp_id: str
    text: str

    def provenance(self) -> str:
        """`node=N file=sha256:… id=E3 text=sha256:…` (digests shortened to 16 hex digits)."""
        return (
            f"node={self.node} file={self.node_digest[:23]} id={self.exp_id} "
            f"text={text_digest(self.text)[:23]}"
        )


@dataclass(frozen=True)
class AggregationConfig:
    """Knobs of the pooling rule."""

    max_per_node: int = 32
    """Distinct experiences considered per node (the rest are noted, not scored)."""
    similarity: float = 0.8
    """Word-set Jaccard at or above which two experiences are one candidate."""
    min_usefulness: float = 0.0
    """A cluster is kept when its pooled usefulness is strictly above this."""
    alpha: float = 0.05
    """Significance level of a node's keep decisions, split over its experiences (>= 1: no test)."""


@dataclass
class NodeReport:
    """What aggregation found about one node."""

    name: str
    digest: str
    submitted: int
    distinct: int
    considered: int
    library: PairedScore | None = None

    @property
    def eta(self) -> float:
        """The node's vote weight."""
        return self.library.eta if self.library else 0.0

    def to_json(self) -> dict[str, Any]:
        """Figures for the report."""
        return {
            "name": self.name,
            "digest": self.digest,
            "submitted": self.submitted,
            "distinct": self.distinct,
            "considered": self.considered,
            "library": self.library.to_json() if self.library else None,
            "eta": round(self.eta, 6),
        }


@dataclass
class ClusterReport:
    """One candidate experience: its members, the nodes' votes, the pooled value and the decision."""

    members: list[Submission]
    votes: dict[str, PairedScore] = field(default_factory=dict)  # node -> its member's score
    pooled: float | None = None
    kept: bool = False
    text: str = ""
    chosen_node: str = ""  # the median voter, whose member is `text`
    reason: str = ""

    def to_json(self, weights: dict[str, float]) -> dict[str, Any]:
        """Figures for the report."""
        return {
            "text": self.text,
            "kept": self.kept,
            "reason": self.reason,
            "pooled_usefulness": self.pooled,
            "votes": [{"node": n, "eta": round(weights[n], 6), **s.to_json()} for n, s in self.votes.items()],
            "provenance": [m.provenance() for m in self.members],
        }


@dataclass
class AggregateResult:
    """The pooled priors and the report of how they were chosen."""

    priors: Priors
    nodes: list[NodeReport]
    clusters: list[ClusterReport]
    baseline: list[bool]

    def report(self) -> dict[str, Any]:
        """JSON-ready report."""
        weights = {n.name: n.eta for n in self.nodes}
        return {
            "rule": RULE,
            "baseline": {"solved": sum(self.baseline), "problems": len(self.baseline)},
            "nodes": [n.to_json() for n in self.nodes],
            "kept": sum(c.kept for c in self.clusters),
            "clusters": [c.to_json(weights) for c in self.clusters],
        }


def _distinct(node: NodePriors, cap: int) -> tuple[list[Submission], int]:
    seen: set[str] = set()
    out: list[Submission] = []
    for exp in node.priors.experiences:
        key = normalise(exp.text)
        if key and key not in seen:
            seen.add(key)
            out.append(Submission(node.name, node.digest, exp.id, exp.text))
    return out[:cap], len(out)


def _words(text: str) -> frozenset[str]:
    return frozenset(normalise(text).split())


def cluster(submissions: Sequence[Submission], similarity: float) -> list[list[Submission]]:
    """Greedy clustering in order: a submission joins the first cluster whose first member it matches."""
    clusters: list[tuple[frozenset[str], list[Submission]]] = []
    for sub in submissions:
        words = _words(sub.text)
        for head, members in clusters:
            union = head | words
            if head == words or (union and len(head & words) / len(union) >= similarity):
                members.append(sub)
                break
        else:
            clusters.append((words, [sub]))
    return [members for _, members in clusters]


def aggregate(
    nodes: Sequence[NodePriors], scorer: ValidationScorer, config: AggregationConfig | None = None
) -> AggregateResult:
    """Pool the nodes' experiences by the weighted median of measured usefulness (module doc)."""
    config = config or AggregationConfig()
    names = [n.name for n in nodes]
    if len(set(names)) != len(names):
        from aso.errors import ConfigError

        raise ConfigError(f"two nodes share a name: {', '.join(names)} (name the files differently)")
    reports, considered = [], []
    for node in nodes:
        subs, distinct = _distinct(node, config.max_per_node)
        reports.append(NodeReport(node.name, node.digest, len(node.priors.experiences), distinct, len(subs)))
        considered.append(subs)
    clusters = [
        ClusterReport(members)
        for members in cluster([s for subs in considered for s in subs], config.similarity)
    ]
    # Every lesson set to evaluate is known before any evaluation: score them in one batch.
    votes_needed = [
        (c, name, next(m for m in c.members if m.node == name))
        for c in clusters
        for name in dict.fromkeys(m.node for m in c.members)
    ]
    sets: list[list[str]] = [[]] + [[s.text for s in subs] for subs in considered]
    sets += [[m.text] for _, _, m in votes_needed]
    outcomes = scorer.outcomes_many(sets)
    baseline = outcomes[0]
    for report, got in zip(reports, outcomes[1 : 1 + len(nodes)], strict=True):
        report.library = PairedScore.compare(got, baseline)
    for (c, name, _), got in zip(votes_needed, outcomes[1 + len(nodes) :], strict=True):
        c.votes[name] = PairedScore.compare(got, baseline)
    weights = {r.name: r.eta for r in reports}
    considered_per_node = {r.name: max(1, r.considered) for r in reports}
    for c in clusters:
        _decide(c, weights, config, considered_per_node)
    return AggregateResult(_pooled_priors(clusters, baseline, nodes), reports, clusters, baseline)


def _decide(
    c: ClusterReport, weights: dict[str, float], config: AggregationConfig, considered: dict[str, int]
) -> None:
    names = list(c.votes)
    c.pooled = weighted_median([c.votes[n].usefulness for n in names], [weights[n] for n in names])
    c.text = c.members[0].text
    if c.pooled is None:
        c.reason = "no node with weight votes for it (every supporting node has eta 0)"
        return
    if c.pooled <= config.min_usefulness:
        c.reason = f"pooled usefulness {c.pooled:+.4f} <= {config.min_usefulness}"
        return
    median_voter = next(n for n in names if weights[n] > 0 and c.votes[n].usefulness == c.pooled)
    c.chosen_node = median_voter
    c.text = next(m.text for m in c.members if m.node == median_voter)
    p = c.votes[median_voter].p_value
    level = 1.0 if config.alpha >= 1 else config.alpha / considered[median_voter]
    if p > level:
        c.reason = f"pooled usefulness {c.pooled:+.4f}, but sign test p {p:.4f} > {level:.4g} (could be luck)"
        return
    c.kept, c.reason = True, f"pooled usefulness {c.pooled:+.4f}, sign test p {p:.4g} <= {level:.4g}"


def _pooled_priors(
    clusters: list[ClusterReport], baseline: list[bool], nodes: Sequence[NodePriors]
) -> Priors:
    experiences, experts = [], []
    for c in (c for c in clusters if c.kept):
        exp_id = f"E{len(experiences) + 1}"
        score = c.votes[c.chosen_node]
        experiences.append(
            Experience(
                exp_id, c.text, [m.provenance() for m in c.members], Usefulness(score.solved, score.problems)
            )
        )
        experts.append(ExpertSpec(f"X{len(experts) + 1}", [exp_id], score.reliability))
    meta = {
        "aggregation": RULE,
        "nodes": [{"name": n.name, "digest": n.digest} for n in nodes],
        "validation_problems": len(baseline),
    }
    return Priors(experiences, experts, Reliability(sum(baseline), len(baseline)), None, meta)
