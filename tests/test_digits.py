"""The vendored UCI digits and the rotated sets built from them (groupconv/digits.py)."""
import hashlib

import numpy as np
import pytest

from groupconv import action, digits, groups
from groupconv.checks import SEED, residual


@pytest.fixture(scope="module")
def data():
    return digits.load()


def test_file_is_the_documented_copy():
    # the SHA-256 stated in groupconv/data/README.md
    with open(digits.DATA_FILE, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    assert digest == "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"


def test_load_shapes_values_and_class_counts(data):
    images, labels = data
    assert images.shape == (1797, 8, 8) and images.dtype == np.float64
    assert labels.shape == (1797,) and np.issubdtype(labels.dtype, np.integer)
    # 8x8 counts of "on" pixels in 4x4 blocks: integers 0..16, scaled by 1/16
    counts = images * 16
    assert residual(counts, np.round(counts)).exact
    assert counts.min() == 0 and counts.max() == 16
    # class sizes as listed in the UCI description of this (test) part of the data set
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_split_is_disjoint_stratified_and_reproducible(data):
    _, labels = data
    train, test = digits.split(labels, 0.3, seed=SEED)
    assert len(np.intersect1d(train, test)) == 0
    assert len(train) + len(test) == len(labels)
    per_class = np.bincount(labels[test]) / np.bincount(labels)
    assert np.all(np.abs(per_class - 0.3) < 0.01)
    again = digits.split(labels, 0.3, seed=SEED)
    assert np.array_equal(again[0], train) and np.array_equal(again[1], test)
    with pytest.raises(ValueError, match="test_fraction"):
        digits.split(labels, 1.5)


def test_turned_digits_stay_on_the_canvas(data):
    """The claim in digits.canvas: only the digit's top-left pixel lies > 5 px from the canvas centre, and it is blank."""
    images, _ = data
    a = (digits.CANVAS - 8) // 2
    centre = (digits.CANVAS - 1) / 2
    rows = np.arange(8)[:, None] + a - centre
    cols = np.arange(8)[None, :] + a - centre
    far = np.hypot(rows, cols) > 5
    assert far.sum() == 1 and far[0, 0]
    assert np.all(images[:, 0, 0] == 0)


def test_canvas_keeps_the_digit_unchanged(data):
    images, _ = data
    c = digits.canvas(images[:10])
    assert c.shape == (10, 11, 11)
    a = (11 - 8) // 2
    assert residual(c[:, a:a + 8, a:a + 8], images[:10]).exact
    assert c.sum() == images[:10].sum()
    with pytest.raises(ValueError, match="odd"):
        digits.canvas(images[:2], size=10)
    with pytest.raises(ValueError, match="shape"):
        digits.canvas(np.zeros((2, 9, 9)))


def test_quarter_turns_are_the_group_action(data):
    # digits.quarter_turns is np.rot90; action.transform_image is the library's L_R(r)
    c = digits.canvas(data[0][:4])
    for r in range(4):
        assert residual(digits.quarter_turns(c, r), action.transform_image(c, groups.rotation(r))).exact


def test_continuous_rotation_agrees_with_quarter_turns_and_turns_counter_clockwise(data):
    c = digits.canvas(data[0][:4])
    for r in range(4):
        res = residual(digits.rotate(c, 90.0 * r), np.rot90(c, r, axes=(-2, -1)))
        # sampling positions cos/sin of multiples of pi/2 are off by ~1e-16: float round-off
        assert res.within_float_tolerance()
    # a single bright pixel to the right of the centre turned by 45 degrees counter-clockwise
    # lands up-right (row offset -1, column offset +1, as displayed), bilinearly spread
    dot = np.zeros((1, 11, 11))
    dot[0, 5, 5 + 3] = 1.0
    turned = digits.rotate(dot, 45.0)[0]
    i, j = np.unravel_index(np.argmax(turned), turned.shape)
    assert (i - 5, j - 5) == (-2, 2)


def test_random_rotations_are_seeded_and_keep_most_ink(data):
    c = digits.canvas(data[0][:50])
    a, angles = digits.random_rotations(c, np.random.default_rng(SEED))
    b, angles_b = digits.random_rotations(c, np.random.default_rng(SEED))
    assert residual(a, b).exact and residual(angles, angles_b).exact
    assert angles.min() >= 0 and angles.max() < 360
    # bilinear interpolation roughly preserves the total ink; the 11 x 11 canvas loses next to none
    ratio = a.sum(axis=(1, 2)) / c.sum(axis=(1, 2))
    assert np.all(np.abs(ratio - 1) < 0.1)


def test_split_takes_whole_numbered_float_labels_and_refuses_nan_and_fractions():
    """Float labels with whole values split as the integers do; a NaN (equal to no class, so in neither split
    before) or 2.5 is refused, as are bool and string labels and a negative seed."""
    ints = np.array([0, 1, 1, 0, 2, 2, 0, 1])
    for a, b in zip(digits.split(ints.astype(float), 0.5, seed=3), digits.split(ints, 0.5, seed=3)):
        assert np.array_equal(a, b)
    for bad in (np.nan, 2.5, np.inf):
        with pytest.raises(ValueError, match="class numbers"):
            digits.split(np.array([0.0, 1.0, bad]))
    for bad in (np.array([True, False]), np.array(["a", "b"])):
        with pytest.raises(TypeError, match="class numbers"):
            digits.split(bad)
    with pytest.raises(ValueError, match="seed"):
        digits.split(ints, seed=-1)


def test_rotate_takes_one_angle_or_one_per_image():
    x = np.random.default_rng(SEED).random((3, 5, 5))
    one = digits.rotate(x, 30.0)
    assert np.array_equal(one, digits.rotate(x, [30.0, 30.0, 30.0]))
    for bad in ([30.0], [1.0, 2.0]):
        with pytest.raises(ValueError, match="one per image"):
            digits.rotate(x, bad)
    with pytest.raises(ValueError, match="finite"):
        digits.rotate(x, [0.0, np.inf, 1.0])
