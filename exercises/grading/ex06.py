"""Grading exercise 06: the group correlation G -> G as a literal sum, paper form and substituted form.

Reference: correlate.group_correlation (filter bank and one planar correlation). On
int64 data every sum is exact, so the agreement and equivariance residuals are exactly
0 for a right answer.
"""
from groupconv.correlate import group_convolution, group_correlation
from groupconv.groups import inverse

from .framework import Task, hints_of, search
from .gfunctions import (ORDER_HINT, correlation_cases, equivariance_cases, move, relabel, swapped_product,
                         unpermuted_correlation, valid_output)

FORBIDDEN = {"groupconv.correlate": ["planar_correlation", "planar_correlation_literal", "planar_convolution",
                                     "lifting_correlation", "lifting_correlation_literal", "group_correlation",
                                     "group_correlation_literal", "group_convolution", "group_convolution_literal",
                                     "expand_group_filter", "reverse_filter"],
             "groupconv.engine": ["planar_correlation"],
             "groupconv.action": ["transform_image", "transform_image_literal", "transform_group_function",
                                  "transform_group_function_literal", "group_axis_permutation"]}

EXTRA_HINTS = {"order": ORDER_HINT}



def checker(name):
    def check(sub):
        cases = correlation_cases(on_group=True)

        def agreement():
            search(cases, lambda c: (valid_output(sub, name, **c.args), group_correlation(**c.args, mode="valid")),
                   "your group correlation differs from sum_h sum_k f_k(h) psi_k(g^-1 h)",
                   models=[("flip", lambda c: group_convolution(**c.args, mode="valid")),
                           ("flip", lambda c: group_correlation(c.args["f"], c.args["psi"][..., ::-1, ::-1],
                                                                c.args["group"], "valid")),
                           ("no_permutation", lambda c: unpermuted_correlation(**c.args)),
                           ("inverse", lambda c: relabel(group_correlation(**c.args, mode="valid"),
                                                         c.args["group"], inverse)),
                           ("order", lambda c: relabel(group_correlation(**c.args, mode="valid"),
                                                       c.args["group"], swapped_product))])

        def equivariance(c):
            f, psi, group, u = c.args["f"], c.args["psi"], c.args["group"], c.args["u"]
            return (valid_output(sub, name, move(f, u, group, True), psi, group),
                    move(valid_output(sub, name, f, psi, group), u, group, True))

        search(equivariance_cases(on_group=True), equivariance,
               "not equivariant: (L_u f) ⋆ psi != L_u (f ⋆ psi)", labels=("L_u (f ⋆ psi)", "(L_u f) ⋆ psi"),
               refine=lambda: hints_of(agreement))
        agreement()
        return (f"equivariance for every turn and mirror and two shifts, and agreement with the library on "
                f"{len(cases)} inputs (p4 and p4m, frames 1-5): exact (integer sums)")
    return check


TASKS = [
    Task("group_correlation", 6, checker("group_correlation")),
    Task("group_correlation_substituted", 4, checker("group_correlation_substituted")),
]
