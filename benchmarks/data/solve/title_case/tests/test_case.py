from textutil.case import shout, title_case


def test_title_case():
    assert title_case("hello big world") == "Hello Big World"


def test_title_case_one_word():
    assert title_case("python") == "Python"


def test_shout():
    assert shout("hi") == "HI"
