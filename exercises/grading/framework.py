"""What every exercise's grading module is built from: calling a submission, comparing, counterexamples, hints.

A task is graded by properties of what the submitted function *does*:

    agreement   on integer data the submission equals the library (the residual
                max |got - expected| must be exactly 0: both sides only copy values or
                add integers, which floating point does without rounding);
    symmetry    an equivariance, invariance or group law holds for the submission itself
                (both sides computed by the submission, compared exactly);
    contract    the return value is an ndarray of the promised shape and dtype, the
                inputs are left unchanged, and no forbidden function is called.
Where float data enter (a float image among the integer ones, float weights, a trained
network, finite differences) a case is compared to round-off instead ("float", relative
FLOAT_TOL of groupconv.checks) or to GRADIENT_TOL, and the check's note says so.

The inputs are tried smallest first (frame sizes 1, 2, 3, ...; for each size a readable
array 1, 2, 3, ... before random integers), so the first failure found is a smallest
counterexample: it is reported with the inputs, the group element and both sides.

A failure is then diagnosed: every common mistake has a *model*, the function a
submission with that mistake would compute. When the submission equals a model on every
failing case, the mistake's hint is attached (keys of HINTS), and the report says which failing cases the
model explains. A mistake without a model is never named. Hints come from behaviour
only; the source text of a submission is never read.

The course seed. Every random input of the checks comes from rng(), integer_data() or
generator() below, and the translations and large sizes from course_shifts() and
course_size(). With no course seed these are the public cases, the ones a student's own
run of the grader uses. A lecturer sets a course seed (a whole number 1 .. 2**63 - 1) in
a file course_seed.txt beside exercises/grade.py in the instructors' copy, or in the environment variable
GROUPCONV_COURSE_SEED: then the values, the translations in the group elements and the
largest frames are the course's own, so that a table of answers to the public cases, or
to another course's, fails. The student pack never contains the seed.
"""
import os
from dataclasses import dataclass, field

import numpy as np

from groupconv import groups
from groupconv.checks import SEED, residual

HINTS = {
    "inverse": "You use g where the definition has g^-1 (or the reverse). With the inverse, moving by h and "
               "then by g is moving by g h: L_g L_h = L_gh. Without it the order flips, L_g L_h = L_hg "
               "(tutorial 03, A3).",
    "clockwise": "Your quarter turn goes clockwise on screen. R(1) = [[0, -1], [1, 0]] maps (u, v) to (-v, u) "
                 "with u the row offset pointing down: counter-clockwise as displayed, so L_R(1) f == np.rot90(f) "
                 "(README \"Conventions\").",
    "no_permutation": "You moved every plane but did not permute the group axis. L_s on a function on G also moves "
                      "plane s' to slot s s': (L_s f) plane s is (plane s^-1 s of f) moved by s "
                      "(tutorial 03, A4; action.group_axis_permutation).",
    "flip": "You confused correlation and convolution: your result is the other one, i.e. the filter read "
            "backwards (turned by 180 degrees on Z^2, read at h^-1 g on G). Correlation: sum_y f(y) psi(y - x); "
            "convolution: sum_y f(y) psi(x - y) (tutorial 10).",
    "off_centre": "Correct on every odd size, wrong on an even one: the centre of an n x n frame is at "
                  "(n - 1) / 2, between the four middle pixels when n is even, not at pixel n // 2. Pixel (i, j) "
                  "sits at (u, v) = (i - (n-1)/2, j - (n-1)/2), half-integers for even n.",
    "wrong_axis": "You reduced (summed, pooled) over the wrong axis. Arrays are (B, C, |H|, H, W): batch, "
                  "channel, group axis, rows, columns.",
}


class Failure(Exception):
    """A task fails: `reason` in one line, a counterexample (name -> value) and hint keys."""

    def __init__(self, reason, counterexample=None, hints=(), not_implemented=False, explains=None):
        super().__init__(reason)
        self.reason = reason
        self.counterexample = counterexample or {}
        self.hints = list(dict.fromkeys(hints))
        self.not_implemented = not_implemented
        self.explains = dict(explains or {})  # hint key -> which failing cases its model explains


SEED_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "course_seed.txt")
SEED_VARIABLE = "GROUPCONV_COURSE_SEED"


def read_course_seed(environ=os.environ, path=SEED_FILE):
    """The course seed: the environment variable, else the file, else 0 (the public cases)."""
    if environ.get(SEED_VARIABLE, "").strip():
        text, where = environ[SEED_VARIABLE].strip(), f"the environment variable {SEED_VARIABLE}"
    elif os.path.isfile(path):
        with open(path, encoding="utf-8") as fh:
            text, where = fh.read(100).strip(), path
    else:
        return 0
    if not text.isdigit() or not 0 < int(text) < 2 ** 63:
        raise ValueError(f"{where} must hold the course seed, a whole number from 1 to 2**63 - 1, got {text[:40]!r}")
    return int(text)


COURSE_SEED = read_course_seed()


def generator(seed):
    """np.random.default_rng(seed) for the public cases; under a course seed, a generator of both."""
    return np.random.default_rng([COURSE_SEED, seed] if COURSE_SEED else seed)


def rng(offset=0):
    """A generator with the project's seed (groupconv.checks.SEED), offset per check (and the course seed)."""
    return generator(SEED + offset)


def course_shifts(public, keep=3, low=-5, high=5, far=70):
    """The translations (u, v) of a check: the public list, or under a course seed its first `keep` (the
    smallest, readable ones) and then as many seeded shifts, the last of them far away (|u|, |v| up to `far`)."""
    if not COURSE_SEED:
        return list(public)
    draw = generator(len(public))
    rest = [tuple(int(a) for a in draw.integers(low, high + 1, size=2)) for _ in range(len(public) - keep - 1)]
    return list(public[:keep]) + rest + [tuple(int(a) for a in draw.integers(-far, far + 1, size=2))]


def course_size(public, low):
    """A large frame size: the public one, or under a course seed one of low .. public of the same parity."""
    if not COURSE_SEED:
        return public
    return int(generator(public).choice(np.arange(public, low - 1, -2)))


# ---------------------------------------------------------------- showing values

def element_name(g, group="p4m"):
    """A readable name of one group element, e.g. 't(1,0)·M·R(3)'; the raw matrix if it is not one."""
    try:
        return groups.name(np.asarray(g), group)
    except (TypeError, ValueError):
        return repr(np.asarray(g).tolist())


def show(value):
    """Text for a counterexample value: small arrays in full, as 2-D slices; large ones by their shape.

    An array with more than two axes is printed slice by slice, one line of slices per
    index of all but the last three axes, the slices of the third-last axis (e.g. the
    planes of a function on G) side by side, each headed by its index.
    """
    if isinstance(value, str):
        return value
    a = np.asarray(value)
    if a.dtype == object:
        return repr(value)[:300]
    if a.size > 600:
        return f"<array of shape {a.shape}, dtype {a.dtype}>"
    if a.ndim <= 2 or a.size == 0:
        return np.array2string(a, separator=" ", max_line_width=110, threshold=600)
    width = max(len(str(x)) for x in a.ravel())
    lines = []
    for lead in np.ndindex(a.shape[:-3]):
        blocks = []
        for s in range(a.shape[-3]):
            index = lead + (s,)
            head = "[" + ", ".join(str(i) for i in index) + "]"
            rows = [" ".join(f"{str(x):>{width}}" for x in row) for row in a[index]]
            blocks.append([head] + rows)
        block_width = max(len(line) for block in blocks for line in block)
        per_line = max(1, 108 // (block_width + 3))
        for start in range(0, len(blocks), per_line):
            group = blocks[start:start + per_line]
            for r in range(len(group[0])):
                lines.append("   ".join(f"{block[r]:<{block_width}}" for block in group).rstrip())
    return "\n".join(lines)


def jsonable(value):
    """The same value for the JSON report: nested lists for small arrays, text otherwise."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    a = np.asarray(value)
    if a.dtype == object or a.size > 600:
        return show(value)
    return a.tolist()


# ---------------------------------------------------------------- calling the submission

def _describe(value):
    """A short text for one argument of a call: arrays by their shape, group elements by their name."""
    if isinstance(value, np.ndarray):
        if value.shape == (3, 3) and value.dtype.kind in "iu":
            return element_name(value)
        return f"<array of shape {value.shape}>" if value.ndim else repr(value.item())
    if callable(value):
        return getattr(value, "__name__", "a function")
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _describe_call(name, args, kwargs):
    parts = [_describe(v) for v in args] + [f"{k}={_describe(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


class Submission:
    """A submission file running in its sandboxed child process; `call` runs one of its functions there.

    The arguments are sent as data, the child calls the function on its own copies and
    replies with the return value (plain data, wire.py), the inputs the call changed
    (a function must not change its inputs), the arguments whose memory the result shares
    and the protected functions that ran. NotImplementedError, any other exception and a
    protected function reached by any route become a Failure naming the call. A network
    passed as an argument is trained in place by the submission: its new parameters are
    loaded into the grader's network object. Timeouts and a child that dies propagate as
    sandbox.ChildTimeout / sandbox.ChildGone (grade.py ends the task there).
    """

    def __init__(self, child, path, deadline):
        self.child, self.path, self.deadline = child, path, deadline
        self.last_reply = {}
        self.observed = None

    def call(self, name, *args, observe=None, **kwargs):
        call = _describe_call(name, args, kwargs)
        reply = self.child.call(name, args, kwargs, self.deadline, observe=observe)
        self.last_reply = reply
        self.observed = reply.get("observed")
        if reply.get("reached") and not (not reply.get("ok") and reply.get("kind") == "forbidden"):
            raise Failure(f"{name} called {reply['reached'][0]}, which this exercise asks you to write yourself")
        if not reply.get("ok"):
            kind, error = reply.get("kind"), str(reply.get("error", ""))[:500]
            if kind == "not_implemented":
                raise Failure(error, not_implemented=True)
            if kind == "missing":
                raise Failure(error)
            if kind == "forbidden":
                raise Failure(f"{name} may not call {error}: this exercise asks you to write it yourself")
            if kind in ("recursion", "memory", "exit"):
                raise Failure(f"{call} {error}")
            if kind == "unsendable":
                raise Failure(f"{call} {error}")
            raise Failure(f"{call} raised {error}")
        from groupconv import nn

        from . import netspec
        named = dict(zip([str(i) for i in range(len(args))], args), **kwargs)
        for key, after in reply.get("after", {}).items():
            before = named.get(key)
            if isinstance(before, nn.Sequential):
                if isinstance(after, nn.Sequential) and len(after.layers) == len(before.layers):
                    netspec.copy_state(after, before)
                continue
            label = f"argument {int(key) + 1}" if key.isdigit() else key
            raise Failure(f"{name} changed its input {label} (inputs must be left unchanged: work on a copy)",
                          {"input before": before, "input after": after})
        return reply["value"]

    def expect_new_array(self, name, *args):
        """The function must return a new array, not a view of (or the same object as) an array argument."""
        out = self.call(name, *args)
        if self.last_reply.get("shares") and isinstance(out, np.ndarray):
            raise Failure(f"{name} returned its input or a view of it (they share memory): return a new array, "
                          "e.g. with .copy() or np.ascontiguousarray")


# ---------------------------------------------------------------- contracts

def type_name(value):
    """The type of a returned value as the submission saw it (an object that could not cross: its own type)."""
    return getattr(value, "type_name", None) or type(value).__name__


def expect_array(out, what, shape=None, dtype=None, alternatives=None):
    """out must be an ndarray with the given shape and dtype; alternatives: {shape: hint key} for wrong shapes."""
    if not isinstance(out, np.ndarray):
        raise Failure(f"{what} must return a NumPy array (np.ndarray), got {type_name(out)}")
    if shape is not None and out.shape != tuple(shape):
        hints = [alternatives[out.shape]] if alternatives and out.shape in alternatives else []
        raise Failure(f"{what} returned shape {out.shape}, expected {tuple(shape)}", hints=hints)
    if dtype is not None and out.dtype != np.dtype(dtype):
        raise Failure(f"{what} returned dtype {out.dtype}, expected {np.dtype(dtype)}")
    return out


# ---------------------------------------------------------------- counterexample search

@dataclass
class Case:
    """One input of a check: the keyword arguments, a label for the report, and whether a size is even."""
    args: dict
    label: str
    even: bool = False
    extra: dict = field(default_factory=dict)  # further values shown with a counterexample (e.g. the element h)
    kind: str = None  # the residual kind of this case, if not the check's (e.g. "float" for float data in sums)


def integer_data(shape, index, offset=0):
    """The index-th test array of a shape: 0 -> 1, 2, 3, ... (readable), then seeded random integers in -3..3."""
    if index == 0:
        return np.arange(1, int(np.prod(shape)) + 1, dtype=np.int64).reshape(shape)
    return rng(1000 * index + offset).integers(-3, 4, size=shape, dtype=np.int64)


MAX_FAILING = 400
GRADIENT_TOL = 1e-6
"""Gradients against central differences: round-off of the loss divided by the step eps (1e-6 .. 1e-2)."""


def _differs(got, want, kind):
    """None if got equals want (exactly; within float round-off for 'float'; within GRADIENT_TOL for 'gradient')."""
    res = residual(got, want)
    if kind == "exact" and res.exact:
        return None
    if kind == "float" and res.within_float_tolerance():
        return None
    if kind == "gradient" and res.value <= GRADIENT_TOL * res.scale:
        return None
    return res.value


def search(cases, evaluate, what, kind="exact", models=None, labels=("expected", "got"), refine=None):
    """Try the cases in order; raise a Failure with the first (smallest) counterexample and a diagnosis.

    evaluate(case) -> (got, want): got from the submission, want the value it must equal.
    models: {hint key: fn(case) -> the value a submission with that mistake would give}, or a
    list of (hint key, fn) pairs when one mistake has several forms;
    a hint is attached only when the submission equals the model on every failing case
    (every case is tried; up to MAX_FAILING failing ones are kept, and a crash on a later
    case means no model explains the failure).
    refine: a function returning more specific hint keys (e.g. another check that tells two
    mistakes apart which look alike here); when it returns any, they replace the others.
    Returns the number of cases checked.
    """
    failing, first = [], None
    for case in cases:
        try:
            got, want = evaluate(case)
        except Failure as exc:
            if first is None:  # a crash or a broken contract on the smallest case: report it as it is
                if not exc.not_implemented:
                    exc.counterexample = {"input": case.label, **case.extra, **_arrays(case.args),
                                          **exc.counterexample}
                raise
            failing.append((case, exc))  # a later case crashes: no model explains a crash
            break
        if np.shape(got) != np.shape(want):
            raise Failure(f"{what}: shape {np.shape(got)} where {np.shape(want)} was expected",
                          {"input": case.label, **case.extra, **_arrays(case.args)})
        value = _differs(got, want, case.kind or kind)
        if value is None:
            continue
        if first is None:
            first = (case, got, want, value, case.kind or kind)
        if len(failing) < MAX_FAILING:
            failing.append((case, got))
    if first is None:
        return len(cases)
    case, got, want, value, kind = first
    hints, explains = [], {}
    crashed = any(isinstance(g, Failure) for _, g in failing)
    for key, model in (models.items() if isinstance(models, dict) else models or ()):
        if key in hints or crashed:
            continue
        try:
            # a model explains a failure up to round-off: integer data make this exact anyway
            if all(np.shape(g) == np.shape(m := model(c)) and _differs(g, m, "float" if (c.kind or kind) == "exact"
                                                                       else c.kind or kind) is None
                   for c, g in failing):
                hints.append(key)
                explains[key] = (f"all {len(failing)} failing cases" if len(failing) > 1 else "the failing case")
        except Exception:  # a model that cannot be evaluated on this case explains nothing
            pass
    if refine is not None:
        refined = refine()
        if refined:
            hints = list(refined)
            explains = {key: "every failing case of the agreement check" for key in hints}
    shown = {"input": case.label, **case.extra, **_arrays(case.args)}
    shown[labels[0]] = want
    shown[labels[1]] = got
    shown["max |difference|"] = f"{value:.6g}" + {"exact": " (must be exactly 0)", "float": " (above round-off)",
                                                   "gradient": " (above the tolerance, relative 1e-6)"}[kind]
    raise Failure(f"{what}: first counterexample at {case.label}", shown, hints, explains=explains)


def hints_of(check):
    """The hint keys of the Failure a check raises ([] if it passes or fails without a hint)."""
    try:
        check()
    except Failure as failure:
        return failure.hints
    return []


def _arrays(args):
    """The arguments worth showing beside the case's label: arrays (images, filters, elements)."""
    return {k: v for k, v in args.items() if isinstance(v, np.ndarray) and v.ndim >= 1}


def exhaustive_pairs(elements):
    """All ordered pairs (a, b) of a list of elements."""
    return [(a, b) for a in elements for b in elements]


def point_group(group):
    """The point group as a list of 3x3 int64 matrices in canonical order."""
    return list(groups.point_group(group))


# ---------------------------------------------------------------- tasks

@dataclass
class Task:
    """One gradable function of an exercise: its name, its points and the check that grades it.

    check(sub) raises Failure, or returns one line saying what was verified and which
    residuals were exact (and why) or float round-off. time_factor multiplies the
    per-task time limit (for a task that trains a network).
    """
    name: str
    points: int
    check: object
    time_factor: float = 1.0

