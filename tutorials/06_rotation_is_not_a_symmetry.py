"""Tutorial 06 - Rotation is not a symmetry of planar correlation.

Claim: turning the input of a planar correlation does not simply turn its output.
Instead (L_r f) * psi = L_r (f * L_{r^-1} psi): the turned image meets the filter the
way the original image meets the *counter-turned* filter (C6, paper section 5). For a
filter with an orientation - an edge detector - the output of a turned image is a
different picture altogether, not the turned output. Proved line by line and checked
exactly; the failure is drawn on the photograph in figures/06_rotation_not_a_symmetry.png.

Checks: C6. Run: python tutorials/06_rotation_is_not_a_symmetry.py
"""
IDS = ("C6",)

# %%
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tutorials"))

from groupconv import action, checks, correlate, groups, images  # noqa: E402
from groupconv.lookup import frame, value_at  # noqa: E402

from groupconv.figures import display_path, figures_dir  # noqa: E402

FIGURES = figures_dir()
RNG = np.random.default_rng(checks.SEED)


def show(title, a):
    print(f"    {title}")
    for row in np.asarray(a).astype(int):
        print("      " + " ".join(f"{x:4d}" for x in row))


def corr(f, psi, mode="same"):
    """Single-channel planar correlation with groupconv's layer: f (H, W), psi (k, k)."""
    return correlate.planar_correlation(f[None, None], psi[None, None], mode)[0, 0]


def L(f, g):
    """L_g f for an image f on a square frame (turns and mirrors about its centre lose nothing)."""
    return action.transform_image(f, g)


# %% [markdown]
# ## 1. A 3x3 example: an edge detector that stops seeing the edge
#
# psi responds to a vertical edge, dark on the left and bright on the right. f is such
# an edge. At the centre, f * psi is large. Turn the image a quarter turn: its edge is
# now horizontal, and psi - which has not turned - sees nothing. But L_r (f * psi), the
# turned output, still carries the large value at the centre. So
# (L_r f) * psi != L_r (f * psi): planar correlation is not rotation equivariant.
#
# What *is* true: the turned image against psi gives what the original image gives
# against the filter turned the other way, L_{r^-1} psi, then turned: the right-hand side
# of C6. With L_{r^-1} psi a horizontal-edge detector, f (a vertical edge) gives 0 - as
# does L_r f against psi.

# %%
def tiny_example():
    print("\n== C6: a 3x3 example ==")
    f = np.array([[0, 0, 1], [0, 0, 1], [0, 0, 1]])
    psi = np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]])
    r = groups.rotation(1)
    r_inv = groups.inverse(r)
    show("f, a vertical edge:", f)
    show("psi, a vertical-edge detector:", psi)
    show("L_r f, r = R(1): the edge is now horizontal:", L(f, r))
    lhs, rhs = corr(L(f, r), psi), L(corr(f, psi), r)
    print(f"    at the centre: ((L_r f) * psi)(0) = {lhs[1, 1]},   (L_r (f * psi))(0) = {rhs[1, 1]}")
    checks.check("C6", "3x3 example: (L_r f) * psi != L_r (f * psi) (value at the centre)", lhs[1, 1], rhs[1, 1],
                 "nonzero", elements="R(1)", why="psi has an orientation, the turned edge is invisible to it")
    show("L_{r^-1} psi, a horizontal-edge detector:", L(psi, r_inv))
    right = L(corr(f, L(psi, r_inv)), r)
    checks.check("C6", "3x3 example: (L_r f) * psi = L_r (f * L_{r^-1} psi), every output pixel", lhs, right, "exact",
                 elements="R(1)", why="integers")


# %% [markdown]
# ## 2. The proof, line by line
#
# Write r for a turn or mirror about the origin (any element of D4). It is linear:
# r(a - b) = r a - r b. Then
#
#     line 1   ((L_r f) * psi)(x)
#     line 2     = sum_y f(r^-1 y) psi(y - x)                 definition of L_r, of *
#     line 3     = sum_y f(y) psi(r y - x)                    substitute y -> r y
#     line 4     = sum_y f(y) psi(r (y - r^-1 x))             r is linear
#     line 5     = sum_y f(y) (L_{r^-1} psi)(y - r^-1 x)      (L_{r^-1} psi)(z) = psi(r z)
#     line 6     = (f * L_{r^-1} psi)(r^-1 x)                 definition of *
#     line 7     = (L_r (f * L_{r^-1} psi))(x)                definition of L_r
#
# The substitution in line 3 is fine: y -> r y is a bijection of Z^2. The difference to
# translations (tutorial 04) is in line 4: a translation moves y - x as a whole and
# leaves the filter alone; a turn lands *inside* the filter's argument and turns the
# filter. Lines 1, 6, 7 use groupconv's layer and action; lines 2-5 are sums typed in as
# written, with the 3x3 matrices of groups.py acting on the points. One chain, stacked
# over all 8 elements of D4.

# %%
def on_Z2(a):
    """The odd-sized array a (..., n, n) as a function on Z^2: integer points (..., 2) -> values, 0 off the array.

    A thin wrapper of value_at (groupconv/lookup.py), so that a formula can be typed as written:
    F, Psi = on_Z2(f), on_Z2(psi);  F(y - t) * Psi(y - x).
    """
    return lambda points: value_at(a, points)


def window(radius):
    """All integer points (u, v) with |u|, |v| <= radius, shape (N, 2), in row-major order."""
    return frame(2 * radius + 1).reshape(-1, 2)


def proof_chain(f, psi, kind, why, label):
    n, k = f.shape[-1], psi.shape[-1]
    R = (n - 1) // 2 + (k - 1) // 2  # the 'full' output: every x where the sum can be non-zero
    x = window(R)
    y = window(R + k)  # every y where a term can be non-zero
    F, Psi = on_Z2(f), on_Z2(psi)
    X, Y = x[:, None, :], y[None, :, :]
    D4 = groups.point_group("p4m")
    lines = {i: [] for i in range(1, 8)}
    for r in D4:
        r_inv = groups.inverse(r)
        turned_psi = on_Z2(L(psi, r_inv))  # L_{r^-1} psi, as an array, read as a function
        lines[1].append(corr(L(f, r), psi, "full").reshape(-1))
        lines[2].append((F(groups.act(r_inv, Y)) * Psi(Y - X)).sum(axis=1))
        lines[3].append((F(Y) * Psi(groups.act(r, Y) - X)).sum(axis=1))
        lines[4].append((F(Y) * Psi(groups.act(r, Y - groups.act(r_inv, X)))).sum(axis=1))
        lines[5].append((F(Y) * turned_psi(Y - groups.act(r_inv, X))).sum(axis=1))
        lines[6].append(on_Z2(corr(f, L(psi, r_inv), "full"))(groups.act(r_inv, x)))
        lines[7].append(L(corr(f, L(psi, r_inv), "full"), r).reshape(-1))
    labels = {1: "((L_r f) * psi)(x)                  [layer]",
              2: "sum_y f(r^-1 y) psi(y - x)", 3: "sum_y f(y) psi(r y - x)",
              4: "sum_y f(y) psi(r (y - r^-1 x))", 5: "sum_y f(y) (L_{r^-1} psi)(y - r^-1 x)",
              6: "(f * L_{r^-1} psi)(r^-1 x)          [layer, lookup]",
              7: "(L_r (f * L_{r^-1} psi))(x)         [layer, action]"}
    checks.chain("C6", f"(L_r f) * psi = L_r (f * L_r^-1 psi), {label}",
                 [(labels[i], np.stack(lines[i])) for i in range(1, 8)], kind,
                 elements="all 8 of D4: " + ", ".join(groups.name(s) for s in D4), why=why)


def proof():
    print("\n== C6: the proof, line by line ==")
    proof_chain(images.integer_image((9, 9), RNG).astype(np.int64), images.integer_image((5, 5), RNG).astype(np.int64),
                "exact", "integer arrays: exact sums", "integer data, 9x9 image, 5x5 filter")
    proof_chain(RNG.normal(size=(9, 9)), RNG.normal(size=(5, 5)), "float",
                "float data: the lines add the same products in different orders", "float data")


# %% [markdown]
# ## 3. On larger signals and the photograph
#
# The identity C6 holds for every boundary mode, because a turn or mirror about the
# centre maps a square frame onto itself (nothing is cropped, unlike the translations
# of tutorial 05). The failure of the naive statement is not a small effect: for an
# edge detector the two sides are different pictures, with differences as large as the
# responses themselves. The exception proves the rule: a filter that is itself
# unchanged by every turn and mirror (L_s psi = psi) *is* rotation equivariant - but such
# an isotropic filter cannot tell a vertical edge from a horizontal one. G-CNNs keep
# oriented filters and get equivariance anyway, by correlating with all turned copies
# at once (the lifting correlation, tutorial 08).

# %%
def general_checks():
    print("\n== C6: general checks ==")
    D4 = groups.point_group("p4m")
    names = "all 8 of D4"
    f = images.integer_image((3, 17, 17), RNG).astype(np.int64)  # 3 channels
    psi = images.integer_image((2, 3, 5, 5), RNG).astype(np.int64)  # 2 output channels
    for mode in ("valid", "same", "full", "circular"):
        lhs = np.stack([correlate.planar_correlation(L(f, s)[None], psi, mode) for s in D4])
        rhs = np.stack([L(correlate.planar_correlation(f[None], L(psi, groups.inverse(s)), mode), s) for s in D4])
        checks.check("C6", f"3 channels in, 2 out, mode {mode!r}: (L_s f) * psi = L_s (f * L_s^-1 psi)", lhs, rhs,
                     "exact", elements=names, why="integer arrays")
    photo = images.photograph()
    edge = np.outer([1, 4, 6, 4, 1], [-1, -2, 0, 2, 1]).astype(float)  # smooth down the column, derivative across it
    lhs = np.stack([corr(L(photo, s), edge) for s in D4])
    rhs = np.stack([L(corr(photo, L(edge, groups.inverse(s))), s) for s in D4])
    checks.check("C6", "photograph, 5x5 edge detector: (L_s f) * psi = L_s (f * L_s^-1 psi)", lhs, rhs, "float",
                 elements=names, why="float pixels; the turned sums add the same products in another order")
    # A generic filter (no symmetry at all): the naive statement fails for every s except the identity.
    generic = RNG.normal(size=(5, 5))
    for s in D4[1:]:
        lhs_s, naive_s = corr(L(photo, s), generic), L(corr(photo, generic), s)
        rel = checks.residual(lhs_s, naive_s).value / np.abs(naive_s).max()
        checks.check("C6", f"photograph, random 5x5 filter: (L_s f) * psi != L_s (f * psi), s = {groups.name(s)} "
                     f"(difference up to {rel:.0%} of the largest response)", lhs_s, naive_s, "nonzero",
                     elements=groups.name(s), why="a generic filter has no symmetry")
    # The edge detector is even in u and odd in v: M leaves it alone, R(2) and M.R(2) negate it, the
    # quarter turns make it a horizontal-edge detector. Its layer is equivariant for exactly the first kind.
    print("    which s leave the edge detector alone?  L_s^-1 psi = ...")
    for s in D4:
        turned = L(edge, groups.inverse(s))
        relation = "psi" if np.array_equal(turned, edge) else "-psi" if np.array_equal(turned, -edge) else "another filter"
        print(f"      s = {groups.name(s):<7}: {relation}")
        lhs_s, naive_s = corr(L(photo, s), edge), L(corr(photo, edge), s)
        if relation == "psi":
            identity = np.array_equal(s, groups.identity())
            checks.check("C6", f"photograph, edge detector, s = {groups.name(s)}: L_s^-1 psi = psi, so here "
                         "(L_s f) * psi = L_s (f * psi)", lhs_s, naive_s, "float", elements=groups.name(s),
                         why="the identity: both sides are the same computation" if identity else
                         "a symmetry of this filter; float pixels summed in another order")
        elif relation == "-psi":
            checks.check("C6", f"photograph, edge detector, s = {groups.name(s)}: L_s^-1 psi = -psi, so "
                         "(L_s f) * psi = -L_s (f * psi)", lhs_s, -naive_s, "float", elements=groups.name(s),
                         why="float pixels summed in another order")
        else:
            checks.check("C6", f"photograph, edge detector, s = {groups.name(s)}: (L_s f) * psi != L_s (f * psi)",
                         lhs_s, naive_s, "nonzero", elements=groups.name(s), why="the turned filter sees other edges")
    iso = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    f = images.integer_image((17, 17), RNG).astype(np.int64)
    checks.check("C6", "an isotropic filter (L_s psi = psi for all s) IS equivariant: (L_s f) * psi = L_s (f * psi)",
                 np.stack([corr(L(f, s), iso) for s in D4]), np.stack([L(corr(f, iso), s) for s in D4]), "exact",
                 elements=names, why="integers; L_s^-1 psi = psi, so C6 reduces to equivariance")
    figure(photo, edge, groups.rotation(1))


def figure(f, psi, r):
    r_inv = groups.inverse(r)
    lhs = corr(L(f, r), psi)
    naive = L(corr(f, psi), r)
    right = L(corr(f, L(psi, r_inv)), r)
    fail = np.abs(lhs - naive)
    holds = np.abs(lhs - right)
    vmax = np.abs(np.stack([lhs, naive, right])).max()
    fig, axes = plt.subplots(2, 4, figsize=(17, 8.8))

    def image(ax, a, title, cmap="gray", vmin=None, vmax=None, bar=None, fmt=None):
        im = ax.imshow(a, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("column")
        ax.set_ylabel("row")
        if bar:
            fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03, label=bar, format=fmt)

    image(axes[0, 0], f, "input f")
    image(axes[0, 1], L(f, r), "L$_r$ f, turned by r = R(1)\n(counter-clockwise)")
    image(axes[0, 2], lhs, "(L$_r$ f) ⋆ ψ\nthe turned input, correlated", "RdBu_r", -vmax, vmax, "response")
    image(axes[0, 3], naive, "L$_r$ (f ⋆ ψ)\nthe output, turned", "RdBu_r", -vmax, vmax, "response")
    gap = np.full((psi.shape[0], 1), np.nan)
    pair = np.concatenate([psi, gap, L(psi, r_inv)], axis=1)
    m = np.abs(psi).max()
    image(axes[1, 0], pair, "ψ (left) and L$_{r^{-1}}$ψ (right)\nvertical vs horizontal edge detector", "RdBu_r", -m, m,
          "filter value")
    image(axes[1, 1], fail, f"|(L$_r$ f) ⋆ ψ − L$_r$ (f ⋆ ψ)|\nmax = {fail.max():.3g}: NOT equivariant", "magma", 0,
          None, "absolute difference")
    image(axes[1, 2], right, "L$_r$ (f ⋆ L$_{r^{-1}}$ψ)\nthe original, against the counter-turned filter", "RdBu_r",
          -vmax, vmax, "response")
    verdict = "exactly 0" if holds.max() == 0 else "float round-off only"
    image(axes[1, 3], holds, f"|(L$_r$ f) ⋆ ψ − L$_r$ (f ⋆ L$_{{r^{{-1}}}}$ψ)|\nmax = {holds.max():.2g} ({verdict})",
          "magma", 0, max(holds.max(), 1e-16), "absolute difference", fmt="%.1e")
    fig.suptitle("Rotation is not a symmetry of planar correlation (C6): turning the input is the same as "
                 "counter-turning the filter, not turning the output", fontsize=13)
    fig.tight_layout()
    path = FIGURES / "06_rotation_not_a_symmetry.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"    figure written: {display_path(path)}")


# %%
def main():
    tiny_example()
    proof()
    general_checks()
    checks.finish()


if __name__ == "__main__":
    main()
