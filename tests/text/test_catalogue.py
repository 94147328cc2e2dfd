"""The string catalogue: every reader-visible string comes from it, and it is whole.

- no module of the package writes a reader-visible string inline (``tests/text/inline.py``);
- every id the code asks for exists, and every id in the catalogue is asked for;
- every declared setting has a label and a help text;
- every language has only ids English has, with the same values filled in;
- the language can be switched per notebook (per kernel) and back.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re

import pytest

import widgets
from tests.text.inline import PACKAGE, ROOT, inline_strings, package_modules
from widgets import text
from widgets.core.fields import Spec
from widgets.text import LANGUAGES, CatalogueError, catalogue, fields_of, plural, t

ENGLISH = catalogue("en")


def _ids_asked_for() -> tuple[set[str], set[str]]:
    """The ids the code names, and the prefixes of ids it builds (``f"init.verdict.{what}"``).

    Any string in the package shaped like an id counts: ids are passed to ``t()``
    directly, chosen in a conditional, or kept in a table or a class attribute.
    """
    literal, prefixes = set(), set()
    shape = re.compile(r"[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)+")
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and shape.fullmatch(
                    node.value):
                literal.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values and isinstance(
                    node.values[0], ast.Constant) and re.fullmatch(
                        r"[a-z][a-z0-9_]*\.[A-Za-z0-9_.]*", str(node.values[0].value)):
                prefixes.add(node.values[0].value)
    return literal, prefixes


def _ids_passed() -> set[str]:
    """The literal ids passed to ``t()`` and ``plural()`` (either branch of a conditional)."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args
                    and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("t",
                                                                                   "plural")):
                continue
            pending = [node.args[0]]
            while pending:
                first = pending.pop()
                if isinstance(first, ast.IfExp):
                    pending += [first.body, first.orelse]
                elif isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
    return found


def _specs() -> list[type[Spec]]:
    for info in pkgutil.walk_packages(widgets.__path__, "widgets."):
        importlib.import_module(info.name)
    found, pending = [], list(Spec.__subclasses__())
    while pending:
        spec = pending.pop()
        found.append(spec)
        pending.extend(spec.__subclasses__())
    return [spec for spec in found if spec.TEXT]


def test_no_reader_visible_string_is_written_inline() -> None:
    found = [str(item) for path in package_modules() for item in inline_strings(path)]
    assert not found, "ask the catalogue (widgets.text.t) for these:\n" + "\n".join(found)


def test_the_finder_catches_what_it_should(tmp_path: object) -> None:
    module = PACKAGE / "ui" / "_finder_probe.py"
    module.write_text(
        '"""A docstring is fine."""\n'
        'import ipywidgets as ipw\n'
        'A = ipw.Button(description="play")\n'
        'B = f"the network failed {1}"\n'
        'C = "nn.init.zeros_(layer.bias) and more"  # code\n'
        'D = ipw.Layout(flex_flow="row wrap")\n'
        'E = t("ui.kept")\n', encoding="utf-8")
    try:
        found = [(item.line, item.text) for item in inline_strings(module)]
    finally:
        module.unlink()
    assert found == [(3, "play"), (4, "the network failed {}")]


def test_every_id_asked_for_exists() -> None:
    passed = _ids_passed()
    assert len(passed) > 500
    missing = sorted(key for key in passed if key not in ENGLISH and f"{key}.other" not in ENGLISH)
    assert not missing, missing


def test_every_id_in_the_catalogue_is_asked_for() -> None:
    literal, prefixes = _ids_asked_for()
    settings = {f"{spec.TEXT}.{name}" for spec in _specs() for name in spec.settings()}
    spec_tables = {spec.TEXT for spec in _specs()}
    unused = sorted(
        key for key in ENGLISH
        if key not in literal and key.rsplit(".", 1)[0] not in literal
        and not any(key.startswith(prefix) for prefix in prefixes if prefix)
        and key.rsplit(".", 1)[0] not in settings and key.rsplit(".", 1)[0] not in spec_tables)
    assert not unused, unused


@pytest.mark.parametrize("spec", _specs(), ids=lambda spec: spec.__name__)
def test_every_declared_setting_has_a_label_and_help(spec: type[Spec]) -> None:
    for name in spec.settings():
        assert spec.label(name).strip() and spec.help(name).strip(), name


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_fills_in_what_english_does(language: str) -> None:
    texts = catalogue(language)
    assert set(texts) <= set(ENGLISH)
    for key, value in texts.items():
        assert fields_of(value) == fields_of(ENGLISH[key]), key


def test_english_texts_are_well_formed() -> None:
    for key, value in ENGLISH.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)+", key), key
        assert value == value.strip() or value.endswith(": ") or value.startswith((" ", "; ",
                                                                                  ", ", ". ")), key


def test_missing_ids_and_values_are_named() -> None:
    with pytest.raises(CatalogueError, match="no text has the id 'ui.nothing'"):
        t("ui.nothing")
    with pytest.raises(CatalogueError, match="needs the value 'error'"):
        t("ui.refused", kept="x")
    assert plural("forward_trace.title", 1, kind="Linear").endswith("1 module call")
    assert plural("forward_trace.title", 2, kind="Linear").endswith("2 module calls")


def test_the_language_is_chosen_per_kernel_and_checked() -> None:
    assert text.language() == "en"
    with pytest.raises(ValueError, match="language must be one of en"):
        text.set_language("xx")
    with text.speaking("en"):
        assert t("ui.kept") == "kept the last valid setting"
    assert text.language() == "en"


def test_the_catalogue_is_packaged() -> None:
    files = sorted(path.name for path in (ROOT / "widgets" / "text" / "en").glob("*.toml"))
    assert "ui.toml" in files and "core.toml" in files
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"widgets.text" = ["*/*.toml"]' in pyproject
