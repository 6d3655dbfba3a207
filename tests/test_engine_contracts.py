"""The engine's contracts at the edges: empty batches and channels, and every wrong shape refused.

An empty sum is 0, exactly: with no input channels every output value is 0; with no
images or no output channels the result is empty, of the right shape and dtype.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groupconv import engine

MODES = ["valid", "same", "full", "circular"]


def _out_shape(B, O, nr, nc, k, mode):
    p = engine.padding(k, mode)
    return B, O, nr + 2 * p - k + 1, nc + 2 * p - k + 1


@pytest.mark.parametrize("method", ["gemm", "fft", "auto"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("B, C, O", [(0, 2, 3), (2, 0, 3), (2, 2, 0), (0, 0, 0)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_empty_batches_and_channels_give_exact_zeros_of_the_right_shape(method, mode, B, C, O, dtype):
    nr, nc, k = 6, 5, 3
    f, psi = np.ones((B, C, nr, nc), dtype), np.ones((O, C, k, k), dtype)
    shape = _out_shape(B, O, nr, nc, k, mode)
    out = engine.planar_correlation(f, psi, mode, method)
    df = engine.planar_correlation_grad_input(np.ones(shape, dtype), psi, f.shape, mode, method)
    dpsi = engine.planar_correlation_grad_filter(f, np.ones(shape, dtype), k, mode, method)
    for result, expected in ((out, shape), (df, f.shape), (dpsi, psi.shape)):
        assert result.shape == expected and result.dtype == dtype
        assert result.size == 0 or not result.any()  # an empty sum is 0


@settings(max_examples=120)
@given(k=st.sampled_from([1, 3, 5]), mode=st.sampled_from(MODES), axis=st.integers(0, 3), delta=st.sampled_from([-1, 1]),
       extra=st.sampled_from(["none", "prepend", "drop", "ones"]))
def test_every_wrong_dout_shape_is_refused(k, mode, axis, delta, extra):
    """Both backward products refuse a dout that is off by one along any axis, or has an axis too many or too few.

    "ones": a dout with size-1 axes that would broadcast against the right shape is refused too.
    """
    B, C, O, nr, nc = 2, 3, 4, 7, 6
    f, psi = np.ones((B, C, nr, nc)), np.ones((O, C, k, k))
    right = _out_shape(B, O, nr, nc, k, mode)
    wrong = list(right)
    if extra == "none":
        wrong[axis] += delta
    elif extra == "prepend":
        wrong = [1] + wrong
    elif extra == "drop":
        wrong.pop(axis)
    else:
        wrong[axis] = 1 if right[axis] != 1 else 2
    if axis == 1 and extra in ("none", "ones"):  # O is read from psi by grad_input, from dout by grad_filter
        with pytest.raises(ValueError, match="dout"):
            engine.planar_correlation_grad_input(np.ones(wrong), psi, f.shape, mode)
        return
    if wrong[0] < 0 or min(wrong) < 0:
        return
    dout = np.ones(wrong)
    with pytest.raises(ValueError, match="dout"):
        engine.planar_correlation_grad_input(dout, psi, f.shape, mode)
    with pytest.raises(ValueError, match="dout"):
        engine.planar_correlation_grad_filter(f, dout, k, mode)
    right_d = np.ones(right)
    assert engine.planar_correlation_grad_input(right_d, psi, f.shape, mode).shape == f.shape
    assert engine.planar_correlation_grad_filter(f, right_d, k, mode).shape == psi.shape


@pytest.mark.parametrize("k", [0, -1, True, 2.0, "3", None])
def test_filter_sizes_that_are_not_positive_integers_are_refused(k):
    f, dout = np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))
    with pytest.raises((TypeError, ValueError), match="filter size k"):
        engine.planar_correlation_grad_filter(f, dout, k)


@pytest.mark.parametrize("mode", ["valid", "same", "full", "circular"])
def test_a_filter_larger_than_the_padded_frame_is_refused(mode):
    """Only "valid" can leave no output at all (k > rows); the padded modes always fit an odd filter."""
    f = np.ones((1, 1, 2, 3))
    if mode == "valid":
        with pytest.raises(ValueError, match="does not fit"):
            engine.planar_correlation(f, np.ones((1, 1, 3, 3)), mode)
    else:
        assert engine.planar_correlation(f, np.ones((1, 1, 5, 5)), mode).shape == _out_shape(1, 1, 2, 3, 5, mode)


@pytest.mark.parametrize("shape", [(0, 4), (4, 0), (0, 0)])
def test_empty_frames_are_refused_by_every_entry(shape):
    f = np.ones((1, 1) + shape)
    with pytest.raises(ValueError, match="empty frame"):
        engine.planar_correlation(f, np.ones((1, 1, 1, 1)))
    with pytest.raises(ValueError, match="empty frame"):
        engine.planar_correlation_grad_input(np.ones((1, 1) + shape), np.ones((1, 1, 1, 1)), f.shape)
    with pytest.raises(ValueError, match="empty frame"):
        engine.planar_correlation_grad_filter(f, np.ones((1, 1) + shape), 1)
