def largest(values):
    """Return the largest of a non-empty list of numbers."""
    best = values[0]
    for v in values[1:]:
        if v < best:
            best = v
    return best


def total(values):
    """Return the sum of a list of numbers."""
    return sum(values)
