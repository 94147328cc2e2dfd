"""What every checker test asserts of a report: its verdict and the words it must (or must
not) hold, read on one line so that wrapping never decides a match."""

from __future__ import annotations

from widgets.exercises import CheckReport

FORGOT_RETURN = "returned None: did you forget `return`?"


def verdict(report: CheckReport, passed: bool, present: tuple[str, ...] = (),
            absent: tuple[str, ...] = ()) -> str:
    """Assert ``report`` passed (or not) and holds ``present`` and none of ``absent``;
    return its text on one line."""
    text = " ".join(repr(report).split())  # one line: the words, not the wrapping
    assert report.points, text  # never an empty report
    assert report.passed is passed, text
    for words in present:
        assert words in text, (words, text)
    for words in absent:
        assert words not in text, (words, text)
    assert "0 checks not met yet" not in text  # never a silent stop
    return text
