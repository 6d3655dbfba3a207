"""Tutorial 03 - How a group element moves an image: L_g f = f o g^-1, and why the inverse.

Claim: to move an image f by g, read the old image at g^-1 x: (L_g f)(x) = f(g^-1 x)
(A1). Moving the picture by g is the same as moving the pixel grid by g^-1 (A2, the two
perspectives, drawn in figures/03_two_perspectives.png). With the inverse, moving by h and
then by g is moving by g h (A3); without it the order of the product comes out reversed.
On a function over the group G (a G-CNN feature map) the same rule moves every plane and
permutes the planes (A4).

Checks: A1, A2, A3, A4. Run: python tutorials/03_acting_on_images.py
"""
IDS = ("A1", "A2", "A3", "A4")

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

from groupconv import action, checks, groups, images  # noqa: E402
from groupconv.lookup import frame  # noqa: E402  (frame(n): the points (u, v) of an odd n x n frame)

from groupconv.figures import display_path, figures_dir  # noqa: E402

FIGURES = figures_dir()
RNG = np.random.default_rng(checks.SEED)


def show(title, a):
    print(f"    {title}")
    for row in np.asarray(a).astype(int):
        print("      " + " ".join(f"{x:3d}" for x in row))


# %% [markdown]
# ## 1. An image is a function on the pixel grid
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
# We write the lookup in a few lines (`pull_back`) and compare it with groupconv's two
# implementations and with NumPy's own np.rot90 / np.flip / np.roll.

# %%
def pull_back(f, g):
    """x -> f(g x) on an odd square frame, zero where g x falls outside: f o g.

    (L_g f) is pull_back(f, g^-1). Written with the 3x3 matrices of groups.py.
    """
    n = f.shape[-1]
    c = (n - 1) // 2
    x = frame(n)  # (n, n, 2): the pixel coordinates (u, v), from the centre
    y = groups.act(g, x) + c  # array indices of g x
    inside = np.all((y >= 0) & (y < n), axis=-1)
    out = np.zeros_like(f)
    out[..., inside] = f[..., y[inside][:, 0], y[inside][:, 1]]
    return out


def move(f, g):
    """L_g f = f o g^-1, by the lookup above."""
    return pull_back(f, groups.inverse(g))


def action_on_images():
    print("\n== A1: (L_g f)(x) = f(g^-1 x) ==")
    f = np.arange(1, 10).reshape(3, 3)
    g = groups.rotation(1)
    g_inv = groups.inverse(g)
    show("f:", f)
    print("    pixel x    g^-1 x     f(g^-1 x)     (g = R(1), g^-1 = R(3))")
    for u in (-1, 0, 1):
        for v in (-1, 0, 1):
            y = groups.act(g_inv, [u, v])
            print(f"    ({u:2d},{v:2d})    ({y[0]:2d},{y[1]:2d})     {f[y[0] + 1, y[1] + 1]}")
    show("L_R(1) f, assembled from the table:", move(f, g))
    checks.check("A1", "3x3 example: lookup at g^-1 x vs np.rot90(f) (counter-clockwise)", move(f, g), np.rot90(f),
                 "exact", elements="R(1)", why="pure indexing, no arithmetic")

    D4 = groups.point_group("p4m")
    mixed = list(D4) + list(groups.random_elements("p4m", 12, RNG, max_shift=3))
    names = "all 8 of D4 and 12 random p4m elements with shifts <= 3"
    for label, f in [("random 9x9 integer image", images.integer_image((9, 9), RNG)),
                     ("random 9x9 float image", RNG.normal(size=(9, 9))),
                     ("photograph 129x129", images.photograph())]:
        lookup = np.stack([move(f, g) for g in mixed])
        checks.check("A1", f"lookup f(g^-1 x) vs action.transform_image (fast), {label}", lookup,
                     np.stack([action.transform_image(f, g) for g in mixed]), "exact", elements=names,
                     why="both only copy values: exact for floats too")
        if f.shape[-1] <= 9:
            checks.check("A1", f"lookup vs action.transform_image_literal, {label}", lookup,
                         np.stack([action.transform_image_literal(f, g) for g in mixed]), "exact", elements=names,
                         why="copies of values")

    # Independent references from NumPy, on an even-sized frame too (turning about the point between pixels).
    for n in (9, 8):
        f = RNG.normal(size=(n, n))
        fast = np.stack([action.transform_image(f, groups.rotation(r)) for r in range(4)]
                        + [action.transform_image(f, groups.mirror(1))]
                        + [action.transform_image(f, groups.translation(u, v), "wrap") for u, v in [(1, 0), (-2, 3)]])
        numpy = np.stack([np.rot90(f, r) for r in range(4)] + [np.flip(f, axis=0)]
                         + [np.roll(f, (u, v), axis=(0, 1)) for u, v in [(1, 0), (-2, 3)]])
        checks.check("A1", f"transform_image vs np.rot90(f, r), np.flip(f, axis=0), np.roll ({n}x{n} frame)", fast, numpy,
                     "exact", elements="R(0..3), M, t(1,0), t(-2,3) (wrap-around)", why="copies of values")


# %% [markdown]
# ## 2. Two perspectives: move the picture by g, or the grid by g^-1 (A2)
#
# *Perspective 1 - the picture moves.* Pick up every pixel y of f with its value and put
# it down at g y. This is what "move the image by g" means, and it is a *scatter*: the
# values travel forward along g.
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

# %%
def push_forward(f, g):
    """Perspective 1: out[g y] = f[y] for every pixel y (a scatter; lost if g y leaves the frame)."""
    n = f.shape[-1]
    c = (n - 1) // 2
    y = frame(n)
    target = groups.act(g, y) + c
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


def two_perspectives():
    print("\n== A2: moving the picture by g = moving the grid by g^-1 ==")
    g = groups.p4_element(1, 3, 2)
    f = glyph_F()
    checks.check("A2", "letter F: scatter f(y) to g y vs gather f(g^-1 x)", push_forward(f, g), move(f, g), "exact",
                 elements=groups.name(g), why="copies of values")
    checks.check("A2", "letter F: reading at g x instead moves the picture by g^-1", pull_back(f, g),
                 push_forward(f, groups.inverse(g)), "exact", elements=groups.name(g), why="copies of values")
    checks.check("A2", "letter F: reading at g x is NOT moving by g", pull_back(f, g), push_forward(f, g), "nonzero",
                 elements=groups.name(g), why="g != g^-1")
    D4 = groups.point_group("p4m")
    some = list(D4) + list(groups.random_elements("p4m", 24, RNG, max_shift=20))
    photo = images.photograph()
    checks.check("A2", "photograph: the two perspectives agree", np.stack([push_forward(photo, g) for g in some]),
                 np.stack([action.transform_image(photo, g) for g in some]), "exact",
                 elements="all of D4 and 24 random p4m elements with shifts <= 20", why="copies of values")
    f = images.integer_image((11, 11), RNG)
    checks.check("A2", "random integer image: scatter along g vs action.transform_image_literal",
                 np.stack([push_forward(f, g) for g in some[::3]]),
                 np.stack([action.transform_image_literal(f, g) for g in some[::3]]), "exact",
                 elements="every third of the same 32 elements", why="copies of values")
    figure_two_perspectives(f=glyph_F(), g=groups.p4_element(1, 3, 2))


def figure_two_perspectives(f, g):
    n = f.shape[-1]
    c = (n - 1) // 2
    ext = [-c - 0.5, c + 0.5, c + 0.5, -c - 0.5]  # imshow extent in (v, u): u grows downwards
    y = np.array([-3, 2])  # the tip of the F's top bar
    gy = groups.act(g, y)
    g_inv = groups.inverse(g)
    grid = frame(n).reshape(-1, 2)
    moved_grid = groups.act(g_inv, grid)
    corners = np.array([[-c, -c], [-c, c], [c, c], [c, -c], [-c, -c]])
    moved_frame = groups.act(g_inv, corners)
    name, name_inv = groups.name(g), groups.name(g_inv)

    fig, axes = plt.subplots(2, 3, figsize=(13.5, 9.2))
    panels = [
        (axes[0, 0], f, "the picture f"),
        (axes[0, 1], push_forward(f, g), "Perspective 1: move the picture by g\nthe value at y goes to g y"),
        (axes[0, 2], pull_back(f, g), "No inverse: reading f(g x)\nmoves the picture the wrong way (by g$^{-1}$)"),
        (axes[1, 0], f, "Perspective 2: move the grid by g$^{-1}$\n(dots: the grid points g$^{-1}$x over the fixed picture)"),
        (axes[1, 1], move(f, g), "read f at the moved grid:\n(L$_g$ f)(x) = f(g$^{-1}$x)  = perspective 1"),
    ]
    for ax, img, title in panels:
        ax.imshow(img, cmap="Greys", vmin=0, vmax=1.6, extent=ext, interpolation="nearest")
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("v (column offset from the centre)")
        ax.set_ylabel("u (row offset)")
        ax.set_xticks(range(-c, c + 1, 2))
        ax.set_yticks(range(-c, c + 1, 2))
        ax.plot(0, 0, "+", color="tab:green", ms=10, mew=2)
    a = axes[0, 0]
    a.plot(y[1], y[0], "o", color="tab:red", ms=9)
    a.annotate("y", (y[1], y[0]), xytext=(6, 6), textcoords="offset points", color="tab:red", fontsize=12)
    a = axes[0, 1]
    a.plot(y[1], y[0], "o", mfc="none", mec="tab:red", ms=9)
    a.plot(gy[1], gy[0], "o", color="tab:red", ms=9)
    a.annotate("", xy=(gy[1], gy[0]), xytext=(y[1], y[0]),
               arrowprops=dict(arrowstyle="->", color="tab:red", lw=2, connectionstyle="arc3,rad=0.3"))
    a.annotate("g y", (gy[1], gy[0]), xytext=(-28, -4), textcoords="offset points", color="tab:red", fontsize=12)
    a = axes[1, 0]
    a.plot(moved_grid[:, 1], moved_grid[:, 0], ".", color="tab:blue", ms=3)
    a.plot(moved_frame[:, 1], moved_frame[:, 0], "-", color="tab:blue", lw=1, label="the grid moved by g$^{-1}$")
    a.plot(y[1], y[0], "o", color="tab:blue", ms=9)
    a.plot(gy[1], gy[0], "o", mfc="none", mec="tab:blue", ms=9)
    a.annotate("", xy=(y[1], y[0]), xytext=(gy[1], gy[0]),
               arrowprops=dict(arrowstyle="->", color="tab:blue", lw=2, connectionstyle="arc3,rad=-0.3"))
    a.annotate("x", (gy[1], gy[0]), xytext=(-16, -4), textcoords="offset points", color="tab:blue", fontsize=12)
    a.annotate("g$^{-1}$x", (y[1], y[0]), xytext=(-10, 10), textcoords="offset points", color="tab:blue", fontsize=12)
    a.plot(corners[:, 1], corners[:, 0], "--", color="grey", lw=1, label="the picture's frame")
    a.legend(loc="lower right", fontsize=8)
    lo = np.minimum(moved_frame.min(0), -c) - 1
    hi = np.maximum(moved_frame.max(0), c) + 1
    a.set_xlim(lo[1], hi[1])
    a.set_ylim(hi[0], lo[0])
    a.set_xticks(range(lo[1] + 1, hi[1], 2))
    a.set_yticks(range(lo[0] + 1, hi[0], 2))
    a = axes[1, 1]
    a.plot(gy[1], gy[0], "o", color="tab:blue", ms=9)
    a.annotate("x shows f(g$^{-1}$x)", (gy[1], gy[0]), xytext=(-6.8, -3.5), textcoords="data", color="tab:blue",
               fontsize=11, arrowprops=dict(arrowstyle="->", color="tab:blue"))
    diff = np.abs(push_forward(f, g) - move(f, g))
    a = axes[1, 2]
    im = a.imshow(diff, cmap="viridis", vmin=0, vmax=1, extent=ext, interpolation="nearest")
    a.set_title(f"|perspective 1 - perspective 2|\nmax = {diff.max():g} (exactly zero)", fontsize=11)
    a.set_xticks(range(-c, c + 1, 2))
    a.set_yticks(range(-c, c + 1, 2))
    a.set_xlabel("v (column offset from the centre)")
    a.set_ylabel("u (row offset)")
    fig.colorbar(im, ax=a, fraction=0.046, pad=0.04, label="absolute difference")
    fig.suptitle(f"Two perspectives on L$_g$ f = f ∘ g$^{{-1}}$, for g = {name} (g$^{{-1}}$ = {name_inv}); "
                 "green + marks the centre (0, 0)", fontsize=13)
    fig.tight_layout()
    path = FIGURES / "03_two_perspectives.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"    figure written: {display_path(path)}")


# %% [markdown]
# ## 3. Why the inverse: L_g L_h = L_{gh} (A3)
#
# Moving an image by h and then by g should be moving it by "first h, then g", the
# element g h. With the inverse it is:
#
#     (L_g (L_h f))(x) = (L_h f)(g^-1 x) = f(h^-1 g^-1 x) = f((g h)^-1 x) = (L_{gh} f)(x),
#
# using (g h)^-1 = h^-1 g^-1 (G2). Without the inverse, L'_g f = f o g, the same steps give
#
#     (L'_g (L'_h f))(x) = (L'_h f)(g x) = f(h g x) = (L'_{hg} f)(x):
#
# the order of the product is reversed. For turns and mirrors, which do not commute,
# L'_{hg} and L'_{gh} are different images - the counterexample is printed below.
#
# On a finite frame with zero boundary, translations that push content out of the frame
# lose it, and then even L_g L_h = L_{gh} fails: shift three columns right, then three
# back, and the three columns that left are gone, while the product g h is the identity
# (checked below; tutorial 05 meets the same loss as the border band of a correlation).
# Turns and mirrors about the centre map a square frame onto itself and lose nothing.
# For the other checks we use a frame where nothing can be lost: the wrap-around frame
# (a torus), on which every element of p4m moves the pixels without losing any.

# %%
def homomorphism():
    print("\n== A3: L_g L_h = L_gh; without the inverse the product flips ==")
    f = np.arange(1, 10).reshape(3, 3)
    g, h = groups.rotation(1), groups.mirror(1)
    show("f:", f)
    show("L_g L_h f, g = R(1), h = M:", move(move(f, h), g))
    show(f"L_(gh) f, gh = {groups.name(g @ h)}:", move(f, g @ h))
    show("without the inverse, L'_g L'_h f = f o h o g:", pull_back(pull_back(f, h), g))
    show(f"L'_(gh) f = f o (gh), gh = {groups.name(g @ h)}:", pull_back(f, g @ h))
    show(f"L'_(hg) f = f o (hg), hg = {groups.name(h @ g)}:", pull_back(f, h @ g))
    checks.check("A3", "3x3 example: L_g L_h f = L_gh f", move(move(f, h), g), move(f, g @ h), "exact",
                 elements="g = R(1), h = M", why="integers, copies")
    checks.check("A3", "3x3 example: without the inverse L'_g L'_h f = L'_hg f", pull_back(pull_back(f, h), g),
                 pull_back(f, h @ g), "exact", elements="g = R(1), h = M", why="integers, copies")
    checks.check("A3", "counterexample: L'_g L'_h f != L'_gh f", pull_back(pull_back(f, h), g), pull_back(f, g @ h),
                 "nonzero", elements="g = R(1), h = M", why="R(1) M != M R(1)")

    f5 = np.arange(1, 26).reshape(5, 5)
    g, h = groups.translation(0, -3), groups.translation(0, 3)
    show("zero boundary: L_g L_h f with h = t(0,3), g = t(0,-3) (g h = identity):", move(move(f5, h), g))
    checks.check("A3", "zero-boundary frame: L_g L_h f != L_gh f = f when h pushes columns out and g brings them back",
                 move(move(f5, h), g), move(f5, g @ h), "nonzero", elements="h = t(0,3), g = t(0,-3)",
                 why="the 3 columns that left the 5x5 frame are lost (zeros), although g h = e")
    checks.check("A3", "the same pair on the wrap-around frame: L_g L_h f = L_gh f = f",
                 action.transform_image(action.transform_image(f5, h, "wrap"), g, "wrap"),
                 action.transform_image(f5, g @ h, "wrap"), "exact", elements="h = t(0,3), g = t(0,-3)",
                 why="on the torus nothing leaves; integers, copies")

    D4 = groups.point_group("p4m")
    pairs = [(a, b) for a in D4 for b in D4]
    f = images.integer_image((9, 9), RNG)
    checks.check("A3", "L_g(L_h f) = L_gh f for every pair of D4 (action.transform_image)",
                 np.stack([action.transform_image(action.transform_image(f, b), a) for a, b in pairs]),
                 np.stack([action.transform_image(f, a @ b) for a, b in pairs]), "exact",
                 elements="all 64 pairs of D4", why="copies of values")
    sample = groups.random_elements("p4m", 60, RNG, max_shift=40)
    pairs = list(zip(sample[:30], sample[30:]))
    photo = images.photograph()
    def L(f, g):
        """L_g f on the wrap-around frame."""
        return action.transform_image(f, g, boundary="wrap")

    def wrong(f, g):
        """L'_g f = f o g, the action without the inverse (f o g is L_{g^-1} f)."""
        return L(f, groups.inverse(g))

    checks.check("A3", "L_g(L_h f) = L_gh f on the photograph, wrap-around frame",
                 np.stack([L(L(photo, b), a) for a, b in pairs]), np.stack([L(photo, a @ b) for a, b in pairs]),
                 "exact", elements="30 random pairs of p4m, shifts <= 40", why="copies of values")
    noncommuting = [(a, b) for a, b in pairs if not np.array_equal(a @ b, b @ a)]
    checks.check("A3", "without the inverse: L'_g L'_h = L'_hg on the photograph",
                 np.stack([wrong(wrong(photo, b), a) for a, b in noncommuting]),
                 np.stack([wrong(photo, b @ a) for a, b in noncommuting]), "exact",
                 elements=f"{len(noncommuting)} non-commuting pairs of the sample", why="copies of values")
    residuals = [checks.residual(wrong(wrong(photo, b), a), wrong(photo, a @ b)).value for a, b in noncommuting]
    print(f"    without the inverse, |L'_g L'_h f - L'_gh f| is non-zero for {np.sum(np.array(residuals) > 0)} "
          f"of the {len(noncommuting)} non-commuting pairs")
    checks.check("A3", "counterexamples: L'_g L'_h != L'_gh for EVERY non-commuting pair (smallest residual shown)",
                 np.array(min(residuals)), np.array(0.0), "nonzero", elements="the same pairs",
                 why="the product comes out in the wrong order")


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
# Tiny example: four 3x3 planes whose tens digit says which plane they are.

# %%
def move_on_group(f, u, group):
    """(L_u f)(h) = f(u^-1 h), evaluated literally: for every stored element h = t(x) s form u^-1 h,
    factor it as t(x') s' and read plane s' at pixel x'. f: (..., |H|, n, n), n odd; zero outside."""
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


def action_on_group_functions():
    print("\n== A4: L_u on functions over G: move every plane, permute the planes ==")
    f = np.stack([10 * s + np.arange(1, 10).reshape(3, 3) for s in range(4)])
    u = groups.rotation(1)
    print("    f on p4, planes s = 0..3 side by side:")
    for i in range(3):
        print("      " + "    ".join(" ".join(f"{f[s, i, j]:3d}" for j in range(3)) for s in range(4)))
    moved = move_on_group(f, u, "p4")
    print("    L_R(1) f: plane s is plane s-1 turned a quarter (tens digit 3, 0, 1, 2):")
    for i in range(3):
        print("      " + "    ".join(" ".join(f"{moved[s, i, j]:3d}" for j in range(3)) for s in range(4)))
    reference = np.roll(np.rot90(f, 1, axes=(-2, -1)), 1, axis=0)
    checks.check("A4", "3x3 example: literal f(u^-1 h) vs np.rot90 of each plane + cycling the planes (np.roll)",
                 moved, reference, "exact", elements="R(1)", why="copies of integers")

    for group, nH in (("p4", 4), ("p4m", 8)):
        H = groups.point_group(group)
        elements = list(H) + list(groups.random_elements(group, 6, RNG, max_shift=2))
        names = f"all of {'C4' if group == 'p4' else 'D4'} and 6 random elements of {group}, shifts <= 2"
        for label, f in (("integer", images.integer_image((2, nH, 7, 7), RNG)), ("float", RNG.normal(size=(2, nH, 7, 7)))):
            literal = np.stack([move_on_group(f, u, group) for u in elements])
            checks.check("A4", f"{group}, {label} data: literal f(u^-1 h) vs action.transform_group_function (fast)",
                         literal, np.stack([action.transform_group_function(f, u, group) for u in elements]), "exact",
                         elements=names, why="copies of values")
            few = [1, 2, -2, -1]  # the library's own literal loop is slow: four of the elements are enough
            checks.check("A4", f"{group}, {label} data: literal vs action.transform_group_function_literal",
                         literal[few], np.stack([action.transform_group_function_literal(f, elements[i], group)
                                                 for i in few]), "exact",
                         elements=", ".join(groups.name(elements[i], group) for i in few), why="copies of values")
        f = RNG.normal(size=(nH, 9, 9))
        pairs = [(a, b) for a in H for b in H]
        def Lg(f, g):
            """L_g f for f on the group, on the wrap-around frame."""
            return action.transform_group_function(f, g, group, boundary="wrap")

        checks.check("A4", f"{group}: L_u L_w f = L_uw f for every pair of the point group",
                     np.stack([Lg(Lg(f, b), a) for a, b in pairs]), np.stack([Lg(f, a @ b) for a, b in pairs]), "exact",
                     elements=f"all {len(pairs)} pairs", why="copies of values")
        sample = groups.random_elements(group, 40, RNG, max_shift=20)
        pairs = list(zip(sample[:20], sample[20:]))
        checks.check("A4", f"{group}: L_u L_w f = L_uw f, wrap-around frame",
                     np.stack([Lg(Lg(f, b), a) for a, b in pairs]), np.stack([Lg(f, a @ b) for a, b in pairs]), "exact",
                     elements=f"20 random pairs of {group}, shifts <= 20", why="copies of values")


# %%
def main():
    action_on_images()
    two_perspectives()
    homomorphism()
    action_on_group_functions()
    checks.finish()


if __name__ == "__main__":
    main()
