from stats.summary import largest, total


def test_largest():
    assert largest([3, 9, 4]) == 9


def test_largest_single():
    assert largest([7]) == 7


def test_total():
    assert total([1, 2, 3]) == 6
