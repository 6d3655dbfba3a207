"""Tutorial 06 - Rotation is not a symmetry of planar correlation.

Claim: turning the input of a planar correlation does not simply turn its output.
Instead (L_r f) ⋆ psi = L_r (f ⋆ L_{r^-1} psi): the turned image meets the filter the
way the original image meets the *counter-turned* filter (C6, paper section 5). For a
filter with an orientation - an edge detector - the output of a turned image is a
different picture altogether, not the turned output. Proved line by line and checked
exactly; drawn on the photograph in figures/06_turned_input.png (the failure) and
figures/06_counter_turned_filter.png (the identity that holds).

Checks: C6. Run: python tutorials/06_rotation_is_not_a_symmetry.py, or open it as a notebook.
"""
IDS = ("C6",)

# %%
import matplotlib.pyplot as plt
import numpy as np

from groupconv import action, checks, correlate, figures, groups, images
from groupconv.lookup import frame, value_at

figures.use_slide_style()
RNG = np.random.default_rng(checks.SEED)  # seeded: every run draws the same "random" data


def show(title, a):
    """Print a small integer array under a title, one row per line."""
    print(title)
    for row in np.asarray(a).astype(int):
        print("  " + " ".join(f"{x:4d}" for x in row))


def corr(f, psi, mode="same"):
    """Single-channel planar correlation f ⋆ psi with groupconv's layer: f (H, W), psi (k, k)."""
    return correlate.planar_correlation(f[None, None], psi[None, None], mode)[0, 0]


def L(f, g):
    """L_g f for an image f on a square frame (turns and mirrors about its centre lose nothing)."""
    return action.transform_image(f, g)


# %% [markdown]
# ## 1. A 3x3 example: an edge detector that stops seeing the edge
#
# psi responds to a vertical edge, dark on the left and bright on the right. f is such
# an edge. At the centre, f ⋆ psi is large. Turn the image a quarter turn: its edge is
# now horizontal, and psi - which has not turned - sees nothing. But L_r (f ⋆ psi), the
# turned output, still carries the large value at the centre. So
# (L_r f) ⋆ psi != L_r (f ⋆ psi): planar correlation is not rotation equivariant.
#
# What *is* true: the turned image against psi gives what the original image gives
# against the filter turned the other way, L_{r^-1} psi, then turned: the right-hand side
# of C6. With L_{r^-1} psi a horizontal-edge detector, f (a vertical edge) gives 0 - as
# does L_r f against psi.

# %%
f = np.array([[0, 0, 1], [0, 0, 1], [0, 0, 1]])
psi = np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]])
r = groups.rotation(1)
r_inv = groups.inverse(r)
show("f, a vertical edge:", f)
show("psi, a vertical-edge detector:", psi)
show("L_r f, r = R(1): the edge is now horizontal:", L(f, r))
lhs, rhs = corr(L(f, r), psi), L(corr(f, psi), r)
print(f"at the centre: ((L_r f) ⋆ psi)(0) = {lhs[1, 1]},   (L_r (f ⋆ psi))(0) = {rhs[1, 1]}")
checks.check("C6", "3x3, value at the centre: (L_r f) ⋆ psi vs L_r (f ⋆ psi) (they differ)", lhs[1, 1], rhs[1, 1],
             "nonzero", elements="R(1)", why="psi has an orientation, the turned edge is invisible to it")
show("L_{r^-1} psi, a horizontal-edge detector:", L(psi, r_inv))
checks.check("C6", "3x3, every output pixel: (L_r f) ⋆ psi vs L_r (f ⋆ L_{r^-1} psi)", lhs,
             L(corr(f, L(psi, r_inv)), r), "exact", elements="R(1)", why="integers")

# %% [markdown]
# ## 2. The proof, line by line
#
# Write r for a turn or mirror about the origin (any element of D4). It is linear:
# r(a - b) = r a - r b. Then
#
#     line 1   ((L_r f) ⋆ psi)(x)
#     line 2     = sum_y f(r^-1 y) psi(y - x)                 definition of L_r, of ⋆
#     line 3     = sum_y f(y) psi(r y - x)                    substitute y -> r y
#     line 4     = sum_y f(y) psi(r (y - r^-1 x))             r is linear
#     line 5     = sum_y f(y) (L_{r^-1} psi)(y - r^-1 x)      (L_{r^-1} psi)(z) = psi(r z)
#     line 6     = (f ⋆ L_{r^-1} psi)(r^-1 x)                 definition of ⋆
#     line 7     = (L_r (f ⋆ L_{r^-1} psi))(x)                definition of L_r
#
# The substitution in line 3 is fine: y -> r y is a bijection of Z^2. The difference to
# translations (tutorial 04) is in line 4: a translation moves y - x as a whole and
# leaves the filter alone; a turn lands *inside* the filter's argument and turns the
# filter. Lines 1, 6, 7 use groupconv's layer and action; lines 2-5 are sums typed in as
# written, with the 3x3 matrices of groups.py acting on the points (line 4 moves the
# point r^-1 x with a matrix and subtracts it before applying r; line 5 reads the turned
# filter as an array, L_{r^-1} psi computed by the action). One chain, stacked over all 8
# elements of D4; one line is printed per chain, with the largest residual between
# neighbouring lines (the table of all lines with GROUPCONV_VERBOSE=1 or
# checks.set_verbose()).

# %%
def on_Z2(a):
    """The odd-sized array a (..., n, n) as a function on Z^2: integer points (..., 2) -> values, 0 off the array.

    A thin wrapper of value_at (groupconv/lookup.py), so that a formula can be typed as written:
    F, Psi = on_Z2(f), on_Z2(psi);  F(y) * Psi(y - x)   (here * is Python's multiplication).
    """
    return lambda points: value_at(a, points)


def window(radius):
    """All integer points (u, v) with |u|, |v| <= radius, shape (N, 2), in row-major order."""
    return frame(2 * radius + 1).reshape(-1, 2)


def proof_chain(f, psi, kind, why, label):
    """Check the seven lines of the proof of C6 for every r in D4."""
    n, k = f.shape[-1], psi.shape[-1]
    R = (n - 1) // 2 + (k - 1) // 2  # the 'full' output: every x where the sum can be non-zero
    x = window(R)
    y = window(R + k)  # every y where a term can be non-zero
    F, Psi = on_Z2(f), on_Z2(psi)
    X, Y = x[:, None, :], y[None, :, :]
    lines = {i: [] for i in range(1, 8)}
    for r in groups.point_group("p4m"):
        r_inv = groups.inverse(r)
        turned_psi = on_Z2(L(psi, r_inv))  # L_{r^-1} psi, as an array, read as a function
        lines[1].append(corr(L(f, r), psi, "full").reshape(-1))
        lines[2].append((F(groups.act(r_inv, Y)) * Psi(Y - X)).sum(axis=1))
        lines[3].append((F(Y) * Psi(groups.act(r, Y) - X)).sum(axis=1))
        lines[4].append((F(Y) * Psi(groups.act(r, Y - groups.act(r_inv, X)))).sum(axis=1))
        lines[5].append((F(Y) * turned_psi(Y - groups.act(r_inv, X))).sum(axis=1))
        lines[6].append(on_Z2(corr(f, L(psi, r_inv), "full"))(groups.act(r_inv, x)))
        lines[7].append(L(corr(f, L(psi, r_inv), "full"), r).reshape(-1))
    labels = {1: "((L_r f) ⋆ psi)(x)                  [layer]",
              2: "sum_y f(r^-1 y) psi(y - x)", 3: "sum_y f(y) psi(r y - x)",
              4: "sum_y f(y) psi(r (y - r^-1 x))", 5: "sum_y f(y) (L_{r^-1} psi)(y - r^-1 x)",
              6: "(f ⋆ L_{r^-1} psi)(r^-1 x)          [layer, lookup]",
              7: "(L_r (f ⋆ L_{r^-1} psi))(x)         [layer, action]"}
    checks.chain("C6", f"(L_r f) ⋆ psi = L_r (f ⋆ L_{{r^-1}} psi), {label}",
                 [(labels[i], np.stack(lines[i])) for i in range(1, 8)], kind, elements="all 8 of D4", why=why)


proof_chain(images.integer_image((9, 9), RNG).astype(np.int64), images.integer_image((5, 5), RNG).astype(np.int64),
            "exact", "integer arrays: exact sums", "integer data, 9x9 image, 5x5 filter")
proof_chain(RNG.normal(size=(9, 9)), RNG.normal(size=(5, 5)), "float",
            "float data: the lines add the same products in different orders", "float data")

# %% [markdown]
# ## 3. Every boundary mode, several channels
#
# The identity C6 holds for every boundary mode, because a turn or mirror about the
# centre maps a square frame onto itself: nothing is cropped, unlike the translations of
# tutorial 05. Here with 3 input channels and 2 output channels (the filter bank psi has
# shape (2, 3, 5, 5) and L_s turns each of its 5x5 filters); integer data, so exact.

# %%
D4 = groups.point_group("p4m")
f3 = images.integer_image((3, 17, 17), RNG).astype(np.int64)  # 3 channels
bank = images.integer_image((2, 3, 5, 5), RNG).astype(np.int64)  # 2 output channels
for mode in ("valid", "same", "full", "circular"):
    lhs = np.stack([correlate.planar_correlation(L(f3, s)[None], bank, mode) for s in D4])
    rhs = np.stack([L(correlate.planar_correlation(f3[None], L(bank, groups.inverse(s)), mode), s) for s in D4])
    checks.check("C6", f"3 channels in, 2 out, {mode!r}: (L_s f) ⋆ psi vs L_s (f ⋆ L_{{s^-1}} psi)", lhs, rhs,
                 "exact", elements="all 8 of D4", why="integer arrays")

# %% [markdown]
# ## 4. On the photograph
#
# The failure of the naive statement is not a small effect. First the identity, on the
# photograph with a 5x5 edge detector (smooth down the column, derivative across it);
# the pixel values are floats, so it holds up to round-off. Then a filter with no
# symmetry at all (random numbers): for every turn and mirror except the identity the
# naive statement (L_s f) ⋆ psi = L_s (f ⋆ psi) fails, with differences as large as the
# responses themselves.

# %%
photo = images.photograph()
edge = np.outer([1, 4, 6, 4, 1], [-1, -2, 0, 2, 1])  # integers: smooth down the column, derivative across it
show("the edge detector psi:", edge)
lhs = np.stack([corr(L(photo, s), edge) for s in D4])
rhs = np.stack([L(corr(photo, L(edge, groups.inverse(s))), s) for s in D4])
checks.check("C6", "photograph, 5x5 edge detector: (L_s f) ⋆ psi vs L_s (f ⋆ L_{s^-1} psi)", lhs, rhs, "float",
             elements="all 8 of D4", why="float pixels; the turned sums add the same products in another order")
generic = RNG.normal(size=(5, 5))
for s in D4[1:]:
    lhs_s, naive_s = corr(L(photo, s), generic), L(corr(photo, generic), s)
    share = checks.residual(lhs_s, naive_s).value / np.abs(naive_s).max()
    checks.check("C6", f"photograph, random 5x5 filter: (L_s f) ⋆ psi vs L_s (f ⋆ psi), {share:.0%} of the largest "
                 "response", lhs_s, naive_s, "nonzero", elements=groups.name(s), why="a generic filter has no symmetry")

# %% [markdown]
# ### Which turns does an edge detector survive?
#
# The exception proves the rule. The edge detector is even in u (up-down) and odd in v
# (left-right): the mirror M leaves it alone, R(2) and M·R(2) negate it, and the quarter
# turns make it a horizontal-edge detector. By C6, its layer commutes with exactly the
# first kind, and with the second kind up to a sign; for the others it fails.

# %%
for s in D4:
    turned = L(edge, groups.inverse(s))
    relation = "psi" if np.array_equal(turned, edge) else "-psi" if np.array_equal(turned, -edge) else "another filter"
    print(f"s = {groups.name(s):<7}: L_{{s^-1}} psi = {relation}")
for s in D4:
    turned = L(edge, groups.inverse(s))
    lhs_s, naive_s = corr(L(photo, s), edge), L(corr(photo, edge), s)
    if np.array_equal(turned, edge):
        identity = np.array_equal(s, groups.identity())
        checks.check("C6", "edge detector, L_{s^-1} psi = psi: (L_s f) ⋆ psi vs L_s (f ⋆ psi)", lhs_s, naive_s,
                     "float", elements=groups.name(s),
                     why="the identity: both sides are the same computation" if identity else
                     "a symmetry of this filter; float pixels summed in another order")
    elif np.array_equal(turned, -edge):
        checks.check("C6", "edge detector, L_{s^-1} psi = -psi: (L_s f) ⋆ psi vs -L_s (f ⋆ psi)", lhs_s, -naive_s,
                     "float", elements=groups.name(s), why="float pixels summed in another order")
    else:
        checks.check("C6", "edge detector, turned to another filter: (L_s f) ⋆ psi vs L_s (f ⋆ psi) (they differ)",
                     lhs_s, naive_s, "nonzero", elements=groups.name(s), why="the turned filter sees other edges")

# %% [markdown]
# A filter that is itself unchanged by every turn and mirror (L_s psi = psi) *is*
# rotation equivariant: then C6 reads (L_s f) ⋆ psi = L_s (f ⋆ psi). But such an
# isotropic filter cannot tell a vertical edge from a horizontal one. G-CNNs keep oriented
# filters and get equivariance anyway, by correlating with all turned copies at once
# (the lifting correlation, tutorial 08).

# %%
iso = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]])
show("an isotropic filter:", iso)
f17 = images.integer_image((17, 17), RNG).astype(np.int64)
checks.check("C6", "isotropic filter: (L_s f) ⋆ psi vs L_s (f ⋆ psi)", np.stack([corr(L(f17, s), iso) for s in D4]),
             np.stack([L(corr(f17, iso), s) for s in D4]), "exact", elements="all 8 of D4",
             why="integers; L_s^-1 psi = psi, so C6 reduces to equivariance")

# %% [markdown]
# ### The failure, drawn
#
# The photograph, turned by r = R(1), against the vertical-edge detector psi, next to the
# output of the unturned photograph turned afterwards. If planar correlation commuted
# with turns, the two middle panels would be the same picture. They are not: the turned
# input's vertical edges (the former horizontal ones) light up, while the turned output
# shows the former vertical edges, now horizontal. Their difference (right) is as large
# as the responses. The pictures use the photograph's 8-bit grey levels, integers, so
# that every number drawn is exact.

# %%
photo8 = np.round(photo * 255).astype(np.int64)
r = groups.rotation(1)
r_inv = groups.inverse(r)
turned_in = corr(L(photo8, r), edge)
turned_out = L(corr(photo8, edge), r)
repaired = L(corr(photo8, L(edge, r_inv)), r)
top = np.abs(np.stack([turned_in, turned_out, repaired])).max()
gap = np.abs(turned_in - turned_out).max()


def panel(ax, a, title, cmap, vmin, vmax):
    """One image panel without axes ticks (the pixel grid of the photograph needs no numbers)."""
    im = ax.imshow(a, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    return im


fig, axes = plt.subplots(1, 4, figsize=(16, 4.6), layout="constrained")
panel(axes[0], L(photo8, r), "L$_r$ f: the input, turned", "gray", 0, 255)
im = panel(axes[1], turned_in, "(L$_r$ f) ⋆ ψ", "RdBu_r", -top, top)
panel(axes[2], turned_out, "L$_r$ (f ⋆ ψ)", "RdBu_r", -top, top)
fig.colorbar(im, ax=axes[1:3], shrink=0.8, label="response")
im = panel(axes[3], np.abs(turned_in - turned_out), f"|difference|: up to {gap}", "magma", 0, gap)
fig.colorbar(im, ax=axes[3], shrink=0.8, label="|(L$_r$ f) ⋆ ψ − L$_r$ (f ⋆ ψ)|")
fig.suptitle("Turning the input does not turn the output: r = R(1), ψ a vertical-edge detector")
figures.save(fig, "06_turned_input.png")

# %% [markdown]
# ### The identity that holds, drawn
#
# Left: psi and the counter-turned filter L_{r^-1} psi, a horizontal-edge detector.
# Middle: the unturned photograph against L_{r^-1} psi, then turned, L_r (f ⋆ L_{r^-1} psi).
# Right: its difference to (L_r f) ⋆ psi of the previous figure, drawn on the same colour
# scale as the difference there: it is exactly 0 at every pixel (integer data).

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 4.9), layout="constrained")
spacer = np.full((edge.shape[0], 1), np.nan)
m = np.abs(edge).max()
im = panel(axes[0], np.concatenate([edge, spacer, L(edge, r_inv)], axis=1), "ψ (left), L$_{r^{-1}}$ψ (right)",
           "RdBu_r", -m, m)
fig.colorbar(im, ax=axes[0], shrink=0.6, label="filter value")
im = panel(axes[1], repaired, "L$_r$ (f ⋆ L$_{r^{-1}}$ψ)", "RdBu_r", -top, top)
fig.colorbar(im, ax=axes[1], shrink=0.8, label="response")
held = np.abs(turned_in - repaired)
im = panel(axes[2], held, f"|(L$_r$ f) ⋆ ψ − L$_r$ (f ⋆ L$_{{r^{{-1}}}}$ψ)|\n{'exactly 0' if held.max() == 0 else 'NOT 0'}",
           "magma", 0, gap)
fig.colorbar(im, ax=axes[2], shrink=0.8, label="absolute difference")
fig.suptitle("Turning the input = counter-turning the filter: (L$_r$ f) ⋆ ψ = L$_r$ (f ⋆ L$_{r^{-1}}$ψ)")
figures.save(fig, "06_counter_turned_filter.png")
checks.check("C6", "the drawn 8-bit photograph: (L_r f) ⋆ psi vs L_r (f ⋆ L_{r^-1} psi)", turned_in, repaired, "exact",
             elements="R(1)", why="integer grey levels and an integer filter")

# %% [markdown]
# ## The tally
#
# Every check above printed its own line. The last cell counts them: run as a script it
# exits with status 1 if any failed (so `tutorials/run_all.py` and CI notice); in a
# notebook it raises instead.

# %%
checks.finish()
