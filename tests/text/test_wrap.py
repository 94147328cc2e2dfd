"""Printed text wraps at word boundaries: a notebook's output would otherwise break words."""

from __future__ import annotations

from widgets.exercises import CheckReport
from widgets.text import WRAP_WIDTH, wrap


def test_wrap_keeps_words_whole_and_lines_short() -> None:
    text = " ".join(f"word{i}" for i in range(60))
    lines = wrap(text, indent="  ").splitlines()
    assert all(len(line) <= WRAP_WIDTH for line in lines)
    assert lines[0].startswith("  word0") and lines[1].startswith("      word")
    assert " ".join(wrap(text).split()) == text
    assert wrap("x" * 200) == "x" * 200  # one long word stays whole


def test_a_printed_report_wraps_under_its_mark() -> None:
    report = CheckReport("demo")
    report.expect(False, "a point " * 20, "a hint " * 20)
    printed = str(report).splitlines()
    assert all(len(line) <= WRAP_WIDTH for line in printed)
    assert printed[1].startswith("  ✗ a point") and printed[2].startswith("      ")
    assert " ".join(str(report).split()) == " ".join(repr(report).split())
