"""The widgets' public test surface: named controls and views, and tests that use only them.

Every widget names the controls a reader moves (``widget.controls``) and the
views it draws (``widget.views``). Tests drive and read a widget through those
names and its documented attributes, never through its private attributes, so
the widgets' insides can change without rewriting their tests. The scan below
keeps it so: a test that must read a private attribute says why on the line, in
a ``# private: <reason>`` comment.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import ipywidgets as ipw
import pytest
import torch
from torch import nn

import widgets
from widgets.ui.base import LiveWidget
from widgets.ui.controls import HiddenLayersControl, ToggleSet

TESTS = Path(__file__).resolve().parents[1]

# -- the names each widget exposes ----------------------------------------------------------

BUTTONS = ("play", "step", "reset", "regenerate", "apply_json", "save", "load", "apply_code",
           "set_value")

#: widget -> (the arguments of a small one, its control names, its view names); the
#: widgets are imported when a test makes one, so a widget that fails to import fails
#: its own tests only.
SURFACES: dict[str, tuple[Callable[[], dict[str, object]], set[str], set[str]]] = {
    "MLPExplorer": (
        lambda: {"hidden_sizes": (4,)},
        {"hidden_layers", "seed"},
        {"header", "message", "plot", "module", "parameters", "outputs"}),
    "InitExplorer": (
        lambda: {"depth": 4, "width": 8, "batch_size": 8},
        {"depth", "width", "batch_size", "seed", "activation", "schemes", "scales",
         "selected_layer", "layer_scheme", "layer_scale"},
        {"header", "message", "verdict", "std_chart", "mean_chart", "histograms", "table",
         "mixed_note", "scheme_note"}),
    "Playground": (
        lambda: {},
        {*BUTTONS, "learning_rate", "optimizer", "batch_size", "regularization",
         "regularization_rate", "init", "dataset", "noise", "train_share", "num_samples", "seed",
         "features", "hidden_layers", "show_test_data", "discretize", "show_code", "show_state",
         "state_text", "path", "share_code", "loss", "upload", "pointer", "edit_value",
         "pick_layer", "pick_unit", "pick_from"},
        {"message", "epoch", "losses", "loss_chart", "output", "network", "code", "state_box",
         "replay_note", "selection"}),
    "ModuleTree": (
        lambda: {"module": nn.Linear(2, 2)},
        set(),
        {"title", "tree", "message"}),
    "ForwardTrace": (
        lambda: {"module": nn.Linear(2, 2), "X": torch.rand(1, 2)},
        set(),
        {"title", "table", "message"}),
    "ParameterInspector": (
        lambda: {"module": nn.Linear(2, 2), "X": torch.rand(1, 2)},
        {"selected", "backward", "clear_grads", "refresh", "more"},
        {"title", "table", "detail", "message"}),
    "LazyInitViewer": (
        lambda: {"module": nn.Sequential(nn.LazyLinear(3)), "input_size": 2},
        {"input_size", "batch_size"},
        {"title", "summary", "table", "message"}),
    "DeviceTimer": (
        lambda: {"devices": ["cpu"]},
        {"size", "sizes", "devices", "measure"},
        {"header", "message", "table", "chart"}),
}

#: Controls of a composite kind, and the buttons (clicked, not set).
KINDS: dict[tuple[str, str], type] = {
    ("MLPExplorer", "hidden_layers"): HiddenLayersControl,
    ("Playground", "hidden_layers"): HiddenLayersControl,
    ("Playground", "features"): ToggleSet,
    ("Playground", "upload"): ipw.FileUpload,
    ("ParameterInspector", "backward"): ipw.Button,
    ("ParameterInspector", "clear_grads"): ipw.Button,
    ("ParameterInspector", "refresh"): ipw.Button,
    ("ParameterInspector", "more"): ipw.Button,
    ("DeviceTimer", "measure"): ipw.Button,
    **{("Playground", name): ipw.Button for name in BUTTONS},
}


@pytest.fixture(params=sorted(SURFACES))
def named(request: pytest.FixtureRequest) -> Iterator[tuple[str, LiveWidget]]:
    name = request.param
    widget = getattr(widgets, name)(**SURFACES[name][0]())
    yield name, widget
    widget.close()


def test_every_widget_names_its_controls_and_views(
        named: tuple[str, LiveWidget]) -> None:
    name, widget = named
    _, controls, views = SURFACES[name]
    assert set(widget.controls) == controls
    assert set(widget.views) == views
    for part in (*widget.controls.values(), *widget.views.values()):
        assert isinstance(part, ipw.Widget)
    for (owner, control), kind in KINDS.items():
        if owner == name:
            assert isinstance(widget.controls[control], kind), control


def test_the_names_are_read_only(named: tuple[str, LiveWidget]) -> None:
    _, widget = named
    with pytest.raises(TypeError):
        widget.views["message"] = ipw.HTML()  # type: ignore[index]
    with pytest.raises(TypeError):
        widget.controls["extra"] = ipw.HTML()  # type: ignore[index]


def test_the_message_view_is_the_message_line(
        named: tuple[str, LiveWidget]) -> None:
    _, widget = named
    widget.show_message("something to say")
    assert widget.message == "something to say"
    assert "something to say" in widget.views["message"].value
    widget.show_message("")
    assert widget.message == "" and "something to say" not in widget.views["message"].value


def test_every_named_part_is_shown_inside_the_widget(
        named: tuple[str, LiveWidget]) -> None:
    name, widget = named
    inside, pending = set(), [widget]
    while pending:
        part = pending.pop()
        if id(part) not in inside:
            inside.add(id(part))
            pending.extend(getattr(part, "children", ()))
    for part_name, part in (*widget.controls.items(), *widget.views.items()):
        assert id(part) in inside, f"{name}: {part_name} is not in the widget's children"


# -- no test reads a private attribute of a widget ------------------------------------------

#: Names the tests give widgets.
WIDGET_NAMES = frozenset({
    "explorer", "explorers", "playground", "timer", "viewer", "inspector", "tree", "trace",
    "widget", "loaded", "fresh", "no_batch"})
#: The widget classes and their bases.
WIDGET_CLASSES = frozenset({*SURFACES, "LiveWidget", "LayerChoiceWidget"})
#: A line may read a private attribute if it says why, in a comment ending the line.
ALLOWED = re.compile(r"#\s*private:\s*\S")
ATTRIBUTE_CALLS = frozenset({"getattr", "setattr", "delattr", "hasattr"})


def _is_private(name: str) -> bool:
    """``_name`` but not ``__dunder__`` nor IPython's display hooks (``_repr_html_``)."""
    return (name.startswith("_") and not name.startswith("__")
            and not (name.endswith("_") and name.startswith("_repr_")))


def _annotated_class(annotation: ast.expr | None) -> str | None:
    if isinstance(annotation, ast.Name):
        return annotation.id
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return annotation.value
    if isinstance(annotation, ast.Attribute):
        return annotation.attr
    return None


def _widget_bound(tree: ast.AST) -> set[str]:
    """Names the file binds to a widget: the usual ones, and those made from or typed as one."""
    names = set(WIDGET_NAMES)

    def made(value: ast.expr) -> bool:
        return (isinstance(value, ast.Call) and
                _annotated_class(value.func) in WIDGET_CLASSES)

    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and _annotated_class(node.annotation) in WIDGET_CLASSES:
            names.add(node.arg)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and (
                _annotated_class(node.annotation) in WIDGET_CLASSES):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                pairs = [(target, node.value)]
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    pairs = list(zip(target.elts, node.value.elts))
                for name, value in pairs:
                    if isinstance(name, ast.Name) and made(value):
                        names.add(name.id)
    return names


def _last_name(node: ast.expr) -> str | None:
    """``x`` for ``x``, ``explorer`` for ``loaded.explorer``, the class for ``Playground(...)``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _annotated_class(node.func)
    return None


def private_reads(source: str, path: str = "<test>") -> list[str]:
    """Every place ``source`` reads or sets a private attribute of a widget, unexplained."""
    tree = ast.parse(source)
    lines = source.splitlines()
    bound = _widget_bound(tree) | WIDGET_CLASSES

    dotted = re.compile(r"widgets(\.\w+)*\.(" + "|".join(sorted(WIDGET_CLASSES)) + r")\._\w+")
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            owner, attribute = node.value, node.attr
        elif (isinstance(node, ast.Call) and _last_name(node.func) in ATTRIBUTE_CALLS
              and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
              and isinstance(node.args[1].value, str) and _is_private(node.args[1].value)):
            owner, attribute = node.args[0], node.args[1].value  # getattr(explorer, "_x")
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and dotted.fullmatch(node.value)):  # monkeypatch.setattr("widgets...Class._x")
            owner, attribute = None, node.value
        else:
            continue
        if owner is None:
            what = attribute
        elif _last_name(owner) in bound:
            what = f"{ast.unparse(owner)}.{attribute}"
        else:
            continue
        end = getattr(node, "end_lineno", None) or node.lineno
        if not any(ALLOWED.search(lines[n - 1]) for n in range(node.lineno, end + 1)):
            found.append(f"{path}:{node.lineno}: {what}")
    return sorted(found)


def test_the_scan_finds_private_reads_and_only_those() -> None:
    source = '''
import torch
from widgets import MLPExplorer, Playground

def test_it(explorer: MLPExplorer, other) -> None:
    explorer._plot.value
    explorer.views["plot"].value
    a, b = Playground(), Playground()
    a._run.net
    loaded.explorer._widths[0].value = 3
    getattr(explorer, "_seed_box")
    monkeypatch.setattr(Playground, "_render", None)
    monkeypatch.setattr("widgets.ui.playground.Playground._render", None)
    Playground._players
    MLPExplorer()._cache
    explorer._stack  # private: the stack's cache is what this test checks
    torch._C
    other._hidden
    explorer.__class__
    explorer.snapshot()._repr_svg_()
    module_hooks._global_forward_hooks
    trace.module._forward_hooks
'''
    assert sorted(line.split(": ", 1)[1] for line in private_reads(source)) == sorted([
        "explorer._plot", "a._run", "loaded.explorer._widths", "explorer._seed_box",
        "Playground._render", "widgets.ui.playground.Playground." + "_render",
        "Playground._players", "MLPExplorer()._cache"])


def test_the_scan_knows_every_widget_the_package_exports() -> None:
    exported = set()
    for name in widgets.__all__:
        try:
            value = getattr(widgets, name)
        except Exception:  # a widget that fails to import fails its own tests too
            if name not in SURFACES:
                raise
            exported.add(name)
            continue
        if inspect.isclass(value) and issubclass(value, ipw.Widget):
            exported.add(name)
    assert exported == set(SURFACES)


def _sources() -> list[Path]:
    return sorted(path for path in TESTS.rglob("*.py") if ".ipynb_checkpoints" not in path.parts)


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(TESTS)))
def test_no_test_reads_a_private_attribute_of_a_widget(path: Path) -> None:
    found = private_reads(path.read_text(encoding="utf-8"), str(path.relative_to(TESTS.parent)))
    assert not found, ("tests read private widget attributes; use widget.controls[...] and "
                       "widget.views[...], or end the line with '# private: <why>':\n"
                       + "\n".join(found))
