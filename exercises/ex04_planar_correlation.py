"""Exercise 04 - planar correlation, its translation equivariance, and where the border breaks it (tutorials 04, 05)."""
# %% [markdown]
# # Exercise 04 - Planar correlation and translation equivariance
#
# *Follows tutorials 04 (planar correlation) and 05 (the boundary). 10 points.*
#
# The layer a CNN calls "convolution" is the correlation of a K-channel image f with a
# filter psi, written ⋆ as in the tutorials (`f corr psi` in plain ASCII; the true
# convolution is ∗ or `conv`, docs/equations.md "Notation"):
#
#     (f ⋆ psi)(x) = sum_y sum_k f_k(y) psi_k(y - x)          (C1)
#                  = sum_y sum_k f_k(x + y) psi_k(y)          (C2, substitute y -> x + y)
#
# "lay the filter down at x, multiply, add up". The filter is *not* turned round: that
# would be the true convolution, sum_y f(y) psi(x - y) (tutorial 10).
#
# Arrays (README "Conventions"): an image batch is (B, C_in, H, W), a filter bank
# (C_out, C_in, k, k), the output (B, C_out, H', W'). All frames share one centre.
# Two output modes:
#
# * "valid": x where the whole filter lies inside the frame, H' = H - k + 1;
# * "full": every x where the sum can be non-zero (f is 0 outside its frame),
#   H' = H + k - 1. Nothing is cut off, so the sum really runs over all of Z^2.
#
# In array indices, "valid" is out[b, o, i, j] = sum over c, a, d of
# f[b, c, i + a, j + d] psi[o, c, a, d], and "full" is "valid" after padding f with k - 1
# zeros on every side.
#
# **Rules.** You may use NumPy (`np.pad`, `np.einsum`, loops, `sliding_window_view`)
# and `groupconv.groups`. You must not call `correlate.planar_correlation`,
# `correlate.planar_correlation_literal`, `correlate.planar_convolution`, the functions of
# `groupconv.engine`, `scipy.signal.correlate`/`correlate2d`/`convolve`/`convolve2d`/
# `fftconvolve`, `scipy.ndimage.correlate`/`convolve`, `np.correlate` or `np.convolve`.
# The grader refuses calls of these from your file.
#
# **Check yourself:** `python exercises/grade.py <this file>`.

# %%
import numpy as np

# %% [markdown]
# ## Task 1 - the multi-channel correlation (6 points)
#
# Given f (B, C_in, H, W) and psi (C_out, C_in, k, k) (k >= 1, odd or even, H, W >= k in
# mode "valid") return f ⋆ psi of shape (B, C_out, H', W') as above, with dtype
# `np.result_type(f, psi)`: integer inputs give an exact integer result.
#
# The grader checks translation equivariance first - moving a finitely supported f by
# t (inside a frame large enough to lose nothing) moves the "full" output by t - and
# then compares with the library on integer data of sizes 1, 2, 3, ...

# %%
def planar_correlation(f, psi, mode="valid"):
    """(f ⋆ psi)(x) = sum_y sum_k f_k(y) psi_k(y - x): (B, C_in, H, W) x (C_out, C_in, k, k) -> (B, C_out, H', W')."""
    ### BEGIN SOLUTION
    f, psi = np.asarray(f), np.asarray(psi)
    k = psi.shape[-1]
    if mode == "full":
        f = np.pad(f, [(0, 0), (0, 0), (k - 1, k - 1), (k - 1, k - 1)])
    elif mode != "valid":
        raise ValueError(f"mode must be 'valid' or 'full', got {mode!r}")
    B, _, H, W = f.shape
    out = np.zeros((B, psi.shape[0], H - k + 1, W - k + 1), dtype=np.result_type(f, psi))
    for a in range(k):  # sum over the filter's support y = (a, d): f(x + y) psi(y)  (C2)
        for d in range(k):
            window = f[:, :, a:a + H - k + 1, d:d + W - k + 1]  # (B, C_in, H', W')
            out += np.einsum("bcij,oc->boij", window, psi[:, :, a, d])  # sum over the channels c
    return out
    ### END SOLUTION


# %% [markdown]
# ## Task 2 - where the border breaks translation equivariance (4 points)
#
# On a finite n x n frame with zero padding (mode "same": the output frame is the input
# frame, k odd), the equality (L_t f) ⋆ psi = L_t (f ⋆ psi) fails near the border
# (tutorial 05, C5). Both sides are sums of terms f(x - t + y) psi(y): the left side
# over the y with x + y and x + y - t on the frame, the right side (if x - t is on the
# frame at all) over the y with x - t + y on the frame. They can differ exactly at the
# pixels x where the two sets of terms differ.
#
# Given n, an odd k and a translation t = t(u, v) (integers, any sign, also larger
# than n), return a boolean array (n, n) that is True exactly at those pixels: where
# ((L_t f) ⋆ psi)(x) and (L_t (f ⋆ psi))(x) can differ for some f and psi. Here L_t
# moves the image on the frame with zero boundary (content leaving the frame is lost):
# out[i, j] = f[i - u, j - v].
#
# The grader measures the band with the library (on data for which no terms can cancel)
# and compares pixel by pixel.

# %%
def border_band(n, k, u, v):
    """Boolean (n, n): True where (L_t f) ⋆ psi and L_t (f ⋆ psi) can differ, mode 'same', t = t(u, v)."""
    ### BEGIN SOLUTION
    p = (k - 1) // 2  # the filter's support is y in [-p, p]^2 (array indices relative to x)

    def on_frame(i, j):
        return 0 <= i < n and 0 <= j < n

    support = [(a, d) for a in range(-p, p + 1) for d in range(-p, p + 1)]
    band = np.zeros((n, n), dtype=bool)
    for i in range(n):
        for j in range(n):
            left = {y for y in support if on_frame(i + y[0], j + y[1]) and on_frame(i + y[0] - u, j + y[1] - v)}
            right = {y for y in support if on_frame(i - u, j - v) and on_frame(i - u + y[0], j - v + y[1])}
            band[i, j] = left != right  # a term counted on one side only
    return band
    ### END SOLUTION


# %% [markdown]
# ## Try it

# %%
if __name__ == "__main__":
    f = np.array([[1, 2, 0], [0, 1, 3], [2, 0, 1]])[None, None]
    psi = np.array([[0, 1, 0], [1, -1, 2], [0, 0, 1]])[None, None]
    print("valid (one number, the entrywise product summed):", planar_correlation(f, psi)[0, 0])
    print("full:\n", planar_correlation(f, psi, "full")[0, 0])
    print("border band, n = 7, k = 3, t = t(0, 2):\n", border_band(7, 3, 0, 2).astype(int))
