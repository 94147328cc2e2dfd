"""layerlab's widgets and the PyTorch helpers behind them.

The widget classes load ipywidgets on first use, so ``import widgets`` stays
fast and the pure-PyTorch modules (``widgets.mlp``, ``widgets.introspection``,
...) work without ipywidgets.

Example:
    >>> from widgets import MLPExplorer
    >>> MLPExplorer(hidden_sizes=(8,)).output.shape
    torch.Size([2, 10])
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_LAZY = {
    "MLPExplorer": "mlp_explorer",
    "ModuleTree": "module_tree",
    "ForwardTrace": "forward_trace",
    "ParameterInspector": "parameter_inspector",
    "InitExplorer": "init_explorer",
    "LazyInitViewer": "lazy_viewer",
    "DeviceTimer": "device_timer",
    "Playground": "playground",
    "PlaygroundSettings": "playground_code",
    "MLPSpec": "mlp",
    "build_mlp": "mlp",
    "module_tree": "introspection",
    "trace_forward": "introspection",
    "count_parameters": "introspection",
}

__all__ = [
    "DeviceTimer",
    "ForwardTrace",
    "InitExplorer",
    "LazyInitViewer",
    "MLPExplorer",
    "MLPSpec",
    "ModuleTree",
    "ParameterInspector",
    "Playground",
    "PlaygroundSettings",
    "build_mlp",
    "count_parameters",
    "module_tree",
    "trace_forward",
]

if TYPE_CHECKING:  # pragma: no cover
    from .device_timer import DeviceTimer
    from .forward_trace import ForwardTrace
    from .init_explorer import InitExplorer
    from .introspection import count_parameters, module_tree, trace_forward
    from .lazy_viewer import LazyInitViewer
    from .mlp import MLPSpec, build_mlp
    from .mlp_explorer import MLPExplorer
    from .module_tree import ModuleTree
    from .parameter_inspector import ParameterInspector
    from .playground import Playground
    from .playground_code import PlaygroundSettings


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'widgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
