"""HTML for what the widgets show: tables, module trees, forward traces, messages.

Pure functions of their arguments, so a view can be checked in a test and the
same state always gives the same HTML (nbval compares it).
"""

from __future__ import annotations

import html
from collections.abc import Collection, Sequence

import torch
from torch import nn

from ..core.introspection import (
    ModuleNode,
    TensorSummary,
    Trace,
    count_parameters,
    count_tensors,
    shape_text,
)
from ..text import t

# CSS, no text for the reader (the finder of inline text is told so by "# code").
# Colours come from JupyterLab's theme variables, with light fallbacks for a static
# page that has none; a dark theme (JupyterLab sets data-jp-theme-light="false" on
# <body>) gets its own highlight colours. Inline SVG charts draw in currentColor, so
# their text follows the theme too.
STYLE = (
    "<style>"
    ".ll-widget{font-family:var(--jp-ui-font-family,system-ui,-apple-system,sans-serif);"
    "color:var(--jp-ui-font-color1,#1f1f1f);max-width:100%;overflow-wrap:break-word}"
    ".ll-widget .widget-html-content{overflow-wrap:break-word;word-break:normal}"
    ".ll-table{border-collapse:collapse;font-size:12px;"
    "font-family:var(--jp-code-font-family,ui-monospace,monospace);"
    "color:var(--jp-content-font-color1,#1f1f1f)}"
    ".ll-table th,.ll-table td{padding:2px 8px;text-align:right;white-space:nowrap;"
    "border-bottom:1px solid var(--jp-border-color2,#e0e0e0)}"
    ".ll-table th{background:var(--jp-layout-color2,#eeeeee);"
    "color:var(--jp-ui-font-color1,#1f1f1f)}"
    ".ll-table td.l,.ll-table th.l{text-align:left}"
    ".ll-table tr.total td{font-weight:bold;border-top:1px solid var(--jp-border-color1,#999)}"
    ".ll-table tr.ll-changed td{background:#fff3cd;color:#1f1f1f}"
    ".ll-table tr.ll-changed td:first-child{box-shadow:inset 4px 0 #b35900}"
    "body[data-jp-theme-light=false] .ll-table tr.ll-changed td{background:#4a3a00;color:#fff}"
    "body[data-jp-theme-light=false] .ll-table tr.ll-changed td:first-child"
    "{box-shadow:inset 4px 0 #ffb74d}"
    ".ll-scroll{max-width:100%;overflow-x:auto}"
    ".ll-tree{font-family:var(--jp-code-font-family,ui-monospace,monospace);font-size:12px;"
    "line-height:1.5}"
    ".ll-tree details{margin-left:14px}.ll-tree .leaf{margin-left:28px}"
    ".ll-muted{color:var(--jp-ui-font-color2,#595959)}"
    ".ll-widget .ll-muted{display:inline-block;line-height:1.35}"
    ".ll-shared{color:#a14f00}.ll-raised{color:#b00020}"
    "body[data-jp-theme-light=false] .ll-shared{color:#ffb74d}"
    "body[data-jp-theme-light=false] .ll-raised{color:#ff8a80}"
    ".ll-msg{padding:4px 8px;border-radius:3px;font-size:13px;line-height:1.4;margin:2px 0;"
    "white-space:normal;overflow-wrap:break-word}"
    ".ll-widget :focus-visible{outline:2px solid var(--jp-brand-color1,#1565c0);"
    "outline-offset:1px}"
    ".ll-error{background:#fde8e8;color:#8a0000;border-left:4px solid #c00}"
    ".ll-info{background:#eef5fb;color:#1a2b3c;border-left:4px solid #1f77b4}"
    "body[data-jp-theme-light=false] .ll-error{background:#3d1414;color:#ffcdd2}"
    "body[data-jp-theme-light=false] .ll-info{background:#10283d;color:#d6e9fa}"
    ".ll-pre{font-family:var(--jp-code-font-family,ui-monospace,monospace);font-size:12px;"
    "line-height:1.4;margin:0;white-space:pre-wrap;overflow-wrap:break-word}"
    ".ll-chart{max-width:100%;height:auto;color:inherit}"
    ".ll-chart .ll-series{transition:opacity .15s}"
    ".ll-chart:hover .ll-series{opacity:.25}.ll-chart .ll-series:hover{opacity:1}"
    ".ll-card{max-width:100%;height:auto}"
    ".ll-widget .jupyter-button.mod-active{background:#1565c0;color:#fff;font-weight:bold}"
    "body[data-jp-theme-light=false] .ll-widget .jupyter-button.mod-active"
    "{background:#90caf9;color:#0d1b2a}"
    ".ll-widget .widget-label{position:relative}"  # keeps .ll-sr-only inside its label
    ".ll-sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;"
    "overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}"
    ".ll-widget .widget-box,.ll-widget .widget-html,.ll-widget .widget-html-content"
    "{min-width:0;max-width:100%}"
    ".ll-saved-note{display:none;font-size:12px;color:var(--jp-ui-font-color2,#595959);"
    "border-left:3px solid var(--jp-brand-color1,#1565c0);padding:1px 6px;margin:2px 0}"
    ".jupyter-widgets-disconnected .ll-saved-note{display:block}"
    ".ll-widget.jupyter-widgets-disconnected::before,"
    ".ll-widget .jupyter-widgets-disconnected::before{display:none}"  # the note says it
    "</style>"  # code
)


def message(text: str, kind: str = "error") -> str:
    """A coloured one-line message (``kind`` is ``"error"`` or ``"info"``)."""
    if kind not in ("error", "info"):
        raise ValueError(t("html.message_kind", field="kind", got=repr(kind)))
    role = "alert" if kind == "error" else "status"  # read out when it appears
    return f'<div class="ll-msg ll-{kind}" role="{role}">{html.escape(text)}</div>'


def preformatted(text: str) -> str:
    """Monospaced text, as ``print`` would show it."""
    return f'<pre class="ll-pre">{html.escape(text)}</pre>'


def table(header: Sequence[str], rows: Sequence[Sequence[object]],
          total: Sequence[object] | None = None, left_columns: int = 1, *,
          row_classes: Sequence[str] | None = None,
          html_columns: Collection[int] = ()) -> str:
    """A compact table; the first ``left_columns`` columns are left-aligned.

    Args:
        header, rows, total: the cells; ``total`` is a bold last row.
        left_columns: how many leading columns are left-aligned.
        row_classes: a CSS class per row (``""`` for none), e.g. ``"ll-changed"``.
        html_columns: indexes of columns whose cells are HTML made by this
            package (a small chart) and are not escaped.

    Example:
        >>> table(["a"], [[1], [2]], row_classes=["", "ll-changed"]).count("ll-changed")
        1
    """

    def cells(values: Sequence[object], tag: str) -> str:
        return "".join(
            f'<{tag}{" class=l" if i < left_columns else ""}>'
            f"{v if i in html_columns and tag == 'td' else html.escape(str(v))}</{tag}>"
            for i, v in enumerate(values)
        )

    classes = row_classes or [""] * len(rows)
    body = "".join(f"<tr{f' class={c}' if c else ''}>{cells(r, 'td')}</tr>"
                   for r, c in zip(rows, classes, strict=True))
    if total is not None:
        body += f'<tr class="total">{cells(total, "td")}</tr>'
    return (f'<div class="ll-scroll"><table class="ll-table"><tr>{cells(header, "th")}</tr>'
            f"{body}</table></div>")


def parameter_table(net: nn.Module) -> str:
    """One row per module that holds parameters: shapes and count; then the total."""
    rows = []
    for path, module in net.named_modules():
        params = list(module.named_parameters(recurse=False))
        if params:
            shapes = ", ".join(f"{n} {shape_text(p)}" for n, p in params)
            rows.append((path or t("introspection.root"), type(module).__name__, shapes,
                         str(count_tensors(p for _, p in params))))
    header = (t("html.column_layer"), t("html.column_type"), t("html.column_shapes"),
              t("html.column_parameters"))
    return table(header, rows, total=(t("html.total"), "", "", str(count_parameters(net))),
                 left_columns=3)


def output_table(Y: torch.Tensor, digits: int = 4) -> str:
    """Rows of a 2-D output, one column per output unit, rounded to ``digits``."""
    header = [t("html.column_row"), *(f"y{j}" for j in range(Y.shape[1]))]
    rows = [[f"X[{i}]", *(f"{v:.{digits}f}" for v in row.tolist())] for i, row in enumerate(Y)]
    return table(header, rows)


def tree_html(node: ModuleNode, open_depth: int = 2) -> str:
    """A collapsible tree (``<details>``) of a :class:`ModuleNode`; works in static HTML."""
    return f'<div class="ll-tree">{_node_html(node, 0, open_depth)}</div>'


def _node_html(node: ModuleNode, depth: int, open_depth: int) -> str:
    name = html.escape(node.name)
    type_name = html.escape(node.type_name)
    if node.shared_with is not None:
        shared = t("html.shared", path=html.escape(node.shared_with))
        return (f'<div class="leaf"><b>{name}</b>: {type_name} '
                f'<span class="ll-shared">{shared}</span></div>')
    own = ", ".join(f"{html.escape(k)} {html.escape(v)}" for k, v in node.own.items())
    own_text = f" {t('html.own', own=own, count=node.own_count)}" if own else ""
    if node.buffers:
        buffers = ", ".join(f"{html.escape(k)} {html.escape(v)}" for k, v in node.buffers.items())
        own_text += f" {t('html.buffers', buffers=buffers)}"
    line = (f"<b>{name}</b>: {type_name}{own_text}"
            f' <span class="ll-muted">{t("html.tree_total", count=node.total_count)}</span>')
    if not node.children:
        return f'<div class="leaf">{line}</div>'
    inner = "".join(_node_html(c, depth + 1, open_depth) for c in node.children)
    is_open = " open" if depth < open_depth else ""
    return f"<details{is_open}><summary>{line}</summary>{inner}</details>"


def _summary_text(items: Sequence[TensorSummary | str] | None) -> tuple[str, str]:
    if items is None:
        return t("html.raised"), ""
    shapes = ", ".join(i.shape_text if isinstance(i, TensorSummary) else i for i in items)
    stats = ""
    tensors = [i for i in items if isinstance(i, TensorSummary) and i.mean is not None]
    if len(tensors) == 1:
        s = tensors[0]
        stats = t("html.statistics", mean=s.mean, std=s.std, min=s.min, max=s.max)
    return shapes or "-", stats


def trace_html(trace: Trace, max_rows: int = 500, show_error: bool = True) -> str:
    """The calls of a forward trace as an indented table, then the error if any.

    Only the first ``max_rows`` calls are listed; a note counts the rest. Pass
    ``show_error=False`` when the error is shown elsewhere (a widget's message line).
    """
    rows = []
    for call in trace.calls[:max_rows]:
        indent = "\u2002" * 2 * call.depth
        output_shape, stats = _summary_text(call.outputs)
        rows.append((call.index, indent + call.name, call.type_name,
                     _summary_text(call.inputs)[0], output_shape, stats))
    header = ("#", t("html.column_module"), t("html.column_type"), t("html.column_input"),
              t("html.column_output"), t("html.column_statistics"))
    out = (table(header, rows, left_columns=6) if rows
           else message(t("html.no_calls"), "info"))
    if len(trace.calls) > max_rows:
        out += message(t("html.more_calls", count=len(trace.calls) - max_rows), "info")
    if show_error and trace.error is not None:
        out += message(t("html.forward_raised", error=trace.error_text))
    return out
