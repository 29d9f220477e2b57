"""Grammar-aware prompts for one hole, from the template files in `prompts/`.

The context shows the kernel around the hole (state variables with bounds, invariants, the action's
parameters and guard, each field the hole fills with `??` in its place), the hole's semantic
constraints and the grammar's productions. `hints_free.txt` asks for `k` candidates, one per line;
`hints_constrained.txt` asks for one term (grammar-constrained decoding samples it `n` times).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template

from aso.synth.kernel import HOLE, VarDecl
from aso.synth.spec import Hole, HoleSpec
from aso.synth.terms import Var, substitute, to_sexpr

HOLE_MARK = "??"


@cache
def load_template(name: str) -> Template:
    """A prompt template shipped in `aso/synth/hints/prompts/<name>.txt`."""
    text = (
        resources.files("aso.synth.hints")
        .joinpath("prompts")
        .joinpath(f"{name}.txt")
        .read_text(encoding="utf-8")
    )
    return Template(text)


def _decl(v: VarDecl) -> str:
    if v.lo is None and v.hi is None:
        return f"{v.id}: {v.sort.value}"
    return f"{v.id} in [{'' if v.lo is None else v.lo}, {'' if v.hi is None else v.hi}]"


def grammar_lines(spec: HoleSpec, hole: Hole) -> str:
    """The hole's grammar as `NT ::= alt | alt` lines."""
    grammar = spec.grammar(hole)
    return "\n".join(
        f"  {nt} ::= " + " | ".join(to_sexpr(p) for p in prods) for nt, prods in grammar.productions.items()
    )


def hole_context(spec: HoleSpec, hole: Hole) -> str:
    """The kernel-around-the-hole block shared by both prompt templates."""
    kernel = spec.kernel
    action = kernel.actions[hole.actions[0]]
    sites = [f"{s.field} := {to_sexpr(substitute(s.template, {HOLE: Var(HOLE_MARK)}))}" for s in hole.sites]
    return (
        load_template("hole_context")
        .substitute(
            model_id=kernel.model_id,
            state_vars=", ".join(_decl(v) for v in kernel.state_vars) or "none",
            invariants=", ".join(to_sexpr(t) for _, t in kernel.invariants) or "none",
            action=action.id,
            params=", ".join(_decl(p) for p in action.params) or "none",
            guard=to_sexpr(action.guard),
            sites="\n".join(f"Field {line}   (?? is the hole)" for line in sites),
            hole_id=hole.hole_id,
            sort=hole.sort.value,
            constraints="\n".join(f"  {text}" for text, _ in hole.constraints) or "  (none)",
            start=spec.grammar(hole).start,
            productions=grammar_lines(spec, hole),
        )
        .strip()
    )


def hint_prompt(spec: HoleSpec, hole: Hole, *, k: int = 3, constrained: bool = False) -> str:
    """The user message asking for hint terms for `hole` (`k` candidates, or one when constrained)."""
    template = load_template("hints_constrained" if constrained else "hints_free")
    return template.substitute(context=hole_context(spec, hole), hole_id=hole.hole_id, k=k).strip()


def grammar_operators(spec: HoleSpec, hole: Hole) -> frozenset[str]:
    """Operator heads used in the hole's grammar (extraction renames aliases toward these)."""
    ops: set[str] = set()
    for prods in spec.grammar(hole).productions.values():
        for p in prods:
            stack = [p]
            while stack:
                t = stack.pop()
                if hasattr(t, "op"):
                    ops.add(t.op)
                    stack.extend(t.args)
    return frozenset(ops)


def hole_symbols(spec: HoleSpec, hole: Hole) -> frozenset[str]:
    """Variable and parameter names the hole's expression may mention."""
    return frozenset(spec.env_sorts(hole))
