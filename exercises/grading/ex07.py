"""Grading exercise 07: the filter banks of the paper's section 7 and the group correlation through them.

References: correlate.expand_lifting_filter, correlate.expand_group_filter (built by a
cached gather, not by moving the filter with the action) and correlate.group_correlation.
A bank only moves values, and on int64 data the correlation is an exact integer sum:
every residual is exactly 0 for a right answer.
"""
import numpy as np

from groupconv.action import transform_group_function, transform_image
from groupconv.correlate import (expand_group_filter, expand_lifting_filter, group_convolution,
                                 group_correlation)
from groupconv.groups import inverse, order, point_group, point_group_index

from .framework import Case, Task, element_name, expect_array, hints_of, integer_data, search
from .gfunctions import every_size_cases, move, relabel, turn_and_shift_cases, unpermuted_correlation, valid_output

FORBIDDEN = {"groupconv.correlate": ["expand_lifting_filter", "expand_group_filter", "lifting_correlation",
                                     "lifting_correlation_literal", "group_correlation", "group_correlation_literal",
                                     "group_convolution", "group_convolution_literal", "lifting_convolution"]}

EXTRA_HINTS = {
    "axis_order": "The axes of the bank are in the wrong order: it is (C_out, |H|, C_in, k, k) for a lifting "
                  "filter and (C_out, |H|, C_in, |H|, k, k) for a filter on G, bank[o, s] = L_s psi[o].",
}

GROUPS = ("p4", "p4m")


def inverse_slots(bank, group):
    """bank[:, s] -> bank[:, index of s^-1]: the bank of L_{s^-1} psi."""
    s_inv = point_group_index(inverse(np.stack(point_group(group))), group)
    return bank[:, s_inv]


def bank_cases(on_group):
    cases = []
    for k in range(1, 5):
        for group in GROUPS:
            nH = order(group)
            for index, (O, C) in enumerate([(1, 1), (2, 3)]):
                psi = integer_data((O, C, nH, k, k) if on_group else (O, C, k, k), index)
                cases.append(Case({"psi": psi, "group": group}, f"{group}, psi of shape {psi.shape}",
                                  even=k % 2 == 0))
    return cases


def bank_checker(name, on_group):
    reference = expand_group_filter if on_group else expand_lifting_filter

    def banked(sub, psi, group):
        out = sub.call(name, psi, group)
        O, C, nH = psi.shape[0], psi.shape[1], order(group)
        core = psi.shape[2:]
        swapped = (O, C, nH) + core
        return expect_array(out, name, shape=(O, nH, C) + core, dtype=psi.dtype,
                            alternatives={swapped: "axis_order"} if C != nH else {})

    def check(sub):
        cases = bank_cases(on_group)
        H = point_group(cases[0].args["group"])

        def law(case):  # L_a (bank[:, b]) = bank[:, index of a b]: the bank is an orbit of the action
            psi, group = case.args["psi"], case.args["group"]
            bank = banked(sub, psi, group)
            H = point_group(group)
            a = H[1]
            moved = np.stack([move(bank[:, b], a, group, on_group) for b in range(len(H))], axis=1)
            slots = point_group_index(np.stack([a @ b for b in H]), group)
            return moved, bank[:, slots]

        models = [("inverse", lambda c: inverse_slots(reference(**c.args), c.args["group"])),
                  ("axis_order", lambda c: np.swapaxes(reference(**c.args), 1, 2))]
        if on_group:
            models.append(("no_permutation", lambda c: np.stack([transform_image(c.args["psi"], s)
                                                                 for s in point_group(c.args["group"])], axis=1)))
        search(cases, lambda c: (banked(sub, **c.args)[:, 0], c.args["psi"]),
               "bank[:, s] for s = e (the identity, slot 0) must be psi itself", labels=("psi", "bank[:, e]"),
               models=[("axis_order", lambda c: np.swapaxes(reference(**c.args), 1, 2)[:, 0])])
        search(cases, lambda c: (banked(sub, **c.args), reference(**c.args)),
               "bank[o, s] differs from L_s psi[o]", models=models)
        search(cases, law, f"moving bank[:, s] by a = {element_name(H[1])} does not give bank[:, a s]",
               labels=("bank[:, a s]", "L_a bank[:, s]"))
        sub.expect_new_array(name, cases[0].args["psi"], cases[0].args["group"])
        return (f"bank[:, e] = psi, agreement with the library on {len(cases)} filters (k = 1-4, p4 and p4m), "
                "and L_a bank[:, s] = bank[:, a s]: exact (values are only moved)")
    return check



def check_correlation(sub):
    cases = every_size_cases(psi_seed=3)

    def correlated(f, psi, group):
        return valid_output(sub, "group_correlation_by_bank", f, psi, group)

    def agreement():
        search(cases, lambda c: (correlated(**c.args), group_correlation(**c.args, mode="valid")),
               "the correlation through your bank differs from the group correlation",
               models=[("no_permutation", lambda c: unpermuted_correlation(**c.args)),
                       ("flip", lambda c: group_convolution(**c.args, mode="valid")),
                       ("inverse", lambda c: relabel(group_correlation(**c.args, mode="valid"), c.args["group"],
                                                     inverse))])

    equivariance = turn_and_shift_cases(cases)
    search(equivariance, lambda c: (correlated(transform_group_function(c.args["f"], c.args["u"], c.args["group"]),
                                               c.args["psi"], c.args["group"]),
                                    transform_group_function(correlated(c.args["f"], c.args["psi"], c.args["group"]),
                                                             c.args["u"], c.args["group"])),
           "not equivariant: (L_u f) ⋆ psi != L_u (f ⋆ psi)", labels=("L_u (f ⋆ psi)", "(L_u f) ⋆ psi"),
           refine=lambda: hints_of(agreement))
    agreement()
    return (f"equivariance for every turn and mirror and two shifts, and agreement with the library on {len(cases)} inputs "
            "(frames 1-5, filters 1-3, odd and even): exact (integer sums)")


TASKS = [
    Task("expand_lifting_filter", 3, bank_checker("expand_lifting_filter", on_group=False)),
    Task("expand_group_filter", 4, bank_checker("expand_group_filter", on_group=True)),
    Task("group_correlation_by_bank", 3, check_correlation),
]
