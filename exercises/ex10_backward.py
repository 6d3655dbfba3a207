"""Exercise 10 - the backward pass of a group-correlation layer, and a gradient check (tutorial 14, L6; groupconv/nn.py)."""
# %% [markdown]
# # Exercise 10 - Backpropagation through a group correlation
#
# *Follows tutorial 14 (the last section, L6) and `groupconv/nn.py`. 10 points.*
#
# groupconv trains its G-CNNs without automatic differentiation: every layer has a
# backward pass written by hand, checked against finite differences. Here you write the
# one of the group correlation (mode "valid")
#
#     out = f ⋆ psi:   (B, C_in, |H|, n, n) x (C_out, C_in, |H|, k, k) -> (B, C_out, |H|, n', n'),
#
# n' = n - k + 1. Given dout = d loss / d out, the backward pass returns
# df = d loss / d f and dpsi = d loss / d psi. The layer is linear in f and in psi, so
# these are the transposes of the two linear maps applied to dout:
#
#     sum(out dout) = sum(f df) = sum(psi dpsi)      for every dout (products entry by entry).
#
# The efficient form (exercise 07) is one planar correlation with the bank
# A = bank.reshape(C_out |H|, C_in |H|, k, k), the planes of f acting as channels:
#
# * **df**: the transpose of a "valid" planar correlation is a "full" correlation of
#   dout with the filters turned by 180 degrees and their two channel axes swapped:
#   df = planar_correlation(dout, A.transpose(1, 0, 2, 3)[..., ::-1, ::-1], "full"), with
#   dout reshaped to (B, C_out |H|, n', n') and the result back to f's shape. (Why the
#   turn? out[x] = sum_z f[x + z] A[z], so df[y] = sum_x dout[x] A[y - x]: the filter is
#   read backwards, a convolution.)
# * **dpsi**: first the gradient of the bank, dbank[p, q] = sum_b f[b, q] * dout[b, p]
#   (a "valid" correlation of f with dout as the filter: swap the batch and channel axes
#   of both), then fold it back onto psi. bank[:, s] = L_s psi, and each L_s only moves
#   entries, so dpsi = sum_s L_{s^-1} dbank[:, s] (the transpose of a permutation is its
#   inverse), with L acting on filters on G (exercise 03).
#
# **Rules.** You may use NumPy, `groupconv.groups`, `groupconv.action`,
# `correlate.group_correlation`, `correlate.expand_group_filter` and
# `correlate.planar_correlation`. You must not call
# `correlate.group_correlation_grad_input`, `correlate.group_correlation_grad_filter`,
# the lifting gradients, the gradient functions of `groupconv.engine`, or
# `nn.GroupConv` / `nn.fold_bank_gradient(_literal)`. The grader refuses calls of these
# from your file.
#
# **Check yourself:** `python exercises/grade.py <this file>`.

# %%
import numpy as np

from groupconv import action, correlate, groups

# %% [markdown]
# ## Task 1 - a gradient check by central differences (3 points)
#
# Given a function `loss` (an array of x's shape -> a number), an array x and a step
# eps, return the numerical gradient, a float64 array of x's shape:
#
#     grad[i] = (loss(x + eps e_i) - loss(x - eps e_i)) / (2 eps)
#
# for every entry i (e_i is 1 at entry i, 0 elsewhere). Central differences have an
# error of order eps^2; the one-sided (loss(x + eps e_i) - loss(x)) / eps only of order
# eps. Do not change x: perturb a copy (adding and subtracting eps in place need not
# give x back exactly in floating point). x may be of any shape and hold integers: the
# gradient is float64 all the same (an integer copy could not hold x + eps).

# %%
def central_difference(loss, x, eps=1e-6):
    """Numerical gradient of loss at x by central differences: float64, x's shape."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        grad[i] = (loss(up) - loss(down)) / (2 * eps)
    return grad
    ### END SOLUTION


# %% [markdown]
# ## Task 2 - the backward pass (7 points)
#
# Given f (B, C_in, |H|, n, n), psi (C_out, C_in, |H|, k, k), dout (B, C_out, |H|, n', n')
# and `group`, return the pair (df, dpsi): arrays of the shapes of f and psi, dtype
# `np.result_type(f, psi, dout)` (integer inputs give exact integer gradients). n and k
# may be odd or even, n >= k; the grader's frames go up to 33 x 33.
#
# The grader checks sum(out dout) = sum(f df) = sum(psi dpsi) exactly on integers,
# compares df and dpsi with central differences of a loss on float data along random
# directions, and then with the library.

# %%
def group_correlation_backward(f, psi, dout, group):
    """(d loss / d f, d loss / d psi) of out = group_correlation(f, psi, group, 'valid'), given dout = d loss / d out."""
    ### BEGIN SOLUTION
    f, psi, dout = np.asarray(f), np.asarray(psi), np.asarray(dout)
    bank = correlate.expand_group_filter(psi, group)  # (O, |H|, C, |H|, k, k)
    O, nH, C, _, k, _ = bank.shape
    B, n, n_out = f.shape[0], f.shape[-1], dout.shape[-1]
    A = bank.reshape(O * nH, C * nH, k, k)
    d = dout.reshape(B, O * nH, n_out, n_out)
    # df: the transposed correlation, a 'full' correlation with the turned, transposed bank
    A_t = np.ascontiguousarray(A.transpose(1, 0, 2, 3)[..., ::-1, ::-1])
    df = correlate.planar_correlation(d, A_t, "full").reshape(f.shape)
    # dbank[p, q] = sum_b f[b, q] * dout[b, p]: batch and channel axes swapped on both sides
    f_t = np.ascontiguousarray(f.reshape(B, C * nH, n, n).transpose(1, 0, 2, 3))
    d_t = np.ascontiguousarray(d.transpose(1, 0, 2, 3))
    dbank = correlate.planar_correlation(f_t, d_t, "valid").transpose(1, 0, 2, 3).reshape(bank.shape)
    # fold: bank[:, s] = L_s psi, so dpsi = sum_s L_{s^-1} dbank[:, s]
    H = groups.point_group(group)
    dpsi = sum(action.transform_group_function(dbank[:, s], groups.inverse(H[s]), group) for s in range(nH))
    dtype = np.result_type(f, psi, dout)
    return df.astype(dtype), np.asarray(dpsi).astype(dtype)
    ### END SOLUTION


# %% [markdown]
# ## Try it: your gradient against your gradient check

# %%
if __name__ == "__main__":
    rng = np.random.default_rng(0)
    f, psi = rng.normal(size=(1, 1, 4, 4, 4)), rng.normal(size=(2, 1, 4, 3, 3))
    target = rng.normal(size=(1, 2, 4, 2, 2))

    def loss_of_f(x):
        return 0.5 * np.sum((correlate.group_correlation(x, psi, "p4") - target) ** 2)

    dout = correlate.group_correlation(f, psi, "p4") - target  # d loss / d out for this loss
    df, dpsi = group_correlation_backward(f, psi, dout, "p4")
    print("max |df - central differences| =", np.abs(df - central_difference(loss_of_f, f)).max())
