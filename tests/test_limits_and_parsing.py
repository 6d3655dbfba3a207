"""Limits, their setters and the sizes they guard; the thread-count variable; the digits split's rounding.

* Every setter of a limit (limits.set_literal_limit, limits.set_max_array_bytes,
  engine.set_workspace_limit, engine.set_num_threads) accepts exactly the valid values -
  1 included - and refuses 0, negatives, NaN, infinities, bools and strings with a clear
  error, leaving the old value in place.
* GROUPCONV_NUM_THREADS is read as ASCII digits only: "²" passes str.isdigit() but is no
  number; a bad value stops `import groupconv` with a message naming the variable.
* Sizes are multiplied in Python integers: shapes whose product exceeds 2**63 (where an
  int64 product wraps to 0, to a negative or to a small number) are refused.
* Every function that allocates from a size given by the caller checks it first: a huge
  size raises ValueError at once, without allocating; below the bound it works.
* digits.split rounds each class's test count to the nearest integer (ties to even).
Expected values are computed here, in plain Python, from the rules the docstrings state.
"""
import math
import os
import re
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groupconv import digits, engine, groups, images, lattices, limits

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- the setters of the limits

def integer_ok(value):
    return type(value) in (int, np.int64) and value >= 1


def seconds_ok(value):
    return type(value) in (int, float, np.int64, np.float64) and math.isfinite(value) and value > 0


SETTERS = {  # name: (setter, getter, rule for an accepted value, what None does)
    "set_literal_limit": (limits.set_literal_limit, lambda: limits.LITERAL_SECONDS, seconds_ok, "no limit"),
    "set_max_array_bytes": (limits.set_max_array_bytes, lambda: limits.MAX_ARRAY_BYTES, integer_ok, "no limit"),
    "set_workspace_limit": (engine.set_workspace_limit, lambda: engine.WORKSPACE_BYTES, integer_ok, "refused"),
    "set_num_threads": (engine.set_num_threads, engine.get_num_threads, integer_ok, "default"),
}

VALUES = st.one_of(
    st.integers(-3, 2**70), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.text(max_size=3),
    st.sampled_from([np.int64(1), np.int64(0), np.int64(-2), np.float64(2.5), np.float64("nan"), np.bool_(True),
                     "1", "4096", b"1", [1], (2,), 1 + 0j, -0.0, 1e-300, 2**63, float("inf"), float("-inf")]))


def try_setter(name, value):
    """Call the setter with value; return (error or None, the value in force afterwards), the old value restored."""
    setter, getter, _, _ = SETTERS[name]
    before = getter()
    try:
        setter(value)
        error = None
    except (TypeError, ValueError) as e:
        error = e
    after = getter()
    setter(before)
    assert getter() == before
    return error, before, after


@pytest.mark.parametrize("name", SETTERS)
@given(value=VALUES)
def test_each_setter_accepts_exactly_the_valid_limits(name, value):
    _, _, rule, none = SETTERS[name]
    error, before, after = try_setter(name, value)
    if value is None:
        expected = {"no limit": None, "default": engine._default_threads()}.get(none, before)
        assert (error is None) is (none != "refused") and after == expected
        return
    if rule(value):
        assert error is None, f"{name}({value!r}) refused: {error}"
        assert type(after) is (float if rule is seconds_ok else int)
        assert after == (float(value) if rule is seconds_ok else value)
    else:
        assert error is not None, f"{name}({value!r}) was accepted"
        assert after == before  # a refused value changes nothing
        message = str(error)
        assert repr(value) in message, message  # names what was got
        assert ("integer" if rule is integer_ok else "number") in message, message  # and what was expected


@pytest.mark.parametrize("name", SETTERS)
def test_one_and_its_numpy_form_are_accepted_by_every_setter(name):
    for one in (1, np.int64(1)):
        error, _, after = try_setter(name, one)
        assert error is None and after == 1
    for bad in (0, -1, float("nan"), float("inf"), True, "5"):
        error, before, after = try_setter(name, bad)
        assert isinstance(error, (TypeError, ValueError)) and after == before


def test_a_thread_count_of_one_runs_the_engine():
    old = engine.set_num_threads(1)
    try:
        f, psi = np.arange(50.0).reshape(1, 2, 5, 5), np.ones((1, 2, 3, 3))
        assert engine.planar_correlation(f, psi)[0, 0, 0, 0] == sum(f[0, c, i, j] for c in range(2)
                                                                     for i in range(3) for j in range(3))
    finally:
        engine.set_num_threads(old)


# ---------------------------------------------------------------- GROUPCONV_NUM_THREADS

def import_groupconv(value):
    env = dict(os.environ, GROUPCONV_NUM_THREADS=value, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", "import groupconv; print(groupconv.get_num_threads())"], env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_environment_variable_set_to_one_gives_one_thread():
    proc = import_groupconv("1")
    assert proc.returncode == 0 and proc.stdout.strip() == "1", proc.stderr


@pytest.mark.parametrize("value", ["²", "١", "3²", "٣"])
def test_digits_other_than_ascii_stop_the_import_with_a_clear_message(value):
    # "²" passes str.isdigit() but int() refuses it; "١" (Arabic-Indic one) int() would read as 1
    proc = import_groupconv(value)
    assert proc.returncode != 0, proc.stdout
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ValueError: the environment variable GROUPCONV_NUM_THREADS must be a positive integer")
    assert repr(value) in last and "invalid literal" not in proc.stderr


@given(value=st.text(alphabet="0123456789 ²³¹١٢٣۴߀x+-.", max_size=5))
def test_the_variable_is_read_as_ascii_digits_only(value):
    text = value.strip(" ")
    with mock.patch.dict(os.environ, {"GROUPCONV_NUM_THREADS": value}):
        if not text:  # unset in effect: every usable core
            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
            assert engine._default_threads() == cores
        elif re.fullmatch("[0-9]+", text) and int(text) >= 1:
            assert engine._default_threads() == int(text)
        else:
            with pytest.raises(ValueError) as error:
                engine._default_threads()
            assert "GROUPCONV_NUM_THREADS must be a positive integer" in str(error.value)
            assert repr(text) in str(error.value)


# ---------------------------------------------------------------- sizes in Python integers

WRAPPING_SHAPES = [  # the int64 product of each wraps: to 0, to a negative, to a small positive number
    ((2**32, 2**32), np.bool_), ((3, 2**62), np.bool_), ((2**33 + 1, 2**31), np.bool_),
    ((2**21, 2**21, 2**21), np.float64), ((2**16,) * 4, np.complex128), ((0, 2**63), np.float64)]


@pytest.mark.parametrize("shape, dtype", WRAPPING_SHAPES)
def test_shapes_beyond_2_to_the_63_are_measured_exactly(shape, dtype):
    expected = math.prod(shape) * np.dtype(dtype).itemsize
    assert limits.array_bytes(shape, dtype) == expected
    assert limits.array_bytes(tuple(np.uint64(n) for n in shape), dtype) == expected
    if expected > limits.MAX_ARRAY_BYTES:
        with pytest.raises(ValueError, match=r"shape \(.*GiB"):
            limits.check_allocation(shape, dtype, "the test array")
    else:  # the empty array: nothing to allocate
        assert limits.check_allocation(shape, dtype, "the test array") == shape


@given(shape=st.lists(st.integers(0, 2**40), min_size=1, max_size=6),
       dtype=st.sampled_from([np.bool_, np.int8, np.float64, np.complex128]), numpy_ints=st.booleans(),
       limit=st.one_of(st.none(), st.integers(1, 2**64)))
def test_check_allocation_refuses_exactly_the_arrays_above_the_bound(shape, dtype, numpy_ints, limit):
    expected = math.prod(shape) * np.dtype(dtype).itemsize
    given_shape = tuple(np.int64(n) for n in shape) if numpy_ints else tuple(shape)
    old = limits.set_max_array_bytes(limit)
    try:
        assert limits.array_bytes(given_shape, dtype) == expected
        if limit is not None and expected > limit:
            with pytest.raises(ValueError, match="would need"):
                limits.check_allocation(given_shape, dtype, "the test array")
        else:
            limits.check_allocation(given_shape, dtype, "the test array")
    finally:
        limits.set_max_array_bytes(old)


@pytest.mark.parametrize("bad", [-1, 2.5, True, "3", None, np.float64(4.0)])
def test_a_shape_of_anything_but_non_negative_integers_is_refused(bad):
    with pytest.raises((TypeError, ValueError), match="every size in the shape of the test array"):
        limits.check_allocation((4, bad), np.float64, "the test array")


def test_sizes_too_large_for_a_float_are_still_reported():
    with pytest.raises(ValueError, match=r"more than 2\*\*\d+ bytes"):
        limits.check_allocation((10**200, 10**200), np.float64, "the test array")


# ---------------------------------------------------------------- every allocation from a size given by the caller

RNG = np.random.default_rng(0)
ALLOCATIONS = {  # name: (call with a size, the bytes of its largest array, sizes the function takes)
    "groups.random_elements": (lambda n: groups.random_elements("p4m", n, RNG), lambda n: 72 * n, "count"),
    "images.photograph": (images.photograph, lambda s: 8 * s * s, "positive"),
    "images.integer_image": (lambda s: images.integer_image((s, s), RNG), lambda s: 8 * s * s, "any"),
    "images.random_signal exact": (lambda s: images.random_signal((2, s, s), RNG, "exact"), lambda s: 16 * s * s, "any"),
    "images.random_signal float": (lambda s: images.random_signal((s, s), RNG, "float"), lambda s: 8 * s * s, "any"),
    "images.to_hexagonal": (lambda n: images.to_hexagonal(np.ones((3, 5, 5)), n), lambda n: max(16 * n * n, 3 * 8 * n * n), "odd"),
    "images.from_hexagonal": (lambda s: images.from_hexagonal(np.ones((2, 3, 3)), s), lambda s: 16 * s * s, "positive"),
    "lattices square frame_mask": (lambda s: lattices.get("square").frame_mask(s, s), lambda s: s * s, "any"),
    "lattices hexagonal frame_mask": (lambda s: lattices.get("hexagonal").frame_mask(s, s), lambda s: 8 * s * s, "odd"),
    "digits.canvas": (lambda s: digits.canvas(np.zeros((3, 8, 8)), s), lambda s: 24 * s * s, "canvas"),
}
# odd and >= 9 (any function takes it): (10**7)**2 entries, or 10**13 elements, are some 800 TB, beyond any
# address space, so that the code before these guards failed at once with MemoryError instead of swapping
HUGE = {"count": 10**13, "any": 10**7 + 1, "positive": 10**7 + 1, "odd": 10**7 + 1,
        "canvas": 10**7 + 1}


@pytest.mark.parametrize("name", ALLOCATIONS)
def test_a_huge_size_raises_at_once_without_allocating(name):
    call, nbytes, kind = ALLOCATIONS[name]
    huge = HUGE[kind]
    assert nbytes(huge) > 2**40 > limits.MAX_ARRAY_BYTES
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError, match=r"of shape \(.*GiB.*set_max_array_bytes"):
            call(huge)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20, f"{name} allocated {peak} bytes before refusing"
    assert seconds < 5.0, f"{name} took {seconds:.1f} s to refuse"


def sizes(kind):
    return {"count": st.integers(0, 2000), "any": st.integers(0, 40), "positive": st.integers(1, 40),
            "odd": st.integers(0, 20).map(lambda n: 2 * n + 1),
            "canvas": st.integers(4, 20).map(lambda n: 2 * n + 1)}[kind]


@pytest.mark.parametrize("name", ALLOCATIONS)
@settings(max_examples=25)
@given(data=st.data(), limit=st.integers(1, 2**16))
def test_each_allocation_is_refused_exactly_above_the_bound(name, data, limit):
    call, nbytes, kind = ALLOCATIONS[name]
    size = data.draw(sizes(kind))
    old = limits.set_max_array_bytes(limit)
    try:
        if nbytes(size) > limit:
            with pytest.raises(ValueError, match="set_max_array_bytes"):
                call(size)
        else:
            assert np.asarray(call(size)).nbytes <= limit
    finally:
        limits.set_max_array_bytes(old)


@pytest.mark.parametrize("n, max_shift, error", [(True, 3, TypeError), (2.0, 3, TypeError), ("3", 3, TypeError),
                                                 (None, 3, TypeError), (3, 1.5, TypeError), (3, False, TypeError),
                                                 (-1, 3, ValueError), (np.int64(-1), 3, ValueError)])
def test_random_elements_wants_integer_counts_and_shifts(n, max_shift, error):
    with pytest.raises(error, match="n and max_shift must be non-negative integers"):
        groups.random_elements("p4", n, RNG, max_shift=max_shift)
    assert groups.random_elements("p4", np.int64(2), RNG, max_shift=np.int64(1)).shape == (2, 3, 3)


# ---------------------------------------------------------------- digits.split: how the counts are rounded

@given(counts=st.lists(st.integers(1, 40), min_size=1, max_size=8),
       fraction=st.one_of(st.floats(0.01, 0.99), st.sampled_from([0.5, 0.25, 0.75, 0.3, 0.1])),
       seed=st.integers(0, 2**32), data=st.data())
def test_split_rounds_each_class_to_the_nearest_count_and_covers_everything(counts, fraction, seed, data):
    names = data.draw(st.lists(st.integers(-5, 99), min_size=len(counts), max_size=len(counts), unique=True))
    labels = np.array([name for name, count in zip(names, counts) for _ in range(count)])
    labels = labels[np.random.default_rng(seed).permutation(len(labels))]  # classes interleaved
    train, test = digits.split(labels, fraction, seed)
    # disjoint, sorted, every index once
    assert sorted(train.tolist() + test.tolist()) == list(range(len(labels)))
    assert train.tolist() == sorted(train.tolist()) and test.tolist() == sorted(test.tolist())
    # per class: the documented rule, round() of the product (nearest, ties to even), so within 1/2 of it
    in_test = Counter(labels[test].tolist())
    for name, count in zip(names, counts):
        assert in_test[name] == round(fraction * count), (name, count, fraction)
        assert abs(in_test[name] - fraction * count) <= 0.5 + 1e-12
    assert len(test) == sum(round(fraction * count) for count in counts)
    # deterministic for a seed, whatever the container of the labels
    again = digits.split(labels.tolist(), fraction, seed)
    assert np.array_equal(again[0], train) and np.array_equal(again[1], test)


def test_split_rounds_ties_to_even():
    for count, expected in [(1, 0), (3, 2), (5, 2), (7, 4), (9, 4)]:  # 0.5, 1.5, 2.5, 3.5, 4.5
        _, test = digits.split(np.zeros(count, int), 0.5, seed=1)
        assert len(test) == expected, count


def test_split_refuses_bad_labels_and_fractions_and_splits_no_labels_into_nothing():
    with pytest.raises(ValueError, match="1-D"):
        digits.split(np.zeros((3, 2), int))
    for bad in (True, "0.3", None):
        with pytest.raises(TypeError, match="test_fraction must be a number"):
            digits.split(np.zeros(4, int), bad)
    for bad in (0.0, 1.0, float("nan"), -0.5):
        with pytest.raises(ValueError, match="strictly between 0 and 1"):
            digits.split(np.zeros(4, int), bad)
    train, test = digits.split(np.array([], int))
    assert train.shape == test.shape == (0,) and train.dtype.kind == test.dtype.kind == "i"


def test_the_time_model_counts_at_least_one_rider():
    """literal_seconds: iterations x (per pass + elements x ELEMENT_SECONDS x riders), riders counted as at least 1.

    A loop over an empty batch (riders = 0) still runs its body and reads its elements once per pass."""
    expected = 100 * (1e-6 + 10 * limits.ELEMENT_SECONDS * 1)
    assert limits.literal_seconds(100, 1e-6, elements=10, riders=0) == pytest.approx(expected, rel=1e-12)
    assert limits.literal_seconds(100, 1e-6, elements=10, riders=1) == pytest.approx(expected, rel=1e-12)
    assert limits.literal_seconds(100, 1e-6, elements=10, riders=3) == pytest.approx(
        100 * (1e-6 + 30 * limits.ELEMENT_SECONDS), rel=1e-12)
