"""Exercise 06 - the group correlation G -> G as a literal sum over the group, in both forms (tutorial 09, L3-L5)."""
# %% [markdown]
# # Exercise 06 - The group correlation, literally
#
# *Follows tutorial 09 (group correlation). 10 points.*
#
# The layers after the first take a function on G and return a function on G. The
# filter psi is a function on G too (|H| planes of k x k weights per input channel), and
# the sum runs over group elements h instead of pixels:
#
#     (f ⋆ psi)(g) = sum_h sum_k f_k(h) psi_k(g^-1 h)          (paper form, L3)
#                  = sum_h sum_k f_k(g h) psi_k(h)             (substituted, h -> g h)
#
# The products g^-1 h and g h are products of 3 x 3 matrices: "move the filter by g"
# now moves its planes around as well as turning and shifting each plane.
#
# Arrays: f (B, C_in, |H|, n, n), psi (C_out, C_in, |H|, k, k), output
# (B, C_out, |H|, n - k + 1, n - k + 1), dtype `np.result_type(f, psi)`. Plane s at pixel x
# holds the value at t(x) . s, s in the canonical order of `groups.point_group`. Both n
# and k are **odd**, n >= k, mode "valid" as in exercise 05: f is 0 off its frame, psi off
# its support, and the output elements are the t(x) . s with x on the centred
# (n - k + 1) x (n - k + 1) frame.
#
# **Rules.** Write the sums literally with the 3 x 3 matrices: list the elements g and h,
# form g^-1 h (or g h) with `@`, read f and psi there (the helper `value_on_group` below
# splits an element as t(x) . s and reads plane s at pixel x) and add up. You may use
# NumPy, everything in `groupconv.groups` and the given helpers. You must not call
# anything from `groupconv.correlate` or `groupconv.engine`, nor the functions of
# `groupconv.action`. The grader refuses calls of these from your file.
#
# **Check yourself:** `python exercises/grade.py <this file>`.

# %%
import numpy as np

from groupconv import groups

# %% [markdown]
# ## Given: the elements of a frame, and reading a function on G at elements

# %%
def elements_of_frame(group, n):
    """Every t(x) . s with x on a centred n x n frame (n odd), int64 (|H| * n * n, 3, 3), in the storage order.

    Entry s * n * n + p is the element stored in plane s, pixel p (row-major) of a function on G.
    """
    c = (n - 1) // 2
    u, v = np.meshgrid(np.arange(n) - c, np.arange(n) - c, indexing="ij")
    t = groups.translation(u.ravel(), v.ravel())
    return (t[None] @ groups.point_group(group)[:, None]).reshape(-1, 3, 3)


def value_on_group(F, g, group):
    """F (..., |H|, n, n) read at elements g (S..., 3, 3): shape F.shape[:-3] + S, 0 off the frame.

    g = t(x) . s: the plane is s (the upper-left 2 x 2 block of g), the pixel is x (its last column).
    """
    H = groups.point_group(group)
    plane = np.argmax(np.all(g[..., None, :2, :2] == H[:, :2, :2], axis=(-2, -1)), axis=-1)
    n = F.shape[-1]
    c = (n - 1) // 2
    i, j = g[..., 0, 2] + c, g[..., 1, 2] + c
    inside = (i >= 0) & (i < n) & (j >= 0) & (j < n)
    return np.where(inside, F[..., plane, np.clip(i, 0, n - 1), np.clip(j, 0, n - 1)], 0)


# %% [markdown]
# ## Task 1 - the paper form: sum_h f(h) psi(g^-1 h) (6 points)
#
# Return the group correlation of f (B, C_in, |H|, n, n) with psi (C_out, C_in, |H|, k, k)
# on `group` ("p4" or "p4m"), mode "valid": an array (B, C_out, |H|, n - k + 1, n - k + 1)
# of dtype `np.result_type(f, psi)`. h runs over every element where f can be non-zero
# (the |H| n^2 elements of f's frame); psi is 0 off its support. The grader checks
# equivariance, (L_u f) ⋆ psi = L_u (f ⋆ psi) with L_u moving every plane and permuting the
# planes (exercise 03), then compares with the library.

# %%
def group_correlation(f, psi, group):
    """(f ⋆ psi)(g) = sum_h sum_k f_k(h) psi_k(g^-1 h), literally; (B, C_in, |H|, n, n) -> (B, C_out, |H|, n', n')."""
    ### BEGIN SOLUTION
    f, psi = np.asarray(f), np.asarray(psi)
    B, O, nH = f.shape[0], psi.shape[0], groups.order(group)
    n_out = f.shape[-1] - psi.shape[-1] + 1
    g = elements_of_frame(group, n_out)  # (N_g, 3, 3): every output element
    h = elements_of_frame(group, f.shape[-1])  # (N_h, 3, 3): every h where f can be non-zero
    g_inv_h = groups.inverse(g)[:, None] @ h[None]  # (N_g, N_h, 3, 3)
    psi_at = value_on_group(psi, g_inv_h, group)  # (O, C, N_g, N_h): psi_k(g^-1 h), 0 off the support
    f_at = value_on_group(f, h, group)  # (B, C, N_h)
    out = np.einsum("bch,ocgh->bog", f_at, psi_at)  # sum over h and the channels k
    return out.reshape(B, O, nH, n_out, n_out).astype(np.result_type(f, psi))
    ### END SOLUTION


# %% [markdown]
# ## Task 2 - the substituted form: sum_h f(g h) psi(h) (4 points)
#
# The same numbers from the second form: now h runs over the |H| k^2 elements of psi's
# support only, and f is read at g h (0 off its frame). Same shapes, dtype and mode as task 1.

# %%
def group_correlation_substituted(f, psi, group):
    """(f ⋆ psi)(g) = sum_h sum_k f_k(g h) psi_k(h), h over psi's support; shapes as group_correlation."""
    ### BEGIN SOLUTION
    f, psi = np.asarray(f), np.asarray(psi)
    B, C, O, nH = f.shape[0], f.shape[1], psi.shape[0], groups.order(group)
    n_out = f.shape[-1] - psi.shape[-1] + 1
    g = elements_of_frame(group, n_out)  # (N_g, 3, 3)
    h = elements_of_frame(group, psi.shape[-1])  # (N_h, 3, 3): psi's support, in psi's storage order
    f_at = value_on_group(f, g[:, None] @ h[None], group)  # (B, C, N_g, N_h): f_k(g h)
    out = np.einsum("bcgh,och->bog", f_at, psi.reshape(O, C, -1))
    return out.reshape(B, O, nH, n_out, n_out).astype(np.result_type(f, psi))
    ### END SOLUTION


# %% [markdown]
# ## Try it: the tiny example of tutorial 09
#
# With one pixel, f and psi on p4 are four numbers each and the sum is a correlation
# around a circle of four slots: turning f by R(1) moves the output one slot along.

# %%
if __name__ == "__main__":
    f = np.array([1, 2, 0, -1]).reshape(1, 1, 4, 1, 1)
    psi = np.array([3, 0, 1, 0]).reshape(1, 1, 4, 1, 1)
    print("(f ⋆ psi)(R(r)), r = 0..3:", group_correlation(f, psi, "p4").ravel())
    print("for f cycled by one slot: ", group_correlation(np.roll(f, 1, axis=2), psi, "p4").ravel())
    print("substituted form:          ", group_correlation_substituted(f, psi, "p4").ravel())
