"""Tutorial 13 - Seeing G-convolution: pictures of feature maps on p4 and p4m.

Claim: a function on p4 can be drawn so that turning the input turns the picture.

    V1  draw plane s of F in the slot s . p0 of a canvas (p0: the identity's slot). Then
        the picture of L_R(1) F is the picture of F turned by 90 degrees, exactly
        (np.rot90 of the canvas); for p4m, with the 8 slots of plot.py's "orbit" layout,
        the picture of L_M F is also the picture of F flipped upside down.
    V2  a dark-to-light edge detector lifted to p4 responds to edges in 4 orientations,
        one orientation per patch (checked on synthetic edges, shown on a photograph).
    V3  the interactive widget: dragging / clicking the input recomputes the output from
        the displayed input, and its picture follows (driven here by synthetic events).
    V4  a filter on p4 and its transforms L_s ψ (each plane turned by s, and moved from
        slot s' to slot s s'), as in figure 1 of the paper: exactly the filters the
        efficient group correlation uses (L7).

All data are integers (grey levels 0..255, integer filters), computed with dtype int64
here, so every residual is exactly 0.0; the widget computes in float64, and the checks
require its integer-valued results to be exact too. Where a check says "rendered", it
reads the colours of the drawn figure (plot.rendered_colours), not the arrays handed to
matplotlib. The lesson also writes the widget's animation and stills to figures/.

Notation: f ⋆ ψ is the correlation (what deep learning calls "convolution").

Checks: V1, V2, V3, V4. Run: python tutorials/13_seeing_g_convolution.py, or open it as a notebook.
"""
IDS = ("V1", "V2", "V3", "V4")

# %%
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backend_bases import KeyEvent, MouseEvent

from groupconv import action, checks, correlate, figures, groups, plot, widget

figures.use_slide_style()
EXACT_WHY = "pictures only move pixels; int64 data make every correlation sum exact"
MOVE_WHY = "a translation only moves pixels: no arithmetic"
PIXELS_WHY = "colours of the rendered figure (8-bit integers), compared pixel for pixel"
WIDGET_WHY = ("the widget's float64 sums of integer grey levels times integer Sobel taps are exact integers "
              "(a 3 x 3 filter takes the direct path, never the FFT); recomputed here in int64")
FILL = -1e6  # pixels outside every slot, in the compared canvases (NaN would not compare equal)
PSI = widget.EDGE.astype(np.int64)  # the widget's Sobel filter, as integers


def canvas(F, group, **kwargs):
    """The picture of a function on p4/p4m as an array (plot.arrange_canvas), FILL outside the slots."""
    return plot.arrange_canvas(F, group, fill=FILL, **kwargs)


def lift(f, group, mode="circular"):
    """The lifted feature map (|H|, n, n) of an integer-valued image f (n, n) with the Sobel filter, in int64."""
    if not np.array_equal(f, np.round(f)):
        raise ValueError("lift expects integer grey levels (it computes in int64)")
    return correlate.lifting_correlation(f.astype(np.int64)[None, None], PSI[None, None], group, mode)[0, 0]


# %% [markdown]
# ## 1. Where each plane goes
#
# A lifted feature map F = f ⋆ ψ on p4 has 4 planes: plane s at pixel x holds
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
#
# ## 2. A tiny example to check by hand
#
# Four 1 x 1 planes holding 1, 2, 3, 4, no gap and no margin: the canvas is 3 x 3 with
# the identity's value on top, R(1)'s on the left, R(2)'s at the bottom, R(3)'s on the
# right. L_R(1) F moves plane s' to slot s' + 1 (1 x 1 planes do not change when
# turned), so it holds 4, 1, 2, 3, and its canvas is the first one turned by 90 degrees.

# %%
F = np.array([1, 2, 3, 4]).reshape(4, 1, 1)
turned = action.transform_group_function(F, groups.rotation(1), "p4")
before = plot.arrange_canvas(F, "p4", gap=0, margin=0, fill=0).astype(int)
after = plot.arrange_canvas(turned, "p4", gap=0, margin=0, fill=0).astype(int)
print("planes of F        :", F.ravel().tolist())
print("planes of L_R(1) F :", turned.ravel().tolist())
print("picture of F (0 = no slot)    picture of L_R(1) F")
for a, b in zip(before, after):
    print(f"    {a}                     {b}")
checks.check("V1", "picture of L_R(1) F = np.rot90(picture of F), 1 x 1 planes", after, np.rot90(before),
             "exact", elements="R(1)", why=EXACT_WHY)


# %% [markdown]
# ## 3. V1 on a photograph
#
# The input is the photograph matplotlib ships, in grey levels 0..255 (65 x 65, odd, so
# the turns are about the centre pixel), lifted with the widget's Sobel edge detector
# widget.EDGE (as int64 integers: PSI). For every turn (and, for p4m, every element of
# D4) the lifting correlation of the moved input is computed afresh, arranged into its
# picture (the canvas array of plot.arrange_canvas), and compared with the picture of
# the original output moved by the same element. The "rings" layout is checked too:
# turns act on its picture, but the mirror flips it and then exchanges the two rings
# (plot.swap_rings). Finally a translation moves every patch the same way, unturned.
#
# (The lifts use the "circular" mode, as the widget does: the frame is a torus, so the
# filter also sees the photograph's left edge next to its right edge. The strong lines
# along some patch borders in the figures below are those seams, not a drawing error.)

# %%
f = widget.load_image(None, 65)
n = f.shape[0]
for group in ("p4", "p4m"):
    H = groups.point_group(group)
    lhs = np.stack([canvas(lift(action.transform_image(f, s), group), group) for s in H])
    rhs = np.stack([action.transform_image(canvas(lift(f, group), group), s) for s in H])
    checks.check("V1", f"{group}: canvas of (L_s f) ⋆ ψ = canvas of f ⋆ ψ moved by s (np.rot90 / np.flip)",
                 lhs, rhs, "exact", elements=f"all {len(H)} s of {'C4' if group == 'p4' else 'D4'}", why=EXACT_WHY)
rings = canvas(lift(f, "p4m"), "p4m", layout="rings")
turned = canvas(lift(np.rot90(f), "p4m"), "p4m", layout="rings")
mirrored = canvas(lift(np.flip(f, axis=0), "p4m"), "p4m", layout="rings")
checks.check("V1", "p4m rings layout: canvas of (L_R(1) f) ⋆ ψ = np.rot90(canvas of f ⋆ ψ)", turned,
             np.rot90(rings), "exact", elements="R(1)", why=EXACT_WHY)
checks.check("V1", "p4m rings layout: the mirror does NOT flip this canvas", mirrored, np.flip(rings, axis=0),
             "nonzero", elements="M", why="M exchanges rotations (inner ring) and mirrored elements (outer ring)")
checks.check("V1", "p4m rings layout: canvas of (L_M f) ⋆ ψ = swap_rings(np.flip(canvas))", mirrored,
             plot.swap_rings(np.flip(rings, axis=0), n), "exact", elements="M", why=EXACT_WHY)
patches = plot.split_canvas(canvas(lift(np.roll(f, (5, -7), axis=(0, 1)), "p4"), "p4"), "p4", n)
checks.check("V1", "p4: translating the input by t(5,-7) (wrap) translates every patch by (5,-7), unturned",
             patches, np.roll(plot.split_canvas(canvas(lift(f, "p4"), "p4"), "p4", n), (5, -7), axis=(1, 2)),
             "exact", elements="t(5,-7)", why=EXACT_WHY)


# %% [markdown]
# ### The picture, turned
#
# Top row: the input turned by R(0), R(1), R(2), R(3). Bottom row: the lifted output of
# each, drawn by plot.plot_group_function; the arrows show where a quarter turn of the
# input carries each patch. Each picture is the one before it turned by 90 degrees:
# every patch turns and moves one slot on (top -> left -> bottom -> right). The colours
# are clipped at the 98th percentile of |f ⋆ ψ| for contrast (the arrow ends of the
# colour bar).
#
# The check reads the rendered figure: the colour drawn under every patch pixel of
# picture r is compared with the colour under the same pixel of the first picture turned
# by r quarter turns (rendered at a higher resolution, so that every pixel of the 243 x
# 243 canvas covers several pixels of the rendering).

# %%
F = lift(f, "p4")
top = int(np.percentile(np.abs(F), 98))  # strong contrast; the colour bar shows the clipping
fig, axes = plt.subplots(2, 4, figsize=(16, 8.4), layout="constrained", height_ratios=(1, 1.3))
pictures = []
for r in range(4):
    fr = np.rot90(f, r)
    plot.plot_image(axes[0, r], fr, title=f"input L_R({r}) f" if r else "input f")
    pictures.append(plot.plot_group_function(axes[1, r], lift(fr, "p4"), "p4", vmin=-top, vmax=top,
                                             colorbar=(r == 3), title=f"(L_R({r}) f) ⋆ ψ" if r else "f ⋆ ψ"))
fig.suptitle("V1: turning the input by 90 degrees turns the p4 picture by 90 degrees\n"
             "(each patch turns and moves one slot on)")
shown = plot.rendered_colours(pictures, dpi=250)
inside = np.isfinite(plot.arrange_canvas(F, "p4"))  # the patch pixels (the same set after every turn)
checks.check("V1", "rendered p4 pictures: picture r = the first picture turned by np.rot90(., r)",
             np.stack([shown[r][inside] for r in range(1, 4)]),
             np.stack([np.rot90(shown[0], r)[inside] for r in range(1, 4)]), "exact",
             elements=f"R(1), R(2), R(3); all {inside.sum()} patch pixels", why=PIXELS_WHY)
figures.save(fig, "13_v1_p4_turns.png")


# %% [markdown]
# For p4m the same picture has 8 patches. Turning the input turns it, and mirroring the
# input (M flips the row axis) flips the whole picture upside down: mirror partners s
# and M s sit opposite each other across the horizontal midline.

# %%
F = lift(f, "p4m")
top = int(np.percentile(np.abs(F), 98))
fig, axes = plt.subplots(2, 3, figsize=(16, 10), layout="constrained", height_ratios=(1, 1.6))
pictures = []
for j, (g, label) in enumerate(((groups.identity(), "f"), (groups.rotation(1), "L_R(1) f"),
                                (groups.mirror(1), "L_M f"))):
    fg = action.transform_image(f, g)
    plot.plot_image(axes[0, j], fg, title=f"input {label}")
    pictures.append(plot.plot_group_function(axes[1, j], lift(fg, "p4m"), "p4m", vmin=-top, vmax=top,
                                             colorbar=(j == 2),
                                             title=f"{label} ⋆ ψ on p4m" if j == 0 else f"({label}) ⋆ ψ on p4m"))
fig.suptitle("V1 for p4m: a quarter turn turns the picture, the mirror M flips it upside down")
shown = plot.rendered_colours(pictures, dpi=250)
inside = np.isfinite(plot.arrange_canvas(F, "p4m"))
checks.check("V1", "rendered p4m pictures: of L_R(1) f = np.rot90(of f), of L_M f = np.flip(of f, rows)",
             np.stack([shown[1][inside], shown[2][inside]]),
             np.stack([np.rot90(shown[0])[inside], np.flip(shown[0], axis=0)[inside]]), "exact",
             elements=f"R(1), M; all {inside.sum()} patch pixels", why=PIXELS_WHY)
figures.save(fig, "13_v1_p4m_turn_and_mirror.png")


# %% [markdown]
# ## 4. V2: one edge orientation per patch
#
# widget.EDGE is the Sobel filter [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]: by the
# correlation sum (f ⋆ ψ)(x) = sum_y f(x + y) ψ(y) it returns (right - left), large and
# positive where the image goes from dark on the left to light on the right. Plane s of
# the lifted output uses L_s ψ, so it looks for that edge turned by s.
#
# Synthetic edges: a 15 x 15 image, 0 on the left, 1 on the right, and its quarter turns
# (dark-to-light going right, up, left, down). "valid" mode keeps only the pixels whose
# window lies inside the frame, so the only edge is the one we drew. For each edge, the
# patch with the largest response must be R(q) for the edge turned by R(q).
#
# For p4m the answer is a pair: this Sobel filter is symmetric under the mirror M (it
# flips the rows, and the filter's rows are symmetric), so L_M·R(r) ψ = L_R(-r) ψ and
# every orientation is found by one rotation and one mirrored patch, M·R(-q).

# %%
edge = np.zeros((15, 15))
edge[:, 8:] = 1.0
edges = [np.rot90(edge, q) for q in range(4)]
best = np.array([np.argmax(lift(e, "p4", "valid").max(axis=(-2, -1))) for e in edges])
print("p4: the patch with the strongest response, for the edge turned by R(0), R(1), R(2), R(3):", best.tolist())
checks.check("V2", "p4: the patch responding most to the edge turned by R(q) is R(q)", best, np.arange(4), "exact",
             elements="edges turned by R(0..3)", why="indices are integers")
pairs = []
for e in edges:
    peak = lift(e, "p4m", "valid").max(axis=(-2, -1))
    pairs.append(np.flatnonzero(peak == peak.max()))
print("p4m: the patches tied for the strongest response:", [[groups.name(groups.point_group("p4m")[s]) for s in p]
                                                            for p in pairs])
checks.check("V2", "p4m: the patches tied for the strongest response are R(q) and M·R(-q)", np.array(pairs),
             np.array([[q, 4 + (-q) % 4] for q in range(4)]), "exact", elements="edges turned by R(0..3)",
             why="indices are integers")


# %% [markdown]
# The figure: the four edges (top) and their valid-mode lifts (bottom); in each, one
# patch lights up - red where the filter finds its edge, blue where it finds the
# opposite edge (the patch turned by a half turn). Right: the photograph and its lift,
# where each patch shows the edges of one orientation.

# %%
fig, axes = plt.subplots(2, 5, figsize=(19, 8.2), layout="constrained", height_ratios=(1, 1.35))
names = ("dark → light going right", "going up", "going left", "going down")
for q, e in enumerate(edges):
    plot.plot_image(axes[0, q], e, title=f"L_R({q}) e: {names[q]}")
    plot.plot_group_function(axes[1, q], lift(e, "p4", "valid"), "p4", colorbar=(q == 3), cmap="RdBu_r",
                             vmin=-4, vmax=4, title=f"patch R({q}) lights up")
plot.plot_image(axes[0, 4], f, title="photograph f")
F = lift(f, "p4")
top = int(np.percentile(np.abs(F), 98))
plot.plot_group_function(axes[1, 4], F, "p4", vmin=-top, vmax=top, title="f ⋆ ψ")
fig.suptitle("V2: the Sobel filter ψ lifted to p4 - each patch responds to dark-to-light edges of one "
             "orientation (red: strong)")
figures.save(fig, "13_v2_edge_orientations.png")


# %% [markdown]
# ## 5. V3: the widget, driven without a screen
#
# widget.Widget is the interactive figure (`python -m groupconv.widget`). Here it runs on
# the notebook's or the script's backend and receives synthetic matplotlib events - the
# same objects a window sends: a press, two motions and a release (a drag of 3 rows and 5
# columns), a click (press and release on one spot: a quarter turn), a right click
# (mirror) and key presses. After each, the widget's output image data must equal the
# picture of a lifting correlation computed here from its input image data, and after a
# click the picture must be the previous one turned by 90 degrees - checked on the image
# data, and once on the rendered pixels. The drag wraps around (the frame is a torus,
# mode "circular"), so translations are exact too. The widget updates the way it does in
# a window: by blitting (restore the saved background, redraw only the two pictures).

# %%
def send_mouse(w, name, row, col, button=1):
    """A synthetic mouse event at pixel (row, col) of the widget's input image."""
    x, y = w.ax_in.transData.transform((col, row))
    w.fig.canvas.callbacks.process(name, MouseEvent(name, w.fig.canvas, x, y, button=button))


def send_key(w, key):
    w.fig.canvas.callbacks.process("key_press_event", KeyEvent("key_press_event", w.fig.canvas, key))


def image_data(im):
    """The data an AxesImage holds (what set_data gave it), NaN -> FILL."""
    return np.nan_to_num(np.ma.filled(im.get_array().astype(np.float64), np.nan), nan=FILL)


def check_output_is_fresh(w, group, what):
    fresh = lift(image_data(w.im_in), group)  # int64, computed here from the widget's input
    checks.check("V3", f"{group}, after {what}: output image data = canvas of a fresh lift of the input image data",
                 image_data(w.im_out), canvas(fresh, group), "exact",
                 elements=f"input = L_g f with g = {groups.name(w.g, 'p4m')}", why=WIDGET_WHY)


for group in ("p4", "p4m"):
    w = widget.Widget(f, group=group, blit=True)  # update as in a window: redraw only what changes
    w.fig.canvas.draw()  # the first full draw saves the background that every update restores
    send_mouse(w, "button_press_event", 30, 30)
    send_mouse(w, "motion_notify_event", 31, 32)
    send_mouse(w, "motion_notify_event", 33, 35)
    send_mouse(w, "button_release_event", 33, 35)
    checks.check("V3", f"{group}: a drag by (3, 5) shows the input rolled by (3, 5) (wrap boundary)",
                 image_data(w.im_in), np.roll(f, (3, 5), axis=(0, 1)), "exact", elements="t(3,5)", why=MOVE_WHY)
    check_output_is_fresh(w, group, "the drag")
    before, before_pixels = image_data(w.im_out), plot.rendered_colours(w.im_out, dpi=200)
    send_mouse(w, "button_press_event", 10, 10)
    send_mouse(w, "button_release_event", 10, 10)
    checks.check("V3", f"{group}: after a click the picture is the previous picture turned by 90 degrees",
                 image_data(w.im_out), np.rot90(before), "exact", elements="R(1)", why=WIDGET_WHY)
    inside = np.isfinite(w.canvas)
    checks.check("V3", f"{group}: ... and so are the rendered pixels of every patch",
                 plot.rendered_colours(w.im_out, dpi=200)[inside], np.rot90(before_pixels)[inside], "exact",
                 elements=f"R(1), {inside.sum()} pixels", why=PIXELS_WHY)
    check_output_is_fresh(w, group, "the click")
    if group == "p4m":
        before = image_data(w.im_out)
        send_mouse(w, "button_press_event", 10, 10, button=3)
        send_mouse(w, "button_release_event", 10, 10, button=3)
        checks.check("V3", "p4m: after a right click (mirror M) the picture is the previous one flipped",
                     image_data(w.im_out), np.flip(before, axis=0), "exact", elements="M", why=WIDGET_WHY)
    for key in ("left", "up", "r"):
        send_key(w, key)
    check_output_is_fresh(w, group, "keys left, up, r")
    plt.close(w.fig)


# %% [markdown]
# ### The widget in a notebook
#
# In Jupyter the same widget runs inside the notebook, through the optional ipympl
# package (`pip install -r requirements-notebooks.txt`). In a new cell:
#
#     %matplotlib widget
#     from groupconv import widget
#     w = widget.Widget()                        # or widget.Widget(group="p4m", depth=2)
#
# Drag the photograph, click it (a quarter turn), right-click it (the mirror, p4m), use
# the arrow keys, r, m and 0, exactly as in the window of `python -m groupconv.widget`.
# (This lesson itself does not switch the backend, so that it also runs as a script and
# without a screen; `%matplotlib inline` brings the still pictures back.)
#
# ### How fast
#
# The widget's own benchmark, on this machine, now (for information; nothing is checked):
# recompute = the lifting correlation and the canvas; blit = what a window does per
# update; full = a render of the whole figure instead.

# %%
w = widget.Widget(size=128)
ms = w.benchmark(repeats=5)
plt.close(w.fig)
print("time per update, 128 x 128 photograph, p4, depth 1 (median of 5):")
print(f"  recompute (lifting correlation + canvas) + set_data : {ms['recompute']:6.1f} ms")
print(f"  ... + blit (what the window does per update)         : {ms['blit']:6.1f} ms")
print(f"  ... + a full redraw instead of blitting              : {ms['full']:6.1f} ms")


# %% [markdown]
# ## 6. V4: a filter on p4 and its transforms (figure 1 of the paper)
#
# A filter on p4 is itself a function on p4: 4 planes, drawn as 4 patches. L_s ψ turns
# every plane by s and moves it from slot s' to slot s s' (for s = R(1): the next slot
# counter-clockwise) - so, drawn with plot.py, the picture of L_s ψ is the picture of ψ
# turned by s (for p4m: turned or flipped by s). The efficient group correlation
# (tutorial 11, L7) correlates the input planes with exactly these |H| transformed
# filters. The plane of the identity is the Sobel filter, so the turns are easy to
# follow; the other planes are random integers.
#
# The checks read the rendered figure: under every patch pixel the colour must be the
# colour of the bank of `correlate.expand_group_filter`, and of L_s ψ computed pixel by
# pixel from its definition (action.transform_group_function_literal).

# %%
RNG = np.random.default_rng(checks.SEED)


def check_filter_figure(psi, group, images, elements):
    """The rendered panels against the bank the correlation uses and against the literal L_s ψ."""
    shown = plot.rendered_colours(images, dpi=200)
    bank = correlate.expand_group_filter(psi[None, None], group)[0, :, 0]
    H = groups.point_group(group)
    k = psi.shape[-1]  # plot_filter_transforms leaves a margin of one patch around the slots

    def picture(planes):
        return plot.arrange_canvas(planes, group, margin=k)

    inside = np.isfinite(picture(bank[0]))
    drawn = np.stack([shown[i][inside] for i in range(len(elements))])
    by_bank = np.stack([plot.colours(images[0], picture(bank[s])[inside]) for s in elements])
    literal = np.stack([plot.colours(images[0], picture(action.transform_group_function_literal(psi, H[s], group)))
                        for s in elements])[:, inside]
    tried = ", ".join(groups.name(H[s]) for s in elements)
    checks.check("V4", f"{group}: the rendered transforms show the bank of correlate.expand_group_filter", drawn,
                 by_bank, "exact", elements=tried, why=PIXELS_WHY)
    checks.check("V4", f"{group}: ... which is L_s ψ by the pixel-by-pixel definition", drawn, literal, "exact",
                 elements=tried, why=PIXELS_WHY)


psi = RNG.integers(-3, 4, size=(4, 3, 3)).astype(np.float64)
psi[0] = widget.EDGE
fig, images = plot.plot_filter_transforms(psi, "p4")
fig.suptitle("V4: a 3 x 3 filter ψ on p4 and its transforms L_s ψ:\n"
             "every plane turned by s and moved from slot s' to slot s·s' - the whole picture turned by s")
check_filter_figure(psi, "p4", images, range(4))
figures.save(fig, "13_v4_filter_transforms_p4.png")


# %% [markdown]
# For p4m, 8 transforms, in two figures of the same filter ψ on p4m. First the 4 turns
# L_R(r) ψ: each picture is the picture of ψ turned by R(r). (These small pictures leave
# out the arrows; the p4m pictures of section 3 show them.)

# %%
psi = RNG.integers(-3, 4, size=(8, 3, 3)).astype(np.float64)
psi[0] = widget.EDGE
fig, images = plot.plot_filter_transforms(psi, "p4m", elements=range(4))
fig.suptitle("V4: a 3 x 3 filter ψ on p4m and its transforms L_s ψ, s = R(r):\n"
             "the whole picture of ψ turned by R(r)")
check_filter_figure(psi, "p4m", images, list(range(4)))
figures.save(fig, "13_v4_filter_transforms_p4m_turns.png")


# %% [markdown]
# Then the 4 mirrored turns L_M·R(r) ψ (first R(r), then M): each picture is the picture
# of ψ turned by R(r) and then flipped upside down - the mirror partners s and M s swap
# places across the horizontal midline.

# %%
fig, images = plot.plot_filter_transforms(psi, "p4m", elements=range(4, 8))
fig.suptitle("V4: the same filter ψ on p4m and its transforms L_s ψ, s = M·R(r):\n"
             "the whole picture of ψ turned by R(r), then flipped upside down by M")
check_filter_figure(psi, "p4m", images, list(range(4, 8)))
figures.save(fig, "13_v4_filter_transforms_p4m_mirrors.png")


# %% [markdown]
# ## 7. The animation and the stills
#
# Without a screen the widget writes what it would show (widget.save_demo, the same code
# as `python -m groupconv.widget --save figures/`): the input dragged, clicked (turned)
# four times and, for p4m, mirrored, with the picture following - an animated GIF and
# PNG stills per group, for the README and for slides.

# %%
for group in ("p4", "p4m"):
    for path in widget.save_demo(figures.figures_dir(), group=group):
        print(f"written: {figures.display_path(path)}")


# %% [markdown]
# ## Summary
#
# * V1: with plane s in the slot s . p0, the group acts on the picture as on the plane:
#   the picture of the turned input's feature map is the turned picture (p4 and p4m, and
#   for p4m the mirror flips it), checked on the canvases and on the rendered pixels.
# * V2: each patch of a lifted edge detector answers to one edge orientation.
# * V3: the widget recomputes its output from its input after every mouse or key event,
#   and its picture turns with the input; it also runs inside a notebook (ipympl).
# * V4: the transforms L_s ψ of a filter on G, figure 1 of the paper, are exactly the
#   filter bank of the efficient implementation.

# %% [markdown]
# ## The tally
#
# Every check above printed its own line. The last cell counts them: run as a script it
# exits with status 1 if any failed (so `tutorials/run_all.py` and CI notice); in a
# notebook it raises instead.

# %%
checks.finish()
