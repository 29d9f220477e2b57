"""Probe-style guidance: production probabilities learned during the search, turned into costs.

Probe (Barke, Peleg, Polikarpova, OOPSLA 2020) enumerates by cost where a production's cost is
`round(-log2 p)`, and re-learns `p` from *partial solutions*: programs that satisfy a new, larger
subset of the examples. Here the same idea drives `aso.synth.sygus_solver`'s enumeration: after each
CEGIS round the best partial solution of that round (the enumerated term meeting the spec at the
most points) adds its production uses to the counts; hint terms (an LLM's guesses, the ESSO path)
add theirs up front, weighted higher. Costs are relative to a uniform grammar: a production used by
no partial solution keeps its uniform cost, one used often becomes cheaper, so terms built like the
partial solutions come earlier.
"""

from __future__ import annotations

import math
from collections import Counter

from aso.synth.grammar import Grammar, derives
from aso.synth.terms import App, Const, Term, Var

HINT_WEIGHT = 3.0


def production_uses(grammar: Grammar, term: Term, nt: str | None = None) -> Counter[tuple[str, int]] | None:
    """Counts of `(non-terminal, production index)` in one derivation of `term` (None if it has none)."""
    nt = nt or grammar.start
    for i, prod in enumerate(grammar.productions[nt]):
        uses = _match(grammar, prod, term)
        if uses is not None:
            uses[(nt, i)] += 1
            return uses
    if nt in grammar.any_constant and isinstance(term, Const) and not isinstance(term.value, bool):
        return Counter()
    return None


def _match(grammar: Grammar, template: Term, term: Term) -> Counter[tuple[str, int]] | None:
    if isinstance(template, Var) and grammar.is_nonterminal(template.name):
        if not derives(grammar, term, template.name):
            return None
        return production_uses(grammar, term, template.name)
    if isinstance(template, App):
        if not isinstance(term, App) or term.op != template.op or len(term.args) != len(template.args):
            return None
        out: Counter[tuple[str, int]] = Counter()
        for a, b in zip(template.args, term.args, strict=True):
            sub = _match(grammar, a, b)
            if sub is None:
                return None
            out.update(sub)
        return out
    return Counter() if template == term else None


class Guidance:
    """Production counts for one grammar and the costs they give."""

    def __init__(self, grammar: Grammar) -> None:
        self.grammar = grammar
        self.counts: Counter[tuple[str, int]] = Counter()
        self.updates = 0

    def learn(self, term: Term, weight: float = 1.0) -> bool:
        """Add one term's production uses (False when it does not derive from the grammar)."""
        uses = production_uses(self.grammar, term)
        if uses is None:
            return False
        for key, n in uses.items():
            self.counts[key] += weight * n
        self.updates += 1
        return True

    def costs(self) -> dict[tuple[str, int], int] | None:
        """Cost per production: `round(-log2 p) - round(log2 k) + base`, with `p` smoothed by +1 counts.

        None before anything was learned (the enumerator's default costs apply)."""
        if not self.updates:
            return None
        out = {}
        for nt, prods in self.grammar.productions.items():
            k = len(prods)
            total = sum(self.counts[(nt, i)] for i in range(k)) + k
            for i, prod in enumerate(prods):
                p = (self.counts[(nt, i)] + 1) / total
                base = _nodes(self.grammar, prod)
                out[(nt, i)] = max(1, base + round(-math.log2(p) - math.log2(k)))
        return out


def _nodes(grammar: Grammar, t: Term) -> int:
    if isinstance(t, Var) and grammar.is_nonterminal(t.name):
        return 0
    if isinstance(t, App):
        return 1 + sum(_nodes(grammar, a) for a in t.args)
    return 1
