from stack.stack import Stack


def test_pop_returns_last_pushed():
    s = Stack()
    s.push(1)
    s.push(2)
    assert s.pop() == 2


def test_len():
    s = Stack()
    s.push(1)
    assert len(s) == 1
