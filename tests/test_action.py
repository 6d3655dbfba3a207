"""L_g f = f o g^-1 on images and on functions on G (docs/equations.md A1-A4). Exact: integer data, index moves only."""
import itertools

import numpy as np
import pytest

from groupconv import action, groups
from groupconv.checks import residual


def _image(rng, shape):
    return rng.integers(-9, 10, size=shape)


# ------------------------------------------------------------------ independent references

def test_quarter_turn_is_np_rot90_and_mirror_flips_rows(rng):
    f = _image(rng, (2, 7, 7))
    for r in range(4):
        assert np.array_equal(action.transform_image(f, groups.rotation(r)), np.rot90(f, r, axes=(-2, -1)))
        assert np.array_equal(action.transform_image_literal(f, groups.rotation(r)), np.rot90(f, r, axes=(-2, -1)))
    assert np.array_equal(action.transform_image_literal(f, groups.mirror(1)), np.flip(f, axis=-2))


def test_hand_example_3x3():
    f = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    # R(1) turns the picture counter-clockwise: the top-right 3 goes to the top-left.
    assert np.array_equal(action.transform_image_literal(f, groups.rotation(1)), [[3, 6, 9], [2, 5, 8], [1, 4, 7]])
    # t(1, 0) moves content one row down (u is the row offset); zero fill.
    assert np.array_equal(action.transform_image_literal(f, groups.translation(1, 0)), [[0, 0, 0], [1, 2, 3], [4, 5, 6]])
    # t(0, -1) moves content one column left, wrap-around.
    assert np.array_equal(action.transform_image_literal(f, groups.translation(0, -1), "wrap"),
                          [[2, 3, 1], [5, 6, 4], [8, 9, 7]])


def test_translation_matches_np_roll_with_wrap(rng):
    f = _image(rng, (3, 6, 9))
    for u, v in [(1, 2), (-4, 3), (7, -11)]:
        g = groups.translation(u, v)
        assert np.array_equal(action.transform_image(f, g, "wrap"), np.roll(f, (u, v), axis=(-2, -1)))
        assert np.array_equal(action.transform_image_literal(f, g, "wrap"), np.roll(f, (u, v), axis=(-2, -1)))


# ------------------------------------------------------------------ A1: literal == fast

@pytest.mark.parametrize("n", [5, 6])
@pytest.mark.parametrize("boundary", action.BOUNDARIES)
def test_image_literal_equals_fast(rng, n, boundary):
    f = _image(rng, (2, n, n))
    for g in groups.random_elements("p4m", 25, rng, max_shift=3):
        a = action.transform_image_literal(f, g, boundary)
        b = action.transform_image(f, g, boundary)
        assert residual(a, b).exact, groups.name(g)


def test_non_square_frames_translate_and_mirror_but_do_not_turn(rng):
    f = _image(rng, (4, 7))
    g = groups.p4m_element(1, 0, 1, -2)
    assert np.array_equal(action.transform_image_literal(f, g), action.transform_image(f, g))
    assert np.array_equal(action.transform_image_literal(f, groups.rotation(2)), action.transform_image(f, groups.rotation(2)))
    with pytest.raises(ValueError, match="rows == cols"):
        action.transform_image(f, groups.rotation(1))


# ------------------------------------------------------------------ even sizes: geometric centre

def test_even_size_turns_about_the_geometric_centre(rng):
    f = _image(rng, (6, 6))
    # Four quarter turns about the point between the middle pixels are the identity and
    # never lose content, and R(1) moves pixel (i, j) to (n-1-j, i), i.e. np.rot90.
    g = groups.rotation(1)
    once = action.transform_image_literal(f, g)
    assert np.array_equal(once, np.rot90(f))
    assert sorted(once.ravel()) == sorted(f.ravel())
    four = f
    for _ in range(4):
        four = action.transform_image_literal(four, g)
    assert np.array_equal(four, f)


# ------------------------------------------------------------------ boundary modes

def test_zero_boundary_loses_content_grow_keeps_it(rng):
    f = _image(rng, (5, 5))
    g = groups.translation(2, -1)
    zero = action.transform_image(f, g, "zero")
    grow = action.transform_image(f, g, "grow")
    assert zero.shape == (5, 5) and grow.shape == (9, 7)
    assert np.array_equal(zero[2:, :4], f[:3, 1:]) and np.all(zero[:2] == 0) and np.all(zero[:, 4] == 0)
    # grow: the centre stays the centre; moving back recovers f exactly in the middle of the larger frame.
    back = action.transform_image(grow, groups.translation(-2, 1), "zero")
    assert np.array_equal(back[2:7, 1:6], f)
    assert np.abs(grow).sum() == np.abs(f).sum()


def test_translations_past_the_frame_edge(rng):
    """Shifts by up to twice the frame: with zero fill everything that leaves is lost, literal == fast."""
    f = _image(rng, (2, 5, 6))
    for u, v in [(4, -5), (-4, 5), (5, 0), (0, -6), (7, 1), (-9, 2), (3, 11), (-6, -13)]:
        g = groups.translation(u, v)
        for boundary in action.BOUNDARIES:
            fast = action.transform_image(f, g, boundary)
            assert residual(fast, action.transform_image_literal(f, g, boundary)).exact, (u, v, boundary)
        assert residual(action.transform_image(f, g), np.zeros_like(f)).exact == (abs(u) >= 5 or abs(v) >= 6)
        F = _image(rng, (4, 5, 5))
        assert residual(action.transform_group_function(F, g, "p4"),
                        action.transform_group_function_literal(F, g, "p4")).exact


# ------------------------------------------------------------------ A3: homomorphism and the counterexample

@pytest.mark.parametrize("n", [5, 6])
def test_homomorphism_on_images(rng, n):
    f = _image(rng, (n, n))
    e = groups.identity()
    assert np.array_equal(action.transform_image(f, e), f)
    assert np.array_equal(action.transform_image_literal(f, e), f)
    for g, h in zip(groups.random_elements("p4m", 30, rng, 3), groups.random_elements("p4m", 30, rng, 3)):
        lhs = action.transform_image(action.transform_image(f, h, "wrap"), g, "wrap")
        rhs = action.transform_image(f, g @ h, "wrap")
        assert residual(lhs, rhs).exact


def _without_inverse(f, g):
    """(L'_g f)(x) = f(g x): the 'natural-looking' action without the inverse, literally."""
    return action.transform_image_literal(f, groups.inverse(g), "wrap")


def test_counterexample_without_inverse(rng):
    f = _image(rng, (7, 7))
    g, h = groups.rotation(1), groups.mirror(1)  # do not commute
    assert not np.array_equal(g @ h, h @ g)
    lhs = _without_inverse(_without_inverse(f, h), g)  # L'_g L'_h f
    assert residual(lhs, _without_inverse(f, h @ g)).exact  # = L'_{hg} f
    assert not residual(lhs, _without_inverse(f, g @ h)).exact  # != L'_{gh} f
    with_inverse = action.transform_image(action.transform_image(f, h), g)
    assert residual(with_inverse, action.transform_image(f, g @ h)).exact


# ------------------------------------------------------------------ A4: functions on G

@pytest.mark.parametrize("group", groups.SQUARE_GROUPS)
@pytest.mark.parametrize("n", [5, 4])
def test_group_function_literal_equals_fast(rng, group, n):
    f = _image(rng, (2, groups.order(group), n, n))
    for g in groups.random_elements(group, 6, rng, max_shift=2):
        for boundary in action.BOUNDARIES:
            a = action.transform_group_function_literal(f, g, group, boundary)
            b = action.transform_group_function(f, g, group, boundary)
            assert residual(a, b).exact, (groups.name(g), boundary)


@pytest.mark.parametrize("group", groups.SQUARE_GROUPS)
def test_group_function_homomorphism(rng, group):
    f = _image(rng, (groups.order(group), 5, 5))
    H = groups.point_group(group)
    assert np.array_equal(action.transform_group_function(f, groups.identity(), group), f)
    for u, w in itertools.product(H, repeat=2):  # exhaustive over the point group
        lhs = action.transform_group_function(action.transform_group_function(f, w, group), u, group)
        assert residual(lhs, action.transform_group_function(f, u @ w, group)).exact
    for u, w in zip(groups.random_elements(group, 20, rng, 3), groups.random_elements(group, 20, rng, 3)):
        lhs = action.transform_group_function(action.transform_group_function(f, w, group, "wrap"), u, group, "wrap")
        assert residual(lhs, action.transform_group_function(f, u @ w, group, "wrap")).exact


@pytest.mark.parametrize("group", groups.SQUARE_GROUPS)
def test_group_axis_permutation_is_its_definition(group):
    """perm[s] is the index of s_g^-1 . s, found here by comparing matrices (not through the Cayley table)."""
    H = groups.point_group(group)
    for s_g in H:
        g = groups.translation(2, -1) @ s_g  # the translation part must not matter
        perm = action.group_axis_permutation(g, group)
        for s in range(len(H)):
            target = groups.inverse(s_g) @ H[s]
            assert [i for i in range(len(H)) if np.array_equal(H[i], target)] == [perm[s]]


def test_centred_coordinates_in_half_pixels():
    assert action.centred_coordinates(5).tolist() == [-4, -2, 0, 2, 4]  # u = -2 .. 2
    assert action.centred_coordinates(4).tolist() == [-3, -1, 1, 3]  # u = -1.5 .. 1.5


def test_on_the_translation_group_a_function_on_G_is_an_image(rng):
    """group "T": |H| = 1, and L_g on the one plane is the image action."""
    f = _image(rng, (2, 1, 5, 5))
    for u, v in [(1, -2), (0, 3)]:
        g = groups.translation(u, v)
        for fn in (action.transform_group_function, action.transform_group_function_literal):
            assert residual(fn(f, g, "T"), action.transform_image(f, g)).exact


def test_rotation_cycles_the_p4_axis(rng):
    """L_R(1) on a function on p4: plane s comes from plane s - 1, turned by 90 degrees."""
    f = _image(rng, (4, 5, 5))
    out = action.transform_group_function(f, groups.rotation(1), "p4")
    for s in range(4):
        assert np.array_equal(out[s], np.rot90(f[(s - 1) % 4]))


# ------------------------------------------------------------------ bad input, no mutation

def test_bad_input():
    with pytest.raises(ValueError, match="at least 2 axes"):
        action.transform_image(np.zeros(3), groups.identity())
    with pytest.raises(TypeError, match="numeric"):
        action.transform_image(np.array([["a", "b"], ["c", "d"]]), groups.identity())
    with pytest.raises(ValueError, match="group axis of length .H. = 4"):
        action.transform_group_function(np.zeros((8, 3, 3)), groups.identity(), "p4")
    with pytest.raises(ValueError, match="boundary must be one of"):
        action.transform_image(np.zeros((3, 3)), groups.identity(), "reflect")
    with pytest.raises(ValueError, match="not an element of p4"):
        action.transform_group_function(np.zeros((4, 3, 3)), groups.mirror(1), "p4")
    with pytest.raises(ValueError, match="one group element"):
        action.transform_image(np.zeros((3, 3)), np.stack([groups.identity()] * 2))


def test_inputs_not_modified(rng):
    f = _image(rng, (2, 4, 5, 5))
    g = groups.p4_element(1, 1, -1)
    f0, g0 = f.copy(), g.copy()
    f.setflags(write=False), g.setflags(write=False)  # a write into an input would raise
    for fn in (action.transform_group_function, action.transform_group_function_literal):
        fn(f, g, "p4", "wrap")
    action.transform_image(f, g), action.transform_image_literal(f, g, "grow")
    assert np.array_equal(f, f0) and np.array_equal(g, g0)
    for boundary in action.BOUNDARIES:  # even the identity returns a new array, not a view of f
        for out in (action.transform_image(f, groups.identity(), boundary),
                    action.transform_group_function(f, groups.identity(), "p4", boundary)):
            assert out.flags.writeable and not np.shares_memory(out, f)
