"""Decision-tree unification (in the style of EUSolver): combine small terms with `ite` conditions.

The specifications we handle are point-wise (one call of the hole per input), so a term *covers*
an example point when `post` holds there with the term's value. When the enumerated terms together
cover every point, a decision tree over enumerated conditions that sends each point to a term
covering it is a candidate: `(ite c t1 (ite c2 t2 t3))`. This needs a start-symbol production
`(ite C S S)` with S the start symbol; the candidate still goes through the grammar, the style
limits and Z3 like any other. The tree is learnt by `aso.synth.decision_tree.learn_tree` (ID3).
"""

from __future__ import annotations

import numpy as np

from aso.synth.decision_tree import Leaf, Node, Tree, learn_tree
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
    tree = learn_tree(cover, pred_vals, max_depth)
    return None if tree is None else tree_term(tree, terms, preds)


def tree_term(tree: Tree, terms: list[Entry], preds: list[Entry]) -> Term:
    """The `ite` term of a learnt tree (leaves index `terms`, inner nodes index `preds`)."""
    if isinstance(tree, Leaf):
        return terms[tree.term].term
    assert isinstance(tree, Node)
    return App("ite", (preds[tree.pred].term, tree_term(tree.then, terms, preds),
                       tree_term(tree.other, terms, preds)))
