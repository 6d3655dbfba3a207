"""Grading exercise 04: planar multi-channel correlation ('valid' and 'full') and the border band of mode 'same'.

Reference: correlate.planar_correlation. On int64 data every output entry is an exact
integer sum, so the residuals are exactly 0 for a right answer. The band is measured
with the library on images and filters of ones: every term is then +1, no two terms
can cancel, and a pixel differs exactly when a term is counted on one side only.
"""
import numpy as np

from groupconv.action import transform_image
from groupconv.correlate import planar_convolution, planar_correlation
from groupconv.groups import translation

from .framework import Case, Task, expect_array, integer_data, search

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
}

SHIFTS = [(1, 0), (0, 1), (-1, 2), (2, -1)]


def output_shape(f, psi, mode):
    k = psi.shape[-1]
    grow = k - 1 if mode == "full" else 1 - k
    return (f.shape[0], psi.shape[0], f.shape[2] + grow, f.shape[3] + grow)


def correlation(sub, f, psi, mode):
    out = sub.call("planar_correlation", f, psi, mode)
    shape = output_shape(f, psi, mode)
    alternatives = {}
    if psi.shape[1] != psi.shape[0]:
        alternatives[(shape[0], psi.shape[1]) + shape[2:]] = "wrong_axis"
    return expect_array(out, f"planar_correlation (mode {mode!r})", shape=shape, dtype=np.result_type(f, psi),
                        alternatives=alternatives)


def correlation_cases():
    """Integer inputs, smallest first: frames 1..6, filters 1..4, one or two channels in and out."""
    cases = []
    for n in range(1, 7):
        for k in range(1, min(n, 4) + 1):
            for index, (B, C, O) in enumerate([(1, 1, 1), (2, 2, 2), (1, 2, 3), (2, 3, 1)]):
                f, psi = integer_data((B, C, n, n), index), integer_data((O, C, k, k), index + 7)
                for mode in ("valid", "full"):
                    cases.append(Case({"f": f, "psi": psi, "mode": mode},
                                      f"mode {mode!r}, f of shape {f.shape}, psi of shape {psi.shape}"))
    f = integer_data((1, 2, 4, 6), 3)
    psi = integer_data((2, 2, 3, 3), 4)
    cases.append(Case({"f": f, "psi": psi, "mode": "valid"}, "a 4 x 6 frame, mode 'valid'"))
    cases.append(Case({"f": np.linspace(-1.0, 1.0, 25).reshape(1, 1, 5, 5), "psi": integer_data((1, 1, 2, 2), 5),
                       "mode": "full"}, "float f, integer psi, mode 'full'", kind="float"))
    return cases


def check_correlation(sub):
    cases = []
    for n in (1, 2, 3):
        for k in (1, 2, 3):
            f = np.pad(integer_data((1, 2, n, n), n + k), [(0, 0), (0, 0), (2, 2), (2, 2)])  # margin 2: shifts lose nothing
            psi = integer_data((2, 2, k, k), n * k)
            for u, v in SHIFTS:
                cases.append(Case({"f": f, "psi": psi, "t": translation(u, v)},
                                  f"f of shape {f.shape} (zero margin 2), psi of shape {psi.shape}, t = t({u},{v})"))

    def equivariance(case):
        f, psi, t = case.args["f"], case.args["psi"], case.args["t"]
        moved_first = correlation(sub, transform_image(f, t), psi, "full")
        out = correlation(sub, f, psi, "full")
        full_frame = np.pad(out, [(0, 0), (0, 0), (2, 2), (2, 2)])  # room for the shifted output
        return (np.pad(moved_first, [(0, 0), (0, 0), (2, 2), (2, 2)]), transform_image(full_frame, t))

    search(cases, equivariance, "not translation equivariant: (L_t f) ⋆ psi != L_t (f ⋆ psi) in mode 'full'",
           labels=("L_t (f ⋆ psi)", "(L_t f) ⋆ psi"))
    cases = correlation_cases()
    search(cases, lambda c: (correlation(sub, c.args["f"], c.args["psi"], c.args["mode"]),
                             planar_correlation(c.args["f"], c.args["psi"], c.args["mode"])),
           "f ⋆ psi differs from sum_y sum_k f_k(y) psi_k(y - x)",
           models={"flip": lambda c: planar_convolution(c.args["f"], c.args["psi"], c.args["mode"]),
                   "wrong_axis": lambda c: planar_correlation(c.args["f"], np.swapaxes(c.args["psi"], 0, 1),
                                                              c.args["mode"])})
    return (f"translation equivariance in mode 'full' (4 shifts) and agreement on {len(cases)} inputs, "
            "modes 'valid' and 'full': exact (integer sums; the float case to round-off)")


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
             for n in range(1, 8) for k in (1, 3, 5)
             for (u, v) in [(0, 1), (1, 0), (-1, 0), (0, -2), (2, 1), (-1, -3), (n, 0), (1, n + 2)]]

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
