"""Tutorial 03 - How a group element moves an image: L_g f = f o g^-1, and why the inverse.

Claim: to move an image f by g, read the old image at g^-1 x: (L_g f)(x) = f(g^-1 x)
(A1). Moving the picture by g is the same as moving the pixel grid by g^-1 (A2, the two
perspectives, drawn in figures/03_perspective_1_picture_moves.png and
figures/03_perspective_2_grid_moves.png). With the inverse, moving by h and then by g is
moving by g h (A3); without it the order of the product comes out reversed. On a
function over the group G (a G-CNN feature map) the same rule moves every plane and
permutes the planes (A4).

Checks: A1, A2, A3, A4. Run: python tutorials/03_acting_on_images.py, or open it as a notebook.
"""
IDS = ("A1", "A2", "A3", "A4")

# %%
import matplotlib.pyplot as plt
import numpy as np

from groupconv import action, checks, figures, groups, images
from groupconv.lookup import frame, value_at

figures.use_slide_style()
RNG = np.random.default_rng(checks.SEED)  # seeded: every run draws the same "random" data


def show(title, a):
    """Print a small integer array under a title, one row per line."""
    print(title)
    for row in np.asarray(a).astype(int):
        print("  " + " ".join(f"{x:3d}" for x in row))


# %% [markdown]
# ## 1. An image is a function on the pixel grid (A1)
#
# An image f assigns a value f(x) to every pixel x = (u, v). The group elements of
# tutorial 02 move *pixels*, not images. To move an image we need a new operator, L_g
# ("left action of g"), and the natural-looking guess "(L_g f)(x) = f(g x)" is wrong.
# The right definition is
#
#     (L_g f)(x) = f(g^-1 x):
#
# the new image, at pixel x, shows what the old image showed at the pixel that g brings
# to x - namely g^-1 x. A 3x3 example by hand, g = R(1) (a quarter turn counter-clockwise
# on screen): the top-left pixel x = (-1, -1) of L_g f shows f at R(1)^-1 x = R(3)(-1, -1)
# = (-1, 1), the top-right pixel of f.
#
# The lookup takes two lines. `frame(n)` lists the coordinates (u, v) of every pixel of
# an odd n x n frame, and `value_at(f, x)` reads f at the points x, giving 0 off the frame
# (both from groupconv/lookup.py, shared by the tutorials). `pull_back(f, g)` reads f at
# the grid points moved by g, which is the function f o g; moving the image by g is
# `pull_back(f, g^-1)`. The table lists every pixel of the 3x3 example.

# %%
def pull_back(f, g, period=None):
    """x -> f(g x) on an odd square frame: the function f o g. 0 where g x is off the frame (or a torus: period=n)."""
    return value_at(f, groups.act(g, frame(f.shape[-1])), period)


def move(f, g, period=None):
    """L_g f = f o g^-1: read f at g^-1 x."""
    return pull_back(f, groups.inverse(g), period)


f = np.arange(1, 10).reshape(3, 3)
g = groups.rotation(1)
g_inv = groups.inverse(g)
show("f:", f)
print("pixel x    g^-1 x     f(g^-1 x)     (g = R(1), g^-1 = R(3))")
for u in (-1, 0, 1):
    for v in (-1, 0, 1):
        y = groups.act(g_inv, [u, v])
        print(f"({u:2d},{v:2d})    ({y[0]:2d},{y[1]:2d})     {f[y[0] + 1, y[1] + 1]}")
show("L_R(1) f, assembled from the table:", move(f, g))
checks.check("A1", "3x3: lookup at g^-1 x vs np.rot90(f), counter-clockwise", move(f, g), np.rot90(f), "exact",
             elements="R(1)", why="pure indexing, no arithmetic")

# %% [markdown]
# The same lookup against groupconv's two implementations of the action: the fast one
# (action.transform_image: np.rot90, np.flip and array shifts) and the literal one, which
# moves every pixel with the 3x3 matrices. Both only copy values, so even float images
# agree exactly. The elements are all 8 turns and mirrors of D4 and 12 random elements
# of p4m with small shifts.

# %%
mixed = list(groups.point_group("p4m")) + list(groups.random_elements("p4m", 12, RNG, max_shift=3))
tried = "all 8 of D4, 12 random of p4m, shifts <= 3"
for label, f in [("random 9x9 integer image", images.integer_image((9, 9), RNG)),
                 ("random 9x9 float image", RNG.normal(size=(9, 9))),
                 ("photograph 129x129", images.photograph())]:
    lookup = np.stack([move(f, g) for g in mixed])
    checks.check("A1", f"{label}: lookup vs transform_image (fast)", lookup,
                 np.stack([action.transform_image(f, g) for g in mixed]), "exact", elements=tried,
                 why="both only copy values: exact for floats too")
    if f.shape[-1] <= 9:  # the library's literal version is slow on the photograph
        checks.check("A1", f"{label}: lookup vs transform_image_literal", lookup,
                     np.stack([action.transform_image_literal(f, g) for g in mixed]), "exact", elements=tried,
                     why="copies of values")

# %% [markdown]
# And against NumPy's own functions, an independent reference: L_R(r) f = np.rot90(f, r),
# L_M f = np.flip(f, axis=0) (M flips the row axis), and a translation on the
# wrap-around frame is np.roll. Also on an even-sized frame, whose centre lies between
# the four middle pixels: the turn is about that point (README "Conventions").

# %%
for n in (9, 8):
    f = RNG.normal(size=(n, n))
    fast = np.stack([action.transform_image(f, groups.rotation(r)) for r in range(4)]
                    + [action.transform_image(f, groups.mirror(1))]
                    + [action.transform_image(f, groups.translation(u, v), "wrap") for u, v in [(1, 0), (-2, 3)]])
    numpy = np.stack([np.rot90(f, r) for r in range(4)] + [np.flip(f, axis=0)]
                     + [np.roll(f, (u, v), axis=(0, 1)) for u, v in [(1, 0), (-2, 3)]])
    checks.check("A1", f"{n}x{n}: transform_image vs np.rot90, np.flip(axis=0), np.roll", fast, numpy, "exact",
                 elements="R(0..3), M, t(1,0), t(-2,3) wrap-around", why="copies of values")

# %% [markdown]
# ## 2. Two perspectives: move the picture by g, or the grid by g^-1 (A2)
#
# *Perspective 1 - the picture moves.* Pick up every pixel y of f with its value and put
# it down at g y. This is what "move the image by g" means, and it is a *scatter*: the
# values travel forward along g (`push_forward` below).
#
# *Perspective 2 - the grid moves.* Keep the picture where it is and move the grid of
# pixel positions instead, by g^-1; then read the picture at the moved grid points and
# write what you read at the original grid positions. This is a *gather*:
# (L_g f)(x) = f(g^-1 x).
#
# Both give the same image: the value that perspective 1 brings to x came from the y
# with g y = x, that is y = g^-1 x, which is exactly where perspective 2 reads. A
# formula for an image says what value sits at each pixel x - it is a gather - and that
# is why the formula carries an inverse. Reading at g x instead moves the picture by
# g^-1 - the wrong way.
#
# We test this on a letter F (no turn or mirror maps an F onto itself, so every mistake
# shows) with g = t(3, 2)·R(1), a quarter turn and a shift, and on the photograph.

# %%
def push_forward(f, g):
    """Perspective 1: out[g y] = f[y] for every pixel y (a scatter; lost if g y leaves the frame)."""
    n = f.shape[-1]
    c = (n - 1) // 2
    y = frame(n)
    target = groups.act(g, y) + c  # array indices of g y
    inside = np.all((target >= 0) & (target < n), axis=-1)
    out = np.zeros_like(f)
    out[..., target[inside][:, 0], target[inside][:, 1]] = f[..., inside]
    return out


def glyph_F(n=15):
    """A letter F on an n x n frame: no turn or mirror maps it to itself."""
    f = np.zeros((n, n))
    c = (n - 1) // 2
    f[c - 3:c + 4, c - 2] = 1.0  # the stem, rows -3..3, column -2
    f[c - 3, c - 2:c + 3] = 1.0  # the top bar
    f[c, c - 2:c + 2] = 1.0  # the middle bar
    return f


F, g = glyph_F(), groups.p4_element(1, 3, 2)
checks.check("A2", "letter F: scatter f(y) to g y vs gather f(g^-1 x)", push_forward(F, g), move(F, g), "exact",
             elements=groups.name(g), why="copies of values")
checks.check("A2", "letter F: reading at g x vs moving the picture by g^-1", pull_back(F, g),
             push_forward(F, groups.inverse(g)), "exact", elements=groups.name(g), why="copies of values")
checks.check("A2", "letter F: reading at g x vs moving by g (they differ)", pull_back(F, g), push_forward(F, g),
             "nonzero", elements=groups.name(g), why="g != g^-1")
some = list(groups.point_group("p4m")) + list(groups.random_elements("p4m", 24, RNG, max_shift=20))
photo = images.photograph()
checks.check("A2", "photograph: scatter along g vs transform_image (gather)",
             np.stack([push_forward(photo, g) for g in some]),
             np.stack([action.transform_image(photo, g) for g in some]), "exact",
             elements="all 8 of D4, 24 random of p4m, shifts <= 20", why="copies of values")
f = images.integer_image((11, 11), RNG)
checks.check("A2", "random integer image: scatter along g vs transform_image_literal",
             np.stack([push_forward(f, g) for g in some[::3]]),
             np.stack([action.transform_image_literal(f, g) for g in some[::3]]), "exact",
             elements="every third of the same 32", why="copies of values")

# %% [markdown]
# ### The picture, drawn
#
# The first figure shows perspective 1 for g = t(3, 2)·R(1). The red point y, the tip
# of the F's top bar, carries its value to g y: the picture has turned a quarter
# counter-clockwise about the centre (green +) and then moved 3 rows down and 2 columns
# right. The third panel reads f at g x instead, without the inverse: the F moves the
# other way, by g^-1.

# %%
def draw(ax, img, title, c):
    """An image on the centred frame of radius c, axes in (u, v) coordinates; green + at the centre."""
    ax.imshow(img, cmap="Greys", vmin=0, vmax=1.6, extent=[-c - 0.5, c + 0.5, c + 0.5, -c - 0.5],
              interpolation="nearest")
    ax.set_title(title)
    ax.set_xlabel("v (column offset)")
    ax.set_ylabel("u (row offset)")
    ax.set_xticks(range(-c + 1, c, 3))
    ax.set_yticks(range(-c + 1, c, 3))
    ax.plot(0, 0, "+", color="tab:green", ms=14, mew=3)


LABEL_BOX = dict(fc="white", ec="none", alpha=0.85, pad=1)  # keeps a label readable over the picture


c = (F.shape[-1] - 1) // 2
y = np.array([-3, 2])  # the tip of the F's top bar
gy = groups.act(g, y)
fig, axes = plt.subplots(1, 3, figsize=(15, 5.8), layout="constrained")
draw(axes[0], F, "the picture f", c)
axes[0].plot(y[1], y[0], "o", color="tab:red", ms=11)
axes[0].annotate("y", (y[1], y[0]), xytext=(8, 8), textcoords="offset points", color="tab:red", fontsize=16,
                 bbox=LABEL_BOX)
draw(axes[1], push_forward(F, g), "perspective 1: move the picture by g\nthe value at y goes to g y", c)
axes[1].plot(y[1], y[0], "o", mfc="none", mec="tab:red", ms=11, mew=2)
axes[1].plot(gy[1], gy[0], "o", color="tab:red", ms=11)
axes[1].annotate("", xy=(gy[1], gy[0]), xytext=(y[1], y[0]),
                 arrowprops=dict(arrowstyle="->", color="tab:red", lw=2.5, connectionstyle="arc3,rad=0.3"))
axes[1].annotate("g y", (gy[1], gy[0]), xytext=(-44, -6), textcoords="offset points", color="tab:red", fontsize=16,
                 bbox=LABEL_BOX)
draw(axes[2], pull_back(F, g), "no inverse: x shows f(g x)\nthe picture moves by g⁻¹, the wrong way", c)
fig.suptitle(f"g = {groups.name(g)}: a quarter turn about the centre (green +), then 3 rows down, 2 columns right")
figures.save(fig, "03_perspective_1_picture_moves.png")

# %% [markdown]
# ### The grid, drawn
#
# The second figure shows perspective 2 for the same g. Left: the picture stays where it
# is, and the grid is moved by g^-1 = t(-2, 3)·R(3) (blue dots, blue outline; the dashed
# square is the picture's own frame). The blue grid point x has landed on g^-1 x, the tip
# of the F. Right: writing what each moved grid point reads back at the grid point it
# came from gives (L_g f)(x) = f(g^-1 x) - the same image as perspective 1 (the checks
# above: exactly equal, pixel for pixel).

# %%
g_inv = groups.inverse(g)
moved_grid = groups.act(g_inv, frame(F.shape[-1]).reshape(-1, 2))
corners = np.array([[-c, -c], [-c, c], [c, c], [c, -c], [-c, -c]])
moved_frame = groups.act(g_inv, corners)
fig, axes = plt.subplots(1, 2, figsize=(13, 6.8), layout="constrained")
a = axes[0]
draw(a, F, "perspective 2: move the grid by g⁻¹\n(blue: the points g⁻¹x, over the fixed picture)", c)
a.plot(moved_grid[:, 1], moved_grid[:, 0], ".", color="tab:blue", ms=4)
a.plot(moved_frame[:, 1], moved_frame[:, 0], "-", color="tab:blue", lw=1.5, label="the grid, moved by g⁻¹")
a.plot(corners[:, 1], corners[:, 0], "--", color="grey", lw=1.5, label="the picture's frame")
a.plot(y[1], y[0], "o", color="tab:blue", ms=11)
a.plot(gy[1], gy[0], "o", mfc="none", mec="tab:blue", ms=11, mew=2)
a.annotate("", xy=(y[1], y[0]), xytext=(gy[1], gy[0]),
           arrowprops=dict(arrowstyle="->", color="tab:blue", lw=2.5, connectionstyle="arc3,rad=-0.3"))
a.annotate("x", (gy[1], gy[0]), xytext=(10, -26), textcoords="offset points", color="tab:blue", fontsize=16,
           bbox=LABEL_BOX)
a.annotate("g⁻¹x", (y[1], y[0]), xytext=(10, 8), textcoords="offset points", color="tab:blue", fontsize=16,
           bbox=LABEL_BOX)
lo = np.minimum(moved_frame.min(0), -c) - 1
hi = np.maximum(moved_frame.max(0), c) + 1
a.legend(loc="lower left")
a = axes[1]
draw(a, move(F, g), "read f at the moved grid:\n(L$_g$ f)(x) = f(g⁻¹x), as in perspective 1", c)
a.plot(corners[:, 1], corners[:, 0], "--", color="grey", lw=1.5)
for ax in axes:  # one scale for both panels
    ax.set_xlim(lo[1], hi[1])
    ax.set_ylim(hi[0], lo[0])
    ax.set_xticks(range(lo[1] + 1, hi[1], 3))
    ax.set_yticks(range(lo[0] + 1, hi[0], 3))
a.plot(gy[1], gy[0], "o", color="tab:blue", ms=11)
a.annotate("x shows f(g⁻¹x)", (gy[1], gy[0]), xytext=(-6.5, -4), textcoords="data", color="tab:blue", fontsize=16,
           arrowprops=dict(arrowstyle="->", color="tab:blue", lw=2))
fig.suptitle(f"g = {groups.name(g)}, g⁻¹ = {groups.name(g_inv)}")
figures.save(fig, "03_perspective_2_grid_moves.png")

# %% [markdown]
# ## 3. Why the inverse: L_g L_h = L_gh (A3)
#
# Moving an image by h and then by g should be moving it by "first h, then g", the
# element g h. With the inverse it is:
#
#     (L_g (L_h f))(x) = (L_h f)(g^-1 x) = f(h^-1 g^-1 x) = f((g h)^-1 x) = (L_gh f)(x),
#
# using (g h)^-1 = h^-1 g^-1 (G2). Without the inverse, L'_g f = f o g, the same steps give
#
#     (L'_g (L'_h f))(x) = (L'_h f)(g x) = f(h g x) = (L'_hg f)(x):
#
# the order of the product is reversed. When g and h do not commute, L'_hg and L'_gh
# are different images.
#
# A 3x3 example by hand: g = R(1), a quarter turn, and h = t(0, 1), one column to the
# right; g h = t(-1, 0)·R(1) and h g = t(0, 1)·R(1) differ. A shift pushes a column out
# of a 3x3 frame, so for this example the frame wraps around (a torus: what leaves on
# the right comes back on the left, like np.roll); why that matters comes next. So L_h f
# is np.roll(f, 1, axis=1), and L_g L_h f is np.rot90 of that. Neither g h nor h g is its
# own inverse, so L'_gh f (reading at g h x) and L_gh f (reading at (g h)^-1 x) are
# different images too: L' is not L with another name.

# %%
f = np.arange(1, 10).reshape(3, 3)
g, h = groups.rotation(1), groups.translation(0, 1)
print(f"g = R(1), h = t(0,1): g h = {groups.name(g @ h)}, h g = {groups.name(h @ g)}")
show("f:", f)
show("L_h f (one column right, wrapping around):", move(f, h, 3))
show("L_g L_h f (then a quarter turn):", move(move(f, h, 3), g, 3))
show("L_gh f, in one step:", move(f, g @ h, 3))
checks.check("A3", "3x3 torus: L_g L_h f vs L_gh f", move(move(f, h, 3), g, 3), move(f, g @ h, 3), "exact",
             elements="g = R(1), h = t(0,1)", why="integers, copies")
show("without the inverse, L'_g L'_h f = f o h o g:", pull_back(pull_back(f, h, 3), g, 3))
show("L'_hg f = f o (h g):", pull_back(f, h @ g, 3))
show("L'_gh f = f o (g h):", pull_back(f, g @ h, 3))
checks.check("A3", "3x3 torus, no inverse: L'_g L'_h f vs L'_hg f", pull_back(pull_back(f, h, 3), g, 3),
             pull_back(f, h @ g, 3), "exact", elements="g = R(1), h = t(0,1)", why="integers, copies")
checks.check("A3", "3x3 torus, no inverse: L'_g L'_h f vs L'_gh f (they differ)",
             pull_back(pull_back(f, h, 3), g, 3), pull_back(f, g @ h, 3), "nonzero",
             elements="g = R(1), h = t(0,1)", why="R(1) t(0,1) != t(0,1) R(1)")
checks.check("A3", "3x3 torus: L'_gh f vs L_gh f (they differ)", pull_back(f, g @ h, 3), move(f, g @ h, 3),
             "nonzero", elements="g h = t(-1,0)·R(1)", why="g h is not its own inverse")

# %% [markdown]
# ### What a finite frame loses
#
# On a finite frame with zero boundary, translations that push content out of the frame
# lose it, and then even L_g L_h = L_gh fails: shift three columns right, then three
# back, and the three columns that left are gone, while the product g h is the identity.
# (Tutorial 05 meets the same loss as the border band of a correlation.) On the
# wrap-around frame nothing leaves, and the law holds. Turns and mirrors about the centre
# map a square frame onto itself and lose nothing either.

# %%
f5 = np.arange(1, 26).reshape(5, 5)
g, h = groups.translation(0, -3), groups.translation(0, 3)
show("zero boundary, L_g L_h f with h = t(0,3), g = t(0,-3), g h = identity:", move(move(f5, h), g))
checks.check("A3", "zero boundary: L_g L_h f vs L_gh f = f (they differ)", move(move(f5, h), g), move(f5, g @ h),
             "nonzero", elements="h = t(0,3), g = t(0,-3)",
             why="the 3 columns that left the 5x5 frame are lost (zeros), although g h = e")
checks.check("A3", "wrap-around: L_g L_h f vs L_gh f",
             action.transform_image(action.transform_image(f5, h, "wrap"), g, "wrap"),
             action.transform_image(f5, g @ h, "wrap"), "exact", elements="h = t(0,3), g = t(0,-3)",
             why="on the torus nothing leaves; integers, copies")

# %% [markdown]
# ### All pairs, and the photograph
#
# Now with groupconv's action: every pair of D4 on a random integer image (turns and
# mirrors about the centre lose nothing on the zero-boundary frame), and random pairs of
# p4m with large shifts on the photograph, on the wrap-around frame. Without the inverse
# the product comes out as h g, for every one of the pairs that do not commute; we print
# the smallest of their residuals, which must be clearly non-zero.

# %%
def L(f, g):
    """L_g f on the wrap-around frame."""
    return action.transform_image(f, g, boundary="wrap")


def L_without_inverse(f, g):
    """L'_g f = f o g, the action without the inverse (f o g is L_{g^-1} f)."""
    return L(f, groups.inverse(g))


D4 = groups.point_group("p4m")
pairs = [(a, b) for a in D4 for b in D4]
f = images.integer_image((9, 9), RNG)
checks.check("A3", "L_g (L_h f) vs L_gh f", np.stack([action.transform_image(action.transform_image(f, b), a)
                                                      for a, b in pairs]),
             np.stack([action.transform_image(f, a @ b) for a, b in pairs]), "exact",
             elements="all 64 pairs of D4", why="copies of values")
sample = groups.random_elements("p4m", 60, RNG, max_shift=40)
pairs = list(zip(sample[:30], sample[30:]))
checks.check("A3", "photograph, wrap-around: L_g (L_h f) vs L_gh f",
             np.stack([L(L(photo, b), a) for a, b in pairs]), np.stack([L(photo, a @ b) for a, b in pairs]),
             "exact", elements="30 random pairs of p4m, shifts <= 40", why="copies of values")
noncommuting = [(a, b) for a, b in pairs if not np.array_equal(a @ b, b @ a)]
checks.check("A3", "photograph, no inverse: L'_g L'_h f vs L'_hg f",
             np.stack([L_without_inverse(L_without_inverse(photo, b), a) for a, b in noncommuting]),
             np.stack([L_without_inverse(photo, b @ a) for a, b in noncommuting]), "exact",
             elements=f"the {len(noncommuting)} non-commuting pairs", why="copies of values")
residuals = [checks.residual(L_without_inverse(L_without_inverse(photo, b), a), L_without_inverse(photo, a @ b)).value
             for a, b in noncommuting]
checks.check("A3", "photograph, no inverse: smallest |L'_g L'_h f - L'_gh f| over the pairs vs 0",
             np.array(min(residuals)), np.array(0.0), "nonzero", elements=f"the same {len(noncommuting)} pairs",
             why="the product comes out in the wrong order, for every pair that does not commute")

# %% [markdown]
# ## 4. Moving a function on the group (A4)
#
# After the first layer of a G-CNN a feature map is a function on G, not on the pixels.
# The same definition moves it: (L_u f)(h) = f(u^-1 h). groupconv stores f on p4 (p4m)
# as 4 (8) planes, plane s at pixel x holding f(t(x) . s) (tutorial 02, G7). Factor
# u = t_u s_u and h = t(x) s; then
#
#     u^-1 h = t(u^-1 x) . (s_u^-1 s),
#
# so plane s of L_u f, at pixel x, is plane s_u^-1 s of f at pixel u^-1 x: every plane is
# moved like an image, and the planes are permuted. For u = R(1) in p4: each plane turns
# a quarter, and plane s comes from plane s - 1 - the planes cycle.
#
# `move_on_group` below evaluates the definition literally, element by element. Tiny
# example: four 3x3 planes whose tens digit says which plane they are.

# %%
def move_on_group(f, u, group):
    """(L_u f)(h) = f(u^-1 h), literally: for every stored h = t(x) s form u^-1 h, factor it as t(x') s'
    and read plane s' at pixel x'. f: (..., |H|, n, n), n odd; zero outside the frame."""
    n = f.shape[-1]
    c = (n - 1) // 2
    H = groups.point_group(group)
    x = frame(n)
    h = groups.translation(x[..., 0], x[..., 1])[None] @ H[:, None, None]  # (|H|, n, n, 3, 3): h = t(x) . s
    k = groups.inverse(u) @ h  # u^-1 h
    t, s = groups.split(k)
    plane = groups.point_group_index(s, group)
    a, b = t[..., 0, 2] + c, t[..., 1, 2] + c
    inside = (a >= 0) & (a < n) & (b >= 0) & (b < n)
    out = np.zeros_like(f)
    out[..., inside] = f[..., plane[inside], a[inside], b[inside]]
    return out


def show_planes(title, f):
    """Print the planes of a function on p4 side by side."""
    print(title)
    for i in range(f.shape[-2]):
        print("  " + "    ".join(" ".join(f"{f[s, i, j]:3d}" for j in range(f.shape[-1])) for s in range(len(f))))


f = np.stack([10 * s + np.arange(1, 10).reshape(3, 3) for s in range(4)])
moved = move_on_group(f, groups.rotation(1), "p4")
show_planes("f on p4, planes s = 0, 1, 2, 3 side by side:", f)
show_planes("L_R(1) f: plane s is plane s - 1 turned a quarter (tens digits 3, 0, 1, 2):", moved)
checks.check("A4", "3x3: literal f(u^-1 h) vs np.rot90 of each plane, planes cycled by np.roll",
             moved, np.roll(np.rot90(f, 1, axes=(-2, -1)), 1, axis=0), "exact", elements="R(1)",
             why="copies of integers")

# %% [markdown]
# The literal definition against groupconv's fast action (action.transform_group_function:
# np.rot90/np.flip of every plane and a permutation of the group axis) and its literal
# loop, on p4 and p4m, for integer and float data.

# %%
for group in ("p4", "p4m"):
    H = groups.point_group(group)
    elements = list(H) + list(groups.random_elements(group, 6, RNG, max_shift=2))
    tried = f"all {len(H)} of {'C4' if group == 'p4' else 'D4'}, 6 random of {group}, shifts <= 2"
    for label, f in (("integer", images.integer_image((2, len(H), 7, 7), RNG)),
                     ("float", RNG.normal(size=(2, len(H), 7, 7)))):
        literal = np.stack([move_on_group(f, u, group) for u in elements])
        checks.check("A4", f"{group}, {label} data: literal f(u^-1 h) vs transform_group_function (fast)",
                     literal, np.stack([action.transform_group_function(f, u, group) for u in elements]), "exact",
                     elements=tried, why="copies of values")
        few = [1, 2, -2, -1]  # the library's own literal loop is slow: four of the elements are enough
        checks.check("A4", f"{group}, {label} data: literal vs transform_group_function_literal",
                     literal[few], np.stack([action.transform_group_function_literal(f, elements[i], group)
                                             for i in few]), "exact",
                     elements=", ".join(groups.name(elements[i], group) for i in few), why="copies of values")

# %% [markdown]
# And the reason for the inverse, again: L_u L_w = L_uw on functions on the group, for
# every pair of the point group and for random pairs with shifts (on the wrap-around
# frame, so that nothing is lost).

# %%
def L_on_G(f, g, group):
    """L_g f for f on the group, on the wrap-around frame."""
    return action.transform_group_function(f, g, group, boundary="wrap")


for group in ("p4", "p4m"):
    H = groups.point_group(group)
    f = RNG.normal(size=(len(H), 9, 9))
    pairs = [(a, b) for a in H for b in H]
    checks.check("A4", f"{group}: L_u L_w f vs L_uw f",
                 np.stack([L_on_G(L_on_G(f, b, group), a, group) for a, b in pairs]),
                 np.stack([L_on_G(f, a @ b, group) for a, b in pairs]), "exact",
                 elements=f"all {len(pairs)} pairs of {'C4' if group == 'p4' else 'D4'}", why="copies of values")
    sample = groups.random_elements(group, 40, RNG, max_shift=20)
    pairs = list(zip(sample[:20], sample[20:]))
    checks.check("A4", f"{group}, wrap-around: L_u L_w f vs L_uw f",
                 np.stack([L_on_G(L_on_G(f, b, group), a, group) for a, b in pairs]),
                 np.stack([L_on_G(f, a @ b, group) for a, b in pairs]), "exact",
                 elements=f"20 random pairs of {group}, shifts <= 20", why="copies of values")

# %% [markdown]
# ## The tally
#
# Every check above printed its own line. The last cell counts them: run as a script it
# exits with status 1 if any failed (so `tutorials/run_all.py` and CI notice); in a
# notebook it raises instead.

# %%
checks.finish()
