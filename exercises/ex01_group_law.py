"""Exercise 01 - the rotation and mirror matrices, and the group law of p4m (tutorials 01 and 02)."""
# %% [markdown]
# # Exercise 01 - Rotation and mirror matrices, and the group law
#
# *Follows tutorials 01 (groups) and 02 (homogeneous coordinates). 10 points.*
#
# A pixel is x = (u, v): u is the row offset from the centre of the image (pointing
# **down**), v the column offset (pointing right). In homogeneous coordinates it is the
# column (u, v, 1). Every element of p4m is the integer 3 x 3 matrix
#
#     g(m, r, u, v) = t(u, v) . M^m . R(r)
#
# with t(u, v) = [[1, 0, u], [0, 1, v], [0, 0, 1]] the translation, R(r) the rotation
# by r quarter turns and M the mirror (u, v) -> (-u, v). In a product g h, h acts
# first. Elements are stored as `int64` arrays and compared with `==`: every entry is
# an integer, so every product is exact.
#
# **Rules.** You may use NumPy, `groups.translation`, `groups.identity` and
# `groups.is_member`. You must not call the functions you are writing here in another
# form: `groups.rotation`, `groups.mirror`, `groups.p4_element`, `groups.p4m_element`,
# `groups.element`, `groups.point_group`, `groups.inverse`, `groups.parameters`,
# `np.linalg.inv`. The grader refuses calls of these from your file.
#
# **Check yourself:** `python exercises/grade.py <this file>`. The grader
# compares with the library on exact integers and checks the group axioms for your
# functions; on a failure it prints the smallest counterexample it found.

# %%
import numpy as np

from groupconv import groups

# %% [markdown]
# ## Task 1 - the quarter turn R(r) (2 points)
#
# Return R(r) = [[cos, -sin, 0], [sin, cos, 0], [0, 0, 1]] with cos and sin of r pi/2,
# as an `int64` array of shape (3, 3). `r` is any Python integer, also negative or
# larger than 3: R(r) depends only on r mod 4.
#
# Build the matrix from integers. `np.cos(np.pi / 2)` is 6.1e-17, not 0, and
# truncating it with `astype(int)` goes wrong for other angles; a table of the four
# values of cos and sin is exact.
#
# Which way does R(1) turn? It maps (u, v) to (-v, u): the pixel one row below the
# centre, (1, 0), goes to (0, 1), one column right of it. With u pointing down that is
# a **counter-clockwise** quarter turn as displayed on screen.

# %%
def rotation_matrix(r):
    """R(r): the rotation by r quarter turns counter-clockwise (on screen), an int64 (3, 3) array."""
    ### BEGIN SOLUTION
    cos, sin = (1, 0, -1, 0), (0, 1, 0, -1)  # cos(r pi/2), sin(r pi/2) for r = 0, 1, 2, 3
    r = int(r) % 4
    return np.array([[cos[r], -sin[r], 0], [sin[r], cos[r], 0], [0, 0, 1]], dtype=np.int64)
    ### END SOLUTION


# %% [markdown]
# ## Task 2 - the mirror M^m (1 point)
#
# Return M^m as an `int64` (3, 3) array: the identity for m = 0, and for m = 1 the
# reflection (u, v) -> (-u, v), which flips the row axis (u points down, so the image
# is flipped upside down). `m` is 0 or 1.

# %%
def mirror_matrix(m):
    """M^m: the identity (m = 0) or the reflection (u, v) -> (-u, v) (m = 1), an int64 (3, 3) array."""
    ### BEGIN SOLUTION
    return np.diag([(-1) ** int(m), 1, 1]).astype(np.int64)
    ### END SOLUTION


# %% [markdown]
# ## Task 3 - the element g(m, r, u, v) (2 points)
#
# Return g(m, r, u, v) = t(u, v) . M^m . R(r) as an `int64` (3, 3) array, for m in
# {0, 1}, any integer r and integers u, v. Read the product from the right: first turn
# by R(r), then mirror if m = 1, then shift by (u, v).

# %%
def p4m_element(m, r, u, v):
    """g(m, r, u, v) = t(u, v) . M^m . R(r), an int64 (3, 3) array."""
    ### BEGIN SOLUTION
    return groups.translation(u, v) @ mirror_matrix(m) @ rotation_matrix(r)
    ### END SOLUTION


# %% [markdown]
# ## Task 4 - the exact inverse (2 points)
#
# Return g^-1 for an element g of p4m, as an `int64` (3, 3) array, without
# `np.linalg.inv` (it works in floating point and returns floats). Write g = [[A, t],
# [0, 1]] with A the 2 x 2 linear part and t the translation column. Then
# g^-1 = [[A^-1, -A^-1 t], [0, 1]], and A is orthogonal, so A^-1 = A^T: the inverse
# needs no division at all. Do not change the array `g` you are given.

# %%
def inverse(g):
    """g^-1 for g in p4m, computed exactly in integers: an int64 (3, 3) array."""
    ### BEGIN SOLUTION
    g = np.asarray(g, dtype=np.int64)
    a_t = g[:2, :2].T  # A^-1 = A^T
    out = np.eye(3, dtype=np.int64)
    out[:2, :2] = a_t
    out[:2, 2] = -a_t @ g[:2, 2]
    return out
    ### END SOLUTION


# %% [markdown]
# ## Task 5 - the group law in parameters (3 points)
#
# The product of two elements is again an element (closure), so it has parameters.
# Given a = (m1, r1, u1, v1) and b = (m2, r2, u2, v2), return the parameters
# (m, r, u, v) of g(a) . g(b) as a tuple of four Python integers, with m in {0, 1} and
# r in {0, 1, 2, 3}, **computed from the parameters**: work out the formula on paper
# first. Two facts you need:
#
# * moving a turn past the mirror reverses it: R(r) . M = M . R(-r);
# * moving a translation past a turn or mirror turns the offset:
#   s . t(x) = t(s x) . s for s = M^m R(r).
#
# The grader compares your law with the matrix product and checks the group axioms
# for it: (0, 0, 0, 0) is the identity, the law is associative, and every a has an
# inverse.

# %%
def product_parameters(a, b):
    """(m, r, u, v) of g(a) . g(b) for a = (m1, r1, u1, v1), b = (m2, r2, u2, v2), from the parameters."""
    ### BEGIN SOLUTION
    m1, r1, u1, v1 = (int(p) for p in a)
    m2, r2, u2, v2 = (int(p) for p in b)
    # g(a) g(b) = t(x1) M^m1 R(r1) t(x2) M^m2 R(r2) = t(x1 + M^m1 R(r1) x2) M^m1 R(r1) M^m2 R(r2),
    # and R(r1) M^m2 = M^m2 R((-1)^m2 r1).
    u2r, v2r = (rotation_matrix(r1)[:2, :2] @ (u2, v2)).tolist()
    if m1:
        u2r = -u2r
    m = (m1 + m2) % 2
    r = ((-1) ** m2 * r1 + r2) % 4
    return m, r, u1 + u2r, v1 + v2r
    ### END SOLUTION


# %% [markdown]
# ## Try it
#
# Run this file (or these cells) once your functions are written: R(1) four times is
# the identity, and the mirror does not commute with a quarter turn.

# %%
if __name__ == "__main__":
    R1, M = rotation_matrix(1), mirror_matrix(1)
    print("R(1) =\n", R1)
    print("R(1)^4 == identity:", np.array_equal(np.linalg.matrix_power(R1, 4), np.eye(3, dtype=np.int64)))
    print("M R(1) == R(1) M:", np.array_equal(M @ R1, R1 @ M), " M R(1) == R(3) M:",
          np.array_equal(M @ R1, rotation_matrix(3) @ M))
    print("g(1, 1, 2, -1) =\n", p4m_element(1, 1, 2, -1))
    print("parameters of g(0, 1, 1, 0) g(1, 0, 0, 2):", product_parameters((0, 1, 1, 0), (1, 0, 0, 2)))
