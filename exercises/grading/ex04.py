"""Grading exercise 04: planar multi-channel correlation ('valid' and 'full') and the border band of mode 'same'.

Reference: correlate.planar_correlation. On int64 data every output entry is an exact
integer sum, so the residuals are exactly 0 for a right answer. The band is measured
with the library on images and filters of ones: every term is then +1, no two terms
can cancel, and a pixel differs exactly when a term is counted on one side only.

The correlation's contract is tried as the exercise states it: modes 'valid' and
'full' (the only two it defines), square and non-square frames, filters of sizes 1-4
(in 'full' also larger than the frame), one to three batch, input and output channels,
nine dtype pairs with the result dtype np.result_type(f, psi) (an int image with a float
filter, a float image with an int filter, int32 with int32, float32 with float32, ...),
and two frames past 64. The output frames are checked first (check_frames), then the
dtypes, then translation equivariance and the values. Mistake models: `off_by_one`
('full' padded by k or k - 2, or every frame one step short), `mode` (the mode
ignored), `dtype` (a fixed float64 or int64, or f's dtype), `flip` (the convolution),
`transposed` (psi[o, c, d, a]) and `wrong_axis` (C_out and C_in exchanged); the band's:
`inverse`, `overlap`, `interior_terms`.
"""
import numpy as np

from groupconv.action import transform_image
from groupconv.correlate import planar_convolution, planar_correlation
from groupconv.groups import translation

from groupconv.checks import residual

from .ex02 import check_result_dtypes
from .framework import Case, Failure, Task, course_shifts, expect_array, hints_of, integer_data, rng, search

FORBIDDEN = {"groupconv.correlate": ["planar_correlation", "planar_correlation_literal", "planar_convolution"],
             "groupconv.engine": ["planar_correlation", "planar_correlation_grad_input",
                                  "planar_correlation_grad_filter"],
             "scipy.signal": ["correlate", "correlate2d", "convolve", "convolve2d", "fftconvolve", "oaconvolve"],
             "scipy.ndimage": ["correlate", "convolve"],
             "numpy": ["correlate", "convolve"]}

EXTRA_HINTS = {
    "overlap": "Too many pixels: where the shifted filter window x - t + y lies wholly off the frame, both sides "
               "are 0 and cannot differ.",
    "interior_terms": "Too few pixels: even where x - t is on the frame, the left side can miss terms whose "
                      "x + y falls off the frame although x - t + y is on it.",
    "transposed": "You read the filter transposed: psi[o, c, a, d] multiplies f[b, c, i + a, j + d], its first "
                  "spatial index a along the rows of f and d along the columns, not psi[o, c, d, a].",
    "off_by_one": "Your output frame is one pixel off: mode 'valid' has H - k + 1 rows (x from 0 to H - k), "
                  "mode 'full' is 'valid' after padding f with k - 1 zeros on every side (H + k - 1 rows); "
                  "columns alike.",
    "mode": "Your result does not depend on mode: 'valid' (H - k + 1 rows) and 'full' (H + k - 1 rows, f padded "
            "with k - 1 zeros on every side) give different frames.",
    "dtype": "The result's dtype must be np.result_type(f, psi): an int image with a float filter gives floats, "
             "two int32 arrays give int32. Yours is fixed (float64 or int64) or f's own dtype.",
}

SHIFTS = course_shifts([(1, 0), (0, 1), (-1, 2), (2, -1)], keep=2, low=-2, high=2, far=2)  # within the margin of 2
CHANNELS = [(1, 1, 1), (2, 2, 2), (1, 2, 3), (2, 3, 1)]  # (B, C_in, C_out)
DTYPE_PAIRS = [(np.int64, np.float64), (np.float64, np.int64), (np.int32, np.int32), (np.int32, np.int64),
               (np.uint8, np.int64), (np.int8, np.int8), (np.float32, np.float32), (np.int32, np.float32),
               (np.float32, np.int64)]


def output_shape(f, psi, mode):
    k = psi.shape[-1]
    grow = k - 1 if mode == "full" else 1 - k
    return (f.shape[0], psi.shape[0], f.shape[2] + grow, f.shape[3] + grow)


def correlation(sub, f, psi, mode, shape=True, dtype=True):
    """The submission's f ⋆ psi, checked to be an array (of the promised shape and dtype unless told not to)."""
    out = sub.call("planar_correlation", f, psi, mode)
    return expect_array(out, f"planar_correlation (mode {mode!r})", shape=output_shape(f, psi, mode) if shape else None,
                        dtype=np.result_type(f, psi) if dtype else None)


def _case(f, psi, mode, label=None, kind=None):
    label = label or f"mode {mode!r}, f of shape {f.shape}, psi of shape {psi.shape}"
    return Case({"f": f, "psi": psi, "mode": mode}, label, even=psi.shape[-1] % 2 == 0, kind=kind)


def small_data(shape, dtype, index):
    """Values 0..2 of any dtype (no sum of the small cases overflows even int8), or multiples of 1/4 for floats."""
    values = rng(100 + index).integers(0, 3, size=shape)
    return (values - 0.75 * (index % 2)).astype(dtype) if np.dtype(dtype).kind == "f" else values.astype(dtype)


def correlation_cases():
    """Inputs smallest first: square frames 1..6 with filters 1..4 (in 'full' also larger than the frame),
    non-square frames in both modes, every dtype pair, and two frames past 64."""
    cases = []
    for n in range(1, 7):
        for k in range(1, 5):
            for index, (B, C, O) in enumerate(CHANNELS):
                f, psi = integer_data((B, C, n, n), index), integer_data((O, C, k, k), index + 7)
                for mode in ("valid", "full"):
                    if k <= n or (mode == "full" and index < 2):
                        cases.append(_case(f, psi, mode))
    for H, W in [(1, 2), (2, 1), (2, 3), (3, 1), (3, 5), (5, 2), (4, 6), (6, 4)]:
        for k in range(1, 4):
            for index, (B, C, O) in enumerate(CHANNELS[:3]):
                f, psi = integer_data((B, C, H, W), index + 3), integer_data((O, C, k, k), index + 9)
                for mode in ("valid", "full"):
                    if mode == "full" or k <= min(H, W):
                        cases.append(_case(f, psi, mode))
    for index, (f_dtype, psi_dtype) in enumerate(DTYPE_PAIRS):
        for k, mode in ((2, "valid"), (3, "full")):
            f, psi = small_data((2, 2, 4, 5), f_dtype, index), small_data((3, 2, k, k), psi_dtype, index + 1)
            floats = "f" in (f.dtype.kind, psi.dtype.kind)
            label = (f"mode {mode!r}, f {f.dtype.name} of shape {f.shape}, psi {psi.dtype.name} of shape "
                     f"{psi.shape}")
            cases.append(_case(f, psi, mode, label, kind="float" if floats else None))
    cases.append(_case(np.linspace(-1.0, 1.0, 25).reshape(1, 1, 5, 5), integer_data((1, 1, 2, 2), 5), "full",
                       "float f, integer psi, mode 'full'", kind="float"))
    for shape, k, mode in (((1, 2, 66, 67), 3, "full"), ((2, 1, 70, 65), 2, "valid")):  # nothing may hard-code a size
        cases.append(_case(integer_data(shape, 1), integer_data((2, shape[1], k, k), 2), mode))
    return cases


def _pad(f, p):
    return np.pad(f, [(0, 0), (0, 0), (p, p), (p, p)])


def _in_mode(mode, wrong):
    """A model for one mode: `wrong` in that mode, the right correlation in the other."""
    def model(c):
        f, psi = c.args["f"], c.args["psi"]
        return wrong(f, psi) if c.args["mode"] == mode else planar_correlation(f, psi, c.args["mode"])
    return model


# Frames one pixel off ('full' padded by k or by k - 2 instead of k - 1; 'valid', and 'full' made from it,
# ending one step early: range(H - k)) and the
# mode ignored (always 'valid', or always 'full'): each equals the library on the frame it computes.
FRAME_MODELS = [
    ("off_by_one", _in_mode("full", lambda f, psi: planar_correlation(_pad(f, 1), psi, "full"))),
    ("off_by_one", _in_mode("full", lambda f, psi: planar_correlation(f, psi, "full")[..., 1:-1, 1:-1])),
    ("off_by_one", lambda c: planar_correlation(c.args["f"], c.args["psi"], c.args["mode"])[..., :-1, :-1]),
    ("mode", lambda c: planar_correlation(c.args["f"], c.args["psi"], "valid")),
    ("mode", lambda c: planar_correlation(c.args["f"], c.args["psi"], "full")),
]

DTYPE_MODELS = [("dtype", lambda a: np.float64), ("dtype", lambda a: np.int64), ("dtype", lambda a: a["f"].dtype)]


def _same(got, value):
    """got equals a model's value: the same shape, and the same entries up to float round-off."""
    return np.shape(got) == np.shape(value) and residual(got, value).within_float_tolerance()


def check_frames(cases, result, models):
    """Every output has the promised shape (B, C_out, H', W'); a hint only when a model gives the submission's
    array on every case of a wrong shape. result(case) -> the submission's array. A crash after the first
    wrong shape explains nothing."""
    wrong, crashed = [], False
    for case in cases:
        try:
            out = result(case)
        except Failure:
            if not wrong:
                raise
            crashed = True
            break
        if out.shape != output_shape(case.args["f"], case.args["psi"], case.args["mode"]):
            wrong.append((case, out))
    if not wrong:
        return
    hints = []
    for key, model in [] if crashed else models:
        try:
            if key not in hints and all(_same(got, model(c)) for c, got in wrong):
                hints.append(key)
        except Exception:  # a model that cannot be evaluated on a case explains nothing
            pass
    case, out = wrong[0]
    want = output_shape(case.args["f"], case.args["psi"], case.args["mode"])
    every = "; ".join(f"{c.label}: {o.shape}" for c, o in wrong[:8]) + ("; ..." if len(wrong) > 8 else "")
    raise Failure(f"planar_correlation returned shape {out.shape} for {case.label}, expected {want}: "
                  "H' = H - k + 1 in mode 'valid', H + k - 1 in mode 'full' (and W' alike)",
                  {"input": case.label, "f": case.args["f"], "psi": case.args["psi"], "expected shape": str(want),
                   "got": out, "every wrong shape": every}, hints,
                  explains={key: f"all {len(wrong)} wrong shapes" if len(wrong) > 1 else "the wrong shape"
                            for key in hints})


def check_correlation(sub):
    cases = correlation_cases()
    outputs = {}

    def result(case):  # each case is sent once; the checks below read the reply
        if id(case) not in outputs:
            outputs[id(case)] = correlation(sub, case.args["f"], case.args["psi"], case.args["mode"], shape=False,
                                            dtype=False)
        return outputs[id(case)]

    check_frames(cases, result, FRAME_MODELS)
    check_result_dtypes([(c.label, c.args, np.result_type(c.args["f"], c.args["psi"])) for c in cases],
                        lambda a: next(outputs[id(c)] for c in cases if c.args is a),
                        "planar_correlation", DTYPE_MODELS,
                        rule="(np.result_type(f, psi))")

    def agreement():
        search(cases, lambda c: (result(c), planar_correlation(c.args["f"], c.args["psi"], c.args["mode"])),
               "f ⋆ psi differs from sum_y sum_k f_k(y) psi_k(y - x)",
               models={"flip": lambda c: planar_convolution(c.args["f"], c.args["psi"], c.args["mode"]),
                       "transposed": lambda c: planar_correlation(c.args["f"], np.swapaxes(c.args["psi"], -1, -2),
                                                                  c.args["mode"]),
                       "wrong_axis": lambda c: planar_correlation(c.args["f"], np.swapaxes(c.args["psi"], 0, 1),
                                                                  c.args["mode"])})

    shifted = []
    for n in (1, 2, 3):
        for k in (1, 2, 3):
            f = _pad(integer_data((1, 2, n, n + 1), n + k), 2)  # margin 2: shifts lose nothing; a non-square frame
            psi = integer_data((2, 2, k, k), n * k)
            for u, v in SHIFTS:
                shifted.append(Case({"f": f, "psi": psi, "t": translation(u, v)},
                                    f"f of shape {f.shape} (zero margin 2), psi of shape {psi.shape}, t = t({u},{v})"))

    def equivariance(case):
        f, psi, t = case.args["f"], case.args["psi"], case.args["t"]
        moved_first = correlation(sub, transform_image(f, t), psi, "full")
        out = correlation(sub, f, psi, "full")
        full_frame = _pad(out, 2)  # room for the shifted output
        return _pad(moved_first, 2), transform_image(full_frame, t)

    search(shifted, equivariance, "not translation equivariant: (L_t f) ⋆ psi != L_t (f ⋆ psi) in mode 'full'",
           labels=("L_t (f ⋆ psi)", "(L_t f) ⋆ psi"), refine=lambda: hints_of(agreement))
    agreement()
    return (f"output frames and dtypes, translation equivariance in mode 'full' (4 shifts) and agreement on "
            f"{len(cases)} inputs (modes 'valid' and 'full', square and non-square frames 1-6 and past 64, "
            f"{len(DTYPE_PAIRS)} dtype pairs): exact (integer sums; float cases to round-off)")


def measured_band(n, k, u, v):
    """Where (L_t f) ⋆ psi and L_t (f ⋆ psi) differ in mode 'same' for f, psi of ones (no cancellation)."""
    f, psi = np.ones((1, 1, n, n), dtype=np.int64), np.ones((1, 1, k, k), dtype=np.int64)
    t = translation(u, v)
    lhs = planar_correlation(transform_image(f, t), psi, "same")
    rhs = transform_image(planar_correlation(f, psi, "same"), t)
    return (lhs != rhs)[0, 0]


def naive_band(n, k, u, v):
    """Every pixel whose x - t is off the frame (the two refinements of the true band missed)."""
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    return ~((i - u >= 0) & (i - u < n) & (j - v >= 0) & (j - v < n))


def check_band(sub):
    cases = [Case({"n": n, "k": k, "u": u, "v": v}, f"n = {n}, k = {k}, t = t({u},{v})")
             for n in range(1, 8) for k in (1, 3, 5, 7)
             for (u, v) in [(0, 1), (1, 0), (-1, 0), (0, -2), (2, 1), (-1, -3), (n, 0), (1, n + 2), (-n - 1, 1)]
             if k <= 5 or n in (2, 5)]  # a filter larger than the frame, too
    cases += [Case({"n": 66, "k": 3, "u": u, "v": v}, f"n = 66, k = 3, t = t({u},{v})")
              for u, v in course_shifts([(2, -3)], keep=0, far=6)]

    def band(case):
        out = sub.call("border_band", *case.args.values())
        n = case.args["n"]
        out = expect_array(out, "border_band", shape=(n, n), dtype=bool)
        return out, measured_band(*case.args.values())

    search(cases, band, "the predicted border band differs from the measured one",
           labels=("measured band", "your band"),
           models={"inverse": lambda c: measured_band(c.args["n"], c.args["k"], -c.args["u"], -c.args["v"]),
                   "overlap": lambda c: naive_band(*c.args.values()) | measured_band(*c.args.values()),
                   "interior_terms": lambda c: naive_band(*c.args.values()) & measured_band(*c.args.values())})
    return f"the band matches the measurement pixel for pixel in {len(cases)} cases (boolean masks, exact)"


TASKS = [
    Task("planar_correlation", 6, check_correlation),
    Task("border_band", 4, check_band),
]
