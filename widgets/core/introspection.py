"""Looking inside modules: their tree, their parameter counts, their forward calls.

:func:`module_tree` and :func:`count_parameters` only read. :func:`trace_forward`
runs one real forward pass (so lazy layers take their shapes, BatchNorm updates
its running statistics and Dropout draws random numbers, as in any forward
pass); its hooks are always removed, even when the forward raises.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn.modules import module as module_hooks
from torch.nn.parameter import UninitializedTensorMixin

from ..text import t
from .checks import describe


def check_module(field_name: str, module: object) -> nn.Module:
    """Return ``module`` if it is an ``nn.Module``, else raise naming the field."""
    if not isinstance(module, nn.Module):
        raise TypeError(t("introspection.not_module", field=field_name, got=describe(module)))
    return module


def is_uninitialized(param: torch.Tensor) -> bool:
    """True for a lazy module's parameter or buffer whose shape is not known yet."""
    return isinstance(param, UninitializedTensorMixin)


@dataclass(frozen=True)
class ParameterCount:
    """How many numbers a set of parameters holds, and how many are still lazy.

    Example:
        >>> str(ParameterCount(5130, 0)), str(ParameterCount(0, 2))
        ('5,130', '? (2 uninitialized)')
    """

    known: int = 0
    uninitialized: int = 0

    def __add__(self, other: ParameterCount) -> ParameterCount:
        return ParameterCount(self.known + other.known, self.uninitialized + other.uninitialized)

    def __str__(self) -> str:
        if not self.uninitialized:
            return f"{self.known:,}"
        if self.known:
            return t("introspection.count_partly_lazy", known=self.known,
                     count=self.uninitialized)
        return t("introspection.count_lazy", count=self.uninitialized)


def count_parameters(module: nn.Module) -> ParameterCount:
    """Count ``module``'s parameters, each distinct tensor once (tied ones too).

    Example:
        >>> count_parameters(nn.Linear(20, 10))
        ParameterCount(known=210, uninitialized=0)
    """
    return count_tensors(module.parameters())


def count_tensors(params: Iterable[torch.Tensor]) -> ParameterCount:
    """Count the numbers in ``params``, noting lazy ones whose size is unknown."""
    total = ParameterCount()
    for p in params:
        total += ParameterCount(0, 1) if is_uninitialized(p) else ParameterCount(p.numel(), 0)
    return total


def shape_text(param: torch.Tensor) -> str:
    """``"256x20"`` for a materialized parameter, ``"uninitialized"`` for a lazy one."""
    if is_uninitialized(param):
        return t("introspection.uninitialized")
    return "x".join(str(n) for n in param.shape) or t("introspection.scalar")


@dataclass
class ModuleNode:
    """One module in a tree: where it sits, what it holds, what it contains.

    ``shared_with`` is the path of the first place the same module object was
    met; such a node's parameters are not counted a second time.
    """

    path: str
    name: str
    type_name: str
    own: dict[str, str]
    own_count: ParameterCount
    total_count: ParameterCount
    children: list[ModuleNode] = field(default_factory=list)
    shared_with: str | None = None
    buffers: dict[str, str] = field(default_factory=dict)

    def walk(self) -> Iterator[ModuleNode]:
        """This node, then every node below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


def module_tree(module: nn.Module, name: str = "net") -> ModuleNode:
    """Describe ``module`` and everything nested in it as a tree of :class:`ModuleNode`.

    Example:
        >>> tree = module_tree(nn.Sequential(nn.Linear(2, 3), nn.ReLU()))
        >>> [n.path for n in tree.walk()]
        ['net', 'net.0', 'net.1']
    """
    check_module("module", module)
    seen_modules: dict[int, str] = {}
    seen_params: set[int] = set()

    def visit(mod: nn.Module, path: str, label: str) -> ModuleNode:
        type_name = type(mod).__name__
        if id(mod) in seen_modules:
            return ModuleNode(path, label, type_name, {}, ParameterCount(), ParameterCount(),
                              shared_with=seen_modules[id(mod)])
        seen_modules[id(mod)] = path
        own: dict[str, str] = {}
        fresh: list[torch.Tensor] = []
        for pname, p in mod.named_parameters(recurse=False):
            tied = id(p) in seen_params
            own[pname] = t("introspection.tied", shape=shape_text(p)) if tied else shape_text(p)
            if not tied:
                seen_params.add(id(p))
                fresh.append(p)
        own_count = count_tensors(fresh)
        # named_children() skips repeats; _modules keeps every name, shared ones too
        children = [visit(child, f"{path}.{cname}", cname)
                    for cname, child in mod._modules.items() if child is not None]
        total = own_count
        for child in children:
            total += child.total_count
        buffers = {bname: shape_text(b) for bname, b in mod.named_buffers(recurse=False)
                   if b is not None}
        return ModuleNode(path, label, type_name, own, own_count, total, children,
                          buffers=buffers)

    return visit(module, name, name)


@dataclass(frozen=True)
class TensorSummary:
    """Shape, dtype and simple statistics of one tensor seen during a forward pass."""

    shape: tuple[int, ...]
    dtype: str
    mean: float | None = None
    std: float | None = None
    min: float | None = None
    max: float | None = None

    @classmethod
    def of(cls, tensor: torch.Tensor) -> TensorSummary:
        """Summarize ``tensor``; statistics only for non-empty floating tensors."""
        t = tensor.detach()
        dtype = str(t.dtype).removeprefix("torch.")
        if not (t.is_floating_point() and t.numel()):
            return cls(tuple(t.shape), dtype)
        t = t.float()
        std = t.std().item() if t.numel() > 1 else 0.0
        return cls(tuple(t.shape), dtype, t.mean().item(), std, t.min().item(), t.max().item())

    @property
    def shape_text(self) -> str:
        """``"(2, 10)"``, or ``"scalar"`` for a zero-dimensional tensor."""
        if not self.shape:
            return t("introspection.scalar")
        return "(" + ", ".join(map(str, self.shape)) + ")"


def summarize(value: object) -> list[TensorSummary | str]:
    """Summaries of the tensors in ``value`` (a tensor, or a tuple/list/dict of them)."""
    if isinstance(value, torch.Tensor):
        return [TensorSummary.of(value)]
    if isinstance(value, (tuple, list)):
        return [s for item in value for s in summarize(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in summarize(item)]
    return [type(value).__name__]


@dataclass
class TraceCall:
    """One call of one module during a traced forward pass."""

    index: int
    depth: int
    name: str
    type_name: str
    inputs: list[TensorSummary | str]
    outputs: list[TensorSummary | str] | None = None  # None: it raised
    registered: bool = True


@dataclass
class Trace:
    """What :func:`trace_forward` saw: every call in order, the output or the error."""

    calls: list[TraceCall]
    output: object = None
    error: BaseException | None = None

    @property
    def error_text(self) -> str | None:
        """``"RuntimeError: ..."`` for the error the forward raised, else ``None``."""
        if self.error is None:
            return None
        return f"{type(self.error).__name__}: {self.error}"


def module_paths(module: nn.Module, name: str = "net") -> dict[int, list[str]]:
    """Every dotted path at which each submodule (by ``id``) is registered.

    A module registered twice gets both paths; its children are walked once, so
    shared and even cyclic structures take time linear in their size.

    Example:
        >>> shared = nn.ReLU()
        >>> list(module_paths(nn.Sequential(shared, shared)).values())
        [['net'], ['net.0', 'net.1']]
    """
    paths: dict[int, list[str]] = {}
    pending = [(name, module)]
    while pending:
        path, mod = pending.pop()
        seen = id(mod) in paths
        paths.setdefault(id(mod), []).append(path)
        if not seen:
            children = [(f"{path}.{n}", c) for n, c in mod._modules.items() if c is not None]
            pending.extend(reversed(children))
    return paths


def trace_forward(module: nn.Module, *inputs: object, name: str = "net") -> Trace:
    """Run ``module(*inputs)`` once and record every module call, in call order.

    A module called twice is recorded twice. Modules the root does not register
    (for example layers kept in a plain Python list) are recorded too, marked
    unregistered: they run, but ``parameters()`` and ``state_dict()`` miss them.
    Errors are captured in the result, not raised; the hooks are always removed.

    Example:
        >>> net = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
        >>> [(c.name, c.outputs[0].shape) for c in trace_forward(net, torch.ones(2, 4)).calls]
        [('net', (2, 3)), ('net.0', (2, 3)), ('net.1', (2, 3))]
    """
    check_module("module", module)
    names = {key: " = ".join(found) for key, found in module_paths(module, name).items()}
    calls: list[TraceCall] = []
    stack: list[tuple[int, TraceCall]] = []

    def before(mod: nn.Module, args: tuple) -> None:
        registered = id(mod) in names
        label = names.get(id(mod)) or t("introspection.unregistered", type=type(mod).__name__)
        call = TraceCall(len(calls), len(stack), label, type(mod).__name__,
                         summarize(args), registered=registered)
        calls.append(call)
        stack.append((id(mod), call))

    already_handling = sys.exc_info()[1]  # an error the caller was handling, not ours

    def after(mod: nn.Module, args: tuple, output: object) -> None:
        # Registered with always_call: runs after a raising forward too, inside
        # PyTorch's except block, where sys.exc_info() holds that forward's error.
        while stack:
            module_id, call = stack.pop()
            if module_id == id(mod):
                raised = sys.exc_info()[1]
                if raised is None or raised is already_handling:
                    call.outputs = summarize(output)
                return

    handles = [module_hooks.register_module_forward_pre_hook(before),
               module_hooks.register_module_forward_hook(after, always_call=True)]
    trace = Trace(calls)
    try:
        with torch.no_grad():
            trace.output = module(*inputs)
    except Exception as error:  # shown to the reader by the caller
        trace.error = error
    finally:
        for handle in handles:
            handle.remove()
    return trace
