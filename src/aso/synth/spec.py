"""Reader for `synth_version 1.1` hole files, joined with their `esso-ir/v1` kernel.

`load_hole_spec(kernel.yaml, holes.synth.json)` returns a validated `HoleSpec`: each `Hole` knows
its sites (the action fields it fills, located through `used_in` and the `# HOLE` comment), its
grammar (productions parsed) and its semantic constraints (parsed infix). Errors name the file and
the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aso.config_files import read_json
from aso.errors import ConfigError
from aso.synth.grammar import Grammar, StyleProfile, build_grammar
from aso.synth.infix import is_comment, parse_constraint
from aso.synth.kernel import HOLE, Action, Kernel, load_kernel
from aso.synth.ops import Sort, infer_sort
from aso.synth.terms import App, Const, ParseError, Term, Var, parse_sexpr, subterms

SYNTH_VERSION = "1.1"
RESULT = "result"

__all__ = ["Grammar", "Hole", "HoleSite", "HoleSpec", "Kernel", "StyleProfile", "find_ref_kernel",
           "load_hole_spec", "load_kernel"]


@dataclass(frozen=True)
class HoleSite:
    """One place a hole fills: `action.field`, with the field's template containing `Var(HOLE)`."""

    action: str
    """Action id."""
    field: str
    """Update (state variable) or effect name."""
    template: Term
    """The field expression with the hole replaced by `Var(HOLE)`."""


@dataclass(frozen=True)
class Hole:
    """One hole: where it goes, what it may be built from and what it must satisfy."""

    hole_id: str
    """Identifier (keys of hint files)."""
    sort: Sort
    """Sort of the expression (`type`)."""
    sites: tuple[HoleSite, ...]
    """The fields it fills (`used_in`)."""
    grammar_id: str
    """Grammar the expression must derive from."""
    constraints: tuple[tuple[str, Term], ...]
    """(source text, parsed term) semantic constraints over `result`, state and parameters."""

    @property
    def actions(self) -> list[str]:
        """Distinct action ids this hole is used in, in order."""
        return list(dict.fromkeys(s.action for s in self.sites))


@dataclass(frozen=True)
class HoleSpec:
    """A kernel with holes plus the synthesis problem for them."""

    kernel: Kernel
    """The `esso-ir/v1` kernel."""
    synth_path: Path
    """The `.synth.json` file."""
    holes: tuple[Hole, ...]
    """Holes in file order."""
    grammars: dict[str, Grammar]
    """Grammars by id."""
    style: StyleProfile
    """Style limits and cost weights."""
    objective: tuple[str, ...]
    """Objective goals, e.g. (`SATISFY`, `MINIMIZE_COST`)."""
    scope: str
    """Verification scope kind (`inductive`)."""
    timeout_ms: int | None
    """Backend timeout from the file, if any."""
    raw: dict[str, Any]
    """The JSON document (hashed for `synth_hash`)."""

    def hole(self, hole_id: str) -> Hole:
        """Look up a hole by id."""
        for h in self.holes:
            if h.hole_id == hole_id:
                return h
        ids = [h.hole_id for h in self.holes]
        raise ConfigError(f"{self.synth_path}: no hole {hole_id!r} (holes: {ids})")

    def grammar(self, hole: Hole) -> Grammar:
        """The grammar of `hole`."""
        return self.grammars[hole.grammar_id]

    def env_sorts(self, hole: Hole) -> dict[str, Sort]:
        """Sorts of the names a hole expression may use (state variables and parameters of its actions)."""
        env: dict[str, Sort] = {}
        for a in hole.actions:
            env.update(self.kernel.sorts(self.kernel.actions[a]))
        return env


def _req(obj: dict[str, Any], key: str, typ: type | tuple[type, ...], where: str) -> Any:
    if key not in obj:
        raise ConfigError(f"{where}: missing field {key!r}")
    if not isinstance(obj[key], typ):
        raise ConfigError(f"{where}.{key}: expected {getattr(typ, '__name__', typ)}, got {obj[key]!r}")
    return obj[key]


def _locate(action: Action, field_name: str, where: str) -> Term:
    f = action.field(field_name)
    if f is None:
        raise ConfigError(f"{where}: action {action.id!r} has no update or effect {field_name!r}")
    if f.template is not None:
        return f.template
    if f.expr == Const(0):
        return Var(HOLE)
    zeros = [t for t in subterms(f.expr) if t == Const(0)]
    if len(zeros) == 1:
        return substitute_const_zero(f.expr)
    raise ConfigError(f"{where}: cannot find the hole in {action.id}.{field_name} (no '# HOLE' comment and "
                      f"{len(zeros)} zero constants)")


def substitute_const_zero(term: Term) -> Term:
    """Replace the (single) `Const(0)` leaf of `term` by `Var(HOLE)`."""
    if term == Const(0):
        return Var(HOLE)
    if isinstance(term, App):
        return App(term.op, tuple(substitute_const_zero(a) for a in term.args))
    return term


def _style(raw: Any, where: str) -> StyleProfile:
    if raw is None:
        return StyleProfile()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping")
    pen = raw.get("penalties") or {}
    vals = {k: raw.get(k) for k in ("max_nesting", "max_branches", "max_ast_nodes")}
    vals.update({"branch_penalty": pen.get("branch", 0), "nesting_penalty": pen.get("nesting", 0),
                 "ast_node_penalty": pen.get("ast_node", 1)})
    for k, v in vals.items():
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
            raise ConfigError(f"{where}.{k}: expected a non-negative integer, got {v!r}")
    return StyleProfile(**vals)


def _constraints(items: Any, env: dict[str, Sort], where: str) -> tuple[tuple[str, Term], ...]:
    if not isinstance(items, list):
        raise ConfigError(f"{where}: expected a list of constraint strings")
    out = []
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise ConfigError(f"{where}[{i}]: expected a string, got {text!r}")
        if is_comment(text):
            continue
        try:
            term = parse_constraint(text)
        except ParseError as exc:
            raise ConfigError(f"{where}[{i}]: {exc}") from None
        if infer_sort(term, env, f"{where}[{i}] {text!r}") != Sort.BOOL:
            raise ConfigError(f"{where}[{i}]: constraint {text!r} is not boolean")
        out.append((text, term))
    return tuple(out)


def load_hole_spec(yaml_path: str | Path, synth_json_path: str | Path) -> HoleSpec:
    """Read a kernel and its hole file into a validated `HoleSpec`."""
    kernel = load_kernel(yaml_path)
    path = Path(synth_json_path)
    raw = read_json(path, "hole file")
    if str(raw.get("synth_version")) != SYNTH_VERSION:
        raise ConfigError(f"{path}: synth_version must be {SYNTH_VERSION!r}, "
                          f"got {raw.get('synth_version')!r}")
    holes_raw = _req(raw, "holes", list, str(path))
    if not holes_raw:
        raise ConfigError(f"{path}: holes: expected at least one hole")
    grammars_raw = {}
    for i, g in enumerate(_req(raw, "grammars", list, str(path))):
        gw = f"{path}: grammars[{i}]"
        if not isinstance(g, dict):
            raise ConfigError(f"{gw}: expected an object")
        grammars_raw[_req(g, "grammar_id", str, gw)] = (g, gw)
    holes, grammar_envs = [], {}
    for i, h in enumerate(holes_raw):
        hw = f"{path}: holes[{i}]"
        if not isinstance(h, dict):
            raise ConfigError(f"{hw}: expected an object")
        hole_id = _req(h, "hole_id", str, hw)
        typ = h.get("type", "Int")
        if typ not in ("Int", "Bool"):
            raise ConfigError(f"{hw}.type: expected 'Int' or 'Bool', got {typ!r}")
        gid = _req(h, "grammar_id", str, hw)
        if gid not in grammars_raw:
            raise ConfigError(f"{hw}.grammar_id: no grammar {gid!r} (have {sorted(grammars_raw)})")
        sites = []
        for j, u in enumerate(_req(h, "used_in", list, hw)):
            uw = f"{hw}.used_in[{j}]"
            if not isinstance(u, dict):
                raise ConfigError(f"{uw}: expected {{action, field}}")
            action = kernel.action(_req(u, "action", str, uw), uw)
            fname = _req(u, "field", str, uw)
            sites.append(HoleSite(action.id, fname, _locate(action, fname, uw)))
        if not sites:
            raise ConfigError(f"{hw}.used_in: expected at least one site")
        env: dict[str, Sort] = {}
        for s in sites:
            env.update(kernel.sorts(kernel.actions[s.action]))
        sort = Sort(typ)
        constraints = _constraints(h.get("semantic_constraints", []), {**env, RESULT: sort},
                                   f"{hw}.semantic_constraints")
        holes.append(Hole(hole_id, sort, tuple(sites), gid, constraints))
        grammar_envs.setdefault(gid, {}).update(env)
    grammars = {gid: _grammar(*grammars_raw[gid], grammar_envs[gid]) for gid in grammar_envs}
    for h in holes:
        if grammars[h.grammar_id].start_sort != h.sort:
            raise ConfigError(f"{path}: hole {h.hole_id}: grammar {h.grammar_id} start sort "
                              f"{grammars[h.grammar_id].start_sort.value} != hole type {h.sort.value}")
    scope = raw.get("scope") or {}
    objective = raw.get("objective") or {}
    backend = raw.get("backend") or {}
    style = _style(raw.get("style_profile"), f"{path}: style_profile")
    return HoleSpec(kernel, path, tuple(holes), grammars, style,
                    tuple(objective.get("goals", ["SATISFY"])), str(scope.get("kind", "inductive")),
                    backend.get("timeout_ms"), raw)


def _grammar(g: dict[str, Any], where: str, env: dict[str, Sort]) -> Grammar:
    start = _req(g, "start", str, where)
    prods_raw = _req(g, "productions", dict, where)
    prods: dict[str, list[Term]] = {}
    for nt, alts in prods_raw.items():
        if not isinstance(alts, list) or not alts:
            raise ConfigError(f"{where}.productions.{nt}: expected a non-empty list of S-expressions")
        parsed = []
        for k, alt in enumerate(alts):
            try:
                parsed.append(parse_sexpr(str(alt)))
            except ParseError as exc:
                raise ConfigError(f"{where}.productions.{nt}[{k}]: {exc}") from None
        prods[nt] = parsed
    return build_grammar(g["grammar_id"], start, prods, env, f"{where} ({g['grammar_id']})")


def find_ref_kernel(yaml_path: str | Path) -> Path | None:
    """The `<prefix>_ref.yaml` partner of `<prefix>_hole[_vN].yaml`, if it exists."""
    p = Path(yaml_path)
    stem = re.sub(r"_v\d+$", "", p.stem)
    stem = re.sub(r"_hole$", "", stem)
    ref = p.with_name(f"{stem}_ref.yaml")
    return ref if ref.is_file() and ref != p else None
