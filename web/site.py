"""The book as a static website: ``python -m web.site --out build/site`` (``make site``).

One page per chapter, in the same layout as chapters/ (``NN_x.html``, ``zh/NN_x.html``,
``frameworks/NN_x.html``), each the book's static page (web/export.py: every widget
output carries its static copy and note) with a navigation bar above and below it: the
index, the previous and next chapter of the same edition, the same chapter in the other
edition (English and Chinese), Binder, and the notebook itself, copied next to the
page. ``index.html`` lists every chapter with its title (the notebook's first heading)
and its Binder launch.

A page asks nothing of the network: the widget renderer (@jupyter-widgets/html-manager's
dist/), require.js and MathJax 3 are vendored into ``_static/`` at build time from the
npm registry (``npm pack``; the tarballs are kept in build/npm-cache/, so a rebuild does
not fetch them again), and the pages refer to them by relative URLs.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterable, Sequence
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import jinja2
import nbformat

from web.export import FOLDERS, ROOT, TEMPLATES, default_chapters, edition, export_node

#: The site's chapter template (web/templates/layerlab_site/), built on the book's own.
SITE_TEMPLATE = "layerlab_site"
SITE_FILES = TEMPLATES / SITE_TEMPLATE
CHAPTERS = ROOT / "chapters"
#: Binder's launch URL of a chapter, as the README writes it: this, then its path
#: under chapters/ (``zh/01_layers_and_modules.ipynb``).
#: Binder's address for a chapter: of this repository, or of a fork's where GitHub Actions
#: builds the site (GITHUB_REPOSITORY is "owner/name" there).
REPOSITORY = os.environ.get("GITHUB_REPOSITORY") or "layerlab/layerlab"
BINDER = f"https://mybinder.org/v2/gh/{REPOSITORY}/HEAD?urlpath=lab/tree/chapters/"
NPM_CACHE = ROOT / "build" / "npm-cache"
STATIC = "_static"


@dataclasses.dataclass(frozen=True)
class Vendored:
    """An npm package and the parts of it the site serves, from ``_static/<folder>/``."""

    spec: str
    folder: str
    parts: tuple[str, ...]


#: What the pages load, fetched from the npm registry: the widget renderer nbconvert's
#: page asks the CDN for (matched to ipywidgets 8.1 / @jupyter-widgets/controls 5, as
#: tests/book/test_static_html.py), the require.js it needs, and MathJax 3 with the fonts
#: its CommonHTML output loads (from ``output/chtml/fonts/woff-v2`` beside the script).
VENDORED = (
    Vendored("@jupyter-widgets/html-manager@1.0.15", "html-manager", ("dist", "package.json")),
    Vendored("requirejs@2.3.8", "requirejs", ("require.js", "package.json")),
    Vendored("mathjax@3.2.2", "mathjax", ("es5/tex-chtml-full.js",
                                          "es5/output/chtml/fonts/woff-v2", "LICENSE",
                                          "package.json")),
)
#: Parts no page loads: source maps (read only by a browser's developer tools) and
#: html-manager's bundle for pages without require.js (the pages load embed-amd.js).
UNSERVED = (".map", "/dist/embed.js")
REQUIRE_JS = f"{STATIC}/requirejs/require.js"
WIDGET_RENDERER = f"{STATIC}/html-manager/dist/embed-amd.js"
MATHJAX = f"{STATIC}/mathjax/es5/tex-chtml-full.js"

#: The navigation bar's words, in each edition's language.
LABELS = {
    "en": {"index": "Contents", "prev": "Previous", "next": "Next", "colon": ": ",
           "binder": "Launch in Binder", "download": "Download .ipynb",
           "nav_top": "Chapters", "nav_bottom": "Chapters (end of page)"},
    "zh": {"index": "目录", "prev": "上一章", "next": "下一章", "colon": "：",
           "binder": "在 Binder 中运行", "download": "下载 .ipynb",
           "nav_top": "章节导航", "nav_bottom": "章节导航（页尾）"},
}
#: How the link to the other edition is named: in that edition's own language.
EDITION_NAMES = {"en": "English", "zh": "中文"}

BOOK = {
    "title": "layerlab",
    "tagline": "Build neural networks from layers and modules, live",
    "description": (
        "layerlab is an interactive, tested textbook on how neural networks are put "
        "together in PyTorch: layers and modules, parameters, initialization, lazy "
        "initialization, custom layers, saving and loading, and GPUs. It follows the "
        "\u201cBuilders\u2019 Guide\u201d material of Dive into Deep Learning, written as "
        "Jupyter chapters whose every cell runs, whose printed outputs are checked on "
        "every change, and whose widgets let you change a network and watch what it "
        "computes.",
        "These pages show each chapter as it was last run, with every widget\u2019s saved "
        "picture and numbers. To move the controls, launch the chapter in Binder "
        "(JupyterLab in your browser, nothing to install), or download its notebook.",
    ),
    "note": "Each page works offline: everything it loads is part of this site.",
    "footer": "layerlab: the chapters are Jupyter notebooks; these pages are built from "
              "them with nbconvert (make site).",
}
SECTIONS = {
    "": {"id": "english", "lang": "en", "heading": "Chapters", "intro": "",
         "columns": ("#", "chapter", "notebook", "launch"), "launch": "Binder"},
    "zh": {"id": "chinese", "lang": "zh", "heading": "中文版",
           "intro": "同样的章节，用中文写成：代码和输出的数字与英文版相同。",
           "columns": ("#", "章节", "笔记本", "运行"), "launch": "Binder"},
    "frameworks": {"id": "frameworks", "lang": "en",
                   "heading": "Chapter 1 in other frameworks",
                   "intro": "The seed chapter, layers and modules, in the other frameworks of "
                            "Dive into Deep Learning: every example of the PyTorch chapter "
                            "in that framework's own idiom, with what differs from PyTorch "
                            "said where it differs. The widgets stay PyTorch.",
                   "columns": ("#", "chapter", "notebook", "launch"), "launch": "Binder"},
}


# -- the chapters --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Chapter:
    """One chapter of the site: its notebook, where its page goes, its title."""

    source: Path
    rel: str          #: its path under chapters/: "zh/01_layers_and_modules.ipynb"
    folder: str       #: "", "zh" or "frameworks"
    number: str       #: "1", from the file name's NN
    title: str        #: its first heading, without the number: "Layers and modules"

    @property
    def language(self) -> str:
        return edition(self.source)

    @property
    def page(self) -> str:
        return self.rel.removesuffix(".ipynb") + ".html"

    @property
    def binder(self) -> str:
        return BINDER + self.rel

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}"


def _plain(markdown: str) -> str:
    """A heading's text without markdown's markup: links, code, emphasis."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"(`+)(.*?)\1", r"\2", text)
    text = re.sub(r"(\*\*|__|\*)(.+?)\1", r"\2", text)
    return " ".join(text.split())


def chapter_title(nb: nbformat.NotebookNode) -> str | None:
    """The text of a notebook's first markdown heading, or None."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            found = re.match(r"\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
            if found:
                return _plain(found.group(1))
    return None


def read_chapter(source: Path) -> Chapter:
    source = Path(source)
    rel = source.resolve().relative_to(CHAPTERS.resolve()).as_posix()
    folder = posixpath.dirname(rel)
    number = str(int(source.name[:2])) if source.name[:2].isdigit() else ""
    title = chapter_title(nbformat.read(source, 4)) or source.stem
    found = re.match(r"(\d+)\.\s+(.*)", title)
    if found:
        number, title = number or found.group(1), found.group(2)
    return Chapter(source, rel, folder, number, title)


def book_chapters(notebooks: Iterable[Path] | None = None) -> list[Chapter]:
    """The site's chapters (every chapter, by globbing, unless ``notebooks`` are given)."""
    found = [read_chapter(n) for n in (default_chapters() if notebooks is None else notebooks)]
    unknown = [c.rel for c in found if c.folder not in FOLDERS]
    if unknown:
        raise ValueError(f"not a chapter of the book (chapters/, zh/, frameworks/): {unknown}")
    return found


def _relative(target: str, page: str) -> str:
    """``target`` (a path in the site) as a link from ``page`` (another)."""
    return posixpath.relpath(target, posixpath.dirname(page) or ".")


def _neighbours(chapters: Sequence[Chapter]) -> dict[str, tuple[Chapter | None, Chapter | None]]:
    """Each chapter's previous and next chapter in its own folder (the site's order)."""
    links: dict[str, tuple[Chapter | None, Chapter | None]] = {}
    for folder in FOLDERS:
        same = [c for c in chapters if c.folder == folder]
        for k, chapter in enumerate(same):
            links[chapter.rel] = (same[k - 1] if k else None,
                                  same[k + 1] if k + 1 < len(same) else None)
    return links


def _other_edition(chapter: Chapter, by_rel: dict[str, Chapter]) -> Chapter | None:
    name = posixpath.basename(chapter.rel)
    if chapter.folder == "":
        return by_rel.get(f"zh/{name}")
    if chapter.folder == "zh":
        return by_rel.get(name)
    return None


def navigation(chapter: Chapter, chapters: Sequence[Chapter]) -> dict:
    """What a chapter's navigation bar shows (``resources.ll_site`` in its template)."""
    by_rel = {c.rel: c for c in chapters}
    prev, next_ = _neighbours(chapters)[chapter.rel]
    other = _other_edition(chapter, by_rel)
    here = chapter.page

    def link(target: Chapter | None) -> dict | None:
        return target and {"href": _relative(target.page, here), "title": target.heading}

    return {
        "lang": chapter.language,
        "labels": LABELS[chapter.language],
        "static": _relative(STATIC, here),
        "index": _relative("index.html", here),
        "prev": link(prev),
        "next": link(next_),
        "other": other and {"href": _relative(other.page, here), "lang": other.language,
                            "label": EDITION_NAMES[other.language]},
        "binder": chapter.binder,
        "download": posixpath.basename(chapter.rel),
    }


# -- links between chapters -----------------------------------------------------------

_MARKDOWN_LINK = re.compile(r"(?P<text>\[(?:[^\[\]]|\[[^\]]*\])*\])"
                            r"\((?P<target>[^()\s]+?\.ipynb)(?P<anchor>#[^()\s]*)?\)")
_HTML_LINK = re.compile(r'href="(?P<target>[^":]+?\.ipynb)(?P<anchor>#[^"]*)?"')


def link_chapters(nb: nbformat.NotebookNode, chapter: Chapter, chapters: Sequence[Chapter],
                  warnings: list[str]) -> None:
    """In the markdown cells, a link to another chapter's notebook goes to its page; a
    link to a chapter the site lacks keeps its words but loses its link (and warns)."""
    pages = {c.rel: c.page for c in chapters}

    def target_page(target: str) -> str | None:
        rel = posixpath.normpath(posixpath.join(chapter.folder, target))
        return pages.get(rel)

    def markdown(match: re.Match) -> str:
        page = target_page(match["target"])
        if page is None:
            warnings.append(f"{chapter.rel}: link to {match['target']}, which is not in the "
                            "site: left as text")
            return match["text"][1:-1]
        return f"{match['text']}({_relative(page, chapter.page)}{match['anchor'] or ''})"

    def html_link(match: re.Match) -> str:
        page = target_page(match["target"])
        if page is None:
            warnings.append(f"{chapter.rel}: link to {match['target']}, which is not in the "
                            "site")
            return match[0]
        return f'href="{_relative(page, chapter.page)}{match["anchor"] or ""}"'

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _HTML_LINK.sub(html_link, _MARKDOWN_LINK.sub(markdown, cell.source))


# -- vendored scripts ----------------------------------------------------------------


def _tarball_name(spec: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", spec.lstrip("@")) + ".tgz"


def npm_tarball(spec: str, cache: Path = NPM_CACHE) -> Path:
    """The package's tarball from the npm registry (``npm pack``), kept in ``cache``."""
    tarball = cache / _tarball_name(spec)
    if tarball.is_file():
        return tarball
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"npm is not installed: it fetches {spec} from the npm registry "
                           "(install Node.js and npm)")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        subprocess.run([npm, "pack", "--silent", "--pack-destination", tmp, spec],
                       check=True, capture_output=True, timeout=600)
        (packed,) = Path(tmp).glob("*.tgz")
        packed.replace(tarball)
    print(f"fetched {spec} from the npm registry -> {tarball}")
    return tarball


def vendor(static: Path, cache: Path = NPM_CACHE) -> list[Path]:
    """Unpack the vendored parts into ``static``; return the folders made."""
    made = []
    for package in VENDORED:
        target = static / package.folder
        if target.exists():
            shutil.rmtree(target)
        wanted = tuple(f"package/{part}" for part in package.parts)
        with tarfile.open(npm_tarball(package.spec, cache)) as archive:
            members = [m for m in archive.getmembers()
                       if (m.name in wanted or m.name.startswith(tuple(w + "/" for w in wanted)))
                       and not m.name.endswith(UNSERVED)]
            missing = [p for p, w in zip(package.parts, wanted)
                       if not any(m.name == w or m.name.startswith(w + "/") for m in members)]
            if missing:
                raise RuntimeError(f"{package.spec} has no {missing}")
            with tempfile.TemporaryDirectory(dir=static) as tmp:
                archive.extractall(tmp, members=members, filter="data")
                (Path(tmp) / "package").replace(target)
        made.append(target)
    return made


# -- the pages -----------------------------------------------------------------------


def _no_cdn_outputs(nb: nbformat.NotebookNode, chapter: Chapter) -> None:
    """Refuse what the page would fetch from a CDN that the site does not vendor."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "text/vnd.mermaid" in output.get("data", {}):
                raise RuntimeError(f"{chapter.rel} has a mermaid diagram: nbconvert loads "
                                   "mermaid from a CDN; vendor it in web/site.py first")


def chapter_page(chapter: Chapter, chapters: Sequence[Chapter], warnings: list[str]) -> str:
    """The HTML of a chapter's page on the site."""
    nb = nbformat.read(chapter.source, 4)
    _no_cdn_outputs(nb, chapter)
    link_chapters(nb, chapter, chapters, warnings)
    nb.metadata["title"] = f"{chapter.heading} · layerlab"
    site = navigation(chapter, chapters)
    return export_node(nb, chapter.language, resources={"ll_site": site},
                       template_name=SITE_TEMPLATE,
                       # so that the site's template can extend 'layerlab/index.html.j2'
                       extra_template_paths=[str(TEMPLATES)],
                       require_js_url=_relative(REQUIRE_JS, chapter.page),
                       widget_renderer_url=_relative(WIDGET_RENDERER, chapter.page),
                       mathjax_url=_relative(MATHJAX, chapter.page))


def index_page(chapters: Sequence[Chapter]) -> str:
    """The site's index: the book, then a table per edition."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(SITE_FILES), autoescape=True,
                             keep_trailing_newline=True)
    sections = []
    for folder in FOLDERS:
        rows = [{"rel": c.rel, "number": c.number, "title": c.title, "page": c.page,
                 "notebook": c.rel, "notebook_name": posixpath.basename(c.rel),
                 "binder": c.binder} for c in chapters if c.folder == folder]
        if rows:
            sections.append({**SECTIONS[folder], "chapters": rows})
    return env.get_template("book_index.html.j2").render(book=BOOK, sections=sections)


#: The attribute of each element that links to or loads a URL.
_URL_ATTRIBUTES = {"a": "href", "link": "href", "area": "href", "img": "src", "script": "src",
                   "iframe": "src", "source": "src", "video": "src", "audio": "src",
                   "embed": "src", "object": "data"}


class _Links(HTMLParser):
    """The URLs a page links to or loads: (tag, attribute, url)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attribute = _URL_ATTRIBUTES.get(tag)
        for name, value in attrs:
            if name == attribute and value is not None:
                self.found.append((tag, name, value))


def page_links(page_html: str) -> list[tuple[str, str, str]]:
    parser = _Links()
    parser.feed(page_html)
    parser.close()
    return parser.found


def is_internal(url: str) -> bool:
    """Whether a URL points into the site (not another scheme, host or this page)."""
    return not (re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url) or url.startswith(("//", "#"))
                or url == "")


def check_site(out: Path) -> list[str]:
    """Problems a reader would meet: a link or resource that is not in the site, or a
    resource (not a mere link) that a page would fetch from elsewhere."""
    problems = []
    for page in sorted(out.rglob("*.html")):
        rel = page.relative_to(out).as_posix()
        if rel.startswith(STATIC + "/"):
            continue
        for tag, attribute, url in page_links(page.read_text(encoding="utf-8")):
            if is_internal(url):
                path = posixpath.normpath(posixpath.join(
                    posixpath.dirname(rel), unquote(url.split("#")[0].split("?")[0])))
                if path.startswith("..") or not (out / path).is_file():
                    problems.append(f"{rel}: {tag} {attribute}={url} is not in the site")
            elif tag != "a" and not url.startswith(("data:", "#")):
                problems.append(f"{rel}: {tag} {attribute}={url} loads from outside the site")
    return problems


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() \
        else path.stat().st_size


def summary(out: Path, pages: int, seconds: float) -> str:
    """Pages, the site's size and its largest part, and the build time, in a few lines."""
    parts = {f"{STATIC}/{p.name}": _size(p) for p in sorted((out / STATIC).iterdir())}
    parts["pages (.html)"] = sum(f.stat().st_size for f in out.rglob("*.html")
                                 if not f.relative_to(out).as_posix().startswith(STATIC))
    parts["notebooks (.ipynb)"] = sum(f.stat().st_size for f in out.rglob("*.ipynb"))
    total = _size(out)
    largest = max(parts, key=parts.get)
    lines = [f"site: {out}",
             f"  {pages + 1} pages ({pages} chapters and the index), {_mib(total)} in all; "
             "largest part: "
             f"{largest}, {_mib(parts[largest])}"]
    lines += [f"    {name:<24}{_mib(size):>10}"
              for name, size in sorted(parts.items(), key=lambda item: -item[1])]
    lines.append(f"  built in {seconds:.1f} s")
    return "\n".join(lines)


def build(out: Path, notebooks: Iterable[Path] | None = None, cache: Path = NPM_CACHE,
          quiet: bool = False) -> list[Path]:
    """Build the site into ``out`` (emptied first); return the chapter pages written."""
    started = time.perf_counter()
    chapters = book_chapters(notebooks)
    if not chapters:
        raise RuntimeError("no chapters found (chapters/NN_*.ipynb)")
    if out.exists():
        if any(out.iterdir()) and not (out / STATIC).is_dir():
            raise RuntimeError(f"{out} is not empty and holds no site built before: "
                               "not emptying it (choose another --out)")
        shutil.rmtree(out)
    (out / STATIC).mkdir(parents=True)
    vendor(out / STATIC, cache)
    shutil.copy2(SITE_FILES / "site.css", out / STATIC / "site.css")
    warnings: list[str] = []
    pages = []
    for chapter in chapters:
        page = out / chapter.page
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(chapter_page(chapter, chapters, warnings), encoding="utf-8")
        shutil.copy2(chapter.source, out / chapter.rel)
        for data in sorted(chapter.source.parent.glob("*.npz")):  # files a chapter reads
            shutil.copy2(data, page.parent / data.name)
        pages.append(page)
        if not quiet:
            print(f"chapters/{chapter.rel} -> {page}")
    (out / "index.html").write_text(index_page(chapters), encoding="utf-8")
    for problem in warnings + check_site(out):
        print(f"warning: {problem}", file=sys.stderr, flush=True)
    if not quiet:
        print(summary(out, len(pages), time.perf_counter() - started))
    return pages


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m web.site",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site",
                        help="folder for the site, emptied first (default: build/site)")
    parser.add_argument("--npm-cache", type=Path, default=NPM_CACHE,
                        help="where the npm tarballs are kept (default: build/npm-cache)")
    args = parser.parse_args(argv)
    build(args.out, cache=args.npm_cache)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
