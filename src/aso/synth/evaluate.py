"""The evaluator: vectorised (numpy) semantics of terms over many input points at once.

Values are 1-D arrays, one entry per point: int64 for Int (promoted to Python-int object arrays when
a product or sum could overflow 63 bits), bool for Bool. Semantics match `aso.synth.z3_encode`
exactly; see `aso.synth.ops` for the total Euclidean `div`/`mod` this implements.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from aso.errors import ConfigError
from aso.synth.ops import DEFINED, OPS, op_info
from aso.synth.terms import App, Const, Term, Var

Env = dict[str, np.ndarray]
_LIMIT = float(2**62)


def _big(*arrays: np.ndarray) -> bool:
    return any(a.dtype == object for a in arrays)


def _to_object(a: np.ndarray) -> np.ndarray:
    return a if a.dtype == object else a.astype(object)


def _safe_binary(a: np.ndarray, b: np.ndarray, fn: Callable, bound: Callable) -> np.ndarray:
    """Apply `fn` in int64 unless `bound` says the result may overflow; then use Python ints."""
    if _big(a, b):
        return fn(_to_object(a), _to_object(b))
    if np.any(bound(np.abs(a.astype(np.float64)), np.abs(b.astype(np.float64))) > _LIMIT):
        return fn(_to_object(a), _to_object(b))
    return fn(a, b)


def _add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _safe_binary(a, b, np.add, np.add)


def _sub(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _safe_binary(a, b, np.subtract, np.add)


def _mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _safe_binary(a, b, np.multiply, np.multiply)


def _ediv_scalar(a: int, b: int) -> int:
    if b == 0:
        return 0
    return (a // abs(b)) * (1 if b > 0 else -1)


_EDIV_OBJ = np.frompyfunc(_ediv_scalar, 2, 1)


def ediv(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Total Euclidean division: `b*q + r = a` with `0 <= r < |b|`; `a div 0 = 0`."""
    if _big(a, b):
        return _EDIV_OBJ(_to_object(a), _to_object(b))
    safe = np.where(b == 0, 1, b)
    q = np.floor_divide(a, np.abs(safe)) * np.sign(safe)
    return np.where(b == 0, 0, q)


def emod(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Total Euclidean remainder (`0 <= r < |b|`); `a mod 0 = a`."""
    return _sub(a, _mul(b, ediv(a, b)))


def _fold(fn: Callable, args: Sequence[np.ndarray]) -> np.ndarray:
    out = args[0]
    for a in args[1:]:
        out = fn(out, a)
    return out


def apply_op(op: str, args: Sequence[np.ndarray]) -> np.ndarray:
    """Apply an operator to argument value arrays (all of the same length); defined functions inline."""
    if op in DEFINED and op not in OPS:
        fun = DEFINED[op]
        return evaluate(fun.body, dict(zip(fun.params, args, strict=True)))
    name = op_info(op, "evaluate").canonical
    if name == "+":
        return _fold(_add, args)
    if name == "-":
        return _sub(np.zeros_like(args[0]), args[0]) if len(args) == 1 else _fold(_sub, args)
    if name == "*":
        return _fold(_mul, args)
    if name == "div":
        return ediv(args[0], args[1])
    if name == "mod":
        return emod(args[0], args[1])
    if name == "abs":
        return np.abs(args[0])
    if name == "min":
        return np.minimum(args[0], args[1])
    if name == "max":
        return np.maximum(args[0], args[1])
    if name == "ite":
        then, other = args[1], args[2]
        if then.dtype != other.dtype and _big(then, other):
            then, other = _to_object(then), _to_object(other)
        return np.where(args[0], then, other)
    if name in ("<=", "<", ">=", ">", "=", "distinct"):
        a, b = args
        fn = {"<=": np.less_equal, "<": np.less, ">=": np.greater_equal, ">": np.greater,
              "=": np.equal, "distinct": np.not_equal}[name]
        return np.asarray(fn(a, b), dtype=bool)
    if name == "and":
        return _fold(np.logical_and, args)
    if name == "or":
        return _fold(np.logical_or, args)
    if name == "not":
        return np.logical_not(args[0])
    if name == "=>":
        return np.logical_or(np.logical_not(args[0]), args[1])
    if name == "xor":
        return np.logical_xor(args[0], args[1])
    raise ConfigError(f"evaluate: operator {op!r} has no evaluator")


def const_array(value: int | bool, n: int) -> np.ndarray:
    """A constant broadcast to `n` points."""
    if isinstance(value, bool):
        return np.full(n, value, dtype=bool)
    if abs(value) > _LIMIT:
        return np.full(n, value, dtype=object)
    return np.full(n, value, dtype=np.int64)


def evaluate(term: Term, env: Env, cache: dict[Term, np.ndarray] | None = None) -> np.ndarray:
    """Value of `term` at every point of `env` (name -> array). `cache` shares subterm values."""
    n = len(next(iter(env.values()))) if env else 1
    if env and n and np.ndim(next(iter(env.values()))) > 1:
        n = np.shape(next(iter(env.values())))[-1]
    if cache is not None and term in cache:
        return cache[term]
    if isinstance(term, Var):
        if term.name not in env:
            raise ConfigError(f"evaluate: unbound variable {term.name!r}")
        out = env[term.name]
    elif isinstance(term, Const):
        out = const_array(term.value, n)
    else:
        assert isinstance(term, App)
        out = apply_op(term.op, [evaluate(a, env, cache) for a in term.args])
    if cache is not None:
        cache[term] = out
    return out


def evaluate_many(terms: Sequence[Term], env: Env) -> list[np.ndarray]:
    """Evaluate many terms over the same points, computing shared subterms once."""
    cache: dict[Term, np.ndarray] = {}
    return [evaluate(t, env, cache) for t in terms]


def evaluate_point(term: Term, point: dict[str, int | bool]) -> int | bool:
    """Scalar convenience: the value of `term` at one point."""
    env = {k: np.array([v], dtype=bool if isinstance(v, bool) else object) for k, v in point.items()}
    value = evaluate(term, env)[0]
    return bool(value) if isinstance(value, (bool, np.bool_)) else int(value)
