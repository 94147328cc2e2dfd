"""Make the book's pictures from JupyterLab itself: one screenshot per chapter, plus the README's.

Run: python -m tests.browser.screenshots   (or `make pictures`)

Every chapter is opened in JupyterLab (headless Chromium), run top to bottom,
and photographed; the README's picture of the MLP explorer is cut from chapter
01's run, so it always shows the current book.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tests.browser.lab import CHAPTERS, ROOT, browser_page, lab_server, open_notebook, run_all

SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
README_PICTURES = {
    # README picture -> (chapter, text that identifies the widget's output)
    "docs/images/mlp_explorer.png": ("01_layers_and_modules.ipynb", "MLP explorer"),
}


def widget_locator(page, text: str):
    """The first widget output in the notebook whose text contains ``text``."""
    return page.locator(".jp-OutputArea-output .widget-vbox").filter(has_text=text).first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SCREENSHOTS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with lab_server() as server, browser_page() as page:
        for notebook in sorted(CHAPTERS.glob("*.ipynb")):
            open_notebook(page, server, notebook.name)
            run_all(page)
            page.screenshot(path=args.out / f"{notebook.stem}.png", full_page=False)
            for picture, (chapter, text) in README_PICTURES.items():
                if chapter == notebook.name:
                    widget = widget_locator(page, text)
                    widget.scroll_into_view_if_needed()
                    (ROOT / picture).parent.mkdir(parents=True, exist_ok=True)
                    widget.screenshot(path=ROOT / picture)
                    print("wrote", picture)
            print("wrote", args.out / f"{notebook.stem}.png")


if __name__ == "__main__":
    main()
