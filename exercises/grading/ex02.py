"""Grading exercise 02: L_g f = f o g^-1 on images, and a counterexample for the action without the inverse.

Reference: action.transform_image (np.rot90 / np.flip / shifts). Every residual is
exactly 0 for a right answer: an action only copies values, for integer and float
images alike.
"""
import numpy as np

from groupconv.action import transform_image
from groupconv.groups import identity, inverse, is_member, mirror, p4m_element, rotation, translation

from .framework import (Case, Failure, Task, element_name, exhaustive_pairs, expect_array, integer_data,
                        point_group, search)

FORBIDDEN = {"groupconv.action": ["transform_image", "transform_image_literal", "transform_group_function",
                                  "transform_group_function_literal"],
             "numpy": ["rot90", "flip", "fliplr", "flipud", "roll"]}

ELEMENTS = point_group("p4m") + [translation(1, 0), translation(0, -1), p4m_element(0, 1, 1, 2),
                                 p4m_element(1, 0, -1, 1), p4m_element(1, 3, 2, 0)]


UP = mirror(1)  # u pointing up instead of down: (u, v) -> (-u, v)
SWAP = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]], dtype=np.int64)  # u and v exchanged (u along the columns)


def clockwise_models(action):
    """The actions of a submission whose quarter turns go clockwise on screen, in its two usual forms.

    Measuring u upwards, or u along the columns and v along the rows, turns the picture the
    other way: the submission computes L_{D g D} with D = (u, v) -> (-u, v) or D = the swap
    of u and v (D = D^-1). R(1) then turns clockwise, and shifts and mirrors change too.
    """
    return [("clockwise", lambda c, D=D: action(c.args["f"], D @ c.args["g"] @ D)) for D in (UP, SWAP)]


def apply(sub, f, g):
    out = sub.call("transform_image", f, g)
    return expect_array(out, "transform_image", shape=f.shape, dtype=f.dtype)


def image_cases(sizes=range(1, 7), elements=ELEMENTS, data=3):
    cases = []
    for n in sizes:
        for index in range(data):
            f = integer_data((n, n), index)
            for g in elements:
                cases.append(Case({"f": f, "g": g}, f"n = {n}, g = {element_name(g)}", even=n % 2 == 0))
    return cases


def centred(n, margin=2):
    """An n x n integer image that is 0 within `margin` pixels of the border (small shifts lose nothing)."""
    f = np.zeros((n, n), dtype=np.int64)
    inner = n - 2 * margin
    f[margin:n - margin, margin:n - margin] = np.arange(1, inner * inner + 1).reshape(inner, inner)
    return f


def check_transform_image(sub):
    H = point_group("p4m")
    pairs = [(g, h) for g, h in exhaustive_pairs(H) if not np.array_equal(g @ h, h @ g)]
    pairs += [(translation(0, 1), rotation(1)), (p4m_element(0, 1, 1, 0), p4m_element(1, 0, 0, -1))]
    cases = [Case({"f": integer_data((n, n), 0) if n < 5 else centred(n), "g": g, "h": h},
                  f"n = {n}, g = {element_name(g)}, h = {element_name(h)}", even=n % 2 == 0)
             for n in range(1, 7) for g, h in pairs if n >= 5 or not np.any(g[:2, 2] | h[:2, 2])]

    def law(case):
        f, g, h = case.args["f"], case.args["g"], case.args["h"]
        return apply(sub, apply(sub, f, h), g), apply(sub, f, g @ h)

    search(cases, law, "L_g (L_h f) != L_gh f: moving by h, then by g, must be moving by g h",
           labels=("L_gh f", "L_g (L_h f)"),
           models={"inverse": lambda c: apply(sub, c.args["f"], c.args["h"] @ c.args["g"])})
    cases = image_cases()
    cases.append(Case({"f": np.linspace(-1.5, 2.0, 16).reshape(4, 4), "g": rotation(1)}, "a float image, n = 4",
                      even=True))
    search(cases, lambda c: (apply(sub, c.args["f"], c.args["g"]), transform_image(c.args["f"], c.args["g"])),
           "L_g f differs from the definition (L_g f)(x) = f(g^-1 x)",
           models=[("inverse", lambda c: transform_image(c.args["f"], inverse(c.args["g"])))]
           + clockwise_models(transform_image))
    sub.expect_new_array("transform_image", integer_data((3, 3), 0), identity())
    return (f"L_g L_h = L_gh on {len(pairs)} pairs, and agreement with np.rot90/np.flip/shifts on {len(cases)} "
            "images of sizes 1-6 (odd and even): exact (values are only copied)")


def check_counterexample(sub):
    out = sub.call("counterexample_without_inverse")
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise Failure(f"counterexample_without_inverse must return a triple (g, h, f), got {type(out).__name__}")
    g, h, f = (np.asarray(x) for x in out)
    for name, x in (("g", g), ("h", h)):
        if x.shape != (3, 3) or x.dtype.kind not in "iu" or not is_member(x, "p4m") or np.any(x[:2, 2] != 0):
            raise Failure(f"{name} must be a turn or mirror: an integer 3 x 3 matrix of D4 (no translation), "
                          f"got {x.tolist()}")
    if f.ndim != 2 or f.shape[0] != f.shape[1] or not 1 <= f.shape[0] <= 7 or f.dtype.kind not in "iu":
        raise Failure(f"f must be a square integer image of size at most 7 x 7, got shape {f.shape}, dtype {f.dtype}")

    def without_inverse(image, element):  # L'_g f = f o g = L_{g^-1} f
        return transform_image(image, inverse(element))

    lhs = without_inverse(without_inverse(f, h), g)
    rhs = without_inverse(f, g @ h)
    if np.array_equal(lhs, rhs):
        why = ("g and h commute (g h = h g), so L'_g L'_h = L'_hg = L'_gh: pick a pair that does not commute"
               if np.array_equal(g @ h, h @ g) else
               "f looks the same after the two different motions: pick an image without symmetry")
        raise Failure(f"no counterexample: L'_g L'_h f == L'_gh f for g = {element_name(g)}, "
                      f"h = {element_name(h)}; {why}", {"f": f, "L'_g L'_h f": lhs, "L'_gh f": rhs})
    return (f"g = {element_name(g)}, h = {element_name(h)}: L'_g L'_h f != L'_gh f on a {f.shape[0]} x "
            f"{f.shape[0]} image (exact integer difference)")


TASKS = [
    Task("transform_image", 7, check_transform_image),
    Task("counterexample_without_inverse", 3, check_counterexample),
]
