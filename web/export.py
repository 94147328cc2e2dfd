"""The book as static HTML pages that show every widget's saved picture.

Run: ``python -m web.export [chapters...] --out build/html`` (``make html``).

nbconvert's lab template leaves a widget output empty until the widget renderer
(@jupyter-widgets/html-manager, from a CDN) draws it from the saved widget state,
so a page read offline, or with JavaScript off, shows nothing where a widget was.
The ``layerlab`` template (web/templates/layerlab/) puts a static copy in every
widget output, drawn here from the notebook's own saved widget state: the HTML
the widget rendered last (pictures, SVG charts, tables) in its boxes' order, its
labels and control values as plain text, and above it a one-line note that the
controls work only when the chapter runs in JupyterLab or Binder. When the
renderer does load, CSS hides the copy and the live (but inert) view takes its
place; the note stays (and the view's own "saved picture" line is hidden, since
the note says it).

The HTML values are inserted as they are: they come from the notebook's own
saved state, which the book's widgets produced (the same HTML nbconvert's lab
template already trusts in a ``text/html`` output). Labels, descriptions and
control values are escaped.
"""

from __future__ import annotations

import argparse
import contextvars
import html
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import nbformat
from markupsafe import Markup
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "layerlab"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
STATIC_NOTE = ("Saved picture: the controls work only when the chapter runs in JupyterLab "
               "or Binder.")
#: The note in each edition's language (chapters/zh/ pages speak Chinese).
STATIC_NOTES = {"en": STATIC_NOTE,
                "zh": "已保存的图片：只有在 JupyterLab 或 Binder 中运行本章时，控件才能使用。"}
_note = contextvars.ContextVar("static_note", default=STATIC_NOTE)

_HTML_MODELS = {"HTMLModel", "HTMLMathModel"}
_CHOICE_MODELS = {"DropdownModel", "ToggleButtonsModel", "RadioButtonsModel", "SelectModel",
                  "SelectionSliderModel"}
_SWITCH_MODELS = {"ToggleButtonModel", "CheckboxModel", "ValidModel"}
_SKIPPED_MODELS = {"ButtonModel", "FileUploadModel", "OutputModel", "ControllerModel"}


def _model_id(reference: str) -> str:
    return reference.removeprefix("IPY_MODEL_")


def _hidden(state: dict, model: dict) -> bool:
    """Whether the model's layout hides it (``display: none`` or ``visibility: hidden``)."""
    layout = state.get(_model_id(str(model["state"].get("layout") or "")), {}).get("state", {})
    return layout.get("display") == "none" or layout.get("visibility") == "hidden"


def _description(values: dict) -> str:
    """A control's label as HTML: as ipywidgets shows it, escaped unless the widget allows
    HTML in it (the book does, for names read by screen readers only)."""
    description = str(values.get("description") or "").strip()
    return description if values.get("description_allow_html") else html.escape(description)


def _setting(label: str, value: object) -> str:
    shown = html.escape(str(value))
    return (f'<span class="ll-static-setting">{label}'
            f'<span class="ll-static-value">{shown}</span></span>')


def _render(state: dict, model_id: str, seen: set[str]) -> str:
    """The static HTML of one model and its children (empty for what has nothing to show)."""
    if model_id in seen or model_id not in state:
        return ""
    seen.add(model_id)
    model = state[model_id]
    name, values = model["model_name"], model["state"]
    if _hidden(state, model) or name in _SKIPPED_MODELS:
        return ""
    description = _description(values)
    if "children" in values:
        inner = "".join(_render(state, _model_id(c), seen) for c in values["children"])
        kind = "row" if name == "HBoxModel" else "column"
        return f'<div class="ll-static-{kind}">{inner}</div>' if inner else ""
    if name in _HTML_MODELS:
        label = f'<span class="ll-static-setting">{description}</span>' if description else ""
        value = str(values.get("value") or "")
        return f'{label}<div class="ll-static-html">{value}</div>' if value else label
    if name == "LabelModel":
        text = str(values.get("value") or "")
        return f'<span class="ll-static-setting">{html.escape(text)}</span>' if text else ""
    if name in _CHOICE_MODELS:
        labels, index = values.get("_options_labels") or [], values.get("index")
        chosen = labels[index] if isinstance(index, int) and 0 <= index < len(labels) else "-"
        return _setting(description, chosen)
    if name in _SWITCH_MODELS:
        return _setting(description, "on" if values.get("value") else "off")
    if name == "TextareaModel":
        text = str(values.get("value") or "")
        return f'<pre class="ll-static-setting">{html.escape(text)}</pre>' if text else ""
    if "value" in values and not name.endswith(("LayoutModel", "StyleModel")):
        value = values["value"]
        if isinstance(value, list | tuple):
            value = " to ".join(map(str, value))
        return _setting(description, value) if str(value) else ""
    return ""


def static_copy(view: dict, metadata: dict) -> Markup:
    """A widget view's static copy and the note, from the notebook's saved widget state.

    ``view`` is the output's ``application/vnd.jupyter.widget-view+json`` data and
    ``metadata`` the notebook's metadata. A view the saved state lacks gets only the note.
    """
    state = metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    body = _render(state, str(view.get("model_id", "")), set())
    copy = f'<div class="ll-static-copy">{body}</div>' if body else ""
    return Markup(f'<p class="ll-static-note">{html.escape(_note.get())}</p>{copy}')


def exporter(**traits: object) -> HTMLExporter:
    """nbconvert's HTML exporter with the book's template (``traits`` go to HTMLExporter;
    ``template_name`` may name a template that extends the book's, as the website's does)."""
    traits.setdefault("template_name", TEMPLATE)
    return HTMLExporter(extra_template_basedirs=[str(TEMPLATES)],
                        filters={"ll_static_copy": static_copy}, **traits)


def edition(notebook: Path) -> str:
    """The language a chapter is written in: "zh" in chapters/zh/, else "en"."""
    return "zh" if Path(notebook).parent.name == "zh" else "en"


def export_node(nb: nbformat.NotebookNode, language: str = "en",
                resources: dict | None = None, **traits: object) -> str:
    """The static page of a notebook already read, as HTML text: its notes, and the page's
    ``lang``, in ``language``; ``resources`` reach the template as ``resources``."""
    token = _note.set(STATIC_NOTES[language])
    traits.setdefault("language_code", language)
    try:
        body, _ = exporter(**traits).from_notebook_node(nb, resources=resources)
    finally:
        _note.reset(token)
    return body


def export_notebook(notebook: Path, **traits: object) -> str:
    """The static page of one notebook, as HTML text (its notes in the chapter's language)."""
    return export_node(nbformat.read(notebook, 4), edition(notebook), **traits)


#: Folders of chapters: the English edition, the Chinese one, the seed section in other
#: frameworks (JAX, TensorFlow, MXNet). Each page goes in the same folder under the output.
FOLDERS = ("", "zh", "frameworks")


def default_chapters() -> list[Path]:
    """Every chapter: the English edition, the Chinese one, then the other frameworks."""
    return [path for folder in FOLDERS
            for path in sorted((ROOT / "chapters" / folder).glob("[0-9][0-9]_*.ipynb"))]


def _page_name(notebook: Path) -> str:
    """Where a chapter's page goes in the output folder: zh/ or frameworks/ as in chapters/."""
    folder = notebook.parent.name
    return f"{folder}/{notebook.stem}.html" if folder in FOLDERS[1:] else f"{notebook.stem}.html"


def _index(pages: Sequence[str]) -> str:
    links = "".join(f'<li><a href="{html.escape(name)}">{html.escape(name[:-5])}</a></li>'
                    for name in pages)
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<title>layerlab</title></head><body><h1>layerlab</h1>'
            f"<p>{html.escape(STATIC_NOTE)}</p><ul>{links}</ul></body></html>\n")


def export(notebooks: Iterable[Path], out: Path) -> list[Path]:
    """Write one page per notebook into ``out``, and an index; return the pages."""
    out.mkdir(parents=True, exist_ok=True)
    pages = []
    for notebook in notebooks:
        page = out / _page_name(notebook)
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(export_notebook(notebook), encoding="utf-8")
        pages.append(page)
        print(f"{notebook} -> {page}")
    (out / "index.html").write_text(_index([p.relative_to(out).as_posix() for p in pages]),
                                    encoding="utf-8")
    return pages


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m web.export", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("chapters", nargs="*", type=Path,
                        help="notebooks to export (default: every chapters/NN_*.ipynb, "
                             "chapters/zh/NN_*.ipynb and chapters/frameworks/NN_*.ipynb)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "html",
                        help="folder for the pages (default: build/html)")
    args = parser.parse_args(argv)
    notebooks = args.chapters or default_chapters()
    missing = [n for n in notebooks if not n.is_file()]
    if missing:
        print("no such notebook:", *missing, file=sys.stderr)
        return 2
    export(notebooks, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
