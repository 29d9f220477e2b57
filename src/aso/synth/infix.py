"""Parser for the infix semantic constraints of `synth_version 1.1` hole files.

Examples: `result <= accumulated + fee_amount`, `(a + b) * (c - result) >= a * c`,
`min(x, y) > 0`, `x >= 0 and not (y = 1)`. Precedence, loosest first: `=>`, `or`/`||`,
`and`/`&&`, `not`/`!`, comparisons (`<= < >= > = == !=`, non-associative), `+ -`, `* / %`,
unary minus. `/` is total Euclidean `div`. A constraint that is already an S-expression
(`(<= result x)`) is accepted too. Lines starting with `#` are comments (the caller skips them).
"""

from __future__ import annotations

import re

from aso.synth.ops import OPS
from aso.synth.terms import App, Const, ParseError, Term, Var, parse_sexpr

_TOKENS = re.compile(r"\s*(=>|<=|>=|==|!=|&&|\|\||[-+*/%()<>=!,]|\d+|[A-Za-z_][A-Za-z_0-9.']*)")
_CMP = {"<=": "<=", "<": "<", ">=": ">=", ">": ">", "=": "=", "==": "=", "!=": "distinct"}


def _lex(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKENS.match(text, pos)
        if m is None:
            raise ParseError(f"cannot read constraint {text!r} at {text[pos:pos + 20]!r}")
        out.append(m.group(1))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _lex(text)
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (expected is not None and tok != expected):
            raise ParseError(f"constraint {self.text!r}: expected {expected or 'more input'}, got {tok!r}")
        self.i += 1
        return tok

    def parse(self) -> Term:
        term = self.implies()
        if self.peek() is not None:
            raise ParseError(f"constraint {self.text!r}: unexpected {self.peek()!r}")
        return term

    def implies(self) -> Term:
        left = self.disj()
        if self.peek() == "=>":
            self.take()
            return App("=>", (left, self.implies()))
        return left

    def disj(self) -> Term:
        args = [self.conj()]
        while self.peek() in ("or", "||"):
            self.take()
            args.append(self.conj())
        return args[0] if len(args) == 1 else App("or", tuple(args))

    def conj(self) -> Term:
        args = [self.neg()]
        while self.peek() in ("and", "&&"):
            self.take()
            args.append(self.neg())
        return args[0] if len(args) == 1 else App("and", tuple(args))

    def neg(self) -> Term:
        if self.peek() in ("not", "!"):
            self.take()
            return App("not", (self.neg(),))
        return self.comparison()

    def comparison(self) -> Term:
        left = self.additive()
        tok = self.peek()
        if tok in _CMP:
            self.take()
            return App(_CMP[tok], (left, self.additive()))
        return left

    def additive(self) -> Term:
        term = self.multiplicative()
        while self.peek() in ("+", "-"):
            op = self.take()
            term = App(op, (term, self.multiplicative()))
        return term

    def multiplicative(self) -> Term:
        term = self.unary()
        while self.peek() in ("*", "/", "%"):
            op = self.take()
            term = App({"*": "*", "/": "div", "%": "mod"}[op], (term, self.unary()))
        return term

    def unary(self) -> Term:
        if self.peek() == "-":
            self.take()
            inner = self.unary()
            if isinstance(inner, Const) and not isinstance(inner.value, bool):
                return Const(-inner.value)
            return App("-", (inner,))
        return self.atom()

    def atom(self) -> Term:
        tok = self.take()
        if tok == "(":
            inner = self.implies()
            self.take(")")
            return inner
        if tok.isdigit():
            return Const(int(tok))
        if tok in ("true", "false"):
            return Const(tok == "true")
        if not (tok[0].isalpha() or tok[0] == "_"):
            raise ParseError(f"constraint {self.text!r}: unexpected {tok!r}")
        if self.peek() == "(":
            self.take()
            args = [self.implies()]
            while self.peek() == ",":
                self.take()
                args.append(self.implies())
            self.take(")")
            return App(tok, tuple(args))
        return Var(tok)


def is_comment(text: str) -> bool:
    """Whether a constraint string is a comment line (`# ...`) or blank."""
    return not text.strip() or text.strip().startswith("#")


def parse_constraint(text: str) -> Term:
    """Parse one constraint, infix or S-expression, into a `Term`."""
    stripped = text.strip()
    if stripped.startswith("("):
        try:
            term = parse_sexpr(stripped)
        except ParseError:
            term = None
        if isinstance(term, App) and term.op in OPS:
            return term
    return _Parser(stripped).parse()
