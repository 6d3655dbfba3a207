"""The geometry of what is drawn, pinned against coordinates computed here from the conventions.

README "Conventions" and docs/equations.md fix where everything is: pixel (i, j) at (u, v), u
down and v right; hexagonal cell (u, v) at u b1 + v b2 with b1 = (1, 0), b2 = (1/2, sqrt(3)/2),
y up; a turn R(1) (R) is counter-clockwise as displayed. Every expected coordinate below is
computed in this file from those statements (the lattice basis, Cartesian turns and mirrors,
the Cayley table from groups.compose, a bilinear interpolation and a nearest-cell search
written out here), never read back from the functions under test. Where a patch's place is
needed, it is measured on the drawn artist itself (each plane filled with its own value), so
a test says "the arrow leaves the patch that shows plane s", not "the arrow leaves slot_cells[s]".

Covered: plot.plot_group_function (image extent and orientation, arrows, labels, colour
limits, colour bar), plot.draw_arrows, plot.draw_labels, plot.plot_image,
plot.plot_filter_transforms, plot.plot_hexagonal_image (cell polygons), plot.plot_hexagonal_group_function
(patch places, names, limits), the widget's arrow keys and colour limits, and
images.to_hexagonal / images.from_hexagonal (orientation, round trips).
"""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib.backend_bases import KeyEvent  # noqa: E402
from matplotlib.path import Path  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from groupconv import correlate, groups, images, plot, widget  # noqa: E402
from groupconv.checks import SEED  # noqa: E402

FEW = settings(max_examples=12, suppress_health_check=[HealthCheck.too_slow])  # each example draws a figure


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------- the conventions, written out here

SQRT3_2 = np.sqrt(3.0) / 2.0
B1, B2 = np.array([1.0, 0.0]), np.array([0.5, SQRT3_2])  # y up
NEIGHBOURS = [B1, B2, B2 - B1, -B1, -B2, B1 - B2]  # the six neighbours of a cell, counter-clockwise
SQUARE_LAYOUTS = [("p4", "orbit"), ("p4m", "orbit"), ("p4m", "rings")]


def place(u, v):
    """Where hexagonal cell (u, v) lies in the plane: u b1 + v b2."""
    return np.multiply.outer(np.asarray(u, dtype=np.float64), B1) + np.multiply.outer(np.asarray(v, dtype=np.float64), B2)


def hexagon_cells(n):
    """(i, j, u, v) of every cell of the hexagon of radius n // 2 of an n x n axial array, in array order."""
    r = n // 2
    return [(i, j, i - r, j - r) for i in range(n) for j in range(n)
            if max(abs(i - r), abs(j - r), abs(i + j - 2 * r)) <= r]


def hexagon_mask(n):
    mask = np.zeros((n, n), dtype=bool)
    for i, j, _, _ in hexagon_cells(n):
        mask[i, j] = True
    return mask


def turn(degrees):
    c, s = np.cos(np.deg2rad(degrees)), np.sin(np.deg2rad(degrees))
    return np.array([[c, -s], [s, c]])


def cartesian_point_group(group):
    """C6 / D6 as Cartesian 2 x 2 matrices in the canonical order 6m + r: M^m R^r, R = the 60 degree turn, M: y -> -y."""
    mirrors = (0, 1) if group == "p6m" else (0,)
    return [np.linalg.matrix_power(np.diag([1.0, -1.0]), m) @ turn(60.0 * r) for m in mirrors for r in range(6)]


def index_of(element, group):
    """Position of a point-group element in groups.point_group(group), by comparing the integer matrices."""
    hits = [s for s, h in enumerate(groups.point_group(group)) if np.array_equal(h, element)]
    assert len(hits) == 1
    return hits[0]


def wrapped(angle):
    """An angle brought into (-pi, pi]."""
    return np.angle(np.exp(1j * angle))


def labelled_planes(group, n, lattice="square"):
    """A function on G whose plane s holds the value s + 1 everywhere (on the hexagon, hexagonal lattice)."""
    nH = groups.order(group)
    F = (np.arange(nH, dtype=np.float64) + 1.0)[:, None, None] * np.ones((nH, n, n))
    return F * hexagon_mask(n) if lattice == "hexagonal" else F


def shown(im):
    return np.ma.filled(np.ma.asarray(im.get_array()).astype(np.float64), np.nan)


# ---------------------------------------------------------------- square grid: where each patch is drawn

def square_patches(im, nH):
    """For each plane s: (centre (row, col), bounds (top, bottom, left, right)) of its patch, measured on the image."""
    A = shown(im)
    out = []
    for s in range(nH):
        rows, cols = np.nonzero(A == s + 1)
        assert rows.size, f"plane {s} is not drawn"
        out.append(((rows.mean(), cols.mean()),
                    (rows.min() - 0.5, rows.max() + 0.5, cols.min() - 0.5, cols.max() + 0.5)))
    return out


def display(ax, col, row):
    return ax.transData.transform((col, row))


def new_axes(*args, **kwargs):
    """A fresh figure for each example of a property (the previous ones closed)."""
    plt.close("all")
    return plt.subplots(*args, **kwargs)


@given(layout=st.sampled_from(SQUARE_LAYOUTS), n=st.integers(2, 9), gap=st.integers(0, 3), margin=st.integers(0, 4))
@FEW
def test_square_picture_is_drawn_u_down_v_right_and_turns_counter_clockwise(layout, n, gap, margin):
    """imshow with row 0 on top; the patch of R(1) s is the patch of s turned by +90 degrees about the centre (y up)."""
    group, lay = layout
    fig, ax = new_axes()
    im = plot.plot_group_function(ax, labelled_planes(group, n), group, layout=lay, gap=gap, margin=margin)
    fig.canvas.draw()  # the equal aspect is applied when drawn
    N = shown(im).shape[0]
    assert im.origin == "upper"
    assert np.allclose(im.get_extent(), (-0.5, N - 0.5, N - 0.5, -0.5))
    # row 0 is drawn at the top, column 0 on the left
    assert display(ax, 0, 0)[1] > display(ax, 0, N - 1)[1]
    assert display(ax, 0, 0)[0] < display(ax, N - 1, 0)[0]
    H = groups.point_group(group)
    patches = square_patches(im, len(H))
    middle = display(ax, (N - 1) / 2, (N - 1) / 2)
    centre = [display(ax, c[1], c[0]) - middle for c, _ in patches]  # display coordinates: y up
    assert centre[0][1] > 0  # the identity's patch above the centre (module header, docs/widget.md)
    quarter = turn(90.0)
    for s in range(len(H)):
        t = index_of(groups.compose(groups.rotation(1), H[s]), group)
        assert np.allclose(centre[t], quarter @ centre[s], atol=1e-6), (group, lay, s)
        if group == "p4m":
            m = index_of(groups.compose(groups.mirror(1), H[s]), group)
            flipped = np.diag([1.0, -1.0]) @ centre[s]  # M flips the row axis: upside down on screen
            if lay == "rings":  # and exchanges the inner (rotations) and the outer ring (mirrored turns)
                flipped = flipped * (2.0 if s < 4 else 0.5)
            assert np.allclose(centre[m], flipped, atol=1e-6), (group, lay, s)


def arrow_parts(arrow):
    """The curve of a FancyArrowPatch and its head, in data coordinates (the head is the path's last piece)."""
    path = arrow.get_path()
    vertices, codes = path.vertices, path.codes
    starts = np.flatnonzero(codes == Path.MOVETO)
    k = starts[-1]
    assert k > 0, "an arrow without a head"
    head = vertices[k:][codes[k:] != Path.CLOSEPOLY]
    return vertices[:k - 1], head  # (the curve's last point is where matplotlib pulls the line back under the head)


@pytest.mark.parametrize("layout", SQUARE_LAYOUTS)
@pytest.mark.parametrize("n", [3, 5, 8, 12])
def test_arrows_run_counter_clockwise_from_each_patch_to_the_patch_of_r1_times_it(layout, n):
    """One arrow per element s: from the patch of s to the patch of R(1) . s (Cayley table from groups.compose),
    on a circle about the centre, counter-clockwise on screen, head at the end, never over a patch."""
    group, lay = layout
    fig, ax = plt.subplots()
    im = plot.plot_group_function(ax, labelled_planes(group, n), group, layout=lay, colorbar=False)
    fig.canvas.draw()
    H = groups.point_group(group)
    patches = square_patches(im, len(H))
    N = shown(im).shape[0]
    middle = display(ax, (N - 1) / 2, (N - 1) / 2)
    spokes = np.array([display(ax, c[1], c[0]) - middle for c, _ in patches])
    phi, rho = np.arctan2(spokes[:, 1], spokes[:, 0]), np.hypot(spokes[:, 0], spokes[:, 1])
    arrows = [p for p in ax.patches if type(p).__name__ == "FancyArrowPatch"]
    assert len(arrows) == len(H)
    sources = []
    for arrow in arrows:
        curve, head = arrow_parts(arrow)
        # never over a patch
        for _, (top, bottom, left, right) in patches:
            inside = (curve[:, 0] > left) & (curve[:, 0] < right) & (curve[:, 1] > top) & (curve[:, 1] < bottom)
            assert not inside.any()
        d = ax.transData.transform(curve) - middle
        radius = np.hypot(d[:, 0], d[:, 1])
        assert radius.std() < 1e-6 * radius.mean()  # a turn about the centre of the picture
        theta = np.unwrap(np.arctan2(d[:, 1], d[:, 0]))
        assert np.all(np.diff(theta) > 0), "the arrow must run counter-clockwise on screen"
        assert 0 < theta[-1] - theta[0] <= np.pi / 2  # the quarter turn, not the long way round
        # the patches the arrow connects: nearest in angle, on the ring nearest to the arrow's circle ("rings"
        # has two rings of patches on the same rays; the other layouts one)
        ring = np.abs(rho - rho[np.argmin(np.abs(rho - radius.mean()))]) < 1e-6 * rho.max()
        s = int(np.flatnonzero(ring)[np.argmin(np.abs(wrapped(theta[0] - phi[ring])))])
        t = int(np.flatnonzero(ring)[np.argmin(np.abs(wrapped(theta[-1] - phi[ring])))])
        assert 0 < wrapped(theta[0] - phi[s]) < np.pi / 2 and 0 < wrapped(phi[t] - theta[-1]) < np.pi / 2
        assert t == index_of(groups.compose(groups.rotation(1), H[s]), group), (groups.name(H[s]), groups.name(H[t]))
        # the head sits at the end of the curve, where the arrow arrives
        tip = head.mean(axis=0)
        assert np.linalg.norm(tip - curve[-1]) < min(np.linalg.norm(tip - curve[0]), n / 2)
        sources.append(s)
    assert sorted(sources) == list(range(len(H)))
    [name] = [t for t in ax.texts if "R(1)" in t.get_text() and "\u21ba" in t.get_text()]  # counter-clockwise
    assert np.allclose(name.get_position(), ((N - 1) / 2, (N - 1) / 2))


@pytest.mark.parametrize("layout", SQUARE_LAYOUTS)
@pytest.mark.parametrize("n", [2, 5, 9])
def test_each_label_names_its_patch_and_stands_outside_it(layout, n):
    """Label of plane s = groups.name(s), anchored at the middle of the patch edge facing away from the centre
    (towards it for the inner ring of "rings"); its rendered box covers no patch and lies beyond that edge."""
    group, lay = layout
    fig, ax = plt.subplots()
    im = plot.plot_group_function(ax, labelled_planes(group, n), group, layout=lay, arrows=False)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    H = groups.point_group(group)
    patches = square_patches(im, len(H))
    N = shown(im).shape[0]
    middle = np.array([(N - 1) / 2, (N - 1) / 2])
    boxes = [Bbox(ax.transData.transform([(left, bottom), (right, top)])) for _, (top, bottom, left, right) in patches]
    labels = ax.texts
    assert len(labels) == len(H)
    named = []
    for label in labels:
        col, row = label.xy
        found = []
        for s, ((cr, cc), (top, bottom, left, right)) in enumerate(patches):
            for normal, edge in (((-1, 0), (top, cc)), ((1, 0), (bottom, cc)), ((0, -1), (cr, left)), ((0, 1), (cr, right))):
                if np.allclose((row, col), edge, atol=1e-9):
                    found.append((s, np.array(normal)))
        assert len(found) == 1, (label.get_text(), label.xy)
        s, normal = found[0]
        assert label.get_text() == groups.name(H[s], group)
        away = np.array(patches[s][0]) - middle  # (row, col) from the centre of the picture
        if lay == "rings" and s < 4:
            away = -away
        axis = int(np.argmax(np.abs(away)))
        assert normal[axis] == np.sign(away[axis]) and normal[1 - axis] == 0, (label.get_text(), normal, away)
        box = label.get_window_extent(renderer)
        assert not any(box.overlaps(b) for b in boxes), label.get_text()
        edge = display(ax, col, row)
        out = np.array([normal[1], -normal[0]])  # the normal on screen: rows point down, y up
        assert np.dot(np.array([box.x0 + box.x1, box.y0 + box.y1]) / 2 - edge, out) > 0
        named.append(s)
    assert sorted(named) == list(range(len(H)))


# ---------------------------------------------------------------- colour limits

def documented_limits(values):
    """plot_group_function's rule: a negative value -> RdBu_r, (-max|x|, max|x|); else viridis (min, max);
    constant data c -> (c, c + 1)."""
    lo, hi = float(np.min(values)), float(np.max(values))
    if lo < 0:
        top = max(-lo, hi)
        return "RdBu_r", (-top, top)
    return "viridis", (lo, hi if hi > lo else lo + 1.0)


CASES = {
    "min exactly 0": np.array([0.0, 1.0, 3.0]),
    "max exactly 0": np.array([-2.0, -1.0, 0.0]),
    "all zero": np.array([0.0]),
    "negative": np.array([-5.0, -2.0]),
    "symmetric": np.array([-4.0, 0.0, 4.0]),
    "mostly positive, one negative": np.array([-1.0, 2.0, 6.0]),
    "positive, away from 0": np.array([2.0, 7.0]),
    "constant": np.array([3.0]),
}


def spread(values, shape):
    """An array of `shape` holding exactly the given values (repeated)."""
    return np.resize(values, int(np.prod(shape))).reshape(shape)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("colorbar", [False, True])
def test_colour_limits_follow_the_documented_rule(case, colorbar):
    values = CASES[case]
    cmap, limits = documented_limits(values)
    fig, axes = plt.subplots(1, 2)
    F = spread(values, (4, 3, 3))
    im = plot.plot_group_function(axes[0], F, "p4", colorbar=colorbar)
    hexagonal = np.zeros((6, 3, 3))
    hexagonal[:, hexagon_mask(3)] = spread(values, (6, 7))
    coll = plot.plot_hexagonal_group_function(axes[1], hexagonal, "p6", colorbar=colorbar)
    fig.canvas.draw()  # a colour bar must not move the limits
    for artist in (im, coll):
        assert artist.get_clim() == pytest.approx(limits), case
        assert artist.get_cmap().name.startswith(cmap), case
    if cmap == "RdBu_r":  # signed data: 0 is the middle of the colour map (white)
        assert np.array_equal(plot.colours(im, np.array([0.0]))[0], plot.colours(im, np.array([limits[0] + limits[1]]) / 2)[0])
        middle = np.round(np.array(matplotlib.colormaps["RdBu_r"](0.5)) * 255)
        assert np.abs(plot.colours(im, np.array([0.0]))[0].astype(float) - middle).max() <= 1
    else:  # the smallest value gets the bottom of viridis
        bottom = np.round(np.array(matplotlib.colormaps["viridis"](0.0)) * 255)
        assert np.abs(plot.colours(im, np.array([values.min()]))[0].astype(float) - bottom).max() <= 1


@given(data=st.lists(st.integers(-6, 6), min_size=1, max_size=36), shift=st.sampled_from([-3.0, 0.0, 0.5, 4.0]))
@FEW
def test_colour_limits_of_any_data(data, shift):
    values = np.array(data, dtype=np.float64) + shift
    cmap, limits = documented_limits(values)
    F = spread(values, (4, 3, 3))
    fig, ax = new_axes()
    im = plot.plot_group_function(ax, F, "p4")
    assert im.get_clim() == pytest.approx(limits) and im.get_cmap().name.startswith(cmap)
    assert im.colorbar is not None and im.colorbar.mappable is im
    assert im.colorbar.norm.vmin == pytest.approx(limits[0]) and im.colorbar.norm.vmax == pytest.approx(limits[1])
    assert im.colorbar.extend == "neither"  # the automatic limits hold every value


@pytest.mark.parametrize("vmin,vmax,extend", [(-2.0, 2.0, "both"), (-9.0, 2.0, "max"), (-2.0, 9.0, "min"),
                                              (-9.0, 9.0, "neither")])
def test_given_limits_are_kept_and_the_colour_bar_says_what_lies_beyond(vmin, vmax, extend):
    F = spread(np.array([-5.0, 0.0, 5.0]), (4, 3, 3))
    fig, ax = plt.subplots()
    im = plot.plot_group_function(ax, F, "p4", vmin=vmin, vmax=vmax)
    assert im.get_clim() == (vmin, vmax)
    assert im.colorbar.extend == extend


def test_plot_image_is_drawn_as_an_array_with_the_given_limits(rng):
    a = rng.integers(-3, 8, size=(4, 6)).astype(np.float64)
    fig, axes = plt.subplots(1, 2)
    im = plot.plot_image(axes[0], a, colorbar=True)
    assert im.origin == "upper" and np.allclose(im.get_extent(), (-0.5, 5.5, 3.5, -0.5))
    assert display(axes[0], 0, 0)[1] > display(axes[0], 0, 3)[1]  # row 0 on top
    assert im.get_clim() == (a.min(), a.max()) and im.get_cmap().name.startswith("gray")
    assert im.colorbar is not None and im.colorbar.mappable is im
    im2 = plot.plot_image(axes[1], a, cmap="RdBu_r", vmin=-9, vmax=9)
    assert im2.get_clim() == (-9, 9) and np.array_equal(shown(im2), a)


@pytest.mark.parametrize("group", ["p4", "p4m"])
@pytest.mark.parametrize("on_group", [False, True])
def test_filter_transform_panels_order_titles_and_limits(rng, group, on_group):
    """Panel i shows L_s psi for the i-th s, four to a row left to right, top to bottom; one symmetric scale
    +-max|psi| for all (the transforms only move values), a colour bar for it; arrows only for p4."""
    nH = groups.order(group)
    psi = rng.integers(-3, 4, size=((nH, 3, 3) if on_group else (3, 3))).astype(np.float64)
    psi.flat[0] = -7.0  # the largest |value| is negative
    fig, ims = plot.plot_filter_transforms(psi, group)
    H = groups.point_group(group)
    assert len(ims) == nH
    places = [im.axes.get_position() for im in ims]
    for i, (im, box) in enumerate(zip(ims, places)):
        assert im.get_clim() == (-7.0, 7.0)
        if i:
            assert im.axes.get_title() == f"L_{groups.name(H[i], group)} ψ"
        row, col = divmod(i, 4)
        first = places[4 * row]
        assert box.y0 == pytest.approx(first.y0) and (col == 0 or box.x0 > places[i - 1].x0)
        if row:
            assert box.y0 < places[4 * (row - 1)].y0
        arrows = [p for p in im.axes.patches if type(p).__name__ == "FancyArrowPatch"]
        assert len(arrows) == (4 if on_group and group == "p4" else 0)
    [bar] = [ax for ax in fig.axes if ax.get_ylabel() == "filter value"]
    assert ims[0].colorbar is not None and ims[0].colorbar.ax is bar


# ---------------------------------------------------------------- hexagonal cells

def polygon_vertices(coll):
    return [p.vertices[:6] if len(p.vertices) >= 6 else p.vertices for p in coll.get_paths()]


def same_points(a, b, atol=1e-9):
    """a and b hold the same points (any order)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    d = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=-1)
    return bool((d.min(axis=1) < atol).all() and (d.min(axis=0) < atol).all())


# The Voronoi cell of the lattice: each corner is equidistant from a cell and two adjacent neighbours, i.e. the
# centroid of the triangle (0, n_k, n_k+1). Corners straight above and below the centre: pointy-topped.
CORNERS = np.array([(NEIGHBOURS[k] + NEIGHBOURS[(k + 1) % 6]) / 3.0 for k in range(6)])


@given(n=st.sampled_from([1, 3, 5, 7, 9, 11]), seed=st.integers(0, 2 ** 16), holes=st.booleans())
@FEW
def test_hexagonal_cells_are_pointy_topped_voronoi_cells_at_u_b1_plus_v_b2(n, seed, holes):
    rng = np.random.default_rng(seed)
    f = rng.integers(-4, 5, size=(n, n)).astype(np.float64) * hexagon_mask(n)
    if holes:
        f[rng.random((n, n)) < 0.2] = np.nan  # not drawn
    fig, ax = new_axes()
    coll = plot.plot_hexagonal_image(ax, f, cmap="viridis", vmin=-4, vmax=4)
    cells = [(i, j, u, v) for i, j, u, v in hexagon_cells(n) if np.isfinite(f[i, j])]
    polygons = polygon_vertices(coll)
    assert len(polygons) == len(cells)
    assert np.array_equal(np.asarray(coll.get_array()), np.array([f[i, j] for i, j, _, _ in cells]))
    assert CORNERS[:, 0].min() < 0 < CORNERS[:, 0].max()
    assert np.isclose(CORNERS[:, 1].max(), 1 / np.sqrt(3)) and np.isclose(CORNERS[np.argmax(CORNERS[:, 1]), 0], 0)
    for (i, j, u, v), vertices in zip(cells, polygons):
        assert same_points(vertices, place(u, v) + CORNERS), (u, v)
    assert coll.get_clim() == (-4, 4)
    assert ax.get_aspect() == 1.0  # equal axes: the cells are regular hexagons on screen
    # y up on screen: the cell at b2 is drawn above and right of the centre, the cell at b1 to its right
    if n >= 3:
        ax.figure.canvas.draw()
        o, e1, e2 = ax.transData.transform([(0, 0), tuple(B1), tuple(B2)])
        assert e1[0] > o[0] and np.isclose(e1[1], o[1]) and e2[1] > o[1] and e2[0] > o[0]
    (x0, y0), (x1, y1) = ax.viewLim.get_points()
    if polygons:
        every = np.concatenate(polygons)
        assert (every[:, 0] >= x0 - 1e-9).all() and (every[:, 0] <= x1 + 1e-9).all()
        assert (every[:, 1] >= y0 - 1e-9).all() and (every[:, 1] <= y1 + 1e-9).all()


@pytest.mark.parametrize("group", ["p6", "p6m"])
@pytest.mark.parametrize("n", [1, 3, 5, 7])
def test_hexagonal_patches_sit_at_s_p0_and_are_named_on_their_rays(group, n):
    """Patch s is the hexagon of radius n // 2 about C(s) c0, C(s) the Cartesian turn/mirror, c0 (the identity's)
    on the right; the name of s stands on the ray from the centre through its patch, beyond the patch,
    covering no cell, inside the axes and clear of the title and the colour bar."""
    nH = groups.order(group)
    fig, ax = plt.subplots()
    coll = plot.plot_hexagonal_group_function(ax, labelled_planes(group, n, "hexagonal"), group, title="a title")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    values = np.asarray(coll.get_array())
    polygons = polygon_vertices(coll)
    centroids = np.array([p.mean(axis=0) for p in polygons])
    patch = [centroids[values == s + 1] for s in range(nH)]
    assert len(values) == nH * len(hexagon_cells(n))
    centre = np.array([p.mean(axis=0) for p in patch])
    c0 = centre[0]
    assert c0[0] > 0 and abs(np.arctan2(c0[1], c0[0])) < np.pi / 6  # the identity's patch on the right
    offsets = np.array([place(u, v) for _, _, u, v in hexagon_cells(n)])
    for s, C in enumerate(cartesian_point_group(group)):
        assert np.allclose(centre[s], C @ c0, atol=1e-9), s
        assert same_points(patch[s] - centre[s], offsets), s
    cells = [Path(ax.transData.transform(p)) for p in polygons]
    around = [b.get_window_extent(renderer) for b in (ax.title, *fig.axes[1:])]
    H = groups.point_group(group)
    names = ax.texts
    assert len(names) == nH
    for s, name in enumerate(names):
        assert name.get_text() == groups.name(H[s], group)
        tip = np.array(name.xy, dtype=np.float64)
        ray = centre[s] / np.linalg.norm(centre[s])
        assert abs(ray[0] * tip[1] - ray[1] * tip[0]) < 1e-9 and np.dot(tip, ray) > 0  # on the ray
        corners_of_patch = np.concatenate([polygons[k] for k in np.flatnonzero(values == s + 1)])
        assert np.dot(tip, ray) > (corners_of_patch @ ray).max()  # beyond every cell of the patch
        box = name.get_window_extent(renderer)
        assert not any(cell.intersects_bbox(box, filled=True) for cell in cells), name.get_text()
        assert not any(box.overlaps(b) for b in around), name.get_text()
        frame = ax.get_window_extent(renderer)
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
    (x0, y0), (x1, y1) = ax.viewLim.get_points()
    every = np.concatenate(polygons)
    assert every[:, 0].min() > x0 and every[:, 0].max() < x1 and every[:, 1].min() > y0 and every[:, 1].max() < y1


# ---------------------------------------------------------------- the widget

def key(w, name):
    w.fig.canvas.callbacks.process("key_press_event", KeyEvent("key_press_event", w.fig.canvas, name))


SQUARE_KEYS = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}  # rows down, columns right
HEX_STEPS = {"right": (1, 0), "left": (-1, 0), "up": (0, 1), "down": (0, -1)}  # docs/widget.md: along b1 and b2
SCREEN = {"right": (1, 0), "left": (-1, 0), "up": (0, 1), "down": (0, -1)}  # sign of the move on screen (x, y up)


def test_square_arrow_keys_move_the_input_one_pixel_the_way_they_point(rng):
    image = rng.integers(0, 10, size=(21, 21)).astype(np.float64)
    image[10, 10] = 50.0  # a spot to follow on screen
    w = widget.Widget(image, group="p4")
    for name, (du, dv) in SQUARE_KEYS.items():
        key(w, "0")
        key(w, name)
        assert np.array_equal(w.image, np.roll(image, (du, dv), axis=(0, 1))), name
        assert np.array_equal(w.g, groups.translation(du, dv))
        [(row, col)] = np.argwhere(shown(w.im_in) == 50.0)
        move = display(w.ax_in, col, row) - display(w.ax_in, 10, 10)
        assert np.array_equal(np.sign(np.round(move, 6)), SCREEN[name]), name


def periodic_hexagon_shift(f, du, dv):
    """out(x) = f(x - (du, dv)) on the periodic hexagon: x - t brought back into the hexagon by the periods
    a1 = (2r + 1, -r), a2 = (r, r + 1) (docs/equations.md), found by searching, exactly one representative."""
    n = f.shape[0]
    r = n // 2
    a1, a2 = np.array([2 * r + 1, -r]), np.array([r, r + 1])
    out = np.zeros_like(f)
    for i, j, u, v in hexagon_cells(n):
        hits = []
        for p in range(-3, 4):
            for q in range(-3, 4):
                su, sv = np.array([u - du, v - dv]) + p * a1 + q * a2
                if max(abs(su), abs(sv), abs(su + sv)) <= r:
                    hits.append((su, sv))
        assert len(hits) == 1
        out[i, j] = f[hits[0][0] + r, hits[0][1] + r]
    return out


def zero_border_shift(f, du, dv):
    """out(x) = f(x - (du, dv)) where x - t lies in the hexagon, else 0."""
    n = f.shape[0]
    r = n // 2
    out = np.zeros_like(f)
    for i, j, u, v in hexagon_cells(n):
        su, sv = u - du, v - dv
        if max(abs(su), abs(sv), abs(su + sv)) <= r:
            out[i, j] = f[su + r, sv + r]
    return out


def hexagonal_input(rng, n=11):
    f = rng.integers(0, 10, size=(n, n)).astype(np.float64) * hexagon_mask(n)
    f[n // 2, n // 2] = 50.0
    return f


@pytest.mark.parametrize("group", ["p6", "p6m"])
def test_hexagonal_arrow_keys_step_along_b1_and_b2(rng, group):
    """right/left: +-b1, up/down: +-b2 (up and to the right), checked on the array against a shift computed here
    (the periodic hexagon on p6, a zero border on p6m) and on screen, where the drawn spot moves by the vector."""
    f = hexagonal_input(rng)
    w = widget.Widget(f, group=group)
    shift = periodic_hexagon_shift if group == "p6" else zero_border_shift
    for name, (du, dv) in HEX_STEPS.items():
        key(w, "0")
        drawn = polygon_vertices(w.im_in)
        before = drawn[int(np.flatnonzero(np.asarray(w.im_in.get_array()) == 50.0)[0])].mean(axis=0)
        key(w, name)
        assert np.array_equal(w.image, shift(f, du, dv)), (group, name)
        assert np.array_equal(w.g, groups.translation(du, dv))
        after = drawn[int(np.flatnonzero(np.asarray(w.im_in.get_array()) == 50.0)[0])].mean(axis=0)
        assert np.allclose(after - before, du * B1 + dv * B2), (group, name)
        move = w.ax_in.transData.transform(after) - w.ax_in.transData.transform(before)
        assert np.sign(np.round(move[0], 6)) == np.sign(du + dv / 2) and np.sign(np.round(move[1], 6)) == np.sign(dv)
    # a sequence of keys moves by the sum of the steps
    key(w, "0")
    names = list(np.random.default_rng(SEED).choice(list(HEX_STEPS), size=7))
    for name in names:
        key(w, name)
    total = np.sum([HEX_STEPS[name] for name in names], axis=0)
    assert np.array_equal(w.image, shift(f, *total)) and np.array_equal(w.g, groups.translation(*total))


def lifted(image, filters, group, mode):
    F = correlate.lifting_correlation(image[None, None], filters[0], group, mode)
    for psi in filters[1:]:
        F = correlate.group_correlation(np.maximum(F, 0.0), psi, group, mode)
    return F[0]


@pytest.mark.parametrize("group", ["p4", "p4m", "p6", "p6m"])
def test_widget_colour_limits_are_those_of_the_drawn_channel(rng, group):
    """+-(98th percentile of |output|) of the drawn channel, over the cells drawn (the hexagon on p6, p6m)."""
    hexagonal = group in ("p6", "p6m")
    image = hexagonal_input(rng, 15) if hexagonal else rng.integers(0, 10, size=(15, 15)).astype(np.float64)
    mode = {"p4": "circular", "p4m": "circular", "p6": "circular", "p6m": "same"}[group]
    frame = hexagon_mask(15) if hexagonal else np.ones((15, 15), dtype=bool)
    tops = []
    for channel in (0, 1):
        w = widget.Widget(image, group=group, depth=2, channel=channel)
        F = lifted(image, w.filters, group, mode)
        top = float(np.percentile(np.abs(F[channel][..., frame]), 98.0))
        assert w.im_out.get_clim() == pytest.approx((-top, top)), channel
        assert w.im_out.colorbar is not None and w.im_out.colorbar.norm.vmin == pytest.approx(-top)
        assert w.im_in.get_clim() == ((0, 255) if hexagonal else (image.min(), image.max()))
        tops.append(top)
        plt.close(w.fig)
    assert tops[0] != tops[1]  # the two channels differ, so the test can tell which one set the limits


def test_widget_colour_limits_of_an_all_zero_output():
    w = widget.Widget(np.zeros((9, 9)), group="p4")
    assert w.im_out.get_clim() == (-1.0, 1.0)


# ---------------------------------------------------------------- resampling onto the hexagonal lattice

def bilinear(image, rows, cols):
    """The image read at (rows, cols) by bilinear interpolation, written out; 0 beyond the pixels."""
    R, C = image.shape
    r0, c0 = np.floor(rows).astype(np.int64), np.floor(cols).astype(np.int64)
    fr, fc = rows - r0, cols - c0

    def at(i, j):
        inside = (i >= 0) & (i < R) & (j >= 0) & (j < C)
        return np.where(inside, image[np.clip(i, 0, R - 1), np.clip(j, 0, C - 1)], 0.0)

    return ((1 - fr) * (1 - fc) * at(r0, c0) + (1 - fr) * fc * at(r0, c0 + 1)
            + fr * (1 - fc) * at(r0 + 1, c0) + fr * fc * at(r0 + 1, c0 + 1))


def sample_places(shape, n, scale, angle):
    """(rows, cols) where each cell of the n x n axial array reads a rows x cols image: its place, turned by -angle,
    in pixels about the image centre, y up (so rows = centre - scale y)."""
    us, vs = np.meshgrid(np.arange(n) - n // 2, np.arange(n) - n // 2, indexing="ij")
    xy = place(us, vs) @ turn(-angle).T
    return (shape[0] - 1) / 2 - scale * xy[..., 1], (shape[1] - 1) / 2 + scale * xy[..., 0]


@given(rows=st.integers(3, 40), cols=st.integers(3, 40), n=st.sampled_from([1, 3, 5, 7, 9, 13]),
       shrink=st.sampled_from([None, 1.0, 0.7, 0.31]), angle=st.sampled_from([0.0, 60.0, 90.0, -45.0, 17.5, 300.0]),
       seed=st.integers(0, 2 ** 16))
@settings(max_examples=60)
def test_to_hexagonal_reads_each_cell_at_its_place_y_up(rows, cols, n, shrink, angle, seed):
    """Cell (u, v) holds the bilinear reading of the image at u b1 + v b2 (turned by -angle), row = centre - scale y."""
    image = np.random.default_rng(seed).integers(0, 100, size=(rows, cols)).astype(np.float64)
    fitting = (min(rows, cols) - 1) / 2 / max(n // 2, 1)
    scale = fitting if shrink is None else shrink * fitting
    out = images.to_hexagonal(image, n, scale=None if shrink is None else scale, angle=angle)
    r, c = sample_places(image.shape, n, scale, angle)
    mask = hexagon_mask(n)
    assert not out[~mask].any()
    # the places on the image's border can fall outside it by round-off (see the xfail test below): left out here
    inner = mask & (r > 1e-9) & (r < rows - 1 - 1e-9) & (c > 1e-9) & (c < cols - 1 - 1e-9)
    assert np.abs(out[inner] - bilinear(image, r, c)[inner]).max(initial=0.0) <= 1e-9


def test_to_hexagonal_puts_the_top_left_of_the_image_at_the_upper_left_cells():
    """A bright block in the top-left corner lands on cells with x < 0 and y > 0 (y up), the one nearest to it
    brightest; a gradient down the image decreases with y, one to the right increases with x."""
    image = np.zeros((41, 41))
    image[8:17, 8:17] = 1.0  # 9 x 9 pixels centred 8 pixels up and 8 left of the centre pixel (20, 20)
    n, scale = 11, 4.0  # radius 5: the hexagon fits (4 * 5 = 20 pixels)
    out = images.to_hexagonal(image, n, scale=scale, order=0)
    lit = [(u, v) for i, j, u, v in hexagon_cells(n) if out[i, j] > 0]
    assert lit and all(place(u, v)[0] < 0 and place(u, v)[1] > 0 for u, v in lit)
    spot = np.array([-8.0, 8.0]) / scale  # (x, y) of the block's centre, in lattice steps
    nearest = min(hexagon_cells(n), key=lambda cell: np.linalg.norm(place(cell[2], cell[3]) - spot))
    assert out[nearest[0], nearest[1]] == 1.0
    rows, cols = np.meshgrid(np.arange(41.0), np.arange(41.0), indexing="ij")
    for ramp, slope in ((rows, np.array([0.0, -scale])), (cols, np.array([scale, 0.0]))):
        sampled = images.to_hexagonal(ramp, n, scale=scale)
        for i, j, u, v in hexagon_cells(n):
            assert sampled[i, j] == pytest.approx(20.0 + place(u, v) @ slope, abs=1e-9)


def test_corner_cells_read_the_edge_pixels_at_the_fitting_scale():
    """At the fitting scale the cells at x = +-r lie on the image's border; computed a few ulp outside it they read 0
    (map_coordinates, mode "constant"); images._onto_edge puts them back. Every odd n for the sizes 3..64 (of the
    sizes 3..139, 169 pairs read a zero before the fix; 31 of them lie in this range)."""
    for size, n in [(size, n) for size in range(3, 65) for n in range(1, size + 1, 2)]:
        out = images.to_hexagonal(np.ones((size, size)), n)
        assert (out[hexagon_mask(n)] == pytest.approx(1.0)), (size, n)


def nearest_cells(size, n, scale):
    """For each pixel of a size x size grid: the axial (u, v) of the nearest lattice point, found by searching the
    neighbours of the rounded coefficients, and whether the nearest is clearly nearer than the next one."""
    centre = (size - 1) / 2
    row, col = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    xy = np.stack([(col - centre) / scale, (centre - row) / scale], axis=-1)  # y up
    v0 = np.floor(xy[..., 1] / SQRT3_2)
    u0 = np.floor(xy[..., 0] - v0 / 2)
    candidates = [(u0 + du, v0 + dv) for du in range(-2, 4) for dv in range(-2, 4)]
    dist = np.stack([np.linalg.norm(xy - place(u, v), axis=-1) for u, v in candidates])
    order = np.argsort(dist, axis=0)
    best, second = np.take_along_axis(dist, order[:2], axis=0)
    us = np.stack([u for u, _ in candidates])
    vs = np.stack([v for _, v in candidates])
    pick = order[0][None]
    return (np.take_along_axis(us, pick, 0)[0].astype(np.int64), np.take_along_axis(vs, pick, 0)[0].astype(np.int64),
            second - best > 1e-9)


@given(n=st.sampled_from([1, 3, 5, 7, 9]), size=st.integers(3, 48), scale=st.sampled_from([None, 0.8, 2.0, 3.3]),
       seed=st.integers(0, 2 ** 16))
@settings(max_examples=40)
def test_from_hexagonal_paints_every_pixel_with_the_nearest_cell(n, size, scale, seed):
    f = np.random.default_rng(seed).integers(1, 100, size=(n, n)).astype(np.float64) * hexagon_mask(n)
    out = images.from_hexagonal(f, size, scale=scale, fill=-1.0)
    s = (size - 1) / 2 / max(n // 2, 1) if scale is None else scale
    u, v, clear = nearest_cells(size, n, s)
    r = n // 2
    inside = np.maximum(np.maximum(np.abs(u), np.abs(v)), np.abs(u + v)) <= r
    expected = np.where(inside, f[np.clip(u + r, 0, n - 1), np.clip(v + r, 0, n - 1)], -1.0)
    assert np.array_equal(out[clear], expected[clear])


@given(n=st.sampled_from([1, 3, 5, 7, 9, 11]), extra=st.integers(0, 12), seed=st.integers(0, 2 ** 16))
@settings(max_examples=30)
def test_round_trips_between_the_square_and_the_hexagonal_grid(n, extra, seed):
    """from_hexagonal then to_hexagonal (nearest pixel) gives the cells back; to_hexagonal then from_hexagonal
    shows each cell's value at the pixel nearest to its place (at least 2 pixels per lattice step)."""
    rng = np.random.default_rng(seed)
    size = max(4 * (n // 2) + 1, 5) + extra  # at least 2 pixels per lattice step
    f = rng.integers(1, 100, size=(n, n)).astype(np.float64) * hexagon_mask(n)
    back = images.to_hexagonal(images.from_hexagonal(f, size, fill=0.0), n, order=0)
    assert np.array_equal(back, f)
    image = rng.integers(0, 100, size=(size, size)).astype(np.float64)
    cells = images.to_hexagonal(image, n)
    square = images.from_hexagonal(cells, size)
    r, c = sample_places(image.shape, n, (size - 1) / 2 / max(n // 2, 1), 0.0)
    for i, j, _, _ in hexagon_cells(n):
        assert square[int(np.rint(r[i, j])), int(np.rint(c[i, j]))] == cells[i, j]
