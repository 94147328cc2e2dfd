"""What the stored chapters 3 and 4 say and show around their exercises.

Attempt cells and the markdown a reader sees before opening a solution must not give the
answer; the sections the text points to must exist and show what it says they show; each
topic is taught in one chapter.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.exercises.stored import CHAPTERS, cells, exercises, hidden, outputs, text
from widgets.exercises.parameter_initialization import TANH_STACK, check_tanh_scale

CH3 = CHAPTERS / "03_parameter_initialization.ipynb"
CH4 = CHAPTERS / "04_lazy_initialization.ipynb"












def seen_before_the_solution(cell_list: list[dict]) -> tuple[list[str], list[str]]:
    """(visible markdown, attempt code and its stored output) of one exercise."""
    prose = [text(c) for c in cell_list if c["cell_type"] == "markdown" and not hidden(c)]
    attempts = [text(c) + "\n" + outputs(c) for c in cell_list
                if c["cell_type"] == "code" and not hidden(c)]
    return prose, attempts


# What each exercise's answer looks like: none of it may show before the folded solution.
ANSWERS = {
    (CH3, 1): [r"isinstance"],
    (CH3, 2): [r"1\s*/\s*32", r"0\.031", r"0\.0375", r"1\.2\s*/", r"\\sigma\s*=\s*1/32"],
    (CH3, 3): [r"√\(2/", r"0\.354", r"\(2 / module"],
    (CH4, 1): [r"1,?344", r"3,?754", r"nn\.Linear\(20, 64\)"],
    (CH4, 2): [r"'2'", r"\b32\b.*(input|feature)", r"only the 64", r"gets 64"],
    (CH4, 3): [r"torch\.(zeros|rand|randn)\(", r"1,?002", r"1,?562", r"\b404\b"],
}


@pytest.mark.parametrize(("path", "number"), list(ANSWERS), ids=lambda v: getattr(v, "stem", v))
def test_no_answer_before_the_solution(path: Path, number: int) -> None:
    prose, attempts = seen_before_the_solution(exercises(path)[number])
    statement, *notes = prose
    for pattern in ANSWERS[path, number]:
        for shown in attempts + notes:
            assert not re.search(pattern, shown), (path.name, number, pattern, shown)
    if (path, number) != (CH4, 1):  # exercise 4.1's statement names the first layer's sizes
        assert not any(re.search(p, statement) for p in ANSWERS[path, number][1:])


def test_sigma_of_exercise_3_2_is_only_in_the_folded_explanation() -> None:
    visible = [text(c) for c in cells(CH3) if c["cell_type"] == "markdown" and not hidden(c)]
    # (section 3.1 prints 0.031 as the default bound for 1024 inputs: a fact, not the answer)
    assert not any(re.search(r"1\s*/\s*32|0\.0375|sigma\s*=\s*0\.03", t) for t in visible)
    folded = [text(c) for c in exercises(CH3)[2] if hidden(c) and c["cell_type"] == "markdown"]
    assert any("1/32" in t for t in folded)  # the explanation is still there, folded
    for cell in cells(CH3) + cells(CH4):
        if hidden(cell):
            assert cell["metadata"]["jupyter"]["source_hidden"] is True
            if cell["cell_type"] == "code":
                assert cell["metadata"]["jupyter"]["outputs_hidden"] is True


def test_prediction_templates_start_empty() -> None:
    attempts = {n: [text(c) for c in cs if c["cell_type"] == "code" and not hidden(c)]
                for n, cs in exercises(CH4).items()}
    assert any("known_before=None, known_after=None" in a for a in attempts[1])
    assert any("layer=None, expects=None, gets=None" in a for a in attempts[2])


def sections(path: Path) -> dict[str, str]:
    """'3.1' -> the markdown and code of that section, up to the next '## ' heading."""
    found: dict[str, str] = {}
    current = None
    for cell in cells(path):
        for line in text(cell).splitlines():
            heading = re.match(r"## (\d+\.\d+) ", line)
            if heading:
                current = heading.group(1)
            elif line.startswith("## "):
                current = None
            if current:
                found[current] = found.get(current, "") + line + "\n"
        if current and cell["cell_type"] == "code":
            found[current] += outputs(cell) + "\n"
    return found


@pytest.mark.parametrize("path", [CH3, CH4], ids=lambda p: p.stem)
def test_sections_are_numbered_in_order_and_references_exist(path: Path) -> None:
    chapter = path.name[1]
    numbers = list(sections(path))
    assert numbers == [f"{chapter}.{i}" for i in range(1, len(numbers) + 1)]
    for cell in cells(path):
        for ref in re.findall(rf"[Ss]ections? ({chapter}\.\d+)", text(cell)):
            assert ref in numbers, (path.name, ref)


def test_chapter_3_leaves_lazy_layers_to_chapter_4() -> None:
    body = [c for c in cells(CH3)[:next(i for i, c in enumerate(cells(CH3))
                                        if text(c).startswith("## Summary"))]]
    assert not any("Lazy" in text(c) for c in body if c["cell_type"] == "code")
    assert not any(re.search(r"^## .*[Ll]azy", text(c), re.MULTILINE) for c in body)
    pointer = [text(c) for c in body if "LazyLinear" in text(c)]
    assert len(pointer) == 1 and "Chapter 4" in pointer[0]
    opening = text(cells(CH4)[0])
    assert "never said" not in opening and "chapter 3" in opening


def test_chapter_3_shows_what_tanh_gain_does() -> None:
    explorer = sections(CH3)["3.5"]
    assert "lab.scales = 5 / 3" in explorer
    assert ("signal steady: std 0.76 at layer 1, 0.65 at layer 50; gradient grows: std at "
            "layer 1 is 99.5 times layer 50") in explorer
    assert "[(2.1, 1.09), (5.6, 1.09), (99.5, 1.1)]" in explorer
    for claim in ("0.76 at layer 1 to 0.65", "2.1-fold over 10 layers, 5.6-fold over 20, "
                  "99.5-fold over 50", "Exercise 2"):
        assert claim in " ".join(explorer.split()), claim
    gains = sections(CH3)["3.2"]
    assert 'calculate_gain("tanh")' in gains and "Section 3.5" in gains


def test_exercise_3_2_says_why_tanh_gain_fails() -> None:
    """The prose recommends the gain for shallow stacks; the check refuses it at 50 layers
    and names the section that shows why."""
    report = repr(check_tanh_scale(5 / 3 / TANH_STACK["width"] ** 0.5))
    assert "1 check not met yet" in report
    assert "carries tanh's gain 5/3" in " ".join(report.split())
    assert "section 3.5" in " ".join(report.split())
    statement = text(exercises(CH3)[2][0])
    assert "gain 5/3" in statement and "section 3.5" in " ".join(statement.split())


def test_chapter_4_shares_a_trunk_across_input_widths() -> None:
    varies = " ".join(sections(CH4)["4.5"].split())  # pretty-printed outputs wrap
    assert "nn.ModuleDict" in varies
    assert ("({'inputs[8]': 2304, 'inputs[20]': 5376, 'trunk': 2570}, 10250, "
            "{8: 4874, 20: 7946})") in varies
    assert "(True, torch.Size([256, 8]), torch.Size([256, 20]))" in varies
    for claim in ("2,304 + 5,376 + 2,570 = 10,250", "4,874 + 7,946 = 12,820"):
        assert claim in varies
    assert "(torch.Size([2, 10]), torch.Size([3, 10]))" in varies
    assert "mat1 and mat2 shapes cannot be multiplied (2x8 and 20x256)" in varies


def test_chapter_3_summary_names_the_stack_behind_its_gradient_figures() -> None:
    summary = next(text(c) for c in cells(CH3) if text(c).startswith("## Summary"))
    assert "in the 256-wide stack of section 3.5 the gradient then grows about 1.1-fold" in (
        " ".join(summary.split()))


def test_chapter_4_pools_a_batch_with_a_channel_dimension() -> None:
    varies = " ".join(sections(CH4)["4.5"].split())
    assert "unsqueeze(1)" in varies and "(batch, channels, length)" in varies
    assert ("([(2, 1, 16), (2, 1, 16), (2, 1, 16)], torch.Size([2, 16]), tensor([[[0., 0., "
            "1., 1.,") in varies
    assert "pool(torch.rand(2, width))" not in varies  # a 2-D input reads as (channels, length)
