"""What chapter 7's stored page says: attempts that do not give the fix away, device facts
that hold on every CPU machine, and timings the prose describes no more boldly than they are.

These tests read the stored notebook; nothing here executes it (nbval does that).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

CHAPTER = Path(__file__).resolve().parents[2] / "chapters" / "07_gpus.ipynb"
IGNORE = "# NBVAL_IGNORE_OUTPUT"
#: Words that would tell the reader of an attempt's output what to write.
FIX_WORDS = ("X = X.to(device)", "batch_loss.detach()", "total +=", ".item() once at the end",
             "synchronize the device after", "before starting the clock", "synchronize(device)",
             "net.to(device)", "call .item()", "device.type != 'cpu'", "perf_counter")


def cells() -> list[dict]:
    return json.loads(CHAPTER.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def output(cell: dict) -> str:
    """Every text the cell stored, as one line with single spaces (wrapping undone)."""
    parts = []
    for out in cell.get("outputs", []):
        parts.append("".join(out.get("text", "")))
        parts.append("".join(out.get("data", {}).get("text/plain", "")))
    return " ".join(" ".join(parts).split())


def code_cell(snippet: str) -> dict:
    """The one code cell whose source holds ``snippet``."""
    found = [c for c in cells() if c["cell_type"] == "code" and snippet in source(c)]
    assert len(found) == 1, (snippet, len(found))
    return found[0]


def attempts_and_solutions() -> list[tuple[dict, dict]]:
    """Each exercise's attempt cell with the solution code cell that follows it."""
    pairs, attempt = [], None
    for cell in cells():
        if cell["cell_type"] != "code":
            continue
        if "# your answer" in source(cell):
            attempt = cell
        elif "solution" in cell["metadata"].get("tags", []) and attempt is not None:
            pairs.append((attempt, cell))
            attempt = None
    return pairs


def code_lines(text: str) -> set[str]:
    """The lines of code in ``text`` without comments, blank lines or surrounding space."""
    found = set()
    for line in text.splitlines():
        line = re.sub(r"(^|\s+)#.*$", "", line).strip()
        if line:
            found.add(line)
    return found


# --- the exercises: a failing check and a hint, never the fix ---------------------------------

def test_the_chapter_has_three_attempts_each_followed_by_a_solution() -> None:
    assert len(attempts_and_solutions()) == 3


@pytest.mark.parametrize("number", [1, 2, 3])
def test_an_attempt_shows_which_check_fails(number: int) -> None:
    attempt, _ = attempts_and_solutions()[number - 1]
    text = output(attempt)
    assert "not met yet" in text and "✗" in text and "✓" in text


@pytest.mark.parametrize("number", [1, 2, 3])
def test_an_attempt_output_does_not_write_the_fix(number: int) -> None:
    attempt, solution = attempts_and_solutions()[number - 1]
    text = output(attempt)
    fixes = {line for line in code_lines(source(solution)) - code_lines(source(attempt))
             if not line.startswith(("def ", "check_"))}
    assert fixes, "the solution should differ from the attempt"
    for line in fixes:
        assert line not in text, f"exercise {number}'s attempt output writes {line!r}"
    for words in FIX_WORDS:
        assert words not in text, f"exercise {number}'s attempt output says {words!r}"


def test_the_hints_ask_rather_than_tell() -> None:
    """Exercises 2 and 3 end their misses in a question that points at the fix."""
    (_, _), (second, _), (third, _) = attempts_and_solutions()
    assert "Where could the losses add up without leaving the device?" in output(second)
    assert "What must the clock wait for before it stops?" in output(third)


# --- torch.accelerator and pinned memory: what a CPU-only PyTorch stores ----------------------

cpu_only_build = pytest.mark.skipif(torch.accelerator.current_accelerator() is not None,
                                    reason="the page was stored by a CPU-only PyTorch")


def live_error(action) -> str:
    try:
        action()
    except RuntimeError as error:
        return f"RuntimeError: {error}"
    return "no error"


@cpu_only_build
def test_the_accelerator_answers_stored_are_this_builds() -> None:
    cell = code_cell("torch.accelerator.is_available(), torch.accelerator.current_accelerator()")
    live = (torch.accelerator.is_available(), torch.accelerator.current_accelerator(),
            torch.accelerator.device_count())
    assert output(cell) == repr(live) == "(False, None, 0)"
    assert torch.accelerator.current_accelerator(check_available=True) is None


@cpu_only_build
def test_the_refusals_stored_are_the_ones_pytorch_gives_here() -> None:
    synchronize_cell = code_cell("torch.accelerator.synchronize()\n")
    assert output(synchronize_cell) == live_error(torch.accelerator.synchronize)
    pin_cell = code_cell("torch.rand(2).pin_memory().is_pinned()")
    assert output(pin_cell) == live_error(lambda: torch.rand(2).pin_memory())
    assert output(pin_cell).startswith("RuntimeError: ")
    assert torch.rand(2).to("cpu", non_blocking=True) is not None  # no error on the CPU
    X = torch.rand(3)
    assert X.to("cpu", non_blocking=True) is X  # nothing to copy, blocking or not


@pytest.mark.parametrize(("snippet", "stored"), [
    ("try_accelerator().type == try_gpu().type", "True"),
    ("X_host.is_pinned() == (device.type == \"cuda\")", "(True, True, True)"),
])
def test_the_device_agnostic_cells_store_what_every_machine_prints(snippet: str,
                                                                    stored: str) -> None:
    cell = code_cell(snippet)
    assert IGNORE not in source(cell)  # nbval compares them on every machine
    assert output(cell) == stored


def test_every_ignored_output_says_why() -> None:
    ignored = [c for c in cells() if c["cell_type"] == "code" and IGNORE in source(c)]
    assert len(ignored) == 10  # the machine-dependent cells and the timings, no more
    for cell in ignored:
        first, reason = source(cell).splitlines()[:2]
        assert first == IGNORE and reason.startswith("# ") and "nbval does not compare" in reason


@pytest.mark.parametrize("snippet", [
    "torch.accelerator.is_available(), torch.accelerator.current_accelerator()",
    "torch.accelerator.synchronize()\n", "torch.rand(2).pin_memory().is_pinned()",
    "pairwise(sorted(cpu_ms))",
])
def test_device_dependent_and_timing_cells_are_ignored(snippet: str) -> None:
    assert source(code_cell(snippet)).startswith(IGNORE)


# --- the timer: what the prose claims, the stored figures show --------------------------------

def stored_ratios() -> list[float]:
    text = output(code_cell("pairwise(sorted(cpu_ms))"))
    return [float(x) for x in re.findall(r"x(\d+(?:\.\d+)?)", text)]


def test_the_stored_ratios_back_the_text() -> None:
    """The text says: for the larger sizes near 8, give or take a few; the smallest, short."""
    ratios = stored_ratios()
    assert len(ratios) == 4, ratios  # 64 -> 128 -> 256 -> 512 -> 1024
    assert all(5 <= r <= 12 for r in ratios[-2:]), (
        f"the stored ratios {ratios} do not back the text; re-execute on a quieter machine")
    assert ratios[0] < 8, ratios


def test_the_text_claims_n_cubed_only_where_the_figures_show_it() -> None:
    text = " ".join(source(c) for c in cells() if c["cell_type"] == "markdown")
    text = " ".join(text.split())
    assert "For the larger sizes the CPU's ratios come out near 8" in text
    assert "for the larger sizes, the time of a product grows roughly as n³ does" in text
    assert "shows the cost of a product growing with n³" not in text


# --- outputs that say what this machine did, and prose that keeps the exercises open ---------

def markdown() -> list[dict]:
    return [c for c in cells() if c["cell_type"] == "markdown"]


def prose_before(heading: str) -> str:
    """The markdown of the page up to the cell that opens with ``heading``, on one line."""
    text = []
    for cell in markdown():
        if source(cell).startswith(heading):
            break
        text.append(source(cell))
    return " ".join(" ".join(text).split())


def test_the_two_gpu_cell_prints_what_this_machine_did() -> None:
    """Without two GPUs the cell says so; it never prints a made-up result."""
    cell = code_cell('device="cuda:1"')
    assert source(cell).startswith(IGNORE)  # its output depends on the machine
    assert "12.0" not in source(cell) and '"RuntimeError", 12' not in source(cell)
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if gpus < 2:
        assert output(cell) == f"needs two GPUs (this machine has {gpus})"
    after = " ".join(source(cells()[cells().index(cell) + 1]).split())
    assert "not an output stored on this page" in after  # the 12.0 is stated as reasoning


def test_the_page_does_not_answer_the_exercises_before_they_are_asked() -> None:
    before = prose_before("## Exercises")
    for answer in ("read the total once per epoch", "before starting the clock",
                   "again before stopping it", "add the losses up on the device"):
        assert answer not in before, answer


def test_the_third_exercise_asks_for_wall_clock_seconds_without_naming_the_calls() -> None:
    prompt = next(" ".join(source(c).split()) for c in markdown()
                  if source(c).startswith("### Exercise 3:"))
    assert "wall-clock seconds (`time.perf_counter`)" in prompt
    assert "synchronize" not in prompt


def test_each_exercise_has_its_own_heading_and_cell() -> None:
    starts = [source(c).splitlines()[0] for c in markdown()]
    for number in (1, 2, 3):
        assert sum(line.startswith(f"### Exercise {number}: ") for line in starts) == 1
    for heading in ("## Summary", "## Exercises", "## 7.8 ", "## 7.9 "):
        holders = [c for c in markdown() if heading in source(c)]
        assert len(holders) == 1 and source(holders[0]).startswith(heading), heading


def test_markdown_cells_stay_short() -> None:
    for cell in markdown():
        words = len(source(cell).split())
        limit = 260 if source(cell).startswith("## Summary") else 180
        assert words <= limit, (cell["id"], words)


def test_the_cpu_copy_is_said_to_work_only_where_there_is_data() -> None:
    text = " ".join(" ".join(source(c) for c in markdown()).split())
    assert "`.cpu()` first, which works on every device whose tensors hold data" in text
    assert "which works on every device." not in text


def test_the_two_ways_of_timing_the_cpu_are_told_apart() -> None:
    text = " ".join(" ".join(source(c) for c in markdown()).split())
    assert "delay but not lengthen" not in text
    assert "they lengthen it only a little" in text
    assert "need not match the A @ A of section 7.8" in text
    assert "than the CPU threads of the first line" in text  # the baseline of the speed-up
    timing_cell = code_cell("copy_and_matmul_ms(device)\n")
    assert "torch.get_num_threads()" in source(timing_cell)
    assert re.search(r"the CPU \(threads: \d+\): copy", output(timing_cell))
