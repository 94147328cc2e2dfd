"""The Chinese edition (chapters/zh/) kept in step with the English one.

Each English chapter has a Chinese one with the same file name and the same cells
(same ids, same kinds, in the same order), plus one code cell that switches the
widgets to Chinese. Code is the same once comments (translated) are taken out, and
every code cell prints the same numbers (the words around them may be Chinese, in
another order). The prose is the translators' and reviewers' business; the glossary
(chapters/zh/GLOSSARY.md) names the terms both follow.
"""

from __future__ import annotations

import io
import json
import re
import tokenize
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGLISH = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
CHINESE = ROOT / "chapters" / "zh"
LANGUAGE_CELL = ("zh-language", 'import widgets\n\nwidgets.set_language("zh")')
#: Outputs whose numbers change from run to run (timings): nbval ignores them too.
IGNORED = "NBVAL_IGNORE_OUTPUT"


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def without_comments(code: str) -> str:
    """The code with its comments taken out and trailing spaces dropped; comment-only
    lines go, so a comment translated into more or fewer lines changes nothing."""
    lines = code.splitlines()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return "\n".join(line.rstrip() for line in lines)
    for token in reversed([t for t in tokens if t.type == tokenize.COMMENT]):
        row, col = token.start
        if token.string.startswith("# NBVAL"):
            continue  # a marker nbval reads: the same in both
        lines[row - 1] = lines[row - 1][:col]
    return "\n".join(line.rstrip() for line in lines if line.strip())


def numbers(cell: dict) -> Counter[str]:
    """Every number a code cell prints (text and streams), however the words run."""
    text = []
    for out in cell.get("outputs", []):
        text.append("".join(out.get("text", "")))
        text.append("".join(out.get("data", {}).get("text/plain", "")))
    return Counter(re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", " ".join(text)))


@pytest.mark.parametrize("english", ENGLISH, ids=lambda p: p.stem)
def test_every_chapter_has_a_chinese_edition_with_the_same_cells(english: Path) -> None:
    chinese = CHINESE / english.name
    assert chinese.exists(), f"no Chinese edition of {english.name}"
    theirs = [c for c in cells(chinese) if c["id"] != LANGUAGE_CELL[0]]
    assert [(c["id"], c["cell_type"]) for c in theirs] == [
        (c["id"], c["cell_type"]) for c in cells(english)]
    language = [c for c in cells(chinese) if c["id"] == LANGUAGE_CELL[0]]
    assert len(language) == 1 and source(language[0]).strip() == LANGUAGE_CELL[1]


@pytest.mark.parametrize("english", ENGLISH, ids=lambda p: p.stem)
def test_the_code_is_the_same_but_for_comments(english: Path) -> None:
    chinese = {c["id"]: c for c in cells(CHINESE / english.name)}
    different = [c["id"] for c in cells(english) if c["cell_type"] == "code"
                 and without_comments(source(c)) != without_comments(source(chinese[c["id"]]))]
    assert different == []


@pytest.mark.parametrize("english", ENGLISH, ids=lambda p: p.stem)
def test_every_code_cell_prints_the_same_numbers(english: Path) -> None:
    chinese = {c["id"]: c for c in cells(CHINESE / english.name)}
    different = [c["id"] for c in cells(english) if c["cell_type"] == "code"
                 and IGNORED not in source(c) and numbers(c) != numbers(chinese[c["id"]])]
    assert different == []


def test_the_comparison_sees_code_and_ignores_comments() -> None:
    assert without_comments("x = 1  # one\n# a line\ny = '#'\n") == "x = 1\ny = '#'"
    assert without_comments("x = 1  # 一\n") == without_comments("x = 1  # one\n# two\n")
    assert without_comments("x = 2\n") != without_comments("x = 1\n")
    printed = {"outputs": [{"text": ["loss 0.25 after 3 epochs\n"]}]}
    reordered = {"outputs": [{"text": ["3 个轮次后损失为 0.25\n"]}]}
    assert numbers(printed) == numbers(reordered) != numbers({"outputs": []})


def test_the_glossary_is_there_and_names_the_core_terms() -> None:
    glossary = (CHINESE / "GLOSSARY.md").read_text(encoding="utf-8")
    for term in ("| block | 块", "| layer | 层", "| parameter | 参数",
                 "| deferred / lazy initialization | 延后初始化"):
        assert term in glossary
