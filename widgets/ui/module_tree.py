"""ModuleTree: any ``nn.Module`` as a collapsible tree with parameter counts."""

from __future__ import annotations

import ipywidgets as ipw
from torch import nn

from ..core.checks import check_int, check_text
from ..core.introspection import ModuleNode, ParameterCount, check_module, module_tree
from ..render.html import tree_html
from .base import Checked, LiveWidget


def check_open_depth(value: object) -> int:
    """How many levels of a tree start unfolded: 0 to 32."""
    return check_int("open_depth", value, 0, 32)


class ModuleTree(LiveWidget):
    """A collapsible tree of a module: each child's name, type and parameters.

    Every node shows its own parameters (names and shapes) and the total below
    it. Lazy layers show ``uninitialized`` until a dry run; a module reached by
    two names is marked shared and counted once; tied parameters likewise.
    Call :meth:`refresh` after changing the module in place (e.g. a dry run).

    Args:
        module: any ``torch.nn.Module``.
        name: the label of the root node.
        open_depth: how many levels start unfolded (0 to 32).

    Example:
        >>> tree = ModuleTree(nn.Sequential(nn.Linear(20, 256), nn.ReLU()))
        >>> tree.tree.total_count.known
        5376
    """

    module = Checked(lambda m: check_module("module", m), None,
                     help="The module shown.")
    name = Checked(lambda v: check_text("name", v), "net", help="Label of the root node.")
    open_depth = Checked(check_open_depth, 2, help="Levels shown unfolded at first.")

    def __init__(self, module: nn.Module, name: str = "net", open_depth: int = 2) -> None:
        check_module("module", module)
        check_text("name", name)
        check_open_depth(open_depth)
        super().__init__()
        with self.hold_trait_notifications():
            self.module, self.name, self.open_depth = module, name, open_depth
        self._tree_view = ipw.HTML()
        self._title = ipw.HTML()
        self.children = [self._title, self._message, self._tree_view]
        self.tree: ModuleNode  # set by every render
        self.observe(lambda _: self._request_render(), names=["module", "name", "open_depth"])
        self._render_now()

    @property
    def total(self) -> ParameterCount:
        """Parameters in the whole module, each distinct tensor counted once."""
        return self.tree.total_count

    def refresh(self) -> None:
        """Look at the module again (after a dry run or any in-place change)."""
        self._request_render()

    def _render(self) -> None:
        self.tree = module_tree(self.module, self.name)
        shared = sum(node.shared_with is not None for node in self.tree.walk())
        note = f", {shared} shared reference(s) counted once" if shared else ""
        self._title.value = (f"<b>{type(self.module).__name__}</b>: "
                             f"{self.tree.total_count} parameters{note}")
        self._tree_view.value = tree_html(self.tree, self.open_depth)

    def __repr__(self) -> str:
        return (f"ModuleTree({type(self.module).__name__}, "
                f"parameters={self.tree.total_count})")
