"""Every chapter as a reader who only browses sees it: nbconvert's HTML export.

The export must carry the saved widget state, so the explorer's last picture and
numbers are there without a kernel. The first tests read the HTML itself. The
last one opens it in headless Chromium with the widget renderer the page loads
(@jupyter-widgets/html-manager, fetched once from the npm registry and served in
place of the CDN; nothing else leaves the machine) and checks that every widget
is drawn from the saved state.
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

from tests.browser.lab import CHROMIUM_FLAGS, find_chromium, missing_browser, require

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
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


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
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


@pytest.mark.parametrize("notebook", [n for n in NOTEBOOKS if "MLPExplorer(" in n.read_text()],
                         ids=lambda p: p.stem)
def test_export_shows_the_explorers_last_picture_and_numbers(notebook: Path) -> None:
    page = exported(notebook)
    state = scripts(page, WIDGET_STATE)[0]["state"]
    explorers = [v for v in displayed_views(notebook) if "MLP explorer" in html_values(state, v)]
    assert explorers, "no MLP explorer output stored"
    for view in explorers:
        shown = html_values(state, view)
        assert shown.count("<svg") == 1 and "<polyline" in shown, "no plot saved"
        total = re.search(r'<tr class="total"><td class=l>total</td>.*?<td>([\d,]+)</td></tr>',
                          shown)
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
    require(missing_browser())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(),
                                             args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


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
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
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
        explorer = page.locator(".widget-subarea").filter(has_text="MLP explorer")
        if explorer.count():
            assert explorer.first.locator("svg polyline").count() > 0
            assert explorer.first.locator("tr.total").count() == 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{notebook.stem}--static-html.png", full_page=True)
    finally:
        page.close()
