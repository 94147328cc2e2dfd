"""Each widget a chapter displays is displayed once, and its saved state is in the notebook.

A widget object shows its latest state in every place it is displayed, so a
second display of the same object cannot show a different moment of the story:
where the text needs an earlier state, a chapter displays a ``snapshot()`` or a
separate widget (DESIGN.md, "Honest beside the prose"). The stored notebooks are
read with nbformat; no kernel runs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import nbformat
import pytest

from tests.notebook_tools import chapter_id, every_chapter

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = every_chapter(ROOT)
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def cell_label(index: int, cell: nbformat.NotebookNode) -> str:
    """How a failure names a cell: its position, its id when it has one, its first line."""
    first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    cell_id = f" (id {cell.id})" if cell.get("id") else ""
    return f"cell {index}{cell_id}: {first[:60]!r}"


def displayed_views(notebook: nbformat.NotebookNode) -> dict[str, list[str]]:
    """Model id -> the cells whose outputs display it, once per output."""
    shown: dict[str, list[str]] = defaultdict(list)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is not None:
                shown[view["model_id"]].append(cell_label(index, cell))
    return shown


@pytest.fixture(params=CHAPTERS, ids=chapter_id)
def chapter(request: pytest.FixtureRequest) -> tuple[str, nbformat.NotebookNode]:
    path: Path = request.param
    return path.name, nbformat.read(path, as_version=4)


def test_chapters_are_found() -> None:
    assert CHAPTERS, "no chapters/NN_*.ipynb found"


def test_each_widget_is_displayed_once(chapter: tuple[str, nbformat.NotebookNode]) -> None:
    name, notebook = chapter
    repeated = {model: cells for model, cells in displayed_views(notebook).items()
                if len(cells) > 1}
    lines = [f"  widget {model} is displayed {len(cells)} times, in " + "; ".join(cells)
             for model, cells in repeated.items()]
    assert not repeated, (f"{name}: a widget object shows only its latest state, so each is "
                          "displayed once; display a snapshot() or a separate widget where "
                          "the text needs another moment:\n" + "\n".join(lines))


def test_each_displayed_widget_has_saved_state(
        chapter: tuple[str, nbformat.NotebookNode]) -> None:
    name, notebook = chapter
    state = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    missing = {model: cells for model, cells in displayed_views(notebook).items()
               if model not in state}
    lines = [f"  widget {model}, displayed in " + "; ".join(cells)
             for model, cells in missing.items()]
    assert not missing, (f"{name}: the saved widget state lacks {len(missing)} displayed "
                         "widget(s), which a stored page cannot draw; re-execute the chapter "
                         "and prune it (tests/notebook_tools.py):\n" + "\n".join(lines))


#: Longest first line of a folded cell: JupyterLab shows it, unwrapped, in the fold's
#: placeholder, and a longer one makes the whole chapter scroll sideways in a
#: 1024-pixel window with the file browser open.
FOLDED_FIRST_LINE = 56


@pytest.mark.parametrize("notebook", CHAPTERS, ids=chapter_id)
def test_folded_cells_fit_a_narrow_window(notebook: Path) -> None:
    nb = nbformat.read(notebook, as_version=4)
    long = [(i, cell.source.split("\n")[0]) for i, cell in enumerate(nb.cells)
            if cell.metadata.get("jupyter", {}).get("source_hidden")
            and len(cell.source.split("\n")[0]) > FOLDED_FIRST_LINE]
    assert long == [], f"{notebook.name}: folded cells whose first line is too long: {long}"


def _folded(cell) -> dict:
    return cell.metadata.get("jupyter", {})


@pytest.mark.parametrize("notebook", CHAPTERS, ids=chapter_id)
def test_solutions_and_their_explanations_are_folded(notebook: Path) -> None:
    """A solution's code, its output and the explanation after it stay folded in the
    stored notebook, so a reader sees no answer before trying; the next exercise does not."""
    nb = nbformat.read(notebook, as_version=4)
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "solution" not in cell.metadata.get("tags", []):
            continue
        if not (_folded(cell).get("source_hidden") and _folded(cell).get("outputs_hidden")):
            problems.append(f"cell {i}: a solution with its code or output showing")
        after = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
        if after is None or after.cell_type != "markdown" or after.source.lstrip().startswith("#"):
            continue
        if not (_folded(after).get("source_hidden") and "solution" in after.metadata.get(
                "tags", [])):
            problems.append(f"cell {i + 1}: the explanation after a solution is not folded")
        if any(re.match(r"\s*(\*\*\d+\.|#+ |\*\*Exercise)", paragraph)
               for paragraph in after.source.split("\n\n")):
            problems.append(f"cell {i + 1}: a folded explanation hides the next exercise")
    assert problems == [], f"{notebook.name}: {problems}"
