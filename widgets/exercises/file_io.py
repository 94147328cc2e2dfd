"""Checks for the exercises of chapter 06, "File I/O".

Each check calls the reader's functions on networks of its own and writes
every file into a temporary directory of its own, deleted afterwards. While the
reader's code runs, ``torch.load`` is watched: every call is made weights-only,
and a call that does not ask for it is reported.
"""

from __future__ import annotations

import contextlib
import pickle
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
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
        return f"{kind}: {why_refused(error).rstrip('.')}"
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


def _run(report: CheckReport, what: str, action: Callable[[], object],
         hint: Callable[[BaseException], str] = lambda error: "") -> tuple[bool, object]:
    """Run the reader's ``action``; on an error record a miss and return ``(False, None)``."""
    try:
        return True, action()
    except Exception as error:  # the reader's code failed: report it, never raise
        extra = hint(error)
        report.points.append((False, t("exercises.file_io.raised_hint" if extra
                                       else "exercises.file_io.raised",
                                       what=what, error=_error_text(error), hint=extra)))
        return False, None


@contextlib.contextmanager
def _watched_torch_load() -> Iterator[list[bool]]:
    """Make every ``torch.load`` call weights-only; record whether each asked for it."""
    asked: list[bool] = []
    original = torch.load

    def watched(*args: object, **kwargs: object) -> object:
        asked.append(kwargs.get("weights_only") is True)
        kwargs["weights_only"] = True
        return original(*args, **kwargs)

    torch.load = watched
    try:
        yield asked
    finally:
        torch.load = original


def _expect_weights_only(report: CheckReport, asked: list[bool]) -> None:
    if asked:
        report.expect(all(asked), t("exercises.file_io.weights_only_asked"),
                      t("exercises.file_io.weights_only_default"))


def _trained(net: nn.Module, seed: int) -> nn.Module:
    """Move every parameter away from its initial value, as training would."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.add_(torch.randn(parameter.shape, generator=generator))
    return net


def _saved_content(report: CheckReport, path: Path, what: str) -> object:
    """Read the reader's file weights-only; record whether it holds tensors and containers."""
    if not report.expect(path.is_file(), t("exercises.file_io.writes_file", what=what),
                         t("exercises.file_io.nothing_written")):
        return None
    try:
        content = torch.load(path, weights_only=True)
    except Exception as error:  # a pickled module, or not a torch file at all
        report.expect(False, t("exercises.file_io.loads_weights_only"),
                      t("exercises.file_io.refused", error=_error_text(error)))
        return None
    report.expect(True, t("exercises.file_io.loads_weights_only"))
    return content


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

    ``save_model(net, path)`` writes the file; ``load_model(path, make_net)`` must
    return a new model, built with ``make_net()``, whose outputs equal ``net``'s.
    The saved net's weights differ from any fresh instance's, as after training.
    """
    report = CheckReport(f"check_round_trip({_name(save_model)}, {_name(load_model)})")
    with torch.random.fork_rng(devices=[]):  # the reader's random state is left alone
        torch.manual_seed(0)
        net = _trained(make_mlp(), seed=1)
        X = torch.rand(3, 4)
    with tempfile.TemporaryDirectory(prefix="layerlab-check-") as tmp:
        path = Path(tmp) / "model.params"
        saved, _ = _run(report, "save_model(net, path)", lambda: save_model(net, path))
        if not saved or _saved_content(report, path, "save_model") is None:
            return report
        with _watched_torch_load() as asked:
            loaded_ok, loaded = _run(report, "load_model(path, make_mlp)",
                                     lambda: load_model(path, make_mlp))
    if not loaded_ok:
        return report
    _expect_weights_only(report, asked)
    kind = type(loaded).__name__
    hint = t("exercises.file_io.got_incompatible_keys" if kind == "_IncompatibleKeys"
             else "exercises.file_io.got", value=kind)
    if not report.expect(isinstance(loaded, nn.Module),
                         t("exercises.file_io.returns_module", function="load_model"), hint):
        return report
    report.expect(_outputs_equal(net, loaded, X), t("exercises.file_io.outputs_equal"),
                  t("exercises.file_io.fresh_weights"))
    return report


def check_checkpoint(save_checkpoint: Callable[[nn.Module, dict, Path], object],
                     load_checkpoint: Callable[[Path], nn.Module]) -> CheckReport:
    """Check functions that keep an architecture's config beside its weights.

    ``save_checkpoint(net, config, path)`` writes one file for ``net = make_mlp(**config)``;
    ``load_checkpoint(path)`` must rebuild that architecture from the file alone
    and return it holding the saved weights. Two different configs are tried,
    so an architecture fixed in code does not pass.
    """
    report = CheckReport(f"check_checkpoint({_name(save_checkpoint)}, {_name(load_checkpoint)})")
    asked: list[bool] = []
    with tempfile.TemporaryDirectory(prefix="layerlab-check-") as tmp:
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
            with _watched_torch_load() as calls:
                loaded_ok, loaded = _run(
                    report, t("exercises.file_io.labelled", label=label,
                              what="load_checkpoint(path)"),
                    lambda path=path: load_checkpoint(path), hint=_checkpoint_hint)
            asked += calls
            if not loaded_ok:
                continue
            if report.expect(isinstance(loaded, nn.Module),
                             t("exercises.file_io.labelled", label=label,
                               what=t("exercises.file_io.returns_module",
                                      function="load_checkpoint")),
                             t("exercises.file_io.got", value=type(loaded).__name__)):
                report.expect(_outputs_equal(net, loaded, X),
                              t("exercises.file_io.labelled", label=label,
                                what=t("exercises.file_io.rebuilt")),
                              t("exercises.file_io.rebuild_from_config"))
    _expect_weights_only(report, asked)
    return report


def _checkpoint_hint(error: BaseException) -> str:
    if isinstance(error, pickle.UnpicklingError):
        return t("exercises.file_io.pickled_config")
    if re.search(r"size mismatch|Missing key|Unexpected key", str(error)):  # code
        return t("exercises.file_io.save_config")
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
    copy ``0.*`` and ``2.*`` into it, leaving layers 4 and 6 as they were.
    """
    report = CheckReport(f"check_partial_load({_name(load_first_layers)})")
    source, net = _partial_nets()
    saved = {key: value.clone() for key, value in source.state_dict().items()}
    before = {key: value.clone() for key, value in net.state_dict().items()}
    with tempfile.TemporaryDirectory(prefix="layerlab-check-") as tmp:
        path = Path(tmp) / "pretrained.params"
        torch.save(source.state_dict(), path)
        with _watched_torch_load() as asked:
            ran, _ = _run(report, "load_first_layers(path, net)",
                          lambda: load_first_layers(path, net), hint=_partial_hint)
    if ran:
        report.expect(True, t("exercises.file_io.runs", call="load_first_layers(path, net)"))
    _expect_weights_only(report, asked)
    after = net.state_dict()
    if not report.expect(set(after) == set(before), t("exercises.file_io.keeps_names"),
                         t("exercises.file_io.names_replaced")):
        return report
    first = [key for key in after if key.split(".")[0] in ("0", "2")]
    not_copied = [key for key in first if not torch.equal(after[key], saved[key])]
    report.expect(not not_copied, t("exercises.file_io.first_copied"),
                  t("exercises.file_io.differ_from_file",
                    keys=t("list.separator").join(not_copied)))
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
