"""An incremental prefix parser for the terms of one grammar, and the set of tokens that keep a prefix valid.

The grammar's productions are S-expression strings over non-terminals, atoms and parentheses, so the
grammar is a context-free grammar over three kinds of lexical symbols: `(`, `)` and atoms. A parser
state is the set of pending symbol stacks (top first, always expanded so the top is a terminal), the
atom being typed, and what came last (for whitespace). Text is canonical: one space between
arguments, none after `(` or before `)`, nothing before or after the term. States are interned as
ints and `step(state, char)` is memoised, so after warm-up a character costs a dict lookup.

`allowed_tokens(state)` walks a character trie of the vocabulary from a state, pruning at the first
invalid character, so it visits only the valid prefixes (hundreds of nodes, not the 49k vocabulary);
the result is memoised per state.

Not handled on purpose: semantic limits of the style profile (AST size, nesting), which are checked
by the `cheap` tier after decoding; stacks deeper than `max_stack` symbols are pruned to bound search.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

_LEX = re.compile(r"\(|\)|[^\s()]+")
Stack = tuple[str, ...]
# (stacks, partial atom, last char class: start | open | space | atom | close)
State = tuple[frozenset[Stack], str, str]


class TermPrefixParser:
    """Which strings are prefixes of a term of `productions` derived from `start`."""

    def __init__(self, productions: Mapping[str, Sequence[str]], start: str, max_stack: int = 48) -> None:
        self.nonterminals = frozenset(productions)
        self.rules: dict[str, list[Stack]] = {
            nt: [tuple(_LEX.findall(rhs)) for rhs in rhss] for nt, rhss in productions.items()
        }
        if start not in self.rules:
            raise ValueError(f"start symbol {start!r} has no productions")
        self.max_stack = max_stack
        self.atoms = frozenset(
            sym
            for rhss in self.rules.values()
            for rhs in rhss
            for sym in rhs
            if sym not in self.nonterminals and sym not in "()"
        )
        self.charset = frozenset("() ") | frozenset("".join(self.atoms))
        self._states: list[State] = []
        self._ids: dict[State, int] = {}
        self._steps: dict[tuple[int, str], int] = {}
        self._expanded: dict[Stack, frozenset[Stack]] = {}
        self.start_state = self._intern((self._expand((start,)), "", "start"))

    # --- states ----------------------------------------------------------------------------------
    def _intern(self, state: State) -> int:
        sid = self._ids.get(state)
        if sid is None:
            sid = self._ids[state] = len(self._states)
            self._states.append(state)
        return sid

    def _expand(self, stack: Stack) -> frozenset[Stack]:
        cached = self._expanded.get(stack)
        if cached is not None:
            return cached
        out: set[Stack] = set()
        todo, seen = [stack], set()
        while todo:
            s = todo.pop()
            if s in seen or len(s) > self.max_stack:
                continue
            seen.add(s)
            if s and s[0] in self.nonterminals:
                todo.extend(rhs + s[1:] for rhs in self.rules[s[0]])
            else:
                out.add(s)
        result = self._expanded[stack] = frozenset(out)
        return result

    def _consume(self, stacks: frozenset[Stack], symbol: str) -> frozenset[Stack]:
        out: set[Stack] = set()
        for s in stacks:
            if s and s[0] == symbol:
                out |= self._expand(s[1:])
        return frozenset(out)

    # --- stepping --------------------------------------------------------------------------------
    def step(self, sid: int, char: str) -> int | None:
        """The state after `char`, or None if the text would stop being a prefix of a term."""
        key = (sid, char)
        if key in self._steps:
            nxt = self._steps[key]
            return None if nxt < 0 else nxt
        state = self._step(self._states[sid], char)
        nxt = -1 if state is None else self._intern(state)
        self._steps[key] = nxt
        return None if nxt < 0 else nxt

    def _step(self, state: State, c: str) -> State | None:
        stacks, partial, last = state
        if partial:
            if c not in "() " and not c.isspace():
                grown = partial + c
                keep = frozenset(s for s in stacks if s and s[0] not in "()" and s[0].startswith(grown))
                return (keep, grown, "atom") if keep else None
            stacks = self._consume(stacks, partial)
            if not stacks:
                return None
            stacks, last = stacks, "atom"
        if c == " ":
            keep = frozenset(s for s in stacks if s and s[0] != ")")
            return (keep, "", "space") if last in ("atom", "close") and keep else None
        if c == "(" or c == ")":
            if (c == "(") != (last in ("start", "open", "space")):
                return None
            nxt = self._consume(stacks, c)
            return (nxt, "", "open" if c == "(" else "close") if nxt else None
        if c.isspace() or last not in ("start", "open", "space"):
            return None
        keep = frozenset(s for s in stacks if s and s[0] not in "()" and s[0].startswith(c))
        return (keep, c, "atom") if keep else None

    def feed(self, sid: int | None, text: str) -> int | None:
        """Step through `text`; None once it stops being a prefix."""
        for c in text:
            if sid is None:
                return None
            sid = self.step(sid, c)
        return sid

    def is_complete(self, sid: int) -> bool:
        """Whether the text so far is a whole term (end of generation allowed here)."""
        stacks, partial, last = self._states[sid]
        if partial:
            stacks = self._consume(stacks, partial)
        elif last not in ("atom", "close"):
            return False
        return () in stacks

    def accepts(self, text: str) -> bool:
        """Whether `text` (canonical spacing) is a whole term of the grammar."""
        sid = self.feed(self.start_state, text)
        return sid is not None and self.is_complete(sid)


class TokenTrie:
    """A character trie of token strings, restricted to tokens whose characters are all in `charset`."""

    def __init__(self, token_strings: Sequence[str], charset: frozenset[str]) -> None:
        self.children: list[dict[str, int]] = [{}]
        self.ends: list[list[int]] = [[]]
        for tid, text in enumerate(token_strings):
            if not text or any(c not in charset for c in text):
                continue
            node = 0
            for c in text:
                nxt = self.children[node].get(c)
                if nxt is None:
                    nxt = self.children[node][c] = len(self.children)
                    self.children.append({})
                    self.ends.append([])
                node = nxt
            self.ends[node].append(tid)


def allowed_token_ids(parser: TermPrefixParser, trie: TokenTrie, sid: int) -> list[int]:
    """Ids of the tokens whose text keeps the state `sid` a valid prefix (a pruned trie walk)."""
    out: list[int] = []
    todo = [(0, sid)]
    while todo:
        node, state = todo.pop()
        for c, child in trie.children[node].items():
            nxt = parser.step(state, c)
            if nxt is not None:
                out.extend(trie.ends[child])
                todo.append((child, nxt))
    return out
