"""The one residual function and the one check printer, shared by tests, tutorials and the report.

    residual(a, b)  ->  Residual(value = max |a - b|, exact = (value == 0))

A check compares two independently computed arrays and says which kind of agreement
it expects:
    "exact"    the residual must be exactly 0.0: integer-valued data, or operations
               (permutations, sign flips, sums of integers) that float arithmetic
               carries out without rounding;
    "float"    the residual must be at most FLOAT_TOL * max(1, largest finite |value|):
               round-off of float sums taken in a different order;
    "nonzero"  the residual must be clearly non-zero (above the same bound): a
               counterexample, e.g. a map that is *not* equivariant.
A NaN residual passes none of the three.
Tolerances and the default seed live here and nowhere else: FLOAT_TOL for the checks
above; LITERAL_TOL (float64, tighter) and FLOAT32_TOL (float32, looser) for the tests
that compare the fast paths with the literal sums.

Each check prints one line: PASS or FAIL, the ID, what is compared, the elements tried,
max |LHS - RHS| and the kind of agreement found (exact / float round-off /
counterexample). The reason a residual is exact or must be non-zero, and the line-by-line
table of a proof chain, are printed only when verbose (set_verbose(), or the environment
variable GROUPCONV_VERBOSE=1) or when the check fails. finish() prints the closing
tally: as a script it exits with status 1 on a failure, in a notebook it raises.

When the environment variable GROUPCONV_RESULTS names a file, every check is also
appended to it as one JSON line; tutorials/run_all.py collects these into its table.
"""
import json
import os
import sys
from dataclasses import dataclass

import numpy as np

from groupconv import limits

FLOAT_TOL = 1e-9
LITERAL_TOL = 1e-12
"""Tests: a vectorised float64 result against its literal sum (the same numbers added in another order)."""
FLOAT32_TOL = 1e-5
"""Tests: a float32 result against a float64 reference, relative to Residual.scale."""
SEED = 0
KINDS = ("exact", "float", "nonzero")
RESULTS = []


@dataclass(frozen=True)
class Residual:
    value: float  # max |a - b| over all entries (0.0 for empty arrays)
    exact: bool  # value == 0.0
    scale: float  # max(1, largest finite |entry| of a or b), the scale FLOAT_TOL is relative to

    def within_float_tolerance(self):
        return self.value <= FLOAT_TOL * self.scale


def residual(a, b):
    """max |a - b| of two arrays of the same shape, and whether it is exactly zero.

    Every entry counts, real and imaginary parts alike: if either side is complex the
    difference is taken in complex numbers, so a difference in the imaginary part alone
    counts. Integer (and boolean) arrays are compared exactly, as integers (uint64 values
    beyond int64 included); anything else in the wider of the two dtypes and float64
    (np.result_type: complex128 for a complex side, never fewer bits than either side
    has). Equal entries differ by 0, infinities included; a NaN on either side makes the
    value NaN, which passes no kind of check. The scale is taken from both sides alike,
    so residual(a, b) and residual(b, a) are the same. Masked arrays raise TypeError
    (limits.plain_array): their masked entries would count as ordinary numbers.
    """
    a, b = limits.plain_array(a, "residual: the first array"), limits.plain_array(b, "residual: the second array")
    if a.shape != b.shape:
        raise ValueError(f"residual compares arrays of one shape; got {a.shape} and {b.shape}")
    for x in (a, b):
        if x.dtype.kind not in "biufc":
            raise TypeError(f"residual compares numeric arrays, got dtype {x.dtype}")
    if a.size == 0:
        return Residual(0.0, True, 1.0)
    scale = max(1.0, _largest_finite(a), _largest_finite(b))
    if a.dtype.kind in "biu" and b.dtype.kind in "biu":
        if any(x.dtype.kind == "u" and x.dtype.itemsize == 8 for x in (a, b)):  # uint64 of either byte order:
            # values beyond int64, exact in Python integers
            diff = np.abs(a.astype(object) - b.astype(object))
        else:
            a, b = a.astype(np.int64, copy=False), b.astype(np.int64, copy=False)
            # larger minus smaller, in uint64: exact even where a - b would overflow int64
            diff = np.maximum(a, b).astype(np.uint64) - np.minimum(a, b).astype(np.uint64)
    else:
        common = np.result_type(a.dtype, b.dtype, np.float64)  # complex if either side is; float64 at least
        a, b = a.astype(common, copy=False), b.astype(common, copy=False)
        # inf - inf: equal entries, set to 0; a difference beyond the largest float is inf
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.where(a == b, 0.0, np.abs(a - b))
    value = float(np.max(diff))
    return Residual(value, value == 0.0, scale)


def _largest_finite(x):
    """max |entry| over the finite entries of x (0.0 if there are none); integers exactly, in Python ints."""
    if x.dtype.kind in "biu":
        return float(max(abs(int(x.max())), abs(int(x.min()))))  # np.abs(-2**63) would wrap to -2**63
    return float(np.max(np.abs(x), where=np.isfinite(x), initial=0.0))


def passes(res, kind):
    """Does residual `res` meet the expectation `kind` ("exact", "float" or "nonzero")?"""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if kind == "exact":
        return res.exact
    if kind == "float":
        return res.within_float_tolerance()
    return res.value > FLOAT_TOL * res.scale  # False for NaN: a NaN is no counterexample


def _record(row):
    RESULTS.append(row)
    path = os.environ.get("GROUPCONV_RESULTS")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")


def verbose():
    """Whether checks print their detail (the reason, the chain table): set_verbose(), else $GROUPCONV_VERBOSE."""
    if _VERBOSE is not None:
        return _VERBOSE
    return os.environ.get("GROUPCONV_VERBOSE", "").strip() not in ("", "0")


def set_verbose(on=True):
    """Print every check's detail from now on (on=None: follow $GROUPCONV_VERBOSE again)."""
    global _VERBOSE
    _VERBOSE = on


_VERBOSE = None


def _label(res, kind, ok):
    """The kind of agreement found, in words: exact / float round-off / counterexample."""
    if np.isnan(res.value):
        return "NaN: an entry is not a number"
    if kind == "nonzero":
        if ok:
            return "counterexample"
        return "no counterexample: the sides agree " + ("exactly" if res.exact else "to round-off")
    if res.exact:
        return "exact"
    return "float round-off" if res.within_float_tolerance() else "NOT within round-off"


def _line(ok, eq_id, what, elements, value, label):
    """One printed row: PASS/FAIL, ID, what is compared, the elements tried, max |LHS - RHS|, its kind."""
    tried = f" [{elements}]" if elements else ""
    return f"  {'PASS' if ok else 'FAIL'} {eq_id:<3} {what}{tried}: max|LHS-RHS| = {value:.3g} ({label})"


def check(eq_id, what, lhs, rhs, kind="exact", elements="", why=""):
    """Compare lhs with rhs, print one line, record it; return True on PASS.

    eq_id    the statement ID of docs/equations.md (e.g. "L2")
    what     what is compared, in words
    kind     "exact", "float" or "nonzero" (see the module header): the agreement expected
    elements which group elements (or inputs) were tried, briefly
    why      why the residual is exact, round-off, or must be non-zero (printed when verbose)
    """
    _check_label(eq_id, what)
    res = residual(lhs, rhs)
    ok = passes(res, kind)
    print(_line(ok, eq_id, what, elements, res.value, _label(res, kind, ok)))
    if why and (verbose() or not ok):
        print(f"       expected {kind}: {why}")
    _record({"id": eq_id, "what": what, "elements": str(elements), "residual": res.value, "kind": kind,
             "exact": res.exact, "passed": bool(ok), "script": os.path.basename(sys.argv[0] or "")})
    return ok


def _check_label(eq_id, what):
    """eq_id and what must be strings (the statement ID, e.g. "L2", and the words); else TypeError."""
    if not isinstance(eq_id, str):
        raise TypeError(f"eq_id must be a statement ID as a string (e.g. 'L2', see groupconv.inventory), "
                        f"got {eq_id!r} ({type(eq_id).__name__})")
    if not isinstance(what, str):
        raise TypeError(f"what (what is compared, in words) must be a string, got {type(what).__name__}")


def failures():
    """The recorded checks that failed so far in this process."""
    return [row for row in RESULTS if not row["passed"]]


class ChecksFailed(AssertionError):
    """Raised by finish() in a notebook when a check of the lesson failed."""


def _in_notebook():
    """True inside a Jupyter (IPython kernel) session, where finish() raises instead of exiting."""
    return "ipykernel" in sys.modules


def finish():
    """The closing tally of a tutorial: how many checks passed, and which IDs failed.

    As a script, exit with status 1 if a check failed (so run_all and CI see it); in a
    notebook, raise ChecksFailed instead (exiting would kill the kernel). Every check
    recorded in this process counts, so re-running a notebook cell counts it again.
    """
    bad = failures()
    print(f"{len(RESULTS) - len(bad)} of {len(RESULTS)} checks passed.")
    if not bad:
        return
    message = "FAILED: " + ", ".join(sorted({row['id'] for row in bad}))
    print(message)
    if _in_notebook():
        raise ChecksFailed(message)
    sys.exit(1)


def chain(eq_id, what, lines, kind="exact", elements="", why=""):
    """Check a proof chain line by line: each line is its own array, each must equal the next.

    lines: a list of at least two (label, array) pairs, in the order the proof writes
    them. Records one check per step (ID, "what: line i = line i+1"), so a failing step
    anywhere - first, middle or last - counts as a failure in finish(), and prints one
    line for the chain: PASS only if every step passes, with the residual of the worst
    step (a failing one first, a NaN first among those, then the largest). When verbose,
    or when a step fails, also the table of lines with each line's largest |value| and
    its residual to the next line. Returns True if every step passes.
    """
    _check_label(eq_id, what)
    lines = list(lines)
    for line in lines:
        if not (isinstance(line, (tuple, list)) and len(line) == 2 and isinstance(line[0], str)):
            raise TypeError(f"every line of a proof chain is a (label, array) pair, got {type(line).__name__} "
                            f"{str(line)[:60]!r}")
    if len(lines) < 2:
        raise ValueError(f"a proof chain needs at least two lines to compare, got {len(lines)}")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    steps = []
    for n in range(len(lines) - 1):
        res = residual(lines[n][1], lines[n + 1][1])
        steps.append((res, passes(res, kind)))
        _record({"id": eq_id, "what": f"{what}: line {n + 1} = line {n + 2}", "elements": str(elements),
                 "residual": res.value, "kind": kind, "exact": res.exact, "passed": bool(steps[-1][1]),
                 "script": os.path.basename(sys.argv[0] or "")})
    ok = all(step_ok for _, step_ok in steps)
    worst = max(steps, key=lambda step: (not step[1], np.isnan(step[0].value), step[0].value))[0]
    print(_line(ok, eq_id, f"{what} ({len(lines)} lines, each = the next)", elements, worst.value,
                _label(worst, kind, ok)))
    if verbose() or not ok:
        width = max(len(label) for label, _ in lines)
        for n, (label, value) in enumerate(lines):
            value = np.asarray(value)
            row = f"       line {n + 1}: {label:<{width}}  max|value| = {float(np.max(np.abs(value))) if value.size else 0.0:<10.4g}"
            if n < len(steps):
                res, step_ok = steps[n]
                row += f" |line {n + 1} - line {n + 2}| = {res.value:.3g} [{'PASS' if step_ok else 'FAIL'}]"
            print(row)
        if why:
            print(f"       expected {kind}: {why}")
    return ok
