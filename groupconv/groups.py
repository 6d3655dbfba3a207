"""The groups T, p4 and p4m, as exact integer 3x3 matrices (docs/equations.md G1-G7).

Coordinates (fixed once for the whole package; README "Conventions"):
    a pixel is x = (u, v): u is the row offset and v the column offset from the
    centre of the array, and in homogeneous coordinates the column (u, v, 1)^T.

Elements (paper section 4; docs/equations.md G4-G6):
    T    t(u, v)       = [[1, 0, u], [0, 1, v], [0, 0, 1]]
    p4   g(r, u, v)    = t(u, v) . R(r)
    p4m  g(m, r, u, v) = t(u, v) . M^m . R(r)
    with R(r) the rotation by r quarter turns, [[cos, -sin], [sin, cos]] of r*pi/2,
    and M = diag(-1, 1) the mirror (u, v) -> (-u, v).

Every matrix is built from the integer tables COS and SIN below, never by rounding
floating-point trigonometry, and stored as int64; elements are compared with ``==``.
A product g . h means "first h, then g" (matrix product acting on columns).

The point group H (the elements fixing the origin) is enumerated in one canonical
order, the order of GrouPy (the paper authors' code): index r for R(r) in C4 (p4),
index 4*m + r for M^m . R(r) in D4 (p4m). Every array axis "over H" uses this order.

Functions that take elements accept arrays of them, shape (..., 3, 3), and work
elementwise (name() alone describes a single element).
"""
import numpy as np

GROUPS = ("T", "p4", "p4m")

# cos(r*pi/2) and sin(r*pi/2) for r = 0, 1, 2, 3, exactly.
COS = np.array([1, 0, -1, 0], dtype=np.int64)
SIN = np.array([0, 1, 0, -1], dtype=np.int64)


def _check_group(group):
    if group not in GROUPS:
        raise ValueError(f"group must be one of {GROUPS}, got {group!r}")
    return group


def _as_int64(a, what):
    """a as an int64 array: integer dtypes as they are, real floats only if they hold whole numbers.

    Booleans, complex numbers, strings and objects raise TypeError; NaN, infinities,
    fractions and values outside int64's range raise ValueError (a cast would silently
    wrap them to some other integer).
    """
    a = np.asarray(a)
    if a.dtype == bool or a.dtype.kind not in "iuf":
        raise TypeError(f"{what} must be numeric with integer values (int, or float holding whole numbers), "
                        f"got dtype {a.dtype}")
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
            raise ValueError(f"{what} must hold whole numbers, got {a!r}")
        if np.any(np.abs(a) >= 2.0**63):
            raise ValueError(f"{what} must fit in int64, got {a!r}")
    elif a.dtype.kind == "u" and a.size and a.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{what} must fit in int64, got {a!r}")
    return a.astype(np.int64)


def _as_int_params(*params, names):
    """Integer arrays broadcast together; floats with integer values are accepted."""
    return np.broadcast_arrays(*(_as_int64(p, name) for p, name in zip(params, names)))


def as_element(g):
    """Return g as an int64 array of shape (..., 3, 3), checking shape and dtype (not membership).

    Integer matrices pass as they are; real float matrices only if every entry is a whole
    number (ValueError otherwise, e.g. for NaN); booleans, complex numbers and
    non-numeric arrays raise TypeError.
    """
    a = np.asarray(g)
    if a.ndim < 2 or a.shape[-2:] != (3, 3):
        raise ValueError(f"a group element is a 3x3 matrix (array of shape (..., 3, 3)), got shape {a.shape}")
    return _as_int64(a, "a group element (a 3x3 matrix)")


# ---------------------------------------------------------------- building elements

def translation(u, v):
    """t(u, v) = [[1, 0, u], [0, 1, v], [0, 0, 1]] (G4); arrays of u, v give arrays of elements."""
    u, v = _as_int_params(u, v, names=("u", "v"))
    g = np.zeros(u.shape + (3, 3), dtype=np.int64)
    g[..., 0, 0] = g[..., 1, 1] = g[..., 2, 2] = 1
    g[..., 0, 2] = u
    g[..., 1, 2] = v
    return g


def rotation(r):
    """R(r): rotation by r quarter turns about the origin, [[cos, -sin, 0], [sin, cos, 0], [0, 0, 1]] (G5)."""
    (r,) = _as_int_params(r, names=("r",))
    if np.any((r < 0) | (r > 3)):
        raise ValueError(f"r counts quarter turns and must be in 0..3, got {r!r}")
    g = np.zeros(r.shape + (3, 3), dtype=np.int64)
    g[..., 0, 0] = COS[r]
    g[..., 0, 1] = -SIN[r]
    g[..., 1, 0] = SIN[r]
    g[..., 1, 1] = COS[r]
    g[..., 2, 2] = 1
    return g


def mirror(m):
    """M^m: the identity for m = 0, the reflection (u, v) -> (-u, v) for m = 1 (G6)."""
    (m,) = _as_int_params(m, names=("m",))
    if np.any((m < 0) | (m > 1)):
        raise ValueError(f"m says whether to mirror and must be 0 or 1, got {m!r}")
    g = np.zeros(m.shape + (3, 3), dtype=np.int64)
    g[..., 0, 0] = 1 - 2 * m
    g[..., 1, 1] = 1
    g[..., 2, 2] = 1
    return g


def p4_element(r, u, v):
    """g(r, u, v) = t(u, v) . R(r), the p4 element of G5."""
    return translation(u, v) @ rotation(r)


def p4m_element(m, r, u, v):
    """g(m, r, u, v) = t(u, v) . M^m . R(r), the p4m element of G6."""
    return translation(u, v) @ mirror(m) @ rotation(r)


def element(group, *params):
    """The element of `group` with parameters (u, v), (r, u, v) or (m, r, u, v)."""
    builders = {"T": (translation, 2), "p4": (p4_element, 3), "p4m": (p4m_element, 4)}
    build, n = builders[_check_group(group)]
    if len(params) != n:
        raise ValueError(f"an element of {group} has {n} parameters, got {len(params)}")
    return build(*params)


def identity():
    """The identity element e (the 3x3 identity matrix, int64)."""
    return np.eye(3, dtype=np.int64)


# ---------------------------------------------------------------- reading elements

def _read_parameters(g, group):
    """Parameters read off the matrices g, and a mask of the matrices that really are in `group`.

    The parameters are read from the entries (translation column; (sin, cos) in the
    second row, which every element of G6 has; det = (-1)^m), then the element is
    rebuilt from them: a matrix is a member exactly when the rebuilt one equals it.
    """
    u, v = g[..., 0, 2], g[..., 1, 2]
    if group == "T":
        params = (u, v)
    else:
        c, s = g[..., 1, 1], g[..., 1, 0]
        hit = (COS == c[..., None]) & (SIN == s[..., None])  # r is where (COS, SIN) == (c, s)
        r = np.where(hit.any(-1), hit.argmax(-1), 0)
        m = (g[..., 0, 0] * c - g[..., 0, 1] * s == -1).astype(np.int64)  # det of the linear part
        params = (r, u, v) if group == "p4" else (m, r, u, v)
    rebuilt = element(group, *params)
    member = np.all(rebuilt == g, axis=(-2, -1))
    return tuple(np.asarray(p, dtype=np.int64) for p in params), member


def parameters(g, group):
    """Matrix -> parameters: (u, v) for T, (r, u, v) for p4, (m, r, u, v) for p4m.

    Raises ValueError if any matrix is not an element of `group`.
    """
    _check_group(group)
    g = as_element(g)
    params, member = _read_parameters(g, group)
    if not np.all(member):
        bad = g[tuple(np.argwhere(~member)[0])] if g.ndim > 2 else g
        raise ValueError(f"not an element of {group}: the matrix {bad.tolist()} is not of the form "
                         f"of docs/equations.md {dict(T='G4', p4='G5', p4m='G6')[group]}")
    return params


def is_member(g, group):
    """Boolean array: which matrices of g belong to `group`.

    A non-member gives False, not an exception; a malformed array (not (..., 3, 3), not
    integer-valued) still raises as in as_element.
    """
    _check_group(group)
    return _read_parameters(as_element(g), group)[1]


def check_member(g, group):
    """Return g as int64 (..., 3, 3) if every matrix is in `group`; raise ValueError otherwise."""
    g = as_element(g)
    parameters(g, group)
    return g


# ---------------------------------------------------------------- the group operations

def compose(*gs):
    """g_1 . g_2 . ... . g_n (matrix product; the rightmost element acts first)."""
    if not gs:
        return identity()
    out = as_element(gs[0])
    for g in gs[1:]:
        out = out @ as_element(g)
    return out


def inverse(g):
    """g^-1, exactly in integers: for g = [[A, t], [0, 1]] with A orthogonal, g^-1 = [[A^T, -A^T t], [0, 1]].

    Raises ValueError if g is not a rigid motion with integer orthogonal linear part
    (that is, not an element of p4m, the largest of the three groups).
    """
    g = check_member(g, "p4m")
    a_t = np.swapaxes(g[..., :2, :2], -1, -2)
    out = np.zeros_like(g)
    out[..., :2, :2] = a_t
    out[..., :2, 2] = -np.einsum("...ij,...j->...i", a_t, g[..., :2, 2])
    out[..., 2, 2] = 1
    return out


def act(g, x):
    """Apply g to integer pixel coordinates x = (u, v): returns g(x) as integers.

    g: (..., 3, 3); x: (..., 2). Broadcast against each other, so one element can move
    many pixels and many elements can move one pixel. Computed literally as the
    product of g with the homogeneous column (u, v, 1).
    """
    g = as_element(g)
    x = np.asarray(x)
    if x.shape[-1:] != (2,):
        raise ValueError(f"pixel coordinates need a last axis of length 2 (u, v), got shape {x.shape}")
    (xi,) = _as_int_params(x, names=("x",))
    column = np.concatenate([xi, np.ones(xi.shape[:-1] + (1,), dtype=np.int64)], axis=-1)
    y = np.einsum("...ij,...j->...i", g, column)
    return y[..., :2]


def split(g):
    """Factor g = t . s (G7): t a translation, s in the point group H (fixing the origin)."""
    g = check_member(g, "p4m")
    t = translation(g[..., 0, 2], g[..., 1, 2])
    s = g.copy()
    s[..., :2, 2] = 0
    return t, s


# ---------------------------------------------------------------- point groups

def point_group(group):
    """The point group H of `group` as an array (|H|, 3, 3) in canonical order.

    T: [e]; p4: C4 = [R(0), R(1), R(2), R(3)]; p4m: D4 = [M^m . R(r) at index 4m + r].
    """
    _check_group(group)
    if group == "T":
        return identity()[None]
    if group == "p4":
        return rotation(np.arange(4))
    m, r = np.divmod(np.arange(8), 4)
    return mirror(m) @ rotation(r)


def order(group):
    """|H|: 1 for T, 4 for p4, 8 for p4m."""
    return {"T": 1, "p4": 4, "p4m": 8}[_check_group(group)]


def point_group_index(s, group):
    """Canonical index of point-group elements s (translation part must be zero)."""
    s = check_member(s, group)
    if np.any(s[..., :2, 2] != 0):
        raise ValueError("a point-group element has zero translation part")
    H = point_group(group)
    eq = np.all(s[..., None, :, :] == H, axis=(-2, -1))
    return eq.argmax(-1)


def cayley_table(group):
    """table[i, j] = index of H[i] . H[j] in the canonical order."""
    H = point_group(group)
    return point_group_index(H[:, None] @ H[None, :], group)


def random_elements(group, n, rng, max_shift=10):
    """n random elements of `group` (translations uniform in [-max_shift, max_shift]^2).

    rng is a numpy.random.Generator (e.g. np.random.default_rng(checks.SEED)).
    """
    _check_group(group)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if int(n) != n or n < 0 or int(max_shift) != max_shift or max_shift < 0:
        raise ValueError(f"n and max_shift must be non-negative integers, got n = {n!r}, max_shift = {max_shift!r}")
    u, v = rng.integers(-max_shift, max_shift + 1, size=(2, n))
    if group == "T":
        return translation(u, v)
    r = rng.integers(0, 4, size=n)
    if group == "p4":
        return p4_element(r, u, v)
    return p4m_element(rng.integers(0, 2, size=n), r, u, v)


def name(g, group="p4m"):
    """A short readable name of one element, e.g. 't(1,-2)·M·R(3)'."""
    g = check_member(g, group)
    if g.ndim != 2:
        raise ValueError("name() describes one element, a 3x3 matrix")
    if group == "T":
        u, v = parameters(g, "T")
        return f"t({int(u)},{int(v)})"
    m, r, u, v = parameters(g, "p4m")
    parts = []
    if u or v:
        parts.append(f"t({int(u)},{int(v)})")
    if m:
        parts.append("M")
    if r or not parts:
        parts.append(f"R({int(r)})")
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
    g[..., :2, 2] *= 2
    return g
