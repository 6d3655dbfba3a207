"""Tutorial 05 - What the image border does to translation equivariance.

Claim: the proofs of tutorial 04 need two things of the substitution y -> y + t - that it
is a bijection of the set summed over, and that this set is all of Z^2 (C5). Keep both
and equivariance is exact: a finitely supported image with the 'full' output (nothing
is ever cut off), or a periodic image with circular correlation. Cut the image to a
finite frame and it breaks - but only in a band along the border, whose width we
measure and predict: the terms of the sum that one side counts and the other does not.
Figure: figures/05_boundary_band.png.

Checks: C5. Run: python tutorials/05_boundary.py
"""
IDS = ("C5",)

# %%
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from groupconv import action, checks, correlate, groups, images  # noqa: E402

from groupconv.figures import display_path, figures_dir  # noqa: E402

FIGURES = figures_dir()
RNG = np.random.default_rng(checks.SEED)


def show(title, a):
    print(f"    {title}")
    for row in np.asarray(a).astype(int):
        print("      " + " ".join(f"{x:4d}" for x in row))


def corr(f, psi, mode):
    """Single-channel planar correlation f (H, W) * psi (k, k) with groupconv's layer."""
    return correlate.planar_correlation(f[None, None], psi[None, None], mode)[0, 0]


# %% [markdown]
# ## 1. Where the proof uses all of Z^2
#
# The key step of both proofs was a change of summation variable, y -> y + t. On Z^2 it
# pairs every term of one sum with exactly one term of the other. A real layer does not
# sum over Z^2: it sees a finite frame, padded with zeros (mode 'same'), and the
# translated image L_t f loses the columns that leave the frame and gets zeros where
# new columns would come in. On a finite window the shift is not a bijection: some
# points leave the window, others enter. Counting them on a 9 x 9 window:

# %%
def bijection_count():
    r = np.arange(-4, 5)
    Y = np.stack(np.meshgrid(r, r, indexing="ij"), axis=-1).reshape(-1, 2)
    for t in [(0, 1), (2, 3)]:
        moved = Y + np.array(t)
        stays = np.all(np.abs(moved) <= 4, axis=1).sum()
        print(f"    y -> y + t{t} on the 9x9 window: {stays} of 81 points stay inside, {81 - stays} leave "
              f"and {81 - stays} others would have to come in from outside")


# %% [markdown]
# ### A 5x5 example by hand
#
# f is a 5x5 image, psi a 3x3 filter of ones (the filter's radius p = (k - 1)/2 is 1),
# t moves one column to the right. Both sides are computed on the 5x5 frame with zero
# padding. Read the difference column by column:
#
# * column 0: L_t f is zero there, but the filter centred on column 0 reaches column 1,
#   where L_t f holds f's first column; L_t (f * psi) is zero there (nothing was shifted in).
# * column 4: L_t f lost f's last column, so (L_t f) * psi misses it; L_t (f * psi) took
#   the value of f * psi at column 3, which did see f's last column.
# * columns 1-3: the same terms on both sides: exactly equal.

# %%
def tiny_example():
    f = np.arange(1, 26).reshape(5, 5)
    psi = np.ones((3, 3), dtype=np.int64)
    t = groups.translation(0, 1)
    lhs = corr(action.transform_image(f, t), psi, "same")
    rhs = action.transform_image(corr(f, psi, "same"), t)
    show("f:", f)
    show("(L_t f) * psi, t = t(0,1), mode 'same':", lhs)
    show("L_t (f * psi):", rhs)
    show("difference:", lhs - rhs)
    checks.check("C5", "5x5 example: columns 1-3 (away from the border) agree exactly", lhs[:, 1:4], rhs[:, 1:4], "exact",
                 elements="t(0,1), 3x3 filter of ones", why="integers; the same terms on both sides")
    checks.check("C5", "5x5 example: columns 0 and 4 (the border) differ", lhs[:, [0, 4]], rhs[:, [0, 4]], "nonzero",
                 elements="t(0,1)", why="terms counted on one side only")


# %% [markdown]
# ## 2. No cropping, no problem
#
# Two ways to keep the hypotheses of the proof:
#
# * **Finite support, full output.** Treat the image as a function on Z^2 that is zero
#   outside its frame. Move it without losing anything (groupconv's boundary "grow" enlarges
#   the frame by |t|) and compute every output pixel where the sum can be non-zero (mode
#   'full'). Then the sum really runs over all of Z^2 and equivariance is exact.
# * **A torus.** Make the image periodic: what leaves on the right comes back on the
#   left (boundary "wrap", mode 'circular'). On the torus Z_n x Z_n the shift *is* a
#   bijection of the summation set, and the proof goes through unchanged.

# %%
def exact_cases():
    print("\n== C5: exact equivariance when nothing is cropped ==")
    ts = [(0, 1), (3, -2), (-7, 11), (20, 0)]
    names = ", ".join(f"t{t}" for t in ts)
    for label, f, psi, kind, why in [
        ("random 31x31 integer image", images.integer_image((31, 31), RNG).astype(np.int64),
         images.integer_image((7, 7), RNG).astype(np.int64), "exact", "integer arrays: exact integer arithmetic"),
        ("photograph", images.photograph(), RNG.normal(size=(7, 7)), "float",
         "float data; the same products, possibly grouped differently by the engine"),
    ]:
        full = corr(f, psi, "full")
        lhs = [corr(action.transform_image(f, groups.translation(*t), "grow"), psi, "full") for t in ts]
        rhs = [action.transform_image(full, groups.translation(*t), "grow") for t in ts]
        checks.check("C5", f"{label}: finite support, 'full' output: (L_t f) * psi = L_t (f * psi)",
                     np.concatenate([a.ravel() for a in lhs]), np.concatenate([b.ravel() for b in rhs]), kind,
                     elements=names + " (frame grown, nothing lost)", why=why)
        circ = corr(f, psi, "circular")
        lhs = np.stack([corr(action.transform_image(f, groups.translation(*t), "wrap"), psi, "circular") for t in ts])
        rhs = np.stack([action.transform_image(circ, groups.translation(*t), "wrap") for t in ts])
        checks.check("C5", f"{label}: periodic image, circular correlation: (L_t f) * psi = L_t (f * psi)", lhs, rhs, kind,
                     elements=names + " (wrap-around)", why=why)


# %% [markdown]
# ## 3. A finite frame: the border band
#
# Now the realistic case: the layer sees a finite frame with zero padding (mode 'same').
# Write both sides as sums over the filter's support:
#
#     ((L_t f) * psi)(x) = sum_y [x + y in frame] [x + y - t in frame] f(x + y - t) psi(y)
#     (L_t (f * psi))(x) = [x - t in frame] sum_y [x - t + y in frame] f(x - t + y) psi(y)
#
# They contain the same products f(x + y - t) psi(y); a product is counted on one side
# only when "x + y is in the frame" and "x - t is in the frame" disagree. So we can
# *predict* where the residual is non-zero - at the pixels x that have such an unmatched
# term - and compare with where it *is* non-zero. Both sides are computed with the layer;
# the prediction is computed from the frame geometry alone.
#
# We look at two kinds of cropping:
#
# * **zero frame**: L_t acts on the frame itself (content leaving it is lost, zeros come in)
#   - groupconv's boundary "zero";
# * **camera crop**: the frame is a window on a larger scene, and the *scene* moves under
#   the window: new, real content enters at one side. This is what a CNN looking at a
#   moving world sees.
#
# With p = (k - 1)/2 the filter's radius and a shift of v >= p columns, the prediction
# works out to: p columns at the side the content leaves, and on the side it enters, p
# columns (zero frame) or v + p columns (camera crop). The measured widths follow.

# %%
MASK_WHY = ("integers, so no round-off; all values positive, so an unmatched term cannot be hidden by a sign "
            "cancellation (an accidental cancellation would make this check fail, not pass)")


def frame_mask(n, points):
    """Which integer array positions (i, j) lie on an n x n frame."""
    return np.all((points >= 0) & (points < n), axis=-1)


def predicted_band(n, k, t, scenario):
    """Pixels x where one side of the sum has a term the other lacks (from the frame geometry alone)."""
    p = (k - 1) // 2
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    x = np.stack([i, j], axis=-1)[:, :, None, :]  # (n, n, 1, 2)
    r = np.arange(-p, p + 1)
    y = np.stack(np.meshgrid(r, r, indexing="ij"), axis=-1).reshape(1, 1, -1, 2)  # the filter's support
    t = np.array(t)
    if scenario == "zero frame":
        # a term y of the left side exists iff x+y and x+y-t are on the frame; of the right side iff x-t and x-t+y are
        left = frame_mask(n, x + y) & frame_mask(n, x + y - t)
        right = frame_mask(n, x - t) & frame_mask(n, x - t + y)
    else:  # camera crop: the left side reads the moved scene at x+y (always real content if x+y is on the frame)
        left = frame_mask(n, x + y)
        right = frame_mask(n, x - t) & frame_mask(n, x - t + y)
    return np.any(left != right, axis=-1)


def both_sides(scene, k_psi, t, scenario, margin):
    """LHS and RHS on the central n x n frame of `scene` (the frame is the scene minus `margin` on each side)."""
    n = scene.shape[0] - 2 * margin
    frame = scene[margin:margin + n, margin:margin + n]
    g = groups.translation(*t)
    if scenario == "zero frame":
        moved = action.transform_image(frame, g, "zero")
    else:
        moved = action.transform_image(scene, g, "zero")[margin:margin + n, margin:margin + n]
    lhs = corr(moved, k_psi, "same")
    rhs = action.transform_image(corr(frame, k_psi, "same"), g, "zero")
    return lhs, rhs


def border_band():
    print("\n== C5: on a finite frame the residual lives in a border band ==")
    margin = 24
    scene = RNG.integers(1, 10, size=(81 + 2 * margin, 81 + 2 * margin))  # positive integers: no cancellations
    measured, predicted, rows = [], [], []
    for scenario in ("zero frame", "camera crop"):
        for k in (3, 5, 9):
            psi = RNG.integers(1, 6, size=(k, k))
            p = (k - 1) // 2
            for v in (4, 9, 16):
                lhs, rhs = both_sides(scene, psi, (0, v), scenario, margin)
                nonzero = lhs != rhs
                mask = predicted_band(lhs.shape[0], k, (0, v), scenario)
                checks.check("C5", f"{scenario}, k={k}, t(0,{v}): residual is non-zero exactly where a term is unmatched",
                             nonzero.astype(int), mask.astype(int), "exact", elements=f"t(0,{v})", why=MASK_WHY)
                cols = np.flatnonzero(nonzero.any(axis=0))
                entering = int(np.sum(cols < 81 // 2))
                leaving = int(np.sum(cols >= 81 // 2))
                expect_entering = min(p, v) if scenario == "zero frame" else v + p
                measured.append((entering, leaving))
                predicted.append((expect_entering, p))
                rows.append(f"    {scenario:<12} k={k}  t=(0,{v:2d}):  band at entering side {entering:2d} columns "
                            f"(predicted {expect_entering:2d}), at leaving side {leaving} (predicted p = {p})")
    print("\n".join(rows))
    checks.check("C5", "measured band widths vs the prediction (p; min(p, v) or v + p)", np.array(measured),
                 np.array(predicted), "exact", elements="k = 3, 5, 9; t = t(0,4), t(0,9), t(0,16); both scenarios",
                 why="integer counts of columns")

    # The photograph, quantised to its 8-bit grey levels (integers, so the interior is exactly 0, not round-off).
    photo = np.round(images.photograph() * 255).astype(np.int64)
    psi = RNG.integers(1, 6, size=(9, 9))
    t = (8, 12)
    maps = {}
    for scenario in ("zero frame", "camera crop"):
        lhs, rhs = both_sides(photo, psi, t, scenario, 16)
        band = predicted_band(lhs.shape[0], 9, t, scenario)
        checks.check("C5", f"photograph (8-bit), {scenario}: residual outside the predicted band is exactly 0",
                     np.where(band, 0, lhs), np.where(band, 0, rhs), "exact", elements=f"t{t}, 9x9 positive filter",
                     why="integer grey levels: the interior sums the same terms, no round-off")
        checks.check("C5", f"photograph (8-bit), {scenario}: inside the band it is not", lhs[band], rhs[band], "nonzero",
                     elements=f"t{t}", why="terms counted on one side only")
        checks.check("C5", f"photograph (8-bit), {scenario}: residual is non-zero at exactly the pixels of the band",
                     (lhs != rhs).astype(int), band.astype(int), "exact", elements=f"t{t}",
                     why="integer grey levels >= 0 and a positive filter: no round-off, no sign cancellation "
                         "(a run of black pixels or a cancellation would make this check fail, not pass)")
        maps[scenario] = (np.abs(lhs - rhs), band)
    full_lhs = corr(action.transform_image(photo, groups.translation(*t), "grow"), psi, "full")
    full_rhs = action.transform_image(corr(photo, psi, "full"), groups.translation(*t), "grow")
    circ_lhs = corr(action.transform_image(photo, groups.translation(*t), "wrap"), psi, "circular")
    circ_rhs = action.transform_image(corr(photo, psi, "circular"), groups.translation(*t), "wrap")
    checks.check("C5", "photograph (8-bit): 'full' output of the grown frame, exact everywhere", full_lhs, full_rhs,
                 "exact", elements=f"t{t}", why="integer grey levels")
    checks.check("C5", "photograph (8-bit): circular correlation on the torus, exact everywhere", circ_lhs, circ_rhs,
                 "exact", elements=f"t{t}", why="integer grey levels")
    maps["full"] = (np.abs(full_lhs - full_rhs), None)
    maps["circular"] = (np.abs(circ_lhs - circ_rhs), None)
    figure(photo, t, maps, measured, predicted)


def figure(photo, t, maps, measured, predicted):
    fig, axes = plt.subplots(2, 3, figsize=(15, 9.6))
    ax = axes[0, 0]
    ax.imshow(photo, cmap="gray")
    ax.add_patch(plt.Rectangle((15.5, 15.5), photo.shape[1] - 32, photo.shape[0] - 32, fill=False, ec="tab:orange",
                               lw=2, label="the cropped frame (camera crop)"))
    c = photo.shape[0] // 2
    ax.annotate("", xy=(c + t[1] * 3, c + t[0] * 3), xytext=(c, c),
                arrowprops=dict(arrowstyle="->", color="tab:red", lw=3))
    ax.text(3, 8, f"t = t{t} (arrow drawn 3x longer)", color="tab:red", fontsize=9,
            bbox=dict(fc="white", ec="none", alpha=0.8))
    ax.set_title("the input: the photograph (8-bit grey levels)", fontsize=11)
    ax.set_xlabel("column j")
    ax.set_ylabel("row i")
    ax.legend(loc="lower left", fontsize=8)

    cmap = plt.get_cmap("magma").copy()
    cmap.set_bad("lightgrey")
    vmax = max(np.log10(m[0].max()) for m in maps.values() if m[0].max() > 0)
    panels = [(axes[0, 1], "zero frame", "finite frame, zero boundary, mode 'same'"),
              (axes[0, 2], "camera crop", "camera crop: the scene moves under the frame"),
              (axes[1, 1], "full", "finite support, frame grown, mode 'full'"),
              (axes[1, 2], "circular", "periodic image, mode 'circular'")]
    for ax, key, title in panels:
        diff, band = maps[key]
        shown = np.ma.masked_equal(diff, 0.0)
        with np.errstate(divide="ignore"):
            im = ax.imshow(np.ma.log10(shown), cmap=cmap, vmin=0, vmax=vmax, interpolation="nearest")
        if band is not None:
            ax.contour(band.astype(float), levels=[0.5], colors="tab:cyan", linewidths=1)
        where = "non-zero only in the predicted band (cyan)" if band is not None else "exactly 0 everywhere"
        ax.set_title(f"{title}\nmax |LHS - RHS| = {diff.max():.3g}\n{where}", fontsize=10)
        ax.set_xlabel("column j of the output")
        ax.set_ylabel("row i")
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03, label="log10 |LHS - RHS|   (grey: exactly 0)")

    ax = axes[1, 0]
    measured, predicted = np.array(measured), np.array(predicted)
    labels = [f"{s} k={k} v={v}" for s in ("zero", "crop") for k in (3, 5, 9) for v in (4, 9, 16)]
    x = np.arange(len(labels))
    ax.bar(x - 0.2, measured[:, 0], 0.4, label="measured, entering side", color="tab:blue")
    ax.bar(x + 0.2, measured[:, 1], 0.4, label="measured, leaving side", color="tab:orange")
    ax.plot(x - 0.2, predicted[:, 0], "k_", ms=14, mew=2, label="predicted")
    ax.plot(x + 0.2, predicted[:, 1], "k_", ms=14, mew=2)
    ax.axvline(8.5, color="grey", lw=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=70, fontsize=7.5)
    ax.set_ylabel("band width (columns with a non-zero residual)")
    ax.set_title("band widths for t(0, v), p = (k-1)/2.  Predicted: leaving side p;\n"
                 "entering side min(p, v) (zero frame), v + p (camera crop)", fontsize=10.5)
    ax.legend(fontsize=8, loc="upper left")
    fig.suptitle("Where translation equivariance fails: the border band (C5).   "
                 f"LHS = (L$_t$ f) ⋆ ψ,  RHS = L$_t$ (f ⋆ ψ),  t = t{t},  9x9 filter of positive integers", fontsize=13)
    fig.tight_layout()
    path = FIGURES / "05_boundary_band.png"
    fig.savefig(path, dpi=105)
    plt.close(fig)
    print(f"    figure written: {display_path(path)}")


# %% [markdown]
# ## What to take away
#
# Translation equivariance of a CNN layer is exact in the interior of the frame and
# fails in a band along the border, of the filter's radius (plus, for a moving scene,
# the shift itself, where genuinely new content enters). In a deep network the band
# grows, since every layer reads the border values of the layer before. The same reasoning will apply to rotations and mirrors in
# later tutorials: about the centre of a square frame they map the frame onto itself,
# so they lose nothing and no band appears.

# %%
def main():
    print("\n== C5: the proof needs a bijection of all of Z^2 ==")
    bijection_count()
    tiny_example()
    exact_cases()
    border_band()
    checks.finish()


if __name__ == "__main__":
    main()
