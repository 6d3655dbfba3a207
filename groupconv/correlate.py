"""Planar, lifting and group correlations and convolutions (docs/equations.md C1-C6, L1-L7).

    planar    (f ⋆ ψ)(x) = Σ_y Σ_k f_k(y) ψ_k(y − x)          x ∈ Z²      (C1)
    lifting   (f ⋆ ψ)(g) = Σ_y Σ_k f_k(y) ψ_k(g⁻¹y)           g ∈ G       (L1)
    group     (f ⋆ ψ)(g) = Σ_h Σ_k f_k(h) ψ_k(g⁻¹h)           g, h ∈ G    (L3)
    true convolution  (f ∗ ψ)(g) = Σ_h f(h) ψ(h⁻¹g) = (f ⋆ ψ̌)(g),  ψ̌(h) = ψ(h⁻¹);
                      on Z² this is ψ̌(y) = ψ(−y)                               (L6)
⋆ is the correlation of the paper (what deep learning calls convolution), ∗ the true
convolution (written "conv" in the docstrings below). Each has a second, "substituted"
form obtained by y ↦ x + y, y ↦ g y or h ↦ g h, e.g. Σ_y f(g y) ψ(y); both forms are
implemented literally.

Arrays and coordinates (README "Conventions"; action.py):
    f on Z^2   (B, C_in, H, W)              psi on Z^2  (C_out, C_in, k, k)
    f on G     (B, C_in, |H|, H, W)         psi on G    (C_out, C_in, |H|, k, k)
    output     (B, C_out, |H|, H', W')  (planar: (B, C_out, H', W'))
Input, filter and output frames are all centred: pixel (i, j) of an n x n frame is at
(u, v) = (i - (n-1)/2, j - (n-1)/2), measured from the common centre. So psi's centre
pixel is the origin of the filter, and an even-sized filter turns about its geometric
centre, as in GrouPy. Output pixel (i, j) of plane s holds the value at g = t(x) . s.

Boundary modes (which x are computed; docs/equations.md C5):
    "valid"     x where the moved filter lies inside the frame: H' = H - k + 1.
    "same"      x on the input frame, f is zero outside it: H' = H (odd k only).
    "full"      every x where the sum can be non-zero: H' = H + k - 1. The sum runs
                over all of Z^2 for a finitely supported f, so translation equivariance
                is exact (content is never cropped away).
    "circular"  f is periodic (a torus); H' = H (odd k only). Translation
                equivariance is exact for translations applied with wrap-around.
Rotations and mirrors about the centre commute with every mode on square frames.

Every correlation comes twice: `*_literal` is a direct transcription of the sum (a
Python loop over the output elements g, each a sum over y or h computed through the
3x3 matrices of groups.py), and the vectorised form expands the filter by every
s in H (docs/equations.md L7, paper section 7) and calls one planar multi-channel
correlation (engine.py). Tests check that the two agree.
"""
import functools

import numpy as np

from . import action, engine, groups
from .action import centred_coordinates

MODES = engine.MODES
FORMS = ("paper", "substituted")


# ---------------------------------------------------------------- input checks

def _numeric(a, what):
    a = np.asarray(a)
    if a.dtype == bool or not np.issubdtype(a.dtype, np.number):
        raise TypeError(f"{what} must be a numeric array (int, float or complex), got dtype {a.dtype}")
    return a


def _check_mode(mode, k):
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    engine.padding(k, mode)  # raises for an even k in "same"/"circular"


def _check_form(form):
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, got {form!r}")


def _check_pair(f, psi, group, f_on_group, psi_on_group, mode):
    """Validate shapes of a correlation's input and filter; return them as numeric arrays."""
    f = _numeric(f, "the input f")
    psi = _numeric(psi, "the filter psi")
    nH = groups.order(group) if group is not None else 1
    f_axes = "(B, C_in, |H|, H, W)" if f_on_group else "(B, C_in, H, W)"
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
        raise ValueError(f"a feature map on {group} has a group axis of length {nH} (axis 2), got shape {f.shape}")
    if psi_on_group and psi.shape[2] != nH:
        raise ValueError(f"a filter on {group} has a group axis of length {nH} (axis 2), got shape {psi.shape}")
    k = psi.shape[-1]
    _check_mode(mode, k)
    H, W = f.shape[-2:]
    if mode == "valid" and (H < k or W < k):
        raise ValueError(f"in 'valid' mode the filter ({k} x {k}) must fit inside the input ({H} x {W})")
    return f, psi


def _check_size(k, mode, H, W):
    """The filter size k of a backward product: a positive integer that fits the input in 'valid' mode."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"the filter size k must be an integer, got {k!r}")
    if k < 1:
        raise ValueError(f"the filter size k must be at least 1, got {k}")
    _check_mode(mode, k)
    if mode == "valid" and (H < k or W < k):
        raise ValueError(f"in 'valid' mode the filter ({k} x {k}) must fit inside the input ({H} x {W})")
    return int(k)


def _check_rotation_group(group):
    if group not in ("p4", "p4m"):
        raise ValueError(f"group must be 'p4' or 'p4m', got {group!r}")
    return group


def output_size(n, k, mode):
    """Length of an output axis for an input axis of n pixels and a k-pixel filter."""
    return n + 2 * engine.padding(k, mode) - k + 1


# ---------------------------------------------------------------- literal helpers

def _frame_points(H, W):
    """Every pixel of a centred H x W frame as homogeneous columns (u, v, 1) in half pixels: (H*W, 3)."""
    U, V = np.meshgrid(centred_coordinates(H), centred_coordinates(W), indexing="ij")
    return np.stack([U.ravel(), V.ravel(), np.ones(U.size, dtype=np.int64)], axis=1)


def _indices(U, V, H, W, boundary):
    """Array indices of half-pixel coordinates (U, V) on an H x W frame, and which lie on it.

    A point off the frame's pixel lattice (wrong parity) or outside the frame reads as 0;
    with boundary "wrap" the frame is periodic.
    """
    on_lattice = ((U + H - 1) % 2 == 0) & ((V + W - 1) % 2 == 0)
    a = action._index_from_half_pixels(U, H)
    b = action._index_from_half_pixels(V, W)
    if boundary == "wrap":
        a, b = a % H, b % W
    inside = on_lattice & (a >= 0) & (a < H) & (b >= 0) & (b < W)
    return a, b, inside


def _read(f, points, boundary):
    """Values of f (..., H, W) at half-pixel points (N, >=2): zero outside ("zero") or periodic ("wrap")."""
    H, W = f.shape[-2:]
    a, b, inside = _indices(points[:, 0], points[:, 1], H, W, boundary)
    out = np.zeros(f.shape[:-2] + (len(points),), dtype=f.dtype)
    out[..., inside] = f[..., a[inside], b[inside]]
    return out


def _read_on_group(f, elements, group, boundary):
    """Values of f (..., |H|, H, W) at group elements given as half-pixel matrices (N, 3, 3)."""
    _, s = groups.split(elements)
    s_index = groups.point_group_index(s, group)
    H, W = f.shape[-2:]
    a, b, inside = _indices(elements[:, 0, 2], elements[:, 1, 2], H, W, boundary)
    out = np.zeros(f.shape[:-3] + (len(elements),), dtype=f.dtype)
    out[..., inside] = f[..., s_index[inside], a[inside], b[inside]]
    return out


def _group_frame(H, W, group):
    """Every element t(x) . s with x on a centred H x W frame, as half-pixel matrices (|H|*H*W, 3, 3).

    Ordered like an array (|H|, H, W) flattened.
    """
    points = _frame_points(H, W)
    t = groups.translation(points[:, 0], points[:, 1])
    return (t[None] @ groups.point_group(group)[:, None]).reshape(-1, 3, 3)


def _output_elements(Ho, Wo, group):
    """(s index, i, j, g) for every output element g = t(x) . s, g in half pixels."""
    rows, cols = centred_coordinates(Ho), centred_coordinates(Wo)
    for s_index, s in enumerate(groups.point_group(group)):
        for i in range(Ho):
            for j in range(Wo):
                yield s_index, i, j, groups.translation(rows[i], cols[j]) @ s


def _sum_over_domain(f_values, psi_values):
    """sum_y sum_k f_k(y) psi_k(...): f_values (B, C, N), psi_values (O, C, N) -> (B, O)."""
    return np.einsum("bkn,okn->bo", f_values, psi_values)


def _literal_setup(f, psi, mode, nH):
    B, C = f.shape[:2]
    O, k = psi.shape[0], psi.shape[-1]
    H, W = f.shape[-2:]
    Ho, Wo = output_size(H, k, mode), output_size(W, k, mode)
    boundary = "wrap" if mode == "circular" else "zero"
    out = np.zeros((B, O, nH, Ho, Wo), dtype=np.result_type(f, psi))
    return out, boundary, k, H, W, Ho, Wo


# ---------------------------------------------------------------- planar correlation (C1, C2)

def planar_correlation_literal(f, psi, mode="valid", form="paper"):
    """Planar multi-channel correlation by the literal double sum: a naive loop over the H' x W' outputs (C1, C2).

    Parameters
    ----------
    f : array (B, C_in, H, W)
    psi : array (C_out, C_in, k, k)
    mode : "valid", "same", "full" or "circular" (see the module header)
    form : "paper"        (f ⋆ psi)(x) = sum_y sum_k f_k(y) psi_k(y - x), y over Z^2
           "substituted"  (f ⋆ psi)(x) = sum_y sum_k f_k(x + y) psi_k(y), y over psi's support

    Returns
    -------
    array (B, C_out, H', W')

    Notes
    -----
    Cost: every output x sums over a window of (H + 2k) x (W + 2k) pixels y in the
    paper form, over the k x k pixels of psi's support in the substituted form.
    """
    f, psi = _check_pair(f, psi, None, False, False, mode)
    _check_form(form)
    out, boundary, k, H, W, Ho, Wo = _literal_setup(f, psi, mode, 1)
    rows, cols = centred_coordinates(Ho), centred_coordinates(Wo)
    # y runs over a window of Z^2 that contains every point where a term can be non-zero.
    Y = _frame_points(H + 2 * k, W + 2 * k)
    f_at_Y = _read(f, Y, boundary)
    S = _frame_points(k, k)  # the support of psi
    for i in range(Ho):
        for j in range(Wo):
            x = np.array([rows[i], cols[j], 0])
            if form == "paper":
                value = _sum_over_domain(f_at_Y, _read(psi, Y - x, "zero"))  # psi(y - x)
            else:
                value = _sum_over_domain(_read(f, S + x, boundary), _read(psi, S, "zero"))  # f(x + y) psi(y)
            out[:, :, 0, i, j] = value
    return out[:, :, 0]


def planar_correlation(f, psi, mode="valid"):
    """Planar multi-channel correlation, vectorised (C1): (B, C_in, H, W) x (C_out, C_in, k, k) -> (B, C_out, H', W')."""
    f, psi = _check_pair(f, psi, None, False, False, mode)
    return engine.planar_correlation(f, psi, mode)


def planar_convolution(f, psi, mode="valid"):
    """True planar convolution (f conv psi)(x) = sum_y f(y) psi(x - y) = (f ⋆ psi_check)(x), psi_check(y) = psi(-y)."""
    f, psi = _check_pair(f, psi, None, False, False, mode)
    return engine.planar_correlation(f, np.ascontiguousarray(psi[..., ::-1, ::-1]), mode)


# ---------------------------------------------------------------- lifting correlation (L1)

def lifting_correlation_literal(f, psi, group, mode="valid", form="paper"):
    """Lifting correlation Z^2 -> G by the literal sum (naive loop over g, sum over y) (L1).

    Parameters
    ----------
    f : array (B, C_in, H, W), a function on Z^2
    psi : array (C_out, C_in, k, k), a filter on Z^2
    group : "p4" or "p4m"
    mode : see the module header
    form : "paper"        (f ⋆ psi)(g) = sum_y sum_k f_k(y) psi_k(g^-1 y)
           "substituted"  (f ⋆ psi)(g) = sum_y sum_k f_k(g y) psi_k(y)

    Returns
    -------
    array (B, C_out, |H|, H', W'): plane s, pixel x holds the value at g = t(x) . s.
    """
    _check_rotation_group(group)
    f, psi = _check_pair(f, psi, group, False, False, mode)
    _check_form(form)
    out, boundary, k, H, W, Ho, Wo = _literal_setup(f, psi, mode, groups.order(group))
    Y = _frame_points(H + 2 * k, W + 2 * k)
    f_at_Y = _read(f, Y, boundary)
    S = _frame_points(k, k)
    psi_on_S = _read(psi, S, "zero")
    for s_index, i, j, g in _output_elements(Ho, Wo, group):
        if form == "paper":
            g_inv_y = Y @ groups.inverse(g).T  # g^-1 y for every y
            value = _sum_over_domain(f_at_Y, _read(psi, g_inv_y, "zero"))
        else:
            g_y = S @ g.T  # g y for every y in psi's support
            value = _sum_over_domain(_read(f, g_y, boundary), psi_on_S)
        out[:, :, s_index, i, j] = value
    return out


@functools.lru_cache(maxsize=None)
def _lifting_gather(group, k):
    """Where each pixel of the transformed filters comes from: (|H|, k*k) flat indices into a k x k filter.

    (L_s psi)[m] = psi[index[s, m]] for m over the k*k pixels (row-major). Found by moving
    the array of pixel numbers 0 .. k*k-1 itself with action.transform_image, so the
    gather is exactly L_s; cached per (group, k).
    """
    pixels = np.arange(k * k).reshape(k, k)
    index = np.stack([action.transform_image(pixels, s) for s in groups.point_group(group)])
    return _frozen_permutations(index.reshape(len(index), k * k))


@functools.lru_cache(maxsize=None)
def _group_gather(group, k):
    """As _lifting_gather for a filter on G: (|H|, |H|*k*k) flat indices into a (|H|, k, k) filter.

    (L_s psi)[m] = psi[index[s, m]]: every plane moved by s and the planes permuted
    (action.transform_group_function applied to the array of cell numbers); cached per (group, k).
    """
    nH = groups.order(group)
    cells = np.arange(nH * k * k).reshape(nH, k, k)
    index = np.stack([action.transform_group_function(cells, s, group) for s in groups.point_group(group)])
    return _frozen_permutations(index.reshape(nH, nH * k * k))


def _frozen_permutations(index):
    # Rotations and mirrors of a square frame about its centre lose nothing: each row is a permutation.
    assert (np.sort(index, axis=1) == np.arange(index.shape[1])).all(), "a transformed filter lost pixels"
    index.setflags(write=False)
    return index


def _with_channels(index, C):
    """Gather over (C, n) cells for every s: (|H|, C, n) indices into a flat (C * n) filter."""
    n = index.shape[1]
    return index[:, None, :] + n * np.arange(C)[None, :, None]


def _expand(psi, index):
    """bank[o, s, c, m] = psi[o, c, index[s, m]] by one gather: (O, C, n...) -> (O, |H|, C, n)."""
    O, C = psi.shape[:2]
    return np.take(psi.reshape(O, -1), _with_channels(index, C), axis=1)


def _expand_adjoint(dbank, index, C):
    """Adjoint of _expand (a scatter-add): dpsi[o, c, index[s, m]] += dbank[o, s, c, m] summed over s."""
    O, nH = dbank.shape[:2]
    gather = _with_channels(index, C).reshape(nH, -1)
    dbank = dbank.reshape(O, nH, -1)
    dpsi = np.zeros((O, gather.shape[1]), dtype=dbank.dtype)
    for s in range(nH):  # within one s the gather is a permutation, so no index repeats
        dpsi[:, gather[s]] += dbank[:, s]
    return dpsi


def expand_lifting_filter(psi, group):
    """The filter bank of the efficient lifting correlation (L7): bank[o, s] = L_s psi[o].

    psi (C_out, C_in, k, k) -> (C_out, |H|, C_in, k, k), s in the canonical order.
    Computed by one gather with indices cached per (group, k) (see _lifting_gather).
    """
    psi = _numeric(psi, "the filter psi")
    groups.order(group)  # raises for an unknown group
    if psi.ndim != 4 or psi.shape[-1] != psi.shape[-2] or psi.shape[-1] < 1:
        raise ValueError(f"the filter psi must have shape (C_out, C_in, k, k), got shape {psi.shape}")
    O, C, k, _ = psi.shape
    return _expand(psi, _lifting_gather(group, k)).reshape(O, -1, C, k, k)


def lifting_correlation(f, psi, group, mode="valid"):
    """Lifting correlation Z^2 -> G, vectorised (L1, L7): one planar correlation with the expanded bank.

    (f ⋆ psi)(t(x) . s) = sum_y f(y) psi(s^-1 (y - x)) = (f ⋆ L_s psi)(x), so the |H| planes
    of the output are the planar correlations of f with the |H| transformed filters.
    Shapes as lifting_correlation_literal.
    """
    _check_rotation_group(group)
    f, psi = _check_pair(f, psi, group, False, False, mode)
    bank = expand_lifting_filter(psi, group)  # (O, |H|, C, k, k)
    O, nH, C, k, _ = bank.shape
    out = engine.planar_correlation(f, bank.reshape(O * nH, C, k, k), mode)
    return out.reshape(f.shape[0], O, nH, *out.shape[-2:])


def _check_dout(dout, B, O, nH, H, W, k, mode):
    """dout must be shaped like the forward output (B, C_out, |H|, H', W')."""
    dout = _numeric(dout, "the output gradient dout")
    expected = (B, O, nH, output_size(H, k, mode), output_size(W, k, mode))
    if dout.shape != expected:
        shown = str(expected) if O >= 0 else f"({B}, C_out, {', '.join(str(n) for n in expected[2:])})"
        raise ValueError(f"the output gradient dout must have the forward output's shape (B, C_out, |H|, H', W') "
                         f"= {shown}, got shape {dout.shape}")
    return dout


def _input_shape(input_shape, ndim, what):
    shape = tuple(int(n) for n in input_shape)
    if len(shape) != ndim:
        raise ValueError(f"input_shape must be {what}, got {input_shape}")
    return shape


def lifting_correlation_grad_input(dout, psi, group, input_shape, mode="valid"):
    """Gradient of a loss with respect to the input f of lifting_correlation, given dout = d loss / d out.

    Parameters
    ----------
    dout : array (B, C_out, |H|, H', W'), the gradient with respect to the output
    psi : array (C_out, C_in, k, k), the filter used in the forward pass
    group : "p4" or "p4m"
    input_shape : (B, C_in, H, W), the shape of f
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
    _check_rotation_group(group)
    psi = _numeric(psi, "the filter psi")
    B, C, H, W = _input_shape(input_shape, 4, "(B, C_in, H, W)")
    if psi.ndim != 4 or psi.shape[1] != C or psi.shape[-1] != psi.shape[-2]:
        raise ValueError(f"the filter psi must have shape (C_out, {C}, k, k), got shape {psi.shape}")
    bank = expand_lifting_filter(psi, group)  # (O, |H|, C, k, k)
    O, nH, _, k, _ = bank.shape
    _check_size(k, mode, H, W)
    dout = _check_dout(dout, B, O, nH, H, W, k, mode)
    return engine.planar_correlation_grad_input(dout.reshape(B, O * nH, *dout.shape[-2:]),
                                                bank.reshape(O * nH, C, k, k), (B, C, H, W), mode)


def lifting_correlation_grad_filter(f, dout, group, k, mode="valid"):
    """Gradient of a loss with respect to the filter psi of lifting_correlation, given dout = d loss / d out.

    Parameters
    ----------
    f : array (B, C_in, H, W), the input of the forward pass
    dout : array (B, C_out, |H|, H', W')
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
    the planar filter gradient of every transformed filter, moved back by s^-1 and summed.
    """
    _check_rotation_group(group)
    f = _numeric(f, "the input f")
    if f.ndim != 4:
        raise ValueError(f"the input f must have shape (B, C_in, H, W), got shape {f.shape}")
    B, C, H, W = f.shape
    k = _check_size(k, mode, H, W)
    nH = groups.order(group)
    dout = _numeric(dout, "the output gradient dout")
    O = dout.shape[1] if dout.ndim == 5 else -1
    dout = _check_dout(dout, B, O, nH, H, W, k, mode)
    dbank = engine.planar_correlation_grad_filter(f, dout.reshape(B, O * nH, *dout.shape[-2:]), k, mode)
    return _expand_adjoint(dbank.reshape(O, nH, C, k * k), _lifting_gather(group, k), C).reshape(O, C, k, k)


def lifting_convolution_literal(f, psi, group, mode="valid", form="paper"):
    """True lifting convolution by the literal sum (L6 for the first layer).

    form "paper":        (f conv psi)(g) = sum_y f(y) psi(-(g^-1 y))
    form "substituted":  (f conv psi)(g) = sum_y f(g y) psi(-y)
    i.e. the lifting correlation with psi_check(y) = psi(-y), the Z^2 case of psi(h^-1).
    """
    _check_rotation_group(group)
    f, psi = _check_pair(f, psi, group, False, False, mode)
    _check_form(form)
    out, boundary, k, H, W, Ho, Wo = _literal_setup(f, psi, mode, groups.order(group))
    Y = _frame_points(H + 2 * k, W + 2 * k)
    f_at_Y = _read(f, Y, boundary)
    S = _frame_points(k, k)
    minus = np.diag([-1, -1, 1])
    psi_at_minus_S = _read(psi, S @ minus.T, "zero")
    for s_index, i, j, g in _output_elements(Ho, Wo, group):
        if form == "paper":
            value = _sum_over_domain(f_at_Y, _read(psi, Y @ (minus @ groups.inverse(g)).T, "zero"))
        else:
            value = _sum_over_domain(_read(f, S @ g.T, boundary), psi_at_minus_S)
        out[:, :, s_index, i, j] = value
    return out


def lifting_convolution(f, psi, group, mode="valid"):
    """True lifting convolution, vectorised: the lifting correlation with psi turned by 180 degrees."""
    _check_rotation_group(group)
    f, psi = _check_pair(f, psi, group, False, False, mode)
    return lifting_correlation(f, np.ascontiguousarray(psi[..., ::-1, ::-1]), group, mode)


# ---------------------------------------------------------------- group correlation (L3)

def group_correlation_literal(f, psi, group, mode="valid", form="paper"):
    """Group correlation G -> G by the literal sum (naive loop over g, sum over h) (L3).

    Parameters
    ----------
    f : array (B, C_in, |H|, H, W), a function on G
    psi : array (C_out, C_in, |H|, k, k), a filter on G
    group : "p4" or "p4m"
    mode : see the module header
    form : "paper"        (f ⋆ psi)(g) = sum_h sum_k f_k(h) psi_k(g^-1 h)
           "substituted"  (f ⋆ psi)(g) = sum_h sum_k f_k(g h) psi_k(h)

    Returns
    -------
    array (B, C_out, |H|, H', W')
    """
    _check_rotation_group(group)
    f, psi = _check_pair(f, psi, group, True, True, mode)
    _check_form(form)
    out, boundary, k, H, W, Ho, Wo = _literal_setup(f, psi, mode, groups.order(group))
    domain = _group_frame(H + 2 * k, W + 2 * k, group)  # every h where a term can be non-zero
    f_on_domain = _read_on_group(f, domain, group, boundary)
    support = _group_frame(k, k, group)  # psi's support
    psi_on_support = psi.reshape(psi.shape[:2] + (-1,))
    for s_index, i, j, g in _output_elements(Ho, Wo, group):
        if form == "paper":
            g_inv_h = groups.inverse(g) @ domain
            value = _sum_over_domain(f_on_domain, _read_on_group(psi, g_inv_h, group, "zero"))
        else:
            g_h = g @ support
            value = _sum_over_domain(_read_on_group(f, g_h, group, boundary), psi_on_support)
        out[:, :, s_index, i, j] = value
    return out


def expand_group_filter(psi, group):
    """The filter bank of the efficient group correlation (L7): bank[o, s] = L_s psi[o].

    psi (C_out, C_in, |H|, k, k) -> (C_out, |H|, C_in, |H|, k, k): for every s each
    plane is moved by s and the group axis is permuted (action.transform_group_function).
    Computed by one gather with indices cached per (group, k) (see _group_gather).
    """
    psi = _numeric(psi, "the filter psi")
    nH = groups.order(group)
    if psi.ndim != 5 or psi.shape[2] != nH or psi.shape[-1] != psi.shape[-2] or psi.shape[-1] < 1:
        raise ValueError(f"a filter on {group} must have shape (C_out, C_in, {nH}, k, k), got shape {psi.shape}")
    O, C, _, k, _ = psi.shape
    return _expand(psi, _group_gather(group, k)).reshape(O, nH, C, nH, k, k)


def group_correlation(f, psi, group, mode="valid"):
    """Group correlation G -> G, vectorised (L3, L7).

    (f ⋆ psi)(t(x) . s) = sum_h f(h) (L_s psi)(t(x)^-1 h): a planar correlation over the
    C_in * |H| input planes with the |H| transformed filters. Shapes as the literal form.
    """
    _check_rotation_group(group)
    f, psi = _check_pair(f, psi, group, True, True, mode)
    bank = expand_group_filter(psi, group)  # (O, |H|, C, |H|, k, k)
    O, nH, C, _, k, _ = bank.shape
    B, _, _, H, W = f.shape
    out = engine.planar_correlation(f.reshape(B, C * nH, H, W), bank.reshape(O * nH, C * nH, k, k), mode)
    return out.reshape(B, O, nH, *out.shape[-2:])


def group_correlation_grad_input(dout, psi, group, input_shape, mode="valid"):
    """Gradient of a loss with respect to the input f of group_correlation, given dout = d loss / d out.

    Parameters
    ----------
    dout : array (B, C_out, |H|, H', W')
    psi : array (C_out, C_in, |H|, k, k), the filter used in the forward pass
    group : "p4" or "p4m"
    input_shape : (B, C_in, |H|, H, W), the shape of f
    mode : as in the forward pass

    Returns
    -------
    array input_shape

    Notes
    -----
    out = A f is linear in f and this is A^T dout: a transposed planar correlation over
    the C_in * |H| input planes with the expanded bank (engine.planar_correlation_grad_input).
    """
    _check_rotation_group(group)
    psi = _numeric(psi, "the filter psi")
    nH = groups.order(group)
    B, C, nH_f, H, W = _input_shape(input_shape, 5, "(B, C_in, |H|, H, W)")
    if nH_f != nH:
        raise ValueError(f"a feature map on {group} has a group axis of length {nH}, got input_shape {input_shape}")
    if psi.ndim != 5 or psi.shape[1] != C:
        raise ValueError(f"the filter psi must have shape (C_out, {C}, {nH}, k, k), got shape {psi.shape}")
    bank = expand_group_filter(psi, group)  # (O, |H|, C, |H|, k, k)
    O, _, _, _, k, _ = bank.shape
    _check_size(k, mode, H, W)
    dout = _check_dout(dout, B, O, nH, H, W, k, mode)
    df = engine.planar_correlation_grad_input(dout.reshape(B, O * nH, *dout.shape[-2:]),
                                              bank.reshape(O * nH, C * nH, k, k), (B, C * nH, H, W), mode)
    return df.reshape(B, C, nH, H, W)


def group_correlation_grad_filter(f, dout, group, k, mode="valid"):
    """Gradient of a loss with respect to the filter psi of group_correlation, given dout = d loss / d out.

    Parameters
    ----------
    f : array (B, C_in, |H|, H, W), the input of the forward pass
    dout : array (B, C_out, |H|, H', W')
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
    _check_rotation_group(group)
    f = _numeric(f, "the input f")
    nH = groups.order(group)
    if f.ndim != 5 or f.shape[2] != nH:
        raise ValueError(f"the input f must have shape (B, C_in, {nH}, H, W), got shape {f.shape}")
    B, C, _, H, W = f.shape
    k = _check_size(k, mode, H, W)
    dout = _numeric(dout, "the output gradient dout")
    O = dout.shape[1] if dout.ndim == 5 else -1
    dout = _check_dout(dout, B, O, nH, H, W, k, mode)
    dbank = engine.planar_correlation_grad_filter(f.reshape(B, C * nH, H, W),
                                                  dout.reshape(B, O * nH, *dout.shape[-2:]), k, mode)
    dpsi = _expand_adjoint(dbank.reshape(O, nH, C, nH * k * k), _group_gather(group, k), C)
    return dpsi.reshape(O, C, nH, k, k)


def reverse_filter(psi, group):
    """psi_check(h) = psi(h^-1) for a filter on G, psi (..., |H|, k, k) (L6).

    Computed literally: for every element h = t(z) . s of the support, h^-1 is formed
    and psi is read there.
    """
    psi = _numeric(psi, "the filter psi")
    nH = groups.order(group)
    if psi.ndim < 3 or psi.shape[-3] != nH or psi.shape[-1] != psi.shape[-2] or psi.shape[-1] < 1:
        raise ValueError(f"a filter on {group} must have shape (..., {nH}, k, k), got shape {psi.shape}")
    k = psi.shape[-1]
    support = _group_frame(k, k, group)
    values = _read_on_group(psi, groups.inverse(support), group, "zero")
    return values.reshape(psi.shape)


def group_convolution_literal(f, psi, group, mode="valid", form="paper"):
    """True group convolution by the literal sum (L6).

    form "paper":        (f conv psi)(g) = sum_h f(h) psi(h^-1 g)
    form "substituted":  (f conv psi)(g) = sum_h f(g h) psi(h^-1)
    """
    _check_rotation_group(group)
    f, psi = _check_pair(f, psi, group, True, True, mode)
    _check_form(form)
    out, boundary, k, H, W, Ho, Wo = _literal_setup(f, psi, mode, groups.order(group))
    domain = _group_frame(H + 2 * k, W + 2 * k, group)
    domain_inv = groups.inverse(domain)
    f_on_domain = _read_on_group(f, domain, group, boundary)
    support = _group_frame(k, k, group)
    # h runs over the elements whose inverse lies in psi's support: h = z^-1 for z in it.
    h_set = groups.inverse(support)
    psi_at_h_inv = psi.reshape(psi.shape[:2] + (-1,))
    for s_index, i, j, g in _output_elements(Ho, Wo, group):
        if form == "paper":
            h_inv_g = domain_inv @ g
            value = _sum_over_domain(f_on_domain, _read_on_group(psi, h_inv_g, group, "zero"))
        else:
            value = _sum_over_domain(_read_on_group(f, g @ h_set, group, boundary), psi_at_h_inv)
        out[:, :, s_index, i, j] = value
    return out


def group_convolution(f, psi, group, mode="valid"):
    """True group convolution, vectorised: f conv psi = f ⋆ psi_check with psi_check(h) = psi(h^-1) (L6)."""
    _check_rotation_group(group)
    f, psi = _check_pair(f, psi, group, True, True, mode)
    O, C, nH, k, _ = psi.shape
    psi_check = psi.reshape(O, C, -1)[..., _reverse_gather(group, k)].reshape(psi.shape)  # = reverse_filter(psi)
    return group_correlation(f, psi_check, group, mode)


@functools.lru_cache(maxsize=None)
def _reverse_gather(group, k):
    """psi_check = psi.flat[index] for a (|H|, k, k) filter: reverse_filter applied to the cell numbers, cached."""
    nH = groups.order(group)
    index = reverse_filter(np.arange(nH * k * k).reshape(nH, k, k), group).reshape(1, -1)
    return _frozen_permutations(index)[0]
