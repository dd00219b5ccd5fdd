"""A module that fails while importing (tests/test_use.py)."""

VALUE = 1


def helper():
    return missing_name  # noqa: F821


helper()
