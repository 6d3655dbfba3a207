"""Grading exercise 06: the group correlation G -> G as a literal sum, paper form and substituted form.

Reference: correlate.group_correlation (filter bank and one planar correlation). On
int64 data every sum is exact, so the agreement and equivariance residuals are exactly
0 for a right answer.
"""
from groupconv.correlate import group_convolution, group_correlation
from groupconv.groups import inverse

from .framework import Task
from .gfunctions import (COMMON_HINTS, ORDER_HINT, correlation_checker, relabel, swapped_layout, swapped_product,
                         unpermuted_correlation)

FORBIDDEN = {"groupconv.correlate": ["planar_correlation", "planar_correlation_literal", "planar_convolution",
                                     "lifting_correlation", "lifting_correlation_literal", "group_correlation",
                                     "group_correlation_literal", "group_convolution", "group_convolution_literal",
                                     "expand_group_filter", "reverse_filter"],
             "groupconv.engine": ["planar_correlation"],
             "groupconv.action": ["transform_image", "transform_image_literal", "transform_group_function",
                                  "transform_group_function_literal", "group_axis_permutation"]}

EXTRA_HINTS = {"order": ORDER_HINT, **COMMON_HINTS}



def checker(name):
    return correlation_checker(
        name, True, group_correlation,
        "group correlation differs from sum_h sum_k f_k(h) psi_k(g^-1 h)",
        models=[("flip", lambda c: group_convolution(**c.args, mode="valid")),
                ("flip", lambda c: group_correlation(c.args["f"], c.args["psi"][..., ::-1, ::-1],
                                                     c.args["group"], "valid")),
                ("no_permutation", lambda c: unpermuted_correlation(**c.args)),
                ("inverse", lambda c: relabel(group_correlation(**c.args, mode="valid"), c.args["group"], inverse)),
                ("order", lambda c: relabel(group_correlation(**c.args, mode="valid"), c.args["group"],
                                            swapped_product)),
                ("transposed", lambda c: group_correlation(c.args["f"], c.args["psi"].swapaxes(-1, -2),
                                                           c.args["group"], "valid")),
                ("group_axis", lambda c: swapped_layout(group_correlation(**c.args, mode="valid")))])


TASKS = [
    Task("group_correlation", 6, checker("group_correlation")),
    Task("group_correlation_substituted", 4, checker("group_correlation_substituted")),
]
