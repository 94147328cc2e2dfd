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
from .checks import describe, short_repr

#: How deep nested tuples/lists/dicts of a forward call's arguments may go, and
#: how many items they may hold in all (LSTM's ``(x, (h0, c0))`` is 2 deep, 3 items).
MAX_NESTING = 6
MAX_ITEMS = 256
#: The most module paths a walk over a module graph visits (a graph that shares
#: a block at every level has exponentially many paths).
MAX_PATHS = 100_000


class Inputs:
    """The arguments of one forward call, positional and by keyword.

    ``Inputs(x)`` calls ``module(x)``; ``Inputs(x, (h0, c0))`` calls an LSTM with
    its initial state; ``Inputs(q, k, v, need_weights=False)`` passes a keyword.
    Arguments are tensors, None, numbers, short strings, or tuples, lists and
    dicts of those (as deep as :data:`MAX_NESTING`).

    Example:
        >>> lstm = nn.LSTM(4, 8)
        >>> out, (h, c) = Inputs(torch.zeros(3, 1, 4), (torch.zeros(1, 1, 8),) * 2).run(lstm)
        >>> tuple(out.shape), tuple(h.shape)
        ((3, 1, 8), (1, 1, 8))
    """

    __slots__ = ("args", "kwargs")

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.args = args
        self.kwargs = kwargs

    def run(self, module: nn.Module) -> object:
        """``module(*args, **kwargs)``."""
        return module(*self.args, **self.kwargs)

    def tensors(self) -> list[torch.Tensor]:
        """Every tensor among the arguments, in order."""
        return [item for item in _leaves((self.args, self.kwargs))
                if isinstance(item, torch.Tensor)]

    def text(self) -> str:
        """Shapes, not values: ``"tensor(2, 5)"`` for one tensor, else like ``repr``."""
        if len(self.args) == 1 and not self.kwargs:
            return _argument_text(self.args[0])
        return repr(self)

    def __repr__(self) -> str:
        parts = [_argument_text(a) for a in self.args]
        parts += [f"{key}={_argument_text(value)}" for key, value in self.kwargs.items()]
        return f"Inputs({', '.join(parts)})"


def _leaves(value: object, depth: int = 0) -> Iterator[object]:
    if isinstance(value, (tuple, list)):
        for item in value:
            yield from _leaves(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item, depth + 1)
    else:
        yield value


def _argument_text(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"tensor{tuple(value.shape)}"
    if isinstance(value, tuple):
        return "(" + ", ".join(map(_argument_text, value)) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(map(_argument_text, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{short_repr(k)}: {_argument_text(v)}"
                               for k, v in value.items()) + "}"
    return short_repr(value)


_PLAIN = (type(None), bool, int, float, str)


def as_inputs(field_name: str, value: object) -> Inputs:
    """``value`` as the arguments of a forward call, checked and bounded.

    A tensor is the one argument; a tuple holds the positional arguments; an
    :class:`Inputs` says everything. Raises TypeError naming ``field_name`` for
    anything else, for nesting deeper than :data:`MAX_NESTING`, more than
    :data:`MAX_ITEMS` items, or arguments without a single tensor; ValueError for
    an empty tensor.

    Example:
        >>> as_inputs("X", (torch.ones(2, 3), None))
        Inputs(tensor(2, 3), None)
    """
    if isinstance(value, Inputs):
        inputs = value
    elif isinstance(value, torch.Tensor):
        inputs = Inputs(value)
    elif isinstance(value, tuple):
        inputs = Inputs(*value)
    else:
        raise TypeError(t("introspection.inputs", field=field_name, got=describe(value)))
    pending: list[tuple[object, int]] = [(inputs.args, 0), (inputs.kwargs, 0)]
    count = tensors = 0
    while pending:
        item, depth = pending.pop()
        count += 1
        if depth > MAX_NESTING or count > MAX_ITEMS:
            raise TypeError(t("introspection.inputs_too_big", field=field_name,
                              depth=MAX_NESTING, items=MAX_ITEMS))
        if isinstance(item, torch.Tensor):
            if item.numel() == 0:
                raise ValueError(t("introspection.inputs_empty", field=field_name,
                                   shape=tuple(item.shape)))
            tensors += 1
        elif isinstance(item, (tuple, list)):
            pending.extend((x, depth + 1) for x in item)
        elif isinstance(item, dict) and all(isinstance(k, str) for k in item):
            pending.extend((x, depth + 1) for x in item.values())
        elif not isinstance(item, _PLAIN) or (isinstance(item, str) and len(item) > 200):
            raise TypeError(t("introspection.inputs", field=field_name, got=describe(item)))
    if not tensors:
        raise TypeError(t("introspection.inputs", field=field_name, got=describe(value)))
    return inputs


def floating_tensors(value: object) -> list[torch.Tensor]:
    """Every floating-point tensor in a module's output (a tensor, or tuples, lists,
    dicts and named tuples of them, as LSTM and attention return)."""
    found: list[torch.Tensor] = []
    pending = [value]
    while pending and len(found) < MAX_ITEMS:
        item = pending.pop()
        if isinstance(item, torch.Tensor):
            if item.is_floating_point() or item.is_complex():
                found.append(item)
        elif isinstance(item, (tuple, list)):
            pending.extend(reversed(item))
        elif isinstance(item, dict):
            pending.extend(reversed(list(item.values())))
    return found


def named_parameter_groups(module: nn.Module) -> dict[int, tuple[list[str], torch.Tensor]]:
    """Each distinct parameter tensor with every dotted name that reaches it.

    Like ``named_parameters(remove_duplicate=False)``, but a module registered
    inside itself (a cycle) is not entered again, and at most :data:`MAX_PATHS`
    module paths are walked, so no module graph makes it recurse forever.

    Example:
        >>> shared = nn.Linear(2, 2)
        >>> [names for names, _ in named_parameter_groups(nn.Sequential(shared, shared)).values()]
        [['0.weight', '1.weight'], ['0.bias', '1.bias']]
    """
    groups: dict[int, tuple[list[str], torch.Tensor]] = {}
    pending: list[tuple[str, nn.Module, frozenset[int]]] = [("", module, frozenset())]
    walked = 0
    while pending and walked < MAX_PATHS:
        prefix, mod, above = pending.pop()
        walked += 1
        for pname, param in mod._parameters.items():
            if param is not None:
                groups.setdefault(id(param), ([], param))[0].append(prefix + pname)
        inside = above | {id(mod)}
        children = [(f"{prefix}{n}.", c, inside) for n, c in mod._modules.items()
                    if c is not None and id(c) not in inside]
        pending.extend(reversed(children))
    return groups


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


#: The most tensors a trace row describes for one input or output.
MAX_SUMMARIES = 8


def summarize(value: object) -> list[TensorSummary | str]:
    """Summaries of the tensors in ``value`` (a tensor, or a tuple/list/dict of them,
    nested), at most :data:`MAX_SUMMARIES` of them and then how many more there are."""
    found: list[TensorSummary | str] = []
    pending = [value]
    more = 0
    walked = 0
    while pending and walked < MAX_PATHS:
        item = pending.pop()
        walked += 1
        if isinstance(item, (tuple, list)):
            pending.extend(reversed(item))
            continue
        if isinstance(item, dict):
            pending.extend(reversed(list(item.values())))
            continue
        if len(found) >= MAX_SUMMARIES:
            more += 1
        elif isinstance(item, torch.Tensor):
            found.append(TensorSummary.of(item))
        else:
            found.append(type(item).__name__)
    more += len(pending)
    if more:
        found.append(t("introspection.more", count=more))
    return found


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
    #: Paths of compiled (TorchScript) modules: their insides run without hooks.
    compiled: list[str] = field(default_factory=list)

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


def trace_forward(module: nn.Module, *inputs: object, name: str = "net",
                  **keywords: object) -> Trace:
    """Run ``module(*inputs, **keywords)`` once and record every module call, in call order.

    A module called twice is recorded twice. Modules the root does not register
    (for example layers kept in a plain Python list) are recorded too, marked
    unregistered: they run, but ``parameters()`` and ``state_dict()`` miss them.
    Errors are captured in the result, not raised; the hooks are always removed.

    Some of PyTorch's modules (a Transformer encoder layer in eval mode) take a
    fused fast path that calls none of their submodules; a hook on the module
    turns that path off, so the trace shows the submodules the slower, equivalent
    path calls. Gradients are off during the trace. A TorchScript module runs
    compiled code: it is recorded as one call, and its path is listed in
    ``Trace.compiled`` (the calls inside it cannot be seen).

    Example:
        >>> net = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
        >>> [(c.name, c.outputs[0].shape) for c in trace_forward(net, torch.ones(2, 4)).calls]
        [('net', (2, 3)), ('net.0', (2, 3)), ('net.1', (2, 3))]
    """
    return trace_call(module, Inputs(*inputs, **keywords), name=name)


def _nothing(*_: object) -> None:
    """A hook that does nothing: its presence turns fused fast paths off."""


def trace_call(module: nn.Module, inputs: Inputs, name: str = "net") -> Trace:
    """:func:`trace_forward` with the call's arguments given as :class:`Inputs`."""
    check_module("module", module)
    found = module_paths(module, name)
    names = {key: " = ".join(paths) for key, paths in found.items()}
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
        for mod in _registered_modules(module, found):
            if isinstance(mod, torch.jit.ScriptModule):
                trace.compiled.append(names[id(mod)])
            else:
                handles.append(mod.register_forward_pre_hook(_nothing))
        outer = [path for path in trace.compiled
                 if not any(path.startswith(other + ".") for other in trace.compiled)]
        trace.compiled[:] = outer
        with torch.no_grad():
            trace.output = inputs.run(module)
    except Exception as error:  # shown to the reader by the caller
        trace.error = error
    finally:
        for handle in handles:
            handle.remove()
    return trace


def _registered_modules(module: nn.Module, found: dict[int, list[str]]) -> list[nn.Module]:
    """The module objects whose ids :func:`module_paths` found, each once."""
    objects: dict[int, nn.Module] = {}
    pending = [module]
    while pending:
        mod = pending.pop()
        if id(mod) in objects:
            continue
        objects[id(mod)] = mod
        pending.extend(c for c in mod._modules.values() if c is not None)
    return [m for key, m in objects.items() if key in found]
