"""Tests for widget.py, driven headless with synthetic matplotlib events (V3), and in a notebook through ipympl."""
import importlib.util
import json
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backend_bases import KeyEvent, MouseEvent  # noqa: E402

from groupconv import correlate, groups, plot, widget  # noqa: E402
from groupconv.checks import SEED, residual  # noqa: E402

N = 21  # odd: the frame has a centre pixel, quarter turns are exact
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def image():
    return np.random.default_rng(SEED).integers(0, 10, size=(N, N)).astype(np.float64)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def mouse(w, name, row, col, button=1):
    """Send a synthetic mouse event at pixel (row, col) of the input image."""
    x, y = w.ax_in.transData.transform((col, row))
    event = MouseEvent(name, w.fig.canvas, x, y, button=button)
    w.fig.canvas.callbacks.process(name, event)


def key(w, name):
    w.fig.canvas.callbacks.process("key_press_event", KeyEvent("key_press_event", w.fig.canvas, name))


def click(w, button=1):
    mouse(w, "button_press_event", 4, 4, button)
    mouse(w, "button_release_event", 4, 4, button)


def shown(im):
    return np.nan_to_num(np.ma.filled(im.get_array().astype(np.float64), np.nan), nan=-1e6)


def assert_output_is_fresh(w, group):
    """Displayed input and output agree with a lifting correlation computed here from the displayed input."""
    f = shown(w.im_in)
    assert residual(f, w.image).exact
    fresh = correlate.lifting_correlation(f[None, None], widget.EDGE[None, None], group, "circular")[0]
    assert residual(w.output, fresh).exact
    assert residual(shown(w.im_out), np.nan_to_num(plot.arrange_canvas(fresh, group), nan=-1e6)).exact


@pytest.mark.parametrize("group", ["p4", "p4m"])
def test_drag_translates_with_wrap_and_output_follows(image, group):
    w = widget.Widget(image, group=group)
    mouse(w, "button_press_event", 10, 10)
    mouse(w, "motion_notify_event", 11, 12)
    mouse(w, "motion_notify_event", 13, 15)
    mouse(w, "button_release_event", 13, 15)
    assert residual(w.image, np.roll(image, (3, 5), axis=(0, 1))).exact  # wrap boundary
    assert (w.g == groups.translation(3, 5)).all()
    assert_output_is_fresh(w, group)


def test_motion_without_press_does_nothing(image):
    w = widget.Widget(image)
    mouse(w, "motion_notify_event", 12, 14)
    assert residual(w.image, image).exact
    assert w.update_ms == []


@pytest.mark.parametrize("group", ["p4", "p4m"])
def test_click_rotates_and_the_picture_turns(image, group):
    w = widget.Widget(image, group=group)
    key(w, "down")  # start from a translated input, so the turn is about the frame centre, not the content
    before_image, before_canvas = w.image.copy(), w.canvas.copy()
    click(w)
    assert residual(w.image, np.rot90(before_image)).exact
    mask = np.isnan(before_canvas)
    assert np.array_equal(np.isnan(w.canvas), np.rot90(mask))
    assert residual(np.nan_to_num(w.canvas), np.rot90(np.nan_to_num(before_canvas))).exact
    assert_output_is_fresh(w, group)


def test_right_click_mirrors_and_the_p4m_picture_flips(image):
    w = widget.Widget(image, group="p4m")
    before = np.nan_to_num(w.canvas)
    click(w, button=3)
    assert residual(w.image, np.flip(image, axis=0)).exact
    assert residual(np.nan_to_num(w.canvas), np.flip(before, axis=0)).exact
    assert_output_is_fresh(w, "p4m")


def test_p4_picture_does_not_follow_a_mirror(image):
    # p4 knows no mirrors: the picture of the mirrored input is not the flipped picture
    w = widget.Widget(image, group="p4")
    before = np.nan_to_num(w.canvas)
    key(w, "m")
    assert not residual(np.nan_to_num(w.canvas), np.flip(before, axis=0)).exact
    assert_output_is_fresh(w, "p4")


def test_keys_translate_rotate_mirror_reset(image):
    w = widget.Widget(image, group="p4m")
    for name in ("right", "right", "up", "r", "m"):
        key(w, name)
    expected = np.flip(np.rot90(np.roll(image, (-1, 2), axis=(0, 1))), axis=0)
    assert residual(w.image, expected).exact
    assert (w.g == groups.compose(groups.mirror(1), groups.rotation(1), groups.translation(-1, 2))).all()
    assert_output_is_fresh(w, "p4m")
    key(w, "0")
    assert residual(w.image, image).exact
    assert_output_is_fresh(w, "p4m")


@pytest.mark.parametrize("depth", [2, 3])
def test_deeper_network_output_is_fresh_and_turns(image, depth):
    w = widget.Widget(image, group="p4", depth=depth, channel=1)
    before = np.nan_to_num(w.canvas)
    click(w)
    F = correlate.lifting_correlation(w.image[None, None], w.filters[0], "p4", "circular")
    for psi in w.filters[1:]:
        F = correlate.group_correlation(np.maximum(F, 0), psi, "p4", "circular")
    assert residual(w.output, F[0]).exact
    assert residual(np.nan_to_num(w.canvas), np.rot90(before)).exact
    assert residual(np.nan_to_num(w.canvas), np.nan_to_num(plot.arrange_canvas(F[0, 1], "p4"))).exact


def test_blitting_path_gives_the_same_state(image):
    w = widget.Widget(image, group="p4", blit=True)
    w.fig.canvas.draw()  # the draw event stores the background
    assert w._background is not None
    click(w)
    key(w, "left")
    assert residual(w.image, np.roll(np.rot90(image), -1, axis=1)).exact
    assert_output_is_fresh(w, "p4")


def test_default_photograph_is_integer_grey_levels():
    w = widget.Widget(size=9)
    assert w.image.shape == (9, 9)
    assert residual(w.image, np.round(w.image)).exact
    assert w.image.min() >= 0 and w.image.max() <= 255


def test_image_file_and_filter_file(tmp_path, image):
    path = tmp_path / "img.png"
    plt.imsave(path, image, cmap="gray")
    psi = np.arange(9.0).reshape(3, 3)
    np.save(tmp_path / "psi.npy", psi)
    w = widget.Widget(str(path), filter=str(tmp_path / "psi.npy"), size=11)
    assert w.image.shape == (11, 11)
    assert residual(w.filters[0][0, 0], psi).exact
    fresh = correlate.lifting_correlation(w.image[None, None], psi[None, None], "p4", "circular")[0]
    assert residual(w.output, fresh).exact


def test_filter_given_as_an_array(image):
    psi = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
    w = widget.Widget(image, filter=psi, group="p4m")
    fresh = correlate.lifting_correlation(image[None, None], psi[None, None], "p4m", "circular")[0]
    assert residual(w.output, fresh).exact


def test_bad_arguments_are_rejected(image):
    with pytest.raises(ValueError, match="group must be one of"):
        widget.Widget(image, group="p5")
    with pytest.raises(ValueError, match="zero outside its frame"):
        widget.Widget(image, group="p6")  # a square image with its corners is no hexagonal image
    with pytest.raises(ValueError, match="odd side"):
        widget.Widget(None, group="p6", size=20)
    with pytest.raises(ValueError, match="depth must be 1, 2 or 3"):
        widget.Widget(image, depth=4)
    with pytest.raises(ValueError, match="square"):
        widget.Widget(image[:, :-1])
    with pytest.raises(TypeError, match="numeric"):
        widget.Widget(image.astype(str))
    with pytest.raises(ValueError, match="'edge', 'random'"):
        widget.Widget(image, filter="sobel")
    with pytest.raises(ValueError, match="odd k"):
        widget.Widget(image, filter=np.ones((4, 4)))
    with pytest.raises(ValueError, match="channel"):
        widget.Widget(image, channel=1)
    with pytest.raises(ValueError, match="no image file"):
        widget.Widget("/nonexistent/picture.png")


def test_inputs_are_not_modified(image):
    copy = image.copy()
    w = widget.Widget(image)
    click(w)
    key(w, "right")
    assert residual(image, copy).exact


def test_save_writes_an_animated_gif_and_stills(tmp_path):
    from PIL import Image

    paths = widget.save_demo(str(tmp_path), group="p4m", size=15, dpi=30, still_dpi=30)
    gif = Image.open(paths[0])
    assert paths[0].endswith("13_widget_p4m.gif") and gif.n_frames > 5
    assert sorted(p.rsplit("_", 1)[-1] for p in paths[1:]) == ["mirrored.png", "rotated.png", "start.png",
                                                               "translated.png"]


# ---------------------------------------------------------------- in a notebook: ipympl's canvas

IPYMPL = "module://ipympl.backend_nbagg"  # the backend `%matplotlib widget` selects


def require(*names):
    """Skip unless the optional packages are installed; found without importing them (importing
    ipympl while matplotlib is loaded switches matplotlib's backend)."""
    missing = [name for name in names if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(f"optional packages missing: {', '.join(missing)} (requirements-notebooks.txt)")


@pytest.fixture
def ipympl_backend():
    """pyplot on ipympl's backend for one test (skipped without the optional ipympl), the old backend afterwards."""
    require("ipympl")
    plt.close("all")
    previous = matplotlib.get_backend()  # before anything imports ipympl
    plt.switch_backend(IPYMPL)
    yield
    plt.close("all")
    plt.switch_backend(previous)


def browser(w, content):
    """Deliver `content` the way the browser's front end does: a custom ipywidgets comm message to the canvas."""
    w.fig.canvas._handle_msg({"content": {"data": {"method": "custom", "content": content}}, "buffers": []})


def browser_mouse(w, kind, row, col, button=0, buttons=0):
    """A mouse message as ipympl's JavaScript sends it: canvas pixels from the top left, JS button numbers."""
    x, y = w.ax_in.transData.transform((col, row))
    height = w.fig.bbox.height
    browser(w, {"type": kind, "x": float(x), "y": float(height - y), "button": button, "buttons": buttons,
                "modifiers": [], "guiEvent": {}})


def browser_click(w, row, col, button=0):
    mask = {0: 1, 2: 2}[button]  # JS: button 0 = left (mask 1), 2 = right (mask 2)
    browser_mouse(w, "button_press", row, col, button, mask)
    browser_mouse(w, "button_release", row, col, button, 0)


@pytest.mark.filterwarnings("ignore:Passing unrecognized arguments:DeprecationWarning")  # ipympl's Toolbar
def test_widget_under_ipympl_follows_browser_events(image, ipympl_backend):
    import ipympl.backend_nbagg

    w = widget.Widget(image, group="p4m")
    assert isinstance(w.fig.canvas, ipympl.backend_nbagg.Canvas)
    assert not w.blit  # the browser asks for every new picture; nothing to blit
    sent = []
    w.fig.canvas.send_binary = sent.append  # the PNG frames that would go to the browser
    browser(w, {"type": "initialized"})
    # a drag of 3 rows and 5 columns
    browser_mouse(w, "button_press", 10, 10, 0, 1)
    browser_mouse(w, "motion_notify", 11, 12, 0, 1)
    browser_mouse(w, "motion_notify", 13, 15, 0, 1)
    browser_mouse(w, "button_release", 13, 15, 0, 0)
    assert residual(w.image, np.roll(image, (3, 5), axis=(0, 1))).exact
    assert_output_is_fresh(w, "p4m")
    # a left click turns the input and the picture
    before = np.nan_to_num(w.canvas)
    browser_click(w, 4, 4)
    assert residual(np.nan_to_num(w.canvas), np.rot90(before)).exact
    assert_output_is_fresh(w, "p4m")
    # a right click mirrors: the p4m picture flips
    before = np.nan_to_num(w.canvas)
    browser_click(w, 4, 4, button=2)
    assert residual(np.nan_to_num(w.canvas), np.flip(before, axis=0)).exact
    # keys as the browser names them ('k' + KeyboardEvent.key)
    for key in ("kArrowRight", "kr", "km"):
        browser(w, {"type": "key_press", "key": key, "guiEvent": {}})
    expected = np.flip(np.rot90(np.roll(np.flip(np.rot90(np.roll(image, (3, 5), axis=(0, 1))), axis=0), 1, axis=1)),
                       axis=0)
    assert residual(w.image, expected).exact
    assert_output_is_fresh(w, "p4m")
    # the browser asks for the new picture; the canvas renders it and sends it as a PNG
    browser(w, {"type": "draw"})
    assert sent and bytes(sent[-1][:8]) == b"\x89PNG\r\n\x1a\n"
    browser(w, {"type": "key_press", "key": "k0", "guiEvent": {}})
    assert residual(w.image, image).exact


def test_widget_runs_in_a_notebook_kernel_with_matplotlib_widget(tmp_path, monkeypatch):
    """A real Jupyter kernel: `%matplotlib widget`, the widget displayed as an ipympl canvas, browser events."""
    require("ipympl", "nbclient", "nbformat", "ipykernel")
    import nbclient
    import nbformat

    monkeypatch.delenv("MPLBACKEND", raising=False)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    cells = [
        "%matplotlib widget",
        "import json\nimport matplotlib\nimport numpy as np\nfrom groupconv import widget\n"
        "w = widget.Widget(size=21)\nw.fig.canvas",
        "def send(content):\n"
        "    w.fig.canvas._handle_msg({'content': {'data': {'method': 'custom', 'content': content}}, 'buffers': []})\n"
        "x, y = w.ax_in.transData.transform((4, 4))\n"
        "before_image, before_canvas = w.image.copy(), np.nan_to_num(w.canvas)\n"
        "for kind, mask in (('button_press', 1), ('button_release', 0)):\n"
        "    send({'type': kind, 'x': float(x), 'y': float(w.fig.bbox.height - y), 'button': 0, 'buttons': mask,\n"
        "          'modifiers': [], 'guiEvent': {}})\n"
        "print(json.dumps({'backend': matplotlib.get_backend(), 'canvas': type(w.fig.canvas).__module__,\n"
        "                  'turned': bool(np.array_equal(w.image, np.rot90(before_image))),\n"
        "                  'picture_turned': bool(np.array_equal(np.nan_to_num(w.canvas), np.rot90(before_canvas))),\n"
        "                  'g': str(w.g.tolist())}))",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    shown = [o for o in nb.cells[1].outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert shown, f"the widget's canvas was not displayed as an ipympl widget: {nb.cells[1].outputs}"
    result = json.loads("".join(o.get("text", "") for o in nb.cells[2].outputs if o.get("output_type") == "stream"))
    assert result["backend"] in ("widget", "ipympl", IPYMPL) and result["canvas"] == "ipympl.backend_nbagg"
    assert result["turned"] and result["picture_turned"]
    assert result["g"] == str(groups.rotation(1).tolist())


# ---------------------------------------------------------------- the hexagonal mode (p6, p6m)

HEX_N = 15


def mouse_xy(w, name, x, y, button=1):
    """A synthetic mouse event at the plane's point (x, y) of the hexagonal input."""
    px, py = w.ax_in.transData.transform((x, y))
    w.fig.canvas.callbacks.process(name, MouseEvent(name, w.fig.canvas, px, py, button=button))


def hexagonal_image():
    from groupconv import images

    return images.on_hexagon(np.random.default_rng(SEED).integers(0, 10, size=(HEX_N, HEX_N)).astype(np.float64))


@pytest.mark.parametrize("group", groups.HEXAGONAL_GROUPS)
def test_hexagonal_clicks_turn_the_whole_picture(group):
    from groupconv import action

    w = widget.Widget(hexagonal_image(), group=group)
    R = groups.element(group, *((0,) if group == "p6m" else ()), 1, 0, 0)
    for turn in range(6):
        before_planes, before_g = w.output.copy(), w.g.copy()
        mouse_xy(w, "button_press_event", 0.0, 0.0)
        mouse_xy(w, "button_release_event", 0.0, 0.0)
        # the displayed input is the original moved by g, and g went on by one turn
        assert np.array_equal(w.g, R @ before_g)
        assert residual(w.image, action.transform_image(w.original, w.g, w.boundary, group=group)).exact
        # the output is a fresh correlation of the displayed input ...
        fresh = correlate.lifting_correlation(w.image[None, None], widget.HEX_EDGE[None, None], group, w.mode)[0]
        assert residual(w.output, fresh).exact
        # ... and equals the previous output turned: every patch turned and moved one slot on
        assert residual(w.output, action.transform_group_function(before_planes, R, group, w.boundary)).exact
        # the picture turns with it: the canvas of the new output is the old canvas turned (hexagonal action)
        old_canvas = plot.hexagonal_canvas(before_planes, group, fill=0.0)
        assert residual(np.nan_to_num(w.canvas), action.transform_image(old_canvas, R, group=group)).exact
    assert residual(w.image, w.original).exact  # six turns: back to the start


def test_hexagonal_right_click_mirrors_on_p6m_and_is_ignored_on_p6():
    from groupconv import action

    w = widget.Widget(hexagonal_image(), group="p6m")
    M = groups.element("p6m", 1, 0, 0, 0)
    before = w.output.copy()
    mouse_xy(w, "button_press_event", 1.0, 1.0, button=3)
    mouse_xy(w, "button_release_event", 1.0, 1.0, button=3)
    assert np.array_equal(w.g, M)
    assert residual(w.output, action.transform_group_function(before, M, "p6m", w.boundary)).exact
    w6 = widget.Widget(hexagonal_image(), group="p6")
    mouse_xy(w6, "button_press_event", 1.0, 1.0, button=3)
    mouse_xy(w6, "button_release_event", 1.0, 1.0, button=3)
    key(w6, "m")
    assert np.array_equal(w6.g, groups.identity())  # p6 has no mirror: nothing happens
    assert "mirror" not in w6.moves


@pytest.mark.parametrize("group", groups.HEXAGONAL_GROUPS)
def test_hexagonal_drag_translates_along_the_lattice(group):
    from groupconv import action

    w = widget.Widget(hexagonal_image(), group=group)
    # a drag by 2 b1 + 1 b2 in the plane: (x, y) = 2 (1, 0) + (1/2, sqrt(3)/2), a little off the lattice point
    dx, dy = 2.5 + 0.1, np.sqrt(3) / 2 - 0.1
    mouse_xy(w, "button_press_event", -1.0, 0.5)
    mouse_xy(w, "motion_notify_event", -1.0 + dx, 0.5 + dy)
    mouse_xy(w, "button_release_event", -1.0 + dx, 0.5 + dy)
    assert np.array_equal(w.g, groups.translation(2, 1))
    assert residual(w.image, action.transform_image(w.original, groups.translation(2, 1), w.boundary, group=group)).exact
    fresh = correlate.lifting_correlation(w.image[None, None], widget.HEX_EDGE[None, None], group, w.mode)[0]
    assert residual(w.output, fresh).exact
    key(w, "left")  # one step back along b1
    assert np.array_equal(w.g, groups.translation(1, 1))
    key(w, "0")
    assert residual(w.image, w.original).exact and np.array_equal(w.g, groups.identity())
    # on p6 the frame is the periodic hexagon, so the translation is exact there too: the output moved as well
    if group == "p6":
        t = groups.translation(2, 1)
        w.do((2, 1))
        moved = correlate.lifting_correlation(w.original[None, None], widget.HEX_EDGE[None, None], "p6", "circular")[0]
        assert residual(w.output, action.transform_group_function(moved, t, "p6", "wrap")).exact


def test_hexagonal_edge_detector_is_twice_the_x_position_on_the_hexagon():
    from groupconv import lattices

    frame = lattices.get("hexagonal").frame_mask(3, 3)
    x = lattices.get("hexagonal").positions(3, 3)[..., 0]
    assert np.array_equal(widget.HEX_EDGE, np.where(frame, 2 * x, 0.0))
