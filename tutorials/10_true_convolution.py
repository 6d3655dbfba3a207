"""Tutorial 10 - true group convolution versus group correlation (docs/equations.md L6).

Claim: besides the correlation of tutorial 09 there is a true convolution on G,

    L6   (f conv psi)(g) = sum_h f(h) psi(h^-1 g)          (definition)
                         = sum_h f(g h) psi(h^-1)          (substitute h -> g h)

It is the correlation with the reversed filter psi_check(h) = psi(h^-1):

         f conv psi = f * psi_check,

and it is equivariant too: (L_u f) conv psi = L_u (f conv psi). All three statements are
checked here: both forms literally, the relation, and the equivariance proof line by
line - exactly (residual 0.0) for integer data.

Run:  python3 tutorials/10_true_convolution.py
"""
IDS = ("L6",)

# %% [markdown]
# ## Correlation or convolution?
#
# Deep-learning libraries call the operation (f * psi)(x) = sum_y f(y) psi(y - x) a
# "convolution", but mathematicians call it a correlation: the filter is slid over the
# image as it is. A true convolution reads the filter backwards,
#
#     (f conv psi)(x) = sum_y f(y) psi(x - y),
#
# which is the correlation with the filter turned by 180 degrees, psi_check(y) = psi(-y).
# On a group the role of "minus" is played by the inverse: x - y is y^-1 x when both
# are read as translations, so the group version is sum_h f(h) psi(h^-1 g), and the
# reversed filter is psi_check(h) = psi(h^-1). For a network the difference does not
# matter much (the network can learn psi_check as easily as psi), but the paper is
# careful to call its layers correlations, and the blog notes that convolutions are
# just as equivariant. Here we check both claims.

# %%
import os
import sys

import numpy as np
import scipy.signal

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)  # run from a fresh clone without installing the package
sys.path.insert(0, os.path.join(REPO, "tutorials"))
from groupconv import action, checks, correlate, groups, images  # noqa: E402
from groupconv.lookup import frame_elements, value_on_group  # noqa: E402

INT_WHY = "int64 data: every product and sum is an exact integer (integers never take the FFT path)"
FLOAT_WHY = "random float data: the same products added in a different order"
PERM_WHY = "a permutation of the values: no arithmetic"


# %% [markdown]
# ## Tools written from the definitions
#
# As in tutorial 09 (both live in `groupconv/lookup.py`): `frame_elements(group, n)`
# lists every element t(x) . s of an n x n frame as 3 x 3 integer matrices, and
# `value_on_group(F, g, group, period)` reads a function on G at the elements g - split
# g = t(x) . s, read plane s at pixel x, 0 off the frame (or periodic on an n x n torus).

# %% [markdown]
# ## Warm-up on Z^2 (the group T): the reference every textbook uses
#
# On the plane the true convolution is what scipy.signal.convolve2d computes. The
# library's planar_convolution turns the filter by 180 degrees and correlates; both must
# agree with SciPy's independent implementation.

# %%
def warm_up():
    f = np.array([[1, 2, 0], [0, 1, 3], [1, 0, 0]])  # integers (int64): every sum is exact
    psi = np.array([[1, 0, 0], [2, 0, 0], [0, -1, 0]])
    ours = correlate.planar_convolution(f[None, None], psi[None, None], "full")[0, 0]
    scipys = scipy.signal.convolve2d(f, psi, mode="full")
    print("f =", f.tolist(), "  psi =", psi.tolist())
    print("f conv psi (full, 5 x 5):\n", ours)
    checks.check("L6", "G = T: planar_convolution vs scipy.signal.convolve2d (full)", ours, scipys, "exact",
                 "all 25 translations of the full output", INT_WHY)
    corr = correlate.planar_correlation(f[None, None], psi[None, None], "full")[0, 0]
    checks.check("L6", "G = T: convolution differs from correlation for this (non-symmetric) filter",
                 ours, corr, "nonzero", "", "a counterexample: psi is not symmetric under a 180 degree turn")


# %% [markdown]
# ## A tiny example on the group C4: convolution around a circle
#
# With a one-pixel frame a function on p4 is 4 numbers f(R(0)), ..., f(R(3)), and
#
#     (f conv psi)(R(r)) = sum_r' f(R(r')) psi(R(r')^-1 R(r)) = sum_r' f(R(r')) psi(R(r - r')),
#
# the ordinary circular convolution of two length-4 sequences. The reversed filter is
# psi_check(R(r)) = psi(R(-r)): slot 0 stays, slots 1 and 3 swap.

# %%
def tiny_example():
    f = np.array([1, 2, 0, -1])  # integers (int64): every sum is exact
    psi = np.array([3, 1, 0, 2])
    by_hand = np.array([sum(f[rp] * psi[(r - rp) % 4] for rp in range(4)) for r in range(4)])
    print("f at R(0..3):", f.tolist(), "  psi:", psi.tolist())
    print("sum_r' f(R(r')) psi(R(r - r')) for r = 0..3:", by_hand.tolist())
    F, P = f.reshape(1, 1, 4, 1, 1), psi.reshape(1, 1, 4, 1, 1)
    checks.check("L6", "tiny example: the circular convolution by hand vs group_convolution",
                 by_hand, correlate.group_convolution(F, P, "p4", "valid").ravel(), "exact", "R(0..3)", INT_WHY)
    fft_way = np.real(np.fft.ifft(np.fft.fft(f) * np.fft.fft(psi)))
    checks.check("L6", "tiny example: the same numbers by the FFT (an independent reference)",
                 by_hand, fft_way, "float", "R(0..3)", "the FFT works in complex floating point")
    print("psi_check at R(0..3):", correlate.reverse_filter(P, "p4").ravel().tolist())
    checks.check("L6", "tiny example: psi_check(R(r)) = psi(R(-r))", correlate.reverse_filter(P, "p4").ravel(),
                 psi[[0, 3, 2, 1]], "exact", "R(0..3)", PERM_WHY)


# %% [markdown]
# ## The reversed filter psi_check(h) = psi(h^-1), literally and by a closed formula
#
# Literally: for every element h = t(z) . s of the filter's support, form the matrix
# h^-1 and read psi there. A closed formula tells us what that does to the planes:
# h^-1 = s^-1 . t(-z) = t(-s^-1 z) . s^-1, so plane s of psi_check at pixel z is plane
# s^-1 of psi at pixel -s^-1 z. For p4, with s = R(r), -R(-r) z = R(2 - r) z, i.e.
#
#     plane r of psi_check = np.rot90(plane (-r mod 4) of psi, r + 2),
#
# a formula that uses nothing but NumPy. In general plane s of psi_check is plane s^-1
# of psi moved by the point-group element s . R(2) (action.transform_image).

# %%
def reversed_literal(psi, group):
    """psi_check(h) = psi(h^-1) for every h of the support, reading psi at the matrix h^-1."""
    h = frame_elements(group, psi.shape[-1])
    return value_on_group(psi, groups.inverse(h), group)  # (..., |H|, k, k)


def check_reversed(rng):
    k = 3
    for group in ("p4", "p4m"):
        nH = groups.order(group)
        psi = images.integer_image((2, 2, nH, k, k), rng)
        literal = reversed_literal(psi, group)
        checks.check("L6", f"{group}: psi_check read at h^-1 (literal) vs correlate.reverse_filter",
                     literal, correlate.reverse_filter(psi, group), "exact", f"every h of the {k} x {k} support",
                     PERM_WHY)
        H = groups.point_group(group)
        s_inv = groups.point_group_index(groups.inverse(H), group)
        formula = np.stack([action.transform_image(psi[:, :, s_inv[i]], H[i] @ groups.rotation(2))
                            for i in range(nH)], axis=2)
        checks.check("L6", f"{group}: psi_check vs the closed formula (plane s^-1 moved by s.R(2))",
                     literal, formula, "exact", f"all {nH} planes", PERM_WHY)
    psi = images.integer_image((1, 1, 4, k, k), rng)
    numpy_only = np.stack([np.rot90(psi[:, :, (-r) % 4], r + 2, axes=(-2, -1)) for r in range(4)], axis=2)
    checks.check("L6", "p4: psi_check vs np.rot90(plane -r, r + 2) (NumPy only)", reversed_literal(psi, "p4"),
                 numpy_only, "exact", "R(0..3)", PERM_WHY)


# %% [markdown]
# ## Both forms, literally, and the relation f conv psi = f * psi_check
#
#     definition    sum_h f(h) psi(h^-1 g)    h over every element where f lives
#     substituted   sum_h f(g h) psi(h^-1)    h over the inverses of psi's support
#
# Both literal sums are compared with the vectorised `correlate.group_convolution`, and
# with the correlation of f with the literally reversed filter. "valid" mode on a 7 x 7
# frame and "circular" mode (a 7 x 7 torus), 2 input and 2 output channels.

# %%
def convolution_definition(f, psi, group, n_out, period=None):
    """(f conv psi)(g) = sum_h sum_k f_k(h) psi_k(h^-1 g)."""
    g = frame_elements(group, n_out).reshape(-1, 3, 3)
    h = frame_elements(group, f.shape[-1]).reshape(-1, 3, 3)
    h_inv_g = groups.inverse(h)[None] @ g[:, None]  # (N_g, N_h, 3, 3)
    out = np.einsum("kh,okgh->og", value_on_group(f, h, group), value_on_group(psi, h_inv_g, group, period))
    return out.reshape(psi.shape[0], groups.order(group), n_out, n_out)


def convolution_substituted(f, psi, group, n_out, period=None):
    """(f conv psi)(g) = sum_h sum_k f_k(g h) psi_k(h^-1), h over the inverses of psi's support."""
    g = frame_elements(group, n_out).reshape(-1, 3, 3)
    h = groups.inverse(frame_elements(group, psi.shape[-1]).reshape(-1, 3, 3))
    f_at = value_on_group(f, g[:, None] @ h[None], group, period)  # (K, N_g, N_h)
    psi_at = value_on_group(psi, groups.inverse(h), group)  # (O, K, N_h)
    out = np.einsum("kgh,okh->og", f_at, psi_at)
    return out.reshape(psi.shape[0], groups.order(group), n_out, n_out)


def check_forms(rng):
    n, k = 7, 3
    for kind in ("exact", "float"):
        why = INT_WHY if kind == "exact" else FLOAT_WHY
        for group in ("p4", "p4m"):
            nH = groups.order(group)
            f, psi = images.random_signal((2, nH, n, n), rng, kind), images.random_signal((2, 2, nH, k, k), rng, kind)
            for mode, n_out, period in (("valid", n - k + 1, None), ("circular", n, n)):
                vectorised = correlate.group_convolution(f[None], psi, group, mode)[0]
                elements = f"all {nH * n_out ** 2} output elements of {group}"
                definition = convolution_definition(f, psi, group, n_out, period)
                checks.check("L6", f"{group} {mode}: sum_h f(h) psi(h^-1 g) (literal) vs vectorised",
                             definition, vectorised, kind, elements, why)
                checks.check("L6", f"{group} {mode}: sum_h f(g h) psi(h^-1) (literal) vs vectorised",
                             convolution_substituted(f, psi, group, n_out, period), vectorised, kind, elements, why)
                checks.check("L6", f"{group} {mode}: f conv psi (literal) vs f * psi_check (psi_check literal)",
                             definition,
                             correlate.group_correlation(f[None], reversed_literal(psi, group), group, mode)[0],
                             kind, elements, why)
    f, psi = images.integer_image((1, 2, 4, 5, 5), rng), images.integer_image((1, 2, 4, k, k), rng)
    for form in ("paper", "substituted"):
        checks.check("L6", f"p4 valid: correlate.group_convolution_literal(form={form!r}) vs vectorised",
                     correlate.group_convolution_literal(f, psi, "p4", "valid", form=form),
                     correlate.group_convolution(f, psi, "p4", "valid"), "exact", "all output elements", INT_WHY)
    checks.check("L6", "p4: the convolution is not the correlation (generic filter)",
                 correlate.group_convolution(f, psi, "p4", "valid"), correlate.group_correlation(f, psi, "p4", "valid"),
                 "nonzero", "", "a counterexample: psi_check differs from psi")


# %% [markdown]
# ## The first layer: lifting convolution
#
# For an image on Z^2 the reversed filter is psi(-y), so the lifting convolution is the
# lifting correlation with the filter turned by 180 degrees. Both literal forms of the
# library, the vectorised version, and its equivariance for every turn and mirror:

# %%
def check_lifting(rng):
    f, psi = images.integer_image((1, 2, 7, 7), rng), images.integer_image((2, 2, 3, 3), rng)
    for group in ("p4", "p4m"):
        vectorised = correlate.lifting_convolution(f, psi, group, "valid")
        for form in ("paper", "substituted"):
            checks.check("L6", f"{group} lifting: lifting_convolution_literal(form={form!r}) vs vectorised",
                         correlate.lifting_convolution_literal(f, psi, group, "valid", form=form), vectorised,
                         "exact", "all output elements", INT_WHY)
        checks.check("L6", f"{group} lifting: convolution vs correlation with np.rot90(psi, 2)", vectorised,
                     correlate.lifting_correlation(f, np.rot90(psi, 2, axes=(-2, -1)), group, "valid"), "exact",
                     "all output elements", INT_WHY)
        H = groups.point_group(group)
        lhs = np.stack([correlate.lifting_convolution(action.transform_image(f, s), psi, group, "valid") for s in H])
        rhs = np.stack([action.transform_group_function(vectorised, s, group) for s in H])
        checks.check("L6", f"{group} lifting convolution is equivariant: (L_s f) conv psi vs L_s (f conv psi)",
                     lhs, rhs, "exact", f"every s in the point group of {group}", INT_WHY)


# %% [markdown]
# ## The convolution is equivariant: the proof, line by line
#
#     line 1   ((L_u f) conv psi)(g)             the moved input, convolved (library, vectorised)
#     line 2   sum_h f(u^-1 h) psi(h^-1 g)       the definition, for L_u f = f o u^-1
#     line 3   sum_h f(h) psi((u h)^-1 g)        substitute h -> u h (a bijection of G);
#                                                the matrix (u h)^-1 is formed by inverting u h
#     line 4   sum_h f(h) psi(h^-1 (u^-1 g))     G2: (u h)^-1 = h^-1 u^-1
#     line 5   sum_h f(u^-1 g h) psi(h^-1)       substitute h -> (u^-1 g) h (again a bijection): the
#                                                substituted form of L6, evaluated at u^-1 g
#     line 6   (f conv psi)(u^-1 g)              the convolution of f (literal), read at u^-1 g
#     line 7   (L_u (f conv psi))(g)             the output moved by u (library, vectorised)
#
# Every sum runs over the whole group of a 5 x 5 torus; u runs over the whole point
# group, a pure translation and three elements that combine a shift with a turn.

# %%
def elements_to_try(group):
    H = list(groups.point_group(group))
    params = ((0, 1, -2), (1, 2, -1), (3, 0, 2), (2, -2, 1)) if group == "p4" else \
        ((0, 0, 1, -2), (1, 1, 2, -1), (0, 3, 0, 2), (1, 2, -2, 1))
    return H + [groups.element(group, *p) for p in params]


def check_equivariance(rng, kind):
    n, k = 5, 3
    for group in ("p4", "p4m"):
        nH = groups.order(group)
        f, psi = images.random_signal((2, nH, n, n), rng, kind), images.random_signal((1, 2, nH, k, k), rng, kind)
        us = elements_to_try(group)
        g = frame_elements(group, n).reshape(-1, 3, 3)
        h = frame_elements(group, n).reshape(-1, 3, 3)  # every element of the torus group
        h_inv = groups.inverse(h)
        support_inv = groups.inverse(frame_elements(group, k).reshape(-1, 3, 3))  # h with psi(h^-1) possibly != 0
        psi_at_support = value_on_group(psi, groups.inverse(support_inv), group)  # psi(h^-1), (1, K, N_s)
        f_h = value_on_group(f, h, group, n)
        conv_f = np.einsum("kh,okgh->og", f_h, value_on_group(psi, h_inv[None] @ g[:, None], group, n))
        out_f = correlate.group_convolution(f[None], psi, group, "circular")[0]
        lines = [[] for _ in range(7)]
        for u in us:
            u_inv = groups.inverse(u)
            shape = (1, nH, n, n)
            moved = action.transform_group_function(f, u, group, "wrap")
            lines[0].append(correlate.group_convolution(moved[None], psi, group, "circular")[0])
            psi_h_inv_g = value_on_group(psi, h_inv[None] @ g[:, None], group, n)  # psi(h^-1 g)
            lines[1].append(np.einsum("kh,okgh->og", value_on_group(f, u_inv @ h, group, n), psi_h_inv_g)
                            .reshape(shape))
            uh_inv = groups.inverse(u @ h)  # (u h)^-1 as the inverse of a product
            lines[2].append(np.einsum("kh,okgh->og", f_h, value_on_group(psi, uh_inv[None] @ g[:, None], group, n))
                            .reshape(shape))
            psi_4 = value_on_group(psi, h_inv[None] @ (u_inv @ g)[:, None], group, n)  # psi(h^-1 (u^-1 g))
            lines[3].append(np.einsum("kh,okgh->og", f_h, psi_4).reshape(shape))
            f_5 = value_on_group(f, (u_inv @ g)[:, None] @ support_inv[None], group, n)  # f(u^-1 g h)
            lines[4].append(np.einsum("kgh,okh->og", f_5, psi_at_support).reshape(shape))
            lines[5].append(value_on_group(conv_f.reshape(shape), u_inv @ g, group, n).reshape(shape))
            lines[6].append(action.transform_group_function(out_f, u, group, "wrap"))
        labels = ["((L_u f) conv psi)(g)", "sum_h f(u^-1 h) psi(h^-1 g)", "sum_h f(h) psi((u h)^-1 g)",
                  "sum_h f(h) psi(h^-1 (u^-1 g))", "sum_h f(u^-1 g h) psi(h^-1)", "(f conv psi)(u^-1 g)",
                  "(L_u (f conv psi))(g)"]
        checks.chain("L6", f"{group}: the true convolution is equivariant ({kind} data)",
                     [(label, np.stack(lines[i])) for i, label in enumerate(labels)], kind,
                     elements=", ".join(groups.name(u) for u in us) + f"; every g and h of the {n} x {n} torus",
                     why=INT_WHY if kind == "exact" else FLOAT_WHY)


# %% [markdown]
# ## Summary
#
# * The true convolution reads the filter at h^-1 g instead of g^-1 h; it equals the
#   correlation with the reversed filter psi_check(h) = psi(h^-1), whose planes are the
#   planes of psi permuted (s -> s^-1) and turned.
# * It is equivariant for exactly the same reason as the correlation: a substitution
#   h -> u h that runs through the whole group, plus G2.

# %%
def main():
    rng = np.random.default_rng(checks.SEED)
    print("Tutorial 10: true convolution versus correlation\n")
    print("-- warm-up on Z^2 --")
    warm_up()
    print("\n-- tiny example on C4 --")
    tiny_example()
    print("\n-- the reversed filter --")
    check_reversed(rng)
    print("\n-- both forms and the relation f conv psi = f * psi_check --")
    check_forms(rng)
    print("\n-- the first layer --")
    check_lifting(rng)
    print("\n-- equivariance, every line its own array --")
    check_equivariance(rng, "exact")
    check_equivariance(rng, "float")
    checks.finish()


if __name__ == "__main__":
    main()
