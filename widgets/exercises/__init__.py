"""Checks for the chapters' exercises: each says what is right and what is not yet.

A check never raises on a wrong answer; it returns a :class:`CheckReport` whose
printed form lists every point with a mark and, for a miss, a hint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from torch import nn

from ..text import plural, t, wrap

T = TypeVar("T")


@dataclass
class CheckReport:
    """The outcome of one exercise check, printed one point per line.

    Example:
        >>> report = CheckReport("demo")
        >>> report.expect(1 + 1 == 2, "adds up")
        True
        >>> report
        demo: the one check passes
          ✓ adds up
    """

    title: str
    points: list[tuple[bool, str]] = field(default_factory=list)

    def expect(self, ok: bool, what: str, hint: str = "") -> bool:
        """Record one point: ``what`` holds if ``ok``; otherwise show ``hint``."""
        self.points.append((bool(ok), what if ok or not hint
                            else t("exercises.report.with_hint", what=what, hint=hint)))
        return bool(ok)

    def attempt(self, what: str, action: Callable[[], T], returns: bool = True) -> T | None:
        """Run ``action`` and return its result, or None after recording why there is none.

        If ``action`` raises, the miss names the error. If it returns None while a
        value is expected (``returns``, the default), the miss asks whether a
        ``return`` was forgotten. Pass ``returns=False`` for actions whose result
        is None by design, such as ``.backward()``. Either way a None result
        always comes with a recorded point, so a check that stops there says why.
        """
        try:
            result = action()
        except Exception as error:  # the reader's code failed: report it, do not raise
            self.points.append((False, t("exercises.report.raised", what=what,
                                         error_type=type(error).__name__, error=error)))
            return None
        if result is None and returns:
            self.points.append((False, t("exercises.report.returned_none", what=what)))
        return result

    def expect_given(self, value: object, what: str) -> bool:
        """Record a miss and return False if ``value`` is None, which is what a function
        without ``return`` gives; otherwise record nothing and return True."""
        if value is not None:
            return True
        return self.expect(False, what, t("exercises.report.got_none"))

    def expect_callable(self, value: object, what: str, *, builds_module: bool = False) -> bool:
        """Record a miss and return False unless ``value`` can be called.

        With ``builds_module``, ``value`` is a class or a function that builds a
        module, so a module instance (callable, but through its ``forward``) is a
        miss as well. None, an instance and anything else each get their own hint.
        Nothing is recorded when ``value`` is fine, so the check's own points follow.
        """
        instance = builds_module and isinstance(value, nn.Module)
        if callable(value) and not instance:
            return True
        hint = (t("exercises.report.got_none") if value is None
                else t("exercises.report.instance_given", name=type(value).__name__) if instance
                else t("exercises.report.got_type", value=type(value).__name__))
        return self.expect(False, what, hint)

    def expect_module(self, value: object, what: str) -> bool:
        """Record whether ``value`` is a module instance (a network the reader built); for
        None, a class or a function that builds one, or anything else, say which it is."""
        if isinstance(value, nn.Module):
            return self.expect(True, what)
        hint = (t("exercises.report.got_none") if value is None
                else t("exercises.report.builder_given", name=answer_name(value))
                if callable(value)
                else t("exercises.report.got_type", value=type(value).__name__))
        return self.expect(False, what, hint)

    @property
    def passed(self) -> bool:
        """True when there is at least one point and every point holds."""
        return bool(self.points) and all(ok for ok, _ in self.points)

    def __repr__(self) -> str:
        failed = sum(not ok for ok, _ in self.points)
        if not self.points:  # a check that stopped before its first point
            head = t("exercises.report.nothing_checked", title=self.title)
        elif self.passed:
            head = plural("exercises.report.passed", len(self.points), title=self.title)
        else:  # a failed point may hold back later ones, so no total is claimed
            held = len(self.points) - failed
            head = t("exercises.report.not_passed", title=self.title,
                     not_met=plural("exercises.report.not_met", failed),
                     held=plural("exercises.report.held", held))
        return "\n".join([head, *(f"  {'✓' if ok else '✗'} {text}" for ok, text in self.points)])

    def __str__(self) -> str:
        """The report wrapped at word boundaries, as ``print`` and a cell's output show it."""
        return "\n".join(wrap(line.lstrip(), indent=line[:len(line) - len(line.lstrip())])
                         for line in repr(self).splitlines())

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:
        printer.text(str(self))  # type: ignore[attr-defined]


def answer_name(value: object) -> str:
    """How a report's title names the reader's answer: its ``__name__``, ``Net()`` for a
    module instance, ``None``, or else its type.

    Example:
        >>> answer_name(len), answer_name(nn.ReLU()), answer_name(None), answer_name(3)
        ('len', 'ReLU()', 'None', 'int')
    """
    if value is None:
        return "None"
    if isinstance(value, nn.Module):
        return f"{type(value).__name__}()"
    name = getattr(value, "__name__", None)
    return name if isinstance(name, str) else type(value).__name__
