"""Grading exercise 02: L_g f = f o g^-1 on images, and a counterexample for the action without the inverse.

Reference: action.transform_image (np.rot90 / np.flip / shifts). Every residual is
exactly 0 for a right answer: an action only copies values, for integer and float
images alike. The contract (a square n x n image, n >= 1 odd or even, any numeric
dtype, the result of f's shape and dtype) is tried on frames 1-6 and one past 64, on
int8 ... complex128 images, for turns, mirrors and turns or mirrors with a shift.

Mistake models (framework.search attaches a hint only when its model equals the
submission on every failing case): `inverse` (g x instead of g^-1 x), `clockwise` (u
measured upwards, or u and v exchanged), `off_centre` (the centre of an even frame put
at pixel n // 2) and `dtype` (a result always float64, or always int64).
"""
import numpy as np

from groupconv.action import transform_image
from groupconv.groups import identity, inverse, is_member, mirror, p4m_element, rotation, translation

from .framework import (Case, Failure, Task, course_shifts, element_name, exhaustive_pairs, expect_array, integer_data,
                        point_group, rng, search)

FORBIDDEN = {"groupconv.action": ["transform_image", "transform_image_literal", "transform_group_function",
                                  "transform_group_function_literal"],
             "numpy": ["rot90", "flip", "fliplr", "flipud", "roll"]}

MOVES = [(0, 0, 1, 0), (0, 0, 0, -1), (0, 1, 1, 2), (1, 0, -1, 1), (1, 3, 2, 0), (0, 2, -2, 1), (1, 2, 0, 3),
         (0, 0, 4, -1)]  # (m, r, u, v): p4m_element(m, r, u, v), after the point group
SHIFTS = course_shifts([(u, v) for _, _, u, v in MOVES], keep=2, low=-4, high=4, far=4)
ELEMENTS = point_group("p4m") + [p4m_element(m, r, u, v) for (m, r, _, _), (u, v) in zip(MOVES, SHIFTS)]

EXTRA_HINTS = {
    "dtype": "Your result has a fixed dtype (float64, or int64) instead of f's: start from np.zeros_like(f) or "
             "np.zeros(f.shape, dtype=f.dtype), so that an int8 image stays int8 and a float image keeps its "
             "fractions.",
}

DTYPES = (np.int64, np.int8, np.uint8, np.int32, np.float32, np.float64, np.complex128)


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


def off_centre(f, g, grow=(0, 1)):
    """L_g f as computed about pixel (n // 2, n // 2) instead of the centre (n - 1) / 2 (the same for odd n).

    For even n that point is the centre of the frame grown by one row and one column at the
    end: the wrong program equals the right action on that frame, cut back to n x n. With
    grow=(1, 0) the frame grows at the start: the centre put at pixel n // 2 - 1, i.e.
    c = (n - 1) // 2 rounded down.
    """
    n = f.shape[-1]
    if n % 2:
        return transform_image(f, g)
    start = grow[0]
    return transform_image(np.pad(f, [grow, grow]), g)[start:start + n, start:start + n]


OFF_CENTRE_FORMS = ((0, 1), (1, 0))


def check_result_dtypes(cases, result, what, models, rule="(f's dtype)"):
    """The result's dtype must be the promised one on every case; a hint only when a model explains every miss.

    cases: (label, args, promised dtype); result(args) -> the submission's array (shape checked); rule: how the
    promised dtype follows from the inputs, for the message;
    models: (hint key, fn(args) -> the dtype a submission with that mistake returns) pairs; one key may
    have several forms.
    """
    wrong = []
    for label, args, promised in cases:
        got = result(args).dtype
        if got != np.dtype(promised):
            wrong.append((label, args, got, np.dtype(promised)))
    if not wrong:
        return len(cases)
    hints = list(dict.fromkeys(key for key, model in models
                               if all(np.dtype(model(args)) == got for _, args, got, _ in wrong)))
    label, _, got, promised = wrong[0]
    every = "; ".join(f"{lab}: {g} (expected {p})" for lab, _, g, p in wrong)
    raise Failure(f"{what} returned dtype {got}, expected {promised} {rule}: first at {label}",
                  {"input": label, "every wrong dtype": every}, hints,
                  explains={key: f"all {len(wrong)} wrong dtypes" if len(wrong) > 1 else "the wrong dtype"
                            for key in hints})


FIXED_DTYPES = [("dtype", lambda args: np.float64), ("dtype", lambda args: np.int64)]


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


def dtype_images():
    """One readable 3 x 3 and 4 x 4 image of every dtype in DTYPES (values 0..15, which every dtype holds)."""
    return [(f"a {n} x {n} {np.dtype(dtype).name} image", np.arange(n * n).reshape(n, n).astype(dtype))
            for dtype in DTYPES for n in (3, 4)]


def check_transform_image(sub):
    turn_and_shift = p4m_element(1, 3, 1, -1)
    check_result_dtypes([(label, {"f": f, "g": g}, f.dtype) for label, f in dtype_images()
                         for g in (rotation(1), turn_and_shift)],
                        lambda a: expect_array(sub.call("transform_image", a["f"], a["g"]), "transform_image",
                                               shape=a["f"].shape),
                        "transform_image", FIXED_DTYPES)
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
           models=[("inverse", lambda c: apply(sub, c.args["f"], c.args["h"] @ c.args["g"]))]
           + [("off_centre", lambda c, w=w: off_centre(off_centre(c.args["f"], c.args["h"], w), c.args["g"], w))
              for w in OFF_CENTRE_FORMS])
    cases = image_cases()
    cases += [Case({"f": f, "g": g}, f"{label}, g = {element_name(g)}", even=f.shape[0] % 2 == 0)
              for label, f in dtype_images() for g in (rotation(1), turn_and_shift)]
    cases.append(Case({"f": np.linspace(-1.5, 2.0, 16).reshape(4, 4), "g": rotation(1)}, "a float image, n = 4",
                      even=True))
    big = rng(66).integers(-3, 4, size=(66, 66), dtype=np.int64)  # past 64: nothing may hard-code a size
    cases.append(Case({"f": big, "g": p4m_element(1, 3, 2, -5)}, "a 66 x 66 image, g = t(2,-5)·M·R(3)", even=True))
    search(cases, lambda c: (apply(sub, c.args["f"], c.args["g"]), transform_image(c.args["f"], c.args["g"])),
           "L_g f differs from the definition (L_g f)(x) = f(g^-1 x)",
           models=[("inverse", lambda c: transform_image(c.args["f"], inverse(c.args["g"]))),
                   *[("off_centre", lambda c, w=w: off_centre(c.args["f"], c.args["g"], w)) for w in OFF_CENTRE_FORMS]]
           + clockwise_models(transform_image))
    sub.expect_new_array("transform_image", integer_data((3, 3), 0), identity())
    return (f"L_g L_h = L_gh on {len(pairs)} pairs, and agreement with np.rot90/np.flip/shifts on {len(cases)} "
            "images (sizes 1-6 and 66, odd and even; int8 to complex128): exact (values are only copied)")


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
