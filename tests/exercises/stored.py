"""Reading a stored chapter as a reader sees it: its cells, their text and outputs,
which are folded, and the cells of each exercise."""

from __future__ import annotations

import json
import re
from pathlib import Path

CHAPTERS = Path(__file__).resolve().parents[2] / "chapters"


def cells(path: Path) -> list[dict]:
    """The cells of the stored notebook at ``path``."""
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def text(cell: dict) -> str:
    """A cell's source as one string."""
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def outputs(cell: dict) -> str:
    """Every text a cell stored (streams and plain-text results), one per line."""
    parts = []
    for output in cell.get("outputs", []):
        if "text" in output:
            parts.append("".join(output["text"]))
        plain = output.get("data", {}).get("text/plain")
        if plain:
            parts.append("".join(plain))
    return "\n".join(parts)


def hidden(cell: dict) -> bool:
    """A solution or its explanation: folded in the stored notebook."""
    return "solution" in cell["metadata"].get("tags", [])


def exercises(path: Path) -> dict[int, list[dict]]:
    """The cells of each exercise, from its '### Exercise N' heading to the next heading."""
    found: dict[int, list[dict]] = {}
    current = None
    for cell in cells(path):
        if cell["cell_type"] == "markdown":
            heading = re.search(r"^### Exercise (\d+)", text(cell), re.MULTILINE)
            if heading:
                current = int(heading.group(1))
            elif text(cell).lstrip().startswith("#"):
                current = None
        if current is not None:
            found.setdefault(current, []).append(cell)
    return found
