"""Settings declared once: what values each takes, its default, and whether it is per layer.

A spec (a frozen dataclass such as :class:`~widgets.core.mlp.MLPSpec`) declares
each of its settings with :func:`setting`. That one declaration is what every
other part reads:

- the spec checks the field when it is made, and fits per-layer fields to the
  number of layers (:class:`Spec`);
- the widget layer makes the trait, its check, its control and the binding
  between them from it (``widgets.ui.base``);
- the texts a reader sees (the control's label and its help) are catalogue
  entries named after it: ``<spec's TEXT>.<field>.label`` and ``... .help``.

Example:
    >>> @dataclasses.dataclass(frozen=True)
    ... class Demo(Spec):
    ...     TEXT = "demo"
    ...     depth: int = setting(Int(1, 8), 2)
    ...     names: tuple[str, ...] = setting(Choice(("a", "b")), "a", per_layer="depth")
    >>> Demo(depth=3).names
    ('a', 'a', 'a')
    >>> Demo(depth=3).replace(depth=1).names
    ('a',)
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Callable, Sequence
from typing import ClassVar

from ..text import has, t
from .checks import (
    check_choice,
    check_flag,
    check_float,
    check_int,
    check_int_tuple,
    check_text,
    describe,
)


class Kind:
    """What values a setting takes; ``check(field, value)`` returns the value normalized."""

    #: The control a widget shows by default: "number", "stepper", "menu", "toggles",
    #: "checkbox", "text" (a declaration may ask for another with ``control=``).
    control = "text"

    def check(self, field: str, value: object) -> object:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class Range(Kind):
    """A number from ``low`` to ``high`` (see :class:`Int` and :class:`Float`)."""

    low: float
    high: float
    control = "number"


class Int(Range):
    """An integer from ``low`` to ``high``."""

    def check(self, field: str, value: object) -> int:
        return check_int(field, value, int(self.low), int(self.high))


class Float(Range):
    """A real number from ``low`` to ``high``."""

    def check(self, field: str, value: object) -> float:
        return check_float(field, value, self.low, self.high)


@dataclasses.dataclass(frozen=True)
class Choice(Kind):
    """One name of ``choices`` (a tuple, or a function giving the current ones)."""

    choices: tuple[str, ...] | Callable[[], Sequence[str]]
    control = "menu"

    def names(self) -> tuple[str, ...]:
        """The names allowed now."""
        return tuple(self.choices() if callable(self.choices) else self.choices)

    def check(self, field: str, value: object) -> str:
        return check_choice(field, value, self.names())


@dataclasses.dataclass(frozen=True)
class Flag(Kind):
    """True or False."""

    control = "checkbox"

    def check(self, field: str, value: object) -> bool:
        return check_flag(field, value)


@dataclasses.dataclass(frozen=True)
class Text(Kind):
    """A non-empty string."""

    def check(self, field: str, value: object) -> str:
        return check_text(field, value)


@dataclasses.dataclass(frozen=True)
class Ints(Kind):
    """A tuple of ``min_len`` to ``max_len`` integers, each from ``low`` to ``high``."""

    low: int
    high: int
    min_len: int
    max_len: int

    def check(self, field: str, value: object) -> tuple[int, ...]:
        return check_int_tuple(field, value, self.low, self.high, self.min_len, self.max_len)


@dataclasses.dataclass(frozen=True)
class Custom(Kind):
    """A value checked by ``function(field, value)``, for settings no other kind fits."""

    function: Callable[[str, object], object]
    control: str = "text"

    def check(self, field: str, value: object) -> object:
        return self.function(field, value)


def count_mismatch(text: str) -> ValueError:
    """A ``ValueError`` saying a per-layer setting has another number of entries than there
    are layers (``error.count_mismatch`` is True, for widgets that suggest a fix)."""
    error = ValueError(text)
    error.count_mismatch = True
    return error


@dataclasses.dataclass(frozen=True)
class Setting:
    """One declared setting.

    Args:
        kind: what one value takes (for a per-layer setting: what each layer's value takes).
        default: the value when none is given.
        per_layer: for a setting with one value per layer, the field that says how
            many layers there are (an int field, or a tuple field whose length counts).
            One value is repeated for every layer; a tuple must have one per layer.
        control: the control a widget shows, when not the kind's own.
        role: what changing it does, for widgets that treat settings apart
            (e.g. the playground's "data", "network", "training", "view").
    """

    kind: Kind
    default: object
    per_layer: str | None = None
    control: str | None = None
    role: str = ""

    def check(self, field: str, value: object, texts: str = "") -> object:
        """``value`` checked alone: a per-layer setting takes one value or a tuple of any length.

        ``texts`` is the catalogue prefix of the field's own wording (``mlp.activations``):
        ``<texts>.type`` and ``<texts>.count`` replace the general messages if they exist.
        """
        if self.per_layer is None:
            return self.kind.check(field, value)
        if getattr(value, "ndim", None) == 1 and hasattr(value, "tolist"):
            value = value.tolist()  # a 1-D tensor or NumPy array reads like a list
        numeric = isinstance(self.kind, Range) and (
            isinstance(value, numbers.Real) or getattr(value, "ndim", None) == 0)
        if isinstance(value, str) or numeric:
            return self.kind.check(field, value)  # one value for every layer
        if isinstance(value, (bytes, bytearray)) or not isinstance(value, Sequence):
            raise TypeError(_text(texts, "type", "fields.per_layer_type", field=field,
                                  got=describe(value)))
        return tuple(self.kind.check(f"{field}[{i}]", v) for i, v in enumerate(value))

    def fit(self, field: str, value: object, count: int, texts: str = "") -> tuple[object, ...]:
        """``value`` (already checked) for ``count`` layers; one value is repeated."""
        if not isinstance(value, tuple):
            return (value,) * count
        if len(value) != count:
            raise count_mismatch(_text(texts, "count", "fields.per_layer_count",
                                           field=field, count=count, got=len(value),
                                           values=value))
        return value

    @property
    def control_kind(self) -> str:
        """The control a widget shows for it."""
        return self.control or self.kind.control


def setting(kind: Kind, default: object, **options: object) -> object:
    """Declare a spec's field: ``name: type = setting(Int(0, 9), 0)`` (see :class:`Setting`)."""
    return dataclasses.field(default=default,
                             metadata={"setting": Setting(kind, default, **options)})


class Spec:
    """Base of the frozen dataclasses whose fields are declared with :func:`setting`.

    ``TEXT`` names the catalogue table of its labels and help texts.
    """

    TEXT: ClassVar[str] = ""

    @classmethod
    def settings(cls) -> dict[str, Setting]:
        """Every declared field and its :class:`Setting`, in declaration order."""
        return {f.name: f.metadata["setting"] for f in dataclasses.fields(cls)
                if "setting" in f.metadata}

    @classmethod
    def check_field(cls, name: str, value: object) -> object:
        """One field's value checked alone (the number of per-layer entries is checked
        with the others, when the spec is made)."""
        return cls.settings()[name].check(name, value, f"{cls.TEXT}.{name}")

    @classmethod
    def label(cls, name: str) -> str:
        """The label a reader sees for the field ``name``."""
        return t(f"{cls.TEXT}.{name}.label")

    @classmethod
    def item_label(cls, name: str, index: int) -> str:
        """The label a reader sees for entry ``index`` (from 0) of the field ``name``.

        A per-layer field reads "layer 1 width" where the catalogue names its
        entries (``<TEXT>.<name>.item``), "entry 2 of sizes" otherwise.
        """
        key = f"{cls.TEXT}.{name}.item"
        if has(key):
            return t("fields.layer_item", number=index + 1, item=t(key))
        return t("fields.entry", label=cls.label(name), number=index + 1)

    @classmethod
    def help(cls, name: str) -> str:
        """One line on what the field ``name`` does."""
        return t(f"{cls.TEXT}.{name}.help")

    def __post_init__(self) -> None:
        settings = self.settings()
        for name in settings:
            object.__setattr__(self, name, self.check_field(name, getattr(self, name)))
        for name, declared in settings.items():
            if declared.per_layer is not None:
                object.__setattr__(self, name, declared.fit(
                    name, getattr(self, name), self.count(declared.per_layer),
                    f"{self.TEXT}.{name}"))

    def count(self, field: str) -> int:
        """How many layers the field ``field`` says there are."""
        value = getattr(self, field)
        return len(value) if isinstance(value, tuple) else int(value)

    def replace(self, **changes: object) -> Spec:
        """A copy with ``changes``, checked again.

        A per-layer field that is not among the changes follows a change in the
        number of layers: new layers repeat the last layer's value, removed ones
        are dropped.
        """
        settings = self.settings()
        unknown = sorted(set(changes) - set(settings))
        if unknown:
            raise TypeError(_text(self.TEXT, "unknown", "fields.unknown",
                                  kind=type(self).__name__, names=", ".join(unknown),
                                  known=", ".join(settings)))
        for name, declared in settings.items():
            counter = declared.per_layer
            if counter is None or name in changes or counter not in changes:
                continue
            old = getattr(self, name)
            new_count = _count(settings[counter].check(counter, changes[counter]))
            if not isinstance(old, tuple):
                continue
            if len(old) != new_count:
                fill = old[-1] if old else declared.default
                fill = fill[-1] if isinstance(fill, tuple) else fill
                changes[name] = (old + (fill,) * new_count)[:new_count]
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, object]:
        """The declared fields and their values."""
        return {name: getattr(self, name) for name in self.settings()}


def _text(prefix: str, key: str, general: str, **values: object) -> str:
    """The field's own wording of a message if the catalogue has it, else the general one."""
    own = f"{prefix}.{key}"
    return t(own if prefix and has(own) else general, **values)


def _count(value: object) -> int:
    return len(value) if isinstance(value, tuple) else int(value)
