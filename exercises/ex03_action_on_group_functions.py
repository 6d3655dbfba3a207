"""Exercise 03 - moving a function on G: every plane moves, and the group axis is permuted (tutorial 03, A4)."""
# %% [markdown]
# # Exercise 03 - Moving a feature map on p4 and p4m
#
# *Follows tutorial 03, section 4 (A4). 10 points.*
#
# After the first layer of a G-CNN a feature map is a function on the group G, and the
# same rule moves it: (L_u f)(h) = f(u^-1 h). groupconv stores a function on p4 (p4m) as
# an array (..., |H|, n, n) of 4 (8) planes: plane s at pixel x holds f(t(x) . s), with
# s running over the point group in the canonical order of `groups.point_group`
# (R(r) at index r; for p4m M^m R(r) at index 4m + r).
#
# Factor u = t_u . s_u and h = t(x) . s (G7). Then
#
#     u^-1 h = t(u^-1 x) . (s_u^-1 s),
#
# so plane s of L_u f, at pixel x, is plane s_u^-1 s of f at pixel u^-1 x: every plane
# is moved like an image (by u), and the planes change places.
#
# **Rules.** You may use NumPy, any function of `groupconv.groups` except
# `groups.cayley_table`, and `action.transform_image` (moving one image, exercise 02).
# You must not call `action.group_axis_permutation`, `action.transform_group_function`
# or `action.transform_group_function_literal`. The grader refuses calls of these from
# your file.
#
# **Check yourself:** `python exercises/grade.py <this file>`.

# %%
import numpy as np

from groupconv import action, groups

# %% [markdown]
# ## Task 1 - the permutation of the group axis (4 points)
#
# Given an element `g` of `group` ("p4" or "p4m"; an int64 3 x 3 matrix, possibly with
# a translation part) return an integer array `perm` of shape (|H|,) with
#
#     perm[s] = the index of s_g^-1 . s   (s_g = the point-group part of g),
#
# so that plane s of L_g f comes from plane perm[s] of f. Useful: `groups.split(g)`
# gives (t, s_g); `groups.point_group(group)` lists H in canonical order;
# `groups.point_group_index(s, group)` finds the index of a point-group element.
#
# For g = R(1) in p4 you should get [3, 0, 1, 2]: plane 1 of the turned map was plane 0.

# %%
def group_axis_permutation(g, group):
    """perm[s] = index of s_g^-1 s, the plane of f that L_g puts in slot s; an integer array (|H|,)."""
    ### BEGIN SOLUTION
    _, s_g = groups.split(g)
    s_g_inv = groups.inverse(s_g)
    H = groups.point_group(group)
    return np.array([groups.point_group_index(s_g_inv @ s, group) for s in H], dtype=np.int64)
    ### END SOLUTION


# %% [markdown]
# ## Task 2 - L_g on a function on G (6 points)
#
# Given `f` of shape (..., |H|, n, n) (any leading axes, n >= 1 odd or even, any numeric
# dtype), an element `g` of `group` and the group name, return L_g f: a new array of the
# same shape and dtype, with plane s equal to (plane perm[s] of f) moved by g as an
# image (zero boundary, as in exercise 02). `np.take(f, perm, axis=-3)` picks planes.
#
# The grader compares with the library for every element of the point group and a few
# elements with a shift, on p4 and p4m, and checks L_u (L_w f) = L_uw f.

# %%
def transform_group_function(f, g, group):
    """(L_g f)(h) = f(g^-1 h) for f (..., |H|, n, n) on `group`: move every plane by g and permute the planes."""
    ### BEGIN SOLUTION
    perm = group_axis_permutation(g, group)
    return action.transform_image(np.take(np.asarray(f), perm, axis=-3), g)
    ### END SOLUTION


# %% [markdown]
# ## Try it: four 3 x 3 planes whose tens digit says which plane they are

# %%
if __name__ == "__main__":
    f = np.stack([10 * s + np.arange(1, 10).reshape(3, 3) for s in range(4)])
    print("perm for R(1):", group_axis_permutation(groups.rotation(1), "p4"))
    moved = transform_group_function(f, groups.rotation(1), "p4")
    for s in range(4):
        print(f"plane {s} of L_R(1) f:\n", moved[s])
