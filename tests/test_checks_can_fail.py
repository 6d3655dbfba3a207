"""Every function of groupconv/checks.py fails where it should.

The checks make "every proof reproduced" true, so they are tested against what they
must reject: a proof chain with any one step broken (first, middle, last, or one among
many), a residual whose tolerance scale or imaginary part or large integers could be
dropped, shapes that only broadcast, a NaN on either side, each kind of check on both
sides of its tolerance, the printed label, and the closing tally of finish(). Expected
values are computed here independently, in plain Python (floats and ints), never with
checks.py itself. tests/test_checks.py has the basic cases; these are the ones an outside
mutation study found unpinned.
"""
import contextlib
import io
import math
import os
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from groupconv import checks

TOL = checks.FLOAT_TOL


@contextlib.contextmanager
def recording():
    """checks.RESULTS empty, no results file, not verbose, stdout captured (usable inside hypothesis examples)."""
    old_results, old_file = checks.RESULTS, os.environ.pop("GROUPCONV_RESULTS", None)
    checks.RESULTS = []
    checks.set_verbose(False)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), mock.patch.object(checks, "_in_notebook", return_value=False):
            yield out
    finally:
        checks.RESULTS = old_results
        checks.set_verbose(None)
        if old_file is not None:
            os.environ["GROUPCONV_RESULTS"] = old_file


def same_float(x, y):
    return (math.isnan(x) and math.isnan(y)) or x == y


# ---------------------------------------------------------------- chain

def check_chain(n_lines, failing, kind):
    """A chain of n_lines lines whose steps in `failing` break; check everything chain() and finish() report."""
    base = np.arange(6.0).reshape(2, 3)
    good, bad = {"exact": (0.0, 1.0), "float": (1e-12, 1.0), "nonzero": (1.0, 0.0)}[kind]  # step differences
    lines, value = [], base
    for n in range(n_lines):
        lines.append((f"L{n + 1}", value))
        value = value + (bad if n in failing else good)  # step n compares line n + 1 with line n + 2
    with recording() as out:
        ok = checks.chain("Q1", "demo", lines, kind)
        rows = list(checks.RESULTS)
        failed = checks.failures()
        printed = out.getvalue().splitlines()
        try:
            checks.finish()
            status = 0
        except SystemExit as stop:
            status = stop.code
    expected = [n not in failing for n in range(n_lines - 1)]
    assert ok is all(expected)
    assert [row["passed"] for row in rows] == expected  # one record per step, each with its own verdict
    assert [row["what"] for row in rows] == [f"demo: line {n + 1} = line {n + 2}" for n in range(n_lines - 1)]
    assert len(failed) == len(failing)
    assert printed[0].startswith("  FAIL Q1 " if failing else "  PASS Q1 "), printed[0]
    assert status == (1 if failing else 0)
    if failing:  # the table shows which steps failed
        table = [line for line in printed if line.lstrip().startswith("line ")]
        assert len(table) == n_lines
        for n in range(n_lines - 1):
            assert ("[FAIL]" in table[n]) is (n in failing), table[n]
        worst = max(bad for _ in failing)
        assert f"max|LHS-RHS| = {worst:.3g} (" in printed[0]


@pytest.mark.parametrize("kind", checks.KINDS)
@pytest.mark.parametrize("n_lines, failing", [
    (2, {0}), (3, {0}), (3, {1}), (4, {1}), (5, {2}),  # first, middle, last of a short chain
    (8, {0}), (8, {3}), (8, {6}),  # only one step failing among seven: first, middle, last
    (8, {0, 6}), (8, set()), (2, set())])
def test_a_chain_fails_and_counts_each_broken_step_wherever_it_is(n_lines, failing, kind):
    check_chain(n_lines, failing, kind)


@given(n_lines=st.integers(2, 9), kind=st.sampled_from(checks.KINDS), data=st.data())
def test_a_chain_passes_exactly_when_every_step_does(n_lines, kind, data):
    check_chain(n_lines, data.draw(st.sets(st.integers(0, n_lines - 2))), kind)


def test_a_chain_of_fewer_than_two_lines_proves_nothing_and_is_refused():
    for lines in ([], [("the only line", np.ones(3))]):
        with recording() as out, pytest.raises(ValueError, match="at least two lines"):
            checks.chain("Q2", "no step", lines)
        assert "PASS" not in out.getvalue()


def test_a_chain_of_bare_arrays_is_refused_not_compared_row_by_row():
    # lines[n][1] of a bare 2-row array is its second row: the first rows (which differ here) would never be compared
    lines = [np.array([[1, 2], [3, 4]]), np.array([[9, 9], [3, 4]]), np.array([[0, 0], [3, 4]])]
    with recording(), pytest.raises(TypeError, match=r"\(label, array\) pair"):
        checks.chain("Q3", "unlabelled", lines)
    with recording(), pytest.raises(TypeError, match=r"\(label, array\) pair"):
        checks.chain("Q3", "one label missing", [("a", np.zeros(2)), np.zeros(2)])
    with recording() as out, pytest.raises(ValueError, match="kind must be one of"):
        checks.chain("Q3", "bad kind", [("a", np.zeros(2)), ("b", np.zeros(2))], "close")
    assert out.getvalue() == ""


def test_a_chain_reports_a_nan_step_before_a_larger_finite_failure():
    lines = [("a", np.zeros(2)), ("b", np.array([5.0, 0.0])), ("c", np.array([np.nan, 0.0]))]
    for order in (lines, lines[::-1]):
        with recording() as out:
            assert checks.chain("Q4", "nan", order) is False
        first = out.getvalue().splitlines()[0]
        assert first.startswith("  FAIL") and "NaN" in first, first


# ---------------------------------------------------------------- residual

def reference(a, b):
    """max |a - b| (NaN if a NaN is on either side; equal entries, infinities included, differ by 0) and the scale."""
    xs, ys = np.ravel(a).tolist(), np.ravel(b).tolist()
    diffs = [0 if x == y else abs(x - y) for x, y in zip(xs, ys)]
    if any(isinstance(d, float) and math.isnan(d) for d in diffs):
        value = math.nan
    else:
        value = float(max(diffs, default=0))
    scale = max([1.0] + [float(abs(x)) for x in xs + ys if math.isfinite(x)])
    return value, scale


def assert_matches_reference(a, b):
    value, scale = reference(a, b)
    forward, backward = checks.residual(a, b), checks.residual(b, a)
    for res in (forward, backward):
        assert same_float(res.value, value), (res, value)
        assert res.scale == scale, (res, scale)
        assert res.exact is (value == 0)
    for kind in checks.KINDS:  # LHS and RHS swapped: the same verdict
        assert checks.passes(forward, kind) == checks.passes(backward, kind)


float_entries = st.floats(allow_nan=True, allow_infinity=True, width=64)


@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
def test_residual_of_floats_matches_a_plain_python_reference_and_is_symmetric(data, shape):
    a = data.draw(hnp.arrays(np.float64, shape, elements=float_entries))
    b = data.draw(st.one_of(hnp.arrays(np.float64, shape, elements=float_entries),
                            st.just(a + data.draw(st.floats(-1e-6, 1e-6)))))  # also nearly equal sides
    assert_matches_reference(a, b)


@pytest.mark.parametrize("dtype", [np.int64, np.float64])
def test_large_values_on_either_side_give_the_same_verdict(dtype):
    # one side's largest |value| is 1e9, the other's 1e9 - 1: the residual 1 is at the bound FLOAT_TOL * 1e9 = 1
    # taken from both sides, and beyond the bound FLOAT_TOL * (1e9 - 1) of the smaller side alone
    large, small = np.array([10**9, 0], dtype), np.array([10**9 - 1, 0], dtype)
    assert 1 <= TOL * 10**9 and 1 > TOL * (10**9 - 1)  # the arithmetic this case relies on
    for lhs, rhs in ((large, small), (small, large)):
        res = checks.residual(lhs, rhs)
        assert res.value == 1.0 and res.scale == 1e9
        assert checks.passes(res, "float") and not checks.passes(res, "nonzero") and not checks.passes(res, "exact")


@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5))
def test_a_difference_in_the_imaginary_part_alone_is_never_dropped(data, shape):
    real = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-1e6, 1e6)))
    imag = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-1e3, 1e3)))
    expected = max(abs(v) for v in imag.ravel().tolist())
    pairs = [(real, real + 1j * imag, expected),  # a float side against a complex one
             (real + 0j, real + 1j * imag, expected),  # complex against complex
             (real - 1j * imag, real + 1j * imag, 2 * expected)]  # complex conjugates: 2 * imag apart
    for lhs, rhs, value in pairs:
        for a, b in ((lhs, rhs), (rhs, lhs)):
            res = checks.residual(a, b)
            assert res.value == value and res.exact is (value == 0)
            assert checks.passes(res, "exact") is (value == 0)
    small = checks.residual(np.ones(2, np.complex64), np.array([1, 1 + 0.5j], np.complex64))
    assert small.value == 0.5 and not checks.passes(small, "exact")


def test_extended_precision_is_not_rounded_away():
    one = np.longdouble(1)
    eps = np.finfo(np.longdouble).eps
    if eps >= np.finfo(np.float64).eps:
        pytest.skip("long double is float64 on this platform")
    res = checks.residual(np.array([one]), np.array([one + eps]))
    assert not res.exact and res.value == float(eps)


int_dtypes = st.sampled_from([np.bool_, np.int8, np.uint8, np.int64, np.uint64])


@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=4), da=int_dtypes, db=int_dtypes)
def test_residual_of_integers_is_exact_over_the_whole_range_of_every_dtype(data, shape, da, db):
    a = data.draw(hnp.arrays(da, shape))  # the full range: int64 min, uint64 max and their neighbours included
    b = data.draw(st.one_of(hnp.arrays(db, shape), st.just(a.copy())))
    assert_matches_reference(a, b)


def test_integer_residuals_at_the_ends_of_the_int64_and_uint64_ranges():
    top = checks.residual(np.array([2**64 - 1], np.uint64), np.array([0], np.uint64))
    assert top.value == float(2**64 - 1) and top.scale == float(2**64 - 1)
    mixed = checks.residual(np.array([2**63], np.uint64), np.array([-1], np.int64))
    assert mixed.value == float(2**63 + 1)
    bottom = checks.residual(np.array([-2**63], np.int64), np.array([0], np.int64))
    assert bottom.scale == 2.0**63 and bottom.value == 2.0**63


@given(ints=hnp.arrays(np.int64, 3, elements=st.integers(-2**53, 2**53)),
       floats=hnp.arrays(np.float64, 3, elements=st.floats(-1e15, 1e15)))
def test_integers_against_floats_are_compared_as_numbers_never_truncated(ints, floats):
    assert_matches_reference(ints, floats)
    assert_matches_reference(ints, ints.astype(np.float64))  # the same numbers: exactly equal
    assert checks.residual(np.array([1, 2]), np.array([1.0, 2.5])).value == 0.5


@pytest.mark.parametrize("shape_a, shape_b", [((3,), (1, 3)), ((3,), ()), ((1,), ()), ((2, 3), (3, 2)),
                                              ((0,), (0, 1)), ((2, 1), (2, 3))])
def test_shapes_that_only_broadcast_are_refused(shape_a, shape_b):
    for a, b in ((np.zeros(shape_a), np.zeros(shape_b)), (np.zeros(shape_b), np.zeros(shape_a))):
        with pytest.raises(ValueError, match="one shape"):
            checks.residual(a, b)
        with recording() as out, pytest.raises(ValueError, match="one shape"):
            checks.check("Q5", "shapes", a, b)
        assert checks.RESULTS == [] and out.getvalue() == ""


@given(data=st.data(), n=st.integers(1, 6), side=st.sampled_from(["lhs", "rhs"]), kind=st.sampled_from(checks.KINDS))
def test_a_nan_on_either_side_passes_no_kind_of_check(data, n, side, kind):
    a = data.draw(hnp.arrays(np.float64, n, elements=st.floats(-10, 10)))
    b = a.copy()
    where = data.draw(st.integers(0, n - 1))
    (a if side == "lhs" else b)[where] = np.nan
    res = checks.residual(a, b)
    assert math.isnan(res.value) and not res.exact
    assert not checks.passes(res, kind)
    with recording() as out:
        assert checks.check("Q6", "nan", a, b, kind) is False
    assert out.getvalue().startswith("  FAIL Q6 ") and "NaN" in out.getvalue()


# ---------------------------------------------------------------- check: each kind at its tolerance

def one_check(kind, d, large=1.0):
    """check() of [large, 0] against [large, d]: (returned, printed line, recorded row)."""
    with recording() as out:
        ok = checks.check("Q7", "boundary", np.array([large, 0.0]), np.array([large, d]), kind)
        row = checks.RESULTS[-1]
    return ok, out.getvalue().strip(), row


def above(x):
    return float(np.nextafter(x, np.inf))


@pytest.mark.parametrize("large", [0.125, 1.0, 2.0**20, 2.0**40])
def test_each_kind_passes_just_inside_its_tolerance_and_fails_just_outside(large):
    bound = TOL * max(1.0, large)  # large is a power of two: the product is exact, the bound is a float
    cases = {  # kind: [(difference, expected verdict)]
        "exact": [(0.0, True), (5e-324, False), (bound, False)],
        "float": [(0.0, True), (bound, True), (above(bound), False)],
        "nonzero": [(0.0, False), (bound, False), (above(bound), True)],
    }
    for kind, tried in cases.items():
        for d, expected in tried:
            ok, line, row = one_check(kind, d, large)
            assert ok is expected, (kind, d, line)
            assert row["passed"] is expected and row["kind"] == kind and row["residual"] == d
            assert line.startswith("PASS" if expected else "FAIL"), line


@pytest.mark.parametrize("kind, d, verdict, label", [
    ("exact", 0.0, "PASS", "(exact)"), ("exact", 1e-13, "FAIL", "(float round-off)"),
    ("exact", 1e-3, "FAIL", "(NOT within round-off)"),
    ("float", 0.0, "PASS", "(exact)"), ("float", 1e-13, "PASS", "(float round-off)"),
    ("float", 1e-3, "FAIL", "(NOT within round-off)"),
    ("nonzero", 0.0, "FAIL", "(no counterexample: the sides agree exactly)"),
    ("nonzero", 1e-13, "FAIL", "(no counterexample: the sides agree to round-off)"),
    ("nonzero", 1e-3, "PASS", "(counterexample)"),
])
def test_the_printed_line_names_the_agreement_found(kind, d, verdict, label):
    ok, line, row = one_check(kind, d)
    assert line == f"{verdict} Q7  boundary: max|LHS-RHS| = {d:.3g} {label}"
    assert ok is (verdict == "PASS") and row["exact"] is (d == 0.0)


@given(d=st.floats(0, 1e3), kind=st.sampled_from(checks.KINDS))
def test_the_line_says_exact_only_when_the_residual_is_zero(d, kind):
    ok, line, row = one_check(kind, d)
    assert ("exact" in line) is (d == 0.0), line
    assert ("round-off" in line) is (0.0 < d and not (kind == "nonzero" and ok)), line
    assert line.startswith("PASS" if ok else "FAIL") and row["passed"] is ok


def test_check_with_an_unknown_kind_records_and_prints_nothing():
    with recording() as out, pytest.raises(ValueError, match="kind must be one of"):
        checks.check("Q8", "kind", np.zeros(2), np.zeros(2), "approx")
    assert checks.RESULTS == [] and out.getvalue() == ""


# ---------------------------------------------------------------- finish

@given(outcomes=st.lists(st.booleans(), min_size=1, max_size=8), notebook=st.booleans())
def test_finish_fails_after_any_failure_wherever_it_came(outcomes, notebook):
    with recording() as out:
        for n, good in enumerate(outcomes):
            checks.check(f"F{n}", "outcome", np.zeros(2), np.zeros(2) if good else np.ones(2))
        with mock.patch.object(checks, "_in_notebook", return_value=notebook):
            try:
                checks.finish()
                raised = None
            except (SystemExit, checks.ChecksFailed) as stop:
                raised = stop
    tally = out.getvalue().splitlines()
    assert f"{sum(outcomes)} of {len(outcomes)} checks passed." in tally
    bad = [f"F{n}" for n, good in enumerate(outcomes) if not good]
    if not bad:
        assert raised is None
    else:
        assert isinstance(raised, checks.ChecksFailed if notebook else SystemExit)
        if not notebook:
            assert raised.code == 1
        assert f"FAILED: {', '.join(sorted(bad))}" in tally


def test_finish_counts_a_broken_chain_step_though_later_checks_pass():
    with recording(), pytest.raises(SystemExit) as stop:
        checks.chain("F1", "broken first step", [("a", np.zeros(2)), ("b", np.ones(2)), ("c", np.ones(2))])
        checks.check("F2", "fine", np.ones(2), np.ones(2))
        checks.finish()
    assert stop.value.code == 1
