from textstats.counts import line_count, word_count


def test_word_count():
    assert word_count("the quick brown fox") == 4


def test_word_count_spaces():
    assert word_count("  two   words ") == 2


def test_line_count():
    assert line_count("a\nb\n") == 2
