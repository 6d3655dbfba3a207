"""The hexagonal groups p6 and p6m: the same exact theory on a second lattice (docs/equations.md X1-X6).

Integer data throughout, so every equivariance residual and every literal-vs-vectorised
comparison is exactly 0. Independent references: the Cartesian 60-degree rotation of
the cells' plot positions (floats), the hexagonal distance, brute-force sums.
"""
import itertools

import numpy as np
import pytest

from groupconv import action, correlate, filter_bank, groups, images, lattices, nn
from groupconv.checks import FLOAT_TOL, residual

HEX = groups.HEXAGONAL_GROUPS
HEXAGONAL = lattices.get("hexagonal")


def hex_data(rng, shape, low=-3, high=3):
    """Random integers on the hexagon of the last two axes, 0 outside it."""
    return images.on_hexagon(rng.integers(low, high + 1, size=shape))


def rotation_60(r):
    a = np.pi / 3 * r
    return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])


# ---------------------------------------------------------------- X1: the groups

def test_the_60_degree_turn_is_an_integer_matrix_only_in_the_lattice_basis():
    B = np.array([[1.0, 0.5], [0.0, np.sqrt(3) / 2]])  # columns b1, b2 (plot coordinates)
    R = groups.point_group("p6")[1, :2, :2]
    assert np.array_equal(R, [[0, -1], [1, 1]])
    assert residual(B @ R @ np.linalg.inv(B), rotation_60(1)).within_float_tolerance()  # the same turn
    cartesian = rotation_60(1)
    assert not np.allclose(cartesian, np.round(cartesian))  # entries 1/2 and sqrt(3)/2: no integer matrix
    M = groups.point_group("p6m")[6, :2, :2]
    assert residual(B @ M @ np.linalg.inv(B), np.diag([1.0, -1.0])).within_float_tolerance()  # mirror in b1's axis


@pytest.mark.parametrize("group", HEX)
def test_point_group_axioms_exhaustively(group):
    H = groups.point_group(group)
    n = len(H)
    assert n == {"p6": 6, "p6m": 12}[group]
    products = H[:, None] @ H[None, :]
    hits = np.all(products[:, :, None] == H[None, None], axis=(-2, -1)).sum(-1)
    assert (hits == 1).all()  # closure: each product is exactly one element
    a, b, c = H[:, None, None], H[None, :, None], H[None, None, :]
    assert np.array_equal((a @ b) @ c, a @ (b @ c))
    e = np.eye(3, dtype=np.int64)
    assert np.array_equal(H[0], e)
    assert all(sum(np.array_equal(x @ y, e) and np.array_equal(y @ x, e) for y in H) == 1 for x in H)
    assert np.array_equal(np.linalg.matrix_power(H[1], 6), e) and not np.array_equal(np.linalg.matrix_power(H[1], 3), e)
    commute = np.all(H[:, None] @ H[None] == H[None] @ H[:, None], axis=(-2, -1))
    assert commute.all() == (group == "p6")  # C6 is commutative, D6 is not


@pytest.mark.parametrize("group", HEX)
def test_sampled_axioms_and_parameters(group, rng):
    a, b = (groups.random_elements(group, 300, rng, max_shift=40) for _ in range(2))
    assert groups.is_member(a @ b, group).all() and groups.is_member(groups.inverse(a), group).all()
    assert np.array_equal(a @ groups.inverse(a), np.broadcast_to(np.eye(3, dtype=np.int64), a.shape))
    assert np.array_equal(groups.inverse(a @ b), groups.inverse(b) @ groups.inverse(a))
    assert np.array_equal(groups.element(group, *groups.parameters(a, group)), a)
    assert not groups.is_member(groups.rotation(1), group).any()  # a quarter turn is no motion of this lattice
    assert groups.name(groups.element("p6m", 1, 2, 3, -1), "p6m") == "t(3,-1)·M·R(2)"


def test_the_point_group_preserves_hexagonal_distance():
    u, v = np.meshgrid(np.arange(-5, 6), np.arange(-5, 6), indexing="ij")
    d = lattices.hexagonal_distance(u, v)
    for s in groups.point_group("p6m"):
        su, sv = s[0, 0] * u + s[0, 1] * v, s[1, 0] * u + s[1, 1] * v
        assert np.array_equal(lattices.hexagonal_distance(su, sv), d)


# ---------------------------------------------------------------- the frame and the periodic hexagon

@pytest.mark.parametrize("n", [1, 3, 5, 7, 9])
def test_hexagon_sizes_and_its_periodic_tiling(n):
    r = n // 2
    mask = HEXAGONAL.frame_mask(n, n)
    assert mask.sum() == 3 * r * r + 3 * r + 1
    a1, a2 = HEXAGONAL.periods(n)
    i, j = np.meshgrid(np.arange(-2 * n, 3 * n), np.arange(-2 * n, 3 * n), indexing="ij")
    wa, wb = HEXAGONAL.wrap(i, j, n, n)
    assert mask[wa, wb].all()  # every point lands on a cell of the hexagon
    for shift in (a1, a2, a1 - a2):  # ... and the same cell after any period
        sa, sb = HEXAGONAL.wrap(i + shift[0], j + shift[1], n, n)
        assert np.array_equal(sa, wa) and np.array_equal(sb, wb)
    fi, fj = np.nonzero(mask)
    assert np.array_equal(HEXAGONAL.wrap(fi, fj, n, n)[0], fi)  # a cell of the hexagon stands for itself
    R = groups.point_group("p6")[1, :2, :2]
    assert np.array_equal(R @ a1, a2) and np.array_equal(R @ a2, a2 - a1)  # the periods turn into periods
    if r >= 1:  # ... but the mirror image of a1 is no period: the periodic hexagon is chiral
        M = groups.point_group("p6m")[6, :2, :2]
        coeff = np.linalg.solve(np.array([a1, a2]).T, M @ a1)
        assert not np.allclose(coeff, np.round(coeff))


# ---------------------------------------------------------------- X2: the action on hexagonal images

def _turned_by_positions(f, r):
    """L_R^r f computed from the plane: the value at cell x is f at the cell whose centre is rot(-60 r) x."""
    n = f.shape[-1]
    xy = HEXAGONAL.positions(n, n).reshape(-1, 2)
    source = xy @ rotation_60(-r).T  # rot(-60 r) applied to every centre
    distance = np.linalg.norm(source[:, None] - xy[None], axis=-1)
    nearest = distance.argmin(axis=1)
    assert (distance.min(axis=1)[HEXAGONAL.frame_mask(n, n).ravel()] < 1e-9).all()  # centres land on centres
    out = f.reshape(f.shape[:-2] + (-1,))[..., nearest].reshape(f.shape)
    return images.on_hexagon(out)


@pytest.mark.parametrize("n", [3, 5, 7])
def test_turns_agree_with_the_cartesian_rotation_of_the_cells(rng, n):
    f = hex_data(rng, (2, n, n))
    for r in range(6):
        g = groups.element("p6", r, 0, 0)
        assert residual(action.transform_image(f, g, group="p6"), _turned_by_positions(f, r)).exact


@pytest.mark.parametrize("group", HEX)
@pytest.mark.parametrize("boundary", ["zero", "wrap", "grow"])
def test_image_action_literal_equals_fast(rng, group, boundary):
    f = hex_data(rng, (2, 7, 7))
    elements = list(groups.point_group(group)) + list(groups.random_elements(group, 6, rng, max_shift=4))
    for g in elements:
        if boundary == "wrap" and np.linalg.det(g[:2, :2]) < 0:
            with pytest.raises(ValueError, match="chiral"):
                action.transform_image(f, g, boundary, group=group)
            continue
        fast = action.transform_image(f, g, boundary, group=group)
        assert residual(fast, action.transform_image_literal(f, g, boundary, group=group)).exact
        assert not fast[..., ~HEXAGONAL.frame_mask(*fast.shape[-2:])].any()  # outside the hexagon stays 0


@pytest.mark.parametrize("group", HEX)
def test_image_action_is_a_homomorphism(rng, group):
    f = hex_data(rng, (7, 7))
    H = groups.point_group(group)
    for g, h in itertools.product(H, repeat=2):  # all pairs of the point group: nothing leaves the hexagon
        assert residual(action.transform_image(action.transform_image(f, h, group=group), g, group=group),
                        action.transform_image(f, g @ h, group=group)).exact
    for g, h in zip(*(groups.random_elements("p6", 8, rng, max_shift=9) for _ in range(2))):  # on the torus
        assert residual(action.transform_image(action.transform_image(f, h, "wrap", group="p6"), g, "wrap", group="p6"),
                        action.transform_image(f, g @ h, "wrap", group="p6")).exact


@pytest.mark.parametrize("group", HEX)
def test_group_function_action_literal_equals_fast_and_is_a_homomorphism(rng, group):
    nH = groups.order(group)
    F = hex_data(rng, (2, nH, 5, 5))
    els = list(groups.point_group(group)) + list(groups.random_elements(group, 4, rng, max_shift=3))
    for g in els:
        assert residual(action.transform_group_function(F, g, group),
                        action.transform_group_function_literal(F, g, group)).exact
    for g, h in itertools.product(groups.point_group(group), repeat=2):
        assert residual(action.transform_group_function(action.transform_group_function(F, h, group), g, group),
                        action.transform_group_function(F, g @ h, group)).exact


def test_bad_hexagonal_inputs_are_refused(rng):
    g = groups.element("p6", 1, 0, 0)
    with pytest.raises(ValueError, match="zero outside its frame"):
        action.transform_image(np.ones((5, 5)), g, group="p6")
    with pytest.raises(ValueError, match="odd n x n"):
        action.transform_image(np.zeros((4, 4)), g, group="p6")
    with pytest.raises(ValueError, match="odd n x n"):
        correlate.lifting_correlation(np.zeros((1, 1, 5, 7)), np.zeros((1, 1, 3, 3)), "p6")
    with pytest.raises(ValueError, match="not an element of p6"):
        action.transform_image(np.zeros((5, 5)), groups.rotation(1), group="p6")
    with pytest.raises(ValueError, match="'circular' mode is not defined for p6m"):
        correlate.lifting_correlation(hex_data(rng, (1, 1, 5, 5)), hex_data(rng, (1, 1, 3, 3)), "p6m", "circular")


# ---------------------------------------------------------------- X3-X5: correlations

MODES = {"p6": ["valid", "same", "full", "circular"], "p6m": ["valid", "same", "full"]}


@pytest.mark.parametrize("group", HEX)
@pytest.mark.parametrize("n, k", [(5, 3), (7, 3), (7, 5), (9, 5)])
def test_lifting_literal_equals_vectorised(rng, group, n, k):
    f = hex_data(rng, (2, 2, n, n))
    psi = hex_data(rng, (2, 2, k, k))
    for mode in MODES[group]:
        fast = correlate.lifting_correlation(f, psi, group, mode)
        for form in correlate.FORMS:
            assert residual(fast, correlate.lifting_correlation_literal(f, psi, group, mode, form)).exact, (mode, form)
        assert not fast[..., ~HEXAGONAL.frame_mask(*fast.shape[-2:])].any()


@pytest.mark.parametrize("group", HEX)
@pytest.mark.parametrize("n, k", [(5, 3), (7, 5), (9, 5)])
def test_group_correlation_and_convolution_literal_equal_vectorised(rng, group, n, k):
    nH = groups.order(group)
    F = hex_data(rng, (1, 1, nH, n, n))
    Psi = hex_data(rng, (1, 1, nH, k, k))
    modes = MODES[group] if n == 5 else ["same"]  # the literal sums on 9 x 9, p6m, rho = 2 take seconds each
    for mode in modes:
        assert residual(correlate.group_correlation(F, Psi, group, mode),
                        correlate.group_correlation_literal(F, Psi, group, mode, "substituted")).exact, mode
        assert residual(correlate.group_convolution(F, Psi, group, mode),
                        correlate.group_convolution_literal(F, Psi, group, mode, "substituted")).exact, mode
    assert residual(correlate.group_correlation(F, Psi, group, "same"),
                    correlate.group_correlation_literal(F, Psi, group, "same", "paper")).exact


@pytest.mark.parametrize("group", HEX)
def test_filter_bank_is_the_action_on_the_hexagonal_support(rng, group):
    nH = groups.order(group)
    for k in (3, 5):
        psi = hex_data(rng, (2, 3, k, k))
        expected = np.stack([action.transform_image(psi, s, group=group) for s in groups.point_group(group)], axis=1)
        assert residual(correlate.expand_lifting_filter(psi, group), expected).exact
        Psi = hex_data(rng, (2, 3, nH, k, k))
        expected = np.stack([action.transform_group_function(Psi, s, group) for s in groups.point_group(group)], axis=1)
        assert residual(correlate.expand_group_filter(Psi, group), expected).exact
        # psi_check(h) = psi(h^-1): its gather equals the literal reverse
        assert residual(filter_bank.reverse(Psi, groups.get(group)), correlate.reverse_filter(Psi, group)).exact


@pytest.mark.parametrize("group", HEX)
def test_correlations_are_equivariant_exactly(rng, group):
    nH = groups.order(group)
    f = hex_data(rng, (1, 2, 7, 7))
    psi = hex_data(rng, (2, 2, 3, 3))
    F = hex_data(rng, (1, 2, nH, 7, 7))
    Psi = hex_data(rng, (2, 2, nH, 5, 5))
    turns = list(groups.point_group(group))
    shifted = list(groups.random_elements(group, 5, rng, max_shift=3))
    cases = [("same", turns, "zero"), ("valid", turns, "zero"), ("full", turns + shifted, "grow")]
    if group == "p6":
        cases.append(("circular", turns + shifted, "wrap"))
    for mode, elements, boundary in cases:
        for g in elements:
            moved_f = action.transform_image(f, g, boundary, group=group)
            lhs = correlate.lifting_correlation(moved_f, psi, group, mode)
            rhs = action.transform_group_function(correlate.lifting_correlation(f, psi, group, mode), g, group, boundary)
            if boundary == "grow":  # the grown input gives a larger output: compare on the common frame
                lhs, rhs = _common(lhs, rhs)
            assert residual(lhs, rhs).exact, (mode, groups.name(g, group))
            moved_F = action.transform_group_function(F, g, group, boundary)
            lhs = correlate.group_correlation(moved_F, Psi, group, mode)
            rhs = action.transform_group_function(correlate.group_correlation(F, Psi, group, mode), g, group, boundary)
            if boundary == "grow":
                lhs, rhs = _common(lhs, rhs)
            assert residual(lhs, rhs).exact, (mode, groups.name(g, group))


def _common(a, b):
    """Crop the larger of two centred frames to the smaller (both are zero outside the smaller's hexagon here)."""
    n = min(a.shape[-1], b.shape[-1])

    def crop(x):
        c = (x.shape[-1] - n) // 2
        return x[..., c:c + n, c:c + n]

    for x in (a, b):
        assert np.abs(x).sum() == np.abs(crop(x)).sum()  # nothing non-zero is cropped away
    return crop(a), crop(b)


# ---------------------------------------------------------------- gradients and layers

@pytest.mark.parametrize("group", HEX)
def test_gradients_are_the_adjoints(rng, group):
    """<A x, y> = <x, A^T y> for the lifting and group correlations in every mode, exactly on integers."""
    nH = groups.order(group)
    for mode in MODES[group]:
        f, psi = hex_data(rng, (2, 2, 7, 7)), hex_data(rng, (3, 2, 3, 3))
        out = correlate.lifting_correlation(f, psi, group, mode)
        y = images.on_hexagon(rng.integers(-3, 4, size=out.shape))
        df = correlate.lifting_correlation_grad_input(y, psi, group, f.shape, mode)
        dpsi = correlate.lifting_correlation_grad_filter(f, y, group, 3, mode)
        assert np.sum(out * y) == np.sum(f * df) == np.sum(psi * dpsi), mode
        assert not dpsi[..., ~HEXAGONAL.frame_mask(3, 3)].any()  # corner cells are no parameters
        F, Psi = hex_data(rng, (2, 2, nH, 5, 5)), hex_data(rng, (3, 2, nH, 3, 3))
        out = correlate.group_correlation(F, Psi, group, mode)
        y = images.on_hexagon(rng.integers(-3, 4, size=out.shape))
        dF = correlate.group_correlation_grad_input(y, Psi, group, F.shape, mode)
        dPsi = correlate.group_correlation_grad_filter(F, y, group, 3, mode)
        assert np.sum(out * y) == np.sum(F * dF) == np.sum(Psi * dPsi), mode


def _numeric_gradient_check(net, x, rng, params=4):
    """Central differences on a few parameters of every layer against the hand-written backward pass."""
    labels = rng.integers(0, 3, size=x.shape[0])

    def loss():
        return nn.softmax_cross_entropy(net(x, train=True), labels)[0]

    _, dlogits = nn.softmax_cross_entropy(net(x, train=True), labels)
    net.backward(dlogits)
    for layer, name in net.parameters():
        w = layer.params[name]
        grad = layer.grads[name]
        for idx in list(zip(*np.nonzero(w != 0)))[:params] or [(0,) * w.ndim]:
            old = w[idx]
            w[idx] = old + 1e-6
            plus = loss()
            w[idx] = old - 1e-6
            minus = loss()
            w[idx] = old
            numeric = (plus - minus) / 2e-6
            assert abs(numeric - grad[idx]) <= 1e-5 * max(1.0, abs(numeric)), (type(layer).__name__, name, idx)


@pytest.mark.parametrize("group", HEX)
def test_layers_have_correct_gradients_and_an_invariant_network(rng, group):
    net = nn.Sequential(nn.LiftingConv(1, 2, group, 3, "same", rng), nn.BatchNorm(2, group=group), nn.ReLU(),
                        nn.GroupConv(2, 2, group, 3, "same", rng), nn.Bias(2, group=group), nn.ReLU(),
                        nn.CosetPool("max"), nn.GlobalPool("mean", group=group), nn.Linear(2, 3, rng))
    x = images.on_hexagon(rng.normal(size=(3, 1, 7, 7)))
    _numeric_gradient_check(net, x, rng)
    logits = net(x)
    for s in groups.point_group(group):
        turned = net(action.transform_image(x, s, group=group))
        r = residual(turned, logits)
        assert r.value <= FLOAT_TOL * r.scale, groups.name(s, group)  # float data: round-off only


def test_p6cnn_predictions_are_identical_under_the_six_turns(rng):
    net = nn.gcnn("p6", channels=4, n_classes=10, rng=rng)
    x = hex_data(rng, (6, 1, 9, 9)).astype(np.float64)
    net(x, train=True)  # batch-norm statistics
    logits = net(x)
    for r in range(6):
        turned = net(action.transform_image(x, groups.element("p6", r, 0, 0), group="p6"))
        assert np.array_equal(turned.argmax(1), logits.argmax(1))
        assert residual(turned, logits).within_float_tolerance()


def test_layers_keep_the_outside_of_the_hexagon_zero(rng):
    x = images.on_hexagon(rng.normal(size=(2, 3, 6, 7, 7)))
    for layer in (nn.Bias(3, group="p6"), nn.BatchNorm(3, group="p6")):
        layer.params["b" if "b" in layer.params else "beta"][:] = 5.0
        out = layer.forward(x, train=True)
        assert not out[..., ~HEXAGONAL.frame_mask(7, 7)].any()
    # statistics over the hexagon only: after batch norm with beta 0 the cells of each channel have mean 0
    bn = nn.BatchNorm(3, group="p6")
    y = bn.forward(x, train=True)
    assert np.abs(y[..., HEXAGONAL.frame_mask(7, 7)].mean(axis=(0, 2, 3))).max() < 1e-12


# ---------------------------------------------------------------- resampling onto the lattice

def test_resampling_keeps_constants_and_the_centre():
    n = 21
    mask = HEXAGONAL.frame_mask(n, n)
    constant = images.to_hexagonal(np.full((65, 65), 0.7), n)
    assert np.abs(constant[mask] - 0.7).max() <= 1e-15 and not constant[~mask].any()
    photo = images.photograph(129)
    hexagonal = images.to_hexagonal(photo, n)
    assert hexagonal[n // 2, n // 2] == photo[64, 64]  # the centre cell reads the centre pixel exactly
    back = images.from_hexagonal(hexagonal, 129)
    assert back[64, 64] == photo[64, 64] and np.isnan(back[0, 0])
    with pytest.raises(ValueError, match="positive odd"):
        images.to_hexagonal(photo, 20)


# ---------------------------------------------------------------- X6: pictures

@pytest.mark.parametrize("group", HEX)
def test_the_picture_turns_with_the_input(rng, group):
    """hexagonal_canvas(L_g F) == L_g hexagonal_canvas(F) for every g of the point group: the whole picture turns."""
    from groupconv import plot

    nH = groups.order(group)
    F = hex_data(rng, (nH, 5, 5))
    canvas = plot.hexagonal_canvas(F, group, fill=0.0)
    for g in groups.point_group(group):
        assert residual(plot.hexagonal_canvas(action.transform_group_function(F, g, group), group, fill=0.0),
                        action.transform_image(canvas, g, group=group)).exact, groups.name(g, group)
    assert residual(plot.split_hexagonal_canvas(canvas, group, 5), F).exact
    slots, size = plot.hexagonal_slots(5, group)
    i, j = np.triu_indices(nH, 1)
    assert lattices.hexagonal_distance(*(slots[i] - slots[j]).T).min() >= 6  # patches of radius 2, 1 cell apart
