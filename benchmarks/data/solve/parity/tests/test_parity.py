from numtools.parity import is_even, is_positive


def test_is_even_true():
    assert is_even(4) is True


def test_is_even_false():
    assert is_even(7) is False


def test_is_positive():
    assert is_positive(3) and not is_positive(-1)
