"""The README's pictures, cut from the screenshots the browser tests take.

Run: make pictures
(= the browser tests, which write tests/artifacts/screenshots/, then
``python -m tests.browser.pictures``, which copies the crops named below into
docs/images/). The pictures therefore always show the current book as
JupyterLab renders it after running the chapter top to bottom.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"


@dataclass(frozen=True)
class Picture:
    """A widget output to photograph in a chapter, and where the README shows it."""

    chapter: str  # notebook stem
    widget_text: str  # text that identifies the widget's output
    readme_path: str  # path relative to the repository root

    @property
    def screenshot(self) -> Path:
        return SCREENSHOTS / f"{self.chapter}--{Path(self.readme_path).stem}.png"


PICTURES = (
    Picture("01_layers_and_modules", "MLP explorer", "docs/images/mlp_explorer.png"),
    Picture("03_parameter_initialization", "Initialization explorer",
            "docs/images/init_explorer.png"),
    Picture("08_playground", "Playground: a real", "docs/images/playground.png"),
    # the Chinese edition's README (README.zh-CN.md)
    Picture("zh-01_layers_and_modules", "MLP 探索器", "docs/images/zh/mlp_explorer.png"),
    Picture("zh-08_playground", "游乐场：一个真实的", "docs/images/zh/playground.png"),
)


def chapter_screenshot(chapter: str) -> Path:
    """Where the browser test saves its screenshot of a whole chapter."""
    return SCREENSHOTS / f"{chapter}.png"


def main() -> int:
    missing = [p.screenshot for p in PICTURES if not p.screenshot.is_file()]
    if missing:
        print("missing screenshots (run the browser tests first: make pictures):",
              *missing, sep="\n  ", file=sys.stderr)
        return 1
    for picture in PICTURES:
        target = ROOT / picture.readme_path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(picture.screenshot, target)
        print(f"{picture.screenshot.relative_to(ROOT)} -> {picture.readme_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
