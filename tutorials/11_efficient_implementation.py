"""Tutorial 11 - The efficient implementation: transform the filter, then one planar correlation.

Claim (paper section 7): a lifting or group correlation needs no new machinery. Build a
filter bank by transforming the filter with every point-group element s,

    bank[s] = L_s ψ     (each plane moved by s; for a filter on G the planes also change places),

treat the |H| planes of a feature map on G as ordinary channels, and run one ordinary
multi-channel planar correlation. Its output equals the literal sums of L1 and L3,
exactly for integer data (L7). The figures show the transforms L_s ψ of a filter on p4,
drawn as in figure 1 of the paper, and the lifting bank of p4m; reading the rendered
pictures back finds exactly the filters the vectorised path uses (V4).

Notation: f ⋆ ψ is the correlation (what deep learning calls "convolution").

Checks: L7, V4. Run: python tutorials/11_efficient_implementation.py, or open it as a notebook.
"""
IDS = ("L7", "V4")

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import scipy.signal

from groupconv import checks, correlate, figures, groups, images, plot
from groupconv.lookup import frame, frame_elements, value_at, value_on_group

figures.use_slide_style()
RNG = np.random.default_rng(checks.SEED)  # seeded: every run draws the same "random" data
INT_WHY = "int64 data: every product and sum is an exact integer (integers never take the FFT path)"
FLOAT_WHY = "random float data: the same products added in a different order"
PERM_WHY = "transforming a filter only moves its values: no arithmetic"
PIXELS_WHY = "colours of the rendered picture (8-bit integers) against the colour map applied to the bank"


def show_planes(title, planes):
    """Print small integer planes (|H|, k, k) side by side under a title, one row of pixels per line."""
    print(title)
    for rows in zip(*np.asarray(planes).astype(int)):
        print("  " + "    ".join(" ".join(f"{x:2d}" for x in row) for row in rows))


# %% [markdown]
# ## 1. Where the filter bank comes from
#
# Take the paper's form of the group correlation (L3) at an output element g = t(x) . s:
#
#     (f ⋆ ψ)(t(x) . s) = sum_h f(h) ψ(s^-1 t(x)^-1 h) = sum_h f(h) [L_s ψ](t(x)^-1 h),
#
# because ψ(s^-1 k) is, by definition, the moved filter L_s ψ = ψ o s^-1 read at k.
# Now write h = t(y) . s' (G7). Then t(x)^-1 h = t(y - x) . s', and the sum over h is a
# sum over the pixels y and the planes s':
#
#     (f ⋆ ψ)(t(x) . s) = sum_s' sum_y f_s'(y) [L_s ψ]_s'(y - x).
#
# That is the ordinary planar correlation (C1) of the |H| planes of f, treated as |H|
# channels, with the |H| planes of the filter L_s ψ: one planar correlation per s, or a
# single call with |H| output channels. For the lifting layer there are no planes s',
# and L_s ψ is just the turned (and mirrored) image filter.
#
# And what is L_s ψ for a filter on G? (L_s ψ)(t(z) . s') = ψ(s^-1 t(z) s') =
# ψ(t(s^-1 z) . s^-1 s'): plane s' of L_s ψ is plane s^-1 s' of ψ, turned by s. Each
# plane is rotated AND the planes change places: for p4 with s = R(1), plane r moves to
# slot r + 1. This is the "rotate each plane and cycle the group axis" of figure 1 of
# the paper.
#
# ## 2. The filter banks, literally
#
# The two functions below evaluate the definition (L_s ψ)(h) = ψ(s^-1 h) at every
# element h of the filter's support, for every s in H, by forming the matrices s^-1 h.
# They use the literal lookups of tutorials 08 and 09 (groupconv/lookup.py):
# `frame(k)` lists the points y of a k x k frame and `value_at(ψ, y)` reads an image
# filter there (0 off its support); `frame_elements(group, k)` lists the elements
# h = t(y) . s of a filter on G, and `value_on_group(ψ, h, group)` reads it at any
# elements h (split h = t(y) . s, read plane s at pixel y).

# %%
def group_bank_literal(psi, group):
    """bank[o, s, c] = L_s ψ[o, c] for ψ (O, C, |H|, k, k): shape (O, |H|, C, |H|, k, k)."""
    h = frame_elements(group, psi.shape[-1])  # (|H|, k, k, 3, 3), the support of ψ
    S_inv = groups.inverse(groups.point_group(group))
    bank = [value_on_group(psi, s_inv @ h, group) for s_inv in S_inv]  # ψ(s^-1 h), each (O, C, |H|, k, k)
    return np.stack(bank, axis=1)


def lifting_bank_literal(psi, group):
    """bank[o, s, c] = L_s ψ[o, c] for ψ (O, C, k, k): shape (O, |H|, C, k, k)."""
    y = frame(psi.shape[-1])  # (k, k, 2), the support of ψ
    S_inv = groups.inverse(groups.point_group(group))
    return np.stack([value_at(psi, groups.act(s_inv, y)) for s_inv in S_inv], axis=1)


# %% [markdown]
# ## 3. A tiny example to check by hand
#
# One filter on p4 with 3 x 3 planes. Below are its 4 planes and the 4 planes of
# L_R(1) ψ. Every plane is turned a quarter turn counter-clockwise (np.rot90), and the
# planes have moved one slot on: plane R(0) of ψ, turned, is now plane R(1). Find the
# 1 and the 2 of plane R(0): in L_R(1) ψ they stand in plane R(1), in the left column,
# the 2 above the 1.

# %%
psi = np.zeros((1, 1, 4, 3, 3), dtype=np.int64)
psi[0, 0, 0] = [[1, 2, 0], [0, 0, 0], [0, 0, 0]]
psi[0, 0, 1] = [[0, 0, 0], [0, 3, 0], [0, 0, 4]]
psi[0, 0, 2] = [[0, 0, 5], [0, 0, 0], [0, 0, 0]]
psi[0, 0, 3] = [[0, 0, 0], [6, 0, 0], [0, 0, 0]]
bank = group_bank_literal(psi, "p4")
show_planes("ψ, planes R(0), R(1), R(2), R(3):", psi[0, 0])
show_planes("L_R(1) ψ, planes R(0), R(1), R(2), R(3):", bank[0, 1, 0])
expected = np.stack([np.rot90(psi[0, 0, (r - 1) % 4]) for r in range(4)])
checks.check("L7", "L_R(1) ψ plane r = np.rot90(ψ plane r-1), literal ψ(s^-1 h)", bank[0, 1, 0], expected,
             "exact", elements="s = R(1)", why=PERM_WHY)


# %% [markdown]
# ## 4. L7 for the lifting layer: three ways to the same output
#
# Three independent computations of the lifting correlation f ⋆ ψ (2 input channels,
# 2 output channels, a 5 x 5 input, 3 x 3 filters, "valid" mode):
#
# 1. the literal sum of L1 (`correlate.lifting_correlation_literal`: a loop over the
#    output elements g, a sum over the pixels y);
# 2. the filter-bank path done here by hand: the literal bank above and SciPy's planar
#    correlation (scipy.signal.correlate, summed over the input channels) - no groupconv
#    code in the arithmetic;
# 3. the library's vectorised path (`correlate.lifting_correlation`).
#
# First, once per group, the literal bank is compared with the bank the library builds
# (`correlate.expand_lifting_filter`). Then the three outputs, on integer data (exact)
# and on random float data (round-off: the same products are added in another order).
# The sizes are small because the literal sum loops in Python over every output element.

# %%
def scipy_multichannel_correlation(f, bank):
    """out[o, x] = sum_c (f_c ⋆ bank[o, c])(x), 'valid' mode, with scipy.signal.correlate."""
    return np.stack([sum(scipy.signal.correlate(f[c], bank[o, c], mode="valid", method="direct")
                         for c in range(f.shape[0]))
                     for o in range(bank.shape[0])])


n, k = 5, 3
for group in ("p4", "p4m"):
    nH = groups.order(group)
    for kind in ("exact", "float"):
        why = INT_WHY if kind == "exact" else FLOAT_WHY
        f, psi = images.random_signal((1, 2, n, n), RNG, kind), images.random_signal((2, 2, k, k), RNG, kind)
        bank = lifting_bank_literal(psi, group)  # (O, |H|, C, k, k)
        if kind == "exact":
            checks.check("L7", f"{group} lifting bank: literal ψ(s^-1 y) vs correlate.expand_lifting_filter",
                         bank, correlate.expand_lifting_filter(psi, group), "exact",
                         elements=f"all {nH} s, 2 -> 2 channels", why=PERM_WHY)
        outputs = f"{kind} data, {nH * (n - k + 1) ** 2} outputs x 2 channels"
        literal = correlate.lifting_correlation_literal(f, psi, group, "valid")[0]
        by_bank = scipy_multichannel_correlation(f[0], bank.reshape(2 * nH, 2, k, k)).reshape(literal.shape)
        checks.check("L7", f"{group} lifting: literal sum vs literal bank + SciPy planar correlation", literal,
                     by_bank, kind, elements=outputs, why=why)
        checks.check("L7", f"{group} lifting: literal sum vs correlate.lifting_correlation", literal,
                     correlate.lifting_correlation(f, psi, group, "valid")[0], kind, elements=outputs, why=why)


# %% [markdown]
# ## 5. L7 for the group correlation: the planes become channels
#
# The same three ways for a layer on G. Each of the 2 input channels now has |H|
# planes; reshaping (C, |H|, n, n) to (C * |H|, n, n) turns them into C * |H| ordinary
# channels, and the bank L_s ψ, with its planes as channels too, is correlated with
# them by SciPy. Before that, the literal bank of section 2 is compared with
# `correlate.expand_group_filter`, the bank the library builds by one index gather.

# %%
for group in ("p4", "p4m"):
    nH = groups.order(group)
    for kind in ("exact", "float"):
        why = INT_WHY if kind == "exact" else FLOAT_WHY
        f, psi = images.random_signal((1, 2, nH, n, n), RNG, kind), images.random_signal((2, 2, nH, k, k), RNG, kind)
        bank = group_bank_literal(psi, group)  # (O, |H|, C, |H|, k, k)
        if kind == "exact":
            checks.check("L7", f"{group} group bank: literal ψ(s^-1 h) vs correlate.expand_group_filter", bank,
                         correlate.expand_group_filter(psi, group), "exact",
                         elements=f"all {nH} s, 2 -> 2 channels", why=PERM_WHY)
        outputs = f"{kind} data, {nH * (n - k + 1) ** 2} outputs x 2 channels"
        literal = correlate.group_correlation_literal(f, psi, group, "valid")[0]
        planes_as_channels = f[0].reshape(2 * nH, n, n)  # (C, |H|) -> C * |H| channels
        by_bank = scipy_multichannel_correlation(planes_as_channels, bank.reshape(2 * nH, 2 * nH, k, k))
        checks.check("L7", f"{group} group: literal sum vs literal bank + SciPy planar correlation", literal,
                     by_bank.reshape(literal.shape), kind, elements=outputs, why=why)
        checks.check("L7", f"{group} group: literal sum vs correlate.group_correlation", literal,
                     correlate.group_correlation(f, psi, group, "valid")[0], kind, elements=outputs, why=why)


# %% [markdown]
# ## 6. Why bother: the cost
#
# The literal sum loops in Python over every output element; the bank path does all the
# arithmetic in one large array product. The timings are for information only: they
# depend on the machine and its load, and nothing is checked about them.

# %%
f, psi = images.integer_image((1, 4, 8, 7, 7), RNG), images.integer_image((4, 4, 8, 3, 3), RNG)
t0 = time.perf_counter()
literal = correlate.group_correlation_literal(f, psi, "p4m", "valid")
t1 = time.perf_counter()
fast = correlate.group_correlation(f, psi, "p4m", "valid")
t2 = time.perf_counter()
print(f"p4m, 4 -> 4 channels, 7 x 7 input: literal {1e3 * (t1 - t0):.0f} ms, "
      f"filter-bank path {1e3 * (t2 - t1):.1f} ms (this machine, now)")
checks.check("L7", "p4m group, 4 -> 4 channels: literal sum vs correlate.group_correlation (the timed pair)",
             literal, fast, "exact", elements="all 200 outputs", why=INT_WHY)


# %% [markdown]
# ## 7. V4: the picture of the transformed filters (figure 1 of the paper)
#
# Each ring of 4 panels below is one filter on p4: its 4 planes sit on a ring, plane
# R(0) on top, then counter-clockwise R(1) on the left, R(2) at the bottom, R(3) on the
# right. The first ring is ψ, the others are L_R(1) ψ, L_R(2) ψ, L_R(3) ψ, computed
# with the literal bank of section 2. From one ring to the next, the whole ring turns by
# a quarter turn: each plane turns, and it moves to the next slot. The coloured frame of
# each plane says which plane of ψ it came from; a bright corner (value 4) in every
# plane of ψ makes the turns easy to follow.
#
# The check reads the picture, not the arrays handed to matplotlib: the figure is
# rendered, the colour under the centre of every filter pixel is read from the rendered
# image (plot.rendered_colours), and compared with the colours the colour map gives (plot.colours) to
# `correlate.expand_group_filter(ψ)` - the bank the vectorised path really uses.

# %%
RING = {0: (0, 1), 1: (1, 0), 2: (2, 1), 3: (1, 2)}  # slot r -> (row, column) in a 3 x 3 block
SOURCE_COLOURS = ["tab:blue", "tab:orange", "tab:green", "tab:purple"]

psi = images.integer_image((1, 1, 4, 3, 3), RNG)
psi[0, 0, :, 0, 0] = 4  # the bright corner
bank = group_bank_literal(psi, "p4")  # (1, 4, 1, 4, 3, 3): the definition, evaluated here
fig = plt.figure(figsize=(16, 6.4))
outer = fig.add_gridspec(1, 4, wspace=0.3, left=0.01, right=0.92, top=0.80, bottom=0.14)
drawn = {}
for s in range(4):
    block = outer[s].subgridspec(3, 3, wspace=0.35, hspace=0.3)
    centre = fig.add_subplot(block[1, 1])
    centre.axis("off")
    centre.text(0.5, 0.5, "ψ" if s == 0 else f"L_R({s}) ψ", ha="center", va="center", fontsize=15)
    for r, (i, j) in RING.items():
        ax = fig.add_subplot(block[i, j])
        drawn[s, r] = ax.imshow(bank[0, s, 0, r], cmap="RdBu_r", vmin=-4, vmax=4, interpolation="nearest")
        source = (r - s) % 4  # plane R(r) of L_R(s) ψ is plane R(r - s) of ψ, turned
        for spine in ax.spines.values():
            spine.set_edgecolor(SOURCE_COLOURS[source])
            spine.set_linewidth(4)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"R({r})", fontsize=12, pad=6)
fig.colorbar(drawn[0, 0], cax=fig.add_axes((0.94, 0.18, 0.012, 0.58)), label="filter weight")
handles = [plt.Rectangle((0, 0), 1, 1, facecolor="white", edgecolor=c, linewidth=4) for c in SOURCE_COLOURS]
fig.legend(handles, [f"from plane R({r}) of ψ" for r in range(4)], loc="lower center", ncol=4, frameon=False,
           title="frame colour: where the plane came from")
fig.suptitle("A filter ψ on p4 and its transforms L_s ψ (figure 1 of the paper):\n"
             "each plane turns by s and moves on by s slots (R(0) top, R(1) left, R(2) bottom, R(3) right)")
shown = np.array(plot.rendered_colours([drawn[s, r] for s in range(4) for r in range(4)])).reshape(4, 4, 3, 3, 4)
used = correlate.expand_group_filter(psi, "p4")[0, :, 0]  # (s, r, k, k): the bank the fast path uses
checks.check("V4", "the rendered p4 figure shows the colours of correlate.expand_group_filter(ψ)", shown,
             plot.colours(drawn[0, 0], used), "exact", elements="s = R(0..3), 16 planes of 3 x 3",
             why=PIXELS_WHY)
checks.check("L7", "the rendered ring of ψ shows ψ itself (L_R(0) ψ = ψ)", shown[0],
             plot.colours(drawn[0, 0], psi[0, 0]), "exact", elements="s = R(0)", why=PIXELS_WHY)
figures.save(fig, "11_filter_transforms_p4.png")


# %% [markdown]
# ## 8. The lifting bank
#
# For the first layer the filter is an image, and L_s ψ just turns (and mirrors) it. Here
# is the bank of an edge filter for p4m: top row ψ turned by R(r); bottom row turned,
# then mirrored (M·R(r): first R(r), then M flips the rows). One planar correlation of
# the image with all 8 filters gives the 8 output planes of the lifting layer. The axes
# show the pixel offsets (u, v) from the filter's centre. Again the rendered picture is
# read back and compared with the bank of `correlate.expand_lifting_filter`.

# %%
psi = np.array([[-1, -1, -1, 0, 0],
                [-1, -2, -1, 0, 0],
                [0, 0, 0, 0, 0],
                [1, 2, 1, 0, 0],
                [1, 1, 1, 0, 0]])[None, None]
bank = lifting_bank_literal(psi, "p4m")[0, :, 0]  # (8, 5, 5)
fig, axes = plt.subplots(2, 4, figsize=(13, 7.2), layout="constrained")
drawn = []
for s, g in enumerate(groups.point_group("p4m")):
    ax = axes[s // 4, s % 4]
    drawn.append(ax.imshow(bank[s], cmap="gray", vmin=-2, vmax=2, interpolation="nearest"))
    ax.set_title(f"L_s ψ,  s = {groups.name(g)}")
    ax.set_xticks(range(5), range(-2, 3))
    ax.set_yticks(range(5), range(-2, 3))
    if s % 4 == 0:
        ax.set_ylabel("u (row offset)")
    if s >= 4:
        ax.set_xlabel("v (column offset)")
fig.colorbar(drawn[0], ax=axes, shrink=0.7, label="filter weight (dark = negative)")
fig.suptitle("The lifting filter bank of p4m: an edge filter ψ and its 8 transforms L_s ψ\n"
             "top: turned by R(r); bottom: turned, then mirrored (M·R(r))")
shown = np.array(plot.rendered_colours(drawn))
checks.check("V4", "the rendered lifting figure shows the colours of correlate.expand_lifting_filter(ψ)", shown,
             plot.colours(drawn[0], correlate.expand_lifting_filter(psi, "p4m")[0, :, 0]), "exact",
             elements="all 8 s of D4, 5 x 5 filters", why=PIXELS_WHY)
figures.save(fig, "11_filter_transforms_lifting.png")


# %% [markdown]
# ## Summary
#
# * L7: (f ⋆ ψ)(t(x) . s) = (f ⋆ L_s ψ)(x) - a group correlation is a planar correlation
#   with a bank of |H| transformed filters, the planes of a function on G acting as
#   channels. Literal sums, a hand-made bank with SciPy, and the library's vectorised
#   path agree exactly on integer data, and to round-off on float data.
# * V4: the transforms L_s ψ of a filter on p4 turn each plane and cycle the planes; the
#   rendered figure shows exactly the bank the vectorised path uses.

# %% [markdown]
# ## The tally
#
# Every check above printed its own line. The last cell counts them: run as a script it
# exits with status 1 if any failed (so `tutorials/run_all.py` and CI notice); in a
# notebook it raises instead.

# %%
checks.finish()
