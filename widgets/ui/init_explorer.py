"""InitExplorer: choose how each layer of a deep stack starts, watch the signal and gradient."""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Callable, Sequence

import ipywidgets as ipw
import torch
import traitlets
from torch import nn

from ..core import layers
from ..core.checks import check_int
from ..core.init_stats import (
    MAX_BATCH,
    MAX_DEPTH,
    MAX_SCALE,
    MAX_WIDTH,
    SCHEMES,
    InitSpec,
    InitStack,
    InitStats,
    check_batch_size,
    check_depth,
    check_scale_values,
    check_scales,
    check_scheme_names,
    check_schemes,
    check_seed,
    check_width,
    default_histogram_layers,
    scheme_names,
    stack_inputs,
)
from ..core.layers import activation_names, check_activation, is_custom
from ..render.charts import histogram_chart, line_chart
from ..render.html import table
from .base import Checked, InvalidValueError, LiveWidget, Snapshot, as_trait_error

_STATE = ("depth", "width", "schemes", "scales", "activation", "batch_size", "seed",
          "selected_layer")
#: What takes the place of a registered layer in use that is removed or stops working.
FALLBACK_ACTIVATION = "tanh"
_WIDE = {"description_width": "100px"}


def _wide() -> ipw.Layout:
    return ipw.Layout(width="250px")


def _number(value: float) -> str:
    """A statistic in a table: three significant digits; ``nan`` and ``inf`` as they are."""
    return f"{value:.3g}"


def _compact(values: tuple) -> object:
    """One value when every layer has the same, else the whole tuple (for ``repr``)."""
    return values[0] if len(set(values)) == 1 else values


def _check_layer_number(value: object) -> int:
    """The type check of ``selected_layer``; its range (1 to depth) is checked with the depth."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    return check_int("selected_layer", value, 1, MAX_DEPTH)  # raises, naming what is allowed


class InitExplorer(LiveWidget):
    """A deep stack of ``Linear`` + activation layers whose initialization the reader picks.

    A batch of standard-normal inputs runs up through ``depth`` layers of
    ``width`` units; one backward pass sends a random unit-variance gradient
    back down. The view charts, per layer, the standard deviation of the
    outputs and of the gradients on a log scale (so a signal that shrinks or
    grows geometrically shows as a straight slope), the mean of the outputs,
    histograms of a few layers, and a one-line verdict.

    The activation may be a layer registered with
    :func:`widgets.layers.register_layer` (listed as "name (custom)"); its
    gradient comes from autograd through it. The menu follows the registry. If
    the layer in use is removed, or fails at some setting (it raises, or returns
    another shape), the explorer keeps the last setting that worked, or falls
    back to tanh, and says so.

    Args:
        depth: number of layers, 1 to 50.
        width: units per layer, 1 to 1024.
        schemes: one scheme name per layer, or one for all (see ``widgets.init_stats.SCHEMES``).
        scales: one scale per layer (0 to 100), or one for all.
        activation: the activation after every layer.
        batch_size: input rows, 1 to 1024.
        seed: seed of the inputs, the upstream gradient and every layer's draw.

    Example:
        >>> explorer = InitExplorer(depth=10, width=64, schemes="xavier_normal")
        >>> explorer.stats.activation_std[0] > 0.5
        True
    """

    depth = Checked(check_depth, 50, help="Number of Linear + activation layers, 1 to 50.")
    width = Checked(check_width, 256, help="Inputs and outputs of every layer, 1 to 1024.")
    schemes = Checked(check_scheme_names, ("default",),
                      help="Initialization scheme of each layer; one name sets every layer.")
    scales = Checked(check_scale_values, (1.0,),
                     help="Scale of each layer's scheme, 0 to 100; one number sets every layer.")
    activation = Checked(lambda v: check_activation("activation", v), "tanh",
                         help="Activation after every layer.")
    batch_size = Checked(check_batch_size, 512, help="Rows of standard-normal input, 1 to 1024.")
    seed = Checked(check_seed, 0,
                   help="Seed of the inputs, the upstream gradient and each layer's weights.")
    selected_layer = Checked(_check_layer_number, 1,
                             help="Layer the per-layer controls edit; its histogram is shown.")

    def __init__(self, depth: int = 50, width: int = 256,
                 schemes: tuple[str, ...] | str = "default",
                 scales: tuple[float, ...] | float = 1.0, activation: str = "tanh",
                 batch_size: int = 512, seed: int = 0) -> None:
        spec = InitSpec(depth, width, schemes, scales, activation, batch_size, seed)
        super().__init__()
        self._stack = InitStack()
        self._stats: InitStats | None = None
        with self.hold_trait_notifications():
            for name in _STATE[:-1]:
                setattr(self, name, getattr(spec, name))
        self._build_controls()
        self.observe(self._on_state_change, names=list(_STATE))
        layers.on_registry_change(self._on_registry_change)
        self._render_now()

    # -- state --------------------------------------------------------------------

    def _hint(self, name: str) -> str:
        return "" if self._configuring else (
            f". To change both, call configure(depth=..., {name}=...)")

    @traitlets.validate("schemes")
    def _check_scheme_count(self, proposal: traitlets.Bunch) -> tuple[str, ...]:
        try:
            return check_schemes(proposal.value, self.depth)
        except ValueError as error:
            raise as_trait_error(ValueError(f"{error}{self._hint('schemes')}")) from None

    @traitlets.validate("scales")
    def _check_scale_count(self, proposal: traitlets.Bunch) -> tuple[float, ...]:
        try:
            return check_scales(proposal.value, self.depth)
        except ValueError as error:
            raise as_trait_error(ValueError(f"{error}{self._hint('scales')}")) from None

    @traitlets.validate("selected_layer")
    def _check_selected_layer(self, proposal: traitlets.Bunch) -> int:
        try:
            return check_int("selected_layer", proposal.value, 1, self.depth)
        except (ValueError, TypeError) as error:
            raise as_trait_error(error) from None

    def _configurable(self) -> list[str]:
        """configure() takes every state trait, e.g.

        Example:
            >>> explorer = InitExplorer(depth=4, width=16)
            >>> explorer.configure(depth=2, schemes=("normal", "zeros"), scales=0.5)
            >>> explorer.schemes, explorer.scales
            (('normal', 'zeros'), (0.5, 0.5))
        """
        return list(_STATE)

    def set_layer(self, layer: int, scheme: str | None = None,
                  scale: float | None = None) -> None:
        """Give one layer (numbered from 1) its own scheme and/or scale, and select it.

        Example:
            >>> explorer = InitExplorer(depth=3, width=8)
            >>> explorer.set_layer(2, scheme="zeros")
            >>> explorer.schemes, explorer.selected_layer
            (('default', 'zeros', 'default'), 2)
        """
        layer = check_int("layer", layer, 1, self.depth)
        schemes, scales = list(self.schemes), list(self.scales)
        if scheme is not None:
            schemes[layer - 1] = scheme
        if scale is not None:
            scales[layer - 1] = scale
        self.configure(schemes=tuple(schemes), scales=tuple(scales), selected_layer=layer)

    def _on_state_change(self, change: traitlets.Bunch) -> None:
        with self.batch():
            if change.name == "depth":
                self._fit_layers(change.new)
            self._stats = None
            self._request_render()

    def _fit_layers(self, depth: int) -> None:
        """Grow (repeating the top layer's setting) or cut the per-layer tuples to ``depth``."""
        if len(self.schemes) != depth:
            self.schemes = (self.schemes + (self.schemes[-1],) * depth)[:depth]
        if len(self.scales) != depth:
            self.scales = (self.scales + (self.scales[-1],) * depth)[:depth]
        if self.selected_layer > depth:
            self.selected_layer = depth

    @property
    def spec(self) -> InitSpec:
        """The current state as a validated :class:`~widgets.init_stats.InitSpec`."""
        return InitSpec(self.depth, self.width, self.schemes, self.scales, self.activation,
                        self.batch_size, self.seed)

    @property
    def histogram_layers(self) -> tuple[int, ...]:
        """Layers whose histograms are shown: first, middle, last and the selected one."""
        return tuple(sorted({*default_histogram_layers(self.depth), self.selected_layer}))

    @property
    def stats(self) -> InitStats:
        """Per-layer statistics for the current state (read-only)."""
        spec = self.spec
        if self._stats is None or self._stats.spec != spec:
            self._stats = self._stack.statistics(spec, self.histogram_layers)
        return self._stats

    @property
    def verdict(self) -> str:
        """One line on the signal going up and the gradient coming down."""
        return self.stats.verdict

    @property
    def net(self) -> nn.Sequential:
        """A copy of the stack as an ``nn.Sequential``: edit or train it freely."""
        return self._stack.build(self.spec)

    @property
    def X(self) -> torch.Tensor:
        """The input batch (a fresh copy), standard normal, drawn from ``seed``."""
        return stack_inputs(self.spec)[0]

    # -- controls -----------------------------------------------------------------

    def _build_controls(self) -> None:
        names = list(scheme_names())
        self._depth_slider = ipw.IntSlider(min=1, max=MAX_DEPTH, description="depth",
                                           continuous_update=False, style=_WIDE, layout=_wide())
        self._width_box = ipw.IntText(description=f"width ≤{MAX_WIDTH}", style=_WIDE,
                                      layout=_wide())
        self._batch_box = ipw.IntText(description=f"batch ≤{MAX_BATCH}", style=_WIDE,
                                      layout=_wide())
        self._seed_box = ipw.IntText(description="seed", style=_WIDE, layout=_wide())
        self._activation_menu = ipw.Dropdown(options=self._activation_options(),
                                             description="activation", style=_WIDE, layout=_wide())
        self._all_scheme = ipw.Dropdown(options=names, description="scheme", style=_WIDE,
                                        layout=_wide())
        self._all_scale = ipw.FloatText(description=f"scale ≤{MAX_SCALE:g}", style=_WIDE,
                                        layout=_wide())
        self._mixed_note = ipw.HTML()
        self._layer_slider = ipw.IntSlider(min=1, max=MAX_DEPTH, description="layer",
                                           continuous_update=False, style=_WIDE, layout=_wide())
        self._layer_scheme = ipw.Dropdown(options=names, description="scheme", style=_WIDE,
                                          layout=_wide())
        self._layer_scale = ipw.FloatText(description="scale", style=_WIDE, layout=_wide())
        self._scheme_note = ipw.HTML(layout=ipw.Layout(width="230px"))
        self._verdict = ipw.HTML()
        self._std_chart = ipw.HTML()
        self._mean_chart = ipw.HTML()
        self._histograms = ipw.HTML()
        self._table = ipw.HTML()
        wiring = {
            self._depth_slider: lambda v: self.configure(depth=v),
            self._width_box: lambda v: self.configure(width=v),
            self._batch_box: lambda v: self.configure(batch_size=v),
            self._seed_box: lambda v: self.configure(seed=v),
            self._activation_menu: lambda v: self.configure(activation=v),
            self._all_scheme: lambda v: v is not None and self.configure(schemes=v),
            self._all_scale: lambda v: self.configure(scales=v),
            self._layer_slider: lambda v: self.configure(selected_layer=v),
            self._layer_scheme: lambda v: self.set_layer(self.selected_layer, scheme=v),
            self._layer_scale: lambda v: self.set_layer(self.selected_layer, scale=v),
        }
        for control, apply in wiring.items():
            control.observe(lambda change, apply=apply: self._on_control(apply, change.new),
                            names="value")
        controls = ipw.VBox([
            self._depth_slider, self._width_box, self._activation_menu, self._batch_box,
            self._seed_box, ipw.HTML("<b>every layer</b>"), self._all_scheme, self._all_scale,
            self._mixed_note, ipw.HTML("<b>one layer</b>"), self._layer_slider,
            self._layer_scheme, self._layer_scale, self._scheme_note,
        ], layout=ipw.Layout(min_width="240px", margin="0 12px 0 0"))
        header = ipw.HTML("<b>Initialization explorer</b>: standard-normal inputs → depth × "
                          "(Linear(width, width) → activation); one backward pass of a "
                          "random unit-variance gradient")
        charts = ipw.VBox([self._std_chart, self._mean_chart])
        self.children = [header, self._message, self._verdict, ipw.HBox([controls, charts]),
                         self._histograms, self._table]

    @staticmethod
    def _activation_options() -> list[tuple[str, str]]:
        """Menu entries: built-in activations, then registered layers marked as custom."""
        return [(f"{n} (custom)" if is_custom(n) else n, n) for n in activation_names()]

    def _on_registry_change(self, name: str) -> None:
        """A layer was registered, replaced or removed: update the menu and, if in use, the view.

        Never raises (the registry calls it from the reader's ``register_layer``):
        what goes wrong is shown in the message line.
        """
        try:
            with self._controls_from_state():
                self._activation_menu.options = self._activation_options()
            if name != self.activation:
                self._sync_controls()
                return
            self._stats = None
            if name in activation_names():  # replaced: the same name, a new definition
                self._stack.forget_outputs()
                self._request_render()
                return
            self._fall_back_from(name, "was unregistered")
        except Exception as error:  # shown, never raised into the reader's registry call
            self.show_message(str(error) if isinstance(error, InvalidValueError)
                              else f"{type(error).__name__}: {error}")

    def _fall_back_from(self, name: str, why: str) -> None:
        """Put :data:`FALLBACK_ACTIVATION` in place of the custom layer ``name``, and say so."""
        if self._good_state is not None and self._good_state["activation"] == name:
            self._good_state = {**self._good_state, "activation": FALLBACK_ACTIVATION}
        self._restoring = True
        try:
            self.activation = FALLBACK_ACTIVATION
        finally:
            self._restoring = False
        self.show_message(f"the custom layer {name!r} {why}; {FALLBACK_ACTIVATION} took its "
                          "place", kind="info")

    def _on_control(self, apply: Callable[[object], object], value: object) -> None:
        if not self._syncing_controls:
            self._apply_from_controls(lambda: apply(value))

    def _sync_controls(self) -> None:
        layer = self.selected_layer
        uniform_scheme = len(set(self.schemes)) == 1
        uniform_scale = len(set(self.scales)) == 1
        with self._controls_from_state():
            self._depth_slider.value = self.depth
            self._width_box.value = self.width
            self._batch_box.value = self.batch_size
            self._seed_box.value = self.seed
            self._activation_menu.value = self.activation
            self._all_scheme.value = self.schemes[0] if uniform_scheme else None
            if uniform_scale:
                self._all_scale.value = self.scales[0]
            self._layer_slider.max = self.depth
            self._layer_slider.value = layer
            self._layer_scheme.value = self.schemes[layer - 1]
            self._layer_scale.value = self.scales[layer - 1]
        mixed = [what for what, same in (("schemes", uniform_scheme), ("scales", uniform_scale))
                 if not same]
        self._mixed_note.value = (
            f'<span class="ll-muted" style="font-size:12px">layers differ in '
            f'{" and ".join(mixed)}; a choice here sets every layer</span>' if mixed else "")
        scheme = SCHEMES[self.schemes[layer - 1]]
        self._scheme_note.value = (
            f'<span class="ll-muted" style="font-size:12px">{html.escape(scheme.name)}: '
            f"{html.escape(scheme.description)}. Weight std here: "
            f"{_number(scheme.weight_std(self.width, self.width, self.scales[layer - 1]))}</span>")

    # -- view ---------------------------------------------------------------------

    def _render(self) -> None:
        try:
            stats = self.stats
        except Exception as error:  # a reader's layer failed at this width, batch or seed
            if self._restoring or not is_custom(self.activation):
                raise
            text = (f"the custom layer {self.activation!r} failed in the stack: "
                    f"{type(error).__name__}: {error}")
            if self._good_state is None:  # while constructing: nothing to keep
                raise InvalidValueError(text) from error
            raise InvalidValueError(f"{text}; {self._fall_back()}") from error
        self._good_state = self._current_state()
        self._sync_controls()
        layers = list(range(1, self.depth + 1))
        marker = (self.selected_layer,)
        a_std, g_std = stats.activation_std, stats.gradient_std
        hidden = any(not (math.isfinite(v) and v > 0) for v in (*a_std, *g_std))
        note = " (0, inf and NaN not drawn)" if hidden else ""
        self._verdict.value = _verdict_html(stats.verdict)
        self._std_chart.value = line_chart(
            layers, [a_std, g_std], labels=["outputs", "gradients"], markers=marker,
            title=f"std per layer, log scale{note}", x_label="layer (dots: the selected one)",
            y_label="standard deviation", log_y=True)
        means, unit = _in_readable_units(stats.activation_mean)
        self._mean_chart.value = line_chart(
            layers, [means], labels=["outputs"], markers=marker,
            title="mean of the outputs per layer", x_label="layer", y_label=f"mean{unit}",
            height=220)
        self._histograms.value = _histograms_html(stats, self.selected_layer)
        self._table.value = self._table_html(stats)

    def _forget(self) -> None:
        self._stats = None
        self._stack.forget_outputs()

    def _without_custom_layers(self, state: dict[str, object]) -> tuple[dict[str, object], str]:
        return ({**state, "activation": FALLBACK_ACTIVATION},
                f"{FALLBACK_ACTIVATION} in place of the custom layer")

    def _table_html(self, stats: InitStats) -> str:
        rows = []
        for histogram in stats.histograms:
            i = histogram.layer - 1
            rows.append((histogram.layer, self.schemes[i], f"{self.scales[i]:g}",
                         _number(stats.spec.weight_std(histogram.layer)),
                         _number(stats.activation_mean[i]), _number(stats.activation_std[i]),
                         _number(stats.gradient_mean[i]), _number(stats.gradient_std[i])))
        return table(("layer", "scheme", "scale", "weight std", "output mean", "output std",
                      "gradient mean", "gradient std"), rows, left_columns=2)

    def snapshot(self) -> Snapshot:
        """A still copy of the charts, kept in the notebook when displayed; text: the verdict.

        The live widget always shows its latest state; a snapshot keeps this moment.
        """
        if self._dirty:  # inside a batch: draw the state as it is now
            self._render_now()
        stats = self.stats
        pictures = (f'<div style="display:flex;flex-wrap:wrap;gap:8px">'
                    f"{self._std_chart.value}{self._mean_chart.value}</div>")
        return Snapshot(_verdict_html(stats.verdict) + pictures, stats.verdict, kind="html")

    def close(self) -> None:
        """Close the widget and everything inside it, and free the stack's buffers and draws.

        An explorer holds about 80 MB at the default size; ipywidgets keeps every
        open widget alive, so close one that is no longer needed. It still answers
        ``.stats``, ``.net`` and ``.verdict`` afterwards (recomputing them).
        """
        self._stack = InitStack()
        self._stats = None
        super().close()

    def __repr__(self) -> str:
        return (f"InitExplorer(depth={self.depth}, width={self.width}, "
                f"schemes={_compact(self.schemes)!r}, scales={_compact(self.scales)!r}, "
                f"activation={self.activation!r}, batch_size={self.batch_size}, "
                f"seed={self.seed})")


def _verdict_html(text: str) -> str:
    steady = all("steady" in part for part in text.split("; "))
    colour = "#2ca02c" if steady else "#d62728"
    return (f'<div style="border-left:4px solid {colour};padding:2px 8px;font-size:13px">'
            f"{html.escape(text)}</div>")


def _histograms_html(stats: InitStats, selected: int) -> str:
    charts = []
    for h in stats.histograms:
        title = f"layer {h.layer}" + (" (selected)" if h.layer == selected else "")
        edges, unit = _in_readable_units(h.edges)
        label = f"output value{unit}" + (f"; {h.nonfinite:,} inf/NaN left out"
                                         if h.nonfinite else "")
        charts.append(histogram_chart(edges, [h.counts], title=title, x_label=label,
                                      width=250, height=150))
    return f'<div style="display:flex;flex-wrap:wrap;gap:8px">{"".join(charts)}</div>'



def _in_readable_units(values: Sequence[float]) -> tuple[list[float], str]:
    """Tiny values rescaled by a power of ten, so chart ticks can tell them apart.

    Returns the values and the unit for the axis label, e.g. ``" (× 1e-20)"``; values
    whose largest finite size is 0.001 or more come back as they are, with no unit.
    """
    largest = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    if largest == 0 or largest >= 1e-3:
        return list(values), ""
    exponent = math.floor(math.log10(largest))
    return [v / 10.0**exponent for v in values], f" (× 1e{exponent:+03d})"
