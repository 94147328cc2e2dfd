"""Saving an MLP explorer to a file and loading one into a fresh explorer.

The file is :mod:`widgets.core.file_io`'s MLP file: the explorer's spec beside
its weights, read back weights-only and checked field by field before
anything is built. The loaded explorer computes with the saved weights.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from torch import nn

from ..core.file_io import PathLike, load_mlp, save_mlp
from ..text import t
from .mlp_explorer import MLPExplorer


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
    if net is None:
        net = explorer.net  # the weights it computes with: its seed's, or loaded ones
    return save_mlp(explorer.spec, path, net)


def load_explorer(path: PathLike) -> MLPExplorer:
    """Read a file written by :func:`save_explorer` and rebuild the explorer from it.

    The file is checked field by field, and its weights against the architecture
    its config describes, before anything is built (see
    :func:`~widgets.core.file_io.load_mlp`, which raises ``FileNotFoundError`` or a
    ``ValueError`` naming the field).

    Returns:
        A new :class:`MLPExplorer` with the saved configuration, computing with the
        saved weights (its ``loaded_from`` is the file's name). Changing its layers
        or its seed drops them for the weights the seed draws.

    Example:
        >>> import tempfile
        >>> explorer = MLPExplorer(hidden_sizes=(8,))
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     loaded = load_explorer(save_explorer(explorer, Path(tmp) / "mlp.pt"))
        >>> loaded.hidden_sizes, loaded.loaded_from
        ((8,), 'mlp.pt')
    """
    saved = load_mlp(path)
    explorer = MLPExplorer(**asdict(saved.spec))
    explorer.load_state_dict(saved.net.state_dict(), source=Path(path).name)
    return explorer
