"""The contracts of groupconv/nn.py, as properties: what every layer, optimiser and Sequential.load accepts and refuses.

    backward     dout must have the exact shape of the output of the last forward pass and a
                 numeric dtype (bool, object, strings, masked arrays refused; complex only if
                 the output was complex); the right dout still works and nothing is mutated
    inputs       masked arrays are refused by every layer; complex numbers where the layer
                 orders values (ReLU, max pooling, batch norm, the loss)
    constructors every argument of every layer, builder and optimiser is checked: a bad value
                 raises TypeError or ValueError naming the argument
    optimisers   step() before backward() is a clear error, and no weight moves
    load         every array of the file must be one of the network's, with its exact shape
                 and a real float dtype; damaged files raise ValueError naming the file; a
                 refused file leaves the network exactly as it was
    numbers      the loss of float16 logits is the float64 log-sum-exp; relu'(0) = 0; He
                 initialisation counts the cells of the hexagon

Expected values come from independent references (scipy's logsumexp, cell counts written
out here, the shapes of the arrays the forward pass returned), never from the code under test.
"""
import io
import zipfile

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from scipy.special import logsumexp

from groupconv import groups, limits, nn

SETTINGS = settings(max_examples=60)


# ---------------------------------------------------------------- the layers, each with an input it accepts

def _layer_cases():
    """(label, make layer, input shape, train): every layer class of nn.py, in the configurations that differ."""
    r = np.random.default_rng
    return [
        ("PlanarConv same", lambda: nn.PlanarConv(2, 3, 3, "same", r(0)), (2, 2, 5, 5), False),
        ("PlanarConv valid", lambda: nn.PlanarConv(2, 3, 3, "valid", r(0)), (2, 2, 6, 5), False),
        ("LiftingConv p4", lambda: nn.LiftingConv(2, 3, "p4", 3, "same", r(0)), (2, 2, 5, 5), False),
        ("LiftingConv p6", lambda: nn.LiftingConv(1, 2, "p6", 3, "valid", r(0)), (1, 1, 7, 7), False),
        ("GroupConv p4m", lambda: nn.GroupConv(2, 3, "p4m", 3, "valid", r(0)), (2, 2, 8, 5, 5), False),
        ("GroupConv p6", lambda: nn.GroupConv(1, 2, "p6", 3, "same", r(0)), (1, 1, 6, 5, 5), False),
        ("Bias", lambda: nn.Bias(3), (2, 3, 4, 5), False),
        ("Bias p6", lambda: nn.Bias(3, group="p6"), (2, 3, 6, 5, 5), False),
        ("ReLU", lambda: nn.ReLU(), (2, 3, 4, 5), False),
        ("Tanh", lambda: nn.Tanh(), (3, 4), False),
        ("MaxPool", lambda: nn.MaxPool(2, 2), (2, 3, 4, 6, 6), False),
        ("MaxPool 3/1", lambda: nn.MaxPool(3, 1), (2, 3, 5, 5), False),
        ("CosetPool max", lambda: nn.CosetPool("max"), (2, 3, 4, 5, 5), False),
        ("CosetPool mean", lambda: nn.CosetPool("mean"), (2, 3, 4, 5, 5), False),
        ("GlobalPool mean", lambda: nn.GlobalPool("mean"), (2, 3, 4, 5, 5), False),
        ("GlobalPool max", lambda: nn.GlobalPool("max"), (2, 3, 5, 5), False),
        ("GlobalPool p6", lambda: nn.GlobalPool("mean", group="p6"), (2, 3, 6, 5, 5), False),
        ("BatchNorm train", lambda: nn.BatchNorm(3), (4, 3, 4, 5, 5), True),
        ("BatchNorm test", lambda: nn.BatchNorm(3), (4, 3, 4, 5, 5), False),
        ("BatchNorm per plane", lambda: nn.BatchNorm(3, per_plane=True), (4, 3, 4, 5, 5), True),
        ("BatchNorm p6", lambda: nn.BatchNorm(3, group="p6"), (4, 3, 6, 5, 5), True),
        ("BatchNorm planar", lambda: nn.BatchNorm(3), (4, 3, 5, 5), True),
        ("Dropout train", lambda: nn.Dropout(0.3, rng=r(0)), (4, 5), True),
        ("Dropout test", lambda: nn.Dropout(0.3, rng=r(0)), (4, 5), False),
        ("Linear", lambda: nn.Linear(4, 3, rng=r(0)), (5, 4), False),
    ]


LAYERS = _layer_cases()


def _ready(case):
    """The layer after one forward pass on a random input (batch norm in test mode: running statistics first)."""
    label, make, shape, train = case
    layer = make()
    x = _input(case)
    if isinstance(layer, nn.BatchNorm) and not train:
        layer.forward(x, train=True)
    x_before = x.copy()
    out = layer.forward(x, train=train)
    assert np.array_equal(x, x_before), f"{label}: forward mutated its input"
    return layer, x, np.asarray(out).shape


def _hexagon(n):
    """The n x n mask of the cells with max(|u|, |v|, |u + v|) <= n // 2 (axial coordinates about the centre)."""
    r = n // 2
    u, v = np.meshgrid(np.arange(n) - r, np.arange(n) - r, indexing="ij")
    return np.maximum(np.maximum(np.abs(u), np.abs(v)), np.abs(u + v)) <= r


def _input(case):
    """A random input for the case; on the hexagonal lattice (p6) zero outside the hexagon, as images there are."""
    label, _, shape, _ = case
    x = np.random.default_rng(1).normal(size=shape)
    return np.where(_hexagon(shape[-1]), x, 0.0) if "p6" in label else x


def _wrong_shapes(shape):
    """Shapes a dout could wrongly have: one axis off by one, an axis more or less, size-1 axes that broadcast."""
    n = len(shape)
    axis = st.integers(0, n - 1)
    off_by_one = st.tuples(axis, st.sampled_from([-1, 1])).map(
        lambda a: shape[:a[0]] + (shape[a[0]] + a[1],) + shape[a[0] + 1:])
    extra = st.tuples(st.integers(0, n), st.sampled_from([1, 2, 3])).map(lambda a: shape[:a[0]] + (a[1],) + shape[a[0]:])
    missing = axis.map(lambda a: shape[:a] + shape[a + 1:])
    ones = st.lists(st.booleans(), min_size=n, max_size=n).map(
        lambda keep: tuple(s if k else 1 for s, k in zip(shape, keep)))  # broadcasts against shape
    leading_cut = st.integers(1, n).map(lambda a: shape[a:])  # broadcasts too
    return st.one_of(off_by_one, extra, missing, ones, leading_cut).filter(lambda s: s != shape)


@st.composite
def _layer_and_wrong_dout(draw):
    case = draw(st.sampled_from(LAYERS))
    layer, x, shape = _ready(case)
    return case[0], layer, x, shape, draw(_wrong_shapes(shape))


@SETTINGS
@given(_layer_and_wrong_dout())
def test_every_backward_refuses_a_dout_of_another_shape_and_takes_the_right_one(data):
    label, layer, x, shape, wrong = data
    with pytest.raises(ValueError, match=r"forward output's shape " + re_shape(shape)):
        layer.backward(np.ones(wrong))
    dout = np.random.default_rng(2).normal(size=shape)
    dout_before = dout.copy()
    dx = layer.backward(dout)
    assert np.shape(dx) == x.shape, label
    assert np.array_equal(dout, dout_before), f"{label}: backward mutated dout"
    for name, p in layer.params.items():
        assert layer.grads[name].shape == p.shape, (label, name)


def re_shape(shape):
    """A regular expression for str(shape)."""
    return str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")


@SETTINGS
@given(st.sampled_from(LAYERS), st.sampled_from(["bool", "object", "str", "bytes", "masked", "complex"]))
def test_every_backward_refuses_a_dout_that_is_no_real_numeric_array(case, kind):
    layer, x, shape = _ready(case)
    good = np.ones(shape)
    bad = {"bool": good.astype(bool), "object": good.astype(object), "str": good.astype(str),
           "bytes": good.astype(bytes), "masked": np.ma.masked_array(good, mask=good == 0),
           "complex": good + 1j}[kind]  # every output here is real: a complex dout fits none
    with pytest.raises(TypeError, match="dout"):
        layer.backward(bad)
    layer.backward(good.astype(np.int64))  # integers are numbers


@SETTINGS
@given(st.sampled_from(LAYERS), st.booleans())
def test_every_layer_refuses_a_masked_input(case, train):
    label, make, shape, _ = case
    layer = make()
    x = _input(case)
    masked = np.ma.masked_array(x, mask=np.random.default_rng(2).random(shape) < 0.3)
    with pytest.raises(TypeError, match="masked"):
        layer.forward(masked, train=train)
    with pytest.raises(RuntimeError, match="forward pass first"):  # a refused forward pass leaves nothing to differentiate
        layer.backward(np.ones(shape))


def test_a_backward_after_a_refused_forward_pass_does_not_use_the_earlier_one():
    layer = nn.ReLU()
    layer.forward(np.ones((2, 3)))
    with pytest.raises(TypeError):
        layer.forward(np.ma.masked_array(np.ones((2, 3))))
    with pytest.raises(RuntimeError, match="forward pass first"):
        layer.backward(np.ones((2, 3)))


ORDERED = [("ReLU", nn.ReLU, (2, 3, 4, 4)), ("MaxPool", lambda: nn.MaxPool(2, 2), (2, 3, 4, 4)),
           ("CosetPool max", lambda: nn.CosetPool("max"), (2, 3, 4, 4, 4)),
           ("GlobalPool max", lambda: nn.GlobalPool("max"), (2, 3, 4, 4)),
           ("BatchNorm", lambda: nn.BatchNorm(3), (2, 3, 4, 4))]


@SETTINGS
@given(st.sampled_from(ORDERED), st.booleans(), st.floats(-3, 3), st.floats(-3, 3).filter(lambda v: v != 0))
def test_layers_that_order_values_refuse_complex_numbers(case, train, re, im):
    """max and x > 0 on complex numbers would order them lexicographically; batch norm would drop the imaginary part."""
    label, make, shape = case
    z = np.random.default_rng(1).normal(size=shape) * re + 1j * im
    with pytest.raises(TypeError, match="complex"):
        make().forward(z, train=train)


@SETTINGS
@given(st.integers(1, 4), st.integers(2, 5), st.floats(-3, 3).filter(lambda v: v != 0))
def test_the_loss_refuses_complex_and_masked_logits(B, n, im):
    logits = np.random.default_rng(1).normal(size=(B, n))
    labels = np.zeros(B, np.int64)
    with pytest.raises(TypeError, match="complex"):
        nn.softmax_cross_entropy(logits + 1j * im, labels)
    with pytest.raises(TypeError, match="masked"):
        nn.softmax_cross_entropy(np.ma.masked_array(logits, mask=logits > 0), labels)
    with pytest.raises(TypeError, match="masked"):
        nn.softmax_cross_entropy(logits, np.ma.masked_array(labels))


# ---------------------------------------------------------------- numbers: the loss, relu'(0), He initialisation

@SETTINGS
@given(st.integers(1, 6), st.integers(2, 8), st.floats(1.0, 65504.0), st.data())
def test_the_loss_of_float16_logits_is_the_float64_log_sum_exp(B, n, spread, data):
    """Any finite float16 logits: the loss is finite and equals scipy's logsumexp in float64 (independent)."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    logits = np.clip(rng.uniform(-spread, spread, size=(B, n)), -65504, 65504).astype(np.float16)
    labels = rng.integers(0, n, size=B)
    loss, d = nn.softmax_cross_entropy(logits, labels)
    wide = logits.astype(np.float64)
    expected = np.mean(logsumexp(wide, axis=1) - wide[np.arange(B), labels])
    assert np.isfinite(loss) and abs(loss - expected) <= 1e-12 * max(1.0, abs(expected))
    p = np.exp(wide - logsumexp(wide, axis=1, keepdims=True))
    p[np.arange(B), labels] -= 1
    assert np.isfinite(d).all() and np.abs(d - p / B).max() <= 1e-12


@SETTINGS
@given(st.lists(st.sampled_from([0.0, -0.0, 1.5, -2.0, 1e-300, -1e-300]), min_size=1, max_size=30))
def test_relu_derivative_is_exactly_zero_at_zero(values):
    """The convention (as in PyTorch): relu'(x) = 1 for x > 0 and 0 for x <= 0, including x = 0 and x = -0."""
    x = np.array(values)
    layer = nn.ReLU()
    layer.forward(x)
    dx = layer.backward(np.full(x.shape, 3.0))
    assert np.array_equal(dx, np.where(x > 0, 3.0, 0.0)) and not np.signbit(dx[x == 0]).any()


def _hexagon_cells(k):
    """The cells (u, v) of a k x k array with max(|u|, |v|, |u + v|) <= k // 2, counted one by one."""
    r = k // 2
    return sum(1 for u in range(-r, r + 1) for v in range(-r, r + 1) if max(abs(u), abs(v), abs(u + v)) <= r)


@settings(max_examples=12)
@given(st.sampled_from(["p6", "p6m"]), st.sampled_from([1, 3, 5, 7]), st.integers(1, 4), st.booleans())
def test_he_initialisation_counts_the_cells_of_the_hexagon(group, k, c_in, lifting):
    """Var(psi) = 2 / fan_in with fan_in = C_in (|H|) (cells of the hexagon), not C_in (|H|) k^2; zero off the hexagon."""
    nH = groups.order(group)
    cells = _hexagon_cells(k)
    assert cells == 3 * (k // 2) ** 2 + 3 * (k // 2) + 1
    fan_in = c_in * cells * (1 if lifting else nH)
    c_out = max(1, 40000 // (c_in * cells * (1 if lifting else nH)))
    rng = np.random.default_rng(7)
    layer = nn.LiftingConv(c_in, c_out, group, k, "valid", rng) if lifting else nn.GroupConv(c_in, c_out, group, k, "valid", rng)
    psi = layer.params["psi"]
    on = _hexagon(k)
    assert not psi[..., ~on].any()
    w = psi[..., on]
    ratio = np.mean(w ** 2) * fan_in / 2.0  # mean 0 by construction of the normal draw: E[w^2] = Var(w)
    assert abs(ratio - 1) < 5 * np.sqrt(2.0 / w.size), (ratio, w.size)  # 5 standard errors of a sample variance


# ---------------------------------------------------------------- constructors

COUNTS = [True, False, 2.5, 0, -1, "3", None, np.float64(3.0)]
PROBABILITY = [-0.1, 1.0, 1.5, float("nan"), float("inf"), True, "0.5", None]
BN_MOMENTUM = [0.0, -0.1, 1.5, 5, float("nan"), float("inf"), True, "0.1", None]
POSITIVE = [0, 0.0, -1e-5, float("nan"), float("inf"), True, "1e-5", None]
FLAGS = ["yes", 1, 0, None, np.array(True)]
OPS = ["median", "MAX", 5, None, ["max"]]
MODES = ["SAME", 3, None]
RNGS = [5, "seed", np.random.RandomState(0)]
CONV_GROUPS = ["P4", 5, None, "T"]
LAYER_GROUPS = ["P4", 5]

CONSTRUCTORS = {
    "PlanarConv": (nn.PlanarConv, dict(c_in=1, c_out=2, k=3, mode="same", rng=None),
                   dict(c_in=COUNTS, c_out=COUNTS, k=COUNTS, mode=MODES, rng=RNGS)),
    "LiftingConv": (nn.LiftingConv, dict(c_in=1, c_out=2, group="p4", k=3, mode="same", rng=None),
                    dict(c_in=COUNTS, c_out=COUNTS, group=CONV_GROUPS, k=COUNTS, mode=MODES, rng=RNGS)),
    "GroupConv": (nn.GroupConv, dict(c_in=1, c_out=2, group="p6", k=3, mode="same", rng=None),
                  dict(c_in=COUNTS, c_out=COUNTS, group=CONV_GROUPS, k=COUNTS, mode=MODES, rng=RNGS)),
    "Bias": (nn.Bias, dict(channels=2, group=None), dict(channels=COUNTS, group=LAYER_GROUPS)),
    "MaxPool": (nn.MaxPool, dict(size=3, stride=2), dict(size=COUNTS, stride=COUNTS)),
    "CosetPool": (nn.CosetPool, dict(op="max"), dict(op=OPS)),
    "GlobalPool": (nn.GlobalPool, dict(op="mean", group=None), dict(op=OPS, group=LAYER_GROUPS)),
    "BatchNorm": (nn.BatchNorm, dict(channels=2, per_plane=False, momentum=0.1, eps=1e-5, group=None),
                  dict(channels=COUNTS, per_plane=FLAGS, momentum=BN_MOMENTUM, eps=POSITIVE, group=LAYER_GROUPS)),
    "Dropout": (nn.Dropout, dict(p=0.5, rng=None), dict(p=PROBABILITY, rng=RNGS)),
    "Linear": (nn.Linear, dict(d_in=3, d_out=2, rng=None), dict(d_in=COUNTS, d_out=COUNTS, rng=RNGS)),
    "planar_cnn": (nn.planar_cnn, dict(channels=2, n_classes=3, in_channels=1, batch_norm=True, rng=None),
                   dict(channels=COUNTS, n_classes=COUNTS, in_channels=COUNTS, batch_norm=FLAGS, rng=RNGS)),
    "gcnn": (nn.gcnn, dict(group="p4", channels=2, n_classes=3, in_channels=1, batch_norm=True, rng=None),
             dict(group=CONV_GROUPS, channels=COUNTS, n_classes=COUNTS, in_channels=COUNTS, batch_norm=FLAGS, rng=RNGS)),
    "rotation_pooling_cnn": (nn.rotation_pooling_cnn,
                             dict(group="p4", channels=2, n_classes=3, in_channels=1, batch_norm=False, rng=None),
                             dict(group=CONV_GROUPS, channels=COUNTS, batch_norm=FLAGS, rng=RNGS)),
}
BAD_ARGUMENTS = [(name, arg, i) for name, (_, _, bad) in CONSTRUCTORS.items() for arg, values in bad.items()
                 for i in range(len(values))]


@pytest.mark.parametrize("name", list(CONSTRUCTORS))
def test_the_valid_arguments_of_the_table_construct(name):
    make, good, _ = CONSTRUCTORS[name]
    make(**good)


@pytest.mark.parametrize("name,arg,i", BAD_ARGUMENTS, ids=[f"{n}-{a}-{i}" for n, a, i in BAD_ARGUMENTS])
def test_every_constructor_refuses_every_bad_argument_naming_it(name, arg, i):
    """The whole table: every constructor, every argument, every bad value of its kind."""
    make, good, bad = CONSTRUCTORS[name]
    value = bad[arg][i]
    with pytest.raises((TypeError, ValueError), match=arg):
        make(**{**good, arg: value})


def test_batch_norm_momentum_in_range_keeps_the_running_variance_non_negative():
    """The momentum average (1 - m) var + m batch_var of non-negative numbers is non-negative for m in (0, 1]."""
    rng = np.random.default_rng(3)
    for m in (1e-3, 0.5, 1.0):
        layer = nn.BatchNorm(2, momentum=m)
        for scale in (5.0, 0.1, 2.0):
            layer.forward(rng.normal(size=(4, 2, 3, 3)) * scale, train=True)
        assert (layer.buffers["var"] >= 0).all()


@pytest.mark.parametrize("make", [lambda n: nn.Linear(n, n), lambda n: nn.PlanarConv(n, n, 3),
                                  lambda n: nn.LiftingConv(n, n, "p4"), lambda n: nn.GroupConv(n, n, "p4m"),
                                  lambda n: nn.GroupConv(2, 2, "p6", n | 1), lambda n: nn.Bias(n * n),
                                  lambda n: nn.BatchNorm(n * n)])
@pytest.mark.parametrize("n", [10**5, 10**9])
def test_huge_parameter_arrays_raise_before_allocating(make, n):
    with pytest.raises(ValueError, match="GiB"):
        make(n)


def test_the_allocation_bound_is_the_limits_module_s():
    old = limits.set_max_array_bytes(1000)
    try:
        with pytest.raises(ValueError, match="GiB"):
            nn.Linear(20, 20)  # 3200 bytes
        nn.Linear(5, 5)
        with pytest.raises(ValueError, match="MaxPool"):  # the windows a stride-1 pool would copy
            nn.MaxPool(3, 1).forward(np.ones((1, 1, 8, 8)))
    finally:
        limits.set_max_array_bytes(old)


# ---------------------------------------------------------------- optimisers

def _mlp(rng):
    return nn.Sequential(nn.Linear(3, 4, rng), nn.Tanh(), nn.Linear(4, 2, rng))


OPTIMISERS = {"SGD": (nn.SGD, dict(lr=0.05, momentum=0.9, weight_decay=0.0),
                      dict(lr=POSITIVE, momentum=[-0.1, 1.0, float("nan"), True, "0.9", None],
                           weight_decay=[-1e-3, float("nan"), float("inf"), True, "0", None])),
              "Adam": (nn.Adam, dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0),
                       dict(lr=POSITIVE, betas=[(1.0, 0.9), (0.9, -0.1), (float("nan"), 0.9), 0.9, (0.9,),
                                                (0.9, 0.99, 0.9), "ab", (True, 0.9), None],
                            eps=POSITIVE, weight_decay=[-1e-3, float("nan"), float("inf"), True]))}
BAD_HYPERPARAMETERS = [(name, arg, i) for name, (_, _, bad) in OPTIMISERS.items() for arg, values in bad.items()
                       for i in range(len(values))]


@pytest.mark.parametrize("name,arg,i", BAD_HYPERPARAMETERS, ids=[f"{n}-{a}-{i}" for n, a, i in BAD_HYPERPARAMETERS])
def test_optimisers_refuse_every_bad_hyperparameter_naming_it(name, arg, i):
    make, good, bad = OPTIMISERS[name]
    net = _mlp(np.random.default_rng(0))
    with pytest.raises((TypeError, ValueError), match=arg):
        make(net, **{**good, arg: bad[arg][i]})
    make(net, **good)


@pytest.mark.parametrize("name", list(OPTIMISERS))
def test_optimisers_refuse_something_that_is_no_network(name):
    make, good, _ = OPTIMISERS[name]
    for net in ("net", None, [nn.Linear(2, 2)]):
        with pytest.raises(TypeError, match="net"):
            make(net, **good)


@SETTINGS
@given(st.sampled_from(list(OPTIMISERS)), st.integers(0, 2), st.integers(0, 3))
def test_step_before_backward_is_a_clear_error_and_moves_no_weight(name, n_trained, missing_layer):
    """No gradient at all: RuntimeError saying to call backward first. Some layers without: ValueError naming one."""
    make, good, _ = OPTIMISERS[name]
    rng = np.random.default_rng(0)
    net = _mlp(rng)
    opt = make(net, **good)
    for _ in range(n_trained):  # some ordinary steps first
        net.forward(rng.normal(size=(5, 3)), train=True)
        net.backward(rng.normal(size=(5, 2)))
        opt.step()
    if n_trained:
        missing = [layer for layer in net.layers if layer.params][missing_layer % 2]
        missing.grads.clear()
    else:
        for layer in net.layers:
            layer.grads.clear()
    before = {k: v.copy() for k, v in net.state().items()}
    opt_before = _optimiser_state(opt)
    if n_trained:
        with pytest.raises(ValueError, match=r"Linear.*no gradient"):
            opt.step()
    else:
        with pytest.raises(RuntimeError, match=r"backward"):
            opt.step()
    assert all(np.array_equal(v, net.state()[k]) for k, v in before.items())
    after = _optimiser_state(opt)
    assert after.keys() == opt_before.keys() and all(np.array_equal(after[k], opt_before[k]) for k in after)


def _optimiser_state(opt):
    """Every number an optimiser keeps between steps (SGD's velocities; Adam's moments and step count), copied."""
    out = {("t",): np.array(opt.t)} if hasattr(opt, "t") else {}
    for attr in ("velocity", "m", "v"):
        for key, value in getattr(opt, attr, {}).items():
            out[(attr,) + key] = np.array(value, copy=True)
    return out


@pytest.mark.parametrize("name", list(OPTIMISERS))
def test_optimisers_refuse_gradients_that_do_not_fit_their_parameter(name):
    make, good, _ = OPTIMISERS[name]
    net = _mlp(np.random.default_rng(0))
    for layer in net.layers:
        layer.grads.update({k: np.zeros_like(v) for k, v in layer.params.items()})
    opt = make(net, **good)
    net.layers[0].grads["W"] = np.zeros((3, 5))
    with pytest.raises(ValueError, match=r"shape \(3, 4\)"):
        opt.step()
    net.layers[0].grads["W"] = np.zeros((3, 4), complex)
    with pytest.raises(TypeError, match="real"):
        opt.step()


# ---------------------------------------------------------------- Sequential.load

def _net(seed=0, per_plane_second=True):
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.LiftingConv(1, 2, "p4", 3, "same", rng), nn.BatchNorm(2), nn.ReLU(),
                         nn.GroupConv(2, 2, "p4", 3, "same", rng), nn.BatchNorm(2, per_plane=per_plane_second),
                         nn.GlobalPool("mean"), nn.Linear(2, 3, rng))


def _trained(net):
    net.forward(np.random.default_rng(5).normal(size=(3, 1, 5, 5)), train=True)
    return net


def _snapshot(net):
    return {f"{i}.{n}": (None if v is None else v.copy()) for i, layer in enumerate(net.layers)
            for n, v in list(layer.params.items()) + list(layer.buffers.items())}


def _same(a, b):
    return a.keys() == b.keys() and all(
        (a[k] is None and b[k] is None) or (a[k] is not None and b[k] is not None and a[k].dtype == b[k].dtype
                                            and np.array_equal(a[k], b[k])) for k in a)


def _saved(state):
    buf = io.BytesIO()
    np.savez(buf, **state)
    return buf.getvalue()


def _file(tmp_path, data, name="weights.npz"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@st.composite
def _bad_state(draw):
    """A state that does not fit _net(): one array changed in shape or dtype, one missing, or one too many."""
    state = _trained(_net(1, per_plane_second=draw(st.booleans()))).state()
    key = draw(st.sampled_from(sorted(state)))
    change = draw(st.sampled_from(["shape", "dtype", "missing", "extra", "lone buffer"]))
    value = state[key]
    if change == "shape":
        shape = draw(_wrong_shapes(value.shape))
        state[key] = np.ones(shape)
    elif change == "dtype":
        dtype = draw(st.sampled_from([np.complex128, np.int64, np.int8, bool, object, "U3"]))
        state[key] = value.astype(dtype)
    elif change == "missing":
        assume(not key.endswith((".mean", ".var")))  # the two statistics may be missing together (tested below)
        del state[key]
    elif change == "extra":
        key = draw(st.sampled_from(["7.W", "7.b", "2.w", "0.phi", "1.running", "x"]))
        state[key] = np.ones(2)
    else:  # one running statistic without the other: the missing one is named
        key = draw(st.sampled_from(["1.mean", "1.var", "4.mean", "4.var"]))
        del state[key]
    return key, state


@SETTINGS
@given(_bad_state(), st.booleans())
def test_load_refuses_any_array_that_does_not_fit_and_changes_nothing(tmp_path_factory, bad, target_trained):
    key, state = bad
    path = _file(tmp_path_factory.mktemp("load"), _saved(state))
    net = _trained(_net(2)) if target_trained else _net(2)  # untrained: batch norm has no statistics yet
    before = _snapshot(net)
    with pytest.raises(ValueError, match=key.replace(".", r"\.")) as info:
        net.load(path)
    assert str(path) in str(info.value)
    assert _same(before, _snapshot(net))


@pytest.mark.parametrize("target_trained", [False, True])
def test_per_plane_statistics_do_not_load_into_a_shared_batch_norm(tmp_path, target_trained):
    path = tmp_path / "w.npz"
    _trained(_net(1, per_plane_second=True)).save(path)
    net = _net(2, per_plane_second=False)
    net = _trained(net) if target_trained else net
    before = _snapshot(net)
    with pytest.raises(ValueError, match=r"4\.mean"):
        net.load(path)
    assert _same(before, _snapshot(net))


@SETTINGS
@given(st.booleans(), st.booleans(), st.sampled_from([np.float64, np.float32, np.float16]))
def test_load_round_trip_restores_exactly_the_saved_state(tmp_path_factory, source_trained, target_trained, dtype):
    """What save wrote, load reads back: parameters, and statistics present or absent (float32 files too)."""
    source = _trained(_net(1)) if source_trained else _net(1)
    state = {k: v.astype(dtype) for k, v in source.state().items()}
    path = _file(tmp_path_factory.mktemp("load"), _saved(state))
    target = _trained(_net(2)) if target_trained else _net(2)
    assert target.load(path) is target
    expected = {f"{i}.{n}": (None if f"{i}.{n}" not in state else state[f"{i}.{n}"].astype(np.float64))
                for i, layer in enumerate(target.layers) for n in list(layer.params) + list(layer.buffers)}
    assert _same(_snapshot(target), expected)


@SETTINGS
@given(st.data())
def test_load_turns_a_truncated_file_into_a_value_error_naming_it(tmp_path_factory, data):
    whole = _saved(_trained(_net(1)).state())
    cut = data.draw(st.integers(0, len(whole) - 1))
    path = _file(tmp_path_factory.mktemp("load"), whole[:cut])
    net = _net(2)
    before = _snapshot(net)
    with pytest.raises(ValueError, match="weights.npz"):
        net.load(path)
    assert _same(before, _snapshot(net))


@settings(max_examples=150)
@given(st.data())
def test_load_of_a_file_with_one_damaged_byte_loads_it_exactly_or_names_the_file(tmp_path_factory, data):
    """Every byte of the file changed in turn: ValueError naming the file, or (a byte nothing reads) the saved state."""
    source = _trained(_net(1))
    whole = bytearray(_saved(source.state()))
    n = len(whole)
    i = data.draw(st.one_of(st.integers(0, n - 1), st.integers(n - 400, n - 1)))  # anywhere; the zip directory
    whole[i] ^= data.draw(st.integers(1, 255))
    path = _file(tmp_path_factory.mktemp("load"), bytes(whole))
    net = _net(2)
    before = _snapshot(net)
    try:
        net.load(path)
    except ValueError as e:
        assert "weights.npz" in str(e)
        assert _same(before, _snapshot(net))
    else:
        assert _same(_snapshot(net), _snapshot(source))


@pytest.mark.parametrize("content", [b"", b"not a zip file", None])
def test_load_refuses_files_that_are_no_saved_network(tmp_path, content):
    if content is None:  # a plain .npy file: np.load would hand back an array
        buf = io.BytesIO()
        np.save(buf, np.ones(3))
        content = buf.getvalue()
    path = _file(tmp_path, content)
    with pytest.raises(ValueError, match="weights.npz"):
        _net(2).load(path)


def test_load_refuses_a_huge_array_from_its_header_before_reading_it(tmp_path):
    """A header that promises 10**12 numbers is refused by its shape; nothing of that size is allocated."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for key, value in _net(1).state().items():
            with archive.open(key + ".npy", "w") as f:
                np.lib.format.write_array(f, value)
        with archive.open("4.mean.npy", "w") as f:
            np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False,
                                                     "shape": (1, 2, 10**12, 1, 1)})
        with archive.open("4.var.npy", "w") as f:
            np.lib.format.write_array(f, np.ones((1, 2, 4, 1, 1)))
    path = _file(tmp_path, buf.getvalue())
    with pytest.raises(ValueError, match=r"4\.mean"):
        _net(2).load(path)


def _archive(members):
    """An .npz-like archive in memory holding {member name: array}."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for member, value in members.items():
            with archive.open(member, "w") as f:
                np.lib.format.write_array(f, value)
    buf.seek(0)
    return buf


def test_load_takes_the_layer_indices_save_writes_only():
    """"00.b" or a superscript digit is no layer index (int() and str.isdigit take them); "0.b" with "00.b" is
    no file save writes. The network is left unchanged; the canonical file loads."""
    for members in ({"00.b.npy": np.ones(2)}, {"\u00b2.b.npy": np.ones(2)},
                    {"0.b.npy": np.ones(2), "00.b.npy": np.ones(2)}):
        net = nn.Sequential(nn.Bias(2))
        with pytest.raises(ValueError, match="not an array of this network"):
            net.load(_archive(members))
        assert not net.layers[0].params["b"].any()
    net = nn.Sequential(nn.Bias(2)).load(_archive({"0.b.npy": np.array([1.0, 2.0])}))
    assert net.layers[0].params["b"].tolist() == [1.0, 2.0]
    for bad in (None, 3, b"weights.npz"):
        with pytest.raises(TypeError, match="file path"):
            nn.Sequential(nn.Bias(2)).load(bad)


def test_sequential_takes_layers_only():
    with pytest.raises(TypeError, match="layer"):
        nn.Sequential(nn.ReLU(), np.tanh)


# ---------------------------------------------------------------- two edge cases found by mutation testing

@settings(max_examples=40)
@given(rows=st.integers(2, 9), cols=st.integers(2, 9), size=st.integers(1, 3), stride=st.integers(1, 3),
       seed=st.integers(0, 2**32 - 1))
def test_max_pool_backward_routes_each_gradient_to_its_window_maximum_on_any_frame(rows, cols, size, stride, seed):
    """Non-square frames included: dx[..., i, j] sums dout over the windows whose (first) maximum is at (i, j)."""
    if size > rows or size > cols:
        return
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, size=(2, 3, rows, cols)).astype(float)  # small integers: ties, resolved to the first
    pool = nn.MaxPool(size, stride)
    out = pool.forward(x)
    dout = rng.integers(-5, 6, size=out.shape).astype(float)
    expected = np.zeros_like(x)
    for b in range(2):
        for c in range(3):
            for i in range(out.shape[-2]):
                for j in range(out.shape[-1]):
                    window = x[b, c, i * stride:i * stride + size, j * stride:j * stride + size]
                    a, a2 = np.unravel_index(np.argmax(window), window.shape)  # the first maximum, row by row
                    assert out[b, c, i, j] == window[a, a2]
                    expected[b, c, i * stride + a, j * stride + a2] += dout[b, c, i, j]
    assert np.array_equal(pool.backward(dout), expected)  # exact: sums of small integers


def test_batch_norm_refuses_a_batch_whose_variance_overflows():
    """Every value finite, the mean finite (0), the variance infinite: no statistics are kept, and a clear error."""
    bn = nn.BatchNorm(1)
    x = np.array([1e308, -1e308, 1e308, -1e308]).reshape(4, 1, 1, 1)
    with pytest.raises(ValueError, match="infinite"):
        bn.forward(x, train=True)
    assert bn.buffers["mean"] is None and bn.buffers["var"] is None
