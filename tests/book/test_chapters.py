"""What the stored chapters hold besides cell outputs: saved widget state, hidden solutions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.notebook_tools import chapter_id, every_chapter

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = every_chapter(ROOT)
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=chapter_id)
def test_every_displayed_widget_has_saved_state(chapter: Path) -> None:
    notebook = load(chapter)
    state = notebook["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    shown = [output["data"][WIDGET_VIEW]["model_id"]
             for cell in notebook["cells"] for output in cell.get("outputs", [])
             if WIDGET_VIEW in output.get("data", {})]
    for model_id in shown:
        assert model_id in state, f"{chapter.name}: widget {model_id} has no saved state"


def test_chapter_01_saved_state_shows_the_explorer_as_the_cells_leave_it() -> None:
    notebook = load(ROOT / "chapters" / "01_layers_and_modules.ipynb")
    state = notebook["metadata"]["widgets"][WIDGET_STATE]["state"]
    html = [m["state"].get("value", "") for m in state.values() if m["model_name"] == "HTMLModel"]
    module_text = [v for v in html if "Linear(in_features=20, out_features=8" in v]
    assert module_text and "Tanh()" in module_text[0]  # hidden_sizes (8, 8), relu then tanh
    assert any(">330<" in v for v in html)  # its parameter total
    assert any(v.startswith("<svg") and "polyline" in v for v in html)  # the response plot
    assert any("shared: the same module as tied.2" in v for v in html)  # the tied tree


@pytest.mark.parametrize("chapter", CHAPTERS, ids=chapter_id)
def test_solutions_are_folded(chapter: Path) -> None:
    for cell in load(chapter)["cells"]:
        if "solution" in cell.get("metadata", {}).get("tags", []):
            assert cell["metadata"]["jupyter"]["source_hidden"] is True


@pytest.mark.parametrize("chapter", CHAPTERS, ids=chapter_id)
def test_saved_state_holds_only_what_the_page_can_show(chapter: Path) -> None:
    """`make execute` prunes state of widgets never displayed (tests/notebook_tools.py)."""
    from tests.notebook_tools import displayed_models, reachable

    notebook = load(chapter)
    state = notebook["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    unshown = set(state) - reachable(state, displayed_models(notebook))
    assert not unshown, (f"{chapter.name}: {len(unshown)} widget models are never displayed; "
                         f"run `make execute NB={chapter.relative_to(ROOT)}`")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=chapter_id)
def test_every_code_cell_is_stored_as_run_top_to_bottom(chapter: Path) -> None:
    """nbval compares outputs with the stored ones; a chapter stored unrun would pass vacuously."""
    cells = [cell for cell in load(chapter)["cells"] if cell["cell_type"] == "code"]
    assert [cell.get("execution_count") for cell in cells] == list(range(1, len(cells) + 1))
    assert sum(bool(cell.get("outputs")) for cell in cells) >= len(cells) // 2, "few outputs"
