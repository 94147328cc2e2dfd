"""Every layer a reader can pick by name: one registry of built-in activations and readers' layers.

Each name has one record. A built-in activation is an :class:`Activation`:
how to make it, the code a printed script makes it with, and the kernels the
init engine (:mod:`widgets.core.init`) runs it with; its parameters (LeakyReLU's
slope) are written once, here. A reader's layer, registered with
:func:`register_layer`, is a :class:`CustomLayer`. Built-in activations come
first; registered layers follow and are accepted wherever an activation name is.

A registered layer sits between two hidden layers of the MLP explorer (and
the playground), where an activation would go, so it must keep the shape of
its input: ``(batch, width)`` in, ``(batch, width)`` out. Registration builds
one and runs it on a probe batch, and refuses, with a message saying what is
wrong, anything that is not a module, raises, or changes the shape.

Example:
    >>> make_activation("relu")
    ReLU()
    >>> lookup("leaky_relu").code
    'nn.LeakyReLU(0.1)'
    >>> class Centered(nn.Module):
    ...     def forward(self, X):
    ...         return X - X.mean()
    >>> register_layer("centered", Centered).arguments
    0
    >>> make_layer("centered", width=4)(torch.ones(2, 4)).abs().sum().item()
    0.0
    >>> unregister_layer("centered")
"""

from __future__ import annotations

import functools
import inspect
import re
import types
import warnings
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
from torch import nn

from ..text import t
from .checks import check_choice, describe

#: ``(gradient of the output, output or input) -> gradient of the input``.
Backward = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

#: LeakyReLU's slope for negative inputs (PyTorch's default is 0.01; the book uses 0.1).
LEAKY_RELU_SLOPE = 0.1
#: ELU's alpha and Softplus's beta and threshold are PyTorch's defaults: the modules and
#: their code leave them out, and the backward kernels read them from PyTorch.
ELU_ALPHA = nn.ELU().alpha
SOFTPLUS_BETA, SOFTPLUS_THRESHOLD = nn.Softplus().beta, nn.Softplus().threshold


@dataclass(frozen=True)
class Activation:
    """A built-in activation: its name, how to make it, its code, and its init-engine kernels.

    Args:
        name: the name readers choose it by.
        factory: a zero-argument callable returning a fresh module.
        code: the module as code in a printed script, e.g. ``"nn.LeakyReLU(0.1)"``.
        from_output: its backward from the output ``h``: ``(grad of h, h) -> grad of the
            input``, or None.
        from_input: its backward from the input ``z``, where there is no ``from_output``.
        in_place: applies it in place to a tensor, where PyTorch has such an op.

    The backward kernels are the ones autograd itself runs (``torch.ops.aten.*_backward``),
    so the init engine's gradients are those of ``loss.backward()``. They are private
    to PyTorch and may change between versions: the engine falls back to autograd
    through :attr:`factory`'s module when a kernel's call fails.
    """

    name: str
    factory: Callable[[], nn.Module]
    code: str
    from_output: Backward | None = None
    from_input: Backward | None = None
    in_place: Callable[[torch.Tensor], object] | None = None

    @property
    def description(self) -> str:
        """What it computes, in a few words (from the text catalogue)."""
        return t(f"layers.activations.{self.name}", slope=LEAKY_RELU_SLOPE, alpha=ELU_ALPHA)

    def build(self, width: int | None = None) -> nn.Module:
        """A fresh module (``width`` is not needed: an activation works at any width)."""
        return self.factory()


_aten = torch.ops.aten

#: The built-in activations, in menu order.
BUILT_IN: tuple[Activation, ...] = (
    Activation("relu", nn.ReLU, "nn.ReLU()",
               from_output=lambda g, h: _aten.threshold_backward(g, h, 0),
               in_place=torch.relu_),
    Activation("sigmoid", nn.Sigmoid, "nn.Sigmoid()",
               from_output=lambda g, h: _aten.sigmoid_backward(g, h),
               in_place=torch.sigmoid_),
    Activation("tanh", nn.Tanh, "nn.Tanh()",
               from_output=lambda g, h: _aten.tanh_backward(g, h),
               in_place=torch.tanh_),
    Activation("gelu", nn.GELU, "nn.GELU()",
               from_input=lambda g, z: _aten.gelu_backward(g, z)),
    Activation("leaky_relu", functools.partial(nn.LeakyReLU, LEAKY_RELU_SLOPE),
               f"nn.LeakyReLU({LEAKY_RELU_SLOPE!r})",
               from_output=lambda g, h: _aten.leaky_relu_backward(g, h, LEAKY_RELU_SLOPE, True),
               in_place=lambda x: nn.functional.leaky_relu_(x, LEAKY_RELU_SLOPE)),
    Activation("elu", nn.ELU, "nn.ELU()",
               from_output=lambda g, h: _aten.elu_backward(g, ELU_ALPHA, 1, 1, True, h),
               in_place=lambda x: nn.functional.elu_(x, ELU_ALPHA)),
    Activation("silu", nn.SiLU, "nn.SiLU()",
               from_input=lambda g, z: _aten.silu_backward(g, z)),
    Activation("softplus", nn.Softplus, "nn.Softplus()",
               from_input=lambda g, z: _aten.softplus_backward(g, z, SOFTPLUS_BETA,
                                                               SOFTPLUS_THRESHOLD)),
    Activation("identity", nn.Identity, "nn.Identity()",
               from_output=lambda g, h: g,
               in_place=lambda x: x),
)

#: Name -> zero-argument factory of each built-in activation (a read-only view of the registry).
ACTIVATIONS: Mapping[str, Callable[[], nn.Module]] = types.MappingProxyType(
    {activation.name: activation.factory for activation in BUILT_IN})

#: Width of the probe batch a layer is checked on when it is registered.
PROBE_WIDTH = 8
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,31}")


class LayerCheckError(ValueError):
    """A custom layer failed a check: it is not a module, raised, or changed the shape."""


@dataclass(frozen=True)
class CustomLayer:
    """A registered layer: its name, how to build it, and a one-line description.

    ``arguments`` is how many numbers the factory takes: 0 (``factory()``),
    1 (``factory(width)``) or 2 (``factory(width, width)``, as ``nn.Linear``).
    """

    name: str
    factory: Callable[..., nn.Module]
    arguments: int
    description: str

    def build(self, width: int) -> nn.Module:
        """A fresh instance for a hidden layer of ``width`` units."""
        return self.factory(*([width] * self.arguments))


#: The registry: every name readers can pick, built-in activations first, then
#: registered layers in registration order.
_LAYERS: dict[str, Activation | CustomLayer] = {a.name: a for a in BUILT_IN}
_LISTENERS: list[weakref.ReferenceType] = []


def activation_names() -> tuple[str, ...]:
    """Names accepted wherever an activation is chosen, in menu order (custom layers last)."""
    return tuple(_LAYERS)


def lookup(name: str) -> Activation | CustomLayer:
    """The record of ``name``: a built-in :class:`Activation` or a registered :class:`CustomLayer`.

    Example:
        >>> lookup("tanh").code
        'nn.Tanh()'
    """
    return _LAYERS[check_activation("name", name)]


def is_custom(name: str) -> bool:
    """True if ``name`` is a reader's registered layer rather than a built-in activation."""
    return isinstance(_LAYERS.get(name), CustomLayer)


def check_activation(field: str, name: object) -> str:
    """Return the canonical activation name or raise naming ``field``."""
    return check_choice(field, name, activation_names())


def make_activation(name: str, width: int | None = None) -> nn.Module:
    """A fresh module for ``name``: a built-in activation, or a registered layer.

    Args:
        name: see :func:`activation_names`.
        width: the hidden layer's width; needed by registered layers whose factory
            takes it.
    """
    name = check_activation("activation", name)
    record = _LAYERS[name]
    if isinstance(record, Activation):
        return record.factory()
    return make_layer(name, width)


def _count_arguments(factory: Callable[..., object]) -> int:
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return 0
    required = [p for p in signature.parameters.values()
                if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(required) > 2:
        raise TypeError(t("layers.factory_arguments",
                          factory=getattr(factory, "__name__", factory), count=len(required),
                          names=", ".join(p.name for p in required)))
    return len(required)


def check_layer(layer: CustomLayer, width: int = PROBE_WIDTH) -> nn.Module:
    """Build ``layer`` at ``width`` and run it on a probe batch; raise LayerCheckError if wrong.

    Returns the instance built. The probe batch is drawn from a private
    generator, so the caller's random state is left alone.
    """
    name = repr(layer.name)
    try:
        with torch.random.fork_rng(devices=[]):
            module = layer.build(width)
    except Exception as error:  # the reader's code: report, do not crash
        raise LayerCheckError(t("layers.build_raised", name=name, width=width,
                                kind=type(error).__name__, error=error)) from error
    if not isinstance(module, nn.Module):
        raise LayerCheckError(t("layers.not_module", name=name, got=describe(module)))
    probe = torch.randn(3, width, generator=torch.Generator().manual_seed(0))
    try:
        with torch.no_grad(), torch.random.fork_rng(devices=[]):  # the reader's random state stays
            output = module(probe)
    except Exception as error:
        raise LayerCheckError(t("layers.forward_raised", name=name, width=width,
                                kind=type(error).__name__, error=error)) from error
    if not isinstance(output, torch.Tensor):
        raise LayerCheckError(t("layers.not_tensor", name=name, got=describe(output)))
    if tuple(output.shape) != (3, width):
        raise LayerCheckError(t("layers.shape", name=name, width=width,
                                shape=tuple(output.shape)))
    if output.dtype != probe.dtype or output.device != probe.device:
        raise LayerCheckError(t("layers.dtype", name=name, dtype=probe.dtype,
                                device=probe.device, got_dtype=output.dtype,
                                got_device=output.device))
    if not bool(torch.isfinite(output).all()):
        raise LayerCheckError(t("layers.not_finite", name=name, width=width))
    return module


def register_layer(name: str, factory: Callable[..., nn.Module], *,
                   description: str = "") -> CustomLayer:
    """Offer ``factory``'s layers under ``name`` wherever the widgets let you pick a layer.

    Args:
        name: lower-case letters, digits and ``_``, starting with a letter, at
            most 32 characters, not a built-in activation's name. Registering
            a name again replaces the earlier layer (handy while you edit it).
        factory: an ``nn.Module`` subclass or any callable returning a module,
            taking no arguments, the width, or ``(width, width)``.
        description: shown beside the name; defaults to the factory's name.

    Returns:
        The registered :class:`CustomLayer`.

    Raises:
        TypeError / ValueError: the name or factory is unusable, or the layer
            fails the probe (see :func:`check_layer`); nothing is registered then.
    """
    if not isinstance(name, str):
        raise TypeError(t("layers.name_type", got=describe(name)))
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(t("layers.name_pattern", got=repr(name)))
    if isinstance(_LAYERS.get(name), Activation):
        raise ValueError(t("layers.name_built_in", name=repr(name)))
    if not callable(factory):
        raise TypeError(t("layers.factory_type", got=describe(factory)))
    layer = CustomLayer(name, factory, _count_arguments(factory),
                        description or getattr(factory, "__name__", type(factory).__name__))
    check_layer(layer)
    _LAYERS[name] = layer
    _notify(name)
    return layer


def _not_registered(name: str) -> ValueError:
    return ValueError(t("layers.not_registered", name=repr(name),
                        registered=", ".join(registered_layers()) or t("layers.none")))


def unregister_layer(name: str) -> None:
    """Remove ``name`` from the registry (widgets using it fall back to a built-in)."""
    if not is_custom(name):
        raise _not_registered(name)
    del _LAYERS[name]
    _notify(name)


def registered_layers() -> dict[str, CustomLayer]:
    """The registered layers by name, in registration order (a copy)."""
    return {name: record for name, record in _LAYERS.items() if isinstance(record, CustomLayer)}


def make_layer(name: str, width: int | None = None) -> nn.Module:
    """A fresh instance of the registered layer ``name`` for ``width`` units.

    ``width`` may be left out for layers whose factory takes no arguments.
    """
    record = _LAYERS.get(name)
    if not isinstance(record, CustomLayer):
        raise _not_registered(name)
    if width is None and record.arguments:
        raise ValueError(t("layers.width_needed", name=repr(name)))
    return record.build(width or 0)


def on_registry_change(callback: Callable[[str], None]) -> None:
    """Call ``callback(name)`` whenever a layer is registered, replaced or removed.

    Bound methods are held weakly, so a widget that is garbage-collected stops
    being called.
    """
    ref = (weakref.WeakMethod(callback) if inspect.ismethod(callback)
           else weakref.ref(callback))
    _LISTENERS.append(ref)


def _notify(name: str) -> None:
    """Tell every listener; one that fails does not keep the others from hearing."""
    alive = []
    for ref in _LISTENERS:
        callback = ref()
        if callback is None:
            continue
        alive.append(ref)
        try:
            callback(name)
        except Exception as error:  # a widget shows its own errors; this is a last resort
            warnings.warn(t("layers.listener_failed", name=repr(name),
                            kind=type(error).__name__, error=error),
                          RuntimeWarning, stacklevel=2)
    _LISTENERS[:] = alive
