"""Saving and loading tensors, state_dicts and MLPs (spec and weights), always weights-only.

A file written by :func:`torch.save` is a zip archive whose structure is a
*pickle*, and unpickling may call any function the file names. Everything here
therefore reads with ``torch.load(..., weights_only=True)``, whose restricted
unpickler rebuilds tensors, plain Python data (numbers, strings, lists, tuples,
dicts, sets, ``OrderedDict``) and a few PyTorch types such as ``torch.Size``,
dtypes and ``torch.device``, and refuses every other class unless it is allowed
with ``torch.serialization.add_safe_globals`` or ``safe_globals``. That is a
safeguard, not a sandbox: it has been bypassed before (CVE-2025-32434, in
PyTorch 2.5.1 and older), so keep PyTorch current and read only files you trust;
a data-only format such as safetensors cannot carry code at all.

An MLP file (the explorer's) holds its configuration beside its weights, so loading can
rebuild the architecture in code and then check the weights against it::

    {"format": "layerlab-mlp", "version": 1,
     "config": {"in_features": 20, "hidden_sizes": (16, 8), ...},
     "state_dict": {"0.weight": tensor(...), ...}}

The module also holds the chapter's harmless demonstration of why weights-only
loading matters: :class:`CodeOnLoad` pickles into a call of :func:`run_payload`,
whose only effect is to set :data:`PAYLOAD_RAN`.
"""

from __future__ import annotations

import itertools
import os
import pickle
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ..text import plural, t
from .checks import describe, missing_and_unknown, short_repr
from .layers import is_custom
from .mlp import MLPSpec, build_mlp

#: The ``format`` tag of a file written by :func:`save_mlp`.
FORMAT = "layerlab-mlp"
#: The newest explorer file version this module writes and reads.
VERSION = 1
#: The fields of an MLP file's ``config``, in the order ``MLPSpec`` takes them.
CONFIG_FIELDS = ("in_features", "hidden_sizes", "activations", "out_features", "seed")
#: The top-level fields of an explorer file.
FILE_FIELDS = ("format", "version", "config", "state_dict")
#: How many names an error message lists before it says how many more there are.
MAX_NAMES_SHOWN = 5

PathLike = str | os.PathLike

#: The most entries a torch.save archive may hold (a state_dict of a few thousand
#: tensors has a few thousand), and the most bytes it may declare in all: the
#: largest network the explorers build (8 hidden layers of 4096) is about 540 MB.
MAX_ENTRIES = 100_000
MAX_DECLARED_BYTES = 2**30


# -- tensors and state_dicts ----------------------------------------------------------


def load_weights_only(path: PathLike) -> object:
    """Read a :func:`torch.save` file with ``weights_only=True``, explaining any failure.

    Args:
        path: the file to read.

    Returns:
        What the file holds: tensors, plain Python data and containers of them.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        ValueError: the file is not a ``torch.save`` file, or it needs more than
            tensors and plain data (for example a pickled module or a
            function call) and was refused.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     torch.save({"x": torch.arange(3)}, Path(tmp) / "x.pt")
        ...     load_weights_only(Path(tmp) / "x.pt")
        {'x': tensor([0, 1, 2])}
    """
    name = Path(path).name
    if Path(path).is_file() and Path(path).stat().st_size == 0:
        raise ValueError(t("file_io.empty", file=name))
    if Path(path).is_file():
        check_archive(path)
    try:
        return torch.load(path, weights_only=True)
    except OSError:
        raise
    except pickle.UnpicklingError as error:
        # PyTorch's own words, matched in its message (not text of this book)
        refused = ("Weights only load failed", "Unsupported global")  # code
        if all(marker in str(error) for marker in refused):
            raise ValueError(t("file_io.refused", file=name, why=why_refused(error))) from error
        raise ValueError(t("file_io.unparsable", file=name, why=why_refused(error))) from error
    except Exception as error:  # torch.load fails in many ways on bytes it cannot parse
        detail = f": {_first_line(error)}" if str(error).strip() else ""
        raise ValueError(t("file_io.unparsable", file=name,
                           why=f"{type(error).__name__}{detail}")) from error


def check_archive(path: PathLike) -> None:
    """Refuse a file whose reading could take far more memory than the file's size.

    ``torch.save`` writes a zip archive whose entries are stored, never compressed,
    so the tensors take as many bytes in memory as in the file. A crafted archive
    with a compressed entry could make a small file inflate to gigabytes before
    any check runs, and the legacy (pre-1.6) format declares sizes that are
    allocated before they are read. Only the zip directory is read here.

    Raises:
        ValueError: not a zip archive (the legacy format, or not torch.save at all),
            more than :data:`MAX_ENTRIES` entries, a compressed entry, or more than
            :data:`MAX_DECLARED_BYTES` declared.
    """
    name = Path(path).name
    if not zipfile.is_zipfile(path):
        raise ValueError(t("file_io.not_zip", file=name))
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ValueError(t("file_io.unparsable", file=name,
                           why=f"{type(error).__name__}: {str(error)[:200]}")) from error
    if len(entries) > MAX_ENTRIES:
        raise ValueError(t("file_io.too_many_entries", file=name, count=len(entries),
                           most=MAX_ENTRIES))
    for entry in entries:
        if entry.compress_type != zipfile.ZIP_STORED or entry.file_size != entry.compress_size:
            raise ValueError(t("file_io.compressed", file=name,
                               entry=short_repr(entry.filename, 80),
                               size=entry.compress_size, inflated=entry.file_size))
    declared = sum(entry.file_size for entry in entries)
    if declared > MAX_DECLARED_BYTES:
        raise ValueError(t("file_io.too_big", file=name, size=declared,
                           most=MAX_DECLARED_BYTES))


def save_state_dict(module: nn.Module, path: PathLike) -> Path:
    """Save ``module.state_dict()`` (its tensors by name, no code) to ``path``.

    Args:
        module: the module whose parameters and buffers to save.
        path: the file to write.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = save_state_dict(nn.Linear(2, 1), Path(tmp) / "linear.params")
        ...     sorted(load_weights_only(path))
        ['bias', 'weight']
    """
    if not isinstance(module, nn.Module):
        raise TypeError(t("file_io.not_module", field="module", got=describe(module)))
    path = Path(path)
    torch.save(module.state_dict(), path)
    return path


def load_state_dict_into(module: nn.Module, path: PathLike, strict: bool = True) -> nn.Module:
    """Load a saved state_dict from ``path`` into ``module`` and return the module.

    ``module.load_state_dict`` returns a report of missing and unexpected keys,
    not the module; this returns the module so calls can be chained.

    Args:
        module: a module of the architecture the file was saved from.
        path: a file written by :func:`save_state_dict` or ``torch.save(net.state_dict())``.
        strict: if False, keys missing from the file or unknown to the module are
            skipped (tensors whose shapes differ still raise).

    Returns:
        ``module``, now holding the saved tensors.

    Raises:
        ValueError: the file is not a weights-only state_dict.
        RuntimeError: the names or shapes do not fit ``module`` (PyTorch's message).

    Example:
        >>> import tempfile
        >>> source, target = nn.Linear(2, 1), nn.Linear(2, 1)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = save_state_dict(source, Path(tmp) / "linear.params")
        ...     torch.equal(load_state_dict_into(target, path).weight, source.weight)
        True
    """
    if not isinstance(module, nn.Module):
        raise TypeError(t("file_io.not_module", field="module", got=describe(module)))
    state = load_weights_only(path)
    if not isinstance(state, Mapping):
        raise ValueError(t("file_io.not_state_dict", file=Path(path).name,
                           type=type(state).__name__))
    module.load_state_dict(state, strict=strict)
    return module


# -- an MLP: its spec and its weights ------------------------------------------------


@dataclass
class SavedMLP:
    """What :func:`load_mlp` read: the saved spec and a network holding the saved tensors.

    Attributes:
        spec: the :class:`~widgets.core.mlp.MLPSpec` the file's ``config`` describes.
        net: an ``nn.Sequential`` of that architecture holding the saved tensors.
        weights_match: True when every saved tensor equals what the spec's seed
            draws (the file was saved straight from an explorer, untrained).
    """

    spec: MLPSpec
    net: nn.Sequential
    weights_match: bool


def mlp_config(spec: MLPSpec) -> dict[str, object]:
    """``spec`` as plain ints, strings and tuples: the ``config`` of an MLP file."""
    return {
        "in_features": int(spec.in_features),
        "hidden_sizes": tuple(int(w) for w in spec.hidden_sizes),
        "activations": tuple(str(a) for a in spec.activations),
        "out_features": int(spec.out_features),
        "seed": int(spec.seed),
    }


def save_mlp(spec: MLPSpec, path: PathLike, net: nn.Module | None = None) -> Path:
    """Write an MLP's spec and weights to one file.

    Args:
        spec: the architecture and seed.
        path: the file to write.
        net: the weights to save; by default the ones ``build_mlp(spec)`` draws.
            Its parameter names, shapes and dtypes must be the spec's network's,
            and its tensors ordinary (dense) ones on the CPU: move a network on a
            GPU with ``net.to("cpu")`` first; one on the meta device has no values
            to save.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = save_mlp(MLPSpec(hidden_sizes=(8,)), Path(tmp) / "mlp.pt")
        ...     sorted(load_weights_only(path)["config"])
        ['activations', 'hidden_sizes', 'in_features', 'out_features', 'seed']
    """
    if not isinstance(spec, MLPSpec):
        raise TypeError(t("file_io.not_spec", field="spec", got=describe(spec)))
    own = build_mlp(spec).state_dict()
    if net is None:
        state = own
    else:
        if not isinstance(net, nn.Module):
            raise TypeError(t("file_io.not_module", field="net", got=describe(net)))
        state = net.state_dict()
        problem = _state_dict_mismatch(state, own) or _storage_problem(state)
        if problem:
            raise ValueError(t("file_io.net_mismatch", field="net", problem=problem))
    # Dense copies: a view keeps only its own numbers, an expanded tensor all of them.
    payload = {"format": FORMAT, "version": VERSION, "config": mlp_config(spec),
               "state_dict": {name: tensor.detach().clone(memory_format=torch.contiguous_format)
                              for name, tensor in state.items()}}
    path = Path(path)
    torch.save(payload, path)
    return path


def load_mlp(path: PathLike) -> SavedMLP:
    """Read a file written by :func:`save_mlp` (or ``save_explorer``), checking every field.

    Every field is checked before anything is built. The architecture comes from
    the ``config`` (code in :mod:`widgets.core.mlp`), never from the file. The
    saved tensors of its ``Linear`` layers must fit it name by name and shape by
    shape, as float32 values stored densely on the CPU in the file itself, before
    the network is built: a small file cannot make it build a large network. (A
    registered layer's own tensors are checked against it once it is built.)

    Raises:
        FileNotFoundError: there is no file at ``path``.
        ValueError: the file is not a ``torch.save`` file, was refused by the
            weights-only loader, or a field is missing, of the wrong type or out
            of range; the message names the field and what it allows.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     saved = load_mlp(save_mlp(MLPSpec(hidden_sizes=(8,)), Path(tmp) / "mlp.pt"))
        >>> saved.spec.hidden_sizes, saved.weights_match
        ((8,), True)
    """
    name = Path(path).name
    content = load_weights_only(path)
    config, state = _check_file(name, content)
    spec = MLPSpec(**config)
    problem = _linear_mismatch(state, spec)  # before building anything
    if problem:
        raise ValueError(t("file_io.state_dict_mismatch", file=name, problem=problem))
    net = build_mlp(spec)
    seeded = net.state_dict()
    problem = _state_dict_mismatch(state, seeded)
    if problem:
        raise ValueError(t("file_io.state_dict_mismatch", file=name, problem=problem))
    weights_match = all(torch.equal(state[key], seeded[key]) for key in seeded)
    net.load_state_dict(state)
    return SavedMLP(spec, net, weights_match)


def _check_file(name: str, content: object) -> tuple[dict[str, object], dict[str, torch.Tensor]]:
    """Validate an explorer file's fields; return its config and its state_dict."""
    expected = ", ".join(FILE_FIELDS)
    if not isinstance(content, Mapping):
        raise ValueError(t("file_io.not_mlp_file", file=name, type=type(content).__name__,
                           fields=expected))
    missing, unknown = missing_and_unknown(content, FILE_FIELDS)
    if missing:
        raise ValueError(t("file_io.missing_fields", file=name, names=missing, fields=expected))
    if unknown:
        raise ValueError(t("file_io.unknown_fields", file=name, names=unknown, fields=expected))
    if content["format"] != FORMAT:
        raise ValueError(t("file_io.format", file=name, expected=repr(FORMAT),
                           got=describe(content["format"])))
    version = content["version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError(t("file_io.version", file=name, newest=VERSION, got=describe(version)))
    if version > VERSION:
        raise ValueError(t("file_io.version_too_new", file=name, version=version,
                           newest=VERSION))
    if version < 1:
        raise ValueError(t("file_io.version", file=name, newest=VERSION, got=version))
    return _check_config(name, content["config"]), _check_state_dict(name, content["state_dict"])


def _check_config(name: str, config: object) -> dict[str, object]:
    fields = ", ".join(CONFIG_FIELDS)
    if not isinstance(config, Mapping):
        raise ValueError(t("file_io.config_type", file=name, fields=fields,
                           got=describe(config)))
    missing, unknown = missing_and_unknown(config, CONFIG_FIELDS)
    if missing:
        raise ValueError(t("file_io.config_missing", file=name, names=missing, fields=fields))
    if unknown:
        raise ValueError(t("file_io.config_unknown", file=name, names=unknown, fields=fields))
    values = {field: config[field] for field in CONFIG_FIELDS}
    for field in ("hidden_sizes", "activations"):
        if isinstance(values[field], list):  # a list reads as well as a tuple
            values[field] = tuple(values[field])
    try:
        spec = MLPSpec(**values)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: config.{error}") from None
    return {field: getattr(spec, field) for field in CONFIG_FIELDS}


def _check_state_dict(name: str, state: object) -> dict[str, torch.Tensor]:
    if not isinstance(state, Mapping):
        raise ValueError(t("file_io.state_dict_type", file=name, got=describe(state)))
    for key, value in state.items():
        if not isinstance(key, str):
            raise ValueError(t("file_io.state_dict_key", file=name, got=describe(key)))
        if not isinstance(value, torch.Tensor):
            raise ValueError(t("file_io.state_dict_value", file=name, key=short_repr(key),
                               got=describe(value)))
    return dict(state)


def _names(keys: Iterable[object]) -> str:
    """Up to :data:`MAX_NAMES_SHOWN` names, each cut short if long, then how many more."""
    keys = list(keys)
    shown = []
    for key in keys[:MAX_NAMES_SHOWN]:
        text = str(key)
        shown.append(text if len(text) <= 60 else text[:57] + "...")
    more = len(keys) - len(shown)
    names = ", ".join(shown)
    return t("file_io.and_more", names=names, more=more) if more else names


def _missing_or_unexpected(state: Mapping[str, torch.Tensor], expected: Iterable[str],
                           allowed: Callable[[str], bool]) -> str:
    """'it lacks ...' or 'it has ..., which the network does not' ('' when neither)."""
    missing = [key for key in expected if key not in state]
    if missing:
        return t("file_io.lacks", names=_names(missing))
    unexpected = [key for key in state if not allowed(key)]
    if unexpected:
        what = (t("file_io.entries", count=len(unexpected), names=_names(unexpected))
                if len(unexpected) > MAX_NAMES_SHOWN else _names(unexpected))
        return t("file_io.unexpected", what=what)
    return ""


def _tensor_problem(key: str, tensor: torch.Tensor) -> str:
    """Why ``tensor`` cannot be a saved weight: not dense, not on the CPU, or not all there."""
    if tensor.layout != torch.strided:
        return t("file_io.layout", key=key,
                 layout=str(tensor.layout).removeprefix("torch."))
    if tensor.device.type == "meta":
        return t("file_io.meta", key=key)
    if tensor.device.type != "cpu":
        return t("file_io.not_cpu", key=key, device=tensor.device)
    return ""


def _storage_problem(state: Mapping[str, torch.Tensor]) -> str:
    """The first tensor of ``state`` that is not a dense CPU tensor ('' if none)."""
    return next((p for key, t in state.items() if (p := _tensor_problem(key, t))), "")


def _linear_mismatch(state: Mapping[str, torch.Tensor], spec: MLPSpec) -> str:
    """How ``state`` differs from what the ``Linear`` layers of ``spec`` need ('' if it fits).

    Computed from the layer sizes alone, before anything is built. Entries under a
    registered layer (``"1.…"`` after hidden layer 0, ...) are left to the check
    against the built network; every tensor must be a dense CPU tensor whose
    numbers are all stored in the file (not a 1-number tensor expanded to a shape).
    """
    wanted: dict[str, tuple[int, ...]] = {}
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(spec.layer_sizes)):
        wanted[f"{2 * i}.weight"] = (fan_out, fan_in)
        wanted[f"{2 * i}.bias"] = (fan_out,)
    custom = tuple(f"{2 * i + 1}." for i, name in enumerate(spec.activations) if is_custom(name))
    problem = _missing_or_unexpected(state, wanted,
                                     lambda key: key in wanted or key.startswith(custom))
    if problem:
        return problem
    for key, tensor in state.items():
        problem = _tensor_problem(key, tensor)
        if problem:
            return problem
        shape = wanted.get(key)
        if shape is not None and tuple(tensor.shape) != shape:
            return t("file_io.shape", key=key, shape=tuple(tensor.shape), needed=shape)
        if shape is not None and tensor.dtype != torch.float32:
            return t("file_io.dtype", key=key, dtype=tensor.dtype, needed=torch.float32)
        stored = tensor.untyped_storage().nbytes() // tensor.element_size()
        if stored < tensor.numel():
            return plural("file_io.expanded", stored, key=key, shape=tuple(tensor.shape))
    return ""


def weights_problem(state: object, reference: Mapping[str, torch.Tensor]) -> str:
    """Why ``state`` cannot stand in for ``reference``'s tensors ('' when it can).

    ``state`` must map the same names to tensors of the same shapes and dtypes,
    dense ones that hold values (not on the meta device); the device does not
    matter (the caller moves them).

    Example:
        >>> weights_problem({"weight": torch.zeros(1, 2)}, nn.Linear(2, 1).state_dict())
        'it lacks bias'
    """
    if not isinstance(state, Mapping):
        return t("file_io.weights_type", got=describe(state))
    for key, value in state.items():
        if not isinstance(value, torch.Tensor):
            return t("file_io.weights_value", key=short_repr(key), got=describe(value))
    problem = _state_dict_mismatch(state, reference)
    if problem:
        return problem
    for key, tensor in state.items():  # a tensor on another device is only moved
        if tensor.layout != torch.strided or tensor.device.type == "meta":
            return _tensor_problem(key, tensor)
    return ""


def _state_dict_mismatch(state: Mapping[str, torch.Tensor],
                         reference: Mapping[str, torch.Tensor]) -> str:
    """How ``state`` differs from ``reference`` in names, shapes or dtypes ('' if it fits)."""
    problem = _missing_or_unexpected(state, reference, lambda key: key in reference)
    if problem:
        return problem
    for key, want in reference.items():
        got = state[key]
        if got.shape != want.shape:
            return t("file_io.shape", key=key, shape=tuple(got.shape),
                     needed=tuple(want.shape))
        if got.dtype != want.dtype:
            return t("file_io.dtype", key=key, dtype=got.dtype, needed=want.dtype)
    return ""


# -- why weights_only matters: a harmless file that runs code when unpickled ---------------

#: Set to True by :func:`run_payload`, the only thing the crafted file's code does.
PAYLOAD_RAN = False


def run_payload() -> str:
    """Set :data:`PAYLOAD_RAN`; stands in for whatever code a malicious file would run."""
    global PAYLOAD_RAN
    PAYLOAD_RAN = True
    return t("file_io.payload_ran")


def reset_payload() -> bool:
    """Set :data:`PAYLOAD_RAN` back to False and return it."""
    global PAYLOAD_RAN
    PAYLOAD_RAN = False
    return PAYLOAD_RAN


class CodeOnLoad:
    """An object whose pickle says "call ``widgets.core.file_io.run_payload()``".

    ``__reduce__`` tells pickle how to rebuild an object: here, by calling a
    function. A real attack names ``os.system`` or similar; this one only sets a
    flag. Unpickling runs the call; ``torch.load(..., weights_only=True)`` refuses it.

    Example:
        >>> from widgets import file_io
        >>> file_io.reset_payload()
        False
        >>> pickle.loads(pickle.dumps(CodeOnLoad())), file_io.PAYLOAD_RAN
        ('payload ran', True)
        >>> file_io.reset_payload()
        False
    """

    def __reduce__(self) -> tuple[object, tuple[()]]:
        return (run_payload, ())


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def why_refused(error: BaseException) -> str:
    """The line of a failed weights-only load that names what was refused.

    PyTorch's message is long and starts with advice; the line that matters says
    which global the file asked for, e.g. ``Unsupported global: GLOBAL
    widgets.core.file_io.run_payload was not an allowed global by default.``
    """
    text = _ANSI.sub("", str(error))
    # PyTorch's own words, matched in its message (not text of this book)
    marker = "WeightsUnpickler error:"  # code
    if marker in text:
        lines = [line.strip() for line in text.split(marker, 1)[1].splitlines()]
        line = next((line for line in lines if line), "")
        sentence = re.match(r".*?\.(?=\s|$)", line)
        return sentence.group(0) if sentence else line
    return _first_line(error)


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in _ANSI.sub("", str(error)).splitlines() if line.strip()]
    return lines[0] if lines else repr(error)
