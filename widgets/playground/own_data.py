"""A reader's own points of the plane for the playground, checked value by value.

Three ways in, one result: :func:`check_data` takes arrays ``(X, y)`` (tensors,
NumPy arrays or nested lists), :func:`read_csv` a CSV file's text, and
:func:`from_json` the JSON form :meth:`OwnData.as_dict` writes (a saved playground
keeps it). Each returns an :class:`OwnData`: float32 points of shape ``(n, 2)``
and either class indices (classification) or float32 targets (regression).

Bad input is refused with a ``ValueError`` or ``TypeError`` that says where, as the
reader sees it: ``X[4, 1]`` in an array, ``x2[4]`` in JSON, or ``row 7, column x2``
in a CSV file (the row is the file's line number, the header being line 1). Sizes
are bounded before any work: a CSV text over :data:`MAX_CSV_BYTES` is not parsed,
and reading stops at the first data row past :data:`MAX_POINTS`.

Example:
    >>> data = check_data([[0, 0], [1, 1], [2, 0], [0, 2]], [-1, 1, 1, -1])
    >>> data
    OwnData(n=4, task='classification', class_values=(-1, 1))
    >>> data.y.tolist(), data.classes
    ([0, 1, 1, 0], 2)
    >>> read_csv("x1,x2,target\\n0,0,0.5\\n1,0,1.5\\n0,1,2\\n1,1,3.25\\n").y.flatten().tolist()
    [0.5, 1.5, 2.0, 3.25]
    >>> check_data([[0, 0], [1, 1], [2, 0], [0, float("inf")]], [0, 1, 1, 0])
    Traceback (most recent call last):
    ...
    ValueError: X[3, 1]: inf is not a finite number
"""

from __future__ import annotations

import csv
import io
import math
import struct
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import torch

from ..core.checks import check_choice, describe, short_repr
from ..text import plural, t

#: The most points a data set may have (the playground's own sets go up to 2,000 too).
MAX_POINTS = 2000
#: The fewest points: a train and a test set need a few each.
MIN_POINTS = 4
#: The most classes a classification set may have.
MAX_CLASSES = 8
#: A CSV text or file larger than this (in bytes) is refused before parsing.
MAX_CSV_BYTES = 1_000_000
#: The largest size of a coordinate or a regression target (``|x1|``, ``|x2|``, ``|y|``).
MAX_COORDINATE = 1e6

TASKS = ("classification", "regression")
#: The columns a data set has: the two coordinates, and the label or the target.
COORDINATES = ("x1", "x2")
LABEL, TARGET = "label", "target"

#: A function that names the value at (point, column) for a message: ``at`` and ``value``.
Namer = Callable[[int, int], dict[str, str]]


@dataclass(frozen=True, eq=False, repr=False)
class OwnData:
    """A reader's checked data set: points, their labels or targets, and the task.

    Build one with :func:`check_data`, :func:`read_csv` or :func:`from_json`.

    Example:
        >>> data = check_data([[0, 0], [1, 1], [2, 0], [0, 2]], [0.5, 1, 1.5, 2])
        >>> data.task, data.y.shape, len(data)
        ('regression', torch.Size([4, 1]), 4)
        >>> from_json(data.as_dict()) == data
        True
    """

    X: torch.Tensor  # (n, 2) float32
    y: torch.Tensor  # (n,) int64 class indices, or (n, 1) float32 targets
    task: str  # "classification" or "regression"
    class_values: tuple[int, ...] = ()  # each class index's label as the reader wrote it

    @property
    def classes(self) -> int:
        """The number of classes (0 for regression)."""
        return len(self.class_values)

    def __len__(self) -> int:
        return self.X.shape[0]

    def __repr__(self) -> str:
        return f"OwnData(n={len(self)}, task={self.task!r}, class_values={self.class_values})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OwnData):
            return NotImplemented
        return (self.task == other.task and self.class_values == other.class_values
                and _same(self.X, other.X) and _same(self.y, other.y))

    __hash__ = None  # type: ignore[assignment]  # tensors inside: equal is not identical

    def as_dict(self) -> dict[str, list[float] | list[int]]:
        """JSON-ready columns: ``x1``, ``x2`` and ``label`` (the reader's label values) or
        ``target``, each float the shortest decimal that reads back as the same float32.

        Example:
            >>> check_data([[0.1, 0], [1, 1], [2, 0], [0, 2]], [1, 0, 0, 1]).as_dict()
            {'x1': [0.1, 1.0, 2.0, 0.0], 'x2': [0.0, 1.0, 0.0, 2.0], 'label': [1, 0, 0, 1]}
        """
        x1, x2 = ([_shortest(v) for v in column] for column in self.X.T.tolist())
        if self.task == "classification":
            return {"x1": x1, "x2": x2, LABEL: [self.class_values[k] for k in self.y.tolist()]}
        return {"x1": x1, "x2": x2, TARGET: [_shortest(v) for v in self.y[:, 0].tolist()]}


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)


def _float32(value: float) -> float:
    """``value`` rounded to the nearest 32-bit float (as ``torch.float32`` rounds)."""
    return struct.unpack("f", struct.pack("f", value))[0]


def _shortest(value: float) -> float:
    """The float with the fewest digits that rounds to the same float32 as ``value``."""
    exact = _float32(value)
    for digits in range(1, 10):
        candidate = float(f"{exact:.{digits}g}")
        if _float32(candidate) == exact:
            return candidate
    return exact


# -- the checks every way in shares ---------------------------------------------------------


def _check_count(count: int) -> None:
    if count > MAX_POINTS:
        raise ValueError(t("playground.own_data.too_many", count=count, most=MAX_POINTS))
    if count < MIN_POINTS:
        raise ValueError(t("playground.own_data.too_few", count=count, least=MIN_POINTS))


def _first(mask: torch.Tensor) -> tuple[int, int] | None:
    """The first (row, column) where ``mask`` is true, reading row by row."""
    found = mask.flatten().nonzero()
    return None if len(found) == 0 else divmod(int(found[0]), mask.shape[1])


def _refuse_first(mask: torch.Tensor, key: str, name: Namer) -> None:
    where = _first(mask)
    if where is not None:
        raise ValueError(t(key, **name(*where), most=MAX_COORDINATE))


def _finish(X: torch.Tensor, y: torch.Tensor, task: str | None, name: Namer) -> OwnData:
    """Check float64 points ``X`` (n, 2) and labels ``y`` (n,) and build the data set.

    ``name(i, c)`` names the value of point ``i`` in column ``c`` (0 and 1 the
    coordinates, 2 the label or target) as the reader wrote it.
    """
    _check_count(len(X))
    values = torch.cat([X, y[:, None]], dim=1)
    _refuse_first(~torch.isfinite(values), "playground.own_data.not_finite", name)
    _refuse_first(values.abs() > MAX_COORDINATE, "playground.own_data.too_far", name)
    whole = y == y.round()
    if task is None:
        task = "classification" if bool(whole.all()) and (
            2 <= len(y.unique()) <= MAX_CLASSES) else "regression"
    if task == "regression":
        return OwnData(X.float(), y.float()[:, None], task)
    _refuse_first(~whole[:, None], "playground.own_data.not_whole",
                  lambda i, _: name(i, 2))
    return _classified(X, y.long())


def _classified(X: torch.Tensor, labels: torch.Tensor) -> OwnData:
    values, index = torch.unique(labels, sorted=True, return_inverse=True)
    if len(values) < 2:
        raise ValueError(t("playground.own_data.one_class", count=len(labels),
                           value=int(values[0])))
    if len(values) > MAX_CLASSES:
        raise ValueError(t("playground.own_data.too_many_classes", count=len(values),
                           most=MAX_CLASSES))
    return OwnData(X.float(), index, "classification", tuple(values.tolist()))


# -- arrays -----------------------------------------------------------------------------------


def check_data(X: object, y: object, task: str | None = None) -> OwnData:
    """The points ``X`` (shape ``(n, 2)``) and labels ``y`` (``(n,)`` or ``(n, 1)``), checked.

    With ``task=None`` the data set is a classification one when every label is a
    whole number and there are 2 to :data:`MAX_CLASSES` different labels, and a
    regression one otherwise.

    Raises:
        TypeError: ``X`` or ``y`` is not numbers, or ``task`` is not a string.
        ValueError: a shape, a count or a value is out of bounds (the message names it).

    Example:
        >>> data = check_data(torch.tensor([[0, 0], [1, 1], [2, 0], [0, 2]]), [2, 0, 1, 2])
        >>> data.class_values, data.y.tolist()
        ((0, 1, 2), [2, 0, 1, 2])
        >>> check_data([[0, 0], [1, 1], [2, 0], [0, 2]], [0, 1, 1, 0], "regression").task
        'regression'
    """
    if task is not None:
        task = check_choice("task", task, TASKS)
    _check_count_early(X)
    points = _tensor("X", X, "playground.own_data.x_type")
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(t("playground.own_data.x_shape", got=tuple(points.shape)))
    _check_count(len(points))
    labels = _labels(y, len(points))
    name = _array_namer(points, labels)
    return _finish(points.double(), labels.double().reshape(-1), task, name)


def _check_count_early(X: object) -> None:
    """Refuse a long sequence before converting it (a list of a million pairs is slow)."""
    if isinstance(X, (list, tuple)) and len(X) > MAX_POINTS:
        _check_count(len(X))


def _tensor(field: str, value: object, refusal: str) -> torch.Tensor:
    """``value`` as a real-valued CPU tensor, without copying a tensor or a NumPy array
    (``refusal`` is the id of the message for a value that is not numbers)."""
    try:
        tensor = torch.as_tensor(value).detach().cpu()
    except (TypeError, ValueError, RuntimeError, OverflowError):
        raise TypeError(t(refusal, got=describe(value))) from None
    if tensor.is_complex():
        raise TypeError(t("playground.own_data.not_real", field=field, dtype=tensor.dtype))
    return tensor


def _labels(y: object, count: int) -> torch.Tensor:
    if isinstance(y, (list, tuple)) and len(y) != count:
        raise ValueError(plural("playground.own_data.y_length", len(y), points=count))
    labels = _tensor("y", y, "playground.own_data.y_type")
    if labels.ndim != 1 and labels.shape[1:] != (1,):
        raise ValueError(t("playground.own_data.y_shape", got=tuple(labels.shape)))
    if len(labels) != count:
        raise ValueError(plural("playground.own_data.y_length", len(labels), points=count))
    return labels


def _array_namer(X: torch.Tensor, y: torch.Tensor) -> Namer:
    """Name values as ``X[i, j]`` and ``y[i]`` (``y[i, 0]`` for a column), with their value."""
    def name(i: int, column: int) -> dict[str, str]:
        if column < 2:
            return {"at": f"X[{i}, {column}]", "value": _written(X[i, column])}
        at = f"y[{i}]" if y.ndim == 1 else f"y[{i}, 0]"
        return {"at": at, "value": _written(y[i].reshape(()))}
    return name


def _written(value: torch.Tensor) -> str:
    """A tensor's number as its dtype would print it, briefly (float32 without noise)."""
    if value.dtype == torch.float32:
        return repr(_shortest(float(value)))
    if value.is_floating_point():
        return repr(float(value))
    return str(int(value))


# -- JSON -------------------------------------------------------------------------------------


def from_json(mapping: object) -> OwnData:
    """The data set :meth:`OwnData.as_dict` wrote: columns ``x1``, ``x2`` and ``label``
    (classification) or ``target`` (regression), lists of numbers of one length.

    Raises:
        TypeError: ``mapping`` is not a mapping, a column is not a list, or a value
            is not a number.
        ValueError: a column is missing or unknown, the lengths differ, or a value is
            out of bounds.

    Example:
        >>> from_json({"x1": [0, 1, 2, 3], "x2": [0, 1, 0, 1], "label": [1, 1, 2, 2]})
        OwnData(n=4, task='classification', class_values=(1, 2))
    """
    if not isinstance(mapping, Mapping):
        raise TypeError(t("playground.own_data.json_type", got=describe(mapping)))
    last = _json_last_column(mapping)
    names = (*COORDINATES, last)
    columns = [_json_column(name, mapping[name]) for name in names]
    for name, column in zip(names[1:], columns[1:]):
        if len(column) != len(columns[0]):
            raise ValueError(plural("playground.own_data.column_length", len(column),
                                    name=name, points=len(columns[0])))
    _check_count(len(columns[0]))
    X = torch.tensor(list(zip(columns[0], columns[1])), dtype=torch.float64).reshape(-1, 2)
    y = torch.tensor(columns[2], dtype=torch.float64)
    task = "classification" if last == LABEL else "regression"

    def name(i: int, column: int) -> dict[str, str]:
        return {"at": f"{names[column]}[{i}]", "value": short_repr(mapping[names[column]][i])}
    return _finish(X, y, task, name)


def _json_last_column(mapping: Mapping) -> str:
    """``"label"`` or ``"target"``, whichever ``mapping`` has, after checking its keys."""
    missing = [key for key in COORDINATES if key not in mapping]
    unknown = [key for key in mapping if key not in (*COORDINATES, LABEL, TARGET)]
    if unknown:
        raise ValueError(t("playground.own_data.json_unknown", names=_listed(unknown)))
    if LABEL in mapping and TARGET in mapping:
        raise ValueError(t("playground.own_data.json_both"))
    if LABEL not in mapping and TARGET not in mapping:
        missing.append(t("playground.own_data.label_or_target"))
    if missing:
        raise ValueError(t("playground.own_data.json_missing", names=", ".join(missing)))
    return LABEL if LABEL in mapping else TARGET


def _json_column(name: str, column: object) -> list[float]:
    if not isinstance(column, (list, tuple)):
        raise TypeError(t("playground.own_data.column_type", name=name, got=describe(column)))
    if len(column) > MAX_POINTS:
        _check_count(len(column))
    return [_json_number(f"{name}[{i}]", value) for i, value in enumerate(column)]


def _json_number(at: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(t("playground.own_data.item_type", at=at, got=describe(value)))
    if isinstance(value, int) and abs(value) > MAX_COORDINATE:
        return 2 * MAX_COORDINATE if value > 0 else -2 * MAX_COORDINATE  # too large anyway
    return float(value)


def _listed(names: Sequence[object], most: int = 4) -> str:
    """The first ``most`` of ``names``, each as a short repr, joined with commas (and
    ``...`` when there are more)."""
    shown = ", ".join(short_repr(name, 30) for name in names[:most])
    return shown + (", ..." if len(names) > most else "")


# -- CSV --------------------------------------------------------------------------------------


def read_csv(text: str | bytes) -> OwnData:
    """The data set in a CSV file's text (or its bytes, read as UTF-8, a BOM allowed).

    The first non-empty line is a header naming ``x1``, ``x2`` and either ``label``
    (classification: whole numbers) or ``target`` (regression), in any order and
    case; other columns are refused. Blank lines (and rows of empty cells) are
    skipped. Values are separated by commas, or by semicolons or tabs when the
    header has one of those and no comma; with semicolons a decimal comma (``1,5``)
    reads as a point.

    Raises:
        TypeError: ``text`` is not a str or bytes.
        ValueError: the text is too large or not UTF-8, the header is wrong, or a
            row is; the message names the row (its line number) and the column.

    Example:
        >>> data = read_csv("label;X2;x1\\r\\n1;0;0\\r\\n\\r\\n2;1,5;1\\r\\n1;0;2\\r\\n2;3;1\\r\\n")
        >>> data.X.tolist(), data.y.tolist(), data.class_values
        ([[0.0, 0.0], [1.0, 1.5], [2.0, 0.0], [1.0, 3.0]], [0, 1, 0, 1], (1, 2))
        >>> read_csv("x1,x2,label\\n0,0,1\\n1,abc,0\\n")
        Traceback (most recent call last):
        ...
        ValueError: row 3, column x2: 'abc' is not a number
    """
    lines = io.StringIO(_decoded(text), newline="")
    header, line = _header_line(lines)
    delimiter = next((d for d in ";\t" if d in header and "," not in header), ",")
    order = _columns(next(csv.reader([header], delimiter=delimiter)), line)
    rows, numbers = _rows(lines, line, delimiter, order)
    X = torch.tensor([row[:2] for row in numbers], dtype=torch.float64).reshape(-1, 2)
    y = torch.tensor([row[2] for row in numbers], dtype=torch.float64)
    task = "classification" if order[2][1] == LABEL else "regression"
    columns = [column for _, column in order]

    def name(i: int, column: int) -> dict[str, str]:
        at = t("playground.own_data.cell", row=rows[i][0], column=columns[column])
        return {"at": at, "value": _cut(rows[i][1][column])}
    return _finish(X, y, task, name)


def _decoded(text: object) -> str:
    """``text`` as a str, refused when larger than :data:`MAX_CSV_BYTES` or not UTF-8."""
    if isinstance(text, (bytearray, memoryview)):
        text = bytes(text)
    if isinstance(text, str):
        size = len(text) if len(text) > MAX_CSV_BYTES or text.isascii() else len(
            text.encode("utf-8", "surrogatepass"))
        _check_size(size, "playground.own_data.characters" if len(text) > MAX_CSV_BYTES
                    else "playground.own_data.bytes")
        return text.removeprefix("\ufeff")
    if not isinstance(text, bytes):
        raise TypeError(t("playground.own_data.csv_type", got=describe(text)))
    _check_size(len(text), "playground.own_data.bytes")
    try:
        return text.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(t("playground.own_data.not_utf8", row=text.count(b"\n", 0, error.start)
                           + 1, byte=f"0x{text[error.start]:02x}")) from None


def _check_size(size: int, unit: str) -> None:
    if size > MAX_CSV_BYTES:
        raise ValueError(t("playground.own_data.too_large", size=t(unit, count=size),
                           most=MAX_CSV_BYTES, points=MAX_POINTS))


def _header_line(lines: io.StringIO) -> tuple[str, int]:
    """The first non-blank line and its number (1 unless blank lines come first)."""
    for number, line in enumerate(lines, start=1):
        if line.strip():
            return line, number
    raise ValueError(t("playground.own_data.empty_csv"))


def _columns(names: list[str], line: int) -> list[tuple[int, str]]:
    """Where x1, x2 and the label or target are in a row: (position, name) each."""
    names = [name.strip().lower() for name in names]
    unknown = [name for name in names if name not in (*COORDINATES, LABEL, TARGET)]
    if unknown:
        raise ValueError(t("playground.own_data.header_unknown", row=line,
                           names=_listed(unknown)))
    if len(set(names)) < len(names):
        twice = next(name for i, name in enumerate(names) if name in names[:i])
        raise ValueError(t("playground.own_data.header_twice", row=line, name=twice))
    if LABEL in names and TARGET in names:
        raise ValueError(t("playground.own_data.header_both", row=line))
    missing = [name for name in COORDINATES if name not in names]
    if LABEL not in names and TARGET not in names:
        missing.append(t("playground.own_data.label_or_target"))
    if missing:
        raise ValueError(t("playground.own_data.header_missing", row=line,
                           names=", ".join(missing)))
    last = LABEL if LABEL in names else TARGET
    return [(names.index(name), name) for name in (*COORDINATES, last)]


Row = tuple[int, tuple[str, str, str]]  # a data row's line number and its three cells


def _rows(lines: io.StringIO, header: int, delimiter: str,
          order: list[tuple[int, str]]) -> tuple[list[Row], list[tuple[float, ...]]]:
    """The data rows after the header (line ``header``): their cells and their numbers.

    Reading stops at the first row past :data:`MAX_POINTS`.
    """
    rows: list[Row] = []
    numbers: list[tuple[float, ...]] = []
    for line, row in _data_rows(lines, header, delimiter):
        if len(rows) == MAX_POINTS:
            raise ValueError(t("playground.own_data.too_many_rows", most=MAX_POINTS))
        if len(row) != len(order):
            raise ValueError(plural("playground.own_data.row_width", len(row), row=line,
                                    columns=len(order)))
        cells = tuple(row[position].strip() for position, _ in order)
        numbers.append(tuple(_number(cell, line, name, delimiter == ";")
                             for cell, (_, name) in zip(cells, order)))
        rows.append((line, cells))
    return rows, numbers


def _data_rows(lines: io.StringIO, header: int,
               delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank row after the header with its line number (the row's first line)."""
    reader = csv.reader(lines, delimiter=delimiter)
    start = header + 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield start, row
            start = header + reader.line_num + 1
    except csv.Error as error:
        raise ValueError(t("playground.own_data.unreadable", row=start,
                           error=_cut(str(error), 120))) from None


def _number(cell: str, line: int, column: str, decimal_comma: bool) -> float:
    """The number a CSV cell holds, or a refusal naming its row and column."""
    at = t("playground.own_data.cell", row=line, column=column)
    if not cell:
        raise ValueError(t("playground.own_data.empty", at=at))
    try:
        value = float(cell.replace(",", ".") if decimal_comma else cell)
    except ValueError:
        raise ValueError(t("playground.own_data.not_a_number", at=at,
                           value=short_repr(cell))) from None
    if math.isinf(value) and "inf" not in cell.lower():
        return math.copysign(2 * MAX_COORDINATE, value)  # finite, only too large
    return value


def _cut(text: str, limit: int = 30) -> str:
    """A cell's text as written, cut to ``limit`` characters."""
    return text if len(text) <= limit else text[:limit - 3] + "..."
