"""Grading exercise 09: coset pooling over the group axis, and an invariant classifier head.

References: nn.CosetPool and nn.GlobalPool("max") followed by the product with W. A
max only selects values and a mean of integers is an exact sum divided once, so the
equivariance and invariance residuals are exactly 0 for a right answer; the head's
agreement with the library is float round-off (the same products, possibly summed in
another order by a different matrix routine).
"""
import numpy as np

from groupconv.action import transform_group_function, transform_image
from groupconv.groups import order, p4m_element, translation
from groupconv.nn import CosetPool, GlobalPool

from .framework import Case, Task, element_name, expect_array, hints_of, integer_data, point_group, search

FORBIDDEN = {"groupconv.nn": ["CosetPool", "GlobalPool", "Linear"]}

GROUPS = ("p4", "p4m")


def pool_cases():
    cases = []
    for n in range(1, 5):
        for group in GROUPS:
            for op in ("max", "mean"):
                x = integer_data((2, 3, order(group), n, n), n)
                cases.append(Case({"x": x, "op": op}, f"{group}, op {op!r}, x of shape {x.shape}",
                                  extra={"group": group}))
    return cases


def pooled(sub, x, op):
    out = sub.call("coset_pool", x, op)
    B, C, nH, n, _ = x.shape
    wrong = {(C, nH, n, n): "wrong_axis", (B, nH, n, n): "wrong_axis", (B, C, nH, n): "wrong_axis",
             (B, C, n): "wrong_axis"}
    return expect_array(out, f"coset_pool (op {op!r})", shape=(B, C, n, n),
                        dtype=x.dtype if op == "max" else np.float64, alternatives=wrong)


def elements(group):
    return point_group(group)[1:] + [translation(0, 1), p4m_element(0, 1, 1, 0)]


def check_coset_pool(sub):
    cases = pool_cases()

    def agreement():
        search(cases, lambda c: (pooled(sub, **c.args), CosetPool(c.args["op"]).forward(c.args["x"])),
               "coset pooling differs from the max (mean) over the group axis",
               models=[("wrong_axis", lambda c, a=a: getattr(np, c.args["op"])(c.args["x"], axis=a))
                       for a in (0, 1, 3, 4)])

    equivariance = [Case({**c.args, "u": u}, f"{c.label}, u = {element_name(u)}", extra=c.extra)
                    for c in cases for u in elements(c.extra["group"])]
    search(equivariance,
           lambda c: (pooled(sub, transform_group_function(c.args["x"], c.args["u"], c.extra["group"]), c.args["op"]),
                      transform_image(pooled(sub, c.args["x"], c.args["op"]), c.args["u"])),
           "pool(L_u x) != L_u pool(x): the pooled map must turn as an image",
           labels=("L_u pool(x)", "pool(L_u x)"), refine=lambda: hints_of(agreement))
    agreement()
    return (f"pool(L_u x) = L_u pool(x) for every turn and mirror and two shifts, and agreement with the library on "
            f"{len(cases)} inputs: exact (max selects values; a mean of integers is exact)")


def head(sub, x, W, b):
    out = sub.call("invariant_head", x, W, b)
    return expect_array(out, "invariant_head", shape=(x.shape[0], W.shape[1]), dtype=np.float64)


def check_head(sub):
    rng = np.random.default_rng(9)
    cases = []
    for n in (1, 2, 3, 5):
        for group in GROUPS:
            x = integer_data((2, 3, order(group), n, n), n + 1)
            if n == 5:
                x[..., [0, -1], :] = 0
                x[..., :, [0, -1]] = 0  # a zero border: a shift by one pixel loses nothing
            W, b = rng.normal(size=(3, 4)), rng.normal(size=4)
            for u in point_group(group)[1:] + ([translation(1, 0), p4m_element(0, 3, 0, -1)] if n == 5 else []):
                cases.append(Case({"x": x, "W": W, "b": b, "u": u},
                                  f"{group}, x of shape {x.shape}, u = {element_name(u)}", extra={"group": group}))

    def reference(c):
        pooled_ = GlobalPool("max").forward(c.args["x"])
        return pooled_ @ c.args["W"] + c.args["b"]

    def agreement():
        search(cases, lambda c: (head(sub, c.args["x"], c.args["W"], c.args["b"]), reference(c)),
               "the head differs from a global max pool followed by @ W + b", kind="float",
               models=[("wrong_axis", lambda c: c.args["x"].max(axis=(3, 4))[:, :, 0] @ c.args["W"] + c.args["b"])])

    search(cases, lambda c: (head(sub, transform_group_function(c.args["x"], c.args["u"], c.extra["group"]),
                                  c.args["W"], c.args["b"]),
                             head(sub, c.args["x"], c.args["W"], c.args["b"])),
           "not invariant: head(L_u x) != head(x)", labels=("head(x)", "head(L_u x)"),
           refine=lambda: hints_of(agreement))
    agreement()
    return (f"head(L_u x) = head(x) for every turn and mirror and two shifts ({len(cases)} cases; exact: the "
            "same pooled values, the same arithmetic), and agreement with the library to float round-off")


TASKS = [
    Task("coset_pool", 5, check_coset_pool),
    Task("invariant_head", 5, check_head),
]
