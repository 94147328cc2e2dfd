"""Find reader-visible strings written inline in the package, instead of asked for by id.

A string counts as reader-visible when, outside docstrings, it holds words a
reader would read: two words of letters with a space between them once HTML
tags, entities and ``{placeholders}`` are removed; or any letters at all when
it is a widget's label (``description=``, ``tooltip=``, an ``ipw.Label`` or
``ipw.HTML`` text). Code the package prints on purpose (the playground's
script) carries ``# code`` at the end of its line.

Run ``python -m tests.text.inline [paths]`` to list what is left in some files.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "widgets"
#: Keyword arguments of ipywidgets whose value the reader reads.
LABEL_KEYWORDS = {"description", "tooltip", "tooltips", "placeholder", "button_style_text",
                  "title", "label"}
#: Widgets whose first argument is text for the reader.
TEXT_WIDGETS = {"Label", "HTML", "HTMLMath"}
#: Keyword arguments whose value is CSS or a widget option, never text.
CSS_KEYWORDS = {"flex_flow", "display", "align_items", "justify_content", "margin", "padding",
                "border", "width", "height", "min_width", "max_width", "overflow", "grid_area",
                "grid_template_columns", "grid_template_areas", "font_family", "icon",
                "button_style", "bar_style", "orientation", "layout", "style", "names", "kind"}
WORDS = re.compile(r"[^\W\d_]{2,}[ \t\n]+[(\"'“]?[^\W\d_]{2,}")
LETTERS = re.compile(r"[^\W\d_]")
TAG = re.compile(r"<[^>]*>|&\w+;|&#\d+;|\{[^{}]*\}")
MARKER = "# code"


@dataclass(frozen=True)
class Inline:
    """One inline string: where it is and what it says."""

    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text[:90]!r}"


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
        # an attribute docstring: a string statement right after an assignment
        if hasattr(node, "body") and isinstance(node.body, list):
            for before, after in zip(node.body, node.body[1:]):
                if (isinstance(before, (ast.Assign, ast.AnnAssign)) and isinstance(after, ast.Expr)
                        and isinstance(after.value, ast.Constant)):
                    found.add(id(after.value))
    return found


def _text_of(node: ast.AST) -> str | None:
    """The literal text of a string constant or the literal parts of an f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}"
                       for part in node.values)
    return None


def _is_prose(text: str) -> bool:
    return bool(WORDS.search(TAG.sub(" ", text)))


def inline_strings(path: Path) -> Iterator[Inline]:
    """Every reader-visible string written inline in the module at ``path``."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    docs = _docstrings(tree)
    seen: set[int] = set()
    where = path.relative_to(ROOT).as_posix()

    def marked(node: ast.AST) -> bool:
        last = getattr(node, "end_lineno", node.lineno)
        return any(lines[i - 1].rstrip().endswith(MARKER) for i in range(node.lineno, last + 1))

    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for part in node.values:
                seen.add(id(part))
        if isinstance(node, ast.keyword) and node.arg in CSS_KEYWORDS:
            seen.add(id(node.value))
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            candidates = [kw.value for kw in node.keywords if kw.arg in LABEL_KEYWORDS]
            if name in TEXT_WIDGETS and node.args:
                candidates.append(node.args[0])
            for value in candidates:
                elements = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
                for element in elements:
                    text = _text_of(element)
                    if text and LETTERS.search(TAG.sub(" ", text)) and not marked(element):
                        seen.add(id(element))
                        yield Inline(where, element.lineno, text)
    for node in ast.walk(tree):
        if id(node) in docs or id(node) in seen:
            continue
        text = _text_of(node)
        if text is None or not _is_prose(text) or marked(node):
            continue
        if isinstance(node, ast.JoinedStr):
            for part in node.values:
                seen.add(id(part))
        yield Inline(where, node.lineno, text)


def package_modules() -> list[Path]:
    """The package's modules whose strings must come from the catalogue."""
    return sorted(path for path in PACKAGE.rglob("*.py") if "text" not in path.parts[-2:-1])


def main(arguments: list[str]) -> int:
    paths = [Path(a).resolve() for a in arguments] or package_modules()
    found = [item for path in paths for item in inline_strings(path)]
    for item in found:
        print(item)
    print(f"{len(found)} inline strings in {len(paths)} modules")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
