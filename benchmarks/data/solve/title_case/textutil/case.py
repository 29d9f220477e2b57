def title_case(text):
    """Capitalise the first letter of every word."""
    return " ".join(word.lower() for word in text.split())


def shout(text):
    """Upper-case the whole text."""
    return text.upper()
