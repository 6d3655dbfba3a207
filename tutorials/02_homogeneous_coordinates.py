"""Tutorial 02 - Homogeneous coordinates and the groups T, p4, p4m as integer 3x3 matrices.

Claim: writing a pixel x = (u, v) as the column (u, v, 1) turns every translation into a
3x3 matrix and composing translations into multiplying matrices (G4). Quarter turns
join them in p4 (G5), and a mirror in p4m (G6); all entries are integers, so products
are exact. Every element is, in exactly one way, a translation times a turn or mirrored
turn about the origin (G7) - which is why a function on p4 can be stored as 4 images.

Checks: G4, G5, G6, G7. Run: python tutorials/02_homogeneous_coordinates.py, or open it as a notebook.
"""
IDS = ("G4", "G5", "G6", "G7")

# %%
import numpy as np

from groupconv import checks, groups

RNG = np.random.default_rng(checks.SEED)  # seeded: every run draws the same "random" data


def show(title, a):
    """Print a small integer array under a title, one row per line."""
    print(title)
    for row in np.asarray(a).astype(int):
        print("  " + " ".join(f"{x:3d}" for x in row))


def homogeneous(x):
    """(u, v) -> (u, v, 1), on the last axis."""
    x = np.asarray(x, dtype=np.int64)
    return np.concatenate([x, np.ones(x.shape[:-1] + (1,), dtype=np.int64)], axis=-1)


# %% [markdown]
# ## 1. Why a third coordinate? (G4)
#
# Pixels are pairs of integers x = (u, v): u counts rows down from the centre of the
# image, v counts columns to the right. A translation moves every pixel by the same
# offset: x -> x + (a, b). That is not a linear map - every 2x2 matrix A sends the origin
# to A.0 = 0, while a translation sends it to (a, b). The trick: append a constant 1,
#
#     [1 0 a]   [u]   [u + a]
#     [0 1 b] . [v] = [v + b]      t(a, b) = that matrix.
#     [0 0 1]   [1]   [  1  ]
#
# The 1 in the last slot picks up the last column, which is exactly the offset. A tiny
# case to check by hand first: t(2, -1) moves the pixel (3, 4) to (3 + 2, 4 - 1) = (5, 3).

# %%
t = groups.translation(2, -1)
show("t(2, -1) =", t)
moved = t @ homogeneous([3, 4])
print(f"t(2, -1) . (3, 4, 1) = {tuple(moved.tolist())}")
checks.check("G4", "t(2,-1) . (3,4,1) by matrix product vs (5,3,1) by hand", moved, np.array([5, 3, 1]), "exact",
             elements="t(2,-1)", why="integers")
print(f"It moves the origin to {tuple(groups.act(t, [0, 0]).tolist())}; "
      "a 2x2 matrix A cannot, since A.(0, 0) = (0, 0).")

# %% [markdown]
# The same on many pixels and many translations: the matrix product against plain
# addition of the offsets. Two translations in a row are the product of their matrices,
# and the offsets add: t(a1, b1) . t(a2, b2) = t(a1 + a2, b1 + b2). So T, the
# translations of the pixel grid, is the group (Z^2, +) written as matrices; in
# particular translations commute.

# %%
offsets = RNG.integers(-100, 101, size=(300, 2))
x = RNG.integers(-100, 101, size=(300, 2))
T = groups.translation(offsets[:, 0], offsets[:, 1])
by_matrix = np.einsum("nij,nj->ni", T, homogeneous(x))  # (t . x)_i = sum_j t_ij x_j
checks.check("G4", "t(a,b) . (u,v,1) vs (u+a, v+b, 1)", by_matrix, homogeneous(x + offsets), "exact",
             elements="300 random t and x, entries in [-100, 100]", why="integers")
a, b = offsets[:150], offsets[150:]
Ta, Tb = T[:150], T[150:]
checks.check("G4", "t(a1,b1) . t(a2,b2) vs t(a1+a2, b1+b2)", Ta @ Tb,
             groups.translation(a[:, 0] + b[:, 0], a[:, 1] + b[:, 1]), "exact", elements="150 random pairs",
             why="integers")
checks.check("G4", "translations commute: t1 . t2 vs t2 . t1", Ta @ Tb, Tb @ Ta, "exact",
             elements="the same 150 pairs", why="integers")

# %% [markdown]
# ## 2. Quarter turns: the group p4 (G5)
#
# Rotating about the origin is linear, so in homogeneous coordinates it is a 2x2 rotation
# block with the zero offset. p4 contains the four quarter turns R(r), r = 0, 1, 2, 3, the
# translations, and everything obtained by composing them. Every element can be written
#
#     g(r, u, v) = [[cos(r pi/2), -sin(r pi/2), u],
#                   [sin(r pi/2),  cos(r pi/2), v],
#                   [0,            0,           1]]  = t(u, v) . R(r):
#
# first turn by r quarter turns about the origin, then shift by (u, v).
#
# For quarter turns cos and sin are 0, 1 or -1. We take them from a table of integers;
# computing them with floating point would not give exact zeros (cos(pi/2) is about
# 6e-17, because pi/2 itself is not exactly representable), and truncating such values
# to integers is how subtle bugs start. The check below compares the table with NumPy's
# floating-point values: they agree only up to round-off.
#
# Direction: R(1) sends (u, v) = (1, 0), the pixel just *below* the centre, to (0, 1), the
# pixel to its *right*. On a screen (rows grow downwards) that is a counter-clockwise
# turn, the same direction as np.rot90.

# %%
QUARTER_COS = (1, 0, -1, 0)  # cos(r pi/2), r = 0..3, written out by hand
QUARTER_SIN = (0, 1, 0, -1)  # sin(r pi/2)

r = np.arange(4)
print(f"np.cos(pi/2) = {np.cos(np.pi / 2):.3g}, not 0")
checks.check("G5", "the integer table of cos, sin vs floating-point np.cos, np.sin",
             np.array([QUARTER_COS, QUARTER_SIN], dtype=float), np.array([np.cos(r * np.pi / 2), np.sin(r * np.pi / 2)]),
             "float", elements="r = 0, 1, 2, 3",
             why="pi/2 has no exact float, so np.cos(pi/2) is 6e-17, not 0: never round such values into a matrix")
show("R(1) =", groups.rotation(1))
print(f"R(1) moves (1, 0) to {tuple(groups.act(groups.rotation(1), [1, 0]).tolist())}: "
      "from below the centre to its right, counter-clockwise on screen")
checks.check("G5", "R(1) (1,0) vs (0,1), the pixel right of the centre", groups.act(groups.rotation(1), [1, 0]),
             np.array([0, 1]), "exact", elements="R(1)", why="integers")

# %% [markdown]
# Now every element: the matrix typed in entry by entry from the formula above, against
# the library's groups.p4_element, and against the product t(u, v) . R(r) of two
# matrices - which says that g(r, u, v) is "turn first, then shift".

# %%
def p4_from_formula(r, u, v):
    """The matrix of G5, entry by entry, from the hand-written tables above."""
    c, s = QUARTER_COS[r], QUARTER_SIN[r]
    return np.array([[c, -s, u], [s, c, v], [0, 0, 1]], dtype=np.int64)


p4_params = [(r, 0, 0) for r in range(4)]
p4_params += [(int(r), int(u), int(v)) for r, (u, v) in zip(RNG.integers(0, 4, 100), RNG.integers(-50, 51, (100, 2)))]
formula = np.stack([p4_from_formula(*p) for p in p4_params])
show("g(1, 2, -3), entry by entry from the formula:", p4_from_formula(1, 2, -3))
checks.check("G5", "the matrix of G5 entry by entry vs groups.p4_element(r, u, v)", formula,
             np.stack([groups.p4_element(*p) for p in p4_params]), "exact",
             elements="all 4 turns, 100 random (r, u, v), |u|, |v| <= 50", why="integers")
checks.check("G5", "g(r,u,v) vs t(u,v) . R(r): turn first, then shift", formula,
             np.stack([groups.translation(u, v) @ groups.rotation(r) for r, u, v in p4_params]), "exact",
             elements="the same 104 elements", why="integers")

# %% [markdown]
# ### The product rule
#
# A product of two elements of p4 is again in p4 (closure), and its parameters can be
# worked out by hand. Shifting by x2 and then turning is the same as turning first and
# then shifting by the turned offset: R(r1) t(x2) = t(R(r1) x2) R(r1). Hence
#
#     t(x1) R(r1) . t(x2) R(r2) = t(x1 + R(r1) x2) . R(r1 + r2):
#
#     g(r1, x1) . g(r2, x2) = g(r1 + r2 mod 4, x1 + R(r1) x2).
#
# Below, the rule is typed in with the cos/sin table, and compared with the parameters
# that groups.parameters reads back from the matrix product.

# %%
predicted, recovered = [], []
for (r1, u1, v1), (r2, u2, v2) in zip(p4_params[4:54], p4_params[54:104]):
    c, s = QUARTER_COS[r1], QUARTER_SIN[r1]
    predicted.append(((r1 + r2) % 4, u1 + c * u2 - s * v2, v1 + s * u2 + c * v2))
    product = groups.p4_element(r1, u1, v1) @ groups.p4_element(r2, u2, v2)
    recovered.append(tuple(int(p) for p in groups.parameters(product, "p4")))
print(f"for example g{p4_params[4]} . g{p4_params[54]} = g{recovered[0]}   (parameters (r, u, v))")
checks.check("G5", "parameters of the matrix product vs the product rule by hand", np.array(recovered),
             np.array(predicted), "exact", elements="50 random pairs of p4", why="integers")

# %% [markdown]
# A turn about any pixel c is in p4 too: shift c to the origin, turn, shift back,
# t(c) R(1) t(-c). It must leave c where it is.

# %%
c = np.array([3, -2])
about_c = groups.translation(*c) @ groups.rotation(1) @ groups.translation(*(-c))
print(f"the quarter turn about c = (3, -2) is {groups.name(about_c)}")
checks.check("G5", "t(c) R(1) t(-c) applied to c vs c: it is fixed", groups.act(about_c, c), c, "exact",
             elements=groups.name(about_c), why="integers")

# %% [markdown]
# ## 3. Adding the mirror: p4m (G6)
#
# The mirror M = diag(-1, 1) sends (u, v) to (-u, v): it flips the picture upside down
# (the row axis), like np.flip(f, axis=0). p4m contains p4 and M, and every element is
#
#     g(m, r, u, v) = [[(-1)^m cos(r pi/2), -(-1)^m sin(r pi/2), u],
#                      [        sin(r pi/2),          cos(r pi/2), v],
#                      [0, 0, 1]]  = t(u, v) . M^m . R(r),
#
# m = 0 or 1: turn, then mirror if m = 1, then shift. The elements with m = 0 are p4.
# Mirrors do not commute with turns: M R(r) = R(-r) M (turning counter-clockwise in the
# mirror looks clockwise).

# %%
def p4m_from_formula(m, r, u, v):
    """The matrix of G6, entry by entry."""
    c, s, sign = QUARTER_COS[r], QUARTER_SIN[r], (-1) ** m
    return np.array([[sign * c, -sign * s, u], [s, c, v], [0, 0, 1]], dtype=np.int64)


show("M =", groups.mirror(1))
x = RNG.integers(-20, 21, size=(100, 2))
checks.check("G6", "M (u, v) vs (-u, v)", groups.act(groups.mirror(1), x), np.stack([-x[:, 0], x[:, 1]], axis=1),
             "exact", elements="100 random pixels", why="integers")
p4m_params = [(m, r, 0, 0) for m in (0, 1) for r in range(4)]
p4m_params += [tuple(int(p) for p in q) for q in zip(RNG.integers(0, 2, 100), RNG.integers(0, 4, 100),
                                                      *RNG.integers(-50, 51, (2, 100)))]
formula = np.stack([p4m_from_formula(*p) for p in p4m_params])
checks.check("G6", "the matrix of G6 entry by entry vs groups.p4m_element(m, r, u, v)", formula,
             np.stack([groups.p4m_element(*p) for p in p4m_params]), "exact",
             elements="all 8 of D4, 100 random (m, r, u, v)", why="integers")
checks.check("G6", "g(m,r,u,v) vs t(u,v) . M^m . R(r)", formula,
             np.stack([groups.translation(u, v) @ groups.mirror(m) @ groups.rotation(r) for m, r, u, v in p4m_params]),
             "exact", elements="the same 108 elements", why="integers")
checks.check("G6", "the mirror reverses turns: M R(r) vs R(-r) M",
             np.stack([groups.mirror(1) @ groups.rotation(r) for r in range(4)]),
             np.stack([groups.rotation((-r) % 4) @ groups.mirror(1) for r in range(4)]), "exact",
             elements="r = 0, 1, 2, 3", why="integers")

# %% [markdown]
# The product rule of p4m picks up a sign from M R(r) = R(-r) M: moving M^m2 to the left
# past R(r1) turns r1 into (-1)^m2 r1, so
#
#     g(m1, r1, x1) . g(m2, r2, x2) = g(m1 + m2 mod 2,  (-1)^m2 r1 + r2 mod 4,  x1 + M^m1 R(r1) x2).

# %%
predicted, recovered = [], []
for (m1, r1, u1, v1), (m2, r2, u2, v2) in zip(p4m_params[8:58], p4m_params[58:108]):
    c, s, sign = QUARTER_COS[r1], QUARTER_SIN[r1], (-1) ** m1
    predicted.append(((m1 + m2) % 2, ((-1) ** m2 * r1 + r2) % 4, u1 + sign * (c * u2 - s * v2), v1 + s * u2 + c * v2))
    product = groups.p4m_element(m1, r1, u1, v1) @ groups.p4m_element(m2, r2, u2, v2)
    recovered.append(tuple(int(p) for p in groups.parameters(product, "p4m")))
print(f"for example g{p4m_params[8]} . g{p4m_params[58]} = g{recovered[0]}   (parameters (m, r, u, v))")
checks.check("G6", "parameters of the matrix product vs the product rule by hand", np.array(recovered),
             np.array(predicted), "exact", elements="50 random pairs of p4m", why="integers")

# %% [markdown]
# ## 4. Translation times point group (G7)
#
# The elements that keep the origin where it is form the **point group** H: C4 (the four
# turns) in p4, D4 (turns and mirrored turns) in p4m. Every g factors as
#
#     g = t . s,   t a translation, s in H,
#
# and in only one way: s fixes the origin, so g sends the origin exactly where t does,
# which pins t down as t = t(g(0)); then s = t^-1 g. We build 320 elements g = t . s from
# 40 random translations and the 8 elements of D4, factor each by this argument, and
# check that s lands in D4 and that the factors are the ones g was built from.
#
# In the matrix the two factors can be read off directly: t is the translation by the
# last column of g (that column is g(0)), and s is g with its last column set to zero -
# the 2x2 block. That is how groupconv stores a function on G (below).

# %%
D4 = groups.point_group("p4m")
offsets = RNG.integers(-30, 31, size=(40, 2))
T = groups.translation(offsets[:, 0], offsets[:, 1])
g = (T[:, None] @ D4[None]).reshape(-1, 3, 3)  # every s of D4 with 40 translations: 320 elements
# Factor by the argument above: t = t(g(0)), s = t^-1 g.
origin_image = groups.act(g, [0, 0])
t = groups.translation(origin_image[:, 0], origin_image[:, 1])
s = groups.inverse(t) @ g
example = groups.p4m_element(1, 1, 2, -1)
show(f"for example g = {groups.name(example)} =", example)
t_ex = groups.translation(*groups.act(example, [0, 0]))
print(f"g(0) = {tuple(groups.act(example, [0, 0]).tolist())}, so t = {groups.name(t_ex)} "
      f"and s = t^-1 g = {groups.name(groups.inverse(t_ex) @ example)}")
checks.check("G7", "s = t(g(0))^-1 g is one of the 8 elements of D4 (matches counted)",
             np.all(s[:, None] == D4[None], axis=(-2, -1)).sum(1), np.ones(len(g), dtype=np.int64), "exact",
             elements="all of D4 x 40 random t", why="integer matrices compared with ==")
checks.check("G7", "uniqueness: the factors found vs the t and s g was built from",
             np.stack([t, s]), np.stack([np.repeat(T, 8, axis=0), np.tile(D4, (40, 1, 1))]), "exact",
             elements="the same 320 elements", why="integers")
block = g.copy()
block[:, :2, 2] = 0  # s read off the matrix: the 2x2 block, zero offset
checks.check("G7", "factors read off the matrix (last column, 2x2 block) vs t(g(0)), t^-1 g",
             np.stack([groups.translation(g[:, 0, 2], g[:, 1, 2]), block]), np.stack([t, s]), "exact",
             elements="the same 320 elements", why="integers")
split_t, split_s = groups.split(g)
checks.check("G7", "groups.split(g) vs the factorisation by hand", np.stack([split_t, split_s]), np.stack([t, s]),
             "exact", elements="the same 320 elements", why="integers")

# %% [markdown]
# ### Which part is a normal subgroup?
#
# * H is a **subgroup**: products and inverses of origin-fixing motions fix the origin
#   (zero translation part).
# * T is a **normal** subgroup: conjugating a translation by any element gives a
#   translation again, s t(a, b) s^-1 = t(s(a, b)), a shift by the turned offset.
# * H is **not** normal: t s t^-1 is a turn about another point, not about 0.
#
# This asymmetry is why the translations can be split off as the pixel grid, with the
# point group as a separate, small axis.

# %%
products = (D4[:, None] @ D4[None]).reshape(-1, 3, 3)
checks.check("G7", "H = D4 is a subgroup: translation part of products and inverses vs 0",
             np.concatenate([products, groups.inverse(D4)])[:, :2, 2], np.zeros((72, 2), dtype=np.int64), "exact",
             elements="all 64 products and 8 inverses of D4", why="integers")
conj = D4[:, None] @ T[None] @ groups.inverse(D4)[:, None]
turned = groups.act(D4[:, None], offsets[None])
checks.check("G7", "T is normal: s t(a,b) s^-1 vs t(s(a,b))", conj, groups.translation(turned[..., 0], turned[..., 1]),
             "exact", elements="all of D4 x 40 random t", why="integers")
a_few = groups.random_elements("p4m", 40, RNG, max_shift=30)
conj = a_few[:, None] @ T[None] @ groups.inverse(a_few)[:, None]
checks.check("G7", "T is normal in p4m: linear part of g t g^-1 vs the identity",
             conj[..., :2, :2], np.broadcast_to(np.eye(2, dtype=np.int64), conj.shape[:-2] + (2, 2)), "exact",
             elements="40 random g of p4m x 40 random t", why="integers")
t1, r1 = groups.translation(1, 0), groups.rotation(1)
print(f"but t(1,0) R(1) t(1,0)^-1 = {groups.name(t1 @ r1 @ groups.inverse(t1))}: "
      "a quarter turn about the pixel (1, 0), not about the origin")
checks.check("G7", "H is not normal: translation part of t(1,0) R(1) t(-1,0) vs 0",
             (t1 @ r1 @ groups.inverse(t1))[:2, 2], np.zeros(2, dtype=np.int64), "nonzero",
             elements="t(1,0), R(1)", why="it turns about (1, 0), so the origin moves")

# %% [markdown]
# ### One array slot per group element
#
# The factorisation is what makes G-CNN feature maps arrays: a function on p4m is stored
# as 8 planes (one per s) over the pixel grid (one pixel x per translation t(x)), "plane s
# at pixel x holds f(t(x) . s)". Each element of G must get exactly one slot: on a 3x3
# frame, the 8 x 9 elements t(x) . s must all be different.

# %%
u, v = np.meshgrid(np.arange(-1, 2), np.arange(-1, 2), indexing="ij")
slots = groups.translation(u.ravel(), v.ravel())[None] @ D4[:, None]  # (8, 9, 3, 3): t(x) . s
distinct = len({m.tobytes() for m in slots.reshape(-1, 3, 3)})
print(f"8 planes x 9 pixels = 72 slots, holding {distinct} distinct elements")
checks.check("G7", "number of distinct t(x) . s vs 72 slots", np.array(distinct), np.array(72), "exact",
             elements="x on a 3x3 frame, s in D4", why="a count")

# %% [markdown]
# ## The tally
#
# Every check above printed its own line. The last cell counts them: run as a script it
# exits with status 1 if any failed (so `tutorials/run_all.py` and CI notice); in a
# notebook it raises instead.

# %%
checks.finish()
