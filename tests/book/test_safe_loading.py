"""Every ``torch.load`` in the project passes ``weights_only=True``.

The scan parses every ``.py`` file under ``widgets/`` and ``tests/`` and every
code cell of every chapter with :mod:`ast`, so a call split over lines, written
through an alias (``import torch as th``, ``from torch import load``) or hidden
among IPython ``%magic``/``!shell`` lines is still found. A call passes only with
the literal keyword ``weights_only=True``.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.notebook_tools import every_chapter

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = every_chapter(ROOT)
SKIPPED_DIRS = {".ipynb_checkpoints", "__pycache__", "artifacts"}

# An IPython line that is not Python: %magic, !shell, `x = !cmd`, `obj?` help.
_IPYTHON_LINE = re.compile(r"^\s*([%!]|\w+\s*=\s*[%!]|[\w.]+\?\??\s*$)")
# Cell magics whose body is Python: the body is scanned like any cell.
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
# A call written inside IPython syntax (`%time torch.load(p)`), found by its text.
_TEXT_CALL = re.compile(r"\btorch(\.serialization)?\.load\s*\(")


@dataclass(frozen=True)
class LoadCall:
    """One ``torch.load`` call found by the scan."""

    where: str  # "path:line" or "path code cell N:line"
    safe: bool


def python_source(cell_source: str) -> tuple[str, list[tuple[int, str]]]:
    """A notebook cell as plain Python, and the lines that are not Python.

    IPython-only lines become ``pass`` at the same indentation, so line numbers
    and blocks stay as they were; they are returned with their line numbers, so
    a call written inside a magic (``%time torch.load(p)``) is still checked by
    its text. The body of a cell magic is Python for ``%%time`` and its kin and
    text for every other (``%%bash``, ...).
    """
    lines = cell_source.splitlines()
    magic = re.match(r"\s*%%(\w+)", lines[0]) if lines else None
    if magic and magic.group(1) not in _PYTHON_CELL_MAGICS:
        return "", list(enumerate(lines, 1))
    kept, other = [], []
    for number, line in enumerate(lines, 1):
        if _IPYTHON_LINE.search(line):
            other.append((number, line))
            line = line[: len(line) - len(line.lstrip())] + "pass"
        kept.append(line)
    return "\n".join(kept), other


def _torch_names(tree: ast.AST) -> tuple[set[str], set[str]]:
    """Names bound to the torch module (or torch.serialization) and to torch.load itself."""
    modules, loads = {"torch"}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in ("torch", "torch.serialization") and alias.asname:
                    modules.add(alias.asname)
        elif isinstance(node, ast.ImportFrom) and node.module in ("torch", "torch.serialization"):
            for alias in node.names:
                if alias.name == "load":
                    loads.add(alias.asname or "load")
                elif alias.name == "serialization":
                    modules.add(alias.asname or "serialization")
    return modules, loads


def _is_torch_load(func: ast.expr, modules: set[str], loads: set[str]) -> bool:
    if isinstance(func, ast.Name):
        return func.id in loads
    if not (isinstance(func, ast.Attribute) and func.attr == "load"):
        return False
    base = func.value
    if isinstance(base, ast.Attribute) and base.attr == "serialization":  # torch.serialization
        base = base.value
    return isinstance(base, ast.Name) and base.id in modules


def _passes_weights_only(call: ast.Call) -> bool:
    return any(keyword.arg == "weights_only" and isinstance(keyword.value, ast.Constant)
               and keyword.value.value is True for keyword in call.keywords)


def scan_source(source: str, where: str) -> list[LoadCall]:
    """Every ``torch.load`` call in ``source``; ``where`` prefixes each location."""
    tree = ast.parse(source)
    modules, loads = _torch_names(tree)
    return [LoadCall(f"{where}:{node.lineno}", _passes_weights_only(node))
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and _is_torch_load(node.func, modules, loads)]


def scan_notebook(path: Path) -> list[LoadCall]:
    """Every ``torch.load`` call in the code cells of a notebook."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    label = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
    found = []
    code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    for number, cell in enumerate(code_cells, 1):
        text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        source, other = python_source(text)
        where = f"{label} code cell {number}"
        found += scan_source(source, where)
        found += [LoadCall(f"{where}:{line_number}", "weights_only=True" in line)
                  for line_number, line in other if _TEXT_CALL.search(line)]
    return found


def python_files() -> list[Path]:
    return sorted(path for folder in ("widgets", "tests") for path in (ROOT / folder).rglob("*.py")
                  if not SKIPPED_DIRS & set(path.relative_to(ROOT).parts))


def scan_project() -> list[LoadCall]:
    found = []
    for path in python_files():
        found += scan_source(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    for path in CHAPTERS:
        found += scan_notebook(path)
    return found


# -- the project ----------------------------------------------------------------------


def test_every_torch_load_in_the_project_is_weights_only() -> None:
    calls = scan_project()
    offenders = [call.where for call in calls if not call.safe]
    assert not offenders, "torch.load without weights_only=True at:\n" + "\n".join(offenders)


def test_the_scan_reaches_the_package_the_tests_and_the_chapters() -> None:
    calls = scan_project()
    where = [call.where for call in calls]
    assert any(w.startswith("widgets/core/file_io.py:") for w in where)
    assert any(w.startswith("tests/core/test_file_io.py:") for w in where)
    chapter_06 = [w for w in where if w.startswith("chapters/06_file_io.ipynb code cell")]
    assert len(chapter_06) >= 5, chapter_06
    assert ROOT / "widgets" / "exercises" / "file_io.py" in python_files()


def widening_calls(source: str, where: str) -> list[str]:
    """Every call of ``add_safe_globals`` in ``source``: it allows classes for the whole session."""
    return [f"{where}:{node.lineno}" for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and "add_safe_globals" in (
                getattr(node.func, "attr", None), getattr(node.func, "id", None))]


def test_classes_are_allowed_only_for_one_load() -> None:
    """The scoped ``safe_globals`` context manager, never the session-wide ``add_safe_globals``."""
    found = []
    for path in python_files():
        found += widening_calls(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    for chapter in CHAPTERS:
        notebook = json.loads(chapter.read_text(encoding="utf-8"))
        for number, cell in enumerate(notebook["cells"], 1):
            if cell["cell_type"] == "code":
                text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell[
                    "source"]
                found += widening_calls(python_source(text)[0], f"{chapter.name} cell {number}")
    assert not found, "add_safe_globals called at:\n" + "\n".join(found)
    assert widening_calls("import torch\ntorch.serialization.add_safe_globals([A])", "x") == [
        "x:2"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_cell_parses(chapter: Path) -> None:
    """A cell the scan cannot parse would hide its calls; none may be skipped silently."""
    scan_notebook(chapter)  # raises SyntaxError naming the cell's line if one does not parse


# -- the scanner itself ---------------------------------------------------------------


@pytest.mark.parametrize(("source", "safe"), [
    ("import torch\ntorch.load(path, weights_only=True)", [True]),
    ("import torch\ntorch.load(path)", [False]),
    ("import torch\ntorch.load(path, weights_only=False)", [False]),
    ("import torch\ntorch.load(path, weights_only=flag)", [False]),
    ("import torch\ntorch.load(path, **options)", [False]),
    ("import torch\ntorch.load(\n    path,\n    map_location='cpu',\n)", [False]),
    ("import torch as th\nth.load(path)", [False]),
    ("from torch import load\nload(path)", [False]),
    ("from torch import load as read\nread(path, weights_only=True)", [True]),
    ("import torch\ntorch.serialization.load(path)", [False]),
    ("import torch\nf(torch.load(a, weights_only=True), torch.load(b))", [True, False]),
    ("import pickle, json\npickle.load(f), json.load(f), np.load(f)", []),
    ("text = 'torch.load(path)'  # a string, not a call", []),
    ("import torch\ntorch.load(path)  # why not?", [False]),
    ("import torch\ntorch.load(p, map_location=torch.device('cpu'), weights_only=True)", [True]),
    ("import torch\nwith torch.serialization.safe_globals([MLP]):\n"
     "    torch.load(p, weights_only=True)", [True]),
    ("import safetensors.torch\nsafetensors.torch.load_file(p)", []),  # cannot carry code
    ("import torch\ntorch.export.load(p)", []),  # a program, not torch.load's pickle
])
def test_scan_finds_each_call(source: str, safe: list[bool]) -> None:
    assert sorted(call.safe for call in scan_source(source, "x")) == sorted(safe)


def test_scan_reports_the_line() -> None:
    calls = scan_source("import torch\n\nx = 1\ntorch.load(p)\n", "demo.py")
    assert calls == [LoadCall("demo.py:4", False)]


def test_ipython_lines_become_pass_and_are_checked_by_their_text(tmp_path: Path) -> None:
    cell = "%matplotlib inline\n!ls\nfiles = !ls\nimport torch\nif True:\n    %time f()\nnet?"
    source, other = python_source(cell)
    assert source.splitlines() == ["pass", "pass", "pass", "import torch", "if True:",
                                   "    pass", "pass"]
    assert [number for number, _ in other] == [1, 2, 3, 6, 7]
    assert python_source("%%bash\necho hi") == ("", [(1, "%%bash"), (2, "echo hi")])
    assert python_source("%%time\nx = 1")[0] == "pass\nx = 1"
    cells = ["%load_ext autoreload\nimport torch\nstate = torch.load(p)",
             "%time state = torch.load(p)\n%time torch.load(p, weights_only=True)",
             "%%time\nimport torch\ntorch.load(p, weights_only=True)",
             "%%bash\npython -c 'import torch; torch.load(p)'"]
    notebook = {"cells": [{"cell_type": "markdown", "source": "torch.load(x)"}]
                + [{"cell_type": "code", "source": cell} for cell in cells],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "demo.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    assert sorted(scan_notebook(path), key=lambda call: call.where) == [
        LoadCall("demo.ipynb code cell 1:3", False),
        LoadCall("demo.ipynb code cell 2:1", False),
        LoadCall("demo.ipynb code cell 2:2", True),
        LoadCall("demo.ipynb code cell 3:3", True),
        LoadCall("demo.ipynb code cell 4:2", False),
    ]
