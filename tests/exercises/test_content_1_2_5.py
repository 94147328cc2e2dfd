"""What the stored chapters 01, 02 and 05 show around their exercises and sections.

- An attempt cell's stored output says which check fails, never the fix: no line
  the solution adds, and none of the fragments that would give an exercise away.
- Chapter 01 teaches hooks after the reader has written a module, with a named
  hook, its three arguments, what returning None does, and removing it.
- Chapter 02 ties one tensor between two different modules, with the counts,
  the identity, the shapes and the summed gradient in stored outputs, before
  an exercise whose stored attempt does not give its answer.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = {name: ROOT / "chapters" / f"{name}.ipynb"
            for name in ("01_layers_and_modules", "02_parameter_management", "05_custom_layers")}

#: Per chapter, fragments that would hand over an exercise's answer if an attempt's
#: stored output held them: the code to write, or the answer in words.
GIVEAWAYS = {
    "01_layers_and_modules": ["ModuleList(", "torch.cat(", "self.net1 =", "for _ in range",
                              "make_block() for", "call make_block inside"],
    "02_parameter_management": ["recurse=True", "drop recurse", "without recurse",
                                "recurse=False", "children()",
                                "build one layer", "put it at both positions", "id(p)",
                                "data_ptr", "group the names by", "('0.weight', '3.weight')",
                                "0.weight, 3.weight", "1972", "1,972"],
    "05_custom_layers": ["must use the parameter itself", "self.W)", "use W instead",
                         "fft(X)[", "[:, :n // 2]", "[..., :", "drop the last", "einsum",
                         "W.data", "nn.Parameter(", "rfft keeps", "n // 2 + 1"],
}


def _notebook(name: str) -> nbformat.NotebookNode:
    return nbformat.read(CHAPTERS[name], as_version=4)


def _output_text(cell: nbformat.NotebookNode) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if "text" in output:
            parts.append(output["text"])
        parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def _attempts(nb: nbformat.NotebookNode) -> list[tuple[int, nbformat.NotebookNode,
                                                          nbformat.NotebookNode]]:
    """Each attempt cell (marked "# your answer") with the solution cell that follows it."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "# your answer" in cell.source:
            solution = next(c for c in nb.cells[i + 1:] if c.cell_type == "code")
            assert "solution" in solution.metadata.get("tags", []), (i, cell.source)
            found.append((i, cell, solution))
    return found


def _added_lines(attempt: str, solution: str) -> list[str]:
    """The solution's code lines the attempt lacks: the fix, line by line."""
    had = {line.strip() for line in attempt.splitlines()}
    return [line.strip() for line in solution.splitlines()
            if line.strip() not in had and len(line.strip()) >= 10
            and not line.strip().startswith(("#", "def ", "class ", "check_"))]


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_exercise_has_an_attempt_that_fails_visibly(name: str) -> None:
    attempts = _attempts(_notebook(name))
    assert len(attempts) >= 2, name
    for i, cell, _ in attempts:
        text = _output_text(cell)
        assert "✗" in text and "not met yet" in text, (name, i, text)


@pytest.mark.parametrize("name", CHAPTERS)
def test_attempt_outputs_do_not_write_out_the_fix(name: str) -> None:
    for i, cell, solution in _attempts(_notebook(name)):
        text = _output_text(cell)
        for line in _added_lines(cell.source, solution.source):
            assert line not in text, (name, i, line)
        for fragment in GIVEAWAYS[name]:
            assert fragment not in text, (name, i, fragment, text)


# -- chapter 01: hooks, once the reader knows modules ----------------------------------


def _first(nb: nbformat.NotebookNode, fragment: str) -> int:
    return next(i for i, cell in enumerate(nb.cells) if fragment in cell.source)


def _output_of(nb: nbformat.NotebookNode, fragment: str) -> str:
    return _output_text(nb.cells[_first(nb, fragment)])


def test_chapter_01_shows_hooks_after_the_first_custom_module() -> None:
    nb = _notebook("01_layers_and_modules")
    assert _first(nb, "register_forward_hook") > _first(nb, "class MLP(nn.Module)")
    assert not any("lambda module, args, output" in cell.source for cell in nb.cells)
    heading = nb.cells[_first(nb, "## 1.10 ")].source
    assert "## 1.10 Hooks and the forward trace" in heading
    for words in ("three arguments", "the module", "as a tuple", "the output"):
        assert words in heading, words


def test_chapter_01_backs_each_hook_claim_with_an_output() -> None:
    nb = _notebook("01_layers_and_modules")
    assert "def record(module, args, output):" in nb.cells[_first(nb, "def record(")].source
    # the module, the inputs as a tuple of one tensor, the output's shape: one call, one record
    assert _output_of(nb, "handle = mlp.register_forward_hook(record)") == (
        "[('MLP', 'tuple', 1, (2, 10))]")
    # returning None keeps forward's output; calling forward directly skips the hook
    assert _output_of(nb, "torch.equal(Y, mlp.forward(X)), len(seen)") == "(True, 1)"
    # returning a value replaces the output (and the first hook ran again)
    assert _output_of(nb, "doubling = mlp.register_forward_hook(double)") == "(True, 2)"
    # after handle.remove() neither hook runs: the output is forward's and nothing is recorded
    removed = nb.cells[_first(nb, "handle.remove()")]
    assert "doubling.remove()" in removed.source
    assert _output_text(removed) == "(True, 2)"


# -- chapter 02: one tensor in two different modules ----------------------------------


def test_chapter_02_ties_a_tensor_between_two_modules_before_the_exercises() -> None:
    nb = _notebook("02_parameter_management")
    section = _first(nb, "## 2.8 One tensor in two different modules")
    assert section < _first(nb, "## Summary") < _first(nb, "### Exercise 3")
    shapes = _output_of(nb, "embedding.weight.shape, output.weight.shape")
    assert shapes == "(torch.Size([100, 16]), torch.Size([100, 16]))"
    assert _output_of(nb, "per_layer, sum(") == "([1600, 272, 0, 1700], 3572)"
    assert _output_of(nb, "output.weight = embedding.weight\n") == "(True, True)"
    assert _output_of(nb, "output.bias.shape") == "(torch.Size([100]), ['weight'])"
    assert _output_of(nb, "tied_count, per_module") == "(1972, 3572)"
    mismatch = _output_of(nb, "wrong = nn.Linear(V, d)")
    assert "its own weight: (16, 100)" in mismatch and "RuntimeError" in mismatch
    assert _output_of(nb, "untied_lm = copy.deepcopy(lm)") == "(True, False)"
    assert _output_of(nb, "torch.allclose(embedding.weight.grad, looked_up + scored)") == "True"
    assert _output_of(nb, "looked_up.abs().sum(dim=1)") == "(6, 100)"


def test_chapter_02_prose_states_the_numbers_its_outputs_print() -> None:
    nb = _notebook("02_parameter_management")
    prose = "\n".join(cell.source for cell in nb.cells[_first(nb, "## 2.8 "):
                                                      _first(nb, "## Summary")]
                      if cell.cell_type == "markdown")
    for figure in ("1,600", "272", "1,700", "3,572", "1,972", "`(V, d)`", "six words",
                   "all 100 rows"):
        assert figure in prose, figure


def test_chapter_02_exercise_3_still_asks_for_work() -> None:
    nb = _notebook("02_parameter_management")
    attempt = next(cell for _, cell, _ in _attempts(nb) if "def tied_names(" in cell.source)
    text = _output_text(attempt)
    assert "check_tied_names(tied_names): 1 check not met yet" in text
    assert "✗ finds the names that share a tensor in a language model" in text
    # the section before it never lists which names share a tensor
    before = "\n".join(_output_text(cell) for cell in nb.cells[:_first(nb, "### Exercise 3")])
    assert "0.weight', '3.weight" not in before


# -- exercises are not announced or answered in the prose before them -------------------


def _markdown_before(nb: nbformat.NotebookNode, fragment: str) -> list[str]:
    return [cell.source for cell in nb.cells[:_first(nb, fragment)]
            if cell.cell_type == "markdown"]


def test_chapter_01_prose_does_not_point_to_the_exercises_answers() -> None:
    nb = _notebook("01_layers_and_modules")
    before = _markdown_before(nb, "## Exercises")
    assert not any(re.search(r"[Ee]xercise \d", text) for text in before)
    statement = nb.cells[_first(nb, "### Exercise 1")].source
    assert "ModuleList" not in statement and "section 1.5" in statement
    # the attempt's stored output names what fails, so the prose does not ask for a guess
    assert "before you run it" not in nb.cells[_first(nb, "### Exercise 3")].source


def test_chapter_01_defines_the_dry_run_before_using_the_words() -> None:
    nb = _notebook("01_layers_and_modules")
    first_use = _first(nb, "dry run")
    assert first_use >= _first(nb, "## 1.9 "), nb.cells[first_use].source


def test_chapter_05_summary_and_exercises_have_cells_and_headings_of_their_own() -> None:
    nb = _notebook("05_custom_layers")
    for heading in ("## Summary", "## Exercises", "### Exercise 1: ", "### Exercise 2: "):
        cell = nb.cells[_first(nb, heading)]
        assert cell.cell_type == "markdown" and cell.source.startswith(heading), heading
    assert not any(re.match(r"\*\*\d+\.", cell.source) for cell in nb.cells)
    assert all(len(cell.source.splitlines()) <= 20 for cell in nb.cells
               if cell.cell_type == "markdown")


def test_chapter_05_first_exercise_leaves_forward_to_the_reader() -> None:
    nb = _notebook("05_custom_layers")
    attempt = next(cell for _, cell, _ in _attempts(nb) if "class TensorReduction(" in cell.source)
    assert "einsum" not in attempt.source and "NotImplementedError" in attempt.source
    assert "✗ forward on a (4, 3) batch raised NotImplementedError" in _output_text(attempt)
