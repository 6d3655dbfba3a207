"""Layers of groupconv/nn.py: gradients against finite differences, equivariance, invariance (N1, P1, P2, B1, I1).

Gradient checks: float64, central differences (f(w + e) - f(w - e)) / 2e with e = 1e-6 on a
few random coordinates of the input and of every parameter, for the loss
sum(layer(x) * R) with a fixed random R. Relative error = |analytic - numeric| /
max(|analytic|, |numeric|, 1e-3 * largest |analytic| of that array), required <= 1e-6
(the floor keeps a coordinate whose true gradient is 0 from dividing round-off by 0).

Equivariance checks compare two independently computed arrays, layer(L_g x) and
L_g layer(x), with groupconv.checks.residual: exact (0.0) where every value is computed
by the same float operations in both (integer-valued data and filters for convolutions,
elementwise maps and max for the rest), float round-off where a sum over floats is taken
in another order.
"""
import numpy as np
import pytest

from groupconv import action, correlate, filter_bank, groups, nn
from groupconv.checks import SEED, residual

GRAD_TOL = 1e-6
EPS = 1e-6


# ---------------------------------------------------------------- helpers

def _rng(extra=0):
    return np.random.default_rng(SEED + extra)


def _relative_errors(analytic, numeric, scale):
    floor = 1e-3 * scale
    return np.abs(analytic - numeric) / np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)


def _gradient_check(forward, backward, x, params, rng, n_coords=5):
    """Worst relative error over a few coordinates of x and of every array in params (a dict)."""
    out = forward(x)
    R = rng.normal(size=out.shape)
    dx = backward(R)
    grads = {"x": dx}
    grads.update({name: g.copy() for name, g in backward.grads().items()})
    arrays = {"x": x}
    arrays.update(params)
    worst = {}
    for name, arr in arrays.items():
        analytic_full = grads[name]
        assert analytic_full.shape == arr.shape, name
        scale = float(np.max(np.abs(analytic_full)))
        assert scale > 0, f"gradient of {name} is identically zero: nothing checked"
        errs = []
        for flat in rng.choice(arr.size, size=min(n_coords, arr.size), replace=False):
            idx = np.unravel_index(flat, arr.shape)
            old = arr[idx]
            arr[idx] = old + EPS
            plus = np.sum(forward(x) * R)
            arr[idx] = old - EPS
            minus = np.sum(forward(x) * R)
            arr[idx] = old
            numeric = (plus - minus) / (2 * EPS)
            errs.append(_relative_errors(analytic_full[idx], numeric, scale))
        worst[name] = float(np.max(errs))
    return worst


class _LayerBackward:
    def __init__(self, layer):
        self.layer = layer

    def __call__(self, dout):
        return self.layer.backward(dout)

    def grads(self):
        return self.layer.grads


def _check_layer(layer, x, train=True, rng=None, reseed=None):
    rng = _rng(1) if rng is None else rng

    def forward(inp):
        if reseed is not None:
            reseed()
        return layer.forward(inp, train=train)

    worst = _gradient_check(forward, _LayerBackward(layer), x, layer.params, rng)
    assert max(worst.values()) <= GRAD_TOL, worst
    return worst


def _int_filter(layer, rng, low=-2, high=2):
    for name, p in layer.params.items():
        layer.params[name] = rng.integers(low, high + 1, size=p.shape).astype(np.float64)


def _move(f, g, group):
    """L_g on a planar map (B, C, H, W) or on a map on G (B, C, |H|, H, W)."""
    if f.ndim == 4:
        return action.transform_image(f, g)
    return action.transform_group_function(f, g, group)


def _group_elements(group):
    return list(groups.point_group(group))


# ---------------------------------------------------------------- gradient checks, every layer

GROUPS = groups.SQUARE_GROUPS  # the square lattice; the hexagonal groups are tested in test_hexagonal.py


def test_gradient_planar_conv():
    for mode in ("same", "valid"):
        layer = nn.PlanarConv(2, 3, 3, mode, rng=_rng())
        _check_layer(layer, _rng(2).normal(size=(2, 2, 6, 6)))


@pytest.mark.parametrize("group", GROUPS)
def test_gradient_lifting_conv(group):
    for mode in ("same", "valid"):
        layer = nn.LiftingConv(2, 2, group, 3, mode, rng=_rng())
        _check_layer(layer, _rng(2).normal(size=(2, 2, 5, 5)))


@pytest.mark.parametrize("group", GROUPS)
def test_gradient_group_conv(group):
    for mode in ("same", "valid"):
        layer = nn.GroupConv(2, 2, group, 3, mode, rng=_rng())
        nH = groups.order(group)
        _check_layer(layer, _rng(2).normal(size=(2, 2, nH, 5, 5)))


def test_gradient_group_conv_even_filter():
    layer = nn.GroupConv(2, 2, "p4", 2, "valid", rng=_rng())
    _check_layer(layer, _rng(2).normal(size=(1, 2, 4, 4, 4)))


@pytest.mark.parametrize("shape", [(2, 3, 4, 5, 5), (2, 3, 5, 5)])
def test_gradient_pointwise_and_bias(shape):
    x = _rng(2).normal(size=shape)
    bias = nn.Bias(3)
    bias.params["b"] = _rng(3).normal(size=3)
    _check_layer(bias, x)
    _check_layer(nn.ReLU(), x)
    _check_layer(nn.Tanh(), x)


@pytest.mark.parametrize("size,stride,n", [(2, 2, 6), (3, 2, 7), (3, 3, 9), (3, 1, 5)])
def test_gradient_max_pool(size, stride, n):
    _check_layer(nn.MaxPool(size, stride), _rng(2).normal(size=(2, 2, 4, n, n)))


@pytest.mark.parametrize("op", ["max", "mean"])
def test_gradient_coset_and_global_pool(op):
    x = _rng(2).normal(size=(2, 3, 8, 4, 4))
    _check_layer(nn.CosetPool(op), x)
    _check_layer(nn.GlobalPool(op), x)
    _check_layer(nn.GlobalPool(op), x[:, :, 0])  # planar maps too


@pytest.mark.parametrize("per_plane", [False, True])
def test_gradient_batch_norm(per_plane):
    x = _rng(2).normal(loc=0.5, scale=2.0, size=(3, 2, 4, 3, 3))
    layer = nn.BatchNorm(2, per_plane=per_plane)
    layer.params["gamma"] = _rng(3).normal(size=2)
    layer.params["beta"] = _rng(4).normal(size=2)
    _check_layer(layer, x, train=True)  # statistics depend on x
    _check_layer(layer, x, train=False)  # running statistics are constants


def test_gradient_dropout_and_linear():
    x = _rng(2).normal(size=(4, 6))
    drop = nn.Dropout(0.3)

    def reseed():  # the same mask in every forward pass of the check
        drop.rng = np.random.default_rng(SEED + 7)

    _check_layer(drop, x, train=True, reseed=reseed)
    _check_layer(nn.Linear(6, 3, rng=_rng()), x)


def test_gradient_softmax_cross_entropy():
    logits = _rng(2).normal(size=(5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    _, d = nn.softmax_cross_entropy(logits, labels)
    rng = _rng(3)
    for _ in range(5):
        i, j = rng.integers(5), rng.integers(4)
        e = np.zeros_like(logits)
        e[i, j] = EPS
        numeric = (nn.softmax_cross_entropy(logits + e, labels)[0] - nn.softmax_cross_entropy(logits - e, labels)[0]) / (2 * EPS)
        assert _relative_errors(d[i, j], numeric, float(np.max(np.abs(d)))) <= GRAD_TOL
    # independent value: -log softmax of a hand example
    loss, _ = nn.softmax_cross_entropy(np.array([[0.0, np.log(3.0)]]), np.array([1]))
    assert abs(loss - np.log(4.0 / 3.0)) <= 1e-15


@pytest.mark.parametrize("group", groups.SQUARE_GROUPS)
def test_gradient_whole_network(group):
    """A small G-CNN with every kind of layer, loss = softmax cross-entropy, all parameters checked."""
    rng = _rng()
    net = nn.Sequential(
        nn.LiftingConv(1, 2, group, 3, "same", rng), nn.BatchNorm(2), nn.ReLU(),
        nn.GroupConv(2, 2, group, 3, "same", rng), nn.Bias(2), nn.Tanh(),
        nn.MaxPool(3, 2),
        nn.GroupConv(2, 3, group, 3, "same", rng), nn.BatchNorm(3), nn.ReLU(),
        nn.GlobalPool("mean"), nn.Linear(3, 4, rng))
    net.layers[4].params["b"] = rng.normal(size=2)
    x = _rng(2).normal(size=(3, 1, 7, 7))
    labels = np.array([0, 3, 1])

    def loss_of(inp):
        return nn.softmax_cross_entropy(net.forward(inp, train=True), labels)[0]

    _, d = nn.softmax_cross_entropy(net.forward(x, train=True), labels)
    dx = net.backward(d)
    arrays = [("x", x, dx)] + [(f"{type(layer).__name__}.{name}", layer.params[name], layer.grads[name].copy())
                                for layer, name in net.parameters()]
    check_rng = _rng(5)
    for name, arr, analytic in arrays:
        scale = float(np.max(np.abs(analytic)))
        assert scale > 0, name
        for flat in check_rng.choice(arr.size, size=min(3, arr.size), replace=False):
            idx = np.unravel_index(flat, arr.shape)
            old = arr[idx]
            arr[idx] = old + EPS
            plus = loss_of(x)
            arr[idx] = old - EPS
            minus = loss_of(x)
            arr[idx] = old
            err = _relative_errors(analytic[idx], (plus - minus) / (2 * EPS), scale)
            assert err <= GRAD_TOL, (name, idx, err)


# ---------------------------------------------------------------- the bank gradient is the adjoint of the expansion

def _fold_literally(dbank, group, on_group):
    """d psi = sum over s in H of L_{s^-1} dbank[:, s], written with the actions of action.py."""
    H = groups.point_group(group)
    if on_group:
        return sum(action.transform_group_function(dbank[:, s], groups.inverse(H[s]), group) for s in range(len(H)))
    return sum(action.transform_image(dbank[:, s], groups.inverse(H[s])) for s in range(len(H)))


@pytest.mark.parametrize("group", GROUPS)
def test_fold_is_the_sum_of_inverse_transforms(group):
    """filter_bank.fold (a scatter-add through the cached index) == sum over s of L_{s^-1} dbank[:, s]."""
    rng = _rng()
    G = groups.get(group)
    nH = G.order
    d_lift = rng.integers(-5, 6, size=(2, nH, 3, 3, 3)).astype(np.float64)
    folded = filter_bank.fold(d_lift, filter_bank.lifting_index(G, 3), 3).reshape(2, 3, 3, 3)
    assert residual(folded, _fold_literally(d_lift, group, on_group=False)).exact
    d_group = rng.integers(-5, 6, size=(2, nH, 3, nH, 3, 3)).astype(np.float64)
    folded = filter_bank.fold(d_group, filter_bank.group_index(G, 3), 3).reshape(2, 3, nH, 3, 3)
    assert residual(folded, _fold_literally(d_group, group, on_group=True)).exact


@pytest.mark.parametrize("group", GROUPS)
def test_fold_is_the_adjoint_of_expand(group):
    """<expand(psi), D> == <psi, fold(D)> for random psi, D: the defining property of an adjoint."""
    rng = _rng()
    G = groups.get(group)
    nH = G.order
    psi = rng.integers(-3, 4, size=(2, 3, nH, 3, 3)).astype(np.float64)
    D = rng.integers(-3, 4, size=(2, nH, 3, nH, 3, 3)).astype(np.float64)
    lhs = np.sum(correlate.expand_group_filter(psi, group) * D)
    rhs = np.sum(psi.reshape(2, -1) * filter_bank.fold(D, filter_bank.group_index(G, 3), 3))
    assert residual(lhs, rhs).exact  # integer sums
    psi = rng.integers(-3, 4, size=(2, 3, 3, 3)).astype(np.float64)
    D = rng.integers(-3, 4, size=(2, nH, 3, 3, 3)).astype(np.float64)
    lhs = np.sum(correlate.expand_lifting_filter(psi, group) * D)
    rhs = np.sum(psi.reshape(2, -1) * filter_bank.fold(D, filter_bank.lifting_index(G, 3), 3))
    assert residual(lhs, rhs).exact


# ---------------------------------------------------------------- equivariance of every layer

@pytest.mark.parametrize("group", GROUPS)
def test_conv_layers_equivariant_exact_with_integer_data(group):
    """L2 and L4 at layer level: exact for integer data and filters (integer sums are exact in float64)."""
    rng = _rng()
    nH = groups.order(group)
    lift = nn.LiftingConv(2, 3, group, 3, "same", rng)
    conv = nn.GroupConv(2, 3, group, 3, "same", rng)
    _int_filter(lift, rng)
    _int_filter(conv, rng)
    x = rng.integers(-3, 4, size=(2, 2, 7, 7)).astype(np.float64)
    xg = rng.integers(-3, 4, size=(2, 2, nH, 7, 7)).astype(np.float64)
    for g in _group_elements(group):
        assert residual(lift.forward(_move(x, g, group)), _move(lift.forward(x), g, group)).exact
        assert residual(conv.forward(_move(xg, g, group)), _move(conv.forward(xg), g, group)).exact


@pytest.mark.parametrize("group", GROUPS)
def test_conv_layers_equivariant_float_round_off(group):
    """With float data the two sides sum the same products in another order: round-off only."""
    rng = _rng()
    nH = groups.order(group)
    conv = nn.GroupConv(2, 3, group, 3, "same", rng)
    xg = rng.normal(size=(2, 2, nH, 7, 7))
    for g in _group_elements(group):
        res = residual(conv.forward(_move(xg, g, group)), _move(conv.forward(xg), g, group))
        assert res.within_float_tolerance()


def test_conv_layers_equivariant_to_translations_circular():
    """Translations (with wrap-around) in circular mode: exact for integer data (C5, L2)."""
    rng = _rng()
    lift = nn.LiftingConv(1, 2, "p4", 3, "circular", rng)
    _int_filter(lift, rng)
    planar = nn.PlanarConv(1, 2, 3, "circular", rng)
    _int_filter(planar, rng)
    x = rng.integers(-3, 4, size=(1, 1, 7, 7)).astype(np.float64)
    g = groups.p4_element(1, 2, -3)
    lhs = lift.forward(action.transform_image(x, g, "wrap"))
    rhs = action.transform_group_function(lift.forward(x), g, "p4", "wrap")
    assert residual(lhs, rhs).exact
    t = groups.translation(2, -3)
    assert residual(planar.forward(action.transform_image(x, t, "wrap")),
                    action.transform_image(planar.forward(x), t, "wrap")).exact


def test_planar_conv_not_rotation_equivariant():
    """C6: a generic planar filter does not commute with a quarter turn (the counterexample)."""
    rng = _rng()
    planar = nn.PlanarConv(1, 2, 3, "same", rng)
    x = rng.normal(size=(1, 1, 7, 7))
    g = groups.rotation(1)
    res = residual(planar.forward(_move(x, g, None)), _move(planar.forward(x), g, None))
    assert not res.within_float_tolerance()


@pytest.mark.parametrize("group", GROUPS)
def test_pointwise_layers_equivariant_exact(group):
    """N1: bias (shared over the group axis), ReLU, tanh commute with L_g exactly, even for float data."""
    rng = _rng()
    nH = groups.order(group)
    x = rng.normal(size=(2, 3, nH, 5, 5))
    bias = nn.Bias(3)
    bias.params["b"] = rng.normal(size=3)
    for layer in (bias, nn.ReLU(), nn.Tanh(), nn.Dropout(0.5)):  # dropout: test mode is the identity
        for g in _group_elements(group):
            assert residual(layer.forward(_move(x, g, group)), _move(layer.forward(x), g, group)).exact


@pytest.mark.parametrize("group", GROUPS)
def test_max_pool_equivariant_on_symmetric_grid(group):
    """P2: window 3, stride 2 on 11 x 11 (grid symmetric about the centre): every s in H, exact."""
    rng = _rng()
    nH = groups.order(group)
    x = rng.normal(size=(2, 2, nH, 11, 11))
    pool = nn.MaxPool(3, 2)
    for g in _group_elements(group):
        assert residual(pool.forward(_move(x, g, group)), _move(pool.forward(x), g, group)).exact


@pytest.mark.parametrize("group", GROUPS)
def test_coset_pool_gives_plain_rotation(group):
    """P1: pooling over the group axis gives a planar map that turns by plain rotation, no channel cycling."""
    rng = _rng()
    nH = groups.order(group)
    x = rng.normal(size=(2, 2, nH, 5, 5))
    xi = rng.integers(-4, 5, size=(2, 2, nH, 5, 5)).astype(np.float64)
    for g in _group_elements(group):
        pool = nn.CosetPool("max")
        assert residual(pool.forward(_move(x, g, group)), action.transform_image(pool.forward(x), g)).exact
        pool = nn.CosetPool("mean")  # exact for integer data; float data: sum in another order
        assert residual(pool.forward(_move(xi, g, group)), action.transform_image(pool.forward(xi), g)).exact
        assert residual(pool.forward(_move(x, g, group)), action.transform_image(pool.forward(x), g)).within_float_tolerance()


@pytest.mark.parametrize("group", GROUPS)
def test_global_pool_invariant(group):
    """I1 for the last pooling: max exact; mean exact for integer data, round-off for float data."""
    rng = _rng()
    nH = groups.order(group)
    x = rng.normal(size=(2, 3, nH, 5, 5))
    xi = rng.integers(-4, 5, size=(2, 3, nH, 5, 5)).astype(np.float64)
    for g in _group_elements(group):
        assert residual(nn.GlobalPool("max").forward(_move(x, g, group)), nn.GlobalPool("max").forward(x)).exact
        assert residual(nn.GlobalPool("mean").forward(_move(xi, g, group)), nn.GlobalPool("mean").forward(xi)).exact
        assert residual(nn.GlobalPool("mean").forward(_move(x, g, group)),
                        nn.GlobalPool("mean").forward(x)).within_float_tolerance()


@pytest.mark.parametrize("group", GROUPS)
def test_batch_norm_shared_statistics_equivariant_per_plane_not(group):
    """B1: shared statistics commute with L_g (exact at test time); per-plane statistics do not."""
    rng = _rng()
    nH = groups.order(group)
    batch = rng.normal(size=(4, 2, nH, 5, 5)) * rng.uniform(0.5, 3.0, size=(1, 1, nH, 1, 1)) \
        + rng.normal(size=(1, 1, nH, 1, 1))  # planes with different scales, as after a trained layer
    x = rng.normal(size=(2, 2, nH, 5, 5))
    shared, per_plane = nn.BatchNorm(2), nn.BatchNorm(2, per_plane=True)
    shared.forward(batch, train=True)
    per_plane.forward(batch, train=True)
    broken = 0.0
    for g in _group_elements(group):
        assert residual(shared.forward(_move(x, g, group)), _move(shared.forward(x), g, group)).exact
        broken = max(broken, residual(per_plane.forward(_move(x, g, group)), _move(per_plane.forward(x), g, group)).value)
    assert broken > 0.1
    # in training mode with statistics of the batch itself, shared stats: equal up to round-off
    for g in _group_elements(group):
        res = residual(shared.forward(_move(batch, g, group), train=True), _move(shared.forward(batch, train=True), g, group))
        assert res.within_float_tolerance()


@pytest.mark.parametrize("per_plane", [False, True])
def test_batch_norm_running_statistics(per_plane):
    """The running statistics are the momentum average of the batch statistics, over the right axes.

    Expected values are taken with np.mean / np.var (biased, as in training) directly on the
    two batches, over batch, space and the group axis (shared) or batch and space (per
    plane): after batch A then batch B, running = (1 - m) stat(A) + m stat(B) with m = 0.1.
    A test-mode pass uses them (checked against the formula) and does not change them.
    """
    rng = _rng()
    scale = rng.uniform(0.5, 3.0, size=(1, 2, 4, 1, 1))  # planes with different statistics
    a = rng.normal(size=(3, 2, 4, 5, 5)) * scale + 1.0
    b = rng.normal(size=(5, 2, 4, 5, 5)) * scale - 2.0
    layer = nn.BatchNorm(2, per_plane=per_plane)
    layer.params["gamma"], layer.params["beta"] = np.array([2.0, 0.5]), np.array([-1.0, 3.0])
    layer.forward(a, train=True)
    layer.forward(b, train=True)
    axes = (0, 3, 4) if per_plane else (0, 2, 3, 4)
    mean = 0.9 * a.mean(axis=axes, keepdims=True) + 0.1 * b.mean(axis=axes, keepdims=True)
    var = 0.9 * a.var(axis=axes, keepdims=True) + 0.1 * b.var(axis=axes, keepdims=True)
    assert residual(layer.buffers["mean"], mean).within_float_tolerance()
    assert residual(layer.buffers["var"], var).within_float_tolerance()
    stored = layer.buffers["mean"].copy(), layer.buffers["var"].copy()
    x = rng.normal(size=(2, 2, 4, 5, 5))
    expected = np.array([2.0, 0.5])[None, :, None, None, None] * (x - mean) / np.sqrt(var + 1e-5) \
        + np.array([-1.0, 3.0])[None, :, None, None, None]
    assert residual(layer.forward(x, train=False), expected).within_float_tolerance()
    assert residual(layer.buffers["mean"], stored[0]).exact and residual(layer.buffers["var"], stored[1]).exact


# ---------------------------------------------------------------- whole networks

def _integer_gcnn(group, rng):
    """A G-CNN without batch norm with integer filters and weights: every value is an exact integer sum."""
    net = nn.gcnn(group, channels=3, batch_norm=False, rng=rng)
    for layer in net.layers:
        _int_filter(layer, rng, -1, 1)
    return net


@pytest.mark.parametrize("group", GROUPS)
def test_whole_network_equivariant_and_invariant(group):
    """L8 and I1: the feature maps before global pooling move with L_s; the logits do not change.

    Integer network and integer input: exact. Trained-style float network with batch norm:
    round-off only.
    """
    rng = _rng()
    x = rng.integers(0, 4, size=(2, 1, 11, 11)).astype(np.float64)
    net = _integer_gcnn(group, rng)
    body = nn.Sequential(*net.layers[:-2])
    for g in _group_elements(group):
        xg = action.transform_image(x, g)
        assert residual(body.forward(xg), _move(body.forward(x), g, group)).exact
        assert residual(net.forward(xg), net.forward(x)).exact
    float_net = nn.gcnn(group, channels=3, rng=rng)
    float_net.forward(rng.normal(size=(8, 1, 11, 11)), train=True)  # running statistics
    xf = rng.normal(size=(2, 1, 11, 11))
    for g in _group_elements(group):
        res = residual(float_net.forward(action.transform_image(xf, g)), float_net.forward(xf))
        assert res.within_float_tolerance()


def test_rotation_pooling_network_invariant():
    rng = _rng()
    net = nn.rotation_pooling_cnn("p4", channels=3, batch_norm=False, rng=rng)
    for layer in net.layers:
        _int_filter(layer, rng, -1, 1)
    x = rng.integers(0, 4, size=(2, 1, 11, 11)).astype(np.float64)
    for r in range(4):
        assert residual(net.forward(np.rot90(x, r, axes=(-2, -1))), net.forward(x)).exact


def test_planar_cnn_logits_change_under_rotation():
    """I1's counterpart: an ordinary CNN's logits do change when the input turns."""
    rng = _rng()
    net = nn.planar_cnn(channels=4, rng=rng)
    net.forward(rng.normal(size=(8, 1, 11, 11)), train=True)
    x = rng.normal(size=(2, 1, 11, 11))
    for r in (1, 2, 3):
        assert not residual(net.forward(np.rot90(x, r, axes=(-2, -1))), net.forward(x)).within_float_tolerance()


# ---------------------------------------------------------------- P2: what survives strided pooling

def _survives(pool, x, g, boundary):
    return residual(pool.forward(action.transform_group_function(x, g, "p4", boundary)),
                    action.transform_group_function(pool.forward(x), _pooled(g, pool), "p4", boundary)).exact


def _pooled(g, pool):
    """The element that should act after pooling: same rotation, shift divided by the stride."""
    m, r, u, v = (int(p) for p in groups.parameters(g, "p4m"))
    return groups.p4_element(r, u // pool.stride, v // pool.stride)


def test_strided_pooling_survival_table():
    """P2: shifts by multiples of the stride survive, others do not; quarter turns survive iff the grid is symmetric."""
    rng = _rng()
    pool = nn.MaxPool(2, 2)
    x = rng.normal(size=(1, 1, 4, 8, 8))
    # wrap-around shifts on an 8 x 8 torus pooled 2/2 to 4 x 4
    assert _survives(pool, x, groups.translation(2, 0), "wrap")
    assert _survives(pool, x, groups.translation(-2, 4), "wrap")
    assert not _survives(pool, x, groups.translation(1, 0), "wrap")
    assert not _survives(pool, x, groups.translation(0, 3), "wrap")
    # quarter turns about the centre: the 2/2 grid on 8 x 8 tiles the frame symmetrically
    for r in range(4):
        assert _survives(pool, x, groups.rotation(r), "zero")
    # window 2, stride 2 on 9 x 9 covers rows 0..7 only: not symmetric, a quarter turn breaks it
    x9 = rng.normal(size=(1, 1, 4, 9, 9))
    assert not _survives(pool, x9, groups.rotation(1), "zero")
    # window 3, stride 2 on 9 x 9: (9 - 3) % 2 == 0, symmetric: quarter turns survive
    assert _survives(nn.MaxPool(3, 2), x9, groups.rotation(1), "zero")
    # window 3, stride 2 on 8 x 8: (8 - 3) % 2 == 1, not symmetric
    assert not _survives(nn.MaxPool(3, 2), x, groups.rotation(1), "zero")


# ---------------------------------------------------------------- init, optimisers, save/load, input checks

@pytest.mark.parametrize("group", (None,) + groups.SQUARE_GROUPS)
def test_he_init_keeps_unit_scale(group):
    """E[relu(conv(x))^2] stays ~ E[x^2] = 1 with fan-in counting the group axis (circular mode: no border zeros)."""
    rng = _rng()
    C = 16
    if group is None:
        layer, x = nn.PlanarConv(C, C, 3, "circular", rng), rng.normal(size=(4, C, 9, 9))
    else:
        nH = groups.order(group)
        layer, x = nn.GroupConv(C, C, group, 3, "circular", rng), rng.normal(size=(2, C, nH, 9, 9))
    second_moment = np.mean(np.maximum(layer.forward(x), 0) ** 2)
    assert 0.75 < second_moment < 1.33, second_moment


@pytest.mark.parametrize("make_opt", [lambda net: nn.SGD(net, lr=0.1, momentum=0.9), lambda net: nn.Adam(net, lr=0.05)])
def test_optimisers_fit_a_tiny_problem(make_opt):
    """Both optimisers drive the training loss of a tiny separable problem far down."""
    rng = _rng()
    x = rng.normal(size=(32, 4))
    labels = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    net = nn.Sequential(nn.Linear(4, 8, rng), nn.Tanh(), nn.Linear(8, 2, rng))
    opt = make_opt(net)
    first = None
    for _ in range(200):
        loss, d = nn.softmax_cross_entropy(net.forward(x, train=True), labels)
        first = loss if first is None else first
        net.backward(d)
        opt.step()
    assert loss < 0.1 * first


def test_save_load_round_trip(tmp_path):
    rng = _rng()
    net = nn.gcnn("p4", channels=2, rng=rng)
    x = rng.normal(size=(3, 1, 11, 11))
    net.forward(x, train=True)
    path = tmp_path / "weights.npz"
    net.save(path)
    other = nn.gcnn("p4", channels=2, rng=_rng(9)).load(path)
    assert residual(other.forward(x), net.forward(x)).exact
    with pytest.raises(ValueError, match="shape"):
        nn.gcnn("p4", channels=3, rng=rng).load(path)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="axes"):
        nn.GroupConv(1, 1, "p4").forward(np.zeros((1, 1, 5, 5)))
    with pytest.raises(TypeError, match="numeric"):
        nn.LiftingConv(1, 1, "p4").forward(np.array([["a"]]))
    with pytest.raises(ValueError, match="labels"):
        nn.softmax_cross_entropy(np.zeros((2, 3)), np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="running statistics"):
        nn.BatchNorm(2).forward(np.zeros((1, 2, 3, 3)))
    with pytest.raises(ValueError, match="op"):
        nn.CosetPool("median")
    x = np.arange(24.0).reshape(1, 2, 3, 4)
    nn.ReLU().forward(x)
    nn.BatchNorm(2).forward(x, train=True)
    assert residual(x, np.arange(24.0).reshape(1, 2, 3, 4)).exact  # inputs are not mutated


