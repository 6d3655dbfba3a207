"""Tests for plot.py: the slot layout, the picture of a turned (mirrored) map, filter transforms (V1, V4)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from groupconv import action, correlate, groups, plot  # noqa: E402
from groupconv.checks import residual  # noqa: E402

FILL = -100.0  # outside every slot; the maps below hold integers in -5..5, so it cannot be confused


def integer_map(group, n, rng, lead=()):
    return rng.integers(-5, 6, size=lead + (groups.order(group), n, n)).astype(np.float64)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------- the layout

def test_p4_slots_identity_top_then_left_bottom_right():
    cells, grid = plot.slot_cells("p4")
    assert grid == 3
    assert cells.tolist() == [[0, 1], [1, 0], [2, 1], [1, 2]]  # R(0) top, R(1) left, R(2) bottom, R(3) right


def test_p4m_slots_are_eight_distinct_cells():
    for layout in ("orbit", "rings"):
        cells, grid = plot.slot_cells("p4m", layout)
        assert len({tuple(c) for c in cells}) == 8
        assert cells.min() >= 0 and cells.max() < grid
    cells, _ = plot.slot_cells("p4m", "orbit")
    # mirror partners s and M.s sit in the same column, in rows mirrored about the middle of the 4 x 4 grid
    for s in range(4):
        assert cells[s + 4].tolist() == [3 - cells[s][0], cells[s][1]]


def test_p4m_slots_match_the_diagrams_of_the_module_header():
    # orbit: R0 MR2 on top, MR1 R3 / R1 MR3 on the sides, M R2 at the bottom
    cells, _ = plot.slot_cells("p4m", "orbit")
    assert cells.tolist() == [[0, 1], [2, 0], [3, 2], [1, 3], [3, 1], [1, 0], [0, 2], [2, 3]]
    # rings: rotations next to the centre cell (2, 2), mirrored ones one cell further out
    cells, _ = plot.slot_cells("p4m", "rings")
    assert cells.tolist() == [[1, 2], [2, 1], [3, 2], [2, 3], [4, 2], [2, 0], [0, 2], [2, 4]]


def test_arrange_then_split_gives_the_planes_back(rng):
    for group, layout in (("p4", None), ("p4m", "orbit"), ("p4m", "rings")):
        F = integer_map(group, 5, rng)
        canvas = plot.arrange_canvas(F, group, layout=layout, gap=2, margin=3)
        back = plot.split_canvas(canvas, group, 5, layout=layout, gap=2, margin=3)
        assert residual(back, F).exact
        # every pixel outside the slots is the fill value, and only those
        assert np.isnan(canvas).sum() == canvas.size - F.size


def test_canvas_size_from_geometry():
    size, corners = plot.canvas_geometry(7, "p4", gap=2, margin=3)
    assert size == 2 * 3 + 3 * 7 + 2 * 2
    assert corners.tolist() == [[3, 12], [12, 3], [21, 12], [12, 21]]


# ---------------------------------------------------------------- V1: the group acts on the picture

@pytest.mark.parametrize("group,layout", [("p4", None), ("p4m", "orbit"), ("p4m", "rings")])
@pytest.mark.parametrize("n", [5, 6])
def test_picture_of_turned_map_is_turned_picture(rng, group, layout, n):
    F = integer_map(group, n, rng)
    for r in range(4):
        turned = action.transform_group_function(F, groups.rotation(r), group)
        lhs = plot.arrange_canvas(turned, group, layout=layout, fill=FILL)
        rhs = np.rot90(plot.arrange_canvas(F, group, layout=layout, fill=FILL), r)
        assert residual(lhs, rhs).exact, (group, layout, n, r)


@pytest.mark.parametrize("n", [5, 6])
def test_p4m_orbit_picture_of_mirrored_map_is_flipped_picture(rng, n):
    F = integer_map("p4m", n, rng)
    for s in groups.point_group("p4m"):  # every element of D4, not only the generators
        lhs = plot.arrange_canvas(action.transform_group_function(F, s, "p4m"), "p4m", fill=FILL)
        rhs = action.transform_image(plot.arrange_canvas(F, "p4m", fill=FILL), s)
        assert residual(lhs, rhs).exact, groups.name(s)
    lhs = plot.arrange_canvas(action.transform_group_function(F, groups.mirror(1), "p4m"), "p4m", fill=FILL)
    assert residual(lhs, np.flip(plot.arrange_canvas(F, "p4m", fill=FILL), axis=0)).exact


def test_p4m_rings_mirror_is_a_flip_plus_ring_swap_not_a_flip(rng):
    n = 5
    F = integer_map("p4m", n, rng)
    canvas = plot.arrange_canvas(F, "p4m", layout="rings", fill=FILL)
    mirrored = plot.arrange_canvas(action.transform_group_function(F, groups.mirror(1), "p4m"), "p4m",
                                   layout="rings", fill=FILL)
    assert not residual(mirrored, np.flip(canvas, axis=0)).exact
    assert residual(mirrored, plot.swap_rings(np.flip(canvas, axis=0), n)).exact


@pytest.mark.parametrize("group", ["p4", "p4m"])
def test_picture_of_lifting_correlation_of_turned_input(rng, group):
    # V1 for a real feature map: the picture of (L_R f) * psi is the picture of f * psi turned by 90 degrees.
    f = rng.integers(0, 10, size=(1, 1, 9, 9)).astype(np.float64)
    psi = rng.integers(-2, 3, size=(1, 1, 3, 3)).astype(np.float64)
    before = plot.arrange_canvas(correlate.lifting_correlation(f, psi, group, "same"), group, fill=FILL)
    after = plot.arrange_canvas(correlate.lifting_correlation(np.rot90(f, axes=(-2, -1)), psi, group, "same"),
                                group, fill=FILL)
    assert residual(after, np.rot90(before)).exact


# ---------------------------------------------------------------- channels, drawing

def test_channel_and_batch_selection(rng):
    F = integer_map("p4", 4, rng, lead=(2, 3))
    assert residual(plot.select_planes(F, "p4", channel=2, batch=1), F[1, 2]).exact
    assert residual(plot.select_planes(F[0], "p4", channel=1), F[0, 1]).exact
    assert residual(plot.select_planes(F[0, 0], "p4"), F[0, 0]).exact


def test_plot_group_function_shows_the_canvas_with_a_colour_bar(rng):
    F = integer_map("p4m", 5, rng, lead=(2,))
    fig, ax = plt.subplots()
    im = plot.plot_group_function(ax, F, "p4m", channel=1, cmap="magma", title="x")
    shown = np.ma.filled(im.get_array().astype(np.float64), np.nan)
    expected = plot.arrange_canvas(F[1], "p4m")
    assert np.array_equal(np.isnan(shown), np.isnan(expected))
    assert residual(np.nan_to_num(shown), np.nan_to_num(expected)).exact
    assert im.get_cmap().name.startswith("magma")
    assert len(fig.axes) == 2  # the colour bar
    assert len(ax.texts) == 8 + 1  # a label per slot and the arrows' "R(1)"


def test_signed_data_get_symmetric_colour_limits(rng):
    F = integer_map("p4", 5, rng) + 2.0
    fig, ax = plt.subplots()
    im = plot.plot_group_function(ax, F, "p4", colorbar=False)
    lo, hi = im.get_clim()
    assert lo == -hi == -float(np.max(np.abs(F)))


# ---------------------------------------------------------------- reading the rendered picture

def test_rendered_colours_read_the_rendered_pixels_not_the_array(rng):
    a = rng.integers(-4, 5, size=(3, 3)).astype(np.float64)
    fig, ax = plt.subplots(figsize=(3, 3))
    im = ax.imshow(a, cmap="RdBu_r", vmin=-4, vmax=4, interpolation="nearest")
    shown = plot.rendered_colours(im)
    assert shown.shape == (3, 3, 4) and shown.dtype == np.uint8
    assert residual(shown, plot.colours(im, a)).exact
    assert not residual(shown, plot.colours(im, np.rot90(a))).exact
    # the same array drawn upside down (origin="lower") shows it flipped, and is read so
    fig2, ax2 = plt.subplots(figsize=(3, 3))
    upside_down = ax2.imshow(a, cmap="RdBu_r", vmin=-4, vmax=4, interpolation="nearest", origin="lower")
    assert residual(plot.rendered_colours(upside_down), plot.colours(im, np.flip(a, axis=0))).exact
    # an artist drawn over the image changes what is read; the image's array has not changed
    ax.add_patch(plt.Rectangle((-0.5, -0.5), 1, 1, color="black", zorder=5))
    covered = plot.rendered_colours(im)
    assert residual(covered[0, 0], np.array([0, 0, 0, 255])).exact
    assert residual(covered[1:], plot.colours(im, a[1:])).exact


def test_rendered_colours_need_two_rendered_pixels_per_data_pixel(rng):
    fig, ax = plt.subplots(figsize=(1, 1))
    im = ax.imshow(rng.integers(0, 5, size=(60, 60)), interpolation="nearest")
    with pytest.raises(ValueError, match="larger dpi"):
        plot.rendered_colours(im)
    dpi = fig.dpi
    assert plot.rendered_colours(im, dpi=400).shape == (60, 60, 4)
    assert fig.dpi == dpi  # restored


def test_rendered_colours_of_several_images_of_one_figure(rng):
    a = rng.integers(0, 5, size=(2, 4, 4)).astype(np.float64)
    fig, axes = plt.subplots(1, 2, figsize=(4, 2))
    ims = [ax.imshow(x, vmin=0, vmax=4, interpolation="nearest") for ax, x in zip(axes, a)]
    shown = plot.rendered_colours(ims)
    assert isinstance(shown, list) and len(shown) == 2
    for im, x, colours in zip(ims, a, shown):
        assert residual(colours, plot.colours(im, x)).exact
    other = plt.subplots()[1].imshow(a[0])
    with pytest.raises(ValueError, match="one figure"):
        plot.rendered_colours([ims[0], other])


def test_colours_treat_every_entry_as_one_value():
    fig, ax = plt.subplots()
    im = ax.imshow(np.zeros((2, 2)), cmap="gray", vmin=0, vmax=1)
    values = np.array([[[0.0, 1.0, 0.0]] * 3] * 4)  # last axis of length 3: not an RGB image here
    out = plot.colours(im, values)
    assert out.shape == (4, 3, 3, 4)
    assert residual(out[..., 0], np.round(values * 255)).exact


# ---------------------------------------------------------------- V4: filters and their transforms

@pytest.mark.parametrize("group", ["p4", "p4m"])
def test_filter_transform_figure_shows_the_bank(rng, group):
    k = 3
    psi = rng.integers(-3, 4, size=(groups.order(group), k, k)).astype(np.float64)
    fig, images = plot.plot_filter_transforms(psi, group)
    shown = np.stack([plot.split_canvas(np.nan_to_num(np.ma.filled(im.get_array().astype(np.float64), np.nan)),
                                       group, k, margin=k)
                      for im in images])
    # independent reference: L_s psi by the pixel-by-pixel definition
    literal = np.stack([action.transform_group_function_literal(psi, s, group) for s in groups.point_group(group)])
    assert residual(shown, literal).exact
    # and exactly what the efficient group correlation feeds to the planar engine (L7)
    bank = correlate.expand_group_filter(psi[None, None], group)[0, :, 0]
    assert residual(shown, bank).exact
    # the rendered figure shows it: every patch pixel has the colour of the bank's value
    for s, im in enumerate(images):
        canvas = plot.arrange_canvas(bank[s], group, margin=k)
        inside = np.isfinite(canvas)
        assert residual(plot.rendered_colours(im)[inside], plot.colours(im, canvas[inside])).exact


def test_lifting_filter_transforms_are_rot90_and_flip(rng):
    psi = rng.integers(-3, 4, size=(3, 3)).astype(np.float64)
    fig, images = plot.plot_filter_transforms(psi, "p4m")
    shown = np.stack([np.ma.filled(im.get_array(), np.nan) for im in images])  # a masked entry: NaN, no pass
    expected = np.stack([np.flip(np.rot90(psi, r), axis=0) if m else np.rot90(psi, r)
                         for m in range(2) for r in range(4)])
    assert residual(shown, expected).exact


# ---------------------------------------------------------------- bad input

def test_bad_input_is_rejected_with_clear_messages(rng):
    F = integer_map("p4", 5, rng)
    with pytest.raises(ValueError, match="group must be 'p4' or 'p4m'"):
        plot.arrange_canvas(F, "p6")
    with pytest.raises(ValueError, match="group axis of length 8"):
        plot.arrange_canvas(F, "p4m")
    with pytest.raises(ValueError, match="square"):
        plot.arrange_canvas(F[..., :4], "p4")
    with pytest.raises(ValueError, match="shape"):
        plot.arrange_canvas(F[0], "p4")
    with pytest.raises(ValueError, match="channel"):
        plot.arrange_canvas(F[None], "p4", channel=1)
    with pytest.raises(TypeError, match="channel must be an integer"):
        plot.arrange_canvas(F[None], "p4", channel=0.5)
    with pytest.raises(TypeError, match="numeric"):
        plot.arrange_canvas(F.astype(str), "p4")
    with pytest.raises(ValueError, match="layout for p4"):
        plot.arrange_canvas(F, "p4", layout="rings")
    with pytest.raises(ValueError, match="gap"):
        plot.arrange_canvas(F, "p4", gap=-1)
    with pytest.raises(ValueError, match="has shape"):
        plot.split_canvas(np.zeros((10, 10)), "p4", 5)
    with pytest.raises(ValueError, match="one filter"):
        plot.filter_bank(np.zeros((1, 1, 3, 3)), "p4")
    with pytest.raises(ValueError, match=r"\(\|H\|, k, k\)"):
        plot.filter_bank(np.zeros((3, 3, 3)), "p4")


def test_inputs_are_not_modified(rng):
    F = integer_map("p4m", 5, rng)
    copy = F.copy()
    plot.arrange_canvas(F, "p4m")
    plot.swap_rings(plot.arrange_canvas(F, "p4m", layout="rings"), 5)
    assert residual(F, copy).exact
