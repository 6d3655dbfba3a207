"""Exercise 09 - coset pooling over the group axis, and an invariant classifier head (tutorial 14, P1 and I1)."""
# %% [markdown]
# # Exercise 09 - Coset pooling and an invariant head
#
# *Follows tutorial 14 (the rest of a G-CNN), P1 and I1. 10 points.*
#
# A G-CNN ends its stack of equivariant layers with pooling. Two kinds:
#
# * **Coset pooling** (P1): pool over the group axis only, (B, C, |H|, n, n) ->
#   (B, C, n, n). When the input turns, L_u on G moves every plane and permutes the
#   planes; a max (or mean) over all the planes at one pixel does not see the
#   permutation, so the pooled map simply turns as an image:
#   pool(L_u x) = L_u pool(x), with L_u on the right the action on images.
# * **Global pooling** (I1): pool over the group axis *and* space, (B, C, |H|, n, n) ->
#   (B, C). L_u only moves values within a channel, so a max over all of them ignores
#   where they are: the pooled vector - and a linear classifier on top of it - is
#   **invariant**, head(L_u x) = head(x), as long as nothing leaves the frame.
#
# Axes (README "Conventions"): batch, channel, group axis, rows, columns.
#
# **Rules.** You may use NumPy and `groupconv.groups`. You must not call
# `nn.CosetPool`, `nn.GlobalPool` or `nn.Linear` (what you are writing). The grader
# refuses calls of these from your file.
#
# **Check yourself:** `python exercises/grade.py <this file>`.

# %%
import numpy as np

# %% [markdown]
# ## Task 1 - coset pooling (5 points)
#
# Given x (B, C, |H|, n, n) and op "max" or "mean", return the pool over the group axis,
# shape (B, C, n, n). For "max" keep x's dtype; for "mean" return float64. x may hold
# integers (any integer dtype) or floats, on any group: |H| = 4 (p4), 8 (p4m), 6 (p6) or
# 12 (p6m; a hexagonal frame is an odd n x n array, README "Conventions"), and any n.
#
# The grader checks pool(L_u x) = L_u pool(x) for every turn and mirror and some shifts
# (exact: a max only selects values; a mean of integers adds them exactly whatever their
# order), then compares with the library.

# %%
def coset_pool(x, op="max"):
    """Pool over the group axis (axis 2): (B, C, |H|, n, n) -> (B, C, n, n), op 'max' or 'mean'."""
    ### BEGIN SOLUTION
    x = np.asarray(x)
    if op == "max":
        return x.max(axis=2)
    if op == "mean":
        return x.mean(axis=2)
    raise ValueError(f"op must be 'max' or 'mean', got {op!r}")
    ### END SOLUTION


# %% [markdown]
# ## Task 2 - an invariant head (5 points)
#
# Given features x (B, C, |H|, n, n), weights W (C, D) and a bias b (D,), return the
# logits (B, D): the maximum of every channel over the group axis and all pixels, then
# the linear map, logits = pooled @ W + b, float64 whatever the dtypes of x, W and b
# (integer or float). As in task 1, x may be a function on p4, p4m, p6 or p6m.
#
# The grader checks head(L_u x) = head(x) for every turn and mirror and for shifts that
# lose nothing (exact: both sides pool the same values and then do the same arithmetic),
# then compares with the library's GlobalPool("max") and Linear (to round-off).

# %%
def invariant_head(x, W, b):
    """Logits (B, D): max over the group axis and space of each channel (B, C), then @ W + b."""
    ### BEGIN SOLUTION
    x = np.asarray(x)
    pooled = x.reshape(x.shape[0], x.shape[1], -1).max(axis=-1)  # (B, C)
    return pooled @ np.asarray(W, dtype=np.float64) + np.asarray(b, dtype=np.float64)
    ### END SOLUTION


# %% [markdown]
# ## Try it: a feature map on p4 whose planes say where they are

# %%
if __name__ == "__main__":
    x = np.arange(2 * 4 * 3 * 3).reshape(1, 2, 4, 3, 3)
    print("coset max pool:\n", coset_pool(x))
    print("turned input, pooled (should be the pooled map turned):\n",
          coset_pool(np.roll(np.rot90(x, 1, axes=(-2, -1)), 1, axis=2)))
    print("head:", invariant_head(x, np.eye(2), np.zeros(2)))
