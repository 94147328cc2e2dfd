"""Controls the widgets share: one per declared setting, the hidden-layers block, buttons.

Each control here has one ``value`` a widget binds to its state
(:meth:`widgets.ui.base.LiveWidget.bind`); the composite ones (the hidden
layers, a set of toggles) keep their parts in step and report one value.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import ipywidgets as ipw
import traitlets

from ..core.fields import Choice, Int, Range, Spec
from ..text import t

#: Description width of the labelled controls (so their boxes line up).
LABEL_WIDTH = "100px"


def control_for(spec: type[Spec], name: str, *, width: str = "250px",
                label_width: str = LABEL_WIDTH, **options: object) -> ipw.Widget:
    """The control a reader edits the setting ``name`` of ``spec`` with.

    Its kind comes from the declaration (a number box, a stepper, a menu,
    toggle buttons, a checkbox; "int" asks for a whole-number box, "int_stepper" for a
    stepper of whole numbers over a real setting), its label and
    tooltip from the catalogue;
    a "stepper" is a number box whose arrow keys step it (where another book
    would use a slider: ipywidgets' slider handle cannot be given a name that
    screen readers read), and a value typed outside the range is refused with a
    message like any other;
    ``options`` go to the widget (``step=``, ``options=`` for a menu of numbers).

    Example:
        >>> from widgets.core.mlp import MLPSpec
        >>> control_for(MLPSpec, "seed").description
        'seed'
    """
    declared = spec.settings()[name]
    kind, control = declared.kind, declared.control_kind
    common: dict[str, object] = {
        "description": options.pop("description", spec.label(name)),
        "tooltip": spec.help(name),
        "style": {"description_width": label_width}, "layout": ipw.Layout(width=width)}
    if control in ("stepper", "int_stepper"):
        assert isinstance(kind, Range)
        whole = isinstance(kind, Int) or control == "int_stepper"
        cls = ipw.IntText if whole else ipw.FloatText
        return cls(continuous_update=False, **common, **options)
    if control in ("number", "int"):
        cls = ipw.IntText if isinstance(kind, Int) or control == "int" else ipw.FloatText
        return cls(continuous_update=False, **common, **options)
    if control in ("menu", "toggles"):
        if "options" not in options and isinstance(kind, Choice):
            options["options"] = list(kind.names())
        if control == "toggles":
            common.pop("tooltip")
            return ipw.ToggleButtons(**common, **options)
        return ipw.Dropdown(**common, **options)
    if control == "checkbox":
        return ipw.Checkbox(indent=False, **common, **options)
    return ipw.Text(continuous_update=False, **common, **options)


def button(label: str, icon: str, tooltip: str, on_click: Callable[[], object]) -> ipw.Button:
    """A button that calls ``on_click()`` (label and tooltip already in the reader's language)."""
    widget = ipw.Button(description=label, icon=icon, tooltip=tooltip,
                        layout=ipw.Layout(width="auto"))
    widget.on_click(lambda _: on_click())
    return widget


def labelled(title: str, body: ipw.Widget) -> ipw.VBox:
    """``body`` under a bold title."""
    return ipw.VBox([ipw.HTML(f"<b>{title}</b>"), body],
                    layout=ipw.Layout(margin="0 24px 8px 0"))


def _unseen(text: str) -> str:
    """``text`` for screen readers only: part of a control's name, not shown."""
    return f'<span class="ll-sr-only">{html.escape(text)}</span>'


class HiddenLayersControl(ipw.VBox):
    """The hidden-layers block: how many layers, and per layer a width and a layer menu.

    ``value`` is ``(widths, layers)``, two tuples of one entry per hidden layer.
    Moving the count adds layers (repeating the last one, or ``new_layer`` when
    there is none) or removes them from the end.

    Example:
        >>> block = HiddenLayersControl(8, [("relu", "relu"), ("tanh", "tanh")], (32, "relu"))
        >>> block.value = ((16, 8), ("relu", "tanh"))
        >>> block.count.value, block.widths[1].value, block.rows[2].layout.display
        (2, 8, 'none')
    """

    value = traitlets.Tuple(help=t("controls.hidden_layers_value"))

    def __init__(self, max_layers: int, options: Sequence[tuple[str, str]],
                 new_layer: tuple[int, str], *, width_box: str = "80px",
                 menu_width: str = "150px", count_width: str = "170px") -> None:
        self.new_layer = new_layer
        # below 0 reads as 0; above the most, the value goes on and is refused with a message
        self.count = ipw.BoundedIntText(
            min=0, max=99, description=t("controls.hidden_layers"),
            continuous_update=False, style={"description_width": "90px"},
            layout=ipw.Layout(width=count_width))
        # The width box shows "layer 1" and is named "layer 1 width"; the menu's name
        # "layer 1 activation" is read by screen readers only (see .ll-sr-only).
        self.widths = [ipw.IntText(
            description=t("controls.layer", number=i + 1) + _unseen(t("controls.width_part")),
            description_allow_html=True, continuous_update=False,
            style={"description_width": "60px"},
            layout=ipw.Layout(width=f"calc(60px + {width_box})", flex="0 0 auto"))
            for i in range(max_layers)]
        self.choices = [ipw.Dropdown(
            options=list(options), description=_unseen(t("controls.layer_choice", number=i + 1)),
            description_allow_html=True, style={"description_width": "0px"},
            layout=ipw.Layout(width=menu_width, align_items="center"))
            for i in range(max_layers)]
        self.rows = [ipw.HBox([self.widths[i], self.choices[i]]) for i in range(max_layers)]
        self._echo = False
        super().__init__([self.count, *self.rows])
        for part in (self.count, *self.widths, *self.choices):
            part.observe(self._on_part, names="value")
        self.observe(self._on_value, names="value")

    def _on_part(self, change: traitlets.Bunch) -> None:
        if self._echo:
            return
        widths, layers = (list(v) for v in self.value) if self.value else ([], [])
        count = self.count.value
        for i in range(min(count, len(widths))):
            widths[i], layers[i] = self.widths[i].value, self.choices[i].value
        fill = (widths[-1], layers[-1]) if widths else self.new_layer
        widths = (widths + [fill[0]] * count)[:count]
        layers = (layers + [fill[1]] * count)[:count]
        self.value = (tuple(widths), tuple(layers))

    def _on_value(self, change: traitlets.Bunch) -> None:
        widths, layers = change.new
        self._echo = True
        try:
            self.count.value = len(widths)
            for i, row in enumerate(self.rows):
                row.layout.display = None if i < len(widths) else "none"
                if i < len(widths):
                    self.widths[i].value = widths[i]
                    self.choices[i].value = layers[i]
        finally:
            self._echo = False


class ToggleSet(ipw.HBox):
    """One toggle button per option; ``value`` is the tuple of values switched on, in order.

    ``options`` maps each value to its tooltip (the button shows ``str(value)``).

    Example:
        >>> toggles = ToggleSet({"x1": "the first input", "x2": "the second"})
        >>> toggles.value = ("x2",)
        >>> [button.value for button in toggles.buttons]
        [False, True]
    """

    value = traitlets.Tuple(help=t("controls.toggle_set_value"))

    def __init__(self, options: dict[object, str]) -> None:
        self.options = tuple(options)
        self.buttons = [self._button(str(option), tip) for option, tip in options.items()]
        self._echo = False
        super().__init__(self.buttons, layout=ipw.Layout(flex_flow="row wrap"))
        for part in self.buttons:
            part.observe(self._on_part, names="value")
        self.observe(self._on_value, names="value")

    @staticmethod
    def _button(label: str, tip: str) -> ipw.Widget:
        return ipw.ToggleButton(description=label, tooltip=tip, layout=ipw.Layout(width="auto"))

    def _on_part(self, change: traitlets.Bunch) -> None:
        if not self._echo:
            self.value = tuple(o for o, b in zip(self.options, self.buttons) if b.value)

    def _on_value(self, change: traitlets.Bunch) -> None:
        self._echo = True
        try:
            for option, part in zip(self.options, self.buttons):
                part.value = option in change.new
        finally:
            self._echo = False


class CheckboxSet(ToggleSet):
    """:class:`ToggleSet` with a checkbox per option (``boxes``) instead of toggle buttons."""

    @staticmethod
    def _button(label: str, tip: str) -> ipw.Widget:
        return ipw.Checkbox(description=label, tooltip=tip, indent=False,
                            layout=ipw.Layout(width="auto", margin="0 12px 0 0"))

    @property
    def boxes(self) -> list[ipw.Checkbox]:
        """The checkboxes, one per option."""
        return self.buttons
