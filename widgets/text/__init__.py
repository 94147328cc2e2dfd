"""Every string a reader sees, by id, in each language the book speaks.

Widgets, checks and exercises never write a reader-visible sentence inline:
they ask for it by id, with the values it names::

    >>> t("checks.int_range", field="seed", low=0, high=10, got=11)
    'seed must be an integer from 0 to 10, got 11'

The texts live in TOML files, one folder per language (``en/``, ``zh/``) and one
file per part of the package (``core.toml``, ``ui.toml``, ...); a table in a
file is a prefix of its ids (``[checks]`` holds ``checks.int_range``). Field
names, values and code stay as code writes them; only the words around them
are translated.

A notebook chooses its language once, with :func:`set_language`; a kernel runs
one notebook, so the choice holds for that notebook. Until then the kernel's
locale decides (``LANG=zh_CN.UTF-8`` speaks Chinese). A language lacking an id
falls back to English.
"""

from __future__ import annotations

import contextlib
import os
import re
import string
import textwrap
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

#: The languages with a catalogue, English first (the one every id must have).
LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"

_FOLDER = Path(__file__).resolve().parent


def locale_language(environ: Mapping[str, str] = os.environ) -> str:
    """The book's language for a locale: the first of ``LANGUAGE``, ``LC_ALL``,
    ``LC_MESSAGES`` and ``LANG`` that is set decides (as for a program's messages);
    Chinese locales (``zh_CN.UTF-8``, ``zh_TW``, ``zh``) speak Chinese, any other English.

    Example:
        >>> locale_language({"LANG": "zh_CN.UTF-8"}), locale_language({"LANG": "C.UTF-8"})
        ('zh', 'en')
        >>> locale_language({"LANGUAGE": "en_GB:zh", "LANG": "zh_CN.UTF-8"})
        'en'
    """
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            first = value.split(":")[0].lower()
            return "zh" if first.startswith("zh") else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


_current = locale_language()


class CatalogueError(LookupError):
    """An id is missing, a language is unknown, or a text lacks a value it names."""


@cache
def catalogue(language: str = DEFAULT_LANGUAGE) -> Mapping[str, str]:
    """Every id of ``language`` and its text, read once from the TOML files.

    Raises:
        CatalogueError: the language is unknown, or two files define one id.
    """
    if language not in LANGUAGES:
        raise CatalogueError(f"language must be one of {', '.join(LANGUAGES)}, "
                             f"got {language!r}")
    texts: dict[str, str] = {}
    for path in sorted((_FOLDER / language).glob("*.toml")):
        with path.open("rb") as file:
            for key, text in _flatten(tomllib.load(file)):
                if key in texts:
                    raise CatalogueError(f"{language}/{path.name} defines {key!r} again")
                texts[key] = text
    return texts


def _flatten(table: Mapping[str, object], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in table.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{key}.")
        elif isinstance(value, str):
            yield f"{prefix}{key}", value
        else:
            raise CatalogueError(f"{prefix}{key} must be a string, got {type(value).__name__}")


def language() -> str:
    """The language the book speaks now in this kernel (the locale's until set)."""
    return _current


def set_language(code: str) -> None:
    """Speak ``code`` (one of :data:`LANGUAGES`) from now on in this kernel's widgets,
    checks and exercise feedback. Widgets already drawn change at their next update."""
    global _current
    if code not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {code!r}")
    _current = code


@contextlib.contextmanager
def speaking(code: str) -> Iterator[None]:
    """Speak ``code`` inside the ``with`` block only (tests, side-by-side comparisons)."""
    before = _current
    set_language(code)
    try:
        yield
    finally:
        set_language(before)


def has(key: str) -> bool:
    """True if the English catalogue (which every id must be in) has ``key``."""
    return key in catalogue(DEFAULT_LANGUAGE)


def t(key: str, /, **values: object) -> str:
    """The text of ``key`` in the current language, with ``values`` filled in.

    Raises:
        CatalogueError: no language has ``key``, or the text names a value not given.
    """
    text = catalogue(_current).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE).get(key)
    if text is None:
        raise CatalogueError(f"no text has the id {key!r}")
    try:
        return text.format(**values)
    except (KeyError, IndexError) as error:
        raise CatalogueError(f"the text {key!r} needs the value {error}") from None


def plural(key: str, count: int, /, **values: object) -> str:
    """``key.one`` when ``count`` is 1, else ``key.other`` (languages without plural forms
    write only ``other``); ``count`` is filled in as ``{count}``."""
    form = f"{key}.one" if count == 1 and _has_form(f"{key}.one") else f"{key}.other"
    return t(form, count=count, **values)


def _has_form(key: str) -> bool:
    """True if the current language has the plural form ``key`` (``x.one``); a language
    that writes only ``x.other`` has no ``one`` form, whatever English has."""
    own = catalogue(_current)
    if f"{key.rsplit('.', 1)[0]}.other" in own:
        return key in own
    return key in catalogue(DEFAULT_LANGUAGE)


def fields_of(text: str) -> set[str]:
    """The names a text fills in (``{field}``, ``{low:g}`` -> ``field``, ``low``)."""
    return {name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(text) if name}


#: Columns a printed line is wrapped at: the width of a notebook's output at 100% zoom.
WRAP_WIDTH = 88


def wrap(text: str, /, indent: str = "", hanging: str = "    ",
         width: int = WRAP_WIDTH) -> str:
    """``text`` wrapped at word boundaries for printing, each line at most ``width`` wide.

    The first line starts with ``indent``, the following ones with ``indent + hanging``.
    Words are never split (a notebook's output would break them mid-word), so a
    single word longer than a line stays whole.

    Example:
        >>> print(wrap("one two three four", width=9))
        one two
            three
            four
    """
    if _WIDE.search(text):
        return _wrap_wide(text, indent, indent + hanging, width)
    return textwrap.fill(text, width=width, initial_indent=indent,
                         subsequent_indent=indent + hanging, break_long_words=False,
                         break_on_hyphens=False)


#: Chinese (and other East Asian) characters: two columns wide, and a line may break
#: between any two of them.
_WIDE = re.compile(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
                   r"\uff00-\uff60\uffe0-\uffe6]")
#: Marks that never start a line (they close what came before).
_NO_LINE_START = set("，。、；：？！）」』》〉】’”%)]},.;:!?")


def columns(text: str) -> int:
    """How many columns ``text`` takes in a monospaced output: two per wide character.

    Example:
        >>> columns("layer"), columns("层 1")
        (5, 4)
    """
    return sum(2 if _WIDE.match(ch) else 1 for ch in text)


def _wrap_wide(text: str, first: str, rest: str, width: int) -> str:
    """Wrap text holding wide characters by display columns: break at spaces or between
    two wide characters, never before a closing mark, never inside a Latin word.

    Example:
        >>> print(_wrap_wide("检查 forward 的输出形状，然后再试一次。", "", "  ", 16))
        检查 forward 的
          输出形状，然后
          再试一次。
    """
    pieces = re.findall(r"\s+|[^\s\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
                        r"\uff00-\uff60]+|.", text.strip())
    lines, line = [], first
    for piece in pieces:
        if piece.isspace():
            piece = " "
        fits = columns(line.rstrip() if piece == " " else line) + columns(piece) <= width
        starts = line in (first, rest)
        if not fits and not starts and piece != " " and piece[0] not in _NO_LINE_START:
            lines.append(line.rstrip())
            line = rest
        if piece == " " and line in (first, rest):
            continue
        line += piece
    lines.append(line.rstrip())
    return "\n".join(lines)


def join(items: list[str], /) -> str:
    """``a``, ``a and b``, ``a, b and c`` in the current language."""
    if len(items) < 2:
        return "".join(items)
    return t("list.join", head=t("list.separator").join(items[:-1]), last=items[-1])
