"""Group axioms and parametrisations of T, p4, p4m (docs/equations.md G1-G7). Integer equality, no tolerances."""
import itertools

import numpy as np
import pytest

from groupconv import groups
from groupconv.checks import passes, residual

N_RANDOM = 1000


# ------------------------------------------------------------------ G4-G6: the matrices

def test_translation_matrix_entry_for_entry():
    assert np.array_equal(groups.translation(2, -5), np.array([[1, 0, 2], [0, 1, -5], [0, 0, 1]]))
    assert groups.translation(2, -5).dtype == np.int64


def test_translation_moves_a_point_and_composes_like_vectors(rng):
    u1, v1, u2, v2 = rng.integers(-50, 50, size=(4, N_RANDOM))
    x = rng.integers(-50, 50, size=(N_RANDOM, 2))
    assert np.array_equal(groups.act(groups.translation(u1, v1), x), x + np.stack([u1, v1], axis=1))
    assert np.array_equal(groups.translation(u1, v1) @ groups.translation(u2, v2), groups.translation(u1 + u2, v1 + v2))


# The rotation matrices written out by hand from cos/sin of 0, 90, 180, 270 degrees.
HAND_R = {0: [[1, 0], [0, 1]], 1: [[0, -1], [1, 0]], 2: [[-1, 0], [0, -1]], 3: [[0, 1], [-1, 0]]}


@pytest.mark.parametrize("r", range(4))
def test_p4_matrix_matches_G5(r):
    g = groups.p4_element(r, 3, -7)
    expected = np.array([HAND_R[r][0] + [3], HAND_R[r][1] + [-7], [0, 0, 1]])
    assert np.array_equal(g, expected)


@pytest.mark.parametrize("m, r", list(itertools.product(range(2), range(4))))
def test_p4m_matrix_matches_G6(m, r):
    sign = (-1) ** m
    a = HAND_R[r]
    expected = np.array([[sign * a[0][0], sign * a[0][1], 4], [a[1][0], a[1][1], 5], [0, 0, 1]])
    assert np.array_equal(groups.p4m_element(m, r, 4, 5), expected)


def test_mirror_is_u_to_minus_u():
    assert np.array_equal(groups.act(groups.p4m_element(1, 0, 0, 0), [3, 8]), [-3, 8])


def test_rotation_built_from_integer_tables_matches_float_trig_exactly():
    # Independent reference: cos/sin of r*pi/2 rounded (only as a reference, never inside the library).
    for r in range(4):
        ref = np.round([[np.cos(r * np.pi / 2), -np.sin(r * np.pi / 2)], [np.sin(r * np.pi / 2), np.cos(r * np.pi / 2)]])
        assert np.array_equal(groups.rotation(r)[:2, :2], ref.astype(np.int64))


# ------------------------------------------------------------------ parameters <-> matrix

@pytest.mark.parametrize("group", groups.GROUPS)
def test_parameter_round_trip(group, rng):
    g = groups.random_elements(group, N_RANDOM, rng, max_shift=100)
    params = groups.parameters(g, group)
    assert np.array_equal(groups.element(group, *params), g)


def test_parameters_of_known_elements():
    assert [int(p) for p in groups.parameters(groups.p4m_element(1, 3, -2, 9), "p4m")] == [1, 3, -2, 9]
    assert [int(p) for p in groups.parameters(groups.p4_element(2, 0, 1), "p4")] == [2, 0, 1]


@pytest.mark.parametrize("bad, group", [
    (np.diag([2, 1, 1]), "p4m"),                    # scaling
    (groups.rotation(1), "T"),                      # a rotation is not a translation
    (groups.mirror(1), "p4"),                       # a mirror is not in p4
    (np.array([[1, 0, 0], [0, 1, 0], [1, 0, 1]]), "p4m"),  # bottom row not (0, 0, 1)
    (np.array([[1, 1, 0], [0, 1, 0], [0, 0, 1]]), "p4m"),  # shear
])
def test_non_member_raises(bad, group):
    with pytest.raises(ValueError, match="not an element of " + group):
        groups.parameters(bad, group)
    assert not groups.is_member(bad, group)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="0..3"):
        groups.rotation(4)
    with pytest.raises(ValueError, match="0 or 1"):
        groups.mirror(2)
    with pytest.raises(ValueError, match="3x3"):
        groups.as_element(np.eye(2))
    with pytest.raises(TypeError, match="numeric"):
        groups.as_element(np.array([["a"] * 3] * 3))
    with pytest.raises(ValueError, match="group must be one of"):
        groups.point_group("p5")
    with pytest.raises(ValueError, match="whole numbers"):
        groups.translation(0.5, 1)
    with pytest.raises(ValueError, match="3 parameters"):
        groups.element("p4", 1, 2)


@pytest.mark.parametrize("bad, error, message", [
    (np.eye(3) + 1j * np.eye(3), TypeError, "numeric with integer values"),  # the imaginary part would be dropped
    (np.eye(3, dtype=bool), TypeError, "numeric with integer values"),
    (np.full((3, 3), np.nan), ValueError, "whole numbers"),
    (np.array([[1, 0, 1e30], [0, 1, 0], [0, 0, 1]]), ValueError, "fit in int64"),  # a cast would wrap it
    (np.array([[1, 0, 2**63], [0, 1, 0], [0, 0, 1]], dtype=np.uint64), ValueError, "fit in int64"),
])
def test_malformed_elements_raise_instead_of_being_cast(bad, error, message):
    for fn in (groups.as_element, lambda g: groups.is_member(g, "p4m"), groups.inverse):
        with pytest.raises(error, match=message):
            fn(bad)


def test_malformed_parameters_raise_instead_of_being_cast():
    with pytest.raises(TypeError, match="u must be numeric"):
        groups.translation(1 + 2j, 0)
    with pytest.raises(TypeError, match="r must be numeric"):
        groups.rotation(True)
    with pytest.raises(ValueError, match="v must fit in int64"):
        groups.translation(0, 1e30)
    with pytest.raises(ValueError, match="m must hold whole numbers"):
        groups.mirror(np.nan)
    assert np.array_equal(groups.p4_element(1.0, -2.0, 3.0), groups.p4_element(1, -2, 3))  # whole floats are fine


# ------------------------------------------------------------------ G1, G2: axioms

@pytest.mark.parametrize("group", groups.ROTATION_GROUPS)
def test_point_group_axioms_exhaustively(group):
    H = groups.point_group(group)
    n = len(H)
    assert n == groups.order(group)
    e = groups.identity()
    # closure: every product of two elements is one of the elements
    table = groups.cayley_table(group)
    for i, j in itertools.product(range(n), repeat=2):
        assert np.array_equal(H[i] @ H[j], H[table[i, j]])
    # every row and column of the table is a permutation (Latin square)
    assert all(sorted(row) == list(range(n)) for row in table)
    assert all(sorted(col) == list(range(n)) for col in table.T)
    # associativity over all triples
    for a, b, c in itertools.product(H, repeat=3):
        assert np.array_equal((a @ b) @ c, a @ (b @ c))
    # identity and inverses
    for a in H:
        assert np.array_equal(e @ a, a) and np.array_equal(a @ e, a)
        assert np.array_equal(a @ groups.inverse(a), e)
    # (ab)^-1 = b^-1 a^-1 for all pairs (G2)
    for a, b in itertools.product(H, repeat=2):
        assert np.array_equal(groups.inverse(a @ b), groups.inverse(b) @ groups.inverse(a))


def test_canonical_order_is_grouPy_order():
    H = groups.point_group("p4m")
    for m, r in itertools.product(range(2), range(4)):
        assert np.array_equal(H[4 * m + r], groups.mirror(m) @ groups.rotation(r))
        assert groups.point_group_index(H[4 * m + r], "p4m") == 4 * m + r
    assert np.array_equal(groups.point_group("p4"), H[:4])


def test_c4_commutative_d4_not():
    C4, D4 = groups.point_group("p4"), groups.point_group("p4m")
    assert all(np.array_equal(a @ b, b @ a) for a, b in itertools.product(C4, repeat=2))
    assert any(not np.array_equal(a @ b, b @ a) for a, b in itertools.product(D4, repeat=2))


@pytest.mark.parametrize("group", groups.GROUPS)
def test_sampled_axioms(group, rng):
    a, b, c = (groups.random_elements(group, N_RANDOM, rng, max_shift=50) for _ in range(3))
    e = groups.identity()
    assert groups.is_member(a @ b, group).all()  # closure
    assert np.array_equal((a @ b) @ c, a @ (b @ c))
    assert np.array_equal(e @ a, a) and np.array_equal(a @ e, a)
    a_inv = groups.inverse(a)
    assert groups.is_member(a_inv, group).all()
    assert np.array_equal(a @ a_inv, np.broadcast_to(e, a.shape))
    assert np.array_equal(a_inv @ a, np.broadcast_to(e, a.shape))
    assert np.array_equal(groups.inverse(a @ b), groups.inverse(b) @ groups.inverse(a))


@pytest.mark.parametrize("group", groups.ROTATION_GROUPS)
def test_closure_in_parameter_form(group, rng):
    """The product's parameters, recovered exactly, follow the group law t1 + s1 t2, s1 s2.

    For the point-group part: R(r1) R(r2) = R(r1 + r2) and R(r) M = M R(-r), so
    M^m1 R(r1) M^m2 R(r2) = M^(m1 + m2) R((-1)^m2 r1 + r2), all mod their orders.
    """
    a, b = (groups.random_elements(group, 200, rng, max_shift=30) for _ in range(2))
    for g, h in zip(a, b):
        prod = [int(p) for p in groups.parameters(g @ h, group)]
        t_expected = g[:2, 2] + g[:2, :2] @ h[:2, 2]
        assert tuple(prod[-2:]) == tuple(int(x) for x in t_expected)
        n = groups.get(group).turns  # 4 quarter turns, or 6 turns by 60 degrees
        if groups.get(group).mirror is None:
            (r1, _, _), (r2, _, _) = groups.parameters(g, group), groups.parameters(h, group)
            assert prod[0] == (r1 + r2) % n
        else:
            (m1, r1, _, _), (m2, r2, _, _) = groups.parameters(g, group), groups.parameters(h, group)
            assert prod[:2] == [(m1 + m2) % 2, ((-1) ** int(m2) * r1 + r2) % n]


def test_inverse_of_real_invertible_matrices_G3(rng):
    """G3 reference: invertible real matrices under matmul (float tolerance: LU round-off)."""
    A = rng.normal(size=(50, 4, 4)) + 4 * np.eye(4)
    B = rng.normal(size=(50, 4, 4)) + 4 * np.eye(4)
    AB = A @ B
    assert np.all(np.abs(np.linalg.det(AB)) > 0)
    assert passes(residual(np.linalg.inv(AB), np.linalg.inv(B) @ np.linalg.inv(A)), "float")


# ------------------------------------------------------------------ G7: g = t . s

@pytest.mark.parametrize("group", groups.ROTATION_GROUPS)
def test_factorisation_t_times_s(group, rng):
    H = groups.point_group(group)
    for u, v in rng.integers(-20, 20, size=(50, 2)):
        for s in H:
            g = groups.translation(u, v) @ s
            t, s2 = groups.split(g)
            assert np.array_equal(t, groups.translation(u, v)) and np.array_equal(s2, s)
            assert np.array_equal(t @ s2, g)
    # uniqueness: distinct (t, s) pairs give distinct elements
    elements = {tuple((groups.translation(u, v) @ s).ravel()) for u in range(-2, 3) for v in range(-2, 3) for s in H}
    assert len(elements) == 25 * len(H)


def test_T_is_normal_and_H_is_a_subgroup(rng):
    D4 = groups.point_group("p4m")
    for t in groups.random_elements("T", 100, rng, max_shift=20):
        for s in D4:
            conj = s @ t @ groups.inverse(s)
            assert groups.is_member(conj, "T")
            assert np.array_equal(conj[:2, 2], s[:2, :2] @ t[:2, 2])
    table = groups.cayley_table("p4m")
    assert set(table[:4, :4].ravel()) == set(range(4))  # C4 closed inside D4


def test_act_vectorised_over_elements_and_points(rng):
    g = groups.random_elements("p4m", 20, rng)
    x = rng.integers(-9, 9, size=(20, 2))
    one_by_one = np.array([groups.act(gi, xi) for gi, xi in zip(g, x)])
    assert np.array_equal(groups.act(g, x), one_by_one)
    # one element, many points: the literal matrix product with homogeneous columns
    pts = rng.integers(-9, 9, size=(30, 2))
    hom = np.concatenate([pts, np.ones((30, 1), dtype=np.int64)], axis=1)
    assert np.array_equal(groups.act(g[0], pts), (g[0] @ hom.T).T[:, :2])


def test_half_pixel_conjugation_is_a_homomorphism(rng):
    a, b = (groups.random_elements("p4m", 100, rng) for _ in range(2))
    assert np.array_equal(groups.in_half_pixels(a @ b), groups.in_half_pixels(a) @ groups.in_half_pixels(b))
    D, D_inv = np.diag([2, 2, 1]), np.diag([0.5, 0.5, 1.0])  # powers of two: the float product is exact
    assert residual(groups.in_half_pixels(a), D @ a @ D_inv).exact  # the docstring's D . g . D^-1


def test_inputs_not_modified(rng):
    g = groups.random_elements("p4m", 5, rng)
    before = g.copy()
    groups.inverse(g), groups.split(g), groups.parameters(g, "p4m"), groups.in_half_pixels(g)
    assert np.array_equal(g, before)


def test_name_compose_and_random_elements_do_what_they_say(rng):
    assert groups.name(groups.p4m_element(1, 3, 1, -2)) == "t(1,-2)·M·R(3)"
    assert groups.name(groups.identity()) == "R(0)" and groups.name(groups.mirror(1)) == "M"
    assert groups.name(groups.translation(4, 0), "T") == "t(4,0)"
    a, b, c = groups.random_elements("p4m", 3, rng)
    assert np.array_equal(groups.compose(a, b, c), a @ b @ c)  # the rightmost acts first
    assert np.array_equal(groups.compose(), groups.identity())
    g = groups.random_elements("p4m", 2000, rng, max_shift=2)
    m, r, u, v = groups.parameters(g, "p4m")
    assert set(u.tolist()) == set(v.tolist()) == {-2, -1, 0, 1, 2}
    assert set(r.tolist()) == {0, 1, 2, 3} and set(m.tolist()) == {0, 1}
    with pytest.raises(ValueError, match="zero translation part"):
        groups.point_group_index(groups.translation(1, 0), "p4")
    with pytest.raises(TypeError, match="Generator"):
        groups.random_elements("p4", 3, 0)
    with pytest.raises(ValueError, match="non-negative integers"):
        groups.random_elements("p4", 3, rng, max_shift=-1)
