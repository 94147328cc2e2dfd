"""Shared fixtures for the tests, and a summary of the time each part of the suite took."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pytest
import torch

from widgets.core.layers import registered_layers, unregister_layer

# Parts of the suite, by where their tests live (first match wins).
PARTS = (
    ("chapters/", "chapters under nbval"),
    ("tests/browser/", "JupyterLab in Chromium"),
    ("tests/book/test_static_html.py", "static HTML export"),
    ("tests/book/test_site.py", "the website"),
    ("tests/book/test_binder_environment.py", "Binder environment"),
    ("tests/frameworks/", "one network in four frameworks"),
    ("widgets/", "doctests"),
    ("", "unit and widget tests"),
)


@pytest.fixture(autouse=True)
def _seeded() -> None:
    """Every test starts from the same global random state."""
    torch.manual_seed(0)


@pytest.fixture
def empty_registry() -> Iterator[None]:
    """Start and end with no reader's layer registered."""
    for name in registered_layers():
        unregister_layer(name)
    yield
    for name in registered_layers():
        unregister_layer(name)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the seconds each part took (setup + call + teardown, summed over workers)."""
    seconds: dict[str, float] = defaultdict(float)
    tests: dict[str, set[str]] = defaultdict(set)
    for reports in terminalreporter.stats.values():
        for report in reports:
            if not isinstance(report, pytest.TestReport):
                continue
            part = next(name for prefix, name in PARTS if report.nodeid.startswith(prefix))
            seconds[part] += report.duration
            tests[part].add(report.nodeid)
    if not seconds:
        return
    terminalreporter.section("time per part")
    for _, part in PARTS:
        if part in seconds:
            terminalreporter.line(f"{part:<24} {len(tests[part]):>4} tests {seconds[part]:>7.1f} s")
