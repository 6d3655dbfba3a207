"""Tests for widget.py, driven headless with synthetic matplotlib events (V3)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backend_bases import KeyEvent, MouseEvent  # noqa: E402

from groupconv import correlate, groups, plot, widget  # noqa: E402
from groupconv.checks import SEED, residual  # noqa: E402

N = 21  # odd: the frame has a centre pixel, quarter turns are exact


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
    with pytest.raises(ValueError, match="group must be 'p4' or 'p4m'"):
        widget.Widget(image, group="p6")
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
