"""The groups of groupconv, all in one table, as exact integer 3x3 matrices (docs/equations.md G1-G7, X1).

Coordinates (fixed once for the whole package; README "Conventions"):
    a pixel is x = (u, v): u is the row offset and v the column offset from the
    centre of the array, and in homogeneous coordinates the column (u, v, 1)^T.

Elements (paper section 4; docs/equations.md G4-G6):
    T    t(u, v)       = [[1, 0, u], [0, 1, v], [0, 0, 1]]
    p4   g(r, u, v)    = t(u, v) . R(r)
    p4m  g(m, r, u, v) = t(u, v) . M^m . R(r)
    with R(r) = R^r the rotation by r quarter turns, [[cos, -sin], [sin, cos]] of r*pi/2,
    and M = diag(-1, 1) the mirror (u, v) -> (-u, v).
    p6   g(r, u, v)    = t(u, v) . R^r,          r = 0 .. 5
    p6m  g(m, r, u, v) = t(u, v) . M^m . R^r
    on the hexagonal lattice, in its own basis b1, b2 (lattices.py): there the turn by
    60 degrees is the integer matrix R = [[0, -1], [1, 1]] (b1 -> b2, b2 -> b2 - b1) and
    the mirror M = [[1, 1], [0, -1]] (b1 -> b1, b2 -> b1 - b2). In Cartesian coordinates
    a 60-degree turn has entries 1/2 and sqrt(3)/2: no integer matrix does it there.

THE TABLE. Every group is one entry of GROUPS (at the end of the definitions below),
a `Group` holding only what defines it:
    name      "p4"
    lattice   the pixel grid its images live on ("square"; see action.py)
    turn      R, its smallest turn, as a 2x2 integer matrix acting on (u, v) (None for T)
    turns     the order of R: the turns are R(r) = R^r for r = 0 .. turns - 1
    mirror    M as a 2x2 integer matrix, or None
    layouts   how plot.py arranges the |H| planes of a feature map: {name: (grid, p0)} on
              the square grid; on the hexagonal grid {"ring": direction of p0} (plot.py)
Everything else is derived from the entry: the point group H (the elements fixing the
origin) in canonical order, M^m . R^r at index m * turns + r (the order of GrouPy, the
paper authors' code: r for p4, 4m + r for p4m; every array axis "over H" uses it); its
order |H|; the parameters (u, v), (r, u, v) or (m, r, u, v); membership; inverses;
names; random elements. Adding a group is adding an entry.

Every matrix is built from these integer tables, never by rounding floating-point
trigonometry, and stored as int64; elements are compared with ``==``. A product g . h
means "first h, then g" (matrix product acting on columns).

Validation happens once. The public functions below accept a group as its name or as
its Group entry (`get` turns either into the entry) and check elements as they come in;
the rest of the package passes the checked entry and the checked int64 arrays inward,
and inner code does not check them again.

Functions that take elements accept arrays of them, shape (..., 3, 3), and work
elementwise (name() alone describes a single element).
"""
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from . import limits

INT64_SAFE = 2**60
"""Translations (and pixel coordinates) of at most this size in absolute value keep every computation in int64.

A linear part has entries -1, 0 or 1, so a row of A t adds at most two such numbers:
|A t + t'| <= 3 * 2**60 < 2**63. The inverse's translation -A^-1 t is at most 2 * 2**60
(on the hexagonal lattice a row of A^-1 has two non-zero entries), and in half pixels
(in_half_pixels, the literal action) twice that, 2**62: still exact.
"""


# ---------------------------------------------------------------- checking arrays

def _as_int64(a, what):
    """a as an int64 array: integer dtypes as they are, real floats only if they hold whole numbers.

    Booleans, complex numbers, strings and objects raise TypeError; NaN, infinities,
    fractions and values outside int64's range raise ValueError (a cast would silently
    wrap them to some other integer). Masked arrays raise TypeError (limits.plain_array).
    """
    a = limits.plain_array(a, what)
    if a.dtype == bool or a.dtype.kind not in "iuf":
        raise TypeError(f"{what} must be numeric with integer values (int, or float holding whole numbers), "
                        f"got dtype {a.dtype}")
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
            raise ValueError(f"{what} must hold whole numbers, got {a!r}")
        if np.any(np.abs(a) >= 2.0**63):
            raise ValueError(f"{what} must fit in int64, got {a!r}")
    elif a.dtype.kind == "u" and a.size and int(a.max()) > np.iinfo(np.int64).max:  # exact (Python int)
        raise ValueError(f"{what} must fit in int64, got {a!r}")
    return a.astype(np.int64)


def _as_int_params(*params, names):
    """Integer arrays broadcast together; floats with integer values are accepted."""
    arrays = [_as_int64(p, name) for p, name in zip(params, names)]
    try:
        return np.broadcast_arrays(*arrays)
    except ValueError:
        shapes = ", ".join(f"{name} {a.shape}" for name, a in zip(names, arrays))
        raise ValueError(f"the parameters must have shapes that broadcast together, got {shapes}") from None


def as_element(g):
    """Return g as an int64 array of shape (..., 3, 3), checking shape and dtype (not membership).

    Integer matrices pass as they are; real float matrices only if every entry is a whole
    number (ValueError otherwise, e.g. for NaN); booleans, complex numbers and
    non-numeric arrays raise TypeError.
    """
    a = limits.plain_array(g, "a group element")
    if a.ndim < 2 or a.shape[-2:] != (3, 3):
        raise ValueError(f"a group element is a 3x3 matrix (array of shape (..., 3, 3)), got shape {a.shape}")
    return _as_int64(a, "a group element (a 3x3 matrix)")


def _check_fits(g, what):
    """Raise ValueError if a translation entry is too large for products and inverses to stay exact in int64."""
    t = g[..., :2, 2]
    too_large = (t > INT64_SAFE) | (t < -INT64_SAFE)  # not np.abs: abs(-2**63) wraps round to -2**63
    if too_large.any():
        raise ValueError(f"{what}: translations must be at most 2**60 in absolute value, so that products "
                         f"and inverses stay exact in int64; got an entry {int(t[too_large][0])}")


# ---------------------------------------------------------------- the table

@dataclass(frozen=True, eq=False)
class Group:
    """One entry of the group table: a wallpaper group g = t(u, v) . M^m . R^r given by its generators.

    The fields define the group (see the module header); the properties are derived.
    """
    name: str
    lattice: str
    turn: tuple  # R as ((a, b), (c, d)), or None
    turns: int
    mirror: tuple = None  # M as ((a, b), (c, d)), or None
    layouts: dict = field(default_factory=dict)

    def __repr__(self):
        return f"Group({self.name!r})"

    @cached_property
    def point_group(self):
        """H as an array (|H|, 3, 3), read-only: M^m . R^r at index m * turns + r."""
        turn = np.eye(2, dtype=np.int64) if self.turn is None else np.array(self.turn, dtype=np.int64)
        mirrors = [np.eye(2, dtype=np.int64)]
        if self.mirror is not None:
            mirrors.append(np.array(self.mirror, dtype=np.int64))
        out = []
        for m in mirrors:
            power = np.eye(2, dtype=np.int64)
            for _ in range(self.turns):
                s = np.eye(3, dtype=np.int64)
                s[:2, :2] = m @ power
                out.append(s)
                power = turn @ power
        H = np.stack(out)
        H.setflags(write=False)
        return H

    @property
    def order(self):
        """|H|, the number of point-group elements."""
        return len(self.point_group)

    @property
    def parameter_names(self):
        """("u", "v"), ("r", "u", "v") or ("m", "r", "u", "v")."""
        return ("m", "r", "u", "v")[(self.mirror is None) + (self.turns == 1):]

    @cached_property
    def cayley(self):
        """cayley[i, j] = index of H[i] . H[j]: the multiplication table of H, read-only."""
        table = self.index_of(self.point_group[:, None] @ self.point_group[None, :])
        table.setflags(write=False)
        return table

    @cached_property
    def inverse_index(self):
        """inverse_index[i] = index of H[i]^-1, read-only."""
        index = np.argmax(self.cayley == 0, axis=1)
        index.setflags(write=False)
        return index

    def index_of(self, g):
        """Index in H of the linear part of each matrix g (..., 3, 3); -1 where it is not in H.

        Only the upper-left 2 x 2 block is read (the point-group part s of g = t . s, G7).
        """
        hit = np.all(g[..., None, :2, :2] == self.point_group[:, :2, :2], axis=(-2, -1))
        return np.where(hit.any(-1), hit.argmax(-1), -1)

    def params_of_index(self, index):
        """(m, r) of point-group element number `index` (= m * turns + r)."""
        return divmod(index, self.turns)


_QUARTER_TURN = ((0, -1), (1, 0))  # R(1): (u, v) -> (-v, u), counter-clockwise on screen (action.py)
_ROW_MIRROR = ((-1, 0), (0, 1))  # M: (u, v) -> (-u, v), flips the row axis
# On the hexagonal lattice (u, v) are the coefficients of b1 = (1, 0), b2 = (1/2, sqrt(3)/2) (lattices.py):
_SIXTH_TURN = ((0, -1), (1, 1))  # R: b1 -> b2, b2 -> b2 - b1, a 60-degree turn counter-clockwise
_HEX_MIRROR = ((1, 1), (0, -1))  # M: b1 -> b1, b2 -> b1 - b2, the mirror in the b1 axis

GROUPS = {group.name: group for group in (
    Group("T", "square", turn=None, turns=1),
    Group("p4", "square", turn=_QUARTER_TURN, turns=4,
          layouts={"orbit": (3, (-2, 0))}),
    Group("p4m", "square", turn=_QUARTER_TURN, turns=4, mirror=_ROW_MIRROR,
          layouts={"orbit": (4, (-3, -1)), "rings": (5, (-2, 0))}),
    Group("p6", "hexagonal", turn=_SIXTH_TURN, turns=6,
          layouts={"ring": (1, 0)}),
    Group("p6m", "hexagonal", turn=_SIXTH_TURN, turns=6, mirror=_HEX_MIRROR,
          layouts={"ring": (3, 1)}),
)}
"""The table: every group of the package by name, in the order groups are introduced."""

ROTATION_GROUPS = tuple(name for name, group in GROUPS.items() if group.order > 1)
"""The groups with a non-trivial point group: those a G-CNN layer lifts to ("p4", "p4m", "p6", "p6m")."""

SQUARE_GROUPS = tuple(name for name in ROTATION_GROUPS if GROUPS[name].lattice == "square")
HEXAGONAL_GROUPS = tuple(name for name in ROTATION_GROUPS if GROUPS[name].lattice == "hexagonal")


def get(group):
    """The table entry of `group`, given by name ("p4") or as a Group; ValueError for an unknown name."""
    if isinstance(group, Group):
        return group
    if isinstance(group, str) and group in GROUPS:
        return GROUPS[group]
    raise ValueError(f"group must be one of {tuple(GROUPS)}, got {group!r}")


def get_rotation_group(group):
    """As get(), for operations that need turns (lifting, group correlation): T is refused."""
    entry = get(group)
    if entry.order == 1:
        raise ValueError(f"this operation needs a group with turns, one of {ROTATION_GROUPS}; got {group!r}")
    return entry


# ---------------------------------------------------------------- building elements

def _with_translation(s, u, v):
    """t(u, v) . s for point-group matrices s (..., 3, 3) and integer arrays u, v (unchecked)."""
    shape = np.broadcast_shapes(s.shape[:-2], np.shape(u), np.shape(v))
    g = np.array(np.broadcast_to(s, shape + (3, 3)))
    g[..., 0, 2] = u
    g[..., 1, 2] = v
    return g


def translation(u, v):
    """t(u, v) = [[1, 0, u], [0, 1, v], [0, 0, 1]] (G4); arrays of u, v give arrays of elements.

    u and v must be at most 2**60 in absolute value (INT64_SAFE): ValueError otherwise.
    """
    u, v = _as_int_params(u, v, names=("u", "v"))
    g = _with_translation(np.eye(3, dtype=np.int64), u, v)
    _check_fits(g, "translation")
    return g


def _point_group_element(G, m, r):
    """M^m . R^r of group G for integer arrays m, r, each checked against its range."""
    if np.any((r < 0) | (r >= G.turns)):
        raise ValueError(f"r counts turns by {360 // G.turns} degrees and must be in 0..{G.turns - 1}, got {r!r}")
    if np.any((m < 0) | (m > (G.mirror is not None))):
        raise ValueError(f"m says whether to mirror and must be 0 or 1, got {m!r}")
    return G.point_group[m * G.turns + r]


def rotation(r):
    """R(r): rotation by r quarter turns about the origin, [[cos, -sin, 0], [sin, cos, 0], [0, 0, 1]] (G5)."""
    (r,) = _as_int_params(r, names=("r",))
    return _point_group_element(GROUPS["p4"], np.zeros_like(r), r).copy()


def mirror(m):
    """M^m: the identity for m = 0, the reflection (u, v) -> (-u, v) for m = 1 (G6)."""
    (m,) = _as_int_params(m, names=("m",))
    return _point_group_element(GROUPS["p4m"], m, np.zeros_like(m)).copy()


def element(group, *params):
    """The element of `group` with parameters (u, v), (r, u, v) or (m, r, u, v): t(u, v) . M^m . R^r.

    Raises ValueError for parameters out of range, and for translations above 2**60 in
    absolute value (INT64_SAFE: beyond it products, inverses and the half-pixel
    coordinates of action.py would leave int64).
    """
    G = get(group)
    names = G.parameter_names
    if len(params) != len(names):
        raise ValueError(f"an element of {G.name} has {len(names)} parameters {names}, got {len(params)}")
    values = dict(zip(names, _as_int_params(*params, names=names)))
    zero = np.zeros_like(values["u"])
    s = _point_group_element(G, values.get("m", zero), values.get("r", zero))
    g = _with_translation(s, values["u"], values["v"])
    _check_fits(g, f"element of {G.name}")
    return g


def p4_element(r, u, v):
    """g(r, u, v) = t(u, v) . R(r), the p4 element of G5."""
    return element("p4", r, u, v)


def p4m_element(m, r, u, v):
    """g(m, r, u, v) = t(u, v) . M^m . R(r), the p4m element of G6."""
    return element("p4m", m, r, u, v)


def identity():
    """The identity element e (the 3x3 identity matrix, int64)."""
    return np.eye(3, dtype=np.int64)


# ---------------------------------------------------------------- reading elements

def _membership(g, G):
    """(point-group index, member mask) of int64 matrices g (..., 3, 3) in G, unchecked input."""
    index = G.index_of(g)
    member = (index >= 0) & np.all(g[..., 2, :] == [0, 0, 1], axis=-1)
    return index, member


def parameters(g, group):
    """Matrix -> parameters: (u, v) for T, (r, u, v) for p4, (m, r, u, v) for p4m.

    Raises ValueError if any matrix is not an element of `group`.
    """
    G = get(group)
    g = as_element(g)
    index, member = _membership(g, G)
    if not np.all(member):
        bad = g[tuple(np.argwhere(~member)[0])] if g.ndim > 2 else g
        form = "t(u, v)" + (" . M^m" if G.mirror is not None else "") + (" . R(r)" if G.turns > 1 else "")
        raise ValueError(f"not an element of {G.name}: the matrix {bad.tolist()} is not of the form {form} "
                         f"(docs/equations.md G4-G6)")
    m, r = G.params_of_index(index)
    values = {"m": m, "r": r, "u": g[..., 0, 2], "v": g[..., 1, 2]}
    return tuple(np.asarray(values[name], dtype=np.int64) for name in G.parameter_names)


def is_member(g, group):
    """Boolean array: which matrices of g belong to `group`.

    A non-member gives False, not an exception; a malformed array (not (..., 3, 3), not
    integer-valued) still raises as in as_element.
    """
    return _membership(as_element(g), get(group))[1]


def check_member(g, group):
    """Return g as int64 (..., 3, 3) if every matrix is in `group` and fits; raise ValueError otherwise.

    Fits: translations of at most 2**60 in absolute value (INT64_SAFE), so that whatever
    the package computes from g (products, inverses, half-pixel coordinates) stays in int64.
    """
    g = as_element(g)
    parameters(g, group)
    _check_fits(g, f"an element of {get(group).name}")
    return g


def point_group_index(s, group):
    """Canonical index of point-group elements s (translation part must be zero)."""
    G = get(group)
    s = check_member(s, G)
    if np.any(s[..., :2, 2] != 0):
        raise ValueError("a point-group element has zero translation part")
    return G.index_of(s)


# ---------------------------------------------------------------- the group operations

def _check_affine(g, what):
    """g (int64, (..., 3, 3)) must be an integer motion: last row (0, 0, 1), linear part of determinant +-1."""
    if np.any(g[..., 2, :] != [0, 0, 1]):
        raise ValueError(f"{what} must have the last row (0, 0, 1) of homogeneous coordinates")
    a = g[..., :2, :2]
    small = not ((a > 1) | (a < -1)).any()  # not np.abs: abs(-2**63) wraps round to -2**63
    det = a[..., 0, 0] * a[..., 1, 1] - a[..., 0, 1] * a[..., 1, 0] if small else None  # small entries: no wrap
    if not small or np.any(np.abs(det) != 1):
        raise ValueError(f"{what} must be a motion of the pixel lattice (a linear part with entries -1, 0 or 1 "
                         f"and determinant +-1), got linear parts {a.reshape(-1, 2, 2)[:3].tolist()}")


def compose(*gs):
    """g_1 . g_2 . ... . g_n (matrix product; the rightmost element acts first).

    Every factor must be an integer motion of the lattice (_check_affine: last row
    (0, 0, 1), linear part with entries -1, 0, 1 and determinant +-1) with translations
    of at most 2**60, and so must every running product g_1 ... g_i: one step then adds at
    most three numbers of size 2**60, so nothing wraps in int64 before the check sees it.
    ValueError otherwise, naming the factor or the product.
    """
    if not gs:
        return identity()
    out = _checked_motion(gs[0], "compose: element 1")
    for i, g in enumerate(gs[1:], start=2):
        out = out @ _checked_motion(g, f"compose: element {i}")
        _check_affine(out, f"compose: the product of elements 1..{i}")
        _check_fits(out, f"compose: the product of elements 1..{i}")
    return out


def _checked_motion(g, what):
    """g as int64 (..., 3, 3), checked whole: shape, integer values, an integer motion (_check_affine), fits."""
    g = as_element(g)
    _check_affine(g, what)
    _check_fits(g, what)
    return g


def _inverse(g):
    """g^-1 for integer motions g = [[A, t], [0, 1]] with det A = +-1 (unchecked): [[A^-1, -A^-1 t], [0, 1]].

    A^-1 = adj(A) / det(A) is an integer matrix because det(A) = +-1.
    """
    a = g[..., :2, :2]
    det = (a[..., 0, 0] * a[..., 1, 1] - a[..., 0, 1] * a[..., 1, 0])[..., None, None]
    adj = np.stack([np.stack([a[..., 1, 1], -a[..., 0, 1]], -1), np.stack([-a[..., 1, 0], a[..., 0, 0]], -1)], -2)
    a_inv = adj * det  # adj / det, and 1 / det == det for det = +-1
    out = np.zeros_like(g)
    out[..., :2, :2] = a_inv
    out[..., :2, 2] = -np.einsum("...ij,...j->...i", a_inv, g[..., :2, 2])
    out[..., 2, 2] = 1
    return out


def inverse(g):
    """g^-1, exactly in integers: for g = [[A, t], [0, 1]], g^-1 = [[A^-1, -A^-1 t], [0, 1]].

    g must be a rigid motion of the pixel lattice (integer linear part A of determinant
    +-1, as every element of the table has) with translations of at most 2**60 (so that
    -A^-1 t fits in int64); ValueError otherwise.
    """
    g = as_element(g)
    _check_affine(g, "an element to invert")
    _check_fits(g, "inverse")
    return _inverse(g)


def act(g, x):
    """Apply g to integer pixel coordinates x = (u, v): returns g(x) as integers.

    g: (..., 3, 3); x: (..., 2). Broadcast against each other, so one element can move
    many pixels and many elements can move one pixel. Computed literally as the
    product of g with the homogeneous column (u, v, 1). g must be an integer motion
    with translations of at most 2**60, and x at most 2**60 in absolute value: then
    |A x + t| <= 3 * 2**60 < 2**63, exact. ValueError otherwise.
    """
    g = _checked_motion(g, "act: the element")
    x = limits.plain_array(x, "act: the pixel coordinates")
    if x.shape[-1:] != (2,):
        raise ValueError(f"pixel coordinates need a last axis of length 2 (u, v), got shape {x.shape}")
    (xi,) = _as_int_params(x, names=("x",))
    if ((xi > INT64_SAFE) | (xi < -INT64_SAFE)).any():
        raise ValueError("act: pixel coordinates must be at most 2**60 in absolute value (int64)")
    column = np.concatenate([xi, np.ones(xi.shape[:-1] + (1,), dtype=np.int64)], axis=-1)
    y = np.einsum("...ij,...j->...i", g, column)
    return y[..., :2]


def split(g):
    """Factor g = t . s (G7): t a translation, s fixing the origin (the point-group part)."""
    g = as_element(g)
    _check_affine(g, "an element to split")
    t = translation(g[..., 0, 2], g[..., 1, 2])
    s = g.copy()
    s[..., :2, 2] = 0
    return t, s


# ---------------------------------------------------------------- point groups

def point_group(group):
    """The point group H of `group` as an array (|H|, 3, 3) in canonical order (a new, writeable copy).

    T: [e]; p4: C4 = [R(0), R(1), R(2), R(3)]; p4m: D4 = [M^m . R(r) at index 4m + r].
    """
    return get(group).point_group.copy()


def order(group):
    """|H|: 1 for T, 4 for p4, 8 for p4m."""
    return get(group).order


def cayley_table(group):
    """table[i, j] = index of H[i] . H[j] in the canonical order."""
    return get(group).cayley.copy()


def random_elements(group, n, rng, max_shift=10):
    """n random elements of `group` (translations uniform in [-max_shift, max_shift]^2).

    rng is a numpy.random.Generator (e.g. np.random.default_rng(checks.SEED)). The
    draws come in a fixed order (u and v, then r, then m), so a seed gives the same
    elements every time.
    """
    G = get(group)
    limits.generator(rng)
    try:
        n, max_shift = limits.integer(n, "n", 0), limits.integer(max_shift, "max_shift", 0)
    except (TypeError, ValueError) as error:
        raise type(error)(f"n and max_shift must be non-negative integers, got n = {n!r}, max_shift = {max_shift!r}") from None
    if max_shift > INT64_SAFE:
        raise ValueError(f"max_shift must be at most 2**60, got {max_shift}")
    limits.check_allocation((n, 3, 3), np.int64, f"{n} random elements")  # the result; the draws are smaller
    u, v = rng.integers(-max_shift, max_shift + 1, size=(2, n))
    r = rng.integers(0, G.turns, size=n) if G.turns > 1 else np.zeros(n, dtype=np.int64)
    m = rng.integers(0, 2, size=n) if G.mirror is not None else np.zeros(n, dtype=np.int64)
    return _with_translation(G.point_group[m * G.turns + r], u, v)


def name(g, group="p4m"):
    """A short readable name of one element, e.g. 't(1,-2)·M·R(3)'."""
    G = get(group)
    g = check_member(g, G)
    if g.ndim != 2:
        raise ValueError("name() describes one element, a 3x3 matrix")
    (m, r), u, v = G.params_of_index(int(G.index_of(g))), int(g[0, 2]), int(g[1, 2])
    parts = []
    if u or v:
        parts.append(f"t({u},{v})")
    if G.order == 1:
        return parts[0] if parts else "t(0,0)"
    if m:
        parts.append("M")
    if r or not parts:
        parts.append(f"R({r})")
    return "·".join(parts)


# ---------------------------------------------------------------- half-pixel units

def in_half_pixels(g):
    """D . g . D^-1 with D = diag(2, 2, 1): the same motion with lengths measured in half pixels.

    The centre of an even-sized array falls between pixels, so its pixels sit at
    half-integer (u, v). Measured in half pixels every such coordinate is an integer,
    and so is every matrix: the translation column doubles, the linear part is
    unchanged. Conjugation keeps products: in_half_pixels(g . h) equals
    in_half_pixels(g) . in_half_pixels(h).
    """
    g = as_element(g).copy()
    t = g[..., :2, 2]
    too_large = (t >= 2**62) | (t <= -2**62)  # doubled, they would leave int64 (2 * 2**62 = 2**63)
    if too_large.any():
        raise ValueError(f"in_half_pixels: translations must be below 2**62 in absolute value, so that doubled "
                         f"they fit in int64; got an entry {int(t[too_large][0])}")
    g[..., :2, 2] *= 2
    return g
