"""Every chapter as a reader who only browses sees it: nbconvert's HTML export.

The export must carry the saved widget state, so the explorer's last picture and
numbers are there without a kernel. The first tests read the HTML itself. The
next one opens it in headless Chromium with the widget renderer the page loads
(@jupyter-widgets/html-manager, fetched once from the npm registry and served in
place of the CDN; nothing else leaves the machine) and checks that every widget
is drawn from the saved state.

The last ones test the book's own static pages (web/export.py, `make html`), which
put a static copy of each widget, drawn from the saved state, in its output: with
no renderer (offline, or the CDN unreachable) every widget output still shows its
saved picture and numbers; with the renderer, each widget is drawn once (the copy
hidden) and a note says the controls only work in JupyterLab or Binder.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import nbformat
import pytest
from nbconvert import HTMLExporter

from tests.browser.lab import (
    headless_chromium,
    require,
)
from tests.notebook_tools import chapter_id, edition_language, every_chapter
from web.export import STATIC_NOTE, STATIC_NOTES, export_notebook, static_copy
from widgets.text import catalogue

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = every_chapter(ROOT)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: The parameter table's last row, named in the chapter's language.
TOTAL = "html.total"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# The renderer nbconvert's page asks the CDN for, matched to ipywidgets 8.1 /
# @jupyter-widgets/controls 5, and the require.js it loads first.
NPM_PACKAGES = {"html-manager": "@jupyter-widgets/html-manager@1.0.15",
                "requirejs": "requirejs@2.3.8"}
JS_CACHE = ROOT / "tests" / "artifacts" / "static-js"
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"


@cache
def exported(notebook: Path) -> str:
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nbformat.read(notebook, 4))
    return body


def scripts(page: str, mime: str) -> list[dict]:
    pattern = rf'<script type="{re.escape(mime)}">(.*?)</script>'
    return [json.loads(html.unescape(text) if text.lstrip().startswith("{&") else text)
            for text in re.findall(pattern, page, flags=re.DOTALL)]


def displayed_views(notebook: Path) -> list[str]:
    """Model ids of the widget outputs stored in the notebook, in order."""
    nb = nbformat.read(notebook, 4)
    return [output["data"][WIDGET_VIEW]["model_id"]
            for cell in nb.cells if cell.cell_type == "code"
            for output in cell.outputs if WIDGET_VIEW in output.get("data", {})]


#: The chapters that show widgets (all but the other frameworks' seed sections).
WITH_WIDGETS = [n for n in NOTEBOOKS if displayed_views(n)]
WITHOUT_WIDGETS = [n for n in NOTEBOOKS if not displayed_views(n)]


def subtree(state: dict, model_id: str) -> list[str]:
    """Every model a view needs (children, layouts, styles), depth first."""
    seen: list[str] = []
    pending = [model_id]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.append(current)
        found = re.findall(r"IPY_MODEL_([0-9a-f]+)", json.dumps(state[current]["state"]))
        pending.extend(reversed(found))
    return seen


def html_values(state: dict, model_id: str) -> str:
    return "\n".join(state[m]["state"].get("value", "") for m in subtree(state, model_id)
                     if state[m]["model_name"] == "HTMLModel")


@pytest.mark.parametrize("notebook", WITH_WIDGETS, ids=chapter_id)
def test_export_embeds_the_saved_widget_state(notebook: Path) -> None:
    page = exported(notebook)
    (embedded,) = scripts(page, WIDGET_STATE)
    assert embedded == nbformat.read(notebook, 4).metadata["widgets"][WIDGET_STATE]
    state = embedded["state"]
    views = [view["model_id"] for view in scripts(page, WIDGET_VIEW)]
    assert views == displayed_views(notebook)
    for view in views:
        missing = [m for m in re.findall(r"IPY_MODEL_([0-9a-f]+)", json.dumps(
            [state[m]["state"] for m in subtree(state, view) if m in state])) if m not in state]
        assert view in state and missing == [], f"view {view} lacks models {missing}"
    assert "html-manager@" in page and "embed-amd.js" in page


def explorer_name(notebook: Path) -> str:
    """What the MLP explorer calls itself in the chapter's language (its header's bold part)."""
    header = catalogue(edition_language(notebook))["mlp_explorer.header"]
    return re.search(r"<b>(.*?)</b>", header).group(1)


@pytest.mark.parametrize("notebook", [n for n in NOTEBOOKS if "MLPExplorer(" in n.read_text()],
                         ids=chapter_id)
def test_export_shows_the_explorers_last_picture_and_numbers(notebook: Path) -> None:
    page = exported(notebook)
    state = scripts(page, WIDGET_STATE)[0]["state"]
    name, total_label = explorer_name(notebook), catalogue(edition_language(notebook))[TOTAL]
    explorers = [v for v in displayed_views(notebook) if name in html_values(state, v)]
    assert explorers, "no MLP explorer output stored"
    for view in explorers:
        shown = html_values(state, view)
        assert shown.count("<svg") == 1 and "<polyline" in shown, "no plot saved"
        total = re.search(rf'<tr class="total"><td class=l>{re.escape(total_label)}</td>'
                          r'.*?<td>([\d,]+)</td></tr>', shown)
        assert total and int(total.group(1).replace(",", "")) > 0, "no parameter total saved"
        assert "Sequential(" in shown and "X[0]" in shown and "X[1]" in shown


# -- the export in a browser ----------------------------------------------------


@pytest.fixture(scope="module")
def renderer() -> Path:
    """html-manager's dist/ and require.js, unpacked from the npm registry once."""
    target = JS_CACHE / "-".join(v.rsplit("@", 1)[1] for v in NPM_PACKAGES.values())
    if not (target / "requirejs" / "require.js").is_file():
        npm = shutil.which("npm")
        require(None if npm else "npm is not installed (it fetches the widget renderer)")
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([npm, "pack", "--silent", "--pack-destination", tmp,
                            *NPM_PACKAGES.values()], check=True, capture_output=True,
                           timeout=300)
            for name, tarball in zip(NPM_PACKAGES, sorted(Path(tmp).glob("*.tgz"))):
                with tarfile.open(tarball) as archive:
                    archive.extractall(Path(tmp) / name, filter="data")
                shutil.copytree(Path(tmp) / name / "package", target / name,
                                dirs_exist_ok=True)
    return target


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    with headless_chromium() as browser:
        yield browser


def serve_offline(page, document: str, renderer: Path) -> list[str]:
    """Answer the page's requests from here; refuse the rest (MathJax, say). Returns them."""
    refused: list[str] = []

    def answer(route) -> None:
        url = route.request.url
        dist = (re.match(r"https://unpkg\.com/@jupyter-widgets/html-manager@[^/]+/dist/(.+)$", url)
                # the renderer's icon fonts, which it asks for next to the page
                or re.match(r"http://book\.invalid/@jupyter-widgets/([0-9a-f]+\.\w+)$", url))
        if url == "http://book.invalid/chapter.html":
            route.fulfill(body=document, content_type="text/html")
        elif dist and (renderer / "html-manager" / "dist" / dist.group(1)).is_file():
            route.fulfill(path=renderer / "html-manager" / "dist" / dist.group(1))
        elif url.startswith("https://cdnjs.cloudflare.com/ajax/libs/require.js/"):
            route.fulfill(path=renderer / "requirejs" / "require.js",
                          content_type="application/javascript")
        else:
            refused.append(url)
            route.abort()

    page.route("**/*", answer)
    return refused


@pytest.mark.browser
@pytest.mark.parametrize("notebook", WITH_WIDGETS, ids=chapter_id)
def test_export_draws_every_widget_in_a_browser(notebook: Path, renderer: Path,
                                               chromium) -> None:
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    try:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        refused = serve_offline(page, exported(notebook), renderer)
        page.goto("http://book.invalid/chapter.html")
        views = len(displayed_views(notebook))
        page.wait_for_function(
            "n => document.querySelectorAll('.widget-subarea .jupyter-widgets').length > 0 "
            "&& document.querySelectorAll('.widget-subarea').length === n", arg=views,
            timeout=60_000)
        drawn = page.evaluate("""() => [...document.querySelectorAll('.widget-subarea')]
            .map(area => { const box = area.getBoundingClientRect();
                           return !!area.querySelector('.jupyter-widgets')
                                  && box.width > 0 && box.height > 0; })""")
        assert drawn == [True] * views
        assert errors == []
        assert not [url for url in refused if "jupyter-widgets" in url or "require" in url]
        explorer = page.locator(".widget-subarea").filter(has_text=explorer_name(notebook))
        if explorer.count():
            assert explorer.first.locator("svg polyline").count() > 0
            assert explorer.first.locator("tr.total").count() == 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{notebook.stem}--static-html.png", full_page=True)
    finally:
        page.close()


# -- the book's static pages (web/export.py) ----------------------------------------

# Where the offline page is told to find the renderer: nowhere (the name cannot resolve).
NOWHERE = "http://renderer.invalid/embed-amd.js"
OUTPUT_OPENING = '<div class="jupyter-widgets jp-OutputArea-output'
VIEW_SCRIPT = f'<script type="{WIDGET_VIEW}">'


@cache
def book_page(notebook: Path, offline: bool = False) -> str:
    return export_notebook(notebook, **({"widget_renderer_url": NOWHERE} if offline else {}))


def shown_html_values(state: dict, model_id: str, hidden: bool = False) -> list[str]:
    """The HTML values a view shows, children in order; none under a hidden layout."""
    model = state.get(model_id)
    if model is None:
        return []
    values = model["state"]
    layout = state.get(str(values.get("layout", "")).removeprefix("IPY_MODEL_"), {})
    hidden = hidden or layout.get("state", {}).get("display") == "none"
    if hidden:
        return []
    if model["model_name"] in ("HTMLModel", "HTMLMathModel") and values.get("value"):
        return [values["value"]]
    return [value for child in values.get("children", [])
            for value in shown_html_values(state, child.removeprefix("IPY_MODEL_"))]


def output_chunks(page: str) -> list[str]:
    """For each widget view script, the part of its output div that comes before it."""
    before_scripts = page.split(VIEW_SCRIPT)[:-1]
    return [chunk[chunk.rindex(OUTPUT_OPENING):] for chunk in before_scripts]


def as_parsed(value: str) -> str:
    """HTML as nbconvert writes it after parsing the page with BeautifulSoup."""
    from bs4 import BeautifulSoup

    return str(BeautifulSoup(value, features="html.parser"))


def visible_numbers(value: str) -> list[str]:
    """The numbers a reader sees in an HTML value: not in styles or SVG text (pictures),
    nor inside a closed <details> (only its summary shows)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(value, "html.parser")
    for tag in soup.find_all(["style", "script", "svg", "img"]):
        tag.decompose()
    for details in soup.find_all("details"):
        if not details.has_attr("open"):
            for child in list(details.children):
                if getattr(child, "name", None) != "summary":
                    child.extract()
    return re.findall(r"-?\d[\d,]*(?:\.\d+)?", soup.get_text(" "))


def test_static_copy_escapes_labels_and_keeps_the_widgets_html() -> None:
    """The widget's own HTML goes in as it is; labels, descriptions and choices are escaped."""
    def model(name: str, **state: object) -> dict:
        return {"model_name": name, "state": state}

    state = {
        "box": model("VBoxModel", children=["IPY_MODEL_label", "IPY_MODEL_html",
                                            "IPY_MODEL_box2", "IPY_MODEL_gone"]),
        "label": model("LabelModel", value="<script>alert(1)</script> layer 1"),
        "html": model("HTMLModel", value='<b>picture</b><svg><text>7</text></svg>'),
        "box2": model("HBoxModel", children=["IPY_MODEL_width", "IPY_MODEL_menu",
                                             "IPY_MODEL_button", "IPY_MODEL_named"]),
        "named": model("IntTextModel", description='layer 2<span class="ll-sr-only"> w</span>',
                       description_allow_html=True, value=5),
        "width": model("IntTextModel", description="w<i>dth", value=37),
        "menu": model("DropdownModel", description="", _options_labels=["<relu>", "tanh"],
                      index=0),
        "button": model("ButtonModel", description="play"),
        "gone": model("HTMLModel", value="<p>hidden message</p>", layout="IPY_MODEL_hide"),
        "hide": model("LayoutModel", display="none"),
    }
    metadata = {"widgets": {WIDGET_STATE: {"state": state, "version_major": 2}}}
    copy = str(static_copy({"model_id": "box"}, metadata))
    assert '<b>picture</b><svg><text>7</text></svg>' in copy
    assert "<script>" not in copy and "&lt;script&gt;alert(1)&lt;/script&gt; layer 1" in copy
    assert "w&lt;i&gt;dth" in copy and ">37<" in copy and "&lt;relu&gt;" in copy
    # a label the widget lets hold HTML (a name for screen readers only) stays HTML
    assert 'layer 2<span class="ll-sr-only"> w</span>' in copy
    assert "play" not in copy, "a button does nothing in a static page: not copied"
    assert "hidden message" not in copy, "a hidden child is not copied"
    assert copy.index("ll-static-note") < copy.index("ll-static-copy")
    assert html.escape(STATIC_NOTE) in copy
    # A view the saved state lacks: the note alone.
    assert "ll-static-copy" not in str(static_copy({"model_id": "nope"}, metadata))


@pytest.mark.parametrize("notebook", WITH_WIDGETS, ids=chapter_id)
def test_book_export_puts_a_static_copy_in_every_widget_output(notebook: Path) -> None:
    page = book_page(notebook)
    (embedded,) = scripts(page, WIDGET_STATE)
    assert embedded == nbformat.read(notebook, 4).metadata["widgets"][WIDGET_STATE]
    state = embedded["state"]
    views = [view["model_id"] for view in scripts(page, WIDGET_VIEW)]
    assert views == displayed_views(notebook)
    chunks = output_chunks(page)
    assert len(chunks) == len(views)
    for k, (view, chunk) in enumerate(zip(views, chunks)):
        note = STATIC_NOTES[edition_language(notebook)]
        assert chunk.count('class="ll-static-note"') == 1 and html.escape(note) in chunk
        assert "&lt;span" not in chunk, "a label's HTML shown as text"
        shown = shown_html_values(state, view)
        assert shown, f"widget output {k} saved no HTML to show"
        assert chunk.count('<div class="ll-static-copy">') == 1
        # nbconvert re-serializes the page with BeautifulSoup (quotes attributes, say)
        missing = [value[:60] for value in shown if as_parsed(value) not in chunk]
        assert missing == [], f"widget output {k}: saved HTML not in its static copy: {missing}"
    assert ".ll-static-copy{display:none}" in page.replace(" ", "")


# The book's page in a browser: for each widget output, what a reader sees in it.
STATIC_OUTPUTS = """() => {
  const shown = el => !!el && el.getClientRects().length > 0 &&
    getComputedStyle(el).visibility !== 'hidden';
  const count = (root, selector) => [...root.querySelectorAll(selector)].filter(shown).length;
  return [...document.querySelectorAll('div.jupyter-widgets.jp-OutputArea-output')]
    .filter(out => out.querySelector('script[type="application/vnd.jupyter.widget-view+json"]'))
    .map(out => {
      const sub = out.querySelector(':scope > .widget-subarea');
      return {
        copy: shown(out.querySelector(':scope > .ll-static-copy')),
        subareas: out.querySelectorAll(':scope > .widget-subarea').length,
        notes: [...out.querySelectorAll('.ll-static-note, .ll-saved-note')].filter(shown)
                 .map(el => ({cls: el.className, text: el.textContent.trim()})),
        svg: count(out, 'svg'), img: count(out, 'img'), table: count(out, 'table'),
        tree: count(out, '.ll-tree'), pre: count(out, 'pre'),
        live_svg: sub ? count(sub, 'svg') : 0, live_table: sub ? count(sub, 'table') : 0,
        text: out.innerText,
      };
    });
}"""


# What counts as a saved picture in a widget's HTML, by the element the page shows for it.
PICTURES = {"svg": r"<svg\b", "img": r"<img\b", "table": r"<table\b",
            "tree": r"class=\"?ll-tree\b", "pre": r"<pre\b"}


def open_book_page(chromium, document: str, renderer: Path | None):
    """A page showing ``document``; the renderer served from ``renderer``, or nothing."""
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    if renderer is not None:
        serve_offline(page, document, renderer)
    else:
        def answer(route) -> None:
            if route.request.url == "http://book.invalid/chapter.html":
                route.fulfill(body=document, content_type="text/html")
            else:
                route.abort()

        page.route("**/*", answer)
    page.goto("http://book.invalid/chapter.html")
    return page, errors


def screenshot_outputs(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    outputs = page.locator("div.jupyter-widgets.jp-OutputArea-output").filter(
        has=page.locator(f'script[type="{WIDGET_VIEW}"]'))
    for k in range(outputs.count()):
        outputs.nth(k).screenshot(path=SCREENSHOTS / f"{name}_w{k}.png")


@pytest.mark.browser
@pytest.mark.parametrize("notebook", WITH_WIDGETS, ids=chapter_id)
def test_book_export_offline_shows_every_saved_picture(notebook: Path, chromium) -> None:
    """No renderer (its URL points nowhere, nothing else is served): the copies show."""
    page, _ = open_book_page(chromium, book_page(notebook, offline=True), None)
    try:
        page.wait_for_load_state("load")
        state = nbformat.read(notebook, 4).metadata["widgets"][WIDGET_STATE]["state"]
        views = displayed_views(notebook)
        seen = page.evaluate(STATIC_OUTPUTS)
        assert len(seen) == len(views)
        for k, (view, output) in enumerate(zip(views, seen)):
            where = f"widget output {k} offline"
            assert output["subareas"] == 0, f"{where}: drawn by a renderer that is not there"
            assert output["copy"], f"{where}: the static copy is not shown"
            assert [n["text"] for n in output["notes"]] == [
                STATIC_NOTES[edition_language(notebook)]], where
            saved = "".join(shown_html_values(state, view))
            # its saved pictures: charts and images, tables, module trees, printouts
            wanted = {kind: len(re.findall(pattern, saved)) for kind, pattern in PICTURES.items()}
            assert any(wanted.values()), f"{where}: the saved state has no picture to show"
            shown = {kind: output[kind] for kind in PICTURES}
            assert all(shown[kind] >= wanted[kind] for kind in PICTURES), (
                f"{where}: shows {shown}, saved {wanted}")
            text = " ".join(output["text"].split())
            numbers = [n for value in shown_html_values(state, view)
                       for n in visible_numbers(value)]
            missing = sorted({n for n in numbers if n not in text})
            assert missing == [], f"{where}: saved numbers not shown: {missing[:10]}"
        screenshot_outputs(page, f"{chapter_id(notebook).split('_')[0]}_static-offline")
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize("notebook", WITH_WIDGETS, ids=chapter_id)
def test_book_export_with_the_renderer_draws_each_widget_once(notebook: Path, renderer: Path,
                                                             chromium) -> None:
    """With the renderer: each widget drawn once, live (but inert), under the note."""
    page, errors = open_book_page(chromium, book_page(notebook), renderer)
    try:
        views = len(displayed_views(notebook))
        page.wait_for_function(
            "n => document.querySelectorAll('.widget-subarea .jupyter-widgets').length > 0 "
            "&& document.querySelectorAll('.widget-subarea').length === n", arg=views,
            timeout=60_000)
        page.wait_for_timeout(500)  # the views' last children
        seen = page.evaluate(STATIC_OUTPUTS)
        assert len(seen) == views
        for k, output in enumerate(seen):
            where = f"widget output {k} with the renderer"
            assert output["subareas"] == 1, f"{where}: {output['subareas']} live views"
            assert not output["copy"], f"{where}: the static copy still shows beside the view"
            assert output["svg"] == output["live_svg"], f"{where}: a picture shown twice"
            assert output["table"] == output["live_table"], f"{where}: a table shown twice"
            note = STATIC_NOTES[edition_language(notebook)]
            assert output["notes"] == [{"cls": "ll-static-note", "text": note}], (
                f"{where}: want the one note that the controls are inert here, "
                f"got {output['notes']}")
        assert errors == []
        screenshot_outputs(page, f"{chapter_id(notebook).split('_')[0]}_static-online")
    finally:
        page.close()


# -- chapters without widgets: the seed section in other frameworks ------------------

def page_text(page: str) -> str:
    """What a reader can read on a page, whitespace collapsed (no scripts, no styles)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    for hidden in soup(["script", "style"]):
        hidden.decompose()
    return " ".join(soup.get_text(" ").split())


def plain(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("notebook", WITHOUT_WIDGETS, ids=chapter_id)
def test_book_export_of_a_chapter_without_widgets_shows_all_its_code_and_outputs(
        notebook: Path) -> None:
    page = book_page(notebook)
    assert not scripts(page, WIDGET_VIEW) and 'class="ll-static-note"' not in page
    text = page_text(page)
    nb = nbformat.read(notebook, 4)
    headings = [line.lstrip("#").strip() for cell in nb.cells if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if line.startswith("#")]
    assert headings and headings[0].startswith("1. Layers and modules in")
    # markdown renders `code` and *emphasis*; compare the words
    missing = [h for h in headings if plain(re.sub(r"[`*]", "", h)) not in text]
    assert missing == [], f"headings not on the page: {missing}"
    cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    # the highlighter splits code into spans (the text gets spaces between tokens), so code
    # and outputs are compared with all whitespace removed
    squeezed = re.sub(r"\s+", "", text)
    missing = [cell.id for cell in cells if re.sub(r"\s+", "", cell.source) not in squeezed]
    assert missing == [], f"code cells not on the page: {missing}"
    outputs = [re.sub(r"\s+", "", output.get("text")
                      or output.get("data", {}).get("text/plain", ""))
               for cell in cells for output in cell.outputs]
    missing = [o[:60] for o in outputs if o and o not in squeezed]
    assert missing == [], f"stored outputs not on the page: {missing}"


@pytest.mark.parametrize("notebook", WITHOUT_WIDGETS, ids=chapter_id)
def test_book_export_of_a_chapter_without_widgets_reads_offline_in_a_narrow_window(
        notebook: Path, chromium) -> None:
    """Nothing fetched, a 1024 px window: no errors, every cell shown, no sideways scroll."""
    page, errors = open_book_page(chromium, book_page(notebook, offline=True), None)
    try:
        page.set_viewport_size({"width": 1024, "height": 768})
        page.wait_for_load_state("load")
        cells = sum(c.cell_type == "code" for c in nbformat.read(notebook, 4).cells)
        assert page.locator(".jp-CodeCell").count() == cells
        assert errors == []
        width = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], f"the page scrolls sideways: {width}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{notebook.stem}--static-html.png", full_page=True)
    finally:
        page.close()
