"""LazyInitViewer: a module's parameter shapes before and after a dry run, for any input size."""

from __future__ import annotations

import copy
import html
from collections.abc import Sequence
from dataclasses import dataclass

import ipywidgets as ipw
from torch import nn

from ..core.fields import Custom, Int, Spec, setting
from ..core.introspection import ParameterCount
from ..core.lazy import (
    MAX_BATCH_SIZE,
    DryRun,
    LayerChange,
    ParameterInfo,
    check_batch_numbers,
    check_input_shape,
    check_input_size,
    check_template,
    dry_run,
)
from ..render.html import message, table
from ..text import t
from .base import LiveWidget, as_trait_error, drawing
from .controls import control_for


def change_table(result: DryRun) -> str:
    """Every parameter's shape before the dry run and after it; changed rows highlighted.

    When the dry run failed, only the shapes before it are listed: the module
    was not changed.
    """
    if not result.before:
        return message(t("lazy_viewer.no_parameters"), "info")
    if not result.ok:
        header: tuple[str, ...] = _columns("parameter", "layer", "before")
        rows = [(b.name, result.layer_text(b.layer, b.layer_type), b.shape_text)
                for b in result.before]
        return table(header, rows, (t("lazy_viewer.total"), "", str(result.count_before)),
                     left_columns=3)
    header = _columns("parameter", "layer", "before", "after", "numbers")
    rows, classes = [], []
    for b, a in result.rows():
        after = a.shape_text if a else t("lazy_viewer.gone")
        rows.append((b.name, result.layer_text(b.layer, b.layer_type), b.shape_text, after,
                     "?" if a is None or a.numel is None else f"{a.numel:,}"))
        classes.append("ll-changed" if after != b.shape_text else "")
    total = (t("lazy_viewer.total"), "", str(result.count_before), str(result.count_after),
             str(result.count_after))
    return table(header, rows, total, left_columns=3, row_classes=classes)


def _columns(*keys: str) -> tuple[str, ...]:
    return tuple(t(f"lazy_viewer.column.{key}") for key in keys)


def check_shape(field: str, value: object) -> tuple[int, ...]:
    """One sample's shape: an int (flat inputs) or 1 to 4 sizes."""
    return check_input_shape(value, field)


@dataclass(frozen=True, eq=False)
class DryRunSettings(Spec):
    """What a :class:`LazyInitViewer` dry-runs: a template, one sample's shape, a batch size."""

    TEXT = "lazy_viewer"

    module: nn.Module = setting(Custom(lambda field, value: check_template(value, field)), None)
    input_shape: tuple[int, ...] = setting(Custom(check_shape, control="int"), (20,))
    batch_size: int = setting(Int(1, MAX_BATCH_SIZE), 2)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_batch_numbers(self.input_shape, self.batch_size)


def summary_html(result: DryRun) -> str:
    """The input and output shapes, the parameter count before and after, the changed layers."""
    batch = "(" + ", ".join(map(str, result.batch_shape)) + ")"
    if not result.ok:
        where = (t("lazy_viewer.the_module") if result.failed_layer == ""
                 else t("lazy_viewer.layer", name=repr(result.failed_layer))
                 if result.failed_layer is not None else t("lazy_viewer.the_forward_pass"))
        lines = [t("lazy_viewer.failed_line", batch=batch, where=html.escape(where)),
                 t("lazy_viewer.parameters_line", count=result.count_before)]
    else:
        changed = (t("list.separator").join(html.escape(str(c)) for c in result.changes)
                   or t("lazy_viewer.no_change"))
        lines = [t("lazy_viewer.output_line", batch=batch,
                   output=html.escape(result.output_text)),
                 t("lazy_viewer.count_line", before=result.count_before,
                   after=result.count_after),
                 t("lazy_viewer.changed_line", changed=changed)]
    return "<div>" + "<br>".join(lines) + "</div>"


class LazyInitViewer(LiveWidget):
    """Dry-run a copy of a module on inputs of a chosen size and show what lazy layers became.

    The table lists every parameter with the layer that holds it and its shape
    before the dry run (``uninitialized``, with the part of the shape the layer
    already knows, such as ``256x?``) and after it; rows that changed are
    highlighted. Above it: the output shape, the parameter count before and
    after, and the layers that changed class (``LazyLinear`` → ``Linear``).
    A size mismatch shows a message naming the layer that failed and the
    shapes before the run. The module passed in is never changed.

    Args:
        module: the template, any ``torch.nn.Module``; each dry run uses a copy.
        input_size: features per input row, 1 to 4096 (default 20).
        batch_size: rows in the dry-run batch, 1 to 1024.
        input_shape: instead of ``input_size``, one sample's shape for inputs
            that are not flat, e.g. ``(3, 32, 32)``.

    Example:
        >>> viewer = LazyInitViewer(nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(2)))
        >>> viewer.output_shape, viewer.after[0].shape
        ((2, 2), (8, 20))
    """

    SPEC = DryRunSettings
    STATE = ("module", "input_shape", "batch_size")

    def __init__(self, module: nn.Module, input_size: int | None = None, batch_size: int = 2,
                 *, input_shape: int | Sequence[int] | None = None) -> None:
        check_template(module)
        if input_size is not None and input_shape is not None:
            raise TypeError(t("lazy_viewer.size_or_shape"))
        shape = (check_input_shape(input_shape) if input_shape is not None
                 else (check_input_size(20 if input_size is None else input_size),))
        spec = DryRunSettings(module, shape, batch_size)
        super().__init__()
        self._result: DryRun | None = None
        self._build_controls()
        self._start(spec)

    # -- state --------------------------------------------------------------------

    @property
    def input_size(self) -> int:
        """The first entry of ``input_shape``: features of flat inputs, channels of images.

        Setting it (1 to 4096) changes that entry and keeps the rest of the shape.
        """
        return self.input_shape[0]

    @input_size.setter
    def input_size(self, value: int) -> None:
        self.configure(input_size=value)

    def configure(self, **state: object) -> None:
        """Set several of ``module``, ``input_size``, ``input_shape``, ``batch_size`` at once.

        All values are checked together and the view is drawn once; if one is
        invalid, nothing changes. ``input_size`` and ``input_shape`` both set the
        first size of the input, so only one of them may be given.

        Example:
            >>> viewer = LazyInitViewer(nn.LazyLinear(4), input_size=3)
            >>> viewer.configure(input_size=5, batch_size=7)
            >>> viewer.result.batch_shape
            (7, 5)
        """
        if "input_size" in state and "input_shape" in state:
            raise TypeError(t("lazy_viewer.configure_size_or_shape"))
        if "input_size" in state:
            try:
                size = check_input_size(state.pop("input_size"))
            except (ValueError, TypeError) as error:
                raise as_trait_error(error) from None
            state["input_shape"] = (size, *self.input_shape[1:])
        super().configure(**state)

    # -- results ------------------------------------------------------------------

    @property
    def result(self) -> DryRun:
        """The latest dry run: shapes before and after, changed layers, output or error."""
        assert self._result is not None
        return self._result

    @property
    def before(self) -> tuple[ParameterInfo, ...]:
        """Every parameter of the template, as it is (lazy ones uninitialized)."""
        return self.result.before

    @property
    def after(self) -> tuple[ParameterInfo, ...] | None:
        """Every parameter after the dry run; ``None`` when it failed."""
        return self.result.after

    @property
    def changes(self) -> tuple[LayerChange, ...]:
        """The layers whose class changed, e.g. ``LazyLinear`` → ``Linear``."""
        return self.result.changes

    @property
    def output_shape(self) -> tuple[int, ...] | None:
        """The output's shape; ``None`` when the dry run failed."""
        return self.result.output_shape

    @property
    def error(self) -> str | None:
        """Why the dry run failed, naming the layer; ``None`` when it ran."""
        return self.result.error

    @property
    def count_before(self) -> ParameterCount:
        """Parameters of the template (lazy ones counted as unknown)."""
        return self.result.count_before

    @property
    def count_after(self) -> ParameterCount | None:
        """Parameters after the dry run; ``None`` when it failed."""
        return self.result.count_after

    @property
    def net(self) -> nn.Module | None:
        """A copy of the materialized module, yours to use; ``None`` when the dry run failed."""
        module = self.result.module
        return None if module is None else copy.deepcopy(module)

    # -- controls -----------------------------------------------------------------

    def _build_controls(self) -> None:
        box = {"width": "170px", "label_width": "70px"}
        still_fails = lambda: (  # noqa: E731
            t("lazy_viewer.still_fails", error=self.error) if self.error else "")
        size = self.bind(control_for(DryRunSettings, "input_shape", **box), "input_size",
                         read=lambda: self.input_size,
                         write=lambda value: self.configure(input_size=value), note=still_fails)
        batch = self.bind(control_for(DryRunSettings, "batch_size", **box), "batch_size",
                          note=still_fails)
        views = {name: ipw.HTML() for name in ("title", "summary", "table")}
        self._expose(views=views)
        self._lay_out(views["title"], ipw.HBox([size, batch],
                                               layout=ipw.Layout(flex_flow="row wrap")),
                      self._message, views["summary"], views["table"])

    # -- view ---------------------------------------------------------------------

    def _prepare(self, spec: DryRunSettings) -> tuple[DryRun, dict[str, str]]:
        result = dry_run(spec.module, spec.input_shape, spec.batch_size)
        shape = ", ".join(map(str, spec.input_shape)) + ("," if len(spec.input_shape) == 1 else "")
        with drawing():
            views = {"title": t("lazy_viewer.title", kind=html.escape(result.module_type),
                                shape=shape),
                     "summary": summary_html(result), "table": change_table(result)}
        return result, views

    def _show(self, content: tuple[DryRun, dict[str, str]]) -> None:
        self._result, views = content
        for name, value in views.items():
            self._views[name].value = value
        self._controls["input_size"].description = t(
            "lazy_viewer.input_size" if len(self.input_shape) == 1 else "lazy_viewer.channels")
        self.show_message(self._result.error or "")

    def __repr__(self) -> str:
        result = self._result
        if result is None:
            return f"LazyInitViewer({type(self.module).__name__})"
        outcome = (f"output_shape={result.output_shape}" if result.ok
                   else t("lazy_viewer.repr_failed", layer=repr(result.failed_layer)))
        return (f"LazyInitViewer({result.module_type}, input_shape={self.input_shape}, "
                f"batch_size={self.batch_size}, {outcome})")
