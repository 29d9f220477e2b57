"""Decision-tree unification (in the style of EUSolver): combine small terms with `ite` conditions.

The specifications we handle are point-wise (one call of the hole per input), so a term *covers*
an example point when `post` holds there with the term's value. When the enumerated terms together
cover every point, a decision tree over enumerated conditions that sends each point to a term
covering it is a candidate: `(ite c t1 (ite c2 t2 t3))`. This needs a start-symbol production
`(ite C S S)` with S the start symbol; the candidate still goes through the grammar, the style
limits and Z3 like any other.
"""

from __future__ import annotations

import numpy as np

from aso.synth.enumerator import Entry, Enumerator
from aso.synth.evaluate import evaluate
from aso.synth.grammar import Grammar
from aso.synth.kernel import HOLE
from aso.synth.problem import HoleProblem
from aso.synth.terms import App, Term, Var

MAX_TERMS = 2000
MAX_PREDS = 2000


def ite_condition_nonterminal(grammar: Grammar) -> str | None:
    """The non-terminal C of a start production `(ite C Start Start)`, if there is one."""
    s = grammar.start
    for p in grammar.productions[s]:
        if (isinstance(p, App) and p.op == "ite" and all(isinstance(a, Var) for a in p.args)
                and p.args[1] == Var(s) and p.args[2] == Var(s)
                and grammar.is_nonterminal(p.args[0].name)):
            return p.args[0].name
    return None


def _entries(enum: Enumerator, nt: str, limit: int) -> list[Entry]:
    out: list[Entry] = []
    for level in sorted(enum.banks[nt]):
        out.extend(enum.banks[nt][level])
        if len(out) >= limit:
            return out[:limit]
    return out


def cover_matrix(problem: HoleProblem, entries: list[Entry], points: dict) -> np.ndarray:
    """`[terms, points]` booleans: does `post` hold at the point with the term's value."""
    env = {k: v[None, :] for k, v in points.items()}
    env[HOLE] = np.stack([e.values for e in entries])
    return np.broadcast_to(evaluate(problem.post_term, env), env[HOLE].shape)


def decision_tree(problem: HoleProblem, enum: Enumerator, points: dict, max_depth: int = 6) -> Term | None:
    """A decision-tree candidate from the enumerator's banks (None when no tree is found)."""
    cond_nt = ite_condition_nonterminal(problem.grammar)
    if cond_nt is None:
        return None
    terms = _entries(enum, problem.grammar.start, MAX_TERMS)
    preds = _entries(enum, cond_nt, MAX_PREDS)
    if not terms or not preds:
        return None
    cover = cover_matrix(problem, terms, points)
    if not cover.any(axis=0).all():
        return None
    pred_vals = np.stack([np.asarray(p.values, dtype=bool) for p in preds])
    cover_f = cover.astype(np.float32)
    return _learn(np.ones(cover.shape[1], dtype=bool), terms, cover, cover_f, preds, pred_vals, max_depth)


def _learn(mask: np.ndarray, terms: list[Entry], cover: np.ndarray, cover_f: np.ndarray, preds: list[Entry],
           pred_vals: np.ndarray, depth: int) -> Term | None:
    full = np.nonzero(cover[:, mask].all(axis=1))[0]
    if len(full):
        return terms[int(full[0])].term
    if depth == 0:
        return None
    pt = pred_vals & mask
    pf = ~pred_vals & mask
    nt, nf = pt.sum(axis=1), pf.sum(axis=1)
    usable = (nt > 0) & (nf > 0)
    if not usable.any():
        return None
    best_t = (cover_f @ pt.T.astype(np.float32)).max(axis=0)  # most points of the true side one term covers
    best_f = (cover_f @ pf.T.astype(np.float32)).max(axis=0)
    score = np.where(usable, (best_t + best_f) / mask.sum(), -1.0)
    b = int(np.argmax(score))  # greedy: the first best split (lowest-level predicate on ties)
    then = _learn(pt[b], terms, cover, cover_f, preds, pred_vals, depth - 1)
    if then is None:
        return None
    other = _learn(pf[b], terms, cover, cover_f, preds, pred_vals, depth - 1)
    return None if other is None else App("ite", (preds[b].term, then, other))
