"""LazyInitViewer: a module's parameter shapes before and after a dry run, for any input size."""

from __future__ import annotations

import copy
import html
from collections.abc import Sequence

import ipywidgets as ipw
import traitlets
from torch import nn

from ..core.introspection import ParameterCount
from ..core.lazy import (
    DryRun,
    LayerChange,
    ParameterInfo,
    check_batch_numbers,
    check_batch_size,
    check_input_shape,
    check_input_size,
    check_template,
    dry_run,
)
from ..render.html import message, table
from .base import Checked, LiveWidget, as_trait_error


#: Rows whose shape the dry run filled in are drawn on this background.
def change_table(result: DryRun) -> str:
    """Every parameter's shape before the dry run and after it; changed rows highlighted.

    When the dry run failed, only the shapes before it are listed: the module
    was not changed.
    """
    if not result.before:
        return message("This module holds no parameters.", "info")
    if not result.ok:
        header: tuple[str, ...] = ("parameter", "layer", "shape before")
        rows = [(b.name, result.layer_text(b.layer, b.layer_type), b.shape_text)
                for b in result.before]
        return table(header, rows, ("total", "", str(result.count_before)), left_columns=3)
    header = ("parameter", "layer", "shape before", "shape after", "numbers")
    rows, classes = [], []
    for b, a in result.rows():
        after = a.shape_text if a else "(gone)"
        rows.append((b.name, result.layer_text(b.layer, b.layer_type), b.shape_text, after,
                     "?" if a is None or a.numel is None else f"{a.numel:,}"))
        classes.append("ll-changed" if after != b.shape_text else "")
    total = ("total", "", str(result.count_before), str(result.count_after),
             str(result.count_after))
    return table(header, rows, total, left_columns=3, row_classes=classes)


def summary_html(result: DryRun) -> str:
    """The input and output shapes, the parameter count before and after, the changed layers."""
    batch = "(" + ", ".join(map(str, result.batch_shape)) + ")"
    if not result.ok:
        where = ("the module itself" if result.failed_layer == ""
                 else f"layer {result.failed_layer!r}" if result.failed_layer is not None
                 else "the forward pass")
        lines = [f"input batch <b>{batch}</b> → the dry run failed in {html.escape(where)}, "
                 "so no shape changed",
                 f"parameters: {result.count_before}"]
    else:
        changed = ", ".join(html.escape(str(c)) for c in result.changes) or "none"
        lines = [f"input batch <b>{batch}</b> → output <b>{html.escape(result.output_text)}</b>",
                 f"parameters: {result.count_before} before → <b>{result.count_after}</b> after",
                 f"layers that changed class: {changed}"]
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

    module = Checked(check_template, None,
                     help="The template module; the viewer dry-runs a copy and never changes it.")
    input_shape = Checked(check_input_shape, (20,),
                          help="One input sample's shape without the batch dimension: (features,) "
                               "or e.g. (channels, height, width); 1 to 4 sizes from 1 to 4096.")
    batch_size = Checked(check_batch_size, 2, help="Rows in the dry-run batch, 1 to 1024.")

    def __init__(self, module: nn.Module, input_size: int | None = None, batch_size: int = 2,
                 *, input_shape: int | Sequence[int] | None = None) -> None:
        check_template(module)
        if input_size is not None and input_shape is not None:
            raise TypeError("give input_size or input_shape, not both")
        shape = (check_input_shape(input_shape) if input_shape is not None
                 else (check_input_size(20 if input_size is None else input_size),))
        check_batch_numbers(shape, check_batch_size(batch_size))
        super().__init__()
        self._result: DryRun | None = None
        with self.hold_trait_notifications():
            self.module, self.input_shape, self.batch_size = module, shape, batch_size
        self._build_controls()
        self.observe(lambda _: self._request_render(),
                     names=["module", "input_shape", "batch_size"])
        self._render_now()

    # -- state --------------------------------------------------------------------

    @traitlets.validate("input_shape")
    def _check_shape_fits(self, proposal: traitlets.Bunch) -> tuple[int, ...]:
        try:
            check_batch_numbers(proposal.value, self.batch_size)
        except ValueError as error:
            raise as_trait_error(error) from None
        return proposal.value

    @traitlets.validate("batch_size")
    def _check_batch_fits(self, proposal: traitlets.Bunch) -> int:
        try:
            check_batch_numbers(self.input_shape, proposal.value)
        except ValueError as error:
            raise as_trait_error(error) from None
        return proposal.value

    @property
    def input_size(self) -> int:
        """The first entry of ``input_shape``: features of flat inputs, channels of images.

        Setting it (1 to 4096) changes that entry and keeps the rest of the shape.
        """
        return self.input_shape[0]

    @input_size.setter
    def input_size(self, value: int) -> None:
        try:
            size = check_input_size(value)
        except (ValueError, TypeError) as error:
            raise as_trait_error(error) from None
        self.input_shape = (size, *self.input_shape[1:])

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
            raise TypeError("configure() takes input_size or input_shape, not both: "
                            "input_size=n is input_shape=(n, *the rest of the shape)")
        super().configure(**state)

    def _configurable(self) -> list[str]:
        return ["module", "input_size", "input_shape", "batch_size"]

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
        box = {"continuous_update": False, "style": {"description_width": "70px"},
               "layout": ipw.Layout(width="170px")}
        self._size_box = ipw.IntText(description="input size", **box)
        self._batch_box = ipw.IntText(description="batch size", **box)
        self._size_box.observe(self._on_controls, names="value")
        self._batch_box.observe(self._on_controls, names="value")
        self._title = ipw.HTML()
        self._summary = ipw.HTML()
        self._table = ipw.HTML()
        self.children = [self._title, self._message, ipw.HBox([self._size_box, self._batch_box]),
                         self._summary, self._table]

    def _sync_controls(self) -> None:
        with self._controls_from_state():
            self._size_box.value = self.input_size
            self._batch_box.value = self.batch_size
            self._size_box.description = "input size" if len(self.input_shape) == 1 else "channels"

    def _on_controls(self, change: traitlets.Bunch) -> None:
        if self._syncing_controls:
            return
        accepted = self._apply_from_controls(
            lambda: self.configure(input_size=self._size_box.value,
                                   batch_size=self._batch_box.value),
            note=lambda: f"; the dry run still fails: {self.error}" if self.error else "")
        if accepted and self.error:
            self.show_message(self.error)

    # -- view ---------------------------------------------------------------------

    def _render(self) -> None:
        self._result = result = dry_run(self.module, self.input_shape, self.batch_size)
        self._sync_controls()
        shape = ", ".join(map(str, self.input_shape))
        self._title.value = (f"<b>lazy initialization of {html.escape(result.module_type)}</b>: "
                             f"a dry run on a copy, one sample of shape ({shape}"
                             f"{',' if len(self.input_shape) == 1 else ''}); "
                             "the module you passed stays as it is")
        self.show_message(result.error or "")
        self._summary.value = summary_html(result)
        self._table.value = change_table(result)

    def __repr__(self) -> str:
        result = self._result
        if result is None:
            return f"LazyInitViewer({type(self.module).__name__})"
        outcome = (f"output_shape={result.output_shape}" if result.ok
                   else f"failed in layer {result.failed_layer!r}")
        return (f"LazyInitViewer({result.module_type}, input_shape={self.input_shape}, "
                f"batch_size={self.batch_size}, {outcome})")
