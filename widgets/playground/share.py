"""A playground's whole setup in one short string, to paste into a message or a cell.

The code is the saved state (:func:`~widgets.playground.training.run_state`: settings,
epoch and the changes made while training) as compact JSON, compressed with zlib and
written in URL-safe base64 after a version prefix. Reading one back is bounded: the
code's length is checked first, and inflating stops at
:data:`MAX_STATE_CHARACTERS`, so a crafted code cannot make a large allocation.

Example:
    >>> code = share_code({"format": "x", "epoch": 0})
    >>> code.startswith(PREFIX), read_share_code(code)
    (True, {'format': 'x', 'epoch': 0})
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib

from ..core.checks import describe
from ..text import t

#: What every code starts with: the format and its version.
PREFIX = "pg1-"
#: The longest code read: 2,000 points of your own data (the most a playground takes,
#: each with two coordinates and a target) take about 40,000; a state without own data,
#: even with hundreds of changes, a few thousand.
MAX_CODE_CHARACTERS = 100_000
#: The most characters a code may inflate to, as a saved state may have.
MAX_STATE_CHARACTERS = 1_000_000


def share_code(state: dict[str, object]) -> str:
    """``state`` (JSON-ready data) as one line: ``pg1-`` and URL-safe base64."""
    text = json.dumps(state, separators=(",", ":"))
    packed = zlib.compress(text.encode("utf-8"), 9)
    return PREFIX + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def read_share_code(code: object) -> object:
    """The state a code holds, checked for size before and while it is unpacked.

    Raises:
        TypeError: ``code`` is not a string.
        ValueError: it lacks the prefix, is too long, is not base64, does not
            inflate, inflates past :data:`MAX_STATE_CHARACTERS`, or is not JSON.
    """
    if not isinstance(code, str):
        raise TypeError(t("playground.share.type", got=describe(code)))
    code = code.strip()
    if len(code) > MAX_CODE_CHARACTERS:
        raise ValueError(t("playground.share.too_long", size=len(code),
                           most=MAX_CODE_CHARACTERS))
    if not code.startswith(PREFIX):
        raise ValueError(t("playground.share.prefix", prefix=PREFIX, got=describe(code[:12])))
    body = code[len(PREFIX):]
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_STATE_CHARACTERS + 1)
    except (binascii.Error, ValueError, zlib.error) as error:
        raise ValueError(t("playground.share.unreadable", error=str(error)[:120])) from None
    if len(raw) > MAX_STATE_CHARACTERS or inflater.unconsumed_tail:
        raise ValueError(t("playground.share.too_big", most=MAX_STATE_CHARACTERS))
    if not inflater.eof:
        raise ValueError(t("playground.share.unreadable", error=t("playground.share.cut_short")))
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ValueError(t("playground.share.unreadable", error=str(error)[:120])) from None
