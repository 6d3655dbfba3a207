"""Grading exercise 08: the reversed filter psi_check(h) = psi(h^-1) and the true group convolution.

References: correlate.reverse_filter (psi read literally at h^-1) and
correlate.group_convolution. Reversing only moves values and the convolution of int64
data is an exact integer sum: every residual is exactly 0 for a right answer.
"""
import numpy as np

from groupconv.action import transform_group_function, transform_image
from groupconv.correlate import group_convolution, group_correlation, reverse_filter
from groupconv.groups import inverse, order, point_group, point_group_index, rotation

from .framework import Case, Task, expect_array, hints_of, integer_data, search
from .gfunctions import every_size_cases, turn_and_shift_cases, valid_output

FORBIDDEN = {"groupconv.correlate": ["reverse_filter", "group_convolution", "group_convolution_literal",
                                     "lifting_convolution", "lifting_convolution_literal"]}

EXTRA_HINTS = {
    "flip_only": "You turned every plane by 180 degrees, psi(-z): that is the reversal on Z^2 only. On G, "
                 "h^-1 = t(-s^-1 z) . s^-1 also moves the plane: plane s of psi_check is plane s^-1 of psi, "
                 "read at -s^-1 z.",
    "planes_only": "You moved the planes (s -> s^-1) but did not move the pixels: plane s of psi_check is "
                   "plane s^-1 of psi read at -s^-1 z, not at z.",
}

GROUPS = ("p4", "p4m")


def by_planes(psi, group, plane, moved_by):
    """Plane s of the result = plane plane(s) of psi moved by the element moved_by(s) (an image action)."""
    H = point_group(group)
    return np.stack([transform_image(psi[..., plane(s), :, :], moved_by(s)) if moved_by(s) is not None
                     else psi[..., plane(s), :, :] for s in H], axis=-3)


def index_of(s, group):
    return int(point_group_index(s, group))


def reversal_models(group_of):
    """Mistake models of the reversed filter, as (hint key, fn(case) -> filter)."""
    def inv(s, group):
        return index_of(inverse(s), group)

    return [("flip", lambda c: c.args["psi"].copy()),
            ("flip_only", lambda c: np.ascontiguousarray(c.args["psi"][..., ::-1, ::-1])),
            ("planes_only", lambda c: by_planes(c.args["psi"], group_of(c), lambda s: inv(s, group_of(c)),
                                                lambda s: None)),
            ("inverse", lambda c: by_planes(c.args["psi"], group_of(c), lambda s: inv(s, group_of(c)),
                                            lambda s: rotation(2) @ inverse(s)))]


def reversed_(sub, psi, group):
    out = sub.call("reverse_filter", psi, group)
    return expect_array(out, "reverse_filter", shape=psi.shape, dtype=psi.dtype)


def check_reverse(sub):
    cases = []
    for k in range(1, 5):
        for group in GROUPS:
            nH = order(group)
            for index, shape in enumerate([(nH, k, k), (2, 3, nH, k, k)]):
                psi = integer_data(shape, index)
                cases.append(Case({"psi": psi, "group": group}, f"{group}, psi of shape {shape}", even=k % 2 == 0))
    search(cases, lambda c: (reversed_(sub, reversed_(sub, **c.args), c.args["group"]), c.args["psi"]),
           "reversing twice does not give psi back: (psi_check)_check(h) = psi((h^-1)^-1) = psi(h)",
           labels=("psi", "psi_check_check"))
    search(cases, lambda c: (reversed_(sub, **c.args), reverse_filter(**c.args)),
           "psi_check(h) differs from psi(h^-1)", models=reversal_models(lambda c: c.args["group"]))
    sub.expect_new_array("reverse_filter", integer_data((4, 3, 3), 0), "p4")
    return (f"psi_check_check = psi and agreement with psi read at h^-1 on {len(cases)} filters (k = 1-4, "
            "with and without leading axes): exact (values are only moved)")



def check_convolution(sub):
    cases = every_size_cases(psi_seed=4)

    def convolved(f, psi, group):
        return valid_output(sub, "group_convolution", f, psi, group)

    def agreement():
        models = [(key, lambda c, model=model: group_correlation(c.args["f"], model(c), c.args["group"], "valid"))
                  for key, model in reversal_models(lambda c: c.args["group"])]
        search(cases, lambda c: (convolved(**c.args), group_convolution(**c.args, mode="valid")),
               "f conv psi differs from sum_h f(h) psi(h^-1 g)", models=models)

    equivariance = turn_and_shift_cases(cases)
    search(equivariance,
           lambda c: (convolved(transform_group_function(c.args["f"], c.args["u"], c.args["group"]),
                                c.args["psi"], c.args["group"]),
                      transform_group_function(convolved(c.args["f"], c.args["psi"], c.args["group"]),
                                               c.args["u"], c.args["group"])),
           "not equivariant: (L_u f) conv psi != L_u (f conv psi)", labels=("L_u (f conv psi)", "(L_u f) conv psi"),
           refine=lambda: hints_of(agreement))
    agreement()
    return (f"equivariance for every turn and mirror and two shifts, and agreement with sum_h f(h) psi(h^-1 g) on {len(cases)} "
            "inputs (odd and even sizes): exact (integer sums)")


TASKS = [
    Task("reverse_filter", 5, check_reverse),
    Task("group_convolution", 5, check_convolution),
]
