"""Grading exercise 09: coset pooling over the group axis, and an invariant classifier head.

References: nn.CosetPool and nn.GlobalPool("max") followed by the product with W. A
max only selects values and a mean of integers over 4 or 8 planes is an exact sum divided
by a power of two, so the equivariance and invariance residuals are exactly 0 for a right
answer; a mean over the 6 or 12 planes of p6 / p6m, a mean of float data and the head's
agreement with the library are float round-off (the same values, possibly summed in
another order).

The cases cover the contract: p4, p4m and the hexagonal p6, p6m (odd frames, zero
outside the hexagon); integer (int64, int32, uint8) and float (float32, float64) inputs;
frames 1-5 and one past 64; batch and channel axes of other lengths than the group axis
and, to tell the axes apart by their values, of the same length.
"""
import numpy as np

from groupconv import lattices
from groupconv.action import transform_group_function, transform_image
from groupconv.groups import order, p4m_element, translation
from groupconv.nn import CosetPool, GlobalPool

from .framework import (Case, Task, element_name, generator, expect_array, hints_of, integer_data, point_group, rng,
                        search)

FORBIDDEN = {"groupconv.nn": ["CosetPool", "GlobalPool", "Linear"]}

EXTRA_HINTS = {
    "fixed_order": "You pooled over a fixed number of planes (4), or divided by 4: the group axis has |H| planes, "
                   "4 for p4, 8 for p4m, 6 for p6, 12 for p6m. Pool over all of them (x.shape[2]).",
    "mean_pool": "You averaged: the head takes the maximum of every channel over the group axis and all pixels.",
    "no_bias": "Your logits lack the bias: logits = pooled @ W + b.",
    "one_plane": "You pooled the pixels of plane 0 only (the identity's plane): the head takes the maximum over "
                 "the group axis too, x.max(axis=(2, 3, 4)). A turn moves the values between planes, so one plane "
                 "alone is not invariant.",
}

SQUARE, HEXAGONAL = ("p4", "p4m"), ("p6", "p6m")


def lattice_of(group):
    return "hexagonal" if group in HEXAGONAL else "square"


def feature_map(shape, index, group, dtype=np.int64, offset=0):
    """Test data of a shape (B, C, |H|, n, n) on `group`: integers (readable, then random), zero off the hexagon."""
    if np.dtype(dtype).kind == "f" and index > 0:
        x = rng(500 * index + offset).normal(size=shape).astype(dtype)
    else:
        x = integer_data(shape, index, offset)
        if np.dtype(dtype).kind == "u":
            x = np.abs(x) % 256
        x = x.astype(dtype)
    if group in HEXAGONAL:
        x = x * lattices.get("hexagonal").frame_mask(shape[-2], shape[-1]).astype(dtype)
    return x


def move_image(f, u, group):
    return transform_image(f, u, group=group) if group in HEXAGONAL else transform_image(f, u)


def sizes(group):
    return (1, 3, 5) if group in HEXAGONAL else (1, 2, 3, 4)


# ---------------------------------------------------------------- task 1

def pool_cases():
    """Inputs x and op, smallest first; Case.kind "float" where a mean is not exact (float data, 6 or 12 planes).

    Every frame 1-5 (odd ones only on the hexagonal grid) with int64 data of shape (2, 3, |H|, n, n)
    ("base": these also get the equivariance check); at n = 3 the other dtypes and batch or channel
    axes as long as the group axis; and one frame past 64.
    """
    cases = []

    def add(x, op, group, base=False):
        exact = x.dtype.kind in "iu" and (op == "max" or order(group) in (4, 8))
        cases.append(Case({"x": x, "op": op}, f"{group}, op {op!r}, x of shape {x.shape}, dtype {x.dtype}",
                          extra={"group": group, "base": base}, kind=None if exact else "float"))

    for group in SQUARE + HEXAGONAL:
        nH = order(group)
        for n in sizes(group):
            for op in ("max", "mean"):
                add(feature_map((2, 3, nH, n, n), n, group), op, group, base=True)
        for index, (dtype, (B, C)) in enumerate(((np.int64, (1, nH)), (np.int64, (nH, 1)), (np.int32, (2, 1)),
                                                  (np.uint8, (1, 2)), (np.float64, (2, 3)), (np.float32, (1, 2)))):
            x = feature_map((B, C, nH, 3, 3), index + 1, group, dtype)
            for op in ("max", "mean"):
                if op == "mean" and dtype == np.float32:
                    continue  # the mean's dtype is promised float64; a float32 mean is not asked for
                add(x, op, group)
    for op in ("max", "mean"):  # one frame past 64: no size is hard-coded
        add(feature_map((1, 2, 4, 65, 65), 1, "p4"), op, "p4")
    cases.sort(key=lambda c: c.args["x"].size)
    return cases


def pooled(sub, x, op):
    out = sub.call("coset_pool", x, op)
    B, C, nH, n, _ = x.shape
    wrong = {(C, nH, n, n): "wrong_axis", (B, nH, n, n): "wrong_axis", (B, C, nH, n): "wrong_axis",
             (B, C, n): "wrong_axis"}
    return expect_array(out, f"coset_pool (op {op!r}, x of dtype {x.dtype})", shape=(B, C, n, n),
                        dtype=x.dtype if op == "max" else np.float64, alternatives=wrong)


def elements(group):
    """Every turn and mirror, and on the square grid two shifts."""
    shifts = [translation(0, 1), p4m_element(0, 1, 1, 0)] if group in SQUARE else []
    return point_group(group)[1:] + shifts


def pool_along(x, op, axis):
    return x.max(axis=axis) if op == "max" else x.mean(axis=axis)


def first_four_planes(c):
    """A pool over x[:, :, :4] only: the group axis taken to have 4 planes."""
    return pool_along(c.args["x"][:, :, :4], c.args["op"], 2)


def divided_by_four(c):
    """max right, but the mean as sum / 4."""
    x, op = c.args["x"], c.args["op"]
    return x.max(axis=2) if op == "max" else x.sum(axis=2, dtype=np.float64) / 4


def check_coset_pool(sub):
    cases = pool_cases()
    cache = {}

    def pool_of(x, op):  # the submission's pool of a case's own x, asked once
        key = (id(x), op)
        if key not in cache:
            cache[key] = (x, pooled(sub, x, op))
        return cache[key][1]
    models = [("wrong_axis", lambda c, a=a: pool_along(c.args["x"], c.args["op"], a)) for a in (0, 1, 3, 4)]
    models += [("fixed_order", first_four_planes), ("fixed_order", divided_by_four)]

    def agreement():
        search(cases, lambda c: (pool_of(**c.args), CosetPool(c.args["op"]).forward(c.args["x"])),
               "coset pooling differs from the max (mean) over the group axis", models=models)

    equivariance = [Case({**c.args, "u": u}, f"{c.label}, u = {element_name(u, c.extra['group'])}",
                         extra=c.extra, kind=c.kind)
                    for c in cases if c.extra["base"] for u in elements(c.extra["group"])]
    search(equivariance,
           lambda c: (pooled(sub, transform_group_function(c.args["x"], c.args["u"], c.extra["group"]), c.args["op"]),
                      move_image(pool_of(c.args["x"], c.args["op"]), c.args["u"], c.extra["group"])),
           "pool(L_u x) != L_u pool(x): the pooled map must turn as an image",
           labels=("L_u pool(x)", "pool(L_u x)"), refine=lambda: hints_of(agreement))
    agreement()
    return (f"pool(L_u x) = L_u pool(x) for every turn and mirror (p4, p4m, p6, p6m) and two shifts, and agreement "
            f"with the library on {len(cases)} inputs (int64, int32, uint8, float32, float64; frames 1-5 and 65): "
            "exact for max and for a mean of integers over 4 or 8 planes, float round-off otherwise")


# ---------------------------------------------------------------- task 2

def head(sub, x, W, b):
    out = sub.call("invariant_head", x, W, b)
    return expect_array(out, f"invariant_head (x of dtype {x.dtype}, W of dtype {W.dtype})",
                        shape=(x.shape[0], W.shape[1]), dtype=np.float64)


def head_cases():
    """(x, W, b, u) for the invariance and agreement checks, smallest first."""
    weights = generator(9)
    cases = []

    def add(x, group, us, W_dtype=np.float64, D=4):
        C = x.shape[1]
        if np.dtype(W_dtype).kind == "f":
            W, b = weights.normal(size=(C, D)), weights.normal(size=D)
        else:
            W, b = weights.integers(-3, 4, size=(C, D)), weights.integers(-3, 4, size=D)
        for u in us:
            label = f"{group}, x of shape {x.shape} ({x.dtype}), W of shape {W.shape} ({W.dtype})"
            cases.append(Case({"x": x, "W": W, "b": b, "u": u}, f"{label}, u = {element_name(u, group)}",
                              extra={"group": group, "inputs": label}, kind="float" if x.dtype.kind == "f" else None))

    for group in SQUARE + HEXAGONAL:
        nH = order(group)
        turns = point_group(group)[1:]
        for n in sizes(group) + ((5,) if group in SQUARE else ()):
            x = feature_map((2, 3, nH, n, n), n + 1, group)
            add(x, group, turns)
        add(feature_map((1, nH, nH, 3, 3), 2, group), group, turns[:2])  # channel axis as long as the group axis
        add(feature_map((2, 2, nH, 3, 3), 3, group, np.float64), group, turns[:2])
        add(feature_map((2, 3, nH, 3, 3), 4, group, np.int32), group, turns[:2], W_dtype=np.int64, D=2)
        add(feature_map((1, 2, nH, 3, 3), 5, group, np.uint8), group, turns[:2])
        if group in SQUARE:  # shifts that lose nothing: a zero border
            x = np.pad(feature_map((2, 3, nH, 3, 3), 6, group), [(0, 0)] * 3 + [(1, 1)] * 2)
            add(x, group, [translation(1, 0), p4m_element(0, 3, 0, -1)])
    x = np.pad(feature_map((1, 2, 4, 63, 63), 1, "p4"), [(0, 0)] * 3 + [(1, 1)] * 2)  # a frame past 64
    add(x, "p4", [point_group("p4")[1], translation(0, 1)])
    cases.sort(key=lambda c: c.args["x"].size)
    return cases


def head_reference(x, W, b):
    return GlobalPool("max").forward(x) @ np.asarray(W, dtype=np.float64) + np.asarray(b, dtype=np.float64)


def check_head(sub):
    cases = head_cases()
    cache = {}

    def head_of(x, W, b):  # the submission's head of a case's own x, asked once
        if id(x) not in cache:
            cache[id(x)] = (x, head(sub, x, W, b))
        return cache[id(x)][1]

    distinct = [Case({k: c.args[k] for k in ("x", "W", "b")}, c.extra["inputs"])
                for c in {id(c.args["x"]): c for c in cases}.values()]

    def as_float(a):
        return np.asarray(a, dtype=np.float64)

    def agreement():
        search(distinct, lambda c: (head_of(c.args["x"], c.args["W"], c.args["b"]),
                                    head_reference(c.args["x"], c.args["W"], c.args["b"])),
               "the head differs from a global max pool followed by @ W + b", kind="float",
               models=[("one_plane", lambda c: as_float(c.args["x"].max(axis=(3, 4))[:, :, 0]) @ as_float(c.args["W"])
                        + as_float(c.args["b"])),
                       ("mean_pool", lambda c: c.args["x"].mean(axis=(2, 3, 4)) @ as_float(c.args["W"])
                        + as_float(c.args["b"])),
                       ("no_bias", lambda c: GlobalPool("max").forward(c.args["x"]) @ as_float(c.args["W"]))])

    search(cases, lambda c: (head(sub, transform_group_function(c.args["x"], c.args["u"], c.extra["group"]),
                                  c.args["W"], c.args["b"]),
                             head_of(c.args["x"], c.args["W"], c.args["b"])),
           "not invariant: head(L_u x) != head(x)", labels=("head(x)", "head(L_u x)"),
           refine=lambda: hints_of(agreement))
    agreement()
    return (f"head(L_u x) = head(x) for every turn and mirror (p4, p4m, p6, p6m) and shifts that lose nothing "
            f"({len(cases)} cases, frames 1-5 and 65, integer and float x, W and b; exact for integer x: the same "
            "pooled values, the same arithmetic; round-off for float x), and agreement with the library on "
            f"{len(distinct)} inputs to float round-off")


TASKS = [
    Task("coset_pool", 5, check_coset_pool),
    Task("invariant_head", 5, check_head),
]
