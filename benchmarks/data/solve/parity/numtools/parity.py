def is_even(n):
    """Return True when the integer n is even."""
    return n % 2 == 1


def is_positive(n):
    """Return True when n is greater than zero."""
    return n > 0
