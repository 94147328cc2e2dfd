"""Building multilayer perceptrons from a small, validated spec.

The explorer and the chapters describe a network by four things: the input
width, the hidden-layer widths, one activation per hidden layer and the output
width. :func:`build_mlp` turns that into an ``nn.Sequential`` of ``Linear``
and activation modules, initialized deterministically from a seed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch
from torch import nn

from .checks import MAX_SEED
from .fields import Choice, Int, Ints, Spec, setting
from .init.schemes import CUSTOM_INDEX, INPUT_INDEX, SCHEMES, layer_seed
from .layers import activation_names, is_custom, make_activation

MAX_WIDTH = 4096
MAX_HIDDEN_LAYERS = 8


@dataclass(frozen=True)
class MLPSpec(Spec):
    """A validated description of an MLP.

    Args:
        in_features: width of each input row, 1 to 4096.
        hidden_sizes: width of each hidden layer, 0 to 8 layers of 1 to 4096 units.
        activations: one activation name per hidden layer, or one name for all.
        out_features: number of outputs, 1 to 4096.
        seed: initialization seed, 0 to 2**32 - 1.

    Example:
        >>> MLPSpec(20, (256,), "relu", 10).activations
        ('relu',)
    """

    TEXT = "mlp"

    in_features: int = setting(Int(1, MAX_WIDTH), 20)
    hidden_sizes: tuple[int, ...] = setting(Ints(1, MAX_WIDTH, 0, MAX_HIDDEN_LAYERS), (256,))
    activations: tuple[str, ...] | str = setting(Choice(activation_names), "relu",
                                                 per_layer="hidden_sizes")
    out_features: int = setting(Int(1, MAX_WIDTH), 10)
    seed: int = setting(Int(0, MAX_SEED), 0)

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """Widths from input to output, e.g. ``(20, 256, 10)``."""
        return (self.in_features, *self.hidden_sizes, self.out_features)


def init_linear_(layer: nn.Linear, seed: int) -> nn.Linear:
    """Initialize ``layer`` as PyTorch does by default, from a seed of its own.

    PyTorch draws weight and bias uniformly from ``(-1/sqrt(fan_in), 1/sqrt(fan_in))``:
    the ``"default"`` scheme of :data:`~widgets.core.init.SCHEMES`, whose ``nn.init``
    calls run here. Seeding each layer separately makes it depend only on its own
    shape, its position and the seed: changing one layer's width redraws that layer
    and the next (whose input width changed) and leaves every other layer as it was.
    The global random state is restored afterwards.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # the global generator is several times faster than a private one
        SCHEMES["default"].apply_(layer)
    return layer


class LinearCache:
    """Remembers initial weights so rebuilding a net with the same shapes is cheap.

    Entries are keyed by ``(in, out, seed)`` and kept within ``max_bytes`` (least
    recently used go first), so a reader's 4096-wide layers cannot fill memory.
    The tensors handed out are copies: editing a net never changes the cache.
    """

    def __init__(self, max_bytes: int = 64 * 2**20) -> None:
        self._entries: dict[tuple[int, int, int], tuple[torch.Tensor, torch.Tensor]] = {}
        self.max_bytes = max_bytes
        self.nbytes = 0

    def linear(self, in_features: int, out_features: int, seed: int) -> nn.Linear:
        """A fresh ``nn.Linear`` holding the deterministic weights for this key."""
        key = (in_features, out_features, seed)
        layer = nn.utils.skip_init(nn.Linear, in_features, out_features)
        cached = self._entries.pop(key, None)
        if cached is None:
            init_linear_(layer, seed)
            cached = (layer.weight.detach().clone(), layer.bias.detach().clone())
            self.nbytes += _nbytes(cached)
        else:
            with torch.no_grad():
                layer.weight.copy_(cached[0])
                layer.bias.copy_(cached[1])
        self._entries[key] = cached  # most recently used last
        while self.nbytes > self.max_bytes and self._entries:
            self.nbytes -= _nbytes(self._entries.pop(next(iter(self._entries))))
        return layer


def _nbytes(tensors: tuple[torch.Tensor, ...]) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


def build_mlp(spec: MLPSpec, cache: LinearCache | None = None) -> nn.Sequential:
    """Build ``Linear -> activation -> ... -> Linear`` for ``spec``.

    Hidden layer ``i`` sits at index ``2 * i`` and its activation at ``2 * i + 1``;
    the output ``Linear`` comes last, with no activation after it.

    Example:
        >>> build_mlp(MLPSpec(20, (256,), "relu", 10))(torch.rand(2, 20)).shape
        torch.Size([2, 10])
    """
    sizes = spec.layer_sizes
    modules: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        seed = layer_seed(spec.seed, i)
        if cache is None:
            layer = init_linear_(nn.utils.skip_init(nn.Linear, fan_in, fan_out), seed)
        else:
            layer = cache.linear(fan_in, fan_out, seed)
        modules.append(layer)
        if i < len(spec.hidden_sizes):
            name = spec.activations[i]
            if is_custom(name):  # a reader's layer may draw parameters: seed it as a layer
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(layer_seed(spec.seed, CUSTOM_INDEX + i))
                    modules.append(make_activation(name, fan_out))
            else:
                modules.append(make_activation(name, fan_out))
    return nn.Sequential(*modules)


def default_inputs(in_features: int, batch: int = 2) -> torch.Tensor:
    """The fixed input batch the explorer shows outputs for: uniform in [0, 1).

    Its seed is one no layer uses, so the inputs never repeat a layer's weights.
    """
    generator = torch.Generator().manual_seed(layer_seed(0, INPUT_INDEX))
    return torch.rand(batch, in_features, generator=generator)


def response_line(X: torch.Tensor, num_points: int = 161) -> tuple[torch.Tensor, torch.Tensor]:
    """Points along the line through ``X[0]`` (t=0) and ``X[1]`` (t=1).

    With a single row the second anchor is ``X[0]`` plus a fixed unit direction.
    Returns ``(t, points)`` with ``t`` from -2 to 3 and ``points`` of shape
    ``(num_points, in_features)``.
    """
    start = X[0]
    if X.shape[0] > 1:
        end = X[1]
    else:
        direction = torch.randn(X.shape[1], generator=torch.Generator().manual_seed(1))
        end = start + direction / direction.norm()
    t = torch.linspace(-2.0, 3.0, num_points, dtype=X.dtype)
    return t, start + t[:, None] * (end - start)
