"""Every chapter in JupyterLab in headless Chromium, as a reader meets it.

The chapters are found by globbing chapters/, so a new chapter is tested without
touching this file. Each chapter is opened and run once, and everything a reader
may meet is checked on that one page (opening and running is the slow part;
switching the theme and resizing the window are cheap):

- before the run: the saved widgets, one broken-link icon at most per widget, no
  label or button cut short, and one line saying the picture comes alive when the
  cell runs;
- after Run All: every widget live, in JupyterLab Light, Dark and Dark High Contrast
  (axe-core's rules on the widget outputs, SVG text contrast from the pixels,
  snapshots that carry their own background), and in a 1024x768 window and a
  1152x720 one (1440x900 at 125 % zoom), both with the file browser open: nothing
  scrolls sideways except a wide table inside its own box, nothing is cut off.

The problems are collected and reported together at the end, so one run shows all
of them. Screenshots go to tests/artifacts/screenshots/ (git-ignored), one per
widget output and look: NN_light_wK.png, NN_dark_wK.png, NN_high-contrast_wK.png,
NN_narrow_wK.png, NN_zoom_wK.png (NN the chapter's number, K the widget output,
from 0). `make pictures` turns the ones named in tests/browser/pictures.py into
the README's pictures.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.browser import checks
from tests.browser.lab import (
    CHAPTERS,
    IMAGE_TRANSPARENCY,
    MARK_HTML_OUTPUTS,
    SAVED_NOTES,
    SAVED_VIEW_REPORT,
    SVG_TEXT_BOXES,
    THEMES,
    WIDTH_REPORT,
    LabServer,
    accessible_name,
    current_theme,
    mark_widget_outputs,
    notebook_report,
    open_notebook,
    resize,
    run_all,
    set_theme,
    show_file_browser,
    unnamed_controls,
    widget_outputs,
)
from tests.browser.pictures import PICTURES, SCREENSHOTS, chapter_screenshot
from tests.notebook_tools import chapter_id, every_chapter

pytestmark = pytest.mark.browser

NOTEBOOKS = every_chapter(CHAPTERS.parent)
CHANGE_TIMEOUT_S = 15  # a reader's edit must show within this time
WINDOW = (1400, 1000)  # the browser_page fixture's window, CSS px
# Small windows, both with the file browser open: a 1024x768 laptop, and a 1440x900
# one at 125 % browser zoom, which lays out as 1152x720 CSS px.
SMALL_WINDOWS = {"narrow": (1024, 768), "zoom": (1152, 720)}
SAVED_NOTE_MAX_CHARS = 120  # "one short line"


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


def chapter_number(notebook: Path) -> str:
    """"01" for chapters/01_*.ipynb, "zh-01" for its Chinese edition."""
    return chapter_id(notebook).split("_", 1)[0]


def saved_view_problems(page) -> list[str]:
    """Before a run: broken-link icons, squeezed labels, the saved-picture note."""
    problems = []
    for view in page.evaluate(SAVED_VIEW_REPORT):
        where = f"widget output {view['widget']} before the run"
        if view["icons"] > 1 or not view["icon_on_outermost"]:
            problems.append(f"{where}: {view['icons']} broken-link icons (::before of "
                            f".jupyter-widgets-disconnected, {view['disconnected']} views "
                            f"disconnected); at most one, on the outermost view. Shown on: "
                            f"{view['icon_elements']}")
        for item in view["squeezed"]:
            problems.append(f"{where}: text cut short: {item['what']} needs "
                            f"{item['scrollWidth']} px, has {item['clientWidth']} px")
        if len(view["notes"]) != 1:
            problems.append(f"{where}: {len(view['notes'])} visible .ll-saved-note elements, "
                            f"want exactly one (the saved picture comes alive when the cell "
                            f"runs)")
        problems += [f"{where}: the .ll-saved-note is not one short line "
                     f"({len(note)} characters > {SAVED_NOTE_MAX_CHARS}): {note[:80]!r}"
                     for note in view["notes"] if len(note) > SAVED_NOTE_MAX_CHARS]
    return problems


def screenshot_widgets(page, name: str, count: int) -> list[tuple[bytes, list[dict]]]:
    """Screenshot every widget output to ``{name}_wK.png``; return each PNG and its SVG text.

    A widget taller than the notebook panel would be cut off, so the window grows in
    height (never in width, which is what the layout depends on) while the pictures
    are taken, and then shrinks back.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    outputs = widget_outputs(page)
    size = page.viewport_size
    tallest = max((outputs.nth(k).bounding_box() or {"height": 0})["height"]
                  for k in range(count)) if count else 0
    if tallest > size["height"] - 250:
        resize(page, size["width"], int(tallest) + 300)
    shots = []
    try:
        for k in range(count):
            output = outputs.nth(k)
            output.scroll_into_view_if_needed()
            png = output.screenshot(path=SCREENSHOTS / f"{name}_w{k}.png")
            shots.append((png, output.evaluate(SVG_TEXT_BOXES)))
    finally:
        if page.viewport_size != size:
            resize(page, size["width"], size["height"])
    return shots


def axe_problems(page, look: str, only: list[str] | None = None,
                 widgets: bool = True) -> list[str]:
    """axe-core's serious and critical violations in the widget outputs and the book's HTML.

    ``widgets`` False: the chapter shows no widget (the other frameworks' chapters), so
    there are no widget outputs to check (axe refuses an empty selection).
    """
    problems = [f"{look}, axe on the widget outputs: {line}" for line in
                checks.axe_summary(checks.run_axe(page, "[data-ll-widget]", only=only))
                ] if widgets else []
    if page.evaluate(MARK_HTML_OUTPUTS):
        problems += [f"{look}, axe on the HTML outputs: {line}" for line in
                     checks.axe_summary(checks.run_axe(page, "[data-ll-html]", only=only))]
    return problems


def svg_text_problems(look: str, shots: list[tuple[bytes, list[dict]]]) -> list[str]:
    """SVG labels whose ink barely differs from what is behind them, measured on the pixels."""
    problems = []
    for k, (png, boxes) in enumerate(shots):
        faint = [m for m in checks.text_contrast(png, boxes)
                 if m["contrast"] < checks.SVG_TEXT_CONTRAST]
        if faint:
            shown = ", ".join(f"{m['text']!r} {checks.hex_colour(m['ink'])} on "
                              f"{checks.hex_colour(m['background'])} ({m['contrast']}:1)"
                              for m in faint[:5])
            problems.append(f"{look}, widget output {k}: {len(faint)} of {len(boxes)} SVG text "
                            f"labels under {checks.SVG_TEXT_CONTRAST}:1 contrast, e.g. {shown}")
    return problems


# The notebook itself: what reaches past its right edge (not inside a box that scrolls
# or clips on its own, such as a code editor or an .ll-scroll table).
NOTEBOOK_WIDTH_REPORT = """() => {
  const notebook = window.jupyterapp.shell.currentWidget.content.node;
  const scroller = notebook.closest('.jp-WindowedPanel-outer') || notebook;
  const edge = scroller.getBoundingClientRect().right;
  const contained = el => {
    for (let p = el.parentElement; p && p !== scroller; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const past = [...scroller.querySelectorAll('*')].filter(el => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > edge + 1 && !contained(el);
  }).slice(0, 3).map(el => el.tagName.toLowerCase() + '.' + String(el.className).slice(0, 40)
    + ' in cell ' + [...notebook.querySelectorAll('.jp-Cell')].indexOf(el.closest('.jp-Cell')));
  return {scroll: scroller.scrollWidth, client: scroller.clientWidth, past};
}"""


def width_problems(page, look: str) -> list[str]:
    problems = [f"{look}, widget output {report['widget']} ({report['width']} px wide): {problem}"
                for report in page.evaluate(WIDTH_REPORT) for problem in report["problems"]]
    whole = page.evaluate(NOTEBOOK_WIDTH_REPORT)
    if whole["scroll"] > whole["client"] + 1:
        problems.append(f"{look}: the chapter scrolls sideways ({whole['scroll']} px of content "
                        f"in {whole['client']} px): {', '.join(whole['past']) or 'cause unknown'}")
    return problems


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=chapter_id)
def test_chapter_runs_in_jupyterlab(lab: LabServer, page, notebook: Path) -> None:
    """Open, check the saved view, run all; then every theme and small window on that page."""
    number = chapter_number(notebook)
    open_notebook(page, lab, notebook.relative_to(CHAPTERS).as_posix())
    if current_theme(page) != THEMES["light"]:  # a test before this one stopped half-way
        set_theme(page, THEMES["light"])

    # Before running anything, the saved widget state already draws every widget.
    stored = settled_report(page, lambda r: all(map(drawn, r["widgets"])))
    assert stored["unexecuted"] == [], "the stored chapter has unexecuted cells"
    assert [w for w in stored["widgets"] if not drawn(w)] == []
    problems = saved_view_problems(page)

    run_all(page)
    report = settled_report(page, lambda r: all(drawn(w) and w["live"] for w in r["widgets"]))
    assert report["code_cells"] > 0
    assert report["unexecuted"] == [], f"cells that did not run: {report['unexecuted']}"
    assert report["errors"] == [], f"cells that raised: {report['errors']}"
    assert len(report["widgets"]) == len(stored["widgets"])
    not_live = [w for w in report["widgets"] if not (drawn(w) and w["live"])]
    assert not_live == [], f"widget outputs not rendered as live widgets: {not_live}"

    count = mark_widget_outputs(page)
    assert count == len(report["widgets"])
    problems += [f"widget output {k} after Run All: {n} visible .ll-saved-note (want none: "
                 f"the widget is live)" for k, n in enumerate(page.evaluate(SAVED_NOTES)) if n]
    problems += [f"image in an output {image['alt']!r} ({image['src']}...): "
                 + (f"could not be read ({image.get('error')})" if image["transparent"] is None
                    else f"{image['transparent']:.0%} of its pixels are see-through; a "
                         "snapshot must bring its own opaque background to read in every theme")
                 for image in page.evaluate(IMAGE_TRANSPARENCY)
                 if image["transparent"] is None or image["transparent"] > 0.005]

    problems += [f"widget output {c['widget']}: a {c['role']} with no accessible name in "
                 f"Chromium's accessibility tree: {c['html']}" for c in unnamed_controls(page)]

    try:
        for look, theme in THEMES.items():
            set_theme(page, theme)
            shots = screenshot_widgets(page, f"{number}_{look}", count)
            problems += svg_text_problems(look, shots)
            # all of axe's rules in Light and Dark; in high contrast, colour contrast only
            problems += axe_problems(page, look,
                                     only=["color-contrast"] if look == "high-contrast" else None,
                                     widgets=count > 0)
            if look == "light":
                page.evaluate("() => window.jupyterapp.shell.currentWidget.content"
                              ".scrollToItem(0, 'start')")
                page.wait_for_timeout(300)
                page.screenshot(path=chapter_screenshot(chapter_id(notebook)))
                for picture in PICTURES:
                    if picture.chapter == chapter_id(notebook):
                        output = widget_output(page, picture.widget_text)
                        output.scroll_into_view_if_needed()
                        output.screenshot(path=picture.screenshot)
        set_theme(page, THEMES["light"])
        for look, (width, height) in SMALL_WINDOWS.items():
            resize(page, width, height)
            show_file_browser(page)
            problems += width_problems(page, f"{look} ({width}x{height}, file browser open)")
            screenshot_widgets(page, f"{number}_{look}", count)
    finally:
        with contextlib.suppress(Exception):  # never hide the failure that got us here
            set_theme(page, THEMES["light"])  # the server keeps the theme for the next test
    assert not problems, f"{len(problems)} problems a reader would see:\n" + "\n".join(problems)


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

    # Found by the names a screen reader reads, which the messages use too.
    width = explorer.get_by_role("spinbutton", name="layer 1 width", exact=True)
    activation = explorer.get_by_role("combobox", name="layer 1 activation", exact=True)

    # A new width, from the keyboard only: from the explorer's first control (the
    # hidden-layers count), Tab to the layer 1 width box, type, Enter.
    numbers_before, picture_before = numbers(), picture()
    new_width = "37" if width.input_value() != "37" else "23"
    explorer.locator("input, select, textarea, button, [tabindex='0']").first.focus()
    for _ in range(8):
        if width.evaluate("box => box === document.activeElement"):
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("Tab from the explorer's first control does not reach the layer 1 width "
                    "box within 8 presses; focus is on " + page.evaluate(
                        "() => document.activeElement.outerHTML.slice(0, 120)"))
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

    # A width of 0 is refused inline, naming the box as the reader sees it, without
    # moving the box; the last good state stays on screen.
    width.click()
    box_before = width.bounding_box()
    page.keyboard.press("Control+A")
    page.keyboard.type("0")
    page.keyboard.press("Enter")
    message = explorer.locator(".ll-error")
    message.wait_for(timeout=CHANGE_TIMEOUT_S * 1000)
    assert "layer 1 width must be an integer from 1 to 4096" in message.inner_text()
    assert width.bounding_box() == box_before, "the message moved the box being typed in"
    assert wait_for_change(width.input_value, "0") == new_width
    page.wait_for_timeout(500)
    assert picture()[0] == picture_after[0]
    assert numbers() == numbers_after

    # Each control says what it is to a screen reader (axe checks that every control has
    # a name; here the names must say which layer they set), as Chromium's accessibility
    # tree has it.
    controls = [("layer 1 width box", width), ("layer 1 activation menu", activation)]
    if explorer.get_by_role("slider").count():
        controls.append(("hidden-layers slider", explorer.get_by_role("slider").first))
    names = {what: accessible_name(page, control) for what, control in controls}
    unnamed = {what: name for what, name in names.items()
               if not name.strip() or (what.startswith("layer 1")
                                       and "layer 1" not in name.lower())}
    assert unnamed == {}, f"controls without a name that says what they set: {unnamed}"


def test_reader_plays_the_playground(lab: LabServer, page) -> None:
    """Press play, change the learning rate while it trains, pause: all from the browser."""
    playground = live_widget(page, lab, "08_playground.ipynb", "Playground: a real")
    play = playground.get_by_role("button", name="play")

    def epoch() -> int:
        text = playground.locator("span", has_text="epoch").first.inner_text()
        return int(text.split()[-1].replace(",", ""))

    def heatmap() -> str:  # the output heatmap: the 300 px image
        return playground.locator('svg image[width="300"]').first.get_attribute("href")

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

    # A refused width: the message names the box and moves none of the controls.
    width = playground.get_by_role("spinbutton", name="layer 1 width", exact=True)
    sin = playground.get_by_role("checkbox", name="sin(x1)", exact=True)

    def places() -> tuple[dict, dict]:
        """Where the two controls sit inside the playground (JupyterLab may scroll the
        notebook while cells below are measured: only moves inside the widget count)."""
        top = playground.bounding_box()
        return tuple({**box, "x": box["x"] - top["x"], "y": box["y"] - top["y"]}
                     for box in (width.bounding_box(), sin.bounding_box()))

    width.scroll_into_view_if_needed()
    before = places()
    width.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("0")
    page.keyboard.press("Enter")
    message = playground.locator(".ll-error")
    message.wait_for(timeout=CHANGE_TIMEOUT_S * 1000)
    assert message.inner_text().startswith("layer 1 width must be an integer from 1 to")
    assert message.get_attribute("role") == "alert"
    assert places() == before, "the message moved controls"


def test_reader_points_at_a_unit_and_sets_a_weight(lab: LabServer, page) -> None:
    """Hover a hidden unit: the big picture shows it, named; leave: the output is back.
    Click a link, type a value, press set: the weight is that value, in the saved state."""
    playground = live_widget(page, lab, "08_playground.ipynb", "Playground: a real")
    net = playground.locator(".ll-net").first
    net.scroll_into_view_if_needed()

    def big_picture() -> str:  # the output heatmap: the 300 px image
        return playground.locator('svg image[width="300"]').first.get_attribute("href")

    def spot(column: int, unit: int, link_from: int | None = None) -> dict[str, float]:
        """Where in the picture (CSS px from its corner) a unit's tile or a link is."""
        geo = json.loads(net.get_attribute("data-geo"))
        box = net.locator("svg").first.bounding_box()
        scale = box["width"] / geo["w"]
        x, top, _ = geo["cols"][column]
        y = top + unit * geo["pitch"] + geo["size"] / 2
        if link_from is not None:  # a quarter of the way along the line from the unit before
            x0, top0, _ = geo["cols"][column - 1]
            start = (x0 + geo["size"], top0 + link_from * geo["pitch"] + geo["size"] / 2)
            x, y = start[0] + (x - start[0]) / 4, start[1] + (y - start[1]) / 4
        else:
            x += geo["size"] / 2
        return {"x": x * scale, "y": y * scale}

    output_before = big_picture()
    net.hover(position=spot(1, 0))
    pointed = wait_for_change(big_picture, output_before)
    assert pointed != output_before, "pointing at a unit did not change the big picture"
    assert "showing hidden layer 1, unit 1" in playground.inner_text()
    page.mouse.move(5, 5)  # off the picture
    assert wait_for_change(big_picture, pointed) == output_before, "leaving did not restore it"
    assert "showing hidden layer" not in playground.inner_text()

    # Click the link from input x1 to hidden layer 1's first unit, type a value, set it.
    selection = playground.locator(".widget-html", has_text="weight from").first
    net.click(position=spot(1, 0, link_from=0))
    selection.wait_for(timeout=CHANGE_TIMEOUT_S * 1000)
    assert "weight from input x1 to hidden layer 1, unit 1" in selection.inner_text()
    value = playground.get_by_role("spinbutton", name="new value", exact=True)
    value.fill("2.5")
    value.press("Enter")
    playground.get_by_role("button", name="set value").click()
    deadline = time.monotonic() + CHANGE_TIMEOUT_S
    while "2.5" not in selection.inner_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "2.5" in selection.inner_text()
    playground.get_by_role("button", name="state (JSON)").click()
    state = playground.locator("textarea").first
    text = wait_for_change(state.input_value, "")
    edits = json.loads(text)["edits"]
    assert edits[-1]["layer"] == 1 and edits[-1]["row"] == 0 and edits[-1]["column"] == 0
    assert edits[-1]["value"] == 2.5
