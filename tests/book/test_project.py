"""The project's promises about itself: README links, pinned environment, lint, layout."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.notebook_tools import every_chapter

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
BINDER = "https://mybinder.org/v2/gh/layerlab/layerlab/HEAD?urlpath=lab/tree/chapters/{}"


def test_there_are_chapters() -> None:
    assert CHAPTERS, "no chapters found"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_readme_links_every_chapter_to_binder(chapter: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    assert f"](chapters/{chapter.name})" in readme
    assert BINDER.format(chapter.name) in readme



@pytest.mark.parametrize("chapter", sorted((ROOT / "chapters" / "frameworks").glob("*.ipynb")),
                         ids=lambda p: p.stem)
def test_readme_links_every_other_framework_chapter_to_binder(chapter: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    assert f"](chapters/frameworks/{chapter.name})" in readme
    assert BINDER.format(f"frameworks/{chapter.name}") in readme


def test_there_are_chapters_in_three_other_frameworks() -> None:
    found = sorted(p.stem for p in (ROOT / "chapters" / "frameworks").glob("*.ipynb"))
    assert found == [f"01_layers_and_modules_{name}" for name in ("jax", "mxnet", "tensorflow")]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_the_chinese_readme_links_every_chinese_chapter_to_binder(chapter: Path) -> None:
    readme = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    assert f"](chapters/zh/{chapter.name})" in readme
    assert BINDER.format(f"zh/{chapter.name}") in readme
    assert (ROOT / "chapters" / "zh" / chapter.name).is_file()
    assert "](README.zh-CN.md)" in (ROOT / "README.md").read_text()


def test_the_chinese_readme_pictures_exist() -> None:
    readme = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    pictures = [p for p in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme)
                if not p.startswith("http")]
    assert pictures and all((ROOT / p).is_file() for p in pictures), pictures


def test_readme_commands_exist_in_makefile() -> None:
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in re.findall(r"^make (\w+)", readme, flags=re.MULTILINE):
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE), target
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_pictures_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    for picture in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme):
        if not picture.startswith("http"):
            assert (ROOT / picture).is_file(), picture


def test_environment_is_pinned_and_cpu_only() -> None:
    lines = [line.strip() for line in (ROOT / "binder" / "requirements.txt").read_text()
             .splitlines() if line.strip() and not line.startswith("#")]
    options = [line for line in lines if line.startswith("-")]
    requirements = [line for line in lines if not line.startswith("-")]
    assert options == ["--extra-index-url https://download.pytorch.org/whl/cpu"]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+\-]+", r) for r in requirements)
    names = {r.split("==")[0].lower() for r in requirements}
    assert {"torch", "jupyterlab", "ipywidgets", "matplotlib", "nbval", "pytest"} <= names
    torch_pin = next(r for r in requirements if r.lower().startswith("torch=="))
    assert torch_pin.endswith("+cpu"), torch_pin
    assert (ROOT / "binder" / "runtime.txt").read_text().strip().startswith("python-3.")
    assert "--editable ." in (ROOT / "binder" / "postBuild").read_text()


def test_installed_versions_match_the_pins() -> None:
    from importlib.metadata import version

    pins = dict(line.strip().split("==") for line in
                (ROOT / "binder" / "requirements.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    for name in ("torch", "ipywidgets", "jupyterlab", "nbval", "matplotlib"):
        assert version(name) == pins[name], (name, version(name), pins[name])


def test_chapter_names_follow_the_layout() -> None:
    for path in (ROOT / "chapters").rglob("*.ipynb"):
        if ".ipynb_checkpoints" in path.parts:
            continue
        assert path.parent.relative_to(ROOT).as_posix() in {
            "chapters", "chapters/zh", "chapters/frameworks"}, path
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name


@pytest.mark.skipif(shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff")
                    .exists(), reason="ruff is not installed")
def test_lint_is_clean() -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    result = subprocess.run([ruff, "check", "widgets", "tests", "chapters", "web"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_nbcheck_passes_where_available() -> None:
    checker = ROOT.parent / "shared" / "tools" / "nbcheck.py"
    if not checker.exists():
        pytest.skip("the shared nbcheck tool is not beside this checkout")
    result = subprocess.run([sys.executable, str(checker), "chapters"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("ci", ["", "1"])
def test_browser_tests_skip_without_chromium_only_outside_ci(monkeypatch, ci: str) -> None:
    from tests.browser import lab

    monkeypatch.setattr(lab, "find_chromium", lambda: None)
    monkeypatch.setenv("CI", ci)
    reason = lab.missing_browser()
    assert reason and "apt-get install -y chromium" in reason
    expected = pytest.fail.Exception if ci else pytest.skip.Exception
    with pytest.raises(expected, match="no Chromium found"):
        lab.require(reason)
    lab.require(None)  # nothing missing: the test goes on


@pytest.mark.parametrize("document", [
    *[p.relative_to(ROOT) for p in every_chapter(ROOT)], Path("README.md"), Path("README.zh-CN.md"),
    Path("chapters/zh/GLOSSARY.md")], ids=str)
def test_every_relative_link_leads_to_a_file(document: Path) -> None:
    """Links between chapters, editions and frameworks, and to pictures, all resolve."""
    path = ROOT / document
    if path.suffix == ".ipynb":
        import nbformat

        text = "\n".join(c.source for c in nbformat.read(path, 4).cells
                         if c.cell_type == "markdown")
    else:
        text = path.read_text(encoding="utf-8")
    targets = [t.split("#")[0] for t in re.findall(r"\]\(([^)\s]+)\)", text)
               if not re.match(r"[a-z]+:", t) and not t.startswith("#")]
    broken = [t for t in targets if t and not (path.parent / t).exists()]
    assert broken == [], f"{document}: links to nothing: {broken}"


def test_binder_installs_chinese_fonts_for_matplotlib() -> None:
    """A figure of the Chinese edition (``figure()``) needs a CJK font on the server."""
    packages = [line.strip() for line in (ROOT / "binder" / "apt.txt").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert "fonts-noto-cjk" in packages
