"""Lazy initialization made visible: parameter shapes before and after a dry run.

A lazy layer such as ``nn.LazyLinear(256)`` knows its output size but not its
input size, so its weight starts as an ``UninitializedParameter``. The first
forward pass (a *dry run*) reads the input size from the data, creates the
weights and turns the layer into its ordinary class (``LazyLinear`` becomes
``Linear``, ``LazyConv2d`` becomes ``Conv2d``).

:func:`describe_parameters` lists every parameter with its shape, or with the
part of its shape already known. :func:`dry_run` runs one forward pass on a
*copy* of a module and reports what changed; a size mismatch comes back as a
message naming the layer that failed, never as an exception.

Example:
    >>> from torch import nn
    >>> result = dry_run(nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2)), 3)
    >>> result.output_shape, result.count_after.known
    ((2, 2), 26)
"""

from __future__ import annotations

import contextlib
import copy
import math
import numbers
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn.modules import module as module_hooks
from torch.nn.modules.lazy import LazyModuleMixin

from ..text import columns, t
from .checks import check_choice, check_int, check_int_tuple
from .introspection import (
    ParameterCount,
    TensorSummary,
    TraceCall,
    check_module,
    is_uninitialized,
    trace_forward,
)

#: Largest size along any one input dimension (features, channels, height, ...).
MAX_INPUT_SIZE = 4096
#: Most dimensions of one input sample, the batch dimension not counted.
MAX_INPUT_DIMS = 4
#: Largest dry-run batch.
MAX_BATCH_SIZE = 1024
#: Most numbers in one dry-run batch (64 MB of float32).
MAX_BATCH_NUMBERS = 2**24
#: Most numbers one lazy layer may create when it takes its shape (400 MB of float32).
MAX_LAYER_NUMBERS = 10**8
#: Seeds for the dry run's random numbers (random inputs, the new layers' weights).
MAX_SEED = 2**32 - 1
#: What a dry-run batch is filled with.
FILLS = ("zeros", "random")
#: The root's name in the forward trace; stripped from the layer paths shown.
_ROOT = "net"


# -- checks ------------------------------------------------------------------------


def check_input_size(value: object, field_name: str = "input_size") -> int:
    """Return ``value`` if it is an input size from 1 to 4096.

    Example:
        >>> check_input_size(20)
        20
    """
    return check_int(field_name, value, 1, MAX_INPUT_SIZE)


def check_input_shape(value: object, field_name: str = "input_shape") -> tuple[int, ...]:
    """Return the shape of one input sample (no batch dimension) as a tuple.

    A single integer ``n`` means flat inputs of ``n`` features, ``(n,)``.
    Otherwise 1 to 4 sizes, each from 1 to 4096, such as ``(3, 32, 32)``.

    Example:
        >>> check_input_shape(20), check_input_shape([3, 32, 32])
        ((20,), (3, 32, 32))
    """
    single = isinstance(value, torch.Tensor) and value.ndim == 0
    if single or (isinstance(value, numbers.Integral) and not isinstance(value, bool)):
        return (check_input_size(value, field_name),)
    return check_int_tuple(field_name, value, 1, MAX_INPUT_SIZE, 1, MAX_INPUT_DIMS)


def check_batch_size(value: object) -> int:
    """Return ``value`` if it is a batch size from 1 to 1024.

    Example:
        >>> check_batch_size(2)
        2
    """
    return check_int("batch_size", value, 1, MAX_BATCH_SIZE)


def check_batch_numbers(input_shape: tuple[int, ...], batch_size: int) -> None:
    """Refuse a dry-run batch of more than 2**24 numbers, naming both fields.

    Example:
        >>> check_batch_numbers((3, 32, 32), 2) is None
        True
    """
    total = batch_size * math.prod(input_shape)
    if total > MAX_BATCH_NUMBERS:
        raise ValueError(t("lazy.batch_too_large", shape_field="input_shape", shape=input_shape,
                           batch_field="batch_size", batch_size=batch_size, total=total,
                           most=MAX_BATCH_NUMBERS))


def check_template(value: object, field_name: str = "module") -> nn.Module:
    """Return ``value`` if it is an ``nn.Module`` that ``copy.deepcopy`` can copy.

    A dry run works on a copy so that the module itself stays as it is.

    Example:
        >>> type(check_template(nn.LazyLinear(3))).__name__
        'LazyLinear'
    """
    module = check_module(field_name, value)
    copy_module(module, field_name)
    return module


def copy_module(module: nn.Module, field_name: str = "module") -> nn.Module:
    """A deep copy of ``module``; a ``TypeError`` naming the field if it cannot be copied.

    Uninitialized tensors are replaced by fresh ones (``copy.deepcopy`` alone
    refuses a lazy layer's uninitialized buffers, such as ``LazyBatchNorm1d``'s).

    Example:
        >>> type(copy_module(nn.LazyBatchNorm1d()).running_mean).__name__
        'UninitializedBuffer'
    """
    memo: dict[int, object] = {}
    for tensor in (*module.parameters(), *module.buffers()):
        if is_uninitialized(tensor):
            memo[id(tensor)] = type(tensor)(requires_grad=tensor.requires_grad,
                                            device=tensor.device, dtype=tensor.dtype)
    try:
        return copy.deepcopy(module, memo)
    except Exception as error:  # a module holding something that cannot be copied
        raise TypeError(t("lazy.not_copyable", field=field_name, error_type=type(error).__name__,
                          error=_first_line(error))) from None


# -- parameters and their shapes ----------------------------------------------------


def _shape_text(shape: Sequence[int | None]) -> str:
    return "x".join("?" if n is None else str(n) for n in shape) or t("introspection.scalar")


@dataclass(frozen=True)
class ParameterInfo:
    """One parameter: its dotted name, the layer that owns it, its shape if known.

    ``shape`` is ``None`` while the parameter is uninitialized; ``known`` then
    holds the part of the shape the layer already knows (``None`` for a size
    it will read from the data), or is ``None`` when nothing is known.

    Example:
        >>> info = describe_parameters(nn.LazyLinear(20))[0]
        >>> info.name, info.layer_type, info.known, info.shape_text
        ('weight', 'LazyLinear', (20, None), 'uninitialized (20x?)')
    """

    name: str
    layer: str
    layer_type: str
    shape: tuple[int, ...] | None
    known: tuple[int | None, ...] | None = None

    @property
    def initialized(self) -> bool:
        """True once the parameter has a shape and values."""
        return self.shape is not None

    @property
    def numel(self) -> int | None:
        """How many numbers it holds; ``None`` while uninitialized."""
        return None if self.shape is None else math.prod(self.shape)

    @property
    def shape_text(self) -> str:
        """``"20x8"``; ``"uninitialized (20x?)"`` with a partial shape; else ``"uninitialized"``."""
        if self.shape is not None:
            return _shape_text(self.shape)
        if self.known is None:
            return t("introspection.uninitialized")
        return t("lazy.uninitialized_known", known=_shape_text(self.known))


def known_shape(layer: nn.Module, name: str) -> tuple[int | None, ...] | None:
    """The part of an uninitialized parameter's shape that ``layer`` already knows.

    Linear-like layers know their output size, convolutions their output
    channels and kernel size; the input size (``None``) comes from the data.
    Returns ``None`` for layers this function does not know.

    Example:
        >>> known_shape(nn.LazyConv2d(16, 3), "weight")
        (16, None, 3, 3)
    """
    out_features = getattr(layer, "out_features", None)
    if isinstance(out_features, int):
        return {"weight": (out_features, None), "bias": (out_features,)}.get(name)
    out_channels = getattr(layer, "out_channels", None)
    kernel = getattr(layer, "kernel_size", None)
    if isinstance(out_channels, int) and isinstance(kernel, tuple):
        if name == "bias":
            return (out_channels,)
        if name == "weight":
            if getattr(layer, "transposed", False):  # (in, out / groups, *kernel)
                return (None, out_channels // getattr(layer, "groups", 1), *kernel)
            return (out_channels, None, *kernel)
        return None
    if hasattr(layer, "num_features") and name in ("weight", "bias"):
        return (None,)  # a normalization layer: one entry per input channel
    return None


def describe_parameters(module: nn.Module) -> tuple[ParameterInfo, ...]:
    """Every parameter of ``module`` with the layer holding it, each tensor once.

    Example:
        >>> [(p.name, p.shape_text) for p in describe_parameters(nn.Sequential(nn.Linear(3, 2)))]
        [('0.weight', '2x3'), ('0.bias', '2')]
    """
    check_module("module", module)
    seen: set[int] = set()
    infos = []
    for path, layer in module.named_modules():
        for pname, param in layer.named_parameters(recurse=False):
            if id(param) in seen:
                continue
            seen.add(id(param))
            lazy = is_uninitialized(param)
            infos.append(ParameterInfo(
                name=f"{path}.{pname}" if path else pname, layer=path,
                layer_type=type(layer).__name__,
                shape=None if lazy else tuple(param.shape),
                known=known_shape(layer, pname) if lazy else None))
    return tuple(infos)


def count_described(infos: Sequence[ParameterInfo]) -> ParameterCount:
    """Numbers held by described parameters, and how many are still uninitialized.

    Example:
        >>> str(count_described(describe_parameters(nn.LazyLinear(4))))
        '? (2 uninitialized)'
    """
    total = ParameterCount()
    for info in infos:
        n = info.numel
        total += ParameterCount(0, 1) if n is None else ParameterCount(n, 0)
    return total


def layer_types(module: nn.Module) -> dict[str, str]:
    """The class name of every submodule, by dotted path (``""`` for the root).

    Example:
        >>> layer_types(nn.Sequential(nn.LazyLinear(4)))
        {'': 'Sequential', '0': 'LazyLinear'}
    """
    return {path: type(layer).__name__ for path, layer in module.named_modules()}


@dataclass(frozen=True)
class LayerChange:
    """A layer whose class changed during the dry run, e.g. ``LazyLinear`` to ``Linear``."""

    layer: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.layer or t('introspection.root')}: {self.before} → {self.after}"


# -- the dry run ----------------------------------------------------------------------


class LayerTooLargeError(RuntimeError):
    """A lazy layer would create more numbers than a dry run allows."""

    def __init__(self, text: str, path: str | None) -> None:
        super().__init__(text)
        self.path = path


def _would_create(layer: nn.Module, args: tuple) -> tuple[int, int] | None:
    """``(input size, numbers)`` a lazy layer is about to create for this input, if known."""
    X = args[0] if args else None
    if not isinstance(X, torch.Tensor) or X.ndim == 0:
        return None
    out_features = getattr(layer, "out_features", None)
    if isinstance(out_features, int):
        n_in = X.shape[-1]
        return n_in, out_features * n_in + out_features
    out_channels, kernel = getattr(layer, "out_channels", None), getattr(layer, "kernel_size", None)
    if isinstance(out_channels, int) and isinstance(kernel, tuple) and X.ndim > len(kernel):
        n_in = X.shape[-len(kernel) - 1]
        per_group = n_in * out_channels // max(getattr(layer, "groups", 1), 1)
        return n_in, per_group * math.prod(kernel) + out_channels
    return None


class _Watch:
    """Records every module called, in call order, and stops oversized lazy layers.

    Its hook runs before the forward trace's, so ``called[i]`` is the module of
    the trace's call ``i``, registered or not.
    """

    def __init__(self, module: nn.Module) -> None:
        self.paths = {id(layer): path for path, layer in module.named_modules()}
        self.called: list[nn.Module] = []

    def __call__(self, layer: nn.Module, args: tuple) -> None:
        self.called.append(layer)
        if not (isinstance(layer, LazyModuleMixin) and layer.has_uninitialized_params()):
            return
        size = _would_create(layer, args)
        if size is not None and size[1] > MAX_LAYER_NUMBERS:
            path = self.paths.get(id(layer))
            raise LayerTooLargeError(
                t("lazy.layer_too_large", who=_who(path, type(layer).__name__), count=size[1],
                  size=size[0], most=MAX_LAYER_NUMBERS), path)

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        handle = module_hooks.register_module_forward_pre_hook(self)
        try:
            yield
        finally:
            handle.remove()


def _who(path: str | None, type_name: str) -> str:
    if path is None:
        return t("lazy.who_unregistered", type=type_name)
    if path:
        return t("lazy.who_layer", path=repr(path), type=type_name)
    return t("lazy.who_root", type=type_name)


def _paths(call: TraceCall) -> list[str]:
    """Dotted paths from a call's label such as ``"net.1 = net.3"`` (root: ``""``); none
    for a module the root does not register."""
    if not call.registered:
        return []
    return [p.removeprefix(_ROOT).removeprefix(".") for p in call.name.split(" = ")]


def _expectation(layer: nn.Module | None, shape: tuple[int, ...] | None) -> str | None:
    """``"expects inputs with 30 features, got 8"`` where the layer's sizes show the cause."""
    if layer is None or shape is None:
        return None
    lazy = isinstance(layer, LazyModuleMixin) and layer.has_uninitialized_params()
    if isinstance(layer, nn.Linear) and not lazy and shape:
        if shape[-1] != layer.in_features:
            return t("lazy.expects_features", features=layer.in_features, got=shape[-1])
        return None
    kernel, in_channels = getattr(layer, "kernel_size", None), getattr(layer, "in_channels", None)
    if isinstance(kernel, tuple) and isinstance(in_channels, int):
        dims = len(kernel)
        if len(shape) not in (dims + 1, dims + 2):
            return t("lazy.expects_dims", low=dims + 1, high=dims + 2, got=len(shape),
                     shape=shape)
        got = shape[-dims - 1]
        if not lazy and got != in_channels:
            return t("lazy.expects_channels", channels=in_channels, got=got)
        return None
    num_features = getattr(layer, "num_features", None)
    if isinstance(num_features, int) and num_features and len(shape) >= 2:
        if shape[1] != num_features:
            return t("lazy.expects_num_features", features=num_features, got=shape[1])
        return None
    normalized = getattr(layer, "normalized_shape", None)
    if isinstance(normalized, tuple) and tuple(shape[-len(normalized):]) != normalized:
        return t("lazy.expects_shape_end", normalized=normalized, shape=shape)
    return None


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def failure_message(call: TraceCall | None, layer: nn.Module | None,
                    error: BaseException) -> tuple[str, str | None]:
    """A one-line account of a failed forward pass and the path of the layer that raised.

    ``call`` is the innermost traced call that raised and ``layer`` its module.
    Returns the message and the layer's dotted path (``None`` if not registered).
    """
    if isinstance(error, LayerTooLargeError):
        return str(error), error.path
    if call is None:
        return t("lazy.forward_raised", error_type=type(error).__name__,
                 error=_first_line(error)), None
    paths = _paths(call)
    path = paths[0] if paths else None
    first = call.inputs[0] if call.inputs else None
    shape = first.shape if isinstance(first, TensorSummary) else None
    expected = _expectation(layer, shape)
    if expected is None:
        what = (t("lazy.no_tensor_input") if shape is None
                else t("lazy.input_of_shape", shape=shape))
        expected = t("lazy.failed_on", what=what)
    return t("lazy.failure", who=_who(path, call.type_name), expected=expected,
             error=_first_line(error)), path


def _text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(columns(r[i]) for r in (header, *rows)) for i in range(len(header))]
    return ["  ".join(v + " " * (w - columns(v)) for v, w in zip(r, widths)).rstrip()
            for r in (header, *rows)]  # by display columns: a Chinese character takes two


def _shape_tuple(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


@dataclass(frozen=True, repr=False)
class DryRun:
    """What one dry run showed: shapes before and after, or why it failed.

    Attributes:
        module_type: the class name of the module that was copied.
        input_shape: the shape of one input sample (no batch dimension).
        batch_size: how many samples the dry-run batch held.
        before: every parameter of the module as given.
        after: every parameter after the dry run; ``None`` if it failed.
        changes: the layers whose class changed (``LazyLinear`` → ``Linear``).
        output_shape: the output's shape (``None`` if it failed or is no tensor).
        output_text: the output's shape(s) as text, e.g. ``"(2, 10)"``.
        error: a one-line message naming the layer that failed, else ``None``.
        failed_layer: that layer's dotted path (``""`` for the root), else ``None``.
        exception: the exception the forward pass raised, else ``None``.
        module: the materialized copy (``None`` if the dry run failed).
    """

    module_type: str
    input_shape: tuple[int, ...]
    batch_size: int
    before: tuple[ParameterInfo, ...]
    after: tuple[ParameterInfo, ...] | None
    changes: tuple[LayerChange, ...] = ()
    output_shape: tuple[int, ...] | None = None
    output_text: str = ""
    error: str | None = None
    failed_layer: str | None = None
    exception: BaseException | None = field(default=None, compare=False)
    module: nn.Module | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        """True when the forward pass ran."""
        return self.error is None

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """The shape of the whole dry-run batch, ``(batch_size, *input_shape)``."""
        return (self.batch_size, *self.input_shape)

    @property
    def count_before(self) -> ParameterCount:
        """Parameter numbers before the dry run (lazy ones counted as unknown)."""
        return count_described(self.before)

    @property
    def count_after(self) -> ParameterCount | None:
        """Parameter numbers after the dry run; ``None`` if it failed."""
        return None if self.after is None else count_described(self.after)

    @property
    def num_parameters(self) -> int | None:
        """How many numbers the materialized module learns; ``None`` if not all are known."""
        count = self.count_after
        return None if count is None or count.uninitialized else count.known

    def rows(self) -> list[tuple[ParameterInfo, ParameterInfo | None]]:
        """Each parameter before the dry run beside itself after it (``None`` if it failed)."""
        after = {info.name: info for info in self.after or ()}
        return [(info, after.get(info.name)) for info in self.before]

    def layer_text(self, layer: str, before_type: str) -> str:
        """``"0 LazyLinear → Linear"`` for a layer that changed class, else ``"2 Linear"``."""
        change = next((c for c in self.changes if c.layer == layer), None)
        kind = f"{change.before} → {change.after}" if change else before_type
        return f"{layer or t('introspection.root')} {kind}"

    def __repr__(self) -> str:
        head = t("lazy.head", type=self.module_type, shape=_shape_tuple(self.batch_shape))
        header: tuple[str, ...] = (t("lazy.column_parameter"), t("lazy.column_layer"),
                                   t("lazy.column_before"))
        if not self.ok:
            lines = [t("lazy.head_failed", head=head), self.error or ""]
            rows = [(b.name, self.layer_text(b.layer, b.layer_type), b.shape_text)
                    for b in self.before]
            total = t("lazy.total_failed", before=self.count_before)
        else:
            lines = [t("lazy.head_output", head=head, output=self.output_text)]
            header = (*header, t("lazy.column_after"))
            rows = [(b.name, self.layer_text(b.layer, b.layer_type), b.shape_text,
                     a.shape_text if a else t("lazy.gone")) for b, a in self.rows()]
            total = t("lazy.total", before=self.count_before, after=self.count_after)
        lines += _text_table(header, rows) if rows else [t("lazy.no_parameters")]
        return "\n".join([*lines, total])


def _input_dtype_device(module: nn.Module) -> tuple[torch.dtype, torch.device]:
    """The dtype and device of the module's first floating parameter or buffer."""
    for tensor in (*module.parameters(), *module.buffers()):
        if tensor.is_floating_point():
            return tensor.dtype, tensor.device
    return torch.get_default_dtype(), torch.device("cpu")


def dry_run(module: nn.Module, input_shape: int | Sequence[int], batch_size: int = 2, *,
            fill: str = "zeros", seed: int = 0) -> DryRun:
    """Run one forward pass on a copy of ``module`` and report how its parameters changed.

    ``module`` itself is never changed: it is deep-copied, and the copy gets a
    batch of ``batch_size`` samples of shape ``input_shape``, filled with zeros
    or with random numbers. The lazy layers of the copy take their shapes
    (their new weights are drawn from ``seed``; the global random state is left
    alone). A forward pass that fails, for example on a size mismatch, is
    reported in :attr:`DryRun.error` with the layer that raised, not raised.

    Args:
        module: any ``torch.nn.Module``, lazy or not.
        input_shape: one sample's shape without the batch dimension: an input
            size ``n`` (flat inputs) or 1 to 4 sizes such as ``(3, 32, 32)``.
        batch_size: samples in the batch, 1 to 1024.
        fill: ``"zeros"`` or ``"random"`` (uniform in [0, 1)).
        seed: seed for the random inputs and the new layers' initial weights.

    Returns:
        A :class:`DryRun` with the parameters before and after, the layers
        that changed class and the output shape, or the error.

    Raises:
        TypeError, ValueError: for an argument of the wrong kind or out of range.

    Example:
        >>> net = nn.Sequential(nn.LazyLinear(30), nn.ReLU(), nn.Linear(20, 4))
        >>> dry_run(net, 8).error.split(" — ")[0]
        "layer '2' (Linear) expects inputs with 20 features, got 30"
    """
    check_module("module", module)
    sample = check_input_shape(input_shape)
    batch = check_batch_size(batch_size)
    check_batch_numbers(sample, batch)
    fill = check_choice("fill", fill, FILLS)
    seed = check_int("seed", seed, 0, MAX_SEED)
    before = describe_parameters(module)
    types_before = layer_types(module)
    net = copy_module(module)
    dtype, device = _input_dtype_device(module)
    shape = (batch, *sample)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        X = (torch.zeros(shape, dtype=dtype, device=device) if fill == "zeros"
             else torch.rand(shape, dtype=dtype, device=device))
        watch = _Watch(net)
        with watch.watching():
            trace = trace_forward(net, X, name=_ROOT)
    common = {"module_type": type(module).__name__, "input_shape": sample,
              "batch_size": batch, "before": before}
    if trace.error is not None:
        raised = [c for c in trace.calls if c.outputs is None]
        call = raised[-1] if raised else None
        layer = watch.called[call.index] if call and call.index < len(watch.called) else None
        message, path = failure_message(call, layer, trace.error)
        return DryRun(**common, after=None, error=message, failed_layer=path,
                      exception=trace.error)
    types_after = layer_types(net)
    changes = tuple(LayerChange(path, kind, types_after[path])
                    for path, kind in types_before.items()
                    if path in types_after and types_after[path] != kind)
    output = trace.output
    summaries = [s.shape_text if isinstance(s, TensorSummary) else s
                 for s in (trace.calls[0].outputs or [])] if trace.calls else []
    return DryRun(**common, after=describe_parameters(net), changes=changes,
                  output_shape=tuple(output.shape) if isinstance(output, torch.Tensor) else None,
                  output_text=", ".join(summaries) or type(output).__name__, module=net)
