"""Group elements are checked whole: the linear part, the last row, and the size of every product.

References are Python integers (object arrays: no wrap-around), never int64. Every
equality here is exact.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groupconv import action, groups

SAFE = groups.INT64_SAFE
GROUP_NAMES = ["p4", "p4m", "p6", "p6m"]


def exact(g):
    """An int64 array as Python integers (object dtype): products never wrap."""
    return np.asarray(g).astype(object)


translations = st.one_of(st.integers(-SAFE, SAFE), st.sampled_from([-SAFE, SAFE, SAFE - 1, 0, 1, -1]))


@st.composite
def members(draw, group=None):
    """An element of one of the groups, translations anywhere in [-2**60, 2**60], the extremes often."""
    G = groups.get(group or draw(st.sampled_from(GROUP_NAMES)))
    s = G.point_group[draw(st.integers(0, G.order - 1))]
    g = s.copy()
    g[0, 2], g[1, 2] = draw(translations), draw(translations)
    return g


@settings(max_examples=300)
@given(group=st.sampled_from(GROUP_NAMES), data=st.data())
def test_compose_is_the_exact_product_or_refuses_it(group, data):
    """compose(g1..gn) equals the product in Python integers when every running product fits in 2**60, else raises."""
    gs = data.draw(st.lists(members(group), min_size=1, max_size=5))
    running, fits = exact(gs[0]), True
    for g in gs[1:]:
        running = running.dot(exact(g))
        fits = fits and all(abs(x) <= SAFE for x in running[:2, 2])
    if fits:
        assert np.array_equal(exact(groups.compose(*gs)), running)
    else:
        with pytest.raises(ValueError, match="product of elements"):
            groups.compose(*gs)


def _broken(kind, rng):
    """A 3x3 int64 matrix that is not an integer motion of the lattice, of the named kind."""
    g = np.eye(3, dtype=np.int64)
    if kind == "last row":
        g[2] = rng.choice([[0, 0, 2], [1, 0, 1], [0, 0, 0], [0, 0, -1]])
    elif kind == "large linear part":
        g[:2, :2] = np.diag([2**40, 2**40])
    elif kind == "most negative entry":
        g[0, 0] = -2**63  # abs() of it wraps to itself in int64
    elif kind == "determinant 0":
        g[:2, :2] = [[1, 1], [1, 1]]
    elif kind == "determinant 2":
        g[:2, :2] = [[1, 1], [-1, 1]]
    return g


KINDS = ["last row", "large linear part", "most negative entry", "determinant 0", "determinant 2"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("position", [0, 1, 2])
def test_compose_refuses_a_factor_that_is_not_a_motion(rng, kind, position):
    gs = [groups.element("p4", 1, 3, -2), groups.element("p4", 2, 0, 5), groups.element("p4", 3, 1, 1)]
    gs[position] = _broken(kind, rng)
    with pytest.raises(ValueError, match=f"element {position + 1}"):
        groups.compose(*gs)


def test_compose_refuses_products_whose_linear_part_grows():
    """Each shear [[1, 1], [0, 1]] is a motion of the lattice; their product [[1, 2], [0, 1]] has an entry 2."""
    shear = np.array([[1, 1, 0], [0, 1, 0], [0, 0, 1]])
    with pytest.raises(ValueError, match="product of elements 1..2"):
        groups.compose(shear, shear)


@pytest.mark.parametrize("kind", KINDS)
def test_act_and_inverse_refuse_what_is_not_a_motion(rng, kind):
    with pytest.raises(ValueError):
        groups.act(_broken(kind, rng), [1, 2])
    with pytest.raises(ValueError):
        groups.inverse(_broken(kind, rng))


@settings(max_examples=300)
@given(g=members(), x=st.tuples(translations, translations))
def test_act_is_exact_at_the_extremes(g, x):
    """g(x) = A x + t in Python integers, for translations and coordinates up to 2**60 (|A x + t| <= 3 * 2**60)."""
    expected = exact(g)[:2, :2].dot(exact(x)) + exact(g)[:2, 2]
    assert groups.act(g, x).tolist() == expected.tolist()


def test_act_refuses_coordinates_beyond_the_bound():
    with pytest.raises(ValueError, match="2\\*\\*60"):
        groups.act(groups.identity(), [SAFE + 1, 0])


@pytest.mark.parametrize("group", GROUP_NAMES)
def test_elements_refuse_translations_beyond_the_bound(group):
    G = groups.get(group)
    point = (0,) * (len(G.parameter_names) - 2)
    assert groups.element(group, *point, SAFE, -SAFE)[:2, 2].tolist() == [SAFE, -SAFE]  # the bound itself is fine
    for u, v in [(SAFE + 1, 0), (0, -SAFE - 1), (2**62, 0), (2**63 - 1, 0)]:
        with pytest.raises(ValueError, match="2\\*\\*60"):
            groups.element(group, *point, u, v)
    with pytest.raises(ValueError, match="2\\*\\*60"):
        groups.translation(2**62, 0)
    g = groups.element(group, *point, 0, 0)
    g[0, 2] = 2**62  # a member of the group, too large for the package's arithmetic
    with pytest.raises(ValueError, match="2\\*\\*60"):
        groups.check_member(g, group)


@settings(max_examples=80)
@given(data=st.data(), boundary=st.sampled_from(["zero", "wrap"]), n=st.integers(3, 6))
def test_literal_and_fast_actions_agree_for_huge_translations(data, boundary, n):
    """L_g f through the matrices (half pixels) and through np.rot90/np.roll: the same integers, even at 2**60."""
    group = data.draw(st.sampled_from(GROUP_NAMES))
    g = data.draw(members(group))
    f = np.arange(n * n, dtype=np.int64).reshape(n, n) + 1
    if groups.get(group).lattice == "hexagonal":  # an odd frame, zero outside its hexagon; "wrap": the periodic hexagon
        n += 1 - n % 2
        f = np.arange(n * n, dtype=np.int64).reshape(n, n) + 1
        r = n // 2
        f[[[max(abs(i - r), abs(j - r), abs(i + j - 2 * r)) > r for j in range(n)] for i in range(n)]] = 0
        if round(np.linalg.det(g[:2, :2])) < 0 and boundary == "wrap":
            boundary = "zero"  # the periodic hexagon is chiral: "wrap" is refused for mirrored elements
    literal = action.transform_image_literal(f, g, boundary=boundary, group=group)
    fast = action.transform_image(f, g, boundary=boundary, group=group)
    assert np.array_equal(literal, fast)
