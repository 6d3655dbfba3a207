"""A new group is one entry of the table: the toy group p2 (translations and the half turn R(2)) works everywhere.

The entry below is the only thing written for p2. Everything else - elements,
parameters, membership, inverses, names, the action on images and on functions on p2,
the literal and vectorised lifting and group correlations, the true convolution, the
layers - comes from the table. Exactness: all data are integers, so every residual is
exactly 0.
"""
import itertools

import numpy as np
import pytest

from groupconv import action, correlate, groups, nn
from groupconv.checks import residual

P2 = groups.Group("p2", "square", turn=((-1, 0), (0, -1)), turns=2, layouts={"orbit": (3, (-2, 0))})


@pytest.fixture
def p2(monkeypatch):
    """p2 entered into the table for one test (and removed afterwards)."""
    monkeypatch.setitem(groups.GROUPS, "p2", P2)
    return "p2"


def test_the_table_derives_the_point_groups_in_canonical_order():
    # C4 and D4 from their generators, written out independently: R(r) = [[cos, -sin], [sin, cos]] of r quarter turns
    cos, sin = [1, 0, -1, 0], [0, 1, 0, -1]
    c4 = [np.array([[cos[r], -sin[r]], [sin[r], cos[r]]]) for r in range(4)]
    d4 = c4 + [np.diag([-1, 1]) @ R for R in c4]
    assert np.array_equal(groups.point_group("p4")[:, :2, :2], np.stack(c4))
    assert np.array_equal(groups.point_group("p4m")[:, :2, :2], np.stack(d4))
    assert [groups.order(name) for name in ("T", "p4", "p4m")] == [1, 4, 8]
    assert groups.ROTATION_GROUPS == tuple(n for n in groups.GROUPS if groups.get(n).order > 1)
    with pytest.raises(ValueError, match="group must be one of"):
        groups.get("p5")
    with pytest.raises(ValueError, match="needs a group with turns"):
        groups.get_rotation_group("T")


def test_p2_elements_parameters_and_axioms(p2, rng):
    H = groups.point_group(p2)
    assert np.array_equal(H[:, :2, :2], np.stack([np.eye(2), -np.eye(2)]).astype(np.int64))
    assert groups.get(p2).parameter_names == ("r", "u", "v")
    g = groups.random_elements(p2, 200, rng, max_shift=20)
    assert np.array_equal(groups.element(p2, *groups.parameters(g, p2)), g)
    a, b = g[:100], g[100:]
    assert groups.is_member(a @ b, p2).all() and groups.is_member(groups.inverse(a), p2).all()
    assert np.array_equal(a @ groups.inverse(a), np.broadcast_to(np.eye(3, dtype=np.int64), a.shape))
    assert not groups.is_member(groups.rotation(1), p2).any()  # a quarter turn is not in p2
    assert groups.name(groups.element(p2, 1, 2, -1), p2) == "t(2,-1)·R(1)"
    with pytest.raises(ValueError, match="0..1"):
        groups.element(p2, 2, 0, 0)
    assert np.array_equal(groups.cayley_table(p2), [[0, 1], [1, 0]])


def test_p2_action_is_the_half_turn(p2, rng):
    f = rng.integers(-5, 6, size=(2, 5, 5))
    half_turn = groups.element(p2, 1, 0, 0)
    assert residual(action.transform_image(f, half_turn, group=p2), np.rot90(f, 2, axes=(-2, -1))).exact
    F = rng.integers(-5, 6, size=(3, 2, 5, 5))
    for g in groups.random_elements(p2, 4, rng, max_shift=2):
        assert residual(action.transform_group_function(F, g, p2),
                        action.transform_group_function_literal(F, g, p2)).exact
    # L_g L_h = L_gh on functions on p2
    g, h = groups.random_elements(p2, 2, rng, max_shift=2)
    assert residual(action.transform_group_function(action.transform_group_function(F, h, p2, "wrap"), g, p2, "wrap"),
                    action.transform_group_function(F, g @ h, p2, "wrap")).exact


@pytest.mark.parametrize("mode", ["valid", "same", "full", "circular"])
def test_p2_correlations_literal_equal_vectorised(p2, rng, mode):
    f = rng.integers(-3, 4, size=(2, 2, 6, 6))
    psi = rng.integers(-3, 4, size=(3, 2, 3, 3))
    lifted = correlate.lifting_correlation(f, psi, p2, mode)
    assert lifted.shape[2] == 2
    assert residual(lifted, correlate.lifting_correlation_literal(f, psi, p2, mode)).exact
    F = rng.integers(-3, 4, size=(2, 2, 2, 6, 6))
    Psi = rng.integers(-3, 4, size=(3, 2, 2, 3, 3))
    for form in correlate.FORMS:
        assert residual(correlate.group_correlation(F, Psi, p2, mode),
                        correlate.group_correlation_literal(F, Psi, p2, mode, form)).exact
        assert residual(correlate.group_convolution(F, Psi, p2, mode),
                        correlate.group_convolution_literal(F, Psi, p2, mode, form)).exact


def test_p2_correlations_are_equivariant(p2, rng):
    f = rng.integers(-3, 4, size=(1, 2, 7, 7))
    psi = rng.integers(-3, 4, size=(2, 2, 3, 3))
    F = rng.integers(-3, 4, size=(1, 2, 2, 7, 7))
    Psi = rng.integers(-3, 4, size=(2, 2, 2, 3, 3))
    turns = list(groups.point_group(p2))
    shifts = [groups.element(p2, r, u, v) for r, u, v in itertools.product((0, 1), (-2, 1), (0, 3))]
    for mode, elements, boundary in (("same", turns, "zero"), ("circular", turns + shifts, "wrap")):
        for g in elements:
            assert residual(correlate.lifting_correlation(action.transform_image(f, g, boundary, group=p2), psi, p2, mode),
                            action.transform_group_function(correlate.lifting_correlation(f, psi, p2, mode), g, p2,
                                                            boundary)).exact
            assert residual(correlate.group_correlation(action.transform_group_function(F, g, p2, boundary), Psi, p2,
                                                        mode),
                            action.transform_group_function(correlate.group_correlation(F, Psi, p2, mode), g, p2,
                                                            boundary)).exact


def test_p2_layers_train_and_stay_invariant(p2, rng):
    net = nn.Sequential(nn.LiftingConv(1, 2, p2, 3, "same", rng), nn.ReLU(), nn.GroupConv(2, 2, p2, 3, "same", rng),
                        nn.GlobalPool("mean"), nn.Linear(2, 3, rng))
    x = rng.integers(-3, 4, size=(2, 1, 7, 7)).astype(np.float64)
    half_turn = groups.element(p2, 1, 0, 0)
    turned = action.transform_image(x, half_turn, group=p2)
    assert residual(net(x), net(turned)).within_float_tolerance()
    loss, dlogits = nn.softmax_cross_entropy(net(x, train=True), np.array([0, 2]))
    net.backward(dlogits)
    assert all(layer.grads[name].shape == layer.params[name].shape for layer, name in net.parameters())
