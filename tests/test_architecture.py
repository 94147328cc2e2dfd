"""The layers hold: import-linter's contracts; the pure layers load without widgets."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import widgets

ROOT = Path(__file__).resolve().parents[1]
PURE = ("core", "render", "playground", "exercises", "text")


def test_import_linter_contracts_hold() -> None:
    """`lint-imports` reads the contracts in pyproject.toml: layers, and ipywidgets in ui only."""
    result = subprocess.run([str(Path(sys.executable).with_name("lint-imports"))],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_pure_layers_run_without_ipywidgets() -> None:
    """Importing every module of the pure layers loads neither ipywidgets nor matplotlib."""
    modules = sorted(
        info.name for info in pkgutil.walk_packages(widgets.__path__, "widgets.")
        if info.name.split(".")[1] in PURE)
    assert "widgets.core.mlp" in modules and "widgets.playground.training" in modules
    code = (f"import sys, {', '.join(modules)}; "
            "print('ipywidgets' in sys.modules, 'matplotlib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["False", "False"]


def test_every_public_name_is_importable_from_the_top() -> None:
    """The facade's names all resolve, and ``dir(widgets)`` lists them."""
    for name in widgets.__all__:
        assert getattr(widgets, name) is not None, name
    assert set(widgets.__all__) <= set(dir(widgets))


def test_tests_mirror_the_package() -> None:
    """Every folder of the package has a test folder of the same name."""
    folders = {path.name for path in (ROOT / "widgets").iterdir()
               if path.is_dir() and (path / "__init__.py").exists()}
    assert folders <= {path.name for path in (ROOT / "tests").iterdir() if path.is_dir()}
