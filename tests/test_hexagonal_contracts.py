"""Contracts of the hexagonal correlations, as properties (hypothesis), with the square lattice beside them.

1. Gradients with a dout that is non-zero outside the output hexagon: the output is
   identically zero there, so those entries have no effect. Checked against dout masked
   by the test's own hexagon, against the adjoint identity <A x, y> = <x, A^T y> and
   against central differences of the forward pass, exactly on integers.
2. The filter bank has the filter's dtype everywhere, and its corner cells (outside the
   hexagonal support) are exactly 0.
3. A NaN or an infinity in the input reaches exactly the outputs whose window (the
   filter's support cells only: the hexagon on the hexagonal lattice, the k x k square
   on the square one) covers it, on every path and in every mode; the literal sums put
   it in the same places. The expected sets are computed here from the geometry alone:
   for each output cell x and each point-group element s, whether the support turned by s
   (the integer matrices of README "Conventions", written out below) covers the cell.
   The same for the gradients: a NaN of dout, or of the input in the filter gradient.

Integer data gives exact residuals (== on int64 sums); the float data here only carries
NaN and infinities, compared as sets, never by value.
"""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from groupconv import correlate, engine, filter_bank, groups, nn

# ---------------------------------------------------------------- independent geometry (README "Conventions")

R_SQUARE, M_SQUARE = np.array([[0, -1], [1, 0]]), np.array([[-1, 0], [0, 1]])
R_HEX, M_HEX = np.array([[0, -1], [1, 1]]), np.array([[1, 1], [0, -1]])
LATTICE = {"p4": "square", "p4m": "square", "p6": "hexagonal", "p6m": "hexagonal"}
MODES = {"p4": ("valid", "same", "full", "circular"), "p4m": ("valid", "same", "full", "circular"),
         "p6": ("valid", "same", "full", "circular"), "p6m": ("valid", "same", "full")}


def point_group(group):
    """The matrices M^m R^r in the order of every group axis: r for p4/p6, 4m + r (6m + r) for p4m (p6m)."""
    R, M = (R_HEX, M_HEX) if LATTICE[group] == "hexagonal" else (R_SQUARE, M_SQUARE)
    turns = 6 if LATTICE[group] == "hexagonal" else 4
    mirrors = 2 if group.endswith("m") else 1
    return [np.linalg.matrix_power(M, m) @ np.linalg.matrix_power(R, r) for m in range(mirrors) for r in range(turns)]


def hex_distance(u, v):
    return np.maximum(np.maximum(np.abs(u), np.abs(v)), np.abs(u + v))


def coords(n):
    """Half-pixel offsets of the n cells of an axis from the centre: 2 i - (n - 1)."""
    return 2 * np.arange(n) - (n - 1)


def in_frame(lattice, n):
    """(n, n) bool: the image's frame (all cells of the square; the hexagon of radius n // 2)."""
    if lattice == "square":
        return np.ones((n, n), bool)
    u, v = np.meshgrid(coords(n) // 2, coords(n) // 2, indexing="ij")
    return hex_distance(u, v) <= n // 2


def in_support(lattice, k, t):
    """Whether half-pixel offsets t (2, ...) are cells of a k x k filter's support."""
    if lattice == "square":
        return (np.abs(t[0]) <= k - 1) & (np.abs(t[1]) <= k - 1)
    return hex_distance(t[0] // 2, t[1] // 2) <= k // 2


def periods(lattice, n, mode):
    """The translations (half pixels) under which the frame repeats in 'circular' mode; only 0 otherwise."""
    if mode != "circular":
        return [np.zeros(2, int)]
    if lattice == "square":
        a1, a2 = np.array([2 * n, 0]), np.array([0, 2 * n])
    else:
        r = n // 2
        a1, a2 = 2 * np.array([2 * r + 1, -r]), 2 * np.array([r, r + 1])
    return [i * a1 + j * a2 for i in range(-2, 3) for j in range(-2, 3)]


def output_size(n, k, mode):
    return {"valid": n - k + 1, "same": n, "circular": n, "full": n + k - 1}[mode]


def covered(group, n, k, mode, y):
    """(|H|, m, m) bool: output (s, x) has input cell y (array indices) under its window, i.e. for some period
    lambda, s^-1 (y + lambda - x) is a cell of the filter's support; only outputs on the output frame."""
    lattice = LATTICE[group]
    m = output_size(n, k, mode)
    X = np.stack(np.meshgrid(coords(m), coords(m), indexing="ij"))  # (2, m, m) half pixels
    y2 = np.array([coords(n)[y[0]], coords(n)[y[1]]])
    out = np.zeros((len(point_group(group)), m, m), bool)
    for s_index, s in enumerate(point_group(group)):
        s_inv = np.rint(np.linalg.inv(s)).astype(int)
        for lam in periods(lattice, n, mode):
            d = (y2 + lam)[:, None, None] - X
            out[s_index] |= in_support(lattice, k, np.einsum("ij,jab->iab", s_inv, d))
    return out & in_frame(lattice, m)


GROUP_MODES = [(group, mode) for group in MODES for mode in MODES[group]]
HEX_GROUP_MODES = [(group, mode) for group, mode in GROUP_MODES if LATTICE[group] == "hexagonal"]


@st.composite
def sizes(draw, group, mode, max_n=7):
    """(k, n, seed): k in 1, 3, 5; n up to max_n (odd on the hexagonal lattice; at least k in 'valid' mode)."""
    k = draw(st.sampled_from((1, 3, 5)))
    ns = [n for n in range(k if mode == "valid" else 1, max_n + 1) if n % 2 == 1 or LATTICE[group] == "square"]
    return k, draw(st.sampled_from(ns)), draw(st.integers(0, 2**32 - 1))


def on_frame(lattice, a):
    return a * in_frame(lattice, a.shape[-1])


# ---------------------------------------------------------------- 1. dout outside the output hexagon has no effect

def _forward(group, f, psi, mode):
    if f.ndim == 4:
        return correlate.lifting_correlation(f, psi, group, mode)
    return correlate.group_correlation(f, psi, group, mode)


def _grads(group, f, psi, dout, mode):
    if f.ndim == 4:
        return (correlate.lifting_correlation_grad_input(dout, psi, group, f.shape, mode),
                correlate.lifting_correlation_grad_filter(f, dout, group, psi.shape[-1], mode))
    return (correlate.group_correlation_grad_input(dout, psi, group, f.shape, mode),
            correlate.group_correlation_grad_filter(f, dout, group, psi.shape[-1], mode))


def _integer_problem(rng, group, n, k, lifting):
    lattice = LATTICE[group]
    nH = len(point_group(group))
    B, C, O = 2, 2, 2
    f_shape = (B, C, n, n) if lifting else (B, C, nH, n, n)
    psi_shape = (O, C, k, k) if lifting else (O, C, nH, k, k)
    f = on_frame(lattice, rng.integers(-4, 5, size=f_shape))
    psi = on_frame(lattice, rng.integers(-4, 5, size=psi_shape))
    return f, psi


@pytest.mark.parametrize("group, mode", HEX_GROUP_MODES)
@settings(max_examples=12)
@given(data=st.data(), lifting=st.booleans())
def test_gradients_ignore_dout_outside_the_output_hexagon(group, mode, data, lifting):
    k, n, seed = data.draw(sizes(group, mode))
    rng = np.random.default_rng(seed)
    f, psi = _integer_problem(rng, group, n, k, lifting)
    out = _forward(group, f, psi, mode)
    m = out.shape[-1]
    inside = in_frame("hexagonal", m)
    dout = rng.integers(-4, 5, size=out.shape)
    junk = np.where(inside, 0, rng.integers(1, 9, size=out.shape))  # non-zero on every cell outside the hexagon
    if not junk.any():
        junk = None
    df, dpsi = _grads(group, f, psi, dout * inside if junk is None else dout * inside + junk, mode)
    df_masked, dpsi_masked = _grads(group, f, psi, dout * inside, mode)
    assert np.array_equal(df, df_masked) and np.array_equal(dpsi, dpsi_masked)
    # the adjoint identity, exactly on integers: <A f, dout> = <f, A^T dout> = <psi, B^T dout>,
    # with the junk in dout (the output is 0 there, so <A f, dout> does not see it)
    dout_junk = dout if junk is None else dout * inside + junk
    lhs = int(np.sum(out.astype(np.int64) * dout_junk))
    assert lhs == int(np.sum(f * df)) == int(np.sum(psi * dpsi)), (lhs, np.sum(f * df), np.sum(psi * dpsi))
    # central differences of the forward pass, exact for a linear map on integers with step 1
    loss = lambda a, b: int(np.sum(_forward(group, a, b, mode) * dout_junk))  # noqa: E731
    for array, grad, is_f in ((f, df, True), (psi, dpsi, False)):
        cells = np.argwhere(np.broadcast_to(in_frame("hexagonal", array.shape[-1]), array.shape))
        for idx in map(tuple, cells[rng.choice(len(cells), size=min(3, len(cells)), replace=False)]):
            plus, minus = array.copy(), array.copy()
            plus[idx] += 1
            minus[idx] -= 1
            args = ((plus, psi), (minus, psi)) if is_f else ((f, plus), (f, minus))
            assert (loss(*args[0]) - loss(*args[1])) == 2 * grad[idx], (is_f, idx)
    # a NaN outside the hexagon has no effect either
    d_nan = np.where(inside, dout, np.nan)
    for a, b in zip(_grads(group, f, psi, d_nan, mode), (df_masked, dpsi_masked)):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("group", ["p6", "p6m"])
def test_layer_backward_ignores_dout_outside_the_hexagon(rng, group):
    x = on_frame("hexagonal", rng.normal(size=(2, 2, 7, 7)))
    inside = in_frame("hexagonal", 7)
    for layer in (nn.LiftingConv(2, 3, group, 3, "same", rng), nn.GroupConv(2, 3, group, 3, "same", rng)):
        if isinstance(layer, nn.GroupConv):
            x = on_frame("hexagonal", rng.normal(size=(2, 2, len(point_group(group)), 7, 7)))
        out = layer.forward(x)
        dout = rng.normal(size=out.shape)
        dx = layer.backward(np.where(inside, dout, 1e3))
        dpsi = layer.grads["psi"].copy()
        assert np.array_equal(dx, layer.backward(dout * inside)) and np.array_equal(dpsi, layer.grads["psi"])


def test_hexagonal_gradients_refuse_what_the_forward_pass_refuses(rng):
    f = on_frame("hexagonal", rng.normal(size=(1, 1, 7, 7)))
    psi = on_frame("hexagonal", rng.normal(size=(1, 1, 3, 3)))
    dout = rng.normal(size=(1, 1, 6, 7, 7))
    with pytest.raises(ValueError, match="zero outside"):
        correlate.lifting_correlation_grad_filter(f + 1, dout, "p6", 3, "same")  # f non-zero outside its hexagon
    with pytest.raises(ValueError, match="zero outside"):
        correlate.lifting_correlation_grad_input(dout, psi + 1, "p6", f.shape, "same")  # psi's corners
    with pytest.raises(ValueError, match="zero outside"):
        correlate.group_correlation_grad_input(dout, np.ones((1, 1, 6, 3, 3)), "p6", (1, 1, 6, 7, 7), "same")
    with pytest.raises(ValueError, match="zero outside"):
        correlate.group_correlation_grad_filter(np.ones((1, 1, 6, 7, 7)), dout, "p6", 3, "same")
    with pytest.raises(ValueError, match="odd n x n"):
        correlate.lifting_correlation_grad_input(rng.normal(size=(1, 1, 6, 4, 4)), psi, "p6", (1, 1, 6, 6), "valid")
    with pytest.raises(ValueError, match="circular"):
        correlate.lifting_correlation_grad_filter(f, rng.normal(size=(1, 1, 12, 7, 7)), "p6m", 3, "circular")


# ---------------------------------------------------------------- 2. the bank's dtype and its corner cells

BANK_DTYPES = [np.int8, np.uint8, np.int64, np.float16, np.float32, np.float64, np.complex64, np.complex128]


@pytest.mark.parametrize("group", ["p6", "p6m"])
@pytest.mark.parametrize("k", [1, 3, 5])
@pytest.mark.parametrize("dtype", BANK_DTYPES)
def test_the_bank_has_the_filters_dtype_and_exact_zero_corners(group, k, dtype):
    nH = len(point_group(group))
    support = in_frame("hexagonal", k)
    cells = int(support.sum())
    # distinct non-zero values on the support (complex ones with both parts non-zero), 0 on the corners
    values = np.arange(1, 2 * 3 * nH * cells + 1).reshape(2, 3, nH, cells) % 97 + 1
    values = values + 1j * values if np.dtype(dtype).kind == "c" else values
    Psi = np.zeros((2, 3, nH, k, k), dtype=dtype)
    Psi[..., support] = values.astype(dtype)
    psi = Psi[:, :, 0].copy()
    G = groups.get(group)
    banks = {"expand_lifting_filter": (correlate.expand_lifting_filter(psi, group), psi),
             "expand_group_filter": (correlate.expand_group_filter(Psi, group), Psi),
             "expand(lifting_index)": (filter_bank.expand(psi, filter_bank.lifting_index(G, k)).reshape(
                 2, nH, 3, k, k), psi),
             "expand(group_index)": (filter_bank.expand(Psi, filter_bank.group_index(G, k)).reshape(
                 2, nH, 3, nH, k, k), Psi),
             "reverse_filter": (correlate.reverse_filter(Psi, group)[:, None], Psi),
             "filter_bank.reverse": (filter_bank.reverse(Psi, G)[:, None], Psi)}
    for what, (bank, source) in banks.items():
        assert bank.dtype == np.dtype(dtype), (what, bank.dtype)
        corners = bank[..., ~support]
        assert (corners == 0).all(), what  # exactly 0, imaginary parts too
        if bank.dtype.kind in "fc":
            assert not np.signbit(corners.real).any() and not np.signbit(corners.imag).any(), what  # and +0
        # each transformed filter holds the filter's support values, moved: the same multiset, per output channel
        for o in range(2):
            want = np.sort_complex(source[o][..., support].ravel()) if bank.dtype.kind == "c" else \
                np.sort(source[o][..., support].ravel())
            for s in range(bank.shape[1]):
                got = bank[o, s][..., support].ravel()
                got = np.sort_complex(got) if bank.dtype.kind == "c" else np.sort(got)
                assert np.array_equal(got, want), (what, o, s)
    # fold, the adjoint of expand, keeps the dtype too
    dbank = banks["expand(group_index)"][0].reshape(2, nH, 3, nH * k * k)
    assert filter_bank.fold(dbank, filter_bank.group_index(G, k), 3).dtype == np.dtype(dtype)


# ---------------------------------------------------------------- 3, 4. a NaN or an infinity reaches exactly its windows

SPECIALS = (np.nan, np.inf, -np.inf)


def _special_problem(rng, group, n, k, lifting, special, C=2):
    """Float data on the frame with one special value at a random cell of the frame; returns f, psi, where."""
    lattice = LATTICE[group]
    nH = len(point_group(group))
    B, O = 2, 2
    f = on_frame(lattice, rng.normal(size=(B, C, n, n) if lifting else (B, C, nH, n, n)))
    psi = on_frame(lattice, rng.normal(size=(O, C, k, k) if lifting else (O, C, nH, k, k)))
    cells = np.argwhere(in_frame(lattice, n))
    y = tuple(cells[rng.integers(len(cells))])
    b, c = int(rng.integers(B)), int(rng.integers(C))
    plane = () if lifting else (int(rng.integers(nH)),)
    f[(b, c) + plane + y] = special
    for a in (f, psi):
        a.flags.writeable = False  # the direct sums of non-finite data, like every path, never write to their inputs
    return f, psi, b, y


def _literal(group, f, psi, mode, form):
    if f.ndim == 4:
        return correlate.lifting_correlation_literal(f, psi, group, mode, form)
    return correlate.group_correlation_literal(f, psi, group, mode, form)


@pytest.mark.parametrize("group, mode", GROUP_MODES)
@settings(max_examples=15)
@given(data=st.data(), lifting=st.booleans(), special=st.sampled_from(SPECIALS))
def test_a_nan_or_inf_reaches_exactly_the_outputs_its_window_covers(group, mode, data, lifting, special):
    k, n, seed = data.draw(sizes(group, mode))
    rng = np.random.default_rng(seed)
    f, psi, b, y = _special_problem(rng, group, n, k, lifting, special)
    fast = _forward(group, f, psi, mode)
    expected = np.zeros(fast.shape, bool)
    expected[b] = covered(group, n, k, mode, y)  # every output channel: the filters are generic
    assert np.array_equal(~np.isfinite(fast), expected)
    forms = ["substituted"] + (["paper"] if lifting or n <= 5 else [])
    for form in forms:
        literal = _literal(group, f, psi, mode, form)
        for special_set in (np.isnan, np.isposinf, np.isneginf):
            assert np.array_equal(special_set(fast), special_set(literal)), (form, special_set.__name__)


@pytest.mark.parametrize("group", ["p4", "p6"])
def test_the_fft_sized_path_keeps_a_nan_under_its_windows(rng, group):
    """Finite data of this size would take the FFT (checked); with a NaN neither lattice does."""
    k, C, n = 5, 48, 9
    assert engine.choose_method((1, C, n, n), k, np.float64) == "fft"
    for mode in MODES[group]:
        f, psi, b, y = _special_problem(rng, group, n, k, True, np.nan, C=C)
        out = correlate.lifting_correlation(f, psi, group, mode)
        expected = np.zeros(out.shape, bool)
        expected[b] = covered(group, n, k, mode, y)
        assert np.array_equal(np.isnan(out), expected), mode


def _filter_reached(group, n, k, mode, y, p0, lifting):
    """Which filter entries (|H|, k, k) or (k, k) multiply the input cell (plane p0, cell y) in some output on
    the output frame: entry (q, t') of plane s multiplies f(s q, x + s t'), so it is reached if some s maps
    q to p0 and some x of the output frame has x + s t' = y (for some period)."""
    lattice = LATTICE[group]
    H = point_group(group)
    m = output_size(n, k, mode)
    out_cells = {(coords(m)[i], coords(m)[j]) for i, j in np.argwhere(in_frame(lattice, m))}
    y2 = np.array([coords(n)[y[0]], coords(n)[y[1]]])
    planes = [None] if lifting else range(len(H))
    reached = np.zeros((1 if lifting else len(H), k, k), bool)
    for q, (a, b) in itertools.product(planes, itertools.product(range(k), range(k))):
        t = np.array([coords(k)[a], coords(k)[b]])
        if not in_support(lattice, k, t):
            continue
        for s in H:
            if q is not None:
                sq = s @ H[q]
                if not np.array_equal(sq, H[p0]):
                    continue
            for lam in periods(lattice, n, mode):
                if tuple(y2 + lam - s @ t) in out_cells:  # x = y + lambda - s t' is an output on the frame
                    reached[0 if q is None else q, a, b] = True
    return reached[0] if lifting else reached


@pytest.mark.parametrize("group, mode", GROUP_MODES)
@settings(max_examples=10)
@given(data=st.data(), lifting=st.booleans())
def test_gradients_keep_a_nan_local(group, mode, data, lifting):
    k, n, seed = data.draw(sizes(group, mode))
    rng = np.random.default_rng(seed)
    lattice = LATTICE[group]
    nH = len(point_group(group))
    f, psi, b, y = _special_problem(rng, group, n, k, lifting, 0.0)
    out = _forward(group, f, psi, mode)
    m = out.shape[-1]
    # a NaN of dout at an output (b, o, s, x) on the output frame reaches df[b, c, (p,) y'] for every c (and
    # plane p) where s^-1 (y' - x) is a support cell: the outputs that cover y' include (s, x)
    cells = np.argwhere(in_frame(lattice, m))
    x = tuple(cells[rng.integers(len(cells))])
    o, s = int(rng.integers(out.shape[1])), int(rng.integers(nH))
    dout = on_frame(lattice, rng.normal(size=out.shape))
    dout[b, o, s][x] = np.nan
    dout.flags.writeable = False
    df, _ = _grads(group, f, psi, dout, mode)
    expected = np.zeros(df.shape, bool)
    reach = np.array([[covered(group, n, k, mode, (i, j))[s][x] for j in range(n)] for i in range(n)])
    expected[b] = reach & in_frame(lattice, n)
    assert np.array_equal(np.isnan(df), expected)
    # a NaN of the input at (b, c, (p0,) y) reaches the filter entries that multiply it in some output
    p0 = int(rng.integers(nH))
    f_nan = f.copy()
    c = int(rng.integers(f.shape[1]))
    f_nan[(b, c) + (() if lifting else (p0,)) + y] = np.nan
    dout = on_frame(lattice, rng.normal(size=out.shape)) + 0.5 * in_frame(lattice, m)  # generic, on the frame
    _, dpsi = _grads(group, f_nan, psi, np.where(in_frame(lattice, m), dout, np.nan), mode)
    expected = np.zeros(dpsi.shape, bool)
    expected[:, c] = _filter_reached(group, n, k, mode, y, p0, lifting)
    assert np.array_equal(np.isnan(dpsi), expected)
