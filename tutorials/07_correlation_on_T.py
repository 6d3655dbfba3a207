"""Tutorial 07 - correlation is a function on the translation group T (docs/equations.md U1, U2, U3).

Claim: the output of a planar correlation is not really indexed by pixels but by
translations. Reading the output at pixel x means shifting the image by t(x)^-1 and
looking at the origin:

    U1   (f ⋆ psi)(t) = sum_y f(t(y)) psi(y)                      (the output is indexed by t in T)
    U2   f o t = L_{t^-1} f     and     (f ⋆ psi) o t = L_{t^-1}(f ⋆ psi)
    U3   with tau = t^-1:  [L_tau(f ⋆ psi)](0) = sum_y [L_tau f](y) psi(y) = [(L_tau f) ⋆ psi](0)

(⋆ is the correlation, the operation deep learning calls "convolution".) U3 is already
an instance of translation equivariance, obtained only by rewriting the definition.
Every statement is checked on numbers; with integer data every residual is exactly 0,
with random float data it is round-off. Figure: figures/07_correlation_on_T.png.

Checks: U1, U2, U3. Run: python tutorials/07_correlation_on_T.py, or open it as a notebook.
"""
IDS = ("U1", "U2", "U3")

# %% [markdown]
# ## Setting the scene
#
# Tutorials 04-06 met the planar correlation of a K-channel image f with a filter psi,
#
#     (f ⋆ psi)(x) = sum_y sum_k f_k(y) psi_k(y - x)          (C1)
#                  = sum_y sum_k f_k(x + y) psi_k(y)          (C2, substitute y -> x + y)
#
# Look at the second line: the output position x does only one job, it is *added* to y.
# Adding x is a translation. In homogeneous coordinates (tutorial 02) the translation
# t = t(u, v) is the matrix [[1, 0, u], [0, 1, v], [0, 0, 1]] and x + y = t(y) when
# x = (u, v). So the same sum can be written with a group element instead of a pixel:
#
#     (f ⋆ psi)(t) = sum_y f(t(y)) psi(y)                     (U1)
#
# and the pixel x is recovered as the place where t sends the origin, x = t(0).
# The output of a correlation is a function on the translation group T. This is the
# idea that later lets us replace T by a bigger group (tutorial 08).
#
# Conventions (README "Conventions"): pixel (i, j) of an n x n array sits at
# (u, v) = (i - c, j - c) with c = (n - 1) / 2, u the row offset and v the column
# offset from the centre. We only use odd sizes here, so the centre is a pixel.

# %%
import matplotlib.pyplot as plt
import numpy as np

from groupconv import action, checks, correlate, figures, groups, images
from groupconv.lookup import frame, value_at

figures.use_slide_style()
RNG = np.random.default_rng(checks.SEED)  # seeded: every run draws the same "random" data
INT_WHY = "integer arrays (int64): every product and partial sum is an exact integer"
FLOAT_WHY = "random float data: the two sides add the same products in a different order"


def show(title, a):
    """Print a small integer array under a title, one row per line."""
    print(title)
    for row in np.asarray(a).astype(int):
        print("  " + " ".join(f"{x:3d}" for x in row))


# %% [markdown]
# ## A tiny example to check by hand
#
# Two small tools from `groupconv/lookup.py`, shared by the tutorials: `frame(n)` lists
# the coordinates (u, v) of every pixel of an n x n frame, as an array (n, n, 2);
# `value_at(f, x)` reads an image at integer pixel coordinates x = (u, v): pixel
# (u + c, v + c) of the array, and 0 off the frame. With `period=n` the frame is a
# torus, coordinates are taken modulo n: that is what the "circular" boundary mode means.
#
# A 5 x 5 integer image and a 3 x 3 filter. In "valid" mode the output has 3 x 3 pixels,
# at (u, v) in {-1, 0, 1}^2. We compute it twice:
#
# * the pixel way (C1): for every output pixel x, sum f(y) psi(y - x) over every pixel y;
# * the group way (U1): for every output pixel build the matrix t = t(u, v), move every
#   point y of the filter's support by t (a matrix times the column (y, 1)), read f there,
#   multiply by psi(y) and add up.
#
# The two 3 x 3 results printed below must be the same numbers; check one by hand, e.g.
# the centre (x = 0): the sum of f's middle 3 x 3 block times psi, entry by entry.

# %%
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
print(f"sends the origin to t(0) = {tuple(groups.act(t, np.array([0, 0])).tolist())}: "
      "the output pixel x it stands for (row 1 below the centre, column 1 to the left).")
show("pixel way, sum_y f(y) psi(y - x), x on the 3 x 3 output frame:", pixel_way)
show("group way, sum_y f(t(y)) psi(y), t = t(x):", group_way)
library = correlate.planar_correlation(f[None, None], psi[None, None], "valid")[0, 0]
checks.check("U1", "tiny example: sum_y f(t(y)) psi(y) vs sum_y f(y) psi(y - x), x = t(0)",
             group_way, pixel_way, "exact", elements="the 9 t(u, v), |u|, |v| <= 1", why=INT_WHY)
checks.check("U1", "tiny example: the group way vs planar_correlation (vectorised)",
             group_way, library, "exact", elements="the 9 t(u, v), |u|, |v| <= 1", why=INT_WHY)


# %% [markdown]
# ## U1 in general: several channels, two boundary modes, integers and floats
#
# Now a 9 x 9 image with 2 channels and a 3 x 3 filter. In "valid" mode the output
# frame is 7 x 7 and f is zero outside its frame. In "circular" mode the output has
# the size of the input and f is periodic: the image lives on a torus, a translation
# that pushes content out on one side brings it back on the other. On the torus every
# translation is a bijection of the pixels, which is what the proofs below need.
#
# The function below is U1 written out, with the channel sum added: for each output
# translation t, move the filter's support by t, read every channel of f there, multiply
# by psi and add up. It is compared with the library's vectorised planar_correlation
# for integer data (the residual must be exactly 0) and random float data (round-off).

# %%
def correlation_as_function_on_T(f, psi, n_out, period=None):
    """(f ⋆ psi)(t) = sum_y sum_k f_k(t(y)) psi_k(y) for every t = t(x), x on the centred n_out frame.

    f (K, n, n), psi (K, k, k) -> (n_out, n_out).
    """
    k = psi.shape[-1]
    support = frame(k).reshape(-1, 2)
    out = np.zeros((n_out, n_out), dtype=np.result_type(f, psi))
    for i, (u, v) in enumerate(frame(n_out).reshape(-1, 2)):
        t_y = groups.act(groups.translation(u, v), support)
        out.flat[i] = np.sum(value_at(f, t_y, period) * value_at(psi, support))
    return out


for kind in ("exact", "float"):
    f, psi = images.random_signal((2, 9, 9), RNG, kind), images.random_signal((2, 3, 3), RNG, kind)
    data = "integers" if kind == "exact" else "floats"
    for mode, n_out, period in (("valid", 7, None), ("circular", 9, 9)):
        on_T = correlation_as_function_on_T(f, psi, n_out, period)
        vectorised = correlate.planar_correlation(f[None], psi[None], mode)[0, 0]
        checks.check("U1", f"sum_y f(t(y)) psi(y) vs planar_correlation, {mode!r}, 2 channels, {data}",
                     on_T, vectorised, kind, elements=f"all {n_out * n_out} t of the output",
                     why=INT_WHY if kind == "exact" else FLOAT_WHY)


# %% [markdown]
# ## U2: composing with t is moving by t^-1
#
# The right-hand side of U1 reads f at t(y): as a function of y that is f o t. Which
# transformed image is it? Tutorial 03 defined L_g f = f o g^-1 (moving the image by g
# means reading it at g^-1 x). So f o t = f o (t^-1)^-1 = L_{t^-1} f: composing with t
# moves the image by the *opposite* translation. The same holds for the output:
# (f ⋆ psi) o t = L_{t^-1}(f ⋆ psi).
#
# Below, the left side is a literal lookup (read f at t(x) for every pixel x); the right
# side is the library's fast shift `action.transform_image` with the element t^-1. With
# zero boundary, content shifted out of the frame is lost on both sides in the same way;
# on the torus ("wrap") nothing is lost. A shift only copies values, so every residual
# is exactly 0.

# %%
n = 9
f = images.integer_image((n, n), RNG)
psi = images.integer_image((1, 1, 3, 3), RNG)
shifts = [groups.translation(u, v) for u, v in [(1, 0), (0, -2), (3, 1), (-4, 4), (2, -3)]]
print("the shifts t tried:", ", ".join(groups.name(t, "T") for t in shifts))
xs = frame(n)
for boundary, period in (("zero", None), ("wrap", n)):
    lhs = np.stack([value_at(f, groups.act(t, xs), period) for t in shifts])
    rhs = np.stack([action.transform_image(f, groups.inverse(t), boundary) for t in shifts])
    checks.check("U2", f"f o t (lookup at t(x)) vs L_(t^-1) f (fast shift, {boundary!r} boundary)",
                 lhs, rhs, "exact", elements="the 5 shifts", why="a shift only copies values: no arithmetic at all")
F = correlate.planar_correlation(f[None, None], psi, "circular")[0, 0]  # f ⋆ psi on the 9 x 9 torus
lhs = np.stack([value_at(F, groups.act(t, xs), n) for t in shifts])
rhs = np.stack([action.transform_image(F, groups.inverse(t), "wrap") for t in shifts])
checks.check("U2", "(f ⋆ psi) o t vs L_(t^-1)(f ⋆ psi), circular, 9 x 9 torus",
             lhs, rhs, "exact", elements="the 5 shifts", why="a shift only copies values: no arithmetic at all")


# %% [markdown]
# ## U3: the output at t is the correlation of a shifted image, read at the origin
#
# Put tau = t^-1 into U1 and U2. The left side of U1 is (f ⋆ psi)(t) = (f ⋆ psi)(t(0)),
# the output read at the point x = t(0); by U2 that is [L_tau(f ⋆ psi)](0). The right
# side is sum_y [L_tau f](y) psi(y), and this is the correlation of the moved image
# L_tau f, read at the origin. So
#
#     [L_tau(f ⋆ psi)](0) = (f ⋆ psi)(t) = sum_y [L_tau f](y) psi(y) = [(L_tau f) ⋆ psi](0)
#
# This is the promise "to get the output for a moved image, move the output" - for the
# origin. Each line is computed as its own array, over *every* translation t of a 7 x 7
# torus (49 of them), so each line is a 7 x 7 array indexed by t, and each is computed
# the way it is written:
#
# 1. [L_tau(f ⋆ psi)](0): correlate f (the vectorised layer), move the whole output by
#    tau (the fast shift), read it at the origin;
# 2. sum_y f(t(y)) psi(y): U1 - move the filter's support points y by the matrix t,
#    read f there, multiply by psi(y), add up;
# 3. sum_y [L_tau f](y) psi(y): first build the moved image L_tau f as an array, pixel
#    by pixel from its definition [L_tau f](z) = f(tau^-1 z) (groupconv's literal
#    action), then read that image at the support points y, multiply by psi(y), add up;
# 4. [(L_tau f) ⋆ psi](0): move f by tau (the fast shift), correlate (the vectorised
#    layer), read the output at the origin.
#
# Lines 2 and 3 are equal because tau^-1 = t; lines 1 and 4 are the two sides of
# translation equivariance, evaluated at the origin. One printed line per kind of data
# says that each line equals the next (set GROUPCONV_VERBOSE=1, or call
# checks.set_verbose(), to see the table of all four lines).

# %%
n, k = 7, 3
c = (n - 1) // 2
support = frame(k).reshape(-1, 2)  # the points y where psi can be non-zero
for kind in ("exact", "float"):
    f, psi = images.random_signal((2, n, n), RNG, kind), images.random_signal((2, k, k), RNG, kind)
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
    checks.chain("U3", f"U3 line by line, {'integers' if kind == 'exact' else 'floats'}",
                 [("[L_tau (f ⋆ psi)](0)       [layer, shift]", line1),
                  ("sum_y f(t(y)) psi(y)       [t acts on y]", line2),
                  ("sum_y [L_tau f](y) psi(y)  [moved image]", line3),
                  ("[(L_tau f) ⋆ psi](0)       [shift, layer]", line4)],
                 kind, elements=f"all {n * n} t of the {n} x {n} torus, tau = t^-1",
                 why=INT_WHY if kind == "exact" else FLOAT_WHY)


# %% [markdown]
# ## A picture of U3
#
# The photograph, correlated with an edge filter psi (dark above, light below) on a
# 65 x 65 torus. From left to right:
#
# 1. the image f, with one pixel x = t(0) boxed (the gold box is the 3 x 3 window the
#    filter reads for that pixel);
# 2. the output f ⋆ psi, with the same pixel boxed;
# 3. the photograph moved by tau = t^-1, which brings x to the centre;
# 4. its correlation, read at the centre.
#
# The two boxed output values are equal (the titles print them), and the whole fourth
# panel is the second one moved by tau: that is translation equivariance. The check
# below compares the two boxed values.

# %%
n = 65
c = (n - 1) // 2
photo = images.photograph(n)
edge = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=np.float64)  # dark above, light below
u, v = -14, 10
t = groups.translation(u, v)
tau = groups.inverse(t)
F = correlate.planar_correlation(photo[None, None], edge[None, None], "circular")[0, 0]
moved = action.transform_image(photo, tau, "wrap")
G = correlate.planar_correlation(moved[None, None], edge[None, None], "circular")[0, 0]
checks.check("U3", "photograph: (f ⋆ psi)(t) vs [(L_tau f) ⋆ psi](0), the two boxed values",
             np.array([F[u + c, v + c]]), np.array([G[c, c]]), "float", elements=f"t = t({u},{v})",
             why="float photograph: the same products, summed in the same or another order")

# float outputs are drawn rounded (figures.steady), so the picture is the same on every machine
F_drawn, G_drawn = figures.steady(F), figures.steady(G)
vmax = float(np.max(np.abs(F_drawn)))
extent = [-c - 0.5, c + 0.5, c + 0.5, -c - 0.5]
fig, axes = plt.subplots(1, 4, figsize=(18, 5.0), constrained_layout=True)
panels = [(photo, f"image f\nx = t(0) = ({u}, {v}) boxed", (u, v), "gray", None),
          (F_drawn, f"f ⋆ ψ\nvalue at x: {F_drawn[u + c, v + c]:.4f}", (u, v), "RdBu_r", vmax),
          (moved, f"L$_τ$ f,  τ = t({-u},{-v})\nx has moved to the centre", (0, 0), "gray", None),
          (G_drawn, f"(L$_τ$ f) ⋆ ψ\nvalue at the centre: {G_drawn[c, c]:.4f}", (0, 0), "RdBu_r", vmax)]
for ax, (img, title, (pu, pv), cmap, vm) in zip(axes, panels):
    limits = dict(vmin=-vm, vmax=vm) if vm else dict(vmin=0, vmax=1)
    im = ax.imshow(img, cmap=cmap, extent=extent, interpolation="nearest", **limits)
    ax.add_patch(plt.Rectangle((pv - 1.5, pu - 1.5), 3, 3, fill=False, ec="gold", lw=2))
    ax.set_title(title)
    ax.set_xlabel("v (column)")
    ax.set_ylabel("u (row)")
    fig.colorbar(im, ax=ax, shrink=0.75, label="grey level" if cmap == "gray" else "response")
fig.suptitle("U3: the output at x = t(0) is the output at the centre for the image moved by τ = t$^{-1}$"
             "   (ψ: edge filter, dark above light; circular boundary)")
figures.save(fig, "07_correlation_on_T.png")


# %% [markdown]
# ## Summary
#
# * U1: the output index of a correlation is a translation t; the pixel is t(0).
# * U2: reading f at t(y) is the same as moving f by t^-1 - the inverse again, for the
#   reason tutorial 03 gave.
# * U3: the value of the output at t is the value at the origin of the output for the
#   image moved by t^-1. Nothing in this argument used that t is a translation except
#   that t acts on pixels: tutorial 08 replaces T by p4 and p4m.
#
# ## The tally
#
# Every check above printed its own line. The last cell counts them: run as a script it
# exits with status 1 if any failed; in a notebook it raises instead.

# %%
checks.finish()
