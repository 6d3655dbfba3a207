"""Exercise 08 - the true G-convolution, by the reversed filter psi_check(h) = psi(h^-1) (tutorial 10, L6)."""
# %% [markdown]
# # Exercise 08 - True convolution on G
#
# *Follows tutorial 10 (true convolution). 10 points.*
#
# Besides the correlation of exercise 06 there is a true convolution on G:
#
#     (f conv psi)(g) = sum_h f(h) psi(h^-1 g)          (definition)
#                     = sum_h f(g h) psi(h^-1)          (substitute h -> g h)
#
# Compare the second line with the substituted correlation sum_h f(g h) psi(h): the
# convolution is the correlation with the **reversed filter**
#
#     psi_check(h) = psi(h^-1),      f conv psi = f ⋆ psi_check.
#
# On Z^2 (the group T) h^-1 is -y and psi_check is psi turned by 180 degrees. On p4 and
# p4m the inverse also moves the plane: for h = t(z) . s,
#
#     h^-1 = s^-1 . t(-z) = t(-s^-1 z) . s^-1,
#
# so plane s of psi_check at pixel z is plane s^-1 of psi at pixel -s^-1 z. The blog post
# this project started from leaves working this out to its reader; here you do it.
#
# **Rules.** You may use NumPy, `groupconv.groups`, the functions of `groupconv.action`
# and `correlate.group_correlation`. You must not call `correlate.reverse_filter`,
# `correlate.group_convolution`, `correlate.group_convolution_literal`,
# `correlate.lifting_convolution` or `correlate.lifting_convolution_literal`. The grader
# refuses calls of these from your file.
#
# **Check yourself:** `python exercises/grade.py <this file>`.

# %%
import numpy as np

from groupconv import action, correlate, groups

# %% [markdown]
# ## Task 1 - the reversed filter (5 points)
#
# Given psi of shape (..., |H|, k, k) (any leading axes, k >= 1 odd or even: pixels of an
# even filter sit at half-integer offsets from its centre) and `group` ("p4" or "p4m"),
# return psi_check with psi_check(h) = psi(h^-1) for every h = t(z) . s of the support:
# same shape and dtype, a new array.
#
# A way to do it with tools you know: plane s of psi_check, as an image, is plane s^-1
# of psi read at -s^-1 z, i.e. moved by the point-group element (-s^-1)^-1 = R(2) . s
# (`action.transform_image`; -1 times the identity is R(2)). Or read psi at the inverse
# of every element literally, as in exercise 06. The grader checks psi_check_check = psi
# and compares with the library.

# %%
def reverse_filter(psi, group):
    """psi_check(h) = psi(h^-1) for psi (..., |H|, k, k) on `group`; same shape and dtype."""
    ### BEGIN SOLUTION
    psi = np.asarray(psi)
    H = groups.point_group(group)
    planes = []
    for s in H:
        s_inv = groups.point_group_index(groups.inverse(s), group)
        planes.append(action.transform_image(psi[..., s_inv, :, :], groups.rotation(2) @ s))
    return np.stack(planes, axis=-3)
    ### END SOLUTION


# %% [markdown]
# ## Task 2 - the group convolution (5 points)
#
# Given f (B, C_in, |H|, n, n) and psi (C_out, C_in, |H|, k, k), return f conv psi in mode
# "valid", (B, C_out, |H|, n - k + 1, n - k + 1) of dtype `np.result_type(f, psi)`, as the
# correlation with your reversed filter (`correlate.group_correlation(f, psi_check,
# group, "valid")`). The grader checks that your convolution is equivariant and equals
# sum_h f(h) psi(h^-1 g).

# %%
def group_convolution(f, psi, group):
    """(f conv psi)(g) = sum_h f(h) psi(h^-1 g), mode 'valid', via f ⋆ psi_check."""
    ### BEGIN SOLUTION
    return correlate.group_correlation(f, reverse_filter(psi, group), group, "valid")
    ### END SOLUTION


# %% [markdown]
# ## Try it: the tiny example of tutorial 10
#
# With one pixel, a function on p4 is four numbers and the convolution is the circular
# convolution of two sequences of length 4: psi_check(R(r)) = psi(R(-r)).

# %%
if __name__ == "__main__":
    psi = np.array([3, 1, 0, 2]).reshape(1, 1, 4, 1, 1)
    print("psi_check at R(0..3):", reverse_filter(psi, "p4").ravel(), "(expected [3 2 0 1])")
    f = np.array([1, 2, 0, -1]).reshape(1, 1, 4, 1, 1)
    print("f conv psi:", group_convolution(f, psi, "p4").ravel(),
          " by the FFT:", np.real(np.fft.ifft(np.fft.fft(f.ravel()) * np.fft.fft(psi.ravel()))).round(6))
