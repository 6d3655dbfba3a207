"""Test images that need no download: the photograph matplotlib ships, and small synthetic signals.

Every size given here is checked against groupconv.limits.MAX_ARRAY_BYTES before anything
is allocated: a size too large raises ValueError naming the shape, not numpy's MemoryError.
"""
import numbers

import numpy as np

from . import limits


def photograph(size=129):
    """The grace_hopper.jpg photograph shipped with matplotlib, grey, float64 in [0, 1], size x size.

    The largest centred square crop, resampled to `size` pixels a side by nearest-neighbour
    sampling (pixel i of the result is pixel floor(i * n / size) of the n-pixel crop; no
    averaging). Odd by default, so the frame has a centre pixel.
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    limits.check_allocation((size, size), np.float64, "the photograph")
    import matplotlib.cbook as cbook
    import matplotlib.image as mpimg

    with cbook.get_sample_data("grace_hopper.jpg") as fh:
        rgb = mpimg.imread(fh, format="jpg").astype(np.float64) / 255.0
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    grey = 0.299 * r + 0.587 * g + 0.114 * b  # written out, not a matrix product: the same bits on every CPU
    n = min(grey.shape)
    top, left = (grey.shape[0] - n) // 2, (grey.shape[1] - n) // 2
    square = grey[top:top + n, left:left + n]
    idx = (np.arange(size) * n) // size  # nearest-neighbour sampling of the crop
    return np.ascontiguousarray(square[np.ix_(idx, idx)])


def integer_image(shape, rng, low=-3, high=3):
    """Random int64 array with entries in [low, high].

    Every correlation of integer arrays is computed in exact integer arithmetic (the
    engine never sends integer data through an FFT), so equivariance residuals on
    these signals are exactly 0.
    """
    shape = limits.check_allocation(_shape(shape), np.int64, "the integer image")
    rng = limits.generator(rng)
    low = limits.integer(low, "low (the smallest entry)", minimum=-2**63)
    high = limits.integer(high, "high (the largest entry)", minimum=low)
    if high > 2**63 - 1:
        raise ValueError(f"high (the largest entry) must fit int64 (at most 2**63 - 1), got {high}")
    return rng.integers(low, high, size=shape, dtype=np.int64, endpoint=True)


def _shape(shape):
    """A shape given as one integer or a sequence of them, as a tuple (its sizes are checked by check_allocation)."""
    if isinstance(shape, (int, np.integer)):
        return (shape,)
    try:
        return tuple(shape)
    except TypeError:
        raise TypeError(f"shape must be an integer or a sequence of integers, got {shape!r}") from None


def _real_array(a, what):
    """a as a float64 ndarray: masked arrays (limits.plain_array), complex and non-numeric dtypes raise TypeError.

    np.asarray(a, dtype=np.float64) would drop an imaginary part (with a ComplexWarning) or
    parse strings; bool and integer entries are taken as the numbers 0/1 and their values.
    """
    a = limits.plain_array(a, what)
    if a.dtype.kind == "c":
        raise TypeError(f"{what} must be real, got dtype {a.dtype}: its imaginary part would be dropped")
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{what} must be an array of real numbers, got dtype {a.dtype}")
    return a.astype(np.float64, copy=False)


def _check_order(order):
    """The spline order of scipy.ndimage's interpolation: an integer 0..5."""
    order = limits.integer(order, "order (the spline order of the interpolation, 0..5)", minimum=0)
    if order > 5:
        raise ValueError(f"order (the spline order of the interpolation) must be 0..5, got {order}")
    return order


def _check_angle(angle, what="angle"):
    """angle as a float: a finite real number of degrees (not a bool), else TypeError / ValueError."""
    return limits.finite_number(angle, f"{what} (degrees)")


def _check_hexagonal(f, what):
    """f (..., n, n), an array on the hexagonal lattice (masked arrays refused), or ValueError / TypeError."""
    from . import lattices

    f = limits.plain_array(f, what)
    if f.ndim < 2:
        raise ValueError(f"{what} is an odd n x n array on the hexagonal lattice, shape (..., n, n); got shape {f.shape}")
    lattices.get("hexagonal").check_frame(*f.shape[-2:], what)
    return f


def random_signal(shape, rng, kind="exact"):
    """Test data for a check of the given kind (groupconv.checks): integer_image for "exact",
    standard normal float64 for "float" (whose sums then carry round-off)."""
    if kind == "exact":
        return integer_image(shape, rng)
    if kind == "float":
        shape = limits.check_allocation(_shape(shape), np.float64, "the random signal")
        return limits.generator(rng).standard_normal(shape)
    raise ValueError(f"kind must be 'exact' or 'float', got {kind!r}")


# ---------------------------------------------------------------- the hexagonal lattice

def on_hexagon(f):
    """A copy of f (..., n, n) with every cell outside the hexagon of radius n // 2 set to 0 (lattices.py)."""
    from . import lattices

    f = _check_hexagonal(f, "the image on_hexagon masks")
    return np.where(lattices.get("hexagonal").frame_mask(*f.shape[-2:]), f, np.zeros((), dtype=f.dtype))


def _fitting_scale(image_shape, n):
    """Square pixels per lattice step so that the hexagon of radius n // 2 fits inside the image."""
    r = n // 2
    return (min(image_shape[-2:]) - 1) / 2 / max(r, 1)


def to_hexagonal(image, n, scale=None, order=1, angle=0.0):
    """Resample a square image (rows, cols) onto the hexagonal lattice: an n x n axial array, zero outside its hexagon.

    Cell (u, v) sits at x = u b1 + v b2 in the plane (lattices.py), b1 = (1, 0) and
    b2 = (1/2, sqrt(3)/2) in lattice steps, y pointing up. One lattice step is `scale`
    pixels of the image (default: the largest that fits the hexagon inside the image);
    the centre cell (0, 0) sits on the image's centre, so for an odd-sized image it reads
    exactly the centre pixel. Values between pixels are interpolated with
    scipy.ndimage.map_coordinates (order 1: bilinear); outside the image they are 0.
    Leading axes (..., rows, cols) are resampled alike.

    angle (degrees): sample the image turned counter-clockwise by `angle` about its
    centre - every cell reads the image at its place turned by -angle (L_g f = f o g^-1)
    - with one interpolation however large the angle. At multiples of 60 degrees this is
    the unturned sample turned by the integer matrix R^r of p6 (action.transform_image),
    up to the round-off of the sampling places.
    """
    from scipy import ndimage

    from . import lattices

    image = _real_array(image, "the image to resample")
    if image.ndim < 2 or 0 in image.shape[-2:]:
        raise ValueError(f"an image to resample has shape (..., rows, cols) with at least one row and column, "
                         f"got {image.shape}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1 or n % 2 == 0:
        raise ValueError(f"n must be a positive odd integer (the hexagon of radius n // 2), got {n!r}")
    angle = _check_angle(angle)
    order = _check_order(order)
    limits.check_allocation((n, n, 2), np.float64, "the cell positions of the hexagonal image")
    limits.check_allocation(image.shape[:-2] + (n, n), np.float64, "the hexagonal image")
    hexagonal = lattices.get("hexagonal")
    scale = _fitting_scale(image.shape, n) if scale is None else limits.positive_number(
        scale, "scale (pixels per lattice step)")
    xy = hexagonal.positions(n, n)  # (n, n, 2) in lattice steps
    if angle:
        c, s = np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))
        x, y = xy[..., 0], xy[..., 1]
        xy = np.stack([c * x + s * y, -s * x + c * y], axis=-1)  # turned by -angle: where each cell reads
    centre_row, centre_col = (image.shape[-2] - 1) / 2, (image.shape[-1] - 1) / 2
    rows = _onto_edge(centre_row - scale * xy[..., 1], image.shape[-2])  # y points up, rows point down
    cols = _onto_edge(centre_col + scale * xy[..., 0], image.shape[-1])
    flat = image.reshape(-1, *image.shape[-2:])
    out = np.empty((flat.shape[0], n, n))  # (0, n, n) for an empty batch
    for plane, sampled in zip(flat, out):
        sampled[...] = ndimage.map_coordinates(plane, [rows, cols], order=order, mode="constant", cval=0.0)
    return np.where(hexagonal.frame_mask(n, n), out.reshape(image.shape[:-2] + (n, n)), 0.0)


def _onto_edge(places, size):
    """Sampling places along an axis of `size` pixels, those within round-off of the edges put exactly on them.

    A cell meant to lie on the image's border (the fitting scale puts the hexagon's corners
    there) can be computed a few ulp outside it, where map_coordinates(mode="constant")
    reads 0 instead of the edge pixel.
    """
    tolerance = 1e-9 * max(size, 1)
    places = np.where(np.abs(places) <= tolerance, 0.0, places)
    return np.where(np.abs(places - (size - 1)) <= tolerance, float(size - 1), places)


def from_hexagonal(f, size=None, scale=None, fill=np.nan):
    """A hexagonal image f (..., n, n) drawn back onto a square grid of size x size pixels, for display.

    Every pixel takes the value of the hexagon cell whose centre is nearest to it (the
    cell it lies in); pixels outside the hexagon get `fill`. `scale` (pixels per lattice
    step) and the centre are those of to_hexagonal, so from_hexagonal(to_hexagonal(img,
    n), img.shape[-1]) lays the cells back where they came from.
    """
    from . import lattices

    f = _check_hexagonal(f, "the hexagonal image from_hexagonal draws")
    if f.dtype.kind not in "biufc":
        raise TypeError(f"the hexagonal image from_hexagonal draws must be numeric, got dtype {f.dtype}")
    if isinstance(fill, (bool, np.bool_)) or not isinstance(fill, numbers.Real):
        raise TypeError(f"fill (the value of the pixels outside the hexagon) must be a real number, got {fill!r}")
    n = f.shape[-1]
    r = n // 2
    size = 4 * n + 1 if size is None else limits.integer(size, "size (pixels a side)", minimum=1)
    if scale is None:
        scale = _fitting_scale((size, size), n) or 1.0  # size 1: the one pixel sits at the centre at any scale
    else:
        scale = limits.positive_number(scale, "scale (pixels per lattice step)")
    if (size - 1) / 2 / scale >= 2**52:
        # the pixels' places in lattice steps must round exactly to int64 cells (and stay finite)
        raise ValueError(f"scale (pixels per lattice step) must be more than (size - 1) / 2**53 = "
                         f"{(size - 1) / 2**53:.3g} for a {size} x {size} image, got {scale!r}: a smaller one puts "
                         f"the edge pixels more than 2**52 lattice steps from the centre")
    limits.check_allocation((size, size), np.float64, "the pixel grid of the square image")  # row, col, x, y, ...
    limits.check_allocation(f.shape[:-2] + (size, size), np.result_type(f, np.float64), "the square image")
    centre = (size - 1) / 2
    row, col = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    x, y = (col - centre) / scale, (centre - row) / scale
    v = y / lattices.SQRT3_2
    u = x - v / 2
    # the nearest lattice point: round in cube coordinates (u, v, -u-v), fix the coordinate that moved most
    ru, rv, rw = np.rint(u), np.rint(v), np.rint(-u - v)
    du, dv, dw = np.abs(ru - u), np.abs(rv - v), np.abs(rw + u + v)
    fix_u = (du > dv) & (du > dw)
    fix_v = ~fix_u & (dv > dw)
    ru = np.where(fix_u, -rv - rw, ru)
    rv = np.where(fix_v, -ru - rw, rv)
    ru, rv = ru.astype(np.int64), rv.astype(np.int64)
    inside = lattices.hexagonal_distance(ru, rv) <= r
    out = np.full(f.shape[:-2] + (size, size), fill, dtype=np.result_type(f, np.float64))
    out[..., inside] = f[..., ru[inside] + r, rv[inside] + r]
    return out
