"""The verification condition of one hole, in the `inductive` scope.

For the hole's action, with `h` the candidate expression (the variable `HOLE` in the terms below):

    pre  = state bounds ∧ invariants ∧ parameter bounds ∧ guard
    post = ∧ semantic constraints[result := h]
           ∧ invariants[state := next state with the hole filled by h]
           ∧ (with a reference kernel) every field the hole fills == the reference's field

A candidate is correct when `pre ⇒ post` holds for every assignment of the variables. `post` is
kept as named conjuncts so a counterexample can say which requirement failed. Next-state type bounds
are not required (the README's definition stops at the invariants). Holes used in several actions
are not supported (none of the DEX specs has one).
"""

from __future__ import annotations

from dataclasses import dataclass

from aso.errors import ConfigError
from aso.synth.grammar import Grammar, StyleProfile
from aso.synth.kernel import HOLE, Kernel, VarDecl
from aso.synth.ops import Sort
from aso.synth.spec import RESULT, Hole, HoleSpec
from aso.synth.terms import App, Const, Term, Var, substitute


@dataclass(frozen=True)
class Conjunct:
    """One named requirement of `post` (a boolean term that may mention `Var(HOLE)`)."""

    label: str
    """Human-readable name, e.g. `constraint 'result >= 0'`."""
    term: Term
    """The requirement."""


@dataclass(frozen=True)
class HoleProblem:
    """Everything the synthesizer needs about one hole: variables, `pre`, `post`, grammar, style."""

    name: str
    """Display name (`spec:hole`)."""
    variables: tuple[VarDecl, ...]
    """Universally quantified inputs (state variables and parameters)."""
    pre: Term
    """Assumption over the inputs."""
    post: tuple[Conjunct, ...]
    """Requirements over the inputs and `Var(HOLE)`."""
    grammar: Grammar
    """Grammar the solution must derive from."""
    style: StyleProfile
    """Style limits and cost weights."""
    result_sort: Sort = Sort.INT
    """Sort of the hole."""
    sites: tuple[tuple[str, Term], ...] = ()
    """(field name, template with `Var(HOLE)`) for each field the hole fills."""
    minimize_cost: bool = True
    """Whether the objective asks for the cheapest solution (else the first verified one is returned)."""

    @property
    def post_term(self) -> Term:
        """All requirements as one conjunction."""
        return App("and", tuple(c.term for c in self.post)) if self.post else Const(True)

    def without_reference(self) -> HoleProblem:
        """The same problem with the reference-equivalence conjuncts dropped."""
        return HoleProblem(self.name, self.variables, self.pre,
                           tuple(c for c in self.post if not c.label.startswith("equals reference")),
                           self.grammar, self.style, self.result_sort, self.sites, self.minimize_cost)

    def reference_only(self) -> HoleProblem:
        """The problem with the semantic constraints dropped (reference equivalence and invariants kept)."""
        return HoleProblem(self.name, self.variables, self.pre,
                           tuple(c for c in self.post if not c.label.startswith("constraint ")),
                           self.grammar, self.style, self.result_sort, self.sites, self.minimize_cost)

    @property
    def has_reference(self) -> bool:
        """Whether reference-equivalence conjuncts are part of `post`."""
        return any(c.label.startswith("equals reference") for c in self.post)


def _and(terms: list[Term]) -> Term:
    terms = [t for t in terms if t != Const(True)]
    if not terms:
        return Const(True)
    return terms[0] if len(terms) == 1 else App("and", tuple(terms))


def bounds_term(decls: tuple[VarDecl, ...]) -> list[Term]:
    """Range constraints `lo <= v <= hi` of bounded integer declarations."""
    out: list[Term] = []
    for d in decls:
        if d.sort == Sort.INT and d.lo is not None:
            out.append(App("<=", (Const(d.lo), Var(d.id))))
        if d.sort == Sort.INT and d.hi is not None:
            out.append(App("<=", (Var(d.id), Const(d.hi))))
    return out


def hole_problem(spec: HoleSpec, hole: Hole, ref: Kernel | None = None,
                 fillings: dict[str, Term] | None = None) -> HoleProblem:
    """Build the verification condition of `hole`; `fillings` gives terms for the spec's other holes."""
    actions = hole.actions
    if len(actions) != 1:
        raise ConfigError(f"{spec.synth_path}: hole {hole.hole_id} is used in several actions {actions}; "
                          "only single-action holes are supported")
    kernel = spec.kernel
    action = kernel.actions[actions[0]]
    others = {h.hole_id: h for h in spec.holes if h.hole_id != hole.hole_id}
    pre = _and([*bounds_term(kernel.state_vars), *(e for _, e in kernel.invariants),
                *bounds_term(action.params), action.guard])
    post: list[Conjunct] = [Conjunct(f"constraint {text!r}", substitute(term, {RESULT: Var(HOLE)}))
                            for text, term in hole.constraints]
    next_state: dict[str, Term] = {}
    for f in action.updates.values():
        next_state[f.name] = _filled_field(action.id, f.name, f.expr, hole, others, fillings or {})
    for inv_id, expr in kernel.invariants:
        after = substitute(expr, next_state)
        if after != expr:  # invariants untouched by the action are implied by `pre`
            post.append(Conjunct(f"invariant {inv_id} after {action.id}", after))
    if ref is not None:
        post.extend(_reference_conjuncts(spec, hole, ref, action.id))
    sites = tuple((s.field, s.template) for s in hole.sites)
    return HoleProblem(f"{kernel.model_id}:{hole.hole_id}", (*kernel.state_vars, *action.params), pre,
                       tuple(post), spec.grammar(hole), spec.style, hole.sort, sites,
                       "MINIMIZE_COST" in spec.objective)


def _filled_field(action_id: str, field_name: str, expr: Term, hole: Hole, others: dict[str, Hole],
                  fillings: dict[str, Term]) -> Term:
    for s in hole.sites:
        if s.action == action_id and s.field == field_name:
            return s.template
    for other in others.values():
        for s in other.sites:
            if s.action == action_id and s.field == field_name and other.hole_id in fillings:
                return substitute(s.template, {HOLE: fillings[other.hole_id]})
    return expr


def _reference_conjuncts(spec: HoleSpec, hole: Hole, ref: Kernel, action_id: str) -> list[Conjunct]:
    if action_id not in ref.actions:
        raise ConfigError(f"{ref.path}: reference has no action {action_id!r}")
    ref_action = ref.actions[action_id]
    names = {v.id for v in spec.kernel.state_vars} | {p.id for p in spec.kernel.actions[action_id].params}
    out = []
    for s in hole.sites:
        f = ref_action.field(s.field)
        if f is None:
            raise ConfigError(f"{ref.path}: reference action {action_id!r} has no field {s.field!r}")
        unknown = {t for t in _names(f.expr)} - names
        if unknown:
            raise ConfigError(f"{ref.path}: reference field {s.field!r} uses names the hole spec lacks: "
                              f"{sorted(unknown)}")
        out.append(Conjunct(f"equals reference {s.field}", App("=", (s.template, f.expr))))
    return out


def _names(term: Term) -> set[str]:
    from aso.synth.terms import variables

    return variables(term)
