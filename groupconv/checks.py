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

When the environment variable GROUPCONV_RESULTS names a file, every check is also
appended to it as one JSON line; tutorials/run_all.py collects these into its table.
"""
import json
import os
import sys
from dataclasses import dataclass

import numpy as np

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

    Every entry counts, real and imaginary parts alike. Integer (and boolean) arrays are
    compared as int64 integers, exactly; anything else in float64 or complex128.
    Equal entries differ by 0, infinities included; a NaN on either side makes the value
    NaN, which passes no kind of check.
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"residual compares arrays of one shape; got {a.shape} and {b.shape}")
    for x in (a, b):
        if x.dtype.kind not in "biufc":
            raise TypeError(f"residual compares numeric arrays, got dtype {x.dtype}")
    if a.size == 0:
        return Residual(0.0, True, 1.0)
    if a.dtype.kind in "biu" and b.dtype.kind in "biu":
        a, b = a.astype(np.int64, copy=False), b.astype(np.int64, copy=False)
        # larger minus smaller, in uint64: exact even where a - b would overflow int64
        diff = np.maximum(a, b).astype(np.uint64) - np.minimum(a, b).astype(np.uint64)
    else:
        common = np.complex128 if "c" in (a.dtype.kind, b.dtype.kind) else np.float64
        a, b = a.astype(common, copy=False), b.astype(common, copy=False)
        with np.errstate(invalid="ignore"):  # inf - inf: equal entries, set to 0 below
            diff = np.where(a == b, 0.0, np.abs(a - b))
    value = float(np.max(diff))
    scale = max(1.0, _largest_finite(a), _largest_finite(b))
    return Residual(value, value == 0.0, scale)


def _largest_finite(x):
    """max |entry| over the finite entries of x (0.0 if there are none)."""
    if x.dtype.kind in "biu":
        return float(np.max(np.abs(x)))
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


def check(eq_id, what, lhs, rhs, kind="exact", elements="", why=""):
    """Compare lhs with rhs, print one row, record it; return True on PASS.

    eq_id    the docs/equations.md ID (e.g. "L2")
    what     what is compared, in words
    kind     "exact", "float" or "nonzero" (see the module header)
    elements which group elements (or inputs) were tried
    why      why the residual is exact, round-off, or must be non-zero
    """
    res = residual(lhs, rhs)
    ok = passes(res, kind)
    label = {"exact": "exactly 0" if res.exact else "NOT exactly 0",
             "float": "exactly 0" if res.exact else "float round-off",
             "nonzero": "non-zero (counterexample)" if ok else "zero: no counterexample"}[kind]
    if np.isnan(res.value):
        label = "NaN: an entry is not a number"
    print(f"  [{'PASS' if ok else 'FAIL'}] {eq_id:<3} {what}")
    if elements:
        print(f"         elements: {elements}")
    print(f"         max |LHS - RHS| = {res.value:.3g}   ({label}; expected {kind}){'  - ' + why if why else ''}")
    _record({"id": eq_id, "what": what, "elements": str(elements), "residual": res.value, "kind": kind,
             "exact": res.exact, "passed": bool(ok), "script": os.path.basename(sys.argv[0] or "")})
    return ok


def failures():
    """The recorded checks that failed so far in this process."""
    return [row for row in RESULTS if not row["passed"]]


def finish():
    """Print a one-line summary and exit with status 1 if any check failed (for tutorial scripts)."""
    bad = failures()
    print(f"\n{len(RESULTS) - len(bad)} of {len(RESULTS)} checks passed.")
    if bad:
        print("FAILED: " + ", ".join(sorted({row['id'] for row in bad})))
        sys.exit(1)


def chain(eq_id, what, lines, kind="exact", elements="", why=""):
    """Check a proof chain line by line: each line is its own array, each must equal the next.

    lines: a list of (label, array), in the order the proof writes them. Prints a table
    with each line's largest |value| and the residual to the next line, records one
    check per step (ID, "what: line i = line i+1"), and returns True if all steps pass.
    """
    print(f"  {eq_id}: {what}")
    width = max(len(label) for label, _ in lines)
    ok = True
    for n, (label, value) in enumerate(lines):
        value = np.asarray(value)
        row = f"    line {n + 1}: {label:<{width}}  max|value| = {float(np.max(np.abs(value))) if value.size else 0.0:<10.4g}"
        if n + 1 < len(lines):
            res = residual(value, lines[n + 1][1])
            step_ok = passes(res, kind)
            ok &= step_ok
            row += f" |line {n + 1} - line {n + 2}| = {res.value:.3g} [{'PASS' if step_ok else 'FAIL'}]"
            _record({"id": eq_id, "what": f"{what}: line {n + 1} = line {n + 2}", "elements": str(elements),
                     "residual": res.value, "kind": kind, "exact": res.exact, "passed": bool(step_ok),
                     "script": os.path.basename(sys.argv[0] or "")})
        print(row)
    if elements:
        print(f"    elements: {elements}")
    print(f"    ({kind}{'; ' + why if why else ''})")
    return ok
