import random

import pytest
import torch

from aso.synth.grammar import derives
from aso.synth.hints.constrained import GrammarLogitsProcessor, grammar_parser
from aso.synth.terms import parse_sexpr

SPECS = [
    "fee_accumulator_simple_hole",
    "swap_fee_calculator_hole",
    "lp_mint_optimal_hole",
    "simple_fee_multiplier_hole",
    "circuit_breaker_hole",
]


def heights(parser):
    """Least derivation height of each non-terminal (fixed point)."""
    h = {}
    changed = True
    while changed:
        changed = False
        for nt, rules in parser.rules.items():
            for rhs in rules:
                if all(s not in parser.rules or s in h for s in rhs):
                    best = 1 + max((h[s] for s in rhs if s in parser.rules), default=0)
                    if best < h.get(nt, 1 << 30):
                        h[nt], changed = best, True
    return h


def random_derivation(rng, parser, symbol, depth, h):
    """A random term of the grammar; below `depth` 0 only productions of least height are used."""
    if symbol not in parser.rules:
        return symbol
    rules = parser.rules[symbol]
    if depth <= 0:
        rules = [r for r in rules if 1 + max((h[s] for s in r if s in parser.rules), default=0) == h[symbol]]
    rhs = rng.choice(rules)
    parts = [random_derivation(rng, parser, s, depth - 1, h) for s in rhs]
    return " ".join(parts).replace("( ", "(").replace(" )", ")")


def random_sexpr(rng, atoms, ops, depth):
    if depth == 0 or rng.random() < 0.35:
        return rng.choice(atoms)
    op = rng.choice(ops)
    arity = 3 if op == "ite" else 2
    return "(" + " ".join([op] + [random_sexpr(rng, atoms, ops, depth - 1) for _ in range(arity)]) + ")"


@pytest.mark.parametrize("name", SPECS)
def test_prefix_parser_accepts_exactly_the_grammar_terms(dex_spec, name):
    spec, _ = dex_spec(name)
    grammar = spec.grammar(spec.holes[0])
    parser = grammar_parser(grammar)
    atoms = sorted(a for a in parser.atoms if a[0].isalnum() or a[0] == "_")
    ops = sorted(a for a in parser.atoms if a not in atoms)
    rng = random.Random(0)
    accepted = 0
    start, h = grammar.start, heights(parser)
    for i in range(300):
        text = random_sexpr(rng, atoms, ops, 3) if i % 2 else random_derivation(rng, parser, start, 5, h)
        expected = derives(grammar, parse_sexpr(text))
        assert parser.accepts(text) == expected, text
        accepted += expected
        if expected:  # every prefix of an accepted term is a live state
            sid = parser.start_state
            for i, ch in enumerate(text):
                sid = parser.step(sid, ch)
                assert sid is not None, text[: i + 1]
    assert accepted > 0


class FakeTokenizer:
    """A tiny vocabulary with multi-character and junk tokens, decoded one id at a time."""

    def __init__(self, vocab):
        self.vocab = vocab

    def __len__(self):
        return len(self.vocab)

    def decode(self, ids):
        return "".join(self.vocab[i] for i in ids)


def test_logits_processor_only_lets_grammar_terms_through(dex_spec):
    spec, _ = dex_spec("fee_accumulator_simple_hole")
    grammar = spec.grammar(spec.holes[0])
    vocab = [
        "<eos>",
        "(",
        ")",
        " ",
        "(+",
        " accumulated",
        "fee_amount",
        "fee",
        "_amount",
        "accum",
        "ulated",
        "10",
        "1",
        "0",
        "00",
        "safe_div",
        "(safe",
        "_div",
        "(*",
        "(-",
        "(ite",
        "(<=",
        "hello",
        " the",
        "\n",
        "))",
        " (",
        "+",
        "*",
        "ite",
        "<=",
        "and",
        "(and",
        " 100",
        "000",
    ]
    proc = GrammarLogitsProcessor(grammar_parser(grammar), FakeTokenizer(vocab), [0])
    for seed in range(25):
        gen = torch.Generator().manual_seed(seed)
        rows = 3
        ids = torch.zeros((rows, 4), dtype=torch.long)  # a 4-token "prompt"
        done = [False] * rows
        texts = [""] * rows
        for _ in range(60):
            scores = proc(ids, torch.randn((rows, len(vocab)), generator=gen))
            nxt = scores.argmax(dim=-1)
            assert torch.isfinite(scores.gather(1, nxt[:, None])).all()
            for r, t in enumerate(nxt.tolist()):
                if done[r] or t == 0:
                    done[r] = True
                    nxt[r] = 0
                else:
                    texts[r] += vocab[t]
            ids = torch.cat([ids, nxt[:, None]], dim=1)
            if all(done):
                break
        for r in range(rows):
            if done[r]:
                assert derives(grammar, parse_sexpr(texts[r])), texts[r]


@pytest.mark.model
def test_constrained_sampling_with_the_embedded_model_yields_grammar_terms(embedded_model, dex_spec):
    from aso.models import SamplingParams
    from aso.synth.hints.constrained import constrained_sample
    from aso.synth.hints.prompting import hint_prompt

    for name in ("swap_fee_calculator_hole", "lp_mint_optimal_hole"):
        spec, _ = dex_spec(name)
        hole = spec.holes[0]
        chat = [{"role": "user", "content": hint_prompt(spec, hole, constrained=True)}]
        out = constrained_sample(
            embedded_model,
            [chat],
            SamplingParams(n=3, temperature=0.7, max_tokens=120, seed=0),
            spec.grammar(hole),
        )[0]
        finished = [c for c in out if c.finish_reason == "stop"]
        assert finished, [c.text for c in out]
        for c in finished:
            assert derives(spec.grammar(hole), parse_sexpr(c.text)), c.text
