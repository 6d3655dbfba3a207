"""The interactive picture of G-convolution: move the input, watch the feature map follow (V3, X6).

    python -m groupconv.widget                      a window (needs a screen)
    python -m groupconv.widget --group p4m --depth 2
    python -m groupconv.widget --group p6           the hexagonal lattice: turns by 60 degrees
    python -m groupconv.widget --save figures/      no screen: an animated GIF and PNG stills

In a Jupyter notebook (with the optional ipympl, requirements-notebooks.txt), in a cell:

    %matplotlib widget
    from groupconv import widget
    w = widget.Widget()                             # the same controls, through ipympl's canvas

Left: the input image f (default: matplotlib's sample photograph, in grey levels).
Right: a feature map on p4 (or p4m) drawn as in plot.py: one patch per rotation (and
mirror), placed so that a turn of the input turns the whole picture (V1).
depth 1: the lifting correlation f ⋆ psi (⋆: correlation) of a dark-to-light edge
detector psi (or a random or given filter); depth 2, 3: the output of a small random
network lifting -> ReLU -> group correlation (-> ReLU -> group correlation), so that
deeper feature maps can be seen to follow the input in the same way.

Controls (mouse on the input image):
    drag             translate the input by whole pixels (t(u, v))
    left click, r    rotate the input by a quarter turn, R(1) (counter-clockwise)
    right click, m   mirror the input, M (flips the row axis: upside down)
    arrow keys       translate by one pixel
    0                back to the original input
    q                close the window (prints the median time per update)
Each update recomputes the output from the displayed input (nothing is transformed
"by hand" on the output side) and replaces the two images' data (set_data). The
controls are two tables, BUTTONS and KEYS, from a mouse button or key to a move of the
input (a group element, or "reset"/"close"): a mode for another group adds its own moves
there and in Widget.MOVES.

Boundary: the frame is a torus. Translations wrap around (action.transform_image
with boundary="wrap") and every layer correlates in mode "circular", so the
translation equivariance of the picture is exact, not only away from the border.
Rotations and mirrors turn about the centre pixel (odd sizes; default 129).

Hexagonal mode (group "p6" or "p6m"): the photograph is resampled onto the hexagonal
lattice (images.to_hexagonal, rounded to grey levels) and drawn as hexagon cells; the
output is the p6 (p6m) picture of plot.hexagonal_canvas, 6 (12) patches. A click turns
the input by 60 degrees (R), a right click or m mirrors it (p6m), a drag translates it
along the lattice. On p6 the frame is the periodic hexagon (lattices.py; "wrap" and
"circular"), so translations are exact too; on p6m, whose mirrors the periodic hexagon
does not respect, the input is L_g of the original with boundary "zero" and the layers
correlate in mode "same": turns and mirrors exact, content dragged out of the hexagon
comes back when dragged back.

Exactness: images from a file or the default photograph are converted to integer grey
levels 0..255 and every filter the widget builds is integer-valued, so all sums are
exact and the turned picture equals the picture of the turned input bit for bit.
(Arrays passed in are used as they are.)

The state is plain attributes, for tests and for reading: `image` (the displayed input,
(n, n)), `g` (the group element with image = L_g original), `output` (the last layer's
feature map, (C, |H|, n, n)), `canvas` (the displayed picture), `update_ms` (time of
each recompute + set_data).
"""
import argparse
import os
import time

import numpy as np

from . import action, checks, correlate, groups, images, lattices, limits, plot

EDGE = np.array([[-1, 0, 1],
                 [-2, 0, 2],
                 [-1, 0, 1]], dtype=np.float64)  # Sobel: dark on the left, light on the right -> positive
MODE = "circular"
HELP = ("drag: translate    left click / r: rotate R(1)    right click / m: mirror M    "
        "arrow keys: 1 pixel    0: reset")
FONT = {"title": 13, "text": 12}  # points: readable on a lecture slide at the default size and 100 dpi
FIGSIZE = (11.2, 5.7)  # inches: 1120 x 570 pixels at 100 dpi

HEX_EDGE = np.array([[0, -2, -1],
                     [-1, 0, 1],
                     [1, 2, 0]], dtype=np.float64)
"""Dark-to-light edge detector on the hexagon of 7 cells: each cell's weight is twice its x position
(u + v/2) in the plane, so light on the right of dark gives a positive answer; the corners
(u, v) = (-1, -1) and (1, 1) lie outside the hexagon and are 0."""

# The controls: a mouse button (click without dragging) or a key -> a move of the input.
# A move is the name of a group element in Widget.MOVES, a translation (u, v), "reset" or "close".
BUTTONS = {1: "rotate", 3: "mirror"}
KEYS = {"r": "rotate", "m": "mirror", "up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1),
        "0": "reset", "q": "close"}
HEX_KEYS = {**KEYS, "up": (0, 1), "down": (0, -1), "left": (-1, 0), "right": (1, 0)}
"""On the hexagonal lattice the arrows step along b2 (up and right) and b1 (right)."""


# ---------------------------------------------------------------- inputs

def load_image(image=None, size=129):
    """The widget's input as a square float64 array.

    None: images.photograph(size) in grey levels 0..255 (integers). A path: the file
    read by matplotlib, made grey, centre-cropped to a square, sampled to size x size
    and converted to grey levels 0..255 (ValueError naming the file if it is no image).
    An array (n, n), real numbers: used as it is (a copy); masked or complex arrays raise TypeError.
    """
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 3:
        raise ValueError(f"size must be an integer >= 3, got {size!r}")
    limits.check_allocation((size, size), np.float64, "the input image")
    if image is None:
        return np.round(images.photograph(size) * 255.0)
    if isinstance(image, (str, os.PathLike)):
        import matplotlib.image as mpimg

        if not os.path.exists(image):
            raise ValueError(f"no image file at {os.fspath(image)!r}")
        try:
            a = np.asarray(mpimg.imread(image), dtype=np.float64)
        except (OSError, SyntaxError, ValueError) as error:  # PIL: UnidentifiedImageError (an OSError), SyntaxError
            raise ValueError(f"could not read {os.fspath(image)!r} as an image file (PNG, JPEG, ...): "
                             f"{type(error).__name__}: {error}") from error
        if a.ndim not in (2, 3) or a.size == 0:
            raise ValueError(f"the image file {os.fspath(image)!r} holds no picture (an array of shape {a.shape})")
        if a.ndim == 3:
            a = a[..., :3] @ np.array([0.299, 0.587, 0.114])
        n = min(a.shape)
        top, left = (a.shape[0] - n) // 2, (a.shape[1] - n) // 2
        idx = (np.arange(size) * n) // size
        a = a[top:top + n, left:left + n][np.ix_(idx, idx)]
        lo, hi = a.min(), a.max()
        return np.round((a - lo) / ((hi - lo) or 1.0) * 255.0)
    a = plot._numeric(image, "image (None, a file path or an array)")  # real numbers; no mask
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"an image array must be square (n, n) so that it can turn, got shape {a.shape}")
    return np.array(a, dtype=np.float64, copy=True)


def load_filter(spec="edge", seed=checks.SEED):
    """The first-layer filter (C_out, 1, k, k): "edge" (EDGE), "random" (integers in -2..2, seeded), or a .npy path."""
    if isinstance(spec, np.ndarray):
        psi = spec
    elif spec == "edge":
        return EDGE[None, None].copy()
    elif spec == "random":
        return np.random.default_rng(limits.integer(seed, "seed")).integers(-2, 3, size=(1, 1, 3, 3)).astype(np.float64)
    elif isinstance(spec, (str, os.PathLike)) and os.fspath(spec).endswith(".npy"):
        if not os.path.exists(spec):
            raise ValueError(f"no filter file at {os.fspath(spec)!r}")
        try:
            psi = np.load(spec)
        except (OSError, ValueError) as error:  # not a .npy file, or one holding Python objects
            raise ValueError(f"could not read {os.fspath(spec)!r} as a .npy filter: {error}") from error
    else:
        raise ValueError(f"filter must be 'edge', 'random' or a path to a .npy file, got {spec!r}")
    psi = plot._numeric(psi, "a filter")  # real numbers; no mask
    if psi.ndim == 2:
        psi = psi[None, None]
    if psi.ndim != 4 or psi.shape[1] != 1 or psi.shape[-1] != psi.shape[-2] or psi.shape[-1] % 2 == 0:
        raise ValueError(f"a first-layer filter for a grey image has shape (k, k) or (C_out, 1, k, k) with odd k, "
                         f"got {psi.shape}")
    return psi.astype(np.float64)


def network(group, first, depth=1, width=2, seed=checks.SEED):
    """Filters of a small random G-CNN: [first (O, 1, k, k), then (width, C, |H|, 3, 3) per deeper layer].

    first is a filter array as load_filter takes it ((k, k) or (O, 1, k, k), odd k).
    Deeper filters are integers in -1..1 (seeded), so the whole network computes exactly.
    """
    G = groups.get_rotation_group(group)
    if isinstance(depth, (bool, np.bool_)) or depth not in (1, 2, 3):
        raise ValueError(f"depth must be 1, 2 or 3, got {depth!r}")
    width = limits.integer(width, "width (channels of the deeper layers)", minimum=1)
    seed = limits.integer(seed, "seed")
    if not isinstance(first, np.ndarray):
        raise TypeError(f"first must be the first layer's filter as an array, got {type(first).__name__}")
    first = load_filter(first)
    rng = np.random.default_rng(seed)
    filters = [first]
    channels = first.shape[0]
    support = lattices.get(G.lattice).frame_mask(3, 3)  # the hexagon of 7 cells, or all 9
    for _ in range(depth - 1):
        limits.check_allocation((width, channels, G.order, 3, 3), np.float64, "a deeper layer's filters")
        psi = rng.integers(-1, 2, size=(width, channels, groups.order(group), 3, 3)).astype(np.float64)
        filters.append(np.where(support, psi, 0.0))
        channels = width
    return filters


def forward(image, filters, group, mode=MODE):
    """The last layer's feature map (C, |H|, n, n): lifting, then ReLU + group correlation per deeper layer."""
    F = correlate.lifting_correlation(image[None, None], filters[0], group, mode)
    for psi in filters[1:]:
        F = correlate.group_correlation(np.maximum(F, 0.0), psi, group, mode)
    return F[0]


# ---------------------------------------------------------------- the widget

class Widget:
    """Input image on the left, its p4/p4m feature map on the right; mouse and keys move the input.

    Parameters
    ----------
    image : None (the photograph), a file path, or a square array (n, n) (on the hexagonal
        lattice: an odd n x n axial array, zero outside its hexagon)
    group : "p4", "p4m", "p6" or "p6m"
    filter : "edge", "random", a .npy path or an array (k, k) / (C_out, 1, k, k)
    depth : 1 (lifting layer), 2 or 3 (a small random network)
    size : side of the image when it is loaded (None or a path); on the hexagonal lattice
        the side n of the axial array (default 41: a hexagon of radius 20)
    channel : which output channel to draw
    layout : plot.py layout ("orbit"; p4m also "rings")
    width, seed : channels of the deeper layers, and the seed of their random filters
    figsize : the figure size in inches (fonts keep their size in points)
    blit : redraw only the changing artists over a saved background (default: when the
        backend has a window). Without it every update renders the whole figure; so it
        is in a notebook (ipympl), where the browser asks for each new picture.

    Works with any matplotlib backend: a window (TkAgg, QtAgg, ...), ipympl in a
    notebook (%matplotlib widget), or Agg without a screen (driven by synthetic events).
    """

    MOVES = {"rotate": groups.rotation(1), "mirror": groups.mirror(1)}
    """The named moves of BUTTONS and KEYS, as group elements applied to the input (square grid)."""

    HEXAGONAL_MOVES = {"rotate": groups.element("p6m", 0, 1, 0, 0), "mirror": groups.element("p6m", 1, 0, 0, 0)}
    """The same on the hexagonal grid: R, the turn by 60 degrees, and the mirror M (p6m only)."""

    def __init__(self, image=None, group="p4", filter="edge", depth=1, size=None, channel=0, layout=None,
                 width=2, seed=checks.SEED, blit=None, figsize=FIGSIZE):
        if group not in groups.ROTATION_GROUPS:
            raise ValueError(f"group must be one of {groups.ROTATION_GROUPS}, got {group!r}")
        G = groups.get(group)
        self.group, self.depth, self.layout = group, depth, layout
        self.hexagonal = G.lattice == "hexagonal"
        if self.hexagonal:
            # p6: the periodic hexagon, exact for every move; p6m: its mirrors do not respect it (lattices.py)
            self.mode, self.boundary = ("circular", "wrap") if G.mirror is None else ("same", "zero")
            self.moves = {name: h for name, h in self.HEXAGONAL_MOVES.items() if groups.is_member(h, G)}
            self.keys = HEX_KEYS
            self.original = self._hexagonal_image(image, 41 if size is None else size)
            if isinstance(filter, str) and filter == "edge":
                first = HEX_EDGE[None, None].copy()
            else:
                first = load_filter(filter, seed)
                first = np.where(lattices.get("hexagonal").frame_mask(*first.shape[-2:]), first, 0.0)
        else:
            self.mode, self.boundary, self.moves, self.keys = MODE, "wrap", self.MOVES, KEYS
            self.original = load_image(image, 129 if size is None else size)
            first = load_filter(filter, seed)
        self.filters = network(group, first, depth, width, seed)
        out_channels = self.filters[-1].shape[0]
        if not isinstance(channel, (int, np.integer)) or not 0 <= channel < out_channels:
            raise ValueError(f"channel must be an integer in 0..{out_channels - 1}, got {channel!r}")
        self.channel = int(channel)
        self.image = self.original.copy()
        self.g = groups.identity()
        self.update_ms = []
        self._drag = None
        self._recompute()
        self._draw_figure(figsize, filter)
        self._blit_request = blit
        self._connect_events()

    def _hexagonal_image(self, image, n):
        """The input on the hexagonal lattice: an axial array given as it is, or an image resampled and rounded."""
        if isinstance(image, np.ndarray) and image.ndim == 2 and image.shape[0] == image.shape[1] and image.shape[0] % 2:
            action.check_zero_outside_frame(image, lattices.get("hexagonal"))
            return np.array(image, dtype=np.float64, copy=True)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 3 or n % 2 == 0:
            raise ValueError(f"on the hexagonal lattice size is the odd side n >= 3 of the axial array, got {n!r}")
        square = load_image(image, 2 * n + 1)  # grey levels 0..255
        return np.round(images.to_hexagonal(square, n))  # whole grey levels again: every sum stays exact

    def _recompute(self):
        """output and canvas from the displayed image: the forward pass, then the picture of one channel."""
        self.output = forward(self.image, self.filters, self.group, self.mode)
        if self.hexagonal:
            self.canvas = plot.hexagonal_canvas(self.output, self.group, self.channel)
        else:
            self.canvas = plot.arrange_canvas(self.output, self.group, self.channel, layout=self.layout)

    # ------------------------------------------------------------ the picture

    def _draw_figure(self, figsize, filter):
        """The figure: input on the left, the arranged output on the right, help and status below."""
        import matplotlib.pyplot as plt

        self.fig = plt.figure(figsize=figsize)
        self.ax_in = self.fig.add_axes((0.03, 0.17, 0.38, 0.66))
        self.ax_out = self.fig.add_axes((0.45, 0.08, 0.46, 0.74))
        n = self.image.shape[0]
        if self.hexagonal:
            self.im_in = plot.plot_hexagonal_image(self.ax_in, self.image, cmap="gray", vmin=0, vmax=255)
            cells = int(lattices.get("hexagonal").frame_mask(n, n).sum())
            self.ax_in.set_title(f"input f ({cells} hexagonal cells): drag me, click me", fontsize=FONT["title"])
        else:
            self.im_in = plot.plot_image(self.ax_in, self.image, cmap="gray")
            self.ax_in.set_title(f"input f ({n} x {n}): drag me, click me", fontsize=FONT["title"])
        edge = isinstance(filter, str) and filter == "edge"
        what = ("lifting correlation f ⋆ ψ with a dark-to-light edge detector ψ" if self.depth == 1 and edge
                else "lifting correlation f ⋆ ψ" if self.depth == 1
                else f"layer {self.depth} of a random {self.group} G-CNN (channel {self.channel})")
        # colour limits fixed at the start (moving the input only moves values around): symmetric,
        # at the 98th percentile of |output| so that a few extreme pixels do not wash the picture out;
        # of the drawn channel, over its frame's cells only (on the hexagonal lattice the zeros outside
        # the hexagon are never drawn and would pull the percentile down)
        frame = lattices.get(groups.get(self.group).lattice).frame_mask(*self.output.shape[-2:])
        top = float(np.percentile(np.abs(self.output[self.channel][..., frame]), 98.0)) or 1.0
        G = groups.get(self.group)
        patches = "one patch per rotation" if G.mirror is None else "one patch per rotation and mirror"
        title = f"{what}\non {self.group}: {patches}"
        if self.hexagonal:
            self.im_out = plot.plot_hexagonal_group_function(self.ax_out, self.output, self.group, self.channel,
                                                             vmin=-top, vmax=top, colorbar=False, title=title)
            self.fig.colorbar(self.im_out, ax=self.ax_out, fraction=0.046, pad=0.03).ax.tick_params(
                labelsize=FONT["text"])
        else:
            self.im_out = plot.plot_group_function(self.ax_out, self.output, self.group, self.channel,
                                                   layout=self.layout, vmin=-top, vmax=top, fontsize=FONT["text"],
                                                   title=title)
            self.im_out.colorbar.ax.tick_params(labelsize=FONT["text"])
        self.ax_out.title.set_fontsize(FONT["title"])
        help_text = HELP.replace("R(1)", "R (60 degrees)") if self.hexagonal else HELP
        if "mirror" not in self.moves:
            help_text = help_text.replace("    right click / m: mirror M", "")
        self.fig.text(0.5, 0.012, help_text, ha="center", fontsize=FONT["text"], color="0.3")
        self.status = self.fig.text(0.03, 0.14, "", fontsize=FONT["text"], family="monospace", va="top")
        self._show_status("")
        if hasattr(self.fig.canvas, "header_visible"):  # ipympl: no "Figure 1" header above the picture
            self.fig.canvas.header_visible = False

    def _connect_events(self):
        canvas = self.fig.canvas
        manager = canvas.manager
        if manager is not None and getattr(manager, "key_press_handler_id", None) is not None:
            canvas.mpl_disconnect(manager.key_press_handler_id)  # keys r, arrows are ours
        canvas.mpl_connect("button_press_event", self._on_press)
        canvas.mpl_connect("motion_notify_event", self._on_motion)
        canvas.mpl_connect("button_release_event", self._on_release)
        canvas.mpl_connect("key_press_event", self._on_key)

        # Blitting (matplotlib's "faster rendering by using blitting"): everything that changes
        # is animated, a full draw saves the rest as a background, an update restores it and
        # draws the animated artists on top. The arrows and labels lie on the output canvas,
        # so they are redrawn after it.
        window = type(canvas).required_interactive_framework is not None
        self.blit = window if self._blit_request is None else bool(self._blit_request)
        self._background = None
        self._animated = [self.im_in, self.im_out, *self.ax_out.patches, *self.ax_out.texts, self.status]
        if self.blit:
            for artist in self._animated:
                artist.set_animated(True)
            canvas.mpl_connect("draw_event", self._on_draw)
        # In a window, mouse motions can arrive faster than updates; a single-shot timer
        # coalesces them, so a drag shows the latest position instead of lagging behind.
        self._timer = None
        if window:
            self._timer = canvas.new_timer(interval=1)
            self._timer.single_shot = True
            self._timer.add_callback(self._apply_drag)

    # ------------------------------------------------------------ the model

    def _input_group(self):
        """The group the input moves belong to: every motion of the square grid, or the hexagonal group itself."""
        return self.group if self.hexagonal else "p4m"

    def apply(self, h):
        """Move the displayed input by the group element h and recompute: image <- L_h image.

        Square grid: the displayed image is moved (boundary "wrap", the torus). Hexagonal
        grid: the input is L_g of the original image, g the accumulated element, moved once
        with the mode's boundary, so nothing dragged out of the hexagon is lost for good.
        """
        h = groups.check_member(h, self._input_group())
        g = groups.compose(h, self.g)
        if self.hexagonal:
            self.set_input(action.transform_image(self.original, g, self.boundary, group=self.group), g)
        else:
            self.set_input(action.transform_image(self.image, h, boundary="wrap"), g)

    def translate(self, u, v):
        """Move the input by u rows (down) and v columns (right); on the hexagonal grid by u b1 + v b2."""
        self.apply(groups.translation(u, v))

    def rotate(self, r=1):
        """Turn the input counter-clockwise about its centre: r quarter turns, or r turns by 60 degrees (hexagonal)."""
        if self.hexagonal:
            self.apply(groups.element(self.group, *((0,) if groups.get(self.group).mirror is not None else ()),
                                      r, 0, 0))
        else:
            self.apply(groups.rotation(r))

    def mirror(self):
        """Mirror the input: M = diag(-1, 1) flips the row axis (upside down); on p6m M = [[1, 1], [0, -1]]."""
        self.do("mirror")

    def reset(self):
        self.set_input(self.original.copy(), groups.identity())

    def do(self, move):
        """Carry out one entry of BUTTONS / KEYS: a name in MOVES, a translation (u, v), "reset" or "close"."""
        if isinstance(move, tuple):
            self.translate(*move)
        elif move in self.moves:
            self.apply(self.moves[move])
        elif move == "reset":
            self.reset()
        elif move == "close":
            import matplotlib.pyplot as plt

            plt.close(self.fig)
        else:
            raise ValueError(f"unknown move {move!r}: expected (u, v), one of {sorted(self.moves)}, 'reset' or 'close'")

    def set_input(self, image, g=None):
        """Show `image` as the input, recompute the output, update both pictures (set_data only)."""
        t0 = time.perf_counter()
        self.image = image
        if g is not None:
            self.g = g
        self._recompute()
        self._show_pictures()
        self._show_status(f"last update {self.update_ms[-1]:5.1f} ms" if self.update_ms else "")
        self._redraw()
        self.update_ms.append(1000.0 * (time.perf_counter() - t0))

    def _show_pictures(self):
        """Put the displayed image and canvas into the two pictures (set_data, or the cells' values)."""
        if self.hexagonal:  # the collections hold one value per drawn cell, in array order
            frame = lattices.get("hexagonal").frame_mask(*self.image.shape)
            self.im_in.set_array(self.image[frame])
            drawn = lattices.get("hexagonal").frame_mask(*self.canvas.shape) & np.isfinite(self.canvas)
            self.im_out.set_array(self.canvas[drawn])
        else:
            self.im_in.set_data(self.image)
            self.im_out.set_data(self.canvas)

    def _redraw(self):
        canvas = self.fig.canvas
        if self.blit and self._background is not None:
            canvas.restore_region(self._background)
            self._draw_animated()
            canvas.blit(self.fig.bbox)
        else:
            canvas.draw_idle()  # Agg: renders now; a window or a notebook: renders when idle / asked

    def _on_draw(self, event):
        self._background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        self._draw_animated()

    def _draw_animated(self):
        for artist in self._animated:
            self.fig.draw_artist(artist)

    def _show_status(self, second_line):
        self.status.set_text(f"input = L_g f₀,  g = {groups.name(self.g, self._input_group())}\n{second_line}")

    # ------------------------------------------------------------ events

    def _pixel(self, event):
        """Where the mouse is on the input: (row, column) of the image, or the plane's (x, y) on the hexagonal grid."""
        return None if event.inaxes is not self.ax_in or event.xdata is None else (event.ydata, event.xdata)

    def _displacement(self, start, here):
        """The translation (u, v) of a drag from `start` to `here` (both from _pixel), in whole lattice steps.

        Square grid: rows and columns. Hexagonal grid: the nearest lattice vector u b1 + v b2
        to the mouse's movement (x, y) in the plane, rounded in cube coordinates (u, v, -u-v).
        """
        dy, dx = here[0] - start[0], here[1] - start[1]
        if not self.hexagonal:
            return int(round(dy)), int(round(dx))
        v = dy / lattices.SQRT3_2
        u = dx - v / 2
        ru, rv, rw = round(u), round(v), round(-u - v)
        du, dv, dw = abs(ru - u), abs(rv - v), abs(rw + u + v)
        if du > dv and du > dw:
            ru = -rv - rw
        elif dv > dw:
            rv = -ru - rw
        return int(ru), int(rv)

    def _on_press(self, event):
        self._drag = None
        if self.fig.canvas.widgetlock.locked():
            return  # a toolbar mode (zoom, pan) owns the mouse
        self._drag = {"start": self._pixel(event), "image": self.image, "g": self.g, "moved": (0, 0),
                      "button": event.button}

    def _on_motion(self, event):
        drag = self._drag
        if drag is None or drag["start"] is None:
            return
        here = self._pixel(event)
        if here is None:
            return
        u, v = self._displacement(drag["start"], here)
        if (u, v) != drag["moved"]:
            drag["moved"], drag["pending"] = (u, v), True
            if self._timer is None:
                self._apply_drag(drag)
            else:  # a window: apply the latest position once the queued mouse events are handled
                self._timer.start()

    def _apply_drag(self, drag=None):
        drag = self._drag if drag is None else drag
        if drag is None or not drag.get("pending"):
            return
        drag["pending"] = False
        t = groups.translation(*drag["moved"])  # always from the image at the press: no drift
        g = groups.compose(t, drag["g"])
        if self.hexagonal:
            self.set_input(action.transform_image(self.original, g, self.boundary, group=self.group), g)
        else:
            self.set_input(action.transform_image(drag["image"], t, boundary="wrap"), g)

    def _on_release(self, event):
        self._apply_drag()
        drag, self._drag = self._drag, None
        if drag is None or drag["moved"] != (0, 0) or event.inaxes is None:
            return
        if drag["button"] in BUTTONS and (BUTTONS[drag["button"]] in self.moves):  # a click without movement
            self.do(BUTTONS[drag["button"]])

    def _on_key(self, event):
        move = self.keys.get(event.key)
        if move is not None and (not isinstance(move, str) or move in self.moves or move in ("reset", "close")):
            self.do(move)

    # ------------------------------------------------------------ without a screen

    def benchmark(self, repeats=10):
        """Median milliseconds per update, {"recompute": ..., "blit": ..., "full": ...}.

        recompute: forward pass + arrange_canvas + set_data; blit: the same plus restoring
        the background and drawing the changing artists (what a window does per update);
        full: recompute + a render of the whole figure (what an update costs without blitting).
        """
        times = {"recompute": [], "blit": [], "full": []}
        canvas = self.fig.canvas
        saved, self.blit = self.blit, False
        canvas.draw()
        background = canvas.copy_from_bbox(self.fig.bbox)
        for _ in range(repeats):
            t0 = time.perf_counter()
            self._recompute()
            self._show_pictures()
            t1 = time.perf_counter()
            canvas.restore_region(background)
            self._draw_animated()
            canvas.blit(self.fig.bbox)
            t2 = time.perf_counter()
            canvas.draw()
            t3 = time.perf_counter()
            times["recompute"].append(t1 - t0)
            times["blit"].append(t2 - t0)
            times["full"].append(t3 - t2 + t1 - t0)
        self.blit = saved
        canvas.draw()
        return {key: 1000.0 * float(np.median(value)) for key, value in times.items()}


def demo_script(group):
    """The moves of the animation: (label, move) pairs, one frame each.

    A move is one of the widget's moves (Widget.do: "rotate", "mirror", a translation
    (u, v)) or None (no move: the start, or ("", None), which holds the previous frame
    one step longer).
    """
    G = groups.get(group)
    moves = [("start", None)]
    if G.lattice == "hexagonal":
        moves += [("drag right", (3, 0))] * 2 + [("drag up", (0, 3))] * 2
        for turn in range(G.turns):
            moves += [(f"click: R (turn {turn + 1})", "rotate")] + [("", None)]
        if G.mirror is not None:
            moves += [("right click: M", "mirror"), ("", None), ("right click: M", "mirror"), ("", None)]
        return moves + [("drag back", (-3, -3))] * 2
    moves += [("drag right", (0, 8))] * 3 + [("drag down", (8, 0))] * 2
    for turn in range(4):
        moves += [(f"click: R(1) (turn {turn + 1})", "rotate")] + [("", None)]
    if group == "p4m":
        moves += [("right click: M", "mirror"), ("", None), ("right click: M", "mirror"), ("", None)]
    moves += [("drag back", (-8, -12))] * 2
    return moves


GIF_LEVELS = 64  # colours taken from each of the widget's two colour maps
GIF_STEP_MS = 400


def _gif_palette(w):
    """One fixed palette for every frame: GIF_LEVELS colours of the input's colour map and of the output's.

    A palette made of the two colour maps keeps the grey photograph grey and the output's
    colours true; one palette for all frames lets the GIF store only what changed.
    """
    from PIL import Image

    levels = np.linspace(0.0, 1.0, GIF_LEVELS)
    colours = np.concatenate([w.im_in.get_cmap()(levels), w.im_out.get_cmap()(levels)])[:, :3]
    palette = np.round(colours * 255).astype(np.uint8)
    image = Image.new("P", (1, 1))
    image.putpalette(palette.ravel().tolist())
    return image


def _gif_frame(fig, dpi, palette):
    """The figure rendered at `dpi`, mapped to the nearest colours of `palette`, without dithering (a PIL image).

    Dithering sprinkles noise over the picture that GIF compression cannot squeeze.
    """
    import io

    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    buffer.seek(0)
    with Image.open(buffer) as frame:
        return frame.convert("RGB").quantize(palette=palette, dither=Image.Dither.NONE)


def save_demo(directory, group="p4", size=65, depth=1, filter="edge", dpi=100, layout=None, figsize=FIGSIZE,
              still_dpi=100, image=None):
    """Write <directory>/13_widget_<group>[_depth<d>].gif and PNG stills of the same moves.

    The animation drags the input (wrap-around), clicks it four times (quarter turns) and,
    for p4m, mirrors it twice, with the output recomputed after every move (demo_script);
    a held frame is one frame shown longer, not a copy. At the defaults the GIF is
    1120 x 570 pixels. Stills: _start, _translated, _rotated (and _mirrored). Returns the
    written paths. Uses whatever backend is active (Agg without a screen). The status
    line of every frame names the move and g, never a time, so the same moves give the
    same bytes.
    """
    os.makedirs(directory, exist_ok=True)
    w = Widget(image, size=size, group=group, depth=depth, filter=filter, layout=layout, figsize=figsize)
    tag = f"{group}" + (f"_depth{depth}" if depth > 1 else "")
    gif = os.path.join(directory, f"13_widget_{tag}.gif")
    stills = {}
    frames, durations = [], []
    palette = _gif_palette(w)
    for label, move in demo_script(group):
        if move is None and not label and frames:
            durations[-1] += GIF_STEP_MS  # hold the previous frame
            continue
        if move is not None:
            w.do(move)
        w._show_status(label)
        frames.append(_gif_frame(w.fig, dpi, palette))
        durations.append(GIF_STEP_MS)
        key = {"start": "start", "drag down": "translated", "drag up": "translated", "click: R(1) (turn 1)": "rotated",
               "click: R (turn 1)": "rotated", "right click: M": "mirrored"}.get(label)
        if key and key not in stills:
            path = os.path.join(directory, f"13_widget_{tag}_{key}.png")
            w.fig.savefig(path, dpi=still_dpi, metadata={"Software": None})  # no version: same bytes
            stills[key] = path
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=durations, loop=0)
    import matplotlib.pyplot as plt

    plt.close(w.fig)
    return [gif] + list(stills.values())


# ---------------------------------------------------------------- command line

def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m groupconv.widget", description=__doc__.splitlines()[0])
    parser.add_argument("--group", choices=groups.ROTATION_GROUPS, default="p4")
    parser.add_argument("--filter", default="edge", help="edge | random | path to a .npy filter (k, k)")
    parser.add_argument("--depth", type=int, choices=(1, 2, 3), default=1,
                        help="1: lifting layer; 2, 3: output of a small random G-CNN")
    parser.add_argument("--image", default=None, help="image file (default: matplotlib's sample photograph)")
    parser.add_argument("--size", type=int, default=None,
                        help="side of the input in pixels, odd is exact (default 129, with --save 65; "
                             "hexagonal: the side of the axial array, default 41)")
    parser.add_argument("--channel", type=int, default=0, help="output channel to draw")
    parser.add_argument("--layout", choices=("orbit", "rings"), default=None, help="p4m picture layout")
    parser.add_argument("--save", metavar="DIR", default=None,
                        help="no window: write an animated GIF and PNG stills into DIR")
    parser.add_argument("--benchmark", action="store_true", help="print the time per update and exit")
    args = parser.parse_args(argv)

    import matplotlib

    if args.save or args.benchmark:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if args.save:
        default = 41 if groups.get(args.group).lattice == "hexagonal" else 65
        for path in save_demo(args.save, args.group, args.size or default, args.depth, args.filter, layout=args.layout,
                              image=args.image):
            print("wrote", path)
        return
    w = Widget(args.image, args.group, args.filter, args.depth, args.size, args.channel, args.layout)
    if args.benchmark:
        ms = w.benchmark()
        print(f"{args.group}, depth {args.depth}, {w.image.shape[0]} x {w.image.shape[1]}: recompute + set_data "
              f"{ms['recompute']:.1f} ms, + blit {ms['blit']:.1f} ms, + full redraw {ms['full']:.1f} ms (median of 10)")
        return
    if matplotlib.get_backend().lower() in ("agg", "pdf", "svg", "ps", "cairo"):
        print(f"matplotlib backend {matplotlib.get_backend()!r} cannot open a window (no screen?); "
              f"try --save figures/ for a GIF")
        return
    plt.show()
    if w.update_ms:
        print(f"{len(w.update_ms)} updates, median {np.median(w.update_ms):.1f} ms, "
              f"slowest {np.max(w.update_ms):.1f} ms (recompute + set_data + {'blit' if w.blit else 'draw_idle'})")


if __name__ == "__main__":
    main()
