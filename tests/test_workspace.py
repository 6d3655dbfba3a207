"""The engine's reused workspace never hands stale data to a caller.

Property: in any sequence of engine calls (forward, input gradient, filter gradient;
any shapes, modes, methods, dtypes, layouts and thread counts), each call returns
bitwise the same array as the same call made alone, right after clear_buffers(). The
comparison is exact (np.array_equal, no tolerance): both computations run the same
tiles in the same order, so any difference is data left behind by another call.

Shapes are drawn from a small range on purpose, so that different calls often ask for
buffers of the same shape with different layouts (an image one row taller, another
padding, another mode): that is how a shared buffer goes stale.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groupconv import engine

MODES_ODD = ("valid", "same", "full", "circular")
MODES_EVEN = ("valid", "full")


@st.composite
def engine_calls(draw, base):
    """One engine call near the shape `base` = (B, C, rows, cols): (kind, method, mode, f, psi, dout, layout)."""
    B, C, nr0, nc0 = base
    kind = draw(st.sampled_from(["forward", "grad_input", "grad_filter"]))
    k = draw(st.sampled_from([1, 2, 3, 3, 3, 5]))
    mode = draw(st.sampled_from(MODES_ODD if k % 2 else MODES_EVEN))
    p = engine.padding(k, mode)
    smallest = max(1, k - 2 * p)  # the filter must fit the padded frame
    nr = max(smallest, nr0 + draw(st.integers(-1, 1)))
    nc = max(smallest, nc0 + draw(st.sampled_from([0, 0, 0, -1, 1])))  # the rows change more often than the columns
    O = draw(st.sampled_from([1, 3]))
    dtype = draw(st.sampled_from([np.float64, np.float64, np.float64, np.float32]))
    method = draw(st.sampled_from(["gemm", "fft", "auto"]))
    layout = draw(st.sampled_from(["wide rows", "per image", "per tile"]))  # the GEMM layouts (see _run)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    f = rng.normal(size=(B, C, nr, nc)).astype(dtype)
    psi = rng.normal(size=(O, C, k, k)).astype(dtype)
    dout = rng.normal(size=(B, O, nr + 2 * p - k + 1, nc + 2 * p - k + 1)).astype(dtype)
    return kind, method, mode, f, psi, dout, layout


@st.composite
def call_sequences(draw):
    """2-8 calls on shapes near one drawn (B, C, rows, cols): neighbours ask for buffers of one shape, other layouts."""
    base = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 6)), draw(st.integers(1, 6)))
    return draw(st.lists(engine_calls(base), min_size=2, max_size=8))


def _run(call):
    """The call, in the GEMM layout it names (the engine picks one by the shapes; here every layout meets every shape)."""
    kind, method, mode, f, psi, dout, layout = call
    engine._wide_rows = lambda K, O, k, nc_o: layout == "wide rows"
    engine._per_image_products = lambda K, O, P: layout == "per image"
    if kind == "forward":
        return engine.planar_correlation(f, psi, mode, method)
    if kind == "grad_input":
        return engine.planar_correlation_grad_input(dout, psi, f.shape, mode, method)
    return engine.planar_correlation_grad_filter(f, dout, psi.shape[-1], mode, method)


@pytest.fixture(autouse=True)
def restore_layout_rules(monkeypatch):
    """_run replaces the engine's layout rules; monkeypatch puts the originals back after each test."""
    monkeypatch.setattr(engine, "_wide_rows", engine._wide_rows)
    monkeypatch.setattr(engine, "_per_image_products", engine._per_image_products)


@pytest.fixture(params=["calling thread", "workers"])
def threads(request, monkeypatch):
    """Run on the calling thread alone, and with every call sent to the worker threads (slots 0 and 1)."""
    if request.param == "workers":
        monkeypatch.setattr(engine, "PARALLEL_MIN_MACS", 0)
        monkeypatch.setattr(engine, "TILE_MACS", 64)  # one image or a band of rows per tile: many tiles, both slots
        old = engine.set_num_threads(2)
        yield request.param
        engine.set_num_threads(old)
    else:
        yield request.param


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=call_sequences())
def test_any_sequence_of_calls_gives_each_call_alone(calls, threads):
    alone = []
    for call in calls:
        engine.clear_buffers()
        alone.append(_run(call))
    engine.clear_buffers()
    for i, call in enumerate(calls):
        again = _run(call)
        assert again.dtype == alone[i].dtype and np.array_equal(again, alone[i]), \
            f"call {i} of {len(calls)} ({call[0]}, {call[1]}, {call[2]}, {call[6]}, f {call[3].shape}, psi {call[4].shape}) " \
            f"differs after the calls before it"
    for i, call in enumerate(reversed(calls)):  # and in the reverse order, with the workspace the first pass left
        j = len(calls) - 1 - i
        assert np.array_equal(_run(call), alone[j]), f"call {j} differs when run in reverse order"


def test_same_mode_after_an_image_one_row_taller(rng):
    """The reported case: a 'same' correlation, then one on an image one row taller, then the first again."""
    x = rng.normal(size=(2, 1, 16, 16))
    psi = rng.normal(size=(1, 1, 3, 3))
    engine.clear_buffers()
    first = engine.planar_correlation(x, psi, "same")
    engine.planar_correlation(rng.normal(size=(2, 1, 17, 16)), rng.normal(size=(4, 1, 3, 3)), "same")
    assert np.array_equal(engine.planar_correlation(x, psi, "same"), first)


# ---------------------------------------------------------------- the two backward products are the adjoints

@settings(max_examples=150)
@given(k=st.integers(1, 9), nr=st.integers(1, 6), nc=st.integers(1, 6), B=st.integers(1, 2), C=st.integers(1, 3),
       O=st.integers(1, 3), mode=st.sampled_from(["valid", "same", "full", "circular"]),
       method=st.sampled_from(["gemm", "auto"]), seed=st.integers(0, 2**32 - 1))
def test_backward_products_are_exact_adjoints(k, nr, nc, B, C, O, mode, method, seed):
    """<psi * f, d> = <f, grad_input(d)> = <psi, grad_filter(f, d)>, exactly, on integer data.

    Every mode and size, the circular border wrapping round the frame more than once (k > 2 n + 1) included.
    The three inner products are sums of integer products computed in Python integers: the equalities are exact.
    """
    if mode in ("same", "circular") and k % 2 == 0:
        k += 1
    p = engine.padding(k, mode)
    if nr + 2 * p < k or nc + 2 * p < k:
        return  # the filter does not fit the padded frame: refused, see tests/test_engine.py
    rng = np.random.default_rng(seed)
    f = rng.integers(-9, 10, size=(B, C, nr, nc))
    psi = rng.integers(-9, 10, size=(O, C, k, k))
    out = engine.planar_correlation(f, psi, mode, method)
    d = rng.integers(-9, 10, size=out.shape)
    df = engine.planar_correlation_grad_input(d, psi, f.shape, mode, method)
    dpsi = engine.planar_correlation_grad_filter(f, d, k, mode, method)
    assert out.dtype == df.dtype == dpsi.dtype == np.int64

    def inner(a, b):
        return sum(int(x) * int(y) for x, y in zip(a.ravel(), b.ravel()))

    assert inner(out, d) == inner(f, df) == inner(psi, dpsi)
