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
    "gemm"  im2col + one matrix product per chunk of the batch. The k*k shifted copies
            of f_pad are laid out as cols[(c, a, b'), (b, i, j)] = f_pad[b, c, i + a, j + b'],
            then acc = psi.reshape(O, C*k*k) @ cols is one large product on contiguous
            operands, and acc[o, (b, i, j)] is copied into the (B, O, rows', cols') result.
    "fft"   the correlation theorem: all B*C input planes and O*C filter planes are
            transformed at once (scipy.fft.rfft2 with workers), the sum over c is one
            batched complex matrix product per frequency, and one inverse transform
            gives every output plane. Float32 and float64 only.
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
forced method="fft" on such data raises.

Memory: the padded input and the im2col matrix are processed in chunks over the batch,
sized so that the workspace stays below WORKSPACE_BYTES (256 MiB by default; change it
with set_workspace_limit). The workspace buffers are KEPT between calls and reused when
a call of the same shape comes again (first touches of fresh memory are expensive), so
this module is not thread-safe: do not call it from two threads at once. Returned arrays
are always freshly allocated, never a view of a reused buffer. clear_buffers() frees the
workspace.
"""
import os
from collections import OrderedDict

import numpy as np
import scipy.fft

from . import limits

MODES = ("valid", "same", "full", "circular")
METHODS = ("auto", "gemm", "fft")

WORKSPACE_BYTES = 256 * 2**20
"""Upper bound (bytes) on the workspace this module keeps and uses per call (see set_workspace_limit)."""


def _blas_threads():
    """The BLAS thread count as the environment sets it (OpenBLAS reads these variables at load time)."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(name, "")
        if value.strip().isdigit() and int(value) > 0:
            return int(value)
    return os.cpu_count() or 1


IM2COL_CHUNK_BYTES = 8 * 2**20 if _blas_threads() == 1 else 64 * 2**20
"""Target size of the im2col matrix of one batch chunk (see _chunk).

With single-threaded BLAS, 8 MiB chunks stay in cache between im2col and the product
(measured 1.2-1.4x faster than one chunk for the batch). With several BLAS threads every
product call synchronises them, and on a machine busy with other jobs each call can wait
for the scheduler (measured: 8 MiB chunks up to 7x slower there), so fewer, larger chunks.
"""

SMALL_PRODUCT = 2**18
"""Below this many multiply-adds per image (O * C*k*k * rows'*cols') the GEMM path takes one product per image.

OpenBLAS runs such small products on one thread, so they need no thread synchronisation
and can write straight into the result; a lifting layer from one input channel (K = 9)
ran several times faster this way. Larger products are taken as one GEMM per chunk:
every multi-threaded BLAS call synchronises its threads, which costs a lot on a busy machine.
"""

# "auto" takes the FFT path when k >= FFT_MIN_K and C * k * k >= FFT_MIN_TAPS (measured, see choose_method).
FFT_MIN_K = 5
FFT_MIN_TAPS = 1000


FFT_WORKERS = -1
"""Threads scipy.fft uses on the FFT path (-1: one per core)."""


# ---------------------------------------------------------------- padding

def padding(k, mode):
    """Rows/columns added on each side of the input for a k x k filter in `mode`."""
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


def _pad_buffer(n, C, nr_p, nc_p, p, dtype, mode):
    """Workspace for the padded input, one per kind of padding.

    For "same" and "full" it is zeroed once and only its interior is written, so its
    border stays zero; "circular" and "valid" (a dtype cast) write every cell, so their
    buffers must never be handed to a zero-padding mode."""
    if mode in ("circular", "valid"):  # every cell is written on each call
        return _buffer("pad-" + mode, (n, C, nr_p, nc_p), dtype)
    # keyed by p too: the same (nr_p, nc_p) with another p would leave non-zero cells in the border
    return _buffer(f"pad-zero-{p}", (n, C, nr_p, nc_p), dtype, zero=True)


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

_buffers = OrderedDict()  # (role, shape, dtype) -> array, least recently used first


def set_workspace_limit(nbytes):
    """Set WORKSPACE_BYTES, the bound on the workspace (chunks are sized to fit it); returns the old value."""
    global WORKSPACE_BYTES
    nbytes = int(nbytes)
    if nbytes <= 0:
        raise ValueError(f"the workspace limit must be a positive number of bytes, got {nbytes}")
    old, WORKSPACE_BYTES = WORKSPACE_BYTES, nbytes
    clear_buffers()
    return old


def clear_buffers():
    """Free every workspace buffer kept between calls."""
    _buffers.clear()


def workspace_in_use():
    """Bytes currently held in reused workspace buffers."""
    return sum(a.nbytes for a in _buffers.values())


def _buffer(role, shape, dtype, zero=False):
    """A workspace array kept between calls: the same one comes back for the same role, shape and dtype.

    Its content is whatever the previous call left, except that a zeroed buffer's
    cells that no call writes stay zero. Least recently used buffers are dropped so
    that the kept workspace stays below WORKSPACE_BYTES.
    """
    key = (role, tuple(shape), np.dtype(dtype).str, zero)
    if key in _buffers:
        _buffers.move_to_end(key)
        return _buffers[key]
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    while _buffers and workspace_in_use() + nbytes > WORKSPACE_BYTES:
        _buffers.popitem(last=False)
    a = np.zeros(shape, dtype) if zero else np.empty(shape, dtype)
    if nbytes <= WORKSPACE_BYTES:
        _buffers[key] = a
    return a


def _chunk(B, bytes_per_image, cols_bytes_per_image=None):
    """How many images of the batch to process at once.

    Never more than fit the workspace bound WORKSPACE_BYTES; on the GEMM path also no
    more than keep the im2col matrix of one chunk near IM2COL_CHUNK_BYTES.
    """
    n = WORKSPACE_BYTES // max(1, bytes_per_image)
    if cols_bytes_per_image:
        n = min(n, IM2COL_CHUNK_BYTES // max(1, cols_bytes_per_image))
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
    if dtype in (np.float32, np.float64) and k >= FFT_MIN_K and f_shape[1] * k * k >= FFT_MIN_TAPS:
        return "fft"
    return "gemm"


def _method(method, shape, k, result, *arrays):
    """The method to run: "auto" follows choose_method, but never the FFT for data that is not finite.

    Through the FFT one NaN or infinity spreads over every output value of its plane; the
    direct sum (the GEMM path) keeps it to the outputs whose window covers it, as the
    literal sum does. A forced method="fft" on such data, or on data the FFT cannot
    take exactly (integers, complex), raises ValueError.
    """
    _check_method(method)
    if method == "auto":
        method = choose_method(shape, k, result)
        if method == "fft" and not all(np.isfinite(a).all() for a in arrays):
            method = "gemm"
    elif method == "fft":
        if result not in (np.float32, np.float64):
            raise ValueError(f"the FFT path is for real float32/float64 data only, not {result} (it would not be exact)")
        if not all(np.isfinite(a).all() for a in arrays):
            raise ValueError("the FFT path needs finite data: a NaN or an infinity would spread over every output; "
                             "use method='gemm' or 'auto'")
    return method


def _check_method(method):
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")


def _check_numeric(**arrays):
    """Each array must hold numbers (int, float or complex); booleans and the rest raise TypeError."""
    for what, a in arrays.items():
        if a.dtype.kind not in "iufc":
            raise TypeError(f"{what} must be a numeric array (int, float or complex), got dtype {a.dtype}")


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

def planar_correlation(f, psi, mode="valid", method="auto"):
    """Multi-channel planar correlation (B, C, rows, cols) x (O, C, k, k) -> (B, O, rows', cols').

    nr_o = nr + 2p - k + 1 with p = padding(k, mode). method: "auto", "gemm" or "fft"
    (see the module header). The inputs are never modified; the result is a new array
    of dtype np.result_type(f, psi).
    """
    f, psi = np.asarray(f), np.asarray(psi)
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


def _gemm_workspace(f, p, mode, dtype, K, O, P):
    """Chunk size and reused buffers of the im2col path, shared by the forward pass and the filter gradient.

    K = C k k rows of the im2col matrix, O output channels, P = rows' cols' output pixels per
    image. Returns (n images per chunk, whether f is copied into a padded buffer, the
    im2col buffer (n K P), the (O, n P) product buffer, the padded-input buffer or None).
    """
    B, C, nr, nc = f.shape
    nr_p, nc_p = nr + 2 * p, nc + 2 * p
    itemsize = np.dtype(dtype).itemsize
    padded = p > 0 or f.dtype != dtype
    per_image = itemsize * (K * P + O * P + (C * nr_p * nc_p if padded else 0))
    n = _chunk(B, per_image, itemsize * K * P)
    cols_buf = _buffer("cols", (n * K * P,), dtype)
    acc_buf = _buffer("acc", (n * O * P,), dtype)
    fp_buf = _pad_buffer(n, C, nr_p, nc_p, p, dtype, mode) if padded else None
    return n, padded, cols_buf, acc_buf, fp_buf


def _correlate_gemm(f, psi, p, mode, dtype):
    """im2col + one GEMM per chunk of the batch: acc (O, n rows' cols') = psi (O, C k k) @ cols (C k k, n rows' cols').

    One product per chunk rather than one per image: every multi-threaded BLAS call
    synchronises its threads, and on a busy machine many calls wait a lot. The chunks
    are cache-sized (_chunk). The product comes out channel-major, acc[o, (b, i, j)], and
    one copy puts it in the (B, O, rows', cols') order of the result. Products below
    SMALL_PRODUCT multiply-adds per image (single-threaded in OpenBLAS) are taken one per
    image instead, written straight into the result.
    """
    B, C, nr, nc = f.shape
    O, _, kh, kw = psi.shape
    nr_p, nc_p = nr + 2 * p, nc + 2 * p
    nr_o, nc_o = nr_p - kh + 1, nc_p - kw + 1
    K, P = C * kh * kw, nr_o * nc_o
    weights = np.ascontiguousarray(psi.reshape(O, K), dtype=dtype)
    out = np.empty((B, O, nr_o, nc_o), dtype)
    if B == 0 or O == 0:
        return out
    n, padded, cols_buf, acc_buf, fp_buf = _gemm_workspace(f, p, mode, dtype, K, O, P)
    out3 = out.reshape(B, O, P)
    per_image_products = O * K * P < SMALL_PRODUCT
    for b0 in range(0, B, n):
        b1 = min(B, b0 + n)
        m = b1 - b0
        fp = _pad_into(fp_buf, f[b0:b1], p, mode) if padded else f[b0:b1]
        if per_image_products:  # small products: one per image, written straight into the result
            cols = _im2col(fp, cols_buf[:K * m * P].reshape(C, kh, kw, m, nr_o, nc_o), image_major=True)
            np.matmul(weights, cols.reshape(m, K, P), out=out3[b0:b1])
            continue
        cols = _im2col(fp, cols_buf[:K * m * P].reshape(C, kh, kw, m, nr_o, nc_o))
        acc = np.matmul(weights, cols.reshape(K, m * P), out=acc_buf[:O * m * P].reshape(O, m * P))
        out3[b0:b1] = acc.reshape(O, m, P).transpose(1, 0, 2)
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
    rows = scipy.fft.rfft(psi, n=nc_f, axis=-1, workers=FFT_WORKERS)  # (..., k, nc_f // 2 + 1)
    return scipy.fft.fft(rows, n=nr_f, axis=-2, workers=FFT_WORKERS)


def _fft_shape(nr_p, nc_p):
    return scipy.fft.next_fast_len(nr_p, real=True), scipy.fft.next_fast_len(nc_p, real=True)


def _correlate_fft(f, psi, p, mode, dtype):
    """Correlation theorem, chunked over the batch.

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
    cbytes = psi_hat.itemsize
    per_image = np.dtype(dtype).itemsize * C * nr_p * nc_p + cbytes * Q * (2 * C + 2 * O)
    n = _chunk(B, per_image)
    padded = p > 0 or f.dtype != dtype
    fp_buf = _pad_buffer(n, C, nr_p, nc_p, p, dtype, mode) if padded else None
    for b0 in range(0, B, n):
        b1 = min(B, b0 + n)
        fp = _pad_into(fp_buf, f[b0:b1], p, mode) if padded else f[b0:b1]
        f_hat = scipy.fft.rfft2(fp, s=(nr_f, nc_f), workers=FFT_WORKERS).reshape(b1 - b0, C, Q)
        g_hat = np.matmul(f_hat.transpose(2, 0, 1), psi_hat)  # (Q, b, O)
        g_hat = g_hat.transpose(1, 2, 0).reshape(b1 - b0, O, nr_f, nc_f // 2 + 1)
        g = scipy.fft.irfft2(g_hat, s=(nr_f, nc_f), workers=FFT_WORKERS)
        out[b0:b1] = g[..., :nr_o, :nc_o]
    return out


# ---------------------------------------------------------------- backward

def planar_correlation_grad_input(dout, psi, input_shape, mode="valid", method="auto"):
    """d(loss)/d f given d(loss)/d out, for out = planar_correlation(f, psi, mode).

    The gradient of a correlation with respect to its input is a full correlation of
    the output gradient with the filter turned by 180 degrees and its two channel axes
    swapped (a transposed convolution), folded back through the padding (unpad_adjoint).
    When the input has fewer channels than the output (C < O, e.g. a lifting layer) the
    GEMM path computes the same sum the other way round ("col2im"): dcols = psi^T @ dout,
    then every filter tap adds its shifted block into the padded input gradient. The
    FFT path multiplies the transforms of dout and psi (the convolution theorem).
    Returns an array of shape input_shape.
    """
    dout, psi = np.asarray(dout), np.asarray(psi)
    _check_method(method)
    _check_numeric(dout=dout, psi=psi)
    k = _check_filter(psi)
    O, C = psi.shape[:2]
    if len(input_shape) != 4 or input_shape[1] != C:
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
    d_padded = planar_correlation(dout, flipped, "full", method)
    return np.ascontiguousarray(unpad_adjoint(d_padded, k, mode, input_shape))


def _grad_input_fft(dout, psi, input_shape, p, mode, dtype):
    """df_pad[b, c] = sum_o (dout[b, o] convolved with psi[o, c]) by the convolution theorem.

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
    per_image = np.dtype(dtype).itemsize * C * nr_p * nc_p + psi_hat.itemsize * Q * (2 * C + 2 * O)
    n = _chunk(B, per_image)
    for b0 in range(0, B, n):
        b1 = min(B, b0 + n)
        d_hat = scipy.fft.rfft2(dout[b0:b1].astype(dtype, copy=False), s=(nr_f, nc_f), workers=FFT_WORKERS)
        g_hat = np.matmul(d_hat.reshape(b1 - b0, O, Q).transpose(2, 0, 1), psi_hat)  # (Q, b, C)
        g_hat = g_hat.transpose(1, 2, 0).reshape(b1 - b0, C, nr_f, nc_f // 2 + 1)
        dfp = scipy.fft.irfft2(g_hat, s=(nr_f, nc_f), workers=FFT_WORKERS)[..., :nr_p, :nc_p]
        df[b0:b1] = unpad_adjoint(dfp, k, mode, (nr, nc))
    return df


def _grad_input_col2im(dout, psi, input_shape, p, mode, dtype):
    """df_pad[b, c, i + a, j + b'] += sum_o psi[o, c, a, b'] dout[b, o, i, j], chunked over the batch.

    dcols (C k k, n rows' cols') = psi^T (C k k, O) @ dout (O, n rows' cols') is one GEMM per chunk (or
    one per image for small products); then each tap (a, b') adds its block of dcols into
    the padded gradient, which unpad_adjoint folds back onto the input frame.
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
    n = _chunk(B, itemsize * (K * P + O * P + C * nr_p * nc_p), itemsize * K * P)
    dcols_buf = _buffer("cols", (n * K * P,), dtype)
    d_buf = _buffer("acc", (n * O * P,), dtype)
    dfp_buf = _buffer("dpad", (n * C * nr_p * nc_p,), dtype)
    d3 = dout.reshape(B, O, P)
    per_image_products = O * K * P < SMALL_PRODUCT
    for b0 in range(0, B, n):
        b1 = min(B, b0 + n)
        m = b1 - b0
        if per_image_products:  # dcols[b] (C k k, rows' cols') = psi^T @ dout[b], image-major
            d = d3[b0:b1] if d3.dtype == dtype else d3[b0:b1].astype(dtype)
            dcols = np.matmul(weights_t, d, out=dcols_buf[:K * m * P].reshape(m, K, P))
            dcols = dcols.reshape(m, C, k, k, nr_o, nc_o).transpose(1, 2, 3, 0, 4, 5)  # (C, k, k, m, nr_o, nc_o) view
        else:  # one GEMM for the chunk, channel-major
            d = d_buf[:O * m * P].reshape(O, m, P)
            d[...] = d3[b0:b1].transpose(1, 0, 2)
            dcols = np.matmul(weights_t, d.reshape(O, m * P), out=dcols_buf[:K * m * P].reshape(K, m * P))
            dcols = dcols.reshape(C, k, k, m, nr_o, nc_o)
        dfp = dfp_buf[:C * m * nr_p * nc_p].reshape(m, C, nr_p, nc_p)
        dfp[...] = 0
        dfp_t = dfp.transpose(1, 0, 2, 3)  # (C, m, nr_p, nc_p) view
        for a in range(k):
            for b_ in range(k):
                dfp_t[:, :, a:a + nr_o, b_:b_ + nc_o] += dcols[:, a, b_]
        df[b0:b1] = unpad_adjoint(dfp, k, mode, (nr, nc))
    return df


def planar_correlation_grad_filter(f, dout, k, mode="valid", method="auto"):
    """d(loss)/d psi (O, C, k, k) given d(loss)/d out, for out = planar_correlation(f, psi, mode).

    dpsi[o, c, a, b'] = sum over b, i, j of dout[b, o, i, j] * f_pad[b, c, i + a, j + b'],
    i.e. cols[b] (the im2col matrix of the forward pass) times dout[b], summed over b.
    """
    f, dout = np.asarray(f), np.asarray(dout)
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
    method = _method(method, f.shape, k, result, f, dout)
    if method == "fft":
        dpsi = _grad_filter_fft(f, dout, k, p, mode, compute)
    else:
        dpsi = _grad_filter_gemm(f, dout, k, p, mode, compute)
    return _to_result(dpsi, result)


def _grad_filter_gemm(f, dout, k, p, mode, dtype):
    """dpsi (O, C k k) = sum over chunks of (cols (C k k, n rows' cols') @ dout^T (n rows' cols', O))^T.

    The product is taken in the orientation (C k k, O): with the long n rows' cols' axis as the
    reduction, OpenBLAS splits the work across threads far better this way round than as
    (O, n rows' cols') @ (n rows' cols', C k k) (measured several times faster on 2 cores).
    """
    B, C, nr, nc = f.shape
    O, nr_o, nc_o = dout.shape[1:]
    K, P = C * k * k, nr_o * nc_o
    dpsi_t = np.zeros((K, O), dtype)
    if B == 0:
        return np.ascontiguousarray(dpsi_t.T).reshape(O, C, k, k)
    n, padded, cols_buf, d_buf, fp_buf = _gemm_workspace(f, p, mode, dtype, K, O, P)
    partial = _buffer("partial", (K, O), dtype)
    d3 = dout.reshape(B, O, P)
    per_image_products = O * K * P < SMALL_PRODUCT
    for b0 in range(0, B, n):
        b1 = min(B, b0 + n)
        m = b1 - b0
        fp = _pad_into(fp_buf, f[b0:b1], p, mode) if padded else f[b0:b1]
        if per_image_products:  # small products: one per image, cols[b] (C k k, rows' cols') @ dout[b]^T (rows' cols', O)
            cols = _im2col(fp, cols_buf[:K * m * P].reshape(C, k, k, m, nr_o, nc_o), image_major=True)
            d = d3[b0:b1] if d3.dtype == dtype else d3[b0:b1].astype(dtype)
            dpsi_t += np.matmul(cols.reshape(m, K, P), d.transpose(0, 2, 1)).sum(axis=0)
            continue
        cols = _im2col(fp, cols_buf[:K * m * P].reshape(C, k, k, m, nr_o, nc_o)).reshape(K, m * P)
        d = d_buf[:O * m * P].reshape(O, m, P)
        d[...] = d3[b0:b1].transpose(1, 0, 2)  # channel-major, like cols
        dpsi_t += np.matmul(cols, d.reshape(O, m * P).T, out=partial)
    return np.ascontiguousarray(dpsi_t.T).reshape(O, C, k, k)


def _grad_filter_fft(f, dout, k, p, mode, dtype):
    """dpsi[o, c] = crop_k( irfft2( sum_b conj(F(dout[b, o])) * F(fp[b, c]) ) ), chunked over the batch."""
    B, C, nr, nc = f.shape
    O, nr_o, nc_o = dout.shape[1:]
    nr_p, nc_p = nr + 2 * p, nc + 2 * p
    nr_f, nc_f = _fft_shape(nr_p, nc_p)
    Q = nr_f * (nc_f // 2 + 1)
    cdtype = np.result_type(dtype, np.complex64)
    acc = np.zeros((Q, O, C), cdtype)
    per_image = np.dtype(dtype).itemsize * C * nr_p * nc_p + np.dtype(cdtype).itemsize * Q * (2 * C + 2 * O)
    n = _chunk(B, per_image)
    fp_buf = _pad_buffer(n, C, nr_p, nc_p, p, dtype, mode)
    for b0 in range(0, B, n):
        b1 = min(B, b0 + n)
        fp = _pad_into(fp_buf, f[b0:b1], p, mode)
        f_hat = scipy.fft.rfft2(fp, s=(nr_f, nc_f), workers=FFT_WORKERS).reshape(b1 - b0, C, Q)
        d_hat = scipy.fft.rfft2(dout[b0:b1].astype(dtype, copy=False), s=(nr_f, nc_f), workers=FFT_WORKERS)
        d_hat = np.conj(d_hat.reshape(b1 - b0, O, Q))
        acc += np.matmul(d_hat.transpose(2, 1, 0), f_hat.transpose(2, 0, 1))  # (Q, O, C)
    # inverse transform, keeping only the k x k corner: first along the columns (keep k rows), then the rows
    g_hat = acc.transpose(1, 2, 0).reshape(O, C, nr_f, nc_f // 2 + 1)
    rows = scipy.fft.ifft(g_hat, n=nr_f, axis=-2, workers=FFT_WORKERS)[..., :k, :]
    g = scipy.fft.irfft(rows, n=nc_f, axis=-1, workers=FFT_WORKERS)
    return np.ascontiguousarray(g[..., :k])

