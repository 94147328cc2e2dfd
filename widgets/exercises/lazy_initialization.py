"""Checks for the exercises of chapter 04, "Lazy initialization"."""

from __future__ import annotations

import numbers
from collections.abc import Callable

import torch
from torch import nn

from ..core.introspection import count_parameters, is_uninitialized
from ..core.lazy import dry_run
from ..text import t
from . import CheckReport, answer_name


def _short(error: BaseException) -> str:
    """The first sentence of an error message (PyTorch's can run to several)."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    first = text.split(". ")[0].split(" in <")[0]
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


#: What :func:`_attempt` returns when the reader's code raised (None means it returned None).
RAISED = object()


def _attempt(report: CheckReport, what: str, action: Callable[[], object]) -> object:
    """Run ``action`` and return its result, after recording a miss if there is none: the
    error's first sentence if it raised (then return ``RAISED``), a forgotten ``return``
    if it returned None (then return None)."""
    try:
        result = action()
    except Exception as error:  # the reader's code failed: report it, do not raise
        report.expect(False, t("exercises.lazy_initialization.raised", what=what,
                               error=_short(error)))
        return RAISED
    if result is None:
        report.expect(False, t("exercises.report.returned_none", what=what))
    return result


def check_first_layer_fixed(make_net: Callable[[], nn.Module], known_before: int,
                            known_after: int) -> CheckReport:
    """Check a network whose first layer declares its input size and whose later ones are lazy.

    ``make_net()`` must build a network for 20 inputs with hidden layers of 64
    and 32 units and 10 outputs, where only the first layer is given its input
    size (``nn.Linear(20, 64)``) and the two later layers are lazy.
    ``known_before`` and ``known_after`` are the reader's predictions of how
    many parameter numbers exist before and after a dry run.
    """
    report = CheckReport(f"check_first_layer_fixed({answer_name(make_net)})")
    if not report.expect_callable(make_net, t("exercises.lazy_initialization.make_net_function"),
                                  builds_module=True):
        return report
    net = _attempt(report, "make_net()", make_net)
    if net is None or net is RAISED or not report.expect(
            isinstance(net, nn.Module), t("exercises.lazy_initialization.builds_module"),
            t("exercises.lazy_initialization.got", value=type(net).__name__)):
        return report
    assert isinstance(net, nn.Module)
    layers = [m for m in net.modules() if list(m.parameters(recurse=False))]
    if not report.expect(len(layers) == 3, t("exercises.lazy_initialization.three_layers"),
                         t("exercises.lazy_initialization.found", count=len(layers))):
        return report
    first, *later = layers
    fixed = isinstance(first, nn.Linear) and not any(map(is_uninitialized, first.parameters()))
    intended = fixed and (first.in_features, first.out_features) == (20, 64)
    report.expect(intended, t("exercises.lazy_initialization.first_fixed"),
                  t("exercises.lazy_initialization.it_is", type=type(first).__name__,
                    sizes=(first.in_features, first.out_features)) if fixed
                  else t("exercises.lazy_initialization.it_is_lazy", type=type(first).__name__))
    report.expect(all(any(map(is_uninitialized, m.parameters())) for m in later),
                  t("exercises.lazy_initialization.later_lazy"),
                  t("exercises.lazy_initialization.separator").join(
                      t("exercises.lazy_initialization.has_shapes", type=type(m).__name__)
                      for m in later if not any(map(is_uninitialized, m.parameters()))))
    result = dry_run(net, 20)
    if not report.expect(result.ok, t("exercises.lazy_initialization.dry_run_runs", count=20),
                         result.error or ""):
        return report
    report.expect(result.output_shape == (2, 10),
                  t("exercises.lazy_initialization.output_columns", count=10),
                  t("exercises.lazy_initialization.got_shape", shape=result.output_shape))
    _expect_count(report, "known_before", known_before, result.count_before.known,
                  "exercises.lazy_initialization.count_before",
                  "exercises.lazy_initialization.count_before_wrong",
                  t("exercises.lazy_initialization.only_fixed_layers" if intended
                    else "exercises.lazy_initialization.recount"))
    _expect_count(report, "known_after", known_after, result.num_parameters,
                  "exercises.lazy_initialization.count_after",
                  "exercises.lazy_initialization.count_after_wrong",
                  t("exercises.lazy_initialization.per_layer_count"))
    return report


def _number(said: object) -> int | float | None:
    """``said`` as a Python number if it is one: an int or float (NumPy's too, any
    ``numbers.Real`` but a bool) or a one-element tensor that is not boolean; else None."""
    if isinstance(said, torch.Tensor):
        if said.numel() != 1 or said.dtype == torch.bool or said.is_complex():
            return None
        said = said.item()
    if isinstance(said, bool) or not isinstance(said, numbers.Real):
        return None
    return int(said) if isinstance(said, numbers.Integral) else float(said)


def _same_number(said: object, count: int) -> bool:
    """True if ``said`` is the whole number ``count`` (1344, 1344.0, ``np.int64(1344)``,
    ``torch.tensor(1344)``)."""
    number = _number(said)
    return number is not None and number == count


def _expect_count(report: CheckReport, name: str, said: object, actual: int, right: str,
                  wrong: str, hint: str) -> bool:
    """Compare a predicted parameter count with the count of the network the reader built;
    ``right`` and ``wrong`` are the ids of the texts for a right and a wrong prediction."""
    if _same_number(said, actual):
        return report.expect(True, t(right, name=name, count=actual))
    if said is None:
        return report.expect(False, t(wrong, name=name, said="None",
                                      hint=t("exercises.lazy_initialization.write_prediction")))
    number = _number(said)
    if number is None:
        return report.expect(False, t(wrong, name=name, said=repr(said),
                                      hint=t("exercises.lazy_initialization.give_int")))
    said_text = f"{number:,}" if isinstance(number, int) else repr(number)
    return report.expect(False, t(wrong, name=name, said=said_text, hint=hint))


def check_mismatch(layer: str, expects: int, gets: int, fixed: nn.Module) -> CheckReport:
    """Check the diagnosis and repair of ``nn.Sequential(nn.Linear(20, 64), nn.ReLU(),
    nn.Linear(32, 10))``, whose sizes do not fit together.

    Args:
        layer: the dotted name of the layer that raises, as ``net.named_modules()`` gives it.
        expects: how many input features that layer expects.
        gets: how many it is given. Each of the three may still be None (not answered yet).
        fixed: a repaired network: 20 inputs in, 10 outputs out.
    """
    report = CheckReport("check_mismatch")
    broken = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(32, 10))
    found = dry_run(broken, 20)
    # A name given as an int (2 for "2") names the same layer: named_modules() spells it "2".
    name = (str(int(layer)) if isinstance(layer, numbers.Integral) and not isinstance(layer, bool)
            else layer)
    diagnosed = (name == found.failed_layer and _same_number(expects, 32)
                 and _same_number(gets, 64))
    if name == found.failed_layer:
        report.expect(True, t("exercises.lazy_initialization.raising_layer",
                              layer=found.failed_layer))
    else:
        report.expect(False, t("exercises.lazy_initialization.raising_layer_asked"),
                      t("exercises.lazy_initialization.write_layer") if layer is None
                      else t("exercises.lazy_initialization.module_not_name",
                             type=type(layer).__name__) if isinstance(layer, nn.Module)
                      else t("exercises.lazy_initialization.follow_widths", said=layer))
    for said, count, key in ((expects, 32, "expects"), (gets, 64, "gets")):
        if _same_number(said, count):
            report.expect(True, t(f"exercises.lazy_initialization.{key}", count=count))
        else:
            report.expect(False, t(f"exercises.lazy_initialization.{key}_asked"),
                          t("exercises.lazy_initialization.write_number") if said is None
                          else t("exercises.lazy_initialization.you_said", said=_number(said))
                          if _number(said) is not None
                          else t("exercises.lazy_initialization.said_not_number", said=said))
    if not report.expect_module(fixed, t("exercises.lazy_initialization.fixed_module")):
        return report
    result = dry_run(fixed, 20)
    # PyTorch's error names the layer and both widths: the diagnosis's answer, so before the
    # diagnosis is right, an error where the original network fails is not quoted
    same_failure = not diagnosed and result.failed_layer == found.failed_layer
    if not report.expect(result.ok, t("exercises.lazy_initialization.fixed_runs", count=20),
                         t("exercises.lazy_initialization.fails_like_original") if same_failure
                         else result.error or ""):
        return report
    report.expect(result.output_shape == (2, 10),
                  t("exercises.lazy_initialization.fixed_outputs", count=10),
                  t("exercises.lazy_initialization.got_shape", shape=result.output_shape))
    first = next((m for m in fixed.modules() if list(m.parameters(recurse=False))), None)
    report.expect(isinstance(first, nn.Linear) and not is_uninitialized(first.weight)
                  and (first.in_features, first.out_features) == (20, 64),
                  t("exercises.lazy_initialization.first_still_fixed"),
                  t("exercises.lazy_initialization.repair_other", type=type(first).__name__))
    return report


def _materialize_cases() -> list[tuple[str, Callable[[], nn.Module], tuple[int, ...], int]]:
    """(label, model factory, input shape, parameter count) for the materialize check."""
    return [
        (t("exercises.lazy_initialization.lazy_mlp"),
         lambda: nn.Sequential(nn.LazyLinear(32), nn.ReLU(), nn.LazyLinear(10)),
         (20,), 20 * 32 + 32 + 32 * 10 + 10),
        (t("exercises.lazy_initialization.fixed_then_lazy"),
         lambda: nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.LazyLinear(4)),
         (20,), 20 * 16 + 16 + 16 * 4 + 4),
        (t("exercises.lazy_initialization.lazy_conv"),
         lambda: nn.Sequential(nn.LazyConv2d(4, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10)),
         (3, 8, 8), 4 * 3 * 3 * 3 + 4 + 4 * 6 * 6 * 10 + 10),
        (t("exercises.lazy_initialization.nothing_lazy"), lambda: nn.Linear(5, 2), (5,), 12),
    ]


def _count_hint(count: object, expected: int, make: Callable[[], nn.Module],
                shape: tuple[int, ...]) -> str:
    """Why a returned count is not the parameter count: its type, or a known slip."""
    got = t("exercises.lazy_initialization.got_repr", value=count)
    if isinstance(count, torch.Tensor) and count.numel() == 1 and count.item() == expected:
        return t("exercises.lazy_initialization.tensor_not_int", got=got)
    if isinstance(count, float) and count == expected:
        return t("exercises.lazy_initialization.float_not_int", got=got)
    if type(count) is int and count == _unbatched_count(make, shape):
        return t("exercises.lazy_initialization.no_batch_dimension", got=got)
    return got


def _unbatched_count(make: Callable[[], nn.Module], shape: tuple[int, ...]) -> int | None:
    """The count after a dry run on one sample without its batch dimension, if that runs."""
    net = make()
    try:
        with torch.no_grad():
            net(torch.zeros(*shape))
    except Exception:  # the unbatched input does not fit: not this slip
        return None
    counted = count_parameters(net)
    return None if counted.uninitialized else counted.known


def check_materialize(materialize: Callable[[nn.Module, tuple[int, ...]], int]) -> CheckReport:
    """Check ``materialize(net, input_shape)``: give every lazy layer its shape, count.

    ``input_shape`` is one sample's shape without the batch dimension, e.g.
    ``(20,)`` or ``(3, 8, 8)``. The function must change ``net`` in place (no
    parameter left uninitialized, lazy layers turned into ordinary ones) and
    return its number of parameters as an ``int``.
    """
    report = CheckReport(f"check_materialize({answer_name(materialize)})")
    if not report.expect_callable(materialize,
                                  t("exercises.lazy_initialization.materialize_function")):
        return report
    with torch.random.fork_rng(devices=[]):  # the reader's random state is left alone
        torch.manual_seed(0)
        for label, make, shape, expected in _materialize_cases():
            net = make()
            count = _attempt(report, f"materialize({label}, {shape})",
                             lambda net=net, shape=shape: materialize(net, shape))
            if count is RAISED:  # _attempt recorded the error
                continue
            left = count_parameters(net).uninitialized
            lazy = sorted({type(m).__name__ for m in net.modules() if "Lazy" in type(m).__name__})
            report.expect(not left and not lazy,
                          t("exercises.lazy_initialization.all_shaped", label=label),
                          t("exercises.lazy_initialization.uninitialized", count=left) if left
                          else t("exercises.lazy_initialization.still_lazy",
                                 types=t("list.separator").join(lazy)))
            if count is None:  # _attempt recorded the forgotten return
                continue
            if type(count) is int and count == expected:
                report.expect(True, t("exercises.lazy_initialization.returns_count",
                                      label=label, shape=shape, count=expected))
            else:
                report.expect(False, t("exercises.lazy_initialization.returns_count_asked",
                                       label=label, shape=shape),
                              _count_hint(count, expected, make, shape))
    net = nn.Sequential(nn.LazyLinear(3))
    again = _attempt(report, t("exercises.lazy_initialization.called_twice"),
                     lambda: (materialize(net, (4,)), materialize(net, (4,)))[1])
    if again is not None and again is not RAISED:
        report.expect(_same_number(again, 15),  # the type is judged by the points above
                      t("exercises.lazy_initialization.count_again"),
                      t("exercises.lazy_initialization.got_repr", value=again))
    return report
