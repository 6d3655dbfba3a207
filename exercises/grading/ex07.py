"""Grading exercise 07: the filter banks of the paper's section 7 and the group correlation through them.

References: correlate.expand_lifting_filter, correlate.expand_group_filter (built by a
cached gather, not by moving the filter with the action) and correlate.group_correlation.
A bank only moves values, and on int64 data the correlation is an exact integer sum:
every residual is exactly 0 for a right answer.
"""
import numpy as np

from groupconv.action import transform_group_function, transform_image
from groupconv.correlate import (expand_group_filter, expand_lifting_filter, group_convolution,
                                 group_correlation, planar_correlation)
from groupconv.groups import inverse, order, point_group, point_group_index

from .framework import Case, Task, element_name, expect_array, hints_of, integer_data, search
from .gfunctions import (COMMON_HINTS, Cached, bank_off_centre, check_dtypes, clockwise, dtype_models,
                         every_size_cases, float_data, mixed_dtype_cases, move, output_dtype_check, swapped_layout,
                         turn_and_shift_cases, unpermuted_correlation, valid_output)

FORBIDDEN = {"groupconv.correlate": ["expand_lifting_filter", "expand_group_filter", "lifting_correlation",
                                     "lifting_correlation_literal", "group_correlation", "group_correlation_literal",
                                     "group_convolution", "group_convolution_literal", "lifting_convolution"]}

EXTRA_HINTS = {
    **COMMON_HINTS,
    "channel_order": "The channels of f and of the bank are in different orders. f.reshape(B, C_in |H|, n, n) "
                     "makes channel c |H| + s' of plane s' of channel c; the bank (C_out, |H|, C_in, |H|, k, k) "
                     "reshaped the same way matches it, a bank laid out (C_out, |H|, |H|, C_in, k, k) does not.",
    "axis_order": "The axes of the bank are in the wrong order: it is (C_out, |H|, C_in, k, k) for a lifting "
                  "filter and (C_out, |H|, C_in, |H|, k, k) for a filter on G, bank[o, s] = L_s psi[o].",
}

GROUPS = ("p4", "p4m")


def inverse_slots(bank, group):
    """bank[:, s] -> bank[:, index of s^-1]: the bank of L_{s^-1} psi."""
    s_inv = point_group_index(inverse(np.stack(point_group(group))), group)
    return bank[:, s_inv]


def bank_cases(on_group):
    """Integer filters, k = 1-4 on p4 and p4m; on p4 also C_in = |H| = 4, where (C_out, C_in, |H|, ...) and
    (C_out, |H|, C_in, ...) have the same shape."""
    cases = []
    for k in range(1, 5):
        for group in GROUPS:
            nH = order(group)
            for index, (O, C) in enumerate([(1, 1), (2, 3)] + ([(1, 4)] if group == "p4" and k == 3 else [])):
                psi = integer_data((O, C, nH, k, k) if on_group else (O, C, k, k), index)
                cases.append(Case({"psi": psi, "group": group}, f"{group}, psi of shape {psi.shape}",
                                  even=k % 2 == 0))
    return cases


def bank_checker(name, on_group):
    reference = expand_group_filter if on_group else expand_lifting_filter

    def banked(sub, psi, group, dtype=True):
        out = sub.call(name, psi, group)
        O, C, nH = psi.shape[0], psi.shape[1], order(group)
        core = psi.shape[2:]
        swapped = (O, C, nH) + core
        return expect_array(out, name, shape=(O, nH, C) + core, dtype=psi.dtype if dtype else None,
                            alternatives={swapped: "axis_order"} if C != nH else {})

    def check(sub):
        cases = bank_cases(on_group)
        H = point_group(cases[0].args["group"])
        typed = [Case({"psi": (float_data(shape, i) if kind == "f" else integer_data(shape, 1)).astype(dtype),
                       "group": "p4"}, f"p4, psi of shape {shape} and dtype {np.dtype(dtype)}")
                 for i, (dtype, kind) in enumerate([(np.float64, "f"), (np.float32, "f"), (np.int32, "i")])
                 for shape in [(2, 3, 4, 3, 3) if on_group else (2, 3, 3, 3)]]
        check_dtypes(typed, lambda c: banked(sub, **c.args, dtype=False), lambda c: c.args["psi"].dtype,
                     name, dtype_models(of_inputs=False))

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
        models.append(("off_centre", lambda c: bank_off_centre(c.args["psi"], c.args["group"])))
        if on_group:
            models.append(("no_permutation", lambda c: np.stack([transform_image(c.args["psi"], s)
                                                                 for s in point_group(c.args["group"])], axis=1)))
        else:
            models.append(("clockwise", lambda c: np.stack(
                [transform_image(c.args["psi"], clockwise(s, c.args["group"])) for s in point_group(c.args["group"])],
                axis=1)))
        search(cases, lambda c: (banked(sub, **c.args)[:, 0], c.args["psi"]),
               "bank[:, s] for s = e (the identity, slot 0) must be psi itself", labels=("psi", "bank[:, e]"),
               models=[("axis_order", lambda c: np.swapaxes(reference(**c.args), 1, 2)[:, 0])])
        search(cases + typed, lambda c: (banked(sub, **c.args), reference(**c.args)),
               "bank[o, s] differs from L_s psi[o]", models=models)
        search(cases, law, f"moving bank[:, s] by a = {element_name(H[1])} does not give bank[:, a s]",
               labels=("bank[:, a s]", "L_a bank[:, s]"))
        large = integer_data((1, 1, 4, 65, 65) if on_group else (1, 1, 65, 65), 1)
        search([Case({"psi": large, "group": "p4"}, f"p4, psi of shape {large.shape}")],
               lambda c: (banked(sub, **c.args), np.stack([move(large, s, "p4", on_group) for s in point_group("p4")],
                                                          axis=1)),
               "on a filter past 64 pixels, bank[o, s] differs from L_s psi[o]")
        sub.expect_new_array(name, cases[0].args["psi"], cases[0].args["group"])
        return (f"the dtype of psi (float64, float32, int32), bank[:, e] = psi, agreement with the library on "
                f"{len(cases) + len(typed) + 1} filters (k = 1-4 and 65, p4 and p4m), and L_a bank[:, s] = "
                "bank[:, a s]: exact (values are only moved)")
    return check



def through_bank(f, bank):
    """One planar correlation of f (B, C, |H|, n, n) with a bank (O, |H|, C, |H|, k, k), as task 3 asks."""
    B, C, nH, n, _ = f.shape
    O, k = bank.shape[0], bank.shape[-1]
    out = planar_correlation(f.reshape(B, C * nH, n, n), bank.reshape(O * nH, C * nH, k, k), "valid")
    return out.reshape(B, O, nH, *out.shape[-2:])


def correlation_models():
    """Mistake models of task 3, (hint key, fn(case) -> output)."""
    def bank(c):
        return expand_group_filter(c.args["psi"], c.args["group"])

    return [("no_permutation", lambda c: unpermuted_correlation(**c.args)),
            ("flip", lambda c: group_convolution(**c.args, mode="valid")),
            ("inverse", lambda c: through_bank(c.args["f"], inverse_slots(bank(c), c.args["group"]))),
            ("channel_order", lambda c: through_bank(c.args["f"], np.ascontiguousarray(
                np.swapaxes(bank(c), 2, 3)).reshape(bank(c).shape))),
            ("group_axis", lambda c: swapped_layout(group_correlation(**c.args, mode="valid"))),
            ("off_centre", lambda c: through_bank(c.args["f"], bank_off_centre(c.args["psi"], c.args["group"])))]


def check_correlation(sub):
    cases = every_size_cases(psi_seed=3)
    floats = mixed_dtype_cases(True, n=4, k=2, values=True)

    def correlated(f, psi, group):
        return valid_output(sub, "group_correlation_by_bank", f, psi, group)

    def agreement():
        search(cases + floats, lambda c: (correlated(**c.args), group_correlation(**c.args, mode="valid")),
               "the correlation through your bank differs from the group correlation", models=correlation_models())

    unmoved = Cached(correlated)
    output_dtype_check(sub, "group_correlation_by_bank", True)
    equivariance = turn_and_shift_cases(cases)
    search(equivariance, lambda c: (correlated(transform_group_function(c.args["f"], c.args["u"], c.args["group"]),
                                               c.args["psi"], c.args["group"]),
                                    transform_group_function(unmoved(c.args["f"], c.args["psi"], c.args["group"]),
                                                             c.args["u"], c.args["group"])),
           "not equivariant: (L_u f) ⋆ psi != L_u (f ⋆ psi)", labels=("L_u (f ⋆ psi)", "(L_u f) ⋆ psi"),
           refine=lambda: hints_of(agreement))
    agreement()
    large = [Case({"f": integer_data((1, 1, 4, n, n), 1), "psi": integer_data((1, 1, 4, k, k), 2), "group": "p4"},
                  f"p4, f of shape (1, 1, 4, {n}, {n}), psi of shape (1, 1, 4, {k}, {k})")
             for n, k in ((66, 2), (65, 3))]
    search(large, lambda c: (correlated(**c.args), group_correlation(**c.args, mode="valid")),
           "on a frame past 64, the correlation through your bank differs from the group correlation")
    return (f"the dtype np.result_type(f, psi) for 4 dtype pairs, equivariance for every turn and mirror and two "
            f"shifts, and agreement with the library on {len(cases) + 2} integer inputs (frames 1-5, 65 and 66, "
            f"filters 1-3, odd and even): exact (integer sums); on {len(floats)} with a float image or filter: "
            "to round-off")


TASKS = [
    Task("expand_lifting_filter", 3, bank_checker("expand_lifting_filter", on_group=False)),
    Task("expand_group_filter", 4, bank_checker("expand_group_filter", on_group=True)),
    Task("group_correlation_by_bank", 3, check_correlation),
]
