"""Bounds that turn a request for hours of looping or gigabytes of memory into a clear error, up front.

    LITERAL_SECONDS   the literal loops (*_literal in action.py and correlate.py) estimate
                      their running time before they start and raise ValueError, naming
                      the estimate, when it exceeds this many seconds (default 60)
    MAX_ARRAY_BYTES   an array the package would allocate for a result or a workspace may
                      not exceed this many bytes (default 4 GiB): ValueError naming the
                      shape that was asked for, instead of numpy's MemoryError or a
                      machine that starts to swap

Both can be changed (set_literal_limit, set_max_array_bytes; None switches a bound off).
The time estimate is a rough model of the loops, measured on this project's machine and
doubled to allow for slower CPUs: seconds = iterations x (the cost of one pass of the
loop body + elements read per pass x ELEMENT_SECONDS x the batch, channel and output
sizes that ride along).
"""
import numpy as np

LITERAL_SECONDS = 60.0
MAX_ARRAY_BYTES = 4 * 2**30
ELEMENT_SECONDS = 0.6e-6
"""Time per element read and multiplied inside a literal loop (measured 0.1-0.4 microseconds; doubled for slower CPUs)."""


def set_literal_limit(seconds):
    """Set LITERAL_SECONDS (None: no limit); returns the old value."""
    global LITERAL_SECONDS
    if seconds is not None and not seconds > 0:
        raise ValueError(f"the literal time limit must be a positive number of seconds or None, got {seconds!r}")
    old, LITERAL_SECONDS = LITERAL_SECONDS, seconds
    return old


def set_max_array_bytes(nbytes):
    """Set MAX_ARRAY_BYTES (None: no limit); returns the old value."""
    global MAX_ARRAY_BYTES
    if nbytes is not None and not nbytes > 0:
        raise ValueError(f"the array size limit must be a positive number of bytes or None, got {nbytes!r}")
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


def check_allocation(shape, dtype, what):
    """Raise ValueError, before allocating, if an array of `shape` and `dtype` would exceed MAX_ARRAY_BYTES."""
    nbytes = int(np.prod([int(n) for n in shape], dtype=object)) * np.dtype(dtype).itemsize
    if MAX_ARRAY_BYTES is not None and nbytes > MAX_ARRAY_BYTES:
        raise ValueError(f"{what} of shape {tuple(int(n) for n in shape)} ({np.dtype(dtype).name}) would need "
                         f"{nbytes / 2**30:.3g} GiB, more than the {MAX_ARRAY_BYTES / 2**30:.3g} GiB allowed; "
                         f"make it smaller, or raise groupconv.limits.set_max_array_bytes(nbytes) (None: no limit).")
    return shape
