"""The fast lifting and group correlations equal the literal sums, in every dtype (docs/equations.md L1, L3, L7).

float64: literal == vectorised to LITERAL_TOL relative (the sums run in another order:
round-off); float32: to FLOAT32_TOL relative and the result stays float32; integer data:
exactly (every sum is a sum of integers, computed exactly). The backward products are
checked against the transpose of the forward map built column by column from basis
inputs (an independent reference) and by the adjoint identity <A x, y> = <x, A^T y>.
No timings are asserted.
"""
import numpy as np
import pytest

from groupconv import action, correlate, engine, filter_bank, groups
from groupconv.checks import FLOAT32_TOL, LITERAL_TOL, residual


@pytest.fixture(params=["one product per tile", "one product per image"], autouse=True)
def product_layout(request, monkeypatch):
    """Run every test with both layouts of the GEMM path (engine._wide_rows and engine._per_image_products decide)."""
    per_image = request.param == "one product per image"
    monkeypatch.setattr(engine, "_per_image_products", lambda K, O, P: per_image)
    monkeypatch.setattr(engine, "_wide_rows", lambda K, O, k, nc_o: not per_image)
    return request.param


def _modes(k):
    return ["valid", "full"] + (["same", "circular"] if k % 2 else [])


def _agree(a, b, dtype):
    r = residual(a, b)
    if np.dtype(dtype).kind in "iu":
        return r.exact
    tol = FLOAT32_TOL if np.dtype(dtype) == np.float32 else LITERAL_TOL
    return r.value <= tol * r.scale


def _data(rng, shape, dtype):
    if np.dtype(dtype).kind in "iu":
        return rng.integers(-4, 5, size=shape).astype(dtype)
    return rng.normal(size=shape).astype(dtype)


# ------------------------------------------------------------------ filter banks by gathers

@pytest.mark.parametrize("group", groups.SQUARE_GROUPS)
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_expanded_banks_equal_the_actions(rng, group, k):
    """bank[:, s] == L_s psi computed by action.transform_image / transform_group_function."""
    nH = groups.order(group)
    psi = rng.integers(-9, 10, size=(3, 2, k, k))
    expected = np.stack([action.transform_image(psi, s) for s in groups.point_group(group)], axis=1)
    assert residual(correlate.expand_lifting_filter(psi, group), expected).exact
    psi = rng.integers(-9, 10, size=(3, 2, nH, k, k))
    expected = np.stack([action.transform_group_function(psi, s, group) for s in groups.point_group(group)], axis=1)
    assert residual(correlate.expand_group_filter(psi, group), expected).exact
    # the cached gather of group_convolution is reverse_filter (psi_check(h) = psi(h^-1))
    gathered = psi.reshape(3, 2, -1)[..., filter_bank.reverse_index(groups.get(group), k)].reshape(psi.shape)
    assert residual(gathered, correlate.reverse_filter(psi, group)).exact


def test_bank_dtype_preserved_and_gather_cached():
    for dtype in (np.float32, np.int16):
        assert correlate.expand_group_filter(np.ones((1, 1, 4, 3, 3), dtype), "p4").dtype == dtype
    G = groups.get("p4m")
    assert filter_bank.group_index(G, 3) is filter_bank.group_index(G, 3)
    assert not filter_bank.group_index(G, 3).flags.writeable


# ------------------------------------------------------------------ forward: fast == literal

LIFTING_CASES = [("p4", (2, 2, 7, 7), 3, 3), ("p4m", (1, 1, 6, 6), 2, 2), ("p4", (1, 2, 8, 8), 2, 4),
                 ("p4m", (2, 1, 7, 7), 2, 1)]
GROUP_CASES = [("p4", (2, 2, 6, 6), 2, 3), ("p4m", (1, 1, 5, 5), 2, 2), ("p4", (1, 1, 6, 6), 1, 4)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("group, shape, O, k", LIFTING_CASES)
def test_lifting_fast_equals_literal(rng, group, shape, O, k, dtype):
    f = _data(rng, shape, dtype)
    psi = _data(rng, (O, shape[1], k, k), dtype)
    for mode in _modes(k):
        fast = correlate.lifting_correlation(f, psi, group, mode)
        assert fast.dtype == dtype
        literal = correlate.lifting_correlation_literal(f.astype(np.float64), psi.astype(np.float64), group, mode)
        assert _agree(fast, literal, dtype), (mode, residual(fast, literal))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("group, shape, O, k", GROUP_CASES)
def test_group_fast_equals_literal(rng, group, shape, O, k, dtype):
    nH = groups.order(group)
    B, C, H, W = shape
    f = _data(rng, (B, C, nH, H, W), dtype)
    psi = _data(rng, (O, C, nH, k, k), dtype)
    for mode in _modes(k):
        fast = correlate.group_correlation(f, psi, group, mode)
        assert fast.dtype == dtype
        literal = correlate.group_correlation_literal(f.astype(np.float64), psi.astype(np.float64), group, mode)
        assert _agree(fast, literal, dtype), (mode, residual(fast, literal))


def test_large_filter_fft_path_equals_literal(rng, monkeypatch):
    """k = 7 floats take the FFT path under "auto" (channel threshold lowered for a small test); vs the literal sum."""
    monkeypatch.setattr(engine, "FFT_MIN_TAPS", 1)
    f = rng.normal(size=(2, 2, 4, 9, 9))
    psi = rng.normal(size=(2, 2, 4, 7, 7))
    assert engine.choose_method((2, 8, 9, 9), 7, np.float64) == "fft"
    for mode in _modes(7):
        fast = correlate.group_correlation(f, psi, "p4", mode)
        literal = correlate.group_correlation_literal(f, psi, "p4", mode, form="substituted")
        assert _agree(fast, literal, np.float64), mode
        ints = np.round(3 * f).astype(np.int64), np.round(3 * psi).astype(np.int64)
        exact = correlate.group_correlation(*ints, "p4", mode)  # integers: GEMM, exact
        assert residual(exact, correlate.group_correlation_literal(*ints, "p4", mode, form="substituted")).exact


def test_convolutions_still_equal_literal(rng):
    f = rng.integers(-4, 5, size=(1, 2, 4, 6, 6))
    psi = rng.integers(-4, 5, size=(2, 2, 4, 3, 3))
    assert residual(correlate.group_convolution(f, psi, "p4", "same"),
                    correlate.group_convolution_literal(f, psi, "p4", "same")).exact
    g = rng.integers(-4, 5, size=(1, 2, 6, 6))
    p = rng.integers(-4, 5, size=(2, 2, 3, 3))
    assert residual(correlate.lifting_convolution(g, p, "p4m", "full"),
                    correlate.lifting_convolution_literal(g, p, "p4m", "full")).exact


def test_batch_larger_than_a_chunk(rng):
    """A workspace bound that holds about one image forces one chunk per image; results unchanged."""
    f = rng.integers(-4, 5, size=(5, 2, 4, 8, 8))
    psi = rng.integers(-4, 5, size=(2, 2, 4, 3, 3))
    whole = correlate.group_correlation(f, psi, "p4", "same")
    old = engine.set_workspace_limit(40 * 1024)
    try:
        assert engine._tile_size(5, 8 * (8 * 9 * 64 + 8 * 64 + 8 * 100)) < 5
        chunked = correlate.group_correlation(f, psi, "p4", "same")
        dout = rng.integers(-4, 5, size=whole.shape)
        df = correlate.group_correlation_grad_input(dout, psi, "p4", f.shape, "same")
        dpsi = correlate.group_correlation_grad_filter(f, dout, "p4", 3, "same")
    finally:
        engine.set_workspace_limit(old)
    assert residual(chunked, whole).exact
    assert residual(df, correlate.group_correlation_grad_input(dout, psi, "p4", f.shape, "same")).exact
    assert residual(dpsi, correlate.group_correlation_grad_filter(f, dout, "p4", 3, "same")).exact


# ------------------------------------------------------------------ backward products

def _jacobian_wrt_input(forward, input_shape, dtype):
    """Matrix of the linear map x -> forward(x): one column per basis input, all in one batch."""
    n = int(np.prod(input_shape[1:]))
    basis = np.eye(n, dtype=dtype).reshape((n,) + tuple(input_shape[1:]))
    return forward(basis).reshape(n, -1).T  # (outputs of one image, inputs of one image)


@pytest.mark.parametrize("group, mode, k", [("p4", "valid", 3), ("p4m", "same", 3), ("p4", "full", 2),
                                            ("p4", "circular", 3)])
def test_lifting_backward_equals_transpose(rng, group, mode, k):
    B, C, O, H = 2, 2, 2, 5
    f = rng.integers(-4, 5, size=(B, C, H, H))
    psi = rng.integers(-4, 5, size=(O, C, k, k))
    out = correlate.lifting_correlation(f, psi, group, mode)
    dout = rng.integers(-4, 5, size=out.shape)
    # d/df: the transpose of the matrix of f -> lifting_correlation(f, psi), image by image
    A = _jacobian_wrt_input(lambda x: correlate.lifting_correlation(x, psi, group, mode), f.shape, np.int64)
    expected = (dout.reshape(B, -1) @ A).reshape(f.shape)
    df = correlate.lifting_correlation_grad_input(dout, psi, group, f.shape, mode)
    assert df.dtype == np.int64 and residual(df, expected).exact
    # d/dpsi: the transpose of the matrix of psi -> lifting_correlation(f, psi), one basis filter at a time
    cols = [correlate.lifting_correlation(f, e.reshape(psi.shape), group, mode).ravel() for e in np.eye(psi.size, dtype=np.int64)]
    expected = (np.stack(cols, axis=1).T @ dout.ravel()).reshape(psi.shape)
    dpsi = correlate.lifting_correlation_grad_filter(f, dout, group, k, mode)
    assert dpsi.dtype == np.int64 and residual(dpsi, expected).exact


@pytest.mark.parametrize("group, mode, k", [("p4", "valid", 3), ("p4m", "circular", 3), ("p4", "full", 2)])
def test_group_backward_equals_transpose(rng, group, mode, k):
    nH = groups.order(group)
    B, C, O, H = 2, 1, 2, 4
    f = rng.integers(-4, 5, size=(B, C, nH, H, H))
    psi = rng.integers(-4, 5, size=(O, C, nH, k, k))
    out = correlate.group_correlation(f, psi, group, mode)
    dout = rng.integers(-4, 5, size=out.shape)
    A = _jacobian_wrt_input(lambda x: correlate.group_correlation(x, psi, group, mode), f.shape, np.int64)
    expected = (dout.reshape(B, -1) @ A).reshape(f.shape)
    assert residual(correlate.group_correlation_grad_input(dout, psi, group, f.shape, mode), expected).exact
    cols = [correlate.group_correlation(f, e.reshape(psi.shape), group, mode).ravel() for e in np.eye(psi.size, dtype=np.int64)]
    expected = (np.stack(cols, axis=1).T @ dout.ravel()).reshape(psi.shape)
    assert residual(correlate.group_correlation_grad_filter(f, dout, group, k, mode), expected).exact


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("group, k", [("p4", 3), ("p4m", 7)])
def test_adjoint_identity(rng, group, k, dtype, monkeypatch):
    """<A f, y> = <f, A^T y> and <A psi, y> = <psi, dpsi> for float data; p4m with k = 7 takes the FFT path."""
    monkeypatch.setattr(engine, "FFT_MIN_TAPS", 8 * 7 * 7)  # low enough for the 8 planes of one p4m channel
    nH = groups.order(group)
    tol = FLOAT32_TOL if dtype == np.float32 else LITERAL_TOL
    for mode in _modes(k):
        f = rng.normal(size=(2, 2, 9, 9)).astype(dtype)
        psi = rng.normal(size=(3, 2, k, k)).astype(dtype)
        y = rng.normal(size=correlate.lifting_correlation(f, psi, group, mode).shape).astype(dtype)
        lhs = np.vdot(correlate.lifting_correlation(f, psi, group, mode).astype(np.float64), y)
        df = correlate.lifting_correlation_grad_input(y, psi, group, f.shape, mode)
        dpsi = correlate.lifting_correlation_grad_filter(f, y, group, k, mode)
        assert df.dtype == dtype and dpsi.dtype == dtype
        assert abs(lhs - np.vdot(f.astype(np.float64), df)) <= tol * np.abs(y).sum() * np.abs(f).max() * psi.size
        assert abs(lhs - np.vdot(psi.astype(np.float64), dpsi)) <= tol * np.abs(y).sum() * np.abs(f).max() * psi.size
        if k == 7 and group == "p4m":
            assert engine.choose_method((1, nH, 9, 9), k, dtype) == "fft"
        F = rng.normal(size=(1, 1, nH, 9, 9)).astype(dtype)
        P = rng.normal(size=(2, 1, nH, k, k)).astype(dtype)
        Y = rng.normal(size=correlate.group_correlation(F, P, group, mode).shape).astype(dtype)
        lhs = np.vdot(correlate.group_correlation(F, P, group, mode).astype(np.float64), Y)
        dF = correlate.group_correlation_grad_input(Y, P, group, F.shape, mode)
        dP = correlate.group_correlation_grad_filter(F, Y, group, k, mode)
        bound = tol * np.abs(Y).sum() * np.abs(F).max() * P.size
        assert abs(lhs - np.vdot(F.astype(np.float64), dF)) <= bound
        assert abs(lhs - np.vdot(P.astype(np.float64), dP)) <= bound


def test_inputs_never_mutated_and_results_not_shared(rng):
    f = rng.normal(size=(2, 2, 4, 6, 6))
    psi = rng.normal(size=(2, 2, 4, 3, 3))
    saved = f.copy(), psi.copy()
    out1 = correlate.group_correlation(f, psi, "p4", "same")
    kept = out1.copy()
    out2 = correlate.group_correlation(f[::-1].copy(), psi, "p4", "same")
    correlate.group_correlation_grad_filter(f, out2, "p4", 3, "same")
    correlate.group_correlation_grad_input(out2, psi, "p4", f.shape, "same")
    assert residual(out1, kept).exact
    assert not np.shares_memory(out1, out2)
    assert residual(f, saved[0]).exact and residual(psi, saved[1]).exact


def test_backward_bad_shapes_raise(rng):
    psi = np.zeros((2, 1, 3, 3))
    with pytest.raises(ValueError, match="dout"):
        correlate.lifting_correlation_grad_input(np.zeros((1, 2, 4, 3, 3)), psi, "p4", (1, 1, 6, 6), "valid")
    with pytest.raises(ValueError, match="input_shape"):
        correlate.lifting_correlation_grad_input(np.zeros((1, 2, 4, 4, 4)), psi, "p4", (1, 6, 6), "valid")
    with pytest.raises(ValueError, match=r"shape \(B, C_in, 4, rows, cols\)"):
        correlate.group_correlation_grad_filter(np.zeros((1, 1, 8, 6, 6)), np.zeros((1, 1, 4, 4, 4)), "p4", 3)
    with pytest.raises(ValueError, match="group"):
        correlate.group_correlation_grad_filter(np.zeros((1, 1, 4, 6, 6)), np.zeros((1, 1, 4, 4, 4)), "T", 3)
