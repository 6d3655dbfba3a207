"""The filter bank of the efficient implementation (paper section 7; docs/equations.md L7).

A lifting or a group correlation is one planar multi-channel correlation (engine.py)
with a bank of transformed filters, one per point-group element s:

    lifting   bank[o, s] = L_s psi[o]   psi (C_out, C_in, k, k)        bank (C_out, |H|, C_in, k, k)
    group     bank[o, s] = L_s psi[o]   psi (C_out, C_in, |H|, k, k)   bank (C_out, |H|, C_in, |H|, k, k)

where L_s turns (mirrors) an image on Z^2, and on G also permutes the group axis
(action.py). L_s only moves filter entries around - a turn or mirror of a square frame
about its centre loses nothing - so every entry of L_s psi is one entry of psi:

    (L_s psi).flat[m] = psi.flat[index[s, m]]

and index is found by applying the literal action (action.transform_image_literal,
action.transform_group_function_literal) to the array of entry numbers 0, 1, 2, ...
itself: the gather is L_s by construction. On the hexagonal lattice a k x k filter is
supported on the hexagon of radius k // 2 (7 cells for k = 3, 19 for k = 5); its corner
cells are no entries at all, and index holds -1 there (they read as 0: an exact zero of
psi's dtype, so the bank has psi's dtype everywhere - float32 stays float32, int64 stays
int64, complex stays complex). The indices are computed once per (group, k) and cached.
From them:

    expand(psi, index)      the bank, by one np.take
    fold(dbank, index, C)   the adjoint of expand (a scatter-add): the filter gradient
                            from the gradient of the bank, dpsi = sum over s of L_s^T dbank[:, s]
    reverse_filter(psi, G)  psi_check(h) = psi(h^-1), the filter of the true convolution
                            (L6), computed literally; reverse_index(G, k) is the same
                            as a cached gather.

Nothing here checks its arguments except the public expand_lifting_filter,
expand_group_filter and reverse_filter; correlate.py checks once and calls the rest.
"""
import functools

import numpy as np

from . import action, groups, lattices, limits


def _frozen(index, frame):
    """Check and freeze a gather: on the frame each row is a permutation of the frame's entries, -1 off it."""
    # Turns and mirrors about the centre map the frame (square, or hexagon) onto itself: nothing is lost.
    on = frame.ravel()
    assert (index[:, ~on] == -1).all(), "a transformed filter reads outside the frame"
    assert (np.sort(index[:, on], axis=1) == np.flatnonzero(on)).all(), "a transformed filter lost entries"
    index.setflags(write=False)
    return index


def _entry_numbers(frame):
    """1, 2, 3, ... on the cells of the frame and 0 off it: after a move, number - 1 is the entry read (-1: none)."""
    return np.where(frame, np.arange(frame.size).reshape(frame.shape) + 1, 0)


def _check_index_cost(G, k, planes, per_cell):
    """Refuse, before building anything, a gather index too large or too slow to build: |H| literal moves of `planes` k x k planes.

    The index is built once per group and size by |H| calls of the literal action, each
    estimated at per_cell seconds a cell (as action.py's loops estimate themselves); the
    limits apply to the whole build, not to each call alone. Its arrays: int64 numbers and
    indices of |H| * planes * k * k entries each.
    """
    k = limits.integer(k, "the filter size k", minimum=1)
    cells = planes * k * k
    limits.check_allocation((G.order, cells), np.int64, f"the gather index of the {G.name} filter bank (k = {k})")
    limits.check_literal_cost(G.order * limits.literal_seconds(cells, per_cell), f"building the gather index of the "
                              f"{G.name} filter bank for k = {k} ({G.order} literal moves)", "correlations with a smaller filter")
    return k


@functools.lru_cache(maxsize=None)
def lifting_index(G, k):
    """(|H|, k*k) flat indices into a k x k filter: (L_s psi).flat[m] = psi.flat[index[s, m]] (-1: zero)."""
    k = _check_index_cost(G, k, 1, 3e-6)
    frame = lattices.get(G.lattice).frame_mask(k, k)
    numbers = _entry_numbers(frame)
    index = np.stack([action.transform_image_literal(numbers, s, group=G) for s in G.point_group]) - 1
    return _frozen(index.reshape(G.order, k * k), frame)


@functools.lru_cache(maxsize=None)
def group_index(G, k):
    """(|H|, |H|*k*k) flat indices into a (|H|, k, k) filter on G: every plane moved by s, planes permuted."""
    k = _check_index_cost(G, k, G.order, 25e-6)
    frame = np.broadcast_to(lattices.get(G.lattice).frame_mask(k, k), (G.order, k, k))
    numbers = _entry_numbers(frame)
    index = np.stack([action.transform_group_function_literal(numbers, s, G) for s in G.point_group]) - 1
    return _frozen(index.reshape(G.order, G.order * k * k), frame)


def _with_channels(index, C):
    """The gather over C channels of n entries each, for every s: (|H|, C, n) indices into a flat (C * n + 1) filter.

    The extra last entry, number C * n, is a zero that the -1 entries (cells off the frame) read.
    """
    n = index.shape[1]
    shifted = index[:, None, :] + n * np.arange(C)[None, :, None]
    return np.where(index[:, None, :] < 0, C * n, shifted)


def expand(psi, index):
    """bank[o, s, c, m] = psi[o, c].flat[index[s, m]] by one gather: (O, C, ...) -> (O, |H|, C, n)."""
    O, C = psi.shape[:2]
    flat = psi.reshape(O, int(np.prod(psi.shape[1:])))
    if (index < 0).any():
        flat = np.concatenate([flat, np.zeros((O, 1), dtype=flat.dtype)], axis=1)
    return np.take(flat, _with_channels(index, C), axis=1)


def fold(dbank, index, C):
    """Adjoint of expand (a scatter-add): dpsi[o, c].flat[index[s, m]] += dbank[o, s, c, m], summed over s.

    dbank (O, |H|, C, ...) -> dpsi (O, C * n) with n = index.shape[1]; reshape it to psi's shape.
    Within one s no entry of the frame is hit twice (each row of index is a permutation);
    the gradient of cells off the frame (index -1) goes to an extra entry that is dropped.
    """
    O, nH = dbank.shape[:2]
    n = index.shape[1]
    gather = _with_channels(index, C).reshape(nH, -1)
    dbank = dbank.reshape(O, nH, int(np.prod(dbank.shape[2:])))
    dpsi = np.zeros((O, C * n + 1), dtype=dbank.dtype)
    for s in range(nH):
        dpsi[:, gather[s]] += dbank[:, s]
    return dpsi[:, :C * n]


def _numeric_filter(psi):
    return limits.numeric_array(psi, "the filter psi")


def _check_on_frame(psi, G):
    """A filter lives on its lattice's frame: on the hexagonal one an odd k, and zero outside the hexagon (never dropped)."""
    lattice = lattices.get(G.lattice)
    lattice.check_frame(*psi.shape[-2:], "the filter")
    action.check_zero_outside_frame(psi, lattice)
    return psi


def expand_lifting_filter(psi, group):
    """The filter bank of the lifting correlation (L7): bank[o, s] = L_s psi[o], each filter turned by s.

    psi (C_out, C_in, k, k) -> (C_out, |H|, C_in, k, k), by one gather (see the module header).
    On the hexagonal lattice psi must be zero outside its hexagon (ValueError otherwise).
    """
    G = groups.get_rotation_group(group)
    psi = _numeric_filter(psi)
    if psi.ndim != 4 or psi.shape[-1] != psi.shape[-2] or psi.shape[-1] < 1:
        raise ValueError(f"the filter psi must have shape (C_out, C_in, k, k), got shape {psi.shape}")
    O, C, k, _ = _check_on_frame(psi, G).shape
    return expand(psi, lifting_index(G, k)).reshape(O, G.order, C, k, k)


def expand_group_filter(psi, group):
    """The filter bank of the group correlation (L7): bank[o, s] = L_s psi[o].

    psi (C_out, C_in, |H|, k, k) -> (C_out, |H|, C_in, |H|, k, k): for every s each plane
    is moved by s and the group axis is permuted (action.transform_group_function), by
    one gather (see the module header).
    """
    G = groups.get_rotation_group(group)
    psi = _numeric_filter(psi)
    nH = G.order
    if psi.ndim != 5 or psi.shape[2] != nH or psi.shape[-1] != psi.shape[-2] or psi.shape[-1] < 1:
        raise ValueError(f"a filter on {G.name} must have shape (C_out, C_in, {nH}, k, k), got shape {psi.shape}")
    O, C, _, k, _ = _check_on_frame(psi, G).shape
    return expand(psi, group_index(G, k)).reshape(O, nH, C, nH, k, k)


def _reverse(psi, G):
    """psi_check(h) = psi(h^-1) for a checked filter psi (..., |H|, k, k) on G, literally.

    For every element h = t(z) . s of the filter's support (s a plane, z a pixel, in half
    pixels) the matrix h^-1 is formed; psi is read at its plane (the linear part of
    h^-1) and its pixel (the translation part of h^-1). The support of a centred frame
    (square, or hexagon) is closed under h -> h^-1, so every read lands on the frame;
    cells off the frame stay 0.
    """
    k = psi.shape[-1]
    frame = np.broadcast_to(lattices.get(G.lattice).frame_mask(k, k), (G.order, k, k))
    z = action.centred_coordinates(k)
    h = groups._with_translation(G.point_group[:, None, None], z[None, :, None], z[None, None, :])
    h_inv = groups._inverse(h[frame])  # (cells of the support, 3, 3)
    plane = G.index_of(h_inv)
    a = action._index_from_half_pixels(h_inv[:, 0, 2], k)
    b = action._index_from_half_pixels(h_inv[:, 1, 2], k)
    out = np.zeros_like(psi)
    out[..., frame] = psi[..., plane, a, b]
    return out


def reverse_filter(psi, group):
    """psi_check(h) = psi(h^-1) for a filter on G, psi (..., |H|, k, k) (L6), computed literally."""
    G = groups.get_rotation_group(group)
    psi = _numeric_filter(psi)
    nH = G.order
    if psi.ndim < 3 or psi.shape[-3] != nH or psi.shape[-1] != psi.shape[-2] or psi.shape[-1] < 1:
        raise ValueError(f"a filter on {G.name} must have shape (..., {nH}, k, k), got shape {psi.shape}")
    return _reverse(_check_on_frame(psi, G), G)


def reverse(psi, G):
    """psi_check for a checked filter bank psi (O, C, |H|, k, k) by the cached gather of reverse_index."""
    O, C, nH, k, _ = psi.shape
    index = reverse_index(G, k)
    flat = psi.reshape(O, C, nH * k * k)
    if (index < 0).any():
        flat = np.concatenate([flat, np.zeros((O, C, 1), dtype=flat.dtype)], axis=-1)  # index -1 reads this 0
    return flat[..., index].reshape(psi.shape)


@functools.lru_cache(maxsize=None)
def reverse_index(G, k):
    """psi_check = psi.flat[index] for a (|H|, k, k) filter: the literal reverse applied to the entry numbers.

    -1 marks cells off the frame (they read as 0); see expand.
    """
    frame = np.broadcast_to(lattices.get(G.lattice).frame_mask(k, k), (G.order, k, k))
    index = _reverse(_entry_numbers(frame), G).reshape(1, -1) - 1
    return _frozen(index, frame)[0]
