"""Grading exercise 11: counterexamples to the equivariance of four given layers.

The layers are taken from the exercise file next to this grader (exercises/
ex11_counterexamples.py), never from the submission, so changing them in a submission
changes nothing. Both sides are integer arrays computed by the library (exact integer
sums), so a real counterexample has a residual of at least 1 and a failed one exactly 0.

A pair that is no counterexample is diagnosed by behaviour, each hint only when it is
true of that pair: g = e; a g the layer commutes with for every input (then no f helps);
or, for a g that does break the layer, a suggested f that the grader has checked is a
counterexample for this very g.
"""
import importlib.util
import os

import numpy as np

from groupconv.action import transform_group_function, transform_image
from groupconv.groups import identity, is_member, order, point_group

from .framework import Failure, Task, element_name, integer_data, type_name

REFERENCE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ex11_counterexamples.py")
MAX_SIZE = 7
_layers = []


def layers():
    """The reference exercise module (loaded once), whose layers the counterexamples are tested against."""
    if not _layers:
        spec = importlib.util.spec_from_file_location("ex11_reference", REFERENCE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _layers.append(module)
    return _layers[0]


def image_move(f, g):
    return transform_image(f, g)


def p4_move(f, g):
    return transform_group_function(f, g, "p4")


# name: layer attribute, input on p4?, output on p4?, group of g
SPECS = {
    "counterexample_planar": ("planar_layer", False, False, "p4m"),
    "counterexample_plane_bias": ("lifting_with_plane_bias", False, True, "p4"),
    "counterexample_forgetful": ("forgetful_group_layer", True, True, "p4"),
    "counterexample_rotation_pooled": ("rotation_pooled_layer", False, False, "p4m"),
}

EXTRA_HINTS = {
    "identity": "g = e changes nothing: L_e f = f, so the two sides are always equal. Choose another element.",
    "symmetric_filter": "EDGE looks the same after this g (L_g EDGE = EDGE: the edge detector is symmetric under "
                        "the mirror of the rows), and (L_g f) ⋆ psi = L_g (f ⋆ L_{g^-1} psi) (tutorial 06), so "
                        "planar_layer commutes with this g for every image. Choose a g that changes EDGE, e.g. a "
                        "quarter turn.",
    "turns_commute": "Pooling over the four turns makes this layer equivariant to every turn (tutorial 14, P1): no "
                     "image is a counterexample for a quarter turn. Which elements of D4 are not turns?",
    "commutes_for_g": "This layer commutes with this g for every input the grader tried: choose another element.",
    "bright_pixel": "This g does break the layer, but your f looks the same to the filter before and after it: "
                    "try an image with a single bright pixel (a 3 x 3 frame, 1 in the middle).",
    "one_plane": "This g does break the layer, but the planes of your f look alike to it: put something in one "
                 "plane only (e.g. f of shape (4, 1, 1) with f[0] = 1).",
    "asymmetric_image": "Mirrors do break this layer, but your f hides it (an f that looks the same mirrored, or "
                        "constant, gives equal sides): try an image without any symmetry, e.g. "
                        "np.arange(1, 5).reshape(2, 2).",
}

# the counterexample each f-specific hint suggests (the hint is given only when it works for the submitted g)
SUGGESTED = {
    "counterexample_planar": ("bright_pixel", np.pad(np.ones((1, 1), dtype=np.int64), 1)),
    "counterexample_forgetful": ("one_plane", np.array([1, 0, 0, 0], dtype=np.int64).reshape(4, 1, 1)),
    "counterexample_rotation_pooled": ("asymmetric_image", np.arange(1, 5, dtype=np.int64).reshape(2, 2)),
}


def sides(name, f, g):
    layer_name, on_group_in, on_group_out, _ = SPECS[name]
    layer = getattr(layers(), layer_name)
    move_in = p4_move if on_group_in else image_move
    move_out = p4_move if on_group_out else image_move
    return layer(move_in(f, g)), move_out(layer(f), g)


def trial_inputs(name, n):
    """The grader's own inputs of frame n: f = 1, 2, 3, ... and two random integer arrays."""
    on_group_in = SPECS[name][1]
    return [integer_data((order("p4"), n, n) if on_group_in else (n, n), index) for index in range(3)]


def smallest_size(name):
    """The smallest n with a counterexample among the elements of the point group and f = 1, 2, 3, ... or random."""
    group = SPECS[name][3]
    for n in range(1, MAX_SIZE + 1):
        for f in trial_inputs(name, n):
            for g in point_group(group):
                lhs, rhs = sides(name, f, g)
                if not np.array_equal(lhs, rhs):
                    return n
    return None


def commutes(name, g):
    """True if the layer commutes with g on every trial input of frames 1-5 (then no f helps: g is the problem)."""
    return all(np.array_equal(*sides(name, f, g)) for n in range(1, 6) for f in trial_inputs(name, n))


def diagnosis(name, f, g):
    """The hint keys for a pair (f, g) that is no counterexample, each true of this pair:
    g = e; g a symmetry of the layer (for layer A because EDGE is symmetric under g, for layer D
    because g is a turn); or g breaks the layer and the hint's suggested f shows it for this g."""
    if np.array_equal(g, identity()):
        return ["identity"]
    if commutes(name, g):
        if name == "counterexample_planar" and np.array_equal(transform_image(layers().EDGE, g), layers().EDGE):
            return ["symmetric_filter"]
        if name == "counterexample_rotation_pooled" and is_member(g, "p4"):
            return ["turns_commute"]
        return ["commutes_for_g"]
    if name in SUGGESTED:
        key, suggestion = SUGGESTED[name]
        if not np.array_equal(*sides(name, suggestion, g)):
            return [key]
    return []


def checker(name):
    layer_name, on_group_in, _, group = SPECS[name]

    def check(sub):
        out = sub.call(name)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise Failure(f"{name} must return a pair (f, g), got {type_name(out)}")
        f, g = (np.asarray(x) for x in out)
        if g.shape != (3, 3) or g.dtype.kind not in "iu" or not is_member(g, group) or np.any(g[:2, 2] != 0):
            kind = "C4 (a quarter turn, groups.rotation(r))" if group == "p4" else "D4 (a turn or a mirror)"
            raise Failure(f"g must be an integer 3 x 3 matrix of {kind} without a translation part, "
                          f"got {g.tolist()}")
        shape = "(4, n, n)" if on_group_in else "(n, n)"
        ok_shape = (f.ndim == 3 and f.shape[0] == 4) if on_group_in else f.ndim == 2
        if not ok_shape or f.shape[-1] != f.shape[-2] or not 1 <= f.shape[-1] <= MAX_SIZE or f.dtype.kind not in "iu":
            raise Failure(f"f must be an integer array of shape {shape} with 1 <= n <= {MAX_SIZE}, "
                          f"got shape {f.shape}, dtype {f.dtype}")
        lhs, rhs = sides(name, f, g)
        if np.array_equal(lhs, rhs):
            raise Failure(f"no counterexample: {layer_name}(L_g f) == L_g {layer_name}(f) for g = "
                          f"{element_name(g)}",
                          {"f": f, f"{layer_name}(L_g f)": lhs, f"L_g {layer_name}(f)": rhs},
                          hints=diagnosis(name, f, g))
        smallest = smallest_size(name)
        return (f"g = {element_name(g)}, a {f.shape[-1]} x {f.shape[-1]} frame: max |difference| = "
                f"{int(np.max(np.abs(lhs - rhs)))} (exact integers); the smallest frame with a counterexample "
                f"is {smallest} x {smallest}")
    return check


TASKS = [
    Task("counterexample_planar", 2, checker("counterexample_planar")),
    Task("counterexample_plane_bias", 2, checker("counterexample_plane_bias")),
    Task("counterexample_forgetful", 3, checker("counterexample_forgetful")),
    Task("counterexample_rotation_pooled", 3, checker("counterexample_rotation_pooled")),
]
