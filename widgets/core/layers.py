"""Every layer a reader can pick by name: built-in activations and readers' registered layers.

Built-in activations come first; layers registered with :func:`register_layer`
follow and are accepted wherever an activation name is.

A registered layer sits between two hidden layers of the MLP explorer (and
the playground), where an activation would go, so it must keep the shape of
its input: ``(batch, width)`` in, ``(batch, width)`` out. Registration builds
one and runs it on a probe batch, and refuses, with a message saying what is
wrong, anything that is not a module, raises, or changes the shape.

Example:
    >>> make_activation("relu")
    ReLU()
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

import inspect
import re
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from .checks import check_choice, describe

#: Name -> zero-argument factory returning a fresh activation module.
ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "leaky_relu": lambda: nn.LeakyReLU(0.1),
    "elu": nn.ELU,
    "silu": nn.SiLU,
    "softplus": nn.Softplus,
    "identity": nn.Identity,
}


def activation_names() -> tuple[str, ...]:
    """Names accepted wherever an activation is chosen, in menu order (custom layers last)."""
    return (*ACTIVATIONS, *registered_layers())


def is_custom(name: str) -> bool:
    """True if ``name`` is a reader's registered layer rather than a built-in activation."""
    return name not in ACTIVATIONS and name in registered_layers()


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
    if name in ACTIVATIONS:
        return ACTIVATIONS[name]()
    return make_layer(name, width)

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


_REGISTRY: dict[str, CustomLayer] = {}
_LISTENERS: list[weakref.ReferenceType] = []


def _count_arguments(factory: Callable[..., object]) -> int:
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return 0
    required = [p for p in signature.parameters.values()
                if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(required) > 2:
        raise TypeError(
            f"factory must take no arguments, the width (one argument) or (in_features, "
            f"out_features); {getattr(factory, '__name__', factory)} requires "
            f"{len(required)}: {', '.join(p.name for p in required)}")
    return len(required)


def check_layer(layer: CustomLayer, width: int = PROBE_WIDTH) -> nn.Module:
    """Build ``layer`` at ``width`` and run it on a probe batch; raise LayerCheckError if wrong.

    Returns the instance built. The probe batch is drawn from a private
    generator, so the caller's random state is left alone.
    """
    where = f"custom layer {layer.name!r}"
    try:
        with torch.random.fork_rng(devices=[]):
            module = layer.build(width)
    except Exception as error:  # the reader's code: report, do not crash
        raise LayerCheckError(f"building {where} at width {width} raised "
                              f"{type(error).__name__}: {error}") from error
    if not isinstance(module, nn.Module):
        raise LayerCheckError(f"{where} must build a torch.nn.Module, got {describe(module)}")
    probe = torch.randn(3, width, generator=torch.Generator().manual_seed(0))
    try:
        with torch.no_grad(), torch.random.fork_rng(devices=[]):  # the reader's random state stays
            output = module(probe)
    except Exception as error:
        raise LayerCheckError(f"{where} raised {type(error).__name__} in forward on a "
                              f"(3, {width}) batch: {error}") from error
    if not isinstance(output, torch.Tensor):
        raise LayerCheckError(f"{where} must return a tensor, got {describe(output)}")
    if tuple(output.shape) != (3, width):
        raise LayerCheckError(
            f"{where} must keep the shape of its input to sit between hidden layers: "
            f"(3, {width}) in, {tuple(output.shape)} out")
    if output.dtype != probe.dtype or output.device != probe.device:
        raise LayerCheckError(
            f"{where} must return {probe.dtype} values on {probe.device} like its input, "
            f"got {output.dtype} on {output.device}")
    if not bool(torch.isfinite(output).all()):
        raise LayerCheckError(f"{where} returned NaN or infinite values on a (3, {width}) batch")
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
        raise TypeError(f"name must be a str, got {describe(name)}")
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(f"name must be lower-case letters, digits and _, starting with a "
                         f"letter, at most 32 characters; got {name!r}")
    if name in ACTIVATIONS:
        raise ValueError(f"name {name!r} is a built-in activation; choose another name")
    if not callable(factory):
        raise TypeError(f"factory must be an nn.Module class or a function returning a module, "
                        f"got {describe(factory)}")
    layer = CustomLayer(name, factory, _count_arguments(factory),
                        description or getattr(factory, "__name__", type(factory).__name__))
    check_layer(layer)
    _REGISTRY[name] = layer
    _notify(name)
    return layer


def unregister_layer(name: str) -> None:
    """Remove ``name`` from the registry (widgets using it fall back to a built-in)."""
    if name not in _REGISTRY:
        raise ValueError(f"{name!r} is not a registered layer; registered: "
                         f"{', '.join(_REGISTRY) or 'none'}")
    del _REGISTRY[name]
    _notify(name)


def registered_layers() -> dict[str, CustomLayer]:
    """The registered layers by name, in registration order (a copy)."""
    return dict(_REGISTRY)


def make_layer(name: str, width: int | None = None) -> nn.Module:
    """A fresh instance of the registered layer ``name`` for ``width`` units.

    ``width`` may be left out for layers whose factory takes no arguments.
    """
    if name not in _REGISTRY:
        raise ValueError(f"{name!r} is not a registered layer; registered: "
                         f"{', '.join(_REGISTRY) or 'none'}")
    layer = _REGISTRY[name]
    if width is None and layer.arguments:
        raise ValueError(f"width is needed to build the registered layer {name!r}")
    return layer.build(width or 0)


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
            warnings.warn(f"a listener of the layer registry failed on {name!r}: "
                          f"{type(error).__name__}: {error}", RuntimeWarning, stacklevel=2)
    _LISTENERS[:] = alive
