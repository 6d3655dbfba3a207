"""Tutorial 13 - seeing G-convolution: pictures of feature maps on p4 and p4m (docs/equations.md V1-V4).

Claim: a function on p4 can be drawn so that turning the input turns the picture.

    V1  draw plane s of F in the slot s . p0 of a canvas (p0: the identity's slot). Then
        the picture of L_R(1) F is the picture of F turned by 90 degrees, exactly
        (np.rot90 of the canvas); for p4m, with the 8 slots of plot.py's "orbit" layout,
        the picture of L_M F is also the picture of F flipped upside down.
    V2  a dark-to-light edge detector lifted to p4 responds to edges in 4 orientations,
        one orientation per patch (checked on synthetic edges, shown on a photograph).
    V3  the interactive widget: dragging / clicking the input recomputes the output from
        the displayed input, and its picture follows (driven here by synthetic events).
    V4  a filter on p4 and its transforms L_s psi (each plane turned by s, and moved from
        slot s' to slot s s'), as in figure 1 of the paper: exactly the filters the
        efficient group correlation uses (L7).

All data are integers (grey levels 0..255, integer filters), computed with dtype int64
here, so every residual is exactly 0.0; the widget computes in float64, and the checks
require its integer-valued results to be exact too. The script also writes the widget's
animation and stills to figures/.

Run:  python3 tutorials/13_seeing_g_convolution.py
"""
IDS = ("V1", "V2", "V3", "V4")

# %% [markdown]
# ## Where each plane goes
#
# A lifted feature map F = f * psi on p4 has 4 planes: plane s at pixel x holds
# F(t(x) . s), the response of the filter turned by s (tutorial 08). Turning the input
# by R = R(1) gives (tutorial 08, L2) L_R F, and by action.py
#
#     (L_R F) plane s  =  np.rot90(F plane R^-1 s):
#
# plane s' turns by 90 degrees and moves to slot R s'. If we put plane s in the slot
# s . p0 (s applied to the slot p0 of the identity), then "moves to slot R s'" means
# "moves to the slot R . slot(s')": the same quarter turn, applied to where the patch
# sits. A picture turned by np.rot90 does exactly that to every patch: turns its content
# and carries it to the turned position. So the picture of L_R F *is* the turned picture.
#
# With p0 on top: identity on top, R(1) on the left, R(2) at the bottom, R(3) on the
# right (np.rot90 turns counter-clockwise as displayed). For p4m, plot.py puts the 8
# slots s . p0 on one ring, with p0 off every mirror axis (so that all 8 differ); then
# the mirror M (which flips the row axis) flips the whole picture upside down too.
# Two rings (rotations inside, mirrored elements outside) cannot do that: a flip keeps
# each patch's distance from the centre, while M swaps rotations and mirrored elements.

# %%
import os
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.backend_bases import KeyEvent, MouseEvent  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)  # run from a fresh clone without installing the package
from groupconv import action, checks, correlate, groups, plot, widget  # noqa: E402

from groupconv.figures import display_path, figures_dir  # noqa: E402

FIGURES = str(figures_dir())
EXACT_WHY = "pictures only move pixels; int64 data make every correlation sum exact"
MOVE_WHY = "a translation only moves pixels: no arithmetic"
WIDGET_WHY = ("the widget's float64 sums of integer grey levels times integer Sobel taps are exact integers "
              "(a 3 x 3 filter takes the direct path, never the FFT); recomputed here in int64")
FILL = -1e6  # pixels outside every slot, in the compared canvases (NaN would not compare equal)
PSI = widget.EDGE.astype(np.int64)  # the widget's Sobel filter, as integers


def canvas(F, group, **kwargs):
    return plot.arrange_canvas(F, group, fill=FILL, **kwargs)


# %% [markdown]
# ## A tiny example to check by hand
#
# Four 1 x 1 planes holding 1, 2, 3, 4, no gap and no margin: the canvas is 3 x 3 with
# the identity's value on top, R(1)'s on the left, R(2)'s at the bottom, R(3)'s on the
# right. L_R(1) F moves plane s' to slot s' + 1 (1 x 1 planes do not change when turned),
# so it holds 4, 1, 2, 3, and its canvas is the first one turned by 90 degrees.

# %%
def tiny_example():
    F = np.array([1.0, 2.0, 3.0, 4.0]).reshape(4, 1, 1)
    turned = action.transform_group_function(F, groups.rotation(1), "p4")
    before = plot.arrange_canvas(F, "p4", gap=0, margin=0, fill=0)
    after = plot.arrange_canvas(turned, "p4", gap=0, margin=0, fill=0)
    print("planes of F        :", F.ravel().astype(int).tolist())
    print("planes of L_R(1) F :", turned.ravel().astype(int).tolist())
    print("picture of F (0 = no slot)       picture of L_R(1) F")
    for a, b in zip(before.astype(int), after.astype(int)):
        print("   ", a, "                     ", b)
    checks.check("V1", "tiny example: picture of L_R(1) F = np.rot90(picture of F)", after, np.rot90(before),
                 "exact", "R(1)", EXACT_WHY)


# %% [markdown]
# ## V1 on a photograph
#
# The input is the photograph matplotlib ships, in grey levels 0..255 (65 x 65, odd, so
# the turns are about the centre pixel), lifted with the widget's Sobel edge detector
# widget.EDGE (as int64 integers: PSI). For every turn (and, for p4m, every element of
# D4) the lifting correlation of the moved input is computed afresh, drawn, and
# compared with the moved picture of the original output. The "rings" layout is checked too: turns act on
# its picture, the mirror flips it and then exchanges the two rings (plot.swap_rings).
# A translation moves every patch the same way without turning it. (The lifts use the
# "circular" mode, as the widget does: the frame is a torus, so the filter also sees the
# photograph's left edge next to its right edge - the strong lines along some patch
# borders in the figures are those seams, not a drawing error.)

# %%
def lift(f, group, mode="circular"):
    """The lifted feature map (|H|, n, n) of an integer-valued image f (n, n) with the Sobel filter, in int64."""
    if not np.array_equal(f, np.round(f)):
        raise ValueError("lift expects integer grey levels (it computes in int64)")
    return correlate.lifting_correlation(f.astype(np.int64)[None, None], PSI[None, None], group, mode)[0, 0]


def check_pictures(f):
    for group in ("p4", "p4m"):
        F = lift(f, group)
        H = groups.point_group(group)
        lhs = np.stack([canvas(lift(action.transform_image(f, s), group), group) for s in H])
        rhs = np.stack([action.transform_image(canvas(F, group), s) for s in H])
        checks.check("V1", f"{group}: picture of (L_s f) * psi = picture of f * psi moved by s (np.rot90/np.flip)",
                     lhs, rhs, "exact", f"every s in the point group of {group}", EXACT_WHY)
    F = lift(f, "p4m")
    rings = canvas(F, "p4m", layout="rings")
    turned = canvas(lift(np.rot90(f), "p4m"), "p4m", layout="rings")
    mirrored = canvas(lift(np.flip(f, axis=0), "p4m"), "p4m", layout="rings")
    checks.check("V1", "p4m rings layout: picture of (L_R(1) f) * psi = np.rot90(picture)", turned, np.rot90(rings),
                 "exact", "R(1)", EXACT_WHY)
    checks.check("V1", "p4m rings layout: the mirror does NOT flip this picture", mirrored, np.flip(rings, axis=0),
                 "nonzero", "M", "M exchanges rotations (inner ring) and mirrored elements (outer ring)")
    checks.check("V1", "p4m rings layout: picture of (L_M f) * psi = swap_rings(np.flip(picture))", mirrored,
                 plot.swap_rings(np.flip(rings, axis=0), f.shape[0]), "exact", "M", EXACT_WHY)
    n = f.shape[0]
    patches = plot.split_canvas(canvas(lift(np.roll(f, (5, -7), axis=(0, 1)), "p4"), "p4"), "p4", n)
    checks.check("V1", "p4: translating the input by t(5,-7) (wrap) translates every patch by (5,-7), unturned",
                 patches, np.roll(plot.split_canvas(canvas(lift(f, "p4"), "p4"), "p4", n), (5, -7), axis=(1, 2)),
                 "exact", "t(5,-7)", EXACT_WHY)


def figure_turns(f):
    fig, axes = plt.subplots(2, 4, figsize=(13, 7), layout="constrained", height_ratios=(1, 1.25))
    F = lift(f, "p4")
    top = float(np.percentile(np.abs(F), 98))  # strong contrast; the colour bar shows the clipping
    for r in range(4):
        fr = np.rot90(f, r)
        plot.plot_image(axes[0, r], fr, title=f"input L_R({r}) f" if r else "input f")
        plot.plot_group_function(axes[1, r], lift(fr, "p4"), "p4", vmin=-top, vmax=top, colorbar=(r == 3),
                                 title=f"(L_R({r}) f) * psi" if r else "f * psi")
    fig.suptitle("V1: turning the input by 90 degrees turns the p4 picture by 90 degrees "
                 "(each patch turns and moves one slot on)", fontsize=12)
    path = os.path.join(FIGURES, "13_v1_p4_turns.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.4), layout="constrained", height_ratios=(1, 1.7))
    F = lift(f, "p4m")
    top = float(np.percentile(np.abs(F), 98))  # strong contrast; the colour bar shows the clipping
    for j, (g, label) in enumerate(((groups.identity(), "f"), (groups.rotation(1), "L_R(1) f"),
                                    (groups.mirror(1), "L_M f"))):
        fg = action.transform_image(f, g)
        plot.plot_image(axes[0, j], fg, title=f"input {label}")
        plot.plot_group_function(axes[1, j], lift(fg, "p4m"), "p4m", vmin=-top, vmax=top, colorbar=(j == 2),
                                 title=f"{label} * psi on p4m" if j == 0 else f"({label}) * psi on p4m")
    fig.suptitle("V1 for p4m: a quarter turn turns the picture, the mirror M flips it upside down", fontsize=12)
    path2 = os.path.join(FIGURES, "13_v1_p4m_turn_and_mirror.png")
    fig.savefig(path2, dpi=100)
    plt.close(fig)
    return [path, path2]


# %% [markdown]
# ## V2: one edge orientation per patch
#
# widget.EDGE is the Sobel filter [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]: by the
# correlation sum (f * psi)(x) = sum_y f(x + y) psi(y) it returns (right - left), large
# and positive where the image goes from dark on the left to light on the right. Plane
# s of the lifted output uses L_s psi, so it looks for that edge turned by s.
#
# Synthetic edges: a 15 x 15 image, 0 on the left, 1 on the right, and its quarter turns
# (dark-to-light going right, up, left, down). "valid" mode keeps only the pixels whose
# window lies inside the frame, so the only edge is the one we drew. For each edge, the
# patch with the largest response must be R(q) for the edge turned by R(q).
#
# For p4m the answer is a pair: this Sobel filter is symmetric under the mirror M (it
# flips the rows, and the filter's rows are symmetric), so L_M.R(r) psi = L_R(-r) psi and
# every orientation is found by one rotation and one mirrored patch, M.R(-q).

# %%
def check_edges():
    n = 15
    edge = np.zeros((n, n))
    edge[:, n // 2 + 1:] = 1.0
    edges = [np.rot90(edge, q) for q in range(4)]
    best = np.array([np.argmax(lift(e, "p4", "valid").max(axis=(-2, -1))) for e in edges])
    checks.check("V2", "p4: index of the patch responding most to the edge turned by R(q), q = 0..3", best,
                 np.arange(4), "exact", "edges turned by R(0), R(1), R(2), R(3)", "indices are integers")
    pairs = []
    for e in edges:
        peak = lift(e, "p4m", "valid").max(axis=(-2, -1))
        pairs.append(np.flatnonzero(peak == peak.max()))
    expected = np.array([[q, 4 + (-q) % 4] for q in range(4)])  # R(q) and M.R(-q)
    checks.check("V2", "p4m: the patches tied for the strongest response: R(q) and M.R(-q)", np.array(pairs),
                 expected, "exact", "edges turned by R(0)..R(3)", "indices are integers")
    return edges


def figure_edges(edges, f):
    fig, axes = plt.subplots(2, 5, figsize=(16, 6.5), layout="constrained", height_ratios=(1, 1.3))
    names = ("dark -> light going right", "going up", "going left", "going down")
    for q, e in enumerate(edges):
        plot.plot_image(axes[0, q], e, title=f"edge L_R({q}) e: {names[q]}")
        plot.plot_group_function(axes[1, q], lift(e, "p4", "valid"), "p4", colorbar=(q == 3), cmap="RdBu_r",
                                 vmin=-4, vmax=4, title=f"valid-mode lift: patch R({q}) lights up")
    plot.plot_image(axes[0, 4], f, title="photograph f")
    F = lift(f, "p4")
    top = float(np.percentile(np.abs(F), 98))  # strong contrast; the colour bar shows the clipping
    plot.plot_group_function(axes[1, 4], F, "p4", vmin=-top, vmax=top, title="f * psi: each patch one orientation")
    fig.suptitle("V2: the Sobel filter psi lifted to p4 - each patch responds to dark-to-light edges of one "
                 "orientation (red: strong)", fontsize=12)
    path = os.path.join(FIGURES, "13_v2_edge_orientations.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return [path]


# %% [markdown]
# ## V3: the widget, driven without a screen
#
# widget.Widget is the interactive figure (python -m groupconv.widget). Here it runs on
# the Agg backend and receives synthetic matplotlib events - the same objects a window
# sends: a press, two motions and a release (a drag of 3 rows and 5 columns), a click
# (press and release on one spot: a quarter turn), a right click (mirror) and key
# presses. After each, the displayed output must equal a lifting correlation computed
# here from the displayed input, and after the click the picture must be the previous
# one turned by 90 degrees. The drag wraps around (the frame is a torus, mode
# "circular"), so translations are exact too. The widget updates the way it does in a
# window: by blitting (restore the saved background, redraw only the two pictures).

# %%
def send_mouse(w, name, row, col, button=1):
    x, y = w.ax_in.transData.transform((col, row))
    w.fig.canvas.callbacks.process(name, MouseEvent(name, w.fig.canvas, x, y, button=button))


def send_key(w, key):
    w.fig.canvas.callbacks.process("key_press_event", KeyEvent("key_press_event", w.fig.canvas, key))


def displayed(im):
    return np.nan_to_num(np.ma.filled(im.get_array().astype(np.float64), np.nan), nan=FILL)


def check_widget_output(w, group, what):
    fresh = lift(displayed(w.im_in), group)  # int64, computed here from the displayed input
    checks.check("V3", f"{group}, after {what}: displayed picture = picture of a fresh lifting correlation "
                 "of the displayed input", displayed(w.im_out), canvas(fresh, group), "exact",
                 f"input = L_g f with g = {groups.name(w.g, 'p4m')}", WIDGET_WHY)


def check_widget(f):
    for group in ("p4", "p4m"):
        w = widget.Widget(f, group=group, blit=True)  # update as in a window: redraw only what changes
        w.fig.canvas.draw()  # the first full draw saves the background that every update restores
        send_mouse(w, "button_press_event", 30, 30)
        send_mouse(w, "motion_notify_event", 31, 32)
        send_mouse(w, "motion_notify_event", 33, 35)
        send_mouse(w, "button_release_event", 33, 35)
        checks.check("V3", f"{group}: a drag by (3, 5) shows the input rolled by (3, 5) (wrap boundary)",
                     displayed(w.im_in), np.roll(f, (3, 5), axis=(0, 1)), "exact", "t(3,5)", MOVE_WHY)
        check_widget_output(w, group, "the drag")
        before = displayed(w.im_out)
        send_mouse(w, "button_press_event", 10, 10)
        send_mouse(w, "button_release_event", 10, 10)
        checks.check("V3", f"{group}: after a click the picture is the previous picture turned by 90 degrees",
                     displayed(w.im_out), np.rot90(before), "exact", "R(1)", WIDGET_WHY)
        check_widget_output(w, group, "the click")
        if group == "p4m":
            before = displayed(w.im_out)
            send_mouse(w, "button_press_event", 10, 10, button=3)
            send_mouse(w, "button_release_event", 10, 10, button=3)
            checks.check("V3", "p4m: after a right click (mirror M) the picture is the previous one flipped",
                         displayed(w.im_out), np.flip(before, axis=0), "exact", "M", WIDGET_WHY)
        for key in ("left", "up", "r"):
            send_key(w, key)
        check_widget_output(w, group, "keys left, up, r")
        plt.close(w.fig)


def report_speed():
    w = widget.Widget(size=128)
    ms = w.benchmark(repeats=5)
    print("  time per update, 128 x 128 photograph, p4, depth 1 (median of 5; this machine, now):")
    print(f"    recompute (lifting correlation + canvas) + set_data : {ms['recompute']:6.1f} ms")
    print(f"    ... + blit (what the window does per update)         : {ms['blit']:6.1f} ms")
    print(f"    ... + a full redraw instead of blitting              : {ms['full']:6.1f} ms")
    plt.close(w.fig)


# %% [markdown]
# ## V4: a filter on p4 and its transforms (figure 1 of the paper)
#
# A filter on p4 is itself a function on p4: 4 planes, drawn as 4 patches. L_s psi turns
# every plane by s and moves it from slot s' to slot s s' (for s = R(1): the next slot
# counter-clockwise) - so, drawn with plot.py, the picture of L_s psi is the picture of
# psi turned by s (for p4m: turned or flipped by s). The efficient group correlation (tutorial
# 11, L7) correlates the input planes with exactly these |H| transformed filters. The
# check reads the data back from the figure's images and compares them with the bank of
# correlate.expand_group_filter and with L_s psi computed pixel by pixel
# (action.transform_group_function_literal).

# %%
def check_filters():
    rng = np.random.default_rng(checks.SEED)
    paths = []
    for group in ("p4", "p4m"):
        psi = rng.integers(-3, 4, size=(groups.order(group), 3, 3)).astype(np.float64)
        psi[0] = widget.EDGE  # the identity plane: the Sobel filter, so the turns are easy to follow
        fig, images_ = plot.plot_filter_transforms(psi, group)
        fig.set_size_inches(14, 4.4 if group == "p4" else 7.6)  # larger patches than plot.py's compact default
        moved = "turned" if group == "p4" else "turned (or flipped)"
        fig.suptitle(f"V4: a 3 x 3 filter psi on {group} and its transforms L_s psi: every plane {moved} by s "
                     f"and moved from slot s' to slot s·s' - the whole picture moved by s", fontsize=12)
        shown = np.stack([plot.split_canvas(displayed(im), group, 3) for im in images_])
        bank = correlate.expand_group_filter(psi[None, None], group)[0, :, 0]
        checks.check("V4", f"{group}: the filter-transform figure shows the bank of expand_group_filter", shown,
                     bank, "exact", f"every s in the point group of {group}", "pixels are copied, never computed")
        literal = np.stack([action.transform_group_function_literal(psi, s, group)
                            for s in groups.point_group(group)])
        checks.check("V4", f"{group}: ... which is L_s psi by the pixel-by-pixel definition", shown, literal,
                     "exact", f"every s in the point group of {group}", "pixels are copied, never computed")
        paths.append(os.path.join(FIGURES, f"13_v4_filter_transforms_{group}.png"))
        fig.savefig(paths[-1], dpi=100)
        plt.close(fig)
    return paths


# %% [markdown]
# ## The animation and the stills
#
# Without a screen the widget writes what it would show: the input dragged, clicked
# (turned) four times and, for p4m, mirrored, with the picture following.

# %%
def write_animation():
    paths = []
    for group in ("p4", "p4m"):
        paths += widget.save_demo(FIGURES, group=group)
    return paths


def main():
    os.makedirs(FIGURES, exist_ok=True)
    t0 = time.perf_counter()
    print("A tiny example")
    tiny_example()
    f = widget.load_image(None, 65)
    print("\nV1: the picture of the turned (mirrored) feature map")
    check_pictures(f)
    written = figure_turns(f)
    print("\nV2: one edge orientation per patch")
    written += figure_edges(check_edges(), f)
    print("\nV3: the widget, driven by synthetic events")
    check_widget(f)
    report_speed()
    print("\nV4: filters on p4/p4m and their transforms")
    written += check_filters()
    written += write_animation()
    print("\nwrote " + "\n      ".join(display_path(p) for p in written))
    print(f"({time.perf_counter() - t0:.1f} s)")
    checks.finish()


if __name__ == "__main__":
    main()
