"""Grading exercise 10: central differences, and the backward pass of a group correlation.

Residuals: the adjoint identities sum(out dout) = sum(f df) = sum(psi dpsi) and the
agreement with the library are exact on int64 data (integer sums); gradients are also
compared with central differences of a quadratic loss on float data, whose only error
is round-off, amplified by 1/eps: a relative tolerance of GRADIENT_TOL = 1e-6.
"""
import numpy as np

from groupconv.action import transform_group_function, transform_image
from groupconv.correlate import (expand_group_filter, group_correlation, group_correlation_grad_filter,
                                 group_correlation_grad_input)
from groupconv.engine import planar_correlation_grad_filter, planar_correlation_grad_input
from groupconv.groups import inverse, order, point_group

from .framework import Case, Failure, Task, course_size, generator, hints_of, integer_data, search, type_name
from .gfunctions import every_size_cases
from .netspec import LossSpec

FORBIDDEN = {"groupconv.correlate": ["group_correlation_grad_input", "group_correlation_grad_filter",
                                     "lifting_correlation_grad_input", "lifting_correlation_grad_filter"],
             "groupconv.engine": ["planar_correlation_grad_input", "planar_correlation_grad_filter"],
             "groupconv.nn": ["GroupConv", "fold_bank_gradient", "fold_bank_gradient_literal"]}

EXTRA_HINTS = {
    "one_sided": "You used a one-sided difference (loss(x + eps) - loss(x)) / eps: its error is of order eps. "
                 "The central difference (loss(x + eps) - loss(x - eps)) / (2 eps) is accurate to order eps^2.",
    "no_half": "Your differences are twice the gradient: the step from x - eps to x + eps is 2 eps long, so divide "
               "by 2 eps, not by eps.",
    "all_at_once": "You moved every entry of x at once (x + eps everywhere): that is the derivative along the "
                   "direction (1, 1, ..., 1), the same number for every entry. Move one entry at a time: "
                   "x + eps e_i.",
    "integer_copy": "Your perturbed copy keeps x's integer dtype, so x + eps is rounded back to an integer "
                    "(1 + 0.001 -> 1). Copy x as float64 first: np.array(x, dtype=np.float64).",
    "batch_sum": "Your dpsi uses one sample of the batch only: the filter is shared by every sample, so its "
                 "gradient sums over the batch, dbank[p, q] = sum_b f[b, q] * dout[b, p] (check a loop over b "
                 "that assigns instead of adding).",
    "fold_once": "Your dpsi is the gradient of the first copy of psi in the bank only (s = e). Every slot "
                 "bank[:, s] = L_s psi is a copy of psi, so dpsi sums all of them: dpsi = sum_s L_{s^-1} dbank[:, s].",
    "fold_unmoved": "You summed the copies dbank[:, s] without moving them back: bank[:, s] = L_s psi, so its "
                    "gradient must be moved by L_{s^-1} (an action on filters on G) before the sum.",
}

GROUPS = ("p4", "p4m")


# ---------------------------------------------------------------- task 1

def entrywise(spec, ahead, behind, divisor):
    """What a one-entry-at-a-time difference quotient gives for the grader's losses, in closed form.

    Both losses are sums over the entries, sum(l(x_i)), so moving entry i changes the loss by the change of its
    own term only, and the quotient for entry i is (l(ahead_i) - l(behind_i)) / divisor: no loop over entries.
    The mistake models of task 1 are this quotient with the wrong steps or divisor.
    """
    return (spec.terms(ahead) - spec.terms(behind)) / divisor


def difference_models():
    """[(hint, model of a case)] of task 1: one-sided (either side), no halving, an integer copy of an integer x."""
    def quotient(c, ahead, behind, divisor, integer_only=False):
        x, eps = c.args["x"], c.args.get("eps", 1e-6)
        if integer_only and not np.issubdtype(x.dtype, np.integer):
            return None  # a float copy of a float x is the right copy
        xf = x.astype(np.float64)
        return entrywise(c.args["loss"], ahead(xf, eps), behind(xf, eps), divisor(eps))

    return [("one_sided", lambda c: quotient(c, lambda x, e: x + e, lambda x, e: x, lambda e: e)),
            ("one_sided", lambda c: quotient(c, lambda x, e: x, lambda x, e: x - e, lambda e: e)),
            ("no_half", lambda c: quotient(c, lambda x, e: x + e, lambda x, e: x - e, lambda e: e)),
            # x + eps stored back into an integer array is truncated towards 0
            ("integer_copy", lambda c: quotient(c, lambda x, e: np.trunc(x + e), lambda x, e: np.trunc(x - e),
                                                lambda e: 2 * e, integer_only=True))]


def all_at_once(loss, x, eps):
    """The directional difference (loss(x + eps) - loss(x - eps)) / (2 eps), written into every entry."""
    x = x.astype(np.float64)
    return np.full(x.shape, (loss(x + eps) - loss(x - eps)) / (2 * eps))


def difference_cases():
    """Losses with a closed-form central difference: float x of several shapes (one past 64 entries), an
    integer x, and once the default eps."""
    rng = generator(10)
    cases = []

    def add(x, eps, kind):
        if kind == "quadratic":
            a, b = rng.normal(size=x.shape), rng.normal(size=x.shape)
            loss, exact = LossSpec("quadratic", a=a, b=b), 2 * a * x + b  # central differences of a quadratic are exact
            text, extra = "sum(a x^2 + b x)", {"a": a, "b": b}
        else:
            loss, exact = LossSpec("cubic"), 3 * x.astype(np.float64) ** 2 + eps ** 2  # ((x+e)^3 - (x-e)^3) / 2e
            text, extra = "sum(x^3)", {}
        args = {"loss": loss, "x": x} if eps is None else {"loss": loss, "x": x, "eps": eps}
        cases.append(Case(args, f"loss(x) = {text}, x of shape {x.shape} ({x.dtype}), "
                                + ("the default eps" if eps is None else f"eps = {eps:g}"),
                          extra={**extra, "closed form": exact}))

    for shape in ((1,), (3,), (2, 3), (1, 2, 2)):
        x = rng.normal(size=shape)
        add(x, 1e-3, "quadratic")
        add(x, 1e-2, "cubic")
    add(rng.normal(size=(3,)), None, "quadratic")  # eps=1e-6 by default: a quadratic's differences stay exact
    add(rng.integers(-3, 4, size=(2, 3)), 1e-3, "quadratic")  # an integer x: the copies must be float
    add(rng.integers(-3, 4, size=(4,)), 1e-2, "cubic")
    add(rng.normal(size=(5, 14)), 1e-3, "quadratic")  # 70 entries
    return cases


def check_central_difference(sub):
    cases = difference_cases()

    def evaluate(c):
        out = sub.call("central_difference", *c.args.values())
        if not isinstance(out, np.ndarray) or out.shape != c.args["x"].shape or out.dtype != np.float64:
            raise Failure(f"central_difference must return a float64 array of x's shape {c.args['x'].shape}, got "
                          f"{type_name(out)} {getattr(out, 'shape', '')} {getattr(out, 'dtype', '')}")
        return out, c.extra["closed form"]

    search(cases, evaluate, "your central differences differ from the closed form (a quadratic: 2 a x + b; "
                            "a cubic: 3 x^2 + eps^2, exactly, up to round-off)",
           kind="gradient",
           models=difference_models() + [("all_at_once", lambda c: all_at_once(c.args["loss"].function(),
                                                                                c.args["x"], c.args.get("eps", 1e-6)))])
    return (f"{len(cases)} losses with known central differences (quadratic, cubic; float and integer x, up to 70 "
            "entries, the default eps), x unchanged: float round-off only (relative 1e-6)")


# ---------------------------------------------------------------- task 2

def backward(sub, f, psi, dout, group):
    out = sub.call("group_correlation_backward", f, psi, dout, group)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Failure(f"group_correlation_backward must return a pair (df, dpsi), got {type(out).__name__}")
    wanted = np.result_type(f, psi, dout)
    for name, value, like in (("df", out[0], f), ("dpsi", out[1], psi)):
        if not isinstance(value, np.ndarray) or value.shape != like.shape or value.dtype != wanted:
            raise Failure(f"{name} must be an array of shape {like.shape} and dtype {wanted}, got "
                          f"{type(value).__name__} {getattr(value, 'shape', '')} {getattr(value, 'dtype', '')}")
    return out[0], out[1]


def unflipped_df(f, psi, dout, group):
    """df from a 'full' correlation with the transposed bank NOT turned by 180 degrees: the library's input
    gradient of a bank turned beforehand (its own turn undoes it)."""
    bank = expand_group_filter(psi, group)
    rows = bank.shape[0] * bank.shape[1]
    turned = bank.reshape(rows, -1, *bank.shape[-2:])[..., ::-1, ::-1]
    return planar_correlation_grad_input(dout.reshape(dout.shape[0], rows, *dout.shape[-2:]), turned,
                                         (f.shape[0], turned.shape[1], *f.shape[-2:])).reshape(f.shape)


def bank_gradient(f, dout, group, k):
    """The gradient of the expanded bank (O, |H|, C, |H|, k, k), before the fold: the library's filter gradient of
    the one planar correlation that the group correlation is."""
    B, O, nH = dout.shape[0], dout.shape[1], order(group)
    dbank = planar_correlation_grad_filter(f.reshape(B, -1, *f.shape[-2:]), dout.reshape(B, O * nH, *dout.shape[-2:]), k)
    return dbank.reshape(O, nH, -1, nH, k, k)


def folded(f, dout, group, k, move, planes=None):
    """dpsi = sum_s move(dbank[:, s], s) over the planes s (all by default): the right fold for
    move(x, s) = L_{s^-1} x, mistakes otherwise."""
    dbank = bank_gradient(f, dout, group, k)
    H = point_group(group)
    return sum(move(dbank[:, s], H[s]) for s in (range(len(H)) if planes is None else planes))


def right_move(group):
    return lambda x, s: transform_group_function(x, inverse(s), group)


def dpsi_models():
    """The mistakes of dpsi, each a function of a case (f, psi, dout, group)."""
    def fold(c, move=None, planes=None, samples=slice(None)):
        f, dout, group = c.args["f"], c.args["dout"], c.args["group"]
        return folded(f[samples], dout[samples], group, c.args["psi"].shape[-1], move or right_move(group), planes)

    return [("inverse", lambda c: fold(c, lambda x, s: transform_group_function(x, s, c.args["group"]))),
            ("no_permutation", lambda c: fold(c, lambda x, s: transform_image(x, inverse(s)))),
            ("fold_once", lambda c: fold(c, planes=[0])),
            ("fold_unmoved", lambda c: fold(c, lambda x, s: x)),
            ("batch_sum", lambda c: fold(c, samples=slice(0, 1))),
            ("batch_sum", lambda c: fold(c, samples=slice(-1, None)))]


def backward_cases():
    """Integer data (f, psi, dout, group), smallest first: every frame 1-5 and k <= 3 (every_size_cases); batch,
    input and output channels of three different lengths; the dtype combinations int32, float32 (integer
    values: sums stay exact) and int64 with float64; and one frame of 33."""
    cases = every_size_cases(psi_seed=2, dout_seed=4)

    def add(B, C, O, n, k, group, dtypes=(np.int64,) * 3, index=1):
        nH = order(group)
        f = integer_data((B, C, nH, n, n), index).astype(dtypes[0])
        psi = integer_data((O, C, nH, k, k), index + 2).astype(dtypes[1])
        dout = integer_data((B, O, nH, n - k + 1, n - k + 1), index + 4).astype(dtypes[2])
        names = "/".join(np.dtype(d).name for d in dtypes)
        cases.append(Case({"f": f, "psi": psi, "dout": dout, "group": group},
                          f"{group}, f of shape {f.shape}, psi of shape {psi.shape} (f/psi/dout: {names})",
                          even=(n % 2 == 0 or k % 2 == 0)))

    for group in ("p4", "p4m"):
        for B, C, O in ((3, 2, 1), (1, 3, 2), (2, 1, 3)):
            add(B, C, O, 4, 3, group)
            add(B, C, O, 3, 2, group, index=2)
        for dtypes in ((np.int32,) * 3, (np.float32,) * 3, (np.int64, np.float64, np.int64),
                       (np.int64, np.int64, np.float64)):
            add(2, 2, 1, 4, 2, group, dtypes)
    add(1, 1, 1, course_size(33, 25), 2, "p4")  # no size is hard-coded (33: a backward pass built column by column from the linear map still fits in memory)
    cases.sort(key=lambda c: c.args["f"].size)
    return cases


def check_backward(sub):
    cases = backward_cases()
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
               "dpsi differs from the library's group_correlation_grad_filter", models=dpsi_models())

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
    return (f"sum(out dout) = sum(f df) = sum(psi dpsi) and agreement with the library on {len(cases)} inputs "
            "(p4, p4m; frames 1-5 and 33; int64, int32, float32 and mixed dtypes; integer values: exact), and central differences of a quadratic loss on float data along random directions (round-off, relative 1e-6)")


DIRECTIONS = 6


def check_against_central_differences(sub):
    """Gradients against central differences along random directions: for a quadratic loss L, the quotient
    (L(x + eps d) - L(x - eps d)) / (2 eps) is the directional derivative sum(grad * d) exactly, up to round-off.
    Six random directions d, one loss evaluation pair each: a wrong gradient fails for almost every d."""
    rng = generator(11)
    cases, directions = [], {}
    for group, n, k in (("p4", 3, 2), ("p4m", 3, 3)):
        nH = order(group)
        f, psi = rng.normal(size=(1, 2, nH, n, n)), rng.normal(size=(2, 2, nH, k, k))
        target = rng.normal(size=(1, 2, nH, n - k + 1, n - k + 1))
        directions[group] = {"f": rng.normal(size=(DIRECTIONS, *f.shape)), "psi": rng.normal(size=(DIRECTIONS, *psi.shape))}
        cases.append(Case({"f": f, "psi": psi, "target": target, "group": group},
                          f"{group}, float f of shape {f.shape}, psi of shape {psi.shape}, "
                          "loss = sum((f ⋆ psi - target)^2) / 2, 6 random directions"))

    def evaluate(c, which):
        f, psi, target, group = c.args["f"], c.args["psi"], c.args["target"], c.args["group"]
        dout = group_correlation(f, psi, group) - target  # d loss / d out of the quadratic loss
        got = backward(sub, f, psi, dout, group)[0 if which == "f" else 1]
        loss = ((lambda x: 0.5 * np.sum((group_correlation(x, psi, group) - target) ** 2)) if which == "f" else
                (lambda x: 0.5 * np.sum((group_correlation(f, x, group) - target) ** 2)))
        x, eps = c.args[which], 1e-6
        steps = directions[group][which]
        quotients = np.array([(loss(x + eps * d) - loss(x - eps * d)) / (2 * eps) for d in steps])
        return np.tensordot(steps, got, axes=got.ndim), quotients

    search(cases, lambda c: evaluate(c, "f"), "df differs from central differences of the loss along random "
                                              "directions d (sum(df * d) against the difference quotient)",
           kind="gradient", labels=("central differences", "sum(your df * d)"))
    search(cases, lambda c: evaluate(c, "psi"), "dpsi differs from central differences of the loss along random "
                                                "directions d (sum(dpsi * d) against the difference quotient)",
           kind="gradient", labels=("central differences", "sum(your dpsi * d)"))


TASKS = [
    Task("central_difference", 3, check_central_difference),
    Task("group_correlation_backward", 7, check_backward),
]
