"""The book's website (web/site.py, `make site`), built once into a temporary folder.

The first tests read the files: every chapter has its page and its notebook, the
index's tables, each page's language, the vendored renderer and MathJax, links that
stay inside the site, previous and next chaining through each edition. The browser
tests then open every page in headless Chromium with the network refused except the
site itself (answered from the built files): each page loads without an error or a
refused request, its widgets are drawn from the saved state by the vendored renderer,
MathJax typesets its math, and every link and resource it names is a file of the site.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from tests.browser.lab import (
    headless_chromium,
    require,
)
from tests.notebook_tools import chapter_id, displayed_models, every_chapter
from web import site as web_site

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "chapters"
NOTEBOOKS = every_chapter(ROOT)
# The README's Binder links; a fork's site (built by GitHub Actions) launches the fork.
REPOSITORY = os.environ.get("GITHUB_REPOSITORY") or "layerlab/layerlab"
BINDER = f"https://mybinder.org/v2/gh/{REPOSITORY}/HEAD?urlpath=lab/tree/chapters/"
ORIGIN = "http://layerlab.invalid"
FOLDERS = ("", "zh", "frameworks")


def rel(notebook: Path) -> str:
    """A chapter's path under chapters/, as the site and Binder name it."""
    return notebook.relative_to(CHAPTERS).as_posix()


def page_of(notebook: Path) -> str:
    return rel(notebook).removesuffix(".ipynb") + ".html"


def folder_of(notebook: Path) -> str:
    return posixpath.dirname(rel(notebook))


def first_heading(notebook: Path) -> str:
    nb = nbformat.read(notebook, 4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return " ".join(re.sub(r"[`*]", "", line.lstrip("#")).split())
    raise AssertionError(f"{notebook} has no heading")


def has_math(notebook: Path) -> bool:
    nb = nbformat.read(notebook, 4)
    return any(re.search(r"\$[^$\s][^$]*\$", cell.source)
               for cell in nb.cells if cell.cell_type == "markdown")


def neighbours(notebook: Path) -> tuple[Path | None, Path | None]:
    same = [n for n in NOTEBOOKS if folder_of(n) == folder_of(notebook)]
    k = same.index(notebook)
    return (same[k - 1] if k else None, same[k + 1] if k + 1 < len(same) else None)


def other_edition(notebook: Path) -> Path | None:
    folder = folder_of(notebook)
    if folder == "":
        other = CHAPTERS / "zh" / notebook.name
    elif folder == "zh":
        other = CHAPTERS / notebook.name
    else:
        return None
    return other if other in NOTEBOOKS else None


def soup(path: Path):
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def resolve(page: str, href: str) -> str:
    """A relative link on ``page`` as a path in the site (no query, no fragment)."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(page),
                                             unquote(href.split("#")[0].split("?")[0])))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site, built once (the npm tarballs come from build/npm-cache/ when there)."""
    cached = all((web_site.NPM_CACHE / web_site._tarball_name(p.spec)).is_file()
                 for p in web_site.VENDORED)
    require(None if cached or shutil.which("npm")
            else "npm is not installed (it fetches the widget renderer and MathJax)")
    out = tmp_path_factory.mktemp("site") / "site"
    web_site.build(out, quiet=True)
    return out


# -- the files -------------------------------------------------------------------------


def test_the_build_has_a_page_and_the_notebook_of_every_chapter(site: Path) -> None:
    assert NOTEBOOKS, "no chapters found"
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                   if not p.relative_to(site).as_posix().startswith("_static/"))
    assert pages == sorted(["index.html", *map(page_of, NOTEBOOKS)])
    for notebook in NOTEBOOKS:
        assert (site / rel(notebook)).read_bytes() == notebook.read_bytes()
    chapters = web_site.book_chapters()
    assert [c.rel for c in chapters] == [rel(n) for n in NOTEBOOKS]


def test_the_index_lists_every_chapter_with_its_title_and_binder_link(site: Path) -> None:
    index = soup(site / "index.html")
    assert index.html["lang"] == "en"
    assert index.h1.get_text(strip=True) == "layerlab"
    assert index.title.get_text().startswith("layerlab")
    sections = {"": "english", "zh": "chinese", "frameworks": "frameworks"}
    for folder, section_id in sections.items():
        notebooks = [n for n in NOTEBOOKS if folder_of(n) == folder]
        section = index.find("section", id=section_id)
        if not notebooks:
            assert section is None
            continue
        assert section["lang"] == ("zh" if folder == "zh" else "en")
        rows = section.select("tbody tr")
        assert [row["data-chapter"] for row in rows] == [rel(n) for n in notebooks]
        for notebook, row in zip(notebooks, rows):
            number, title, _, _ = [cell.get_text(" ", strip=True) for cell in row("td")]
            heading = first_heading(notebook)
            assert number == str(int(notebook.name[:2]))
            assert f"{number}. {title}" == heading, (heading, title)
            assert row.select_one("a.ll-page")["href"] == page_of(notebook)
            assert row.select_one("a.ll-notebook")["href"] == rel(notebook)
            assert row.select_one("a.ll-binder")["href"] == BINDER + rel(notebook)
    assert index.find("section", id="frameworks").h2.get_text() == (
        "Chapter 1 in other frameworks")


def test_each_page_speaks_its_editions_language(site: Path) -> None:
    for notebook in NOTEBOOKS:
        page = soup(site / page_of(notebook))
        lang = "zh" if folder_of(notebook) == "zh" else "en"
        assert page.html["lang"] == lang, page_of(notebook)
        navs = page.select("nav.ll-site-nav")
        assert len(navs) == 2, f"{page_of(notebook)}: want a bar at the top and the bottom"
        labels = web_site.LABELS[lang]
        for nav in navs:
            assert nav.select_one(".ll-nav-index").get_text(strip=True) == labels["index"]
            assert nav.select_one(".ll-nav-binder").get_text(strip=True) == labels["binder"]
            assert labels["prev"] in nav.select_one(".ll-nav-prev").get_text()
            assert labels["next"] in nav.select_one(".ll-nav-next").get_text()
        assert page.title.get_text() == f"{first_heading(notebook)} · layerlab"


def test_the_renderer_and_mathjax_are_vendored_and_nothing_comes_from_a_cdn(
        site: Path) -> None:
    static = site / "_static"
    for path in ("requirejs/require.js", "html-manager/dist/embed-amd.js",
                 "html-manager/dist/libembed-amd.js", "mathjax/es5/tex-chtml-full.js",
                 "site.css"):
        assert (static / path).is_file(), path
    fonts = list((static / "html-manager" / "dist").glob("*.woff2"))
    assert fonts, "the renderer's icon fonts are missing"
    mathjax_fonts = list((static / "mathjax/es5/output/chtml/fonts/woff-v2").glob("*.woff"))
    assert len(mathjax_fonts) >= 20
    for notebook in NOTEBOOKS:
        text = (site / page_of(notebook)).read_text(encoding="utf-8")
        up = "../" * page_of(notebook).count("/")
        assert f'<script src="{up}_static/requirejs/require.js"></script>' in text
        if "widgets" in nbformat.read(notebook, 4).metadata:
            assert f"'{up}_static/html-manager/dist/embed-amd.js'" in text
        assert f'src="{up}_static/mathjax/es5/tex-chtml-full.js"' in text
        for gone in ("cdnjs.cloudflare.com", "unpkg.com", "text/x-mathjax-config",
                     "MathJax.Hub.Config", "mermaid"):
            assert gone not in text, f"{page_of(notebook)} still names {gone}"


def test_every_link_and_resource_in_the_files_is_in_the_site(site: Path) -> None:
    assert web_site.check_site(site) == []


def test_links_between_chapters_go_to_their_pages(site: Path) -> None:
    for notebook in NOTEBOOKS:
        page = soup(site / page_of(notebook))
        hrefs = [a["href"] for a in page.select("main a[href]")]
        assert not [h for h in hrefs if h.endswith(".ipynb") and "://" not in h], (
            f"{page_of(notebook)} links a notebook, not its page")


def walk(site: Path, start: str, direction: str) -> list[str]:
    """The pages met following one direction's link from ``start`` to the end."""
    seen = [start]
    while True:
        link = soup(site / seen[-1]).select_one(f"nav.ll-site-nav-top a.ll-nav-{direction}")
        if link is None:
            return seen
        following = resolve(seen[-1], link["href"])
        assert following not in seen, f"{direction} links loop: {[*seen, following]}"
        seen.append(following)


def test_previous_and_next_chain_through_each_edition(site: Path) -> None:
    for folder in FOLDERS:
        pages = [page_of(n) for n in NOTEBOOKS if folder_of(n) == folder]
        if pages:
            assert walk(site, pages[0], "next") == pages, folder
            assert walk(site, pages[-1], "prev") == pages[::-1], folder


# -- in a browser -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    with headless_chromium() as browser:
        yield browser


class Visit:
    """A page of the site in Chromium: only the site answers; the rest is refused."""

    def __init__(self, chromium, site: Path, path: str) -> None:
        self.site, self.path = site, path
        self.refused: list[str] = []
        self.missing: list[str] = []
        self.errors: list[str] = []
        self.page = chromium.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(
            f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.route("**/*", self.answer)
        self.page.goto(f"{ORIGIN}/{path}", wait_until="load", timeout=60_000)

    def answer(self, route) -> None:
        url = route.request.url
        if not url.startswith(ORIGIN + "/"):
            self.refused.append(url)
            route.abort()
            return
        path = unquote(urlsplit(url).path).lstrip("/")
        file = self.site / path
        if path and ".." not in path.split("/") and file.is_file():
            route.fulfill(path=file)
        else:
            self.missing.append(path)
            route.fulfill(status=404, body="not in the site")

    def links(self) -> list[dict]:
        """Every link and resource the page's DOM names, with where it points."""
        return self.page.evaluate("""() => {
          const found = [];
          const add = (el, attr) => { const v = el.getAttribute(attr);
            if (v !== null) found.push({tag: el.tagName.toLowerCase(), attr, value: v,
                                        url: new URL(v, document.baseURI).href}); };
          document.querySelectorAll('a[href], link[href]').forEach(el => add(el, 'href'));
          document.querySelectorAll('img[src], script[src], iframe[src], source[src]')
            .forEach(el => add(el, 'src'));
          return found; }""")

    def close(self) -> None:
        self.page.close()


def internal(link: dict) -> bool:
    return not re.match(r"^(https?|mailto|data|javascript):", link["value"]) and not (
        link["value"].startswith("#"))


def dangling(visit: Visit) -> list[str]:
    """Internal links and resources of the page that are not files of the site."""
    bad = []
    for link in visit.links():
        if not internal(link):
            continue
        if not link["url"].startswith(ORIGIN + "/"):
            bad.append(f"{link['tag']} {link['attr']}={link['value']} leaves the site")
            continue
        path = unquote(urlsplit(link["url"]).path).lstrip("/")
        if not (visit.site / path).is_file():
            bad.append(f"{link['tag']} {link['attr']}={link['value']} -> {path}: no such file")
    return bad


@pytest.mark.browser
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda n: f"{folder_of(n) or 'en'}-"
                         + chapter_id(n).removeprefix("zh-"))
def test_a_chapter_page_works_offline(notebook: Path, site: Path, chromium) -> None:
    path = page_of(notebook)
    visit = Visit(chromium, site, path)
    page = visit.page
    try:
        views = len(displayed_models(nbformat.read(notebook, 4)))
        if views:
            page.wait_for_function(
                "n => document.querySelectorAll('.widget-subarea .jupyter-widgets').length > 0"
                " && document.querySelectorAll('.widget-subarea').length === n", arg=views,
                timeout=60_000)
            page.wait_for_timeout(300)  # the views' last children
        drawn = page.evaluate("""() => [...document.querySelectorAll('.widget-subarea')]
            .map(area => !!area.querySelector('.jupyter-widgets')
                 && area.getBoundingClientRect().height > 0)""")
        assert drawn == [True] * views, f"{path}: widget views drawn {drawn}, saved {views}"
        if has_math(notebook):
            page.wait_for_function("() => window.MathJax && MathJax.startup"
                                   " && document.querySelector('mjx-container')",
                                   timeout=30_000)
            page.evaluate("() => MathJax.startup.promise")
            assert page.locator("mjx-container").count() > 0
            assert page.locator("mjx-merror").count() == 0, f"{path}: a TeX error"
        page.evaluate("() => document.fonts.ready.then(() => true)")
        page.wait_for_timeout(200)
        lang = "zh" if folder_of(notebook) == "zh" else "en"
        assert page.evaluate("() => document.documentElement.lang") == lang
        # the navigation bar, above and below the chapter
        for where in ("top", "bottom"):
            nav = page.locator(f"nav.ll-site-nav-{where}")
            assert nav.count() == 1, f"{path}: no navigation bar at the {where}"
            assert nav.locator("a.ll-nav-binder").get_attribute("href") == (
                BINDER + rel(notebook))
            assert resolve(path, nav.locator("a.ll-nav-index").get_attribute("href")) == (
                "index.html")
            assert resolve(path, nav.locator("a.ll-nav-download").get_attribute("href")) == (
                rel(notebook))
            prev, following = neighbours(notebook)
            for kind, want in (("prev", prev), ("next", following)):
                link = nav.locator(f"a.ll-nav-{kind}")
                if want is None:
                    assert link.count() == 0, f"{path}: a {kind} link past the end"
                else:
                    assert resolve(path, link.get_attribute("href")) == page_of(want)
            other = other_edition(notebook)
            edition = nav.locator("a.ll-nav-edition")
            if other is None:
                assert edition.count() == 0
            else:
                assert resolve(path, edition.get_attribute("href")) == page_of(other)
        assert dangling(visit) == [], f"{path}: links and resources not in the site"
        assert visit.missing == [], f"{path}: asked the site for files it lacks"
        assert visit.refused == [], f"{path}: asked the network for {visit.refused}"
        assert visit.errors == [], f"{path}: {visit.errors}"
    finally:
        visit.close()


@pytest.mark.browser
def test_the_index_page_links_every_page(site: Path, chromium) -> None:
    visit = Visit(chromium, site, "index.html")
    try:
        links = visit.links()
        pages = {resolve("index.html", link["value"]) for link in links
                 if link["tag"] == "a" and internal(link)}
        assert {page_of(n) for n in NOTEBOOKS} <= pages
        binder = {link["value"] for link in links if link["value"].startswith("https://")}
        assert {BINDER + rel(n) for n in NOTEBOOKS} <= binder
        assert dangling(visit) == []
        assert visit.missing == [] and visit.refused == [] and visit.errors == []
    finally:
        visit.close()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=chapter_id)
def test_folded_cells_stay_folded_on_the_page(site: Path, notebook: Path) -> None:
    """Solutions and their explanations: folded (a closed <details>), as the prose says."""
    from bs4 import BeautifulSoup

    folded = [c for c in nbformat.read(notebook, 4).cells
              if c.metadata.get("jupyter", {}).get("source_hidden")]
    page = BeautifulSoup((site / rel(notebook).replace(".ipynb", ".html")).read_text(
        encoding="utf-8"), "html.parser")
    shown = page.select("details.ll-folded")
    assert len(shown) == len(folded)
    assert not [d for d in shown if d.has_attr("open")]
    # its first line, as JupyterLab shows a folded cell (markdown without its * marks)
    first = [c.source.split("\n")[0] for c in folded]
    assert [d.summary.get_text() for d in shown] == [
        line.replace("*", "") if c.cell_type == "markdown" else line
        for c, line in zip(folded, first)]
