"""What the stored chapter 6 shows around its exercises: which check fails, never the fix.

Each attempt cell runs a plausible mistake through its check; its stored output, the
markdown a reader sees before the folded solution, and the hints the checks can give
must point at the problem without writing the answer.
"""

from __future__ import annotations

import re

import pytest
import torch

from tests.exercises import stored
from tests.exercises.stored import CHAPTERS, hidden, outputs, text
from widgets.exercises import file_io as exercises
from widgets.text import catalogue

CH6 = CHAPTERS / "06_file_io.ipynb"












# What each exercise's fix looks like, in code or in words: none of it may show in an
# attempt's output or in the markdown between the attempt and the folded solution.
ANSWERS = {
    1: [r"return (the|a|your) model", r"return net\s*$", r"in place", r"model itself"],
    2: [r"save the config", r"beside the weights", r"make_mlp\(\*\*", r"['\"]config['\"]",
        r"plain ints", r"store .*state_dict"],
    3: [r"pick the keys", r"copy only", r"only the keys", r"split\(", r"startswith",
        r"\{name: tensor", r"filter"],
}


def attempts_and_notes(number: int) -> tuple[list[dict], list[str]]:
    """The attempt cells of one exercise and the visible markdown after its statement."""
    cell_list = stored.exercises(CH6)[number]
    attempts = [c for c in cell_list if c["cell_type"] == "code" and not hidden(c)]
    notes = [text(c) for c in cell_list if c["cell_type"] == "markdown" and not hidden(c)][1:]
    return attempts, notes


def test_the_chapter_has_three_exercises_each_with_one_attempt() -> None:
    found = stored.exercises(CH6)
    assert sorted(found) == [1, 2, 3]
    for number in found:
        attempts, _ = attempts_and_notes(number)
        assert len(attempts) == 1, number
        assert re.search(r"^check_\w+\(", text(attempts[0]), re.MULTILINE), number


@pytest.mark.parametrize("number", sorted(ANSWERS))
def test_an_attempt_shows_which_check_fails_and_no_fix(number: int) -> None:
    attempts, notes = attempts_and_notes(number)
    shown = outputs(attempts[0])
    assert "✗" in shown and "not met yet" in shown, shown  # which check fails, stored
    for pattern in ANSWERS[number]:
        for seen in [shown, *notes]:
            assert not re.search(pattern, seen, re.MULTILINE | re.IGNORECASE), (
                number, pattern, seen)


def failing_points(shown: str) -> list[str]:
    """The text of each ✗ point of a stored report, its wrapped lines joined."""
    return [" ".join(point.split()) for point in re.findall(r"✗ (.*?)(?=\n\s*[✓✗]|\Z)",
                                                               shown, re.DOTALL)]


def words(text: str) -> set[str]:
    return {word.lower() for word in re.findall(r"[A-Za-z_]\w+", text) if len(word) >= 4}


#: Words a note after an attempt may share with the check's failing points: the note asks
#: the reader to look, and these say nothing about which point fails or why.
SHARED_WORDS_ALLOWED = {"what", "where", "which", "that", "with", "check", "before"}

#: How a note would say which point fails: counts of points, outcomes, code, sizes.
DIAGNOSIS = [r"\bnot met\b", r"\b(one|two|three|\d+) (point|check)s?\b", r"\braised?\b",
             r"\bchanged?\b", r"\bfit\b", r"\breturns?\b", r"\bfails?\b", r"`", r"\d"]


@pytest.mark.parametrize("number", sorted(ANSWERS))
def test_the_note_after_an_attempt_does_not_say_which_point_fails(number: int) -> None:
    attempts, notes = attempts_and_notes(number)
    points = failing_points(outputs(attempts[0]))
    assert points, number
    assert notes, number  # a prompt to look at the check's messages
    for note in notes:
        assert len(note) <= 200 and note.count(".") + note.count("?") <= 2, (number, note)
        for pattern in DIAGNOSIS:
            assert not re.search(pattern, note, re.IGNORECASE), (number, pattern, note)
        shared = words(note) & words(" ".join(points))
        assert shared <= SHARED_WORDS_ALLOWED, (number, shared, note)


def test_the_note_check_catches_the_diagnoses_it_replaced() -> None:
    points = failing_points(outputs(attempts_and_notes(3)[0][0]))
    for note in ("The file is right, but one point is not met: `load_model` returns something "
                 "other than a model.",
                 "The 4-16-2 network comes back, but the 6-32-3 one does not fit the "
                 "architecture that `load_checkpoint` builds.",
                 "Two points are not met: the call raised on the output layer, and layer 4 "
                 "changed although it should not have."):
        assert any(re.search(pattern, note, re.IGNORECASE) for pattern in DIAGNOSIS), note
    assert words("the output layer kept its own weights") & words(" ".join(points)) - \
        SHARED_WORDS_ALLOWED


@pytest.mark.parametrize("number", sorted(ANSWERS))
def test_the_fix_is_folded_with_its_solution(number: int) -> None:
    cell_list = stored.exercises(CH6)[number]
    solutions = [c for c in cell_list if hidden(c)]
    assert [c["cell_type"] for c in solutions] == ["code", "markdown"]
    code, why = solutions
    assert code["metadata"]["jupyter"] == {"outputs_hidden": True, "source_hidden": True}
    assert why["metadata"]["jupyter"]["source_hidden"] is True
    assert text(why).startswith("*Why it works* (open it once you have tried)")
    assert "all 5 checks pass" in outputs(code)


def run_attempt(number: int) -> str:
    """The attempt cell's functions run through its check now, as printed."""
    attempt = text(attempts_and_notes(number)[0][0])
    definitions, call = attempt.rsplit("\n\n", 1)
    namespace: dict[str, object] = {"torch": torch, "make_mlp": exercises.make_mlp}
    exec(definitions, namespace)
    check = getattr(exercises, call.split("(", 1)[0])
    names = re.findall(r"\w+", call.split("(", 1)[1])
    return str(check(*(namespace[name] for name in names)))


@pytest.mark.parametrize("number", sorted(ANSWERS))
def test_the_checks_give_the_same_fix_free_hints_today(number: int) -> None:
    report = run_attempt(number)
    assert "✗" in report
    assert report == outputs(attempts_and_notes(number)[0][0]).strip()
    for pattern in ANSWERS[number]:
        assert not re.search(pattern, report, re.MULTILINE | re.IGNORECASE), (number, pattern)


def test_no_hint_of_the_checks_writes_a_fix() -> None:
    hints = {key: value for key, value in catalogue("en").items()
             if key.startswith("exercises.file_io.")}
    assert hints
    for key, value in hints.items():
        for pattern in (pattern for patterns in ANSWERS.values() for pattern in patterns):
            assert not re.search(pattern, value, re.IGNORECASE), (key, pattern, value)


# How exercise 2 is solved, in the words the chapter used before it asked: neither the
# sections before the exercises nor its statement may say it.
EXERCISE_2_WAY_OUT = [r"the way out", r"save the few", r"numbers that choose the architecture",
                      r"settings that choose the architecture"]


def test_exercise_2_is_asked_before_it_is_answered() -> None:
    statement = text(stored.exercises(CH6)[2][0])
    assert statement.rstrip().endswith("The check tries two different configurations.")
    assert "?" in statement  # the question stays
    before = []
    for cell in stored.cells(CH6):
        if cell["cell_type"] == "markdown" and re.search(r"^### Exercise 2", text(cell),
                                                         re.MULTILINE):
            break
        if cell["cell_type"] == "markdown":
            before.append(text(cell))
    for pattern in EXERCISE_2_WAY_OUT:
        for seen in [statement, *before]:
            assert not re.search(pattern, seen, re.IGNORECASE), (pattern, seen)
