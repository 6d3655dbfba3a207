"""Pictures of functions on p4 and p4m: one patch per rotation (and mirror) (docs/equations.md V1, V4).

A function on G = p4 or p4m is stored as an array (|H|, n, n) (action.py): plane s at
pixel x holds F(t(x) . s), s in the canonical order of groups.py. We draw plane s as an
n x n patch in a *slot* of a square canvas, and choose the slots so that the group acts
on the picture as it acts on the plane:

    slot(s) = s . p0     (s moves the slot of the identity, p0, about the canvas centre)

Why this is the right rule. For a point-group element g, action.py gives
(L_g F) plane s = L_g (F plane g^-1 s): plane s' of F turns (or flips) as an image and
moves to slot g s' = g . slot(s'). Turning (flipping) the whole canvas about its centre
does exactly that to the patch in slot(s'): it turns the patch's content and carries its
centre to g . slot(s'). Hence, exactly, for every g in H

    canvas(L_g F) = L_g canvas(F)        e.g. canvas(L_R(1) F) == np.rot90(canvas(F))   (V1)

(the canvas is square with its centre at the centre of the slot grid, so np.rot90 and
np.flip(axis=0) are R(1) and M about that centre, in the coordinates of action.py).

Layouts (cells of n x n pixels separated by `gap` pixels, a `margin` around them):

    p4, 3 x 3 cells          p4m "orbit", 4 x 4 cells         p4m "rings", 5 x 5 cells
                                 .    R0   MR2  .                  .  .  MR2 . .
       .   R0   .                MR1  .    .    R3                 .  .  R0 .  .
       R1  .    R3               R1   .    .    MR3                MR1 R1 . R3 MR3
       .   R2   .                .    M    R2   .                  .  .  R2 .  .
                                                                   .  .  M  .  .
    (Rr = R(r), MRr = M.R(r), R0 = identity.)

p4: the identity on top, R(1) on the left, R(2) at the bottom, R(3) on the right: a
quarter turn of the input turns the picture by 90 degrees counter-clockwise, every patch
turns and moves one slot on (top -> left -> bottom -> right).

p4m "orbit" (the default): one ring of 8 slots around a 2 x 2 hole. p0 lies off every
mirror axis of the square, so the 8 slots s . p0 are distinct and *both* generators act
on the whole picture: a quarter turn turns it (np.rot90) and the mirror M flips it upside
down (np.flip(axis=0)), since M flips the row axis. Mirror partners s and M s sit
opposite each other across the horizontal midline.

p4m "rings": the rotations on an inner ring (as in p4), the mirrored elements M . R(r)
on an outer ring, slot(M^m . R(r)) = (1 + m) . (M^m . R(r)) . p0. A quarter turn still
turns the whole picture. The mirror cannot: flipping a picture keeps each patch's
distance from the centre, but M exchanges rotations and mirrored elements, i.e. the two
rings. What it does instead: flip the picture upside down, then exchange the inner and
outer patch on every ray from the centre (swap_rings). Both statements are checked in
tests/test_plot.py.

Canvas pixels outside every slot hold `fill` (NaN by default, drawn as background).
"""
import numbers

import numpy as np

from . import correlate, groups, lattices, limits

LAYOUTS = {"p4": ("orbit",), "p4m": ("orbit", "rings")}

# The identity's slot p0, in half-cell units from the centre of the cell grid (row, column):
# p4: top middle of a 3 x 3 grid; p4m "orbit": second cell of the top row of a 4 x 4 grid;
# p4m "rings": just above the centre of a 5 x 5 grid.
_GRID = {("p4", "orbit"): 3, ("p4m", "orbit"): 4, ("p4m", "rings"): 5}
_P0 = {("p4", "orbit"): (-2, 0), ("p4m", "orbit"): (-3, -1), ("p4m", "rings"): (-2, 0)}


# ---------------------------------------------------------------- input checks

def _check_group(group):
    if group not in LAYOUTS:
        raise ValueError(f"group must be 'p4' or 'p4m', got {group!r}")
    return group


def _check_layout(group, layout):
    layout = "orbit" if layout is None else layout
    if layout not in LAYOUTS[group]:
        raise ValueError(f"layout for {group} must be one of {LAYOUTS[group]}, got {layout!r}")
    return layout


def _numeric(a, what):
    """a as a real numeric ndarray: masked arrays, booleans, complex numbers and non-numbers raise TypeError."""
    a = limits.plain_array(a, what)
    if a.dtype == object or a.dtype == bool or not np.issubdtype(a.dtype, np.number):
        raise TypeError(f"{what} must be a numeric array, got dtype {a.dtype}")
    if a.dtype.kind == "c":
        raise TypeError(f"{what} must be real to be drawn, got the complex dtype {a.dtype} "
                        f"(draw its .real, .imag or abs() instead)")
    return a


def _fill(value):
    """The value of canvas pixels outside every slot: a real number (NaN included), else TypeError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"fill must be a real number (NaN: drawn as background), got {value!r}")
    return float(value)


def _index(value, size, what):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{what} must be an integer in 0..{size - 1}, got {value!r}")
    if not 0 <= value < size:
        raise ValueError(f"{what} must be in 0..{size - 1} (the map has {size}), got {value}")
    return int(value)


def select_planes(feature_map, group, channel=0, batch=0):
    """The |H| planes of one channel: (|H|, n, n) from (|H|, n, n), (C, |H|, n, n) or (B, C, |H|, n, n)."""
    _check_group(group)
    F = _numeric(feature_map, "the feature map")
    nH = groups.order(group)
    if F.ndim not in (3, 4, 5):
        raise ValueError(f"a function on {group} must have shape (|H|, n, n), (C, |H|, n, n) or "
                         f"(B, C, |H|, n, n) with |H| = {nH}; got shape {F.shape}")
    if F.shape[-3] != nH:
        raise ValueError(f"a function on {group} has a group axis of length {nH} (third axis from the end), "
                         f"got shape {F.shape}")
    if F.shape[-1] != F.shape[-2]:
        raise ValueError(f"the planes must be square (n x n) so that they can turn; got {F.shape[-2]} x {F.shape[-1]}")
    if F.ndim == 5:
        F = F[_index(batch, F.shape[0], "batch")]
    if F.ndim == 4:
        F = F[_index(channel, F.shape[0], "channel")]
    return F


# ---------------------------------------------------------------- the layout

def slot_cells(group, layout=None):
    """(cells, grid): cells[s] = (row, column) of the slot of point-group element s in a grid x grid grid.

    slot(s) = s . p0 computed with the 2 x 2 linear part of s (groups.point_group), in
    half-cell units about the grid centre; p4m "rings" scales mirrored slots by 2.
    """
    _check_group(group)
    layout = _check_layout(group, layout)
    grid = _GRID[group, layout]
    p0 = np.array(_P0[group, layout], dtype=np.int64)
    H = groups.point_group(group)
    positions = H[:, :2, :2] @ p0  # s . p0, half-cell units
    if layout == "rings":
        positions = positions * (1 + np.arange(len(H)) // 4)[:, None]  # outer ring for M^1 . R(r)
    cells = (positions + (grid - 1)) // 2
    return cells, grid


def canvas_geometry(n, group, layout=None, gap=None, margin=None):
    """(size, corners): canvas side in pixels and the top-left pixel (row, column) of each slot.

    Defaults: gap = max(1, n // 8), margin = max(1, n // 4). A canvas larger than
    limits.MAX_ARRAY_BYTES (as float64) is refused with ValueError, before anything is allocated.
    """
    n = limits.integer(n, "the patch size n", minimum=1)
    gap = max(1, n // 8) if gap is None else limits.integer(gap, "gap (pixels between slots)")
    margin = max(1, n // 4) if margin is None else limits.integer(margin, "margin (pixels around the slots)")
    cells, grid = slot_cells(group, layout)
    size = 2 * margin + grid * n + (grid - 1) * gap  # Python integers: no wrap-around
    limits.check_allocation((size, size), np.float64, f"the canvas (patch size {n}, gap {gap}, margin {margin})")
    corners = margin + cells * (n + gap)
    return size, corners


def arrange_canvas(feature_map, group, channel=0, batch=0, layout=None, gap=None, margin=None, fill=np.nan):
    """The picture of a function on p4/p4m as one 2-D array: plane s pasted into slot(s) (V1).

    Parameters
    ----------
    feature_map : array (|H|, n, n), (C, |H|, n, n) or (B, C, |H|, n, n)
    group : "p4" or "p4m"
    channel, batch : which channel (and batch item) to draw when there are several
    layout : "orbit" (default) or, for p4m, "rings" (see the module header)
    gap, margin : pixels between slots and around them (see canvas_geometry)
    fill : value of the pixels outside every slot (NaN: drawn as background)

    Returns
    -------
    array (N, N), float64, N = 2 margin + grid n + (grid - 1) gap.

    Notes
    -----
    With the "orbit" layout, for every point-group element g (V1):
        arrange_canvas(L_g F) = L_g arrange_canvas(F)
    e.g. the canvas of L_R(1) F is np.rot90 of the canvas of F, and for p4m the canvas of
    L_M F is np.flip(canvas of F, axis=0). With "rings" this holds for the rotations; the
    mirror also swaps the rings (swap_rings). Exact: pixels are only moved, never computed.
    """
    F = select_planes(feature_map, group, channel, batch)
    n = F.shape[-1]
    size, corners = canvas_geometry(n, group, layout, gap, margin)
    canvas = np.full((size, size), _fill(fill), dtype=np.float64)
    for s, (a, b) in enumerate(corners):
        canvas[a:a + n, b:b + n] = F[s]
    return canvas


def split_canvas(canvas, group, n, layout=None, gap=None, margin=None):
    """Inverse of arrange_canvas: the (|H|, n, n) planes read back from their slots."""
    canvas = _numeric(canvas, "the canvas")
    size, corners = canvas_geometry(n, group, layout, gap, margin)
    if canvas.shape != (size, size):
        raise ValueError(f"a {group} canvas of {n} x {n} patches has shape ({size}, {size}), got {canvas.shape}")
    return np.stack([canvas[a:a + n, b:b + n] for a, b in corners])


def swap_rings(canvas, n, gap=None, margin=None):
    """p4m "rings" canvas with the inner and outer patch of every ray exchanged.

    What the mirror does to a "rings" picture besides flipping it:
    canvas(L_M F) = swap_rings(np.flip(canvas(F), axis=0)).
    """
    planes = split_canvas(canvas, "p4m", n, "rings", gap, margin)
    _, corners = canvas_geometry(n, "p4m", "rings", gap, margin)
    cells, _ = slot_cells("p4m", "rings")
    # The slot on the same ray at the other radius: the ring position (1 + m) d becomes (2 - m) d.
    by_cell = {tuple(c): s for s, c in enumerate(cells)}
    out = np.array(canvas, dtype=np.float64, copy=True)
    for s, c in enumerate(cells):
        m = s // 4
        d = (2 * c - 4) // (1 + m)  # unit direction in half-cell units (grid 5: centre at 2)
        partner = by_cell[tuple((d * (2 - m) + 4) // 2)]
        a, b = corners[partner]
        out[a:a + n, b:b + n] = planes[s]
    return out


# ---------------------------------------------------------------- drawing

def _colour_limits(values, cmap, vmin, vmax):
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if cmap is None:
        cmap = "RdBu_r" if lo < 0 else "viridis"
    if vmin is None and vmax is None and lo < 0:
        top = max(abs(lo), abs(hi)) or 1.0
        return cmap, -top, top  # signed data: white = 0, symmetric limits
    if vmin is None and vmax is None and hi == lo:
        hi = lo + 1.0  # constant data: not the singular (c, c), which a colour bar would widen on its own
    return cmap, lo if vmin is None else vmin, hi if vmax is None else vmax


def _label_size(fontsize):
    """Font size of slot labels: as given, else one point below matplotlib's font.size (12 pt in the slide style)."""
    if fontsize is not None:
        return fontsize
    import matplotlib

    return max(8.0, float(matplotlib.rcParams["font.size"]) - 1.0)


def _slot_centres(n, group, layout, gap, margin):
    size, corners = canvas_geometry(n, group, _check_layout(group, layout), gap, margin)
    return size, corners + (n - 1) / 2.0  # pixel coordinates (row, column) of each patch centre


def _arc(ax, points, style, colour):
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    xy = np.column_stack([points[:, 1], points[:, 0]])  # (column, row) = (x, y) for matplotlib
    arrow = FancyArrowPatch(path=Path(xy), arrowstyle="-|>", mutation_scale=11, color=colour, lw=1.2,
                            linestyle=style, shrinkA=0, shrinkB=0)
    ax.add_patch(arrow)
    return arrow


def _cycle_radii(n, group, layout, gap):
    """Radius (pixels) of the circle the R(1)-arrows of each cycle run on."""
    gap = max(1, n // 8) if gap is None else gap
    step = n + gap  # distance between neighbouring cell centres
    if layout == "rings":
        return step, 2 * step  # through the empty cells between the slots of each ring
    if group == "p4":
        return (step,)  # through the empty corner cells
    return 0.8 * step, 0.5 * step  # p4m "orbit": two circles inside the central hole


def draw_arrows(ax, n, group, layout=None, gap=None, margin=None, colour="0.2", fontsize=None):
    """Arrows showing where a quarter turn of the input moves every patch: slot(s) -> slot(R(1) s).

    Each arrow runs counter-clockwise round the centre of the picture. The rotations
    R(r) form one cycle (solid); for p4m the mirrored elements M . R(r) form a second
    cycle (dotted): R(1) . M . R(r) = M . R(r - 1). (The mirror partners s and M . s sit
    in slots that are mirror images across the horizontal midline ("orbit") or on one
    ray at the two radii ("rings"); see the module header.)
    """
    layout = _check_layout(_check_group(group), layout)
    size, centres = _slot_centres(n, group, layout, gap, margin)
    middle = (size - 1) / 2.0
    table = groups.cayley_table(group)
    radii = _cycle_radii(n, group, layout, gap)
    inset = max(0.75, n / 12)
    angle = np.arctan2(-(centres[:, 0] - middle), centres[:, 1] - middle)  # screen angle, y up
    arrows = []
    for cycle, (members, style) in enumerate(((range(4), "-"), (range(4, 8), ":"))):
        if cycle >= len(radii) or (group == "p4" and cycle == 1):
            break
        rho = radii[cycle]
        for s in members:
            t = table[1, s]  # R(1) . s, the slot the patch moves to
            a0, a1 = angle[s], angle[t]
            a1 = a1 + 2 * np.pi if a1 <= a0 else a1  # counter-clockwise
            theta = np.linspace(a0, a1, 200)
            pts = np.column_stack([middle - rho * np.sin(theta), middle + rho * np.cos(theta)])
            # keep the points outside every patch (grown by `inset`), and a margin of angle at each end
            outside = np.ones(len(pts), dtype=bool)
            for c in centres:
                outside &= np.max(np.abs(pts - c), axis=1) > n / 2 + inset
            outside &= (theta > a0 + 0.12) & (theta < a1 - 0.12)
            idx = np.flatnonzero(outside)
            if idx.size < 2:
                continue
            arrows.append(_arc(ax, pts[idx[0]:idx[-1] + 1], style, colour))
    arrows.append(ax.text(middle, middle, "R(1) \u21ba", ha="center", va="center", fontsize=_label_size(fontsize),
                          color=colour))
    return arrows


def draw_labels(ax, n, group, layout=None, gap=None, margin=None, fontsize=None):
    """Write each slot's group element (groups.name) just outside its patch, at the middle of the edge
    facing away from the centre of the picture (the inner ring of "rings": the edge facing the
    centre, since the outer ring is in the way on the other side).

    fontsize None: one point below matplotlib's font.size.
    """
    layout = _check_layout(_check_group(group), layout)
    size, centres = _slot_centres(n, group, layout, gap, margin)
    middle = (size - 1) / 2.0
    texts = []
    for s, g in enumerate(groups.point_group(group)):
        row, col = centres[s]
        d = np.array([row - middle, col - middle])
        if layout == "rings" and s < 4:
            d = -d  # inner ring: write towards the centre, the outer ring is in the way
        label = groups.name(g, group)
        if abs(d[0]) >= abs(d[1]):  # above or below the patch
            sign = np.sign(d[0])
            xy, offset = (col, row + sign * n / 2), (0, -4 * sign)
            ha, va = "center", ("bottom" if sign < 0 else "top")
        else:  # left or right of the patch
            sign = np.sign(d[1])
            xy, offset = (col + sign * n / 2, row), (4 * sign, 0)
            ha, va = ("right" if sign < 0 else "left"), "center"
        texts.append(ax.annotate(label, xy, xytext=offset, textcoords="offset points", ha=ha, va=va,
                                 fontsize=_label_size(fontsize), annotation_clip=False))
    return texts


def plot_group_function(ax, feature_map, group, channel=0, batch=0, layout=None, gap=None, margin=None,
                        cmap=None, vmin=None, vmax=None, colorbar=True, arrows=True, labels=True, title=None,
                        fontsize=None):
    """Draw a function on p4/p4m on `ax` as its arranged canvas (V1); return the AxesImage.

    The image's data (im.get_array()) is arrange_canvas(feature_map, group, ...): a
    picture whose turns are the group's turns. Colour limits, unless cmap/vmin/vmax are
    given: data with a negative value get the diverging RdBu_r, symmetric about 0
    (-max|F|, max|F|: white = 0); data without one (minimum exactly 0 included, e.g. after a
    ReLU) get viridis from the minimum to the maximum; constant data c get (c, c + 1), so
    the colours do not depend on whether a colour bar is drawn. Any matplotlib colour map works.
    fontsize: of the slot labels and the arrows' "R(1)" (None: one point below
    matplotlib's font.size); the title takes matplotlib's axes.titlesize.
    """
    import matplotlib

    F = select_planes(feature_map, group, channel, batch)
    canvas = arrange_canvas(F, group, layout=layout, gap=gap, margin=margin)
    cmap, vmin, vmax = _colour_limits(canvas, cmap, vmin, vmax)
    cmap = matplotlib.colormaps[cmap].with_extremes(bad="white") if isinstance(cmap, str) else cmap
    im = ax.imshow(canvas, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    n = F.shape[-1]
    if arrows:
        draw_arrows(ax, n, group, layout, gap, margin, fontsize=fontsize)
    if labels:
        draw_labels(ax, n, group, layout, gap, margin, fontsize=fontsize)
    if title:
        ax.set_title(title, pad=_label_size(fontsize) + 8 if labels else 6)
    if colorbar:
        finite = canvas[np.isfinite(canvas)]
        below, above = finite.size and finite.min() < vmin, finite.size and finite.max() > vmax
        extend = {(0, 0): "neither", (1, 0): "min", (0, 1): "max", (1, 1): "both"}[bool(below), bool(above)]
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.09 if labels else 0.03, extend=extend)
    return im


def plot_image(ax, image, title=None, cmap="gray", colorbar=False, vmin=None, vmax=None):
    """Draw an image (H, W) with no ticks; return the AxesImage."""
    image = _numeric(image, "the image")
    if image.ndim != 2:
        raise ValueError(f"an image to draw has shape (H, W), got {image.shape}")
    im = ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.03)
    return im


def rendered_colours(im, dpi=None):
    """What the rendered figure shows for an AxesImage: one RGBA colour per data pixel, (rows, cols, 4) uint8.

    The whole figure is drawn by its (Agg) canvas, at `dpi` if given, and the rendered
    pixel under the centre of every data pixel of `im` is read from the canvas buffer
    (np.asarray(fig.canvas.buffer_rgba())); with another dpi the figure's own is restored
    and the figure drawn again afterwards. So this reads the picture, not the array
    handed to imshow: compare it with colours(im, expected_values), or with the rendered
    colours of another image. Each data pixel must cover at least 2 x 2 rendered pixels
    (raise the dpi otherwise), so that its centre lies well inside it; ValueError if not.
    `im` may also be a list of AxesImages of one figure: the figure is drawn once and a
    list of arrays is returned.
    """
    from matplotlib.image import AxesImage

    many = isinstance(im, (list, tuple))
    ims = list(im) if many else [im]
    if not ims or not all(isinstance(one, AxesImage) for one in ims):
        raise TypeError(f"rendered_colours reads an AxesImage (what imshow returns) or a non-empty list of them, "
                        f"got {type(im).__name__} {str(im)[:60]}")
    if any(one.axes is None for one in ims):
        raise ValueError("rendered_colours reads images drawn on axes; this AxesImage has been removed from its axes")
    fig = ims[0].axes.figure.canvas.figure  # the top-level figure, also for an image in a subfigure
    if any(other.axes.figure.canvas is not fig.canvas for other in ims):
        raise ValueError("rendered_colours reads images of one figure at a time")
    saved = fig.dpi
    try:
        if dpi is not None:
            fig.set_dpi(dpi)
        fig.canvas.draw()
        buffer = np.asarray(fig.canvas.buffer_rgba())
        out = [_read_pixels(one, buffer) for one in ims]
    finally:
        if dpi is not None and dpi != saved:
            fig.set_dpi(saved)
            fig.canvas.draw()  # leave the canvas (and anything saved from it, e.g. a blitting background) as it was
    return out if many else out[0]


def _read_pixels(im, buffer):
    """The rendered pixels of `buffer` under the centre of every data pixel of `im`, (rows, cols, 4)."""
    rows, cols = np.shape(im.get_array())[:2]
    left, right, bottom, top = im.get_extent()
    j, i = np.meshgrid(np.arange(cols) + 0.5, np.arange(rows) + 0.5)
    x = left + j * (right - left) / cols
    y = top + i * (bottom - top) / rows
    xy = im.axes.transData.transform(np.column_stack([x.ravel(), y.ravel()]))
    step = im.axes.transData.transform([(left, top), (left + (right - left) / cols, top + (bottom - top) / rows)])
    if np.min(np.abs(step[1] - step[0])) < 2.0:
        raise ValueError(f"each data pixel covers {np.abs(step[1] - step[0]).round(2).tolist()} rendered "
                         "pixels; at least 2 x 2 are needed: pass a larger dpi")
    height = buffer.shape[0]
    r = np.floor(height - xy[:, 1]).astype(np.int64)  # display y points up, buffer rows down
    c = np.floor(xy[:, 0]).astype(np.int64)
    return buffer[r, c].reshape(rows, cols, 4).copy()


def colours(im, values):
    """The RGBA colours (uint8) that the colour map and limits of AxesImage `im` give to `values`: shape (..., 4).

    Every entry of `values` is one scalar, whatever the shape (im.to_rgba would read an
    array whose last axis has length 3 or 4 as colours). NaN gets the colour map's "bad"
    colour. Compare with rendered_colours(im).
    """
    values = _numeric(values, "the values").astype(np.float64)
    flat = im.to_rgba(values.reshape(-1, 1), bytes=True)
    return flat.reshape(values.shape + (4,))


def filter_bank(psi, group):
    """The bank the efficient correlations use (L7), for one filter: bank[s] = L_s psi.

    psi (k, k) on Z^2 -> (|H|, k, k) via correlate.expand_lifting_filter;
    psi (|H|, k, k) on G -> (|H|, |H|, k, k) via correlate.expand_group_filter.
    """
    _check_group(group)
    psi = _numeric(psi, "the filter psi")
    if psi.ndim == 2:
        return correlate.expand_lifting_filter(psi[None, None], group)[0, :, 0]
    if psi.ndim == 3:
        if psi.shape[0] != groups.order(group):
            raise ValueError(f"a filter on {group} has shape (|H|, k, k) with |H| = {groups.order(group)}, "
                             f"got {psi.shape}")
        return correlate.expand_group_filter(psi[None, None], group)[0, :, 0]
    raise ValueError(f"psi must be one filter: (k, k) on Z^2 or (|H|, k, k) on {group}; got shape {psi.shape} "
                     f"(pick a channel, e.g. psi[o, c])")


def plot_filter_transforms(psi, group, cmap="RdBu_r", layout=None, elements=None):
    """Figure 1 of the paper for one filter: psi and its transforms L_s psi for every s in H (V4).

    psi (|H|, k, k), a filter on p4/p4m: panel s shows the picture of L_s psi (each
    plane turned by s and the planes moved to the slots s . slot). psi (k, k) on Z^2:
    panel s shows the image L_s psi. The panels' data are filter_bank(psi, group)[s],
    i.e. exactly the filters correlate.expand_*_filter feeds to the planar engine.
    elements: the indices s (canonical order) of the transforms to draw, four to a row;
    default all |H| (e.g. range(4) and range(4, 8) split p4m into turns and mirrored turns).

    The canvases have a margin of one patch (split_canvas(..., margin=k) reads them back).

    Returns (fig, images): images[i] is the AxesImage of L_s psi for the i-th s drawn.
    """
    import matplotlib.pyplot as plt

    bank = filter_bank(psi, group)
    on_group = bank.ndim == 4
    nH = groups.order(group)
    elements = list(range(nH)) if elements is None else [_index(s, nH, "element s") for s in elements]
    if not elements:
        raise ValueError("elements must name at least one s")
    top = float(np.max(np.abs(bank))) or 1.0
    cols = min(4, len(elements))
    rows = -(-len(elements) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols + 1.0, 3.7 * rows + 0.3), squeeze=False,
                             layout="constrained")
    H = groups.point_group(group)
    images = []
    for ax, s in zip(axes.flat, elements):
        title = f"L_{groups.name(H[s], group)} ψ" if s else "ψ = L_R(0) ψ"
        if on_group:
            # a margin of one patch leaves room for the slot labels; p4m's small central hole has no
            # room for its two cycles of arrows at a readable size
            im = plot_group_function(ax, bank[s], group, layout=layout, margin=bank.shape[-1], cmap=cmap,
                                     vmin=-top, vmax=top, colorbar=False, arrows=(group == "p4"), labels=True,
                                     title=title)
        else:
            im = plot_image(ax, bank[s], title=title, cmap=cmap, vmin=-top, vmax=top)
        images.append(im)
    for ax in list(axes.flat)[len(elements):]:
        ax.axis("off")
    fig.colorbar(images[0], ax=axes, shrink=0.6, label="filter value")
    return fig, images


# ---------------------------------------------------------------- the hexagonal lattice (p6, p6m; X6)
#
# A hexagonal image is an odd n x n array in axial coordinates (lattices.py): cell (u, v)
# is drawn as a hexagon centred at u b1 + v b2, b1 = (1, 0), b2 = (1/2, sqrt(3)/2), with
# the y axis pointing up. A function on p6 (p6m) is drawn as 6 (12) such patches on one
# larger hexagonal canvas, patch s centred at slot(s) = s . p0, where p0 = t d is the
# smallest multiple of the table's direction d (groups.py: "ring") that keeps the patches
# apart. Since slot(s) = s . p0 as for p4, the same argument gives, exactly, for every
# point-group element g: hexagonal_canvas(L_g F) = L_g hexagonal_canvas(F), the canvas
# being a hexagonal image turned (mirrored) by action.transform_image.

def _hexagonal_planes(feature_map, group, channel, batch):
    G = groups.get_rotation_group(group)
    if G.lattice != "hexagonal":
        raise ValueError(f"hexagonal pictures are for p6 and p6m, got {group!r}")
    F = _numeric(feature_map, "the feature map")
    if F.ndim not in (3, 4, 5) or F.shape[-3] != G.order:
        raise ValueError(f"a function on {G.name} has shape (|H|, n, n), (C, |H|, n, n) or (B, C, |H|, n, n) "
                         f"with |H| = {G.order}; got shape {F.shape}")
    lattices.get("hexagonal").check_frame(*F.shape[-2:], "each plane")
    if F.ndim == 5:
        F = F[_index(batch, F.shape[0], "batch")]
    if F.ndim == 4:
        F = F[_index(channel, F.shape[0], "channel")]
    return G, F


def hexagonal_slots(n, group, gap=1):
    """(slots, size): the axial centre of each patch, slots[s] = s . p0, and the canvas side (odd).

    n is the odd side of each patch's axial array. p0 = t * direction for the smallest
    t >= 1 at which any two patches of radius n // 2 are at least gap cells apart. The
    hexagonal distance scales with t (|t w| = t |w|), so t is computed in one step, in
    Python integers. A canvas larger than limits.MAX_ARRAY_BYTES (as float64) is refused
    with ValueError.
    """
    G = groups.get_rotation_group(group)
    if G.lattice != "hexagonal":
        raise ValueError(f"hexagonal pictures are for p6 and p6m, got {group!r}")
    n = limits.integer(n, "the patch side n", minimum=1)
    lattices.get("hexagonal").check_frame(n, n, "each patch")
    gap = limits.integer(gap, "gap (cells between patches)")
    direction = np.array(G.layouts["ring"], dtype=np.int64)
    r = n // 2
    i, j = np.triu_indices(G.order, 1)
    unit = G.point_group[:, :2, :2] @ direction  # the slots at t = 1
    apart = int(lattices.hexagonal_distance(*(unit[i] - unit[j]).T).min())
    t = max(1, -(-(2 * r + 1 + gap) // apart))  # the smallest t >= 1 with t * apart >= 2 r + 1 + gap
    radius = t * int(lattices.hexagonal_distance(*unit.T).max()) + r + 1
    size = 2 * radius + 1
    limits.check_allocation((size, size), np.float64, f"the hexagonal canvas (patch side {n}, gap {gap})")
    return unit * t, size


def hexagonal_canvas(feature_map, group, channel=0, batch=0, gap=1, fill=np.nan):
    """The picture of a function on p6/p6m as one hexagonal image: plane s pasted around slot(s) (X6).

    feature_map (|H|, n, n), (C, |H|, n, n) or (B, C, |H|, n, n), n odd. Returns an
    (N, N) axial array (a hexagonal image whose frame holds all patches); cells outside
    every patch hold `fill` (NaN: not drawn; pass 0 to turn it with action.transform_image).
    Exact: cells are only moved, never computed.
    """
    G, F = _hexagonal_planes(feature_map, group, channel, batch)
    n = F.shape[-1]
    r = n // 2
    slots, size = hexagonal_slots(n, G, gap)
    centre = size // 2
    canvas = np.full((size, size), _fill(fill), dtype=np.float64)
    on_patch = lattices.get("hexagonal").frame_mask(n, n)
    for s, (a, b) in enumerate(slots):
        window = canvas[centre + a - r:centre + a + r + 1, centre + b - r:centre + b + r + 1]
        window[on_patch] = F[s][on_patch]
    return canvas


def split_hexagonal_canvas(canvas, group, n, gap=1):
    """Inverse of hexagonal_canvas: the (|H|, n, n) planes read back (0 outside each patch's hexagon)."""
    canvas = _numeric(canvas, "the canvas")
    slots, size = hexagonal_slots(n, group, gap)
    if canvas.shape != (size, size):
        raise ValueError(f"a {groups.get(group).name} canvas of radius-{n // 2} patches has shape ({size}, {size}), "
                         f"got {canvas.shape}")
    r, centre = n // 2, size // 2
    on_patch = lattices.get("hexagonal").frame_mask(n, n)
    planes = np.zeros((len(slots), n, n))
    for s, (a, b) in enumerate(slots):
        window = canvas[centre + a - r:centre + a + r + 1, centre + b - r:centre + b + r + 1]
        planes[s][on_patch] = window[on_patch]
    return planes


def _hexagon_corners():
    """The 6 corners of one cell (pointy top), for centres one lattice step apart: circumradius 1 / sqrt(3)."""
    angles = np.deg2rad(30.0 + 60.0 * np.arange(6))
    return np.stack([np.cos(angles), np.sin(angles)], axis=-1) / np.sqrt(3.0)


def plot_hexagonal_image(ax, f, cmap="gray", vmin=None, vmax=None, title=None, colorbar=False, edgecolor="none"):
    """Draw a hexagonal image f (n, n) as hexagon cells at their places in the plane; return the PolyCollection.

    Only the cells of the hexagon with a finite value are drawn; the collection's data
    (coll.get_array()) are those values in array order. Axes are equal and without ticks.
    """
    from matplotlib.collections import PolyCollection

    f = _numeric(f, "the hexagonal image")
    if f.ndim != 2:
        raise ValueError(f"a hexagonal image to draw has shape (n, n), got {f.shape}")
    hexagonal = lattices.get("hexagonal")
    hexagonal.check_frame(*f.shape)
    drawn = hexagonal.frame_mask(*f.shape) & np.isfinite(f)
    centres = hexagonal.positions(*f.shape)[drawn]
    coll = PolyCollection(centres[:, None, :] + _hexagon_corners()[None], array=f[drawn], cmap=cmap,
                          edgecolors=edgecolor, linewidths=0.3)
    coll.set_clim(vmin, vmax)
    ax.add_collection(coll)
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(coll, ax=ax, fraction=0.046, pad=0.03)
    return coll


def plot_hexagonal_group_function(ax, feature_map, group, channel=0, batch=0, gap=1, cmap=None, vmin=None,
                                  vmax=None, colorbar=True, labels=True, title=None, fontsize=None):
    """Draw a function on p6/p6m as its hexagonal canvas (X6), with each patch named; return the PolyCollection.

    Each name stands just outside its patch, on the ray from the centre of the picture
    through the patch's centre (fontsize: matplotlib's font.size unless given), so no
    name covers a cell. Colour limits as in plot_group_function.
    """
    G, F = _hexagonal_planes(feature_map, group, channel, batch)
    n = F.shape[-1]
    canvas = hexagonal_canvas(F, G, gap=gap)
    cmap, vmin, vmax = _colour_limits(canvas, cmap, vmin, vmax)
    coll = plot_hexagonal_image(ax, canvas, cmap=cmap, vmin=vmin, vmax=vmax, title=title, colorbar=colorbar)
    if labels:
        slots, size = hexagonal_slots(n, G, gap)
        b1, b2 = np.array([1.0, 0.0]), np.array([0.5, lattices.SQRT3_2])
        for s, (a, b) in enumerate(slots):
            centre = a * b1 + b * b2
            outward = centre / max(np.linalg.norm(centre), 1e-9)
            tip = centre + outward * (n // 2 + 0.6)  # beyond the patch's outermost cell on this ray
            ha = "left" if outward[0] > 0.3 else "right" if outward[0] < -0.3 else "center"
            va = "bottom" if outward[1] > 0.3 else "top" if outward[1] < -0.3 else "center"
            ax.annotate(groups.name(G.point_group[s], G), tip, xytext=4 * outward, textcoords="offset points",
                        ha=ha, va=va, fontsize=fontsize, annotation_clip=False)
        ax.autoscale_view()
        half = (size // 2 + 3)
        room = 1 + 0.1 * half  # for the names beside the outer patches: clear of the title and of a colour bar
        ax.set_xlim(-half - room, half + room)
        ax.set_ylim(-half * lattices.SQRT3_2 - room, half * lattices.SQRT3_2 + room)
    return coll
