"""The layers of a G-CNN, each with its forward pass and, right below it, its backward pass.

A network is a list of layers (`Sequential`). Every layer has
    forward(x, train)   the output; whatever the backward pass needs is kept on the layer;
    backward(dout)      given d(loss)/d(output), stores d(loss)/d(parameter) in
                        layer.grads[name] and returns d(loss)/d(input),
and its parameters in layer.params (trained) and layer.buffers (saved, not trained:
batch-norm running statistics). There is no automatic differentiation: each backward
rule is written out by hand next to the forward rule it differentiates (as in
micrograd), and tests/test_nn.py checks every one against central finite differences.

Arrays (README "Conventions"; correlate.py):
    planar feature map      (B, C, rows, cols)         a function on Z^2
    feature map on G        (B, C, |H|, rows, cols)    |H| = 4 for p4, 8 for p4m; plane s at
                                                       pixel x holds f(t(x) . s)
    pooled vector           (B, C)                     after global pooling; then logits (B, classes)
Layers that do not care about the group (bias, nonlinearities, spatial pooling, batch
norm, dropout) act on the channel axis 1 and treat every later axis alike, so one class
serves Z^2, p4 and p4m.

Which layers commute with L_g (docs/equations.md section 6; checked in tests/test_nn.py):
    LiftingConv, GroupConv     L2, L4: exact for integer-valued data, float round-off
                               otherwise (the rotated input is summed in another order)
    Bias, ReLU, Tanh           N1: a per-channel constant / a pointwise function: exact
    MaxPool                    P2: for quarter turns when its grid is symmetric about the
                               centre, for shifts by multiples of the stride: exact
    CosetPool                  P1: output turns by plain rotation, no channel cycling: exact
                               (max; mean is exact for integer data)
    GlobalPool                 I1: invariant (exact for max and for integer data)
    BatchNorm (shared)         B1: statistics shared over the group axis: exact at test time;
    BatchNorm (per_plane)      per-plane statistics: equivariance broken
    Dropout                    identity at test time; its random mask is not equivariant
    PlanarConv                 translations only (C6: not rotations)
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import action, correlate, engine, groups, lattices


class Layer:
    """A layer without parameters; subclasses override forward and backward."""

    def __init__(self):
        self.params, self.grads, self.buffers = {}, {}, {}

    def forward(self, x, train=False):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self._describe().items())})"

    def _describe(self):
        return {}


def he_std(fan_in):
    """He initialisation: weights with variance 2 / fan_in keep E[x^2] unchanged through conv + ReLU.

    For y = sum over fan_in inputs of w x, E[y^2] = fan_in Var(w) E[x^2]; ReLU halves the
    second moment of a symmetric y, so Var(w) = 2 / fan_in keeps E[relu(y)^2] = E[x^2].
    For a filter on G the sum runs over C_in channels, |H| planes and k x k pixels, so
    the group axis counts in fan_in (fan_in = C_in |H| k^2); for a lifting filter
    fan_in = C_in k^2 (its |H| output planes do not add inputs). On the hexagonal lattice
    k^2 becomes the number of cells of the filter's hexagon (7 for k = 3).
    """
    return np.sqrt(2.0 / fan_in)


def _check_input(x, ndim, what):
    x = np.asarray(x)
    if x.dtype == bool or not np.issubdtype(x.dtype, np.number):
        raise TypeError(f"{what} input must be a numeric array, got dtype {x.dtype}")
    if x.ndim != ndim:
        raise ValueError(f"{what} expects an input with {ndim} axes, got shape {x.shape}")
    return x


def _filter_frame(G, k):
    """The cells a k x k filter on G's lattice may use: all of them, or the hexagon of radius k // 2.

    Cells outside it start at 0 and stay 0: their gradient is 0 (filter_bank.fold never writes there).
    """
    lattice = lattices.get(G.lattice)
    lattice.check_frame(k, k, "the filter")
    return lattice.frame_mask(k, k)


def _check_conv(c_in, c_out, k, mode):
    """A convolution layer's sizes and mode, checked at construction: positive integers, a known mode."""
    for what, n in (("c_in", c_in), ("c_out", c_out), ("k", k)):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"{what} must be an integer, got {n!r}")
        if n < 1:
            raise ValueError(f"{what} must be at least 1, got {n}")
    if mode not in correlate.MODES:
        raise ValueError(f"mode must be one of {correlate.MODES}, got {mode!r}")
    engine.padding(k, mode)  # an even k needs "valid" or "full"
    return int(c_in), int(c_out), int(k)


# ---------------------------------------------------------------- convolutions

class PlanarConv(Layer):
    """Planar correlation Z^2 -> Z^2 (C1), the layer of an ordinary CNN.

    x (B, C_in, rows, cols) -> (B, C_out, rows', cols'); psi (C_out, C_in, k, k), He-initialised
    with fan_in = C_in k^2. Equivariant to translations, not to rotations (C6).
    """

    def __init__(self, c_in, c_out, k=3, mode="same", rng=None):
        super().__init__()
        c_in, c_out, k = _check_conv(c_in, c_out, k, mode)
        rng = np.random.default_rng() if rng is None else rng
        self.k, self.mode = k, mode
        self.params["psi"] = rng.normal(0.0, he_std(c_in * k * k), size=(c_out, c_in, k, k))

    def _describe(self):
        return {"c_in": self.params["psi"].shape[1], "c_out": self.params["psi"].shape[0], "k": self.k, "mode": self.mode}

    def forward(self, x, train=False):
        self.x = _check_input(x, 4, "PlanarConv")
        return correlate.planar_correlation(self.x, self.params["psi"], self.mode)

    def backward(self, dout):
        _check_backward(self, "x")
        # out = x ⋆ psi is linear in each: the two products of engine.py
        self.grads["psi"] = engine.planar_correlation_grad_filter(self.x, dout, self.k, self.mode)
        return engine.planar_correlation_grad_input(dout, self.params["psi"], self.x.shape, self.mode)


class LiftingConv(Layer):
    """Lifting correlation Z^2 -> G (L1), by the filter bank of L7.

    x (B, C_in, rows, cols) -> (B, C_out, |H|, rows', cols'); psi (C_out, C_in, k, k),
    He-initialised with fan_in = C_in k^2. Equivariant: lifting(L_u x) = L_u lifting(x) (L2).
    """

    def __init__(self, c_in, c_out, group, k=3, mode="same", rng=None):
        super().__init__()
        c_in, c_out, k = _check_conv(c_in, c_out, k, mode)
        rng = np.random.default_rng() if rng is None else rng
        G = groups.get_rotation_group(group)
        self.group, self.k, self.mode = G.name, k, mode
        frame = _filter_frame(G, k)
        psi = rng.normal(0.0, he_std(c_in * int(frame.sum())), size=(c_out, c_in, k, k))
        self.params["psi"] = np.where(frame, psi, 0.0)

    def _describe(self):
        O, C = self.params["psi"].shape[:2]
        return {"c_in": C, "c_out": O, "group": self.group, "k": self.k, "mode": self.mode}

    def forward(self, x, train=False):
        self.x = _check_input(x, 4, "LiftingConv")
        return correlate.lifting_correlation(self.x, self.params["psi"], self.group, self.mode)

    def backward(self, dout):
        _check_backward(self, "x")
        # out = lifting(x, psi) is linear in each: the two backward products of correlate.py
        self.grads["psi"] = correlate.lifting_correlation_grad_filter(self.x, dout, self.group, self.k, self.mode)
        return correlate.lifting_correlation_grad_input(dout, self.params["psi"], self.group, self.x.shape, self.mode)


class GroupConv(Layer):
    """Group correlation G -> G (L3), by the filter bank of L7.

    x (B, C_in, |H|, rows, cols) -> (B, C_out, |H|, rows', cols'); psi (C_out, C_in, |H|, k, k),
    He-initialised with fan_in = C_in |H| k^2. Equivariant: (L_u x) ⋆ psi = L_u (x ⋆ psi) (L4).
    """

    def __init__(self, c_in, c_out, group, k=3, mode="same", rng=None):
        super().__init__()
        c_in, c_out, k = _check_conv(c_in, c_out, k, mode)
        rng = np.random.default_rng() if rng is None else rng
        G = groups.get_rotation_group(group)
        self.group, self.k, self.mode = G.name, k, mode
        nH = G.order
        frame = _filter_frame(G, k)
        psi = rng.normal(0.0, he_std(c_in * nH * int(frame.sum())), size=(c_out, c_in, nH, k, k))
        self.params["psi"] = np.where(frame, psi, 0.0)

    def _describe(self):
        O, C = self.params["psi"].shape[:2]
        return {"c_in": C, "c_out": O, "group": self.group, "k": self.k, "mode": self.mode}

    def forward(self, x, train=False):
        self.x = _check_input(x, 5, "GroupConv")
        return correlate.group_correlation(self.x, self.params["psi"], self.group, self.mode)

    def backward(self, dout):
        _check_backward(self, "x")
        # out = group_correlation(x, psi) is linear in each: the two backward products of correlate.py
        self.grads["psi"] = correlate.group_correlation_grad_filter(self.x, dout, self.group, self.k, self.mode)
        return correlate.group_correlation_grad_input(dout, self.params["psi"], self.group, self.x.shape, self.mode)


# ---------------------------------------------------------------- bias and nonlinearities

def _channel_shape(x):
    """Shape that broadcasts a per-channel vector (C,) against x (B, C, ...)."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _all_but_channel(x):
    return (0,) + tuple(range(2, x.ndim))


def _check_channels(x, channels, what):
    """x as a numeric array (B, C, ...) with C == channels, or a clear error."""
    x = np.asarray(x)
    if x.dtype == bool or not np.issubdtype(x.dtype, np.number):
        raise TypeError(f"{what} input must be a numeric array, got dtype {x.dtype}")
    if x.ndim < 2 or x.shape[1] != channels:
        raise ValueError(f"{what} has {channels} channels: it expects an input (B, {channels}, ...), "
                         f"got shape {x.shape}")
    return x


def _lattice_of(group):
    """The lattice of `group` when its frame is not the whole array (the hexagonal grid), else None."""
    if group is None:
        return None
    lattice = lattices.get(groups.get(group).lattice)
    return None if lattice.name == "square" else lattice


def _to_cells(x, lattice):
    """x (..., rows, cols) -> (..., N): the N cells of the lattice's frame (the hexagon), in array order."""
    return x[..., lattice.frame_mask(*x.shape[-2:])]


def _from_cells(cells, shape, lattice):
    """The inverse of _to_cells: an array of `shape` holding the cells on the frame and 0 outside it."""
    out = np.zeros(shape, dtype=cells.dtype)
    out[..., lattice.frame_mask(*shape[-2:])] = cells
    return out


def _check_backward(layer, attribute):
    """backward() needs what forward() stored: a clear error if forward has not run."""
    if not hasattr(layer, attribute):
        raise RuntimeError(f"{type(layer).__name__}.backward needs a forward pass first")


class Bias(Layer):
    """x + b[c]: one bias per channel, shared over space and over the group axis.

    Sharing over the group axis is what keeps it equivariant: L_g only moves values
    within a channel, and every value of the channel gets the same b[c] (N1-like, exact).
    group: on a hexagonal group the bias is added on the hexagon only (the cells outside
    the frame stay 0); None or a square group: on every cell.
    """

    def __init__(self, channels, group=None):
        super().__init__()
        self.params["b"] = np.zeros(channels)
        self.group, self.lattice = group, _lattice_of(group)

    def _describe(self):
        return {"channels": self.params["b"].shape[0], **({"group": self.group} if self.group else {})}

    def forward(self, x, train=False):
        x = _check_channels(x, self.params["b"].shape[0], "Bias")
        self.shape = x.shape
        out = x + self.params["b"].reshape(_channel_shape(x))
        return out if self.lattice is None else _from_cells(_to_cells(out, self.lattice), out.shape, self.lattice)

    def backward(self, dout):
        _check_backward(self, "shape")
        if self.lattice is not None:
            dout = _from_cells(_to_cells(dout, self.lattice), dout.shape, self.lattice)
        self.grads["b"] = dout.sum(axis=_all_but_channel(dout))
        return dout


class ReLU(Layer):
    """max(x, 0), pointwise (N1). A NaN stays NaN (np.maximum propagates it), in both passes."""

    def forward(self, x, train=False):
        x = np.asarray(x)
        self.slope = np.where(np.isnan(x), np.nan, x > 0)  # 1 where x > 0, 0 where x <= 0, NaN at a NaN
        return np.maximum(x, 0)

    def backward(self, dout):
        _check_backward(self, "slope")
        return dout * self.slope


class Tanh(Layer):
    """tanh(x), pointwise (N1)."""

    def forward(self, x, train=False):
        self.y = np.tanh(x)
        return self.y

    def backward(self, dout):
        _check_backward(self, "y")
        return dout * (1.0 - self.y ** 2)


# ---------------------------------------------------------------- pooling

class MaxPool(Layer):
    """Spatial max pooling over size x size windows every `stride` pixels (valid), on the last two axes.

    x (..., rows, cols) -> (..., rows', cols') with rows' = (rows - size) // stride + 1. Works for planar
    maps and feature maps on G alike (each plane pooled on its own). It commutes with
    quarter turns about the centre only when the window grid is symmetric about the
    centre, (rows - size) % stride == 0, and with shifts only by multiples of the stride (P2).
    """

    def __init__(self, size=3, stride=2):
        super().__init__()
        for what, n in (("size", size), ("stride", stride)):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
                raise TypeError(f"{what} must be an integer, got {n!r}")
        if size < 1 or stride < 1:
            raise ValueError(f"size and stride must be positive, got size={size}, stride={stride}")
        self.size, self.stride = int(size), int(stride)

    def _describe(self):
        return {"size": self.size, "stride": self.stride}

    def forward(self, x, train=False):
        x = np.asarray(x)
        if x.ndim < 2 or x.dtype == bool or not np.issubdtype(x.dtype, np.number):
            raise ValueError(f"MaxPool pools the last two axes of a numeric array (..., rows, cols), "
                             f"got shape {x.shape} and dtype {x.dtype}")
        p, st = self.size, self.stride
        if x.shape[-1] < p or x.shape[-2] < p:
            raise ValueError(f"MaxPool window {p} x {p} does not fit the input frame {x.shape[-2:]}")
        self.shape = x.shape
        windows = sliding_window_view(x, (p, p), axis=(-2, -1))[..., ::st, ::st, :, :]  # (..., rows', cols', p, p)
        flat = windows.reshape(windows.shape[:-2] + (p * p,))
        self.argmax = np.argmax(flat, axis=-1)  # which window entry won, (..., rows', cols')
        return np.take_along_axis(flat, self.argmax[..., None], axis=-1)[..., 0]

    def backward(self, dout):
        _check_backward(self, "argmax")
        # the gradient of a max goes to the one entry that won (the first, on ties; windows may overlap: add up)
        p, st = self.size, self.stride
        nr, nc = self.shape[-2:]
        nr_o, nc_o = dout.shape[-2:]
        rows = np.arange(nr_o)[:, None] * st + self.argmax // p  # input row of each winner
        cols = np.arange(nc_o)[None, :] * st + self.argmax % p
        lead = int(np.prod(self.shape[:-2]))
        target = (np.arange(lead).reshape(self.shape[:-2])[..., None, None] * nr + rows) * nc + cols
        dx = np.bincount(target.ravel(), weights=dout.ravel(), minlength=lead * nr * nc)
        return dx.reshape(self.shape)


class CosetPool(Layer):
    """Pooling over the group axis (coset pooling over H, P1): (B, C, |H|, rows, cols) -> (B, C, rows, cols).

    op "max" or "mean". The result is a planar map that turns by plain spatial rotation
    when the input turns: L_u on G permutes the planes and moves each, and a max or mean
    over all planes does not see the permutation.
    """

    def __init__(self, op="max"):
        super().__init__()
        if op not in ("max", "mean"):
            raise ValueError(f"op must be 'max' or 'mean', got {op!r}")
        self.op = op

    def _describe(self):
        return {"op": self.op}

    def forward(self, x, train=False):
        x = _check_input(x, 5, "CosetPool")
        self.shape = x.shape
        if self.op == "mean":
            return x.mean(axis=2)
        self.argmax = np.argmax(x, axis=2)  # one winner per pixel, the first on ties
        return np.take_along_axis(x, self.argmax[:, :, None], axis=2)[:, :, 0]

    def backward(self, dout):
        _check_backward(self, "shape")
        nH = self.shape[2]
        if self.op == "mean":
            return np.broadcast_to(dout[:, :, None] / nH, self.shape).copy()
        winner = np.arange(nH)[None, None, :, None, None] == self.argmax[:, :, None]
        return np.where(winner, dout[:, :, None], 0.0)


class GlobalPool(Layer):
    """Pooling over space and the group axis: (B, C, ...) -> (B, C), op "mean" or "max" (I1).

    After equivariant layers this is invariant: L_u only moves values within a channel
    (as long as nothing leaves the frame), and a mean or max over all of them ignores
    where they are.
    """

    def __init__(self, op="mean", group=None):
        super().__init__()
        if op not in ("max", "mean"):
            raise ValueError(f"op must be 'max' or 'mean', got {op!r}")
        self.op = op
        self.group, self.lattice = group, _lattice_of(group)

    def _describe(self):
        return {"op": self.op, **({"group": self.group} if self.group else {})}

    def forward(self, x, train=False):
        x = np.asarray(x)
        if x.ndim < 3 or x.dtype == bool or not np.issubdtype(x.dtype, np.number):
            raise ValueError(f"GlobalPool pools a numeric feature map (B, C, ...) with at least one axis after C, "
                             f"got shape {x.shape} and dtype {x.dtype}")
        self.shape = x.shape
        if self.lattice is not None:  # pool over the hexagon's cells only
            self.lattice.check_frame(*x.shape[-2:], "GlobalPool's input")
            x = _to_cells(x, self.lattice)
        n = int(np.prod(x.shape[2:]))
        if n == 0:
            raise ValueError(f"GlobalPool needs at least one value per channel to pool, got shape {x.shape}")
        self.cells_shape = x.shape
        flat = x.reshape(x.shape[0], x.shape[1], n)
        if self.op == "mean":
            return flat.mean(axis=-1)
        self.argmax = np.argmax(flat, axis=-1)  # one winner per channel, the first on ties
        return np.take_along_axis(flat, self.argmax[..., None], axis=-1)[..., 0]

    def backward(self, dout):
        _check_backward(self, "cells_shape")
        B, C = self.cells_shape[:2]
        n = int(np.prod(self.cells_shape[2:]))
        if self.op == "mean":
            dx = np.broadcast_to((dout / n)[..., None], (B, C, n)).reshape(self.cells_shape).copy()
        else:
            dx = np.zeros((B, C, n))
            np.put_along_axis(dx, self.argmax[..., None], dout[..., None], axis=-1)
            dx = dx.reshape(self.cells_shape)
        return dx if self.lattice is None else _from_cells(dx, self.shape, self.lattice)


# ---------------------------------------------------------------- normalisation and dropout

class BatchNorm(Layer):
    """Batch normalisation; statistics shared over space and the group axis (B1).

    y = gamma[c] (x - mean) / sqrt(var + eps) + beta[c]. In training, mean and var are
    taken over the batch and every axis but the channel axis (shared over the group
    axis: one number per channel, like the bias), and running averages are kept; at
    test time the running averages are used.

    per_plane=True (feature maps on G only) takes separate statistics for every
    (channel, plane s) instead, as an ordinary batch norm would if the |H| planes were
    treated as channels. That breaks equivariance: L_u sends plane s to plane u s, but the
    statistics stay with the slot (shown in tests/test_nn.py and tutorial 14, B1).

    group: on a hexagonal group the statistics are taken over the cells of the hexagon
    only, and the cells outside it stay 0; None or a square group: over every cell.
    """

    def __init__(self, channels, per_plane=False, momentum=0.1, eps=1e-5, group=None):
        super().__init__()
        self.per_plane, self.momentum, self.eps = per_plane, momentum, eps
        self.group, self.lattice = group, _lattice_of(group)
        self.params["gamma"] = np.ones(channels)
        self.params["beta"] = np.zeros(channels)
        self.buffers["mean"] = None  # shapes known at the first forward pass
        self.buffers["var"] = None

    def _describe(self):
        return {"channels": self.params["gamma"].shape[0], "per_plane": self.per_plane,
                **({"group": self.group} if self.group else {})}

    def _axes(self, x):
        """The axes the statistics run over; x is (B, C, ..., rows, cols), or (B, C, ..., cells) on a hexagonal group."""
        if self.per_plane:
            if x.ndim != (5 if self.lattice is None else 4):
                raise ValueError(f"per-plane statistics need a feature map on G (B, C, |H|, rows, cols), "
                                 f"got shape {x.shape}")
            return (0,) + tuple(range(3, x.ndim))
        return _all_but_channel(x)

    def forward(self, x, train=False):
        x = _check_channels(x, self.params["gamma"].shape[0], "BatchNorm")
        if x.dtype.kind == "c":
            raise TypeError("BatchNorm takes real arrays; a complex input would lose its imaginary part")
        x = x.astype(np.float64, copy=False)
        self.full_shape = x.shape
        if self.lattice is not None:
            self.lattice.check_frame(*x.shape[-2:], "BatchNorm's input")
            x = _to_cells(x, self.lattice)  # the statistics see the hexagon's cells only
        axes = self._axes(x)
        if train:
            # Check before touching the running statistics, so that a bad batch leaves the layer as it was.
            if x.size == 0:
                raise ValueError(f"BatchNorm cannot take statistics of an empty batch (shape {x.shape})")
            mean = x.mean(axis=axes, keepdims=True)
            var = x.var(axis=axes, keepdims=True)
            if not (np.isfinite(mean).all() and np.isfinite(var).all()):
                raise ValueError("BatchNorm: the batch holds NaN or infinite values; its statistics would make "
                                 "the running averages NaN for every later evaluation")
            if self.buffers["mean"] is not None and self.buffers["mean"].shape != mean.shape:
                raise ValueError(f"BatchNorm was trained on inputs of {self.buffers['mean'].ndim} axes "
                                 f"(statistics {self.buffers['mean'].shape}), got shape {x.shape}")
            if self.buffers["mean"] is None:
                self.buffers["mean"], self.buffers["var"] = mean.copy(), var.copy()
            else:
                m = self.momentum
                self.buffers["mean"] = (1 - m) * self.buffers["mean"] + m * mean
                self.buffers["var"] = (1 - m) * self.buffers["var"] + m * var
        else:
            if self.buffers["mean"] is None:
                raise ValueError("BatchNorm has no running statistics yet: run a forward pass with train=True first")
            mean, var = self.buffers["mean"], self.buffers["var"]
            if mean.ndim != x.ndim or (self.per_plane and mean.shape[2] != x.shape[2]):
                raise ValueError(f"BatchNorm's running statistics have shape {mean.shape}; they do not fit an "
                                 f"input of shape {x.shape}")
        self.train, self.axes = train, axes
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.x_hat = (x - mean) * self.inv_std
        shape = _channel_shape(x)
        y = self.params["gamma"].reshape(shape) * self.x_hat + self.params["beta"].reshape(shape)
        return y if self.lattice is None else _from_cells(y, self.full_shape, self.lattice)

    def backward(self, dout):
        _check_backward(self, "x_hat")
        if self.lattice is not None:
            dout = _to_cells(dout, self.lattice)
            return _from_cells(self._backward(dout), self.full_shape, self.lattice)
        return self._backward(dout)

    def _backward(self, dout):
        shape = _channel_shape(dout)
        self.grads["gamma"] = (dout * self.x_hat).sum(axis=_all_but_channel(dout))
        self.grads["beta"] = dout.sum(axis=_all_but_channel(dout))
        dx_hat = dout * self.params["gamma"].reshape(shape)
        if not self.train:  # mean and var are constants
            return dx_hat * self.inv_std
        # mean and var depend on x: dx = inv_std (dx_hat - mean(dx_hat) - x_hat mean(dx_hat x_hat)),
        # the means taken over the axes the statistics were taken over
        axes = self.axes
        return self.inv_std * (dx_hat - dx_hat.mean(axis=axes, keepdims=True)
                               - self.x_hat * (dx_hat * self.x_hat).mean(axis=axes, keepdims=True))


class Dropout(Layer):
    """In training, zero each entry with probability p and scale the rest by 1 / (1 - p); at test time the identity.

    The random mask is drawn from layer.rng (seed it for reproducible training).
    """

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"p must lie in [0, 1), got {p}")
        self.p = p
        self.rng = np.random.default_rng() if rng is None else rng

    def _describe(self):
        return {"p": self.p}

    def forward(self, x, train=False):
        if not train or self.p == 0.0:
            self.scale = None
            return x
        self.scale = (self.rng.random(np.shape(x)) >= self.p) / (1.0 - self.p)
        return x * self.scale

    def backward(self, dout):
        _check_backward(self, "scale")
        return dout if self.scale is None else dout * self.scale


# ---------------------------------------------------------------- classifier

class Linear(Layer):
    """x W + b: (B, D_in) -> (B, D_out); W initialised with variance 1 / D_in (no ReLU follows)."""

    def __init__(self, d_in, d_out, rng=None):
        super().__init__()
        for what, n in (("d_in", d_in), ("d_out", d_out)):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
                raise ValueError(f"{what} must be a positive integer, got {n!r}")
        rng = np.random.default_rng() if rng is None else rng
        self.params["W"] = rng.normal(0.0, np.sqrt(1.0 / d_in), size=(d_in, d_out))
        self.params["b"] = np.zeros(d_out)

    def _describe(self):
        return {"d_in": self.params["W"].shape[0], "d_out": self.params["W"].shape[1]}

    def forward(self, x, train=False):
        x = _check_input(x, 2, "Linear")
        if x.shape[1] != self.params["W"].shape[0]:
            raise ValueError(f"Linear expects inputs (B, {self.params['W'].shape[0]}), got shape {x.shape}")
        self.x = x
        return self.x @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        _check_backward(self, "x")
        self.grads["W"] = self.x.T @ dout
        self.grads["b"] = dout.sum(axis=0)
        return dout @ self.params["W"].T


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient wrt logits.

    loss = mean over the batch of  -log softmax(logits)[label];
    d loss / d logits = (softmax(logits) - onehot(label)) / B.
    """
    logits = _check_input(logits, 2, "softmax_cross_entropy")
    labels = np.asarray(labels)
    B, n_classes = logits.shape
    if labels.shape != logits.shape[:1] or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers of shape ({B},), got {labels.dtype} {labels.shape}")
    if B == 0:
        raise ValueError("softmax_cross_entropy needs at least one example (the mean of an empty batch is undefined)")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(f"labels must be class numbers 0..{n_classes - 1} (one per logit column), "
                         f"got values from {labels.min()} to {labels.max()}")
    z = logits - logits.max(axis=1, keepdims=True)  # shift for stability; softmax is unchanged
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(B), labels].mean()
    dlogits = np.exp(log_p)
    dlogits[np.arange(B), labels] -= 1.0
    return loss, dlogits / B


# ---------------------------------------------------------------- container

class Sequential:
    """Layers applied in order; backward runs them in reverse (the chain rule)."""

    def __init__(self, *layers):
        self.layers = list(layers)

    def __repr__(self):
        return "Sequential(\n" + "".join(f"  {layer!r},\n" for layer in self.layers) + ")"

    def forward(self, x, train=False):
        for layer in self.layers:
            x = layer.forward(x, train)
        return x

    __call__ = forward

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def parameters(self):
        """(layer, name) for every trained array, in a fixed order."""
        return [(layer, name) for layer in self.layers for name in layer.params]

    def n_parameters(self):
        return int(sum(layer.params[name].size for layer, name in self.parameters()))

    def state(self):
        """Every parameter and buffer as a flat dict {"<layer index>.<name>": array}."""
        out = {}
        for i, layer in enumerate(self.layers):
            for name, value in list(layer.params.items()) + list(layer.buffers.items()):
                if value is not None:
                    out[f"{i}.{name}"] = value
        return out

    def save(self, path):
        """Write every parameter and buffer to an .npz file (np.savez)."""
        np.savez(path, **self.state())

    def load(self, path):
        """Read weights written by `save` into this network (same architecture); returns self."""
        with np.load(path) as data:
            stored = dict(data)
        expected = {key: value.shape for key, value in self.state().items()}
        for i, layer in enumerate(self.layers):
            for name in list(layer.params) + list(layer.buffers):
                key = f"{i}.{name}"
                if key not in stored:
                    if name in layer.params:
                        raise ValueError(f"{path} has no entry {key!r}: is it from another architecture?")
                    continue
                if key in expected and stored[key].shape != expected[key]:
                    raise ValueError(f"{key}: stored shape {stored[key].shape} != network's {expected[key]}")
                (layer.params if name in layer.params else layer.buffers)[name] = stored[key].copy()
        return self


# ---------------------------------------------------------------- optimisers

class SGD:
    """Stochastic gradient descent with momentum: v = mu v - lr grad; w += v."""

    def __init__(self, net, lr=0.05, momentum=0.9, weight_decay=0.0):
        self.net, self.lr, self.momentum, self.weight_decay = net, lr, momentum, weight_decay
        self.velocity = {}

    def step(self):
        for layer, name in self.net.parameters():
            w, g = layer.params[name], layer.grads[name] + self.weight_decay * layer.params[name]
            key = (id(layer), name)
            v = self.momentum * self.velocity.get(key, 0.0) - self.lr * g
            self.velocity[key] = v
            layer.params[name] = w + v


class Adam:
    """Adam (Kingma & Ba 2015): moving averages of the gradient and its square, bias-corrected."""

    def __init__(self, net, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.net, self.lr, self.betas, self.eps, self.weight_decay = net, lr, betas, eps, weight_decay
        self.m, self.v, self.t = {}, {}, 0

    def step(self):
        self.t += 1
        b1, b2 = self.betas
        for layer, name in self.net.parameters():
            g = layer.grads[name] + self.weight_decay * layer.params[name]
            key = (id(layer), name)
            self.m[key] = b1 * self.m.get(key, 0.0) + (1 - b1) * g
            self.v[key] = b2 * self.v.get(key, 0.0) + (1 - b2) * g * g
            m_hat = self.m[key] / (1 - b1 ** self.t)
            v_hat = self.v[key] / (1 - b2 ** self.t)
            layer.params[name] = layer.params[name] - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


# ---------------------------------------------------------------- the networks of the experiments

def planar_cnn(channels=16, n_classes=10, in_channels=1, batch_norm=True, rng=None):
    """An ordinary CNN: 4 planar 3x3 conv blocks, one strided max pool, global mean pool, linear.

    conv-BN-ReLU, conv-BN-ReLU, maxpool 3/2, conv-BN-ReLU, conv-BN-ReLU, global pool, linear.
    (Without batch_norm a Bias replaces each BatchNorm.)
    """
    rng = np.random.default_rng() if rng is None else rng
    norm = (lambda c: BatchNorm(c)) if batch_norm else (lambda c: Bias(c))
    c = channels
    return Sequential(
        PlanarConv(in_channels, c, 3, "same", rng), norm(c), ReLU(),
        PlanarConv(c, c, 3, "same", rng), norm(c), ReLU(),
        MaxPool(3, 2),
        PlanarConv(c, c, 3, "same", rng), norm(c), ReLU(),
        PlanarConv(c, c, 3, "same", rng), norm(c), ReLU(),
        GlobalPool("mean"), Linear(c, n_classes, rng))


def gcnn(group, channels=8, n_classes=10, in_channels=1, batch_norm=True, rng=None):
    """The same architecture on `group` ("p4", "p4m", "p6" or "p6m"): lifting conv, then group convs.

    Every feature map has a group axis; pooling at the end runs over space *and* the
    group axis, so the logits are invariant to the point group (I1). Batch norm shares
    its statistics over the group axis (B1). On the hexagonal lattice the strided max
    pool is left out (its square windows do not fit the hexagon), and bias, batch norm and
    global pooling work on the hexagon's cells.
    """
    rng = np.random.default_rng() if rng is None else rng
    hexagonal = groups.get_rotation_group(group).lattice == "hexagonal"
    frame = group if hexagonal else None
    norm = (lambda c: BatchNorm(c, group=frame)) if batch_norm else (lambda c: Bias(c, group=frame))
    c = channels
    pool = [] if hexagonal else [MaxPool(3, 2)]
    return Sequential(
        LiftingConv(in_channels, c, group, 3, "same", rng), norm(c), ReLU(),
        GroupConv(c, c, group, 3, "same", rng), norm(c), ReLU(),
        *pool,
        GroupConv(c, c, group, 3, "same", rng), norm(c), ReLU(),
        GroupConv(c, c, group, 3, "same", rng), norm(c), ReLU(),
        GlobalPool("mean", group=frame), Linear(c, n_classes, rng))


def rotation_pooling_cnn(group="p4", channels=16, n_classes=10, in_channels=1, batch_norm=True, rng=None):
    """Every layer lifts to `group` and pools straight back over the group axis (P1).

    Each block is lifting conv - BN - ReLU - CosetPool(max): planar maps between the
    blocks that turn by plain rotation, as in the paper's P4CNNRotationPooling. A
    lifting filter has as many parameters as a planar one, so `channels` is the planar
    network's count.
    """
    rng = np.random.default_rng() if rng is None else rng
    norm = (lambda c: BatchNorm(c)) if batch_norm else (lambda c: Bias(c))
    c = channels

    def block(c_in):
        return [LiftingConv(c_in, c, group, 3, "same", rng), norm(c), ReLU(), CosetPool("max")]

    return Sequential(*block(in_channels), *block(c), MaxPool(3, 2), *block(c), *block(c),
                      GlobalPool("mean"), Linear(c, n_classes, rng))
