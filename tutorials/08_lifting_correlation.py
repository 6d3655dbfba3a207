"""Tutorial 08 - the lifting correlation: from images on Z^2 to functions on p4 and p4m (docs/equations.md L1, L2).

Claim: replacing the translation t in (f ⋆ psi)(t) = sum_y f(t(y)) psi(y) by an element g
of a bigger group G (p4: translations and quarter turns; p4m: also mirrors) gives the
first layer of a G-CNN, the lifting correlation

    L1   (f ⋆ psi)(g) = sum_y sum_k f_k(y) psi_k(g^-1 y)       (paper)
                      = sum_y sum_k f_k(g y) psi_k(y)          (substituted, y -> g y)

whose output is a function on G (an array with a group axis of length 4 for p4, 8 for
p4m). It is equivariant to the whole group:

    L2   (L_u f) ⋆ psi = L_u (f ⋆ psi)      for every u in G,

where L_u turns/mirrors/shifts the image on the left, and on the right turns/mirrors/
shifts every plane of the output AND permutes the planes. Planar correlation could not do
this for rotations (tutorial 06, C6); lifting repairs it. (⋆ is the correlation, the
operation deep learning calls "convolution".) With integer data every residual is
exactly 0. Figures: figures/08_*.png.

Checks: L1, L2. Run: python tutorials/08_lifting_correlation.py, or open it as a notebook.
"""
IDS = ("L1", "L2")

# %% [markdown]
# ## From T to G
#
# Tutorial 07 showed that the output of a planar correlation is indexed by translations:
# (f ⋆ psi)(t) = sum_y f(t(y)) psi(y). Nothing in that formula needs t to be a
# translation - only that t moves pixels to pixels. The groups p4 and p4m do that too:
# their elements are the integer matrices g = t(u, v) . M^m . R(r) of tutorial 02, and
# g(y) is a matrix times the column (y, 1). So define, for every g in G,
#
#     (f ⋆ psi)(g) = sum_y f(g y) psi(y).
#
# In words: move the filter's support by g (turn it, maybe mirror it, then shift it),
# read the image there, and add up the products. Equivalently (substitute y -> g^-1 y,
# a bijection of Z^2) the image stays and the filter is moved: sum_y f(y) psi(g^-1 y),
# which is L_g psi by the definition L_g psi = psi o g^-1 of tutorial 03.
#
# How is a function on p4 stored? Every g factors as g = t(x) . s with s in the point
# group H = {R(0), R(1), R(2), R(3)} (G7). So a function on p4 is 4 images, one per s:
# plane s at pixel x holds the value at t(x) . s. For p4m there are 8 planes, in the
# order M^m . R(r) at index 4m + r.

# %%
import matplotlib.pyplot as plt
import numpy as np
from mpl_toolkits.axes_grid1.inset_locator import inset_axes

from groupconv import action, checks, correlate, figures, groups, images
from groupconv.lookup import frame, frame_elements, value_at

figures.use_slide_style()
RNG = np.random.default_rng(checks.SEED)  # seeded: every run draws the same "random" data
INT_WHY = "int64 data: every product and sum is an exact integer (integers never take the FFT path)"
FLOAT_WHY = "random float data: the same products added in a different order"
PERM_WHY = "both sides are the same numbers moved around (turns, flips, shifts, plane permutation): no rounding"


def plane_label(s_index):
    """Name of point-group element number s_index: 'R(r)' or 'M·R(r)'."""
    m, r = divmod(s_index, 4)
    return ("M·" if m else "") + f"R({r})"


# %% [markdown]
# ## A tiny example to check by hand
#
# Two lookups, shared by tutorials 07-12 and written once in `groupconv/lookup.py`
# (about 100 lines, half of them comments: worth reading once): `frame(n)` lists the
# points x = (u, v) of a centred n x n frame (n odd), u the row offset and v the column
# offset from the centre pixel, as an array (n, n, 2); `value_at(f, x)` reads an image
# at integer points: pixel (u + c, v + c) of the array, c = (n - 1) / 2, and 0 when that
# pixel is off the frame (f is zero outside it). With `period=n` the frame is a torus -
# the "circular" boundary mode - and (u, v) is first brought back into the frame by
# adding multiples of n.
#
# A 3 x 3 image and a 3 x 3 filter. In "valid" mode the filter fits in exactly one
# place, so the output has one pixel (x = 0) per point-group element: for p4 the four
# numbers (f ⋆ psi)(R(r)) = sum_y f(y) psi(R(r)^-1 y). Reading psi at R(r)^-1 y for every
# y is turning the filter by r quarter turns (L_R(r) psi = np.rot90(psi, r)), so each
# number is the sum of the products of f with one turned filter. The four turned
# filters and the four sums are printed below: check one by hand.

# %%
f = np.array([[1, 2, 0],
              [0, 1, 3],
              [1, 0, 0]])  # integers (int64): every sum below is exact
psi = np.array([[1, 0, 0],
                [2, 0, 0],
                [0, -1, 0]])
print("image f:", f.tolist())
ys = frame(3).reshape(-1, 2)
by_hand, turned_filters = [], []
for r in range(4):
    g_inv = groups.inverse(groups.rotation(r))
    turned = value_at(psi, groups.act(g_inv, ys)).reshape(3, 3)  # psi(R(r)^-1 y) on the grid of y
    by_hand.append(np.sum(f * turned))
    turned_filters.append(turned)
    print(f"g = R({r}):  psi(R({r})^-1 y) = {turned.tolist()},  sum of f times that = {by_hand[-1]}")
by_hand = np.array(by_hand)
lifted = correlate.lifting_correlation(f[None, None], psi[None, None], "p4", "valid")[0, 0, :, 0, 0]
checks.check("L1", "tiny example: the four sums by hand vs lifting_correlation (vectorised)",
             by_hand, lifted, "exact", elements="R(0), R(1), R(2), R(3)", why=INT_WHY)
checks.check("L1", "tiny example: psi read at R(r)^-1 y is np.rot90(psi, r)",
             np.stack(turned_filters), np.stack([np.rot90(psi, r) for r in range(4)]), "exact",
             elements="r = 0..3", why=PERM_WHY)


# %% [markdown]
# Now turn the image by a quarter turn. A lifted output should not change its values,
# only move them: the four numbers come back, cycled by one slot. This is L2 in the
# smallest possible case (the pixel x = 0 does not move under a turn about 0).

# %%
lifted_turned = correlate.lifting_correlation(np.rot90(f)[None, None], psi[None, None], "p4", "valid")[0, 0, :, 0, 0]
print("outputs for f           at R(0..3):", lifted.tolist())
print("outputs for f turned 90 at R(0..3):", lifted_turned.tolist(), " <- the same numbers, cycled")
checks.check("L2", "tiny example: turning f by R(1) cycles the 4 outputs by one slot",
             lifted_turned, np.roll(lifted, 1), "exact", elements="u = R(1)", why=INT_WHY)


# %% [markdown]
# ## L1 in general: both forms, literally, against the vectorised version
#
# The two functions below are the formulas, term by term, without a Python loop: they
# list every output element g and every pixel y as arrays of matrices and points,
# compute g^-1 y or g y by matrix products (groups.act), read the arrays there and add
# the products up over y and the channels. A third tool from `groupconv/lookup.py`
# lists the output elements: `frame_elements(group, n)` is every g = t(x) . s with x on
# an n x n frame, as 3 x 3 integer matrices in the array order (|H|, n, n) of a function
# on G.
#
# The vectorised version `correlate.lifting_correlation` does something different: it
# turns the filter |H| times and calls one planar correlation (tutorial 11 explains why
# that is the same). Sizes: 2 input channels, 2 output channels, a 7 x 7 image, a 3 x 3
# filter; "valid" mode (f is zero off its frame) and "circular" mode (f lives on a
# 7 x 7 torus); integer data (exact) and float data (round-off). Last, the library's own
# literal transcriptions (a Python loop over g and y) are a third implementation.

# %%
def lifting_paper(f, psi, group, n_out, period=None):
    """(f ⋆ psi)(g) = sum_y sum_k f_k(y) psi_k(g^-1 y): y over the whole image frame (or torus)."""
    g = frame_elements(group, n_out).reshape(-1, 3, 3)  # every output element
    y = frame(f.shape[-1]).reshape(-1, 2)  # every pixel where f can be non-zero
    g_inv_y = groups.act(groups.inverse(g)[:, None], y[None])  # (N_g, N_y, 2)
    psi_at = value_at(psi, g_inv_y, period)  # (O, K, N_g, N_y), psi is 0 off its support
    f_at = value_at(f, y)  # (K, N_y)
    out = np.einsum("ky,okgy->og", f_at, psi_at)  # sum over y and the channels k
    return out.reshape(psi.shape[0], groups.order(group), n_out, n_out)


def lifting_substituted(f, psi, group, n_out, period=None):
    """(f ⋆ psi)(g) = sum_y sum_k f_k(g y) psi_k(y): y over the filter's support only."""
    g = frame_elements(group, n_out).reshape(-1, 3, 3)
    y = frame(psi.shape[-1]).reshape(-1, 2)  # the support of psi
    g_y = groups.act(g[:, None], y[None])  # (N_g, N_y, 2)
    f_at = value_at(f, g_y, period)  # (K, N_g, N_y)
    psi_at = value_at(psi, y)  # (O, K, N_y)
    out = np.einsum("kgy,oky->og", f_at, psi_at)
    return out.reshape(psi.shape[0], groups.order(group), n_out, n_out)


n, k = 7, 3
integers = images.integer_image((2, n, n), RNG), images.integer_image((2, 2, k, k), RNG)  # (f, psi)
floats = RNG.standard_normal((2, n, n)), RNG.standard_normal((2, 2, k, k))
for (f, psi), kind, why in ((integers, "exact", INT_WHY), (floats, "float", FLOAT_WHY)):
    data = "integers" if kind == "exact" else "floats"
    for group in ("p4", "p4m"):
        for mode, n_out, period in (("valid", n - k + 1, None), ("circular", n, n)):
            vectorised = correlate.lifting_correlation(f[None], psi, group, mode)[0]
            elements = f"all {groups.order(group) * n_out ** 2} g of the output"
            checks.check("L1", f"{group} {mode}, {data}: sum_y f(y) psi(g^-1 y) (paper, literal) vs vectorised",
                         lifting_paper(f, psi, group, n_out, period), vectorised, kind, elements, why)
            checks.check("L1", f"{group} {mode}, {data}: sum_y f(g y) psi(y) (substituted, literal) vs vectorised",
                         lifting_substituted(f, psi, group, n_out, period), vectorised, kind, elements, why)
f, psi = integers
for group in ("p4", "p4m"):
    for form in ("paper", "substituted"):
        checks.check("L1", f"{group} valid: lifting_correlation_literal(form={form!r}) vs vectorised",
                     correlate.lifting_correlation_literal(f[None], psi, group, "valid", form=form),
                     correlate.lifting_correlation(f[None], psi, group, "valid"), "exact",
                     "all g of the output", INT_WHY)


# %% [markdown]
# ## L2: the lifting correlation is equivariant to turns, mirrors and shifts
#
# Why should it be? Write the paper form for the moved image L_u f = f o u^-1 and
# substitute y -> u y (a bijection of Z^2):
#
#     ((L_u f) ⋆ psi)(g) = sum_y f(u^-1 y) psi(g^-1 y) = sum_y f(y) psi(g^-1 u y)
#                        = sum_y f(y) psi((u^-1 g)^-1 y) = (f ⋆ psi)(u^-1 g) = [L_u (f ⋆ psi)](g).
#
# The last step is the action on functions on G (tutorial 03, A4): L_u moves every plane
# as an image AND permutes the planes, because u^-1 g has a different point-group part
# than g. We check it for every element of the point groups C4 and D4 (all turns and all
# mirrors), for a pure translation, and for elements that combine a shift with a turn or
# a mirror (listed below). The frame is a torus ("circular" mode, shifts wrap around) so
# that shifts lose nothing; on an ordinary frame with zero border, turns about the
# centre are still exact (checked in "valid" mode), and tutorial 05 measured what the
# border does to shifts.
#
# The last check shows that the permutation of the planes is needed: turning every
# plane of the output, but leaving the planes in their slots, is NOT the output for the
# turned image - a counterexample, so its residual must be clearly non-zero.

# %%
ELEMENTS = {
    "p4": [groups.element("p4", *p) for p in ((0, 1, -2), (1, 2, -1), (3, 0, 3), (2, -3, 1))],
    "p4m": [groups.element("p4m", *p) for p in ((0, 0, 1, -2), (1, 1, 2, -1), (0, 3, 0, 3), (1, 2, -3, 1))],
}  # a pure translation and three elements that combine a shift with a turn or a mirror
for group in ("p4", "p4m"):
    print(f"u tried on {group}: all {groups.order(group)} of the point group, and "
          + ", ".join(groups.name(u) for u in ELEMENTS[group]))
n, k = 7, 3
for group in ("p4", "p4m"):
    us = list(groups.point_group(group)) + ELEMENTS[group]
    tried = f"{len(us)} u: all of {'C4' if group == 'p4' else 'D4'} + 4 with a shift"
    for kind in ("exact", "float"):
        f, psi = images.random_signal((1, 2, n, n), RNG, kind), images.random_signal((3, 2, k, k), RNG, kind)
        out = correlate.lifting_correlation(f, psi, group, "circular")
        lhs = np.stack([correlate.lifting_correlation(action.transform_image(f, u, "wrap"), psi, group, "circular")
                        for u in us])
        rhs = np.stack([action.transform_group_function(out, u, group, "wrap") for u in us])
        checks.check("L2", f"{group} circular, {'integers' if kind == 'exact' else 'floats'}: "
                     "(L_u f) ⋆ psi vs L_u (f ⋆ psi)", lhs, rhs, kind, tried,
                     INT_WHY if kind == "exact" else "float data: the moved image's products are summed in another order")
    # an ordinary zero-bordered frame: turns and mirrors about the centre lose nothing
    f, psi = images.integer_image((1, 2, n, n), RNG), images.integer_image((3, 2, k, k), RNG)
    H = groups.point_group(group)
    out = correlate.lifting_correlation(f, psi, group, "valid")
    lhs = np.stack([correlate.lifting_correlation(action.transform_image(f, s), psi, group, "valid") for s in H])
    rhs = np.stack([action.transform_group_function(out, s, group) for s in H])
    checks.check("L2", f"{group} valid (zero border), integers: (L_s f) ⋆ psi vs L_s (f ⋆ psi)", lhs, rhs, "exact",
                 f"all {len(H)} s of the point group", INT_WHY)
    # the permutation of the planes is needed: turning every plane alone is NOT the answer
    s = groups.rotation(1)
    wrong = action.transform_image(out, s)  # every plane turned, planes left where they were
    checks.check("L2", f"{group}: NOT equivariant without cycling the planes: (L_s f) ⋆ psi vs each plane turned",
                 correlate.lifting_correlation(action.transform_image(f, s), psi, group, "valid"), wrong,
                 "nonzero", "s = R(1)", "a counterexample: the group axis must be permuted as well")


# %% [markdown]
# ## Pictures 1: planar correlation fails under a turn
#
# First the failure that lifting repairs (tutorial 06, C6). The photograph is correlated
# with an edge detector psi (dark above, light below) whose two right-hand columns are
# zero, so that no turn and no mirror maps it to itself: each of its 8 transformed copies
# is a different filter (checked at the end). Correlating the turned photograph with psi
# is not the turned correlation: the filter did not turn with the image, so it finds
# different edges, and the difference (right) is far from zero. The filter is drawn in
# the corner of each correlation (dark = negative weight, light = positive). In the
# third panel it is turned: by C6, L_R(1)(f ⋆ psi) = (L_R(1) f) ⋆ (L_R(1) psi), so the
# turned output is what a turned filter sees in the turned photograph. The two middle
# panels differ because they look with differently oriented filters.
#
# Every figure of this tutorial draws its float outputs rounded by `figures.steady`, so
# that the picture is the same on every machine.

# %%
PSI = np.array([[-1, -1, -1, 0, 0],
                [-1, -2, -1, 0, 0],
                [0, 0, 0, 0, 0],
                [1, 2, 1, 0, 0],
                [1, 1, 1, 0, 0]], dtype=np.float64)
photo = images.photograph(97)
R1 = groups.rotation(1)


def show(ax, img, title, vmax, cmap="RdBu_r"):
    """Draw one image on centred coordinates: grey levels in [0, 1], or responses on [-vmax, vmax]."""
    c = (img.shape[-1] - 1) / 2
    limits = dict(vmin=0, vmax=1) if cmap == "gray" else dict(vmin=-vmax, vmax=vmax)
    im = ax.imshow(img, cmap=cmap, extent=[-c - 0.5, c + 0.5, c + 0.5, -c - 0.5], interpolation="nearest", **limits)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    return im


def inset_filter(ax, filt):
    """The filter that made this picture, drawn in its upper-left corner (dark = negative, light = positive)."""
    inner = inset_axes(ax, width="24%", height="24%", loc="upper left", borderpad=0.3)
    inner.imshow(filt, cmap="gray", vmin=-2, vmax=2, interpolation="nearest")
    inner.set_xticks([])
    inner.set_yticks([])
    for spine in inner.spines.values():
        spine.set_edgecolor("gold")
        spine.set_linewidth(2)


turned = action.transform_image(photo, R1)
planar = correlate.planar_correlation(photo[None, None], PSI[None, None], "same")[0, 0]
planar_of_turned = correlate.planar_correlation(turned[None, None], PSI[None, None], "same")[0, 0]
turned_planar = action.transform_image(planar, R1)
checks.check("L2", "photograph, planar correlation: (L_R(1) f) ⋆ psi vs L_R(1)(f ⋆ psi) differ",
             planar_of_turned, turned_planar, "nonzero", "u = R(1)",
             "C6: the planar filter does not turn with the image, so equality must fail")

drawn = figures.steady(np.stack([planar_of_turned, turned_planar]))  # one rounding for both
vmax = float(np.max(np.abs(drawn)))
fig, axes = plt.subplots(1, 4, figsize=(18, 5.2), constrained_layout=True)
show(axes[0], turned, "turned photograph L$_{R(1)}$ f", 1, "gray")
show(axes[1], drawn[0], "(L$_{R(1)}$ f) ⋆ ψ", vmax)
inset_filter(axes[1], PSI)
im = show(axes[2], drawn[1], "L$_{R(1)}$ (f ⋆ ψ)", vmax)
inset_filter(axes[2], np.rot90(PSI))  # L_R(1)(f ⋆ psi) = (L_R(1) f) ⋆ (L_R(1) psi): a turned filter's view
show(axes[3], drawn[0] - drawn[1], f"difference: NOT zero\nmax |diff| = {np.max(np.abs(drawn[0] - drawn[1])):.2f}", vmax)
fig.colorbar(im, ax=axes[1:], shrink=0.8, label="response")
fig.suptitle("C6: a planar correlation does not commute with a quarter turn")
figures.save(fig, "08_planar_turn_fails.png")


# %% [markdown]
# ## Pictures 2: the lifted output of the photograph
#
# Lift instead. The lifted p4 output of the photograph has one plane per point-group
# element s: plane s is the photograph correlated with the turned filter L_s psi (the
# gold inset), so each plane finds edges of one orientation. The check compares each
# plane with an ordinary planar correlation with np.rot90(psi, r), a filter turned by
# NumPy alone (L_R(1) psi == np.rot90(psi), tutorial 03).

# %%
lifted = correlate.lifting_correlation(photo[None, None], PSI[None, None], "p4", "same")[0, 0]
bank = correlate.expand_lifting_filter(PSI[None, None], "p4m")[0, :, 0]  # L_s psi for every s of D4
by_numpy = np.stack([correlate.planar_correlation(photo[None, None], np.rot90(PSI, r)[None, None], "same")[0, 0]
                     for r in range(4)])
checks.check("L1", "photograph: p4 plane R(r) vs planar correlation with np.rot90(psi, r)",
             lifted, by_numpy, "float", "R(0), R(1), R(2), R(3)",
             "float photograph; the same products, possibly summed in another order")

drawn = figures.steady(lifted)
vmax = float(np.max(np.abs(drawn)))
fig, axes = plt.subplots(1, 5, figsize=(18, 4.6), constrained_layout=True)
show(axes[0], photo, "photograph f", 1, "gray")
for s in range(4):
    im = show(axes[s + 1], drawn[s], f"plane s = {plane_label(s)}", vmax)
    inset_filter(axes[s + 1], bank[s])
fig.colorbar(im, ax=axes[1:], shrink=0.8, label="response")
fig.suptitle("L1: the lifted p4 output f ⋆ ψ, one plane per turn s (gold inset: the turned filter L$_s$ψ)")
figures.save(fig, "08_lifted_p4_photograph.png")


# %% [markdown]
# ## Pictures 3: the repair - turning the photograph turns and cycles the lifted output
#
# Top row: the lifted output of the turned photograph, (L_R(1) f) ⋆ psi. Bottom row:
# the lifted output of the photograph transformed by L_R(1): every plane turned by a
# quarter turn and moved one slot on (plane R(r) of f ⋆ psi goes to slot R(r + 1)).
# The rows are equal up to float round-off (the photograph is float data; the
# integer-data checks above are exactly 0). The right-hand panel shows the difference of
# the two rows, all four planes, on the same colour scale as the responses: nothing is
# left to see.

# %%
lifted_of_turned = correlate.lifting_correlation(turned[None, None], PSI[None, None], "p4", "same")[0, 0]
turned_lifted = action.transform_group_function(lifted, R1, "p4")
checks.check("L2", "photograph, lifted p4: (L_R(1) f) ⋆ psi vs L_R(1)(f ⋆ psi), the two rows",
             lifted_of_turned, turned_lifted, "float", "u = R(1)",
             "float photograph; a turn only moves values, at most the summation order changes")
gap = checks.residual(lifted_of_turned, turned_lifted).value

drawn = figures.steady(np.stack([lifted_of_turned, turned_lifted]))  # one rounding for both rows
vmax = float(np.max(np.abs(drawn)))
fig, axes = plt.subplots(2, 5, figsize=(18, 8.4), constrained_layout=True)
for s in range(4):
    show(axes[0, s], drawn[0, s], f"(L$_{{R(1)}}$ f) ⋆ ψ\nplane {plane_label(s)}", vmax)
    inset_filter(axes[0, s], bank[s])
    im = show(axes[1, s], drawn[1, s], f"L$_{{R(1)}}$ (f ⋆ ψ), plane {plane_label(s)}\n"
              f"= plane {plane_label((s - 1) % 4)} of f ⋆ ψ, turned", vmax)
difference = drawn[0] - drawn[1]
mosaic = difference.reshape(2, 2, *difference.shape[-2:]).transpose(0, 2, 1, 3).reshape(
    2 * difference.shape[-2], 2 * difference.shape[-1])
verdict = "float round-off, < 1e-12" if gap < 1e-12 else f"NOT round-off: {gap:.2g}"
show(axes[0, 4], mosaic, f"top − bottom, 4 planes:\n{verdict}", vmax)
axes[1, 4].axis("off")
axes[1, 4].text(0.0, 0.5, "bottom row: plane R(r)\nof f ⋆ ψ, turned a\nquarter turn and\nmoved to slot R(r+1)",
                va="center", transform=axes[1, 4].transAxes)
fig.colorbar(im, ax=axes[:, :4], shrink=0.8, label="response")
fig.suptitle("L2: turning the photograph by R(1) turns every plane of the lifted output and cycles the planes")
figures.save(fig, "08_lifted_p4_turned.png")


# %% [markdown]
# ## Pictures 4: the lifted p4m output
#
# For p4m the output has 8 planes: the 4 of p4 (m = 0, top row), and 4 more for the
# mirrored filters M·R(r) (bottom row; the mirror M flips the row axis). Each plane is
# labelled by its point-group element s, and its gold inset is the transformed filter
# L_s psi that produced it. The first check compares every plane with a planar
# correlation with a filter transformed by NumPy alone (np.rot90, then np.flip of the
# rows for m = 1); the second confirms the claim made for this filter: its 8 transforms
# are 8 different filters, so each plane means something different.

# %%
lifted8 = correlate.lifting_correlation(photo[None, None], PSI[None, None], "p4m", "same")[0, 0]
by_numpy = np.stack([correlate.planar_correlation(
    photo[None, None], (np.flip(np.rot90(PSI, r), axis=0) if m else np.rot90(PSI, r))[None, None], "same")[0, 0]
    for m in (0, 1) for r in range(4)])
checks.check("L1", "photograph: p4m plane M^m·R(r) vs planar correlation with np.flip(np.rot90(psi, r)) (m = 1)",
             lifted8, by_numpy, "float", "all 8 s of D4",
             "float photograph; the same products, possibly summed in another order")
closest = min(checks.residual(bank[s], bank[t]).value for s in range(8) for t in range(s))
checks.check("L1", "the 8 filters L_s psi are pairwise different: min over s != s' of max |L_s psi - L_s' psi|",
             np.array(closest), np.array(0.0), "nonzero", "all 28 pairs of D4",
             "psi has no symmetry in D4, so every plane of the output is a different filter")

drawn = figures.steady(lifted8)
vmax = float(np.max(np.abs(drawn)))
fig, axes = plt.subplots(2, 5, figsize=(18, 8), constrained_layout=True)
show(axes[0, 0], photo, "photograph f", 1, "gray")
axes[1, 0].imshow(PSI, cmap="gray", vmin=-2, vmax=2, interpolation="nearest")
axes[1, 0].set_title("filter ψ (5 x 5)\ndark < 0 < light")
axes[1, 0].set_xticks([])
axes[1, 0].set_yticks([])
for s in range(8):
    ax = axes[s // 4, 1 + s % 4]
    im = show(ax, drawn[s], f"plane s = {plane_label(s)}", vmax)
    inset_filter(ax, bank[s])
fig.colorbar(im, ax=axes[:, 1:], shrink=0.8, label="response")
fig.suptitle("L1: the lifted p4m output, one plane per turn and mirrored turn s (gold inset: L$_s$ψ)")
figures.save(fig, "08_lifted_p4m_photograph.png")


# %% [markdown]
# ## Summary
#
# * L1: the lifting correlation sums the image against every turned (and mirrored) and
#   shifted copy of the filter; its output is a stack of |H| planes, a function on G.
#   Both literal forms agree with the vectorised version.
# * L2: turning, mirroring or shifting the input turns, mirrors or shifts every plane of
#   the output and permutes the planes - exactly, for every element tried.
# * Tutorial 09 builds the next layer, which takes such a function on G as its input.
#
# ## The tally
#
# Every check above printed its own line. The last cell counts them: run as a script it
# exits with status 1 if any failed; in a notebook it raises instead.

# %%
checks.finish()
