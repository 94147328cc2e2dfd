"""ForwardTrace: every submodule call of one forward pass, in the order it happened."""

from __future__ import annotations

import ipywidgets as ipw
import torch
from torch import nn

from ..core.checks import check_text, describe
from ..core.introspection import Trace, TraceCall, check_module, trace_forward
from ..render.html import trace_html
from .base import Checked, LiveWidget


def check_inputs(value: object) -> tuple[torch.Tensor, ...]:
    """A tensor, or a tuple of tensors for a module whose forward takes several."""
    items = value if isinstance(value, tuple) else (value,)
    if not items or not all(isinstance(v, torch.Tensor) for v in items):
        raise TypeError(f"X must be a torch.Tensor or a tuple of tensors, got {describe(value)}")
    return items


class ForwardTrace(LiveWidget):
    """Run one forward pass with hooks and list every module call in call order.

    Each row gives the module's dotted name, its type, its input and output
    shapes and the output's mean, std, min and max. A layer called twice shows
    twice; a layer the model forgot to register shows as "not registered!". If
    forward raises, the calls up to the error are listed, the error is shown,
    and the hooks are removed all the same.

    Args:
        module: any ``torch.nn.Module``.
        X: its input (a tensor, or a tuple of tensors for several arguments).
        name: the root's name in dotted paths.

    Example:
        >>> trace = ForwardTrace(nn.Sequential(nn.Linear(20, 8), nn.ReLU()), torch.rand(2, 20))
        >>> [call.name for call in trace.calls]
        ['net', 'net.0', 'net.1']
    """

    module = Checked(lambda m: check_module("module", m), None,
                     help="The module traced.")
    X = Checked(check_inputs, None, help="The input of the forward pass.")
    name = Checked(lambda v: check_text("name", v), "net", help="The root's name in dotted paths.")

    def __init__(self, module: nn.Module, X: torch.Tensor | tuple[torch.Tensor, ...],
                 name: str = "net") -> None:
        check_module("module", module)
        inputs = check_inputs(X)
        check_text("name", name)
        super().__init__()
        with self.hold_trait_notifications():
            self.module, self.X, self.name = module, inputs, name
        self._title = ipw.HTML()
        self._table = ipw.HTML()
        self.children = [self._title, self._message, self._table]
        self.trace: Trace = Trace([])
        self.observe(lambda _: self._request_render(), names=["module", "X", "name"])
        self._render_now()

    @property
    def calls(self) -> list[TraceCall]:
        """The recorded calls, in the order they happened."""
        return self.trace.calls

    @property
    def output(self) -> object:
        """What the forward pass returned (``None`` if it raised)."""
        return self.trace.output

    @property
    def error(self) -> BaseException | None:
        """The exception forward raised, if any."""
        return self.trace.error

    def refresh(self) -> None:
        """Trace again (after changing the module in place)."""
        self._request_render()

    def _render(self) -> None:
        self.trace = trace_forward(self.module, *self.X, name=self.name)
        count = len(self.trace.calls)
        self._title.value = (f"<b>forward trace of {type(self.module).__name__}</b>: "
                             f"{count} module call{'s' if count != 1 else ''}")
        self.show_message(f"forward raised {self.trace.error_text}" if self.trace.error else "")
        self._table.value = trace_html(self.trace, show_error=False)

    def __repr__(self) -> str:
        status = f", error={self.trace.error_text!r}" if self.trace.error else ""
        return f"ForwardTrace({type(self.module).__name__}, calls={len(self.calls)}{status})"
