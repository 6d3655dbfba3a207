"""The planar multi-channel correlation that every vectorised layer of groupconv ends in.

    out[b, o, i, j] = sum over c, a, b' of  f_pad[b, c, i + a, j + b'] * psi[o, c, a, b']

where f_pad is the input padded for the boundary mode. This module is the numerical
engine only: the meaning of the modes (which output pixels exist, where their centre
is) is documented in correlate.py. The two backward products that training needs
(gradient with respect to the input and to the filter) live here too.

Shapes: f (B, C, rows, cols), psi (O, C, k, k), out (B, O, rows', cols'). In the code
nr x nc counts rows x columns: of the input (nr, nc), padded (nr_p, nc_p), of the
output (nr_o, nc_o) and of the FFT (nr_f, nc_f).
Modes: "valid" (no padding), "same" (zero padding (k-1)/2, odd k), "full" (zero
padding k-1) and "circular" (periodic padding (k-1)/2, odd k).

How the sum is computed (all three give the same numbers; tests check it):
    "gemm"  im2col + matrix products. The k*k shifted copies of f_pad are laid out as
            cols[(c, a, b'), (i, j)] = f_pad[b, c, i + a, j + b'], and out[b] =
            psi.reshape(O, C*k*k) @ cols is a matrix product on contiguous operands. For
            few input channels (a lifting layer) one product per image is written
            straight into the result; for many (C*k*k >= WIDE_RATIO * O, rows of at
            least 8 (k-1) pixels) the copies are taken over whole padded rows, one
            contiguous run per tap, and one product per tile is cropped into the
            result (_wide_rows).
    "fft"   the correlation theorem: the input planes and the O*C filter planes are
            transformed (scipy.fft.rfft2), the sum over c is one complex matrix product
            per frequency, and one inverse transform gives every output plane.
            Float32 and float64 only.
    "auto"  (default) the rule of `choose_method`: integer, complex and small-filter
            cases use "gemm", real floating-point cases with large filters (k >= 5 and
            C*k*k >= 1000) use "fft".

Dtypes (compute_dtypes). Integer inputs of any width (uint8 images too) give exact int64
results, never wrapped: they never go through the FFT; the products run in float64 when
every partial sum is an integer below 2**53 (so it is exact), in int64 otherwise; sums
that could overflow int64 raise ValueError. float16 is accumulated and returned in
float32. Otherwise the result dtype is np.result_type(f, psi) (float32 stays float32).

NaN and infinity propagate as in the direct sum: an output value is NaN (or infinite)
exactly when a NaN (infinity) lies under its filter window. The FFT would spread one
NaN over its whole plane, so "auto" never takes it for data that is not finite, and a
forced method="fft" on such data raises. The same holds for finite data the FFT would
compute badly (_fft_trouble): transforms that could overflow, and a dynamic range so
wide that the FFT's round-off, set by the largest values of a plane, would swamp the
outputs whose windows see only small ones.

Threads (set_num_threads). The batch is cut into tiles of a few images (_tile_size:
cache-sized, about TILE_MACS multiply-adds each; a batch of fewer than MIN_TILES images
into bands of output rows, _tiles). The calling thread and NUM_THREADS - 1 workers of
a pool each take the next tile until none is left (_share_tiles), doing the padding,
im2col (or transforms) and products of that tile in their own workspace; NumPy and
SciPy release the GIL in the copies, products and transforms. BLAS runs on ONE thread inside the engine (threadpoolctl
sets it for the duration of each call and restores it afterwards), so the workers do
not oversubscribe the cores. NUM_THREADS defaults to the cores this process may use
(os.sched_getaffinity), or the environment variable GROUPCONV_NUM_THREADS.

Same results on any number of threads. The tiles depend only on the shapes, the dtype
and the workspace bound, never on the thread count; the threads only decide who
computes which tile, and every tile is computed by the same single-threaded code.
Where tiles add into one result (the filter gradient sums over the batch) the partial
sums are added in tile order by the calling thread. So every output element is summed
in the same order, and results are bitwise identical on 1, 2 or N threads (tests check it).

Thread safety: the engine may be called from several threads; the calls are serialised
(a lock), so a second call waits until the first has finished. Inside a call, only the
threads computing its tiles touch the workspace, each its own part of it (its slot).

Memory: the tiles are sized so that the workspace of the tiles in flight together
(padded input, im2col matrix, product; the spectra on the FFT path) stays below
WORKSPACE_BYTES (256 MiB by default; change it with set_workspace_limit): fewer tiles
run at once when a tile is large. (A batch cut into bands is padded once, outside the
bound: fewer than MIN_TILES images.) The workspace buffers are KEPT between calls and
reused when a call of the same shape comes again (first touches of fresh memory are
expensive). Returned arrays are always freshly allocated, never a view of a reused
buffer. clear_buffers() frees the workspace.
"""
import contextlib
import functools
import math
import os
import queue
import threading
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.fft
from numpy.lib.stride_tricks import as_strided

from . import limits

try:  # sets the BLAS thread count at run time (OpenBLAS, MKL, BLIS); without it, see _blas_pinned
    import threadpoolctl
except ImportError:  # the tests try this case by setting engine.threadpoolctl = None
    threadpoolctl = None

MODES = ("valid", "same", "full", "circular")
METHODS = ("auto", "gemm", "fft")

WORKSPACE_BYTES = 256 * 2**20
"""Upper bound (bytes) on the workspace this module keeps and uses per call, all threads together (see set_workspace_limit)."""

IM2COL_CHUNK_BYTES = 8 * 2**20
"""Largest im2col matrix of one tile: 8 MiB stays in cache between im2col and the product
(measured 1.2-1.4x faster than one im2col matrix for the whole batch)."""

TILE_MACS = 2**24
"""A tile holds as many images as make about this many multiply-adds (at least one image).

Small enough that a batch gives every thread work (W1: two images, 24 million
multiply-adds, per tile; W3: one), large enough that the per-tile cost of Python, of
handing the tile to a worker and of starting the BLAS call stays small (measured some
30-100 us per tile; W1 on one thread took 10.2 ms in tiles of 2 images, 11.6 ms in
tiles of one)."""

FFT_TILE_BYTES = 8 * 2**20
"""Spectra of one tile on the FFT path (the same role as IM2COL_CHUNK_BYTES)."""

FREQUENCY_TILE = 256
"""Frequencies per tile of the filter gradient's product on the FFT path."""

WIDE_RATIO = 4
"""The forward GEMM path lays out whole rows when C*k*k >= WIDE_RATIO * O (see _wide_rows)."""

SMALL_PRODUCT = 2**18
"""Below this many multiply-adds per image (O * C*k*k * rows'*cols') the backward products take one product per image (see _per_image_products)."""

PARALLEL_MIN_MACS = 2**26
"""A GEMM-path call of fewer multiply-adds (about 0.6 ms of work) runs its tiles in the calling thread.

Handing a tile to a worker costs some 30-100 us (waking the thread, the GIL); W2, a
lifting layer of 18 million multiply-adds, was measured 1.3-1.8x SLOWER on 2 threads, and
the widget's deeper layers (38 million, one image in two bands) 14 % slower."""

MIN_TILES = 8
"""A batch of fewer images than this is also cut into bands of output rows (see _tiles)."""

FEW_TAPS = 27
"""Up to this many rows of the im2col matrix (C*k*k: few input channels) the backward products take one product per image (see _per_image_products)."""

# "auto" takes the FFT path when k >= FFT_MIN_K and C * k * k >= FFT_MIN_TAPS (measured, see choose_method).
FFT_MIN_K = 5
FFT_MIN_TAPS = 1000

FFT_MAX_RANGE = {"float32": 2.0**9, "float64": 2.0**15}
""""auto" takes the FFT only for data whose local dynamic range (the largest magnitude over the smallest non-zero
maximum of a k x k block, _local_range) is at most this: its round-off at each output then stays within about
0.2 u FFT_MAX_RANGE (6e-6 in float32, 7e-13 in float64) of that output's own scale (see _fft_trouble)."""


# ---------------------------------------------------------------- threads

def _default_threads():
    """GROUPCONV_NUM_THREADS if set, else the number of cores this process may run on."""
    value = os.environ.get("GROUPCONV_NUM_THREADS", "").strip()
    if value:
        # ASCII digits only: str.isdigit() also accepts "²" or "١", which int() then rejects or reads
        if not (value.isascii() and value.isdigit()) or int(value) < 1:
            raise ValueError(f"the environment variable GROUPCONV_NUM_THREADS must be a positive integer in the "
                             f"digits 0-9 (e.g. 4), got {value!r}; fix it or unset it (default: every usable core)")
        return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # no sched_getaffinity (macOS, Windows)
        return os.cpu_count() or 1


NUM_THREADS = _default_threads()
"""Worker threads of the engine (set_num_threads)."""

_lock = threading.RLock()  # one engine call at a time (see _serialised)
_pool = None  # the ThreadPoolExecutor, made on first use
_blas = None  # the threadpoolctl controller, made on first use
_nested = False  # True while the thread holding _lock is inside an entry point


def _serialised(fn):
    """Decorator of the public entry points: one call at a time, with BLAS on one thread during it.

    A nested call (the input gradient calls planar_correlation) runs inside its caller's set-up.
    """
    @functools.wraps(fn)
    def call(*args, **kwargs):
        global _nested
        with _lock:
            if _nested:
                return fn(*args, **kwargs)
            _nested = True
            try:
                with _blas_on_one_thread():
                    return fn(*args, **kwargs)
            finally:
                _nested = False
    return call


def _blas_on_one_thread():
    """Context: BLAS single-threaded, its thread count restored on exit (threadpoolctl; without it, nothing)."""
    global _blas
    if threadpoolctl is None:
        return contextlib.nullcontext()
    if _blas is None:  # finds the BLAS libraries loaded in the process (NumPy's OpenBLAS)
        _blas = threadpoolctl.ThreadpoolController()
    return _blas.limit(limits=1, user_api="blas")


def _blas_pinned():
    """Whether BLAS is known to run on one thread inside the engine, so that worker threads may call it.

    With threadpoolctl, always. Without it, only when the environment set OpenBLAS (or
    OpenMP) to one thread before NumPy was loaded; otherwise the engine runs its tiles in
    the calling thread and lets BLAS spread each product over its own threads.
    """
    return threadpoolctl is not None or _blas_threads() == 1


def _blas_threads():
    """The BLAS thread count as the environment sets it (OpenBLAS reads these variables at load time)."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(name, "").strip()
        if value.isascii() and value.isdigit() and int(value) > 0:  # ASCII digits: "²".isdigit() is True too
            return int(value)
    return os.cpu_count() or 1


@_serialised
def set_num_threads(n=None):
    """Set NUM_THREADS, the engine's worker threads (None: GROUPCONV_NUM_THREADS, else every usable core); returns the old value.

    Results do not depend on it (see the module header). With n = 1 the engine runs in the calling thread.
    """
    global NUM_THREADS
    n = _default_threads() if n is None else limits.integer(n, "the number of threads (None: the default)", minimum=1)
    old, NUM_THREADS = NUM_THREADS, n
    return old


def get_num_threads():
    """NUM_THREADS, the engine's worker threads."""
    return NUM_THREADS


def _forget_pool_after_fork():
    """A forked child has none of its parent's threads: start with a new pool and a free lock."""
    global _pool, _lock, _buffers_lock, _nested
    _pool = None
    _lock, _buffers_lock, _nested = threading.RLock(), threading.Lock(), False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def _ranges(n, step):
    """[(0, step), (step, 2 step), ...] covering range(n): the tiles of an axis of length n."""
    return [(i, min(n, i + step)) for i in range(0, n, step)]


def _tiles(B, n, nr_o, macs_per_image):
    """The tiles (b0, b1, r0, r1) of the GEMM path, images b0..b1-1 and output rows r0..r1-1: a function of the shapes only.

    Normally n whole images each. A batch of fewer than MIN_TILES images, each holding
    several TILE_MACS of work and in all enough for the workers (PARALLEL_MIN_MACS), is cut
    into bands of output rows instead (at most MIN_TILES tiles in all), so that a single
    photograph still gives every thread work.
    """
    if B >= MIN_TILES or B * macs_per_image < PARALLEL_MIN_MACS:  # enough images, or one thread anyway
        return [(b0, b1, 0, nr_o) for b0, b1 in _ranges(B, n)]
    bands = min(nr_o, MIN_TILES // B, macs_per_image // TILE_MACS)
    if bands <= 1:
        return [(b0, b1, 0, nr_o) for b0, b1 in _ranges(B, n)]
    rows = -(-nr_o // bands)
    return [(b, b + 1, r0, r1) for b in range(B) for r0, r1 in _ranges(nr_o, rows)]


def _padded_batch(f, p, mode, dtype, extra_rows=0):
    """f padded as `mode` requires, in `dtype`, with extra_rows rows of zeros below: a new array.

    For a small batch cut into bands of rows: padded once, read by every band."""
    B, C, nr, nc = f.shape
    fp = np.zeros((B, C, nr + 2 * p + extra_rows, nc + 2 * p), dtype)
    _pad_into(fp[:, :, :nr + 2 * p], f, p, mode)
    return fp


def _tile_input(f, shared, n, b0, b1, p, mode, dtype, slot):
    """Images b0..b1-1 of f as a tile of the GEMM path reads them (padded as `mode` requires, in `dtype`).

    From `shared` (the batch padded once, for bands of rows) if given; else f itself when
    it needs neither padding nor a cast; else padded into the slot's workspace (n images).
    """
    if shared is not None:
        return shared[b0:b1]
    if p == 0 and f.dtype == dtype:
        return f[b0:b1]
    _, C, nr, nc = f.shape
    return _pad_into(_pad_buffer(n, C, nr, nc, p, dtype, mode, slot), f[b0:b1], p, mode)


def _run_tiles(tiles, work, tile_bytes, combine=None, macs=None):
    """Call work(*tile, slot) for every tile (a tuple: (i0, i1), or (b0, b1, r0, r1)) on the worker threads.

    At most `running` tiles are computed at once: no more than NUM_THREADS, and no more
    than fit WORKSPACE_BYTES when each needs tile_bytes (workspace and result). Without
    combine, the calling thread and running - 1 workers each take the next tile until none
    is left (_share_tiles). With combine(result), which sees the results in tile order in
    the calling thread, the tiles go to `running` workers, each taking a free slot
    (0 .. running-1) when it starts and giving it back when it ends, and up to 2 * running
    tiles are queued (their results wait for their turn). A slot keys its workspace
    buffers. With one tile at a time, or a call of fewer than PARALLEL_MIN_MACS
    multiply-adds in all (`macs`), everything runs in the calling thread. Which thread
    computes a tile never changes its numbers: the tiles are the same.
    """
    running = min(NUM_THREADS, len(tiles), max(1, WORKSPACE_BYTES // max(1, tile_bytes)))
    if running <= 1 or not _blas_pinned() or (macs is not None and macs < PARALLEL_MIN_MACS):
        for tile in tiles:
            result = work(*tile, 0)
            if combine is not None:
                combine(result)
        return
    pool = _worker_pool()
    if combine is None:
        _share_tiles(pool, tiles, work, running)
        return
    slots = queue.SimpleQueue()
    for slot in range(running):
        slots.put(slot)

    def in_a_slot(tile):
        slot = slots.get()  # waits while `running` tiles are being computed
        try:
            return work(*tile, slot)
        finally:
            slots.put(slot)

    window = len(tiles) if combine is None else 2 * running  # results to combine are held until their turn
    pending = deque()
    try:
        for tile in tiles:
            if len(pending) == window:  # enough queued: take the oldest result first
                result = pending.popleft().result()
                if combine is not None:
                    combine(result)
            pending.append(pool.submit(in_a_slot, tile))
        while pending:
            result = pending.popleft().result()
            if combine is not None:
                combine(result)
    finally:  # after an error, let the tiles still queued finish before their buffers are reused
        for future in pending:
            future.cancel() or future.exception()


def _worker_pool():
    """The ThreadPoolExecutor of the engine, made (or made larger) on first use."""
    global _pool
    if _pool is None or _pool._max_workers < NUM_THREADS:
        if _pool is not None:
            _pool.shutdown(wait=True)
        _pool = ThreadPoolExecutor(max_workers=NUM_THREADS, thread_name_prefix="groupconv-engine")
    return _pool


def _share_tiles(pool, tiles, work, running):
    """Compute work(*tile, slot) for every tile on the calling thread (slot 0) and running - 1 workers (slots 1, 2, ...).

    Each thread takes the next tile from the list until none is left: one hand-off per
    worker and call, not one per tile, and the calling thread computes instead of waiting
    (measured, W1 float32 on two threads, calls back to back: 6.8 ms with every tile handed
    to a worker, 6.0 ms so). After an error no thread takes another tile, and every
    worker has stopped before the error is raised (before the buffers can be reused).
    """
    next_tile = iter(tiles)
    take = threading.Lock()
    failed = []

    def drain(slot):
        try:
            while not failed:
                with take:
                    tile = next(next_tile, None)
                if tile is None:
                    return
                work(*tile, slot)
        except BaseException:
            failed.append(True)
            raise

    workers = [pool.submit(drain, slot) for slot in range(1, running)]
    try:
        drain(0)
    finally:
        for worker in workers:
            worker.exception()  # waits for it to stop
    for worker in workers:
        worker.result()  # raises a worker's error


# ---------------------------------------------------------------- padding

def padding(k, mode):
    """Rows/columns added on each side of the input for a k x k filter in `mode`."""
    k = limits.integer(k, "the filter size k", minimum=1)
    if mode == "valid":
        return 0
    if mode == "full":
        return k - 1
    if mode in ("same", "circular"):
        if k % 2 == 0:
            raise ValueError(f"mode {mode!r} needs an odd filter size (an even filter's centre lies "
                             f"between pixels, so no output frame of the input's size shares its centre); got k = {k}")
        return (k - 1) // 2
    raise ValueError(f"mode must be one of {MODES}, got {mode!r}")


def pad(f, k, mode):
    """f (..., rows, cols) padded on the last two axes as `mode` requires (a new array unless mode is "valid")."""
    f = limits.plain_array(f, "the array to pad")
    if f.ndim < 2:
        raise ValueError(f"pad takes an array (..., rows, cols), got shape {f.shape}")
    p = padding(k, mode)
    if p == 0:
        return f
    widths = [(0, 0)] * (f.ndim - 2) + [(p, p), (p, p)]
    return np.pad(f, widths, mode="wrap" if mode == "circular" else "constant")


def unpad_adjoint(g, k, mode, shape):
    """Adjoint of pad: the gradient on the padded input folded back onto the input of `shape`.

    For "valid" this is g itself and for "same"/"full" a view of g (the crop); for
    "circular" a new array (the wrapped border is added back onto the frame).
    """
    p = padding(k, mode)
    if p == 0:
        return g
    nr, nc = shape[-2:]
    if mode != "circular":
        return g[..., p:p + nr, p:p + nc]
    if p > nr or p > nc:  # the border wraps round more than once: add cell by cell
        out = np.zeros(g.shape[:-2] + (nr, nc), dtype=g.dtype)
        nr_p, nc_p = g.shape[-2:]
        row_of = (np.arange(nr_p) - p) % nr  # the input row each padded row wraps to
        col_of = (np.arange(nc_p) - p) % nc
        np.add.at(out, (..., row_of[:, None], col_of[None, :]), g)
        return out
    # padded column j holds input column (j - p) mod nc: fold the columns, then the rows
    t = g[..., :, p:p + nc].copy()
    t[..., :, nc - p:] += g[..., :, :p]
    t[..., :, :p] += g[..., :, p + nc:]
    out = t[..., p:p + nr, :].copy()
    out[..., nr - p:, :] += t[..., :p, :]
    out[..., :p, :] += t[..., p + nr:, :]
    return out


def _pad_buffer(n, C, nr, nc, p, dtype, mode, slot, extra_rows=0):
    """Workspace for the padded input of one tile: n images of C x nr x nc, padded by p, extra_rows rows below.

    Returns an array (n, C, nr + 2p + extra_rows, nc + 2p). For "same" and "full" it is
    zeroed once and only its interior (the nr x nc frame at offset p) is ever written, so
    its border stays zero; that holds only if every call that gets this buffer writes the
    same interior, so the buffer is keyed by the frame (nr, nc), p and extra_rows, not by
    its shape alone (an image one row taller with one extra row less has the same shape,
    and would leave data where this layout needs zeros). "circular" and "valid" (a dtype
    cast) write every cell of the padded frame; their extra rows are the caller's to fill.
    """
    shape = (n, C, nr + 2 * p + extra_rows, nc + 2 * p)
    if mode in ("circular", "valid"):  # every cell of the padded frame is written on each call
        return _buffer(("pad", mode), shape, dtype, slot=slot)
    return _buffer(("pad-zero", p, nr, nc, extra_rows), shape, dtype, zero=True, slot=slot)


def _pad_into(buf, f, p, mode):
    """Write f (n, C, nr, nc) padded by p into buf (>= n, C, nr + 2p, nc + 2p); return the filled view.

    The zero border of a reused buffer is never written, so it stays zero.
    """
    n, _, nr, nc = f.shape
    out = buf[:n]
    if p == 0:
        out[...] = f
        return out
    out[:, :, p:p + nr, p:p + nc] = f
    if mode == "circular":
        if p > nr or p > nc:  # the border wraps more than once round the torus
            out[...] = pad(f, 2 * p + 1, mode)
            return out
        out[:, :, p:p + nr, :p] = f[..., nc - p:]
        out[:, :, p:p + nr, p + nc:] = f[..., :p]
        out[:, :, :p, :] = out[:, :, nr:nr + p, :]
        out[:, :, p + nr:, :] = out[:, :, p:2 * p, :]
    return out


# ---------------------------------------------------------------- reused workspace

_buffers = OrderedDict()  # (role, shape, dtype, zero, slot) -> array, least recently used first
_buffers_lock = threading.Lock()  # the worker threads take their buffers at the same time


@_serialised
def set_workspace_limit(nbytes):
    """Set WORKSPACE_BYTES, a positive integer number of bytes bounding the workspace (tiles are sized to fit it); returns the old value."""
    global WORKSPACE_BYTES
    nbytes = limits.integer(nbytes, "the workspace limit (bytes)", minimum=1)
    old, WORKSPACE_BYTES = WORKSPACE_BYTES, nbytes
    clear_buffers()
    return old


@_serialised
def clear_buffers():
    """Free every workspace buffer kept between calls."""
    with _buffers_lock:
        _buffers.clear()


def workspace_in_use():
    """Bytes currently held in reused workspace buffers."""
    with _buffers_lock:
        return sum(a.nbytes for a in _buffers.values())


def _buffer(role, shape, dtype, zero=False, slot=0):
    """A workspace array kept between calls: the same one comes back for the same role, shape, dtype and slot.

    `slot` tells apart the tiles in flight at the same time (see _run_tiles). The content
    is whatever the previous call left, except that a zeroed buffer's cells that no call
    writes stay zero. Least recently used buffers are dropped so that the kept workspace
    stays below WORKSPACE_BYTES.
    """
    dtype = np.dtype(dtype)
    key = (role, tuple(shape), dtype.str, zero, slot)
    nbytes = math.prod(shape) * dtype.itemsize
    with _buffers_lock:
        if key in _buffers:
            _buffers.move_to_end(key)
            return _buffers[key]
        while _buffers and sum(a.nbytes for a in _buffers.values()) + nbytes > WORKSPACE_BYTES:
            _buffers.popitem(last=False)
    a = np.zeros(shape, dtype) if zero else np.empty(shape, dtype)
    if nbytes <= WORKSPACE_BYTES:
        with _buffers_lock:
            _buffers[key] = a
    return a


def _tile_size(B, bytes_per_image, cache_bytes_per_image=None, cache_budget=IM2COL_CHUNK_BYTES, macs_per_image=None):
    """How many images of the batch one tile holds: a function of the shapes only, never of the thread count.

    Never more than fit the workspace bound WORKSPACE_BYTES; no more than keep the tile's
    im2col matrix (or spectra) within cache_budget; and about TILE_MACS multiply-adds, so
    that a batch makes several tiles.
    """
    n = WORKSPACE_BYTES // max(1, bytes_per_image)
    if cache_bytes_per_image:
        n = min(n, cache_budget // max(1, cache_bytes_per_image))
    if macs_per_image:
        n = min(n, -(-TILE_MACS // macs_per_image))
    return int(max(1, min(B, n)))


# ---------------------------------------------------------------- dtypes

def compute_dtypes(f, psi, K):
    """(dtype the products run in, dtype of the result) for correlating f with psi, K products per output value.

        integers (any width, signed or unsigned; uint8 images included)  ->  int64 results,
            never wrapped: the products run in float64 when every partial sum is an
            integer below 2**53 (then float64 is exact), in int64 otherwise, and a sum
            that could leave int64 raises ValueError before anything is computed;
        float16  ->  float32 (accumulated and returned in float32: float16 sums overflow at 65504);
        float32, float64, complex  ->  np.result_type(f, psi).
    The literal sums of correlate.py follow the same rule, so both paths agree in dtype.
    """
    f, psi = limits.plain_array(f, "f"), limits.plain_array(psi, "psi")
    if f.dtype.kind in "iu" and psi.dtype.kind in "iu":
        # Every partial sum is an integer of size at most max|f| * max|psi| * K.
        bound = _max_abs(f) * _max_abs(psi) * max(K, 1)
        if bound >= 2**63:
            raise ValueError(f"integer sums of up to {K} products of entries as large as {_max_abs(f)} and "
                             f"{_max_abs(psi)} could overflow int64; pass float arrays instead")
        return (np.dtype(np.float64) if bound < 2**53 else np.dtype(np.int64)), np.dtype(np.int64)
    result = np.result_type(f, psi)
    if result.kind not in "fc":
        raise TypeError(f"f and psi must be numeric arrays, got dtypes {f.dtype} and {psi.dtype}")
    if result.kind == "f" and result.itemsize < 4:
        result = np.dtype(np.float32)
    return result, result


def _max_abs(a):
    """max |a| as a Python integer (negative extremes included: -2**63 has no int64 absolute value)."""
    if a.size == 0:
        return 0
    return max(abs(int(a.max())), abs(int(a.min())))


def _to_result(a, result):
    if a.dtype == result:
        return a
    if result.kind in "iu" and a.dtype.kind == "f":
        a = np.rint(a, out=a)
    return a.astype(result)


# ---------------------------------------------------------------- choosing the method

def choose_method(f_shape, k, dtype, mode="valid"):
    """The method "auto" uses for finite data: "fft" for real float32/float64 data with large filters, else "gemm".

    Large means k >= FFT_MIN_K and C * k * k >= FFT_MIN_TAPS (C = f_shape[1]). The im2col
    product costs about C * k * k multiply-adds per output value; the FFT path about
    4 * C per output value for the product over channels, whatever k is, plus the
    transforms (which dominate when C is small). The GEMM/FFT sweep of
    benchmarks/bench_correlate.py measured, on 1 and on 2 threads: at k = 3 the GEMM
    always won (2-3x); at k = 5 with 32-40 channels (C k k = 800-1000) the two were
    within 10 % of each other; at k = 7 and 9 with 32-40 channels the FFT won by 2-3x;
    with 3-8 channels (C k k <= 392) the GEMM won or tied even at k = 7. Integer data is
    never sent through the FFT (it would lose exactness), nor complex data (rfft2 is
    for real signals), nor data with a NaN or an infinity (see _method). `mode` does not
    enter the rule; it is accepted so that callers can pass it along.
    """
    dtype = np.dtype(dtype)
    if len(f_shape) < 2:
        raise ValueError(f"f_shape must be the input's shape (B, C, rows, cols), got {tuple(f_shape)}")
    if dtype in (np.float32, np.float64) and k >= FFT_MIN_K and f_shape[1] * k * k >= FFT_MIN_TAPS:
        return "fft"
    return "gemm"


def _method(method, shape, k, result, *arrays, both_images=False):
    """The method to run: "auto" follows choose_method, but takes the FFT only where it is accurate.

    "auto" takes the GEMM instead of the FFT for data that is not finite (through the FFT
    one NaN or infinity spreads over every output value of its plane; the direct sum
    keeps it to the outputs whose window covers it, as the literal sum does), and for
    finite data the FFT would compute badly (_fft_trouble: a transform that overflows, or
    a dynamic range too wide for its round-off). A forced method="fft" raises ValueError
    for data it cannot take exactly (integers, complex), for data that is not finite and
    where a transform could overflow; on a wide dynamic range it does what it is told
    (that is how the tests measure the FFT path itself). arrays: the image-like operand
    first; both_images for the filter gradient, whose two operands are both images.
    """
    _check_method(method)
    if method == "auto":
        method = choose_method(shape, k, result)
        if method == "fft" and _fft_trouble(result, *arrays, k=k, both_images=both_images):
            method = "gemm"
    elif method == "fft":
        if result not in (np.float32, np.float64):
            raise ValueError(f"the FFT path is for real float32/float64 data only, not {result} (it would not be exact)")
        trouble = _fft_trouble(result, *arrays, range_limit=None)
        if trouble:
            raise ValueError(f"the FFT path would not be accurate here: {trouble}; use method='gemm' or 'auto'")
    return method


_SUM_CHUNK = 2**14  # entries per chunk of _sum_of_magnitudes: its temporaries stay far below any workspace bound


def _sum_of_magnitudes(a):
    """The sum of |a| over a finite float array, in float64 (inf if it overflows), read in chunks without a copy of a."""
    total = 0.0
    with np.errstate(over="ignore"):
        for chunk in np.nditer(a, flags=["external_loop", "buffered", "zerosize_ok"], buffersize=_SUM_CHUNK):
            total += float(np.abs(chunk).sum(dtype=np.float64))
    return total


def _local_range(f, k):
    """max |f| / the smallest non-zero maximum of |f| over a k x k block of one image (all channels); 1 if f is 0.

    The blocks tile each image's frame (the last ones may be narrower). A k x k window
    meets at most four of them, so an output whose window sees only small values lies
    on small blocks: this ratio says how much smaller than the largest values those can
    be. Blocks of zeros do not count (their outputs are 0 on the direct path, and a few
    units of round-off of the largest values on the FFT path). One image at a time: no
    copy of the batch.
    """
    nr, nc = f.shape[-2:]
    top, floor = 0.0, np.inf
    for image in f.reshape(-1, *f.shape[-3:]):
        a = np.abs(image)
        a = np.pad(a, [(0, 0), (0, -nr % k), (0, -nc % k)])
        blocks = a.reshape(a.shape[0], a.shape[1] // k, k, a.shape[2] // k, k).max(axis=(0, 2, 4))
        top = max(top, float(blocks.max(initial=0.0)))
        nonzero = blocks[blocks > 0]
        if nonzero.size:
            floor = min(floor, float(nonzero.min()))
    return 1.0 if top == 0.0 else top / floor


def _fft_trouble(result, a, b, k=None, both_images=False, range_limit="default"):
    """Why the FFT would be wrong for correlating the image-like operand a with b (the two operands of one engine call), or "" if it would not.

    Round-off. The FFT's error is set by the whole plane, not by each output's own
    window: at every output it is about u * |a|_max * |b| (u the unit round-off), where
    the direct sum's is about u * (the sum of |a| |b| over that output's window). Where
    small values lie far from large ones, the FFT's relative error there grows with the
    ratio of the two. Measured on 32 x 32 planes, 40 channels, k = 5, one 4 x 4 block
    scaled by R, the FFT's worst error relative to an output's own sum of |f| |psi|
    was about 0.2 * u * R (float64: 2e-11 at R = 1e6; float32: 1.2e-5 at R = 1e3,
    1e1 at R = 1e9) while the GEMM's stayed below 3u. So the FFT is taken only while
    _local_range(a, k) - the largest value over the smallest non-zero k x k block
    maximum - is at most FFT_MAX_RANGE[dtype] (times _local_range(b, k) when both
    operands are images: the filter gradient, whose values sum dout times f over the
    frame shifted by each tap, so a small strip of f can make a tap's sum small); this
    bounds that error by about 0.2 * u * FFT_MAX_RANGE: 6e-6 in float32, 7e-13 in
    float64, relative to each output's own scale. range_limit=None skips this test.
    Gaussian data have a local range of about 1.5 at k = 5 and 40 channels.
    Overflow. Every value the FFT path forms is at most sum|a| * sum|b| in magnitude
    (a transform is bounded by the sum of its input's magnitudes, and the product over
    channels or images by the sum of those products); above finfo(result).max / 8 a
    transform could overflow to inf, and its inverse give NaN where the direct sum is finite.
    """
    if not all(np.isfinite(x).all() for x in (a, b)):
        return "it needs finite data, and a NaN or an infinity would spread over every output"
    with np.errstate(over="ignore"):
        bound = _sum_of_magnitudes(a) * _sum_of_magnitudes(b)
    if not bound <= float(np.finfo(result).max) / 8:
        return (f"its transforms could overflow {np.dtype(result)} (sum|a| * sum|b| = {bound:.3g}, "
                f"above finfo.max / 8 = {float(np.finfo(result).max) / 8:.3g})")
    if range_limit is None:
        return ""
    limit = FFT_MAX_RANGE[np.dtype(result).name] if range_limit == "default" else range_limit
    spread = _local_range(a, k) * (_local_range(b, k) if both_images else 1.0)
    if spread > limit:
        return (f"the data's local dynamic range ({spread:.3g}: max |x| over the smallest non-zero maximum of a "
                f"{k} x {k} block{', multiplied over the two images' if both_images else ''}) exceeds {limit:g} for {np.dtype(result)}, and the FFT's round-off, set by the "
                f"largest values, would swamp the outputs whose windows hold only small ones")
    return ""


def _check_method(method):
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")


def _check_numeric(**arrays):
    """Each array must hold numbers (int, float or complex); booleans and the rest raise TypeError."""
    for what, a in arrays.items():
        limits.numeric_array(a, what)


def _check_shape(a, what, axes):
    if a.ndim != len(axes.split(",")):
        raise ValueError(f"{what} must have shape ({axes}), got shape {a.shape}")


def _check_filter(psi):
    """psi (O, C, k, k): a square filter of at least one pixel; returns k."""
    _check_shape(psi, "the filter psi", "O, C, k, k")
    kh, kw = psi.shape[-2:]
    if kh != kw or kh < 1:
        raise ValueError(f"the filter psi must be square with k >= 1 (shape (O, C, k, k)), got shape {psi.shape}")
    return kh


def check_frame(nr, nc):
    """An image needs at least one pixel: a 0-row or 0-column frame raises (batch and channel counts may be 0)."""
    if nr < 1 or nc < 1:
        raise ValueError(f"the input has an empty frame ({nr} x {nc} pixels); an image needs at least one pixel "
                         f"(an empty batch or zero channels are fine)")


def _check_size(k):
    """k, the filter size, as a positive Python int."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"the filter size k must be an integer, got {k!r}")
    if k < 1:
        raise ValueError(f"the filter size k must be at least 1, got {k}")
    return int(k)


# ---------------------------------------------------------------- forward

@_serialised
def planar_correlation(f, psi, mode="valid", method="auto"):
    """Multi-channel planar correlation (B, C, rows, cols) x (O, C, k, k) -> (B, O, rows', cols').

    nr_o = nr + 2p - k + 1 with p = padding(k, mode). method: "auto", "gemm" or "fft"
    (see the module header). The inputs are never modified; the result is a new array
    of dtype np.result_type(f, psi).
    """
    f, psi = limits.plain_array(f, "the input f"), limits.plain_array(psi, "the filter psi")
    _check_method(method)
    _check_numeric(f=f, psi=psi)
    _check_shape(f, "the input f", "B, C, rows, cols")
    k = _check_filter(psi)
    if f.shape[1] != psi.shape[1]:
        raise ValueError(f"expected f (B, C, rows, cols) and psi (O, C, k, k) with equal C, got {f.shape} and {psi.shape}")
    B, C, nr, nc = f.shape
    check_frame(nr, nc)
    p = padding(k, mode)
    nr_o, nc_o = nr + 2 * p - k + 1, nc + 2 * p - k + 1
    if nr_o < 1 or nc_o < 1:
        raise ValueError(f"the filter ({k} x {k}) does not fit the padded input ({nr + 2 * p} x {nc + 2 * p})")
    compute, result = compute_dtypes(f, psi, C * k * k)
    method = _method(method, f.shape, k, result, f, psi)
    limits.check_allocation((B, psi.shape[0], nr_o, nc_o), result, "the correlation's output")
    if method == "fft":
        out = _correlate_fft(f, psi, p, mode, compute)
    else:
        out = _correlate_gemm(f, psi, p, mode, compute)
    return _to_result(out, result)


def _per_image_products(K, O, P):
    """The layout of the backward products: one product per image (True) or one per tile of images (False).

    One product per image needs no copy of dout; one product per tile multiplies matrices
    n times wider (for the filter gradient, the sum over the tile's images runs inside the
    product) but needs dout copied channel-major first. The copy costs as much as a thin
    product itself when the filter bank is small. Rule: per image below SMALL_PRODUCT
    multiply-adds per image, or when K = C k k is small (few input channels, FEW_TAPS);
    per tile otherwise.
    """
    return O * K * P < SMALL_PRODUCT or K <= FEW_TAPS


def _wide_rows(K, O, k, nc_o):
    """Whether the forward GEMM path lays out whole rows ("wide", True) or the exact windows (False).

    im2col copies k*k windows of rows' x cols' pixels for each of the C channels; when a
    row is short (28 pixels) the copy runs at a fraction of memory speed, one short run
    per row. Taken over whole padded rows instead, every window of a tap (a, b') is ONE
    contiguous run of the padded image: the run of rows' * cols_p cells that starts at
    cell (a, b'). The product then computes cols_p - cols' = k - 1 extra output columns
    per row (7 % more for 28 x 28, k = 3), which one copy crops away while it reorders the
    tile's product into the result. (Those extra columns read cells that no window of
    theirs covers: their values are thrown away, and so are floating-point warnings of
    that product, which they could raise for data with infinities.)

    The copy costs O values per pixel, the im2col K = C k k: the wide layout pays when
    K >= WIDE_RATIO * O (a group correlation, K = 9 O) and the extra columns add at most
    an eighth to the product (rows of at least 8 (k - 1) pixels). Measured (CPU time, one
    and two threads): W1 4 % and 8 % faster, W3 0 % and 14 % (two workers share the
    memory bandwidth, and contiguous runs use it better); 8 x 8 images no faster (0-14 %
    slower). The benchmark's layout sweep is the measurement. A
    lifting layer from few channels takes one product per image on the exact windows,
    written straight into the result.
    """
    return K >= WIDE_RATIO * O and 8 * (k - 1) <= nc_o


def _correlate_gemm(f, psi, p, mode, dtype):
    """im2col + matrix products, one tile of images per worker: out[b] = psi (O, C k k) @ cols[b] (C k k, rows' cols').

    Each tile pads its images into its own buffer, lays out their im2col matrix and
    multiplies, in the layout _wide_rows picks; the tiles write disjoint parts of the result.
    """
    B, C, nr, nc = f.shape
    O, _, k, _ = psi.shape
    nr_p, nc_p = nr + 2 * p, nc + 2 * p
    nr_o, nc_o = nr_p - k + 1, nc_p - k + 1
    K, P = C * k * k, nr_o * nc_o
    weights = np.ascontiguousarray(psi.reshape(O, K), dtype=dtype)
    out = np.empty((B, O, nr_o, nc_o), dtype)
    if B == 0 or O == 0:
        return out
    itemsize = np.dtype(dtype).itemsize
    if _wide_rows(K, O, k, nc_o):
        L = nr_o * nc_p  # output cells per image, wide rows: the last k - 1 columns of each are cropped
        bytes_per_image = itemsize * (K * L + O * L + C * (nr_p + 1) * nc_p)
        n = _tile_size(B, bytes_per_image, itemsize * K * L, macs_per_image=O * K * L)
        tiles = _tiles(B, n, nr_o, O * K * L)
        shared = _padded_batch(f, p, mode, dtype, extra_rows=1) if len(tiles) > len(_ranges(B, n)) else None

        def tile(b0, b1, r0, r1, slot):
            m, rows = b1 - b0, r1 - r0
            if shared is None:
                fp = _pad_buffer(n, C, nr, nc, p, dtype, mode, slot, extra_rows=1)[:m]  # one row more: the last run ends in it
                fp[:, :, nr_p] = 0
                _pad_into(fp[:, :, :nr_p], f[b0:b1], p, mode)
            else:
                fp = shared[b0:b1]
            flat = fp.reshape(m, C, (nr_p + 1) * nc_p).transpose(1, 0, 2)  # (C, m, cells), a view
            # taps[c, a, b', j, x] = flat[c, j, (r0 + a) nc_p + b' + x]: each window of a tap is one contiguous run of
            # the flat image, so one strided view holds them all and ONE copy lays out the im2col matrix. Its last
            # cell, (r1 + k - 1) nc_p + k - 2, lies in the extra row.
            s_c, s_m, s_x = flat.strides
            taps = as_strided(flat[:, :, r0 * nc_p:], shape=(C, k, k, m, rows * nc_p),
                              strides=(s_c, nc_p * s_x, s_x, s_m, s_x), writeable=False)
            cols = _buffer("cols-wide", (n * K * L,), dtype, slot=slot)[:K * m * rows * nc_p].reshape(C, k, k, m, rows * nc_p)
            cols[...] = taps
            acc = _buffer("acc-wide", (n * O * L,), dtype, slot=slot)[:O * m * rows * nc_p].reshape(O, m, rows, nc_p)
            with np.errstate(invalid="ignore", over="ignore"):  # the cropped columns may sum an inf with a -inf
                np.matmul(weights, cols.reshape(K, m * rows * nc_p), out=acc.reshape(O, m * rows * nc_p))
            out[b0:b1, :, r0:r1] = acc.transpose(1, 0, 2, 3)[..., :nc_o]  # crop and reorder (O, m) -> (m, O)

    else:
        padded = p > 0 or f.dtype != dtype
        bytes_per_image = itemsize * (K * P + (C * nr_p * nc_p if padded else 0))
        n = _tile_size(B, bytes_per_image, itemsize * K * P, macs_per_image=O * K * P)
        tiles = _tiles(B, n, nr_o, O * K * P)
        shared = _padded_batch(f, p, mode, dtype) if len(tiles) > len(_ranges(B, n)) else None

        def tile(b0, b1, r0, r1, slot):
            m, rows = b1 - b0, r1 - r0
            fp = _tile_input(f, shared, n, b0, b1, p, mode, dtype, slot)
            cols = _buffer("cols", (n * K * P,), dtype, slot=slot)[:K * m * rows * nc_o].reshape(C, k, k, m, rows, nc_o)
            cols = _im2col(fp[:, :, r0:r1 + k - 1], cols, image_major=True)
            target = out[b0:b1, :, r0:r1].reshape(m, O, rows * nc_o)  # a view: rows r0..r1-1 are contiguous per (b, o)
            np.matmul(weights, cols.reshape(m, K, rows * nc_o), out=target)  # m products, straight into the result

    _run_tiles(tiles, tile, n * bytes_per_image, macs=B * O * K * P)
    return out


def _im2col(fp, cols, image_major=False):
    """cols[c, a, b', b, i, j] = fp[b, c, i + a, j + b']: one strided copy per filter tap (a, b').

    Laid out with (c, a, b') first and (b, i, j) last, the array is the (C k k, n rows' cols')
    matrix of the GEMM. With image_major the same memory is laid out (b, c, a, b', i, j)
    instead: n matrices (C k k, rows' cols'), one per image.
    """
    C, kh, kw, n, nr_o, nc_o = cols.shape
    if image_major:
        cols = cols.reshape(n, C, kh, kw, nr_o, nc_o).transpose(1, 2, 3, 0, 4, 5)  # same memory, (b, c, a, b') order
    fp = fp.transpose(1, 0, 2, 3)  # (C, n, nr_p, nc_p), a view
    for a in range(kh):
        for b_ in range(kw):
            cols[:, a, b_] = fp[:, :, a:a + nr_o, b_:b_ + nc_o]
    return cols.transpose(3, 0, 1, 2, 4, 5) if image_major else cols


def _rfft2_small(psi, nr_f, nc_f):
    """scipy.fft.rfft2(psi, s=(nr_f, nc_f)) for a small k x k filter, skipping the nr_f - k rows of zeros.

    The 2-D transform is a 1-D transform along the rows, then along the columns; along the
    rows only the k non-zero rows need transforming.
    """
    rows = scipy.fft.rfft(psi, n=nc_f, axis=-1)  # (..., k, nc_f // 2 + 1)
    return scipy.fft.fft(rows, n=nr_f, axis=-2)


def _fft_shape(nr_p, nc_p):
    return scipy.fft.next_fast_len(nr_p, real=True), scipy.fft.next_fast_len(nc_p, real=True)


def _correlate_fft(f, psi, p, mode, dtype):
    """Correlation theorem, one tile of images per worker.

    With F the 2-D DFT of size (nr_f, nc_f) >= (nr_p, nc_p), the circular correlation
    sum_y fp[x + y] psi[y] has DFT F(fp) * conj(F(psi)); for x on the valid output frame
    no term wraps round, so cropping the inverse transform to nr_o x nc_o gives the result.
    The sum over channels is one batched complex product over the frequencies:
    G[q, b, o] = sum_c F(fp)[q, b, c] * conj(F(psi))[q, c, o].
    """
    B, C, nr, nc = f.shape
    O, _, kh, kw = psi.shape
    nr_p, nc_p = nr + 2 * p, nc + 2 * p
    nr_o, nc_o = nr_p - kh + 1, nc_p - kw + 1
    nr_f, nc_f = _fft_shape(nr_p, nc_p)
    Q = nr_f * (nc_f // 2 + 1)
    out = np.empty((B, O, nr_o, nc_o), dtype)
    if B == 0 or O == 0:
        return out
    # conj(F(psi)) laid out (Q, C, O) for the product
    psi_hat = np.conj(_rfft2_small(psi.astype(dtype, copy=False), nr_f, nc_f))
    psi_hat = np.ascontiguousarray(psi_hat.reshape(O, C, Q).transpose(2, 1, 0))
    spectra = psi_hat.itemsize * Q * (2 * C + 2 * O)  # per image: F(fp), G and their copies
    per_image = np.dtype(dtype).itemsize * C * nr_p * nc_p + spectra
    n = _tile_size(B, per_image, spectra, FFT_TILE_BYTES)
    padded = p > 0 or f.dtype != dtype

    def tile(b0, b1, slot):
        fp = _pad_into(_pad_buffer(n, C, nr, nc, p, dtype, mode, slot), f[b0:b1], p, mode) if padded else f[b0:b1]
        f_hat = scipy.fft.rfft2(fp, s=(nr_f, nc_f)).reshape(b1 - b0, C, Q)
        g_hat = np.matmul(f_hat.transpose(2, 0, 1), psi_hat)  # (Q, b, O)
        g_hat = g_hat.transpose(1, 2, 0).reshape(b1 - b0, O, nr_f, nc_f // 2 + 1)
        out[b0:b1] = scipy.fft.irfft2(g_hat, s=(nr_f, nc_f))[..., :nr_o, :nc_o]

    _run_tiles(_ranges(B, n), tile, n * per_image)
    return out


# ---------------------------------------------------------------- backward

@_serialised
def planar_correlation_grad_input(dout, psi, input_shape, mode="valid", method="auto"):
    """d(loss)/d f given d(loss)/d out, for out = planar_correlation(f, psi, mode).

    The gradient of a correlation with respect to its input is a full correlation of
    the output gradient with the filter turned by 180 degrees and its two channel axes
    swapped (a transposed convolution), folded back through the padding (unpad_adjoint).
    With zero padding the fold is a crop, and the cropped full correlation is the
    correlation in the adjoint mode ("valid" <-> "full", "same" <-> "same"), computed
    directly. When the input has fewer channels than the output (C < O, e.g. a lifting layer) the
    GEMM path computes the same sum the other way round ("col2im"): dcols = psi^T @ dout,
    then every filter tap adds its shifted block into the padded input gradient. The
    FFT path multiplies the transforms of dout and psi (the convolution theorem).
    Returns an array of shape input_shape.
    """
    dout, psi = limits.plain_array(dout, "dout"), limits.plain_array(psi, "the filter psi")
    _check_method(method)
    _check_numeric(dout=dout, psi=psi)
    k = _check_filter(psi)
    O, C = psi.shape[:2]
    input_shape = limits.shape(input_shape, "input_shape (B, C, rows, cols)", 4)
    if input_shape[1] != C:
        raise ValueError(f"input_shape must be (B, C, rows, cols) with C = {C}, the filter's input channels; "
                         f"got {tuple(input_shape)}")
    B, _, nr, nc = input_shape
    check_frame(nr, nc)
    p = padding(k, mode)
    if dout.ndim != 4 or dout.shape != (B, O, nr + 2 * p - k + 1, nc + 2 * p - k + 1):
        raise ValueError(f"dout must have shape (B, O, rows', cols') = ({B}, {O}, {nr + 2 * p - k + 1}, "
                         f"{nc + 2 * p - k + 1}) for input_shape {tuple(input_shape)}, k = {k}, mode {mode!r}; "
                         f"got {dout.shape}")
    compute, result = compute_dtypes(dout, psi, O * k * k)
    method = _method(method, dout.shape, k, result, dout, psi)
    limits.check_allocation((B, C, nr, nc), result, "the input gradient")
    if method == "fft":
        return _grad_input_fft(dout, psi, (B, C, nr, nc), p, mode, compute)
    if C < O:
        return _to_result(_grad_input_col2im(dout, psi, (B, C, nr, nc), p, mode, compute), result)
    flipped = np.ascontiguousarray(np.swapaxes(psi[..., ::-1, ::-1], 0, 1))  # (C, O, k, k)
    if mode == "circular":  # the full correlation, its wrapped border folded back
        d_padded = planar_correlation(dout, flipped, "full", method)
        return np.ascontiguousarray(unpad_adjoint(d_padded, k, mode, input_shape))
    # zero padding: cropping the full correlation by p is the correlation in the adjoint mode (no crop, no copy)
    return planar_correlation(dout, flipped, {"valid": "full", "same": "same", "full": "valid"}[mode], method)


def _grad_input_fft(dout, psi, input_shape, p, mode, dtype):
    """df_pad[b, c] = sum_o (dout[b, o] convolved with psi[o, c]) by the convolution theorem, one tile of images per worker.

    The full convolution has nr_o + k - 1 = nr_p rows, so a DFT of size (nr_f, nc_f) >= (nr_p, nc_p)
    holds it without wrapping round; DFT(df_pad)[q, b, c] = sum_o DFT(dout)[q, b, o] DFT(psi)[q, o, c].
    """
    B, C, nr, nc = input_shape
    O, _, k, _ = psi.shape
    nr_p, nc_p = nr + 2 * p, nc + 2 * p
    nr_f, nc_f = _fft_shape(nr_p, nc_p)
    Q = nr_f * (nc_f // 2 + 1)
    df = np.empty((B, C, nr, nc), dtype)
    if B == 0:
        return df
    psi_hat = _rfft2_small(psi.astype(dtype, copy=False), nr_f, nc_f)  # (O, C, nr_f, nc_f // 2 + 1)
    psi_hat = np.ascontiguousarray(psi_hat.reshape(O, C, Q).transpose(2, 0, 1))  # (Q, O, C)
    spectra = psi_hat.itemsize * Q * (2 * C + 2 * O)
    per_image = np.dtype(dtype).itemsize * C * nr_p * nc_p + spectra
    n = _tile_size(B, per_image, spectra, FFT_TILE_BYTES)

    def tile(b0, b1, slot):
        d_hat = scipy.fft.rfft2(dout[b0:b1].astype(dtype, copy=False), s=(nr_f, nc_f))
        g_hat = np.matmul(d_hat.reshape(b1 - b0, O, Q).transpose(2, 0, 1), psi_hat)  # (Q, b, C)
        g_hat = g_hat.transpose(1, 2, 0).reshape(b1 - b0, C, nr_f, nc_f // 2 + 1)
        dfp = scipy.fft.irfft2(g_hat, s=(nr_f, nc_f))[..., :nr_p, :nc_p]
        df[b0:b1] = unpad_adjoint(dfp, k, mode, (nr, nc))

    _run_tiles(_ranges(B, n), tile, n * per_image)
    return df


def _grad_input_col2im(dout, psi, input_shape, p, mode, dtype):
    """df_pad[b, c, i + a, j + b'] += sum_o psi[o, c, a, b'] dout[b, o, i, j], one tile of images per worker.

    dcols (C k k, rows' cols') = psi^T (C k k, O) @ dout (O, rows' cols') for every image (or
    one product for the tile, in the layout _per_image_products picks); then each tap
    (a, b') adds its block of dcols into the padded gradient, which unpad_adjoint folds
    back onto the input frame.
    """
    B, C, nr, nc = input_shape
    O, _, k, _ = psi.shape
    nr_o, nc_o = dout.shape[-2:]
    nr_p, nc_p = nr + 2 * p, nc + 2 * p
    K, P = C * k * k, nr_o * nc_o
    weights_t = np.ascontiguousarray(psi.reshape(O, K).T, dtype=dtype)  # (C k k, O)
    df = np.empty((B, C, nr, nc), dtype)
    if B == 0:
        return df
    itemsize = np.dtype(dtype).itemsize
    d3 = dout.reshape(B, O, P)
    per_image = _per_image_products(K, O, P)
    bytes_per_image = itemsize * (K * P + O * P + C * nr_p * nc_p)
    n = _tile_size(B, bytes_per_image, itemsize * K * P, macs_per_image=O * K * P)

    def tile(b0, b1, slot):
        m = b1 - b0
        dcols = _buffer("cols", (n * K * P,), dtype, slot=slot)[:K * m * P]
        if per_image:  # dcols[b] (C k k, rows' cols') = psi^T @ dout[b], image-major
            d = d3[b0:b1] if d3.dtype == dtype else d3[b0:b1].astype(dtype)
            dcols = np.matmul(weights_t, d, out=dcols.reshape(m, K, P))
            dcols = dcols.reshape(m, C, k, k, nr_o, nc_o).transpose(1, 2, 3, 0, 4, 5)  # (C, k, k, m, nr_o, nc_o) view
        else:  # one GEMM for the tile, channel-major
            d = _buffer("acc", (n * O * P,), dtype, slot=slot)[:O * m * P].reshape(O, m, P)
            d[...] = d3[b0:b1].transpose(1, 0, 2)
            dcols = np.matmul(weights_t, d.reshape(O, m * P), out=dcols.reshape(K, m * P))
            dcols = dcols.reshape(C, k, k, m, nr_o, nc_o)
        dfp = _buffer("dpad", (n * C * nr_p * nc_p,), dtype, slot=slot)[:C * m * nr_p * nc_p].reshape(m, C, nr_p, nc_p)
        dfp[...] = 0
        dfp_t = dfp.transpose(1, 0, 2, 3)  # (C, m, nr_p, nc_p) view
        for a in range(k):
            for b_ in range(k):
                dfp_t[:, :, a:a + nr_o, b_:b_ + nc_o] += dcols[:, a, b_]
        df[b0:b1] = unpad_adjoint(dfp, k, mode, (nr, nc))

    _run_tiles(_ranges(B, n), tile, n * bytes_per_image, macs=B * O * K * P)
    return df


@_serialised
def planar_correlation_grad_filter(f, dout, k, mode="valid", method="auto"):
    """d(loss)/d psi (O, C, k, k) given d(loss)/d out, for out = planar_correlation(f, psi, mode).

    dpsi[o, c, a, b'] = sum over b, i, j of dout[b, o, i, j] * f_pad[b, c, i + a, j + b'],
    i.e. cols[b] (the im2col matrix of the forward pass) times dout[b], summed over b.
    """
    f, dout = limits.plain_array(f, "the input f"), limits.plain_array(dout, "dout")
    _check_method(method)
    _check_numeric(f=f, dout=dout)
    k = _check_size(k)
    _check_shape(f, "the input f", "B, C, rows, cols")
    _check_shape(dout, "dout", "B, O, rows', cols'")
    B, C, nr, nc = f.shape
    check_frame(nr, nc)
    p = padding(k, mode)
    if dout.shape != (B, dout.shape[1], nr + 2 * p - k + 1, nc + 2 * p - k + 1):
        raise ValueError(f"dout must have shape (B, O, rows', cols') = ({B}, O, {nr + 2 * p - k + 1}, "
                         f"{nc + 2 * p - k + 1}) for f {f.shape}, k = {k}, mode {mode!r}; got {dout.shape}")
    compute, result = compute_dtypes(f, dout, B * (nr + 2 * p) * (nc + 2 * p))
    method = _method(method, f.shape, k, result, f, dout, both_images=True)
    if method == "fft":
        dpsi = _grad_filter_fft(f, dout, k, p, mode, compute)
    else:
        dpsi = _grad_filter_gemm(f, dout, k, p, mode, compute)
    return _to_result(dpsi, result)


def _grad_filter_gemm(f, dout, k, p, mode, dtype):
    """dpsi (O, C k k) = (sum over tiles of cols (C k k, n rows' cols') @ dout^T (n rows' cols', O))^T.

    Every tile returns its partial sum (C k k, O); the calling thread adds them up in tile
    order, so the sum is the same whatever thread computed which tile. The product is
    taken in the orientation (C k k, O), with the long n rows' cols' axis as the reduction.
    """
    B, C, nr, nc = f.shape
    O, nr_o, nc_o = dout.shape[1:]
    nr_p, nc_p = nr + 2 * p, nc + 2 * p
    K, P = C * k * k, nr_o * nc_o
    dpsi_t = np.zeros((K, O), dtype)
    if B == 0:
        return np.ascontiguousarray(dpsi_t.T).reshape(O, C, k, k)
    per_image = _per_image_products(K, O, P)
    padded = p > 0 or f.dtype != dtype
    itemsize = np.dtype(dtype).itemsize
    # per image: im2col, dout (channel-major copy), padded input, and per-image products (K, O) when per_image
    bytes_per_image = itemsize * (K * P + O * P + (C * nr_p * nc_p if padded else 0) + (K * O if per_image else 0))
    n = _tile_size(B, bytes_per_image, itemsize * K * P, macs_per_image=O * K * P)
    tiles = _tiles(B, n, nr_o, O * K * P)
    shared = _padded_batch(f, p, mode, dtype) if len(tiles) > len(_ranges(B, n)) else None

    def tile(b0, b1, r0, r1, slot):
        m, rows = b1 - b0, r1 - r0
        fp = _tile_input(f, shared, n, b0, b1, p, mode, dtype, slot)[:, :, r0:r1 + k - 1]  # the padded rows that output rows r0..r1-1 read
        d = dout[b0:b1, :, r0:r1].reshape(m, O, rows * nc_o).astype(dtype, copy=False)
        cols = _buffer("cols", (n * K * P,), dtype, slot=slot)[:K * m * rows * nc_o].reshape(C, k, k, m, rows, nc_o)
        if per_image:  # cols[b] (C k k, rows' cols') @ dout[b]^T (rows' cols', O), summed over the tile's images
            cols = _im2col(fp, cols, image_major=True)
            return np.matmul(cols.reshape(m, K, rows * nc_o), d.transpose(0, 2, 1)).sum(axis=0)
        cols = _im2col(fp, cols).reshape(K, m * rows * nc_o)
        d_t = _buffer("acc", (n * O * P,), dtype, slot=slot)[:O * m * rows * nc_o].reshape(O, m, rows * nc_o)
        d_t[...] = d.transpose(1, 0, 2)  # channel-major, like cols
        return np.matmul(cols, d_t.reshape(O, m * rows * nc_o).T)

    def add(partial):
        np.add(dpsi_t, partial, out=dpsi_t)

    _run_tiles(tiles, tile, n * bytes_per_image + itemsize * K * O, combine=add, macs=B * O * K * P)  # + the partial sum
    return np.ascontiguousarray(dpsi_t.T).reshape(O, C, k, k)


def _grad_filter_fft(f, dout, k, p, mode, dtype):
    """dpsi[o, c] = crop_k( irfft2( sum_b conj(F(dout[b, o])) * F(fp[b, c]) ) ), a chunk of the batch at a time.

    For each chunk the workers first transform its images (one tile of images each), then
    multiply per frequency (one tile of FREQUENCY_TILE frequencies each): the sum over the
    chunk's images runs inside each frequency's product, so no partial sums need adding.
    """
    B, C, nr, nc = f.shape
    O, nr_o, nc_o = dout.shape[1:]
    nr_p, nc_p = nr + 2 * p, nc + 2 * p
    nr_f, nc_f = _fft_shape(nr_p, nc_p)
    Q = nr_f * (nc_f // 2 + 1)
    cdtype = np.result_type(dtype, np.complex64)
    acc = np.zeros((Q, O, C), cdtype)
    spectra = np.dtype(cdtype).itemsize * Q * (2 * C + 2 * O)
    per_image = np.dtype(dtype).itemsize * C * nr_p * nc_p + spectra
    n = _tile_size(B, per_image)  # images whose spectra are held at once
    n_tile = _tile_size(n, per_image, spectra, FFT_TILE_BYTES)  # images per transform tile
    for b0, b1 in _ranges(B, n):
        m = b1 - b0
        f_hat = np.empty((Q, m, C), cdtype)  # laid out for the product: f_hat[q] is (m, C)
        d_hat = np.empty((Q, O, m), cdtype)  # conj(F(dout)), d_hat[q] is (O, m)

        def transform(i0, i1, slot):
            fp = _pad_into(_pad_buffer(n_tile, C, nr, nc, p, dtype, mode, slot), f[b0 + i0:b0 + i1], p, mode)
            f_hat[:, i0:i1] = scipy.fft.rfft2(fp, s=(nr_f, nc_f)).reshape(i1 - i0, C, Q).transpose(2, 0, 1)
            d = scipy.fft.rfft2(dout[b0 + i0:b0 + i1].astype(dtype, copy=False), s=(nr_f, nc_f))
            d_hat[:, :, i0:i1] = np.conj(d.reshape(i1 - i0, O, Q).transpose(2, 1, 0))

        def product(q0, q1, slot):
            acc[q0:q1] += np.matmul(d_hat[q0:q1], f_hat[q0:q1])  # (q, O, m) @ (q, m, C)

        _run_tiles(_ranges(m, n_tile), transform, n_tile * per_image)
        _run_tiles(_ranges(Q, FREQUENCY_TILE), product, FREQUENCY_TILE * O * C * np.dtype(cdtype).itemsize)
    # inverse transform, keeping only the k x k corner: first along the columns (keep k rows), then the rows
    g_hat = acc.transpose(1, 2, 0).reshape(O, C, nr_f, nc_f // 2 + 1)
    rows = scipy.fft.ifft(g_hat, n=nr_f, axis=-2)[..., :k, :]
    g = scipy.fft.irfft(rows, n=nc_f, axis=-1)
    return np.ascontiguousarray(g[..., :k])
