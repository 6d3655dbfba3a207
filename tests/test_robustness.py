"""No silent wrong answers: small integer types, NaN and infinity, empty sizes, bad state, bad arguments.

Every public function either gives the right answer or raises a clear error naming what
was expected. The right answers are checked against references computed independently
(int64 sums by hand-written sliding windows, NaN masks predicted from the filter
window), never against the function under test.
"""
import warnings

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from groupconv import action, correlate, engine, groups, limits, nn
from groupconv.checks import FLOAT32_TOL, LITERAL_TOL, residual

SMALL_INTS = [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32]


def _valid_sums(f, psi):
    """Valid-mode planar correlation in exact int64, by an explicit sliding window (independent reference)."""
    windows = sliding_window_view(f.astype(np.int64), psi.shape[-2:], axis=(-2, -1))
    return np.einsum("bcijxy,ocxy->boij", windows, psi.astype(np.int64))


# ---------------------------------------------------------------- integers never wrap

@pytest.mark.parametrize("dtype", SMALL_INTS)
def test_small_integer_types_give_exact_int64_sums(dtype):
    f = np.full((1, 1, 5, 5), 100, dtype)
    psi = np.ones((1, 1, 3, 3), dtype)
    for out in (correlate.planar_correlation(f, psi), correlate.planar_correlation_literal(f, psi)):
        assert out.dtype == np.int64
        assert (out == 900).all()  # 9 products of 100 x 1; int8 used to give -124
    big = np.full((1, 1, 4, 5, 5), 200, dtype if np.iinfo(dtype).max >= 200 else np.int16)
    ones = np.ones((1, 1, 4, 3, 3), big.dtype)
    for out in (correlate.group_convolution(big, ones, "p4"), correlate.group_convolution_literal(big, ones, "p4")):
        assert out.dtype == np.int64 and (out == 200 * 36).all()  # 4 planes x 9 pixels; uint8 used to give 32


@pytest.mark.parametrize("dtype", SMALL_INTS + [np.int64])
def test_small_integer_gradients_exact(rng, dtype):
    hi = min(np.iinfo(dtype).max, 120)
    f = rng.integers(0, hi, size=(2, 2, 6, 6)).astype(dtype)
    dout = rng.integers(0, hi, size=(2, 3, 4, 4)).astype(dtype)
    dpsi = engine.planar_correlation_grad_filter(f, dout, 3, "valid")
    expected = np.einsum("bcijxy,boij->ocxy", sliding_window_view(f.astype(np.int64), (3, 3), axis=(-2, -1)),
                         dout.astype(np.int64))
    assert dpsi.dtype == np.int64 and residual(dpsi, expected).exact
    psi = rng.integers(0, hi, size=(3, 2, 3, 3)).astype(dtype)
    assert residual(engine.planar_correlation(f, psi), _valid_sums(f, psi)).exact


def test_integer_overflow_raises_for_negative_extremes_too():
    # -(2**53 + 1) is not a float64: the engine must take the int64 path, which a bound that looks at the
    # largest entry (1) instead of the largest |entry| would not
    f = np.array([[[[-(2**53 + 1), 1]]]], dtype=np.int64)
    out = correlate.planar_correlation(f, np.ones((1, 1, 1, 1), np.int64))
    assert out.dtype == np.int64 and int(out[0, 0, 0, 0]) == -(2**53 + 1) and int(out[0, 0, 0, 1]) == 1
    with pytest.raises(ValueError, match="overflow int64"):
        correlate.planar_correlation(np.array([[[[-2**62, 1]]]]), np.full((1, 1, 1, 1), 4, np.int64))


def test_uint64_beyond_int64_raises():
    with pytest.raises(ValueError, match="overflow int64"):
        correlate.planar_correlation(np.full((1, 1, 3, 3), 2**63, np.uint64), np.ones((1, 1, 1, 1), np.uint64))


# ---------------------------------------------------------------- NaN and infinity stay where the direct sum puts them

def _window_mask(shape, point, k, mode):
    """Which outputs of a 'same'/'valid' correlation have `point` under their k x k window (independent)."""
    rows, cols = shape
    p = (k - 1) // 2 if mode == "same" else 0
    out_rows, out_cols = rows + 2 * p - k + 1, cols + 2 * p - k + 1
    i, j = np.meshgrid(np.arange(out_rows), np.arange(out_cols), indexing="ij")
    a, b = point[0] + p, point[1] + p  # the point in padded coordinates
    return (i <= a) & (a < i + k) & (j <= b) & (b < j + k)


def test_nan_on_the_fft_sized_path_stays_under_its_windows(rng):
    f = rng.normal(size=(1, 40, 16, 16))
    f[0, 0, 8, 8] = np.nan
    psi = np.ones((2, 40, 5, 5))
    assert engine.choose_method(f.shape, 5, np.float64) == "fft"  # finite data of this size would take the FFT
    out = correlate.planar_correlation(f, psi, "same")
    expected = np.broadcast_to(_window_mask((16, 16), (8, 8), 5, "same"), out.shape)
    assert np.array_equal(np.isnan(out), expected) and np.isnan(out).sum() == 50
    with pytest.raises(ValueError, match="finite data"):
        engine.planar_correlation(f, psi, "same", method="fft")


def test_infinity_propagates_like_the_direct_sum(rng):
    f = rng.normal(size=(1, 40, 12, 12))
    f[0, 3, 2, 2] = np.inf
    psi = np.abs(rng.normal(size=(1, 40, 5, 5))) + 0.1  # positive filter: +inf times a positive weight
    out = correlate.planar_correlation(f, psi, "valid")
    assert np.array_equal(np.isposinf(out)[0, 0], _window_mask((12, 12), (2, 2), 5, "valid"))
    assert np.isfinite(out[~np.isposinf(out)]).all()


def test_nan_gradients_stay_local(rng):
    f = rng.normal(size=(2, 40, 10, 10))
    dout = rng.normal(size=(2, 3, 6, 6))
    dout[1, 2, 3, 3] = np.nan
    dpsi = engine.planar_correlation_grad_filter(f, dout, 5, "valid")
    assert np.isnan(dpsi[2]).all() and not np.isnan(dpsi[:2]).any()  # only the output channel with the NaN
    df = engine.planar_correlation_grad_input(dout, rng.normal(size=(3, 40, 5, 5)), f.shape, "valid")
    reached = np.zeros((10, 10), bool)
    reached[3:8, 3:8] = True  # df[y] sums dout[x] psi[y - x]: the NaN at x = (3, 3) reaches y in x + [0, 5)^2
    assert np.array_equal(np.isnan(df[1]), np.broadcast_to(reached, (40, 10, 10)))
    assert not np.isnan(df[0]).any()


@pytest.mark.parametrize("form", correlate.FORMS)
def test_literal_sums_keep_a_nan_local(form):
    f = np.zeros((1, 1, 7, 7))
    f[0, 0, 0, 0] = np.nan
    psi = np.ones((1, 1, 3, 3))
    expected = _window_mask((7, 7), (0, 0), 3, "valid")  # only output (0, 0) sees the corner pixel
    for out in (correlate.planar_correlation(f, psi), correlate.planar_correlation_literal(f, psi, form=form)):
        assert np.array_equal(np.isnan(out[0, 0]), expected)
    lifted = correlate.lifting_correlation_literal(f, psi, "p4", form=form)
    assert np.array_equal(np.isnan(lifted), np.isnan(correlate.lifting_correlation(f, psi, "p4")))
    F = np.zeros((1, 1, 4, 5, 5))
    F[0, 0, 1, 0, 0] = np.nan
    Psi = np.ones((1, 1, 4, 3, 3))
    for literal, fast in ((correlate.group_correlation_literal, correlate.group_correlation),
                          (correlate.group_convolution_literal, correlate.group_convolution)):
        assert np.array_equal(np.isnan(literal(F, Psi, "p4", "same", form)), np.isnan(fast(F, Psi, "p4", "same")))


def test_relu_keeps_nan():
    layer = nn.ReLU()
    out = layer.forward(np.array([np.nan, -1.0, 2.0]))
    assert np.isnan(out[0]) and out[1] == 0.0 and out[2] == 2.0
    assert np.isnan(layer.backward(np.ones(3))[0])


# ---------------------------------------------------------------- bad state is refused before it happens

def test_batch_norm_refuses_an_empty_or_non_finite_batch_and_keeps_its_statistics(rng):
    layer = nn.BatchNorm(3)
    with pytest.raises(ValueError, match="empty batch"):
        layer.forward(np.ones((0, 3, 4, 6, 6)), train=True)
    assert layer.buffers["mean"] is None
    x = rng.normal(size=(2, 3, 4, 6, 6))
    layer.forward(x, train=True)
    mean, var = layer.buffers["mean"].copy(), layer.buffers["var"].copy()
    bad = x.copy()
    bad[0, 0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        layer.forward(bad, train=True)
    with pytest.raises(ValueError, match="empty batch"):
        layer.forward(np.ones((0, 3, 4, 6, 6)), train=True)
    assert np.array_equal(layer.buffers["mean"], mean) and np.array_equal(layer.buffers["var"], var)
    assert np.isfinite(layer.forward(x)).all()
    with pytest.raises(TypeError, match="complex"):
        layer.forward(x + 1j, train=True)
    with pytest.raises(ValueError, match="3 channels"):
        layer.forward(np.ones((2, 4, 6, 6)), train=True)
    with pytest.raises(ValueError, match="do not fit"):
        layer.forward(np.ones((2, 3, 6, 6)))


def test_softmax_cross_entropy_refuses_labels_out_of_range():
    logits = np.zeros((1, 4))
    for bad in ([-1], [4]):
        with pytest.raises(ValueError, match="0..3"):
            nn.softmax_cross_entropy(logits, np.array(bad))
    with pytest.raises(ValueError, match="at least one example"):
        nn.softmax_cross_entropy(np.zeros((0, 4)), np.zeros(0, np.int64))
    loss, _ = nn.softmax_cross_entropy(logits, np.array([3]))
    assert residual(loss, np.log(4)).within_float_tolerance()


def test_group_conv_backward_checks_the_gradient_shape():
    layer = nn.GroupConv(3, 2, "p4")
    with pytest.raises(RuntimeError, match="forward pass first"):
        layer.backward(np.ones((2, 2, 4, 6, 6)))
    layer.forward(np.ones((2, 3, 4, 6, 6)))
    with pytest.raises(ValueError, match="forward output's shape"):
        layer.backward(np.ones((2, 4, 2, 6, 6)))  # (B, |H|, O, ...) instead of (B, O, |H|, ...)


def test_group_elements_near_the_int64_limit_raise():
    with pytest.raises(ValueError, match="2\\*\\*60"):
        groups.compose(groups.translation(2**62, 0), groups.translation(2**62, 0))
    with pytest.raises(ValueError, match="2\\*\\*60"):
        groups.inverse(groups.translation(-2**63, 0))
    big = groups.translation(2**60, -2**60)
    assert np.array_equal(groups.inverse(big), groups.translation(-2**60, 2**60))  # the largest allowed still works
    with pytest.raises(ValueError, match="2\\*\\*60"):
        groups.act(groups.identity(), np.array([2**62, 0]))


# ---------------------------------------------------------------- empty sizes: right answers or clear errors

def test_empty_frames_raise_the_same_clear_error_on_both_paths():
    f, psi = np.zeros((1, 1, 0, 0)), np.ones((1, 1, 3, 3))
    for fn in (correlate.planar_correlation, correlate.planar_correlation_literal):
        with pytest.raises(ValueError, match="empty frame"):
            fn(f, psi, "same")
    with pytest.raises(ValueError, match="empty frame"):
        correlate.lifting_correlation(f, psi, "p4", "full")


def test_zero_channels_and_zero_outputs_agree_on_both_paths(rng):
    F = np.zeros((2, 0, 4, 5, 5))
    Psi = np.zeros((3, 0, 4, 3, 3))
    for fn in (correlate.group_correlation, correlate.group_correlation_literal):
        out = fn(F, Psi, "p4", "full")
        assert out.shape == (2, 3, 4, 7, 7) and not out.any()  # an empty sum is 0
    f = rng.integers(-3, 4, size=(1, 2, 5, 5))
    psi = np.zeros((0, 2, 3, 3), np.int64)
    for fn in (correlate.lifting_correlation, correlate.lifting_correlation_literal):
        assert fn(f, psi, "p4").shape == (1, 0, 4, 3, 3)
    empty_batch = np.zeros((0, 2, 4, 6, 6))
    assert nn.GlobalPool("mean").forward(empty_batch).shape == (0, 2)
    assert nn.GlobalPool("max").forward(empty_batch).shape == (0, 2)
    with pytest.raises(ValueError, match="at least one value"):
        nn.GlobalPool().forward(np.zeros((2, 2, 0, 6)))


# ---------------------------------------------------------------- clear errors from layers and constructors

def test_layers_name_what_they_expect():
    with pytest.raises(ValueError, match="2 channels"):
        nn.Bias(2).forward(np.ones((1, 3, 4, 4)))
    with pytest.raises(ValueError, match="last two axes"):
        nn.MaxPool(2, 1).forward(np.ones(5))
    with pytest.raises(ValueError, match="k must be at least 1"):
        nn.PlanarConv(1, 1, 0)
    with pytest.raises(ValueError, match=r"Linear expects inputs \(B, 4\)"):
        nn.Linear(4, 2).forward(np.ones((3, 5)))
    with pytest.raises(ValueError, match="broadcast together"):
        groups.element("p4", [0, 1], [0, 0, 0], 0)
    with pytest.raises(ValueError, match="group must be one of"):
        nn.LiftingConv(1, 2, "P4")  # at construction, not at the first forward pass
    with pytest.raises(ValueError, match="mode must be one of"):
        nn.PlanarConv(1, 1, mode="SAME")
    with pytest.raises(ValueError, match="odd filter size"):
        nn.GroupConv(1, 1, "p4", k=2, mode="same")
    with pytest.raises(TypeError, match="c_out must be an integer"):
        nn.GroupConv(1, 2.5, "p4")


def test_float16_is_accumulated_in_float32_without_warnings(rng):
    f = np.full((1, 2, 40, 40), 60.0, np.float16)
    psi = np.full((1, 2, 7, 7), 30.0, np.float16)  # each sum is 98 x 1800 = 176400, beyond float16 (max 65504)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast = correlate.planar_correlation(f, psi)
        literal = correlate.planar_correlation_literal(f[:, :, :9, :9], psi)
    assert fast.dtype == np.float32 and literal.dtype == np.float32
    assert (fast == 176400.0).all() and (literal == 176400.0).all()


def test_literal_loops_refuse_hours_of_work_and_say_how_to_override():
    # First with a tiny limit, so that a broken guard fails here at once instead of looping for hours below.
    old = limits.set_literal_limit(1e-9)
    try:
        with pytest.raises(ValueError, match="literal loop"):
            correlate.planar_correlation_literal(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)))
        with pytest.raises(ValueError, match="literal loop"):
            action.transform_group_function_literal(np.ones((4, 5, 5)), groups.rotation(1), "p4")
        limits.set_literal_limit(None)
        assert correlate.planar_correlation_literal(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))).shape == (1, 1, 3, 3)
    finally:
        limits.set_literal_limit(old)
    with pytest.raises(ValueError, match=r"about \d+ s as a literal loop.*set_literal_limit"):
        action.transform_image_literal(np.ones((5, 5)), groups.translation(6000, 6000), "grow")
    with pytest.raises(ValueError, match="vectorised group_correlation"):
        correlate.group_correlation_literal(np.ones((1, 1, 8, 48, 48)), np.ones((1, 1, 8, 3, 3)), "p4m", "same")


def test_huge_results_raise_before_allocating():
    with pytest.raises(ValueError, match="GiB"):
        action.transform_image(np.ones((5, 5)), groups.translation(10**6, 10**6), "grow")
    with pytest.raises(ValueError, match=r"shape \(100000, 1000, 100, 100\)"):
        engine.planar_correlation(np.broadcast_to(np.zeros(1), (100000, 1, 100, 100)), np.zeros((1000, 1, 1, 1)))


# ---------------------------------------------------------------- the workspace is keyed by dtype

def test_workspace_buffers_are_not_shared_across_dtypes(rng):
    f = rng.normal(size=(3, 4, 9, 9))
    psi = rng.normal(size=(5, 4, 3, 3))
    reference = _valid_sums_float(f, psi)
    engine.clear_buffers()
    engine.planar_correlation(f.astype(np.float32), psi.astype(np.float32), "same")
    out = engine.planar_correlation(f, psi, "same")[:, :, 1:-1, 1:-1]  # right after a float32 call of one shape
    r = residual(out, reference)
    assert out.dtype == np.float64 and r.value <= LITERAL_TOL * r.scale  # float32 buffers would give ~1e-7
    z = f + 1j * rng.normal(size=f.shape)
    complex_out = engine.planar_correlation(z, psi, "same")[:, :, 1:-1, 1:-1]
    r = residual(complex_out, _valid_sums_float(z, psi))
    assert np.abs(complex_out.imag).max() > 1 and r.value <= LITERAL_TOL * r.scale  # the imaginary part survives


def _valid_sums_float(f, psi):
    windows = sliding_window_view(f, psi.shape[-2:], axis=(-2, -1))
    return np.einsum("bcijxy,ocxy->boij", windows, psi)


# ---------------------------------------------------------------- ties, optimisers

def test_max_pool_gradients_go_to_one_winner_on_ties():
    x = np.zeros((1, 1, 4, 4, 4))  # digits on a zero background: many tied maxima
    x[0, 0, :, 0, 0] = 1.0  # a tie over the whole group axis at one pixel
    coset = nn.CosetPool("max")
    coset.forward(x)
    dx = coset.backward(np.ones((1, 1, 4, 4)))
    assert dx.sum() == 16 and dx[0, 0, 0, 0, 0] == 1 and dx[0, 0, 1:, 0, 0].sum() == 0  # the first of the tied planes
    pool = nn.MaxPool(2, 2)
    pool.forward(np.zeros((1, 1, 4, 4)))
    dx = pool.backward(np.ones((1, 1, 2, 2)))
    assert dx.sum() == 4 and dx[0, 0, 0, 0] == 1 and dx[0, 0, 0, 1] == 0  # each window's first entry, once
    glob = nn.GlobalPool("max")
    glob.forward(np.zeros((1, 2, 3, 3)))
    assert glob.backward(np.ones((1, 2))).sum() == 2


class _One(nn.Layer):
    def __init__(self, w, g):
        super().__init__()
        self.params["w"], self.grads["w"] = np.array(w, float), np.array(g, float)


def test_dropout_keeps_each_entry_with_probability_1_minus_p_and_rescales_it():
    x = np.arange(1.0, 201.0).reshape(2, 100)
    out = nn.Dropout(0.25, rng=np.random.default_rng(5)).forward(x, train=True)
    kept = np.random.default_rng(5).random(x.shape) >= 0.25  # the same seeded draw, made here independently
    assert np.array_equal(out == 0, ~kept)
    r = residual(out, np.where(kept, x / 0.75, 0.0))  # rescaled so that E[out] = x; x * (1 / 0.75) rounds differently
    assert r.value <= LITERAL_TOL * r.scale
    assert np.array_equal(nn.Dropout(0.25).forward(x), x)  # the identity at test time


def test_adam_first_step_has_size_lr():
    layer = _One([1.0, -2.0, 0.5], [0.3, -4.0, 1e-3])
    net = nn.Sequential(layer)
    nn.Adam(net, lr=0.01).step()
    # after one step the bias-corrected moments are g and g**2: the step is lr * g / (|g| + eps)
    expected = np.array([1.0, -2.0, 0.5]) - 0.01 * layer.grads["w"] / (np.abs(layer.grads["w"]) + 1e-8)
    assert residual(layer.params["w"], expected).value <= 1e-12


def test_sgd_weight_decay_pulls_weights_towards_zero():
    layer = _One([2.0, -3.0], [0.0, 0.0])
    net = nn.Sequential(layer)
    opt = nn.SGD(net, lr=0.1, momentum=0.5, weight_decay=0.2)
    opt.step()  # v = -lr (g + wd w) = -0.1 * 0.2 * w
    assert residual(layer.params["w"], np.array([2.0 - 0.04, -3.0 + 0.06])).value <= 1e-15
    w1 = layer.params["w"].copy()
    opt.step()  # v = 0.5 v - lr wd w1
    v = 0.5 * np.array([-0.04, 0.06]) - 0.1 * 0.2 * w1
    assert residual(layer.params["w"], w1 + v).value <= 1e-15


# ---------------------------------------------------------------- property test: fast == literal on odd inputs

DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.float16, np.float32, np.float64]


def _random_array(rng, shape, dtype):
    if np.dtype(dtype).kind in "iu":
        lo = 0 if np.dtype(dtype).kind == "u" else -9
        return rng.integers(lo, 10, size=shape).astype(dtype)
    return rng.normal(size=shape).astype(dtype)


def _agree(fast, literal, what):
    assert fast.dtype == literal.dtype and fast.shape == literal.shape, what
    for special in (np.isnan, np.isposinf, np.isneginf):
        assert np.array_equal(special(fast), special(literal)), (what, special.__name__)
    finite = np.isfinite(fast)
    r = residual(fast[finite], literal[finite])
    if fast.dtype.kind in "iu":
        assert r.exact, what
    else:
        tol = FLOAT32_TOL if fast.dtype == np.float32 else LITERAL_TOL
        assert r.value <= tol * r.scale, (what, r)


def test_property_fast_equals_literal_on_random_dtypes_sizes_and_special_values():
    rng = np.random.default_rng(20261129)
    for trial in range(60):
        dtype = DTYPES[trial % len(DTYPES)]
        group = ("p4", "p4m")[trial % 2]
        B, C, O = (int(n) for n in rng.integers(0, 3, size=3))
        k = int(rng.choice([1, 3]))
        n = int(rng.integers(1, 6))
        mode = str(rng.choice(["valid", "same", "full", "circular"]))
        if mode == "valid" and n < k:
            n = k
        nH = groups.order(group)
        f, psi = _random_array(rng, (B, C, n, n), dtype), _random_array(rng, (O, C, k, k), dtype)
        F, Psi = _random_array(rng, (B, C, nH, n, n), dtype), _random_array(rng, (O, C, nH, k, k), dtype)
        if np.dtype(dtype).kind == "f" and f.size and trial % 3 == 0:  # a NaN or an infinity somewhere
            special = [np.nan, np.inf, -np.inf][trial % 9 // 3]
            f.flat[rng.integers(f.size)] = special
            F.flat[rng.integers(F.size)] = special
        what = (trial, dtype.__name__, group, f.shape, k, mode)
        _agree(correlate.planar_correlation(f, psi, mode), correlate.planar_correlation_literal(f, psi, mode), what)
        _agree(correlate.lifting_correlation(f, psi, group, mode),
               correlate.lifting_correlation_literal(f, psi, group, mode), what)
        _agree(correlate.group_correlation(F, Psi, group, mode),
               correlate.group_correlation_literal(F, Psi, group, mode), what)
