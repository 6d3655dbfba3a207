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
itself: the gather is L_s by construction. The indices are computed once per
(group, k) and cached. From them:

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

from . import action, groups


def _frozen_permutations(index):
    # Turns and mirrors of a square frame about its centre lose nothing: each row is a permutation.
    assert (np.sort(index, axis=1) == np.arange(index.shape[1])).all(), "a transformed filter lost entries"
    index.setflags(write=False)
    return index


@functools.lru_cache(maxsize=None)
def lifting_index(G, k):
    """(|H|, k*k) flat indices into a k x k filter: (L_s psi).flat[m] = psi.flat[index[s, m]]."""
    numbers = np.arange(k * k).reshape(k, k)
    index = np.stack([action.transform_image_literal(numbers, s, group=G) for s in G.point_group])
    return _frozen_permutations(index.reshape(G.order, k * k))


@functools.lru_cache(maxsize=None)
def group_index(G, k):
    """(|H|, |H|*k*k) flat indices into a (|H|, k, k) filter on G: every plane moved by s, planes permuted."""
    numbers = np.arange(G.order * k * k).reshape(G.order, k, k)
    index = np.stack([action.transform_group_function_literal(numbers, s, G) for s in G.point_group])
    return _frozen_permutations(index.reshape(G.order, G.order * k * k))


def _with_channels(index, C):
    """The gather over C channels of n entries each, for every s: (|H|, C, n) indices into a flat (C * n) filter."""
    n = index.shape[1]
    return index[:, None, :] + n * np.arange(C)[None, :, None]


def expand(psi, index):
    """bank[o, s, c, m] = psi[o, c].flat[index[s, m]] by one gather: (O, C, ...) -> (O, |H|, C, n)."""
    O, C = psi.shape[:2]
    return np.take(psi.reshape(O, int(np.prod(psi.shape[1:]))), _with_channels(index, C), axis=1)


def fold(dbank, index, C):
    """Adjoint of expand (a scatter-add): dpsi[o, c].flat[index[s, m]] += dbank[o, s, c, m], summed over s.

    dbank (O, |H|, C, ...) -> dpsi (O, C * n) with n = index.shape[1]; reshape it to psi's shape.
    Each row index[s] is a permutation, so within one s no entry is hit twice.
    """
    O, nH = dbank.shape[:2]
    gather = _with_channels(index, C).reshape(nH, -1)
    dbank = dbank.reshape(O, nH, int(np.prod(dbank.shape[2:])))
    dpsi = np.zeros((O, gather.shape[1]), dtype=dbank.dtype)
    for s in range(nH):
        dpsi[:, gather[s]] += dbank[:, s]
    return dpsi


def _numeric_filter(psi):
    psi = np.asarray(psi)
    if psi.dtype.kind not in "iufc":
        raise TypeError(f"the filter psi must be a numeric array (int, float or complex), got dtype {psi.dtype}")
    return psi


def expand_lifting_filter(psi, group):
    """The filter bank of the lifting correlation (L7): bank[o, s] = L_s psi[o], each filter turned by s.

    psi (C_out, C_in, k, k) -> (C_out, |H|, C_in, k, k), by one gather (see the module header).
    """
    G = groups.get_rotation_group(group)
    psi = _numeric_filter(psi)
    if psi.ndim != 4 or psi.shape[-1] != psi.shape[-2] or psi.shape[-1] < 1:
        raise ValueError(f"the filter psi must have shape (C_out, C_in, k, k), got shape {psi.shape}")
    O, C, k, _ = psi.shape
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
    O, C, _, k, _ = psi.shape
    return expand(psi, group_index(G, k)).reshape(O, nH, C, nH, k, k)


def _reverse(psi, G):
    """psi_check(h) = psi(h^-1) for a checked filter psi (..., |H|, k, k) on G, literally.

    For every element h = t(z) . s of the filter's support (s a plane, z a pixel, in half
    pixels) the matrix h^-1 is formed; psi is read at its plane (the linear part of
    h^-1) and its pixel (the translation part of h^-1). The support of a centred k x k
    frame is closed under h -> h^-1, so every read lands on the frame.
    """
    k = psi.shape[-1]
    z = action.centred_coordinates(k)
    h = groups._with_translation(G.point_group[:, None, None], z[None, :, None], z[None, None, :])
    h_inv = groups._inverse(h)  # (|H|, k, k, 3, 3)
    plane = G.index_of(h_inv)
    a = action._index_from_half_pixels(h_inv[..., 0, 2], k)
    b = action._index_from_half_pixels(h_inv[..., 1, 2], k)
    return psi[..., plane, a, b]


def reverse_filter(psi, group):
    """psi_check(h) = psi(h^-1) for a filter on G, psi (..., |H|, k, k) (L6), computed literally."""
    G = groups.get_rotation_group(group)
    psi = _numeric_filter(psi)
    nH = G.order
    if psi.ndim < 3 or psi.shape[-3] != nH or psi.shape[-1] != psi.shape[-2] or psi.shape[-1] < 1:
        raise ValueError(f"a filter on {G.name} must have shape (..., {nH}, k, k), got shape {psi.shape}")
    return _reverse(psi, G)


@functools.lru_cache(maxsize=None)
def reverse_index(G, k):
    """psi_check = psi.flat[index] for a (|H|, k, k) filter: the literal reverse applied to the entry numbers."""
    index = _reverse(np.arange(G.order * k * k).reshape(G.order, k, k), G).reshape(1, -1)
    return _frozen_permutations(index)[0]
