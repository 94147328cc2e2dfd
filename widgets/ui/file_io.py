"""Saving an MLP explorer to a file and loading one into a fresh explorer.

The file is :mod:`widgets.core.file_io`'s MLP file: the explorer's spec beside
its weights, read back weights-only and checked field by field before
anything is built.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from torch import nn

from ..core.file_io import PathLike, load_mlp, save_mlp
from ..text import t, wrap
from .mlp_explorer import MLPExplorer


@dataclass
class LoadedExplorer:
    """What :func:`load_explorer` read: a fresh explorer and the file's network.

    The explorer always draws its weights from its seed, so ``explorer`` shows the
    saved configuration with the weights that seed gives. ``net`` holds the
    weights stored in the file. The two agree (``weights_match``) when the file
    was saved straight from an explorer; after training they differ, and ``net``
    is the network to use.

    Attributes:
        explorer: a new ``MLPExplorer`` with the saved configuration.
        net: an ``nn.Sequential`` of that architecture holding the saved tensors.
        weights_match: True when every saved tensor equals what the seed draws,
            so ``explorer`` computes exactly what the saved network computes.
    """

    explorer: MLPExplorer
    net: nn.Sequential
    weights_match: bool

    @property
    def note(self) -> str:
        """One sentence on which of ``explorer`` and ``net`` holds the saved weights.

        Wrapped at word boundaries for printing.
        """
        key = "file_io_widget.note_match" if self.weights_match else "file_io_widget.note_differ"
        return wrap(t(key, seed=self.explorer.seed), hanging="")

    def __repr__(self) -> str:
        weights = t("file_io_widget.match" if self.weights_match else "file_io_widget.differ")
        return f"LoadedExplorer({self.explorer!r}, weights {weights})"

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:
        printer.text(wrap(repr(self)))  # type: ignore[attr-defined]  # words kept whole


def save_explorer(explorer: MLPExplorer, path: PathLike, net: nn.Module | None = None) -> Path:
    """Write the explorer's configuration and weights to one file.

    Args:
        explorer: the explorer to save.
        path: the file to write.
        net: weights to save instead of the explorer's own, for example a trained
            copy of ``explorer.net``. Its parameter names, shapes and dtypes must be
            the explorer's, and its tensors ordinary (dense) ones on the CPU: move a
            network on a GPU with ``net.to("cpu")`` first; one on the meta device
            has no values to save.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    if not isinstance(explorer, MLPExplorer):
        raise TypeError(t("file_io_widget.not_explorer", got=type(explorer).__name__))
    return save_mlp(explorer.spec, path, net)


def load_explorer(path: PathLike) -> LoadedExplorer:
    """Read a file written by :func:`save_explorer` and rebuild the explorer from it.

    The file is checked field by field, and its weights against the architecture
    its config describes, before anything is built (see
    :func:`~widgets.core.file_io.load_mlp`, which raises ``FileNotFoundError`` or a
    ``ValueError`` naming the field).

    Returns:
        A :class:`LoadedExplorer`: the new explorer, the saved network, and
        whether the saved weights are the ones the seed draws.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     loaded = load_explorer(save_explorer(MLPExplorer(hidden_sizes=(8,)),
        ...                                          Path(tmp) / "mlp.pt"))
        >>> loaded.explorer.hidden_sizes, loaded.weights_match
        ((8,), True)
    """
    saved = load_mlp(path)
    explorer = MLPExplorer(**asdict(saved.spec))
    return LoadedExplorer(explorer, saved.net, saved.weights_match)
