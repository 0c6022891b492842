"""Whether an answer is right, and if not, what kind of wrong: the unit every figure counts."""

from __future__ import annotations

from collections.abc import Sequence

NOTHING = "nothing read"
ROWS = "wrong number of rows"
MISSED = "digits missed"
EXTRA = "extra digits"
WRONG = "wrong digit"


def failure(truth: Sequence[str], answer: Sequence[str]) -> str | None:
    """None when every row is read right, in order; else the kind of failure.

    Rows are compared in order; a single row's digits must all be right (no partial credit).
    """
    if list(answer) == list(truth):
        return None
    if not answer:
        return NOTHING
    if len(answer) != len(truth):
        return ROWS
    read, written = sum(map(len, answer)), sum(map(len, truth))
    if read < written:
        return MISSED
    if read > written:
        return EXTRA
    return WRONG
