"""Reader for `esso-ir/v1` kernels: bounded-integer state machines with actions, guards and holes.

The file is YAML; expressions are JSON-shaped trees (`{op, args}`, `{op: ite, cond, then, else}`,
`{var}`, `{param}`, `{const}`, `{bool}`) and become `Term`s. A hole is the expression node on a line
carrying a `# HOLE` comment; it is replaced by `Var(HOLE)` in the field's `template`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from aso.config_files import parse_yaml, read_text
from aso.errors import ConfigError
from aso.synth.ops import Sort, infer_sort
from aso.synth.terms import App, Const, Term, Var, subterms

HOLE = "?hole"  # name of the placeholder variable inside a field template (not a legal identifier)
IR_VERSION = "esso-ir/v1"
LINE_KEY = "__line__"


@dataclass(frozen=True)
class VarDecl:
    """A state variable or an action parameter."""

    id: str
    """Identifier used in expressions."""
    sort: Sort
    """Int or Bool."""
    lo: int | None = None
    """Lower bound for Int (inclusive), None when unbounded."""
    hi: int | None = None
    """Upper bound for Int (inclusive), None when unbounded."""


@dataclass(frozen=True)
class Field:
    """One update (`var := expr`) or effect (`name = expr`) of an action."""

    name: str
    """State variable or effect name."""
    kind: str
    """`update` or `effect`."""
    expr: Term
    """The expression as written (a hole is its placeholder, usually `0`)."""
    template: Term | None = None
    """The expression with the `# HOLE` node replaced by `Var(HOLE)`, when the field has a hole."""


@dataclass(frozen=True)
class Action:
    """A guarded action: parameters, guard, updates and effects."""

    id: str
    """Action identifier (`used_in.action`)."""
    params: tuple[VarDecl, ...]
    """Typed, bounded parameters."""
    guard: Term
    """Boolean guard over state and parameters."""
    updates: dict[str, Field]
    """Next-state expressions by state variable (variables not listed keep their value)."""
    effects: dict[str, Field]
    """Observable outputs by name."""

    def field(self, name: str) -> Field | None:
        """The update or effect called `name` (updates first)."""
        return self.updates.get(name) or self.effects.get(name)


@dataclass(frozen=True)
class Kernel:
    """A parsed `esso-ir/v1` kernel."""

    path: Path
    """Source file."""
    model_id: str
    """`meta.model_id`."""
    state_vars: tuple[VarDecl, ...]
    """Bounded state variables."""
    invariants: tuple[tuple[str, Term], ...]
    """(id, boolean expression over the state)."""
    actions: dict[str, Action]
    """Actions by id."""
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    """The YAML document (with `__line__` markers) used to write the filled kernel."""

    def action(self, action_id: str, where: str = "") -> Action:
        """Look up an action; unknown ids are a `ConfigError`."""
        if action_id not in self.actions:
            raise ConfigError(f"{where or self.path}: unknown action {action_id!r} "
                              f"(kernel has {', '.join(self.actions) or 'none'})")
        return self.actions[action_id]

    def sorts(self, action: Action) -> dict[str, Sort]:
        """Sorts of every name visible inside `action` (state variables and parameters)."""
        return {v.id: v.sort for v in (*self.state_vars, *action.params)}


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records the source line of every mapping under `__line__`."""

    def construct_mapping(self, node, deep=False):  # noqa: ANN001, D102
        mapping = super().construct_mapping(node, deep=True)
        mapping[LINE_KEY] = node.start_mark.line
        return mapping


def strip_lines(obj: Any) -> Any:
    """Remove `__line__` markers recursively (for writing YAML back)."""
    if isinstance(obj, dict):
        return {k: strip_lines(v) for k, v in obj.items() if k != LINE_KEY}
    if isinstance(obj, list):
        return [strip_lines(v) for v in obj]
    return obj


def expr_from_ir(node: Any, where: str, hole_lines: set[int] | None = None) -> Term:
    """Convert a JSON-shaped IR expression into a `Term`; nodes on `hole_lines` become `Var(HOLE)`."""
    if not isinstance(node, dict):
        raise ConfigError(f"{where}: expected an expression mapping, got {node!r}")
    if hole_lines is not None and node.get(LINE_KEY) in hole_lines and "op" not in node:
        return Var(HOLE)
    keys = set(node) - {LINE_KEY}
    if keys == {"var"} or keys == {"param"}:
        name = node.get("var", node.get("param"))
        if not isinstance(name, str):
            raise ConfigError(f"{where}: variable name must be a string, got {name!r}")
        return Var(name)
    if keys == {"const"}:
        value = node["const"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}.const: expected an integer, got {value!r}")
        return Const(value)
    if keys == {"bool"}:
        if not isinstance(node["bool"], bool):
            raise ConfigError(f"{where}.bool: expected true/false, got {node['bool']!r}")
        return Const(node["bool"])
    if "op" not in node:
        raise ConfigError(f"{where}: expression needs one of op/var/param/const/bool, "
                          f"got keys {sorted(keys)}")
    op = node["op"]
    if op == "ite" and "cond" in node:
        parts = [node.get(k) for k in ("cond", "then", "else")]
        if any(p is None for p in parts):
            raise ConfigError(f"{where}: ite needs cond, then and else")
        names = ("cond", "then", "else")
        args = tuple(expr_from_ir(p, f"{where}.{k}", hole_lines) for p, k in zip(parts, names, strict=True))
        return App("ite", args)
    raw_args = node.get("args")
    if not isinstance(raw_args, list) or not raw_args:
        raise ConfigError(f"{where}.args: operator {op!r} needs a non-empty list of arguments")
    return App(str(op), tuple(expr_from_ir(a, f"{where}.args[{i}]", hole_lines)
                              for i, a in enumerate(raw_args)))


def expr_to_ir(term: Term, params: set[str]) -> dict[str, Any]:
    """Convert a `Term` back to the IR's JSON shape (`safe_div` is written as the IR's `div`)."""
    if isinstance(term, Var):
        return {"param": term.name} if term.name in params else {"var": term.name}
    if isinstance(term, Const):
        return {"bool": term.value} if isinstance(term.value, bool) else {"const": term.value}
    op = "div" if term.op == "safe_div" else term.op
    if op == "ite":
        c, t, e = (expr_to_ir(a, params) for a in term.args)
        return {"op": "ite", "cond": c, "then": t, "else": e}
    return {"op": op, "args": [expr_to_ir(a, params) for a in term.args]}


def _decl(item: Any, where: str) -> VarDecl:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        raise ConfigError(f"{where}: expected a mapping with a string 'id'")
    typ = item.get("type")
    if not isinstance(typ, dict) or typ.get("kind") not in ("int", "bool"):
        raise ConfigError(f"{where}.type: expected {{kind: int, min, max}} or {{kind: bool}}, got {typ!r}")
    if typ["kind"] == "bool":
        return VarDecl(item["id"], Sort.BOOL)
    lo, hi = typ.get("min"), typ.get("max")
    for name, val in (("min", lo), ("max", hi)):
        if val is not None and (isinstance(val, bool) or not isinstance(val, int)):
            raise ConfigError(f"{where}.type.{name}: expected an integer, got {val!r}")
    if lo is not None and hi is not None and lo > hi:
        raise ConfigError(f"{where}.type: min {lo} > max {hi}")
    return VarDecl(item["id"], Sort.INT, lo, hi)


def _hole_lines(text: str) -> set[int]:
    return {i for i, line in enumerate(text.splitlines()) if "# HOLE" in line}


def _field(name: str, kind: str, node: Any, where: str, holes: set[int]) -> Field:
    expr = expr_from_ir(node, where)
    template = expr_from_ir(node, where, holes)
    has_hole = any(isinstance(t, Var) and t.name == HOLE for t in subterms(template))
    return Field(name, kind, expr, template if has_hole else None)


def _action(item: Any, where: str, holes: set[int]) -> Action:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        raise ConfigError(f"{where}: expected a mapping with a string 'id'")
    params = tuple(_decl(p, f"{where}.params[{i}]") for i, p in enumerate(item.get("params") or []))
    guard = expr_from_ir(item.get("guard", {"bool": True}), f"{where}.guard")
    updates: dict[str, Field] = {}
    for i, upd in enumerate(item.get("updates") or []):
        if not isinstance(upd, dict) or not isinstance(upd.get("var"), str) or "expr" not in upd:
            raise ConfigError(f"{where}.updates[{i}]: expected {{var, expr}}")
        updates[upd["var"]] = _field(upd["var"], "update", upd["expr"], f"{where}.updates[{i}].expr", holes)
    effects_raw = item.get("effects") or {}
    if not isinstance(effects_raw, dict):
        raise ConfigError(f"{where}.effects: expected a mapping of name to expression")
    effects = {k: _field(k, "effect", v, f"{where}.effects.{k}", holes)
               for k, v in effects_raw.items() if k != LINE_KEY}
    return Action(item["id"], params, guard, updates, effects)


def load_kernel(path: str | Path) -> Kernel:
    """Read and validate an `esso-ir/v1` kernel YAML file; errors name the file and the field."""
    path = Path(path)
    text = read_text(path, "kernel file")
    raw = parse_yaml(text, path, loader=_LineLoader)
    if raw.get("ir_version") != IR_VERSION:
        raise ConfigError(f"{path}: ir_version must be {IR_VERSION!r}, got {raw.get('ir_version')!r}")
    try:
        return _build(path, raw, _hole_lines(text))
    except ConfigError as exc:
        msg = str(exc)
        raise ConfigError(msg if msg.startswith(str(path)) else f"{path}: {msg}") from None


def _build(path: Path, raw: dict[str, Any], holes: set[int]) -> Kernel:
    state = tuple(_decl(v, f"state_vars[{i}]") for i, v in enumerate(raw.get("state_vars") or []))
    invariants = []
    for i, inv in enumerate(raw.get("invariants") or []):
        if not isinstance(inv, dict) or "expr" not in inv:
            raise ConfigError(f"invariants[{i}]: expected {{id, expr}}")
        invariants.append((str(inv.get("id", f"inv{i}")), expr_from_ir(inv["expr"], f"invariants[{i}].expr")))
    actions_raw = raw.get("actions")
    if not isinstance(actions_raw, list) or not actions_raw:
        raise ConfigError("actions: expected a non-empty list")
    actions = {}
    for i, a in enumerate(actions_raw):
        act = _action(a, f"actions[{i}]", holes)
        actions[act.id] = act
    meta = raw.get("meta") or {}
    kernel = Kernel(path, str(meta.get("model_id", path.stem)), state, tuple(invariants), actions, raw)
    _typecheck(kernel)
    return kernel


def _typecheck(kernel: Kernel) -> None:
    state_env = {v.id: v.sort for v in kernel.state_vars}
    for inv_id, expr in kernel.invariants:
        if infer_sort(expr, state_env, f"invariant {inv_id}") != Sort.BOOL:
            raise ConfigError(f"invariant {inv_id}: expression is not boolean")
    for act in kernel.actions.values():
        env = kernel.sorts(act)
        clash = {p.id for p in act.params} & set(state_env)
        if clash:
            raise ConfigError(f"action {act.id}: parameter names clash with state variables: {sorted(clash)}")
        if infer_sort(act.guard, env, f"action {act.id} guard") != Sort.BOOL:
            raise ConfigError(f"action {act.id}: guard is not boolean")
        for f in (*act.updates.values(), *act.effects.values()):
            infer_sort(f.expr, env, f"action {act.id} {f.kind} {f.name}")
            if f.kind == "update" and f.name not in state_env:
                raise ConfigError(f"action {act.id}: update of unknown state variable {f.name!r}")
