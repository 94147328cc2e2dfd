"""A reader's own data set: arrays, CSV text and saved JSON are read, checked and refused
with messages that say where (the row and column, or the array index)."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets.playground.own_data import (
    MAX_CLASSES,
    MAX_COORDINATE,
    MAX_CSV_BYTES,
    MAX_POINTS,
    MIN_POINTS,
    OwnData,
    check_data,
    from_json,
    read_csv,
)

POINTS = [[0, 0], [1, 1], [2, 0], [0, 2], [1.5, -1]]


def csv_text(rows: list[str], header: str = "x1,x2,label") -> str:
    return "\n".join([header, *rows]) + "\n"


# -- what is read -----------------------------------------------------------------------------


@pytest.mark.parametrize("X", [
    POINTS,
    torch.tensor(POINTS),
    torch.tensor(POINTS, dtype=torch.float64, requires_grad=True),
    np.array(POINTS),
    np.array(POINTS, dtype=np.float32),
    tuple(tuple(point) for point in POINTS),
], ids=["list", "tensor", "float64 tensor with grad", "numpy", "numpy float32", "tuples"])
def test_points_are_read_from_any_array_like(X: object) -> None:
    data = check_data(X, [0, 1, 1, 0, 1])
    assert isinstance(data, OwnData) and data.X.dtype == torch.float32 and data.X.shape == (5, 2)
    assert torch.equal(data.X, torch.tensor(POINTS, dtype=torch.float32))
    assert not data.X.requires_grad and len(data) == 5


@pytest.mark.parametrize(("labels", "values", "indices"), [
    ([-1, 1, 1, -1, 1], (-1, 1), [0, 1, 1, 0, 1]),
    ([0, 1, 2, 2, 0], (0, 1, 2), [0, 1, 2, 2, 0]),
    ([True, False, True, True, False], (0, 1), [1, 0, 1, 1, 0]),
    (torch.tensor([[5], [7], [5], [7], [9]]), (5, 7, 9), [0, 1, 0, 1, 2]),
    (np.array([3.0, -2.0, 3.0, 3.0, -2.0]), (-2, 3), [1, 0, 1, 1, 0]),
    (torch.tensor([1, 0, 1, 0, 1], dtype=torch.uint8), (0, 1), [1, 0, 1, 0, 1]),
], ids=["minus one and one", "three classes", "bools", "column", "whole floats", "uint8"])
def test_whole_labels_are_classes_kept_as_written(labels: object, values: tuple,
                                                  indices: list[int]) -> None:
    data = check_data(POINTS, labels)
    assert data.task == "classification" and data.classes == len(values)
    assert data.class_values == values and all(type(v) is int for v in data.class_values)
    assert data.y.dtype == torch.int64 and data.y.tolist() == indices


@pytest.mark.parametrize("targets", [
    [0.5, 1.0, -2.25, 3.0, 0.0],
    torch.tensor([[0.5], [1.0], [-2.25], [3.0], [0.0]]),
    np.array([0.5, 1.0, -2.25, 3.0, 0.0]),
])
def test_fractional_targets_are_regression(targets: object) -> None:
    data = check_data(POINTS, targets)
    assert data.task == "regression" and data.classes == 0 and data.class_values == ()
    assert data.y.dtype == torch.float32 and data.y.shape == (5, 1)
    assert data.y[:, 0].tolist() == [0.5, 1.0, -2.25, 3.0, 0.0]


def test_the_task_is_guessed_unless_given() -> None:
    many = list(range(MAX_CLASSES + 1)) * 2
    points = [[i, -i] for i in range(len(many))]
    assert check_data(points, many).task == "regression"  # too many values to be classes
    assert check_data(POINTS, [4] * 5).task == "regression"  # one value: not classes
    assert check_data(POINTS, [0, 1, 0, 1, 0], task="regression").task == "regression"
    assert check_data(POINTS, [0, 1, 0, 1, 0], task="Classification").classes == 2


def test_csv_text_is_read_in_any_column_order_and_case() -> None:
    text = csv_text(["1,0,0", "-1,1,1", "1,2,0", "-1,0,2"], header=" Label ,X1,x2")
    data = read_csv(text)
    assert data.X.tolist() == [[0, 0], [1, 1], [2, 0], [0, 2]]
    assert data.class_values == (-1, 1) and data.y.tolist() == [1, 0, 1, 0]
    assert data == check_data([[0, 0], [1, 1], [2, 0], [0, 2]], [1, -1, 1, -1])


def test_csv_bytes_with_a_bom_crlf_and_blank_lines_are_read() -> None:
    text = "\r\n\r\nx1,x2,target\r\n0,0,0.5\r\n\r\n1,1,1.5\r\n  \r\n,,\r\n2,0,2.5\r\n0,2,3\r\n"
    data = read_csv(b"\xef\xbb\xbf" + text.encode())
    assert data.task == "regression" and data.y[:, 0].tolist() == [0.5, 1.5, 2.5, 3.0]
    assert read_csv("\ufeff" + text) == data
    assert read_csv(bytearray(text.encode())) == data


def test_semicolons_and_tabs_separate_values_too() -> None:
    semicolons = read_csv("x1;x2;target\n0,5;1;2\n1;1;1,25\n2;0;3\n0;2;4\n")
    assert semicolons.X[0].tolist() == [0.5, 1.0] and semicolons.y[1, 0].item() == 1.25
    tabs = read_csv("x1\tx2\tlabel\n0\t1\t0\n1\t1\t1\n2\t0\t0\n0\t2\t1\n")
    assert tabs.classes == 2 and tabs.X[3].tolist() == [0.0, 2.0]


def test_a_csv_label_column_is_classification_and_a_target_column_regression() -> None:
    rows = ["0,0,1", "1,1,2", "2,0,1", "0,2,2"]
    assert read_csv(csv_text(rows)).task == "classification"
    assert read_csv(csv_text(rows, header="x1,x2,target")).task == "regression"


def test_the_limits_themselves_are_allowed() -> None:
    points = [[MAX_COORDINATE, -MAX_COORDINATE]] * MAX_POINTS
    labels = list(range(MAX_CLASSES)) * (MAX_POINTS // MAX_CLASSES)
    data = check_data(points, labels)
    assert len(data) == MAX_POINTS and data.classes == MAX_CLASSES
    assert len(check_data(POINTS[:MIN_POINTS], [0, 1, 0, 1])) == MIN_POINTS
    rows = [f"{i % 7},{i % 5},{i % 2}" for i in range(MAX_POINTS)]
    assert len(read_csv(csv_text(rows))) == MAX_POINTS


def test_equality_compares_values_tasks_and_classes() -> None:
    data = check_data(POINTS, [0, 1, 1, 0, 1])
    assert data == check_data(torch.tensor(POINTS), [0, 1, 1, 0, 1])
    assert data != check_data(POINTS, [0, 1, 1, 0, 1], task="regression")
    assert data != check_data(POINTS, [0, 2, 2, 0, 2])  # same indices, other class values
    assert data != check_data(POINTS, [1, 1, 1, 0, 1])
    assert data != "data" and repr(data) == (
        "OwnData(n=5, task='classification', class_values=(0, 1))")
    with pytest.raises(TypeError, match="unhashable"):
        hash(data)


# -- the JSON form ------------------------------------------------------------------------------


def test_as_dict_writes_the_labels_as_given_and_short_floats() -> None:
    data = check_data([[0.1, 0.2], [1 / 3, 1], [2, 0], [0, 2]], [-1, 1, 1, -1])
    assert data.as_dict() == {"x1": [0.1, 0.33333334, 2.0, 0.0], "x2": [0.2, 1.0, 0.0, 2.0],
                              "label": [-1, 1, 1, -1]}
    targets = check_data(POINTS, [0.1, 0.7, 1, 2, 3]).as_dict()
    assert set(targets) == {"x1", "x2", "target"} and targets["target"][:2] == [0.1, 0.7]


finite = st.floats(-MAX_COORDINATE, MAX_COORDINATE, allow_nan=False, width=32)


@st.composite
def data_sets(draw: st.DrawFn) -> tuple[list[list[float]], list[float], str]:
    n = draw(st.integers(MIN_POINTS, 40))
    points = draw(st.lists(st.lists(finite, min_size=2, max_size=2), min_size=n, max_size=n))
    if draw(st.booleans()):
        values = draw(st.lists(st.integers(-1000, 1000), min_size=2, max_size=MAX_CLASSES,
                               unique=True))
        labels = [values[i % len(values)] for i in range(n)]
        return points, draw(st.permutations(labels)), "classification"
    return points, draw(st.lists(finite, min_size=n, max_size=n)), "regression"


@given(data_sets())
@settings(max_examples=60, deadline=None)
def test_a_data_set_survives_json_and_back(drawn: tuple) -> None:
    points, labels, task = drawn
    data = check_data(points, labels, task=task)
    again = from_json(json.loads(json.dumps(data.as_dict())))
    assert again == data and again.task == task


def test_from_json_reads_what_a_saved_state_holds() -> None:
    data = from_json({"x1": [0, 1, 2, 3.5], "x2": [0, 1, 0, 1], "target": [1, 2, 3, 4]})
    assert data.task == "regression" and data.X[3].tolist() == [3.5, 1.0]
    assert from_json({"x1": [0, 1, 2, 3], "x2": [0, 1, 0, 1], "label": [4, 4, 4, 5]}).classes == 2


# -- refusals: arrays -----------------------------------------------------------------------------


def refused(error: type[Exception], words: str) -> pytest.RaisesContext:
    return pytest.raises(error, match=words)


@pytest.mark.parametrize(("X", "y", "error", "message"), [
    (torch.zeros(5, 3), [0] * 5, ValueError, r"^X must have shape \(n, 2\), got \(5, 3\)$"),
    (torch.zeros(10), [0] * 10, ValueError, r"X must have shape \(n, 2\), got \(10,\)"),
    (torch.zeros(5, 2), [0, 1, 0, 1], ValueError, r"^y has 4 values, X has 5 points$"),
    (torch.zeros(5, 2), torch.zeros(4, 1), ValueError, r"^y has 4 values, X has 5 points$"),
    (torch.zeros(5, 2), [1], ValueError, r"^y has 1 value, X has 5 points$"),
    (torch.zeros(5, 2), torch.zeros(5, 2), ValueError, r"y must have shape \(n,\) or \(n, 1\)"),
    ("points", [0, 1], TypeError, r"X must be a tensor.*got 'points' \(str\)"),
    ([[0, 0], [1]], [0, 1], TypeError, r"list of \(x1, x2\) pairs"),
    (POINTS, ["a", "b", "c", "d", "e"], TypeError, r"y must be a tensor.*\['a', 'b'"),
    (POINTS, np.array(list("abcde")), TypeError, "y must be a tensor"),
    (torch.zeros(5, 2, dtype=torch.complex64), [0] * 5, TypeError,
     "X must hold real numbers, got torch.complex64"),
])
def test_arrays_of_the_wrong_shape_or_kind_are_refused(X: object, y: object,
                                                       error: type[Exception],
                                                       message: str) -> None:
    with refused(error, message):
        check_data(X, y)


@pytest.mark.parametrize(("row", "column", "value", "message"), [
    (4, 1, float("inf"), r"^X\[4, 1\]: inf is not a finite number$"),
    (0, 0, float("nan"), r"^X\[0, 0\]: nan is not a finite number$"),
    (2, 1, -2e7, r"^X\[2, 1\]: -20000000.0 is outside the range from -1,000,000 to 1,000,000$"),
])
def test_a_bad_coordinate_is_named_by_its_index(row: int, column: int, value: float,
                                                message: str) -> None:
    X = torch.tensor(POINTS, dtype=torch.float64)
    X[row, column] = value
    with refused(ValueError, message):
        check_data(X, [0, 1, 0, 1, 0])


def test_a_bad_label_is_named_by_its_index() -> None:
    with refused(ValueError, r"^y\[3\]: nan is not a finite number$"):
        check_data(POINTS, [0, 1, 0, float("nan"), 1])
    with refused(ValueError, r"^y\[2, 0\]: 1.5 is not a whole number \(labels are classes\)$"):
        check_data(POINTS, [[0], [1], [1.5], [0], [1]], task="classification")
    with refused(ValueError, r"^y\[1\]: 3000000.0 is outside the range"):
        check_data(POINTS, [0.5, 3_000_000, 1, 2, 3])
    with refused(ValueError, r"^y\[1\]: 0.1 is not a whole number"):
        check_data(POINTS, np.array([1, 0.1, 1, 0, 1], dtype=np.float32), "classification")


def test_classes_must_number_two_to_the_most() -> None:
    with refused(ValueError, "^all 300 labels are 1: a classifier needs at least two classes$"):
        check_data([[0, 0]] * 300, [1] * 300, task="classification")
    many = list(range(12)) * 2
    with refused(ValueError, f"the labels have 12 different values.* at most {MAX_CLASSES} "):
        check_data([[i, i] for i in range(24)], many, task="classification")


def test_the_number_of_points_is_bounded_both_ways() -> None:
    with refused(ValueError, "has 3 points; the playground needs at least 4"):
        check_data(POINTS[:3], [0, 1, 0])
    with refused(ValueError, "has 2,001 points; the playground takes at most 2,000"):
        check_data(torch.zeros(MAX_POINTS + 1, 2), torch.zeros(MAX_POINTS + 1))
    with refused(ValueError, "has 0 points"):
        check_data(torch.zeros(0, 2), torch.zeros(0))


def test_a_huge_list_is_refused_before_it_is_converted() -> None:
    huge = [[0.0, 0.0]] * 5_000_000
    start = time.perf_counter()
    with refused(ValueError, "has 5,000,000 points"):
        check_data(huge, huge)
    assert time.perf_counter() - start < 0.5


def test_an_unknown_task_is_refused() -> None:
    with refused(ValueError, "task must be one of classification, regression"):
        check_data(POINTS, [0, 1, 0, 1, 0], task="clustering")
    with refused(TypeError, "task must be one of"):
        check_data(POINTS, [0, 1, 0, 1, 0], task=1)


# -- refusals: JSON -------------------------------------------------------------------------------


@pytest.mark.parametrize(("mapping", "error", "message"), [
    ([1, 2], TypeError, r"must be a JSON object with x1, x2 and label or target; got \[1, 2\]"),
    ({"x1": [0] * 4, "x2": [0] * 4}, ValueError, "^own data is missing label or target$"),
    ({"x2": [0] * 4, "label": [0] * 4}, ValueError, "^own data is missing x1$"),
    ({"x1": [0] * 4, "x2": [0] * 4, "label": [0] * 4, "target": [0] * 4}, ValueError,
     "both label and target"),
    ({"x1": [0] * 4, "x2": [0] * 4, "label": [0] * 4, "weight": [1] * 4}, ValueError,
     "unknown fields 'weight'"),
    ({"x1": [0] * 4, "x2": "0000", "label": [0] * 4}, TypeError,
     r"^x2 must be a list of numbers, got '0000' \(str\)$"),
    ({"x1": [0] * 4, "x2": [0] * 3, "label": [0] * 4}, ValueError, "^x2 has 3 values, x1 has 4$"),
    ({"x1": [0, 1, "2", 3], "x2": [0] * 4, "label": [0] * 4}, TypeError,
     r"^x1\[2\] must be a number, got '2' \(str\)$"),
    ({"x1": [0, 1, 2, 3], "x2": [0] * 4, "label": [0, True, 0, 1]}, TypeError,
     r"^label\[1\] must be a number, got True \(bool\)$"),
    ({"x1": [0, 1, 2, 3], "x2": [0, 0, 0, 10**400], "label": [0, 1, 0, 1]}, ValueError,
     r"^x2\[3\]: <int of 1329 bits> is outside the range"),
    ({"x1": [0, 1, 2, 3], "x2": [0] * 4, "label": [0, 1, 0, 0.5]}, ValueError,
     r"^label\[3\]: 0.5 is not a whole number \(labels are classes\)$"),
    ({"x1": [0, 1, 2, 3], "x2": [0] * 4, "label": [7, 7, 7, 7]}, ValueError,
     "^all 4 labels are 7"),
    ({"x1": [0] * 3000, "x2": [0] * 3000, "target": [0] * 3000}, ValueError,
     "has 3,000 points; the playground takes at most 2,000"),
])
def test_json_that_is_not_a_data_set_is_refused(mapping: object, error: type[Exception],
                                                message: str) -> None:
    with refused(error, message):
        from_json(mapping)


# -- refusals: CSV --------------------------------------------------------------------------------

GOOD_ROWS = ["0,0,0", "1,1,1", "2,0,0", "0,2,1", "1,0,1"]


def with_row(line: int, row: str) -> str:
    """The good CSV with ``row`` on line ``line`` of the file (the header is line 1)."""
    rows = list(GOOD_ROWS)
    rows.insert(line - 2, row)
    return csv_text(rows)


@pytest.mark.parametrize(("line", "row", "message"), [
    (7, "1,abc,0", r"^row 7, column x2: 'abc' is not a number$"),
    (3, "1,2", r"^row 3 has 2 values, the header has 3 columns$"),
    (4, "1", r"^row 4 has 1 value, the header has 3 columns$"),
    (5, "1,2,3,4", r"^row 5 has 4 values, the header has 3 columns$"),
    (6, "nan,1,0", r"^row 6, column x1: nan is not a finite number$"),
    (2, "1,-inf,0", r"^row 2, column x2: -inf is not a finite number$"),
    (4, "1,1,1.5", r"^row 4, column label: 1.5 is not a whole number \(labels are classes\)$"),
    (3, "2e6,1,0", r"^row 3, column x1: 2e6 is outside the range from -1,000,000 to 1,000,000$"),
    (3, "1" + "0" * 400 + ",1,0", "^row 3, column x1: 1" + "0" * 26 + r"\.\.\. is outside"),
    (5, "1, ,0", r"^row 5, column x2 is empty$"),
])
def test_a_bad_row_is_named_by_its_line_and_column(line: int, row: str, message: str) -> None:
    with refused(ValueError, message):
        read_csv(with_row(line, row))


def test_rows_are_numbered_as_lines_of_the_file() -> None:
    text = "\n\nx1,x2,target\r\n0,0,0\r\n\r\n1,1,1\r\n\"2\n\",0,0\r\n0,x,1\r\n"
    with refused(ValueError, r"^row 9, column x2: 'x' is not a number$"):
        read_csv(text)
    with refused(ValueError, r"^row 7, column x1: '2\\nb' is not a number$"):
        read_csv(text.replace('"2\n"', '"2\nb"'))


@pytest.mark.parametrize(("header", "message"), [
    ("x1,x2", r"^the header \(line 1\) must name x1, x2 and label or target; it lacks label or"),
    ("x1,label", r"it lacks x2$"),
    ("x1,x2,label,weight", r"does not read: 'weight'; it reads x1, x2 and label or target$"),
    ("x1,x2,label,", r"does not read: ''"),
    ("x1,x2,label,x2", r"^the header \(line 1\) names x2 twice$"),
    ("x1,x2,label,target", r"^the header \(line 1\) names both label and target"),
])
def test_a_bad_header_is_refused(header: str, message: str) -> None:
    with refused(ValueError, message):
        read_csv(csv_text(["1,2,3"], header=header))


def test_unknown_columns_are_named_a_few_at_a_time() -> None:
    header = ",".join(f"c{i}" for i in range(10_000))
    with refused(ValueError, r"does not read: 'c0', 'c1', 'c2', 'c3', \.\.\.; it reads"):
        read_csv(header)


@pytest.mark.parametrize(("text", "error", "message"), [
    (b"x1,x2,label\n0,0,0\n1,\xff,1\n", ValueError,
     r"^the CSV is not UTF-8 text: line 3 has a byte \(0xff\) that UTF-8 cannot read"),
    (12, TypeError, "^the CSV must be text \\(a str\\) or bytes, got 12$"),
    ("", ValueError, "^the CSV is empty"),
    ("\n \r\n\n", ValueError, "^the CSV is empty"),
    ("x1,x2,label\n0,0,0\n1,1,1\n\n", ValueError, "has 2 points; the playground needs at least 4"),
    (csv_text(["0,0,1"] * 300), ValueError,
     "^all 300 labels are 1: a classifier needs at least two classes$"),
    (csv_text([f"{i},{i},{i}" for i in range(9)]), ValueError,
     f"^the labels have 9 different values; the playground tells at most {MAX_CLASSES} "),
    ('x1,x2,label\n0,0,0\n"1' + "9" * 200_000 + '",0,0\n', ValueError,
     "^row 3: field larger than field limit"),
])
def test_a_bad_csv_is_refused(text: object, error: type[Exception], message: str) -> None:
    with refused(error, message):
        read_csv(text)


@pytest.mark.parametrize("text", [
    "x" * (MAX_CSV_BYTES + 1),
    b"x" * (MAX_CSV_BYTES + 1),
    "é" * (MAX_CSV_BYTES // 2 + 1),  # fewer characters than the limit, more bytes
], ids=["str", "bytes", "non-ascii str"])
def test_a_csv_larger_than_the_limit_is_refused_before_parsing(text: str | bytes) -> None:
    with refused(ValueError, r"^the CSV is 1,000,00[12] (bytes|characters); the playground "
                             r"reads at most 1,000,000 bytes"):
        read_csv(text)


def test_counting_rows_stops_at_the_first_one_too_many(monkeypatch: pytest.MonkeyPatch) -> None:
    import widgets.playground.own_data as own_data
    parsed = []
    number = own_data._number
    monkeypatch.setattr(own_data, "_number", lambda *args: parsed.append(1) or number(*args))
    rows = ["1,2,0"] * (MAX_POINTS + 500) + ["oops"]
    with refused(ValueError, "^the CSV has more than 2,000 rows of points; the playground takes"):
        read_csv(csv_text(rows))
    assert len(parsed) == 3 * MAX_POINTS


@pytest.mark.parametrize("text", [
    "\n" * (MAX_CSV_BYTES - 1),
    "," * (MAX_CSV_BYTES - 1),
    "x1,x2,label\n" + "," * (MAX_CSV_BYTES - 20),
    "x1,x2,label\n" + "\r\n" * (MAX_CSV_BYTES // 2 - 10),
    "x1,x2,label\n" + "0,0,1\n" * (MAX_CSV_BYTES // 6 - 5),
    "x1,x2,label\n" + '"' + "a\n" * (MAX_CSV_BYTES // 2 - 10),
    "x1,x2,label\n" + "1" * (MAX_CSV_BYTES - 20),
], ids=["blank lines", "commas", "an empty row", "crlf lines", "many rows", "open quote",
        "one long number"])
def test_hostile_text_is_refused_quickly(text: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ValueError):
        read_csv(text)
    assert time.perf_counter() - start < 1.0
