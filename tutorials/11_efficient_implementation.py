"""Tutorial 11 - the efficient implementation: transform the filter, then one planar correlation (docs/equations.md L7, V4).

Claim (paper section 7): a lifting or group correlation needs no new machinery. Build a
filter bank by transforming the filter with every point-group element s,

    bank[s] = L_s psi        (each plane moved by s, and for a filter on G the planes permuted),

treat the |H| planes of a feature map on G as ordinary channels, and run one ordinary
multi-channel planar correlation. Its output equals the literal sums of L1 and L3,
exactly for integer data (L7). The figures show the transformed filters L_s psi of a
p4 filter (as in figure 1 of the paper) and of a lifting filter, and the check that
they are exactly the filters the vectorised path uses (V4).

Run:  python3 tutorials/11_efficient_implementation.py
"""
IDS = ("L7", "V4")

# %% [markdown]
# ## Where the filter bank comes from
#
# Take the paper's form of the group correlation (L3) at an output element g = t(x) . s:
#
#     (f * psi)(t(x) . s) = sum_h f(h) psi(s^-1 t(x)^-1 h) = sum_h f(h) [L_s psi](t(x)^-1 h),
#
# because psi(s^-1 k) is, by definition, the moved filter L_s psi = psi o s^-1 read at
# k. Now write h = t(y) . s' (G7). Then t(x)^-1 h = t(y - x) . s', and the sum over h
# is a sum over the pixels y and the planes s':
#
#     (f * psi)(t(x) . s) = sum_s' sum_y f_s'(y) [L_s psi]_s'(y - x).
#
# That is the ordinary planar correlation (C1) of the |H| planes of f, treated as
# |H| channels, with the |H| planes of the filter L_s psi. One planar correlation per
# s - or one single call with |H| output channels. For the lifting layer there are no
# planes s' and L_s psi is just the turned (and mirrored) image filter.
#
# And what is L_s psi for a filter on G? (L_s psi)(t(z) . s') = psi(s^-1 t(z) s') =
# psi(t(s^-1 z) . s^-1 s'): plane s' of L_s psi is plane s^-1 s' of psi, turned by s.
# Each plane is rotated AND the planes change places: for p4 with s = R(1), plane r
# moves to slot r + 1. This is the "rotate each plane and cycle the group axis" of
# figure 1 of the paper.

# %%
import os
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import scipy.signal  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)  # run from a fresh clone without installing the package
sys.path.insert(0, os.path.join(REPO, "tutorials"))
from groupconv import checks, correlate, groups, images  # noqa: E402
from groupconv.lookup import frame, frame_elements, value_at, value_on_group  # noqa: E402

from groupconv.figures import display_path, figures_dir  # noqa: E402

FIGURES = str(figures_dir())
INT_WHY = "int64 data: every product and sum is an exact integer (integers never take the FFT path)"
FLOAT_WHY = "random float data: the same products added in a different order"
PERM_WHY = "transforming a filter only moves its values: no arithmetic"


def plane_label(s_index):
    m, r = divmod(s_index, 4)
    return ("M·" if m else "") + f"R({r})"


# %% [markdown]
# ## Tools written from the definitions
#
# The lookups of tutorials 08 and 09, from `groupconv/lookup.py`: `frame(k)` lists the
# points y of a k x k frame, `value_at(psi, y)` reads an image filter there (0 off its
# support); `frame_elements(group, k)` lists the elements h = t(y) . s of a filter on G,
# and `value_on_group(psi, h, group)` reads it at any elements h (split h = t(y) . s,
# read plane s at pixel y).

# %% [markdown]
# ## The filter banks, literally
#
# `group_bank_literal` evaluates (L_s psi)(h) = psi(s^-1 h) at every element h of the
# filter's support, for every s in H, by forming the matrix s^-1 h. `lifting_bank_literal`
# does the same for an image filter: (L_s psi)(y) = psi(s^-1 y).

# %%
def group_bank_literal(psi, group):
    """bank[o, s, c] = L_s psi[o, c] for psi (O, C, |H|, k, k): shape (O, |H|, C, |H|, k, k)."""
    h = frame_elements(group, psi.shape[-1])  # (|H|, k, k, 3, 3), the support of psi
    S_inv = groups.inverse(groups.point_group(group))
    bank = [value_on_group(psi, s_inv @ h, group) for s_inv in S_inv]  # psi(s^-1 h), each (O, C, |H|, k, k)
    return np.stack(bank, axis=1)


def lifting_bank_literal(psi, group):
    """bank[o, s, c] = L_s psi[o, c] for psi (O, C, k, k): shape (O, |H|, C, k, k)."""
    y = frame(psi.shape[-1])  # (k, k, 2), the support of psi
    S_inv = groups.inverse(groups.point_group(group))
    return np.stack([value_at(psi, groups.act(s_inv, y)) for s_inv in S_inv], axis=1)


# %% [markdown]
# ## A tiny example to check by hand
#
# One p4 filter with 3 x 3 planes. Print its 4 planes and the 4 planes of L_R(1) psi:
# every plane is turned a quarter turn counter-clockwise (np.rot90) and the planes have
# moved one slot on - plane R(0) of psi, turned, is now in slot R(1).

# %%
def tiny_example():
    psi = np.zeros((1, 1, 4, 3, 3), dtype=np.int64)
    psi[0, 0, 0] = [[1, 2, 0], [0, 0, 0], [0, 0, 0]]
    psi[0, 0, 1] = [[0, 0, 0], [0, 3, 0], [0, 0, 4]]
    psi[0, 0, 2] = [[0, 0, 5], [0, 0, 0], [0, 0, 0]]
    psi[0, 0, 3] = [[0, 0, 0], [6, 0, 0], [0, 0, 0]]
    bank = group_bank_literal(psi, "p4")
    for r in range(4):
        print(f"  psi plane R({r}): {psi[0, 0, r].tolist()}    "
              f"L_R(1) psi plane R({r}): {bank[0, 1, 0, r].tolist()}")
    expected = np.stack([np.rot90(psi[0, 0, (r - 1) % 4]) for r in range(4)])
    checks.check("L7", "tiny example: L_R(1) psi plane r = np.rot90(psi plane r - 1)", bank[0, 1, 0], expected,
                 "exact", "s = R(1)", PERM_WHY)


# %% [markdown]
# ## L7: the literal bank equals the library's bank, and the bank path equals the literal sums
#
# Three independent computations of the same output:
#
# 1. the literal sums of L1 / L3 (`correlate.lifting_correlation_literal`,
#    `correlate.group_correlation_literal`: a loop over g, a sum over y or h);
# 2. the filter-bank path done here by hand: the literal bank, the feature map's planes
#    reshaped into channels, and SciPy's planar correlation (scipy.signal.correlate,
#    summed over channels) - no groupconv code in the arithmetic;
# 3. the library's vectorised path (`correlate.lifting_correlation`,
#    `correlate.group_correlation`).

# %%
def scipy_multichannel_correlation(f, bank):
    """out[o, x] = sum_c (f_c correlated with bank[o, c])(x), 'valid', with scipy.signal.correlate."""
    return np.stack([sum(scipy.signal.correlate(f[c], bank[o, c], mode="valid", method="direct")
                         for c in range(f.shape[0]))
                     for o in range(bank.shape[0])])


def check_L7(rng):
    n, k = 5, 3  # small: the literal sums loop in Python over every output element
    for kind in ("exact", "float"):
        why = INT_WHY if kind == "exact" else FLOAT_WHY
        make = (lambda shape: images.random_signal(shape, rng, kind))
        for group in ("p4", "p4m"):
            nH = groups.order(group)
            # lifting layer: C = 2 input channels, O = 2 output channels
            f, psi = make((1, 2, n, n)), make((2, 2, k, k))
            bank = lifting_bank_literal(psi, group)  # (O, |H|, C, k, k)
            if kind == "exact":
                checks.check("L7", f"{group}: lifting bank, literal psi(s^-1 y) vs correlate.expand_lifting_filter",
                             bank, correlate.expand_lifting_filter(psi, group), "exact", f"every s in H of {group}",
                             PERM_WHY)
            by_bank = scipy_multichannel_correlation(f[0], bank.reshape(2 * nH, 2, k, k)).reshape(2, nH, n - k + 1,
                                                                                                  n - k + 1)
            literal = correlate.lifting_correlation_literal(f, psi, group, "valid")[0]
            checks.check("L7", f"{group} lifting: literal sum over y vs literal bank + SciPy planar correlation",
                         literal, by_bank, kind, f"all {nH * (n - k + 1) ** 2} output elements", why)
            checks.check("L7", f"{group} lifting: literal sum over y vs correlate.lifting_correlation (vectorised)",
                         literal, correlate.lifting_correlation(f, psi, group, "valid")[0], kind,
                         f"all {nH * (n - k + 1) ** 2} output elements", why)
            # group layer: C = 2 input channels, each with |H| planes
            f, psi = make((1, 2, nH, n, n)), make((2, 2, nH, k, k))
            bank = group_bank_literal(psi, group)  # (O, |H|, C, |H|, k, k)
            if kind == "exact":
                checks.check("L7", f"{group}: group bank, literal psi(s^-1 h) vs correlate.expand_group_filter",
                             bank, correlate.expand_group_filter(psi, group), "exact", f"every s in H of {group}",
                             PERM_WHY)
            planes_as_channels = f[0].reshape(2 * nH, n, n)  # (C, |H|) -> C * |H| channels
            by_bank = scipy_multichannel_correlation(planes_as_channels, bank.reshape(2 * nH, 2 * nH, k, k))
            by_bank = by_bank.reshape(2, nH, n - k + 1, n - k + 1)
            literal = correlate.group_correlation_literal(f, psi, group, "valid")[0]
            checks.check("L7", f"{group} group: literal sum over h vs literal bank + SciPy planar correlation",
                         literal, by_bank, kind, f"all {nH * (n - k + 1) ** 2} output elements", why)
            checks.check("L7", f"{group} group: literal sum over h vs correlate.group_correlation (vectorised)",
                         literal, correlate.group_correlation(f, psi, group, "valid")[0], kind,
                         f"all {nH * (n - k + 1) ** 2} output elements", why)


# %% [markdown]
# ## Why bother: the cost
#
# The literal sum loops in Python over every output element; the bank path does all
# the arithmetic in one large array product. The timings below are for information
# only (they depend on the machine and are not checked).

# %%
def timing(rng):
    f, psi = images.integer_image((1, 4, 8, 7, 7), rng), images.integer_image((4, 4, 8, 3, 3), rng)
    t0 = time.perf_counter()
    literal = correlate.group_correlation_literal(f, psi, "p4m", "valid")
    t1 = time.perf_counter()
    fast = correlate.group_correlation(f, psi, "p4m", "valid")
    t2 = time.perf_counter()
    print(f"  p4m, 4 -> 4 channels, 7 x 7 input: literal {1e3 * (t1 - t0):.0f} ms, "
          f"filter-bank path {1e3 * (t2 - t1):.1f} ms")
    checks.check("L7", "p4m 4 -> 4 channels: literal vs vectorised (the timed pair)", literal, fast, "exact",
                 "all 200 output elements", INT_WHY)


# %% [markdown]
# ## V4: the picture of the transformed filters
#
# Each group of 4 panels below is one filter on p4, drawn as in figure 1 of the paper:
# its 4 planes sit on a ring, plane R(0) at the top, then counter-clockwise R(1) on
# the left, R(2) at the bottom, R(3) on the right. The first ring is psi, the others
# are L_R(1) psi, L_R(2) psi, L_R(3) psi. Going from one ring to the next, the whole
# ring turns by a quarter turn: each plane turns, and it moves to the next slot. The
# coloured frame of each plane says which plane of psi it came from.
#
# After drawing, the arrays are read back from the figure (the image data of every
# panel) and compared with `correlate.expand_group_filter` - the bank the vectorised
# path really uses. So the picture is verified to show those filters, not a drawing of
# what they should be.

# %%
RING = {0: (0, 1), 1: (1, 0), 2: (2, 1), 3: (1, 2)}  # slot r -> (row, column) in a 3 x 3 block
SOURCE_COLOURS = ["tab:blue", "tab:orange", "tab:green", "tab:purple"]


def figure_group_filter(rng):
    psi = rng.integers(-3, 4, size=(1, 1, 4, 3, 3)).astype(np.float64)
    psi[0, 0, :, 0, 0] = 4  # a bright corner in every plane makes the turn easy to follow
    bank = group_bank_literal(psi, "p4")  # (1, 4, 1, 4, 3, 3), computed here from the definition
    fig = plt.figure(figsize=(18, 5.4))
    outer = fig.add_gridspec(1, 4, wspace=0.12, left=0.02, right=0.93, top=0.80, bottom=0.04)
    drawn = {}
    for s in range(4):
        block = outer[s].subgridspec(3, 3, wspace=0.06, hspace=0.06)
        centre = fig.add_subplot(block[1, 1])
        centre.axis("off")
        centre.text(0.5, 0.5, "psi" if s == 0 else f"L_R({s}) psi", ha="center", va="center", fontsize=13,
                    fontweight="bold")
        for r, (i, j) in RING.items():
            ax = fig.add_subplot(block[i, j])
            im = ax.imshow(bank[0, s, 0, r], cmap="RdBu_r", vmin=-4, vmax=4)
            drawn[(s, r)] = im
            source = (r - s) % 4  # plane R(r) of L_R(s) psi is plane R(r - s) of psi, turned
            for spine in ax.spines.values():
                spine.set_edgecolor(SOURCE_COLOURS[source])
                spine.set_linewidth(3)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"plane R({r})\n(from R({source}))", fontsize=8, pad=2)
    cax = fig.add_axes([0.945, 0.15, 0.012, 0.6])
    fig.colorbar(drawn[(0, 0)], cax=cax, label="filter weight")
    fig.suptitle("V4 / L7: a filter on p4 and its transforms L_s psi (figure 1 of the paper): each plane turns "
                 "by s and moves to the next slot on the ring\n(frame colour = the plane of psi it came from; "
                 "slots: R(0) top, R(1) left, R(2) bottom, R(3) right)", fontsize=12)
    os.makedirs(FIGURES, exist_ok=True)
    path = os.path.join(FIGURES, "11_filter_transforms_p4.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"  wrote {display_path(path)}")
    shown = np.array([[np.asarray(drawn[(s, r)].get_array()) for r in range(4)] for s in range(4)])
    used = correlate.expand_group_filter(psi, "p4")[0, :, 0]  # (s, r, k, k): the bank the fast path uses
    checks.check("V4", "the 16 panels of the p4 figure (image data read back) vs correlate.expand_group_filter",
                 shown, used, "exact", "s = R(0..3), every plane", PERM_WHY)
    checks.check("L7", "the figure's psi ring vs psi itself (L_R(0) psi = psi)", shown[0], psi[0, 0], "exact",
                 "s = R(0)", PERM_WHY)


def figure_lifting_bank():
    psi = np.array([[-1, -1, -1, 0, 0],
                    [-1, -2, -1, 0, 0],
                    [0, 0, 0, 0, 0],
                    [1, 2, 1, 0, 0],
                    [1, 1, 1, 0, 0]], dtype=np.float64)[None, None]
    bank = lifting_bank_literal(psi, "p4m")[0, :, 0]  # (8, 5, 5)
    fig, axes = plt.subplots(2, 4, figsize=(11, 6.2), constrained_layout=True)
    images_drawn = []
    for s in range(8):
        ax = axes[s // 4, s % 4]
        im = ax.imshow(bank[s], cmap="gray", vmin=-2, vmax=2)
        images_drawn.append(im)
        ax.set_title(f"L_s psi,  s = {plane_label(s)}", fontsize=11)
        ax.set_xticks(range(5))
        ax.set_yticks(range(5))
        ax.set_xticklabels(range(-2, 3))
        ax.set_yticklabels(range(-2, 3))
        if s % 4 == 0:
            ax.set_ylabel("u (row offset)")
        if s >= 4:
            ax.set_xlabel("v (column offset)")
    fig.colorbar(images_drawn[0], ax=axes, shrink=0.7, label="filter weight (dark = negative)")
    fig.suptitle("L7: the lifting filter bank for p4m.\nTop row: the edge filter psi turned by R(r); bottom row: "
                 "turned, then mirrored (M·R(r): first R(r), then M flips the rows).\n"
                 "One planar correlation of the image with all 8 filters gives the 8 output planes.", fontsize=11)
    path = os.path.join(FIGURES, "11_filter_transforms_lifting.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"  wrote {display_path(path)}")
    shown = np.array([np.asarray(im.get_array()) for im in images_drawn])
    checks.check("L7", "the 8 panels of the lifting figure (image data read back) vs correlate.expand_lifting_filter",
                 shown, correlate.expand_lifting_filter(psi, "p4m")[0, :, 0], "exact", "all 8 elements of D4", PERM_WHY)


# %% [markdown]
# ## Summary
#
# * L7: (f * psi)(t(x) . s) = (f * L_s psi)(x) - a group correlation is a planar
#   correlation with a bank of |H| transformed filters, the planes of a function on G
#   acting as channels. Literal sums, a hand-made bank with SciPy, and the library's
#   vectorised path agree exactly on integer data.
# * V4: the transforms L_s psi of a filter on p4 turn each plane and cycle the planes;
#   the figure shows exactly the bank the vectorised path uses.

# %%
def main():
    rng = np.random.default_rng(checks.SEED)
    print("Tutorial 11: the efficient implementation\n")
    print("-- tiny example --")
    tiny_example()
    print("\n-- L7: three ways to the same output --")
    check_L7(rng)
    print("\n-- cost --")
    timing(rng)
    print("\n-- figures (V4) --")
    figure_group_filter(rng)
    figure_lifting_bank()
    checks.finish()


if __name__ == "__main__":
    main()
