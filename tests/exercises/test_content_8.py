"""Chapter 8's stored text against its stored outputs: the counts and ratios the prose states are
printed beside it, the seed table backs what §8.3 says about depth, the outcomes §8.4 and §8.5
claim are printed, and no first attempt's output writes out its fix.

These tests read the executed notebook only (no kernel): nbval checks that a fresh run prints
the same outputs, and these check that the words agree with them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

from widgets.exercises.playground import SPIRAL_DATA
from widgets.playground.settings import PlaygroundSettings
from widgets.playground.training import PlaygroundRun

CHAPTER = Path(__file__).resolve().parents[2] / "chapters" / "08_playground.ipynb"


@pytest.fixture(scope="module")
def cells() -> list[dict]:
    return json.loads(CHAPTER.read_text(encoding="utf-8"))["cells"]


def text(cell: dict) -> str:
    """A cell's source as one line of words (markdown wraps lines anywhere)."""
    return " ".join("".join(cell["source"]).split())


def output(cell: dict) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if "text" in out:
            parts.append("".join(out["text"]))
        parts.append("".join(out.get("data", {}).get("text/plain", "")))
    return " ".join(" ".join(parts).split())


def by_id(cells: list[dict], cell_id: str) -> dict:
    return next(cell for cell in cells if cell["id"] == cell_id)


def nearby_code(cells: list[dict], index: int, reach: int = 3) -> list[dict]:
    """The code cells among the ``reach`` cells before and after ``index``."""
    return [c for c in cells[max(0, index - reach):index + reach + 1] if c["cell_type"] == "code"]


# -- counts stated in the prose ------------------------------------------------------------------


def test_every_parameter_count_in_the_prose_is_printed_nearby(cells: list[dict]) -> None:
    stated = [(i, int(count)) for i, cell in enumerate(cells) if cell["cell_type"] == "markdown"
              for count in re.findall(r"(\d+) parameters", text(cell))]
    assert (by_id_index(cells, "c92"), 49) in stated  # the solution's count is stated
    for index, count in stated:
        printed = " ".join(output(c) for c in nearby_code(cells, index))
        assert re.search(rf"(?<![\d.]){count}(?![\d.])", printed), (cells[index]["id"], count)


def by_id_index(cells: list[dict], cell_id: str) -> int:
    return next(i for i, cell in enumerate(cells) if cell["id"] == cell_id)


def test_the_solution_s_stated_count_is_the_network_s(cells: list[dict]) -> None:
    """Exercise 1's explanation says 49; the solution's network has 49 parameters."""
    solution = {"features": ("x1", "x2", "sin(x1)", "sin(x2)"), "hidden_sizes": (8,),
                "activations": "tanh"}
    run = PlaygroundRun(PlaygroundSettings(**SPIRAL_DATA, **solution))
    count = sum(p.numel() for p in run.net.parameters())
    assert count == 49
    assert "(49 parameters)" in text(by_id(cells, "c92"))
    assert "it has 49 (Linear(4, 8): 40, Linear(8, 1): 9)" in output(by_id(cells, "c91"))
    assert "57 parameters" not in " ".join(text(c) for c in cells if c["cell_type"] == "markdown")


# -- the loss beside TensorFlow Playground's ---------------------------------------------------


def test_the_loss_is_twice_tf_playground_s_and_the_steps_match(cells: list[dict]) -> None:
    demo = by_id(cells, "c10a")
    assert "0.5 * (net(X) - y) ** 2" in "".join(demo["source"])
    ours, theirs, same = re.fullmatch(r"\(tensor\(([\d.]+)\), tensor\(([\d.]+)\), (\w+)\)",
                                      output(demo)).groups()
    assert float(ours) == pytest.approx(2 * float(theirs), abs=1e-4) and same == "True"
    prose = text(by_id(cells, "c10"))
    assert r"\frac{1}{2}(\hat y - y)^2" in prose and "exactly twice" in prose
    assert "step here at a rate of 0.015" in prose and "at its default rate, 0.03" in prose
    assert "without regularization" in prose  # the penalties are not doubled
    assert "torch.equal(0.015 * g, 0.03 * tf_g)" in "".join(demo["source"])
    reading = text(by_id(cells, "c10b"))
    assert "Our loss is twice TensorFlow Playground's" in reading and "(`True`)" in reading
    assert "0.015 is not one of them" in reading  # the menu holds TensorFlow Playground's rates


def test_the_other_differences_from_tf_playground_are_listed_and_shown(cells: list[dict]) -> None:
    from widgets.ui.playground import LEARNING_RATES

    assert 0.015 not in LEARNING_RATES and 0.03 in LEARNING_RATES
    assert "a few differences in how they train" in text(by_id(cells, "c02"))
    listed = text(by_id(cells, "c10b"))
    for words in ("**Starting weights.**", 'init="tf_playground"', "**Batch order.**",
                  "shuffled again at the start of every epoch", "join the first batch of the next",
                  "**Regularization.**", "not divided by the batch size",
                  "must be twice its rate", "**L1.**", "never updates it again"):
        assert words in listed, words
    shown = output(by_id(cells, "c10c"))
    weights, tf_bias, default_bias = re.fullmatch(
        r"\(tensor\((\[\[.*\]\])\), tensor\((\[.*?\])\), tensor\((\[.*?\])\)\)", shown).groups()
    assert all(abs(float(w)) <= 0.5 for w in re.findall(r"-?[\d.]+", weights))
    assert set(re.findall(r"-?[\d.]+", tf_bias)) == {"0.1000"}
    assert len(set(re.findall(r"-?[\d.]+", default_bias))) > 1  # drawn, not one value
    assert "freezes it there for the rest of the run" in text(by_id(cells, "c56"))


def test_section_8_2_reads_the_straight_line_s_numbers(cells: list[dict]) -> None:
    shown = output(by_id(cells, "c11"))
    assert "train loss 1.0227" in shown and "accuracy 57% train" in shown
    reading = text(by_id(cells, "c12"))
    assert "the training loss is 1.02, a little worse than the 1" in reading
    assert "57%" in reading and "no straight line does better" not in reading


# -- §8.3: the seed table and what the prose makes of it -------------------------------------


def stored_test_losses(cells: list[dict]) -> torch.Tensor:
    rows = re.findall(r"\[([\d., ]+)\]", output(by_id(cells, "c26a")))
    return torch.tensor([[float(x) for x in row.split(",")] for row in rows])


def test_the_seed_table_backs_the_depth_claims(cells: list[dict]) -> None:
    losses = stored_test_losses(cells)  # rows: seeds 0-4; columns: (8,), (8, 8), (8, 8, 8), (64,)
    assert losses.shape == (5, 4)
    assert bool((losses.argmax(dim=1) == 0).all())  # "the highest test loss on every seed"
    assert bool((losses[:, 1:] < losses[:, :1]).all())  # "always helped it"
    deeper_wins = int((losses[:, 2] < losses[:, 1]).sum())
    summary = output(by_id(cells, "c26c"))
    assert f"(8, 8, 8) below (8, 8) on {deeper_wins} of 5 seeds" in summary
    means = losses.mean(dim=0)
    for shape, mean in zip(["(8,)", "(8, 8)", "(8, 8, 8)", "(64,)"], means.tolist()):
        assert re.search(rf"{re.escape(shape)} mean {mean:.3f}", summary), (shape, summary)
    reading = text(by_id(cells, "c26d"))
    assert deeper_wins == 2 and "the third layer helps on only two seeds of five" in reading
    assert abs(means[1] - means[2]) < 0.02 and "differ by about 0.01" in reading
    assert means[1] < means[3] and means[2] < means[3]  # "a lower mean test loss than ... 64"
    beats_64 = [int((losses[:, j] < losses[:, 3]).sum()) for j in (1, 2)]
    assert beats_64 == [3, 4]
    assert "(8, 8) below (64,) on 3 of 5 seeds" in summary
    assert "(8, 8, 8) below (64,) on 4 of 5 seeds" in summary
    assert "After 60 epochs of Adam" in reading and "but not on every seed" in reading
    assert "(8, 8) beats it on three seeds of five, (8, 8, 8) on four" in reading
    assert "trains faster than plain SGD" not in text(by_id(cells, "c22"))  # not shown here


def test_section_8_3_does_not_rest_a_ranking_on_one_seed(cells: list[dict]) -> None:
    first_reading = text(by_id(cells, "c24"))
    assert "in this draw" in first_reading and "one seed is one draw" in first_reading
    assert "because each layer bends" not in first_reading
    losses = stored_test_losses(cells)
    seed_0 = output(by_id(cells, "c23"))  # row 0 is section 8.3's first run
    for loss in losses[0].tolist():
        assert f"test loss {loss:.4f}" in seed_0


# -- §8.4 and §8.5: each claimed outcome is printed -------------------------------------------


def test_sigmoid_at_four_times_the_rate_is_shown(cells: list[dict]) -> None:
    assert 'activations="sigmoid", learning_rate=0.8' in "".join(by_id(cells, "c30a")["source"])
    assert "epoch 30:" in output(by_id(cells, "c30a"))
    assert "(accuracy 100% train, 100% test)" in output(by_id(cells, "c30a"))
    assert "every training and test point right in the same 30 epochs" in text(by_id(cells,
                                                                                   "c30b"))


def test_the_rates_just_above_the_limit_are_shown(cells: list[dict]) -> None:
    shown = output(by_id(cells, "c36a"))
    assert "0.004: highest 1.57e+05 at epoch 28; epoch 50: train loss 0.0102" in shown
    assert "training diverged at epoch 7" in shown and "(learning rate 0.005)" in shown
    reading = text(by_id(cells, "c36b"))
    assert r"about $1.6 \times 10^5$ (at epoch 28)" in reading and "to 0.01 at epoch 50" in reading
    assert "at 0.005 it diverges at epoch 7" in reading
    assert "freezes" not in text(by_id(cells, "c42"))  # rate 3 is left to the reader


# -- exercises: headings, the last playground, and attempts that show what fails -----------------


def test_summary_and_exercises_are_separate_cells(cells: list[dict]) -> None:
    summary = text(by_id(cells, "c89"))
    assert summary.startswith("## Summary") and "Exercise" not in summary
    assert text(by_id(cells, "c89a")).startswith("## Exercises")
    headings = [text(c).split(" Find")[0].split(" Starting")[0].split(" `Scaled")[0]
                for c in cells if text(c).startswith("### Exercise")]
    assert headings == ["### Exercise 1: A small network for the spiral",
                        "### Exercise 2: L2 regularization by hand",
                        "### Exercise 3: A learnable slope for negative inputs"]


def test_the_last_playground_does_not_start_from_exercise_1_s_answer(cells: list[dict]) -> None:
    preset = "".join(by_id(cells, "c86")["source"])
    assert "spiral" in preset and "sin(" not in preset
    assert r"\sin" not in text(by_id(cells, "c85"))


def test_exercise_1_says_how_the_epochs_are_counted(cells: list[dict]) -> None:
    task = text(by_id(cells, "c89b"))
    assert "stops at the first epoch that reaches 95%" in task
    assert "(first at epoch 31: 95%)" in output(by_id(cells, "c91"))
    assert "at epoch 31" in text(by_id(cells, "c92"))




#: Each attempt cell, then words of its solution that its stored output must not contain.
ATTEMPTS = {
    "c90": ("sin(x1)", "sin(x2)", "tanh", "(8,)"),
    "c93": ("nn.Linear", "isinstance", "layer.weight", "weight of each", "rate / 2", "** 2",
            "biases"),
    "c96": ("torch.where", "X >= 0", "X < 0", "clamp", "minimum", "PReLU"),
}


@pytest.mark.parametrize(("cell_id", "fixes"), ATTEMPTS.items())
def test_an_attempt_s_output_does_not_write_the_fix(cells: list[dict], cell_id: str,
                                                    fixes: tuple[str, ...]) -> None:
    cell = by_id(cells, cell_id)
    assert "# your answer" in "".join(cell["source"])
    shown = output(cell)
    assert "check not met yet" in shown  # the stored attempt fails, and says where
    for words in fixes:
        assert words not in shown, (cell_id, words)


def test_every_attempt_is_listed_and_no_solution_line_is_in_its_output(cells: list[dict]) -> None:
    attempts = [i for i, c in enumerate(cells)
                if c["cell_type"] == "code" and "# your answer" in "".join(c["source"])]
    assert [cells[i]["id"] for i in attempts] == list(ATTEMPTS)
    for i in attempts:
        solution = next(c for c in cells[i + 1:] if "solution" in c["metadata"].get("tags", []))
        lines = [line.strip() for line in "".join(solution["source"]).splitlines()]
        shown = output(cells[i])
        for line in lines:
            if len(line) > 12 and not line.startswith(("#", "check_", "def ", "class ")):
                assert line not in shown, (cells[i]["id"], line)


# -- §8.10-8.13: pointing, weights by hand, own data, three classes ------------------------


def _numbers(words: str) -> list[str]:
    """Figures in a paragraph: decimals and percentages, not section numbers."""
    words = re.sub(r"(## |[Ss]ection |§)8\.\d+", "", words)
    return re.findall(r"(?<![\w.])-?\d+\.\d+|\d+(?=%)", words)


def _agrees(stated: str, printed: list[str]) -> bool:
    """A stated figure is printed, maybe with more decimals (the prose rounds), or as a
    share (0.99 for 99%)."""
    decimals = len(stated.split(".")[1]) if "." in stated else 0
    value = abs(float(stated))
    for figure in printed:
        number = abs(float(figure))
        if abs(round(number, decimals) - value) < 1e-9 or (
                decimals == 0 and number <= 1 and abs(round(number * 100) - value) < 1e-9):
            return True
    return False


#: Figures the new sections state that are not measured: the circle data set's radii (its
#: definition, in widgets/playground/data.py) and log 3, worked out in the text.
GIVEN = {"2.5", "3.5", "1.10"}


def test_the_figures_of_the_new_sections_are_printed_beside_them(cells: list[dict]) -> None:
    heads = [i for i, c in enumerate(cells) if c["cell_type"] == "markdown"
             and re.search(r"^## 8\.1[0-4] ", "".join(c["source"]), flags=re.MULTILINE)]
    first, last = heads[0], heads[-1]  # from §8.10 to the head of §8.14
    assert [re.search(r"^## (8\.1\d) ", "".join(cells[i]["source"]), flags=re.MULTILINE)[1]
            for i in heads] == ["8.10", "8.11", "8.12", "8.13", "8.14"]
    unbacked = []
    for index in range(first, last):
        cell = cells[index]
        if cell["cell_type"] != "markdown":
            continue
        near = nearby_code(cells, index, reach=4)
        printed = [n for c in near  # what the cells print, and the settings they type
                   for n in re.findall(r"-?\d+\.\d+(?:e-?\d+)?|\d+(?=%)",
                                       output(c) + " " + text(c))]
        unbacked += [(cell["id"], n) for n in _numbers(text(cell))
                     if n not in GIVEN and not _agrees(n, printed)]
    assert unbacked == []
