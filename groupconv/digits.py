"""Real handwritten digits, offline: the 8 x 8 UCI digits and rotated versions of them.

The data (groupconv/data/digits.csv.gz, README beside it): 1,797 images of the digits
0-9 from the UCI "Optical Recognition of Handwritten Digits" set (Alpaydin & Kaynak,
CC BY 4.0), in the copy scikit-learn ships. Each image is 8 x 8 with integer pixel
values 0..16. Nothing is downloaded; NumPy reads the file.

Arrays: images (N, n, n) float64 (pixel values divided by 16, so in [0, 1]), labels (N,)
int64. A "canvas" is the odd-sized frame the networks see (CANVAS = 11, see `canvas`).
Rotations turn about the canvas centre pixel, counter-clockwise as displayed, exactly as
action.transform_image does: a quarter turn is np.rot90 (README "Conventions").

Two rotated sets are built (docs/equations.md I1 and the paper's rotated-MNIST experiment,
section 8.1):
    quarter_turns(x, r)        every image turned by r * 90 degrees: an exact permutation
                               of pixels, the symmetry a p4 network is built for;
    random_rotations(x, rng)   every image turned by its own random angle in [0, 360),
                               with bilinear interpolation (scipy.ndimage.affine_transform),
                               the analogue of rotated MNIST.
"""
import math
import numbers
import os

import numpy as np
from scipy import ndimage

from . import images as _images, limits

DATA_FILE = os.path.join(os.path.dirname(__file__), "data", "digits.csv.gz")
SIZE = 8  # the images as stored are SIZE x SIZE
CANVAS = 11  # the frame the networks see; odd, see `canvas`


def load():
    """All 1,797 digits: images (1797, 8, 8) float64 in [0, 1] and labels (1797,) int64.

    The file holds 65 integers per line: 64 pixel values (0..16, row-major) and the label.
    Pixel values are divided by 16 (a power of two, so the scaled values are exact).
    """
    table = np.loadtxt(DATA_FILE, delimiter=",", dtype=np.int64)
    if table.shape != (1797, SIZE * SIZE + 1):
        raise ValueError(f"{DATA_FILE} should hold 1797 rows of 65 integers, got shape {table.shape}")
    images = table[:, :-1].reshape(-1, SIZE, SIZE).astype(np.float64) / 16.0
    return images, table[:, -1].copy()


def split(labels, test_fraction=0.3, seed=0):
    """Indices (train, test) of a random split stratified by label, reproducible from `seed`.

    labels is 1-D. Rounding: a class of n images puts round(test_fraction * n) of them in
    the test set - Python's round() of the float product, to the nearest integer, a tie
    (.5) to the even one - and the other n - round(test_fraction * n) in the training set.
    So each class's test count is within 1/2 of test_fraction * n (a small class may go
    wholly to one side: round(0.3 * 1) = 0), and the test set holds the sum of the
    per-class counts, which can differ from round(test_fraction * len(labels)). Which
    images of a class go to the test set is a random permutation (numpy default_rng(seed),
    seed a non-negative integer; the classes in ascending order). Both index arrays are
    sorted, disjoint, and together hold every index once.

    Labels are class numbers: integers, or floats with whole values (5.0). NaN and other
    floats (2.5) raise ValueError - a NaN would equal no class and its image would land in
    neither split - and bool, complex, string or masked labels TypeError.
    """
    labels = limits.plain_array(labels, "labels")
    if labels.ndim != 1:
        raise ValueError(f"labels must be a 1-D array (one label per image), got shape {labels.shape}")
    if labels.dtype.kind not in "iuf":
        raise TypeError(f"labels must be class numbers (integers), got dtype {labels.dtype}")
    if labels.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(labels) | (labels != np.round(labels)))
        if bad.size:
            raise ValueError(f"labels must be class numbers (whole numbers); {bad.size} are not, the first "
                             f"{labels[bad[0]]} at index {bad[0]}")
    seed = limits.integer(seed, "seed (of numpy's default_rng)", minimum=0)
    if isinstance(test_fraction, (bool, np.bool_)) or not isinstance(test_fraction, numbers.Real):
        raise TypeError(f"test_fraction must be a number between 0 and 1, got {test_fraction!r}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction}")
    rng = np.random.default_rng(seed)
    train, test = [np.empty(0, np.int64)], [np.empty(0, np.int64)]  # so that no labels give two empty splits
    for digit in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == digit))
        n_test = int(round(test_fraction * len(idx)))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def canvas(images, size=CANVAS):
    """Put (N, 8, 8) images on an odd-sized (N, size, size) canvas of zeros (size >= 9, odd).

    Why an odd canvas, and why 11 by default:
      * odd, so the frame has a centre *pixel*: a quarter turn or a mirror about the
        centre maps pixel centres to pixel centres, "same"-mode filters and pooling
        windows of odd size sit symmetrically about it, and the strided pooling grids
        used by the networks (window 3, stride 2 on 11 -> 5 -> ...) are symmetric about
        the centre, so they commute with quarter turns (docs/equations.md P2);
      * 11 is close to 8 * sqrt(2) = 11.3, the diagonal of a digit: on the 11 x 11 canvas
        every pixel of the digit lies within 5 pixels of the canvas centre except its
        top-left corner pixel (distance 5.7), which is blank in all 1,797 images. So a
        digit turned by any angle about the centre stays inside the frame: continuous
        rotations lose no ink;
      * padding (rather than resampling onto an odd grid) keeps the upright digits
        bit-identical to the data. The price: an even image cannot be centred on an odd
        frame, so the digit's own centre sits half a pixel up-left of the canvas centre.
        That is harmless: every rotation here turns the whole canvas about its centre,
        and that is the symmetry the networks are built for.
    The digit occupies rows/columns (size - 8) // 2 ... (size - 8) // 2 + 7.
    """
    images = _images._real_array(images, "the images to put on the canvas")
    if images.ndim != 3 or images.shape[1:] != (SIZE, SIZE):
        raise ValueError(f"images must have shape (N, {SIZE}, {SIZE}), got {images.shape}")
    if not isinstance(size, (int, np.integer)) or size < SIZE + 1 or size % 2 == 0:
        raise ValueError(f"size must be an odd integer >= {SIZE + 1}, got {size!r}")
    out = np.zeros(limits.check_allocation((images.shape[0], size, size), np.float64, "the canvas"))
    a = (size - SIZE) // 2
    out[:, a:a + SIZE, a:a + SIZE] = images
    return out


def quarter_turns(images, r):
    """Every image (..., n, n) turned by r * 90 degrees counter-clockwise about its centre (exact); r an integer."""
    images = limits.plain_array(images, "the images to turn")
    if images.ndim < 2:
        raise ValueError(f"the images to turn have shape (..., n, n), got {images.shape}")
    r = limits.integer(r, "r (the number of quarter turns)", minimum=-math.inf)
    return np.ascontiguousarray(np.rot90(images, r % 4, axes=(-2, -1)))


def rotate(images, angles_deg, order=1):
    """Turn image i of (N, n, n) by angles_deg[i] degrees counter-clockwise about the centre.

    The output pixel at centred position x reads the input at R(-angle) x (L_g f = f o g^-1,
    action.py), interpolated with a spline of `order` (1 = bilinear); outside the frame
    the image is 0. At angles that are multiples of 90 degrees this is np.rot90 up to
    float round-off of the sampling positions (tests/test_digits.py checks it).
    angles_deg: one finite angle for all the images, or N of them; order 0..5.
    """
    images = _images._real_array(images, "the images to rotate")
    if images.ndim != 3 or images.shape[1] != images.shape[2]:
        raise ValueError(f"images must have shape (N, n, n), got {images.shape}")
    angles = _images._real_array(angles_deg, "angles_deg")
    if angles.shape not in ((), images.shape[:1]):
        raise ValueError(f"angles_deg must be one angle or one per image ({images.shape[0]}), got shape {angles.shape}")
    if not np.isfinite(angles).all():
        raise ValueError(f"angles_deg must be finite numbers of degrees, got {angles_deg!r}")
    angles = np.broadcast_to(angles, images.shape[:1])
    order = _images._check_order(order)
    n = images.shape[-1]
    centre = np.array([(n - 1) / 2.0, (n - 1) / 2.0])
    out = np.empty_like(images)
    for i, (img, angle) in enumerate(zip(images, angles)):
        t = np.deg2rad(angle)
        c, s = np.cos(t), np.sin(t)
        # np.rot90 reads output pixel (u, v) from input pixel (v, -u) (u rows, v columns,
        # centred). The same read-back map for any angle t is [[cos t, sin t], [-sin t, cos t]].
        inverse = np.array([[c, s], [-s, c]])
        offset = centre - inverse @ centre
        out[i] = ndimage.affine_transform(img, inverse, offset=offset, order=order, mode="constant", cval=0.0)
    return out


def random_rotations(images, rng):
    """Every image turned by its own angle drawn uniformly from [0, 360); returns (rotated, angles)."""
    images = _images._real_array(images, "the images to rotate")
    if images.ndim != 3:
        raise ValueError(f"images must have shape (N, n, n), got {images.shape}")
    angles = limits.generator(rng).uniform(0.0, 360.0, size=images.shape[0])
    return rotate(images, angles), angles
