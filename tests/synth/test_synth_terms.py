import pytest

from aso.errors import ConfigError
from aso.synth import ParseError, parse_sexpr, subterms, term_depth, term_size, to_sexpr
from aso.synth.infix import parse_constraint
from aso.synth.terms import App, Const, Var


@pytest.mark.parametrize(
    "text",
    ["(safe_div (* a b) 10000)", "x", "(- 3)", "(ite (<= x y) y x)", "true", "(and (not b) (= x (- 1)))"],
)
def test_roundtrip(text):
    assert to_sexpr(parse_sexpr(text)) == text


def test_negative_literals_and_structure():
    t = parse_sexpr("(+ x -5)")
    assert t == App("+", (Var("x"), Const(-5)))
    assert term_size(t) == 3 and term_depth(t) == 2
    assert list(subterms(t)) == [t, Var("x"), Const(-5)]


@pytest.mark.parametrize("bad", ["(+ x", "(+ x))", "()", "", "((+) x)"])
def test_parse_errors_name_text(bad):
    with pytest.raises(ParseError) as exc:
        parse_sexpr(bad)
    assert isinstance(exc.value, ConfigError)
    assert repr(bad)[1:-1] in str(exc.value) or "empty" in str(exc.value)


def test_infix_constraints():
    t = parse_constraint("(reserve_in + net_in) * (reserve_out - result) >= reserve_in * reserve_out")
    assert to_sexpr(t) == "(>= (* (+ reserve_in net_in) (- reserve_out result)) (* reserve_in reserve_out))"
    assert to_sexpr(parse_constraint("result <= a + b - 1")) == "(<= result (- (+ a b) 1))"
    assert to_sexpr(parse_constraint("x > 0 and not y = 1")) == "(and (> x 0) (not (= y 1)))"
    assert to_sexpr(parse_constraint("(<= result x)")) == "(<= result x)"
    with pytest.raises(ParseError):
        parse_constraint("result <= ")


def test_let_is_expanded():
    t = parse_sexpr("(let ((_let_1 (- 0 1))) (ite (<= _let_1 x) x _let_1))")
    assert to_sexpr(t) == "(ite (<= (- 0 1) x) x (- 0 1))"


def test_bool_and_int_constants_differ():
    assert Const(True) != Const(1) and Const(False) != Const(0)
    assert len({Const(False), Const(0), Const(True), Const(1)}) == 4
    assert App("and", (Const(True),)) != App("and", (Const(1),))
