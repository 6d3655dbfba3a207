"""The layers of a G-CNN, each with its forward pass and, right below it, its backward pass.

A network is a list of layers (`Sequential`). Every layer has
    forward(x, train)   the output; whatever the backward pass needs is kept on the layer;
    backward(dout)      given d(loss)/d(output), stores d(loss)/d(parameter) in
                        layer.grads[name] and returns d(loss)/d(input),
and its parameters in layer.params (trained) and layer.buffers (saved, not trained:
batch-norm running statistics). There is no automatic differentiation: each backward
rule is written out by hand next to the forward rule it differentiates (as in
micrograd), and tests/test_nn.py checks every one against central finite differences.

backward takes a dout of exactly the shape the last forward pass returned (ValueError
naming that shape otherwise: a dout that merely broadcasts would give a wrong gradient).
Layers take plain numeric arrays and never modify them: TypeError for masked arrays, bool
and non-numeric dtypes, and complex numbers in the layers that order values (ReLU, the max
poolings, batch norm, the loss). Constructors check every argument (tests/test_nn_contracts.py).

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
import numbers
import os
import zipfile
import zlib
from contextlib import contextmanager

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import correlate, engine, groups, lattices, limits


class Layer:
    """A layer without parameters; subclasses override forward and backward."""

    def __init__(self):
        self.params, self.grads, self.buffers = {}, {}, {}
        self._output = None  # (shape, complex?) of the last forward output: what backward's dout must be

    def forward(self, x, train=False):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def n_parameters(self):
        """The number of trained numbers: every entry of every parameter array."""
        return int(sum(p.size for p in self.params.values()))

    def _state_problems(self, shapes):
        """Why stored arrays of `shapes` ({name: shape}) cannot become this layer's state: [(names, why)], [] if they can.

        Sequential.load asks this before it reads anything. Every parameter must be there;
        the buffers come all together or not at all (a layer that has seen no training
        batch has none); each array must have the shape of the one it replaces.
        """
        problems = [((name,), "missing") for name in self.params if name not in shapes]
        absent = [name for name in self.buffers if name not in shapes]
        if absent and len(absent) < len(self.buffers):
            problems.append((tuple(absent), "missing (a layer's buffers are saved all together or not at all)"))
        for name, shape in shapes.items():
            current = self.params[name] if name in self.params else self.buffers[name]
            if current is not None and shape != current.shape:
                problems.append(((name,), f"shape {shape}, the network's is {current.shape}"))
        return problems

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


# ---------------------------------------------------------------- checks shared by the layers

def _check_count(n, what):
    """n (a channel count or size) as an int >= 1: TypeError if it is no integer (or a bool), ValueError if < 1."""
    return limits.integer(n, what, minimum=1)


def _check_number(x, what, low, high, closed=(True, True)):
    """x as a float: a finite real number (not a bool) in the interval from low to high, closed at the ends asked for."""
    interval = f"{'[' if closed[0] else '('}{low}, {high}{']' if closed[1] else ')'}"
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number in {interval}, got {x!r}")
    x = float(x)
    if not (np.isfinite(x) and (low <= x if closed[0] else low < x) and (x <= high if closed[1] else x < high)):
        raise ValueError(f"{what} must be a finite number in {interval}, got {x!r}")
    return x


def _check_flag(flag, what):
    """A bool flag: True or False (np.bool_ too), not a truthy string or number."""
    if not isinstance(flag, (bool, np.bool_)):
        raise TypeError(f"{what} must be True or False, got {flag!r}")
    return bool(flag)


def _check_choice(value, what, allowed):
    """One of the strings `allowed`: TypeError if value is no string, ValueError if it is another one."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be one of {allowed}, got {value!r}")
    if value not in allowed:
        raise ValueError(f"{what} must be one of {allowed}, got {value!r}")
    return value


def _check_rng(rng):
    """A numpy Generator: rng itself (limits.generator checks it), or a fresh one for None."""
    return np.random.default_rng() if rng is None else limits.generator(rng)


def _check_array(x, what, real=None):
    """x as a numeric ndarray, or TypeError: masked arrays, bool and non-numeric dtypes; complex ones too if `real`.

    real: None (complex numbers pass) or the reason the caller needs real numbers.
    """
    x = limits.plain_array(x, what)
    if x.dtype == bool or not np.issubdtype(x.dtype, np.number):
        raise TypeError(f"{what} must be a numeric array, got dtype {x.dtype}")
    if real is not None and x.dtype.kind == "c":
        raise TypeError(f"{what} must be real, got dtype {x.dtype}: {real}")
    return x


_NO_ORDER = "complex numbers have no order (max and x > 0 would compare them lexicographically)"


def _start(layer, x, train, real=None):
    """The first step of every forward pass: checks train and x (_check_array) and forgets the last output.

    Until _record runs at the end of this forward pass, backward refuses to run: it would
    differentiate at an input that is not the last one given.
    """
    layer._output = None
    _check_flag(train, "train")
    return _check_array(x, f"{type(layer).__name__}'s input", real)


def _record(layer, out):
    """The last step of every forward pass: the shape (and realness) of the output, which backward's dout must have."""
    layer._output = (np.shape(out), np.asarray(out).dtype.kind == "c")


def _check_dout(layer, dout):
    """The first step of every backward pass: dout as an array shaped exactly like the last forward output.

    RuntimeError without a (successful) forward pass; TypeError for a dout that is no numeric
    array, or complex for a real output; ValueError for any other shape - also one that
    would broadcast against the output, which would silently give the wrong gradient.
    """
    name = type(layer).__name__
    if layer._output is None:
        raise RuntimeError(f"{name}.backward needs a forward pass first (none has run, or the last one failed)")
    shape, is_complex = layer._output
    dout = _check_array(dout, f"{name}.backward's dout", None if is_complex else f"{name}'s output was real")
    if dout.shape != shape:
        raise ValueError(f"{name}.backward: dout must have the forward output's shape {shape}, got shape {dout.shape}")
    return dout


def _check_ndim(x, ndim, what):
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


def _check_conv(c_in, c_out, k, mode, rng):
    """A convolution layer's sizes, mode and generator, checked at construction: positive integers, a known mode."""
    c_in, c_out, k = _check_count(c_in, "c_in"), _check_count(c_out, "c_out"), _check_count(k, "k")
    _check_choice(mode, "mode", correlate.MODES)
    engine.padding(k, mode)  # an even k needs "valid" or "full"
    return c_in, c_out, k, _check_rng(rng)


# ---------------------------------------------------------------- convolutions

class PlanarConv(Layer):
    """Planar correlation Z^2 -> Z^2 (C1), the layer of an ordinary CNN.

    x (B, C_in, rows, cols) -> (B, C_out, rows', cols'); psi (C_out, C_in, k, k), He-initialised
    with fan_in = C_in k^2. Equivariant to translations, not to rotations (C6).
    """

    def __init__(self, c_in, c_out, k=3, mode="same", rng=None):
        super().__init__()
        c_in, c_out, k, rng = _check_conv(c_in, c_out, k, mode, rng)
        self.k, self.mode = k, mode
        shape = limits.check_allocation((c_out, c_in, k, k), np.float64, "PlanarConv's filter psi")
        self.params["psi"] = rng.normal(0.0, he_std(c_in * k * k), size=shape)

    def _describe(self):
        return {"c_in": self.params["psi"].shape[1], "c_out": self.params["psi"].shape[0], "k": self.k, "mode": self.mode}

    def forward(self, x, train=False):
        self.x = _check_ndim(_start(self, x, train), 4, "PlanarConv")
        out = correlate.planar_correlation(self.x, self.params["psi"], self.mode)
        _record(self, out)
        return out

    def backward(self, dout):
        dout = _check_dout(self, dout)
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
        c_in, c_out, k, rng = _check_conv(c_in, c_out, k, mode, rng)
        G = groups.get_rotation_group(group)
        self.group, self.k, self.mode = G.name, k, mode
        shape = limits.check_allocation((c_out, c_in, k, k), np.float64, "LiftingConv's filter psi")
        self.frame = _filter_frame(G, k)  # the k x k square, or the hexagon's cells: fan_in counts these
        psi = rng.normal(0.0, he_std(c_in * int(self.frame.sum())), size=shape)
        self.params["psi"] = np.where(self.frame, psi, 0.0)

    def n_parameters(self):
        """Trained weights: the filter's cells on its frame (on the hexagonal lattice the k x k corners are none)."""
        return self.params["psi"].size // self.frame.size * int(self.frame.sum())

    def _describe(self):
        O, C = self.params["psi"].shape[:2]
        return {"c_in": C, "c_out": O, "group": self.group, "k": self.k, "mode": self.mode}

    def forward(self, x, train=False):
        self.x = _check_ndim(_start(self, x, train), 4, "LiftingConv")
        out = correlate.lifting_correlation(self.x, self.params["psi"], self.group, self.mode)
        _record(self, out)
        return out

    def backward(self, dout):
        dout = _check_dout(self, dout)
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
        c_in, c_out, k, rng = _check_conv(c_in, c_out, k, mode, rng)
        G = groups.get_rotation_group(group)
        self.group, self.k, self.mode = G.name, k, mode
        nH = G.order
        shape = limits.check_allocation((c_out, c_in, nH, k, k), np.float64, "GroupConv's filter psi")
        self.frame = _filter_frame(G, k)  # the k x k square, or the hexagon's cells: fan_in counts these
        psi = rng.normal(0.0, he_std(c_in * nH * int(self.frame.sum())), size=shape)
        self.params["psi"] = np.where(self.frame, psi, 0.0)

    def n_parameters(self):
        """Trained weights: the filter's cells on its frame (on the hexagonal lattice the k x k corners are none)."""
        return self.params["psi"].size // self.frame.size * int(self.frame.sum())

    def _describe(self):
        O, C = self.params["psi"].shape[:2]
        return {"c_in": C, "c_out": O, "group": self.group, "k": self.k, "mode": self.mode}

    def forward(self, x, train=False):
        self.x = _check_ndim(_start(self, x, train), 5, "GroupConv")
        out = correlate.group_correlation(self.x, self.params["psi"], self.group, self.mode)
        _record(self, out)
        return out

    def backward(self, dout):
        dout = _check_dout(self, dout)
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
    """x (an array from _start) of shape (B, C, ...) with C == channels, or ValueError."""
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


def _check_on_lattice(x, lattice, what):
    """x (B, C, ..., n, n) on the lattice's frame (the odd n x n hexagon array), or ValueError.

    The frame is the last two axes; with fewer than four axes they would be the channels and
    the one axis after them (a 3-axis (B, C, n) is no image on the hexagon).
    """
    if x.ndim < 4:
        raise ValueError(f"{what} on the {lattice.name} lattice takes feature maps (B, C, ..., n, n), at least "
                         f"4 axes (the last two the n x n frame), got shape {x.shape}")
    lattice.check_frame(*x.shape[-2:], what)
    return x


def _to_cells(x, lattice):
    """x (..., rows, cols) -> (..., N): the N cells of the lattice's frame (the hexagon), in array order."""
    return x[..., lattice.frame_mask(*x.shape[-2:])]


def _from_cells(cells, shape, lattice):
    """The inverse of _to_cells: an array of `shape` holding the cells on the frame and 0 outside it."""
    out = np.zeros(shape, dtype=cells.dtype)
    out[..., lattice.frame_mask(*shape[-2:])] = cells
    return out


class Bias(Layer):
    """x + b[c]: one bias per channel, shared over space and over the group axis.

    Sharing over the group axis is what keeps it equivariant: L_g only moves values
    within a channel, and every value of the channel gets the same b[c] (N1-like, exact).
    group: on a hexagonal group the bias is added on the hexagon only (the cells outside
    the frame stay 0); None or a square group: on every cell.
    """

    def __init__(self, channels, group=None):
        super().__init__()
        channels = _check_count(channels, "channels")
        self.group, self.lattice = group, _lattice_of(group)
        self.params["b"] = np.zeros(limits.check_allocation((channels,), np.float64, "Bias's b"))

    def _describe(self):
        return {"channels": self.params["b"].shape[0], **({"group": self.group} if self.group else {})}

    def forward(self, x, train=False):
        x = _check_channels(_start(self, x, train), self.params["b"].shape[0], "Bias")
        out = x + self.params["b"].reshape(_channel_shape(x))
        if self.lattice is not None:
            _check_on_lattice(x, self.lattice, "Bias's input")
            out = _from_cells(_to_cells(out, self.lattice), out.shape, self.lattice)
        _record(self, out)
        return out

    def backward(self, dout):
        dout = _check_dout(self, dout)
        if self.lattice is not None:
            dout = _from_cells(_to_cells(dout, self.lattice), dout.shape, self.lattice)
        self.grads["b"] = dout.sum(axis=_all_but_channel(dout))
        return dout


class ReLU(Layer):
    """max(x, 0), pointwise (N1). A NaN stays NaN (np.maximum propagates it), in both passes.

    The derivative is 1 for x > 0 and 0 for x <= 0: at x = 0 (and -0.0), where max(x, 0) has
    no derivative, the gradient is 0, as in PyTorch. Complex input is refused (TypeError):
    complex numbers have no order.
    """

    def forward(self, x, train=False):
        x = _start(self, x, train, real=_NO_ORDER)
        self.slope = np.where(np.isnan(x), np.nan, x > 0)  # 1 where x > 0, 0 where x <= 0, NaN at a NaN
        _record(self, x)  # the output has x's shape
        return np.maximum(x, 0)

    def backward(self, dout):
        return _check_dout(self, dout) * self.slope


class Tanh(Layer):
    """tanh(x), pointwise (N1)."""

    def forward(self, x, train=False):
        self.y = np.tanh(_start(self, x, train))
        _record(self, self.y)
        return self.y

    def backward(self, dout):
        return _check_dout(self, dout) * (1.0 - self.y ** 2)


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
        self.size, self.stride = _check_count(size, "size"), _check_count(stride, "stride")

    def _describe(self):
        return {"size": self.size, "stride": self.stride}

    def forward(self, x, train=False):
        x = _start(self, x, train, real=_NO_ORDER)
        if x.ndim < 2:
            raise ValueError(f"MaxPool pools the last two axes of an array (..., rows, cols), got shape {x.shape}")
        p, st = self.size, self.stride
        if x.shape[-1] < p or x.shape[-2] < p:
            raise ValueError(f"MaxPool window {p} x {p} does not fit the input frame {x.shape[-2:]}")
        self.shape = x.shape
        windows = sliding_window_view(x, (p, p), axis=(-2, -1))[..., ::st, ::st, :, :]  # (..., rows', cols', p, p)
        limits.check_allocation(windows.shape, x.dtype, "MaxPool's copy of its windows")  # p^2 x the output
        flat = windows.reshape(windows.shape[:-2] + (p * p,))
        self.argmax = np.argmax(flat, axis=-1)  # which window entry won, (..., rows', cols')
        out = np.take_along_axis(flat, self.argmax[..., None], axis=-1)[..., 0]
        _record(self, out)
        return out

    def backward(self, dout):
        dout = _check_dout(self, dout)
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
        self.op = _check_choice(op, "op", ("max", "mean"))

    def _describe(self):
        return {"op": self.op}

    def forward(self, x, train=False):
        x = _check_ndim(_start(self, x, train, real=_NO_ORDER if self.op == "max" else None), 5, "CosetPool")
        if x.shape[2] == 0:
            raise ValueError(f"CosetPool pools over the group axis (B, C, |H|, rows, cols), which needs at least "
                             f"one plane (|H| >= 1); got an empty group axis, shape {x.shape}")
        self.shape = x.shape
        if self.op == "mean":
            out = x.mean(axis=2)
        else:
            self.argmax = np.argmax(x, axis=2)  # one winner per pixel, the first on ties
            out = np.take_along_axis(x, self.argmax[:, :, None], axis=2)[:, :, 0]
        _record(self, out)
        return out

    def backward(self, dout):
        dout = _check_dout(self, dout)
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
        self.op = _check_choice(op, "op", ("max", "mean"))
        self.group, self.lattice = group, _lattice_of(group)

    def _describe(self):
        return {"op": self.op, **({"group": self.group} if self.group else {})}

    def forward(self, x, train=False):
        x = _start(self, x, train, real=_NO_ORDER if self.op == "max" else None)
        if x.ndim < 3:
            raise ValueError(f"GlobalPool pools a feature map (B, C, ...) with at least one axis after C, "
                             f"got shape {x.shape}")
        self.shape = x.shape
        if self.lattice is not None:  # pool over the hexagon's cells only
            _check_on_lattice(x, self.lattice, "GlobalPool's input")
            x = _to_cells(x, self.lattice)
        n = int(np.prod(x.shape[2:]))
        if n == 0:
            raise ValueError(f"GlobalPool needs at least one value per channel to pool, got shape {x.shape}")
        self.cells_shape = x.shape
        flat = x.reshape(x.shape[0], x.shape[1], n)
        if self.op == "mean":
            out = flat.mean(axis=-1)
        else:
            self.argmax = np.argmax(flat, axis=-1)  # one winner per channel, the first on ties
            out = np.take_along_axis(flat, self.argmax[..., None], axis=-1)[..., 0]
        _record(self, out)
        return out

    def backward(self, dout):
        dout = _check_dout(self, dout)
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
    momentum lies in (0, 1] (running = (1 - momentum) running + momentum batch, an average
    that keeps the running variance >= 0), eps > 0.
    """

    def __init__(self, channels, per_plane=False, momentum=0.1, eps=1e-5, group=None):
        super().__init__()
        channels = _check_count(channels, "channels")
        self.per_plane = _check_flag(per_plane, "per_plane")
        self.momentum = _check_number(momentum, "momentum", 0, 1, closed=(False, True))
        self.eps = _check_number(eps, "eps", 0, np.inf, closed=(False, False))
        self.group, self.lattice = group, _lattice_of(group)
        limits.check_allocation((channels,), np.float64, "BatchNorm's gamma")
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

    def _state_problems(self, shapes):
        """As Layer._state_problems; running statistics loaded into a layer that has none must fit its _axes."""
        problems = super()._state_problems(shapes)
        if self.buffers["mean"] is None and "mean" in shapes and "var" in shapes:
            C, mean, var = self.params["gamma"].shape[0], shapes["mean"], shapes["var"]
            if self.per_plane:  # (1, C, |H|, 1, 1), or (1, C, |H|, 1) on the hexagon's cells
                n = 5 if self.lattice is None else 4
                fits = len(mean) == n and mean[:2] == (1, C) and mean[2] >= 1 and set(mean[3:]) == {1}
                expected = f"per-plane statistics (1, {C}, |H|{', 1' * (n - 3)})"
            else:  # (1, C, 1, ..., 1): one number per channel
                fits = len(mean) >= 2 and mean[:2] == (1, C) and set(mean[2:]) <= {1}
                expected = f"shared statistics (1, {C}, 1, ..., 1)"
            if not fits or var != mean:
                problems.append((("mean", "var"), f"shapes {mean} and {var}; this layer takes {expected}, both alike"))
        return problems

    def forward(self, x, train=False):
        x = _start(self, x, train, real="a batch norm of complex numbers would lose their imaginary part")
        x = _check_channels(x, self.params["gamma"].shape[0], "BatchNorm")
        x = x.astype(np.float64, copy=False)
        self.full_shape = x.shape
        if self.lattice is not None:
            _check_on_lattice(x, self.lattice, "BatchNorm's input")
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
        out = y if self.lattice is None else _from_cells(y, self.full_shape, self.lattice)
        _record(self, out)
        return out

    def backward(self, dout):
        dout = _check_dout(self, dout)
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
        self.p = _check_number(p, "p", 0, 1, closed=(True, False))
        self.rng = _check_rng(rng)

    def _describe(self):
        return {"p": self.p}

    def forward(self, x, train=False):
        x = _start(self, x, train)
        _record(self, x)  # the output has x's shape
        if not train or self.p == 0.0:
            self.scale = None
            return x
        self.scale = (self.rng.random(np.shape(x)) >= self.p) / (1.0 - self.p)
        return x * self.scale

    def backward(self, dout):
        dout = _check_dout(self, dout)
        return dout if self.scale is None else dout * self.scale


# ---------------------------------------------------------------- classifier

class Linear(Layer):
    """x W + b: (B, D_in) -> (B, D_out); W initialised with variance 1 / D_in (no ReLU follows)."""

    def __init__(self, d_in, d_out, rng=None):
        super().__init__()
        d_in, d_out, rng = _check_count(d_in, "d_in"), _check_count(d_out, "d_out"), _check_rng(rng)
        shape = limits.check_allocation((d_in, d_out), np.float64, "Linear's weights W")
        self.params["W"] = rng.normal(0.0, np.sqrt(1.0 / d_in), size=shape)
        self.params["b"] = np.zeros(d_out)

    def _describe(self):
        return {"d_in": self.params["W"].shape[0], "d_out": self.params["W"].shape[1]}

    def forward(self, x, train=False):
        x = _check_ndim(_start(self, x, train), 2, "Linear")
        if x.shape[1] != self.params["W"].shape[0]:
            raise ValueError(f"Linear expects inputs (B, {self.params['W'].shape[0]}), got shape {x.shape}")
        self.x = x
        out = self.x @ self.params["W"] + self.params["b"]
        _record(self, out)
        return out

    def backward(self, dout):
        dout = _check_dout(self, dout)
        self.grads["W"] = self.x.T @ dout
        self.grads["b"] = dout.sum(axis=0)
        return dout @ self.params["W"].T


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient wrt logits.

    loss = mean over the batch of  -log softmax(logits)[label];
    d loss / d logits = (softmax(logits) - onehot(label)) / B.
    Computed in float64 (at least), by the log-sum-exp with the largest logit taken out: the
    loss of float16 logits would otherwise overflow (their differences exceed 65504).
    """
    logits = _check_ndim(_check_array(logits, "softmax_cross_entropy's logits", real=_NO_ORDER), 2,
                         "softmax_cross_entropy")
    if isinstance(labels, np.ma.MaskedArray):
        raise TypeError("labels is a masked array (np.ma); groupconv would drop its mask: pass the unmasked labels")
    labels = np.asarray(labels)
    B, n_classes = logits.shape
    if labels.shape != logits.shape[:1] or labels.dtype.kind not in "iu":  # not issubdtype: timedelta64 passes it
        raise ValueError(f"labels must be integers of shape ({B},), got {labels.dtype} {labels.shape}")
    if B == 0:
        raise ValueError("softmax_cross_entropy needs at least one example (the mean of an empty batch is undefined)")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(f"labels must be class numbers 0..{n_classes - 1} (one per logit column), "
                         f"got values from {labels.min()} to {labels.max()}")
    wide = logits.astype(np.promote_types(logits.dtype, np.float64))
    z = wide - wide.max(axis=1, keepdims=True)  # shift for stability; softmax is unchanged
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(B), labels].mean()
    dlogits = np.exp(log_p)
    dlogits[np.arange(B), labels] -= 1.0
    return loss, dlogits / B


# ---------------------------------------------------------------- container

class Sequential:
    """Layers applied in order; backward runs them in reverse (the chain rule)."""

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential takes layers (groupconv.nn.Layer); argument {i} is {layer!r}")
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
        """The number of trained numbers of all layers (Layer.n_parameters: filter cells off a hexagon not counted)."""
        return int(sum(layer.n_parameters() for layer in self.layers))

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
        """Read the state written by `save` into this network (same architecture); returns self.

        The file must hold exactly this network's arrays: every parameter, and each
        layer's buffers all or none (batch-norm statistics; none: the layer is left
        without, as the saved one was), each with the shape of the array it replaces and a
        real floating-point dtype (read as float64). The file is checked entry by entry
        from the arrays' headers before any array is read, and the network is changed
        only once all of it fits: otherwise ValueError naming the file and every entry
        that does not fit (missing, extra, shape, dtype), or - for a damaged file or one
        that save did not write - naming the file and what could not be read. A file
        that does not exist raises FileNotFoundError. The gradients of the old weights
        are dropped.
        """
        if not isinstance(path, (str, os.PathLike)):  # an open binary file
            if not all(callable(getattr(path, method, None)) for method in ("read", "seek", "tell")):
                raise TypeError(f"load takes a file path (str or os.PathLike) or an open binary file, "
                                f"got {path!r} ({type(path).__name__})")
            return self._load(path, repr(path))
        with open(path, "rb") as file:  # a file that cannot be opened: Python's OSError, as for open()
            return self._load(file, os.fspath(path))

    def _load(self, file, where):
        """load from an open binary file; `where` names it in the messages."""
        with _unreadable(where):
            archive = zipfile.ZipFile(file)
        with archive:
            keys = self._check_file(archive, where)
            with _unreadable(where):
                arrays = {key: _npy_array(archive, member) for key, member in keys.items()}
        for i, layer in enumerate(self.layers):
            for name in layer.params:
                layer.params[name] = arrays[f"{i}.{name}"]
            for name in layer.buffers:
                layer.buffers[name] = arrays.get(f"{i}.{name}")
            layer.grads.clear()
        return self

    def _check_file(self, archive, where):
        """{key: member} for the arrays of an open .npz archive, from their headers, if all fit; else ValueError."""
        problems, keys, per_layer = [], {}, [{} for _ in self.layers]
        # the layer indices as save writes them ("0", "1", ...): not "00" or "\u00b2", which int() or isdigit take too
        layer_of = {str(i): layer for i, layer in enumerate(self.layers)}
        for member in archive.namelist():
            key = member.removesuffix(".npy")  # np.savez stores array "0.psi" as "0.psi.npy"
            index, _, name = key.partition(".")
            layer = layer_of.get(index)
            if key == member or layer is None or (name not in layer.params and name not in layer.buffers):
                problems.append(f"{member}: not an array of this network")
                continue
            if key in keys:
                problems.append(f"{member}: twice in the file")
                continue
            with _unreadable(where):
                shape, dtype = _npy_header(archive, member)
            if dtype.kind != "f":
                problems.append(f"{key}: dtype {dtype}, not a real floating-point type")
            try:
                limits.check_allocation(shape, np.float64, key)
            except ValueError as e:
                problems.append(str(e))
            keys[key], per_layer[int(index)][name] = member, shape
        for i, (layer, shapes) in enumerate(zip(self.layers, per_layer)):
            problems += [f"{', '.join(f'{i}.{name}' for name in names)}: {why}"
                         for names, why in layer._state_problems(shapes)]
        if problems:
            raise ValueError(f"{where} does not fit this network: " + "; ".join(problems))
        return keys


@contextmanager
def _unreadable(where):
    """Turn what zipfile and numpy raise for a damaged or foreign file into one ValueError naming the file."""
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, NotImplementedError,
            RuntimeError) as e:
        raise ValueError(f"{where} cannot be read as a network saved by Sequential.save "
                         f"({type(e).__name__}: {e})") from e


def _npy_header(archive, member):
    """(shape, dtype) from the header of one .npy member of an .npz archive; its data is not read."""
    with archive.open(member) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"{member}: .npy format version {version}; save writes 1.0 or 2.0")
    return shape, dtype


def _npy_array(archive, member):
    """One member's array as float64, read to the end of the member (so that zipfile checks its CRC)."""
    with archive.open(member) as f:
        array = np.lib.format.read_array(f, allow_pickle=False)
        if f.read(1):
            raise ValueError(f"{member}: data after the array")
    return array.astype(np.float64)


# ---------------------------------------------------------------- optimisers

def _check_net(net, what):
    if not isinstance(net, Sequential):
        raise TypeError(f"{what} trains a groupconv.nn.Sequential (net), got {net!r}")
    return net


def _check_gradients(net, what):
    """Before a step changes anything: every parameter has a gradient of its own shape, real."""
    pairs = net.parameters()
    if pairs and not any(name in layer.grads for layer, name in pairs):
        raise RuntimeError(f"{what}.step() needs gradients: call net.backward(dout) after net.forward(x, train=True) "
                           f"first")
    for i, layer in enumerate(net.layers):
        for name, p in layer.params.items():
            g = layer.grads.get(name)
            if g is None:
                raise ValueError(f"{what}.step(): layer {i} ({type(layer).__name__}) has no gradient for {name!r}; "
                                 f"did net.backward reach it?")
            if np.shape(g) != p.shape:
                raise ValueError(f"{what}.step(): the gradient of layer {i}'s {name!r} has shape {np.shape(g)}, "
                                 f"not its parameter's shape {p.shape}")
            if np.asarray(g).dtype.kind not in "iuf":
                raise TypeError(f"{what}.step(): the gradient of layer {i}'s {name!r} must be real, got dtype "
                                f"{np.asarray(g).dtype}")


class SGD:
    """Stochastic gradient descent with momentum: v = mu v - lr grad; w += v.

    lr > 0, momentum in [0, 1), weight_decay >= 0 (added to the gradient as weight_decay w).
    """

    def __init__(self, net, lr=0.05, momentum=0.9, weight_decay=0.0):
        self.net = _check_net(net, "SGD")
        self.lr = _check_number(lr, "lr", 0, np.inf, closed=(False, False))
        self.momentum = _check_number(momentum, "momentum", 0, 1, closed=(True, False))
        self.weight_decay = _check_number(weight_decay, "weight_decay", 0, np.inf, closed=(True, False))
        self.velocity = {}

    def step(self):
        _check_gradients(self.net, "SGD")
        for layer, name in self.net.parameters():
            w, g = layer.params[name], layer.grads[name] + self.weight_decay * layer.params[name]
            key = (id(layer), name)
            v = self.momentum * self.velocity.get(key, 0.0) - self.lr * g
            self.velocity[key] = v
            layer.params[name] = w + v


class Adam:
    """Adam (Kingma & Ba 2015): moving averages of the gradient and its square, bias-corrected.

    lr > 0, betas = (beta1, beta2) each in [0, 1), eps > 0, weight_decay >= 0.
    """

    def __init__(self, net, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.net = _check_net(net, "Adam")
        self.lr = _check_number(lr, "lr", 0, np.inf, closed=(False, False))
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = tuple(_check_number(b, f"betas[{i}]", 0, 1, closed=(True, False)) for i, b in enumerate(betas))
        self.eps = _check_number(eps, "eps", 0, np.inf, closed=(False, False))
        self.weight_decay = _check_number(weight_decay, "weight_decay", 0, np.inf, closed=(True, False))
        self.m, self.v, self.t = {}, {}, 0

    def step(self):
        _check_gradients(self.net, "Adam")
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

def _check_builder(channels, n_classes, in_channels, batch_norm, rng):
    """The arguments the network builders share, checked: the generator, and channels as an int."""
    for what, n in (("channels", channels), ("n_classes", n_classes), ("in_channels", in_channels)):
        _check_count(n, what)
    _check_flag(batch_norm, "batch_norm")
    return _check_rng(rng), int(channels)


def planar_cnn(channels=16, n_classes=10, in_channels=1, batch_norm=True, rng=None):
    """An ordinary CNN: 4 planar 3x3 conv blocks, one strided max pool, global mean pool, linear.

    conv-BN-ReLU, conv-BN-ReLU, maxpool 3/2, conv-BN-ReLU, conv-BN-ReLU, global pool, linear.
    (Without batch_norm a Bias replaces each BatchNorm.)
    """
    rng, c = _check_builder(channels, n_classes, in_channels, batch_norm, rng)
    norm = (lambda c: BatchNorm(c)) if batch_norm else (lambda c: Bias(c))
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
    rng, c = _check_builder(channels, n_classes, in_channels, batch_norm, rng)
    hexagonal = groups.get_rotation_group(group).lattice == "hexagonal"
    frame = group if hexagonal else None
    norm = (lambda c: BatchNorm(c, group=frame)) if batch_norm else (lambda c: Bias(c, group=frame))
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
    rng, c = _check_builder(channels, n_classes, in_channels, batch_norm, rng)
    norm = (lambda c: BatchNorm(c)) if batch_norm else (lambda c: Bias(c))

    def block(c_in):
        return [LiftingConv(c_in, c, group, 3, "same", rng), norm(c), ReLU(), CosetPool("max")]

    return Sequential(*block(in_channels), *block(c), MaxPool(3, 2), *block(c), *block(c),
                      GlobalPool("mean"), Linear(c, n_classes, rng))
