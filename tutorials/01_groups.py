"""Tutorial 01 - Symmetries form groups.

Claim: a symmetry is a transformation that leaves some property unchanged (S1); the
symmetries of a property can be composed and undone and stay symmetries (S2); that
structure is exactly a group: closure, associativity, identity, inverses (G1). The
inverse of a product reverses the order, (ab)^-1 = b^-1 a^-1 (G2), and the invertible
n x n matrices are the example to keep in mind (G3).

Checks: S1, S2, G1, G2, G3. Run: python tutorials/01_groups.py, or open it as a notebook.
"""
IDS = ("S1", "S2", "G1", "G2", "G3")

# %%
from itertools import product

import numpy as np

from groupconv import action, checks, groups, images
from groupconv.lookup import frame, value_at

RNG = np.random.default_rng(checks.SEED)  # seeded: every run draws the same "random" data


def show(title, a):
    """Print a small integer array under a title, one row per line."""
    print(f"{title}")
    for row in np.asarray(a).astype(int):
        print("  " + " ".join(f"{x:3d}" for x in row))


# %% [markdown]
# ## 1. What is a symmetry? (S1)
#
# Fix a *property* y of the things we look at. For image classification the things are
# images and y(f) is the class of image f: "cat" stays "cat" when the photo is turned.
# A transformation g is a **symmetry of y** when it never changes y:
#
#     y(g(x)) = y(x)   for every x.
#
# A class label is hard to compute, so we use a property a reader can evaluate by hand:
# the **histogram** of an image, how often each pixel value occurs. Turning or mirroring
# a square image only moves pixels around, so every value occurs as often as before:
# quarter turns and mirrors are symmetries of the histogram. Adding 1 to every pixel is
# also a bijection of image space, but it changes the histogram: it is not a symmetry.
#
# Below, "turning image f by g" is written L_g f and computed by groupconv.action; why
# it is defined the way it is comes in tutorial 03. Here we only need that it moves
# pixels without changing their values.

# %%
def histogram(f, values=range(-3, 10)):
    """y(f): how many pixels of the integer image f take each value in `values`."""
    f = np.asarray(f)
    return np.array([(f == value).sum() for value in values])


def sorted_values(f):
    """y(f) for a real-valued image: its pixel values in increasing order (the histogram, losslessly)."""
    return np.sort(np.asarray(f).ravel())


f = np.arange(9).reshape(3, 3)
quarter_turn = groups.rotation(1)
turned = action.transform_image(f, quarter_turn)
show("f, a 3x3 image:", f)
show("L_R(1) f, the image turned a quarter turn counter-clockwise:", turned)
print("Same nine numbers, new places: the histogram cannot change.")
print(f"y(f)        = {histogram(f)}   (counts of the values -3..9)")
print(f"y(L_R(1) f) = {histogram(turned)}")
checks.check("S1", "histogram of a 3x3 image before and after a quarter turn",
             histogram(turned), histogram(f), "exact", elements="R(1)",
             why="counts of integers")

# Every element of the point group D4 (4 turns, 4 mirrored turns), on random images.
D4 = groups.point_group("p4m")
names = [groups.name(s) for s in D4]
f = images.integer_image((7, 7), RNG)
lhs = np.stack([histogram(action.transform_image(f, s)) for s in D4])
rhs = np.stack([histogram(f)] * len(D4))
checks.check("S1", "histogram of a random 7x7 integer image, for every turn and mirror", lhs, rhs, "exact",
             elements=", ".join(names), why="counts of integers")

# The photograph: real values, property = the sorted list of its values.
photo = images.photograph()
lhs = np.stack([sorted_values(action.transform_image(photo, s)) for s in D4])
rhs = np.stack([sorted_values(photo)] * len(D4))
checks.check("S1", "sorted pixel values of the photograph (129x129), for every turn and mirror", lhs, rhs,
             "exact", elements=", ".join(names),
             why="the same float values are only rearranged; no arithmetic is done")

# Translations on a torus (content leaving one side re-enters at the other) move pixels too.
shifts = [groups.translation(u, v) for u, v in [(1, 0), (0, 5), (-7, 3), (40, -64)]]
lhs = np.stack([sorted_values(action.transform_image(photo, t, boundary="wrap")) for t in shifts])
checks.check("S1", "sorted pixel values of the photograph under wrap-around translations", lhs,
             np.stack([sorted_values(photo)] * len(shifts)), "exact",
             elements=", ".join(groups.name(t, "T") for t in shifts), why="values only rearranged")

# Two transformations that are NOT symmetries of the histogram.
checks.check("S1", "NOT a symmetry: adding 1 to every pixel changes the histogram",
             histogram(f + 1), histogram(f), "nonzero", elements="f -> f + 1",
             why="every value moves to the next bin")
cropped = action.transform_image(photo, groups.translation(0, 20), boundary="zero")
checks.check("S1", "NOT a symmetry: a translation that pushes 20 columns out of the frame",
             sorted_values(cropped), sorted_values(photo), "nonzero", elements="t(0,20), zero boundary",
             why="20 columns of the photograph are lost and replaced by zeros (tutorial 05)")


# %% [markdown]
# ### Symmetries of a single picture
#
# The definition S1 works for any kind of thing x. Let the things be **pixels** x, and
# the property be the image itself, y = f. Then g (now a motion of the pixel grid) is a
# symmetry of f when f(g(x)) = f(x) at every pixel x - the picture looks the same after
# the motion. We find the symmetries of a small pinwheel among the 8 turns and mirrors
# of D4 by testing that definition literally: move every pixel coordinate with the 3x3
# matrix of g and read f there. Two small helpers, shared by the tutorials
# (groupconv/lookup.py): frame(n) lists the pixel coordinates (u, v) of an odd n x n
# frame, measured from the centre pixel, and value_at(f, x) reads f at the points x.

# %%


def pinwheel():
    """A 5x5 pattern with four-fold rotational symmetry but no mirror symmetry."""
    arm = np.zeros((5, 5), dtype=np.int64)
    arm[0, 2] = arm[0, 3] = 1  # a bent arm at the top: turning it is fine, mirroring is not
    arm[1, 2] = 2
    f = sum(np.rot90(arm, r) for r in range(4))
    f[2, 2] = 5
    return f


f = pinwheel()
show("a pinwheel f:", f)
x = frame(5)
D4 = groups.point_group("p4m")
is_symmetry = [np.array_equal(value_at(f, groups.act(s, x)), f) for s in D4]
sym = [s for s, ok in zip(D4, is_symmetry) if ok]
print("f(g(x)) == f(x) at every pixel for: " + ", ".join(groups.name(s) for s in sym))
print("and fails for:                 "
      + ", ".join(groups.name(s) for s, ok in zip(D4, is_symmetry) if not ok))
lhs = np.stack([value_at(f, groups.act(s, x)) for s in sym])
checks.check("S1", "f(g x) = f(x) at all 25 pixels of the pinwheel", lhs, np.stack([f] * len(sym)), "exact",
             elements=", ".join(groups.name(s) for s in sym), why="integer values looked up, no arithmetic")
checks.check("S1", "NOT a symmetry of the pinwheel: the mirror M", value_at(f, groups.act(groups.mirror(1), x)),
             f, "nonzero", elements="M", why="the arms bend the other way after mirroring")

# S2: products and inverses of symmetries are symmetries (exhaustively over the pairs found).
pairs = list(product(sym, repeat=2))
composed = np.stack([value_at(f, groups.act(a @ b, x)) for a, b in pairs])
checks.check("S2", "f((a b)(x)) = f(x) for every pair a, b of symmetries of the pinwheel", composed,
             np.stack([f] * len(pairs)), "exact", elements=f"all {len(pairs)} pairs of " + ", ".join(groups.name(s) for s in sym),
             why="integer lookups")
undone = np.stack([value_at(f, groups.act(groups.inverse(a), x)) for a in sym])
checks.check("S2", "f(a^-1(x)) = f(x) for every symmetry a of the pinwheel", undone,
             np.stack([f] * len(sym)), "exact", elements="inverses of " + ", ".join(groups.name(s) for s in sym),
             why="integer lookups")

# S2 for the histogram property: a turn followed by a wrap-around shift, and its inverse.
photo = images.photograph()
g, h = groups.rotation(1), groups.translation(11, -4)
twice = action.transform_image(action.transform_image(photo, h, "wrap"), g, "wrap")
checks.check("S2", "the composite of two symmetries (shift, then turn) keeps the photograph's histogram",
             sorted_values(twice), sorted_values(photo), "exact", elements="R(1) after t(11,-4)",
             why="values only rearranged")
back = action.transform_image(photo, groups.inverse(g @ h), "wrap")
checks.check("S2", "the inverse of that composite keeps it too", sorted_values(back), sorted_values(photo),
             "exact", elements=f"({groups.name(g @ h)})^-1 = {groups.name(groups.inverse(g @ h))}",
             why="values only rearranged")


# %% [markdown]
# ## 2. Groups (G1)
#
# Collect all the symmetries of a property and compose them as functions ("first h,
# then g" is written g h). What S2 showed is that this set is closed, and every member
# can be undone. Together with two facts that hold for any functions - composing is
# associative, and "do nothing" is a symmetry - this makes a **group**:
#
#   * closure:       a b is in G for all a, b in G
#   * associativity: a (b c) = (a b) c
#   * identity:      there is e with a e = e a = a
#   * inverses:      every a has a^-1 with a a^-1 = a^-1 a = e
#
# groupconv stores every element as an integer 3x3 matrix (tutorial 02 explains the
# third row and column), so composition is the matrix product and equality is `==`.
# The groups of this package are C4 (the 4 quarter turns about the origin), D4 (C4 and
# the 4 mirrored turns), T (translations of the pixel grid), p4 (turns and translations)
# and p4m (everything). The small ones we check exhaustively - every pair, every triple;
# the infinite ones on seeded random samples.
#
# A tiny example first: the Cayley table of C4, "row times column", computed by
# multiplying matrices and naming the result.

# %%
def cayley(group):
    """Names of H[i] . H[j] for the point group of `group`, computed by matrix products."""
    H = groups.point_group(group)
    return [[groups.name(a @ b) for b in H] for a in H]


def axioms_exhaustive(group):
    H = groups.point_group(group)
    n = len(H)
    names = ", ".join(groups.name(s) for s in H)
    label = {"p4": "C4", "p4m": "D4"}[group]
    # closure: every product equals exactly one element of H
    products = H[:, None] @ H[None, :]  # (n, n, 3, 3)
    hits = np.all(products[:, :, None] == H[None, None], axis=(-2, -1)).sum(-1)
    checks.check("G1", f"closure on {label}: each of the {n * n} products is exactly one element of {label}",
                 hits, np.ones((n, n), dtype=hits.dtype), "exact", elements=f"all pairs of {names}",
                 why="integer matrices compared with ==")
    # associativity over all triples
    a, b, c = H[:, None, None], H[None, :, None], H[None, None, :]
    checks.check("G1", f"associativity on {label}: (a b) c = a (b c)", (a @ b) @ c, a @ (b @ c), "exact",
                 elements=f"all {n ** 3} triples", why="integer matrix products")
    e = groups.identity()
    checks.check("G1", f"identity on {label}: e a = a e = a", np.stack([e @ H, H @ e]), np.stack([H, H]), "exact",
                 elements=f"every a in {label}", why="integer matrix products")
    # inverses: search each a's partner in H by the defining equation, not by a formula
    partners = np.array([[np.array_equal(x @ y, e) and np.array_equal(y @ x, e) for y in H] for x in H])
    checks.check("G1", f"inverses on {label}: each a has exactly one b in {label} with a b = b a = e",
                 partners.sum(1), np.ones(n, dtype=np.int64), "exact", elements=f"every a in {label}",
                 why="integer matrices compared with ==")


def axioms_sampled(group, n=200):
    g = groups.random_elements(group, 3 * n, RNG, max_shift=50)
    a, b, c = g[:n], g[n:2 * n], g[2 * n:]
    what = f"{n} random elements of {group} (shifts up to 50)"
    checks.check("G1", f"closure on {group}: every product a b is in {group}",
                 groups.is_member(a @ b, group).astype(int), np.ones(n, dtype=int), "exact", elements=what,
                 why="membership is decided on integer matrices")
    checks.check("G1", f"associativity on {group}", (a @ b) @ c, a @ (b @ c), "exact", elements=what,
                 why="integer matrix products")
    e = groups.identity()
    checks.check("G1", f"identity on {group}: e a = a e = a", np.stack([e @ a, a @ e]), np.stack([a, a]), "exact",
                 elements=what, why="integer matrix products")
    a_inv = groups.inverse(a)
    checks.check("G1", f"inverses on {group}: a a^-1 = a^-1 a = e",
                 np.stack([a @ a_inv, a_inv @ a]), np.broadcast_to(e, (2, n, 3, 3)), "exact", elements=what,
                 why="the inverse of an integer rigid motion is integer (transpose of the turn)")
    checks.check("G1", f"inverses on {group}: each a^-1 is a member of {group}",
                 groups.is_member(a_inv, group).astype(int), np.ones(n, dtype=int), "exact", elements=what,
                 why="integer matrices")


print("Cayley table of C4 (row element . column element):")
for row in cayley("p4"):
    print("  " + "  ".join(f"{x:<5}" for x in row))
print("For example R(1).R(3) = R(0): three quarter turns and one more are a full turn.")
axioms_exhaustive("p4")
axioms_exhaustive("p4m")
for group in ("T", "p4", "p4m"):
    axioms_sampled(group)
D4 = groups.point_group("p4m")
commute = np.all(D4[:, None] @ D4[None] == D4[None] @ D4[:, None], axis=(-2, -1))
print(f"D4 is not commutative: {np.sum(~commute)} of its 64 ordered pairs have a b != b a,"
      " e.g. R(1).M != M.R(1). This is why the order of products matters below.")


# %% [markdown]
# ## 3. The inverse of a product (G2)
#
# To undo "first b, then a" you undo a first, then b - like taking off shoes and socks:
#
#     (a b)^-1 = b^-1 a^-1.
#
# Proof: (a b)(b^-1 a^-1) = a (b b^-1) a^-1 = a a^-1 = e. The paper uses this identity
# in its equivariance proof (its eq. 12, our L5). Writing the factors in the same order,
# a^-1 b^-1, is wrong as soon as a and b do not commute - we print a counterexample.

# %%
a, b = groups.rotation(1), groups.mirror(1)
print(f"a = R(1), b = M:  (a b)^-1 = {groups.name(groups.inverse(a @ b))},  "
      f"b^-1 a^-1 = {groups.name(groups.inverse(b) @ groups.inverse(a))},  "
      f"a^-1 b^-1 = {groups.name(groups.inverse(a) @ groups.inverse(b))}")
D4 = groups.point_group("p4m")
A, B = D4[:, None], D4[None, :]
checks.check("G2", "(a b)^-1 = b^-1 a^-1 for every pair of D4", groups.inverse(A @ B),
             groups.inverse(B) @ groups.inverse(A), "exact", elements="all 64 pairs of D4",
             why="integer matrices")
g = groups.random_elements("p4m", 400, RNG, max_shift=50)
A, B = g[:200], g[200:]
checks.check("G2", "(a b)^-1 = b^-1 a^-1 on p4m", groups.inverse(A @ B), groups.inverse(B) @ groups.inverse(A),
             "exact", elements="200 random pairs of p4m (shifts up to 50)", why="integer matrices")
# Q D with Q a random orthogonal matrix (QR of a Gaussian matrix) and D = diag of numbers in [1, 2]:
# invertible, and with condition number at most 2 so that inverting loses little accuracy.
Q = np.linalg.qr(RNG.normal(size=(2, 100, 5, 5)))[0]
X, Y = Q * RNG.uniform(1, 2, size=(2, 100, 1, 5))
checks.check("G2", "(a b)^-1 = b^-1 a^-1 for random real 5x5 matrices", np.linalg.inv(X @ Y),
             np.linalg.inv(Y) @ np.linalg.inv(X), "float", elements="100 random pairs of 5x5 matrices Q D (orthogonal times diagonal)",
             why="np.linalg.inv and the products round in floating point")
checks.check("G2", "counterexample: (a b)^-1 != a^-1 b^-1 for a = R(1), b = M", groups.inverse(a @ b),
             groups.inverse(a) @ groups.inverse(b), "nonzero", elements="R(1), M",
             why="R(1) and M do not commute")


# %% [markdown]
# ## 4. The invertible matrices (G3)
#
# The example to keep in mind: all invertible n x n real matrices, with the matrix
# product. Closure holds because det(A B) = det(A) det(B) is non-zero when both factors
# are; associativity is a property of the matrix product; the identity matrix I is the
# identity; and invertible means exactly that A^-1 exists. Our groups T, p4, p4m are
# subgroups of the invertible 3x3 matrices. With real entries the products and inverses
# round, so these checks allow float round-off - except the identity: multiplying by 1
# and adding exact zeros rounds nothing.

# %%
A, B, C = RNG.normal(size=(3, 100, 4, 4))
I = np.eye(4)
print(f"smallest |det| among the 300 random 4x4 matrices: {np.abs(np.linalg.det(np.stack([A, B, C]))).min():.3g}"
      " (non-zero: all invertible)")
AB = A @ B
# Closure is the statement det(A B) = det(A) det(B): a product of two non-zero numbers is non-zero.
checks.check("G3", "closure: det(A B) = det(A) det(B)", np.linalg.det(AB),
             np.linalg.det(A) * np.linalg.det(B), "float", elements="100 random pairs", why="LU factorisation rounds")
checks.check("G3", "closure: so every product is invertible, min |det(A B)| > 0",
             np.array(np.abs(np.linalg.det(AB)).min()), np.array(0.0), "nonzero", elements="the same 100 pairs",
             why="clearly above round-off: a product of two invertible matrices is invertible")
# And the inverse of A B is built from the factors' inverses (G2), not found by inverting A B itself.
AB_inv = np.linalg.inv(B) @ np.linalg.inv(A)
checks.check("G3", "closure: B^-1 A^-1 is a two-sided inverse of A B",
             np.stack([AB @ AB_inv, AB_inv @ AB]), np.broadcast_to(I, (2,) + AB.shape), "float",
             elements="the same 100 pairs", why="products and inverses round")
checks.check("G3", "associativity: (A B) C = A (B C)", (A @ B) @ C, A @ (B @ C), "float",
             elements="100 random triples", why="the two products sum in different orders")
checks.check("G3", "identity: I A = A I = A", np.stack([I @ A, A @ I]), np.stack([A, A]), "exact",
             elements="100 random matrices", why="multiplying by 1 and adding 0.0 is exact")
A_inv = np.linalg.inv(A)
checks.check("G3", "inverses: A A^-1 = A^-1 A = I", np.stack([A @ A_inv, A_inv @ A]),
             np.broadcast_to(I, (2,) + A.shape), "float", elements="100 random matrices", why="matrix inverse rounds")
checks.check("G3", "the group is not commutative: A B != B A", A @ B, B @ A, "nonzero",
             elements="100 random pairs", why="generic matrices do not commute")
singular = np.array([[1.0, 2.0], [2.0, 4.0]])
print(f"Not a member: [[1, 2], [2, 4]] has det = {np.linalg.det(singular):.1f}; "
      "it squashes the plane onto a line and cannot be undone.")


# %% [markdown]
# ## The tally
#
# Every check above printed its own line. The last cell counts them: run as a script it
# exits with status 1 if any failed (so `tutorials/run_all.py` and CI notice); in a
# notebook it raises instead.

# %%
checks.finish()
