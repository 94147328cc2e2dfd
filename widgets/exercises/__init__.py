"""Checks for the chapters' exercises: each says what is right and what is not yet.

A check never raises on a wrong answer; it returns a :class:`CheckReport` whose
printed form lists every point with a mark and, for a miss, a hint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

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
        self.points.append((bool(ok), what if ok or not hint else f"{what}: {hint}"))
        return bool(ok)

    def attempt(self, what: str, action: Callable[[], T]) -> T | None:
        """Run ``action``; if it raises, record a miss naming the error and return None."""
        try:
            return action()
        except Exception as error:  # the reader's code failed: report it, do not raise
            self.points.append((False, f"{what} raised {type(error).__name__}: {error}"))
            return None

    @property
    def passed(self) -> bool:
        """True when there is at least one point and every point holds."""
        return bool(self.points) and all(ok for ok, _ in self.points)

    def __repr__(self) -> str:
        failed = sum(not ok for ok, _ in self.points)
        if self.passed:
            count = len(self.points)
            head = (f"{self.title}: the one check passes" if count == 1
                    else f"{self.title}: all {count} checks pass")
        else:  # a failed point may hold back later ones, so no total is claimed
            held = len(self.points) - failed
            head = (f"{self.title}: {failed} {'check' if failed == 1 else 'checks'} not met yet, "
                    f"{held} {'holds' if held == 1 else 'hold'} so far")
        lines = [f"  {'✓' if ok else '✗'} {text}" for ok, text in self.points]
        return "\n".join([head, *lines])
