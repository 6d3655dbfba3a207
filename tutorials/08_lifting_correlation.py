"""Tutorial 08 - the lifting correlation: from images on Z^2 to functions on p4 and p4m (docs/equations.md L1, L2).

Claim: replacing the translation t in (f * psi)(t) = sum_y f(t(y)) psi(y) by an element g
of a bigger group G (p4: translations and quarter turns; p4m: also mirrors) gives the
first layer of a G-CNN, the lifting correlation

    L1   (f * psi)(g) = sum_y sum_k f_k(y) psi_k(g^-1 y)       (paper)
                      = sum_y sum_k f_k(g y) psi_k(y)          (substituted, y -> g y)

whose output is a function on G (an array with a group axis of length 4 for p4, 8 for
p4m). It is equivariant to the whole group:

    L2   (L_u f) * psi = L_u (f * psi)      for every u in G,

where L_u turns/mirrors/shifts the image on the left, and on the right turns/mirrors/
shifts every plane of the output AND permutes the planes. Planar correlation could not do
this for rotations (tutorial 06, C6); lifting repairs it. With integer data every
residual is exactly 0.0.

Run:  python3 tutorials/08_lifting_correlation.py
"""
IDS = ("L1", "L2")

# %% [markdown]
# ## From T to G
#
# Tutorial 07 showed that the output of a planar correlation is indexed by translations:
# (f * psi)(t) = sum_y f(t(y)) psi(y). Nothing in that formula needs t to be a
# translation - only that t moves pixels to pixels. The groups p4 and p4m do that too:
# their elements are the integer matrices g = t(u, v) . M^m . R(r) of tutorial 02, and
# g(y) is a matrix times the column (y, 1). So define, for every g in G,
#
#     (f * psi)(g) = sum_y f(g y) psi(y).
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
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from mpl_toolkits.axes_grid1.inset_locator import inset_axes  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)  # run from a fresh clone without installing the package
sys.path.insert(0, os.path.join(REPO, "tutorials"))
from groupconv import action, checks, correlate, groups, images  # noqa: E402
from groupconv.lookup import frame, frame_elements, value_at  # noqa: E402

from groupconv.figures import display_path, figures_dir  # noqa: E402

FIGURES = str(figures_dir())
INT_WHY = "int64 data: every product and sum is an exact integer (integers never take the FFT path)"
FLOAT_WHY = "random float data: the same products added in a different order"
PERM_WHY = "both sides are the same numbers moved around (turns, flips, shifts, plane permutation): no rounding"


def plane_label(s_index):
    """Name of point-group element number s_index: 'R(r)' or 'M·R(r)'."""
    m, r = divmod(s_index, 4)
    return ("M·" if m else "") + f"R({r})"


# %% [markdown]
# ## Tools written from the definitions
#
# Two lookups, shared by tutorials 08-12 and written once in `groupconv/lookup.py`
# (about 100 lines, half of them comments: worth reading once):
#
# * `frame(n)` lists the points x = (u, v) of a centred n x n frame (n odd), u the row
#   offset and v the column offset from the centre pixel, as an array (n, n, 2);
# * `value_at(f, x)` reads an image at integer points: pixel (u + c, v + c) of the array,
#   c = (n - 1) / 2, and 0 when that pixel is off the frame (f is zero outside it). With
#   `period=n` the frame is a torus - the "circular" boundary mode - and (u, v) is first
#   brought back into the frame by adding multiples of n.
#
# A third tool lists the group elements of an output: `frame_elements(group, n)` is every
# g = t(x) . s with x on an n x n frame, as 3 x 3 integer matrices in the array order
# (|H|, n, n) of a function on G.

# %% [markdown]
# ## A tiny example to check by hand
#
# A 3 x 3 image and a 3 x 3 filter. In "valid" mode the filter fits in exactly one
# place, so the output has one pixel (x = 0) per point-group element: for p4 the four
# numbers (f * psi)(R(r)) = sum_y f(y) psi(R(r)^-1 y). Reading psi at R(r)^-1 y for every
# y is turning the filter by r quarter turns (L_R(r) psi = np.rot90(psi, r)), so each
# number is the sum of the products of f with one turned filter - print them and check.
#
# Then turn the image by a quarter turn. A lifted output should not change its values,
# only move them: the four numbers come back, cycled by one slot. This is L2 in the
# smallest possible case (the pixel x = 0 does not move under a turn about 0).

# %%
def tiny_example():
    f = np.array([[1, 2, 0],
                  [0, 1, 3],
                  [1, 0, 0]])  # integers (int64): every sum below is exact
    psi = np.array([[1, 0, 0],
                    [2, 0, 0],
                    [0, -1, 0]])
    print("image f:\n", f)
    ys = frame(3).reshape(-1, 2)
    by_hand, turned_filters = [], []
    for r in range(4):
        g_inv = groups.inverse(groups.rotation(r))
        turned = value_at(psi, groups.act(g_inv, ys)).reshape(3, 3)  # psi(R(r)^-1 y) on the grid of y
        value = np.sum(f * turned)
        by_hand.append(value)
        turned_filters.append(turned)
        print(f"g = R({r}):  psi(R({r})^-1 y) =", turned.tolist(), f"  sum f * that = {value}")
    by_hand = np.array(by_hand)
    lifted = correlate.lifting_correlation(f[None, None], psi[None, None], "p4", "valid")[0, 0, :, 0, 0]
    checks.check("L1", "tiny example: the four sums by hand vs lifting_correlation (vectorised)",
                 by_hand, lifted, "exact", elements="R(0), R(1), R(2), R(3)", why=INT_WHY)
    checks.check("L1", "tiny example: L_R(r) psi (psi read at R(r)^-1 y) is np.rot90(psi, r)",
                 np.stack(turned_filters), np.stack([np.rot90(psi, r) for r in range(4)]), "exact",
                 elements="r = 0..3", why=PERM_WHY)
    turned_f = np.rot90(f, 1)
    lifted_turned = correlate.lifting_correlation(turned_f[None, None], psi[None, None], "p4", "valid")[0, 0, :, 0, 0]
    print("outputs for f          at R(0..3):", lifted.tolist())
    print("outputs for f turned 90 at R(0..3):", lifted_turned.tolist(), " <- the same numbers, cycled")
    checks.check("L2", "tiny example: turning f by R(1) cycles the 4 outputs by one slot",
                 lifted_turned, np.roll(lifted, 1), "exact", elements="u = R(1)", why=INT_WHY)


# %% [markdown]
# ## L1 in general: both forms, literally, against the vectorised version
#
# The two literal versions below are the formulas, term by term, without a Python loop:
# they list every output element g and every pixel y as arrays of matrices and points,
# compute g^-1 y or g y by matrix products (groups.act), read the arrays there and add
# the products up over y and the channels. The vectorised
# version `correlate.lifting_correlation` does something different: it turns the filter
# |H| times and calls one planar correlation (tutorial 11 explains why that is the same).
# Sizes: 2 input channels, 2 output channels, a 7 x 7 image, a 3 x 3 filter; "valid"
# mode (f is zero off its frame) and "circular" mode (f lives on a 7 x 7 torus).

# %%
def lifting_paper(f, psi, group, n_out, period=None):
    """(f * psi)(g) = sum_y sum_k f_k(y) psi_k(g^-1 y): y over the whole image frame (or torus)."""
    g = frame_elements(group, n_out).reshape(-1, 3, 3)  # every output element
    y = frame(f.shape[-1]).reshape(-1, 2)  # every pixel where f can be non-zero
    g_inv_y = groups.act(groups.inverse(g)[:, None], y[None])  # (N_g, N_y, 2)
    psi_at = value_at(psi, g_inv_y, period)  # (O, K, N_g, N_y), psi is 0 off its support
    f_at = value_at(f, y)  # (K, N_y)
    out = np.einsum("ky,okgy->og", f_at, psi_at)  # sum over y and the channels k
    return out.reshape(psi.shape[0], groups.order(group), n_out, n_out)


def lifting_substituted(f, psi, group, n_out, period=None):
    """(f * psi)(g) = sum_y sum_k f_k(g y) psi_k(y): y over the filter's support only."""
    g = frame_elements(group, n_out).reshape(-1, 3, 3)
    y = frame(psi.shape[-1]).reshape(-1, 2)  # the support of psi
    g_y = groups.act(g[:, None], y[None])  # (N_g, N_y, 2)
    f_at = value_at(f, g_y, period)  # (K, N_g, N_y)
    psi_at = value_at(psi, y)  # (O, K, N_y)
    out = np.einsum("kgy,oky->og", f_at, psi_at)
    return out.reshape(psi.shape[0], groups.order(group), n_out, n_out)


def check_L1(rng):
    n, k = 7, 3
    integers = images.integer_image((2, n, n), rng), images.integer_image((2, 2, k, k), rng)  # (f, psi), 2 channels in and out
    floats = rng.standard_normal((2, n, n)), rng.standard_normal((2, 2, k, k))
    for (f, psi), kind, why in ((integers, "exact", INT_WHY), (floats, "float", FLOAT_WHY)):
        for group in ("p4", "p4m"):
            for mode, n_out, period in (("valid", n - k + 1, None), ("circular", n, n)):
                vectorised = correlate.lifting_correlation(f[None], psi, group, mode)[0]
                elements = f"all {groups.order(group) * n_out ** 2} output elements t(x)·s of {group}"
                checks.check("L1", f"{group} {mode}: sum_y f(y) psi(g^-1 y) (paper, literal) vs vectorised",
                             lifting_paper(f, psi, group, n_out, period), vectorised, kind, elements, why)
                checks.check("L1", f"{group} {mode}: sum_y f(g y) psi(y) (substituted, literal) vs vectorised",
                             lifting_substituted(f, psi, group, n_out, period), vectorised, kind, elements, why)
    # the library's own literal transcriptions (a loop over g and y) agree too: a third implementation
    f, psi = integers
    for group in ("p4", "p4m"):
        for form in ("paper", "substituted"):
            checks.check("L1", f"{group} valid: correlate.lifting_correlation_literal(form={form!r}) vs vectorised",
                         correlate.lifting_correlation_literal(f[None], psi, group, "valid", form=form),
                         correlate.lifting_correlation(f[None], psi, group, "valid"), "exact",
                         f"all output elements of {group}", INT_WHY)


# %% [markdown]
# ## L2: the lifting correlation is equivariant to turns, mirrors and shifts
#
# Why should it be? Write the paper form for the moved image L_u f = f o u^-1 and
# substitute y -> u y (a bijection of Z^2):
#
#     ((L_u f) * psi)(g) = sum_y f(u^-1 y) psi(g^-1 y) = sum_y f(y) psi(g^-1 u y)
#                        = sum_y f(y) psi((u^-1 g)^-1 y) = (f * psi)(u^-1 g) = [L_u (f * psi)](g).
#
# The last step is the action on functions on G (tutorial 03, A4): L_u moves every plane
# as an image AND permutes the planes, because u^-1 g has a different point-group part
# than g. We check it for every element of the point groups C4 and D4 (all turns and all
# mirrors), for a pure translation, and for elements that combine a shift with a turn or
# a mirror. The frame is a torus ("circular" mode, shifts wrap around) so that shifts
# lose nothing; on an ordinary frame with zero border, turns about the centre are still
# exact (checked in "valid" mode), and tutorial 05 measured what the border does to
# shifts.

# %%
def elements_to_try(group):
    """All of the point group, a pure translation, and three elements that combine a shift with a turn or mirror."""
    H = list(groups.point_group(group))
    mixed = [groups.element(group, *p) for p in ((0, 1, -2), (1, 2, -1), (3, 0, 3), (2, -3, 1))] if group == "p4" else \
            [groups.element(group, *p) for p in ((0, 0, 1, -2), (1, 1, 2, -1), (0, 3, 0, 3), (1, 2, -3, 1))]
    return H + mixed


def check_L2(rng):
    n, k = 7, 3
    for group in ("p4", "p4m"):
        us = elements_to_try(group)
        names = ", ".join(groups.name(u) for u in us)
        for kind in ("exact", "float"):
            f, psi = images.random_signal((1, 2, n, n), rng, kind), images.random_signal((3, 2, k, k), rng, kind)
            out = correlate.lifting_correlation(f, psi, group, "circular")
            lhs = np.stack([correlate.lifting_correlation(action.transform_image(f, u, "wrap"), psi, group, "circular")
                            for u in us])
            rhs = np.stack([action.transform_group_function(out, u, group, "wrap") for u in us])
            checks.check("L2", f"{group} circular: (L_u f) * psi vs L_u (f * psi)", lhs, rhs, kind, names,
                         INT_WHY if kind == "exact" else
                         "float data: the moved image's products are summed in a different order")
        # an ordinary zero-bordered frame: turns and mirrors about the centre lose nothing
        f, psi = images.integer_image((1, 2, n, n), rng), images.integer_image((3, 2, k, k), rng)
        H = groups.point_group(group)
        out = correlate.lifting_correlation(f, psi, group, "valid")
        lhs = np.stack([correlate.lifting_correlation(action.transform_image(f, s), psi, group, "valid") for s in H])
        rhs = np.stack([action.transform_group_function(out, s, group) for s in H])
        checks.check("L2", f"{group} valid (zero border): (L_s f) * psi vs L_s (f * psi)", lhs, rhs, "exact",
                     f"every s in the point group of {group}", INT_WHY)
        # the permutation of the planes is needed: turning every plane alone is NOT the answer
        s = groups.rotation(1)
        wrong = action.transform_image(out, s)  # every plane turned, planes left where they were
        checks.check("L2", f"{group}: without cycling the planes, (L_s f) * psi != (each plane turned)",
                     correlate.lifting_correlation(action.transform_image(f, s), psi, group, "valid"), wrong,
                     "nonzero", "s = R(1)", "a counterexample: the group axis must be permuted as well")


# %% [markdown]
# ## Pictures: the failure of planar correlation under a turn, and its repair by lifting
#
# Top row (tutorial 06, C6): correlating the turned photograph with an edge filter is not
# the turned correlation - the filter did not turn with the image, so it finds different
# edges. The difference map is far from zero.
#
# Rows 2-4: lift instead. Row 2 is the lifted output of the photograph, one plane per
# turned copy of the filter. Row 3 is the lifted output of the turned photograph. Row 4
# is row 2 transformed by L_R(1): every plane turned by 90 degrees and moved one slot to
# the right (plane s goes to slot R(1)·s). Rows 3 and 4 are equal up to float round-off
# (the photograph is float data; the integer-data checks above are exactly 0.0).
#
# The filter: an edge detector (dark above, light below) whose two right-hand columns are
# zero, so that no turn and no mirror maps it to itself - each of the 8 transformed copies is a
# different filter, and each plane of a p4m output means something different.

# %%
PSI = np.array([[-1, -1, -1, 0, 0],
                [-1, -2, -1, 0, 0],
                [0, 0, 0, 0, 0],
                [1, 2, 1, 0, 0],
                [1, 1, 1, 0, 0]], dtype=np.float64)


def _show(ax, img, title, vmax, cmap="RdBu_r", with_bar=False, fig=None):
    c = (img.shape[-1] - 1) / 2
    kw = dict(vmin=0, vmax=1) if cmap == "gray" else dict(vmin=-vmax, vmax=vmax)
    im = ax.imshow(img, cmap=cmap, extent=[-c - 0.5, c + 0.5, c + 0.5, -c - 0.5], interpolation="nearest", **kw)
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    if with_bar:
        fig.colorbar(im, ax=ax, shrink=0.8)
    return im


def _inset_filter(ax, filt):
    """The transformed filter that made this plane, drawn in the plane's upper-left corner."""
    inner = inset_axes(ax, width="22%", height="22%", loc="upper left", borderpad=0.3)
    inner.imshow(filt, cmap="gray", vmin=-2, vmax=2, interpolation="nearest")  # dark = negative, light = positive
    inner.set_xticks([])
    inner.set_yticks([])
    for spine in inner.spines.values():
        spine.set_edgecolor("gold")
        spine.set_linewidth(1.5)


def figure_failure_and_repair():
    f = images.photograph(97)
    r1 = groups.rotation(1)
    fb, psi = f[None, None], PSI[None, None]
    planar = correlate.planar_correlation(fb, psi, "same")[0, 0]
    turned = action.transform_image(f, r1)
    planar_of_turned = correlate.planar_correlation(turned[None, None], psi, "same")[0, 0]
    turned_planar = action.transform_image(planar, r1)
    lifted = correlate.lifting_correlation(fb, psi, "p4", "same")[0, 0]
    lifted_of_turned = correlate.lifting_correlation(turned[None, None], psi, "p4", "same")[0, 0]
    turned_lifted = action.transform_group_function(lifted, r1, "p4")
    vmax = np.max(np.abs(lifted))

    fig, axes = plt.subplots(4, 6, figsize=(19, 13.5), constrained_layout=True)
    for ax in axes.ravel():
        ax.axis("off")
    row = axes[0]
    for ax in row[:6]:
        ax.axis("on")
    _show(row[0], f, "photograph f", 1, "gray")
    _show(row[1], planar, "planar f * psi", vmax)
    _show(row[2], turned, "turned photograph L_R(1) f", 1, "gray")
    _show(row[3], planar_of_turned, "(L_R(1) f) * psi", vmax)
    _show(row[4], turned_planar, "L_R(1) (f * psi)", vmax, with_bar=True, fig=fig)
    diff = planar_of_turned - turned_planar
    gap = checks.residual(planar_of_turned, turned_planar).value
    _show(row[5], diff, f"difference: NOT zero\nmax |diff| = {gap:.2f}", vmax,
          with_bar=True, fig=fig)
    bank = correlate.expand_lifting_filter(PSI[None, None], "p4")[0, :, 0]  # L_s psi for every s
    rows = [(lifted, "f * psi (lifted)", bank),
            (lifted_of_turned, "(L_R(1) f) * psi", bank),
            (turned_lifted, "L_R(1) (f * psi)", bank)]
    for i, (planes, name, filters) in enumerate(rows, start=1):
        for s in range(4):
            ax = axes[i, s]
            ax.axis("on")
            extra = ""
            if i == 3:
                extra = f"\n= plane {plane_label((s - 1) % 4)} of row 2, turned"
            _show(ax, planes[s], f"{name}\nplane s = {plane_label(s)}{extra}", vmax,
                  with_bar=(s == 3), fig=fig)
            if i < 3:
                _inset_filter(ax, filters[s])
    d = lifted_of_turned - turned_lifted
    ax = axes[3, 4]
    ax.axis("on")
    mosaic = d.reshape(2, 2, *d.shape[-2:]).transpose(0, 2, 1, 3).reshape(2 * d.shape[-2], 2 * d.shape[-1])
    gap = checks.residual(lifted_of_turned, turned_lifted).value
    _show(ax, mosaic, f"row 3 - row 4, all 4 planes\nmax |diff| = {gap:.1e} (round-off only)", vmax,
          with_bar=True, fig=fig)
    axes[1, 4].text(0.0, 0.5, "each plane: the photograph\ncorrelated with one turned\ncopy of the filter "
                    "(gold inset:\nL_s psi, the filter of plane s)", fontsize=11, va="center",
                    transform=axes[1, 4].transAxes)
    axes[2, 4].text(0.0, 0.5, "turn the photograph:\nthe same 4 responses,\nturned and one slot later",
                    fontsize=11, va="center", transform=axes[2, 4].transAxes)
    fig.suptitle("C6 vs L2: a planar correlation does not commute with a quarter turn (top row); "
                 "the lifted p4 correlation does (rows 3 and 4 are equal)", fontsize=14)
    path = os.path.join(FIGURES, "08_rotation_failure_and_repair.png")
    os.makedirs(FIGURES, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    print(f"  wrote {display_path(path)}")
    checks.check("L2", "photograph (the figure's arrays): (L_R(1) f) * psi vs L_R(1)(f * psi), lifted p4, same mode",
                 lifted_of_turned, turned_lifted, "float", "u = R(1)",
                 "float photograph; a turn only moves values, at most the summation order changes")
    checks.check("L2", "photograph (the figure's arrays): planar (L_R(1) f) * psi differs from L_R(1)(f * psi)",
                 planar_of_turned, turned_planar, "nonzero", "u = R(1)",
                 "C6: the planar filter does not turn with the image, so equality must fail")


# %% [markdown]
# ## Picture: a lifted p4 output and a lifted p4m output of the photograph
#
# Each plane is labelled by its point-group element s; its gold inset is the transformed
# filter L_s psi that produced it. The p4m output has 8 planes: the 4 of p4 (m = 0), and
# 4 more for the mirrored filters M·R(r) (the mirror flips the row axis).

# %%
def figure_lifted_outputs():
    f = images.photograph(97)
    out4 = correlate.lifting_correlation(f[None, None], PSI[None, None], "p4", "same")[0, 0]
    out8 = correlate.lifting_correlation(f[None, None], PSI[None, None], "p4m", "same")[0, 0]
    bank8 = correlate.expand_lifting_filter(PSI[None, None], "p4m")[0, :, 0]
    vmax = np.max(np.abs(out8))
    fig, axes = plt.subplots(3, 5, figsize=(17, 10.5), constrained_layout=True,
                             gridspec_kw=dict(width_ratios=[1, 1, 1, 1, 1]))
    _show(axes[0, 0], f, "input: photograph f", 1, "gray")
    ax = axes[1, 0]
    ax.imshow(PSI, cmap="gray", vmin=-2, vmax=2, interpolation="nearest")
    ax.set_title("filter psi (5 x 5; dark = negative,\nlight = positive weight, grey = 0):\n"
                 "dark above light, left half only", fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    axes[2, 0].axis("off")
    axes[2, 0].text(0.0, 0.5, "plane s at pixel x holds\n(f * psi)(t(x)·s)\n= (f * L_s psi)(x)\n\n"
                    "gold inset: L_s psi\nred = positive response", fontsize=11, va="center",
                    transform=axes[2, 0].transAxes)
    for s in range(4):
        _show(axes[0, s + 1], out4[s], f"p4, plane s = {plane_label(s)}", vmax, with_bar=(s == 3), fig=fig)
        _inset_filter(axes[0, s + 1], bank8[s])
    for s in range(8):
        ax = axes[1 + s // 4, 1 + s % 4]
        _show(ax, out8[s], f"p4m, plane s = {plane_label(s)}", vmax, with_bar=(s % 4 == 3), fig=fig)
        _inset_filter(ax, bank8[s])
    fig.suptitle("Lifting correlation of a photograph with an oriented edge filter: "
                 "one output plane per point-group element (p4: 4, p4m: 8)", fontsize=14)
    path = os.path.join(FIGURES, "08_lifted_p4_p4m_photograph.png")
    fig.savefig(path, dpi=90)
    plt.close(fig)
    print(f"  wrote {display_path(path)}")
    # each plane is an ordinary planar correlation with a filter turned by np.rot90 and flipped by np.flip
    by_numpy = np.stack([correlate.planar_correlation(
        f[None, None], np.flip(np.rot90(PSI, r), axis=0)[None, None] if m else np.rot90(PSI, r)[None, None],
        "same")[0, 0] for m in (0, 1) for r in range(4)])
    checks.check("L1", "photograph: p4m plane M^m·R(r) vs planar correlation with np.flip(np.rot90(psi, r)) (m = 1)",
                 out8, by_numpy, "float", "all 8 elements of D4",
                 "float photograph; the same products, possibly summed in another order")
    checks.check("L1", "photograph: the p4 output vs the first 4 planes (m = 0) of that independent p4m stack",
                 out4, by_numpy[:4], "float", "R(0), R(1), R(2), R(3)",
                 "float photograph; the same products, possibly summed in another order")
    # the claim made for this filter: its 8 transforms are 8 different filters (no symmetry in D4)
    closest = min(checks.residual(bank8[s], bank8[t]).value for s in range(8) for t in range(s))
    checks.check("L1", "the 8 filters L_s psi of the figure are pairwise different: min over s != s' of "
                 "max |L_s psi - L_s' psi| is not 0", np.array(closest), np.array(0.0), "nonzero",
                 "all 28 pairs of D4", "psi has no symmetry in D4, so every plane of the output is a different filter")


# %% [markdown]
# ## Summary
#
# * L1: the lifting correlation sums the image against every turned (and mirrored) and
#   shifted copy of the filter; its output is a stack of |H| planes, a function on G.
#   Both literal forms agree with the vectorised version.
# * L2: turning, mirroring or shifting the input turns, mirrors or shifts every plane of
#   the output and permutes the planes - exactly, for every element tried.
# * Tutorial 09 builds the next layer, which takes such a function on G as its input.

# %%
def main():
    rng = np.random.default_rng(checks.SEED)
    print("Tutorial 08: the lifting correlation\n")
    print("-- tiny example --")
    tiny_example()
    print("\n-- L1: literal forms vs vectorised --")
    check_L1(rng)
    print("\n-- L2: equivariance --")
    check_L2(rng)
    print("\n-- figures --")
    figure_failure_and_repair()
    figure_lifted_outputs()
    checks.finish()


if __name__ == "__main__":
    main()
