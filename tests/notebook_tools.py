"""Authoring helper: keep only the widget state a stored chapter can show.

A run of a chapter records the state of every widget the kernel created,
including widgets that were built but never displayed (a copy saved to a file,
a helper explorer). Those cannot be drawn by anyone reading the stored page, and
they can make up most of a notebook's size. ``prune`` keeps exactly the models
reachable from the widget outputs in the cells (their children, layouts and
styles) and drops the rest.

Run: python -m tests.notebook_tools prune chapters/*.ipynb chapters/zh/*.ipynb
(`make execute` does)
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import nbformat

#: The editions: English in chapters/, Chinese in chapters/zh/ (same file names).
EDITIONS = ("", "zh")
#: Chapters in other frameworks (JAX, TensorFlow, MXNet), in English: chapters/frameworks/.
FRAMEWORKS = "frameworks"


def every_chapter(root: Path) -> list[Path]:
    """Every chapter: the English ones, the Chinese ones, then those in other frameworks."""
    return [path for folder in (*EDITIONS, FRAMEWORKS)
            for path in sorted((root / "chapters" / folder).glob("[0-9][0-9]_*.ipynb"))]


def edition_language(path: Path) -> str:
    """The language a chapter is written in: "zh" in chapters/zh/, else "en"."""
    return "zh" if path.parent.name == "zh" else "en"


def chapter_id(path: Path) -> str:
    """A test id for a chapter: its stem, after "zh-" for the Chinese edition."""
    return f"zh-{path.stem}" if path.parent.name == "zh" else path.stem


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
REFERENCE = re.compile(r"IPY_MODEL_([0-9a-f]{32})")


def displayed_models(notebook: dict) -> list[str]:
    """Model ids of the widget views stored in the cells' outputs."""
    return [output["data"][WIDGET_VIEW]["model_id"]
            for cell in notebook["cells"] if cell["cell_type"] == "code"
            for output in cell.get("outputs", []) if WIDGET_VIEW in output.get("data", {})]


def reachable(state: dict, roots: list[str]) -> set[str]:
    """Every model id reachable from ``roots`` through ``IPY_MODEL_`` references."""
    seen: set[str] = set()
    pending = [r for r in roots if r in state]
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        pending.extend(m for m in REFERENCE.findall(json.dumps(state[model]["state"]))
                       if m in state and m not in seen)
    return seen


def prune(path: Path) -> tuple[int, int]:
    """Drop unreachable widget models from ``path`` in place; returns (kept, dropped)."""
    notebook = nbformat.read(path, as_version=4)
    widgets = notebook.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE)
    if not widgets:
        return 0, 0
    state = widgets["state"]
    keep = reachable(state, displayed_models(notebook))
    dropped = len(state) - len(keep)
    if dropped:
        widgets["state"] = {k: v for k, v in state.items() if k in keep}
        nbformat.write(notebook, path)
    return len(keep), dropped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["prune"])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args()
    for path in args.notebooks:
        kept, dropped = prune(path)
        print(f"{path}: kept {kept} widget models, dropped {dropped} never displayed")


if __name__ == "__main__":
    main()
