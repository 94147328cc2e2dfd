"""Checks for the exercises of chapter 06, "File I/O".

Each check calls the reader's functions on networks of its own and writes
every file into a temporary directory of its own, deleted afterwards. While the
reader's code runs, every load of a torch file is watched where all of them pass,
inside ``torch.serialization`` (so ``from torch import load as read`` is seen
too): each is made weights-only, and one that does not ask for it is reported.
"""

from __future__ import annotations

import contextlib
import pickle
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
import torch.serialization as serialization
from torch import nn

from ..core.file_io import why_refused
from ..text import t
from . import CheckReport

#: The two configurations :func:`check_checkpoint` saves and reloads.
CHECKPOINT_CONFIGS = (
    {"num_inputs": 4, "num_hiddens": 16, "num_outputs": 2},
    {"num_inputs": 6, "num_hiddens": 32, "num_outputs": 3},
)


def make_mlp(num_inputs: int = 4, num_hiddens: int = 16, num_outputs: int = 2) -> nn.Sequential:
    """The architecture the exercises save and load: one hidden ReLU layer.

    Example:
        >>> make_mlp(6, 32, 3)(torch.rand(2, 6)).shape
        torch.Size([2, 3])
    """
    return nn.Sequential(nn.Linear(num_inputs, num_hiddens), nn.ReLU(),
                         nn.Linear(num_hiddens, num_outputs))


def _name(obj: object) -> str:
    return getattr(obj, "__name__", type(obj).__name__)


def _error_text(error: BaseException) -> str:
    """A one-line account of an error: the refused global, or the first lines joined."""
    kind = type(error).__name__
    if isinstance(error, pickle.UnpicklingError):
        refused = why_refused(error)
        sentence = re.match(r".*?\.(?=\s|$)", refused)  # PyTorch's first sentence
        return f"{kind}: {(sentence.group(0) if sentence else refused).rstrip('.')}"
    mismatch = _SIZE_MISMATCH.search(str(error))
    if mismatch:
        key, in_file, in_model = mismatch.groups()
        return t("exercises.file_io.size_mismatch", kind=kind, key=key, in_file=in_file,
                 in_model=in_model)
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = " ".join(lines[:2]).rstrip(".")
    if len(text) > 160:
        text = text[:157] + "..."
    return f"{kind}: {text}" if text else kind


#: PyTorch's message for a tensor whose shape differs between the file and the model.
_SIZE_MISMATCH = re.compile(r"size mismatch for (\S+): copying a param with shape "  # code
                            r"torch\.Size\(\[(.*?)\]\) from checkpoint, the shape in "
                            r"current model is torch\.Size\(\[(.*?)\]\)")
#: PyTorch's words for the name a weights-only load refused.
_REFUSED_GLOBAL = re.compile(r"GLOBAL (\S+) was not an allowed global")  # code


def _refused_global(error: BaseException) -> object | None:
    """What a weights-only load refused, when it names something already imported.

    Nothing is imported on the file's word: only modules in ``sys.modules`` are
    looked in. Returns None when the error names no global or it is not found.
    """
    found = _REFUSED_GLOBAL.search(str(error))
    if found is None:
        return None
    parts = found.group(1).split(".")
    for split in range(len(parts) - 1, 0, -1):  # the longest module prefix that is imported
        obj = sys.modules.get(".".join(parts[:split]))
        if obj is None:
            continue
        for name in parts[split:]:
            obj = getattr(obj, name, None)
        return obj
    return None


def _why_pickled(error: BaseException) -> str:
    """Why a weights-only load refused ``error``'s global: a module class, or another object.

    Returns an empty string when the error is no refused global at all (not a torch
    file, a truncated one, ...).
    """
    if not _REFUSED_GLOBAL.search(str(error)):
        return ""
    refused = _refused_global(error)
    if isinstance(refused, type) and issubclass(refused, nn.Module):
        return t("exercises.file_io.pickled_module")
    return t("exercises.file_io.pickled_object")


def _run(report: CheckReport, what: str, action: Callable[[], object],
         hint: Callable[[BaseException], str] = lambda error: "") -> tuple[bool, object]:
    """Run the reader's ``action``; on an error record a miss and return ``(False, None)``."""
    try:
        return True, action()
    except Exception as error:  # the reader's code failed: report it, never raise
        extra = hint(error) or (t("exercises.report.helper_none")
                                if "NoneType" in str(error) else "")  # code
        report.points.append((False, t("exercises.file_io.raised_hint" if extra
                                       else "exercises.file_io.raised",
                                       what=what, error=_error_text(error), hint=extra)))
        return False, None


#: How one load of a torch file asked: ``weights_only=True`` written, left out, or not
#: weights-only at all (``weights_only=False``, a ``pickle_module``, or an environment
#: variable that turns the default off).
ASKED, DEFAULT, UNSAFE = "asked", "default", "unsafe"


@contextlib.contextmanager
def _watched_loads() -> Iterator[list[str]]:
    """Make every load of a torch file weights-only; record how each one asked (see ASKED).

    Whatever name the reader calls it by (``torch.load``, ``torch.serialization.load``,
    ``from torch import load as read``), ``torch.load`` reads a file through
    ``torch.serialization._load`` (``_legacy_load`` for the old format) and passes it
    the unpickler it chose: that is where the watch sits. Whether ``weights_only`` was
    written is read from ``torch.load``'s own ``weights_only_not_set``; where that
    cannot be found, the call counts as asked.
    """
    records: list[str] = []
    safe = serialization._weights_only_unpickler
    load_code = serialization.load.__code__
    originals = {name: getattr(serialization, name) for name in ("_load", "_legacy_load")}

    def watch(original: Callable[..., object]) -> Callable[..., object]:
        def watched(opened: object, map_location: object, pickle_module: object,
                    *args: object, **kwargs: object) -> object:
            caller = sys._getframe(1)
            left_out = (caller.f_code is load_code
                        and caller.f_locals.get("weights_only_not_set") is True)
            records.append(UNSAFE if pickle_module is not safe else
                           DEFAULT if left_out else ASKED)
            return original(opened, map_location, safe, *args, **kwargs)
        return watched

    for name, original in originals.items():
        setattr(serialization, name, watch(original))
    try:
        yield records
    finally:
        for name, original in originals.items():
            setattr(serialization, name, original)


def _expect_weights_only(report: CheckReport, records: list[str], unseen: bool,
                         function: str) -> None:
    """One point on how the reader's loads asked; none if nothing was loaded through torch.

    ``unseen``: a call of ``function`` returned although its torch file was read by no
    ``torch.load`` the check could see (kept in memory, or unzipped by hand).
    """
    what = t("exercises.file_io.weights_only_asked")
    if UNSAFE in records:
        report.expect(False, what, t("exercises.file_io.weights_only_false"))
    elif DEFAULT in records:
        report.expect(False, what, t("exercises.file_io.weights_only_default"))
    elif unseen:
        report.expect(False, what, t("exercises.file_io.load_not_seen", function=function))
    elif records:
        report.expect(True, what)


def _trained(net: nn.Module, seed: int) -> nn.Module:
    """Move every parameter away from its initial value, as training would."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.add_(torch.randn(parameter.shape, generator=generator))
    return net


def _read_saved(path: Path) -> str:
    """Read the reader's file without running anything in it: ``"safetensors"`` or ``"torch"``.

    A zip archive is a torch file, read weights-only; anything else is tried as
    safetensors first. Raises what the last reader raised.
    """
    if not zipfile.is_zipfile(path):
        try:
            from safetensors.torch import load_file
        except ImportError:  # without safetensors installed, only torch files are read
            pass
        else:
            with contextlib.suppress(Exception):  # not safetensors: torch.load says why
                load_file(path)
                return "safetensors"
    torch.load(path, weights_only=True)
    return "torch"


def _saved_readable(report: CheckReport, path: Path, what: str) -> bool:
    """Record whether ``what`` wrote a file that loads without running code."""
    if not report.expect(path.is_file(), t("exercises.file_io.writes_file", what=what),
                         t("exercises.file_io.nothing_written")):
        return False
    try:
        kind = _read_saved(path)
    except Exception as error:  # a pickled object, or not a torch file at all
        why = _why_pickled(error)
        report.expect(False, t("exercises.file_io.loads_weights_only"),
                      t("exercises.file_io.refused", error=_error_text(error), why=why) if why
                      else t("exercises.file_io.unreadable", error=_error_text(error)))
        return False
    report.expect(True, t("exercises.file_io.loads_safetensors" if kind == "safetensors"
                          else "exercises.file_io.loads_weights_only"))
    return True


def _returns_module(report: CheckReport, value: object, call: str, label: str = "") -> bool:
    """Record whether the reader's ``call`` returned a module (None: a forgotten return)."""
    def labelled(what: str) -> str:
        return t("exercises.file_io.labelled", label=label, what=what) if label else what

    if value is None:
        report.points.append((False, labelled(t("exercises.report.returned_none", what=call))))
        return False
    kind = type(value).__name__
    hint = t("exercises.file_io.got_incompatible_keys" if kind == "_IncompatibleKeys"
             else "exercises.file_io.got", value=kind)
    function = call.split("(", 1)[0]
    return report.expect(isinstance(value, nn.Module),
                         labelled(t("exercises.file_io.returns_module", function=function)),
                         hint)


def _is_safetensors(path: Path) -> bool:
    """Whether ``path`` starts as a safetensors file does: the length of a JSON header in 8
    bytes, then that header, opening with ``{`` (nothing else is read)."""
    with open(path, "rb") as file:
        length = int.from_bytes(file.read(8), "little")
        return 2 <= length <= path.stat().st_size - 8 and file.read(1) == b"{"


def _format_hint(path: Path, records: list[str]) -> Callable[[BaseException], str]:
    """A hint for an error raised while reading the file at ``path`` with the other format's
    reader: a torch file given to safetensors, or a safetensors file to ``torch.load``
    (``records``: the torch loads seen, filled while the reader's code runs)."""
    safetensors_file = _is_safetensors(path)

    def hint(error: BaseException) -> str:
        if not safetensors_file and type(error).__name__ == "SafetensorError":
            return t("exercises.file_io.torch_read_as_safetensors")
        if safetensors_file and records:
            return t("exercises.file_io.safetensors_read_by_torch")
        return ""
    return hint


def _outputs_equal(net: nn.Module, loaded: nn.Module, X: torch.Tensor) -> bool:
    with torch.no_grad():
        try:
            Y = loaded(X)
        except Exception:  # a wrong architecture: not equal, reported by the caller
            return False
        return isinstance(Y, torch.Tensor) and Y.shape == net(X).shape and torch.equal(Y, net(X))


def check_round_trip(save_model: Callable[[nn.Module, Path], object],
                     load_model: Callable[[Path, Callable[[], nn.Module]], nn.Module]
                     ) -> CheckReport:
    """Check a pair of functions that save a model and load it into a fresh instance.

    ``save_model(net, path)`` writes the file, a torch file read weights-only or a
    safetensors file; ``load_model(path, make_net)`` must return a new model, built
    with ``make_net()``, whose outputs equal ``net``'s. The saved net's weights
    differ from any fresh instance's, as after training.
    """
    report = CheckReport(f"check_round_trip({_name(save_model)}, {_name(load_model)})")
    with torch.random.fork_rng(devices=[]):  # the reader's random state is left alone
        torch.manual_seed(0)
        net = _trained(make_mlp(), seed=1)
        X = torch.rand(3, 4)
    call = "load_model(path, make_mlp)"
    with tempfile.TemporaryDirectory(prefix="layerlab-check-") as tmp:
        path = Path(tmp) / "model.params"
        saved, _ = _run(report, "save_model(net, path)", lambda: save_model(net, path))
        if not saved or not _saved_readable(report, path, "save_model"):
            return report
        torch_file = zipfile.is_zipfile(path)
        with _watched_loads() as records:
            loaded_ok, loaded = _run(report, call, lambda: load_model(path, make_mlp),
                                     hint=_format_hint(path, records))
    if not loaded_ok:
        return report
    _expect_weights_only(report, records, torch_file and not records, "load_model")
    if not _returns_module(report, loaded, call):
        return report
    report.expect(_outputs_equal(net, loaded, X), t("exercises.file_io.outputs_equal"),
                  t("exercises.file_io.fresh_weights"))
    return report


def check_checkpoint(save_checkpoint: Callable[[nn.Module, dict, Path], object],
                     load_checkpoint: Callable[[Path], nn.Module]) -> CheckReport:
    """Check functions that keep an architecture's config beside its weights.

    ``save_checkpoint(net, config, path)`` writes one file for ``net = make_mlp(**config)``;
    ``load_checkpoint(path)`` must rebuild that architecture from the file alone
    and return it holding the saved weights. Two different configs are saved
    first; then each file is copied under a new name, the originals are deleted,
    and the copies are loaded in the opposite order. So neither an architecture
    fixed in code nor one remembered in memory from the last save passes.
    """
    report = CheckReport(f"check_checkpoint({_name(save_checkpoint)}, {_name(load_checkpoint)})")
    records: list[str] = []
    unseen = False
    call = "load_checkpoint(path)"
    with tempfile.TemporaryDirectory(prefix="layerlab-check-") as tmp:
        written = []
        for i, config in enumerate(CHECKPOINT_CONFIGS):
            label = t("exercises.file_io.config_net", **config)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(i)
                net = _trained(make_mlp(**config), seed=10 + i)
                X = torch.rand(2, config["num_inputs"])
            path = Path(tmp) / f"checkpoint{i}.pt"
            saved, _ = _run(report, t("exercises.file_io.labelled", label=label,
                                      what="save_checkpoint(net, config, path)"),
                            lambda net=net, config=config, path=path:
                            save_checkpoint(net, dict(config), path))
            if not saved:
                continue
            if not path.is_file():
                report.expect(False, t("exercises.file_io.labelled", label=label,
                                       what=t("exercises.file_io.writes_file",
                                              what="save_checkpoint")),
                              t("exercises.file_io.nothing_written"))
                continue
            written.append((label, net, X, path))
        read = Path(tmp) / "read"
        read.mkdir()
        copies = []
        for k, (label, net, X, path) in enumerate(reversed(written)):
            copy = read / f"copy{k}.pt"
            shutil.copyfile(path, copy)
            copies.append((label, net, X, copy))
        for *_, path in written:
            path.unlink()
        for label, net, X, path in copies:
            torch_file = zipfile.is_zipfile(path)
            with _watched_loads() as calls:
                format_hint = _format_hint(path, calls)
                loaded_ok, loaded = _run(
                    report, t("exercises.file_io.labelled", label=label, what=call),
                    lambda path=path: load_checkpoint(path),
                    hint=lambda error, format_hint=format_hint: (
                        format_hint(error) or _checkpoint_hint(error)))
            records += calls
            if not loaded_ok:
                continue
            unseen = unseen or (torch_file and not calls)
            if _returns_module(report, loaded, call, label):
                report.expect(_outputs_equal(net, loaded, X),
                              t("exercises.file_io.labelled", label=label,
                                what=t("exercises.file_io.rebuilt")),
                              t("exercises.file_io.rebuild_from_config"))
    _expect_weights_only(report, records, unseen, "load_checkpoint")
    return report


def _checkpoint_hint(error: BaseException) -> str:
    if isinstance(error, pickle.UnpicklingError):
        return _why_pickled(error)
    if re.search(r"size mismatch|Missing key|Unexpected key", str(error)):  # code
        return t("exercises.file_io.save_config")
    if isinstance(error, FileNotFoundError):  # a second file beside the one at path
        return t("exercises.file_io.one_file_only")
    return ""


def _partial_nets() -> tuple[nn.Sequential, nn.Sequential]:
    """A saved net and a different one: a third hidden layer of the same shape, a wider head."""
    def body() -> list[nn.Module]:
        return [nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8),
                nn.ReLU()]

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        source = nn.Sequential(*body(), nn.Linear(8, 2))
        target = nn.Sequential(*body(), nn.Linear(8, 3))
    return source, target


def check_partial_load(load_first_layers: Callable[[Path, nn.Module], object]) -> CheckReport:
    """Check a function that copies only the first two ``Linear`` layers from a file.

    The file holds the state_dict of ``Linear(4, 8), ReLU, Linear(8, 8), ReLU,
    Linear(8, 8), ReLU, Linear(8, 2)``. ``load_first_layers(path, net)`` gets a
    network that differs after its second layer (its head has 3 outputs) and must
    copy ``0.*`` and ``2.*`` into it, leaving layers 4 and 6 as they were. ``net``
    is what is checked afterwards; a different module returned is only named in a hint.
    """
    report = CheckReport(f"check_partial_load({_name(load_first_layers)})")
    source, net = _partial_nets()
    saved = {key: value.clone() for key, value in source.state_dict().items()}
    before = {key: value.clone() for key, value in net.state_dict().items()}
    with tempfile.TemporaryDirectory(prefix="layerlab-check-") as tmp:
        path = Path(tmp) / "pretrained.params"
        torch.save(source.state_dict(), path)
        with _watched_loads() as records:
            ran, returned = _run(report, "load_first_layers(path, net)",
                                 lambda: load_first_layers(path, net), hint=_partial_hint)
    if ran:
        report.expect(True, t("exercises.file_io.runs", call="load_first_layers(path, net)"))
    _expect_weights_only(report, records, ran and not records, "load_first_layers")
    after = net.state_dict()
    if not report.expect(set(after) == set(before), t("exercises.file_io.keeps_names"),
                         t("exercises.file_io.names_replaced")):
        return report
    first = [key for key in after if key.split(".")[0] in ("0", "2")]
    not_copied = [key for key in first if not torch.equal(after[key], saved[key])]
    keys = t("list.separator").join(not_copied)
    report.expect(not not_copied, t("exercises.file_io.first_copied"),
                  t("exercises.file_io.other_module_returned", keys=keys)
                  if isinstance(returned, nn.Module) and returned is not net
                  else t("exercises.file_io.differ_from_file", keys=keys))
    rest = [key for key in after if key not in first]
    changed = [key for key in rest if not torch.equal(after[key], before[key])]
    report.expect(not changed, t("exercises.file_io.rest_kept"),
                  t("exercises.file_io.changed" if ran else "exercises.file_io.changed_by_raise",
                    keys=t("list.separator").join(changed)))
    return report


def _partial_hint(error: BaseException) -> str:
    if "size mismatch" in str(error):  # code
        return t("exercises.file_io.strict_false")
    return ""
