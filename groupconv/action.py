"""How a group element moves an image or a feature map: L_g f = f o g^-1 (docs/equations.md A1-A4).

    (L_g f)(x) = f(g^-1 x)        f on Z^2 (an image), paper eq. (3)
    (L_g f)(h) = f(g^-1 h)        f on G (a feature map of a G-CNN)

Arrays (README "Conventions"):
    function on Z^2: shape (..., rows, cols); any leading (batch, channel) axes are carried along.
    function on G:   shape (..., |H|, H, W); the group axis lists the point group in the
                     canonical order of groups.py (r for p4, 4m + r for p4m), and plane s
                     at pixel x holds f(t(x) . s).
    Pixel (i, j) sits at (u, v) = (i - (rows-1)/2, j - (cols-1)/2): row and column offsets
    from the array centre. For odd sizes the centre is a pixel; for even sizes it is the
    point between the four middle pixels, and rotations turn about that point.
    With these coordinates L_R(1) f == np.rot90(f, 1) (counter-clockwise as displayed)
    and L_M f == np.flip(f, axis=-2) (the mirror flips the row axis), as in GrouPy.

On the hexagonal lattice (groups p6, p6m; lattices.py) a function on Z^2 is an odd n x n
array in axial coordinates whose frame is the hexagon of radius n // 2; cells outside it
are zero, stay zero, and an input with anything else there is refused. The same formulas
hold with the same integer matrices; the fast form there is one gather of the cells.

Translations that push content out of the frame obey `boundary`:
    "zero"  content leaving the frame is lost, the uncovered part is 0 (default);
    "wrap"  the frame is a torus: content leaving one side enters at the other;
    "grow"  the frame is enlarged symmetrically (by |u| rows and |v| columns on each
            side; on the hexagonal lattice by the hexagonal length of (u, v)) so that
            nothing is lost; the centre stays the centre.
Rotations and mirrors of a square (hexagonal) frame about its centre never lose content.
On the hexagonal lattice "wrap" is the periodic hexagon of lattices.py, which exists
for turns and translations (p6) but not for mirrors (ValueError).

Each action comes twice: `*_literal` evaluates the definition pixel by pixel through the
3x3 matrices of groups.py; the fast version uses np.rot90 / np.flip / shifts and a
permutation of the group axis. Tests check they agree exactly.

The public functions check their arguments once (the image, the group, the element)
and hand the checked values to the underscored functions, which do not check again.
"""
import numpy as np

from . import groups, lattices, limits

BOUNDARIES = ("zero", "wrap", "grow")


# ---------------------------------------------------------------- input checks

def _check_boundary(boundary):
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary must be one of {BOUNDARIES}, got {boundary!r}")


def _check_array(f, min_ndim, what):
    a = limits.plain_array(f, what)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise TypeError(f"{what} must be a numeric array, got dtype {a.dtype}")
    if a.ndim < min_ndim:
        raise ValueError(f"{what} needs at least {min_ndim} axes, got shape {a.shape}")
    return a


def _check_square_if_turning(shape, g):
    turns = np.any(g[:2, :2] != np.diag(np.diag(g[:2, :2])))
    if turns and shape[-1] != shape[-2]:
        raise ValueError(f"a quarter turn maps a rows x cols frame onto itself only if rows == cols; got {shape[-2]} x {shape[-1]}")


def _single_element(g, G):
    """g as one int64 matrix (3, 3) of the group G; ValueError otherwise."""
    g = groups.check_member(g, G)
    if g.shape != (3, 3):
        raise ValueError(f"expected one group element (a 3x3 matrix), got shape {g.shape}")
    return g


def _check_group_function(f, G):
    f = _check_array(f, 3, "a function on G")
    if f.shape[-3] != G.order:
        raise ValueError(f"a function on {G.name} has a group axis of length |H| = {G.order} at axis -3; "
                         f"got shape {f.shape}")
    return f


def _checked(f, g, group, boundary, on_group):
    """The checks every public action makes, once: returns (f, g, G) as arrays and the group's table entry."""
    G = groups.get(group)
    f = _check_group_function(f, G) if on_group else _check_array(f, 2, "an image")
    g = _single_element(g, G)
    _check_boundary(boundary)
    lattice = lattices.get(G.lattice)
    lattice.check_frame(*f.shape[-2:])
    if G.lattice == "square":
        _check_square_if_turning(f.shape, g)
    else:
        check_zero_outside_frame(f, lattice)
        if boundary == "wrap" and np.linalg.det(g[:2, :2]) < 0:
            raise ValueError("the periodic hexagon is chiral: it is symmetric under turns and translations (p6) "
                             "but not under mirrors, so 'wrap' is not defined for a mirrored element; "
                             "use boundary 'zero' or 'grow' (lattices.py)")
    limits.check_allocation(f.shape[:-2] + _grown_shape(f.shape, g, boundary, lattice), f.dtype, "the moved image")
    return f, g, G


def check_zero_outside_frame(f, lattice):
    """Refuse an image (..., rows, cols) with non-zero values in cells outside the lattice's frame."""
    outside = ~lattice.frame_mask(*f.shape[-2:])
    if outside.any() and np.any(f[..., outside] != 0):
        raise ValueError(f"an image on the {lattice.name} lattice is zero outside its frame (the hexagon of "
                         f"radius n // 2); got non-zero values outside it. images.on_hexagon(f) sets them to 0.")


# ---------------------------------------------------------------- coordinates

def centred_coordinates(n):
    """Offsets from the centre of n pixels, in half pixels: 2*i - (n-1), an integer for every n.

    Halve them to get u (or v); for odd n they are all even and u is an integer.
    """
    n = limits.integer(n, "the number of pixels n", minimum=0)
    return 2 * np.arange(n, dtype=np.int64) - (n - 1)


def _index_from_half_pixels(c, n):
    """Inverse of centred_coordinates: array index i with 2*i - (n-1) == c (c must have n's parity)."""
    return (c + (n - 1)) // 2


def _grown_shape(shape, g, boundary, lattice):
    """The output frame (rows', cols'): the input's, or for "grow" enlarged on each side by the translation's length.

    On the square grid the length is |u| rows and |v| columns; on the hexagonal grid the
    hexagonal distance of (u, v) on every side, so that the moved hexagon fits.
    """
    rows, cols = shape[-2:]
    if boundary != "grow":
        return rows, cols
    u, v = int(g[0, 2]), int(g[1, 2])
    if lattice.name == "hexagonal":
        d = int(lattices.hexagonal_distance(u, v))
        return rows + 2 * d, cols + 2 * d
    return rows + 2 * abs(u), cols + 2 * abs(v)


# ---------------------------------------------------------------- functions on Z^2

def transform_image_literal(f, g, boundary="zero", group="p4m"):
    """(L_g f)(x) = f(g^-1 x), computed pixel by pixel (naive O(rows cols) loop) (A1).

    Parameters
    ----------
    f : array (..., rows, cols), a function on Z^2; leading axes are carried along.
    g : int matrix (3, 3), an element of `group`.
    boundary : "zero", "wrap" or "grow" (see the module header).
    group : the group g belongs to (default "p4m", which holds every motion of the square
            grid; "p6" or "p6m" for an image on the hexagonal lattice).

    Notes
    -----
    For every output pixel x of the frame the homogeneous column of x is multiplied by
    the matrix g^-1 and f is read at the resulting pixel, if that lies on f's frame.
    Coordinates are measured in half pixels (groups.in_half_pixels) so that even-sized
    frames are exact too.
    """
    f, g, G = _checked(f, g, group, boundary, on_group=False)
    lattice = lattices.get(G.lattice)
    rows, cols = f.shape[-2:]
    rows_out, cols_out = _grown_shape(f.shape, g, boundary, lattice)
    limits.check_literal_cost(limits.literal_seconds(rows_out * cols_out, 3e-6, f[..., :1, :1].size),
                              "transform_image_literal", "transform_image")
    on_frame, on_out_frame = lattice.frame_mask(rows, cols), lattice.frame_mask(rows_out, cols_out)
    g_inv = groups.in_half_pixels(groups._inverse(g))
    out = np.zeros(f.shape[:-2] + (rows_out, cols_out), dtype=f.dtype)
    us, vs = centred_coordinates(rows_out), centred_coordinates(cols_out)
    for i in range(rows_out):
        for j in range(cols_out):
            if not on_out_frame[i, j]:
                continue
            x = np.array([us[i], vs[j], 1])  # the output pixel, homogeneous, half pixels
            y = g_inv @ x  # g^-1 x
            a, b = _index_from_half_pixels(y[0], rows), _index_from_half_pixels(y[1], cols)
            if boundary == "wrap":
                a, b = lattice.wrap(a, b, rows, cols)
            if 0 <= a < rows and 0 <= b < cols and on_frame[a, b]:
                out[..., i, j] = f[..., a, b]
    return out


def _shift(f, u, v, boundary):
    """L_t(u, v) f on the square grid: out[i + u, j + v] = f[i, j] on the last two axes."""
    if boundary == "wrap":
        return np.roll(f, (u, v), axis=(-2, -1))
    rows, cols = f.shape[-2:]
    if boundary == "grow":
        pad = [(0, 0)] * (f.ndim - 2) + [(abs(u), abs(u)), (abs(v), abs(v))]
        f = np.pad(f, pad)
        rows, cols = f.shape[-2:]
    out = np.zeros_like(f)
    if abs(u) >= rows or abs(v) >= cols:  # everything leaves the frame
        return out
    src_r, dst_r = slice(max(-u, 0), rows - max(u, 0)), slice(max(u, 0), rows - max(-u, 0))
    src_c, dst_c = slice(max(-v, 0), cols - max(v, 0)), slice(max(v, 0), cols - max(-v, 0))
    out[..., dst_r, dst_c] = f[..., src_r, src_c]
    return out


_D4 = groups.GROUPS["p4m"]  # every motion of the square grid has its linear part in D4


def _transform_square(f, g, boundary):
    """L_g f for a checked square-grid element g: np.rot90 by r, np.flip if mirrored, then the shift."""
    m, r = _D4.params_of_index(int(_D4.index_of(g)))
    out = np.rot90(f, r, axes=(-2, -1))
    if m:
        out = np.flip(out, axis=-2)
    return np.ascontiguousarray(_shift(out, int(g[0, 2]), int(g[1, 2]), boundary))


def _transform_hexagonal(f, g, boundary):
    """L_g f for a checked element g of p6m on a hexagonal image: one gather of the cells.

    Every output cell x of the (grown) hexagon reads f at g^-1 x: the integer matrix
    applied to all cells at once, then one fancy index. Cells whose source lies outside
    f's hexagon ("zero") read 0; with "wrap" the source is first brought back into the
    hexagon by the periodic tiling of lattices.py.
    """
    hexagonal = lattices.get("hexagonal")
    n = f.shape[-1]
    n_out = _grown_shape(f.shape, g, boundary, hexagonal)[0]
    r, r_out = n // 2, n_out // 2
    U, V = np.meshgrid(np.arange(n_out) - r_out, np.arange(n_out) - r_out, indexing="ij")
    g_inv = groups._inverse(g)
    su = g_inv[0, 0] * U + g_inv[0, 1] * V + g_inv[0, 2]  # g^-1 x, x = (U, V)
    sv = g_inv[1, 0] * U + g_inv[1, 1] * V + g_inv[1, 2]
    a, b = su + r, sv + r
    if boundary == "wrap":
        a, b = hexagonal.wrap(a, b, n, n)
        read = np.ones_like(U, dtype=bool)
    else:
        read = lattices.hexagonal_distance(su, sv) <= r
    read &= hexagonal.frame_mask(n_out, n_out)
    out = np.zeros(f.shape[:-2] + (n_out, n_out), dtype=f.dtype)
    out[..., read] = f[..., a[read], b[read]]
    return out


def _transform_image(f, g, G, boundary):
    """L_g f for a checked image f and element g of the group entry G, on G's lattice."""
    if G.lattice == "hexagonal":
        return _transform_hexagonal(f, g, boundary)
    return _transform_square(f, g, boundary)


def transform_image(f, g, boundary="zero", group="p4m"):
    """L_g f for f of shape (..., rows, cols): np.rot90 / np.flip / a shift, or one gather on the hexagonal grid (A1).

    On the square grid, for g = t(u, v) . M^m . R(r), L_g = L_t . L_M^m . L_R^r: rotate
    (np.rot90 by r), then mirror the row axis if m = 1, then shift by (u, v). g must be an
    element of `group` (default "p4m", which holds every motion of the square grid; "p6"
    or "p6m" for a hexagonal image). Equal to transform_image_literal.
    """
    f, g, G = _checked(f, g, group, boundary, on_group=False)
    return _transform_image(f, g, G, boundary)


# ---------------------------------------------------------------- functions on G

def transform_group_function_literal(f, g, group, boundary="zero"):
    """(L_g f)(h) = f(g^-1 h) for f on G, evaluated element by element (naive O(|H| rows cols)) (A4).

    Parameters
    ----------
    f : array (..., |H|, rows, cols), plane s at pixel x holding f(t(x) . s).
    g : int matrix (3, 3), an element of `group`.
    group : "p4", "p4m", "p6" or "p6m" ("T" is allowed: |H| = 1).

    Notes
    -----
    For every output element h = t(x) . s the matrix g^-1 . h is formed, factored as
    t(x') . s' (G7) and f is read at plane s', pixel x'.
    """
    f, g, G = _checked(f, g, group, boundary, on_group=True)
    lattice = lattices.get(G.lattice)
    rows, cols = f.shape[-2:]
    rows_out, cols_out = _grown_shape(f.shape, g, boundary, lattice)
    limits.check_literal_cost(limits.literal_seconds(G.order * rows_out * cols_out, 25e-6, f[..., :1, :1, :1].size),
                              "transform_group_function_literal", "transform_group_function")
    on_frame, on_out_frame = lattice.frame_mask(rows, cols), lattice.frame_mask(rows_out, cols_out)
    g_inv = groups.in_half_pixels(groups._inverse(g))
    out = np.zeros(f.shape[:-2] + (rows_out, cols_out), dtype=f.dtype)
    us, vs = centred_coordinates(rows_out), centred_coordinates(cols_out)
    for s_index, s in enumerate(G.point_group):
        for i in range(rows_out):
            for j in range(cols_out):
                if not on_out_frame[i, j]:
                    continue
                h = groups._with_translation(s, us[i], vs[j])  # h = t(x) . s, in half pixels
                k = g_inv @ h  # g^-1 h
                s_prime = G.index_of(k)  # k = t(x') . s': the plane s' is k's linear part
                a, b = _index_from_half_pixels(k[0, 2], rows), _index_from_half_pixels(k[1, 2], cols)
                if boundary == "wrap":
                    a, b = lattice.wrap(a, b, rows, cols)
                if 0 <= a < rows and 0 <= b < cols and on_frame[a, b]:
                    out[..., s_index, i, j] = f[..., s_prime, a, b]
    return out


def _axis_permutation(g, G):
    """perm[s] = index of s_g^-1 . s for a checked element g of G (s_g its point-group part)."""
    return G.cayley[G.inverse_index[G.index_of(g)]]


def group_axis_permutation(g, group):
    """perm[s] = index of s_g^-1 . s, where s_g is the point-group part of g.

    The plane that L_g puts at slot s comes from slot perm[s] of the input.
    """
    G = groups.get(group)
    return _axis_permutation(_single_element(g, G), G).copy()


def transform_group_function(f, g, group, boundary="zero"):
    """L_g f for f of shape (..., |H|, rows, cols): permute the group axis, then move every plane (fast A4).

    With g = t . s_g and h = t(x) . s:  g^-1 h = t(g^-1 x) . (s_g^-1 s), so
    (L_g f)(x, s) = (L_g f_{s_g^-1 s})(x): plane s of the output is plane s_g^-1 s of the
    input, moved by g as an image. Equal to transform_group_function_literal.
    """
    f, g, G = _checked(f, g, group, boundary, on_group=True)
    return _transform_image(np.take(f, _axis_permutation(g, G), axis=-3), g, G, boundary)
