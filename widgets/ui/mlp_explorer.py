"""MLPExplorer: change an MLP's hidden layers and activations, watch what it computes."""

from __future__ import annotations

import copy
import html
from collections.abc import Mapping
from dataclasses import dataclass

import ipywidgets as ipw
import torch
from torch import nn

from ..core import layers
from ..core.checks import check_input_batch
from ..core.file_io import weights_problem
from ..core.introspection import count_parameters
from ..core.layers import is_custom
from ..core.mlp import (
    INPUT_INDEX,
    MAX_HIDDEN_LAYERS,
    MAX_WIDTH,
    LinearCache,
    MLPSpec,
    build_mlp,
    default_inputs,
    layer_seed,
    response_line,
)
from ..render.charts import LineChartData, line_chart
from ..render.html import output_table, parameter_table, preformatted
from ..text import plural, t
from .base import ChartViews, InvalidValueError, LayerChoiceWidget, Snapshot, drawing
from .controls import HiddenLayersControl, control_for, labelled

#: Width given to a hidden layer added with the layer-count control when none exists.
NEW_LAYER_WIDTH = 32
#: Most output units drawn in the response plot and listed in the output table.
MAX_SHOWN_OUTPUTS = 10


@dataclass
class _Computed:
    """A network built for a spec, with its outputs for X and along the response line.

    ``output`` comes from the pass that also computes the curves; a larger batch
    may round differently in the last bit, so ``exact``, ``net(X)`` alone, is
    computed when asked for (or at once when X has to run alone anyway).
    """

    spec: MLPSpec
    net: nn.Sequential
    output: torch.Tensor
    curves: torch.Tensor
    exact: torch.Tensor | None = None


@dataclass(frozen=True)
class _Weights:
    """Weights the explorer computes with instead of its seed's, while its spec is ``spec``."""

    spec: MLPSpec
    state: dict[str, torch.Tensor]
    source: str
    #: How many of the loaded numbers are NaN or infinite (a diverged run's, say).
    not_finite: int = 0


class MLPExplorer(ChartViews, LayerChoiceWidget):
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

    The weights are the ones ``seed`` draws, unless :meth:`load_state_dict` gave
    it others (a trained network's, say): those hold until the layers or the seed
    change.

    Example:
        >>> explorer = MLPExplorer(hidden_sizes=(8, 8), activations="tanh")
        >>> explorer.output.shape
        torch.Size([2, 10])
        >>> explorer.configure(hidden_sizes=(64, 64), activations=("tanh", "relu"))
        >>> explorer.activations
        ('tanh', 'relu')
        >>> explorer.figure().axes[0].get_ylabel(), len(explorer.chart_data()[0].series)
        ('output', 10)
    """

    SPEC = MLPSpec
    STATE = ("hidden_sizes", "activations", "seed")
    FIXED = ("in_features", "out_features")
    #: The one chart: the response plot (``figure()`` is ``figure("plot")``).
    CHARTS = ("plot",)

    def __init__(self, in_features: int = 20, hidden_sizes: tuple[int, ...] = (256,),
                 activations: tuple[str, ...] | str = "relu", out_features: int = 10,
                 seed: int = 0, X: torch.Tensor | None = None) -> None:
        spec = MLPSpec(in_features, hidden_sizes, activations, out_features, seed)
        super().__init__()
        self._X = (default_inputs(spec.in_features) if X is None  # the nets are float32
                   else check_input_batch("X", X, spec.in_features).to(torch.float32, copy=True))
        if not bool(torch.isfinite(self._X).all()):
            raise ValueError(t("mlp_explorer.X_too_large"))
        self._t, line = response_line(self._X)
        self._X_and_line = torch.cat([self._X, line])
        self._cache = LinearCache()
        self._computed: _Computed | None = None
        self._weights: _Weights | None = None
        self._build_controls(spec)
        layers.on_registry_change(self._on_registry_change)
        self._start(spec)

    # -- state --------------------------------------------------------------------

    @property
    def X(self) -> torch.Tensor:
        """The fixed input batch (a copy; editing it changes nothing here)."""
        return self._X.clone()

    @property
    def net(self) -> nn.Sequential:
        """A copy of the current network: train or edit it freely, the explorer is unaffected."""
        return copy.deepcopy(self._now().net)

    @property
    def output(self) -> torch.Tensor:
        """``net(X)`` for the current state (computed without gradients)."""
        computed = self._now()
        if computed.exact is None:
            with torch.no_grad():
                computed.exact = computed.net(self._X)
        return computed.exact.clone()

    @property
    def num_parameters(self) -> int:
        """How many numbers the network learns."""
        return count_parameters(self._now().net).known

    @property
    def loaded_from(self) -> str | None:
        """Where the weights it computes with came from; None when its seed drew them."""
        return None if self._weights is None else self._weights.source

    def load_state_dict(self, state_dict: Mapping[str, torch.Tensor],
                        source: str | None = None) -> None:
        """Compute with the tensors of ``state_dict`` instead of the weights the seed draws.

        The names, shapes and dtypes must be those of ``net.state_dict()``. The
        tensors are copied to the CPU, so changing them afterwards changes
        nothing here. The header names ``source`` (a file's name, say). The
        weights hold until the layers or the seed change: the explorer then
        draws its weights from the seed again and its message line says that the
        loaded ones were dropped. Weights that are not all finite are computed
        with as they are (a diverged training run is worth looking at), and the
        message line notes how many numbers are NaN or infinite.

        Raises:
            ValueError: a tensor is missing, extra, or of another shape or dtype
                (the first one is named); the explorer keeps what it showed.

        Example:
            >>> explorer = MLPExplorer(hidden_sizes=(8,))
            >>> trained = explorer.net
            >>> _ = nn.init.zeros_(trained[0].bias)
            >>> explorer.load_state_dict(trained.state_dict(), source="trained.pt")
            >>> torch.equal(explorer.output, trained(explorer.X)), explorer.loaded_from
            (True, 'trained.pt')
        """
        problem = weights_problem(state_dict, self._now().net.state_dict())
        if problem:
            raise InvalidValueError(t("file_io_widget.weights_misfit", problem=problem))
        state = {key: tensor.detach().to("cpu").clone(memory_format=torch.contiguous_format)
                 for key, tensor in state_dict.items()}
        before = self._weights
        not_finite = sum(int((~torch.isfinite(tensor)).sum()) for tensor in state.values())
        self._weights = _Weights(self._state, state,
                                 t("file_io_widget.a_state_dict") if source is None
                                 else str(source), not_finite)
        try:
            content = self._prepare_or_raise(self._state)
        except Exception:  # shown in the message line: the weights shown before stay
            self._weights = before
            raise
        self._commit(self._state, content)

    def _now(self) -> _Computed:
        """The network and its outputs for the current state (rebuilt after a close)."""
        if self._computed is None or self._computed.spec != self._state:
            self._computed = self._compute(self._state)
        return self._computed

    def _compute(self, spec: MLPSpec) -> _Computed:
        """Build the network for ``spec`` and run X and the response line through it."""
        net = build_mlp(spec, self._cache)
        if self._weights is not None and self._weights.spec == spec:
            net.load_state_dict(self._weights.state)
        if any(is_custom(a) for a in spec.activations):
            # A reader's layer may depend on the batch or draw random numbers: run X
            # on its own (so .output is net(X)), from a fixed seed, leaving the
            # reader's random state alone.
            with torch.no_grad(), torch.random.fork_rng(devices=[]):
                torch.manual_seed(layer_seed(spec.seed, INPUT_INDEX))
                output, curves = net(self._X), net(self._X_and_line[len(self._X):])
            return _Computed(spec, net, output, curves, exact=output)
        with torch.no_grad():  # X and the response line in one pass over the weights
            both = net(self._X_and_line)
        return _Computed(spec, net, both[:len(self._X)], both[len(self._X):])

    # -- view ---------------------------------------------------------------------

    def _prepare(self, spec: MLPSpec) -> tuple[dict[str, str], LineChartData]:
        computed = self._compute(spec)
        shown = min(spec.out_features, MAX_SHOWN_OUTPUTS)
        more = (t("mlp_explorer.first_outputs", shown=shown, total=spec.out_features)
                if shown < spec.out_features else "")
        with drawing():
            plot = LineChartData(
                self._t.tolist(), computed.curves[:, :shown].T.tolist(),
                labels=[t("mlp_explorer.output_label", index=j) for j in range(shown)],
                markers=(0.0, 1.0) if self._X.shape[0] > 1 else (0.0,),
                title=t("mlp_explorer.plot_title", more=more),
                x_label=t("mlp_explorer.x_label"), y_label=t("mlp_explorer.y_label"))
            views = {
                "header": self._header(spec),
                "plot": line_chart(**plot.arguments()),
                "module": preformatted(str(computed.net)),
                "parameters": parameter_table(computed.net),
                "outputs": output_table(computed.output[:, :shown]),
            }
        self._computed = computed
        return views, plot

    def _show(self, content: tuple[dict[str, str], LineChartData]) -> None:
        views, plot = content
        for name, value in views.items():
            self._views[name].value = value
        self._keep_charts({"plot": (plot,)})

    def _header(self, spec: MLPSpec) -> str:
        """The header: the sizes, and where the weights came from when they were loaded."""
        text = t("mlp_explorer.header", inputs=spec.in_features, outputs=spec.out_features,
                 max_width=MAX_WIDTH)
        if self._weights is not None and self._weights.spec == spec:
            text += t("file_io_widget.header_weights", source=html.escape(self._weights.source))
        return text

    def _commit(self, spec: MLPSpec, content: object) -> None:
        """Commit ``spec``; loaded weights made for another spec are dropped, with a message.

        While loaded weights that are not all finite stay in use, the message line
        says so after every commit.
        """
        dropped = self._weights if (self._weights is not None
                                    and self._weights.spec != spec) else None
        if dropped is not None:
            self._weights = None
        super()._commit(spec, content)
        if dropped is not None:
            layers_changed = (dropped.spec.hidden_sizes != spec.hidden_sizes
                              or dropped.spec.activations != spec.activations)
            change = ("file_io_widget.changed_both" if layers_changed
                      and dropped.spec.seed != spec.seed
                      else "file_io_widget.changed_layers" if layers_changed
                      else "file_io_widget.changed_seed")
            self.show_message(t("file_io_widget.weights_dropped", source=dropped.source,
                                change=t(change), seed=spec.seed), kind="info")
        elif self._weights is not None and self._weights.not_finite:
            total = sum(tensor.numel() for tensor in self._weights.state.values())
            self.show_message(plural("file_io_widget.weights_not_finite",
                                     self._weights.not_finite, total=total,
                                     source=self._weights.source), kind="info")

    # -- controls -----------------------------------------------------------------

    def _build_controls(self, spec: MLPSpec) -> None:
        self._layers = HiddenLayersControl(MAX_HIDDEN_LAYERS, self._activation_options(),
                                           (NEW_LAYER_WIDTH, "relu"))
        self.bind(self._layers, "hidden_layers",
                  read=lambda: (self._state.hidden_sizes, self._state.activations),
                  write=lambda value: self.configure(hidden_sizes=value[0], activations=value[1]))
        self.bind(control_for(MLPSpec, "seed", width="200px", label_width="90px"), "seed")
        views = {name: ipw.HTML() for name in ("plot", "module", "parameters", "outputs")}
        header = ipw.HTML(self._header(spec))
        self._expose(views={"header": header, **views})
        controls = ipw.VBox([self._layers, self.controls["seed"], self._message],
                            layout=ipw.Layout(width="360px", margin="0 12px 0 0"))
        details = ipw.HBox([labelled(t("mlp_explorer.module"), views["module"]),
                            labelled(t("mlp_explorer.parameters"), views["parameters"])],
                           layout=ipw.Layout(flex_flow="row wrap"))
        top = ipw.HBox([controls, views["plot"]],
                       layout=ipw.Layout(flex_flow="row wrap", align_items="flex-start"))
        self._lay_out(header, top, details, labelled(t("mlp_explorer.outputs"), views["outputs"]))

    def _layer_menus(self) -> list[ipw.Dropdown]:
        return self._layers.choices

    def snapshot(self) -> Snapshot:
        """A still copy of the response plot, kept in the notebook when displayed.

        The live widget always shows its latest state; a snapshot keeps the
        picture of this moment, so a saved notebook can show several states.
        """
        return Snapshot(self._views["plot"].value, t("mlp_explorer.snapshot", explorer=self))

    def __repr__(self) -> str:
        return (f"MLPExplorer(in_features={self.in_features}, hidden_sizes={self.hidden_sizes}, "
                f"activations={self.activations}, out_features={self.out_features}, "
                f"seed={self.seed})")
