"""Grading exercise 01: R(r), M^m, g(m, r, u, v), the exact inverse, and the group law in parameters.

Every comparison is between int64 matrices or integer parameters: each residual is
exactly 0 for a right answer (products of integer matrices involve no rounding).
The contract's ranges are tried: r any integer (negative, and far past 3), shifts far
past a frame of 64. Mistake models: `clockwise` (only if R(1) turns clockwise),
`negative_r`, `mirror_axis`, `order` (M^m R(r) multiplied the other way round),
`transpose` and `inverse_shift` (the inverse's translation column), `mirror_turn` and
`shift_turn` (the law in parameters). A failed axiom of the law is diagnosed by the comparison with the matrix product (refine).
"""
import numpy as np

from groupconv.groups import element, identity, inverse, mirror, parameters, rotation, translation

from .framework import COURSE_SEED, Case, Failure, Task, course_shifts, generator, exhaustive_pairs, expect_array, hints_of, search

FORBIDDEN = {"groupconv.groups": ["rotation", "mirror", "p4_element", "p4m_element", "element", "point_group",
                                  "inverse", "parameters"],
             "numpy.linalg": ["inv"]}

EXTRA_HINTS = {
    "order": "The product is in the wrong order. In g h, h acts first: g(m, r, u, v) = t(u, v) . M^m . R(r) "
             "turns first, then mirrors, then shifts.",
    "transpose": "You transposed the whole 3 x 3 matrix. Only the linear part A is transposed: "
                 "g^-1 = [[A^T, -A^T t], [0, 1]]; the translation column becomes -A^T t.",
    "mirror_axis": "Your mirror flips the columns. M is (u, v) -> (-u, v): it flips the row axis (u), "
                   "M = diag(-1, 1, 1).",
    "mirror_turn": "The turn of a product with a mirror in it: R(r) . M = M . R(-r), so the turns add up as "
                   "(-1)^m2 r1 + r2, not r1 + r2.",
    "shift_turn": "The second shift must be turned (and mirrored) by the first element's linear part: the "
                  "translation of g(a) g(b) is x1 + M^m1 R(r1) x2, not x1 + x2.",
    "own_rotation": "Your p4m_element builds on your rotation_matrix, and that is wrong for a turn used here: "
                    "put Task 1 right first, then try this task again.",
    "negative_r": "Your R(r) is right for r >= 0 but turns the wrong way for a negative r: R(-1) is the "
                  "clockwise quarter turn R(3). Reduce r modulo 4 first (in Python r % 4 is never negative).",
    "inverse_shift": "The translation column of g^-1 is -A^T t (A^T = A^-1 the inverse of the linear part), "
                     "not -t nor -A t: g^-1 = [[A^T, -A^T t], [0, 1]].",
}

D4_PARAMS = [(m, r) for m in (0, 1) for r in range(4)]
SHIFTS = course_shifts([(0, 0), (1, 0), (0, 1), (2, -1), (-3, 2), (70, -65)])
FAR_TURNS = [64, 101, -1003] if not COURSE_SEED else [int(r) for r in generator(1).integers(-2000, 2001, size=3)]
TURNS = sorted(range(-5, 9), key=lambda r: (abs(r), r < 0)) + FAR_TURNS


def _matrix(sub, name, *args):
    out = sub.call(name, *args)
    return expect_array(out, f"{name}{args}", shape=(3, 3), dtype=np.int64)


def check_rotation_matrix(sub):
    rs = TURNS
    turns = {r: _matrix(sub, "rotation_matrix", r) for r in rs}
    search([Case({"a": a, "b": b}, f"R({a}) R({b}) vs R({a + b})") for a in range(4) for b in range(4)],
           lambda c: (turns[c.args["a"]] @ turns[c.args["b"]], turns[c.args["a"] + c.args["b"]]),
           "the group law R(a) R(b) = R(a + b) fails for your matrices")
    search([Case({"r": r}, f"r = {r}") for r in rs], lambda c: (turns[c.args["r"]], rotation(c.args["r"] % 4)),
           "R(r) differs from the counter-clockwise quarter turn of the conventions",
           models=_turn_models(turns))
    return (f"R(a) R(b) = R(a + b) and agreement with the conventions for r = -5..8, {FAR_TURNS[0]}, {FAR_TURNS[1]} "
            f"and {FAR_TURNS[2]}: exact (integer matrices)")


def _turn_models(turns):
    """Models of a wrong R(r). `clockwise` only when R(1) itself turns clockwise (a submission that is right for
    r >= 0 and wrong for negative r also matches R(-r) there, but its mistake is the sign, `negative_r`)."""
    models = {"negative_r": lambda c: rotation(abs(c.args["r"]) % 4)}
    if np.array_equal(turns[1], rotation(3)):
        models["clockwise"] = lambda c: rotation(-c.args["r"] % 4)
    return models


def check_mirror_matrix(sub):
    M = {m: _matrix(sub, "mirror_matrix", m) for m in (0, 1)}
    search([Case({"m": m}, f"m = {m}") for m in (0, 1)], lambda c: (M[c.args["m"]] @ M[c.args["m"]], identity()),
           "M^m M^m is not the identity")
    search([Case({"m": m}, f"m = {m}") for m in (0, 1)], lambda c: (M[c.args["m"]], mirror(c.args["m"])),
           "M^m differs from the reflection (u, v) -> (-u, v)",
           models={"mirror_axis": lambda c: np.diag([1, (-1) ** c.args["m"], 1]).astype(np.int64)})
    return "M M = e and M = diag(-1, 1, 1): exact (integer matrices)"


def check_p4m_element(sub):
    cases = [Case({"m": m, "r": r, "u": u, "v": v}, f"(m, r, u, v) = {(m, r, u, v)}")
             for (u, v) in SHIFTS for (m, r) in D4_PARAMS]
    cases += [Case({"m": 1, "r": r, "u": 1, "v": -2}, f"(m, r, u, v) = {(1, r, 1, -2)}") for r in (-1, 5, 102)]
    try:
        search(cases, lambda c: (_matrix(sub, "p4m_element", *c.args.values()), element("p4m", c.args["m"],
                                                                                         c.args["r"] % 4, c.args["u"],
                                                                                         c.args["v"])),
               "g(m, r, u, v) differs from t(u, v) M^m R(r)",
               models={"order": lambda c: translation(c.args["u"], c.args["v"]) @ rotation(c.args["r"] % 4)
                       @ mirror(c.args["m"]),
                       "clockwise": lambda c: element("p4m", c.args["m"], -c.args["r"] % 4, c.args["u"],
                                                      c.args["v"])})
    except Failure as failure:
        if not _blame_own_rotation(sub, failure, sorted({c.args["r"] for c in cases})) and \
                {"order", "clockwise"} <= set(failure.hints):
            _one_of_order_and_clockwise(sub, failure)
        raise
    return f"{len(cases)} elements equal t(u, v) M^m R(r): exact (integer matrices)"


def _blame_own_rotation(sub, failure, turns):
    """If the submission's own rotation_matrix is wrong for a turn these cases use, that is the hint: a model of
    p4m_element can match the elements built on a wrong R(r) (R(|r|) with a mirror looks like the wrong order)."""
    wrong = []
    for r in turns:
        try:
            got = np.asarray(sub.call("rotation_matrix", r))
        except Failure:
            return False
        if got.shape != (3, 3) or not np.array_equal(got, rotation(r % 4)):
            wrong.append(r)
    if not wrong:
        return False
    failure.hints = ["own_rotation"]
    failure.explains = {"own_rotation": f"every failing case: your rotation_matrix is wrong for r = {', '.join(map(str, wrong))}"}
    return True


def _one_of_order_and_clockwise(sub, failure):
    """t R(r) M = t M R(-r): the wrong order and a clockwise turn give the same elements. The submission's own
    rotation_matrix tells them apart: clockwise if its R(1) turns clockwise, the order if R(1) is right."""
    try:
        turn = np.asarray(sub.call("rotation_matrix", 1))
    except Failure:
        return  # no way to tell: both hints stay, each explains every failing case
    if turn.shape != (3, 3):
        return
    keep = "clockwise" if np.array_equal(turn, rotation(3)) else "order" if np.array_equal(turn, rotation(1)) else None
    if keep:
        failure.hints = [keep]
        failure.explains = {keep: failure.explains.get(keep, "")}


def _inverse_shift_models(g):
    """The inverse with the translation column -t, or -A t, instead of -A^T t."""
    wrong = []
    for column in (-g[:2, 2], -g[:2, :2] @ g[:2, 2]):
        model = inverse(g)  # the library's inverse, with the translation column replaced
        model[:2, 2] = column
        wrong.append(model)
    return wrong


def check_inverse(sub):
    elements = [element("p4m", m, r, u, v) for (u, v) in SHIFTS for (m, r) in D4_PARAMS]
    cases = [Case({"g": g}, f"g = {parameters_text(g)}") for g in elements]
    inverses = {}

    def mine(g):
        key = g.tobytes()
        if key not in inverses:
            inverses[key] = _matrix(sub, "inverse", g)
        return inverses[key]

    shift_models = [("inverse_shift", lambda c, i=i: c.args["g"] @ _inverse_shift_models(c.args["g"])[i])
                    for i in range(2)]
    search(cases, lambda c: (c.args["g"] @ mine(c.args["g"]), identity()), "g g^-1 is not the identity",
           models=[("transpose", lambda c: c.args["g"] @ c.args["g"].T)] + shift_models)
    search(cases, lambda c: (mine(c.args["g"]) @ c.args["g"], identity()), "g^-1 g is not the identity")
    search(cases, lambda c: (mine(c.args["g"]), inverse(c.args["g"])), "g^-1 differs from the library's inverse",
           models=[("transpose", lambda c: c.args["g"].T)]
           + [("inverse_shift", lambda c, i=i: _inverse_shift_models(c.args["g"])[i]) for i in range(2)])
    return f"g g^-1 = g^-1 g = e for {len(cases)} elements of p4m: exact (integer matrices)"


def parameters_text(g):
    return "g" + str(tuple(int(p) for p in parameters(g, "p4m")))


def _law(sub, a, b):
    out = sub.call("product_parameters", a, b)
    try:
        values = [int(p) for p in out]
        ok = len(values) == 4 and all(float(p) == int(p) and not isinstance(p, (bool, np.bool_)) for p in out)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise Failure(f"product_parameters{(a, b)} must return four integers (m, r, u, v), got {out!r}")
    m, r = values[0], values[1]
    if m not in (0, 1) or r not in range(4):
        raise Failure(f"product_parameters{(a, b)} returned {tuple(values)}: m must be 0 or 1 and r in 0..3")
    return np.array(values, dtype=np.int64)


def _params(g):
    return np.array([int(p) for p in parameters(g, "p4m")], dtype=np.int64)


FAR_PAIRS = ([((1, 3, 70, -65), (0, 1, -66, 3)), ((0, 2, -100, 1), (1, 1, 5, 99))] if not COURSE_SEED else
             [tuple(tuple(int(p) for p in row) for row in np.column_stack([generator(2 + i).integers(0, 2, size=2),
                                                                          generator(4 + i).integers(0, 4, size=2),
                                                                          generator(6 + i).integers(-120, 121, size=(2, 2))]))
              for i in range(2)])


def check_product_parameters(sub):
    small = [(m, r, u, v) for (m, r) in D4_PARAMS for (u, v) in ((0, 0), (1, -2))]
    e = (0, 0, 0, 0)
    pairs = exhaustive_pairs([(m, r, u, v) for (m, r) in D4_PARAMS for (u, v) in ((0, 0), (2, 1))])
    pairs += FAR_PAIRS  # shifts far past a frame

    def agreement():
        search([Case({"a": a, "b": b}, f"a = {a}, b = {b}") for a, b in pairs],
               lambda c: (_law(sub, c.args["a"], c.args["b"]),
                          _params(element("p4m", *c.args["a"]) @ element("p4m", *c.args["b"]))),
               "your law differs from the parameters of the matrix product g(a) g(b)",
               models=[("order", lambda c: _params(element("p4m", *c.args["b"]) @ element("p4m", *c.args["a"]))),
                       ("mirror_turn", lambda c: _no_turn_reversal(c.args["a"], c.args["b"])),
                       ("shift_turn", lambda c: _unturned_shift(c.args["a"], c.args["b"])),
                       ("shift_turn", lambda c: _unturned_shift(c.args["a"], c.args["b"], turn=True))])

    def diagnosis():
        return hints_of(agreement)

    search([Case({"a": a}, f"a = {a}") for a in small], lambda c: (_law(sub, e, c.args["a"]), np.array(c.args["a"])),
           "(0, 0, 0, 0) is not a left identity of your law", refine=diagnosis)
    search([Case({"a": a}, f"a = {a}") for a in small], lambda c: (_law(sub, c.args["a"], e), np.array(c.args["a"])),
           "(0, 0, 0, 0) is not a right identity of your law", refine=diagnosis)
    search([Case({"a": a}, f"a = {a}, b = the parameters of g(a)^-1") for a in small],
           lambda c: (_law(sub, c.args["a"], tuple(_params(inverse(element("p4m", *c.args["a"]))))), np.array(e)),
           "a times the parameters of its inverse is not the identity under your law", refine=diagnosis)
    triples = [(a, b, c) for a in small[::3] for b in small[1::3] for c in small[2::3]]
    search([Case({"a": a, "b": b, "c": c}, f"a = {a}, b = {b}, c = {c}") for a, b, c in triples],
           lambda k: (_law(sub, tuple(_law(sub, k.args["a"], k.args["b"])), k.args["c"]),
                      _law(sub, k.args["a"], tuple(_law(sub, k.args["b"], k.args["c"])))),
           "your law is not associative: (a b) c != a (b c)", labels=("a (b c)", "(a b) c"), refine=diagnosis)
    agreement()
    return (f"identity, inverses, associativity ({len(triples)} triples) and agreement with the matrix product "
            f"({len(pairs)} pairs, shifts up to 100): exact (integers)")


def _unturned_shift(a, b, turn=False):
    """The law with the translation x1 + x2 (the second shift not turned by the first element), or with turn
    x1 + R(r1) x2 (turned but not mirrored)."""
    right = _params(element("p4m", *a) @ element("p4m", *b))
    x2 = rotation(a[1] % 4)[:2, :2] @ np.array(b[2:]) if turn else np.array(b[2:])
    right[2:] = np.array(a[2:]) + x2
    return right


def _no_turn_reversal(a, b):
    """The law with r = r1 + r2 (the reversal of a turn moved past a mirror forgotten)."""
    right = _params(element("p4m", *a) @ element("p4m", *b))
    right[1] = (a[1] + b[1]) % 4
    return right


TASKS = [
    Task("rotation_matrix", 2, check_rotation_matrix),
    Task("mirror_matrix", 1, check_mirror_matrix),
    Task("p4m_element", 2, check_p4m_element),
    Task("inverse", 2, check_inverse),
    Task("product_parameters", 3, check_product_parameters),
]
