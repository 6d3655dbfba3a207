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
from .gfunctions import (COMMON_HINTS, Cached, check_dtypes, dtype_models, every_size_cases, float_data,
                         mixed_dtype_cases, output_dtype_check, swapped_layout, turn_about_pixel, turn_and_shift_cases,
                         valid_output)

FORBIDDEN = {"groupconv.correlate": ["reverse_filter", "group_convolution", "group_convolution_literal",
                                     "lifting_convolution", "lifting_convolution_literal"]}

EXTRA_HINTS = {
    **COMMON_HINTS,
    "flip_only": "You turned every plane by 180 degrees, psi(-z): that is the reversal on Z^2 only. On G, "
                 "h^-1 = t(-s^-1 z) . s^-1 also moves the plane: plane s of psi_check is plane s^-1 of psi, "
                 "read at -s^-1 z.",
    "planes_only": "You moved the planes (s -> s^-1) but did not move the pixels: plane s of psi_check is "
                   "plane s^-1 of psi read at -s^-1 z, not at z.",
}

GROUPS = ("p4", "p4m")


def by_planes(psi, group, plane, moved_by, turn=transform_image):
    """Plane s of the result = plane plane(s) of psi moved by the element moved_by(s) (an image action `turn`)."""
    H = point_group(group)
    return np.stack([turn(psi[..., plane(s), :, :], moved_by(s)) if moved_by(s) is not None
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
                                            lambda s: rotation(2) @ inverse(s))),
            ("off_centre", lambda c: by_planes(c.args["psi"], group_of(c), lambda s: inv(s, group_of(c)),
                                               lambda s: rotation(2) @ s, turn=turn_about_pixel))]


def reversed_(sub, psi, group, dtype=True):
    out = sub.call("reverse_filter", psi, group)
    return expect_array(out, "reverse_filter", shape=psi.shape, dtype=psi.dtype if dtype else None)


def check_reverse(sub):
    cases = []
    for k in range(1, 5):
        for group in GROUPS:
            nH = order(group)
            for index, shape in enumerate([(nH, k, k), (2, 3, nH, k, k)]):
                psi = integer_data(shape, index)
                cases.append(Case({"psi": psi, "group": group}, f"{group}, psi of shape {shape}", even=k % 2 == 0))
    typed = [Case({"psi": (float_data((2, 8, 3, 3), i) if kind == "f" else integer_data((2, 8, 3, 3), 1)).astype(dtype),
                   "group": "p4m"}, f"p4m, psi of shape (2, 8, 3, 3) and dtype {np.dtype(dtype)}")
             for i, (dtype, kind) in enumerate([(np.float64, "f"), (np.float32, "f"), (np.int32, "i")])]
    check_dtypes(typed, lambda c: reversed_(sub, **c.args, dtype=False), lambda c: c.args["psi"].dtype,
                 "reverse_filter", dtype_models(of_inputs=False))
    twice = [(key, lambda c, model=model: model(Case({**c.args, "psi": model(c)}, c.label)))
             for key, model in reversal_models(lambda c: c.args["group"])]  # a mistake made twice
    search(cases, lambda c: (reversed_(sub, reversed_(sub, **c.args), c.args["group"]), c.args["psi"]),
           "reversing twice does not give psi back: (psi_check)_check(h) = psi((h^-1)^-1) = psi(h)",
           labels=("psi", "psi_check_check"), models=twice)
    search(cases + typed, lambda c: (reversed_(sub, **c.args), reverse_filter(**c.args)),
           "psi_check(h) differs from psi(h^-1)", models=reversal_models(lambda c: c.args["group"]))
    large = integer_data((1, 4, 65, 65), 1)  # by the hint of the task text: plane s^-1 moved by R(2) . s
    search([Case({"psi": large, "group": "p4"}, f"p4, psi of shape {large.shape}")],
           lambda c: (reversed_(sub, **c.args), by_planes(large, "p4", lambda s: index_of(inverse(s), "p4"),
                                                           lambda s: rotation(2) @ s)),
           "on a filter past 64 pixels, psi_check(h) differs from psi(h^-1)")
    sub.expect_new_array("reverse_filter", integer_data((4, 3, 3), 0), "p4")
    return (f"the dtype of psi (float64, float32, int32), psi_check_check = psi and agreement with psi read at h^-1 "
            f"on {len(cases) + len(typed) + 1} filters (k = 1-4 and 65, with and without leading axes): exact "
            "(values are only moved)")



def check_convolution(sub):
    cases = every_size_cases(psi_seed=4)
    floats = mixed_dtype_cases(True, n=4, k=2, values=True)

    def convolved(f, psi, group):
        return valid_output(sub, "group_convolution", f, psi, group)

    def agreement():
        models = [(key, lambda c, model=model: group_correlation(c.args["f"], model(c), c.args["group"], "valid"))
                  for key, model in reversal_models(lambda c: c.args["group"])]
        models.append(("group_axis", lambda c: swapped_layout(group_convolution(**c.args, mode="valid"))))
        search(cases + floats, lambda c: (convolved(**c.args), group_convolution(**c.args, mode="valid")),
               "f conv psi differs from sum_h f(h) psi(h^-1 g)", models=models)

    unmoved = Cached(convolved)
    output_dtype_check(sub, "group_convolution", True)
    equivariance = turn_and_shift_cases(cases)
    search(equivariance,
           lambda c: (convolved(transform_group_function(c.args["f"], c.args["u"], c.args["group"]),
                                c.args["psi"], c.args["group"]),
                      transform_group_function(unmoved(c.args["f"], c.args["psi"], c.args["group"]),
                                               c.args["u"], c.args["group"])),
           "not equivariant: (L_u f) conv psi != L_u (f conv psi)", labels=("L_u (f conv psi)", "(L_u f) conv psi"),
           refine=lambda: hints_of(agreement))
    agreement()
    large = Case({"f": integer_data((1, 1, 4, 66, 66), 1), "psi": integer_data((1, 1, 4, 3, 3), 2), "group": "p4"},
                 "p4, f of shape (1, 1, 4, 66, 66), psi of shape (1, 1, 4, 3, 3)")
    search([large], lambda c: (convolved(**c.args), group_convolution(**c.args, mode="valid")),
           "on a frame past 64, f conv psi differs from sum_h f(h) psi(h^-1 g)")
    return (f"the dtype np.result_type(f, psi) for 4 dtype pairs, equivariance for every turn and mirror and two "
            f"shifts, and agreement with sum_h f(h) psi(h^-1 g) on {len(cases) + 1} integer inputs (frames 1-5 and "
            f"66, odd and even sizes): exact (integer sums); on {len(floats)} with a float image or filter: "
            "to round-off")


TASKS = [
    Task("reverse_filter", 5, check_reverse),
    Task("group_convolution", 5, check_convolution),
]
