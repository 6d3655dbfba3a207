"""Grading exercise 10: central differences, and the backward pass of a group correlation.

Residuals: the adjoint identities sum(out dout) = sum(f df) = sum(psi dpsi) and the
agreement with the library are exact on int64 data (integer sums); gradients are also
compared with central differences of a quadratic loss on float data, whose only error
is round-off, amplified by 1/eps: a relative tolerance of GRADIENT_TOL = 1e-6.
"""
import numpy as np

from groupconv.action import transform_group_function, transform_image
from groupconv.correlate import (expand_group_filter, group_correlation, group_correlation_grad_filter,
                                 group_correlation_grad_input, planar_correlation)
from groupconv.groups import inverse, order, point_group

from .framework import Case, Failure, Task, hints_of, search, type_name
from .gfunctions import every_size_cases
from .netspec import LossSpec

FORBIDDEN = {"groupconv.correlate": ["group_correlation_grad_input", "group_correlation_grad_filter",
                                     "lifting_correlation_grad_input", "lifting_correlation_grad_filter"],
             "groupconv.engine": ["planar_correlation_grad_input", "planar_correlation_grad_filter"],
             "groupconv.nn": ["GroupConv", "fold_bank_gradient", "fold_bank_gradient_literal"]}

EXTRA_HINTS = {
    "one_sided": "You used a one-sided difference (loss(x + eps) - loss(x)) / eps: its error is of order eps. "
                 "The central difference (loss(x + eps) - loss(x - eps)) / (2 eps) is accurate to order eps^2.",
}

GROUPS = ("p4", "p4m")


# ---------------------------------------------------------------- task 1

def numerical(loss, x, eps, one_sided=False):
    """The grader's own finite differences (central, or one-sided for the mistake model)."""
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        up, down = x.astype(np.float64), x.astype(np.float64)
        up[i] += eps
        if one_sided:
            grad[i] = (loss(up) - loss(x)) / eps
        else:
            down[i] -= eps
            grad[i] = (loss(up) - loss(down)) / (2 * eps)
    return grad


def check_central_difference(sub):
    rng = np.random.default_rng(10)
    cases, closed_form = [], {}
    for shape in ((1,), (3,), (2, 3), (1, 2, 2)):
        x = rng.normal(size=shape)
        a, b = rng.normal(size=shape), rng.normal(size=shape)
        cases.append(Case({"loss": LossSpec("quadratic", a=a, b=b), "x": x, "eps": 1e-3},
                          f"loss(x) = sum(a x^2 + b x), x of shape {shape}, eps = 1e-3", extra={"a": a, "b": b}))
        closed_form[id(cases[-1])] = 2 * a * x + b  # central differences of a quadratic are exact
        cases.append(Case({"loss": LossSpec("cubic"), "x": x, "eps": 1e-2},
                          f"loss(x) = sum(x^3), x of shape {shape}, eps = 1e-2"))
        closed_form[id(cases[-1])] = 3 * x ** 2 + 1e-4  # ((x + e)^3 - (x - e)^3) / (2 e) = 3 x^2 + e^2

    def evaluate(c):
        out = sub.call("central_difference", c.args["loss"], c.args["x"], c.args["eps"])
        if not isinstance(out, np.ndarray) or out.shape != c.args["x"].shape or out.dtype != np.float64:
            raise Failure(f"central_difference must return a float64 array of x's shape {c.args['x'].shape}, got "
                          f"{type_name(out)} {getattr(out, 'shape', '')} {getattr(out, 'dtype', '')}")
        return out, closed_form[id(c)]

    search(cases, evaluate, "your central differences differ from the closed form (a quadratic: 2 a x + b; "
                            "a cubic: 3 x^2 + eps^2, exactly, up to round-off)",
           kind="gradient", models={"one_sided": lambda c: numerical(c.args["loss"].function(), c.args["x"], c.args["eps"],
                                                                     one_sided=True)})
    return (f"{len(cases)} losses with known central differences (quadratic, cubic), x unchanged: float "
            "round-off only (relative 1e-6)")


# ---------------------------------------------------------------- task 2

def backward(sub, f, psi, dout, group):
    out = sub.call("group_correlation_backward", f, psi, dout, group)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Failure(f"group_correlation_backward must return a pair (df, dpsi), got {type(out).__name__}")
    dtype = np.result_type(f, psi, dout)
    for name, value, like in (("df", out[0], f), ("dpsi", out[1], psi)):
        if not isinstance(value, np.ndarray) or value.shape != like.shape or value.dtype != dtype:
            raise Failure(f"{name} must be an array of shape {like.shape} and dtype {dtype}, got "
                          f"{type(value).__name__} {getattr(value, 'shape', '')} {getattr(value, 'dtype', '')}")
    return out[0], out[1]


def unflipped_df(f, psi, dout, group):
    """df from a 'full' correlation with the transposed bank NOT turned by 180 degrees."""
    bank = expand_group_filter(psi, group)
    O, nH, C, _, k, _ = bank.shape
    A_t = np.ascontiguousarray(bank.reshape(O * nH, C * nH, k, k).transpose(1, 0, 2, 3))
    return planar_correlation(dout.reshape(dout.shape[0], O * nH, *dout.shape[-2:]), A_t, "full").reshape(f.shape)


def folded(f, dout, group, k, move):
    """dpsi = sum_s move(dbank[:, s], s): the right fold for move(x, s) = L_{s^-1} x, mistakes otherwise."""
    B, C, nH, n, _ = f.shape
    O = dout.shape[1]
    f_t = np.ascontiguousarray(f.reshape(B, C * nH, n, n).transpose(1, 0, 2, 3))
    d_t = np.ascontiguousarray(dout.reshape(B, O * nH, *dout.shape[-2:]).transpose(1, 0, 2, 3))
    dbank = planar_correlation(f_t, d_t, "valid").transpose(1, 0, 2, 3).reshape(O, nH, C, nH, k, k)
    H = point_group(group)
    return sum(move(dbank[:, s], H[s]) for s in range(nH))


def check_backward(sub):
    cases = every_size_cases(psi_seed=2, dout_seed=4)
    cache = {}

    def grads(c):
        key = id(c)
        if key not in cache:
            cache[key] = backward(sub, **c.args)
        return cache[key]

    def agreement():
        search(cases, lambda c: (grads(c)[0], group_correlation_grad_input(c.args["dout"], c.args["psi"],
                                                                           c.args["group"], c.args["f"].shape)),
               "df differs from the library's group_correlation_grad_input",
               models={"flip": lambda c: unflipped_df(**c.args)})
        search(cases, lambda c: (grads(c)[1], group_correlation_grad_filter(c.args["f"], c.args["dout"],
                                                                            c.args["group"], c.args["psi"].shape[-1])),
               "dpsi differs from the library's group_correlation_grad_filter",
               models=[("inverse", lambda c: folded(c.args["f"], c.args["dout"], c.args["group"],
                                                    c.args["psi"].shape[-1],
                                                    lambda x, s: transform_group_function(x, s, c.args["group"]))),
                       ("no_permutation", lambda c: folded(c.args["f"], c.args["dout"], c.args["group"],
                                                           c.args["psi"].shape[-1],
                                                           lambda x, s: transform_image(x, inverse(s))))])

    def out_dot_dout(c):
        return np.sum(group_correlation(c.args["f"], c.args["psi"], c.args["group"]) * c.args["dout"])

    search(cases, lambda c: (np.sum(c.args["f"] * grads(c)[0]), out_dot_dout(c)),
           "df is not the transpose of the layer: sum(f df) != sum(out dout)",
           labels=("sum(out dout)", "sum(f df)"), refine=lambda: hints_of(agreement))
    search(cases, lambda c: (np.sum(c.args["psi"] * grads(c)[1]), out_dot_dout(c)),
           "dpsi is not the transpose of the layer: sum(psi dpsi) != sum(out dout)",
           labels=("sum(out dout)", "sum(psi dpsi)"), refine=lambda: hints_of(agreement))
    check_against_central_differences(sub)
    agreement()
    return (f"sum(out dout) = sum(f df) = sum(psi dpsi) and agreement with the library on {len(cases)} integer "
            "inputs (exact), and central differences of a quadratic loss on float data (round-off, relative 1e-6)")


def check_against_central_differences(sub):
    rng = np.random.default_rng(11)
    cases = []
    for group, n, k in (("p4", 3, 2), ("p4m", 3, 3)):
        nH = order(group)
        f, psi = rng.normal(size=(1, 2, nH, n, n)), rng.normal(size=(2, 2, nH, k, k))
        target = rng.normal(size=(1, 2, nH, n - k + 1, n - k + 1))
        cases.append(Case({"f": f, "psi": psi, "target": target, "group": group},
                          f"{group}, float f of shape {f.shape}, psi of shape {psi.shape}, "
                          "loss = sum((f ⋆ psi - target)^2) / 2"))

    def evaluate(c, which):
        f, psi, target, group = c.args["f"], c.args["psi"], c.args["target"], c.args["group"]
        dout = group_correlation(f, psi, group) - target  # d loss / d out of the quadratic loss
        got = backward(sub, f, psi, dout, group)[which]
        if which == 0:
            want = numerical(lambda x: 0.5 * np.sum((group_correlation(x, psi, group) - target) ** 2), f, 1e-6)
        else:
            want = numerical(lambda x: 0.5 * np.sum((group_correlation(f, x, group) - target) ** 2), psi, 1e-6)
        return got, want

    search(cases, lambda c: evaluate(c, 0), "df differs from central differences of the loss", kind="gradient",
           labels=("central differences", "your df"))
    search(cases, lambda c: evaluate(c, 1), "dpsi differs from central differences of the loss", kind="gradient",
           labels=("central differences", "your dpsi"))


TASKS = [
    Task("central_difference", 3, check_central_difference),
    Task("group_correlation_backward", 7, check_backward),
]
