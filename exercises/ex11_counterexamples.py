"""Exercise 11 - find the counterexample: four layers that are not equivariant, and an input that shows it."""
# %% [markdown]
# # Exercise 11 - Find the counterexample
#
# *Uses tutorials 06 (rotation is not a symmetry), 11 (the filter bank) and 14 (pooling).
# 10 points.*
#
# A claim of equivariance, Phi(L_g f) = L_g Phi(f) for every g, is refuted by a single
# input f and a single element g for which the two sides differ. Below are four layers,
# given as code: each breaks equivariance for some g. For each, return a pair (f, g):
#
# * f: a small **integer** array, the frame n x n with 1 <= n <= 7 (the smaller the
#   better: the grader tells you the smallest n for which a counterexample exists);
# * g: a turn or mirror, an int64 3 x 3 matrix of the point group (no translation part:
#   on a finite frame every layer here already fails at the border for shifts, which
#   says nothing about the layer; tutorial 05).
#
# The grader computes both sides itself, with its own copy of the layers below and the
# library's actions (`action.transform_image` for images, `action.transform_group_function`
# for functions on p4), and asks for a residual that is not 0. Work it out on paper
# first, then check your pair by running this file.
#
# **Rules.** Anything goes; do not change the layers (the grader uses its own copy).
#
# **Check yourself:** `python exercises/grade.py <this file>`.

# %%
import numpy as np

from groupconv import action, correlate, groups

# %% [markdown]
# ## The four layers (given; read them, do not change them)

# %%
EDGE = np.array([[-1, 0, 1],
                 [-2, 0, 2],
                 [-1, 0, 1]])  # a dark-to-light vertical edge detector: it has an orientation


def planar_layer(f):
    """Layer A, an image (n, n) -> an image (n, n): planar correlation with EDGE, mode 'same'."""
    return correlate.planar_correlation(np.asarray(f)[None, None], EDGE[None, None], "same")[0, 0]


PLANE_BIAS = np.array([0, 1, 2, 3])


def lifting_with_plane_bias(f):
    """Layer B, an image (n, n) -> a function on p4 (4, n, n): lifting with a 1 x 1 filter, plus a bias per plane."""
    psi = np.ones((1, 1, 1, 1), dtype=np.int64)
    lifted = correlate.lifting_correlation(np.asarray(f)[None, None], psi, "p4", "same")[0, 0]
    return lifted + PLANE_BIAS[:, None, None]


G_FILTER = np.array([[[0, 1, 0], [0, 1, 0], [0, 0, 0]],
                     [[0, 0, 0], [1, 2, 0], [0, 0, 0]],
                     [[0, 0, 0], [0, 0, 0], [0, 1, 0]],
                     [[0, 0, 0], [0, -1, 1], [0, 0, 0]]])  # a filter on p4: 4 planes of 3 x 3


def forgetful_group_layer(f):
    """Layer C, a function on p4 (4, n, n) -> (4, n, n): a group correlation (mode 'same') through a filter bank
    whose planes are turned by s but whose group axis is not permuted."""
    bank = np.stack([action.transform_image(G_FILTER, s) for s in groups.point_group("p4")])  # (4, 4, 3, 3)
    return correlate.planar_correlation(np.asarray(f)[None], bank, "same")[0]


CHIRAL = np.array([[0, 1, 1],
                   [0, 1, 0],
                   [0, 0, 0]])  # a hook: no turn of it is its mirror image


def rotation_pooled_layer(f):
    """Layer D, an image (n, n) -> an image (n, n): lift to p4 with CHIRAL (mode 'same'), then max over the 4 planes."""
    lifted = correlate.lifting_correlation(np.asarray(f)[None, None], CHIRAL[None, None], "p4", "same")[0, 0]
    return lifted.max(axis=0)


# %% [markdown]
# ## Task 1 - layer A: a planar correlation and a turn (2 points)
#
# Tutorial 06: (L_r f) ⋆ psi = L_r (f ⋆ L_{r^-1} psi), so a turn is not a symmetry of
# a planar correlation unless the filter looks the same turned. Return (f, g) with g in
# D4 such that planar_layer(L_g f) != L_g planar_layer(f).

# %%
def counterexample_planar():
    """(f, g): f an integer image (n, n), n <= 7; g in D4; planar_layer(L_g f) != L_g planar_layer(f)."""
    ### BEGIN SOLUTION
    f = np.zeros((3, 3), dtype=np.int64)
    f[1, 1] = 1  # a single bright pixel: the output draws the (reversed) filter itself
    return f, groups.rotation(1)
    ### END SOLUTION


# %% [markdown]
# ## Task 2 - layer B: a bias per plane (2 points)
#
# A bias is only equivariant when it is shared over the group axis (tutorial 14):
# L_u moves plane s to slot u s, but a bias attached to the slot stays. Return (f, g)
# with g in C4 (`groups.rotation(r)`; the output is a function on p4) such that
# lifting_with_plane_bias(L_g f) != L_g lifting_with_plane_bias(f).

# %%
def counterexample_plane_bias():
    """(f, g): f an integer image (n, n), n <= 7; g in C4; the layer's two sides differ."""
    ### BEGIN SOLUTION
    return np.zeros((1, 1), dtype=np.int64), groups.rotation(1)  # even an empty image: the bias alone breaks it
    ### END SOLUTION


# %% [markdown]
# ## Task 3 - layer C: a bank that forgot to permute (3 points)
#
# Exercise 07: bank[s] = L_s psi must turn every plane *and* permute the planes. Layer
# C only turns them. Return (f, g), f a function on p4 of shape (4, n, n) (integer), g in
# C4, such that forgetful_group_layer(L_g f) != L_g forgetful_group_layer(f), with L_g
# acting on functions on p4 on both sides.

# %%
def counterexample_forgetful():
    """(f, g): f an integer function on p4 (4, n, n), n <= 7; g in C4; the layer's two sides differ."""
    ### BEGIN SOLUTION
    f = np.zeros((4, 1, 1), dtype=np.int64)
    f[0] = 1  # one pixel, one plane: the output mixes the planes with the filter's centre values 1, 2, 0, -1
    return f, groups.rotation(1)
    ### END SOLUTION


# %% [markdown]
# ## Task 4 - layer D: turns are fine, but ... (3 points)
#
# Layer D lifts to p4 and pools over the rotations (coset pooling): its output turns
# with its input for every quarter turn (tutorial 14, P1). But p4 does not contain the
# mirror, and CHIRAL has a handedness. Return (f, g) with g in D4 such that
# rotation_pooled_layer(L_g f) != L_g rotation_pooled_layer(f).

# %%
def counterexample_rotation_pooled():
    """(f, g): f an integer image (n, n), n <= 7; g in D4; the layer's two sides differ."""
    ### BEGIN SOLUTION
    return np.arange(1, 5).reshape(2, 2), groups.mirror(1)
    ### END SOLUTION


# %% [markdown]
# ## Try it: both sides of your counterexamples

# %%
if __name__ == "__main__":
    f, g = counterexample_planar()
    print("A:", np.abs(planar_layer(action.transform_image(f, g)) - action.transform_image(planar_layer(f), g)).max())
    f, g = counterexample_rotation_pooled()
    print("D:", np.abs(rotation_pooled_layer(action.transform_image(f, g))
                       - action.transform_image(rotation_pooled_layer(f), g)).max())
