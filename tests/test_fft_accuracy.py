"""The engine takes the FFT only where it is accurate (engine._fft_trouble).

The FFT's round-off is set by the largest values of a plane, the direct sum's by each
output's own window. References here are independent of the engine: scipy.signal's
direct correlation in float64 for the values, and the same direct correlation of |f|
with |psi| for each output's own scale S(x) = sum over its window of |f| |psi|. The
direct sum's error is at most about K u S(x) (K products, u the unit round-off); the
tests allow 4 K u S(x) per output, which the FFT misses by orders of magnitude on the
data below (float round-off, never exact: these are not integer data).
"""
import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from groupconv import engine


def _direct(f, psi, mode):
    """float64 direct correlation, plane by plane, summed over the input channels (scipy.signal, method='direct')."""
    fp = engine.pad(f.astype(np.float64), psi.shape[-1], mode)
    return np.array([[sum(scipy.signal.correlate(fp[b, c], psi[o, c].astype(np.float64), mode="valid", method="direct")
                          for c in range(f.shape[1])) for o in range(psi.shape[0])] for b in range(f.shape[0])])


def _block_data(rng, R, corner, dtype, C=40, n=16, k=5):
    """Gaussian data with one 4 x 4 block, in one corner, scaled by R: shapes that "auto" would send to the FFT."""
    f = rng.normal(size=(2, C, n, n))
    rows = slice(0, 4) if corner in (0, 1) else slice(n - 4, n)
    cols = slice(0, 4) if corner in (0, 2) else slice(n - 4, n)
    f[:, :, rows, cols] *= R
    psi = rng.normal(size=(3, C, k, k))
    return f.astype(dtype), psi.astype(dtype)


@settings(max_examples=12)
@given(exponent=st.integers(3, 12), corner=st.integers(0, 3), dtype=st.sampled_from([np.float32, np.float64]),
       mode=st.sampled_from(["valid", "same", "full"]), seed=st.integers(0, 2**32 - 1))
def test_auto_keeps_every_output_within_its_own_round_off(exponent, corner, dtype, mode, seed):
    rng = np.random.default_rng(seed)
    f, psi = _block_data(rng, 10.0 ** exponent, corner, dtype)
    assert engine.choose_method(f.shape, 5, dtype) == "fft"  # by shape alone these calls would take the FFT
    out = engine.planar_correlation(f, psi, mode)
    reference = _direct(f, psi, mode)
    scale = _direct(np.abs(f), np.abs(psi), mode)
    K = f.shape[1] * 25
    bound = 4 * K * np.finfo(dtype).eps * scale
    excess = np.abs(out - reference) - bound
    assert excess.max() <= 0, f"worst output off by {np.abs(out - reference).flat[excess.argmax()]:.3g}, " \
                              f"allowed {bound.flat[excess.argmax()]:.3g}"


def test_the_forced_fft_would_have_been_wrong_there(rng):
    """The same data through a forced FFT: the far corner misses its own round-off by far (so the test above can fail)."""
    f, psi = _block_data(rng, 1e12, 0, np.float64)
    out = engine.planar_correlation(f, psi, "valid", method="fft")
    reference, scale = _direct(f, psi, "valid"), _direct(np.abs(f), np.abs(psi), "valid")
    far = (slice(None), slice(None), slice(-4, None), slice(-4, None))
    assert (np.abs(out - reference)[far] / scale[far]).max() > 1e-8  # 4 K u is 4e-13


def test_the_reported_block_leaves_the_far_corner_exact():
    """Integer-valued data: a 1e15 block in one corner, ones elsewhere; the far corner's sum is 1000, exactly."""
    f = np.ones((1, 40, 16, 16))
    f[..., :4, :4] = 1e15
    out = engine.planar_correlation(f, np.ones((2, 40, 5, 5)), "valid")
    assert out[0, :, -1, -1].tolist() == [1000.0, 1000.0]  # exact: every partial sum is an integer below 2**53


@pytest.mark.parametrize("dtype, big", [(np.float64, 1e306), (np.float32, 3e37)])
def test_transforms_that_would_overflow_take_the_direct_sum(rng, dtype, big):
    f = (rng.normal(size=(1, 40, 16, 16)) * big).astype(dtype)
    psi = (rng.normal(size=(2, 40, 5, 5)) * 1e-3).astype(dtype)
    out = engine.planar_correlation(f, psi, "valid")
    assert np.isfinite(out).all()
    assert np.array_equal(out, engine.planar_correlation(f, psi, "valid", method="gemm"))
    with pytest.raises(ValueError, match="overflow"):
        engine.planar_correlation(f, psi, "valid", method="fft")
    dout = (rng.normal(size=(1, 2, 12, 12)) * 1e-3).astype(dtype)
    assert np.isfinite(engine.planar_correlation_grad_filter(f, dout, 5, "valid")).all()
    with pytest.raises(ValueError, match="overflow"):
        engine.planar_correlation_grad_filter(f, dout, 5, "valid", method="fft")


def test_gradients_follow_the_same_rule(rng):
    """The input and filter gradients on block data: within each output's own round-off, like the forward pass."""
    f, psi = _block_data(rng, 1e10, 3, np.float64)
    dout, _ = _block_data(rng, 1.0, 0, np.float64, C=3, n=12)
    df = engine.planar_correlation_grad_input(dout, psi, f.shape, "valid")
    # the input gradient is the full correlation of dout with the flipped filter, channels swapped
    flipped = np.ascontiguousarray(np.swapaxes(psi[..., ::-1, ::-1], 0, 1))
    assert np.abs(df - _direct(dout, flipped, "full")).max() <= 4 * 75 * np.finfo(float).eps * \
        _direct(np.abs(dout), np.abs(flipped), "full").max()
    dpsi = engine.planar_correlation_grad_filter(f, dout, 5, "valid")
    # dpsi[o, c, p, q] = sum over n, i, j of dout[n, o, i, j] f[n, c, i + p, j + q]; windows[n, c, p, q, i, j] = f[n, c, p + i, q + j]
    windows = np.lib.stride_tricks.sliding_window_view(f, (12, 12), axis=(2, 3))
    reference = np.einsum("noij,ncpqij->ocpq", dout, windows)
    scale = np.einsum("noij,ncpqij->ocpq", np.abs(dout), np.abs(windows))
    assert (np.abs(dpsi - reference) <= 4 * 288 * np.finfo(float).eps * scale).all()


def test_ordinary_data_still_take_the_fft(rng):
    """Gaussian data of FFT size: "auto" gives the FFT's bits, not the GEMM's (the rule does not switch it off)."""
    f, psi = rng.normal(size=(2, 40, 16, 16)), rng.normal(size=(3, 40, 5, 5))
    auto = engine.planar_correlation(f, psi, "same")
    assert np.array_equal(auto, engine.planar_correlation(f, psi, "same", method="fft"))
    assert not np.array_equal(auto, engine.planar_correlation(f, psi, "same", method="gemm"))  # round-off differs


@settings(max_examples=60)
@given(data=st.lists(st.one_of(st.just(0.0), st.floats(-1e300, 1e300, allow_nan=False)), min_size=0, max_size=40),
       dtype=st.sampled_from([np.float64, np.float32]))
def test_sum_of_magnitudes_matches_numpy(data, dtype):
    """The chunked sum of |a| against numpy's on the whole array (a non-contiguous view: no copy needed)."""
    with np.errstate(over="ignore"):  # float64 values beyond float32's range become inf, and are dropped
        a = np.array(data, dtype=np.float64).astype(dtype)
    a = a[np.isfinite(a)]
    total = engine._sum_of_magnitudes(a.reshape(-1, 1)[::-1])
    assert total == pytest.approx(float(np.abs(a.astype(np.float64)).sum()), rel=1e-12)


@settings(max_examples=60)
@given(B=st.integers(1, 2), C=st.integers(1, 3), nr=st.integers(1, 9), nc=st.integers(1, 9), k=st.integers(1, 5),
       zeros=st.floats(0, 1), seed=st.integers(0, 2**32 - 1))
def test_local_range_is_the_largest_over_the_smallest_block_maximum(B, C, nr, nc, k, zeros, seed):
    """Blocks of k x k pixels from the top-left corner, all channels of one image, the last ones cut by the frame."""
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(B, C, nr, nc)) * 10.0 ** rng.integers(-8, 8, size=(B, C, nr, nc))
    f[rng.random(f.shape) < zeros] = 0.0
    maxima = [np.abs(f[b, :, i:i + k, j:j + k]).max() for b in range(B) for i in range(0, nr, k) for j in range(0, nc, k)]
    nonzero = [m for m in maxima if m > 0]
    expected = max(maxima) / min(nonzero) if nonzero else 1.0
    assert engine._local_range(f, k) == expected


@settings(max_examples=10)
@given(tiny_rows=st.integers(1, 20), exponent=st.integers(4, 16), dtype=st.sampled_from([np.float32, np.float64]),
       seed=st.integers(0, 2**32 - 1))
def test_auto_keeps_small_regions_within_their_own_round_off(tiny_rows, exponent, dtype, seed):
    """Any share of the rows tiny, more than half included (a median would then look at the large values only)."""
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(1, 40, 24, 24))
    f[:, :, 24 - tiny_rows:] *= 10.0 ** -exponent
    f, psi = f.astype(dtype), rng.normal(size=(2, 40, 5, 5)).astype(dtype)
    out = engine.planar_correlation(f, psi, "valid")
    excess = np.abs(out - _direct(f, psi, "valid")) - 4 * 1000 * np.finfo(dtype).eps * _direct(np.abs(f), np.abs(psi), "valid")
    assert excess.max() <= 0
