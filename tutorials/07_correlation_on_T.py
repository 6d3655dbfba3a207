"""Tutorial 07 - correlation is a function on the translation group T (docs/equations.md U1, U2, U3).

Claim: the output of a planar correlation is not really indexed by pixels but by
translations. Reading the output at pixel x means shifting the image by t(x)^-1 and
looking at the origin:

    U1   (f * psi)(t) = sum_y f(t(y)) psi(y)                      (the output is indexed by t in T)
    U2   f o t = L_{t^-1} f     and     (f * psi) o t = L_{t^-1}(f * psi)
    U3   with tau = t^-1:  [L_tau(f * psi)](0) = sum_y [L_tau f](y) psi(y) = [(L_tau f) * psi](0)

U3 is already an instance of translation equivariance, obtained only by rewriting the
definition. Every statement is checked on numbers; with integer data every residual is
exactly 0.0, with random float data it is round-off. Figure: figures/07_correlation_on_T.png.

Checks: U1, U2, U3. Run: python tutorials/07_correlation_on_T.py
"""
IDS = ("U1", "U2", "U3")

# %% [markdown]
# ## Setting the scene
#
# Tutorials 04-06 met the planar correlation of a K-channel image f with a filter psi,
#
#     (f * psi)(x) = sum_y sum_k f_k(y) psi_k(y - x)          (C1)
#                  = sum_y sum_k f_k(x + y) psi_k(y)          (C2, substitute y -> x + y)
#
# Look at the second line: the output position x does only one job, it is *added* to y.
# Adding x is a translation. In homogeneous coordinates (tutorial 02) the translation
# t = t(u, v) is the matrix [[1, 0, u], [0, 1, v], [0, 0, 1]] and x + y = t(y) when
# x = (u, v). So the same sum can be written with a group element instead of a pixel:
#
#     (f * psi)(t) = sum_y f(t(y)) psi(y)                     (U1)
#
# and the pixel x is recovered as the place where t sends the origin, x = t(0).
# The output of a correlation is a function on the translation group T. This is the
# idea that later lets us replace T by a bigger group (tutorial 08).
#
# Conventions (README "Conventions"): pixel (i, j) of an n x n array sits at
# (u, v) = (i - c, j - c) with c = (n - 1) / 2, u the row offset and v the column
# offset from the centre. We only use odd sizes here, so the centre is a pixel.

# %%
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)  # run from a fresh clone without installing the package
sys.path.insert(0, os.path.join(REPO, "tutorials"))
from groupconv import action, checks, correlate, groups, images  # noqa: E402
from groupconv.lookup import frame, value_at  # noqa: E402

from groupconv.figures import display_path, figures_dir  # noqa: E402

FIGURES = str(figures_dir())
INT_WHY = "integer arrays (int64): every product and partial sum is an exact integer"
FLOAT_WHY = "random float data: the two sides add the same products in a different order"


def show(title, a):
    """Print a small integer array under a title, one row per line."""
    print(f"    {title}")
    for row in np.asarray(a).astype(int):
        print("      " + " ".join(f"{x:3d}" for x in row))


# %% [markdown]
# ## Two small tools, shared by the tutorials (groupconv/lookup.py)
#
# `frame(n)` lists the coordinates (u, v) of every pixel of an n x n frame, as an array
# (n, n, 2). `value_at(f, x)` reads an image at integer pixel coordinates x = (u, v):
# pixel (u + c, v + c) of the array, and 0 off the frame; with `period=n` the frame is a
# torus, coordinates are taken modulo n, which is what the "circular" boundary mode means.

# %% [markdown]
# ## A tiny example to check by hand
#
# A 5 x 5 integer image and a 3 x 3 filter. In "valid" mode the output has 3 x 3 pixels,
# at (u, v) in {-1, 0, 1}^2. We compute it twice:
#
# * the pixel way (C1): for every output pixel x, sum f(y) psi(y - x) over every pixel y;
# * the group way (U1): for every output pixel build the matrix t = t(u, v), move every
#   point y of the filter's support by t (a matrix times the column (y, 1)), read f there,
#   multiply by psi(y) and add up.

# %%
def tiny_example():
    f = np.array([[1, 0, 2, 0, 1],
                  [0, 3, 0, 1, 0],
                  [2, 0, 1, 0, 2],
                  [0, 1, 0, 3, 0],
                  [1, 0, 2, 0, 1]])
    psi = np.array([[0, 1, 0],
                    [0, 0, 2],
                    [-1, 0, 0]])
    show("image f (5 x 5):", f)
    show("filter psi (3 x 3, centre pixel at (0, 0)):", psi)

    # C1, literally: a sum over every pixel y of the image frame.
    ys = frame(5).reshape(-1, 2)
    pixel_way = np.zeros((3, 3), dtype=np.int64)
    for i, x in enumerate(frame(3).reshape(-1, 2)):
        pixel_way.flat[i] = np.sum(value_at(f, ys) * value_at(psi, ys - x))

    # U1, literally: the output index is a translation matrix t, and t acts on y.
    support = frame(3).reshape(-1, 2)  # the pixels y where psi can be non-zero
    group_way = np.zeros((3, 3), dtype=np.int64)
    for i, (u, v) in enumerate(frame(3).reshape(-1, 2)):
        t = groups.translation(u, v)
        t_y = groups.act(t, support)  # t(y) for every y
        group_way.flat[i] = np.sum(value_at(f, t_y) * value_at(psi, support))

    t = groups.translation(1, -1)
    show("for example t = t(1, -1) =", t)
    print(f"    sends the origin to t(0) = {tuple(groups.act(t, np.array([0, 0])).tolist())}, "
          "the output pixel x it stands for.")
    show("pixel way, sum_y f(y) psi(y - x), x on the 3 x 3 output frame:", pixel_way)
    show("group way, sum_y f(t(y)) psi(y), t = t(x):", group_way)
    library = correlate.planar_correlation(f[None, None], psi[None, None], "valid")[0, 0]
    checks.check("U1", "tiny example: sum_y f(t(y)) psi(y) vs sum_y f(y) psi(y - x) at x = t(0)",
                 group_way, pixel_way, "exact", elements="the 9 translations t(u, v), |u|, |v| <= 1", why=INT_WHY)
    checks.check("U1", "tiny example: the group way vs the vectorised planar_correlation",
                 group_way, library, "exact", elements="the 9 translations t(u, v), |u|, |v| <= 1", why=INT_WHY)


# %% [markdown]
# ## U1 in general: several channels, two boundary modes, integers and floats
#
# Now a 9 x 9 image with 2 channels and a 3 x 3 filter. In "valid" mode the output
# frame is 7 x 7 and f is zero outside its frame. In "circular" mode the output has
# the size of the input and f is periodic: the image lives on a torus, a translation
# that pushes content out on one side brings it back on the other. On the torus every
# translation is a bijection of the pixels, which is what the proofs below need.

# %%
def correlation_as_function_on_T(f, psi, n_out, period=None):
    """(f * psi)(t) = sum_y sum_k f_k(t(y)) psi_k(y) for every t = t(x), x on the centred n_out frame.

    f (K, n, n), psi (K, k, k) -> (n_out, n_out).
    """
    k = psi.shape[-1]
    support = frame(k).reshape(-1, 2)
    out = np.zeros((n_out, n_out), dtype=np.result_type(f, psi))
    for i, (u, v) in enumerate(frame(n_out).reshape(-1, 2)):
        t_y = groups.act(groups.translation(u, v), support)
        out.flat[i] = np.sum(value_at(f, t_y, period) * value_at(psi, support))
    return out


def check_U1(rng):
    for kind, make in (("exact", lambda shape: images.integer_image(shape, rng)),
                       ("float", lambda shape: rng.standard_normal(shape))):
        f, psi = make((2, 9, 9)), make((2, 3, 3))
        why = INT_WHY if kind == "exact" else FLOAT_WHY
        for mode, n_out, period in (("valid", 7, None), ("circular", 9, 9)):
            on_T = correlation_as_function_on_T(f, psi, n_out, period)
            vectorised = correlate.planar_correlation(f[None], psi[None], mode)[0, 0]
            data = "integer" if kind == "exact" else "float"
            checks.check("U1", f"{data} data: sum_y f(t(y)) psi(y) vs planar_correlation(f, psi, {mode!r}), 2 channels",
                         on_T, vectorised, kind, elements=f"all {n_out * n_out} translations of the output frame",
                         why=why)


# %% [markdown]
# ## U2: composing with t is moving by t^-1
#
# The right-hand side of U1 reads f at t(y): as a function of y that is f o t. Which
# transformed image is it? Tutorial 03 defined L_g f = f o g^-1 (moving the image by g
# means reading it at g^-1 x). So f o t = f o (t^-1)^-1 = L_{t^-1} f: composing with t
# moves the image by the *opposite* translation. The same holds for the output:
# (f * psi) o t = L_{t^-1}(f * psi).
#
# Below, the left side is a literal lookup (read f at t(x) for every pixel x); the right
# side is the library's fast shift `action.transform_image` with the element t^-1. With
# zero boundary, content shifted out of the frame is lost on both sides in the same way;
# on the torus ("wrap") nothing is lost.

# %%
def check_U2(rng):
    n = 9
    f = images.integer_image((n, n), rng)
    psi = images.integer_image((1, 1, 3, 3), rng)
    shifts = [(1, 0), (0, -2), (3, 1), (-4, 4), (2, -3)]
    names = ", ".join(f"t({u},{v})" for u, v in shifts)
    xs = frame(n)
    for boundary, period in (("zero", None), ("wrap", n)):
        lhs = np.stack([value_at(f, groups.act(groups.translation(u, v), xs), period) for u, v in shifts])
        rhs = np.stack([action.transform_image(f, groups.inverse(groups.translation(u, v)), boundary)
                        for u, v in shifts])
        checks.check("U2", f"f o t (literal lookup at t(x)) vs L_(t^-1) f (fast shift, boundary {boundary!r})",
                     lhs, rhs, "exact", elements=names, why="a shift only copies values: no arithmetic at all")
    F = correlate.planar_correlation(f[None, None], psi, "circular")[0, 0]  # f * psi on the torus
    lhs = np.stack([value_at(F, groups.act(groups.translation(u, v), xs), n) for u, v in shifts])
    rhs = np.stack([action.transform_image(F, groups.inverse(groups.translation(u, v)), "wrap") for u, v in shifts])
    checks.check("U2", "(f * psi) o t vs L_(t^-1)(f * psi), circular correlation on the 9 x 9 torus",
                 lhs, rhs, "exact", elements=names, why="a shift only copies values: no arithmetic at all")


# %% [markdown]
# ## U3: the output at t is the correlation of a shifted image, read at the origin
#
# Put tau = t^-1 into U1 and U2. The left side of U1 is (f * psi)(t) = (f * psi)(t(0)),
# the output read at the point x = t(0); by U2 that is [L_tau(f * psi)](0). The right
# side is sum_y [L_tau f](y) psi(y), and this is the correlation of the moved image
# L_tau f, read at the origin. So
#
#     [L_tau(f * psi)](0) = (f * psi)(t) = sum_y [L_tau f](y) psi(y) = [(L_tau f) * psi](0)
#
# This is the promise "to get the output for a moved image, move the output" - for the
# origin. Each line is computed as its own array, over *every* translation t of a 7 x 7
# torus (49 of them), so each line is a 7 x 7 array indexed by t, and each is computed
# the way it is written:
#
# 1. [L_tau(f * psi)](0): correlate f (the vectorised layer), move the whole output by
#    tau (the fast shift), read it at the origin;
# 2. sum_y f(t(y)) psi(y): U1 - move the filter's support points y by the matrix t,
#    read f there, multiply by psi(y), add up;
# 3. sum_y [L_tau f](y) psi(y): first build the moved image L_tau f as an array, pixel
#    by pixel from its definition [L_tau f](z) = f(tau^-1 z) (groupconv's literal
#    action), then read that image at the support points y, multiply by psi(y), add up;
# 4. [(L_tau f) * psi](0): move f by tau (the fast shift), correlate (the vectorised
#    layer), read the output at the origin.
#
# Lines 2 and 3 are equal because tau^-1 = t; lines 1 and 4 are the two sides of
# translation equivariance, evaluated at the origin.

# %%
def check_U3(rng):
    n, k = 7, 3
    c = (n - 1) // 2
    support = frame(k).reshape(-1, 2)  # the points y where psi can be non-zero
    for kind, f, psi in (("exact", images.integer_image((2, n, n), rng), images.integer_image((2, k, k), rng)),
                         ("float", rng.standard_normal((2, n, n)), rng.standard_normal((2, k, k)))):
        line1, line2, line3, line4 = (np.zeros((n, n), dtype=f.dtype) for _ in range(4))
        F = correlate.planar_correlation(f[None], psi[None], "circular")[0, 0]
        for i, (u, v) in enumerate(frame(n).reshape(-1, 2)):
            t = groups.translation(u, v)
            tau = groups.inverse(t)
            line1.flat[i] = action.transform_image(F, tau, "wrap")[c, c]
            line2.flat[i] = np.sum(value_at(f, groups.act(t, support), n) * value_at(psi, support))
            L_tau_f = action.transform_image_literal(f, tau, "wrap")  # the image [L_tau f](z) = f(tau^-1 z), per pixel
            line3.flat[i] = np.sum(value_at(L_tau_f, support) * value_at(psi, support))
            moved = action.transform_image(f, tau, "wrap")
            line4.flat[i] = correlate.planar_correlation(moved[None], psi[None], "circular")[0, 0, c, c]
        checks.chain("U3", f"[L_tau(f*psi)](0) = (f*psi)(t) = sum_y [L_tau f](y) psi(y) = [(L_tau f)*psi](0) ({kind})",
                     [("[L_tau (f * psi)](0)       [layer, shift]", line1),
                      ("sum_y f(t(y)) psi(y)       [t acts on y]", line2),
                      ("sum_y [L_tau f](y) psi(y)  [moved image]", line3),
                      ("[(L_tau f) * psi](0)       [shift, layer]", line4)],
                     kind, elements=f"all {n * n} translations t of the {n} x {n} torus, tau = t^-1",
                     why=INT_WHY if kind == "exact" else FLOAT_WHY)


# %% [markdown]
# ## A picture of U3
#
# Left: the photograph with one pixel x = t(0) marked and the filter window around it.
# Next: the correlation output, with the same pixel marked. Then the photograph moved by
# tau = t^-1, which brings x to the centre, and its correlation, read at the centre. The
# two marked values are equal (and the whole right-hand output is the left-hand output
# moved by tau: that is translation equivariance).

# %%
def figure_U3():
    n = 65
    c = (n - 1) // 2
    f = images.photograph(n)
    psi = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=np.float64)  # dark above, light below
    u, v = -14, 10
    t = groups.translation(u, v)
    tau = groups.inverse(t)
    F = correlate.planar_correlation(f[None, None], psi[None, None], "circular")[0, 0]
    moved = action.transform_image(f, tau, "wrap")
    G = correlate.planar_correlation(moved[None, None], psi[None, None], "circular")[0, 0]
    extent = [-c - 0.5, c + 0.5, c + 0.5, -c - 0.5]
    vmax = np.max(np.abs(F))
    fig, axes = plt.subplots(1, 4, figsize=(17, 5.4), constrained_layout=True)
    panels = [(f, f"image f\npixel x = t(0) = ({u}, {v}) boxed", (u, v), "gray", None, "grey level"),
              (F, f"f ⋆ ψ (circular)\nvalue at x: {F[u + c, v + c]:.4f}", (u, v), "RdBu_r", vmax, "response"),
              (moved, f"L$_τ$ f,  τ = t$^{{-1}}$ = t({-u},{-v})\nx has moved to the origin", (0, 0), "gray", None, "grey level"),
              (G, f"(L$_τ$ f) ⋆ ψ (circular)\nvalue at the origin: {G[c, c]:.4f}", (0, 0), "RdBu_r", vmax, "response")]
    for ax, (img, title, (pu, pv), cmap, vm, label) in zip(axes, panels):
        kw = dict(vmin=-vm, vmax=vm) if vm else dict(vmin=0, vmax=1)
        im = ax.imshow(img, cmap=cmap, extent=extent, interpolation="nearest", **kw)
        ax.add_patch(plt.Rectangle((pv - 1.5, pu - 1.5), 3, 3, fill=False, ec="gold", lw=1.5))
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("v (column offset from the centre)")
        ax.set_ylabel("u (row offset)")
        fig.colorbar(im, ax=ax, shrink=0.8, label=label)
    fig.suptitle("U3: the output at x = t(0) equals the output at the origin for the image moved by τ = t$^{-1}$\n"
                 f"t = t({u},{v});  ψ = horizontal-edge filter (dark above, light below);  "
                 "gold box = the 3 x 3 filter window", fontsize=13)
    os.makedirs(FIGURES, exist_ok=True)
    path = os.path.join(FIGURES, "07_correlation_on_T.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    checks.check("U3", "photograph: (f * psi)(t) vs [(L_tau f) * psi](0), the two values in the figure",
                 np.array([F[u + c, v + c]]), np.array([G[c, c]]), "float", elements=f"t = t({u},{v})",
                 why="photograph is float data; the same products are summed, so the residual is at most round-off")
    print(f"  wrote {display_path(path)}")


# %% [markdown]
# ## Summary
#
# * U1: the output index of a correlation is a translation t; the pixel is t(0).
# * U2: reading f at t(y) is the same as moving f by t^-1 - the inverse again, for the
#   reason tutorial 03 gave.
# * U3: the value of the output at t is the value at the origin of the output for the
#   image moved by t^-1. Nothing in this argument used that t is a translation except
#   that t acts on pixels: tutorial 08 replaces T by p4 and p4m.

# %%
def main():
    rng = np.random.default_rng(checks.SEED)
    print("Tutorial 07: correlation as a function on the translation group T")
    print("\n== U1: a tiny example ==")
    tiny_example()
    print("\n== U1 in general ==")
    check_U1(rng)
    print("\n== U2: f o t = L_(t^-1) f ==")
    check_U2(rng)
    print("\n== U3: every line its own array ==")
    check_U3(rng)
    print("\n== U3: the picture ==")
    figure_U3()
    checks.finish()


if __name__ == "__main__":
    main()
