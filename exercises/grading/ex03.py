"""Grading exercise 03: the group-axis permutation and L_g on functions on G.

Reference: action.group_axis_permutation and action.transform_group_function. The
permutations are integers and the action only copies values, so every residual is
exactly 0 for a right answer. The contract of transform_group_function (f of shape
(..., |H|, n, n) with any leading axes, n >= 1 odd or even, any numeric dtype; the
result of f's shape and dtype) is tried with no, one and two leading axes, frames 1-5
and one past 64, int8 ... complex128 data, on p4 and p4m, turns and mirrors with and
without a shift.

Mistake models: `inverse` (g where g^-1 belongs, in the planes or the pixels),
`side` (s . s_g^-1), `no_permutation` (the planes moved but not permuted),
`group_axis` (the planes picked along axis 0, as f[perm], instead of axis -3) and
`dtype` (a result always float64 or int64). The leading axes of the agreement cases
are |H| long, so that f[perm] keeps the shape and its model can be recognised; a failure
of L_g L_h = L_gh is diagnosed by the agreement check (refine).
"""
import numpy as np

from groupconv.action import group_axis_permutation, transform_group_function, transform_image
from groupconv.groups import identity, inverse, p4m_element, point_group_index, split

from .ex02 import FIXED_DTYPES, check_result_dtypes, dtype_images
from .framework import (Case, Failure, Task, course_shifts, element_name, exhaustive_pairs, expect_array, integer_data, point_group,
                        hints_of, rng, search)

FORBIDDEN = {"groupconv.action": ["group_axis_permutation", "transform_group_function",
                                  "transform_group_function_literal"],
             "groupconv.groups": ["cayley_table"]}

EXTRA_HINTS = {
    "side": "You multiplied on the wrong side: plane s of L_g f comes from plane s_g^-1 . s (s_g on the left, "
            "as in g^-1 h), not from s . s_g^-1.",
    "group_axis": "You picked the planes along the first axis (f[perm]). The group axis is axis -3, the third "
                  "from the end, whatever leading (batch, channel) axes come before it: np.take(f, perm, axis=-3) "
                  "or f[..., perm, :, :].",
    "dtype": "Your result has a fixed dtype (float64, or int64) instead of f's: start from np.zeros_like(f), "
             "or pick and move the planes without making a new array of another dtype.",
}

GROUPS = ("p4", "p4m")


MOVES = [(0, 0, 1, 0), (0, 1, 0, -1), (0, 3, 1, 1), (1, 0, -1, 0), (1, 1, 1, 2), (1, 3, -1, -1)]  # (m, r, u, v)
SHIFTS = course_shifts([(u, v) for _, _, u, v in MOVES], keep=0, low=-3, high=3, far=3)


def elements(group):
    """The point group, then elements with a translation (the mirrored ones for p4m only)."""
    shifted = [p4m_element(m, r, u, v) for (m, r, _, _), (u, v) in zip(MOVES, SHIFTS) if group == "p4m" or m == 0]
    return point_group(group) + shifted


def permutation(sub, g, group):
    out = sub.call("group_axis_permutation", g, group)
    n = len(point_group(group))
    out = expect_array(out, "group_axis_permutation", shape=(n,))
    if out.dtype.kind not in "iu":
        raise Failure(f"group_axis_permutation must return integers, got dtype {out.dtype}")
    if sorted(out.tolist()) != list(range(n)):
        raise Failure(f"group_axis_permutation({element_name(g)}, {group!r}) = {out.tolist()} is not a "
                      f"permutation of 0..{n - 1}")
    return out.astype(np.int64)


def check_permutation(sub):
    cases = [Case({"g": g, "group": group}, f"{group}, g = {element_name(g)}") for group in GROUPS
             for g in elements(group)]

    def agreement():
        search(cases, lambda c: (permutation(sub, c.args["g"], c.args["group"]),
                                 group_axis_permutation(c.args["g"], c.args["group"])),
               "perm[s] is not the index of s_g^-1 s",
               models={"inverse": lambda c: group_axis_permutation(inverse(c.args["g"]), c.args["group"]),
                       "side": lambda c: _right_side(c.args["g"], c.args["group"])})

    pairs = [Case({"g": g, "h": h, "group": group}, f"{group}, g = {element_name(g)}, h = {element_name(h)}")
             for group in GROUPS for g, h in exhaustive_pairs(point_group(group))]
    # L_g L_h = L_gh on the planes: slot s of L_g (L_h f) comes from plane perm_h[perm_g[s]]
    search(pairs, lambda c: (permutation(sub, c.args["h"], c.args["group"])[permutation(sub, c.args["g"],
                                                                                        c.args["group"])],
                             permutation(sub, c.args["g"] @ c.args["h"], c.args["group"])),
           "the permutations do not compose like the action: perm_gh must equal perm_h[perm_g] "
           "(slot s of L_g L_h f comes from plane perm_h[perm_g[s]])",
           labels=("perm_gh", "perm_h[perm_g]"),
           models={"inverse": lambda c: permutation(sub, c.args["h"] @ c.args["g"], c.args["group"])},
           refine=lambda: hints_of(agreement))
    agreement()
    return (f"perm_gh = perm_h[perm_g] for all pairs of C4 and D4, and agreement on {len(cases)} elements: "
            "exact (integer indices)")


def _right_side(g, group):
    s_inv = inverse(split(g)[1])
    return np.array([point_group_index(s @ s_inv, group) for s in point_group(group)])


def moved(sub, f, g, group):
    out = sub.call("transform_group_function", f, g, group)
    return expect_array(out, "transform_group_function", shape=f.shape, dtype=f.dtype)


def check_transform(sub):
    check_result_dtypes([(f"{group}, {label[2:]} per plane", {"f": np.stack([f] * len(point_group(group))),
                                                              "g": g, "group": group}, f.dtype)
                         for label, f in dtype_images() for group in GROUPS
                         for g in (p4m_element(int(group == "p4m"), 3, 0, -1),)],
                        lambda a: expect_array(sub.call("transform_group_function", a["f"], a["g"], a["group"]),
                                               "transform_group_function", shape=a["f"].shape),
                        "transform_group_function", FIXED_DTYPES)
    agreed = []
    for n in range(1, 6):
        for group in GROUPS:
            nH = len(point_group(group))
            lead = nH  # leading axes |H| long: f[perm] (the wrong axis) keeps the shape and can be recognised
            for index, shape in enumerate([(nH, n, n), (lead, nH, n, n), (lead, 2, nH, n, n)]):
                if len(shape) == 5 and n != 3:
                    continue
                f = integer_data(shape, index)
                for g in elements(group):
                    agreed.append(Case({"f": f, "g": g, "group": group},
                                      f"{group}, f of shape {shape}, g = {element_name(g)}", even=n % 2 == 0))
    for label, image in dtype_images():
        for group in GROUPS:
            f = np.stack([image + s for s in range(len(point_group(group)))]).astype(image.dtype)
            g = p4m_element(int(group == "p4m"), 1, 1, 0)
            agreed.append(Case({"f": f, "g": g, "group": group}, f"{group}, {label[2:]} per plane, g = "
                              f"{element_name(g)}", even=f.shape[-1] % 2 == 0))
    agreed.append(Case({"f": np.linspace(-1.0, 1.0, 36).reshape(4, 3, 3), "g": p4m_element(0, 1, 1, 0),
                       "group": "p4"}, "p4, a float function, n = 3, g = t(1,0)·R(1)"))
    big, g = rng(66).integers(-3, 4, size=(8, 66, 66), dtype=np.int64), p4m_element(1, 3, 2, -5)
    agreed.append(Case({"f": big, "g": g, "group": "p4m"}, f"p4m, f of shape {big.shape}, g = {element_name(g)}",
                      even=True))  # past 64: nothing may hard-code a size
    models = [("no_permutation", lambda c: transform_image(c.args["f"], c.args["g"])),
              ("inverse", lambda c: transform_image(np.take(c.args["f"], group_axis_permutation(
                  inverse(c.args["g"]), c.args["group"]), axis=-3), c.args["g"])),
              ("inverse", lambda c: transform_group_function(c.args["f"], inverse(c.args["g"]), c.args["group"])),
              ("inverse", lambda c: transform_image(np.take(c.args["f"], group_axis_permutation(
                  c.args["g"], c.args["group"]), axis=-3), inverse(c.args["g"]))),
              ("side", lambda c: transform_image(np.take(c.args["f"], _right_side(c.args["g"], c.args["group"]),
                                                         axis=-3), c.args["g"])),
              ("group_axis", lambda c: transform_image(np.take(c.args["f"], group_axis_permutation(
                  c.args["g"], c.args["group"]), axis=0), c.args["g"]))]

    def agreement():
        search(agreed, lambda c: (moved(sub, c.args["f"], c.args["g"], c.args["group"]),
                                  transform_group_function(c.args["f"], c.args["g"], c.args["group"])),
               "L_g f differs from (L_g f)(h) = f(g^-1 h)", models=models)

    pairs = []
    for group in GROUPS:
        H = point_group(group)
        pairs += [(group, g, h) for g, h in exhaustive_pairs(H) if not np.array_equal(g @ h, h @ g)]
        pairs += [(group, p4m_element(0, 1, 1, 0), p4m_element(0, 2, 0, 1))]
    cases = []
    for n in (1, 2, 3, 5):
        for group, g, h in pairs:
            if n < 5 and np.any(g[:2, 2] | h[:2, 2]):
                continue
            f = integer_data((len(point_group(group)), n, n), 0)
            if n == 5:
                f[..., :2, :] = f[..., -2:, :] = f[..., :, :2] = f[..., :, -2:] = 0  # small shifts lose nothing
            cases.append(Case({"f": f, "g": g, "h": h, "group": group},
                              f"{group}, n = {n}, g = {element_name(g)}, h = {element_name(h)}", even=n % 2 == 0))
    search(cases, lambda c: (moved(sub, moved(sub, c.args["f"], c.args["h"], c.args["group"]), c.args["g"],
                                   c.args["group"]),
                             moved(sub, c.args["f"], c.args["g"] @ c.args["h"], c.args["group"])),
           "L_g (L_h f) != L_gh f", labels=("L_gh f", "L_g (L_h f)"),
           models={"inverse": lambda c: moved(sub, c.args["f"], c.args["h"] @ c.args["g"], c.args["group"])},
           refine=lambda: hints_of(agreement))
    agreement()
    sub.expect_new_array("transform_group_function", integer_data((4, 3, 3), 0), identity(), "p4")
    return (f"L_g L_h = L_gh on {len(pairs)} pairs of p4 and p4m, and agreement on {len(agreed)} functions "
            "(sizes 1-5 and 66, no, one and two leading axes, int8 to complex128): exact (values are only copied)")


TASKS = [
    Task("group_axis_permutation", 4, check_permutation),
    Task("transform_group_function", 6, check_transform),
]
