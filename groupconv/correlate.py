"""Planar, lifting and group correlations and convolutions, literal and vectorised (docs/equations.md C1-C6, L1-L7).

    planar    (f ⋆ ψ)(x) = Σ_y Σ_k f_k(y) ψ_k(y − x)          x ∈ Z²      (C1)
    lifting   (f ⋆ ψ)(g) = Σ_y Σ_k f_k(y) ψ_k(g⁻¹y)           g ∈ G       (L1)
    group     (f ⋆ ψ)(g) = Σ_h Σ_k f_k(h) ψ_k(g⁻¹h)           g, h ∈ G    (L3)
    true convolution  (f ∗ ψ)(g) = Σ_h f(h) ψ(h⁻¹g) = (f ⋆ ψ̌)(g),  ψ̌(h) = ψ(h⁻¹);
                      on Z² this is ψ̌(y) = ψ(−y)                               (L6)
⋆ is the correlation of the paper (what deep learning calls convolution), ∗ the true
convolution. Each has a second, "substituted" form obtained by y ↦ x + y, y ↦ g y or
h ↦ g h, e.g. Σ_y f(g y) ψ(y); both forms are implemented literally.

Arrays and coordinates (README "Conventions"; action.py):
    f on Z²    (B, C_in, rows, cols)           ψ on Z²   (C_out, C_in, k, k)
    f on G     (B, C_in, |H|, rows, cols)      ψ on G    (C_out, C_in, |H|, k, k)
    output     (B, C_out, |H|, rows', cols')   (planar: (B, C_out, rows', cols'))
Input, filter and output frames are all centred: pixel (i, j) of an n x n frame is at
(u, v) = (i - (n-1)/2, j - (n-1)/2), measured from the common centre. So ψ's centre
pixel is the origin of the filter, and an even-sized filter turns about its geometric
centre, as in GrouPy. Output pixel (i, j) of plane s holds the value at g = t(x) . s.

Boundary modes (which x are computed; docs/equations.md C5):
    "valid"     x where the moved filter lies inside the frame: rows' = rows - k + 1.
    "same"      x on the input frame, f is zero outside it: rows' = rows (odd k only).
    "full"      every x where the sum can be non-zero: rows' = rows + k - 1. The sum runs
                over all of Z² for a finitely supported f, so translation equivariance
                is exact (content is never cropped away).
    "circular"  f is periodic (a torus); rows' = rows (odd k only). Translation
                equivariance is exact for translations applied with wrap-around.
Rotations and mirrors about the centre commute with every mode on square frames.

Every correlation comes twice, in reading order: `*_literal` is a direct transcription
of the sum (a Python loop over the output elements g, each a sum over y or h computed
through the 3x3 matrices of groups.py), and the vectorised form expands the filter by
every s in H (filter_bank.py, the paper's section 7) and calls one planar multi-channel
correlation (engine.py). Tests check that the two agree. The gradients of the
vectorised lifting and group correlations (`*_grad_input`, `*_grad_filter`) follow
their forward pass; nn.py's layers call them.

On the hexagonal lattice a k x k filter is supported on the hexagon of radius k // 2;
its corner cells are no entries, and no sum multiplies them with data: the literal sums
run over the hexagonal support, and the vectorised ones, whose engine multiplies all
k x k taps, take a direct sum over the support cells for data with a NaN or an infinity
(_planar; finite data is unchanged), so a NaN reaches exactly the outputs whose
hexagonal window covers it on every path. The output is zero outside its hexagon, so
the gradients ignore what dout holds there.

The public functions check their arguments once, at the top, and pass the checked
arrays and the group's table entry (groups.get) inward; nothing below re-checks them.
"""
import functools

import numpy as np

from . import action, engine, filter_bank, groups, lattices, limits
from .action import _index_from_half_pixels, centred_coordinates
from .filter_bank import expand_group_filter, expand_lifting_filter, reverse_filter  # noqa: F401 (public here too)

MODES = engine.MODES
FORMS = ("paper", "substituted")


# ---------------------------------------------------------------- input checks

def _check_mode(mode, k):
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    engine.padding(k, mode)  # raises for an even k in "same"/"circular"


def _check_form(form):
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, got {form!r}")


def _check_fits(k, mode, rows, cols):
    if mode == "valid" and (rows < k or cols < k):
        raise ValueError(f"in 'valid' mode the filter ({k} x {k}) must fit inside the input ({rows} x {cols})")


def _check_pair(f, psi, G, f_on_group, psi_on_group, mode):
    """Validate a correlation's input and filter against the group entry G (None: planar); return them as arrays."""
    f = limits.numeric_array(f, "the input f")
    psi = limits.numeric_array(psi, "the filter psi")
    nH = G.order if G is not None else 1
    f_axes = "(B, C_in, |H|, rows, cols)" if f_on_group else "(B, C_in, rows, cols)"
    psi_axes = "(C_out, C_in, |H|, k, k)" if psi_on_group else "(C_out, C_in, k, k)"
    if f.ndim != (5 if f_on_group else 4):
        raise ValueError(f"the input f must have shape {f_axes}, got shape {f.shape}")
    if psi.ndim != (5 if psi_on_group else 4):
        raise ValueError(f"the filter psi must have shape {psi_axes}, got shape {psi.shape}")
    if psi.shape[-1] != psi.shape[-2] or psi.shape[-1] < 1:
        raise ValueError(f"the filter must be square (k x k, k >= 1), got {psi.shape[-2]} x {psi.shape[-1]}")
    if f.shape[1] != psi.shape[1]:
        raise ValueError(f"channel mismatch: f has C_in = {f.shape[1]} channels (axis 1) "
                         f"but psi expects C_in = {psi.shape[1]} (axis 1)")
    if f_on_group and f.shape[2] != nH:
        raise ValueError(f"a feature map on {G.name} has a group axis of length {nH} (axis 2), got shape {f.shape}")
    if psi_on_group and psi.shape[2] != nH:
        raise ValueError(f"a filter on {G.name} has a group axis of length {nH} (axis 2), got shape {psi.shape}")
    k = psi.shape[-1]
    _check_mode(mode, k)
    lattice = _lattice(G)
    lattice.check_frame(*f.shape[-2:])
    _check_fits(k, mode, *f.shape[-2:])
    _check_hexagonal(G, lattice, mode, k, f, psi)
    return f, psi


def _lattice(G):
    """The lattice of the group entry G (the square grid for a planar correlation, G None)."""
    return lattices.get("square" if G is None else G.lattice)


def _check_hexagonal(G, lattice, mode, k, *arrays):
    """On the hexagonal lattice: an odd filter, nothing outside the hexagons, and no periodic frame for mirrors."""
    if lattice.name != "hexagonal":
        return
    lattice.check_frame(k, k, "the filter")
    for a in arrays:
        action.check_zero_outside_frame(a, lattice)
    if mode == "circular" and G.mirror is not None:
        raise ValueError(f"'circular' mode is not defined for {G.name}: the periodic hexagon is symmetric under "
                         f"turns and translations but not under mirrors (lattices.py), so a circular {G.name} "
                         f"correlation could not be equivariant; use p6, or another mode")


def _check_backward(G, mode, k, rows, cols, *arrays):
    """What _check_pair checks on the hexagonal lattice, for a backward product: an odd n x n input frame, an odd
    filter, nothing outside the hexagons of `arrays` (the input f or the filter psi; not dout, whose entries
    outside the output hexagon are allowed and have no effect) and no periodic frame for mirrors."""
    lattice = _lattice(G)
    if lattice.name == "hexagonal":
        lattice.check_frame(rows, cols)
    _check_hexagonal(G, lattice, mode, k, *arrays)


def _check_size(k, mode, rows, cols):
    """The filter size k of a backward product: a positive integer that fits the input in 'valid' mode."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"the filter size k must be an integer, got {k!r}")
    if k < 1:
        raise ValueError(f"the filter size k must be at least 1, got {k}")
    _check_mode(mode, k)
    _check_fits(k, mode, rows, cols)
    return int(k)


def _check_dout(dout, B, O, nH, rows, cols, k, mode):
    """dout must be shaped like the forward output (B, C_out, |H|, rows', cols'); O < 0 accepts any C_out."""
    dout = limits.numeric_array(dout, "the output gradient dout")
    expected = (B, O, nH, output_size(rows, k, mode), output_size(cols, k, mode))
    if O < 0:
        expected = (B, dout.shape[1] if dout.ndim == 5 else -1) + expected[2:]
    if dout.shape != expected:
        shown = str(expected) if O >= 0 else f"({B}, C_out, {', '.join(str(n) for n in expected[2:])})"
        raise ValueError(f"the output gradient dout must have the forward output's shape (B, C_out, |H|, rows', cols') "
                         f"= {shown}, got shape {dout.shape}")
    return dout


def _input_shape(input_shape, ndim, what):
    return limits.shape(input_shape, f"input_shape {what}", ndim)


def output_size(n, k, mode):
    """Length of an output axis for an input axis of n pixels and a k-pixel filter."""
    n = limits.integer(n, "the input size n", minimum=1)
    return n + 2 * engine.padding(k, mode) - k + 1


# ---------------------------------------------------------------- literal helpers

def _frame_points(rows, cols):
    """Every pixel of a centred rows x cols frame as homogeneous columns (u, v, 1) in half pixels: (rows*cols, 3)."""
    U, V = np.meshgrid(centred_coordinates(rows), centred_coordinates(cols), indexing="ij")
    return np.stack([U.ravel(), V.ravel(), np.ones(U.size, dtype=np.int64)], axis=1)


def _indices(U, V, rows, cols, boundary, lattice):
    """Array indices of half-pixel coordinates (U, V) on a rows x cols frame, and which lie on it.

    A point off the frame's pixel lattice (wrong parity) or outside the frame reads as 0;
    with boundary "wrap" the frame is periodic (the torus, or the periodic hexagon). On
    the hexagonal lattice the frame is the hexagon: the array's corner cells are not on
    it (for a filter they are no entries, so no term of a sum reads them).
    """
    on_lattice = ((U + rows - 1) % 2 == 0) & ((V + cols - 1) % 2 == 0)
    a = _index_from_half_pixels(U, rows)
    b = _index_from_half_pixels(V, cols)
    if boundary == "wrap":
        a, b = lattice.wrap(a, b, rows, cols)
    inside = on_lattice & (a >= 0) & (a < rows) & (b >= 0) & (b < cols)
    if lattice.name != "square":
        inside[inside] = lattice.frame_mask(rows, cols)[a[inside], b[inside]]
    return a, b, inside


def _read(f, points, boundary, with_support=False, lattice=lattices.get("square")):
    """Values of f (..., rows, cols) at half-pixel points (N, >=2): zero outside ("zero") or periodic ("wrap").

    with_support=True also returns the mask (N,) of the points that lie on f's array.
    """
    rows, cols = f.shape[-2:]
    a, b, inside = _indices(points[:, 0], points[:, 1], rows, cols, boundary, lattice)
    out = np.zeros(f.shape[:-2] + (len(points),), dtype=f.dtype)
    out[..., inside] = f[..., a[inside], b[inside]]
    return (out, inside) if with_support else out


def _read_on_group(f, elements, G, boundary, with_support=False):
    """Values of f (..., |H|, rows, cols) at group elements given as half-pixel matrices (N, 3, 3).

    An element t(x) . s is read at plane s (its linear part, G7) and pixel x.
    with_support=True also returns the mask (N,) of the elements that lie on f's frame.
    """
    s_index = G.index_of(elements)
    rows, cols = f.shape[-2:]
    a, b, inside = _indices(elements[:, 0, 2], elements[:, 1, 2], rows, cols, boundary, _lattice(G))
    out = np.zeros(f.shape[:-3] + (len(elements),), dtype=f.dtype)
    out[..., inside] = f[..., s_index[inside], a[inside], b[inside]]
    return (out, inside) if with_support else out


def _group_frame(rows, cols, G):
    """Every element t(x) . s with x on a centred rows x cols frame, as half-pixel matrices (|H|*rows*cols, 3, 3).

    Ordered like an array (|H|, rows, cols) flattened.
    """
    points = _frame_points(rows, cols)
    return groups._with_translation(G.point_group[:, None], points[:, 0], points[:, 1]).reshape(-1, 3, 3)


def _support_points(k, lattice):
    """The cells of a k x k filter's support (the square, or the hexagon of radius k // 2) as half-pixel points."""
    return _frame_points(k, k)[lattice.frame_mask(k, k).ravel()]


def _group_support(k, G):
    """Which entries of a filter (|H|, k, k) on G, flattened, are its support: the lattice's frame on every plane."""
    return np.broadcast_to(_lattice(G).frame_mask(k, k), (G.order, k, k)).ravel()


def _output_elements(rows_out, cols_out, G):
    """(s index, i, j, g) for every output element g = t(x) . s on the output frame, g in half pixels.

    On the hexagonal lattice only the cells of the output hexagon are outputs (the rest stays 0).
    """
    us, vs = centred_coordinates(rows_out), centred_coordinates(cols_out)
    on_frame = _lattice(G).frame_mask(rows_out, cols_out)
    for s_index, s in enumerate(G.point_group):
        for i in range(rows_out):
            for j in range(cols_out):
                if on_frame[i, j]:
                    yield s_index, i, j, groups._with_translation(s, us[i], vs[j])


def _sum_over_domain(f_values, psi_values, support=None):
    """sum_y sum_k f_k(y) psi_k(...): f_values (B, C, N), psi_values (O, C, N) -> (B, O).

    support (N,), if given, keeps only the terms where psi is read on its own frame:
    outside it psi is zero by definition and the term is absent - not 0 * f(y), which
    would be NaN wherever f(y) is NaN or infinite, and so spread one NaN pixel of f over
    every output instead of over the outputs whose window covers it.
    """
    if support is not None:
        f_values, psi_values = f_values[..., support], psi_values[..., support]
    return np.einsum("bkn,okn->bo", f_values, psi_values)


def _literal_setup(f, psi, mode, nH, what, instead, form, per_iteration, domain):
    """The common start of every literal sum: dtypes, output array, frame sizes, and the cost guard.

    f and psi are converted to the dtype of the result (engine.compute_dtypes: int64 for
    integers of any width, which then sum exactly; float32 for float16), so the literal
    and the vectorised paths agree in dtype and neither wraps. `domain` is the number of
    points a "paper" sum reads per output value (the substituted form reads psi's support).
    """
    B, C = f.shape[:2]
    O, k = psi.shape[0], psi.shape[-1]
    _, result = engine.compute_dtypes(f, psi, C * nH * k * k)
    f, psi = f.astype(result, copy=False), psi.astype(result, copy=False)
    rows, cols = f.shape[-2:]
    rows_out, cols_out = output_size(rows, k, mode), output_size(cols, k, mode)
    elements = domain if form == "paper" else (nH if psi.ndim == 5 else 1) * k * k
    seconds = limits.literal_seconds(nH * rows_out * cols_out, per_iteration, elements, B * O * C / 300)
    limits.check_literal_cost(seconds, what, instead)
    limits.check_allocation((B, O, nH, rows_out, cols_out), result, f"the output of {what}")
    boundary = "wrap" if mode == "circular" else "zero"
    out = np.zeros((B, O, nH, rows_out, cols_out), dtype=result)
    return f, psi, out, boundary, k, rows, cols, rows_out, cols_out


# ---------------------------------------------------------------- the planar engine on a lattice

@functools.lru_cache(maxsize=None)
def _periodic_hexagon_padding(n, k):
    """Indices (a, b) into an n x n hexagonal image for every cell of its periodic padding by k // 2 cells.

    Cell (i, j) of the padded (n + k - 1)^2 array stands for the hexagon cell that the
    periodic tiling of lattices.py puts there, so a "valid" correlation of the padded
    array is the circular correlation on the periodic hexagon.
    """
    p = k // 2
    i, j = np.meshgrid(np.arange(n + 2 * p) - p, np.arange(n + 2 * p) - p, indexing="ij")
    a, b = lattices.get("hexagonal").wrap(i, j, n, n)
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


def _on_frame(a, lattice):
    """a (..., rows, cols) with every cell outside the lattice's frame set to 0 (the square frame keeps all)."""
    if lattice.name == "square":
        return a
    return np.where(lattice.frame_mask(*a.shape[-2:]), a, np.zeros((), dtype=a.dtype))


def _finite(a):
    """True if a holds no NaN and no infinity (integers always)."""
    return a.dtype.kind not in "fc" or bool(np.isfinite(a).all())


def _support_taps(k, lattice):
    """Rows and columns (a, b) of the cells of a k x k filter that belong to its support on the lattice."""
    return np.nonzero(lattice.frame_mask(k, k))


def _direct_correlation(fp, bank, lattice):
    """The 'valid' correlation of a padded input with a bank, as the direct sum over the bank's support cells only.

    out[b, o, x] = sum over c and the support cells t of fp[b, c, x + t] * bank[o, c, t],
    for the outputs x of the output frame (the rest stays 0). Unlike the engine's im2col,
    which multiplies every one of the k x k taps, no corner cell of a hexagonal filter
    (no entry of it: 0 in the bank) is multiplied with the data, so a NaN or an infinity
    reaches exactly the outputs whose hexagonal window covers it, as in the literal sums.
    """
    k = bank.shape[-1]
    compute, result = engine.compute_dtypes(fp, bank, bank.shape[1] * k * k)
    fp, bank = fp.astype(compute, copy=False), bank.astype(compute, copy=False)
    n_out = fp.shape[-1] - k + 1
    i, j = np.nonzero(lattice.frame_mask(n_out, n_out))
    limits.check_allocation((fp.shape[0], bank.shape[0], n_out, n_out), compute, "the correlation's output")
    out = np.zeros((fp.shape[0], bank.shape[0], n_out, n_out), dtype=compute)
    cells = np.zeros((fp.shape[0], bank.shape[0], len(i)), dtype=compute)
    for a, b in zip(*_support_taps(k, lattice)):
        cells += np.einsum("bcn,oc->bon", fp[..., i + a, j + b], bank[:, :, a, b])
    out[..., i, j] = cells
    return out.astype(result, copy=False)


def _direct_grad_input(dout, bank, padded_shape, lattice):
    """The adjoint of _direct_correlation in fp: d fp[b, c, x + t] += dout[b, o, x] * bank[o, c, t] (support t only).

    Only the outputs x of the output frame are read, so a NaN of dout reaches exactly the
    cells that its output's hexagonal window covers.
    """
    k = bank.shape[-1]
    compute, result = engine.compute_dtypes(dout, bank, bank.shape[0] * k * k)
    dout, bank = dout.astype(compute, copy=False), bank.astype(compute, copy=False)
    i, j = np.nonzero(lattice.frame_mask(*dout.shape[-2:]))
    d_cells = dout[..., i, j]  # (B, O, cells of the output frame)
    d_padded = np.zeros(padded_shape, dtype=compute)
    for a, b in zip(*_support_taps(k, lattice)):
        d_padded[..., i + a, j + b] += np.einsum("bon,oc->bcn", d_cells, bank[:, :, a, b])  # no cell twice per tap
    return d_padded.astype(result, copy=False)


def _direct_grad_filter(fp, dout, k, lattice):
    """The adjoint of _direct_correlation in the bank: dbank[o, c, t] = sum over b and the outputs x of the
    output frame of dout[b, o, x] * fp[b, c, x + t], for the support cells t (the corner cells stay 0)."""
    compute, result = engine.compute_dtypes(fp, dout, fp.shape[0] * fp.shape[-2] * fp.shape[-1])
    fp, dout = fp.astype(compute, copy=False), dout.astype(compute, copy=False)
    i, j = np.nonzero(lattice.frame_mask(*dout.shape[-2:]))
    d_cells = dout[..., i, j]
    dbank = np.zeros((dout.shape[1], fp.shape[1], k, k), dtype=compute)
    for a, b in zip(*_support_taps(k, lattice)):
        dbank[:, :, a, b] = np.einsum("bcn,bon->oc", fp[..., i + a, j + b], d_cells)
    return dbank.astype(result, copy=False)


def _engine(f, bank, mode, lattice):
    """engine.planar_correlation, but on the hexagonal lattice for data with a NaN or an infinity the direct sum.

    The engine's GEMM runs over all k x k taps, and 0 (a corner cell of the bank) times
    NaN is NaN: a NaN of f would reach outputs whose hexagonal window does not cover it.
    Such data (rare, and never on the FFT path) takes _direct_correlation instead; finite
    data takes the engine, bit for bit as before.
    """
    if lattice.name == "square" or _finite(f):
        return engine.planar_correlation(f, bank, mode)
    return _direct_correlation(engine.pad(f, bank.shape[-1], mode), bank, lattice)


def _planar(f, bank, mode, lattice):
    """The planar multi-channel correlation of the engine on the lattice's frames (the fast path of every layer).

    On the hexagonal lattice the output is kept on its hexagon; input data with a NaN or
    an infinity is summed over the filters' hexagonal support only (_engine), so it
    reaches exactly the outputs whose hexagonal window covers it, as in the literal sums.
    """
    if lattice.name == "hexagonal" and mode == "circular":
        a, b = _periodic_hexagon_padding(f.shape[-1], bank.shape[-1])
        return _on_frame(_engine(f[..., a, b], bank, "valid", lattice), lattice)
    return _on_frame(_engine(f, bank, mode, lattice), lattice)


def _planar_grad_input(dout, bank, input_shape, mode, lattice):
    """The adjoint of _planar in f: dout is masked to the output frame, the result to the input frame.

    The output of a hexagonal correlation is identically zero outside its hexagon, so the
    entries of dout there have no effect (they are masked, NaN included). A dout with a
    NaN or an infinity on the hexagon takes the direct sum over the support cells.
    """
    if lattice.name == "square":
        return engine.planar_correlation_grad_input(dout, bank, input_shape, mode)
    dout = _on_frame(dout, lattice)
    k, direct = bank.shape[-1], not _finite(dout)
    if mode != "circular":
        if direct:
            p = engine.padding(k, mode)
            padded = input_shape[:2] + (input_shape[2] + 2 * p, input_shape[3] + 2 * p)
            df = engine.unpad_adjoint(_direct_grad_input(dout, bank, padded, lattice), k, mode, input_shape)
        else:
            df = engine.planar_correlation_grad_input(dout, bank, input_shape, mode)
        return _on_frame(df, lattice)
    B, C, n, _ = input_shape
    a, b = _periodic_hexagon_padding(n, k)
    if direct:
        d_padded = _direct_grad_input(dout, bank, (B, C) + a.shape, lattice)
    else:
        d_padded = engine.planar_correlation_grad_input(dout, bank, (B, C) + a.shape, "valid")
    df = np.zeros(input_shape, dtype=d_padded.dtype)
    np.add.at(df, (slice(None), slice(None), a, b), d_padded)  # each padded cell is a copy of the cell (a, b)
    return df


def _planar_grad_filter(f, dout, k, mode, lattice):
    """The adjoint of _planar in the filter bank.

    On the hexagonal lattice dout is masked to the output frame (its entries outside it
    have no effect), and for data with a NaN or an infinity the sum runs over the outputs
    of the hexagon only (_direct_grad_filter): a NaN of f under no output's window of the
    hexagon does not reach the gradient through the masked zeros.
    """
    if lattice.name == "square":
        return engine.planar_correlation_grad_filter(f, dout, k, mode)
    dout = _on_frame(dout, lattice)
    if mode == "circular":
        a, b = _periodic_hexagon_padding(f.shape[-1], k)
        f, mode = f[..., a, b], "valid"
    if _finite(f) and _finite(dout):
        return engine.planar_correlation_grad_filter(f, dout, k, mode)
    return _direct_grad_filter(engine.pad(f, k, mode), dout, k, lattice)


# ---------------------------------------------------------------- planar correlation (C1, C2)

def planar_correlation_literal(f, psi, mode="valid", form="paper"):
    """Planar multi-channel correlation by the literal double sum: a naive loop over the rows' x cols' outputs (C1, C2).

    Parameters
    ----------
    f : array (B, C_in, rows, cols)
    psi : array (C_out, C_in, k, k)
    mode : "valid", "same", "full" or "circular" (see the module header)
    form : "paper"        (f ⋆ psi)(x) = sum_y sum_k f_k(y) psi_k(y - x), y over Z^2
           "substituted"  (f ⋆ psi)(x) = sum_y sum_k f_k(x + y) psi_k(y), y over psi's support

    Returns
    -------
    array (B, C_out, rows', cols')

    Notes
    -----
    Cost: every output x sums over a window of (rows + 2k) x (cols + 2k) pixels y in the
    paper form, over the k x k pixels of psi's support in the substituted form.
    """
    f, psi = _check_pair(f, psi, None, False, False, mode)
    _check_form(form)
    rows, cols, k = *f.shape[-2:], psi.shape[-1]
    f, psi, out, boundary, k, rows, cols, rows_out, cols_out = _literal_setup(
        f, psi, mode, 1, "planar_correlation_literal", "planar_correlation", form, 40e-6, (rows + 2 * k) * (cols + 2 * k))
    us, vs = centred_coordinates(rows_out), centred_coordinates(cols_out)
    # y runs over a window of Z^2 that contains every point where a term can be non-zero.
    Y = _frame_points(rows + 2 * k, cols + 2 * k)
    f_at_Y = _read(f, Y, boundary)
    S = _frame_points(k, k)  # the support of psi
    for i in range(rows_out):
        for j in range(cols_out):
            x = np.array([us[i], vs[j], 0])
            if form == "paper":
                value = _sum_over_domain(f_at_Y, *_read(psi, Y - x, "zero", with_support=True))  # psi(y - x)
            else:
                value = _sum_over_domain(_read(f, S + x, boundary), _read(psi, S, "zero"))  # f(x + y) psi(y)
            out[:, :, 0, i, j] = value
    return out[:, :, 0]


def planar_correlation(f, psi, mode="valid"):
    """Planar multi-channel correlation, vectorised (C1): (B, C_in, rows, cols) x (C_out, C_in, k, k) -> (B, C_out, rows', cols')."""
    f, psi = _check_pair(f, psi, None, False, False, mode)
    return engine.planar_correlation(f, psi, mode)


def planar_convolution(f, psi, mode="valid"):
    """True planar convolution (f ∗ psi)(x) = sum_y f(y) psi(x - y) = (f ⋆ psi_check)(x), psi_check(y) = psi(-y)."""
    f, psi = _check_pair(f, psi, None, False, False, mode)
    return engine.planar_correlation(f, np.ascontiguousarray(psi[..., ::-1, ::-1]), mode)


# ---------------------------------------------------------------- lifting correlation (L1)

def _lifting_literal_setup(f, psi, G, mode, form, fast_name):
    """The common start of the two literal lifting sums: checks, dtypes and cost guard, output, the domain Y
    of y (every point where a term can be non-zero), f read on it, and psi's support S (half-pixel points:
    the k x k square, or on the hexagonal lattice the hexagon of radius k // 2 without the array's corners)."""
    f, psi = _check_pair(f, psi, G, False, False, mode)
    _check_form(form)
    rows, cols, k = *f.shape[-2:], psi.shape[-1]
    f, psi, out, boundary, k, rows, cols, rows_out, cols_out = _literal_setup(
        f, psi, mode, G.order, fast_name + "_literal", fast_name, form, 40e-6, (rows + 2 * k) * (cols + 2 * k))
    Y = _frame_points(rows + 2 * k, cols + 2 * k)
    return f, psi, out, boundary, k, rows_out, cols_out, Y, _read(f, Y, boundary, lattice=_lattice(G)), \
        _support_points(k, _lattice(G))


def lifting_correlation_literal(f, psi, group, mode="valid", form="paper"):
    """Lifting correlation Z^2 -> G by the literal sum (naive loop over g, sum over y) (L1).

    Parameters
    ----------
    f : array (B, C_in, rows, cols), a function on Z^2
    psi : array (C_out, C_in, k, k), a filter on Z^2
    group : "p4" or "p4m"
    mode : see the module header
    form : "paper"        (f ⋆ psi)(g) = sum_y sum_k f_k(y) psi_k(g^-1 y)
           "substituted"  (f ⋆ psi)(g) = sum_y sum_k f_k(g y) psi_k(y)

    Returns
    -------
    array (B, C_out, |H|, rows', cols'): plane s, pixel x holds the value at g = t(x) . s.
    """
    G = groups.get_rotation_group(group)
    f, psi, out, boundary, k, rows_out, cols_out, Y, f_at_Y, S = _lifting_literal_setup(
        f, psi, G, mode, form, "lifting_correlation")
    lattice = _lattice(G)
    psi_on_S = _read(psi, S, "zero")
    for s_index, i, j, g in _output_elements(rows_out, cols_out, G):
        if form == "paper":
            g_inv_y = Y @ groups._inverse(g).T  # g^-1 y for every y
            value = _sum_over_domain(f_at_Y, *_read(psi, g_inv_y, "zero", with_support=True, lattice=lattice))
        else:
            g_y = S @ g.T  # g y for every y in psi's support
            value = _sum_over_domain(_read(f, g_y, boundary, lattice=lattice), psi_on_S)
        out[:, :, s_index, i, j] = value
    return out


def lifting_correlation(f, psi, group, mode="valid"):
    """Lifting correlation Z^2 -> G, vectorised (L1, L7): one planar correlation with the expanded bank.

    (f ⋆ psi)(t(x) . s) = sum_y f(y) psi(s^-1 (y - x)) = (f ⋆ L_s psi)(x), so the |H| planes
    of the output are the planar correlations of f with the |H| transformed filters.
    Shapes as lifting_correlation_literal.
    """
    G = groups.get_rotation_group(group)
    f, psi = _check_pair(f, psi, G, False, False, mode)
    return _lifting_correlation(f, psi, G, mode)


def _lifting_correlation(f, psi, G, mode):
    """lifting_correlation for checked arrays and a checked group entry."""
    O, C, k, _ = psi.shape
    bank = filter_bank.expand(psi, filter_bank.lifting_index(G, k))  # (O, |H|, C, k * k)
    out = _planar(f, bank.reshape(O * G.order, C, k, k), mode, _lattice(G))
    return out.reshape(f.shape[0], O, G.order, *out.shape[-2:])


def lifting_correlation_grad_input(dout, psi, group, input_shape, mode="valid"):
    """Gradient of a loss with respect to the input f of lifting_correlation, given dout = d loss / d out.

    Parameters
    ----------
    dout : array (B, C_out, |H|, rows', cols'), the gradient with respect to the output; on the
        hexagonal lattice its entries outside the output hexagon have no effect (the output is
        identically zero there), NaN included
    psi : array (C_out, C_in, k, k), the filter used in the forward pass
    group : "p4" or "p4m"
    input_shape : (B, C_in, rows, cols), the shape of f
    mode : as in the forward pass

    Returns
    -------
    array input_shape

    Notes
    -----
    The lifting correlation is linear in f, out = A f, and this is A^T dout:
    df[b, c, y] = sum over o, s, x of dout[b, o, s, x] (L_s psi)[o, c, y - x],
    a transposed planar correlation with the expanded bank (engine.planar_correlation_grad_input).
    """
    G = groups.get_rotation_group(group)
    psi = limits.numeric_array(psi, "the filter psi")
    B, C, rows, cols = _input_shape(input_shape, 4, "(B, C_in, rows, cols)")
    if psi.ndim != 4 or psi.shape[1] != C or psi.shape[-1] != psi.shape[-2] or psi.shape[-1] < 1:
        raise ValueError(f"the filter psi must have shape (C_out, {C}, k, k), got shape {psi.shape}")
    O, _, k, _ = psi.shape
    _check_size(k, mode, rows, cols)
    _check_backward(G, mode, k, rows, cols, psi)
    dout = _check_dout(dout, B, O, G.order, rows, cols, k, mode)
    bank = filter_bank.expand(psi, filter_bank.lifting_index(G, k))
    return _planar_grad_input(dout.reshape(B, O * G.order, *dout.shape[-2:]), bank.reshape(O * G.order, C, k, k),
                              (B, C, rows, cols), mode, _lattice(G))


def lifting_correlation_grad_filter(f, dout, group, k, mode="valid"):
    """Gradient of a loss with respect to the filter psi of lifting_correlation, given dout = d loss / d out.

    Parameters
    ----------
    f : array (B, C_in, rows, cols), the input of the forward pass
    dout : array (B, C_out, |H|, rows', cols'); on the hexagonal lattice its entries outside the
        output hexagon have no effect (the output is identically zero there), NaN included
    group : "p4" or "p4m"
    k : the filter size
    mode : as in the forward pass

    Returns
    -------
    array (C_out, C_in, k, k)

    Notes
    -----
    The bank entry (L_s psi)[o, c, m] is psi[o, c, index_s(m)] (a gather), so
    dpsi[o, c, n] = sum over s and the m with index_s(m) = n of dbank[o, s, c, m]:
    the planar filter gradient of every transformed filter, moved back by s^-1 and
    summed (filter_bank.fold).
    """
    G = groups.get_rotation_group(group)
    f = limits.numeric_array(f, "the input f")
    if f.ndim != 4:
        raise ValueError(f"the input f must have shape (B, C_in, rows, cols), got shape {f.shape}")
    B, C, rows, cols = f.shape
    k = _check_size(k, mode, rows, cols)
    _check_backward(G, mode, k, rows, cols, f)
    dout = _check_dout(dout, B, -1, G.order, rows, cols, k, mode)
    O = dout.shape[1]
    dbank = _planar_grad_filter(f, dout.reshape(B, O * G.order, *dout.shape[-2:]), k, mode, _lattice(G))
    dpsi = filter_bank.fold(dbank.reshape(O, G.order, C, k * k), filter_bank.lifting_index(G, k), C)
    return dpsi.reshape(O, C, k, k)


def lifting_convolution_literal(f, psi, group, mode="valid", form="paper"):
    """True lifting convolution by the literal sum (L6 for the first layer).

    form "paper":        (f ∗ psi)(g) = sum_y f(y) psi(-(g^-1 y))
    form "substituted":  (f ∗ psi)(g) = sum_y f(g y) psi(-y)
    i.e. the lifting correlation with psi_check(y) = psi(-y), the Z^2 case of psi(h^-1).
    """
    G = groups.get_rotation_group(group)
    f, psi, out, boundary, k, rows_out, cols_out, Y, f_at_Y, S = _lifting_literal_setup(
        f, psi, G, mode, form, "lifting_convolution")
    lattice = _lattice(G)
    minus = np.diag([-1, -1, 1])
    psi_at_minus_S = _read(psi, S @ minus.T, "zero")
    for s_index, i, j, g in _output_elements(rows_out, cols_out, G):
        if form == "paper":
            value = _sum_over_domain(f_at_Y, *_read(psi, Y @ (minus @ groups._inverse(g)).T, "zero",
                                                    with_support=True, lattice=lattice))
        else:
            value = _sum_over_domain(_read(f, S @ g.T, boundary, lattice=lattice), psi_at_minus_S)
        out[:, :, s_index, i, j] = value
    return out


def lifting_convolution(f, psi, group, mode="valid"):
    """True lifting convolution, vectorised: the lifting correlation with psi turned by 180 degrees."""
    G = groups.get_rotation_group(group)
    f, psi = _check_pair(f, psi, G, False, False, mode)
    return _lifting_correlation(f, np.ascontiguousarray(psi[..., ::-1, ::-1]), G, mode)


# ---------------------------------------------------------------- group correlation (L3)

def group_correlation_literal(f, psi, group, mode="valid", form="paper"):
    """Group correlation G -> G by the literal sum (naive loop over g, sum over h) (L3).

    Parameters
    ----------
    f : array (B, C_in, |H|, rows, cols), a function on G
    psi : array (C_out, C_in, |H|, k, k), a filter on G
    group : "p4" or "p4m"
    mode : see the module header
    form : "paper"        (f ⋆ psi)(g) = sum_h sum_k f_k(h) psi_k(g^-1 h)
           "substituted"  (f ⋆ psi)(g) = sum_h sum_k f_k(g h) psi_k(h)

    Returns
    -------
    array (B, C_out, |H|, rows', cols')
    """
    G = groups.get_rotation_group(group)
    f, psi = _check_pair(f, psi, G, True, True, mode)
    _check_form(form)
    rows, cols, k = *f.shape[-2:], psi.shape[-1]
    f, psi, out, boundary, k, rows, cols, rows_out, cols_out = _literal_setup(
        f, psi, mode, G.order, "group_correlation_literal", "group_correlation", form, 80e-6,
        G.order * (rows + 2 * k) * (cols + 2 * k))
    domain = _group_frame(rows + 2 * k, cols + 2 * k, G)  # every h where a term can be non-zero
    f_on_domain = _read_on_group(f, domain, G, boundary)
    on_support = _group_support(k, G)
    support = _group_frame(k, k, G)[on_support]  # psi's support (on the hexagonal lattice: no corner cells)
    psi_on_support = psi.reshape(psi.shape[:2] + (int(np.prod(psi.shape[2:])),))[..., on_support]
    for s_index, i, j, g in _output_elements(rows_out, cols_out, G):
        if form == "paper":
            g_inv_h = groups._inverse(g) @ domain
            value = _sum_over_domain(f_on_domain, *_read_on_group(psi, g_inv_h, G, "zero", with_support=True))
        else:
            g_h = g @ support
            value = _sum_over_domain(_read_on_group(f, g_h, G, boundary), psi_on_support)
        out[:, :, s_index, i, j] = value
    return out


def group_correlation(f, psi, group, mode="valid"):
    """Group correlation G -> G, vectorised (L3, L7).

    (f ⋆ psi)(t(x) . s) = sum_h f(h) (L_s psi)(t(x)^-1 h): a planar correlation over the
    C_in * |H| input planes with the |H| transformed filters. Shapes as the literal form.
    """
    G = groups.get_rotation_group(group)
    f, psi = _check_pair(f, psi, G, True, True, mode)
    return _group_correlation(f, psi, G, mode)


def _group_correlation(f, psi, G, mode):
    """group_correlation for checked arrays and a checked group entry."""
    O, C, nH, k, _ = psi.shape
    B, _, _, rows, cols = f.shape
    bank = filter_bank.expand(psi, filter_bank.group_index(G, k))  # (O, |H|, C, |H| k k)
    out = _planar(f.reshape(B, C * nH, rows, cols), bank.reshape(O * nH, C * nH, k, k), mode, _lattice(G))
    return out.reshape(B, O, nH, *out.shape[-2:])


def group_correlation_grad_input(dout, psi, group, input_shape, mode="valid"):
    """Gradient of a loss with respect to the input f of group_correlation, given dout = d loss / d out.

    Parameters
    ----------
    dout : array (B, C_out, |H|, rows', cols'); on the hexagonal lattice its entries outside the
        output hexagon have no effect (the output is identically zero there), NaN included
    psi : array (C_out, C_in, |H|, k, k), the filter used in the forward pass
    group : "p4" or "p4m"
    input_shape : (B, C_in, |H|, rows, cols), the shape of f
    mode : as in the forward pass

    Returns
    -------
    array input_shape

    Notes
    -----
    out = A f is linear in f and this is A^T dout: a transposed planar correlation over
    the C_in * |H| input planes with the expanded bank (engine.planar_correlation_grad_input).
    """
    G = groups.get_rotation_group(group)
    psi = limits.numeric_array(psi, "the filter psi")
    nH = G.order
    B, C, nH_f, rows, cols = _input_shape(input_shape, 5, "(B, C_in, |H|, rows, cols)")
    if nH_f != nH:
        raise ValueError(f"a feature map on {G.name} has a group axis of length {nH}, got input_shape {input_shape}")
    if psi.ndim != 5 or psi.shape[1] != C or psi.shape[2] != nH or psi.shape[-1] != psi.shape[-2] or psi.shape[-1] < 1:
        raise ValueError(f"the filter psi must have shape (C_out, {C}, {nH}, k, k), got shape {psi.shape}")
    O, _, _, k, _ = psi.shape
    _check_size(k, mode, rows, cols)
    _check_backward(G, mode, k, rows, cols, psi)
    dout = _check_dout(dout, B, O, nH, rows, cols, k, mode)
    bank = filter_bank.expand(psi, filter_bank.group_index(G, k))
    df = _planar_grad_input(dout.reshape(B, O * nH, *dout.shape[-2:]), bank.reshape(O * nH, C * nH, k, k),
                            (B, C * nH, rows, cols), mode, _lattice(G))
    return df.reshape(B, C, nH, rows, cols)


def group_correlation_grad_filter(f, dout, group, k, mode="valid"):
    """Gradient of a loss with respect to the filter psi of group_correlation, given dout = d loss / d out.

    Parameters
    ----------
    f : array (B, C_in, |H|, rows, cols), the input of the forward pass
    dout : array (B, C_out, |H|, rows', cols'); on the hexagonal lattice its entries outside the
        output hexagon have no effect (the output is identically zero there), NaN included
    group : "p4" or "p4m"
    k : the filter size
    mode : as in the forward pass

    Returns
    -------
    array (C_out, C_in, |H|, k, k)

    Notes
    -----
    As for the lifting layer: the planar filter gradient of the expanded bank, scattered
    back through the cached gather (each bank cell is one cell of psi), summed over s.
    """
    G = groups.get_rotation_group(group)
    f = limits.numeric_array(f, "the input f")
    nH = G.order
    if f.ndim != 5 or f.shape[2] != nH:
        raise ValueError(f"the input f must have shape (B, C_in, {nH}, rows, cols), got shape {f.shape}")
    B, C, _, rows, cols = f.shape
    k = _check_size(k, mode, rows, cols)
    _check_backward(G, mode, k, rows, cols, f)
    dout = _check_dout(dout, B, -1, nH, rows, cols, k, mode)
    O = dout.shape[1]
    dbank = _planar_grad_filter(f.reshape(B, C * nH, rows, cols), dout.reshape(B, O * nH, *dout.shape[-2:]), k, mode,
                                _lattice(G))
    dpsi = filter_bank.fold(dbank.reshape(O, nH, C, nH * k * k), filter_bank.group_index(G, k), C)
    return dpsi.reshape(O, C, nH, k, k)


# ---------------------------------------------------------------- true group convolution (L6)

def group_convolution_literal(f, psi, group, mode="valid", form="paper"):
    """True group convolution by the literal sum (L6).

    form "paper":        (f ∗ psi)(g) = sum_h f(h) psi(h^-1 g)
    form "substituted":  (f ∗ psi)(g) = sum_h f(g h) psi(h^-1)
    """
    G = groups.get_rotation_group(group)
    f, psi = _check_pair(f, psi, G, True, True, mode)
    _check_form(form)
    rows, cols, k = *f.shape[-2:], psi.shape[-1]
    f, psi, out, boundary, k, rows, cols, rows_out, cols_out = _literal_setup(
        f, psi, mode, G.order, "group_convolution_literal", "group_convolution", form, 80e-6,
        G.order * (rows + 2 * k) * (cols + 2 * k))
    domain = _group_frame(rows + 2 * k, cols + 2 * k, G)
    domain_inv = groups._inverse(domain)
    f_on_domain = _read_on_group(f, domain, G, boundary)
    on_support = _group_support(k, G)
    support = _group_frame(k, k, G)[on_support]
    # h runs over the elements whose inverse lies in psi's support: h = z^-1 for z in it.
    h_set = groups._inverse(support)
    psi_at_h_inv = psi.reshape(psi.shape[:2] + (int(np.prod(psi.shape[2:])),))[..., on_support]
    for s_index, i, j, g in _output_elements(rows_out, cols_out, G):
        if form == "paper":
            h_inv_g = domain_inv @ g
            value = _sum_over_domain(f_on_domain, *_read_on_group(psi, h_inv_g, G, "zero", with_support=True))
        else:
            value = _sum_over_domain(_read_on_group(f, g @ h_set, G, boundary), psi_at_h_inv)
        out[:, :, s_index, i, j] = value
    return out


def group_convolution(f, psi, group, mode="valid"):
    """True group convolution, vectorised: f ∗ psi = f ⋆ psi_check with psi_check(h) = psi(h^-1) (L6)."""
    G = groups.get_rotation_group(group)
    f, psi = _check_pair(f, psi, G, True, True, mode)
    return _group_correlation(f, filter_bank.reverse(psi, G), G, mode)  # psi_check = reverse_filter(psi)
