"""Exercise 05 - the lifting correlation Z^2 -> G as a literal sum, in both forms (tutorial 08, L1 and L2)."""
# %% [markdown]
# # Exercise 05 - The lifting correlation, literally
#
# *Follows tutorial 08 (the lifting correlation). 10 points.*
#
# Tutorial 07 read the planar correlation as a function on the translations,
# (f ⋆ psi)(t) = sum_y f(t(y)) psi(y). Replace t by an element g of a bigger group G
# (p4 or p4m) and you get the first layer of a G-CNN, the **lifting correlation**
#
#     (f ⋆ psi)(g) = sum_y sum_k f_k(y) psi_k(g^-1 y)         (paper form, L1)
#                  = sum_y sum_k f_k(g y) psi_k(y)            (substituted, y -> g y)
#
# Its output is a function on G: every g = t(x) . s (G7) is stored in plane s at pixel x,
# an array (B, C_out, |H|, n', n') with the point group H in canonical order
# (`groups.point_group(group)`: R(r) at index r, M^m R(r) at index 4m + r for p4m).
#
# Sizes here: f (B, C_in, n, n), psi (C_out, C_in, k, k), both n and k **odd**, n >= k.
# Mode "valid": the output pixels x are the (n - k + 1)^2 points where the filter, laid
# down at x, stays inside the frame (all frames share the centre pixel, so these are the
# points of a centred (n - k + 1) x (n - k + 1) frame). f and psi are 0 off their
# frames. The result has dtype `np.result_type(f, psi)`.
#
# **Rules.** Write the sums literally: list the output elements g and the points y, form
# g^-1 y or g y with the 3 x 3 matrices (`groups.act`, `groups.inverse`, the `@`
# product), read the arrays there and add up. You may use NumPy, everything in
# `groupconv.groups` and the helpers given below. You must not call anything from
# `groupconv.correlate` or `groupconv.engine`, nor `action.transform_image` (turning
# the filter as an image would be the filter-bank method of exercise 07). The grader
# refuses calls of these from your file.
#
# **Check yourself:** `python exercises/grade.py <this file>`.

# %%
import numpy as np

from groupconv import groups

# %% [markdown]
# ## Given: points of a frame and a lookup (as in groupconv/lookup.py, which the tutorials use)

# %%
def frame(n):
    """The points (u, v) of a centred n x n frame (n odd), row-major, as an int64 array (n * n, 2)."""
    c = (n - 1) // 2
    u, v = np.meshgrid(np.arange(n) - c, np.arange(n) - c, indexing="ij")
    return np.stack([u.ravel(), v.ravel()], axis=1).astype(np.int64)


def value_at(a, x):
    """a (..., n, n) read at integer points x (S..., 2), 0 off the frame: shape a.shape[:-2] + S."""
    n = a.shape[-1]
    c = (n - 1) // 2
    i, j = x[..., 0] + c, x[..., 1] + c
    inside = (i >= 0) & (i < n) & (j >= 0) & (j < n)
    return np.where(inside, a[..., np.clip(i, 0, n - 1), np.clip(j, 0, n - 1)], 0)


def output_elements(group, n_out):
    """Every output element g = t(x) . s, x on a centred n_out x n_out frame: int64 (|H|, n_out * n_out, 3, 3).

    Entry [s, p] is the element whose value goes to plane s, pixel p (row-major) of the output.
    """
    x = frame(n_out)
    return groups.translation(x[:, 0], x[:, 1])[None] @ groups.point_group(group)[:, None]


# %% [markdown]
# ## Task 1 - the paper form: sum_y f(y) psi(g^-1 y) (6 points)
#
# Return the lifting correlation of f (B, C_in, n, n) with psi (C_out, C_in, k, k) on
# `group` ("p4" or "p4m"), mode "valid": an array (B, C_out, |H|, n - k + 1, n - k + 1)
# of dtype `np.result_type(f, psi)`. The sum runs over every pixel y of f's frame (off it
# f is 0); psi is 0 off its k x k frame.
#
# The grader first checks equivariance, (L_u f) ⋆ psi = L_u (f ⋆ psi) for every turn and
# mirror u (L_u on the right moves every plane and permutes the planes, exercise 03),
# then compares with the library on integer data, smallest sizes first.

# %%
def lifting_correlation(f, psi, group):
    """(f ⋆ psi)(g) = sum_y sum_k f_k(y) psi_k(g^-1 y), literally; (B, C_in, n, n) -> (B, C_out, |H|, n', n')."""
    ### BEGIN SOLUTION
    f, psi = np.asarray(f), np.asarray(psi)
    B, O, nH = f.shape[0], psi.shape[0], groups.order(group)
    n_out = f.shape[-1] - psi.shape[-1] + 1
    g = output_elements(group, n_out)  # (|H|, N_x, 3, 3)
    y = frame(f.shape[-1])  # (N_y, 2): every pixel where f can be non-zero
    g_inv_y = groups.act(groups.inverse(g)[:, :, None], y)  # (|H|, N_x, N_y, 2)
    psi_at = value_at(psi, g_inv_y)  # (O, C, |H|, N_x, N_y): psi_k(g^-1 y)
    f_at = value_at(f, y)  # (B, C, N_y): f_k(y)
    out = np.einsum("bcy,ocsxy->bosx", f_at, psi_at)  # sum over y and the channels k
    return out.reshape(B, O, nH, n_out, n_out).astype(np.result_type(f, psi))
    ### END SOLUTION


# %% [markdown]
# ## Task 2 - the substituted form: sum_y f(g y) psi(y) (4 points)
#
# The same numbers, from the second form: now y runs over the k x k support of psi only,
# and f is read at the moved points g y. Same shapes, dtype and mode as task 1.

# %%
def lifting_correlation_substituted(f, psi, group):
    """(f ⋆ psi)(g) = sum_y sum_k f_k(g y) psi_k(y), y over psi's support; shapes as lifting_correlation."""
    ### BEGIN SOLUTION
    f, psi = np.asarray(f), np.asarray(psi)
    B, C, O, nH = f.shape[0], f.shape[1], psi.shape[0], groups.order(group)
    k = psi.shape[-1]
    n_out = f.shape[-1] - k + 1
    g = output_elements(group, n_out)  # (|H|, N_x, 3, 3)
    y = frame(k)  # (N_y, 2): the support of psi
    f_at = value_at(f, groups.act(g[:, :, None], y))  # (B, C, |H|, N_x, N_y): f_k(g y)
    out = np.einsum("bcsxy,ocy->bosx", f_at, psi.reshape(O, C, k * k))
    return out.reshape(B, O, nH, n_out, n_out).astype(np.result_type(f, psi))
    ### END SOLUTION


# %% [markdown]
# ## Try it: the tiny example of tutorial 08
#
# A 3 x 3 image and a 3 x 3 filter: the valid output is one pixel per element R(r),
# the sums of f with the four turned filters. Turning f by a quarter turn cycles them.

# %%
if __name__ == "__main__":
    f = np.array([[1, 2, 0], [0, 1, 3], [1, 0, 0]])[None, None]
    psi = np.array([[1, 0, 0], [2, 0, 0], [0, -1, 0]])[None, None]
    print("outputs at R(0..3):", lifting_correlation(f, psi, "p4")[0, 0, :, 0, 0])
    print("for f turned by R(1):", lifting_correlation(np.rot90(f, 1, axes=(-2, -1)), psi, "p4")[0, 0, :, 0, 0])
    print("substituted form:", lifting_correlation_substituted(f, psi, "p4")[0, 0, :, 0, 0])
