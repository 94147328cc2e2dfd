"""MLPExplorer: change an MLP's hidden layers and activations, watch what it computes."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator

import ipywidgets as ipw
import torch
import traitlets
from torch import nn

from ..core import layers
from ..core.checks import check_input_batch, check_int
from ..core.introspection import count_parameters
from ..core.layers import is_custom
from ..core.mlp import (
    INPUT_INDEX,
    MAX_HIDDEN_LAYERS,
    MAX_SEED,
    MAX_WIDTH,
    LinearCache,
    MLPSpec,
    build_mlp,
    check_activation_names,
    check_activations,
    check_hidden_sizes,
    default_inputs,
    layer_seed,
    response_line,
)
from ..render.charts import line_chart
from ..render.html import output_table, parameter_table, preformatted
from .base import (
    Checked,
    InvalidValueError,
    LayerChoiceWidget,
    Snapshot,
    as_trait_error,
)

#: Width given to a hidden layer added with the layer-count control when none exists.
NEW_LAYER_WIDTH = 32
#: Most output units drawn in the response plot and listed in the output table.
MAX_SHOWN_OUTPUTS = 10


class MLPExplorer(LayerChoiceWidget):
    """An MLP whose hidden layers and activations the reader changes live.

    The view shows the module as printed, its parameters per layer and in total,
    its outputs for a fixed input batch ``X``, and a response plot: every output
    unit along the line through ``X[0]`` and ``X[1]``. ReLU makes that plot
    piecewise linear (kinks), tanh and sigmoid make it smooth.

    Args:
        in_features: input width, 1 to 4096.
        hidden_sizes: hidden-layer widths, 0 to 8 layers of 1 to 4096 units.
        activations: one name per hidden layer, or one name for all of them.
        out_features: output width, 1 to 4096.
        seed: initialization seed; the same state and seed give the same net.
        X: the input batch, shape ``(batch, in_features)``; by default two rows
            drawn uniformly from [0, 1) with a fixed seed.

    Example:
        >>> explorer = MLPExplorer(hidden_sizes=(8, 8), activations="tanh")
        >>> explorer.output.shape
        torch.Size([2, 10])
    """

    hidden_sizes = Checked(check_hidden_sizes, (256,),
                           help="Width of each hidden layer: 0 to 8 layers of 1 to 4096.")
    activations = Checked(check_activation_names, ("relu",),
                          help="Activation of each hidden layer; one name sets all of them.")
    seed = Checked(lambda v: check_int("seed", v, 0, MAX_SEED), 0,
                   help="Seed the layers' initial weights are drawn from.")
    in_features = traitlets.Int(20, read_only=True, help="Width of each input row.")
    out_features = traitlets.Int(10, read_only=True, help="Number of outputs.")

    def __init__(self, in_features: int = 20, hidden_sizes: tuple[int, ...] = (256,),
                 activations: tuple[str, ...] | str = "relu", out_features: int = 10,
                 seed: int = 0, X: torch.Tensor | None = None) -> None:
        spec = MLPSpec(in_features, hidden_sizes, activations, out_features, seed)
        super().__init__()
        self.set_trait("in_features", spec.in_features)
        self.set_trait("out_features", spec.out_features)
        self._X = (default_inputs(spec.in_features) if X is None  # the nets are float32
                   else check_input_batch("X", X, spec.in_features).to(torch.float32, copy=True))
        if not bool(torch.isfinite(self._X).all()):
            raise ValueError("X must hold values a float32 can represent (below about 3e38 "
                             "in size); some became infinite")
        self._t, line = response_line(self._X)
        self._X_and_line = torch.cat([self._X, line])
        self._cache = LinearCache()
        self._curves: torch.Tensor | None = None
        self._net: nn.Sequential | None = None
        self._output: torch.Tensor | None = None
        with self.hold_trait_notifications():
            self.hidden_sizes = spec.hidden_sizes
            self.activations = spec.activations
            self.seed = spec.seed
        self._build_controls()
        self.observe(self._on_state_change, names=["hidden_sizes", "activations", "seed"])
        layers.on_registry_change(self._on_registry_change)
        self._render_now()

    # -- state --------------------------------------------------------------------

    @traitlets.validate("activations")
    def _check_activation_count(self, proposal: traitlets.Bunch) -> tuple[str, ...]:
        try:
            return check_activations(proposal.value, len(self.hidden_sizes))
        except ValueError as error:
            hint = "" if self._configuring else (
                ". To change both, call configure(hidden_sizes=..., activations=...)")
            raise as_trait_error(ValueError(f"{error}{hint}")) from None

    def _configurable(self) -> list[str]:
        """configure(hidden_sizes=..., activations=..., seed=...), e.g.

        Example:
            >>> explorer = MLPExplorer()
            >>> explorer.configure(hidden_sizes=(64, 64), activations=("tanh", "relu"))
            >>> explorer.activations
            ('tanh', 'relu')
        """
        return ["hidden_sizes", "activations", "seed"]

    @property
    def spec(self) -> MLPSpec:
        """The current state as a validated :class:`~widgets.mlp.MLPSpec`."""
        return MLPSpec(self.in_features, self.hidden_sizes, self.activations,
                       self.out_features, self.seed)

    @property
    def X(self) -> torch.Tensor:
        """The fixed input batch (a copy; editing it changes nothing here)."""
        return self._X.clone()

    @property
    def net(self) -> nn.Sequential:
        """A copy of the current network: train or edit it freely, the explorer is unaffected."""
        return copy.deepcopy(self._model())

    @property
    def output(self) -> torch.Tensor:
        """``net(X)`` for the current state (computed without gradients)."""
        self._model()
        assert self._output is not None
        return self._output.clone()

    @property
    def num_parameters(self) -> int:
        """How many numbers the network learns."""
        return count_parameters(self._model()).known

    def _on_state_change(self, change: traitlets.Bunch) -> None:
        with self.batch():
            if change.name == "hidden_sizes":
                self._fit_activations(len(change.new))
            self._net = self._output = None
            self._request_render()

    def _fit_activations(self, new_count: int) -> None:
        current = self.activations
        if len(current) == new_count:
            return
        fill = current[-1] if current else "relu"
        self.activations = (current + (fill,) * new_count)[:new_count]

    def _model(self) -> nn.Sequential:
        """The explorer's own network for the current state, built when first needed."""
        if self._net is None or self._output is None:
            net = build_mlp(self.spec, self._cache)
            if any(is_custom(a) for a in self.activations):
                # A reader's layer may depend on the batch or draw random numbers: run X
                # on its own (so .output is net(X)), from a fixed seed, leaving the
                # reader's random state alone.
                with torch.no_grad(), torch.random.fork_rng(devices=[]):
                    torch.manual_seed(layer_seed(self.seed, INPUT_INDEX))
                    output, curves = net(self._X), net(self._X_and_line[len(self._X):])
            else:
                with torch.no_grad():  # X and the response line in one pass over the weights
                    both = net(self._X_and_line)
                output, curves = both[:len(self._X)], both[len(self._X):]
            self._net, self._output, self._curves = net, output, curves
        return self._net

    # -- controls -----------------------------------------------------------------

    def _rebuild_with_replaced_layer(self, name: str) -> None:
        self._net = self._output = None
        try:
            self._request_render()
        except ValueError as error:  # _render fell back and says how
            self.show_message(str(error))

    def _build_controls(self) -> None:
        names = self._activation_options()
        self._layer_count = ipw.IntSlider(
            min=0, max=MAX_HIDDEN_LAYERS, description="hidden layers",
            continuous_update=False, style={"description_width": "90px"},
            layout=ipw.Layout(width="280px"))
        self._widths = [ipw.IntText(layout=ipw.Layout(width="80px"), continuous_update=False)
                        for _ in range(MAX_HIDDEN_LAYERS)]
        self._choices = [ipw.Dropdown(options=names, layout=ipw.Layout(width="150px"))
                         for _ in range(MAX_HIDDEN_LAYERS)]
        self._rows = [
            ipw.HBox([ipw.Label(f"layer {i + 1}", layout=ipw.Layout(width="52px")),
                      self._widths[i], self._choices[i]])
            for i in range(MAX_HIDDEN_LAYERS)
        ]
        self._seed_box = ipw.IntText(description="seed", continuous_update=False,
                                     style={"description_width": "90px"},
                                     layout=ipw.Layout(width="200px"))
        self._plot = ipw.HTML()
        self._module_text = ipw.HTML()
        self._parameters = ipw.HTML()
        self._outputs = ipw.HTML()
        self._layer_count.observe(self._on_controls, names="value")
        self._seed_box.observe(self._on_controls, names="value")
        for control in (*self._widths, *self._choices):
            control.observe(self._on_controls, names="value")
        header = ipw.HTML(f"<b>MLP explorer</b>: {self.in_features} inputs → hidden layers "
                          f"below → {self.out_features} outputs (width 1 to {MAX_WIDTH})")
        controls = ipw.VBox([self._layer_count, *self._rows, self._seed_box],
                            layout=ipw.Layout(min_width="340px"))
        details = ipw.HBox([self._labelled("module", self._module_text),
                            self._labelled("parameters", self._parameters)],
                           layout=ipw.Layout(flex_flow="row wrap"))
        self.children = [header, self._message, ipw.HBox([controls, self._plot]),
                         details, self._labelled("outputs for X", self._outputs)]

    @staticmethod
    def _labelled(title: str, body: ipw.Widget) -> ipw.VBox:
        return ipw.VBox([ipw.HTML(f"<b>{title}</b>"), body],
                        layout=ipw.Layout(margin="0 24px 8px 0"))

    @contextlib.contextmanager
    def _controls_from_state(self) -> Iterator[None]:
        with super()._controls_from_state():
            yield
        self._configuring = False

    def _sync_controls(self) -> None:
        count = len(self.hidden_sizes)
        with self._controls_from_state():
            self._layer_count.value = count
            self._seed_box.value = self.seed
            for i, row in enumerate(self._rows):
                row.layout.display = None if i < count else "none"
                if i < count:
                    self._widths[i].value = self.hidden_sizes[i]
                    self._choices[i].value = self.activations[i]

    def _on_controls(self, change: traitlets.Bunch) -> None:
        if self._syncing_controls:
            return
        count = self._layer_count.value
        sizes = list(self.hidden_sizes)
        acts = list(self.activations)
        for i in range(min(count, len(sizes))):
            sizes[i], acts[i] = self._widths[i].value, self._choices[i].value
        fill = (sizes[-1], acts[-1]) if sizes else (NEW_LAYER_WIDTH, "relu")
        sizes = (sizes + [fill[0]] * count)[:count]
        acts = (acts + [fill[1]] * count)[:count]
        self._apply_from_controls(lambda: self.configure(
            hidden_sizes=tuple(sizes), activations=tuple(acts), seed=self._seed_box.value))

    # -- view ---------------------------------------------------------------------

    def _render(self) -> None:
        try:
            net = self._model()
        except Exception as error:  # a reader's custom layer failed at this width or input
            if self._restoring:
                raise
            custom = sorted({a for a in self.activations if is_custom(a)})
            suspects = f" (custom layers in it: {', '.join(custom)})" if custom else ""
            text = f"the network failed to build or run{suspects}: {type(error).__name__}: {error}"
            if self._good_state is None:  # while constructing: nothing to keep
                raise InvalidValueError(text) from error
            raise InvalidValueError(f"{text}; {self._fall_back()}") from error
        self._good_state = self._current_state()
        Y, curves = self._output, self._curves
        assert Y is not None and curves is not None
        shown = min(self.out_features, MAX_SHOWN_OUTPUTS)
        more = f" (first {shown} of {self.out_features})" if shown < self.out_features else ""
        self._sync_controls()
        self._plot.value = line_chart(
            self._t.tolist(), curves[:, :shown].T.tolist(), labels=[f"y{j}" for j in range(shown)],
            markers=(0.0, 1.0) if self._X.shape[0] > 1 else (0.0,),
            title=f"outputs{more} along the line X[0] → X[1]",
            x_label="t  (t=0 is X[0], t=1 is X[1]; dots mark them)", y_label="output")
        self._module_text.value = preformatted(str(net))
        self._parameters.value = parameter_table(net)
        self._outputs.value = output_table(Y[:, :shown])

    def _forget(self) -> None:
        self._net = self._output = None

    def snapshot(self) -> Snapshot:
        """A still copy of the response plot, kept in the notebook when displayed.

        The live widget always shows its latest state; a snapshot keeps the
        picture of this moment, so a saved notebook can show several states.
        """
        self._model()
        return Snapshot(self._plot.value, f"snapshot of {self!r}")

    def __repr__(self) -> str:
        return (f"MLPExplorer(in_features={self.in_features}, hidden_sizes={self.hidden_sizes}, "
                f"activations={self.activations}, out_features={self.out_features}, "
                f"seed={self.seed})")
