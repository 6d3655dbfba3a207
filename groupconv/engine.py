"""The planar multi-channel correlation that every vectorised layer of groupconv ends in.

    out[b, o, i, j] = sum over c, a, b' of  f_pad[b, c, i + a, j + b'] * psi[o, c, a, b']

where f_pad is the input padded for the boundary mode. This module is the numerical
engine only: the meaning of the modes (which output pixels exist, where their centre
is) is documented in correlate.py. The two backward products that training needs
(gradient with respect to the input and to the filter) live here too.

Shapes: f (B, C, H, W), psi (O, C, k, k), out (B, O, H', W').
Modes: "valid" (no padding), "same" (zero padding (k-1)/2, odd k), "full" (zero
padding k-1) and "circular" (periodic padding (k-1)/2, odd k).
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

MODES = ("valid", "same", "full", "circular")


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
    """f (..., H, W) padded on the last two axes as `mode` requires."""
    p = padding(k, mode)
    if p == 0:
        return f
    widths = [(0, 0)] * (f.ndim - 2) + [(p, p), (p, p)]
    return np.pad(f, widths, mode="wrap" if mode == "circular" else "constant")


def unpad_adjoint(g, k, mode, shape):
    """Adjoint of pad: the gradient on the padded input folded back onto the input of `shape`."""
    p = padding(k, mode)
    if p == 0:
        return g
    H, W = shape[-2:]
    if mode != "circular":
        return g[..., p:p + H, p:p + W]
    out = np.zeros(g.shape[:-2] + (H, W), dtype=g.dtype)
    Hp, Wp = g.shape[-2:]
    rows = (np.arange(Hp) - p) % H
    cols = (np.arange(Wp) - p) % W
    np.add.at(out, (..., rows[:, None], cols[None, :]), g)
    return out


def correlate_valid(fp, psi):
    """Valid correlation of fp (B, C, Hp, Wp) with psi (O, C, kh, kw): (B, O, Hp-kh+1, Wp-kw+1)."""
    kh, kw = psi.shape[-2:]
    windows = sliding_window_view(fp, (kh, kw), axis=(-2, -1))  # (B, C, H', W', kh, kw)
    out = np.tensordot(windows, psi, axes=([1, 4, 5], [1, 2, 3]))  # (B, H', W', O)
    return np.ascontiguousarray(np.moveaxis(out, -1, 1))


def planar_correlation(f, psi, mode="valid"):
    """Multi-channel planar correlation (B, C, H, W) x (O, C, k, k) -> (B, O, H', W')."""
    return correlate_valid(pad(f, psi.shape[-1], mode), psi)


def planar_correlation_grad_input(dout, psi, input_shape, mode="valid"):
    """d(loss)/d f given d(loss)/d out, for out = planar_correlation(f, psi, mode).

    The gradient of a correlation with respect to its input is a full correlation of
    the output gradient with the filter turned by 180 degrees and its two channel axes
    swapped (a transposed convolution).
    """
    k = psi.shape[-1]
    flipped = np.ascontiguousarray(np.swapaxes(psi[..., ::-1, ::-1], 0, 1))  # (C, O, k, k)
    d_padded = correlate_valid(pad(dout, k, "full"), flipped)
    return unpad_adjoint(d_padded, k, mode, input_shape)


def planar_correlation_grad_filter(f, dout, k, mode="valid"):
    """d(loss)/d psi (O, C, k, k) given d(loss)/d out, for out = planar_correlation(f, psi, mode)."""
    fp = pad(f, k, mode)
    H_out, W_out = dout.shape[-2:]
    windows = sliding_window_view(fp, (H_out, W_out), axis=(-2, -1))  # (B, C, k, k, H', W')
    # dpsi[o, c, a, b'] = sum over batch and output pixels of dout[b, o, i, j] fp[b, c, i + a, j + b']
    return np.einsum("bcxyij,boij->ocxy", windows, dout, optimize=True)
