"""Grading exercise 11: counterexamples to the equivariance of four given layers.

The layers are taken from the exercise file next to this grader (exercises/
ex11_counterexamples.py), never from the submission, so changing them in a submission
changes nothing. Both sides are integer arrays computed by the library (exact integer
sums), so a real counterexample has a residual of at least 1 and a failed one exactly 0.
"""
import importlib.util
import os

import numpy as np

from groupconv.action import transform_group_function, transform_image
from groupconv.groups import is_member, order, point_group

from .framework import Failure, Task, element_name, integer_data

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


# name, layer attribute, input on p4?, output on p4?, group of g, advice when the two sides agree
SPECS = {
    "counterexample_planar": ("planar_layer", False, False, "p4m",
                              "this f looks the same to the filter before and after the turn: try an image with a "
                              "single bright pixel"),
    "counterexample_plane_bias": ("lifting_with_plane_bias", False, True, "p4",
                                  "g = e changes nothing; any quarter turn moves the planes, but not the bias"),
    "counterexample_forgetful": ("forgetful_group_layer", True, True, "p4",
                                 "the planes of this f look alike: put something in one plane only"),
    "counterexample_rotation_pooled": ("rotation_pooled_layer", False, False, "p4m",
                                       "pooling over the four turns makes this layer equivariant to every turn "
                                       "(tutorial 14, P1): which elements of D4 are not turns?"),
}


def sides(name, f, g):
    layer_name, on_group_in, on_group_out, _, _ = SPECS[name]
    layer = getattr(layers(), layer_name)
    move_in = p4_move if on_group_in else image_move
    move_out = p4_move if on_group_out else image_move
    return layer(move_in(f, g)), move_out(layer(f), g)


def smallest_size(name):
    """The smallest n with a counterexample among the elements of the point group and f = 1, 2, 3, ... or random."""
    layer_name, on_group_in, _, group, _ = SPECS[name]
    for n in range(1, MAX_SIZE + 1):
        for index in range(3):
            f = integer_data((order("p4"), n, n) if on_group_in else (n, n), index)
            for g in point_group(group):
                lhs, rhs = sides(name, f, g)
                if not np.array_equal(lhs, rhs):
                    return n
    return None


def checker(name):
    layer_name, on_group_in, _, group, advice = SPECS[name]

    def check(sub):
        out = sub.call(name)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise Failure(f"{name} must return a pair (f, g), got {type(out).__name__}")
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
                          f"{element_name(g)}; {advice}",
                          {"f": f, f"{layer_name}(L_g f)": lhs, f"L_g {layer_name}(f)": rhs})
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
