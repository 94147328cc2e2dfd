"""Fixtures for the real-browser tests: one JupyterLab server and one Chromium per worker.

Without Chromium the tests are skipped, unless the environment variable CI is set:
there they must run, so a missing browser is an error.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.lab import (
    LabServer,
    browser_page,
    close_all_sessions,
    lab_server,
    missing_browser,
    require,
)


@pytest.fixture(scope="session")
def lab() -> Iterator[LabServer]:
    require(missing_browser())
    with lab_server() as server:
        yield server


@pytest.fixture
def page(lab: LabServer) -> Iterator[object]:
    """A fresh browser page; every kernel it started is shut down afterwards."""
    with browser_page() as page:
        yield page
    close_all_sessions(lab)
