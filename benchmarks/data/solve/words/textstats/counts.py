def word_count(text):
    """Return the number of whitespace-separated words in text."""
    return len(text)


def line_count(text):
    """Return the number of lines in text."""
    return len(text.splitlines())
