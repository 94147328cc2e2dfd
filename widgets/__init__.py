"""layerlab's widgets and the PyTorch helpers behind them: the book's whole public API.

Chapters import from here only (``from widgets import MLPExplorer``) and from
``widgets.exercises``; where a name lives inside the package may change. The
names load on first use, so ``import widgets`` stays fast and the pure-PyTorch
helpers work without ipywidgets.

Inside, folders are layers, each importing only the ones below it:
``exercises`` and ``ui`` (the only layer that imports ipywidgets) over
``playground`` over ``render`` over ``core`` (pure PyTorch) over ``text``
(every reader-visible string).

Example:
    >>> from widgets import MLPExplorer
    >>> MLPExplorer(hidden_sizes=(8,)).output.shape
    torch.Size([2, 10])
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

#: Public name -> the module (below ``widgets``) that defines it.
_LAZY = {
    # the widgets
    "MLPExplorer": "ui.mlp_explorer",
    "ModuleTree": "ui.module_tree",
    "ForwardTrace": "ui.forward_trace",
    "ParameterInspector": "ui.parameter_inspector",
    "InitExplorer": "ui.init_explorer",
    "LazyInitViewer": "ui.lazy_viewer",
    "DeviceTimer": "ui.device_timer",
    "Playground": "ui.playground",
    "Snapshot": "ui.base",
    "save_explorer": "ui.file_io",
    "load_explorer": "ui.file_io",
    # networks from a spec
    "MLPSpec": "core.mlp",
    "build_mlp": "core.mlp",
    "PlaygroundSettings": "playground.settings",
    # layers a reader registers
    "register_layer": "core.layers",
    "unregister_layer": "core.layers",
    "registered_layers": "core.layers",
    "make_activation": "core.layers",
    "activation_names": "core.layers",
    # looking inside a module
    "module_tree": "core.introspection",
    "Inputs": "core.introspection",
    "trace_forward": "core.introspection",
    "count_parameters": "core.introspection",
    "dry_run": "core.lazy",
    "describe_parameters": "core.lazy",
    # files
    "save_mlp": "core.file_io",
    "load_mlp": "core.file_io",
    "load_weights_only": "core.file_io",
    "save_state_dict": "core.file_io",
    "load_state_dict_into": "core.file_io",
    "why_refused": "core.file_io",
    # devices
    "try_gpu": "core.devices",
    "try_all_gpus": "core.devices",
    "num_gpus": "core.devices",
    "describe_device": "core.devices",
    "synchronize": "core.devices",
    "timing": "core.devices",
    # the language the widgets speak
    "set_language": "text",
    "language": "text",
}

#: Public modules: ``file_io`` holds chapter 6's harmless code-on-load demonstration,
#: whose flag (``file_io.PAYLOAD_RAN``) must be read from the module itself.
_MODULES = {"file_io": "core.file_io"}

__all__ = [
    "DeviceTimer",
    "ForwardTrace",
    "InitExplorer",
    "Inputs",
    "LazyInitViewer",
    "MLPExplorer",
    "MLPSpec",
    "ModuleTree",
    "ParameterInspector",
    "Playground",
    "PlaygroundSettings",
    "Snapshot",
    "activation_names",
    "build_mlp",
    "count_parameters",
    "describe_device",
    "describe_parameters",
    "dry_run",
    "file_io",
    "language",
    "load_explorer",
    "load_mlp",
    "load_state_dict_into",
    "load_weights_only",
    "make_activation",
    "module_tree",
    "num_gpus",
    "register_layer",
    "registered_layers",
    "save_explorer",
    "save_mlp",
    "save_state_dict",
    "set_language",
    "synchronize",
    "timing",
    "trace_forward",
    "try_all_gpus",
    "try_gpu",
    "unregister_layer",
    "why_refused",
]

if TYPE_CHECKING:  # pragma: no cover
    from .core import file_io
    from .core.devices import (
        describe_device,
        num_gpus,
        synchronize,
        timing,
        try_all_gpus,
        try_gpu,
    )
    from .core.file_io import (
        load_mlp,
        load_state_dict_into,
        load_weights_only,
        save_mlp,
        save_state_dict,
        why_refused,
    )
    from .core.introspection import Inputs, count_parameters, module_tree, trace_forward
    from .core.layers import (
        activation_names,
        make_activation,
        register_layer,
        registered_layers,
        unregister_layer,
    )
    from .core.lazy import describe_parameters, dry_run
    from .core.mlp import MLPSpec, build_mlp
    from .playground.settings import PlaygroundSettings
    from .text import language, set_language
    from .ui.base import Snapshot
    from .ui.device_timer import DeviceTimer
    from .ui.file_io import load_explorer, save_explorer
    from .ui.forward_trace import ForwardTrace
    from .ui.init_explorer import InitExplorer
    from .ui.lazy_viewer import LazyInitViewer
    from .ui.mlp_explorer import MLPExplorer
    from .ui.module_tree import ModuleTree
    from .ui.parameter_inspector import ParameterInspector
    from .ui.playground import Playground


def __getattr__(name: str) -> object:
    if name in _MODULES:
        value = importlib.import_module(f".{_MODULES[name]}", __name__)
    elif name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    else:
        from .text import t

        raise AttributeError(t("facade.no_attribute", name=repr(name)))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
