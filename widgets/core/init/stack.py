"""How initialization shapes the signal in a deep stack of layers, in plain PyTorch.

A stack is ``depth`` layers, each ``nn.Linear(width, width)`` followed by one
activation. A batch of standard-normal inputs goes up through it; a random
upstream gradient of unit variance comes back down. For every layer we record
the mean and standard deviation of its outputs (the *signal*) and of the
gradient of the loss with respect to those outputs. With a poor initialization
the signal or the gradient shrinks or grows geometrically with depth, which a
log scale shows as a straight line going down or up.

Each layer's weights are a fixed random draw times a factor set by its scheme
(see :data:`~widgets.core.init.schemes.SCHEMES`), so they depend only on the
seed, the layer's position, its shape, its scheme and its scale. :class:`InitStack`
keeps the draws and the forward pass between updates: after a change to one layer
only that layer's weights are made again, and the forward pass restarts at that layer.

The backward pass runs the kernels autograd runs for the built-in activations
(each :class:`~widgets.core.layers.Activation` names its own), so the statistics
are those of ``loss.backward()`` on the network :meth:`InitStack.build` returns;
where a kernel's call fails (the kernels are private to PyTorch), that layer's
gradient comes from autograd instead. The activation may also be a reader's layer
registered with :func:`widgets.core.layers.register_layer`: each layer of the
stack gets its own instance, built at ``width`` from a seed of its own, and its
gradient comes from autograd through that instance.

Example:
    >>> stats = compute_stats(InitSpec(depth=3, width=8, schemes="zeros", batch_size=4))
    >>> stats.activation_std
    (0.0, 0.0, 0.0)
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from ...text import t
from ..checks import MAX_SEED, check_choice, check_int, describe
from ..devices import one_thread
from ..fields import Choice, Float, Int, Spec, setting
from ..layers import (
    Activation,
    activation_names,
    is_custom,
    lookup,
    make_activation,
    registered_layers,
)
from .schemes import (
    CUSTOM_INDEX,
    INPUT_INDEX,
    MAX_SCALE,
    SCHEMES,
    layer_seed,
    scheme_names,
)
from .verdict import SATURATION_MARGIN, is_steady, verdict

MAX_DEPTH = 50
MAX_WIDTH = 1024
MAX_BATCH = 1024
#: Bins of each histogram.
HISTOGRAM_BINS = 40
#: Memory the weight draws of an :class:`InitStack` may keep, in bytes.
DEFAULT_CACHE_BYTES = 64 * 2**20
#: A reader's registered layer after layer ``i`` (from 0) is built from the seed
#: ``layer_seed(seed, CUSTOM_INDEX + i)``, as ``widgets.core.mlp`` builds them, and the
#: random numbers it draws in its forward pass (noise, dropout) come from
#: ``layer_seed(seed, NOISE_INDEX + i)``: no layer's weights share either seed.
NOISE_INDEX = 768


@dataclass(frozen=True)
class InitSpec(Spec):
    """A validated description of a deep stack and of how its layers start.

    Args:
        depth: number of ``Linear`` + activation layers, 1 to 50.
        width: inputs and outputs of every layer, 1 to 1024.
        schemes: one scheme name per layer (see :func:`~widgets.core.init.schemes.scheme_names`),
            or one for all.
        scales: one scale per layer, each from 0 to 100, or one for all.
        activation: the activation after every layer (see ``widgets.core.layers``).
        batch_size: rows of standard-normal input, 1 to 1024.
        seed: seed of the inputs, the upstream gradient and every layer's draw.

    Example:
        >>> InitSpec(depth=2, schemes=("normal", "zeros"), scales=0.1).scales
        (0.1, 0.1)
    """

    TEXT = "init"

    depth: int = setting(Int(1, MAX_DEPTH), 50, control="stepper")
    width: int = setting(Int(1, MAX_WIDTH), 256)
    schemes: tuple[str, ...] | str = setting(Choice(scheme_names), "default", per_layer="depth")
    scales: tuple[float, ...] | float = setting(Float(0.0, MAX_SCALE), 1.0, per_layer="depth")
    activation: str = setting(Choice(activation_names), "tanh")
    batch_size: int = setting(Int(1, MAX_BATCH), 512)
    seed: int = setting(Int(0, MAX_SEED), 0)

    def weight_std(self, layer: int) -> float:
        """Standard deviation of the weights of ``layer`` (numbered from 1)."""
        scheme = SCHEMES[self.schemes[layer - 1]]
        return scheme.weight_std(self.width, self.width, self.scales[layer - 1])


@dataclass(frozen=True)
class LayerHistogram:
    """Counts of one layer's outputs in equal bins from their smallest to largest value.

    ``nonfinite`` counts the outputs that are inf or NaN, which no bin holds.
    """

    layer: int
    edges: tuple[float, ...]
    counts: tuple[int, ...]
    nonfinite: int = 0


@dataclass(frozen=True)
class InitStats:
    """Per-layer statistics of a stack; index ``i`` of each tuple is layer ``i + 1``.

    Attributes:
        spec: the stack they describe.
        activation_mean, activation_std: over all outputs of each layer (batch × width).
        gradient_mean, gradient_std: of the loss's gradient with respect to those outputs.
        saturation: share of the last layer's outputs within 0.01 of the activation's
            bounds (tanh and sigmoid only; None for the others).
        histograms: the outputs of a few layers, binned.
    """

    spec: InitSpec
    activation_mean: tuple[float, ...]
    activation_std: tuple[float, ...]
    gradient_mean: tuple[float, ...]
    gradient_std: tuple[float, ...]
    saturation: float | None
    histograms: tuple[LayerHistogram, ...]

    @property
    def verdict(self) -> str:
        """One line on the signal going up and the gradient coming down (see :func:`verdict`)."""
        return verdict(self)

    @property
    def steady(self) -> bool:
        """Whether the signal and the gradient both stay steady (see :func:`is_steady`)."""
        return is_steady(self)


def _draw(draw: str, fan_in: int, fan_out: int, seed: int
          ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The unscaled draw of one layer: weights, and for uniform draws a bias too."""
    if draw == "fill":
        return torch.ones(fan_out, fan_in), None
    with torch.random.fork_rng(devices=[]):  # the reader's random state is left alone
        torch.manual_seed(seed)  # the global generator is several times faster than a private one
        if draw == "normal":
            return torch.randn(fan_out, fan_in), None
        weight = torch.empty(fan_out, fan_in).uniform_(-1, 1)
        return weight, torch.empty(fan_out).uniform_(-1, 1)


def init_layer_(layer: nn.Linear, scheme: str, scale: float = 1.0,
                seed: int | None = None) -> nn.Linear:
    """Initialize ``layer`` in place by ``scheme`` (any of :data:`SCHEMES`) at ``scale``.

    With a ``seed`` the draw is the one :class:`InitStack` uses for that seed
    (and the global random state is left alone); without one it comes from the
    global generator, as ``nn.init`` does. Returns ``layer``.

    Example:
        >>> layer = init_layer_(nn.Linear(256, 256), "kaiming_normal", seed=0)
        >>> round(layer.weight.std().item(), 2), layer.bias.abs().max().item()
        (0.09, 0.0)
    """
    chosen = SCHEMES[check_choice("scheme", scheme, tuple(SCHEMES))]
    scale = InitSpec.settings()["scales"].kind.check("scale", scale)
    if seed is None:
        seed = int(torch.randint(0, MAX_SEED, ()).item())
    fan_in, fan_out = layer.in_features, layer.out_features
    draw, bias_draw = _draw(chosen.draw, fan_in, fan_out, InitSpec.check_field("seed", seed))
    factor = chosen.factor(fan_in, fan_out, scale)
    with torch.no_grad():
        layer.weight.copy_(draw * factor)
        if layer.bias is not None:
            if chosen.draws_bias and bias_draw is not None:
                layer.bias.copy_(bias_draw * factor)
            else:
                layer.bias.fill_(chosen.bias_value)
    return layer


def stack_inputs(spec: InitSpec) -> tuple[torch.Tensor, torch.Tensor]:
    """The input batch and the upstream gradient for ``spec``: both standard normal, seeded.

    Example:
        >>> X, dY = stack_inputs(InitSpec(width=4, batch_size=3))
        >>> X.shape, dY.shape
        (torch.Size([3, 4]), torch.Size([3, 4]))
    """
    # a seed no layer uses: the inputs must not repeat a layer's draw
    generator = torch.Generator().manual_seed(layer_seed(spec.seed, INPUT_INDEX))
    X = torch.randn(spec.batch_size, spec.width, generator=generator)
    return X, torch.randn(spec.batch_size, spec.width, generator=generator)


def default_histogram_layers(depth: int) -> tuple[int, ...]:
    """The first, middle and last layer (fewer when the stack is shallow).

    Example:
        >>> default_histogram_layers(50)
        (1, 25, 50)
    """
    return tuple(sorted({1, (depth + 1) // 2, depth}))


@dataclass(frozen=True)
class _Layer:
    """One layer as the stack computes it: ``factor`` times a cached draw, plus a bias."""

    key: tuple
    draw: torch.Tensor
    factor: float
    bias: torch.Tensor

    def weight(self) -> torch.Tensor:
        return self.draw * self.factor


class InitStack:
    """Statistics of deep ``Linear`` stacks, updated incrementally from one spec to the next.

    Keeps, within ``max_cache_bytes`` (or the size of two whole stacks of the
    current shape, if that is more), every layer's random draw (so an unchanged
    layer is never drawn again; a new scale or a scheme of the same kind of draw
    only changes the factor the draw is multiplied by, inside the matrix product),
    and the forward pass of the last spec (so a change at layer ``k`` recomputes
    layers ``k`` to the top only). The backward pass always runs in full: a change
    anywhere alters the gradient of every layer below the top.

    Example:
        >>> stack = InitStack()
        >>> spec = InitSpec(depth=4, width=16, schemes="xavier_normal", batch_size=8)
        >>> len(stack.statistics(spec).gradient_std)
        4
    """

    def __init__(self, max_cache_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.max_cache_bytes = max_cache_bytes
        self.cache_bytes = 0
        self._cache: OrderedDict[tuple, tuple[torch.Tensor, torch.Tensor | None]] = OrderedDict()
        self._inputs_key: tuple | None = None
        self._X = self._dY = torch.empty(0)
        self._outputs = torch.empty(0)  # (layers, batch, width): each layer's output
        self._inputs = torch.empty(0)  # the same for pre-activations, when backward needs them
        self._gradients = torch.empty(0)
        self._layer_keys: list[tuple] = []  # what each stored output was computed from
        self._last: InitStats | None = None
        self._last_activation: object = None  # the activation key _last was computed with
        self._budget = max_cache_bytes  # raised to hold at least one whole stack (see statistics)
        self.layers_computed = 0  # layers the last call ran forward (for tests and benchmarks)

    # -- weights --------------------------------------------------------------------

    def _draw(self, draw: str, fan_in: int, fan_out: int,
              seed: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        key = (draw, fan_in, fan_out, None if draw == "fill" else seed)
        value = self._cache.pop(key, None)
        if value is None:
            value = _draw(draw, fan_in, fan_out, seed)
            self.cache_bytes += _nbytes(value)
        self._cache[key] = value  # most recently used last
        while self.cache_bytes > self._budget and len(self._cache) > 1:
            self.cache_bytes -= _nbytes(self._cache.pop(next(iter(self._cache))))
        return value

    def _layer(self, spec: InitSpec, layer: int) -> _Layer:
        scheme = SCHEMES[spec.schemes[layer - 1]]
        scale, seed = spec.scales[layer - 1], layer_seed(spec.seed, layer - 1)
        weight, bias = self._draw(scheme.draw, spec.width, spec.width, seed)
        factor = scheme.factor(spec.width, spec.width, scale)
        if scheme.draws_bias and bias is not None:
            bias = bias * factor
        else:
            bias = _filled(spec.width, scheme.bias_value)
        return _Layer((scheme.name, scale, spec.width, seed), weight, factor, bias)

    def layer_weights(self, spec: InitSpec, layer: int) -> tuple[torch.Tensor, torch.Tensor]:
        """New tensors holding the weight and bias of ``layer`` (numbered from 1)."""
        made = self._layer(spec, layer)
        return made.weight(), made.bias.clone()

    def build(self, spec: InitSpec) -> nn.Sequential:
        """A fresh ``nn.Sequential`` holding copies of the weights ``spec`` describes.

        Example:
            >>> InitStack().build(InitSpec(depth=2, width=3, activation="relu"))
            Sequential(
              (0): Linear(in_features=3, out_features=3, bias=True)
              (1): ReLU()
              (2): Linear(in_features=3, out_features=3, bias=True)
              (3): ReLU()
            )
        """
        activations = activation_modules(spec)
        modules: list[nn.Module] = []
        for layer in range(1, spec.depth + 1):
            # Made on the meta device (nothing drawn), then given the new tensors as its
            # parameters: skip_init's copy back from meta imports sympy, seconds on first use.
            linear = nn.Linear(spec.width, spec.width, device="meta")
            weight, bias = self.layer_weights(spec, layer)
            linear.weight, linear.bias = nn.Parameter(weight), nn.Parameter(bias)
            modules += [linear, activations[layer - 1]]
        return nn.Sequential(*modules)

    # -- statistics -----------------------------------------------------------------

    def statistics(self, spec: InitSpec,
                   histogram_layers: Sequence[int] | None = None) -> InitStats:
        """Forward a batch through ``spec``'s stack, backward once, and summarize each layer.

        Args:
            spec: the stack.
            histogram_layers: layer numbers (1 to ``spec.depth``) to bin the outputs of;
                by default the first, middle and last.

        Returns:
            An :class:`InitStats`.

        Raises:
            Whatever a reader's registered layer raises when it is built or run at
            ``spec.width``; the stack then holds nothing it would reuse wrongly.
        """
        with one_thread():  # faster on a shared machine, and the same numbers on any
            return self._statistics(spec, histogram_layers)

    def _statistics(self, spec: InitSpec, histogram_layers: Sequence[int] | None) -> InitStats:
        if histogram_layers is None:
            histogram_layers = default_histogram_layers(spec.depth)
        shown = tuple(sorted({check_int(f"histogram_layers[{i}]", layer, 1, spec.depth)
                              for i, layer in enumerate(histogram_layers)}))
        depth = spec.depth
        activation = _activation_key(spec.activation)
        last = self._last
        if last is not None and last.spec == spec and self._last_activation == activation:
            self.layers_computed = 0  # e.g. only another histogram asked for
            if tuple(h.layer for h in last.histograms) != shown:
                outputs = self._outputs[:depth].view(depth, -1)
                histograms = tuple(_histogram(layer, outputs[layer - 1]) for layer in shown)
                self._last = dataclasses.replace(last, histograms=histograms)
            return self._last
        self._last = None  # the buffers change below: nothing stays valid if a layer fails
        # Never evict a draw the current stack needs: at width 1024 one stack alone is 200 MB.
        self._budget = max(self.max_cache_bytes, 2 * depth * spec.width * (spec.width + 1) * 4)
        layers = [self._layer(spec, layer) for layer in range(1, depth + 1)]
        custom = activation_modules(spec) if is_custom(spec.activation) else None
        with torch.no_grad():
            self._forward(spec, layers, activation, custom)
            self._backward(spec, layers, custom)
            outputs = self._outputs[:depth].view(depth, -1)
            a_mean, a_std = _row_mean_std(outputs)
            g_mean, g_std = _row_mean_std(self._gradients[:depth].view(depth, -1))
            histograms = tuple(_histogram(layer, outputs[layer - 1]) for layer in shown)
            saturation = _saturation(spec.activation, outputs[-1])
        self._last = InitStats(spec, tuple(a_mean.tolist()), tuple(a_std.tolist()),
                               tuple(g_mean.tolist()), tuple(g_std.tolist()), saturation,
                               histograms)
        self._last_activation = activation
        return self._last

    def forget_outputs(self) -> None:
        """Drop the stored forward pass (the draws stay): the next call runs every layer.

        Needed only when a registered layer changed behind its name without being
        registered again; :meth:`statistics` notices a layer registered again itself.
        """
        self._layer_keys = []
        self._last = None

    def _forward(self, spec: InitSpec, layers: list[_Layer], activation: object,
                 custom: list[nn.Module] | None) -> None:
        depth, batch, width = spec.depth, spec.batch_size, spec.width
        inputs_key = (batch, width, spec.seed)
        if inputs_key != self._inputs_key:
            self._X, self._dY = stack_inputs(spec)
            self._inputs_key = inputs_key
            self._layer_keys = []
        in_place = _in_place(spec.activation)
        keep_inputs = in_place is None  # the backward pass needs them, or the forward pass
        buffer_shape = (batch, width)
        if self._outputs.shape[1:] != buffer_shape or len(self._outputs) < depth:
            valid = len(self._layer_keys) if self._outputs.shape[1:] == buffer_shape else 0
            self._outputs = _grown(self._outputs, depth, buffer_shape, valid)
            self._gradients = torch.empty(depth, *buffer_shape)
            self._layer_keys = self._layer_keys[:valid]
        if not keep_inputs:
            self._inputs = torch.empty(0)
        elif self._inputs.shape[1:] != buffer_shape or len(self._inputs) < depth:
            self._inputs = torch.empty(depth, *buffer_shape)
            self._layer_keys = []  # the stored outputs came without their inputs
        keys = [(activation, layer.key) for layer in layers]
        start = 0
        while (start < min(depth, len(self._layer_keys))
               and self._layer_keys[start] == keys[start]):
            start += 1
        # Stored outputs stay valid up to a layer only once it has been computed in full:
        # a reader's layer that raises half-way leaves no stale layer behind.
        self._layer_keys = keys[:start]
        act = None if custom is not None else make_activation(spec.activation, width)
        for i in range(start, depth):
            below = self._X if i == 0 else self._outputs[i - 1]
            layer = layers[i]
            if keep_inputs:
                _scaled_matmul(below, layer.draw.t(), layer.factor, self._inputs[i], layer.bias)
                if custom is not None:
                    self._outputs[i].copy_(_run_custom(custom[i], self._inputs[i], spec, i))
                else:
                    assert act is not None
                    self._outputs[i].copy_(act(self._inputs[i]))
            else:
                _scaled_matmul(below, layer.draw.t(), layer.factor, self._outputs[i], layer.bias)
                assert in_place is not None
                in_place(self._outputs[i])
            self._layer_keys.append(keys[i])
        self.layers_computed = depth - start

    def _backward(self, spec: InitSpec, layers: list[_Layer],
                  custom: list[nn.Module] | None) -> None:
        grads = self._gradients
        grads[spec.depth - 1].copy_(self._dY)
        built_in = lookup(spec.activation) if custom is None else None
        for i in range(spec.depth - 1, 0, -1):
            if custom is not None:  # a reader's layer: autograd through its own instance
                with torch.enable_grad():
                    z = self._inputs[i].detach().requires_grad_()
                    h = _run_custom(custom[i], z, spec, i)
                    dz = None
                    if h.requires_grad:
                        (dz,) = torch.autograd.grad(h, z, grads[i], allow_unused=True)
                if dz is None:  # the output does not depend on the input at all
                    dz = torch.zeros_like(grads[i])
            else:
                assert isinstance(built_in, Activation)
                dz = self._activation_backward(built_in, i, layers[i])
            _scaled_matmul(dz, layers[i].draw, layers[i].factor, grads[i - 1])

    def _activation_backward(self, activation: Activation, i: int, layer: _Layer
                             ) -> torch.Tensor:
        """The gradient at the input of layer ``i``'s (from 0) built-in activation: its
        kernel, or autograd where it has none or the kernel's call fails."""
        grad = self._gradients[i]
        try:
            if activation.from_output is not None:
                return activation.from_output(grad, self._outputs[i])
            if activation.from_input is not None:
                return activation.from_input(grad, self._inputs[i])
        except Exception:  # a private kernel changed in this PyTorch: autograd below
            pass
        if self._inputs.numel():
            z = self._inputs[i]
        else:  # only the outputs were kept: compute the layer's input again
            z = torch.empty_like(grad)
            below = self._X if i == 0 else self._outputs[i - 1]
            _scaled_matmul(below, layer.draw.t(), layer.factor, z, layer.bias)
        with torch.enable_grad():
            z = z.detach().requires_grad_()
            (dz,) = torch.autograd.grad(activation.factory()(z), z, grad)
        return dz


def _in_place(name: str) -> Callable[[torch.Tensor], object] | None:
    """The in-place op the forward pass applies to a layer's output buffer, where the
    activation has one and a backward kernel from its output (so its input need not stay)."""
    record = lookup(name)
    if isinstance(record, Activation) and record.from_output is not None:
        return record.in_place
    return None


def _activation_key(name: str) -> object:
    """What the stored outputs depend on besides the weights: the name, and for a
    registered layer its registration (registering the name again changes it)."""
    if is_custom(name):
        return (name, registered_layers().get(name))
    return name


def activation_modules(spec: InitSpec) -> list[nn.Module]:
    """One activation module per layer of ``spec``, as :meth:`InitStack.build` places them.

    A reader's registered layer is built at ``spec.width``, each instance from a seed
    of its own (so parameters it draws are the same for the same state, and the
    reader's random state is left alone). A layer that cannot be built raises.

    Example:
        >>> activation_modules(InitSpec(depth=2, width=4, activation="relu"))
        [ReLU(), ReLU()]
    """
    if not is_custom(spec.activation):
        return [make_activation(spec.activation, spec.width) for _ in range(spec.depth)]
    modules = []
    for i in range(spec.depth):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(layer_seed(spec.seed, CUSTOM_INDEX + i))
            module = make_activation(spec.activation, spec.width)
        if not isinstance(module, nn.Module):
            raise TypeError(t("init.custom_not_module", name=repr(spec.activation),
                              got=describe(module)))
        modules.append(module)
    return modules


def _run_custom(module: nn.Module, z: torch.Tensor, spec: InitSpec, i: int) -> torch.Tensor:
    """A reader's layer ``i`` (from 0) on ``z``: its random numbers from a seed of its own,
    the same in the forward pass and when the backward pass runs it again."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(layer_seed(spec.seed, NOISE_INDEX + i))
        h = module(z.clone())  # a layer that works in place must not change the stored input
    if not isinstance(h, torch.Tensor) or tuple(h.shape) != tuple(z.shape):
        got = (t("init.custom_got_shape", shape=tuple(h.shape)) if isinstance(h, torch.Tensor)
               else describe(h))
        raise ValueError(t("init.custom_shape", name=repr(spec.activation), shape=tuple(z.shape),
                           layer=i + 1, got=got))
    return h


def _scaled_matmul(a: torch.Tensor, b: torch.Tensor, factor: float, out: torch.Tensor,
                   bias: torch.Tensor | None = None) -> None:
    """``out = bias + a @ (factor * b)`` without making ``factor * b``.

    A factor of 0 is what a zero weight matrix computes: 0, except NaN in rows
    where ``a`` holds inf or NaN (the matrix library would skip those products).
    """
    if bias is None:
        torch.addmm(out, a, b, beta=0, alpha=factor, out=out)  # beta=0: out's old values unused
    else:
        torch.addmm(bias, a, b, alpha=factor, out=out)
    if factor == 0:
        broken = ~torch.isfinite(a).all(dim=1)
        if broken.any():
            out[broken] = math.nan


@functools.lru_cache(maxsize=4)
def _filled(width: int, value: float) -> torch.Tensor:
    return torch.full((width,), value)


def _nbytes(tensors: tuple) -> int:
    return sum(t.numel() * t.element_size() for t in tensors if isinstance(t, torch.Tensor))


def _grown(old: torch.Tensor, depth: int, shape: tuple[int, int], valid: int) -> torch.Tensor:
    """A buffer for ``depth`` layers that keeps the first ``valid`` rows of ``old``."""
    new = torch.empty(depth, *shape)
    if valid:
        new[:valid].copy_(old[:valid])
    return new


def _row_mean_std(rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and standard deviation of each row, as float64.

    A few fast passes in float32. Rows whose values are too large or too small
    for float32 squares (beyond 1e15 or below 1e-15) are redone in float64, so a
    signal of 1e-30 still shows its true spread; inf and NaN come out as they are.
    """
    n = rows.shape[1]
    largest = torch.maximum(rows.amax(dim=1), -rows.amin(dim=1))  # NaN where a row has NaN
    mean = rows @ _averaging(n)
    spread = torch.stack([torch.linalg.vector_norm(row - m) for row, m in zip(rows, mean)])
    mean, spread, largest = mean.double(), spread.double(), largest.double()
    redo = torch.isfinite(largest) & ((largest > 1e15) | ((largest > 0) & (largest < 1e-15)))
    for i in redo.nonzero().flatten().tolist():
        exact = rows[i].double()
        mean[i] = exact.mean()
        spread[i] = torch.linalg.vector_norm(exact - mean[i])
    return mean, spread / math.sqrt(max(n - 1, 1))


@functools.lru_cache(maxsize=4)
def _averaging(n: int) -> torch.Tensor:
    return torch.full((n,), 1 / n)


def _histogram(layer: int, values: torch.Tensor) -> LayerHistogram:
    values = values.double()
    finite = torch.isfinite(values)
    nonfinite = int(values.numel() - finite.sum())
    if nonfinite:
        values = values[finite]
    if values.numel() == 0:
        return LayerHistogram(layer, (-1.0, 1.0), (0,), nonfinite)
    low, high = (v.item() for v in torch.aminmax(values))
    if not high - low > 1e-12 * max(abs(low), abs(high), 1e-300):
        pad = max(abs(high) * 0.1, 1e-3) if high else 1.0
        low, high = low - pad, high + pad
    counts = torch.histc(values, HISTOGRAM_BINS, low, high)
    step = (high - low) / HISTOGRAM_BINS
    edges = (*(low + i * step for i in range(HISTOGRAM_BINS)), high)
    return LayerHistogram(layer, edges, tuple(int(c) for c in counts.tolist()), nonfinite)


def _saturation(activation: str, values: torch.Tensor) -> float | None:
    if activation == "tanh":
        return (values.abs() > 1 - SATURATION_MARGIN).double().mean().item()
    if activation == "sigmoid":
        near = (values < SATURATION_MARGIN) | (values > 1 - SATURATION_MARGIN)
        return near.double().mean().item()
    return None


def compute_stats(spec: InitSpec, histogram_layers: Sequence[int] | None = None) -> InitStats:
    """Statistics of ``spec``'s stack, computed from scratch (see :class:`InitStack`).

    Example:
        >>> stats = compute_stats(InitSpec(depth=5, width=64, schemes="normal", scales=0.01))
        >>> stats.verdict.split(":")[0]
        'signal vanishes'
    """
    return InitStack().statistics(spec, histogram_layers)


def build_stack(spec: InitSpec) -> nn.Sequential:
    """The ``nn.Sequential`` of ``spec``, initialized as :func:`compute_stats` sees it."""
    return InitStack().build(spec)


