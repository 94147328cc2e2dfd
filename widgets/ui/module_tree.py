"""ModuleTree: any ``nn.Module`` as a collapsible tree with parameter counts."""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as ipw
from torch import nn

from ..core.fields import Custom, Int, Spec, Text, setting
from ..core.introspection import ModuleNode, ParameterCount, check_module, module_tree
from ..render.html import tree_html
from ..text import plural, t
from .base import LiveWidget


@dataclass(frozen=True)
class TreeSettings(Spec):
    """What a :class:`ModuleTree` shows: a module, its root's label, how much is unfolded."""

    TEXT = "module_tree"

    module: nn.Module = setting(Custom(check_module), None)
    name: str = setting(Text(), "net")
    open_depth: int = setting(Int(0, 32), 2)


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

    SPEC = TreeSettings
    STATE = ("module", "name", "open_depth")

    def __init__(self, module: nn.Module, name: str = "net", open_depth: int = 2) -> None:
        spec = TreeSettings(module, name, open_depth)
        super().__init__()
        self.tree: ModuleNode  # set by every render
        views = {"title": ipw.HTML(), "tree": ipw.HTML()}
        self._expose(views=views)
        self._lay_out(views["title"], self._message, views["tree"])
        self._start(spec)

    @property
    def total(self) -> ParameterCount:
        """Parameters in the whole module, each distinct tensor counted once."""
        return self.tree.total_count

    def refresh(self) -> None:
        """Look at the module again (after a dry run or any in-place change)."""
        super().refresh()

    def _prepare(self, spec: TreeSettings) -> tuple[ModuleNode, str, str]:
        tree = module_tree(spec.module, spec.name)
        shared = sum(node.shared_with is not None for node in tree.walk())
        note = plural("module_tree.shared", shared) if shared else ""
        title = t("module_tree.title", kind=type(spec.module).__name__,
                  count=tree.total_count, note=note)
        return tree, title, tree_html(tree, spec.open_depth)

    def _show(self, content: tuple[ModuleNode, str, str]) -> None:
        self.tree, self._views["title"].value, self._views["tree"].value = content

    def __repr__(self) -> str:
        return (f"ModuleTree({type(self.module).__name__}, "
                f"parameters={self.tree.total_count})")
