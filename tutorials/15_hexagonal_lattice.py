"""Tutorial 15 - the hexagonal lattice: the groups p6 and p6m (docs/equations.md X1-X6).

Claim: nothing in a G-CNN is special to the square grid. On the hexagonal lattice a
turn by 60 degrees and a mirror are integer matrices once points are written in the
lattice's own basis (X1), and with them everything of tutorials 02-13 carries over:

    X1  p6 = translations and 60-degree turns, p6m = p6 and mirrors: groups of integer matrices
    X2  (L_g f)(x) = f(g^-1 x) moves the cells of a hexagonal image (and of a function on
        p6/p6m) and maps the hexagonal frame onto itself; L_g L_h = L_gh
    X3  the lifting correlation (f ⋆ psi)(g) = sum_y f(y) psi(g^-1 y) to p6 and p6m:
        literal sum = filter-bank path, and (L_u f) ⋆ psi = L_u (f ⋆ psi) exactly
    X4  the group correlation on p6 and p6m is equivariant: both proofs, line by line
    X5  the filter bank: every filter turned by 60 degrees on its hexagonal support
    X6  a p6 feature map drawn as 6 patches around a circle: turn the input by 60 degrees
        and the whole picture turns by 60 degrees

(⋆ is the correlation, what deep learning calls "convolution".) With integer data every
equivariance residual is exactly 0. Figures: figures/15_*.png.

Checks: X1-X6. Run: python tutorials/15_hexagonal_lattice.py, or open it as a notebook.
"""
IDS = ("X1", "X2", "X3", "X4", "X5", "X6")

# %% [markdown]
# ## Why a second lattice
#
# The pixels of a camera sit on a square grid, and the only turns that map the square
# grid onto itself are quarter turns: that is why p4 has 4 turns. The hexagonal lattice
# (the arrangement of the cells of a honeycomb) has more symmetry: every cell has six
# neighbours at the same distance, and a turn by 60 degrees about a cell maps the lattice
# onto itself. A G-CNN on that lattice can therefore be exactly equivariant to six turns
# (the group p6), or to six turns and six mirrors (p6m), instead of four (p4) or eight
# (p4m).
#
# The theory of tutorials 08-12 never used that the grid is square. It used three facts:
# group elements are integer matrices (so products and inverses are exact), a turn maps
# the frame of an image onto itself (so a sum over the frame can be re-ordered), and
# translations are integer shifts of array indices (so the fast path is an ordinary
# planar correlation). This tutorial establishes the three facts on the hexagonal lattice
# and then repeats the proofs there, every line computed.
#
# The library code is the same as for p4 and p4m: p6 and p6m are two more entries of the
# group table `groups.GROUPS`, and `groupconv/lattices.py` answers the few questions
# whose answer differs between the lattices (which cells form the frame, where a cell
# sits in the plane).

# %%
import matplotlib.pyplot as plt
import numpy as np
import scipy.signal
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgba

from groupconv import action, checks, correlate, figures, groups, images, lattices, plot
from groupconv.lookup import frame, frame_elements, value_at, value_on_group

figures.use_slide_style()
RNG = np.random.default_rng(checks.SEED)  # seeded: every run draws the same "random" data
INT_WHY = "int64 data: every product and sum is an exact integer (integers never take the FFT path)"
PERM_WHY = "both sides are the same integers moved around: no arithmetic on the values"
MATRIX_WHY = "integer matrices, compared with =="
SQRT3_2 = np.sqrt(3.0) / 2.0


def hexagonal_distance(u, v):
    """max(|u|, |v|, |u + v|): the number of steps between neighbouring cells from (0, 0) to (u, v)."""
    return np.maximum(np.maximum(np.abs(u), np.abs(v)), np.abs(u + v))


def in_plane(x):
    """The place u b1 + v b2 of lattice points x = (u, v) (..., 2) in the plane, b1 = (1, 0), b2 = (1/2, sqrt(3)/2)."""
    u, v = x[..., 0], x[..., 1]
    return np.stack([u + 0.5 * v, SQRT3_2 * v], axis=-1)  # written out: the same bits on every CPU


def turn_in_plane(p, degrees):
    """Points p (..., 2) of the plane turned counter-clockwise about the origin, with cos and sin (floats)."""
    c, s = np.cos(np.deg2rad(degrees)), np.sin(np.deg2rad(degrees))
    return np.stack([c * p[..., 0] - s * p[..., 1], s * p[..., 0] + c * p[..., 1]], axis=-1)


# %% [markdown]
# ## 1. A 60-degree turn is an integer matrix - in the right basis (X1)
#
# In Cartesian coordinates the turn by 60 degrees counter-clockwise is
#
#     R(60°) = [[cos 60°, -sin 60°], [sin 60°, cos 60°]] = [[1/2, -√3/2], [√3/2, 1/2]].
#
# Its entries are not integers: a turn by 60 degrees carries most points of the square
# grid to places between grid points (the figure below shows it). The groups of
# groupconv are built from exact integer matrices, so this is no use.
#
# Describe the points of the hexagonal lattice instead by their coefficients in the
# lattice's own basis: a point is x = u b1 + v b2 with integers u, v, where
# b1 = (1, 0) and b2 = (1/2, √3/2) are two neighbours of the origin, 60 degrees apart.
# The 60-degree turn sends b1 to b2, and b2 (at 60 degrees) to the point at 120 degrees,
# which is b2 - b1. A linear map is known once we know where the basis goes: its matrix
# in the coefficients (u, v) has those images as its columns,
#
#     R = [[0, -1], [1, 1]]          (column 1: R b1 = 0 b1 + 1 b2;  column 2: R b2 = -1 b1 + 1 b2).
#
# The mirror in the b1 axis (y -> -y) keeps b1 and sends b2 to b1 - b2:
#
#     M = [[1, 1], [0, -1]].
#
# With B the 2 x 2 matrix whose columns are b1 and b2 (Cartesian), a point with
# coefficients x sits at B x in the plane. So the turn written in coefficients is
# B^-1 R(60°) B (go to the plane, turn there, come back), and the other way round
# B R B^-1 = R(60°). The first checks compute both products in floating point and
# compare them with the integer matrices of the group table and with R(60°) (floats:
# √3/2 has no exact float, so the products agree only up to round-off).

# %%
B = np.array([[1.0, 0.5], [0.0, SQRT3_2]])  # columns b1, b2 in the plane
B_inv = np.linalg.inv(B)
R60 = np.array([[0.5, -SQRT3_2], [SQRT3_2, 0.5]])
MIRROR_X = np.array([[1.0, 0.0], [0.0, -1.0]])  # (x, y) -> (x, -y)
D6 = groups.point_group("p6m")  # M^m . R^r at index 6m + r, as integer 3 x 3 matrices
R, M = D6[1, :2, :2], D6[6, :2, :2]
np.set_printoptions(precision=4, suppress=True)
print("R(60°) in Cartesian coordinates:\n", R60)
# (the products are rounded to 12 decimals for printing only; the checks below compare them unrounded)
print("B^-1 R(60°) B (the same turn in the coefficients u, v):\n", np.round(B_inv @ R60 @ B, 12) + 0.0)
print("R of the group table (groups.point_group('p6')[1]):\n", R)
print("B R B^-1 (the integer matrix, taken to the plane):\n", B @ R @ B_inv)
print("B^-1 diag(1, -1) B (the mirror y -> -y in the coefficients):\n", np.round(B_inv @ MIRROR_X @ B, 12) + 0.0,
      "\nM of the table:\n", M)
np.set_printoptions()
checks.check("X1", "B^-1 R(60°) B (floats) vs the integer matrix R = [[0, -1], [1, 1]]", B_inv @ R60 @ B, R,
             "float", "R", "B and R(60°) hold √3/2, which a float can only approximate: round-off")
checks.check("X1", "B R B^-1 (floats) vs R(60°) = [[1/2, -√3/2], [√3/2, 1/2]]", B @ R @ B_inv, R60, "float", "R",
             "B^-1 holds 1/√3: round-off")
checks.check("X1", "B^-1 diag(1, -1) B (floats) vs the integer matrix M = [[1, 1], [0, -1]]", B_inv @ MIRROR_X @ B, M,
             "float", "M", "B^-1 holds 1/√3: round-off")
cartesian = np.stack([np.linalg.matrix_power(MIRROR_X, m) @ np.linalg.matrix_power(R60, r)
                      for m in (0, 1) for r in range(6)])  # M^m R(60°)^r, in table order
checks.check("X1", "all 12 elements of D6: B^-1 (Cartesian matrix) B vs the table's integer matrices",
             B_inv @ cartesian @ B, D6[:, :2, :2], "float", "6 turns, 6 mirrors",
             "products of floats holding √3/2: round-off")
integer = np.all(np.abs(cartesian - np.round(cartesian)) < 1e-9, axis=(1, 2))
print(f"In Cartesian coordinates only {integer.sum()} of the 12 are integer matrices: "
      + ", ".join(groups.name(s, "p6m") for s in D6[integer]) + " (the turns by 0 and 180 degrees and the mirrors"
      " in the x and y axes).")
checks.check("X1", "R(60°) in Cartesian coordinates vs the nearest integer matrix", R60, np.round(R60), "nonzero",
             "R", "a counterexample: its entries are 1/2 and √3/2")


# %% [markdown]
# What the integer matrix buys: R and M map lattice points (integer u, v) to lattice
# points, and they are rigid - they keep the number of steps between neighbouring cells,
# the hexagonal distance max(|u|, |v|, |u + v|). And they are the turn and the mirror of
# the plane: turning the place B x of every lattice point by 60 degrees with cos and sin
# gives exactly the place B (R x) of the integer image R x (up to round-off). On the
# square grid the same turn misses the grid. The figure shows both.

# %%
window = frame(9).reshape(-1, 2)  # lattice points (u, v) with |u|, |v| <= 4
images_of_window = np.einsum("sij,nj->sni", D6[:, :2, :2], window)  # s x for every s of D6, integer
checks.check("X1", "hexagonal distance of s x vs of x, every s of D6, x with |u|, |v| <= 4",
             hexagonal_distance(images_of_window[..., 0], images_of_window[..., 1]),
             np.broadcast_to(hexagonal_distance(window[:, 0], window[:, 1]), (12, len(window))), "exact",
             "all 12 elements of D6, 81 points", MATRIX_WHY)
checks.check("X1", "place of R x vs the place of x turned by 60° with cos and sin",
             in_plane(images_of_window[1]), turn_in_plane(in_plane(window), 60), "float", "R, 81 points",
             "cos and sin of 60° are rounded floats")
square = frame(7).reshape(-1, 2).astype(np.float64)  # the square grid's points near the origin
square_turned = turn_in_plane(square, 60)
off_grid = np.abs(square_turned - np.round(square_turned)).max(axis=1)
checks.check("X1", "square grid: its points turned by 60° vs the nearest grid points", square_turned,
             np.round(square_turned), "nonzero", "the 7 x 7 points around the origin",
             "a counterexample: only the origin lands on a grid point")
print(f"On the square grid {np.sum(off_grid < 1e-9)} of {len(square)} points land on a grid point after a 60° turn.")

fig, axes = plt.subplots(1, 2, figsize=(14, 7.4), layout="constrained")
near = hexagonal_distance(window[:, 0], window[:, 1]) <= 3
for ax, points, turned, title in (
        (axes[0], square[np.abs(square).max(axis=1) <= 2], turn_in_plane(square[np.abs(square).max(axis=1) <= 2], 60),
         "square grid: a 60° turn misses the grid"),
        (axes[1], in_plane(window[near]), turn_in_plane(in_plane(window[near]), 60),
         "hexagonal lattice: a 60° turn maps it onto itself")):
    points, turned = figures.steady(points), figures.steady(turned)
    ax.plot(points[:, 0], points[:, 1], "o", color="0.35", markersize=9, label="lattice points")
    ax.plot(turned[:, 0], turned[:, 1], "x", color="tab:red", markersize=12, mew=2.5, label="turned by 60°")
    ax.set_title(title)
    ax.set_aspect("equal")
    ax.set_xlim(-3.6, 3.6)
    ax.set_ylim(-3.3, 3.6)
    ax.set_xticks([])
    ax.set_yticks([])
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
b = figures.steady(in_plane(np.array([[1, 0], [0, 1], [-1, 1]])))  # b1, b2 = R b1, b2 - b1 = R b2
for (x, y), colour, label, offset in ((b[0], "black", "b₁", (0.1, -0.45)),
                                      (b[1], "tab:red", "b₂ = R b₁", (0.15, 0.22)),
                                      (b[2], "tab:red", "R b₂ = b₂ − b₁", (-1.85, 0.22))):
    axes[1].annotate("", (x, y), (0, 0), arrowprops=dict(arrowstyle="-|>", color=colour, lw=2.5, mutation_scale=20))
    axes[1].text(x + offset[0], y + offset[1], label, color=colour, fontsize=14)
fig.suptitle("X1: in the basis b₁, b₂ the 60° turn is the integer matrix R = [[0, −1], [1, 1]]")
figures.save(fig, "15_sixty_degree_turn.png")


# %% [markdown]
# ### p6 and p6m are groups (X1)
#
# The elements of p6 are t(u, v) . R^r, r = 0..5, and those of p6m t(u, v) . M^m . R^r,
# 3 x 3 integer matrices in homogeneous coordinates exactly as for p4 (tutorial 02); only
# R and M are the new 2 x 2 blocks. The point groups are C6 (6 turns) and D6 (6 turns
# and 6 mirrors), listed in the order r for p6 and 6m + r for p6m. The axioms are
# checked as in tutorial 01: exhaustively on C6 and D6 (every pair, every triple), on
# seeded random samples for p6 and p6m. First the multiplication table of C6: turns add
# up modulo 6.

# %%
def axioms_exhaustive(group, label):
    H = groups.point_group(group)
    n = len(H)
    products = H[:, None] @ H[None, :]  # (n, n, 3, 3)
    hits = np.all(products[:, :, None] == H[None, None], axis=(-2, -1)).sum(-1)
    checks.check("X1", f"closure on {label}: each of the {n * n} products is exactly one element of {label}",
                 hits, np.ones((n, n), dtype=hits.dtype), "exact", f"all pairs of {label}", MATRIX_WHY)
    a, b, c = H[:, None, None], H[None, :, None], H[None, None, :]
    checks.check("X1", f"associativity on {label}: (a b) c = a (b c)", (a @ b) @ c, a @ (b @ c), "exact",
                 f"all {n ** 3} triples", MATRIX_WHY)
    e = groups.identity()
    checks.check("X1", f"identity on {label}: e a = a e = a", np.stack([e @ H, H @ e]), np.stack([H, H]), "exact",
                 f"every a in {label}", MATRIX_WHY)
    partners = np.array([[np.array_equal(x @ y, e) and np.array_equal(y @ x, e) for y in H] for x in H])
    checks.check("X1", f"inverses on {label}: each a has exactly one b in {label} with a b = b a = e",
                 partners.sum(1), np.ones(n, dtype=np.int64), "exact", f"every a in {label}", MATRIX_WHY)


def axioms_sampled(group, n=200):
    g = groups.random_elements(group, 3 * n, RNG, max_shift=50)
    a, b, c = g[:n], g[n:2 * n], g[2 * n:]
    what = f"{n} random elements (shifts up to 50)"
    checks.check("X1", f"closure on {group}: every product a b is in {group}",
                 groups.is_member(a @ b, group).astype(int), np.ones(n, dtype=int), "exact", what, MATRIX_WHY)
    checks.check("X1", f"associativity on {group}", (a @ b) @ c, a @ (b @ c), "exact", what, MATRIX_WHY)
    a_inv = groups.inverse(a)
    checks.check("X1", f"inverses on {group}: a a^-1 = a^-1 a = e",
                 np.stack([a @ a_inv, a_inv @ a]), np.broadcast_to(groups.identity(), (2, n, 3, 3)), "exact", what,
                 "A^-1 = adj(A) / det(A) with det(A) = ±1: an integer matrix")
    checks.check("X1", f"inverses on {group}: each a^-1 is a member of {group}",
                 groups.is_member(a_inv, group).astype(int), np.ones(n, dtype=int), "exact", what, MATRIX_WHY)
    checks.check("X1", f"(a b)^-1 = b^-1 a^-1 on {group}", groups.inverse(a @ b), groups.inverse(b) @ a_inv,
                 "exact", what, MATRIX_WHY)


C6 = groups.point_group("p6")
print("Multiplication table of C6 (row element . column element):")
for a in C6:
    print("  " + "  ".join(f"{groups.name(a @ b, 'p6'):<5}" for b in C6))
axioms_exhaustive("p6", "C6")
axioms_exhaustive("p6m", "D6")
for group in ("p6", "p6m"):
    axioms_sampled(group)
commute = np.all(D6[:, None] @ D6[None] == D6[None] @ D6[:, None], axis=(-2, -1))
print(f"D6 is not commutative: {np.sum(~commute)} of its 144 ordered pairs have a b != b a, e.g. "
      f"R.M = {groups.name(D6[1] @ D6[6], 'p6m')} but M.R = {groups.name(D6[6] @ D6[1], 'p6m')}.")


# %% [markdown]
# ## 2. Hexagonal images and their frame (X2)
#
# A hexagonal image is stored as an n x n array (n odd) in the coefficients: array cell
# (i, j) holds the value at the lattice point (u, v) = (i - n//2, j - n//2), the centre
# cell is the origin. Drawn at its places in the plane, such an array is a rhombus (one
# row down is one step b1, one column right is one step b2), and a 60-degree turn does
# not map a rhombus onto itself. So the frame of a hexagonal image is not the whole array but the hexagon
#
#     max(|u|, |v|, |u + v|) <= r = n // 2        (3 r^2 + 3 r + 1 cells),
#
# the cells at most r steps from the centre. The cells of the array outside it are zero
# and stay zero (groupconv refuses an image with anything else there). The hexagon is
# mapped onto itself by every element of D6, because they keep the hexagonal distance
# (section 1). The checks compute the hexagon here from its definition and compare it
# with the library's (`lattices.py`), count its cells, turn and mirror it, and turn the
# rhombus (a counterexample).

# %%
def hexagon_mask(n):
    """Which cells of an n x n axial array lie on the hexagon max(|u|, |v|, |u + v|) <= n // 2."""
    x = frame(n)
    return hexagonal_distance(x[..., 0], x[..., 1]) <= n // 2


def cells(n):
    """The lattice points (u, v) of the hexagon of an n x n array, (N, 2), in array order."""
    return frame(n)[hexagon_mask(n)]


def to_array(values, n):
    """Values on the hexagon's cells (..., N) put back into an n x n axial array (..., n, n), 0 off the hexagon."""
    values = np.asarray(values)
    out = np.zeros(values.shape[:-1] + (n, n), dtype=values.dtype)
    out[..., hexagon_mask(n)] = values
    return out


HEXAGONAL = lattices.get("hexagonal")
for n in (3, 5, 7, 45):
    r = n // 2
    moved = np.einsum("sij,nj->sni", D6[:, :2, :2], cells(n))
    print(f"n = {n:>2}: the hexagon of radius {r} has {hexagon_mask(n).sum():>4} cells "
          f"(3 r^2 + 3 r + 1 = {3 * r * r + 3 * r + 1}) of the {n * n} cells of the array")
    checks.check("X2", f"n = {n}: the hexagon from its definition vs lattices.py's frame, and its size",
                 np.append(hexagon_mask(n).ravel(), hexagon_mask(n).sum()),
                 np.append(HEXAGONAL.frame_mask(n, n).ravel(), 3 * r * r + 3 * r + 1), "exact", f"r = {r}",
                 "booleans and a count")
    checks.check("X2", f"n = {n}: every s of D6 maps the hexagon's cells onto the hexagon's cells (as sets)",
                 np.stack([np.sort(m[:, 0] * n + m[:, 1]) for m in moved]),
                 np.broadcast_to(np.sort(cells(n)[:, 0] * n + cells(n)[:, 1]), (12, len(cells(n)))), "exact",
                 "all 12 elements of D6", "integer points, sorted")
rhombus = frame(7).reshape(-1, 2)
turned_rhombus = rhombus @ R.T
checks.check("X2", "the whole 7 x 7 array (a rhombus) turned by R vs the array's cells", turned_rhombus,
             np.clip(turned_rhombus, -3, 3), "nonzero", "R",
             "a counterexample: R carries cells of the rhombus off the array, so the frame must be the hexagon")
print(f"R carries {np.sum(np.abs(turned_rhombus).max(axis=1) > 3)} of the 49 cells of the 7 x 7 rhombus off the array.")


# %% [markdown]
# ### The photograph on the hexagonal lattice
#
# `images.to_hexagonal(image, n)` samples a square image at the places of the cells of
# an n x n hexagonal image (the centre cell on the centre pixel, the hexagon as large as
# fits). We use the photograph's 8-bit grey levels (integers 0..255) and nearest-pixel
# sampling (order=0), so the hexagonal photograph holds integers and every sum below is
# exact. The check recomputes every cell by hand: the cell (u, v) sits at
# x = u + v/2, y = v √3/2 lattice steps from the centre, which is `scale` pixels per
# step, so it reads the pixel nearest to row 64 - scale y, column 64 + scale x (no
# place is within 0.019 pixel of a tie, so rounding is safe). The figure shows the
# square photograph and the hexagonal one, drawn as hexagon cells at their places
# (`plot.plot_hexagonal_image`).

# %%
grey = np.round(images.photograph(129) * 255).astype(np.int64)  # 8-bit grey levels, 129 x 129
N_PHOTO = 45
scale = (129 - 1) / 2 / (N_PHOTO // 2)  # pixels per lattice step: the hexagon of radius 22 just fits
photo = images.to_hexagonal(grey, N_PHOTO, order=0).astype(np.int64)
place = in_plane(frame(N_PHOTO))
row = np.floor(64 - scale * place[..., 1] + 0.5).astype(int)  # the nearest pixel row and column
col = np.floor(64 + scale * place[..., 0] + 0.5).astype(int)
by_hand = np.where(hexagon_mask(N_PHOTO), grey[np.clip(row, 0, 128), np.clip(col, 0, 128)], 0)
print(f"hexagonal photograph: {hexagon_mask(N_PHOTO).sum()} cells of radius {N_PHOTO // 2}, "
      f"{scale:.1f} pixels per lattice step, grey levels {photo.min()}..{photo.max()}")
checks.check("X2", "images.to_hexagonal(order=0) vs the nearest pixel of every cell, computed by hand", photo, by_hand,
             "exact", f"all {hexagon_mask(N_PHOTO).sum()} cells", "integer grey levels read, not computed")

fig, axes = plt.subplots(1, 2, figsize=(15, 7.2), layout="constrained")
axes[0].imshow(grey, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
corners = figures.steady(in_plane(np.array([[1, 0], [0, 1], [-1, 1], [-1, 0], [0, -1], [1, -1], [1, 0]]) * 22))
axes[0].plot(64 + scale * corners[:, 0], 64 - scale * corners[:, 1], color="gold", lw=2.5)
axes[0].set_title("8-bit photograph, 129 x 129 pixels\n(gold: where the hexagon samples it)")
axes[0].set_xticks([])
axes[0].set_yticks([])
plot.plot_hexagonal_image(axes[1], photo, vmin=0, vmax=255,
                          title=f"on the hexagonal lattice: {hexagon_mask(N_PHOTO).sum()} cells\n"
                                f"(n = {N_PHOTO}, the hexagon of radius {N_PHOTO // 2})")
fig.suptitle("X2: a hexagonal image is an odd n x n array in the coefficients (u, v); its frame is a hexagon")
figures.save(fig, "15_hexagonal_photograph.png")


# %% [markdown]
# ### The periodic hexagon, and why it is chiral
#
# On the square grid the "circular" mode glues opposite edges of the frame: the frame
# becomes a torus, every shift wraps around, and translation equivariance is exact on a
# finite frame (tutorials 05, 08, 09). A hexagonal frame can be glued too: copies of the
# hexagon of radius r, laid at the points i a1 + j a2 with a1 = (2r + 1, -r) and
# a2 = (r, r + 1), cover the plane without gaps or overlaps. Here the tiling is built
# exactly that way, by laying the copies, and checked: every point of a window is
# covered exactly once (and the library's periodic lookup `wrap` gives the same cell).
# Reading an image at any point then means reading it at the cell of the hexagon that
# covers that point's copy: the periodic hexagon.
#
# Does the periodic hexagon keep the symmetry? The 60-degree turn maps a1 to a2 and
# a2 to a2 - a1, periods to periods, so the turned tiling is the same tiling: the
# periodic hexagon is symmetric under p6. The mirror is not: M a1 = (r + 1, r) is no
# integer combination of a1 and a2 (its coefficients are fractions). The copies sit on a
# slightly twisted ring around the central hexagon, and the mirror image twists the
# other way: the tiling is chiral. So the circular mode exists for p6 but not for p6m,
# and groupconv refuses it there instead of returning an answer that is not equivariant.
# The figure shows the tiling (r = 2) and its mirror image.

# %%
def periodic_hexagon(n, reach):
    """Lay copies of the hexagon of an n x n array at every period i a1 + j a2 over the window |u|, |v| <= reach.

    Returns (owner, covered, tile): owner[u + reach, v + reach] is the hexagon cell whose
    copy covers (u, v), covered counts how many copies cover each point, and tile says
    which copy (i, j) covers it.
    """
    r = n // 2
    a1, a2 = np.array([2 * r + 1, -r]), np.array([r, r + 1])
    owner = np.zeros((2 * reach + 1, 2 * reach + 1, 2), dtype=np.int64)
    covered = np.zeros((2 * reach + 1, 2 * reach + 1), dtype=np.int64)
    tile = np.zeros((2 * reach + 1, 2 * reach + 1, 2), dtype=np.int64)  # which copy (i, j)
    corners = np.array([[reach, reach], [reach, -reach]]).T
    m = int(np.abs(np.linalg.solve(np.array([a1, a2]).T.astype(float), corners)).max()) + 2  # enough copies
    for i in range(-m, m + 1):
        for j in range(-m, m + 1):
            points = cells(n) + i * a1 + j * a2
            inside = np.all(np.abs(points) <= reach, axis=1)
            a, b = (points[inside] + reach).T
            np.add.at(covered, (a, b), 1)
            owner[a, b] = cells(n)[inside]
            tile[a, b] = (i, j)
    return owner, covered, tile


REACH = 24
PERIODIC = {n: periodic_hexagon(n, REACH) for n in (3, 5, 7)}


def onto_hexagon(x, n):
    """The hexagon cell (u, v) that stands for the points x (..., 2) on the periodic hexagon of an n x n array."""
    if np.abs(x).max() > REACH:
        raise ValueError(f"onto_hexagon covers |u|, |v| <= {REACH}")
    return PERIODIC[n][0][x[..., 0] + REACH, x[..., 1] + REACH]


def on_period(g, n):
    """Elements g (..., 3, 3) with their translation part brought onto the periodic hexagon of an n x n array."""
    g = g.copy()
    g[..., :2, 2] = onto_hexagon(g[..., :2, 2], n)
    return g


window = frame(2 * REACH + 1)
for n in PERIODIC:
    owner, covered, _ = PERIODIC[n]
    wa, wb = HEXAGONAL.wrap(window[..., 0] + n // 2, window[..., 1] + n // 2, n, n)
    checks.check("X2", f"n = {n}: copies of the hexagon cover every point of the window exactly once, "
                 "and the cell covering it is lattices.py's wrap",
                 np.stack([covered, owner[..., 0], owner[..., 1]]),
                 np.stack([np.ones_like(covered), wa - n // 2, wb - n // 2]), "exact",
                 f"{covered.size} points", "counts and integer points")
n, r = 5, 2
a1, a2 = np.array([2 * r + 1, -r]), np.array([r, r + 1])
checks.check("X2", "r = 2: R a1 = a2 and R a2 = a2 - a1: the turn maps periods to periods", np.stack([R @ a1, R @ a2]),
             np.stack([a2, a2 - a1]), "exact", "R", MATRIX_WHY)
owner = PERIODIC[n][0]
inner = frame(2 * 11 + 1).reshape(-1, 2)  # |u|, |v| <= 11: the images s x stay inside the window
for s, kind, why in ((R, "exact", "the turned tiling is the same tiling (integer points)"),
                     (M, "nonzero", "a counterexample: the mirrored tiling is another tiling")):
    lhs = onto_hexagon(inner @ s.T, n)  # the cell covering s x
    rhs = onto_hexagon(onto_hexagon(inner, n) @ s.T, n)  # s applied to the cell covering x, wrapped again
    checks.check("X2", f"r = 2: cell covering s x vs s (cell covering x), s = {'R' if kind == 'exact' else 'M'}",
                 lhs, rhs, kind, f"{len(inner)} points", why)
coefficients = np.linalg.solve(np.array([a1, a2]).T.astype(float), (M @ a1).astype(float))
print(f"M a1 = {(M @ a1).tolist()} = {coefficients[0]:.4f} a1 + {coefficients[1]:.4f} a2: not a period.")
checks.check("X2", "r = 2: M a1 in the basis a1, a2 vs the nearest integer coefficients", coefficients,
             np.round(coefficients), "nonzero", "M", "a counterexample: the mirror image of a period is no period")

fig, axes = plt.subplots(1, 2, figsize=(15, 7.4), layout="constrained")
_, _, tile = PERIODIC[n]
near = hexagonal_distance(window[..., 0], window[..., 1]) <= 7
colours = np.array(["#bcd4e6", "#f4c9a0", "#c8e0b4"])
for ax, sign, title in ((axes[0], 1, "the periodic hexagon (r = 2):\ncopies at ±a₁, ±a₂, ±(a₂ − a₁)"),
                        (axes[1], -1, "its mirror image (y → −y):\nthe copies twist the other way")):
    points = window[near]
    label = (tile[near][:, 0] + 2 * tile[near][:, 1]) % 3  # neighbouring copies get different colours
    centre = np.all(tile[near] == 0, axis=1)
    xy = figures.steady(in_plane(points) * np.array([1, sign]))
    hexagon = np.stack([np.cos(np.deg2rad(30 + 60 * np.arange(6))), np.sin(np.deg2rad(30 + 60 * np.arange(6)))], 1)
    hexagon = figures.steady(hexagon / np.sqrt(3))
    face = np.where(centre[:, None], np.array([[0.97, 0.85, 0.3, 1.0]]),
                    np.array([to_rgba(c) for c in colours])[label])
    ax.add_collection(PolyCollection(xy[:, None] + hexagon[None], facecolors=face, edgecolors="0.5", linewidths=0.5))
    ends = figures.steady(in_plane(np.array([a1, a2, a2 - a1, -a1, -a2, a1 - a2])) * np.array([1, sign]))
    for x, y in ends:
        ax.annotate("", (x, y), (0, 0), arrowprops=dict(arrowstyle="-|>", color="black", lw=2, mutation_scale=16))
    ax.text(ends[0, 0] + 0.3, ends[0, 1] - 0.6 * sign - 0.2, "a₁" if sign > 0 else "M a₁", fontsize=14)
    ax.text(ends[1, 0] + 0.3, ends[1, 1] + 0.2, "a₂" if sign > 0 else "M a₂", fontsize=14)
    ax.set_aspect("equal")
    ax.set_xlim(-7.5, 7.5)
    ax.set_ylim(-6.6, 6.6)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
fig.suptitle("X2: the hexagon tiles the plane (the circular mode for p6); the tiling is chiral, so not for p6m")
figures.save(fig, "15_periodic_hexagon.png")


# %% [markdown]
# ## 3. Moving a hexagonal image (X2)
#
# The definition is the one of tutorial 03, word for word: (L_g f)(x) = f(g^-1 x). For
# every cell x of the hexagon form the matrix product g^-1 x and read f there (0 off the
# hexagon: f is zero outside its frame). Below this literal form (with `value_at` of
# `groupconv/lookup.py`, which reads an axial array just as a square one) is compared
# with the library's fast action (one gather of the cells) and the library's own literal
# loop, for every element of D6 and for elements with a shift (content pushed over the
# edge of the frame is lost, "zero" boundary).
#
# An independent check of what a turn does: take the places of the cells in the plane,
# turn them by 60 degrees with cos and sin, and move every value with its cell. That is
# the same image as L_R f - the values are only moved, so the comparison is exact even
# though the places are floats (each turned place is matched to the nearest cell; a
# float check first confirms that it lands on that cell's place up to round-off). The
# mirror y -> -y likewise.

# %%
def move_literal(f, g, n):
    """(L_g f)(x) = f(g^-1 x) for every cell x of the hexagon of an n x n image f (..., n, n)."""
    x = cells(n)
    return to_array(value_at(f, groups.act(groups.inverse(g), x)), n)


n = 7
f = images.on_hexagon(images.integer_image((2, n, n), RNG))  # two images, integers, 0 off the hexagon
shifted = [groups.element("p6m", 0, 1, 2, -1), groups.element("p6m", 1, 4, -3, 0), groups.element("p6m", 0, 0, 1, 1)]
elements = list(D6) + shifted
tried = "all 12 of D6 + " + ", ".join(groups.name(g, "p6m") for g in shifted)
literal = np.stack([move_literal(f, g, n) for g in elements])
checks.check("X2", "L_g f: f(g^-1 x) read literally vs action.transform_image (fast gather)", literal,
             np.stack([action.transform_image(f, g, group="p6m") for g in elements]), "exact", tried, PERM_WHY)
checks.check("X2", "L_g f: f(g^-1 x) read literally vs action.transform_image_literal (the library's loop)", literal,
             np.stack([action.transform_image_literal(f, g, group="p6m") for g in elements]), "exact", tried, PERM_WHY)
places = in_plane(cells(n))
for s, cartesian_s, name in ((D6[1], R60, "R"), (D6[6], MIRROR_X, "M")):
    moved_places = places @ cartesian_s.T  # where each cell's value goes, in the plane
    distance = np.linalg.norm(moved_places[:, None] - places[None], axis=-1)
    target = distance.argmin(axis=1)
    checks.check("X2", f"the places of the cells moved by the {name} of the plane vs the nearest cells' places",
                 moved_places, places[target], "float", f"{name}, all {len(places)} cells", "cos and sin round")
    by_places = np.zeros((2, len(places)), dtype=f.dtype)
    by_places[:, target] = f[:, hexagon_mask(n)]
    checks.check("X2", f"L_{name} f vs the values carried along by the {name} of the plane",
                 action.transform_image(f, s, group="p6m"), to_array(by_places, n), "exact", name, PERM_WHY)
pairs = [(g, h) for g in D6 for h in D6]
checks.check("X2", "L_g L_h f = L_gh f on hexagonal images",
             np.stack([action.transform_image(action.transform_image(f, h, group="p6m"), g, group="p6m")
                       for g, h in pairs]),
             np.stack([action.transform_image(f, g @ h, group="p6m") for g, h in pairs]), "exact",
             "all 144 pairs of D6", PERM_WHY)
g_, h_ = groups.random_elements("p6", 20, RNG, max_shift=9), groups.random_elements("p6", 20, RNG, max_shift=9)
checks.check("X2", "L_g L_h f = L_gh f on the periodic hexagon (boundary 'wrap')",
             np.stack([action.transform_image(action.transform_image(f, h, "wrap", "p6"), g, "wrap", "p6")
                       for g, h in zip(g_, h_)]),
             np.stack([action.transform_image(f, g @ h, "wrap", "p6") for g, h in zip(g_, h_)]), "exact",
             "20 random pairs of p6, shifts up to 9", PERM_WHY)


# %% [markdown]
# ### Functions on p6 and p6m
#
# A function on p6 (p6m) is stored as 6 (12) hexagonal images, plane s at cell x holding
# the value at t(x) . s, exactly as on p4 (tutorial 03). The definition
# (L_g F)(h) = F(g^-1 h) is read literally: for every stored element h = t(x) . s form
# the matrix g^-1 h, split it as t(x') . s' (G7) and read plane s' at cell x'
# (`value_on_group`). The fast form permutes the planes and moves every plane as an
# image (A4).

# %%
def move_on_group_literal(F, g, group, n):
    """(L_g F)(h) = F(g^-1 h) for every element h = t(x) . s with x on the hexagon."""
    h = frame_elements(group, n)[:, hexagon_mask(n)]  # (|H|, N, 3, 3)
    return to_array(value_on_group(F, groups.inverse(g) @ h, group), n)


for group in ("p6", "p6m"):
    nH = groups.order(group)
    F = images.on_hexagon(images.integer_image((2, nH, 5, 5), RNG))
    H = groups.point_group(group)
    els = list(H) + [groups.element(group, *p) for p in ((0, 1, -1), (3, 0, 2))] if group == "p6" else \
        list(H) + [groups.element(group, *p) for p in ((1, 1, 1, -1), (0, 3, 0, 2))]
    checks.check("X2", f"{group}: (L_g F)(h) = F(g^-1 h) literally vs action.transform_group_function",
                 np.stack([move_on_group_literal(F, g, group, 5) for g in els]),
                 np.stack([action.transform_group_function(F, g, group) for g in els]), "exact",
                 f"all {nH} of the point group + 2 with a shift", PERM_WHY)
    checks.check("X2", f"{group}: L_g L_h F = L_gh F on functions on {group}",
                 np.stack([action.transform_group_function(action.transform_group_function(F, h, group), g, group)
                           for g in H for h in H]),
                 np.stack([action.transform_group_function(F, g @ h, group) for g in H for h in H]), "exact",
                 f"all {nH * nH} pairs of the point group", PERM_WHY)


# %% [markdown]
# The figure: a small image on the hexagon of radius 3 (a letter F, which has no
# symmetry at all) and its six turns L_R^r f. Each turn moves every cell by 60 degrees
# about the centre; the numbers travel with their cells.

# %%
small = np.zeros((7, 7), dtype=np.int64)
for (u, v), value in {(-1, -1): 1, (-1, 0): 1, (-1, 1): 1, (-1, 2): 1, (0, -1): 2, (1, -1): 2, (2, -1): 2,
                      (1, 0): 3, (2, 0): 3}.items():
    small[u + 3, v + 3] = value
turns = np.stack([action.transform_image(small, groups.element("p6", r, 0, 0), group="p6") for r in range(6)])
checks.check("X2", "the figure's six turns vs L_R applied r times, one 60° step at a time", turns,
             np.stack([small] + [move_literal(turns[r - 1], D6[1], 7) for r in range(1, 6)]), "exact", "R^0 .. R^5",
             PERM_WHY)
fig, axes = plt.subplots(2, 3, figsize=(15, 10), layout="constrained")
place = figures.steady(in_plane(frame(7)))
for r, ax in enumerate(axes.flat):
    plot.plot_hexagonal_image(ax, np.where(hexagon_mask(7), turns[r], np.nan), cmap="YlGnBu", vmin=-0.6, vmax=3.6,
                              title=f"L$_{{R^{r}}}$ f  (turned by {60 * r}°)" if r else "f", edgecolor="0.6")
    for (i, j), value in np.ndenumerate(turns[r]):
        if hexagon_mask(7)[i, j] and value:
            ax.text(*place[i, j], str(value), ha="center", va="center", fontsize=13,
                    color="white" if value > 1 else "black")
fig.suptitle("X2: turning a hexagonal image by 60° moves every cell; the hexagon maps onto itself")
figures.save(fig, "15_small_image_turns.png")


# %% [markdown]
# ## 4. The lifting correlation to p6 and p6m (X3)
#
# The same formula as tutorial 08, with g now in p6 or p6m:
#
#     (f ⋆ psi)(g) = sum_y sum_k f_k(y) psi_k(g^-1 y)      (paper form)
#                  = sum_y sum_k f_k(g y) psi_k(y)         (substituted, y -> g y).
#
# A filter is a small hexagonal image: on the hexagon of radius rho of a k x k array,
# k = 2 rho + 1 (7 cells for k = 3, 19 for k = 5). The output is a function on G, 6 or
# 12 planes, each on the output's hexagon. The two literal forms below list every output
# element g (on the output hexagon) and every cell y as arrays of matrices and points,
# form g^-1 y or g y by matrix products, read the arrays there and add up. The library's
# `correlate.lifting_correlation` instead turns the filter by every s of the point group
# and runs one planar correlation (the filter-bank path, section 6).
#
# Modes (the output frame, as on the square grid): "valid" (the filter inside the
# hexagon: radius r - rho), "same" (radius r, f zero outside), "full" (radius r + rho,
# every g where a term can be non-zero) and, for p6 only, "circular" (the periodic
# hexagon: f and its reads wrap around through the tiling of section 2).
#
# A tiny example first, to follow by hand: an image and a filter on the hexagon of
# radius 1 (7 cells), "valid" mode: one output cell, the origin, and one value per turn,
# (f ⋆ psi)(R^r) = sum_y f(y) psi(R^-r y): the filter turned by r steps of 60 degrees,
# multiplied with f cell by cell and added up.

# %%
def output_elements(group, n):
    """Every element t(x) . s with x on the hexagon of an n x n output: (|H|, N, 3, 3)."""
    return frame_elements(group, n)[:, hexagon_mask(n)]


def lifting_paper(f, psi, group, n_out, period=None):
    """(f ⋆ psi)(g) = sum_y sum_k f_k(y) psi_k(g^-1 y): y over f's hexagon; psi periodic (n x n hexagon) if period=n."""
    g = output_elements(group, n_out)
    y = cells(f.shape[-1])
    g_inv_y = groups.act(groups.inverse(g)[..., None, :, :], y)  # (|H|, N_out, N_y, 2)
    if period:
        g_inv_y = onto_hexagon(g_inv_y, period)
    out = np.einsum("ky,okhgy->ohg", value_at(f, y), value_at(psi, g_inv_y))  # psi is 0 off its hexagon
    return to_array(out, n_out)


def lifting_substituted(f, psi, group, n_out, period=None):
    """(f ⋆ psi)(g) = sum_y sum_k f_k(g y) psi_k(y): y over psi's hexagon; f periodic if period=n."""
    g = output_elements(group, n_out)
    y = cells(psi.shape[-1])
    g_y = groups.act(g[..., None, :, :], y)  # (|H|, N_out, N_y, 2)
    if period:
        g_y = onto_hexagon(g_y, period)
    out = np.einsum("khgy,oky->ohg", value_at(f, g_y), value_at(psi, y))
    return to_array(out, n_out)


f = to_array(np.array([[2, 0, 1, 3, 0, 1, 0]]), 3)[0]  # the 7 cells in array order
psi = to_array(np.array([[1, -1, 0, 0, 2, 0, 0]]), 3)[0]
print("f on the 7 cells (u, v):  ", ", ".join(f"{tuple(int(a) for a in x)}: {f[x[0] + 1, x[1] + 1]}" for x in cells(3)))
print("psi on the 7 cells (u, v):",
      ", ".join(f"{tuple(int(a) for a in x)}: {psi[x[0] + 1, x[1] + 1]}" for x in cells(3)))
by_hand = []
for r in range(6):
    turned = to_array(value_at(psi, groups.act(groups.inverse(groups.element("p6", r, 0, 0)), cells(3))), 3)
    by_hand.append(int(np.sum(f * turned)))
    print(f"  g = R^{r}: psi(R^-{r} y) on the cells = {turned[hexagon_mask(3)].tolist()}, sum of f times it = "
          f"{by_hand[-1]}")
lifted = correlate.lifting_correlation(f[None, None], psi[None, None], "p6", "valid")[0, 0, :, 0, 0]
checks.check("X3", "tiny example: the six sums by hand vs lifting_correlation (filter-bank path)", np.array(by_hand),
             lifted, "exact", "R^0 .. R^5", INT_WHY)
turned_f = action.transform_image(f, D6[1], group="p6")
lifted_turned = correlate.lifting_correlation(turned_f[None, None], psi[None, None], "p6", "valid")[0, 0, :, 0, 0]
print("outputs for f:", lifted.tolist(), "  for L_R f:", lifted_turned.tolist(), " <- the same numbers, cycled")
checks.check("X3", "tiny example: turning f by R cycles the six outputs by one slot", lifted_turned,
             np.roll(lifted, 1), "exact", "u = R", INT_WHY)


# %% [markdown]
# ### X3 in general: both literal forms against the filter-bank path
#
# Two input channels, two output channels, a 7 x 7 image (37 cells), a 3 x 3 filter
# (7 cells), every mode, integer data. Last, the library's own literal loop
# (`correlate.lifting_correlation_literal`), a third implementation.

# %%
n, k = 7, 3
f = images.on_hexagon(images.integer_image((2, n, n), RNG))
psi = images.on_hexagon(images.integer_image((2, 2, k, k), RNG))


def output_sizes(n, k):
    """Each boundary mode's output side n_out, and the period of its frame (None: no wrap-around)."""
    return {"valid": (n - k + 1, None), "same": (n, None), "full": (n + k - 1, None), "circular": (n, n)}


for group in ("p6", "p6m"):
    for mode, (n_out, period) in output_sizes(n, k).items():
        if mode == "circular" and group == "p6m":
            continue  # the periodic hexagon is chiral (section 2): refused for p6m
        fast = correlate.lifting_correlation(f[None], psi, group, mode)[0]
        elements = f"all {groups.order(group) * hexagon_mask(n_out).sum()} g of the output"
        checks.check("X3", f"{group} {mode}: sum_y f(y) psi(g^-1 y) (paper, literal) vs filter-bank path",
                     lifting_paper(f, psi, group, n_out, period), fast, "exact", elements, INT_WHY)
        checks.check("X3", f"{group} {mode}: sum_y f(g y) psi(y) (substituted, literal) vs filter-bank path",
                     lifting_substituted(f, psi, group, n_out, period), fast, "exact", elements, INT_WHY)
    checks.check("X3", f"{group} same: correlate.lifting_correlation_literal vs filter-bank path",
                 correlate.lifting_correlation_literal(f[None], psi, group, "same"),
                 correlate.lifting_correlation(f[None], psi, group, "same"), "exact", "every g of the output", INT_WHY)
try:
    correlate.lifting_correlation(f[None], psi, "p6m", "circular")
    refused = False
except ValueError as error:
    refused = True
    print("p6m, circular mode:", str(error).split(":")[0])
checks.check("X3", "p6m in circular mode is refused with a ValueError (1 = refused)", np.array(int(refused)),
             np.array(1), "exact", "p6m, 'circular'", "the periodic hexagon is chiral: no equivariant answer exists")


# %% [markdown]
# ### X3: the equivariance proof, line by line
#
# The proof of tutorial 08, for the moved image L_u f = f o u^-1:
#
#     line 1   ((L_u f) ⋆ psi)(g)              the moved image, correlated (library, filter-bank path)
#     line 2   sum_y f(u^-1 y) psi(g^-1 y)     the paper form for L_u f, f read at the matrix product u^-1 y
#     line 3   sum_y f(y) psi(g^-1 u y)        substitute y -> u y
#     line 4   sum_y f(y) psi((u^-1 g)^-1 y)   G2; the matrix (u^-1 g)^-1 formed by inverting u^-1 g
#     line 5   (f ⋆ psi)(u^-1 g)               the correlation of f (paper form, literal), read at u^-1 g
#     line 6   (L_u (f ⋆ psi))(g)              the output moved by u (library)
#
# The only real step is line 2 -> 3: the substitution y -> u y must run through the set
# summed over exactly once. Three cases, each honest about that set:
#
# * u in the point group, "same" mode: the sum runs over the hexagon of f, and every
#   turn and mirror maps the hexagon onto itself (section 2).
# * u with a shift, "full" mode (p6 and p6m): the sum runs over all of Z^2, where
#   y -> u y is a bijection; f and L_u f are zero outside the hexagon of radius r + d
#   (d = the shift's hexagonal length), so both lines sum over that hexagon. The moved
#   image is put on a frame grown by d cells on every side (boundary "grow"), so nothing
#   is cut off, and the output frames of lines 1 and 6 agree.
# * u with a shift, "circular" mode (p6 only): the sum runs over one copy of the
#   periodic hexagon, on which y -> u y is a bijection because u maps the tiling onto
#   itself (section 2); every read wraps around.
#
# Each line is an array over every output element g and every u tried, stacked. The
# first chain prints its table (each line's largest |value| and its residual to the
# next); the others one line each.

# %%
def lifting_chain(f, psi, group, us, mode, boundary, n_out, n_sum, period=None):
    """The six lines of the lifting proof, each stacked over the elements u; y runs over the hexagon of n_sum."""
    g = output_elements(group, n_out)
    y = cells(n_sum)  # the set summed over
    wrap = (lambda x: onto_hexagon(x, period)) if period else (lambda x: x)
    f_out = lifting_paper(f, psi, group, {"same": f.shape[-1], "full": f.shape[-1] + psi.shape[-1] - 1,
                                           "circular": f.shape[-1]}[mode], period)
    library = correlate.lifting_correlation(f[None], psi, group, mode)
    lines = [[] for _ in range(6)]
    for u in us:
        u_inv = groups.inverse(u)
        g_inv = groups.inverse(g)[..., None, :, :]
        psi_at = (lambda points: value_at(psi, wrap(points)))  # psi at points, 0 off its hexagon
        moved = action.transform_image(f[None], u, boundary, group)
        lines[0].append(correlate.lifting_correlation(moved, psi, group, mode)[0])
        lines[1].append(np.einsum("ky,okhgy->ohg", value_at(f, wrap(groups.act(u_inv, y))),
                                  psi_at(groups.act(g_inv, y))))
        lines[2].append(np.einsum("ky,okhgy->ohg", value_at(f, wrap(y)), psi_at(groups.act(g_inv @ u, y))))
        u_inv_g_inv = groups.inverse(u_inv @ g)[..., None, :, :]  # (u^-1 g)^-1 by inverting the product
        lines[3].append(np.einsum("ky,okhgy->ohg", value_at(f, wrap(y)), psi_at(groups.act(u_inv_g_inv, y))))
        u_inv_g = u_inv @ g
        lines[4].append(value_on_group(f_out, on_period(u_inv_g, period) if period else u_inv_g, group))
        lines[5].append(action.transform_group_function(library, u, group, boundary)[0])
    for i in (1, 2, 3, 4):
        lines[i] = [to_array(line, n_out) for line in lines[i]]
    labels = ["((L_u f) ⋆ psi)(g)", "sum_y f(u^-1 y) psi(g^-1 y)", "sum_y f(y) psi(g^-1 u y)",
              "sum_y f(y) psi((u^-1 g)^-1 y)", "(f ⋆ psi)(u^-1 g)", "(L_u (f ⋆ psi))(g)"]
    return [(label, np.stack(line)) for label, line in zip(labels, lines)]


SHIFTED = {"p6": [groups.element("p6", *p) for p in ((0, 1, 0), (1, 0, -1), (4, -1, 1), (3, 1, -1))],
           "p6m": [groups.element("p6m", *p) for p in ((0, 0, 1, 0), (1, 2, 0, -1), (1, 5, -1, 1), (0, 3, 1, -1))]}


def proof_cases(group, n, k):
    """The three cases: (mode, u's, boundary, output size, size of the summed (and moved) frame, period, in words)."""
    H = list(groups.point_group(group))
    out = [("same", H, "zero", n, n, None, f"all {len(H)} of the point group, 'same'"),
           ("full", SHIFTED[group], "grow", n + 2 + k - 1, n + 2, None, "4 with a shift, 'full', grown frames")]
    if group == "p6":
        out.append(("circular", SHIFTED[group], "wrap", n, n, n, "4 with a shift, periodic hexagon"))
    return out


print("u with a shift (hexagonal length 1): "
      + "; ".join(f"{g}: " + ", ".join(groups.name(u, g) for u in us) for g, us in SHIFTED.items()))
n, k = 5, 3
f = images.on_hexagon(images.integer_image((2, n, n), RNG))
psi = images.on_hexagon(images.integer_image((2, 2, k, k), RNG))
for group in ("p6", "p6m"):
    for mode, us, boundary, n_out, n_sum, period, tried in proof_cases(group, n, k):
        checks.set_verbose(True if (group, mode) == ("p6", "same") else None)  # one table, then one line each
        checks.chain("X3", f"{group} {mode}: the lifting proof",
                     lifting_chain(f, psi, group, us, mode, boundary, n_out, n_sum, period), "exact", tried, INT_WHY)
        checks.set_verbose(None)


# %% [markdown]
# ## 5. The group correlation on p6 and p6m (X4)
#
# The layer from functions on G to functions on G, exactly as in tutorial 09:
#
#     (F ⋆ psi)(g) = sum_h sum_k F_k(h) psi_k(g^-1 h)       (paper form)
#                  = sum_h sum_k F_k(g h) psi_k(h)          (blog form, h -> g h)
#
# with h running over the elements t(y) . s, y a cell and s in C6 or D6. First both
# literal forms against the filter-bank path, then the two equivariance proofs of
# tutorial 09, every line its own array, for the same three cases as above (the turns
# and mirrors in "same" mode; shifts in "full" mode on grown frames; shifts on the
# periodic hexagon for p6).

# %%
def group_paper(F, psi, group, n_out, period=None):
    """(F ⋆ psi)(g) = sum_h F(h) psi(g^-1 h): h over every element of F's hexagon."""
    g = output_elements(group, n_out).reshape(-1, 3, 3)
    h = output_elements(group, F.shape[-1]).reshape(-1, 3, 3)
    g_inv_h = groups.inverse(g)[:, None] @ h[None]  # (N_g, N_h, 3, 3)
    if period:
        g_inv_h = on_period(g_inv_h, period)
    out = np.einsum("kh,okgh->og", value_on_group(F, h, group), value_on_group(psi, g_inv_h, group))
    return to_array(out.reshape(len(psi), groups.order(group), -1), n_out)


def group_blog(F, psi, group, n_out, period=None):
    """(F ⋆ psi)(g) = sum_h F(g h) psi(h): h over the filter's support."""
    g = output_elements(group, n_out).reshape(-1, 3, 3)
    h = output_elements(group, psi.shape[-1]).reshape(-1, 3, 3)
    g_h = g[:, None] @ h[None]
    if period:
        g_h = on_period(g_h, period)
    out = np.einsum("kgh,okh->og", value_on_group(F, g_h, group), value_on_group(psi, h, group))
    return to_array(out.reshape(len(psi), groups.order(group), -1), n_out)


n, k = 5, 3
for group in ("p6", "p6m"):
    nH = groups.order(group)
    F = images.on_hexagon(images.integer_image((2, nH, n, n), RNG))
    psi = images.on_hexagon(images.integer_image((2, 2, nH, k, k), RNG))
    for mode, (n_out, period) in output_sizes(n, k).items():
        if mode == "circular" and group == "p6m":
            continue  # refused for p6m, as for the lifting correlation
        fast = correlate.group_correlation(F[None], psi, group, mode)[0]
        elements = f"all {nH * hexagon_mask(n_out).sum()} g of the output"
        checks.check("X4", f"{group} {mode}: sum_h F(h) psi(g^-1 h) (paper, literal) vs filter-bank path",
                     group_paper(F, psi, group, n_out, period), fast, "exact", elements, INT_WHY)
        checks.check("X4", f"{group} {mode}: sum_h F(g h) psi(h) (blog, literal) vs filter-bank path",
                     group_blog(F, psi, group, n_out, period), fast, "exact", elements, INT_WHY)


# %% [markdown]
# ### X4, the blog's proof
#
#     line 1   ((L_u F) ⋆ psi)(g)             the moved input, correlated (library)
#     line 2   sum_h [L_u F](g h) psi(h)      L_u F first computed as an array, F read at u^-1 h for every
#                                             stored h; then the blog form applied to that array
#     line 3   sum_h F(u^-1 g h) psi(h)       the matrix u^-1 g h formed directly
#     line 4   (F ⋆ psi)(u^-1 g)              the correlation of F (blog form, literal), read at u^-1 g
#     line 5   (L_u (F ⋆ psi))(g)             the output moved by u (library)
#
# Lines 3 and 4 are equal because the matrix product is associative. The first chain
# prints its table.

# %%
def group_reader(group, period):
    """F(g) for elements g: 0 off the frame, or on the periodic hexagon of an n x n array."""
    if period:
        return lambda F, g: value_on_group(F, on_period(g, period), group)
    return lambda F, g: value_on_group(F, g, group)


def blog_chain(F, psi, group, us, mode, boundary, n_out, n_moved, period=None):
    read = group_reader(group, period)
    g = output_elements(group, n_out).reshape(-1, 3, 3)
    h = output_elements(group, psi.shape[-1]).reshape(-1, 3, 3)  # the filter's support
    psi_h = value_on_group(psi, h, group)
    F_out = group_blog(F, psi, group, n_out - (n_moved - F.shape[-1]), period)  # F ⋆ psi on its own frame
    library = correlate.group_correlation(F[None], psi, group, mode)
    lines = [[] for _ in range(5)]
    for u in us:
        u_inv = groups.inverse(u)
        moved = action.transform_group_function(F[None], u, group, boundary)
        lines[0].append(correlate.group_correlation(moved, psi, group, mode)[0])
        stored = output_elements(group, n_moved)  # every stored element of the moved array
        L_u_F = to_array(read(F, u_inv @ stored), n_moved)  # [L_u F](h) = F(u^-1 h), as an array
        lines[1].append(np.einsum("kgh,okh->og", read(L_u_F, g[:, None] @ h[None]), psi_h))
        lines[2].append(np.einsum("kgh,okh->og", read(F, u_inv @ g[:, None] @ h[None]), psi_h))
        lines[3].append(read(F_out, u_inv @ g))
        lines[4].append(action.transform_group_function(library, u, group, boundary)[0])
    for i in (1, 2, 3):
        lines[i] = [to_array(line.reshape(len(psi), groups.order(group), -1), n_out) for line in lines[i]]
    labels = ["((L_u F) ⋆ psi)(g)", "sum_h [L_u F](g h) psi(h)", "sum_h F(u^-1 g h) psi(h)", "(F ⋆ psi)(u^-1 g)",
              "(L_u (F ⋆ psi))(g)"]
    return [(label, np.stack(line)) for label, line in zip(labels, lines)]


n, k = 5, 3
DATA = {}
for group in ("p6", "p6m"):
    nH = groups.order(group)
    DATA[group] = (images.on_hexagon(images.integer_image((2, nH, n, n), RNG)),
                   images.on_hexagon(images.integer_image((1, 2, nH, k, k), RNG)))
    for mode, us, boundary, n_out, n_moved, period, tried in proof_cases(group, n, k):
        checks.set_verbose(True if (group, mode) == ("p6", "same") else None)
        checks.chain("X4", f"{group} {mode}: the blog's proof",
                     blog_chain(*DATA[group], group, us, mode, boundary, n_out, n_moved, period), "exact", tried,
                     INT_WHY)
        checks.set_verbose(None)


# %% [markdown]
# ### X4, the paper's proof
#
#     line 1   ((L_u F) ⋆ psi)(g)                the moved input, correlated (library)
#     line 2   sum_h F(u^-1 h) psi(g^-1 h)       the paper form for L_u F = F o u^-1
#     line 3   sum_h F(h) psi(g^-1 u h)          substitute h -> u h
#     line 4   sum_h F(h) psi((u^-1 g)^-1 h)     G2: the matrix (u^-1 g)^-1, by inverting u^-1 g
#     line 5   (F ⋆ psi)(u^-1 g)                 the correlation of F (paper form, literal), read at u^-1 g
#     line 6   (L_u (F ⋆ psi))(g)                the output moved by u (library)
#
# The sums over h run over every element t(y) . s with y on the hexagon of F ("same"
# and the periodic hexagon: h -> u h maps that set onto itself) or on the hexagon grown
# by the shift's length d = 1 ("full": it holds the support of F and of L_u F). The step
# 3 -> 4 rests on G2, checked on its own first as integer matrices.

# %%
def paper_chain(F, psi, group, us, mode, boundary, n_out, n_moved, period=None):
    read = group_reader(group, period)
    g = output_elements(group, n_out).reshape(-1, 3, 3)
    h = output_elements(group, n_moved).reshape(-1, 3, 3)  # the set summed over
    g_inv = groups.inverse(g)
    F_out = group_paper(F, psi, group, n_out - (n_moved - F.shape[-1]), period)
    library = correlate.group_correlation(F[None], psi, group, mode)
    F_h = read(F, h)
    lines = [[] for _ in range(6)]
    g2 = []
    for u in us:
        u_inv = groups.inverse(u)
        moved = action.transform_group_function(F[None], u, group, boundary)
        lines[0].append(correlate.group_correlation(moved, psi, group, mode)[0])
        lines[1].append(np.einsum("kh,okgh->og", read(F, u_inv @ h), read(psi, g_inv[:, None] @ h[None])))
        lines[2].append(np.einsum("kh,okgh->og", F_h, read(psi, g_inv[:, None] @ u @ h[None])))
        u_inv_g_inv = groups.inverse(u_inv @ g)
        lines[3].append(np.einsum("kh,okgh->og", F_h, read(psi, u_inv_g_inv[:, None] @ h[None])))
        lines[4].append(read(F_out, u_inv @ g))
        lines[5].append(action.transform_group_function(library, u, group, boundary)[0])
        g2.append((u_inv_g_inv, g_inv @ u))
    for i in (1, 2, 3, 4):
        lines[i] = [to_array(line.reshape(len(psi), groups.order(group), -1), n_out) for line in lines[i]]
    labels = ["((L_u F) ⋆ psi)(g)", "sum_h F(u^-1 h) psi(g^-1 h)", "sum_h F(h) psi(g^-1 u h)",
              "sum_h F(h) psi((u^-1 g)^-1 h)", "(F ⋆ psi)(u^-1 g)", "(L_u (F ⋆ psi))(g)"]
    return [(label, np.stack(line)) for label, line in zip(labels, lines)], g2


for group in ("p6", "p6m"):
    for mode, us, boundary, n_out, n_moved, period, tried in proof_cases(group, n, k):
        lines, g2 = paper_chain(*DATA[group], group, us, mode, boundary, n_out, n_moved, period)
        if mode != "circular":
            checks.check("X4", f"{group} {mode}: the step 3 -> 4 uses G2, (u^-1 g)^-1 == g^-1 u as matrices",
                         np.stack([a for a, _ in g2]), np.stack([b for _, b in g2]), "exact", tried, MATRIX_WHY)
        checks.set_verbose(True if (group, mode) == ("p6", "same") else None)
        checks.chain("X4", f"{group} {mode}: the paper's proof", lines, "exact", tried, INT_WHY)
        checks.set_verbose(None)


# %% [markdown]
# ## 6. The p6 filter bank (X5)
#
# The fast path of tutorial 11 needs nothing new either. At an output element
# g = t(x) . s the paper form reads psi at s^-1 t(x)^-1 y, which is the turned filter
# L_s psi read at y - x. So plane s of the lifted output is an ordinary planar
# correlation of f with L_s psi - and on the hexagonal lattice a translation is an
# integer shift of (u, v), which is an integer shift of array indices. The planar
# correlation of the axial arrays (any planar code; SciPy's below) is therefore the
# correlation on the lattice, and only two things are hexagonal: the filter bank (the
# filter turned by every s: a gather of its cells, which the hexagon's symmetry keeps on
# its support) and the output's hexagon.
#
# For a filter on G, L_s turns every plane and moves the planes: plane s' of L_s psi is
# plane s^-1 s' of psi, turned by s. For p6 and s = R: plane r comes from plane r - 1.

# %%
def lifting_bank_literal(psi, group):
    """bank[o, s, c] = L_s psi[o, c]: psi read at s^-1 y for every cell y, every s of the point group."""
    y = frame(psi.shape[-1])
    return np.stack([value_at(psi, groups.act(groups.inverse(s), y)) for s in groups.point_group(group)], axis=1)


def group_bank_literal(psi, group):
    """bank[o, s, c] = L_s psi[o, c] for a filter on G: psi read at s^-1 h for every element h of its support."""
    h = frame_elements(group, psi.shape[-1])
    return np.stack([value_on_group(psi, groups.inverse(s) @ h, group) for s in groups.point_group(group)], axis=1)


def planar_by_scipy(f, bank, n_out):
    """out[o, x] = sum_c (f_c correlated with bank[o, c])(x), scipy.signal.correlate ('valid'), masked to the hexagon."""
    out = np.stack([sum(scipy.signal.correlate(f[c], bank[o, c], mode="valid", method="direct")
                        for c in range(len(f))) for o in range(len(bank))])
    return np.where(hexagon_mask(n_out), out, 0)


n, k = 7, 3
for group in ("p6", "p6m"):
    nH = groups.order(group)
    f, psi = images.on_hexagon(images.integer_image((2, n, n), RNG)), images.on_hexagon(
        images.integer_image((2, 2, k, k), RNG))
    bank = lifting_bank_literal(psi, group)
    checks.check("X5", f"{group}: lifting bank, psi(s^-1 y) literally vs correlate.expand_lifting_filter", bank,
                 correlate.expand_lifting_filter(psi, group), "exact", "every s of the point group", PERM_WHY)
    checks.check("X5", f"{group}: the turned filters stay on the filter's hexagon (0 on the corners)",
                 bank[..., ~hexagon_mask(k)], np.zeros_like(bank[..., ~hexagon_mask(k)]), "exact", "every s",
                 "the point group keeps the hexagonal distance")
    by_bank = planar_by_scipy(f, bank.reshape(2 * nH, 2, k, k), n - k + 1).reshape(2, nH, n - k + 1, n - k + 1)
    checks.check("X5", f"{group} lifting: literal bank + SciPy's planar correlation vs the literal sum over y",
                 by_bank, lifting_paper(f, psi, group, n - k + 1), "exact", "every g of the 'valid' output", INT_WHY)
    F, Psi = images.on_hexagon(images.integer_image((2, nH, n, n), RNG)), images.on_hexagon(
        images.integer_image((2, 2, nH, k, k), RNG))
    bank = group_bank_literal(Psi, group)
    checks.check("X5", f"{group}: group bank, psi(s^-1 h) literally vs correlate.expand_group_filter", bank,
                 correlate.expand_group_filter(Psi, group), "exact", "every s of the point group", PERM_WHY)
    by_bank = planar_by_scipy(F.reshape(2 * nH, n, n), bank.reshape(2 * nH, 2 * nH, k, k), n - k + 1)
    checks.check("X5", f"{group} group: literal bank + SciPy's planar correlation vs the literal sum over h",
                 by_bank.reshape(2, nH, n - k + 1, n - k + 1), group_paper(F, Psi, group, n - k + 1), "exact",
                 "every g of the 'valid' output", INT_WHY)
Psi = images.on_hexagon(images.integer_image((1, 1, 6, k, k), RNG))
bank = correlate.expand_group_filter(Psi, "p6")[0, 1, 0]  # L_R psi
checks.check("X5", "p6: plane r of L_R psi = plane r - 1 of psi, turned by R", bank,
             np.stack([action.transform_image(Psi[0, 0, (r - 1) % 6], D6[1], group="p6") for r in range(6)]), "exact",
             "s = R, planes 0..5", PERM_WHY)


# %% [markdown]
# The figure: a filter on the hexagon of radius 2 (19 cells, integer weights) and its
# six turns L_R^r psi, the lifting bank of p6 that the fast path correlates the image
# with. Then the figure is read back: in every cell (a little below the number written
# at its centre) the colour of the rendered picture must be the colour the colour map
# gives the bank's value there (colours are 8-bit integers: exact).

# %%
def rendered_cell_colours(fig, panels, dpi=200, offset=(0.0, 0.0)):
    """What the rendered figure shows: for each (ax, n) of `panels`, the colours (N, 4) uint8 at the cell centres.

    The whole figure is drawn once at `dpi`. The centre of cell (u, v) of an n x n
    hexagonal image drawn on ax (plot_hexagonal_image) is at u b1 + v b2 in the axes'
    data coordinates; it is transformed to the rendered pixel under it and that pixel's
    colour is read from the canvas. `offset` (in lattice steps, at most 0.4) moves every
    reading point away from the centre, e.g. below a number written there. Every cell
    must be at least 4 rendered pixels across.
    """
    saved = fig.dpi
    fig.set_dpi(dpi)
    try:
        fig.canvas.draw()
        buffer = np.asarray(fig.canvas.buffer_rgba())
        out = []
        for ax, n in panels:
            centres = ax.transData.transform(in_plane(cells(n)) + np.asarray(offset))
            step = np.linalg.norm(ax.transData.transform([[1.0, 0.0]]) - ax.transData.transform([[0.0, 0.0]]))
            if step < 4:
                raise ValueError(f"a cell is {step:.1f} rendered pixels across; draw at a larger dpi")
            rows = np.floor(buffer.shape[0] - centres[:, 1]).astype(int)  # display y points up, buffer rows down
            out.append(buffer[rows, np.floor(centres[:, 0]).astype(int)].copy())
    finally:
        fig.set_dpi(saved)
    return out


psi = np.zeros((5, 5), dtype=np.int64)
for (u, v), value in {(-2, 0): -2, (-1, 0): -1, (-2, 1): -1, (-1, -1): -1, (0, -1): -1, (1, 0): 2, (2, 0): 3,
                      (1, 1): 1, (0, 1): 1, (-1, 2): 1, (2, -1): 1}.items():
    psi[u + 2, v + 2] = value
bank = correlate.expand_lifting_filter(psi[None, None], "p6")[0, :, 0]  # (6, 5, 5): L_R^r psi
fig, axes = plt.subplots(2, 3, figsize=(15, 10), layout="constrained")
drawn = []
place = figures.steady(in_plane(frame(5)))
for r, ax in enumerate(axes.flat):
    drawn.append(plot.plot_hexagonal_image(ax, np.where(hexagon_mask(5), bank[r], np.nan), cmap="RdBu_r", vmin=-3.5,
                                           vmax=3.5, title=f"L$_{{R^{r}}}$ψ  (turned by {60 * r}°)" if r else "ψ",
                                           edgecolor="0.6"))
    for (i, j), value in np.ndenumerate(bank[r]):
        if hexagon_mask(5)[i, j]:
            ax.text(*place[i, j], str(value), ha="center", va="center", fontsize=14,
                    color="white" if abs(value) > 2 else "black")
fig.colorbar(drawn[0], ax=axes, shrink=0.6, label="filter weight")
fig.suptitle("X5: the p6 filter bank: ψ turned by 60° steps on its hexagonal support (19 cells)")
shown = np.stack(rendered_cell_colours(fig, [(ax, 5) for ax in axes.flat], offset=(0.0, -0.36)))
expected = np.stack([np.floor(coll.to_rgba(b[hexagon_mask(5)].astype(float)) * 255 + 0.5).astype(np.uint8)
                     for coll, b in zip(drawn, bank)])  # the renderer rounds each channel to the nearest of 256 levels
checks.check("X5", "the rendered colour in every cell (below its number) vs the colour map of the bank's value",
             shown, expected, "exact", "6 panels x 19 cells", "8-bit colours read from the rendered picture")
figures.save(fig, "15_filter_bank_p6.png")


# %% [markdown]
# ## 7. A p6 feature map of the photograph (X6)
#
# A function on p6 is 6 hexagonal images. groupconv draws them as 6 patches on one
# larger hexagonal canvas, patch s centred at slot(s) = s . p0 (`plot.hexagonal_canvas`):
# the identity's patch on the right, then counter-clockwise every 60 degrees. Because
# the slots are placed by the group itself, turning the input turns the whole picture:
# the action on functions on G moves plane s' to slot s s' and turns it by s, and
# turning the canvas as one hexagonal image does exactly that to the patch in slot s'.
# So, exactly, for every s of the point group,
#
#     canvas(L_s F) = L_s canvas(F),
#
# L_s on the right turning the canvas as a hexagonal image. For p6m there are 12 patches;
# a mirror of the input mirrors the whole picture.
#
# The feature map: the hexagonal photograph lifted to p6 with an edge detector on the
# hexagon of radius 2: -1 on the cells left of the centre line, +1 on the cells right
# of it (dark-to-light from left to right). Plane s answers to edges turned by s. Grey
# levels and weights are integers, so the feature map is exact. "valid" mode: the output
# keeps only the cells where the filter lies inside the photograph (radius 22 - 2 = 20),
# so no plane shows the edge between the photograph and the zeros around it; a turn
# maps both hexagons onto themselves, so it is still exactly equivariant.

# %%
EDGE = np.sign(in_plane(frame(5))[..., 0]).astype(np.int64) * hexagon_mask(5)  # -1 left, 0 on the line, +1 right
print("edge detector (rows u, columns v; cells off the hexagon are 0):\n", EDGE)
for group in ("p6", "p6m"):
    nH = groups.order(group)
    F = images.on_hexagon(images.integer_image((nH, 5, 5), RNG))
    canvas = plot.hexagonal_canvas(F, group, fill=0.0)
    H = groups.point_group(group)
    checks.check("X6", f"{group}: hexagonal_canvas(L_s F) vs L_s hexagonal_canvas(F), the canvas turned as one image",
                 np.stack([plot.hexagonal_canvas(action.transform_group_function(F, s, group), group, fill=0.0)
                           for s in H]),
                 np.stack([action.transform_image(canvas, s, group=group) for s in H]), "exact",
                 f"all {nH} of the point group", PERM_WHY)
lifted = correlate.lifting_correlation(photo[None, None], EDGE[None, None], "p6", "valid")[0, 0]
turned_photo = action.transform_image(photo, D6[1], group="p6")
lifted_turned = correlate.lifting_correlation(turned_photo[None, None], EDGE[None, None], "p6", "valid")[0, 0]
canvas, canvas_turned = plot.hexagonal_canvas(lifted, "p6", fill=0), plot.hexagonal_canvas(lifted_turned, "p6", fill=0)
checks.check("X6", "photograph: canvas((L_R f) ⋆ psi) vs L_R canvas(f ⋆ psi): the picture turns with the input",
             canvas_turned, action.transform_image(canvas, D6[1], group="p6"), "exact", "u = R", INT_WHY)


# %% [markdown]
# The figure: the photograph and its p6 picture (top), the photograph turned by 60
# degrees and its p6 picture (bottom). The bottom picture is the top one turned by 60
# degrees: every patch turned and moved one slot on, counter-clockwise. The check reads
# the rendered figure: the colour under the centre of cell x of the bottom picture must
# be the colour under the centre of cell R^-1 x of the top picture, for every cell of
# every patch.

# %%
top = int(np.percentile(np.abs(lifted), 99))  # strong contrast; the colour bar's arrows show the clipping
fig, axes = plt.subplots(2, 2, figsize=(15, 14.5), layout="constrained", width_ratios=(1, 1.9))
pictures = []
for row, (image, feature_map, label) in enumerate(((photo, lifted, "f"), (turned_photo, lifted_turned, "L$_R$ f"))):
    plot.plot_hexagonal_image(axes[row, 0], image, vmin=0, vmax=255, title=f"input {label}")
    pictures.append(plot.plot_hexagonal_group_function(axes[row, 1], feature_map, "p6", vmin=-top, vmax=top,
                                                       colorbar=False))
    axes[row, 1].set_title(f"{label} ⋆ ψ on p6" if row == 0 else f"({label}) ⋆ ψ on p6", pad=24)
fig.colorbar(pictures[0], ax=axes[:, 1], shrink=0.5, extend="both", label="response")
fig.suptitle("X6: turning the input by 60° turns the whole p6 picture by 60°\n"
             "(every patch turns and moves one slot on, counter-clockwise)")
size = canvas.shape[-1]
shown = rendered_cell_colours(fig, [(axes[0, 1], size), (axes[1, 1], size)])
on_patch = np.isfinite(plot.hexagonal_canvas(lifted, "p6"))[hexagon_mask(size)]  # the cells of the 6 patches
source = groups.act(groups.inverse(D6[1]), cells(size))  # R^-1 x for every cell x of the canvas
index = np.full((size, size), -1)
index[hexagon_mask(size)] = np.arange(hexagon_mask(size).sum())
checks.check("X6", "rendered pictures: colour at cell x of the bottom one vs at cell R^-1 x of the top one",
             shown[1][on_patch], shown[0][index[source[:, 0] + size // 2, source[:, 1] + size // 2]][on_patch],
             "exact", f"u = R, all {on_patch.sum()} patch cells", "8-bit colours read from the rendered picture")
figures.save(fig, "15_p6_feature_map.png")


# %% [markdown]
# ## Summary
#
# * X1: in the basis b1, b2 of the hexagonal lattice the 60-degree turn and the mirror
#   are the integer matrices R = [[0, -1], [1, 1]] and M = [[1, 1], [0, -1]]; in
#   Cartesian coordinates most of D6 is not. p6 and p6m are groups of 3 x 3 integer
#   matrices, exactly as p4 and p4m.
# * X2: an image is an odd n x n array in the coefficients, its frame the hexagon
#   max(|u|, |v|, |u + v|) <= n // 2, which every turn and mirror maps onto itself;
#   L_g f = f o g^-1 moves cells, and L_g L_h = L_gh. The periodic hexagon tiles the
#   plane and is symmetric under p6, but chiral: no circular mode for p6m.
# * X3, X4: the lifting and group correlations are the sums of tutorials 08 and 09, and
#   every line of their equivariance proofs holds exactly - for turns and mirrors on the
#   hexagonal frame, for shifts when nothing leaves the frame ("full") or on the periodic
#   hexagon.
# * X5: the fast path is the square grid's: turn the filter (now by 60 degrees, on its
#   hexagonal support), then one planar correlation of the axial arrays.
# * X6: drawn as 6 patches around a circle, a p6 feature map turns as a whole when the
#   input turns.
# * experiments/README.md trains a P6CNN and a P6M-CNN on rotated digits resampled onto
#   the hexagonal lattice, next to the square-grid networks.
#
# ## The tally
#
# Every check above printed its own line. The last cell counts them: run as a script it
# exits with status 1 if any failed; in a notebook it raises instead.

# %%
checks.finish()
