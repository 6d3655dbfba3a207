"""Planar, lifting and group correlations/convolutions (docs/equations.md C1-C6, L1-L7).

Literal == vectorised to 1e-12 on float64 data (sums taken in another order: round-off);
equivariance exactly 0.0 on integer-valued data (every sum is a sum of integers).
"""
import numpy as np
import pytest
import scipy.ndimage
import scipy.signal

from groupconv import action, correlate, groups
from groupconv.checks import LITERAL_TOL, residual


def _ints(rng, shape):
    return rng.integers(-3, 4, size=shape)


def _modes(k):
    return ["valid", "full"] + (["same", "circular"] if k % 2 else [])


# ------------------------------------------------------------------ planar vs scipy (independent references)

@pytest.mark.parametrize("shape, k", [((2, 3, 9, 11), 3), ((1, 2, 8, 8), 2), ((3, 1, 7, 10), 5), ((2, 2, 6, 6), 1)])
def test_planar_equals_scipy(rng, shape, k):
    f = rng.normal(size=shape)
    psi = rng.normal(size=(4, shape[1], k, k))

    def scipy_signal(mode):
        return np.stack([np.stack([sum(scipy.signal.correlate(f[b, c], psi[o, c], mode=mode) for c in range(shape[1]))
                                   for o in range(4)]) for b in range(shape[0])])

    def scipy_ndimage(mode):
        return np.stack([np.stack([sum(scipy.ndimage.correlate(f[b, c], psi[o, c], mode=mode) for c in range(shape[1]))
                                   for o in range(4)]) for b in range(shape[0])])

    for fn in (correlate.planar_correlation, correlate.planar_correlation_literal):
        assert residual(fn(f, psi, "valid"), scipy_signal("valid")).value <= LITERAL_TOL
        assert residual(fn(f, psi, "full"), scipy_signal("full")).value <= LITERAL_TOL
        if k % 2:
            assert residual(fn(f, psi, "same"), scipy_ndimage("constant")).value <= LITERAL_TOL
            assert residual(fn(f, psi, "circular"), scipy_ndimage("wrap")).value <= LITERAL_TOL


def test_planar_convolution_equals_scipy_convolve(rng):
    f, psi = rng.normal(size=(1, 1, 8, 9)), rng.normal(size=(1, 1, 3, 3))
    ref = scipy.signal.convolve(f[0, 0], psi[0, 0], mode="valid")
    assert residual(correlate.planar_convolution(f, psi)[0, 0], ref).value <= LITERAL_TOL


def test_hand_example():
    f = np.array([[[[1, 2, 0], [0, 1, 3], [2, 0, 1]]]])
    psi = np.array([[[[1, 0], [0, -1]]]])
    # out[i, j] = f[i, j] - f[i + 1, j + 1]
    expected = np.array([[[[0, -1], [0, 0]]]])
    assert np.array_equal(correlate.planar_correlation_literal(f, psi), expected)
    assert np.array_equal(correlate.planar_correlation(f, psi), expected)


# ------------------------------------------------------------------ literal == vectorised

CASES = [  # (image size, k)
    (5, 1), (5, 2), (5, 3), (6, 3), (6, 2), (7, 5), (6, 5),
]


@pytest.mark.parametrize("n, k", CASES)
def test_planar_literal_equals_vectorised(rng, n, k):
    f, psi = rng.normal(size=(2, 3, n, n)), rng.normal(size=(2, 3, k, k))
    for mode in _modes(k):
        fast = correlate.planar_correlation(f, psi, mode)
        for form in correlate.FORMS:
            assert residual(correlate.planar_correlation_literal(f, psi, mode, form), fast).value <= LITERAL_TOL


@pytest.mark.parametrize("group", groups.SQUARE_GROUPS)
@pytest.mark.parametrize("n, k", CASES)
def test_lifting_literal_equals_vectorised(rng, group, n, k):
    B, C, O = (1, 2, 2) if k == 5 else (2, 3, 2)
    f, psi = rng.normal(size=(B, C, n, n)), rng.normal(size=(O, C, k, k))
    for mode in _modes(k):
        fast = correlate.lifting_correlation(f, psi, group, mode)
        fast_conv = correlate.lifting_convolution(f, psi, group, mode)
        assert fast.shape == (B, O, groups.order(group), correlate.output_size(n, k, mode), correlate.output_size(n, k, mode))
        for form in correlate.FORMS:
            assert residual(correlate.lifting_correlation_literal(f, psi, group, mode, form), fast).value <= LITERAL_TOL
            assert residual(correlate.lifting_convolution_literal(f, psi, group, mode, form), fast_conv).value <= LITERAL_TOL


@pytest.mark.parametrize("group", groups.SQUARE_GROUPS)
@pytest.mark.parametrize("n, k", CASES)
def test_group_literal_equals_vectorised(rng, group, n, k):
    nH = groups.order(group)
    B, C, O = (1, 1, 2) if k == 5 else (2, 2, 1)
    f, psi = rng.normal(size=(B, C, nH, n, n)), rng.normal(size=(O, C, nH, k, k))
    modes = _modes(k) if (group == "p4" or k < 5) else ["valid", "same"]
    for mode in modes:
        fast = correlate.group_correlation(f, psi, group, mode)
        fast_conv = correlate.group_convolution(f, psi, group, mode)
        for form in correlate.FORMS:
            assert residual(correlate.group_correlation_literal(f, psi, group, mode, form), fast).value <= LITERAL_TOL
            assert residual(correlate.group_convolution_literal(f, psi, group, mode, form), fast_conv).value <= LITERAL_TOL


def test_integer_inputs_give_exact_integer_outputs(rng):
    f, psi = _ints(rng, (2, 2, 4, 7, 7)), _ints(rng, (3, 2, 4, 3, 3))
    out = correlate.group_correlation(f, psi, "p4")
    assert np.issubdtype(out.dtype, np.integer)
    assert np.array_equal(out, correlate.group_correlation_literal(f, psi, "p4"))


# ------------------------------------------------------------------ L6 relation, L7 filter bank

@pytest.mark.parametrize("group", groups.SQUARE_GROUPS)
def test_reverse_filter_is_psi_of_h_inverse(rng, group):
    nH = groups.order(group)
    psi = _ints(rng, (nH, 3, 3))
    check = correlate.reverse_filter(psi, group)
    H = groups.point_group(group)
    for s_index, s in enumerate(H):
        for a in range(3):
            for b in range(3):
                h = groups.translation(a - 1, b - 1) @ s
                h_inv = groups.inverse(h)
                t, s_inv = groups.split(h_inv)
                j = groups.point_group_index(s_inv, group)
                assert check[s_index, a, b] == psi[j, t[0, 2] + 1, t[1, 2] + 1]
    assert np.array_equal(correlate.reverse_filter(check, group), psi)  # an involution


def test_lifting_bank_is_rotated_filters(rng):
    psi = _ints(rng, (2, 3, 3, 3))
    bank = correlate.expand_lifting_filter(psi, "p4m")
    for m in range(2):
        for r in range(4):
            expected = np.rot90(psi, r, axes=(-2, -1))
            if m:
                expected = np.flip(expected, axis=-2)
            assert np.array_equal(bank[:, 4 * m + r], expected)


def test_group_bank_rotates_planes_and_cycles_axis(rng):
    psi = _ints(rng, (2, 3, 4, 3, 3))
    bank = correlate.expand_group_filter(psi, "p4")
    for r in range(4):
        for s in range(4):
            assert np.array_equal(bank[:, r, :, s], np.rot90(psi[:, :, (s - r) % 4], r, axes=(-2, -1)))


# ------------------------------------------------------------------ equivariance, exact

def _equivariance_residuals(rng, group, n, k, mode, u, boundary="zero"):
    """Max residuals of L_u-equivariance for lifting/group correlation and convolution."""
    nH = groups.order(group)
    f = _ints(rng, (2, 2, n, n))
    F = _ints(rng, (2, 2, nH, n, n))
    psi = _ints(rng, (3, 2, k, k))
    Psi = _ints(rng, (3, 2, nH, k, k))
    out = []
    for layer in (correlate.lifting_correlation, correlate.lifting_convolution):
        lhs = layer(action.transform_image(f, u, boundary), psi, group, mode)
        rhs = action.transform_group_function(layer(f, psi, group, mode), u, group, boundary)
        out.append(residual(lhs, rhs))
    for layer in (correlate.group_correlation, correlate.group_convolution):
        lhs = layer(action.transform_group_function(F, u, group, boundary), Psi, group, mode)
        rhs = action.transform_group_function(layer(F, Psi, group, mode), u, group, boundary)
        out.append(residual(lhs, rhs))
    return out


@pytest.mark.parametrize("group", groups.SQUARE_GROUPS)
@pytest.mark.parametrize("n, k, mode", [(9, 3, "valid"), (9, 3, "same"), (8, 3, "valid"), (8, 2, "valid"),
                                        (9, 2, "valid"), (7, 5, "same"), (6, 2, "full"), (8, 3, "same"),
                                        (8, 3, "circular"), (7, 3, "full")])
def test_point_group_equivariance_exact(rng, group, n, k, mode):
    for s in groups.point_group(group):
        assert all(r.exact for r in _equivariance_residuals(rng, group, n, k, mode, s)), groups.name(s)


@pytest.mark.parametrize("group", groups.SQUARE_GROUPS)
@pytest.mark.parametrize("mode, boundary", [("full", "grow"), ("circular", "wrap")])
def test_full_group_equivariance_with_translations(rng, group, mode, boundary):
    for s in groups.point_group(group):
        for u, v in [(1, 0), (-2, 3), (4, -1)]:
            g = groups.translation(u, v) @ s
            assert all(r.exact for r in _equivariance_residuals(rng, group, 7, 3, mode, g, boundary)), groups.name(g)


def _band(n, u, r, mode):
    """Rows of an n-row output where L_t and the correlation can disagree, for a shift u (zero fill).

    Derivation for u > 0 (u < 0 is the mirror image), with r = (k-1)/2:
      same:  rows u-r .. u-1 (the zero-filled band seen through the filter) and rows n-r .. n-1
             (content pushed past the far edge is lost before the correlation sees it);
      valid: rows max(0, u-2r) .. u-1 (the output frame is the input frame shrunk by r).
    """
    rows = np.zeros(n, dtype=bool)
    if u == 0:
        return rows
    a = abs(u)
    if mode == "same":
        rows[max(0, a - r):a] = True
        rows[n - r:] = True
    else:
        rows[max(0, a - 2 * r):a] = True
    return rows if u > 0 else rows[::-1]


@pytest.mark.parametrize("mode", ["same", "valid"])
@pytest.mark.parametrize("u, v", [(2, 0), (0, -3), (3, 1), (-1, -2)])
def test_translation_breaks_only_in_the_border_band(rng, mode, u, v):
    f, psi = _ints(rng, (1, 1, 15, 15)), _ints(rng, (1, 1, 5, 5))
    t = groups.translation(u, v)
    lhs = correlate.lifting_correlation(action.transform_image(f, t), psi, "p4", mode)
    rhs = action.transform_group_function(correlate.lifting_correlation(f, psi, "p4", mode), t, "p4")
    diff = np.abs(lhs - rhs)[0, 0]  # (|H|, H', W')
    n = diff.shape[-1]
    rows, cols = _band(n, u, 2, mode), _band(n, v, 2, mode)
    band = rows[:, None] | cols[None, :]
    assert np.all(diff[:, ~band] == 0)  # exactly zero away from the band
    # and the band is no wider than needed: every predicted row and column of it breaks somewhere
    assert np.all(diff.any(axis=(0, 2))[rows]) and np.all(diff.any(axis=(0, 1))[cols])


def test_planar_correlation_is_not_rotation_equivariant_but_C6_holds(rng):
    f, psi = _ints(rng, (1, 1, 9, 9)), _ints(rng, (1, 1, 3, 3))
    R, R_inv = groups.rotation(1), groups.rotation(3)
    lhs = correlate.planar_correlation(action.transform_image(f, R), psi)
    assert not residual(lhs, action.transform_image(correlate.planar_correlation(f, psi), R)).exact
    rhs = action.transform_image(correlate.planar_correlation(f, action.transform_image(psi, R_inv)), R)
    assert residual(lhs, rhs).exact


# ------------------------------------------------------------------ bad input, dtypes, no mutation

def test_bad_input_messages(rng):
    f, psi = np.zeros((1, 2, 7, 7)), np.zeros((3, 2, 3, 3))
    with pytest.raises(ValueError, match=r"\(B, C_in, rows, cols\)"):
        correlate.lifting_correlation(np.zeros((2, 7, 7)), psi, "p4")
    with pytest.raises(ValueError, match="channel mismatch"):
        correlate.lifting_correlation(np.zeros((1, 3, 7, 7)), psi, "p4")
    with pytest.raises(ValueError, match="group axis of length 8"):
        correlate.group_correlation(np.zeros((1, 2, 4, 7, 7)), np.zeros((3, 2, 8, 3, 3)), "p4m")
    with pytest.raises(ValueError, match="must fit inside"):
        correlate.planar_correlation(np.zeros((1, 2, 2, 2)), psi)
    with pytest.raises(ValueError, match="odd filter size"):
        correlate.planar_correlation(f, np.zeros((3, 2, 2, 2)), "same")
    with pytest.raises(ValueError, match="mode must be one of"):
        correlate.planar_correlation(f, psi, "reflect")
    with pytest.raises(ValueError, match="group must be one of"):
        correlate.lifting_correlation(f, psi, "p5")
    with pytest.raises(ValueError, match="needs a group with turns"):
        correlate.lifting_correlation(f, psi, "T")
    with pytest.raises(TypeError, match="numeric"):
        correlate.planar_correlation(f.astype(str), psi)
    with pytest.raises(ValueError, match="square"):
        correlate.planar_correlation(f, np.zeros((3, 2, 3, 2)))
    with pytest.raises(ValueError, match="form must be one of"):
        correlate.planar_correlation_literal(f, psi, form="blog")
    with pytest.raises(ValueError, match="k >= 1"):  # an empty filter
        correlate.lifting_correlation(f, np.zeros((3, 2, 0, 0)), "p4", "full")
    with pytest.raises(ValueError, match="must fit inside"):
        correlate.group_correlation(np.zeros((1, 2, 4, 3, 3)), np.zeros((3, 2, 4, 5, 5)), "p4")
    with pytest.raises(TypeError, match="numeric"):
        correlate.lifting_correlation(f > 0, psi, "p4")


def test_bad_filter_shapes_and_sizes_of_the_helpers():
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 4, k, k\)"):
        correlate.reverse_filter(np.zeros((8, 3, 3)), "p4")  # a p4m filter read as a p4 filter
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 8, k, k\)"):
        correlate.reverse_filter(np.zeros((8, 3, 2)), "p4m")
    with pytest.raises(ValueError, match="group must be one of"):
        correlate.expand_lifting_filter(np.zeros((1, 1, 3, 3)), ["p4"])
    f, dout = np.zeros((1, 1, 6, 6)), np.zeros((1, 1, 4, 4, 4))
    with pytest.raises(TypeError, match="must be an integer"):
        correlate.lifting_correlation_grad_filter(f, dout, "p4", 3.0)
    with pytest.raises(ValueError, match="at least 1"):
        correlate.lifting_correlation_grad_filter(f, dout, "p4", 0)
    with pytest.raises(ValueError, match="must fit inside"):
        correlate.group_correlation_grad_filter(np.zeros((1, 1, 4, 2, 2)), dout, "p4", 3)


def test_float32_stays_float32(rng):
    f, psi = rng.normal(size=(1, 2, 7, 7)).astype(np.float32), rng.normal(size=(3, 2, 3, 3)).astype(np.float32)
    assert correlate.lifting_correlation(f, psi, "p4").dtype == np.float32


def test_inputs_not_modified(rng):
    f, psi = rng.normal(size=(1, 2, 4, 7, 7)), rng.normal(size=(3, 2, 4, 3, 3))
    f0, psi0 = f.copy(), psi.copy()
    correlate.group_correlation(f, psi, "p4", "circular")
    correlate.group_convolution(f, psi, "p4", "same")
    correlate.group_correlation_literal(f, psi, "p4", "circular", "substituted")
    correlate.lifting_correlation(f[:, :, 0], psi[:, :, 0], "p4", "full")
    assert np.array_equal(f, f0) and np.array_equal(psi, psi0)


@pytest.mark.parametrize("group", groups.SQUARE_GROUPS)
def test_no_function_writes_into_its_inputs(rng, group):
    """Every public function of correlate.py runs on read-only inputs (a write would raise) and leaves them equal."""
    nH = groups.order(group)
    arrays = {"f": _ints(rng, (1, 2, 6, 6)), "psi": _ints(rng, (2, 2, 3, 3)),
              "F": _ints(rng, (1, 2, nH, 6, 6)), "Psi": _ints(rng, (2, 2, nH, 3, 3))}
    arrays["dout"] = _ints(rng, (1, 2, nH, 6, 6))
    saved = {name: a.copy() for name, a in arrays.items()}
    for a in arrays.values():
        a.setflags(write=False)
    f, psi, F, Psi, dout = (arrays[n] for n in ("f", "psi", "F", "Psi", "dout"))
    correlate.planar_correlation(f, psi, "same"), correlate.planar_convolution(f, psi, "same")
    correlate.planar_correlation_literal(f, psi, "circular", "substituted")
    for fn in (correlate.lifting_correlation, correlate.lifting_convolution):
        fn(f, psi, group, "same")
    for fn in (correlate.lifting_correlation_literal, correlate.lifting_convolution_literal):
        fn(f, psi, group, "circular", "paper")
    for fn in (correlate.group_correlation, correlate.group_convolution):
        fn(F, Psi, group, "same")
    for fn in (correlate.group_correlation_literal, correlate.group_convolution_literal):
        fn(F, Psi, group, "circular", "substituted")
    correlate.lifting_correlation_grad_input(dout, psi, group, f.shape, "same")
    correlate.lifting_correlation_grad_filter(f, dout, group, 3, "same")
    correlate.group_correlation_grad_input(dout, Psi, group, F.shape, "same")
    correlate.group_correlation_grad_filter(F, dout, group, 3, "same")
    correlate.expand_lifting_filter(psi, group), correlate.expand_group_filter(Psi, group)
    correlate.reverse_filter(Psi, group)
    for name, a in arrays.items():
        assert residual(a, saved[name]).exact, name
