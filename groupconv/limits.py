"""Bounds that turn a request for hours of looping or gigabytes of memory into a clear error, up front.

    LITERAL_SECONDS   the literal loops (*_literal in action.py and correlate.py) estimate
                      their running time before they start and raise ValueError, naming
                      the estimate, when it exceeds this many seconds (default 60)
    MAX_ARRAY_BYTES   an array the package would allocate for a result or a workspace may
                      not exceed this many bytes (default 4 GiB): ValueError naming the
                      shape that was asked for, instead of numpy's MemoryError or a
                      machine that starts to swap

Both can be changed (set_literal_limit, set_max_array_bytes; None switches a bound off).
A limit is a positive finite number of seconds, or a positive integer number of bytes;
anything else (0, a negative number, NaN, infinity, True, a string) is refused.
Sizes are multiplied in Python integers, which never overflow: a shape whose product
exceeds 2**63 is refused like any other that is too large, never wrapped to a small number.

The time estimate is a rough model of the loops, measured on this project's machine and
doubled to allow for slower CPUs: seconds = iterations x (the cost of one pass of the
loop body + elements read per pass x ELEMENT_SECONDS x the batch, channel and output
sizes that ride along).
"""
import math
import numbers

import numpy as np

LITERAL_SECONDS = 60.0
MAX_ARRAY_BYTES = 4 * 2**30
ELEMENT_SECONDS = 0.6e-6
"""Time per element read and multiplied inside a literal loop (measured 0.1-0.4 microseconds; doubled for slower CPUs)."""


def plain_array(a, what):
    """a as an ndarray (np.asarray); a masked array (np.ma) raises TypeError.

    np.asarray drops a mask without a word, and the masked entries would then count as
    ordinary numbers: every function of the package that takes arrays refuses them instead.
    """
    if isinstance(a, np.ma.MaskedArray):
        raise TypeError(f"{what} is a masked array (np.ma): groupconv would drop its mask and use the masked "
                        f"entries; pass a.filled(value), or the unmasked entries, instead")
    return np.asarray(a)


def numeric_array(a, what):
    """a as an ndarray of numbers (int, float or complex; plain_array first): booleans and the rest raise TypeError."""
    a = plain_array(a, what)
    if a.dtype.kind not in "iufc":
        raise TypeError(f"{what} must be a numeric array (int, float or complex), got dtype {a.dtype}")
    return a


def integer(value, what, minimum=0):
    """value as a Python int, checked: an integer (not a bool) of at least `minimum`; else TypeError / ValueError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what} must be an integer, got {value!r} ({type(value).__name__})")
    if value < minimum:
        kind = {0: "a non-negative integer", 1: "a positive integer"}.get(minimum, "an integer")
        raise ValueError(f"{what} must be at least {minimum} ({kind}), got {value!r}")
    return int(value)


def generator(rng):
    """rng, checked: a numpy Generator (np.random.default_rng(seed)); else TypeError."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {rng!r}")
    return rng


def shape(value, what, ndim):
    """value as a tuple of ndim non-negative Python ints (a shape given by a caller); else TypeError / ValueError."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise TypeError(f"{what} must be a tuple of {ndim} integers, got {value!r}")
    if len(value) != ndim:
        raise ValueError(f"{what} must be a tuple of {ndim} integers, got {tuple(value)!r}")
    return tuple(integer(n, f"every size in {what}", minimum=0) for n in value)


def finite_number(value, what, positive=False):
    """value as a float, checked: a real number (not a bool) that is finite (and > 0 if `positive`); else TypeError / ValueError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number, got {value!r} ({type(value).__name__})")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the largest float
        number = math.inf
    if not (math.isfinite(number) and (number > 0 or not positive)):
        raise ValueError(f"{what} must be a {'positive ' if positive else ''}finite number, got {value!r}")
    return number


def positive_number(value, what):
    """value as a float, checked: a real number (not a bool) that is finite and > 0; else TypeError / ValueError."""
    return finite_number(value, what, positive=True)


def set_literal_limit(seconds):
    """Set LITERAL_SECONDS, a positive finite number of seconds (None: no limit); returns the old value."""
    global LITERAL_SECONDS
    if seconds is not None:
        seconds = positive_number(seconds, "the literal time limit (seconds; None: no limit)")
    old, LITERAL_SECONDS = LITERAL_SECONDS, seconds
    return old


def set_max_array_bytes(nbytes):
    """Set MAX_ARRAY_BYTES, a positive integer number of bytes (None: no limit); returns the old value."""
    global MAX_ARRAY_BYTES
    if nbytes is not None:
        nbytes = integer(nbytes, "the array size limit (bytes; None: no limit)", minimum=1)
    old, MAX_ARRAY_BYTES = MAX_ARRAY_BYTES, nbytes
    return old


def literal_seconds(iterations, per_iteration, elements=0, riders=1):
    """The model's estimate: iterations x (per_iteration + elements x ELEMENT_SECONDS x riders)."""
    return float(iterations) * (per_iteration + float(elements) * ELEMENT_SECONDS * max(1, riders))


def check_literal_cost(seconds, what, instead):
    """Raise ValueError if a literal loop is estimated to take more than LITERAL_SECONDS."""
    if LITERAL_SECONDS is not None and seconds > LITERAL_SECONDS:
        raise ValueError(f"{what} would take about {seconds:.0f} s as a literal loop (limit {LITERAL_SECONDS:.0f} s). "
                         f"For inputs this large use the vectorised {instead}, or lift the limit with "
                         f"groupconv.limits.set_literal_limit(seconds) (None: no limit).")


def array_bytes(shape, dtype, what="an array"):
    """Bytes of an array of `shape` (non-negative integers) and `dtype`, as an exact Python int (math.prod never wraps)."""
    sizes = [integer(n, f"every size in the shape of {what}", minimum=0) for n in shape]
    return math.prod(sizes) * np.dtype(dtype).itemsize


def _gib(nbytes):
    """nbytes in GiB, as text; also for sizes too large for a float."""
    if nbytes.bit_length() > 1000:
        return f"more than 2**{nbytes.bit_length() - 1} bytes"
    return f"{nbytes / 2**30:.3g} GiB"


def check_allocation(shape, dtype, what):
    """Raise ValueError, before allocating, if an array of `shape` and `dtype` would exceed MAX_ARRAY_BYTES."""
    nbytes = array_bytes(shape, dtype, what)
    if MAX_ARRAY_BYTES is not None and nbytes > MAX_ARRAY_BYTES:
        raise ValueError(f"{what} of shape {tuple(int(n) for n in shape)} ({np.dtype(dtype).name}) would need "
                         f"{_gib(nbytes)}, more than the {_gib(MAX_ARRAY_BYTES)} allowed; "
                         f"make it smaller, or raise groupconv.limits.set_max_array_bytes(nbytes) (None: no limit).")
    return shape
