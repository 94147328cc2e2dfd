"""The Chinese catalogue: every id, the same values, and widgets that speak it."""

from __future__ import annotations

import re

import pytest

import widgets
from widgets import text
from widgets.text import catalogue, locale_language, speaking, t

ENGLISH, CHINESE = catalogue("en"), catalogue("zh")


def test_every_id_has_a_chinese_text() -> None:
    missing = sorted(set(ENGLISH) - set(CHINESE))
    assert missing == [], f"{len(missing)} ids without Chinese: {missing[:20]}"


def test_chinese_texts_are_chinese() -> None:
    """A text with English words in it is translated (code, names and units aside)."""
    han = re.compile(r"[\u4e00-\u9fff]")
    untranslated = [key for key, value in CHINESE.items()
                    if len(re.sub(r"\{[^}]*\}|<[^>]*>|`[^`]*`", "", value)) > 24
                    and not han.search(value) and "=" not in value]  # formulas stay
    assert untranslated == []


def test_one_call_switches_the_widgets_and_messages_keep_code_names() -> None:
    assert widgets.set_language is text.set_language
    with speaking("zh"):
        assert widgets.language() == "zh"
        assert t("ui.kept") == CHINESE["ui.kept"]
        with pytest.raises(ValueError) as refused:
            widgets.MLPExplorer(hidden_sizes=(0,))
        assert "hidden_sizes[0]" in str(refused.value)  # the field as code spells it
        assert re.search(r"[\u4e00-\u9fff]", str(refused.value))
    assert widgets.language() == "en"


def test_the_default_follows_the_kernels_locale() -> None:
    assert locale_language({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert locale_language({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}) == "zh"
    assert locale_language({"LANG": "de_DE.UTF-8"}) == "en"
    assert locale_language({}) == "en"


def test_a_refused_value_names_the_box_as_the_reader_sees_it_in_chinese() -> None:
    with speaking("zh"):
        explorer = widgets.MLPExplorer()
        explorer.controls["hidden_layers"].widths[0].value = 0  # what typing 0 does
        message = explorer.message
        explorer.close()
    label = CHINESE["mlp.hidden_sizes.item"]
    assert label in message and f"{label} " not in message  # no space between two words
