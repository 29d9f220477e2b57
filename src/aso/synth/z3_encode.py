"""The Z3 encoding of terms, with the same total Euclidean `div`/`mod` as the evaluator."""

from __future__ import annotations

import z3

from aso.errors import ConfigError
from aso.synth.ops import DEFINED, OPS, Sort, op_info
from aso.synth.terms import App, Const, Term, Var


def z3_var(name: str, sort: Sort) -> z3.ExprRef:
    """A Z3 constant of the given sort."""
    return z3.Int(name) if sort == Sort.INT else z3.Bool(name)


def _fold(fn, args):  # noqa: ANN001, ANN202
    out = args[0]
    for a in args[1:]:
        out = fn(out, a)
    return out


def to_z3(term: Term, env: dict[str, z3.ExprRef], cache: dict[Term, z3.ExprRef] | None = None) -> z3.ExprRef:
    """Encode `term` over the Z3 expressions bound in `env`."""
    if cache is None:
        cache = {}
    if term in cache:
        return cache[term]
    if isinstance(term, Var):
        if term.name not in env:
            raise ConfigError(f"z3 encoding: unbound variable {term.name!r}")
        out = env[term.name]
    elif isinstance(term, Const):
        out = z3.BoolVal(term.value) if isinstance(term.value, bool) else z3.IntVal(term.value)
    else:
        assert isinstance(term, App)
        out = _app(term.op, [to_z3(a, env, cache) for a in term.args])
    cache[term] = out
    return out


_DEFINED_CACHE: dict[tuple, tuple] = {}  # (id(fun), arg ids) -> (fun, args kept alive, encoding)


def _app(op: str, a: list[z3.ExprRef]) -> z3.ExprRef:
    if op in DEFINED and op not in OPS:
        fun = DEFINED[op]
        key = (id(fun), *(x.get_id() for x in a))
        hit = _DEFINED_CACHE.get(key)
        if hit is None:  # shared calls are encoded once (nested define-funs would otherwise blow up)
            if len(_DEFINED_CACHE) > 200_000:
                _DEFINED_CACHE.clear()
            hit = (fun, a, to_z3(fun.body, dict(zip(fun.params, a, strict=True))))
            _DEFINED_CACHE[key] = hit
        return hit[2]
    name = op_info(op, "z3 encoding").canonical
    if name == "+":
        return _fold(lambda x, y: x + y, a)
    if name == "-":
        return -a[0] if len(a) == 1 else _fold(lambda x, y: x - y, a)
    if name == "*":
        return _fold(lambda x, y: x * y, a)
    if name == "div":  # Z3's `/` on Int is SMT-LIB div (Euclidean); made total here
        return z3.If(a[1] == 0, z3.IntVal(0), a[0] / a[1])
    if name == "mod":
        return z3.If(a[1] == 0, a[0], a[0] % a[1])
    if name == "abs":
        return z3.If(a[0] < 0, -a[0], a[0])
    if name == "min":
        return z3.If(a[0] <= a[1], a[0], a[1])
    if name == "max":
        return z3.If(a[0] >= a[1], a[0], a[1])
    if name == "ite":
        return z3.If(a[0], a[1], a[2])
    table = {"<=": lambda: a[0] <= a[1], "<": lambda: a[0] < a[1], ">=": lambda: a[0] >= a[1],
             ">": lambda: a[0] > a[1], "=": lambda: a[0] == a[1], "distinct": lambda: a[0] != a[1],
             "and": lambda: z3.And(*a), "or": lambda: z3.Or(*a), "not": lambda: z3.Not(a[0]),
             "=>": lambda: z3.Implies(a[0], a[1]), "xor": lambda: z3.Xor(a[0], a[1])}
    if name in table:
        return table[name]()
    raise ConfigError(f"z3 encoding: operator {op!r} has no encoding")


def z3_value(model: z3.ModelRef, var: z3.ExprRef) -> int | bool:
    """The value of `var` in `model` as a Python int/bool (model completion on)."""
    v = model.eval(var, model_completion=True)
    if z3.is_bool(v):
        return z3.is_true(v)
    return v.as_long()
