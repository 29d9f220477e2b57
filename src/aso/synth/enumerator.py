"""Bottom-up enumeration of grammar terms by cost, with observational-equivalence pruning.

Each non-terminal keeps a bank `level -> entries`; an entry is a term with its values on the
current example points, its AST size, `ite` count and `ite` nesting. A production with k
non-terminal slots and fixed cost f yields level-L terms from children whose levels sum to L - f;
all combinations of one level split are evaluated at once by numpy broadcasting (slot i varies
along axis i). A term whose value vector was already produced by a cheaper term of the same
non-terminal is dropped (observational equivalence), so is a term over the style limits.
Commutative operators over two copies of one non-terminal build each unordered pair once.

Hint terms (and their sub-terms) that derive from a non-terminal are seeded into its bank at a
discounted level, so every term built on them is cheaper and comes earlier. `production_costs`
(from `aso.synth.guidance`, Probe-style learned probabilities) replaces a production's fixed cost.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from aso.synth.evaluate import apply_op, const_array, evaluate
from aso.synth.grammar import Grammar, StyleProfile, derives
from aso.synth.ops import OPS
from aso.synth.terms import App, Const, Term, Var, count_op, op_nesting, term_size

_CHUNK = 200_000  # most combinations evaluated in one numpy batch


class EnumerationTimeout(Exception):
    """The enumerator passed its deadline."""


@dataclass
class Entry:
    """One enumerated term with its values on the example points."""

    term: Term
    values: np.ndarray
    level: int
    size: int
    ites: int
    nesting: int


@dataclass
class _Production:
    template: Term
    slots: list[str]          # non-terminal of each slot, in left-to-right order
    fixed_cost: int
    fixed_size: int
    fixed_ites: int
    slot_ites_above: list[int]  # ite ancestors of each slot inside the template
    fixed_nesting: int
    commutative_pair: bool    # (op X X) with a commutative op: build unordered pairs only


class Enumerator:
    """Generates start-symbol terms level by level; `levels()` yields `(level, new entries)`."""

    def __init__(self, grammar: Grammar, style: StyleProfile, points: dict[str, np.ndarray],
                 hints: tuple[Term, ...] = (), hint_discount: float = 0.5, max_level: int = 10_000,
                 production_costs: dict[tuple[str, int], int] | None = None) -> None:
        self.grammar = grammar
        self.style = style
        self.points = points
        self.n = len(next(iter(points.values())))
        self.max_level = max_level
        self.deadline: float | None = None  # time.perf_counter() value after which work stops
        self.banks: dict[str, dict[int, list[Entry]]] = {nt: {} for nt in grammar.productions}
        self.seen: dict[str, set[bytes | tuple]] = {nt: set() for nt in grammar.productions}
        self.enumerated = 0  # terms built (before pruning)
        self.kept = 0
        self.prods = {nt: [self._compile(p, (production_costs or {}).get((nt, i))) for i, p in enumerate(ps)]
                      for nt, ps in grammar.productions.items()}
        self.seeds: dict[int, list[tuple[str, Term]]] = {}
        self._seed(hints, hint_discount)

    # --- cost model -----------------------------------------------------------------------------
    def node_cost(self, op: str | None) -> int:
        """Cost of one AST node (`op` None for a leaf)."""
        base = max(1, self.style.ast_node_penalty)
        return base + (self.style.branch_penalty if op == "ite" else 0)

    def term_cost(self, term: Term) -> int:
        """Additive cost of a whole term (a lower bound of `style_cost`)."""
        if isinstance(term, App):
            return self.node_cost(term.op) + sum(self.term_cost(a) for a in term.args)
        return self.node_cost(None)

    def _compile(self, template: Term, cost: int | None = None) -> _Production:
        slots: list[str] = []
        ites_above: list[int] = []
        fixed = [0, 0, 0]  # cost, size, ites

        def walk(t: Term, ites: int) -> None:
            if isinstance(t, Var) and self.grammar.is_nonterminal(t.name):
                slots.append(t.name)
                ites_above.append(ites)
                return
            op = t.op if isinstance(t, App) else None
            fixed[0] += self.node_cost(op)
            fixed[1] += 1
            fixed[2] += 1 if op == "ite" else 0
            if isinstance(t, App):
                for a in t.args:
                    walk(a, ites + (1 if t.op == "ite" else 0))

        walk(template, 0)
        pair = (isinstance(template, App) and len(slots) == 2 and slots[0] == slots[1]
                and all(isinstance(a, Var) for a in template.args) and OPS.get(template.op) is not None
                and OPS[template.op].commutative)
        if cost is not None:  # a learned cost (aso.synth.guidance) replaces the per-node cost
            fixed[0] = max(1, cost)
        return _Production(template, slots, fixed[0], fixed[1], fixed[2], ites_above,
                           op_nesting(template, {"ite"}), pair)

    def _seed(self, hints: tuple[Term, ...], discount: float) -> None:
        from aso.synth.terms import subterms

        done: set[tuple[str, Term]] = set()
        for hint in hints:
            for sub in subterms(hint):
                for nt in self.grammar.productions:
                    if (nt, sub) in done or not derives(self.grammar, sub, nt):
                        continue
                    done.add((nt, sub))
                    level = max(1, int(self.term_cost(sub) * discount))
                    self.seeds.setdefault(level, []).append((nt, sub))

    # --- the bank -------------------------------------------------------------------------------
    def _key(self, row: np.ndarray) -> bytes | tuple:
        return tuple(row.tolist()) if row.dtype == object else row.tobytes()

    def _within_style(self, size: int, ites: int, nesting: int) -> bool:
        s = self.style
        return ((s.max_ast_nodes is None or size <= s.max_ast_nodes)
                and (s.max_branches is None or ites <= s.max_branches)
                and (s.max_nesting is None or nesting <= s.max_nesting))

    def _add(self, nt: str, entry: Entry) -> bool:
        key = self._key(entry.values)
        if key in self.seen[nt]:
            return False
        self.seen[nt].add(key)
        self.banks[nt].setdefault(entry.level, []).append(entry)
        self.kept += 1
        return True

    def _add_seed(self, nt: str, term: Term, level: int) -> None:
        size, ites, nest = term_size(term), count_op(term, {"ite"}), op_nesting(term, {"ite"})
        self.enumerated += 1
        if self._within_style(size, ites, nest):
            values = evaluate(term, self.points)
            if values.shape != (self.n,):
                values = np.broadcast_to(values, (self.n,)).copy()
            self._add(nt, Entry(term, values, level, size, ites, nest))

    def _fixed_values(self, t: Term) -> np.ndarray:
        if isinstance(t, Const):
            return const_array(t.value, self.n)
        return evaluate(t, self.points)

    def _combine(self, nt: str, prod: _Production, level: int) -> None:
        k = len(prod.slots)
        budget = level - prod.fixed_cost
        if budget < k:
            return
        for split in _splits(budget, k):
            groups = [self.banks[s].get(c, []) for s, c in zip(prod.slots, split, strict=True)]
            if any(not g for g in groups):
                continue
            if prod.commutative_pair and split[0] > split[1]:
                continue
            self._combine_groups(nt, prod, level, groups, split)

    def _combine_groups(self, nt: str, prod: _Production, level: int, groups: list[list[Entry]],
                        split: tuple[int, ...]) -> None:
        first = groups[0]
        rest = int(np.prod([len(g) for g in groups[1:]])) if len(groups) > 1 else 1
        step = max(1, _CHUNK // max(1, rest))
        for lo in range(0, len(first), step):
            if self.deadline is not None and time.perf_counter() > self.deadline:
                raise EnumerationTimeout
            chunk = [first[lo:lo + step], *groups[1:]]
            self._combine_chunk(nt, prod, level, chunk, split, lo)

    def _combine_chunk(self, nt: str, prod: _Production, level: int, groups: list[list[Entry]],
                       split: tuple[int, ...], offset: int) -> None:
        k = len(groups)
        shapes = [len(g) for g in groups]
        slot_values = []
        for i, g in enumerate(groups):
            stacked = np.stack([e.values for e in g])
            shape = [1] * k + [self.n]
            shape[i] = len(g)
            slot_values.append(stacked.reshape(shape))
        counter = iter(range(k))
        values = self._eval_template(prod.template, slot_values, counter)
        values = np.broadcast_to(values, (*shapes, self.n)).reshape(-1, self.n)
        size = prod.fixed_size + _outer_sum([[e.size for e in g] for g in groups])
        ites = prod.fixed_ites + _outer_sum([[e.ites for e in g] for g in groups])
        nest = _outer_max([[e.nesting + prod.slot_ites_above[i] for e in g] for i, g in enumerate(groups)],
                          prod.fixed_nesting)
        ok = self._style_mask(size, ites, nest)
        if prod.commutative_pair and split[0] == split[1]:
            i_idx, j_idx = np.meshgrid(np.arange(shapes[0]) + offset, np.arange(shapes[1]), indexing="ij")
            ok &= (i_idx <= j_idx).reshape(-1)
        self.enumerated += int(ok.sum())
        idx = np.nonzero(ok)[0]
        if len(idx) == 0:
            return
        sub = values[idx]
        if sub.dtype != object:
            _, first = np.unique(sub, axis=0, return_index=True)
            idx, sub = idx[np.sort(first)], sub[np.sort(first)]
        for flat, row in zip(idx, sub, strict=True):
            key = self._key(row)
            if key in self.seen[nt]:
                continue
            combo = np.unravel_index(flat, shapes)
            children = [groups[i][c] for i, c in enumerate(combo)]
            term = _instantiate(prod.template, iter([c.term for c in children]), self.grammar)
            self.seen[nt].add(key)
            self.banks[nt].setdefault(level, []).append(
                Entry(term, row.copy(), level, int(size.reshape(-1)[flat]), int(ites.reshape(-1)[flat]),
                      int(nest.reshape(-1)[flat])))
            self.kept += 1

    def _style_mask(self, size: np.ndarray, ites: np.ndarray, nest: np.ndarray) -> np.ndarray:
        s = self.style
        ok = np.ones(size.size, dtype=bool)
        for arr, lim in ((size, s.max_ast_nodes), (ites, s.max_branches), (nest, s.max_nesting)):
            if lim is not None:
                ok &= arr.reshape(-1) <= lim
        return ok

    def _eval_template(self, t: Term, slots: list[np.ndarray], counter: Iterator[int]) -> np.ndarray:
        if isinstance(t, Var) and self.grammar.is_nonterminal(t.name):
            return slots[next(counter)]
        if isinstance(t, App):
            return apply_op(t.op, [self._eval_template(a, slots, counter) for a in t.args])
        return self._fixed_values(t)

    # --- levels ---------------------------------------------------------------------------------
    def _level(self, level: int) -> None:
        for nt, term in self.seeds.get(level, []):
            self._add_seed(nt, term, level)
        for nt, prods in self.prods.items():
            for prod in prods:
                if not prod.slots:
                    if prod.fixed_cost == level:
                        self._add_seed(nt, prod.template, level)
                elif not _is_unit(prod):
                    self._combine(nt, prod, level)
            if nt in self.grammar.any_constant and level == self.node_cost(None):
                for c in self.grammar.extra_constants:
                    self._add_seed(nt, Const(c), level)
        changed = True
        while changed:  # unit productions A -> B, to a fixpoint
            changed = False
            for nt, prods in self.prods.items():
                for prod in prods:
                    if _is_unit(prod):
                        for e in list(self.banks[prod.slots[0]].get(level, [])):
                            if self._add(nt, Entry(e.term, e.values, level, e.size, e.ites, e.nesting)):
                                changed = True

    def levels(self) -> Iterator[tuple[int, list[Entry]]]:
        """Yield `(level, new start-symbol entries)` for levels 1, 2, ... until no new term is possible.

        Stops after level L when every production applied to the highest non-empty level so far
        would land below L (nothing new can appear), or when L exceeds what `max_ast_nodes` allows.
        """
        prods = [p for ps in self.prods.values() for p in ps]
        max_node = self.node_cost("ite")
        cap = self.max_level
        if self.style.max_ast_nodes is not None:
            cap = min(cap, self.style.max_ast_nodes * max_node + max(self.seeds, default=0))
        top = 0
        for level in range(1, cap + 1):
            before = self.kept
            self._level(level)
            if self.kept > before:
                top = level
            yield level, self.banks[self.grammar.start].get(level, [])
            reach = max([p.fixed_cost + len(p.slots) * top for p in prods] + list(self.seeds) + [1])
            if level >= reach:
                return

    def exhausted_reason(self) -> str:
        """Why enumeration stopped without more terms (for reports)."""
        return "grammar exhausted under style limits and observational equivalence"


def _is_unit(prod: _Production) -> bool:
    return isinstance(prod.template, Var) and len(prod.slots) == 1


def _splits(total: int, k: int) -> Iterator[tuple[int, ...]]:
    """All ways to write `total` as an ordered sum of `k` positive integers."""
    if k == 1:
        yield (total,)
        return
    for cut in itertools.combinations(range(1, total), k - 1):
        bounds = (0, *cut, total)
        yield tuple(bounds[i + 1] - bounds[i] for i in range(k))


def _outer_sum(lists: list[list[int]]) -> np.ndarray:
    out = np.zeros([len(x) for x in lists], dtype=np.int64)
    for i, xs in enumerate(lists):
        shape = [1] * len(lists)
        shape[i] = len(xs)
        out = out + np.asarray(xs, dtype=np.int64).reshape(shape)
    return out


def _outer_max(lists: list[list[int]], floor: int) -> np.ndarray:
    out = np.full([len(x) for x in lists], floor, dtype=np.int64)
    for i, xs in enumerate(lists):
        shape = [1] * len(lists)
        shape[i] = len(xs)
        out = np.maximum(out, np.asarray(xs, dtype=np.int64).reshape(shape))
    return out


def _instantiate(t: Term, children: Iterator[Term], grammar: Grammar) -> Term:
    if isinstance(t, Var) and grammar.is_nonterminal(t.name):
        return next(children)
    if isinstance(t, App):
        return App(t.op, tuple(_instantiate(a, children, grammar) for a in t.args))
    return t
