"""Every chapter in JupyterLab in headless Chromium, as a reader meets it.

The chapters are found by globbing chapters/, so a new chapter is tested without
touching this file. Screenshots go to tests/artifacts/screenshots/ (git-ignored);
`make pictures` turns the ones named in tests/browser/pictures.py into the
README's pictures.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.browser.lab import CHAPTERS, LabServer, notebook_report, open_notebook, run_all
from tests.browser.pictures import PICTURES, SCREENSHOTS, chapter_screenshot

pytestmark = pytest.mark.browser

NOTEBOOKS = sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb"))
CHANGE_TIMEOUT_S = 15  # a reader's edit must show within this time


def widget_output(page, text: str):
    """The output area of the first widget whose text contains ``text``."""
    return page.locator(".jp-OutputArea-output:visible").filter(
        has=page.locator(".jupyter-widgets")).filter(has_text=text).first


def wait_for_change(read: Callable[[], object], before: object,
                    timeout_s: float = CHANGE_TIMEOUT_S, steady_s: float = 0.5) -> object:
    """Poll ``read()`` until it differs from ``before`` and then holds still for ``steady_s``.

    A widget's parts update one message at a time, so the first difference seen may
    be half of an update; the value that then stops changing is the whole of it.
    """
    deadline = time.monotonic() + timeout_s
    value, since = before, time.monotonic()
    while time.monotonic() < deadline:
        now = read()
        if now != value:
            value, since = now, time.monotonic()
        elif value != before and time.monotonic() - since >= steady_s:
            return value
        time.sleep(0.05)
    pytest.fail(f"no settled change within {timeout_s} s")


def settled_report(page, ready: Callable[[dict], bool],
                   timeout_s: float = CHANGE_TIMEOUT_S) -> dict:
    """The notebook report once ``ready`` holds for it, or the last one after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    report = notebook_report(page)
    while not ready(report) and time.monotonic() < deadline:
        time.sleep(0.1)
        report = notebook_report(page)
    return report


def drawn(widget: dict) -> bool:
    return widget["rendered"] and widget["visible"]


def test_there_are_chapters_to_open() -> None:
    assert NOTEBOOKS, "no chapters found"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_runs_in_jupyterlab(lab: LabServer, page, notebook: Path) -> None:
    open_notebook(page, lab, notebook.name)

    # Before running anything, the saved widget state already draws every widget.
    stored = settled_report(page, lambda r: all(map(drawn, r["widgets"])))
    assert stored["unexecuted"] == [], "the stored chapter has unexecuted cells"
    assert [w for w in stored["widgets"] if not drawn(w)] == []

    run_all(page)
    report = settled_report(page, lambda r: all(drawn(w) and w["live"] for w in r["widgets"]))
    assert report["code_cells"] > 0
    assert report["unexecuted"] == [], f"cells that did not run: {report['unexecuted']}"
    assert report["errors"] == [], f"cells that raised: {report['errors']}"
    assert len(report["widgets"]) == len(stored["widgets"])
    not_live = [w for w in report["widgets"] if not (drawn(w) and w["live"])]
    assert not_live == [], f"widget outputs not rendered as live widgets: {not_live}"

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    live_widgets = page.locator(".jp-OutputArea-output:visible").filter(
        has=page.locator(".jupyter-widgets"))
    for k in range(live_widgets.count()):
        live_widgets.nth(k).scroll_into_view_if_needed()
        live_widgets.nth(k).screenshot(path=SCREENSHOTS / f"{notebook.stem}--widget-{k + 1}.png")
    page.evaluate("() => window.jupyterapp.shell.currentWidget.content.scrollToItem(0, 'start')")
    page.wait_for_timeout(300)
    page.screenshot(path=chapter_screenshot(notebook.stem))
    for picture in PICTURES:
        if picture.chapter == notebook.stem:
            output = widget_output(page, picture.widget_text)
            output.scroll_into_view_if_needed()
            output.screenshot(path=picture.screenshot)


def live_widget(page, lab: LabServer, notebook: str, text: str):
    """Open ``notebook``, run it all, and return the output of the widget showing ``text``."""
    open_notebook(page, lab, notebook)
    run_all(page)
    settled_report(page, lambda r: all(drawn(w) and w["live"] for w in r["widgets"]))
    output = widget_output(page, text)
    output.scroll_into_view_if_needed()
    return output


def test_reader_drives_the_mlp_explorer(lab: LabServer, page) -> None:
    """Type a width, pick an activation, type a bad width: the view follows each time."""
    explorer = live_widget(page, lab, "01_layers_and_modules.ipynb", "MLP explorer")
    plot = explorer.locator("svg").first

    def numbers() -> list[str]:  # each table as rows of space-separated cells
        return explorer.locator("table").evaluate_all(
            "tables => tables.map(t => [...t.rows].map(r => [...r.cells]"
            ".map(c => c.textContent.trim()).join(' ')).join('\\n'))")

    def picture() -> tuple[str, bytes]:
        return plot.evaluate("svg => svg.outerHTML"), plot.screenshot()

    row = explorer.get_by_text("layer 1", exact=True).locator("xpath=..")
    width, activation = row.locator("input"), row.locator("select")

    # A new width, typed with the keyboard.
    numbers_before, picture_before = numbers(), picture()
    new_width = "37" if width.input_value() != "37" else "23"
    width.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(new_width)
    page.keyboard.press("Enter")
    numbers_after = wait_for_change(numbers, numbers_before)
    assert f"weight {new_width}x20" in numbers_after[0]
    picture_after = wait_for_change(picture, picture_before)
    assert picture_after[1] != picture_before[1], "the plot's pixels did not change"

    # Another activation, chosen with the mouse and the arrow keys.
    old_activation = activation.input_value()
    numbers_before, picture_before = numbers_after, picture_after
    activation.click()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert wait_for_change(activation.input_value, old_activation)
    numbers_after = wait_for_change(numbers, numbers_before)
    picture_after = wait_for_change(picture, picture_before)
    assert picture_after[1] != picture_before[1], "the plot's pixels did not change"
    module_text = explorer.locator("pre").first.inner_text()
    assert activation.input_value() in module_text.lower().replace("leakyrelu", "leaky_relu")

    # A width of 0 is refused inline; the last good state stays on screen.
    width.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("0")
    page.keyboard.press("Enter")
    message = explorer.locator(".ll-error")
    message.wait_for(timeout=CHANGE_TIMEOUT_S * 1000)
    assert "from 1 to 4096" in message.inner_text()
    assert wait_for_change(width.input_value, "0") == new_width
    page.wait_for_timeout(500)
    assert picture()[0] == picture_after[0]
    assert numbers() == numbers_after


def test_reader_plays_the_playground(lab: LabServer, page) -> None:
    """Press play, change the learning rate while it trains, pause: all from the browser."""
    playground = live_widget(page, lab, "08_playground.ipynb", "Playground: a real")
    play = playground.get_by_role("button", name="play")

    def epoch() -> int:
        text = playground.locator("span", has_text="epoch").first.inner_text()
        return int(text.split()[-1].replace(",", ""))

    def heatmap() -> str:
        return playground.locator("svg image").first.get_attribute("href")

    start, picture = epoch(), heatmap()
    play.click()
    pause = playground.get_by_role("button", name="pause")
    pause.wait_for(timeout=CHANGE_TIMEOUT_S * 1000)
    deadline = time.monotonic() + CHANGE_TIMEOUT_S  # the epoch keeps moving: no settling here
    while epoch() <= start and time.monotonic() < deadline:
        time.sleep(0.05)
    assert epoch() > start, "the epoch counter did not move while playing"
    assert heatmap() != picture, "the output heatmap did not change while playing"

    # A control moved while it plays takes effect at the next epoch, and play goes on.
    rate = playground.locator("select").first
    rate.select_option(label="0.1")
    moved_at = epoch()
    time.sleep(2)
    later = epoch()
    assert later > moved_at, "training stopped after the learning rate changed"
    print(f"epochs per second seen in the browser: {(later - moved_at) / 2:.0f}")

    pause.click()
    play.wait_for(timeout=CHANGE_TIMEOUT_S * 1000)
    stopped = epoch()
    time.sleep(1)
    assert epoch() - stopped <= 1, "training went on after pause"

    playground.get_by_role("button", name="state (JSON)").click()
    state = playground.locator("textarea").first
    state.wait_for(timeout=CHANGE_TIMEOUT_S * 1000)
    text = wait_for_change(state.input_value, "")
    assert '"learning_rate": 0.1' in text and '"field": "learning_rate"' in text
