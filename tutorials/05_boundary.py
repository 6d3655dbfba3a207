"""Tutorial 05 - What the image border does to translation equivariance.

Claim: the proofs of tutorial 04 need two things of the substitution y -> y + t - that it
is a bijection of the set summed over, and that this set is all of Z^2 (C5). Keep both
and equivariance is exact: a finitely supported image with the 'full' output (nothing
is ever cut off), or a periodic image with circular correlation. Cut the image to a
finite frame and it breaks - but only in a band along the border, whose width we
measure and predict: the terms of the sum that one side counts and the other does not.
Figures: figures/05_camera_crop.png, 05_band_widths.png, 05_boundary_band.png,
05_no_cropping.png.

Checks: C5. Run: python tutorials/05_boundary.py, or open it as a notebook.
"""
IDS = ("C5",)

# %%
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from groupconv import action, checks, correlate, figures, groups, images

figures.use_slide_style()
RNG = np.random.default_rng(checks.SEED)  # seeded: every run draws the same "random" data


def show(title, a):
    """Print a small integer array under a title, one row per line."""
    print(title)
    for row in np.asarray(a).astype(int):
        print("  " + " ".join(f"{x:4d}" for x in row))


def corr(f, psi, mode):
    """Single-channel planar correlation f ⋆ psi, f (H, W), psi (k, k), with groupconv's layer."""
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
r = np.arange(-4, 5)
Y = np.stack(np.meshgrid(r, r, indexing="ij"), axis=-1).reshape(-1, 2)  # the 81 points of the window
for t in [(0, 1), (2, 3)]:
    stays = np.all(np.abs(Y + np.array(t)) <= 4, axis=1).sum()
    print(f"y -> y + {groups.name(groups.translation(*t))} on the 9x9 window: {stays} of 81 points stay inside, {81 - stays} leave, "
          f"and {81 - stays} others would have to come in from outside")

# %% [markdown]
# ### A 5x5 example by hand
#
# f is a 5x5 image, psi a 3x3 filter of ones (the filter's radius p = (k - 1)/2 is 1),
# t moves one column to the right. Both sides are computed on the 5x5 frame with zero
# padding. Read the difference column by column:
#
# * column 0: L_t f is zero there, but the filter centred on column 0 reaches column 1,
#   where L_t f holds f's first column; L_t (f ⋆ psi) is zero there (nothing was shifted in).
# * column 4: L_t f lost f's last column, so (L_t f) ⋆ psi misses it; L_t (f ⋆ psi) took
#   the value of f ⋆ psi at column 3, which did see f's last column.
# * columns 1-3: the same terms on both sides: exactly equal.

# %%
f = np.arange(1, 26).reshape(5, 5)
psi = np.ones((3, 3), dtype=np.int64)
t = groups.translation(0, 1)
lhs = corr(action.transform_image(f, t), psi, "same")
rhs = action.transform_image(corr(f, psi, "same"), t)
show("f:", f)
show("(L_t f) ⋆ psi, t = t(0,1), mode 'same':", lhs)
show("L_t (f ⋆ psi):", rhs)
show("difference:", lhs - rhs)
checks.check("C5", "5x5: columns 1-3 (away from the border), LHS vs RHS", lhs[:, 1:4], rhs[:, 1:4], "exact",
             elements="t(0,1), 3x3 filter of ones", why="integers; the same terms on both sides")
checks.check("C5", "5x5: columns 0 and 4 (the border), LHS vs RHS (they differ)", lhs[:, [0, 4]], rhs[:, [0, 4]],
             "nonzero", elements="t(0,1)", why="terms counted on one side only")

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
#
# With integer data the two sides agree exactly; with the (float) photograph up to
# round-off, because the engine may group the same additions differently.

# %%
ts = [(0, 1), (3, -2), (-7, 11), (20, 0)]
shifts = ", ".join(groups.name(groups.translation(*t)) for t in ts)
for label, f, psi, kind, why in [
    ("random 31x31 integer image", images.integer_image((31, 31), RNG).astype(np.int64),
     images.integer_image((7, 7), RNG).astype(np.int64), "exact", "integer arrays: exact integer arithmetic"),
    ("photograph", images.photograph(), RNG.normal(size=(7, 7)), "float",
     "float data; the same products, possibly grouped differently by the engine"),
]:
    full = corr(f, psi, "full")
    lhs = [corr(action.transform_image(f, groups.translation(*t), "grow"), psi, "full") for t in ts]
    rhs = [action.transform_image(full, groups.translation(*t), "grow") for t in ts]
    checks.check("C5", f"{label}, frame grown, 'full': (L_t f) ⋆ psi vs L_t (f ⋆ psi)",
                 np.concatenate([a.ravel() for a in lhs]), np.concatenate([b.ravel() for b in rhs]), kind,
                 elements=shifts, why=why)
    circ = corr(f, psi, "circular")
    lhs = np.stack([corr(action.transform_image(f, groups.translation(*t), "wrap"), psi, "circular") for t in ts])
    rhs = np.stack([action.transform_image(circ, groups.translation(*t), "wrap") for t in ts])
    checks.check("C5", f"{label}, torus, 'circular': (L_t f) ⋆ psi vs L_t (f ⋆ psi)", lhs, rhs, kind,
                 elements=shifts, why=why)

# %% [markdown]
# ## 3. A finite frame: the border band
#
# Now the realistic case: the layer sees a finite frame with zero padding (mode 'same').
# We look at two kinds of cropping:
#
# * **zero frame**: L_t acts on the frame itself (content leaving it is lost, zeros come in)
#   - groupconv's boundary "zero";
# * **camera crop**: the frame is a window on a larger scene, and the *scene* moves under
#   the window: new, real content enters at one side. This is what a CNN looking at a
#   moving world sees (figure below).
#
# Write both sides as sums over the filter's support (with [...] = 1 if true, 0 if not):
#
#     ((L_t f) ⋆ psi)(x) = sum_y [x + y in frame] [x + y - t in frame] f(x + y - t) psi(y)    (zero frame)
#     (L_t (f ⋆ psi))(x) = [x - t in frame] sum_y [x - t + y in frame] f(x - t + y) psi(y)
#
# (for the camera crop the left side keeps every term with x + y in the frame, because
# the moved scene has real content there). They contain the same products
# f(x + y - t) psi(y); a product is counted on one side only when the brackets disagree.
# So we can *predict* where the residual is non-zero - at the pixels x that have such an
# unmatched term - and compare with where it *is* non-zero. Both sides are computed with
# the layer; the prediction is computed from the frame geometry alone. To make that
# comparison sharp, image and filter are positive integers: no round-off, and no sign
# cancellation can hide an unmatched term.
#
# With p = (k - 1)/2 the filter's radius and a shift of v >= p columns, the prediction
# works out to: p columns at the side the content leaves, and on the side it enters, p
# columns (zero frame) or v + p columns (camera crop).

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 6.2), layout="constrained")
photo8 = np.round(images.photograph() * 255).astype(np.int64)  # 8-bit grey levels: integers
t_demo = (8, 12)
T_DEMO = groups.name(groups.translation(*t_demo))  # "t(8,12)"
for ax, scene, title in [(axes[0], photo8, "the scene, and the frame the layer sees"),
                         (axes[1], action.transform_image(photo8, groups.translation(*t_demo), "zero"),
                          f"the scene moved by {T_DEMO} under the frame:\nnew content enters top and left")]:
    ax.imshow(scene, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.add_patch(plt.Rectangle((15.5, 15.5), 97, 97, fill=False, ec="tab:orange", lw=3))
    ax.set_title(title)
    ax.set_xlabel("column j")
    ax.set_ylabel("row i")
fig.legend(handles=[Patch(fc="none", ec="tab:orange", lw=3, label="the 97 x 97 frame (camera crop)")],
           loc="outside lower center")
figures.save(fig, "05_camera_crop.png")

# %% [markdown]
# `predicted_band` lists, for every output pixel x, which terms y each side has (from the
# frame alone), and marks the pixels where the two lists differ. `both_sides` computes
# the two sides with the layer. We try filters of size k = 3, 5, 9 and shifts t(0, v),
# v = 4, 9, 16, on an 81 x 81 frame of a random positive scene.

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
    else:  # camera crop: the left side reads the moved scene at x+y (always real content if x+y is on the frame)
        left = frame_mask(n, x + y)
    right = frame_mask(n, x - t) & frame_mask(n, x - t + y)
    return np.any(left != right, axis=-1)


def both_sides(scene, psi, t, scenario, margin):
    """(L_t f) ⋆ psi and L_t (f ⋆ psi), computed with the layer.

    "zero frame" and "camera crop": f is the central frame of `scene` (the scene minus `margin` on each
    side), mode 'same'. "full": the whole scene, frame grown. "circular": the whole scene on a torus.
    """
    g = groups.translation(*t)
    if scenario == "full":
        return (corr(action.transform_image(scene, g, "grow"), psi, "full"),
                action.transform_image(corr(scene, psi, "full"), g, "grow"))
    if scenario == "circular":
        return (corr(action.transform_image(scene, g, "wrap"), psi, "circular"),
                action.transform_image(corr(scene, psi, "circular"), g, "wrap"))
    n = scene.shape[0] - 2 * margin
    frame = scene[margin:margin + n, margin:margin + n]
    if scenario == "zero frame":
        moved = action.transform_image(frame, g, "zero")
    else:
        moved = action.transform_image(scene, g, "zero")[margin:margin + n, margin:margin + n]
    return corr(moved, psi, "same"), action.transform_image(corr(frame, psi, "same"), g, "zero")


margin, n = 24, 81
scene = RNG.integers(1, 10, size=(n + 2 * margin, n + 2 * margin))  # positive integers: no cancellations
widths = {}  # (scenario, k, v) -> (measured entering, measured leaving, predicted entering, predicted leaving)
for scenario in ("zero frame", "camera crop"):
    residual_at, predicted_at = [], []
    for k in (3, 5, 9):
        psi = RNG.integers(1, 6, size=(k, k))
        p = (k - 1) // 2
        for v in (4, 9, 16):
            lhs, rhs = both_sides(scene, psi, (0, v), scenario, margin)
            nonzero = lhs != rhs
            residual_at.append(nonzero)
            predicted_at.append(predicted_band(n, k, (0, v), scenario))
            cols = np.flatnonzero(nonzero.any(axis=0))
            widths[scenario, k, v] = (int(np.sum(cols < n // 2)), int(np.sum(cols >= n // 2)),
                                      min(p, v) if scenario == "zero frame" else v + p, p)
    checks.check("C5", f"{scenario}: pixels with a non-zero residual vs pixels with an unmatched term",
                 np.stack(residual_at).astype(int), np.stack(predicted_at).astype(int), "exact",
                 elements="k = 3, 5, 9 x t(0,4), t(0,9), t(0,16)", why=MASK_WHY)

# %% [markdown]
# The widths of the band, in columns, on the side where content enters and on the side
# where it leaves, measured from the residual and (in brackets) predicted: p on the
# leaving side; min(p, v) (zero frame) or v + p (camera crop) on the entering side.

# %%
print("band width in columns, entering side / leaving side: measured (predicted)")
print((f"{'':<18}" + "".join(f"{f't(0,{v})':<16}" for v in (4, 9, 16))).rstrip())
for scenario in ("zero frame", "camera crop"):
    for k in (3, 5, 9):
        row = "".join(f"{'{}/{} ({}/{})'.format(*widths[scenario, k, v]):<16}" for v in (4, 9, 16))
        print(f"{scenario:<12} k={k}  {row}".rstrip())
measured = np.array([w[:2] for w in widths.values()])
predicted = np.array([w[2:] for w in widths.values()])
checks.check("C5", "band widths, measured vs predicted (entering, leaving)", measured, predicted, "exact",
             elements="k = 3, 5, 9 x t(0,4), t(0,9), t(0,16), both croppings", why="integer counts of columns")

# %% [markdown]
# The same table as a picture: for each filter size (colour), the band width against
# the shift v. Dots and squares are measured, lines predicted. On the leaving side the
# band is always p columns wide; on the entering side it grows with the shift when real
# content enters (camera crop), and stays at p when zeros enter (zero frame).

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 5.8), sharey=True, layout="constrained")
vs = np.array([4, 9, 16])
colours = {3: "tab:blue", 5: "tab:orange", 9: "tab:green"}
for ax, scenario in zip(axes, ("zero frame", "camera crop")):
    for k, colour in colours.items():
        w = np.array([widths[scenario, k, v] for v in vs])
        ax.plot(vs, w[:, 2], "-", color=colour)
        ax.plot(vs, w[:, 3], "--", color=colour)
        ax.plot(vs, w[:, 0], "o", color=colour, ms=10)
        ax.plot(vs, w[:, 1], "s", mfc="none", mec=colour, ms=12, mew=2)
    ax.set_title("zero frame: both sides p wide" if scenario == "zero frame" else "camera crop")
    ax.set_xlabel("shift v of t(0, v), in columns")
    ax.set_xticks(vs)
    ax.grid(alpha=0.3)
axes[0].set_ylabel("band width (columns)")
axes[0].yaxis.set_major_locator(MaxNLocator(integer=True))
axes[0].set_ylim(0, max(max(w) for w in widths.values()) + 1)
handles = ([Line2D([], [], color=c, lw=3, label=f"k = {k} (p = {(k - 1) // 2})") for k, c in colours.items()]
           + [Line2D([], [], color="k", marker="o", ls="-", ms=9, label="entering side: measured, predicted"),
              Line2D([], [], color="k", marker="s", mfc="none", ls="--", ms=10, label="leaving side: measured, predicted")])
fig.legend(handles=handles, loc="outside right center")
fig.suptitle("Width of the border band for t(0, v): measured (markers) and predicted (lines)")
figures.save(fig, "05_band_widths.png")

# %% [markdown]
# ### The photograph
#
# The same on a real picture: the photograph quantised to its 8-bit grey levels (so the
# data are integers and "exactly 0" means exactly 0, not round-off), a 9x9 filter of
# positive integers, t = t(8, 12), a 97 x 97 frame. Three kinds of output pixel:
#
# * the **band**: a term is counted on one side only, and the residual is non-zero;
# * the **interior**: the same terms on both sides, the sums are non-zero and agree exactly;
# * in the zero frame, also pixels where **neither side has any term**: the filter at x
#   reaches only zeros that were shifted in, on both sides. Both sums are empty, 0 = 0,
#   and nothing is compared there. We find these pixels by running both sides on an
#   all-ones image with an all-ones filter: each output pixel then counts its terms.

# %%
psi9 = RNG.integers(1, 6, size=(9, 9))
maps = {}
for scenario in ("zero frame", "camera crop"):
    lhs, rhs = both_sides(photo8, psi9, t_demo, scenario, 16)
    band = predicted_band(lhs.shape[0], 9, t_demo, scenario)
    count_l, count_r = both_sides(np.ones_like(photo8), np.ones_like(psi9), t_demo, scenario, 16)
    empty = (count_l == 0) & (count_r == 0)
    interior = ~band & ~empty
    print(f"{scenario}: {band.sum()} band pixels, {interior.sum()} interior pixels, "
          f"{empty.sum()} pixels with no term on either side")
    checks.check("C5", f"photograph, {scenario}: pixels with a non-zero residual vs the predicted band",
                 (lhs != rhs).astype(int), band.astype(int), "exact", elements=f"{T_DEMO}, 9x9 positive filter",
                 why="integer grey levels >= 0 and a positive filter: no round-off, no sign cancellation "
                     "(a run of black pixels or a cancellation would make this check fail, not pass)")
    checks.check("C5", f"photograph, {scenario}: interior, LHS vs RHS", lhs[interior], rhs[interior], "exact",
                 elements=T_DEMO, why="integer grey levels: the interior sums the same terms, no round-off")
    checks.check("C5", f"photograph, {scenario}: interior, smallest |LHS| vs 0 (real sums, not 0 = 0)",
                 np.array(np.abs(lhs[interior]).min()), np.array(0), "nonzero", elements=T_DEMO,
                 why="every interior sum has terms, and the photograph is not black over a whole 9x9 window")
    checks.check("C5", f"photograph, {scenario}: band, LHS vs RHS (they differ)", lhs[band], rhs[band], "nonzero",
                 elements=T_DEMO, why="terms counted on one side only")
    maps[scenario] = (np.abs(lhs - rhs), empty, band)

# %% [markdown]
# The residual |(L_t f) ⋆ psi - L_t (f ⋆ psi)| of the photograph, on a log scale. Grey
# pixels are exactly 0 with the same terms on both sides; hatched pixels have no term on
# either side (0 = 0, nothing compared); the cyan line outlines the predicted band. In the
# band the residual is of the size of the responses themselves; everywhere else it is
# exactly 0.

# %%
def draw_residual(ax, diff, empty, band, title, vmax):
    """log10 |LHS - RHS| (exact integers); grey: exactly 0; white: no term on either side; cyan: predicted band."""
    cmap = plt.get_cmap("magma").copy()
    cmap.set_bad("lightgrey")
    shown = np.ma.masked_where(diff == 0, figures.steady(np.log10(np.maximum(diff, 1))))
    im = ax.imshow(shown, cmap=cmap, vmin=0, vmax=vmax, interpolation="nearest")
    ax.imshow(np.ma.masked_where(~empty, np.ones(diff.shape)), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    if empty.any():  # hatch the pixels where neither side has a term (their boundary: the 0.5 level between pixels)
        ax.contourf(empty.astype(float), levels=[0.5, 1.5], colors="none", hatches=["//"])
    if band is not None:
        ax.contour(band.astype(float), levels=[0.5], colors="tab:cyan", linewidths=2)
    ax.set_title(title)
    ax.set_xlabel("column j of the output")
    ax.set_ylabel("row i")
    return im


KEY = [Patch(fc="lightgrey", ec="k", label="exactly 0: the same terms on both sides"),
       Patch(fc="white", ec="k", hatch="//", label="no term on either side: 0 = 0"),
       Line2D([], [], color="tab:cyan", lw=2, label="the predicted band")]
vmax = max(np.log10(m[0].max()) for m in maps.values())
fig, axes = plt.subplots(1, 2, figsize=(13, 7), layout="constrained")
for ax, scenario, title in [(axes[0], "zero frame", "zero frame, mode 'same'"),
                            (axes[1], "camera crop", "camera crop, mode 'same'")]:
    im = draw_residual(ax, *maps[scenario], title, vmax)
fig.colorbar(im, ax=axes, shrink=0.8, label="log10 |LHS − RHS|")
fig.legend(handles=KEY, loc="outside lower center", ncols=3)
fig.suptitle(f"Cropped frame: (L$_t$ f) ⋆ ψ ≠ L$_t$ (f ⋆ ψ) only in the border band, t = {T_DEMO}")
figures.save(fig, "05_boundary_band.png")

# %% [markdown]
# Without cropping - the frame grown and the 'full' output, or the torus - the same
# photograph, filter and shift give a residual that is exactly 0 at every pixel: there
# is no band. (The hatched strips of the grown frame are pixels whose filter window
# reaches no pixel of the picture on either side.)

# %%
for scenario in ("full", "circular"):
    lhs, rhs = both_sides(photo8, psi9, t_demo, scenario, 0)
    count_l, count_r = both_sides(np.ones_like(photo8), np.ones_like(psi9), t_demo, scenario, 0)
    label = "frame grown, 'full'" if scenario == "full" else "torus, 'circular'"
    checks.check("C5", f"photograph, {label}: (L_t f) ⋆ psi vs L_t (f ⋆ psi)", lhs, rhs, "exact",
                 elements=f"{T_DEMO}, every output pixel", why="integer grey levels")
    maps[scenario] = (np.abs(lhs - rhs), (count_l == 0) & (count_r == 0), None)
fig, axes = plt.subplots(1, 2, figsize=(13, 7), layout="constrained")
for ax, scenario, title in [(axes[0], "full", "finite support, frame grown, 'full'"),
                            (axes[1], "circular", "periodic image, 'circular'")]:
    im = draw_residual(ax, *maps[scenario], title, vmax)
fig.colorbar(im, ax=axes, shrink=0.8, label="log10 |LHS − RHS|")
fig.legend(handles=KEY[:2], loc="outside lower center", ncols=2)
fig.suptitle(f"No cropping: (L$_t$ f) ⋆ ψ = L$_t$ (f ⋆ ψ) exactly, at every pixel, t = {T_DEMO}")
figures.save(fig, "05_no_cropping.png")

# %% [markdown]
# ## What to take away
#
# Translation equivariance of a CNN layer is exact in the interior of the frame and
# fails in a band along the border, of the filter's radius (plus, for a moving scene,
# the shift itself, where genuinely new content enters). In a deep network the band
# grows, since every layer reads the border values of the layer before. The same
# reasoning will apply to rotations and mirrors in later tutorials: about the centre of a
# square frame they map the frame onto itself, so they lose nothing and no band appears.

# %% [markdown]
# ## The tally
#
# Every check above printed its own line. The last cell counts them: run as a script it
# exits with status 1 if any failed (so `tutorials/run_all.py` and CI notice); in a
# notebook it raises instead.

# %%
checks.finish()
