"""ForwardTrace: every submodule call of one forward pass, in the order it happened."""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as ipw
import torch
from torch import nn

from ..core.fields import Custom, Spec, Text, setting
from ..core.introspection import Inputs, Trace, TraceCall, as_inputs, check_module, trace_call
from ..render.html import trace_html
from ..text import plural, t
from .base import LiveWidget


def check_inputs(field: str, value: object) -> object:
    """A tensor, a tuple of a forward call's arguments, or :class:`Inputs` (kept as given)."""
    as_inputs(field, value)
    return value


@dataclass(frozen=True)
class TraceSettings(Spec):
    """What a :class:`ForwardTrace` runs: a module, its input, the root's name."""

    TEXT = "forward_trace"

    module: nn.Module = setting(Custom(check_module), None)
    X: object = setting(Custom(check_inputs), None)
    name: str = setting(Text(), "net")


class ForwardTrace(LiveWidget):
    """Run one forward pass with hooks and list every module call in call order.

    Each row gives the module's dotted name, its type, its input and output
    shapes and the output's mean, std, min and max. A layer called twice shows
    twice; a layer the model forgot to register shows as "not registered!". If
    forward raises, the calls up to the error are listed, the error is shown,
    and the hooks are removed all the same.

    Args:
        module: any ``torch.nn.Module``.
        X: its input: a tensor; a tuple of the forward call's arguments, nested as
            the module expects (an LSTM's ``(x, (h0, c0))``); or ``Inputs(...)`` with
            keyword arguments too (``Inputs(q, k, v, need_weights=False)``).
        name: the root's name in dotted paths.

    Example:
        >>> trace = ForwardTrace(nn.Sequential(nn.Linear(20, 8), nn.ReLU()), torch.rand(2, 20))
        >>> [call.name for call in trace.calls]
        ['net', 'net.0', 'net.1']
    """

    SPEC = TraceSettings
    STATE = ("module", "X", "name")

    def __init__(self, module: nn.Module, X: torch.Tensor | tuple | Inputs,
                 name: str = "net") -> None:
        spec = TraceSettings(module, X, name)
        super().__init__()
        views = {"title": ipw.HTML(), "table": ipw.HTML()}
        self._expose(views=views)
        self._lay_out(views["title"], self._message, views["table"])
        self.trace: Trace = Trace([])
        self._start(spec)

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
        super().refresh()

    def _prepare(self, spec: TraceSettings) -> tuple[Trace, str, str]:
        trace = trace_call(spec.module, as_inputs("X", spec.X), name=spec.name)
        title = plural("forward_trace.title", len(trace.calls), kind=type(spec.module).__name__)
        return trace, title, trace_html(trace, show_error=False)

    def _show(self, content: tuple[Trace, str, str]) -> None:
        self.trace, self._views["title"].value, self._views["table"].value = content
        if self.trace.error:
            self.show_message(t("forward_trace.raised", error=self.trace.error_text))
        elif self.trace.compiled:
            shown = self.trace.compiled[:5] + (["…"] if len(self.trace.compiled) > 5 else [])
            self.show_message(t("forward_trace.compiled", names=", ".join(shown)), kind="info")
        else:
            self.show_message("")

    def __repr__(self) -> str:
        status = f", error={self.trace.error_text!r}" if self.trace.error else ""
        return f"ForwardTrace({type(self.module).__name__}, calls={len(self.calls)}{status})"
