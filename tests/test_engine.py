"""The planar engine (engine.py): every method equals an independent reference.

References: scipy.signal.correlate plane by plane for the forward pass, and the
textbook formulas (a scatter of dout through every filter tap; a sum of windows times
dout) for the two backward products. float64 agrees to LITERAL_TOL (sums in another
order, or through the FFT: round-off); float32 to FLOAT32_TOL relative; integer data
exactly (the engine multiplies integers exactly, in float64 below 2**53 or in int64).
No timings are asserted.
"""
import tracemalloc

import numpy as np
import pytest
import scipy.signal
from numpy.lib.stride_tricks import sliding_window_view

from groupconv import engine
from groupconv.checks import FLOAT32_TOL, LITERAL_TOL, residual


@pytest.fixture(params=["one product per tile", "one product per image"], autouse=True)
def product_layout(request, monkeypatch):
    """Run every test with both layouts of the GEMM path (engine._wide_rows and engine._per_image_products decide)."""
    per_image = request.param == "one product per image"
    monkeypatch.setattr(engine, "_per_image_products", lambda K, O, P: per_image)
    monkeypatch.setattr(engine, "_wide_rows", lambda K, O, k, nc_o: not per_image)
    return request.param


@pytest.fixture
def small_workspace():
    """A tiny workspace bound, so that the batch is processed in several chunks; restored afterwards."""
    old = engine.set_workspace_limit(64 * 1024)
    yield engine.WORKSPACE_BYTES
    engine.set_workspace_limit(old)


def _modes(k):
    return ["valid", "full"] + (["same", "circular"] if k % 2 else [])


def _reference(f, psi, mode):
    """scipy.signal.correlate of every (b, o) pair summed over c, after padding as the mode says."""
    fp = engine.pad(f.astype(np.float64), psi.shape[-1], mode)
    return np.array([[sum(scipy.signal.correlate(fp[b, c], psi[o, c].astype(np.float64), mode="valid")
                          for c in range(f.shape[1]))
                      for o in range(psi.shape[0])] for b in range(f.shape[0])])


def _reference_grad_input(dout, psi, input_shape, mode):
    """df = adjoint of padding applied to sum over taps (a, b') of dout scattered by (a, b') through psi[:, :, a, b']."""
    k = psi.shape[-1]
    p = engine.padding(k, mode)
    B, C, H, W = input_shape
    Ho, Wo = dout.shape[-2:]
    dfp = np.zeros((B, C, H + 2 * p, W + 2 * p))
    for a in range(k):
        for b_ in range(k):
            dfp[:, :, a:a + Ho, b_:b_ + Wo] += np.einsum("boij,oc->bcij", dout, psi[:, :, a, b_])
    if mode == "circular":  # padded row r holds input row (r - p) mod H
        df = np.zeros((B, C, H, W))
        for r in range(H + 2 * p):
            for s in range(W + 2 * p):
                df[:, :, (r - p) % H, (s - p) % W] += dfp[:, :, r, s]
        return df
    return dfp[:, :, p:p + H, p:p + W]


def _reference_grad_filter(f, dout, k, mode):
    """dpsi[o, c, a, b'] = sum over b, i, j of dout[b, o, i, j] f_pad[b, c, i + a, j + b']."""
    fp = engine.pad(f.astype(np.float64), k, mode)
    Ho, Wo = dout.shape[-2:]
    windows = sliding_window_view(fp, (Ho, Wo), axis=(-2, -1))  # (B, C, k, k, Ho, Wo)
    return np.einsum("bcxyij,boij->ocxy", windows, dout)


CASES = [((2, 3, 9, 8), 4, 3), ((1, 2, 7, 7), 3, 1), ((3, 1, 10, 6), 2, 2), ((2, 2, 9, 9), 2, 5),
         ((1, 2, 12, 11), 3, 7), ((2, 1, 8, 8), 2, 4)]


# ------------------------------------------------------------------ forward

@pytest.mark.parametrize("method", ["gemm", "fft", "auto"])
@pytest.mark.parametrize("shape, O, k", CASES)
def test_forward_float64_equals_scipy(rng, shape, O, k, method):
    f = rng.normal(size=shape)
    psi = rng.normal(size=(O, shape[1], k, k))
    for mode in _modes(k):
        out = engine.planar_correlation(f, psi, mode, method)
        assert out.dtype == np.float64
        r = residual(out, _reference(f, psi, mode))
        assert r.value <= LITERAL_TOL * r.scale, (mode, method, r)


@pytest.mark.parametrize("method", ["gemm", "fft"])
def test_forward_float32_stays_float32(rng, method):
    for shape, O, k in CASES[:4]:
        f = rng.normal(size=shape).astype(np.float32)
        psi = rng.normal(size=(O, shape[1], k, k)).astype(np.float32)
        for mode in _modes(k):
            out = engine.planar_correlation(f, psi, mode, method)
            assert out.dtype == np.float32
            r = residual(out, _reference(f, psi, mode))
            assert r.value <= FLOAT32_TOL * r.scale, (shape, k, mode, method, r)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int16, np.int8])
def test_forward_integers_exact(rng, dtype):
    for shape, O, k in CASES:
        f = rng.integers(-9, 10, size=shape).astype(dtype)
        psi = rng.integers(-9, 10, size=(O, shape[1], k, k)).astype(dtype)
        for mode in _modes(k):
            out = engine.planar_correlation(f, psi, mode)
            assert out.dtype == np.int64  # integers of every width are widened, never wrapped
            assert residual(out, _reference(f, psi, mode).round().astype(np.int64)).exact, (shape, k, mode)


def test_large_integers_exact_through_int64(rng):
    """Values whose products exceed 2**53: float64 would round, so the engine must use int64."""
    f = rng.integers(-2**29, 2**29, size=(2, 2, 6, 6), dtype=np.int64)
    psi = rng.integers(-2**29, 2**29, size=(3, 2, 3, 3), dtype=np.int64)
    assert engine.compute_dtypes(f, psi, 2 * 9)[0] == np.int64
    windows = sliding_window_view(f, (3, 3), axis=(-2, -1))  # exact int64 reference
    expected = np.einsum("bcijxy,ocxy->boij", windows, psi)
    assert residual(engine.planar_correlation(f, psi, "valid"), expected).exact


def test_integer_sums_that_could_overflow_raise(rng):
    f = np.full((1, 1, 4, 4), 2**31, dtype=np.int64)
    psi = np.full((1, 1, 3, 3), 2**31, dtype=np.int64)  # 9 products of 2**62 each: beyond int64
    with pytest.raises(ValueError, match="overflow int64"):
        engine.planar_correlation(f, psi)
    with pytest.raises(ValueError, match="overflow int64"):
        engine.planar_correlation_grad_filter(f, np.full((1, 1, 2, 2), 2**31, dtype=np.int64), 3)


def test_integers_never_go_through_fft(rng, monkeypatch):
    f = rng.integers(-3, 4, size=(1, 13, 12, 12))  # 13 * 9 * 9 >= FFT_MIN_TAPS
    psi = rng.integers(-3, 4, size=(1, 13, 9, 9))
    assert engine.choose_method(f.shape, 9, np.float64) == "fft"  # the same shape in floats would
    assert engine.choose_method(f.shape, 9, f.dtype) == "gemm"

    def no_fft(*args):
        raise AssertionError("integer data reached the FFT path")

    monkeypatch.setattr(engine, "_correlate_fft", no_fft)
    monkeypatch.setattr(engine, "_grad_filter_fft", no_fft)
    for mode in _modes(9):
        out = engine.planar_correlation(f, psi, mode)  # "auto" with k = 9 >= FFT_MIN_K
        assert residual(out, _reference(f, psi, mode).round().astype(np.int64)).exact
        engine.planar_correlation_grad_filter(f, out, 9, mode)
        engine.planar_correlation_grad_input(out, psi, f.shape, mode)
    monkeypatch.undo()
    with pytest.raises(ValueError, match="FFT"):
        engine.planar_correlation(f, psi, "valid", "fft")


def test_choose_method_rule():
    k = engine.FFT_MIN_K
    many = -(-engine.FFT_MIN_TAPS // (k * k))  # just enough channels
    assert engine.choose_method((1, many, 32, 32), k, np.float32) == "fft"
    assert engine.choose_method((1, many - 1, 32, 32), k, np.float32) == "gemm"
    assert engine.choose_method((1, 100, 32, 32), k - 1, np.float64) == "gemm"
    assert engine.choose_method((1, 100, 32, 32), 11, np.complex128) == "gemm"
    with pytest.raises(ValueError, match="method"):
        engine.planar_correlation(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), "valid", "winograd")


@pytest.mark.parametrize("mode", ["valid", "same", "circular"])
def test_nan_and_infinity_stay_under_their_windows_on_the_gemm_path(rng, mode):
    """A NaN at the start of a row and an infinity at the end of one: the wide layout reads past row ends
    (into the columns it crops away), which must not carry them into any other output value."""
    f = rng.normal(size=(2, 4, 9, 8))
    f[0, 1, 3, 0] = np.nan
    f[1, 2, 5, -1] = np.inf
    f[1, 0, -1, -1] = np.nan
    psi = rng.normal(size=(3, 4, 3, 3))
    out = engine.planar_correlation(f, psi, mode, "gemm")
    windows = sliding_window_view(engine.pad(f, 3, mode), (3, 3), axis=(-2, -1))
    expected = np.einsum("bcijxy,ocxy->boij", windows, psi)  # the direct sum, window by window
    assert np.array_equal(np.isnan(out), np.isnan(expected)) and np.isnan(out).any()
    assert np.array_equal(np.isinf(out), np.isinf(expected))
    finite = np.isfinite(expected)
    assert residual(out[finite], expected[finite]).value <= LITERAL_TOL * residual(out[finite], expected[finite]).scale


# ------------------------------------------------------------------ backward

@pytest.mark.parametrize("method", ["gemm", "fft"])
@pytest.mark.parametrize("shape, O, k", CASES)
def test_backward_equals_reference_formulas(rng, shape, O, k, method):
    f = rng.normal(size=shape)
    psi = rng.normal(size=(O, shape[1], k, k))
    for mode in _modes(k):
        out_shape = engine.planar_correlation(f, psi, mode).shape
        dout = rng.normal(size=out_shape)
        df = engine.planar_correlation_grad_input(dout, psi, f.shape, mode, method)
        dpsi = engine.planar_correlation_grad_filter(f, dout, k, mode, method)
        r_in = residual(df, _reference_grad_input(dout, psi, f.shape, mode))
        r_psi = residual(dpsi, _reference_grad_filter(f, dout, k, mode))
        assert r_in.value <= LITERAL_TOL * r_in.scale, (mode, r_in)
        assert r_psi.value <= LITERAL_TOL * r_psi.scale, (mode, r_psi)
        # adjoint identity <A f, dout> = <f, A^T dout> = <psi, dpsi> (the map is bilinear)
        lhs = np.vdot(engine.planar_correlation(f, psi, mode), dout)
        assert residual(lhs, np.vdot(f, df)).value <= LITERAL_TOL * max(1.0, abs(lhs))
        assert residual(lhs, np.vdot(psi, dpsi)).value <= LITERAL_TOL * max(1.0, abs(lhs))


def test_backward_integers_exact_and_float32_stays_float32(rng):
    f = rng.integers(-5, 6, size=(2, 3, 8, 8))
    psi = rng.integers(-5, 6, size=(2, 3, 3, 3))
    for mode in _modes(3):
        dout = rng.integers(-5, 6, size=engine.planar_correlation(f, psi, mode).shape)
        df = engine.planar_correlation_grad_input(dout, psi, f.shape, mode)
        dpsi = engine.planar_correlation_grad_filter(f, dout, 3, mode)
        assert df.dtype == np.int64 and dpsi.dtype == np.int64
        assert residual(df, _reference_grad_input(dout, psi, f.shape, mode).round().astype(np.int64)).exact
        assert residual(dpsi, _reference_grad_filter(f, dout, 3, mode).round().astype(np.int64)).exact
        for method in ("gemm", "fft"):
            f32, psi32, d32 = f.astype(np.float32), psi.astype(np.float32), dout.astype(np.float32)
            assert engine.planar_correlation_grad_input(d32, psi32, f.shape, mode, method).dtype == np.float32
            assert engine.planar_correlation_grad_filter(f32, d32, 3, mode, method).dtype == np.float32


# ------------------------------------------------------------------ chunks, buffers, inputs

@pytest.mark.parametrize("method", ["gemm", "fft"])
def test_chunked_batch_equals_reference(rng, small_workspace, method):
    """B = 7 with a workspace that holds 2-3 images: several chunks and a shorter last one."""
    f = rng.normal(size=(7, 3, 10, 10))
    psi = rng.normal(size=(4, 3, 3, 3))
    per_image = 8 * (3 * 9 * 100 + 4 * 100 + 3 * 144)
    assert 1 < engine._tile_size(7, per_image) < 7  # the test really splits the batch
    for mode in _modes(3):
        dout = rng.normal(size=engine.planar_correlation(f, psi, mode).shape)
        r = residual(engine.planar_correlation(f, psi, mode, method), _reference(f, psi, mode))
        assert r.value <= LITERAL_TOL * r.scale
        r = residual(engine.planar_correlation_grad_filter(f, dout, 3, mode, method),
                     _reference_grad_filter(f, dout, 3, mode))
        assert r.value <= LITERAL_TOL * r.scale
        r = residual(engine.planar_correlation_grad_input(dout, psi, f.shape, mode, method),
                     _reference_grad_input(dout, psi, f.shape, mode))
        assert r.value <= LITERAL_TOL * r.scale
        assert engine.workspace_in_use() <= small_workspace


def test_workspace_bound_holds_in_memory(rng):
    """Peak extra memory (tracemalloc, beyond the result) stays within the bound for a batch 10x larger."""
    old = engine.set_workspace_limit(2 * 2**20)
    try:
        f = rng.normal(size=(64, 8, 20, 20))
        psi = rng.normal(size=(8, 8, 3, 3))
        unchunked = 64 * 8 * 9 * 18 * 18 * 8  # im2col of the whole batch: about 11 MiB
        tracemalloc.start()
        out = engine.planar_correlation(f, psi, "valid", "gemm")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert unchunked > 5 * engine.WORKSPACE_BYTES
        assert peak - out.nbytes <= 1.1 * engine.WORKSPACE_BYTES
    finally:
        engine.set_workspace_limit(old)


def test_buffer_reuse_returns_fresh_arrays(rng):
    """Calls of one shape reuse the workspace, but a returned array is never overwritten by a later call."""
    engine.clear_buffers()
    psi = rng.normal(size=(3, 2, 3, 3))
    f1, f2 = rng.normal(size=(2, 2, 9, 9)), rng.normal(size=(2, 2, 9, 9))
    other = rng.normal(size=(4, 2, 6, 7))
    for method in ("gemm", "fft"):
        for mode in _modes(3):
            out1 = engine.planar_correlation(f1, psi, mode, method)
            kept = out1.copy()
            engine.planar_correlation(other, psi, mode, method)  # another shape in between
            out2 = engine.planar_correlation(f2, psi, mode, method)
            assert residual(out1, kept).exact  # not overwritten
            assert not any(np.shares_memory(out2, b) for b in engine._buffers.values())
            r = residual(out2, _reference(f2, psi, mode))
            assert r.value <= LITERAL_TOL * r.scale
            dpsi1 = engine.planar_correlation_grad_filter(f1, out1, 3, mode, method)
            kept = dpsi1.copy()
            engine.planar_correlation_grad_filter(f2, out2, 3, mode, method)
            assert residual(dpsi1, kept).exact


def test_mixed_modes_with_equal_padded_shapes(rng):
    """A zero-padded buffer must not inherit cells written by another mode or padding of the same size.

    (9 + 2*6 = 15 + 2*3: "full" k=7 on 9 x 9 and "same" k=7 on 15 x 15 both pad to 21 x 21.)
    """
    psi = rng.normal(size=(2, 2, 7, 7))
    small, large = rng.normal(size=(1, 2, 9, 9)), rng.normal(size=(1, 2, 15, 15))
    for _ in range(2):
        for f, mode in [(large, "circular"), (small, "full"), (large, "same"), (small, "full"),
                        (large, "circular"), (large, "same")]:
            r = residual(engine.planar_correlation(f, psi, mode, "gemm"), _reference(f, psi, mode))
            assert r.value <= LITERAL_TOL * r.scale, mode


@pytest.mark.parametrize("method", ["gemm", "fft"])
def test_circular_border_wrapping_more_than_once(rng, method):
    """k = 7 on a 2 x 3 torus: the periodic padding (3 cells) is wider than the frame."""
    f = rng.normal(size=(2, 2, 2, 3))
    psi = rng.normal(size=(3, 2, 7, 7))
    out = engine.planar_correlation(f, psi, "circular", method)
    r = residual(out, _reference(f, psi, "circular"))
    assert r.value <= LITERAL_TOL * r.scale
    dout = rng.normal(size=out.shape)
    r = residual(engine.planar_correlation_grad_input(dout, psi, f.shape, "circular", method),
                 _reference_grad_input(dout, psi, f.shape, "circular"))
    assert r.value <= LITERAL_TOL * r.scale
    r = residual(engine.planar_correlation_grad_filter(f, dout, 7, "circular", method),
                 _reference_grad_filter(f, dout, 7, "circular"))
    assert r.value <= LITERAL_TOL * r.scale


@pytest.mark.parametrize("O", [2, 5])  # O > C takes the col2im path of the input gradient
@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_inputs_never_mutated_and_results_never_alias_the_workspace(rng, O, dtype):
    f = rng.integers(-3, 4, size=(3, 2, 8, 8)).astype(dtype)
    psi = rng.integers(-3, 4, size=(O, 2, 3, 3)).astype(dtype)
    copies = [a.copy() for a in (f, psi)]
    for a in (f, psi):
        a.setflags(write=False)  # a write into an input raises at once
    for method in ("gemm", "fft") if dtype == np.float64 else ("gemm",):
        for mode in _modes(3):
            out = engine.planar_correlation(f, psi, mode, method)
            dout = rng.integers(-3, 4, size=out.shape).astype(dtype)
            dout.setflags(write=False)
            df = engine.planar_correlation_grad_input(dout, psi, f.shape, mode, method)
            dpsi = engine.planar_correlation_grad_filter(f, dout, 3, mode, method)
            for result in (out, df, dpsi):
                assert result.flags.writeable
                assert not any(np.shares_memory(result, b) for b in engine._buffers.values())
                assert not any(np.shares_memory(result, a) for a in (f, psi, dout))
    for a, c in zip((f, psi), copies):
        assert residual(a, c).exact


def test_bad_input_raises():
    with pytest.raises(ValueError, match="odd"):
        engine.planar_correlation(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 2, 2)), "same")
    with pytest.raises(ValueError, match="equal C"):
        engine.planar_correlation(np.zeros((1, 2, 5, 5)), np.zeros((1, 1, 3, 3)))
    with pytest.raises(ValueError, match="dout"):
        engine.planar_correlation_grad_filter(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 4, 4)), 3)
    with pytest.raises(ValueError, match="positive"):
        engine.set_workspace_limit(0)
    f = np.zeros((1, 2, 7, 7))
    with pytest.raises(ValueError, match="square"):  # a 3 x 5 filter would be padded as if 5 x 5
        engine.planar_correlation(f, np.zeros((1, 2, 3, 5)), "same")
    with pytest.raises(ValueError, match="k >= 1"):
        engine.planar_correlation(f, np.zeros((1, 2, 0, 0)), "full")
    with pytest.raises(TypeError, match="numeric"):
        engine.planar_correlation(f > 0, np.zeros((1, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"the input f must have shape \(B, C, rows, cols\)"):
        engine.planar_correlation(f[0], np.zeros((1, 2, 3, 3)))
    with pytest.raises(ValueError, match="input_shape must be"):  # the filter has C = 2, the input 5 channels
        engine.planar_correlation_grad_input(np.zeros((1, 1, 5, 5)), np.zeros((1, 2, 3, 3)), (1, 5, 7, 7))
    with pytest.raises(ValueError, match=r"the filter psi must have shape \(O, C, k, k\)"):
        engine.planar_correlation_grad_input(np.zeros((1, 1, 5, 5)), np.zeros((2, 3, 3)), (1, 2, 7, 7))
    with pytest.raises(TypeError, match="must be an integer"):
        engine.planar_correlation_grad_filter(f, np.zeros((1, 1, 5, 5)), 3.0)
    with pytest.raises(ValueError, match="dout must have shape"):
        engine.planar_correlation_grad_filter(f, np.zeros(3), 3)
