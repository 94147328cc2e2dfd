"""Fixtures for the real-browser tests: one JupyterLab server and one Chromium per worker.

Without Chromium the tests are skipped, unless the environment variable CI is set:
there they must run, so a missing browser is an error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.browser.lab import LabServer, browser_page, close_all_sessions, find_chromium, lab_server


def _missing_requirement() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright)"
    if find_chromium() is None:
        return "no Chromium found (apt-get install -y chromium)"
    return None


@pytest.fixture(scope="session")
def lab() -> Iterator[LabServer]:
    missing = _missing_requirement()
    if missing and os.environ.get("CI"):
        pytest.fail(f"browser tests must run under CI, but {missing}")
    if missing:
        pytest.skip(f"{missing}; set CI=1 to make this an error")
    with lab_server() as server:
        yield server


@pytest.fixture
def page(lab: LabServer) -> Iterator[object]:
    """A fresh browser page; every kernel it started is shut down afterwards."""
    with browser_page() as page:
        yield page
    close_all_sessions(lab)
