"""Grading exercise 05: the lifting correlation as a literal sum, paper form and substituted form.

Reference: correlate.lifting_correlation (a filter bank and one planar correlation, a
different computation). On int64 data both sides are exact integer sums, and the
equivariance residuals (L_u f) ⋆ psi - L_u (f ⋆ psi) are exactly 0 for a right answer.
"""
from groupconv.correlate import lifting_convolution, lifting_correlation
from groupconv.groups import inverse

from .framework import Task
from .gfunctions import (COMMON_HINTS, ORDER_HINT, clockwise_element, correlation_checker, relabel, swapped_layout,
                         swapped_product)

FORBIDDEN = {"groupconv.correlate": ["planar_correlation", "planar_correlation_literal", "planar_convolution",
                                     "lifting_correlation", "lifting_correlation_literal", "lifting_convolution",
                                     "lifting_convolution_literal", "expand_lifting_filter", "group_correlation",
                                     "group_correlation_literal"],
             "groupconv.engine": ["planar_correlation"],
             "groupconv.action": ["transform_image", "transform_image_literal"]}

EXTRA_HINTS = {"order": ORDER_HINT, **COMMON_HINTS}



def checker(name):
    return correlation_checker(
        name, False, lifting_correlation,
        "lifting correlation differs from sum_y sum_k f_k(y) psi_k(g^-1 y)",
        models={"flip": lambda c: lifting_convolution(**c.args, mode="valid"),
                "inverse": lambda c: relabel(lifting_correlation(**c.args, mode="valid"), c.args["group"], inverse),
                "order": lambda c: relabel(lifting_correlation(**c.args, mode="valid"), c.args["group"],
                                           swapped_product),
                "clockwise": lambda c: relabel(lifting_correlation(**c.args, mode="valid"), c.args["group"],
                                               lambda g: clockwise_element(g, c.args["group"])),
                "transposed": lambda c: lifting_correlation(c.args["f"], c.args["psi"].swapaxes(-1, -2),
                                                            c.args["group"], "valid"),
                "group_axis": lambda c: swapped_layout(lifting_correlation(**c.args, mode="valid"))})


TASKS = [
    Task("lifting_correlation", 6, checker("lifting_correlation")),
    Task("lifting_correlation_substituted", 4, checker("lifting_correlation_substituted")),
]
