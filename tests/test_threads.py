"""The engine's worker threads (engine.py, "Threads"): same bits on any number of threads, bounded memory, safe calls.

Every result computed with 2, 3 or 5 threads must equal the one-thread result bit for bit
(np.array_equal, not a tolerance), for the forward pass and both backward products, on
the GEMM path (both layouts) and the FFT path, in float32 and float64. The one-thread
result itself is checked against an independent reference (scipy.signal.correlate and
the textbook backward formulas of test_engine.py), so the threads cannot all agree on a
wrong answer. Another test shows that this data does see a change of summation order,
so that bitwise equality is a check that can fail. No timings are asserted.
"""
import os
import subprocess
import sys
import threading
import time
import tracemalloc

import numpy as np
import pytest

from groupconv import engine
from groupconv.checks import FLOAT32_TOL, LITERAL_TOL, residual

from test_engine import _reference, _reference_grad_filter, _reference_grad_input

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def threads():
    """Set the engine's thread count inside a test; the old count comes back afterwards."""
    old = engine.get_num_threads()
    yield engine.set_num_threads
    engine.set_num_threads(old)


@pytest.fixture
def small_tiles(monkeypatch):
    """Tiles of one image (or two, on the GEMM path) and few frequencies, so that a small batch makes many tiles.

    Calls this small would run in the calling thread (PARALLEL_MIN_MACS): here they go to the workers."""
    monkeypatch.setattr(engine, "PARALLEL_MIN_MACS", 0)
    monkeypatch.setattr(engine, "TILE_MACS", 2**12)
    monkeypatch.setattr(engine, "FFT_TILE_BYTES", 4096)
    monkeypatch.setattr(engine, "FREQUENCY_TILE", 16)


def _all_three(f, psi, mode, method):
    """Forward, input gradient and filter gradient, with a fixed output gradient."""
    out = engine.planar_correlation(f, psi, mode, method)
    dout = np.random.default_rng(7).normal(size=out.shape).astype(out.dtype)
    df = engine.planar_correlation_grad_input(dout, psi, f.shape, mode, method)
    dpsi = engine.planar_correlation_grad_filter(f, dout, psi.shape[-1], mode, method)
    return out, dout, df, dpsi


def _tiles_ran_in(monkeypatch):
    """Record the name of the thread that runs each tile (the work that engine._run_tiles hands out)."""
    names = []
    run_tiles = engine._run_tiles

    def recording(tiles, work, *args, **kwargs):
        def recorded(*tile):
            names.append(threading.current_thread().name)
            if not any(name.startswith("groupconv-engine") for name in names):
                # The calling thread computes tiles too: until a worker has taken one, give the
                # workers time to start, or on a busy machine the caller may take every tile.
                time.sleep(0.002)
            return work(*tile)
        return run_tiles(tiles, recorded, *args, **kwargs)

    monkeypatch.setattr(engine, "_run_tiles", recording)
    return names


def _shared_with_workers(names):
    """The tiles ran on the engine's workers (at least one) and the calling thread, on no other thread."""
    caller = threading.current_thread().name
    return (any(name.startswith("groupconv-engine") for name in names)
            and all(name == caller or name.startswith("groupconv-engine") for name in names))


CASES = [  # (f shape, O, k, method, per-image layout)
    ((7, 3, 11, 10), 5, 3, "gemm", False),
    ((7, 3, 11, 10), 5, 3, "gemm", True),
    ((5, 2, 9, 9), 6, 3, "gemm", True),  # O > C: the input gradient takes the col2im path
    ((5, 2, 9, 9), 6, 3, "gemm", False),
    ((6, 3, 12, 12), 4, 5, "fft", False),
    ((5, 2, 9, 9), 6, 3, "fft", False),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, O, k, method, per_image", CASES)
def test_same_bits_on_1_2_3_and_5_threads(rng, threads, small_tiles, monkeypatch, shape, O, k, method, per_image, dtype):
    monkeypatch.setattr(engine, "_per_image_products", lambda K, O_, P: per_image)
    monkeypatch.setattr(engine, "_wide_rows", lambda K, O_, k_, nc_o: not per_image)
    f = rng.normal(size=shape).astype(dtype)
    psi = rng.normal(size=(O, shape[1], k, k)).astype(dtype)
    tol = LITERAL_TOL if dtype == np.float64 else FLOAT32_TOL
    names = _tiles_ran_in(monkeypatch)
    for mode in ("same", "valid", "circular"):
        threads(1)
        one = _all_three(f, psi, mode, method)
        out, dout, df, dpsi = one
        for got, want in [(out, _reference(f, psi, mode)), (df, _reference_grad_input(dout, psi, f.shape, mode)),
                          (dpsi, _reference_grad_filter(f, dout, k, mode))]:
            assert got.dtype == dtype
            r = residual(got, want)
            assert r.value <= tol * r.scale, (mode, r)
        for n in (2, 3, 5):
            threads(n)
            names.clear()
            many = _all_three(f, psi, mode, method)
            for a, b, what in zip(one, many, ("forward", "dout", "input gradient", "filter gradient")):
                assert np.array_equal(a, b), (mode, n, what, float(np.abs(a - b).max()))
            assert len(names) > 2 and _shared_with_workers(names), names[:3]


def test_this_data_sees_the_summation_order(rng, threads, monkeypatch):
    """Bitwise equality above is a real check: cutting the batch into other tiles changes the filter gradient's bits.

    (The partial sums of the filter gradient are added per tile; other tiles, another order.
    In the layout of one product per tile: one product per image, then summed over the
    tile's images in order, would give the same order as one partial sum per image.)
    """
    monkeypatch.setattr(engine, "_per_image_products", lambda K, O, P: False)
    threads(1)
    f = rng.normal(size=(9, 3, 11, 10)).astype(np.float32)
    dout = rng.normal(size=(9, 5, 11, 10)).astype(np.float32)
    monkeypatch.setattr(engine, "TILE_MACS", 2**12)
    one_per_tile = engine.planar_correlation_grad_filter(f, dout, 3, "same", "gemm")
    monkeypatch.setattr(engine, "TILE_MACS", 2**30)
    one_tile = engine.planar_correlation_grad_filter(f, dout, 3, "same", "gemm")
    assert residual(one_per_tile, one_tile).value <= FLOAT32_TOL * residual(one_per_tile, one_tile).scale
    assert not np.array_equal(one_per_tile, one_tile)


def test_tiles_never_depend_on_the_thread_count(threads):
    """Tile sizes and bands are functions of shapes and bounds: the same for every thread count."""
    sizes = []
    for n in (1, 2, 7):
        threads(n)
        sizes.append([engine._tile_size(64, 8 * 10**5, 8 * 10**5, macs_per_image=m) for m in (10**4, 10**6, 10**8)] +
                     [engine._tiles(B, 1, 30, 10**8) for B in (1, 3, 64)])
    assert sizes[0] == sizes[1] == sizes[2]


@pytest.mark.parametrize("B, nr_o, macs", [(1, 30, 10**8), (3, 7, 10**8), (2, 129, 10**9), (1, 5, 10**9)])
def test_a_small_batch_is_cut_into_bands_that_cover_every_row_once(B, nr_o, macs):
    tiles = engine._tiles(B, 1, nr_o, macs)
    assert 1 < len(tiles) <= engine.MIN_TILES
    covered = np.zeros((B, nr_o), int)
    for b0, b1, r0, r1 in tiles:
        assert b1 == b0 + 1 and r0 < r1
        covered[b0, r0:r1] += 1
    assert (covered == 1).all()


def test_large_batches_and_small_images_are_not_cut_into_bands():
    assert engine._tiles(64, 4, 30, 10**8) == [(b, b + 4, 0, 30) for b in range(0, 64, 4)]
    assert engine._tiles(1, 1, 30, engine.TILE_MACS) == [(0, 1, 0, 30)]  # one image of little work: one tile
    assert engine._tiles(1, 1, 30, engine.PARALLEL_MIN_MACS - 1) == [(0, 1, 0, 30)]  # runs on one thread anyway


@pytest.mark.parametrize("mode", ["same", "valid", "circular"])
@pytest.mark.parametrize("wide", [True, False])
def test_one_image_in_bands_equals_the_reference_on_every_thread_count(rng, threads, monkeypatch, mode, wide):
    """The widget's case: one image, split into bands of rows (default tile sizes), the bands on the workers."""
    monkeypatch.setattr(engine, "_wide_rows", lambda *shape: wide)
    monkeypatch.setattr(engine, "PARALLEL_MIN_MACS", 0)
    names = _tiles_ran_in(monkeypatch)
    f = rng.normal(size=(1, 32, 96, 61))
    psi = rng.normal(size=(32, 32, 3, 3))
    assert len(engine._tiles(1, 1, 94, 32 * 288 * 94 * 59)) > 1  # default sizes: this image is cut into bands
    threads(1)
    one = _all_three(f, psi, mode, "gemm")
    out, dout, df, dpsi = one
    for got, want in [(out, _reference(f, psi, mode)), (df, _reference_grad_input(dout, psi, f.shape, mode)),
                      (dpsi, _reference_grad_filter(f, dout, 3, mode))]:
        r = residual(got, want)
        assert r.value <= LITERAL_TOL * r.scale, (mode, r)
    threads(3)
    names.clear()
    for a, b in zip(one, _all_three(f, psi, mode, "gemm")):
        assert np.array_equal(a, b)
    assert len(names) > 2 and _shared_with_workers(names), names[:3]


def test_integers_exact_on_many_threads(rng, threads, small_tiles):
    f = rng.integers(-9, 10, size=(6, 2, 9, 8))
    psi = rng.integers(-9, 10, size=(5, 2, 3, 3))
    threads(4)
    out, dout, df, dpsi = _all_three(f, psi, "same", "auto")
    dout = np.rint(dout).astype(np.int64)
    df = engine.planar_correlation_grad_input(dout, psi, f.shape, "same")
    dpsi = engine.planar_correlation_grad_filter(f, dout, 3, "same")
    assert out.dtype == df.dtype == dpsi.dtype == np.int64
    assert residual(out, _reference(f, psi, "same").round().astype(np.int64)).exact
    assert residual(df, _reference_grad_input(dout, psi, f.shape, "same").round().astype(np.int64)).exact
    assert residual(dpsi, _reference_grad_filter(f, dout, 3, "same").round().astype(np.int64)).exact


@pytest.mark.parametrize("method", ["gemm", "fft"])
def test_workspace_bound_holds_for_all_threads_together(rng, threads, monkeypatch, method):
    """Peak extra memory (tracemalloc, every thread) stays within the bound with 4 threads and a batch 10x larger."""
    monkeypatch.setattr(engine, "PARALLEL_MIN_MACS", 0)
    threads(4)
    old = engine.set_workspace_limit(2 * 2**20)
    try:
        f = rng.normal(size=(64, 8, 20, 20))
        psi = rng.normal(size=(8, 8, 5, 5))
        dout = rng.normal(size=(64, 8, 20, 20))
        for call in (lambda: engine.planar_correlation(f, psi, "same", method),
                     lambda: engine.planar_correlation_grad_input(dout, psi, f.shape, "same", method),
                     lambda: engine.planar_correlation_grad_filter(f, dout, 5, "same", method)):
            engine.clear_buffers()
            tracemalloc.start()
            result = call()
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            assert peak - result.nbytes <= 1.1 * engine.WORKSPACE_BYTES, (method, peak)
            assert engine.workspace_in_use() <= engine.WORKSPACE_BYTES
    finally:
        engine.set_workspace_limit(old)


def test_blas_runs_on_one_thread_inside_and_is_restored_after(rng, threads, monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    seen = []
    run_tiles = engine._run_tiles

    def recording(tiles, work, *args, **kwargs):
        def recorded(*tile):
            seen.append(blas_threads())
            return work(*tile)
        return run_tiles(tiles, recorded, *args, **kwargs)

    monkeypatch.setattr(engine, "_run_tiles", recording)
    monkeypatch.setattr(engine, "PARALLEL_MIN_MACS", 0)
    threads(2)
    f, psi = rng.normal(size=(4, 3, 12, 12)), rng.normal(size=(4, 3, 3, 3))
    out = engine.planar_correlation(f, psi, "same", "gemm")
    engine.planar_correlation_grad_filter(f, out, 3, "same", "gemm")
    assert seen and all(s and set(s) == {1} for s in seen), seen
    assert blas_threads() == before


def test_calls_from_several_threads_are_safe(rng, threads, monkeypatch):
    """Four Python threads call the engine at once, with different shapes: each gets the serial result."""
    monkeypatch.setattr(engine, "PARALLEL_MIN_MACS", 0)
    monkeypatch.setattr(engine, "TILE_MACS", 2**12)
    threads(2)
    jobs = [(rng.normal(size=(5, c, 10 + c, 9)), rng.normal(size=(3, c, 3, 3))) for c in (1, 2, 3, 4)]
    expected = [engine.planar_correlation(f, psi, "same") for f, psi in jobs]
    results, errors = [None] * 4, []

    def run(i):
        try:
            for _ in range(5):
                results[i] = engine.planar_correlation(*jobs[i], "same")
                assert np.array_equal(results[i], expected[i])
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not any(w.is_alive() for w in workers)
    assert not errors, errors
    assert all(np.array_equal(r, e) for r, e in zip(results, expected))


def test_without_threadpoolctl_the_tiles_run_in_the_calling_thread(rng, threads, monkeypatch):
    """BLAS cannot be pinned to one thread then (unless the environment did it): no worker threads."""
    monkeypatch.setattr(engine, "PARALLEL_MIN_MACS", 0)
    monkeypatch.setattr(engine, "threadpoolctl", None)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(engine, "TILE_MACS", 2**12)
    threads(3)
    names = _tiles_ran_in(monkeypatch)
    f, psi = rng.normal(size=(6, 2, 9, 9)), rng.normal(size=(3, 2, 3, 3))
    out = engine.planar_correlation(f, psi, "same", "gemm")
    assert len(names) > 1 and set(names) == {threading.current_thread().name}
    r = residual(out, _reference(f, psi, "same"))
    assert r.value <= LITERAL_TOL * r.scale
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")  # pinned by the environment: the workers may run
    names.clear()
    assert np.array_equal(engine.planar_correlation(f, psi, "same", "gemm"), out)
    assert names and _shared_with_workers(names), names[:3]


def test_set_num_threads_checks_its_argument(threads):
    import groupconv
    assert groupconv.set_num_threads is engine.set_num_threads
    old = threads(3)
    assert engine.get_num_threads() == groupconv.get_num_threads() == 3
    assert threads(old) == 3
    for bad in (2.0, "2", True):
        with pytest.raises(TypeError, match="integer"):
            engine.set_num_threads(bad)
    with pytest.raises(ValueError, match="at least 1"):
        engine.set_num_threads(0)


def test_default_thread_count_and_environment_variable(monkeypatch):
    monkeypatch.delenv("GROUPCONV_NUM_THREADS", raising=False)
    if hasattr(os, "sched_getaffinity"):
        assert engine._default_threads() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("GROUPCONV_NUM_THREADS", "3")
    assert engine._default_threads() == 3
    for bad in ("0", "two", "-1", "1.5"):
        monkeypatch.setenv("GROUPCONV_NUM_THREADS", bad)
        with pytest.raises(ValueError, match="GROUPCONV_NUM_THREADS must be a positive integer"):
            engine._default_threads()


def test_environment_variable_sets_the_count_at_import():
    env = dict(os.environ, GROUPCONV_NUM_THREADS="3", PYTHONPATH=ROOT)
    code = "import groupconv; print(groupconv.get_num_threads())"
    printed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert printed.stdout.strip() == "3", printed.stderr


def test_small_calls_stay_in_the_calling_thread_with_the_same_tiles(rng, threads, monkeypatch):
    """Below PARALLEL_MIN_MACS the tiles run in the calling thread: the same tiles, so the same bits."""
    monkeypatch.setattr(engine, "TILE_MACS", 2**12)
    names = _tiles_ran_in(monkeypatch)
    f, psi = rng.normal(size=(6, 2, 9, 9)).astype(np.float32), rng.normal(size=(3, 2, 3, 3)).astype(np.float32)
    threads(2)
    small = _all_three(f, psi, "same", "gemm")
    assert len(names) > 2 and set(names) == {threading.current_thread().name}
    monkeypatch.setattr(engine, "PARALLEL_MIN_MACS", 0)
    names.clear()
    for a, b in zip(small, _all_three(f, psi, "same", "gemm")):
        assert np.array_equal(a, b)
    assert names and _shared_with_workers(names), names[:3]


def test_shared_tiles_each_run_once_in_distinct_slots_and_errors_wait_for_the_workers(threads):
    """engine._share_tiles: every tile once, no slot in use twice at a time; an error stops the others and is raised after them."""
    threads(3)
    pool = engine._worker_pool()
    done, busy, clashes, lock = [], set(), [], threading.Lock()

    def work(i0, i1, slot):
        with lock:
            clashes.append(slot in busy)
            busy.add(slot)
        time.sleep(0.001)
        with lock:
            busy.discard(slot)
            done.append((i0, i1))

    tiles = [(i, i + 1) for i in range(40)]
    engine._share_tiles(pool, tiles, work, 3)
    assert sorted(done) == tiles and not any(clashes)

    running, caller = [], threading.current_thread()

    def failing(i0, i1, slot):
        running.append(1)
        if threading.current_thread() is caller:
            time.sleep(0.002)
            if len(running) > 1:  # a worker is in the middle of a (longer) tile
                raise ValueError("a tile of the calling thread failed")
        else:
            time.sleep(0.02)
        running.pop()

    with pytest.raises(ValueError, match="calling thread failed"):
        engine._share_tiles(pool, tiles, failing, 3)
    assert running == [1]  # only the failed tile never finished: no worker was still computing
