"""Exercise 07 - the efficient implementation: a bank of transformed filters and one planar correlation (tutorial 11, L7)."""
# %% [markdown]
# # Exercise 07 - The filter bank (the paper's section 7)
#
# *Follows tutorial 11 (the efficient implementation). 10 points.*
#
# The literal sums of exercises 05 and 06 loop over group elements. The paper computes
# the same numbers with no new machinery. Take the paper form at g = t(x) . s:
#
#     (f ⋆ psi)(t(x) . s) = sum_h f(h) psi(s^-1 t(x)^-1 h) = sum_h f(h) [L_s psi](t(x)^-1 h),
#
# and write h = t(y) . s'. Then t(x)^-1 h = t(y - x) . s', so
#
#     (f ⋆ psi)(t(x) . s) = sum_s' sum_y f_s'(y) [L_s psi]_s'(y - x):
#
# the ordinary planar correlation (exercise 04) of the |H| planes of f, treated as
# channels, with the |H| planes of the moved filter L_s psi. One planar correlation with
# a **bank** of |H| moved filters, bank[s] = L_s psi, gives all |H| output planes. For the
# lifting layer f has no planes and L_s psi is the filter turned (and mirrored) as an image.
#
# What does L_s do to a filter on G? Exactly what it does to any function on G
# (exercise 03): (L_s psi)(t(z) . s') = psi(s^-1 t(z) s'), so plane s' of L_s psi is plane
# s^-1 s' of psi, moved by s - every plane turns, **and the planes change places**.
#
# **Rules.** You may use NumPy, `groupconv.groups`, `action.transform_image`,
# `action.transform_group_function` and `correlate.planar_correlation`. You must not call
# `correlate.expand_lifting_filter`, `correlate.expand_group_filter`, the lifting or
# group correlations of `groupconv.correlate` (any form), or `groupconv.nn`. The grader
# refuses calls of these from your file.
#
# **Check yourself:** `python exercises/grade.py <this file>`.

# %%
import numpy as np

from groupconv import action, correlate, groups

# %% [markdown]
# ## Task 1 - the lifting bank (3 points)
#
# Given psi (C_out, C_in, k, k) (k >= 1, odd or even: an even filter turns about its
# geometric centre) and `group`, return the bank of shape (C_out, |H|, C_in, k, k) with
# bank[o, s] = L_s psi[o] for every s of the point group, in canonical order. Same dtype
# as psi, a new array.

# %%
def expand_lifting_filter(psi, group):
    """bank[o, s] = L_s psi[o]: (C_out, C_in, k, k) -> (C_out, |H|, C_in, k, k)."""
    ### BEGIN SOLUTION
    psi = np.asarray(psi)
    return np.stack([action.transform_image(psi, s) for s in groups.point_group(group)], axis=1)
    ### END SOLUTION


# %% [markdown]
# ## Task 2 - the bank of a filter on G (4 points)
#
# Given psi (C_out, C_in, |H|, k, k), return the bank (C_out, |H|, C_in, |H|, k, k) with
# bank[o, s] = L_s psi[o]: every plane moved by s *and* the group axis permuted. Same
# dtype as psi, a new array.

# %%
def expand_group_filter(psi, group):
    """bank[o, s] = L_s psi[o] for a filter on G: (C_out, C_in, |H|, k, k) -> (C_out, |H|, C_in, |H|, k, k)."""
    ### BEGIN SOLUTION
    psi = np.asarray(psi)
    return np.stack([action.transform_group_function(psi, s, group) for s in groups.point_group(group)], axis=1)
    ### END SOLUTION


# %% [markdown]
# ## Task 3 - the group correlation by the bank (3 points)
#
# Given f (B, C_in, |H|, n, n) and psi (C_out, C_in, |H|, k, k), return the group
# correlation in mode "valid", (B, C_out, |H|, n - k + 1, n - k + 1) of dtype
# `np.result_type(f, psi)` (what `planar_correlation` returns), computed as ONE call
# of `correlate.planar_correlation`: reshape f to (B, C_in |H|, n, n) - its planes become
# channels - and your bank to (C_out |H|, C_in |H|, k, k), then reshape the output back.
# Check that the channel orders of f and of the bank match. n and k may be odd or even.

# %%
def group_correlation_by_bank(f, psi, group):
    """The group correlation (mode 'valid') as one planar correlation with the expanded bank."""
    ### BEGIN SOLUTION
    f, psi = np.asarray(f), np.asarray(psi)
    bank = expand_group_filter(psi, group)  # (O, |H|, C, |H|, k, k)
    O, nH, C, _, k, _ = bank.shape
    B, n = f.shape[0], f.shape[-1]
    out = correlate.planar_correlation(f.reshape(B, C * nH, n, n), bank.reshape(O * nH, C * nH, k, k), "valid")
    return out.reshape(B, O, nH, *out.shape[-2:])
    ### END SOLUTION


# %% [markdown]
# ## Try it: figure 1 of the paper in numbers
#
# A 2 x 2 filter on p4 whose planes hold 10 s + 1..4: in L_R(1) psi every plane is turned
# and plane s moves to slot s + 1 (read the tens digits).

# %%
if __name__ == "__main__":
    psi = np.stack([10 * s + np.arange(1, 5).reshape(2, 2) for s in range(4)])[None, None]
    bank = expand_group_filter(psi, "p4")
    for s in range(4):
        print(f"L_R({s}) psi, planes 0..3:", [bank[0, s, 0, p].tolist() for p in range(4)])
