"""Exercise 02 - moving an image: (L_g f)(x) = f(g^-1 x), and why the inverse (tutorial 03)."""
# %% [markdown]
# # Exercise 02 - Moving an image, and why the inverse
#
# *Follows tutorial 03 (acting on images). 10 points.*
#
# An image f is a function on the pixels. To move it by a group element g, the new
# image shows at pixel x what the old one showed at the pixel that g brings to x:
#
#     (L_g f)(x) = f(g^-1 x).
#
# Coordinates (README "Conventions"): pixel (i, j) of an n x n array sits at
#
#     x = (u, v) = (i - (n - 1) / 2, j - (n - 1) / 2),
#
# measured from the centre of the frame, u the row offset (down) and v the column
# offset (right). For odd n the centre is a pixel; for **even n it lies between the four
# middle pixels** and (u, v) are half-integers such as -0.5 and 1.5. Rotations and
# mirrors turn about that centre. Outside the frame an image is 0 (content moved out of
# the frame is lost, the uncovered part is 0).
#
# **Rules.** You may use NumPy and any function of `groupconv.groups` (for example
# `groups.inverse`, `groups.parameters`, `groups.name`). You must not call
# `action.transform_image`, `action.transform_image_literal` (what you are writing),
# nor `np.rot90`, `np.flip`, `np.fliplr`, `np.flipud` or `np.roll`: the point is the
# lookup at g^-1 x. The grader refuses calls of these from your file.
#
# **Check yourself:** `python exercises/grade.py <this file>`.

# %%
import numpy as np

from groupconv import groups

# %% [markdown]
# ## Task 1 - L_g f by a lookup at g^-1 x (7 points)
#
# Given a square image `f` (an n x n array, n >= 1, odd or even, any numeric dtype)
# and an element `g` of p4m (an int64 3 x 3 matrix), return L_g f: an array of the same
# shape and dtype as f, a new array (not a view of f), with
#
#     out[i, j] = f at the pixel g^-1 x, where x is the point of pixel (i, j),
#
# and 0 where g^-1 x falls outside the frame. Translations move by whole pixels.
#
# Hints: put the points (u, v, 1) of all pixels in one array and multiply by the matrix
# g^-1 once. `groups.act` needs integer points; for even n either use floating point
# (half-integers such as 1.5 are exact in binary) or count in half pixels (2u, 2v).
# Then turn the points back into indices i = u + (n - 1) / 2.
#
# The grader compares with `np.rot90` / `np.flip` / shifts (through the library) for all
# 8 turns and mirrors and several shifts, on integer images of sizes 1, 2, 3, ..., and
# checks that L_g (L_h f) = L_gh f.

# %%
def transform_image(f, g):
    """(L_g f)(x) = f(g^-1 x) for a square image f (n, n) and g in p4m; zero outside the frame."""
    ### BEGIN SOLUTION
    f = np.asarray(f)
    n = f.shape[-1]
    c = (n - 1) / 2  # the centre, a half-integer for even n
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    x = np.stack([i - c, j - c, np.ones((n, n))])  # (3, n, n): every pixel as a column (u, v, 1)
    y = np.einsum("ab,bij->aij", groups.inverse(g), x)  # g^-1 x for every x (exact: half-integers)
    a, b = np.rint(y[0] + c).astype(np.int64), np.rint(y[1] + c).astype(np.int64)  # back to indices
    inside = (a >= 0) & (a < n) & (b >= 0) & (b < n)
    out = np.zeros_like(f)
    out[inside] = f[a[inside], b[inside]]
    return out
    ### END SOLUTION


# %% [markdown]
# ## Task 2 - why the inverse: a counterexample (3 points)
#
# Suppose we had defined the action without the inverse, L'_g f = f o g, i.e.
# (L'_g f)(x) = f(g x). Then (tutorial 03, A3)
#
#     (L'_g (L'_h f))(x) = (L'_h f)(g x) = f(h g x) = (L'_hg f)(x),
#
# so moving by h and then by g would move by h g instead of g h. Show that this really
# differs: return a triple `(g, h, f)` with g and h turns or mirrors (elements of the
# point group D4: no translation part, so that nothing is lost at the border) and f a
# small square integer image (n x n, n <= 7, an integer dtype) such that
#
#     L'_g (L'_h f)  !=  L'_gh f.
#
# The grader computes both sides itself (with the library's action), so you only have
# to choose g, h and f. Which pairs g, h can work at all?

# %%
def counterexample_without_inverse():
    """(g, h, f) with g, h in D4 and f an integer image such that L'_g L'_h f != L'_gh f for L'_g f = f o g."""
    ### BEGIN SOLUTION
    g, h = groups.rotation(1), groups.mirror(1)  # R(1) M != M R(1): they do not commute
    f = np.arange(1, 10).reshape(3, 3)  # no symmetry at all
    return g, h, f
    ### END SOLUTION


# %% [markdown]
# ## Try it

# %%
if __name__ == "__main__":
    f = np.arange(1, 10).reshape(3, 3)
    print("f =\n", f)
    print("L_R(1) f (should equal np.rot90(f), a counter-clockwise quarter turn) =\n",
          transform_image(f, groups.rotation(1)))
    print("L_t(0,1) f (one column to the right) =\n", transform_image(f, groups.translation(0, 1)))
    print("a 4 x 4 image turned about the point between its middle pixels =\n",
          transform_image(np.arange(16).reshape(4, 4), groups.rotation(1)))
