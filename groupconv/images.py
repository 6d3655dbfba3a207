"""Test images that need no download: the photograph matplotlib ships, and small synthetic signals."""
import numpy as np


def photograph(size=129):
    """The grace_hopper.jpg photograph shipped with matplotlib, grey, float64 in [0, 1], size x size.

    The largest centred square crop, resampled to `size` pixels a side by nearest-neighbour
    sampling (pixel i of the result is pixel floor(i * n / size) of the n-pixel crop; no
    averaging). Odd by default, so the frame has a centre pixel.
    """
    import matplotlib.cbook as cbook
    import matplotlib.image as mpimg

    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a positive integer, got {size!r}")
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
    return rng.integers(low, high + 1, size=shape, dtype=np.int64)


def random_signal(shape, rng, kind="exact"):
    """Test data for a check of the given kind (groupconv.checks): integer_image for "exact",
    standard normal float64 for "float" (whose sums then carry round-off)."""
    if kind == "exact":
        return integer_image(shape, rng)
    if kind == "float":
        return rng.standard_normal(shape)
    raise ValueError(f"kind must be 'exact' or 'float', got {kind!r}")
