"""The initialization schemes: one registry, read by every part of the book that draws weights.

Each :class:`InitScheme` says how it draws an ``nn.Linear``'s weights and bias
in two equivalent ways:

- as ``nn.init`` calls (:meth:`InitScheme.code`), which :meth:`InitScheme.apply_`
  runs on a layer and the playground prints in its script, so the script is
  the code that ran;
- as a factor times a fixed draw (:attr:`InitScheme.draw`, :attr:`InitScheme.factor`),
  which the init engine (:mod:`widgets.core.init.stack`) uses to keep each draw
  and change only the factor when a reader moves the scale.

``scale`` means one thing per scheme: the standard deviation or the range of
``normal`` and ``uniform``, nn.init's gain for Xavier, a multiplier of the gain
for Kaiming and of PyTorch's own range for ``default``; ``zeros`` and
``tf_playground`` do not use it.

Example:
    >>> SCHEMES["xavier_uniform"].code()
    ('nn.init.xavier_uniform_(layer.weight)', 'nn.init.zeros_(layer.bias)')
    >>> SCHEMES["uniform"].code(0.5)
    ('nn.init.uniform_(layer.weight, -0.5, 0.5)', 'nn.init.zeros_(layer.bias)')
"""

from __future__ import annotations

import functools
import math
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
from torch import nn

from ...text import t
from ..checks import check_choice, check_float

MAX_SCALE = 100.0
#: TensorFlow Playground's initialization: weights uniform in ±0.5, every bias 0.1.
TF_PLAYGROUND_RANGE = 0.5
TF_PLAYGROUND_BIAS = 0.1

# -- seeds: every layer's draw comes from a seed of its own ------------------------------

#: Index no layer ever has (layers are numbered below 1024): seeds the inputs, so the
#: inputs are never a copy of a layer's draw.
INPUT_INDEX = 1023
#: Readers' layers after hidden layer ``i`` are seeded with index ``CUSTOM_INDEX + i``.
CUSTOM_INDEX = 512


def layer_seed(seed: int, index: int) -> int:
    """The seed ``Linear`` layer ``index`` is initialized from (unique per seed and index).

    ``layer_seed(seed, INPUT_INDEX)`` seeds input batches: no layer shares it.
    """
    return seed * 1024 + index


# -- the schemes ---------------------------------------------------------------------------

ZERO_BIAS = "nn.init.zeros_(layer.bias)"


@dataclass(frozen=True)
class InitScheme:
    """One way to draw an ``nn.Linear``'s initial weights and bias.

    Args:
        name: the name readers choose it by; its description is the catalogue's
            ``init.schemes.<name>``.
        draw: the engine's fixed draw: ``"uniform"`` in [-1, 1), ``"normal"`` (standard
            normal) or ``"fill"`` (all ones).
        factor: ``(fan_in, fan_out, scale) -> float``, the multiplier of the draw.
        weight_code: the ``nn.init`` call on ``layer.weight``, with ``{scale}`` where
            the scale goes.
        bias_code: the same for ``layer.bias``.
        unit_weight_code: the call at scale 1, where ``nn.init`` has the scheme as one
            call (``kaiming_uniform_``) and ``weight_code`` spells out the formula.
        draws_bias: whether the engine draws the bias too (uniform, after the weights,
            with the weights' factor); otherwise every bias is ``bias_value``.
        bias_value: every bias, when the scheme does not draw them.
        fan_based: whether the range follows the layer's fan-in (and fan-out).
        pytorch_default: ``nn.Linear`` draws this scheme itself when it is made (at
            scale 1), so a script needs no lines for it.
        explorer: whether the init explorer offers it (a stack of equal widths, with
            a scale per layer).
    """

    name: str
    draw: str
    factor: Callable[[int, int, float], float]
    weight_code: str
    bias_code: str = ZERO_BIAS
    unit_weight_code: str | None = None
    draws_bias: bool = False
    bias_value: float = 0.0
    fan_based: bool = False
    pytorch_default: bool = False
    explorer: bool = True

    @property
    def description(self) -> str:
        """In words, what sets the range of the weights (and what ``scale`` does)."""
        return t(f"init.schemes.{self.name}", range=TF_PLAYGROUND_RANGE,
                 bias=TF_PLAYGROUND_BIAS)

    def weight_std(self, fan_in: int, fan_out: int, scale: float = 1.0) -> float:
        """Standard deviation of the weights this scheme draws for one layer.

        Example:
            >>> round(SCHEMES["xavier_normal"].weight_std(256, 256), 4)
            0.0625
        """
        value = self.factor(fan_in, fan_out, scale)
        if self.draw == "uniform":
            return value / math.sqrt(3)  # uniform in ±a has standard deviation a / √3
        return abs(value) if self.draw == "normal" else 0.0

    def code(self, scale: float = 1.0) -> tuple[str, str]:
        """The ``nn.init`` lines for the weight and the bias of an ``nn.Linear`` ``layer``.

        Example:
            >>> SCHEMES["kaiming_normal"].code(2)[0]
            'nn.init.normal_(layer.weight, 0, 2 * math.sqrt(2 / layer.in_features))'
        """
        text = _number(scale)
        weight = (self.unit_weight_code if scale == 1 and self.unit_weight_code
                  else self.weight_code.format(scale=text))
        return weight, self.bias_code.format(scale=text)

    def script_lines(self, scale: float = 1.0) -> tuple[str, ...]:
        """The lines a script runs on each ``nn.Linear`` it has just made: none for
        PyTorch's own scheme at scale 1, which the constructor has drawn already."""
        return () if self.pytorch_default and scale == 1 else self.code(scale)

    def apply_(self, layer: nn.Linear, scale: float = 1.0) -> nn.Linear:
        """Initialize ``layer`` in place by running :meth:`code` (the global generator draws).

        Example:
            >>> SCHEMES["zeros"].apply_(nn.Linear(3, 2)).weight.abs().sum().item()
            0.0
        """
        weight, bias = _compiled(self.code(scale))
        namespace = {"nn": nn, "math": math, "layer": layer}
        with torch.no_grad():
            exec(weight, namespace)
            if layer.bias is not None:
                exec(bias, namespace)
        return layer


def _number(value: float) -> str:
    """A number as code: ``1`` for 1.0, ``0.25`` for 0.25."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@functools.lru_cache(maxsize=64)
def _compiled(lines: tuple[str, ...]) -> tuple[types.CodeType, ...]:
    return tuple(compile(line, "<init scheme>", "exec") for line in lines)


_UNIFORM_FAN_IN = ("nn.init.uniform_(layer.weight, -{scale} * math.sqrt(6 / layer.in_features), "
                   "{scale} * math.sqrt(6 / layer.in_features))")
_DEFAULT_BOUND = "{scale} / math.sqrt(layer.in_features)"

#: Name -> scheme, in the init explorer's menu order (a read-only mapping).
SCHEMES: Mapping[str, InitScheme] = types.MappingProxyType({scheme.name: scheme for scheme in (
    InitScheme("default", "uniform", lambda fan_in, fan_out, s: s / math.sqrt(fan_in),
               f"nn.init.uniform_(layer.weight, -{_DEFAULT_BOUND}, {_DEFAULT_BOUND})",
               f"nn.init.uniform_(layer.bias, -{_DEFAULT_BOUND}, {_DEFAULT_BOUND})",
               unit_weight_code="nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5))",
               draws_bias=True, fan_based=True, pytorch_default=True),
    InitScheme("normal", "normal", lambda fan_in, fan_out, s: s,
               "nn.init.normal_(layer.weight, 0, {scale})"),
    InitScheme("uniform", "uniform", lambda fan_in, fan_out, s: s,
               "nn.init.uniform_(layer.weight, -{scale}, {scale})"),
    InitScheme("zeros", "fill", lambda fan_in, fan_out, s: 0.0, "nn.init.zeros_(layer.weight)"),
    InitScheme("constant", "fill", lambda fan_in, fan_out, s: s,
               "nn.init.constant_(layer.weight, {scale})"),
    InitScheme("xavier_uniform", "uniform",
               lambda fan_in, fan_out, s: s * math.sqrt(6 / (fan_in + fan_out)),
               "nn.init.xavier_uniform_(layer.weight, gain={scale})",
               unit_weight_code="nn.init.xavier_uniform_(layer.weight)", fan_based=True),
    InitScheme("xavier_normal", "normal",
               lambda fan_in, fan_out, s: s * math.sqrt(2 / (fan_in + fan_out)),
               "nn.init.xavier_normal_(layer.weight, gain={scale})",
               unit_weight_code="nn.init.xavier_normal_(layer.weight)", fan_based=True),
    InitScheme("kaiming_uniform", "uniform", lambda fan_in, fan_out, s: s * math.sqrt(6 / fan_in),
               _UNIFORM_FAN_IN,
               unit_weight_code='nn.init.kaiming_uniform_(layer.weight, nonlinearity="relu")',
               fan_based=True),
    InitScheme("kaiming_normal", "normal", lambda fan_in, fan_out, s: s * math.sqrt(2 / fan_in),
               "nn.init.normal_(layer.weight, 0, {scale} * math.sqrt(2 / layer.in_features))",
               unit_weight_code='nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")',
               fan_based=True),
    # Fixed numbers and equal widths: in the explorer it would be `uniform` at scale 0.5
    # with a scale control that does nothing, so only the playground offers it.
    InitScheme("tf_playground", "uniform", lambda fan_in, fan_out, s: TF_PLAYGROUND_RANGE,
               f"nn.init.uniform_(layer.weight, -{TF_PLAYGROUND_RANGE}, {TF_PLAYGROUND_RANGE})",
               f"nn.init.constant_(layer.bias, {TF_PLAYGROUND_BIAS})",
               bias_value=TF_PLAYGROUND_BIAS, explorer=False),
)})


_EXPLORER_NAMES = tuple(name for name, scheme in SCHEMES.items() if scheme.explorer)
_PLAYGROUND_NAMES = tuple(sorted(SCHEMES, key=lambda name: not SCHEMES[name].fan_based))


def scheme_names() -> tuple[str, ...]:
    """The schemes a stack (and the init explorer) accepts, in menu order."""
    return _EXPLORER_NAMES


def playground_scheme_names() -> tuple[str, ...]:
    """Every scheme, at scale 1, for the playground's menu: those whose range follows
    the layer's size first, then the fixed ranges.

    Example:
        >>> playground_scheme_names()[:3]
        ('default', 'xavier_uniform', 'xavier_normal')
    """
    return _PLAYGROUND_NAMES


# -- checks ----------------------------------------------------------------------------------


def check_scheme(field: str, name: object) -> str:
    """Return the canonical scheme name or raise naming ``field`` and the choices.

    Example:
        >>> check_scheme("schemes[0]", "Xavier-Normal")
        'xavier_normal'
    """
    return check_choice(field, name, scheme_names())


def check_scale(field: str, value: object) -> float:
    """Return ``value`` as a float if it is a number from 0 to 100.

    Example:
        >>> check_scale("scales[0]", 1)
        1.0
    """
    return check_float(field, value, 0.0, MAX_SCALE)


