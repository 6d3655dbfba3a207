"""Contracts of the small modules: figures.steady, inventory.ids, the photograph's sampling, cell positions,
the frame checks at their edges, and the widget's network.

Every expected value is computed here from the documented rule, not read back from the code under test.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from groupconv import action, correlate, figures, groups, images, inventory, lattices, widget


# ---------------------------------------------------------------- figures.steady

def _quantum(top, digits):
    """10 ** (e - digits + 1), e the decimal exponent of top read from its printed form (not from log10)."""
    exponent = int(f"{top:.20e}".split("e")[1])
    return 10.0 ** (exponent - digits + 1)


@settings(max_examples=200)
@given(a=hnp.arrays(np.float64, st.integers(1, 12), elements=st.floats(-1e12, 1e12, allow_nan=False)),
       digits=st.integers(1, 8))
def test_steady_rounds_to_digits_significant_digits_of_the_largest_value(a, digits):
    top = float(np.abs(a).max())
    out = figures.steady(a, digits)
    if top == 0.0:
        assert out.dtype == np.float64 and not out.any()
        return
    q = _quantum(top, digits)
    if q == 0.0:  # a denormal largest value: its quantum underflows, and the values are kept as they are
        assert np.array_equal(out, a)
        return
    assert np.array_equal(out, np.round(a / q) * q)
    assert (np.abs(out - a) <= q / 2 * (1 + 1e-12)).all()


def test_steady_keeps_denormal_values_finite():
    a = np.array([5e-324, -1e-320, 0.0])
    out = figures.steady(a)
    assert out.dtype == np.float64 and np.isfinite(out).all() and np.array_equal(out, a)


def test_steady_ignores_infinities_and_nans_for_its_scale_and_keeps_them():
    a = np.array([1.2345678, -0.5, np.inf, -np.inf, np.nan])
    out = figures.steady(a, 3)
    assert out[:2].tolist() == [1.23, -0.5]  # the scale is 1.23..., not infinite
    assert out[2] == np.inf and out[3] == -np.inf and np.isnan(out[4])


@pytest.mark.parametrize("a", [np.array([True, False]), np.arange(5, dtype=np.uint8), np.arange(-3, 3), np.zeros(0)])
def test_steady_returns_integer_boolean_and_empty_arrays_unchanged(a):
    out = figures.steady(a)
    assert out.dtype == a.dtype and np.array_equal(out, a)


# ---------------------------------------------------------------- inventory.ids

def test_ids_of_no_sections_are_none_and_of_every_section_are_all():
    every = [s.id for s in inventory.INVENTORY]
    assert inventory.ids() == every
    assert inventory.ids([]) == []
    assert inventory.ids(sorted(inventory.SECTIONS)) == every
    first = min(inventory.SECTIONS)
    assert inventory.ids(first) == [s.id for s in inventory.INVENTORY if s.section == first]
    with pytest.raises(ValueError, match="numbered"):
        inventory.ids([max(inventory.SECTIONS) + 1])


# ---------------------------------------------------------------- images.photograph

@pytest.mark.parametrize("size", [7, 100, 300, 384, 511])
def test_photograph_samples_the_nearest_pixel_of_the_crop_for_any_size(size):
    """Pixel i of a size x size picture is pixel floor(i * 512 / size) of the 512 x 512 crop."""
    crop = images.photograph(512)
    idx = [i * 512 // size for i in range(size)]
    assert np.array_equal(images.photograph(size), crop[np.ix_(idx, idx)])


# ---------------------------------------------------------------- cell positions (drawing)

@pytest.mark.parametrize("rows, cols", [(1, 1), (3, 3), (2, 5), (4, 3)])
def test_square_positions_put_x_right_and_y_up(rows, cols):
    """Pixel (i, j) is drawn at x = j - (cols - 1)/2 (right), y = -(i - (rows - 1)/2) (up): row 0 on top."""
    xy = lattices.get("square").positions(rows, cols)
    for i in range(rows):
        for j in range(cols):
            assert xy[i, j].tolist() == [j - (cols - 1) / 2, (rows - 1) / 2 - i]


# ---------------------------------------------------------------- frame checks at their edges

@pytest.mark.parametrize("n", [3, 5, 7])
def test_any_single_non_zero_corner_cell_is_refused(n):
    """Every cell outside the hexagon, alone non-zero, is refused by the action and by the correlations."""
    r = n // 2
    outside = [(i, j) for i in range(n) for j in range(n) if max(abs(i - r), abs(j - r), abs(i + j - 2 * r)) > r]
    g = groups.element("p6", 1, 0, 0)
    for i, j in outside:
        f = np.zeros((n, n))
        f[i, j] = 1.0
        with pytest.raises(ValueError, match="outside"):
            action.transform_image(f, g, group="p6")
        with pytest.raises(ValueError, match="outside"):
            correlate.lifting_correlation(f[None, None], np.zeros((1, 1, 3, 3)), "p6", "same")


def test_a_hexagonal_filter_with_a_non_zero_corner_is_refused():
    f = np.zeros((1, 1, 5, 5))
    for i, j in [(0, 0), (2, 2)]:  # the two corners of the 3 x 3 array outside its hexagon of 7 cells
        psi = np.zeros((1, 1, 3, 3))
        psi[0, 0, i, j] = 1.0
        with pytest.raises(ValueError, match="outside"):
            correlate.lifting_correlation(f, psi, "p6", "same")


@pytest.mark.parametrize("t", [2.0**63, -2.0**63 - 2**11, 2.0**64, 1e300])
def test_float_entries_outside_int64_are_refused_not_wrapped(t):
    g = np.eye(3)
    g[0, 2] = t
    with pytest.raises(ValueError, match="int64"):
        groups.as_element(g)


def test_the_largest_float_below_2_63_is_taken_exactly():
    g = np.eye(3)
    g[0, 2] = np.nextafter(2.0**63, 0)  # 2**63 - 1024, a whole number that fits in int64
    assert int(groups.as_element(g)[0, 2]) == 2**63 - 1024


# ---------------------------------------------------------------- the widget's network

@pytest.mark.parametrize("group", ["p6", "p6m", "p4"])
def test_widget_network_filters_live_on_the_lattices_filter_support(group):
    first = np.zeros((2, 1, 3, 3))
    filters = widget.network(group, first, depth=3, width=2)
    n = 3
    hexagon = np.array([[max(abs(i - 1), abs(j - 1), abs(i + j - 2)) <= 1 for j in range(n)] for i in range(n)])
    for psi in filters[1:]:
        assert psi.shape[-2:] == (3, 3)
        if groups.get(group).lattice == "hexagonal":
            assert not psi[..., ~hexagon].any()  # the corners outside the hexagon of 7 cells are zero
            assert psi[..., hexagon].any()
        else:
            assert psi[..., ~hexagon].any()  # the square grid uses all 9 cells


# ---------------------------------------------------------------- plot.hexagonal_slots, lookup (hostile round 2)

def _cube_distance(a, b):
    """Steps between axial cells a and b, from cube coordinates (u, v, -u-v): half the sum of |differences|."""
    du, dv = a[0] - b[0], a[1] - b[1]
    return (abs(du) + abs(dv) + abs(du + dv)) // 2


@pytest.mark.parametrize("group", ["p6", "p6m"])
@pytest.mark.parametrize("n", [1, 3, 5, 9])
@pytest.mark.parametrize("gap", [0, 1, 2, 5, 13])
def test_hexagonal_slots_are_the_first_multiple_that_keeps_patches_apart(group, n, gap):
    """The documented rule by brute force: t = 1, 2, ... until every two patches are >= 2 r + 1 + gap apart."""
    from groupconv import plot

    G = groups.get(group)
    unit = [tuple(int(x) for x in s[:2, :2] @ np.array(G.layouts["ring"])) for s in G.point_group]
    r, t = n // 2, 1
    while min(_cube_distance((t * a[0], t * a[1]), (t * b[0], t * b[1]))
              for i, a in enumerate(unit) for b in unit[i + 1:]) < 2 * r + 1 + gap:
        t += 1
    slots, size = plot.hexagonal_slots(n, group, gap)
    assert slots.tolist() == [[t * a, t * b] for a, b in unit]
    assert size == 2 * (max(_cube_distance((t * a, t * b), (0, 0)) for a, b in unit) + r + 1) + 1


def test_hexagonal_slots_refuse_a_canvas_beyond_the_memory_bound_at_once():
    from groupconv import plot

    with pytest.raises(ValueError, match="GiB"):
        plot.hexagonal_slots(3, "p6", gap=10**30)
    with pytest.raises(ValueError, match="odd"):
        plot.hexagonal_slots(4, "p6")


def test_lookup_reads_far_points_as_zero_and_refuses_non_members():
    from groupconv import lookup

    f = np.arange(1, 10).reshape(3, 3)
    far = np.array([[2**60, 0], [-2**60, 1], [0, 0], [1, -1]])
    assert lookup.value_at(f, far).tolist() == [0, 0, 5, 7]  # no wrap-around to a pixel of the frame
    F = np.arange(4 * 9).reshape(4, 3, 3)
    g = groups.element("p4", 3, 1, -1)
    assert lookup.value_on_group(F, g, "p4") == F[3, 2, 0]
    for bad in ([[-2, 0, 0], [0, 1, 0], [0, 0, 1]], [[0, 1, 0], [1, 0, 0], [0, 0, 1]], [[1, 0, 0], [0, 1, 0], [1, 0, 1]]):
        with pytest.raises(ValueError, match="not an element of p4"):
            lookup.value_on_group(F, np.array(bad), "p4")
